/* seccomp_blob: write the compiled filter pam_jail would put in a session
 * (lib/confine/seccomp.h, blobs) to stdout, for tests that build sessions by hand.
 *
 *   seccomp_blob default|strict [allow=NAME,...] [deny=NAME,...]
 *
 * Exit 0, or 1 with the reason on stderr. */
#include "confine/seccomp.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int add_list(jail_strv_t *l, const char *csv, jail_error_t *err)
{
	char *copy = strdup(csv), *save = NULL;
	int r = 0;

	if (copy == NULL)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t && r == 0; t = strtok_r(NULL, ",", &save))
		r = jail_strv_push(l, t, err);
	free(copy);
	return r;
}

int main(int argc, char **argv)
{
	jail_seccomp_policy_t pol;
	jail_strv_t allow = {0}, deny = {0};
	jail_error_t err = {0};
	char *blob = NULL;
	size_t len = 0;

	if (argc < 2 || (strcmp(argv[1], "default") != 0 && strcmp(argv[1], "strict") != 0)) {
		fprintf(stderr, "usage: seccomp_blob default|strict [allow=A,B] [deny=C,D]\n");
		return 1;
	}
	pol = strcmp(argv[1], "strict") == 0 ? JAIL_SECCOMP_STRICT : JAIL_SECCOMP_DEFAULT;
	for (int i = 2; i < argc; i++) {
		int r = -1;
		if (strncmp(argv[i], "allow=", 6) == 0)
			r = add_list(&allow, argv[i] + 6, &err);
		else if (strncmp(argv[i], "deny=", 5) == 0)
			r = add_list(&deny, argv[i] + 5, &err);
		if (r < 0) {
			fprintf(stderr, "seccomp_blob: bad argument %s\n", argv[i]);
			return 1;
		}
	}
	if (jail_seccomp_blob_cached(-1, pol, &allow, &deny, &blob, &len, &err) < 0) {
		fprintf(stderr, "seccomp_blob: %s\n", err.msg);
		return 1;
	}
	if (jail_write_all(1, blob, len, &err) < 0) {
		fprintf(stderr, "seccomp_blob: %s\n", err.msg);
		return 1;
	}
	free(blob);
	jail_strv_clear(&allow);
	jail_strv_clear(&deny);
	return 0;
}
