/* san_canary: a deliberate sanitizer error, for tests/integration/05-sanitize.t
 * to prove that make sanitize notices one.  Built like every test helper
 * (with -fsanitize=address,undefined under SANITIZE=1).
 *
 *   san_canary heap    write one byte past a heap block (ASan)
 *   san_canary ubsan   signed integer overflow (UBSan, -fno-sanitize-recover)
 *   san_canary leak    lose a heap block (LeakSanitizer at exit)
 *   san_canary child   a forked child writes past a heap block; the parent
 *                      exits with the child's status, as the library's
 *                      fork-and-wait callers report a child's failure
 *   san_canary clean   no error: exit 0
 *
 * Without AddressSanitizer it does nothing and exits 77 (the errors above
 * are undefined behaviour, not worth running unchecked). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
static void *volatile sink;

static int heap_overflow(size_t n)
{
	volatile char *p = malloc(n);

	if (p == NULL)
		return 1;
	p[n] = 1; /* one past the end */
	free((void *)p);
	return 0;
}
#endif

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

#ifndef __SANITIZE_ADDRESS__
	(void)mode;
	fprintf(stderr, "san_canary: not a sanitizer build\n");
	return 77;
#else
	if (strcmp(mode, "heap") == 0)
		return heap_overflow((size_t)argc + 14);
	if (strcmp(mode, "ubsan") == 0) {
		volatile int big = INT_MAX - 1 + argc / 2; /* INT_MAX with one argument */
		int r = big + argc;			   /* overflows */
		printf("%d\n", r);
		return 0;
	}
	if (strcmp(mode, "leak") == 0) {
		sink = malloc(4096);
		memset(sink, 1, 4096);
		sink = NULL;
		return 0;
	}
	if (strcmp(mode, "child") == 0) {
		int status;
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			_exit(heap_overflow(32));
		if (waitpid(pid, &status, 0) < 0)
			return 2;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (strcmp(mode, "clean") == 0)
		return 0;
	fprintf(stderr, "usage: san_canary heap|ubsan|leak|child|clean\n");
	return 64;
#endif
}
