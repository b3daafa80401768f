/* The user side of a sandbox (see self.h). */
#define _GNU_SOURCE
#include "confine/self.h"
#include "base/safefs.h"
#include "confine/apparmor.h"
#include "confine/landlock.h"
#include "confine/restrict.h"
#include "confine/seccomp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

static void warn(const jail_self_t *s, const char *what, const jail_error_t *e)
{
	cleanup_free char *m = jail_strdup_printf("%s: %s", what, e->msg);

	if (s->warn)
		s->warn(s->arg, m ? m : what);
}

static int fail(jail_self_result_t *res, jail_self_step_t step)
{
	res->failed = step;
	return -1;
}

/* Step 4. */
static int restricted(const jail_self_t *s, jail_self_result_t *res, jail_error_t *err)
{
	if (s->command == NULL) {
		jail_error_fmt(err, EPERM, "interactive login refused");
		return fail(res, JAIL_SELF_INTERACTIVE);
	}
	if (jail_restrict_split(s->command, &res->words, err) < 0 ||
	    jail_restrict_check(s->commands, &res->words, err) < 0)
		return fail(res, JAIL_SELF_COMMAND);
	res->program = jail_restrict_find("/", res->words.v[0], err);
	if (res->program == NULL)
		return fail(res, JAIL_SELF_PROGRAM);
	return 0;
}

/* Step 5: the compiled filter from the host side, read as the session
 * file is (jail_read_trusted_file), else compiled here. */
static int seccomp(const jail_self_t *s, jail_error_t *err)
{
	cleanup_free char *blob = NULL;
	size_t len = 0;

	if (s->seccomp == JAIL_SECCOMP_OFF)
		return 0;
	if (s->seccomp_blob &&
	    jail_read_trusted_file(s->seccomp_blob, JAIL_SECCOMP_BLOB_MAX, &blob, &len, err) == 0)
		return jail_seccomp_install_blob(blob, len, err);
	if (s->seccomp_blob && !jail_error_is(err, ENOENT))
		return -1;
	return jail_seccomp_load(s->seccomp, s->seccomp_allow, s->seccomp_deny, err);
}

int jail_self_confine(const jail_self_t *s, jail_self_result_t *res, jail_error_t *err)
{
	int r;

	memset(res, 0, sizeof(*res));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		jail_error_set(err, errno, "cannot set no_new_privs");
		return fail(res, JAIL_SELF_NO_NEW_PRIVS);
	}
	r = jail_apparmor_apply(s->apparmor, s->apparmor_profile, err);
	if (r < 0)
		return fail(res, JAIL_SELF_APPARMOR);
	if (r > 0)
		warn(s, "apparmor = optional, not applied", err);
	jail_error_clear(err);
	/* A missing bind_rw target, a symlink or a non-directory/non-file
	 * there refuses unless landlock = off. */
	r = jail_landlock_apply_session(s->landlock, s->home, s->bind_rw, &res->landlock_abi, err);
	if (r < 0)
		return fail(res, JAIL_SELF_LANDLOCK);
	if (r > 0)
		warn(s, "landlock = optional, not applied", err);
	jail_error_clear(err);
	if (s->commands && s->commands->n > 0 && restricted(s, res, err) < 0)
		return -1;
	/* Last: the filter denies what the steps above needed. */
	if (seccomp(s, err) < 0)
		return fail(res, JAIL_SELF_SECCOMP);
	return 0;
}

void jail_self_result_clear(jail_self_result_t *res)
{
	free(res->program);
	jail_strv_clear(&res->words);
	memset(res, 0, sizeof(*res));
}
