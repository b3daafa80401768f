/* libFuzzer harness for the command-set parser and the include expansion.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *       tests/fuzz/fuzz_sections.c lib/tree/sections.c lib/base/util.c lib/base/error.c \
 *       -o tests/fuzz/fuzz_sections
 *   tests/fuzz/fuzz_sections -max_total_time=60 templates/
 *
 * (Linking every lib .c file works too, adding $(pkg-config --libs libcap libseccomp
 * libapparmor pam) -liniparser.)  Every parsed file is also expanded from
 * each of its sections, so the include walk sees hostile graphs. */
#include "tree/sections.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_sections_t *s = NULL;
	jail_error_t err = {0};

	if (jail_sections_parse("fuzz.ini", (const char *)data, size, &s, &err) < 0) {
		/* Every error names the input. */
		if (strncmp(err.msg, "fuzz.ini", 8) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < s->n && i < 64; i++) {
		jail_strv_t names = {0};
		const jail_section_t **v = NULL;
		size_t n = 0;

		if (jail_strv_push(&names, s->v[i].name, NULL) == 0 &&
		    jail_sections_expand(s, &names, &v, &n, &err) == 0) {
			/* The requested section comes last, after its includes. */
			if (n == 0 || v[n - 1] != &s->v[i])
				abort();
		}
		free(v);
		jail_strv_clear(&names);
	}
	jail_sections_free(s);
	return 0;
}
