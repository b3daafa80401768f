/* pam_canary.so: a test-only PAM session module with a deliberate sanitizer
 * error, loaded by libpam the way pam_jail.so is, built with the same flags
 * (tests/integration/05-sanitize.t).  Argument: heap (read past a heap
 * block in open_session), leak (lose a heap block in open_session), or
 * nothing (PAM_SUCCESS, no error).  Without AddressSanitizer it never runs
 * the error: open_session fails with PAM_SESSION_ERR. */
#define _GNU_SOURCE
#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

#ifdef __SANITIZE_ADDRESS__
static void *volatile sink;
#endif

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
#ifndef __SANITIZE_ADDRESS__
	(void)argc;
	(void)argv;
	return PAM_SESSION_ERR;
#else
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "heap") == 0) {
			volatile char *p = malloc(16);
			int c;
			if (p == NULL)
				return PAM_SESSION_ERR;
			c = p[16 + argc - 1]; /* past the end */
			free((void *)p);
			(void)c;
			return PAM_SUCCESS;
		}
		if (strcmp(argv[i], "leak") == 0) {
			sink = malloc(512);
			if (sink)
				memset(sink, 2, 512);
			sink = NULL;
		}
	}
	return PAM_SUCCESS;
#endif
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
