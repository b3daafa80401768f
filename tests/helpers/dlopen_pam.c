/* dlopen_pam: load pam_jail.so the way libpam does (dlopen RTLD_NOW, so
 * every undefined symbol must resolve now) and check what it exports: the
 * two session entry points, nothing else of PAM's, none of libjail.
 * Prints TAP.   usage: dlopen_pam /path/to/pam_jail.so */
#define _GNU_SOURCE
#include "tap.h"

#include <dlfcn.h>

int main(int argc, char **argv)
{
	static const char *const must[] = {"pam_sm_open_session", "pam_sm_close_session", NULL};
	static const char *const must_not[] = {
	    "pam_sm_authenticate", "pam_sm_setcred",	 "pam_sm_acct_mgmt",
	    "pam_sm_chauthtok",	   "jail_session_open",	 "jail_session_prepare",
	    "jail_config_load",	   "jail_mounts_begin",	 "jail_nsinit_start",
	    "jail_error_set",	   "jail_cgroup_create", NULL,
	};
	void *h;

	if (argc != 2) {
		fprintf(stderr, "usage: dlopen_pam MODULE.so\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!ok(h != NULL, "dlopen(RTLD_NOW) %s", argv[1])) {
		diag("%s", dlerror());
		return done_testing();
	}
	for (size_t i = 0; must[i]; i++)
		ok(dlsym(h, must[i]) != NULL, "%s is exported", must[i]);
	for (size_t i = 0; must_not[i]; i++)
		ok(dlsym(h, must_not[i]) == NULL, "%s is not exported", must_not[i]);
	ok(dlclose(h) == 0, "dlclose");
	return done_testing();
}
