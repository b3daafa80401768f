/* libFuzzer harness for the ELF header parser of the dependency resolver.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *       tests/fuzz/fuzz_elfdeps.c lib/tree/elfdeps.c lib/base/util.c lib/base/error.c \
 *       -o tests/fuzz/fuzz_elfdeps
 *   tests/fuzz/fuzz_elfdeps -max_total_time=60 CORPUS_DIR   (e.g. a few
 *       small binaries and libraries copied from /usr/bin and /usr/lib)
 *
 * The input is the content of one file, handed over as a memfd; a fresh
 * resolver each time, since results are cached per path.  Whatever the bytes,
 * the call must return 0 or -1 with a message, never crash or read out of
 * bounds; the libraries it resolves are the host's real ones. */
#define _GNU_SOURCE
#include "tree/elfdeps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_elf_resolver_t *r = NULL;
	jail_error_t err = {0};
	jail_strv_t out = {0};
	char path[64];
	int fd = memfd_create("fuzz-elf", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || fchmod(fd, 0755) < 0 ||
	    jail_elf_resolver_new("/", &r, &err) < 0) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (jail_elf_deps(r, path, &out, &err) < 0 && err.msg[0] == '\0')
		abort(); /* an error always says what */
	(void)jail_elf_is_elf(path, &err);
	jail_strv_clear(&out);
	jail_elf_resolver_free(r);
	close(fd);
	return 0;
}
