/* pam_jail: the PAM session module that puts a jailed user's session in
 * its jail (see lib/session/session.h for what "open" does).
 *
 *   session required pam_jail.so [config=/etc/jail] [debug]
 *
 * It must be the LAST session module: modules after it would run inside
 * the jail.  Not a jailed user: PAM_IGNORE, nothing touched.  A jailed user
 * gets a complete session or PAM_SESSION_ERR (fail closed), with a syslog
 * (authpriv) line and a one-line reason for the user.  A configuration that
 * cannot be loaded refuses every session: we cannot know whether the user
 * is jailed.
 *
 * Every line it logs keeps its human text first and ends with key=value
 * fields (base/logfields.h; pam_jail(8), LOGGING): session, user, jail,
 * profile and remote always, in that order, `-` when not known; on a
 * refusal or an error also reason (a token: log_reason below) and detail
 * (the text). */
#define _GNU_SOURCE
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config/config.h"
#include "base/error.h"
#include "base/logfields.h"
#include "base/sdbus.h"
#include "session/session.h"
#include "session/stats.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define EXPORT	  __attribute__((visibility("default")))
#define DATA_NAME "pam_jail_session"

typedef struct args {
	const char *config;
	bool debug;
} args_t;

/* The fields of a line about USER's session S (either may be NULL), with
 * REASON (a token) and DETAIL (the text) on a refusal or an error.  Only
 * pam_get_item: a remote host is whatever the application set, quoted by
 * the rule (a hostile PAM_RHOST cannot forge a field). */
static const char *log_fields(jail_logfields_t *f, pam_handle_t *pamh, const char *user,
			      const jail_session_t *s, const char *reason, const char *detail)
{
	const void *rhost = NULL;

	if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
		rhost = NULL;
	jail_logfields_init(f);
	jail_logfields_add(f, "session", s && jail_session_id(s)[0] ? jail_session_id(s) : NULL);
	jail_logfields_add(f, "user", user ? user : s ? jail_session_user(s) : NULL);
	jail_logfields_add(f, "jail", s ? jail_session_jail(s) : NULL);
	jail_logfields_add(f, "profile", s ? jail_session_profile(s) : NULL);
	jail_logfields_add(f, "remote",
			   rhost && ((const char *)rhost)[0] ? (const char *)rhost : NULL);
	if (reason) {
		jail_logfields_add(f, "reason", reason);
		jail_logfields_add(f, "detail", detail);
	}
	return jail_logfields_str(f);
}

/* The reason token of a failed jail_session_open() (pam_jail(8) lists
 * them): the kind of step the library says failed
 * (jail_session_failure()), never read from the text, which detail keeps
 * whole.  A coarse class for filtering and counting. */
static const char *open_reason(const jail_session_t *s)
{
	switch (jail_session_failure(s)) {
	case JAIL_SESSION_FAIL_USER:
		return "user";
	case JAIL_SESSION_FAIL_JAIL:
		return "jail";
	case JAIL_SESSION_FAIL_CGROUP:
		return "cgroup";
	case JAIL_SESSION_FAIL_STATE:
		return "state";
	case JAIL_SESSION_FAIL_NONE:
	case JAIL_SESSION_FAIL_SETUP:
		break;
	}
	return "setup";
}

static int parse_args(pam_handle_t *pamh, int argc, const char **argv, args_t *a)
{
	a->config = JAIL_DEFAULT_CONFIG_DIR;
	a->debug = false;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] == '/') {
			a->config = argv[i] + 7;
		} else if (strcmp(argv[i], "debug") == 0) {
			a->debug = true;
		} else {
			jail_logfields_t f;
			char msg[512];

			snprintf(
			    msg, sizeof(msg),
			    "unknown or invalid module argument '%.200s' (expected config=/DIR "
			    "or debug)",
			    argv[i]);
			pam_syslog(pamh, LOG_ERR, "%s%s", msg,
				   log_fields(&f, pamh, NULL, NULL, "config", msg));
			return -1;
		}
	}
	return 0;
}

/* Called by pam_end() (also in sshd's forked children): memory and fds
 * only, never the session itself. */
static void cleanup_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	jail_session_free(data);
}

/* Count a refusal by its reason token for jailctl metrics: a count that
 * fails is only a warning, never a changed answer. */
static void count_refusal(pam_handle_t *pamh, const char *token)
{
	jail_error_t cerr = {0};

	if (jail_stats_count_refused(JAIL_STATS_DIR, token, &cerr) < 0)
		pam_syslog(pamh, LOG_WARNING, "not counted: %s", cerr.msg);
}

/* TOKEN: the reason field (user, config, nested, jail, cgroup, state,
 * setup, internal); REASON: the text, for the log and the user. */
static int refuse(pam_handle_t *pamh, const char *user, const jail_session_t *s, const char *token,
		  const char *reason)
{
	jail_logfields_t f;

	count_refusal(pamh, token);
	if (s)
		pam_syslog(pamh, LOG_ERR, "refused session %s for %s (jail %s, profile %s): %s%s",
			   jail_session_id(s)[0] ? jail_session_id(s) : "-", user,
			   jail_session_jail(s), jail_session_profile(s), reason,
			   log_fields(&f, pamh, user, s, token, reason));
	else
		pam_syslog(pamh, LOG_ERR, "refused session for %s: %s%s", user, reason,
			   log_fields(&f, pamh, user, NULL, token, reason));
	pam_error(pamh, "jail: session refused: %s", reason);
	return PAM_SESSION_ERR;
}

/* pam_jail twice in one stack (su-l includes su; a line duplicated in
 * sshd's stack), or a caller that is itself inside a jail session (root in
 * `jailctl enter` running su): the second open would run inside the session
 * the first built, where the host's configuration, registry and cgroups
 * are not.  Refuse, saying why; in the first case also end the session the
 * first instance opened, since the caller does not call close_session
 * after a failed open (nothing may leak: record, cgroup, init).  Returns
 * PAM_SUCCESS when neither is the case. */
static int refuse_nested(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL, *service = NULL;
	char reason[1600];
	jail_error_t err;

	jail_error_clear(&err);
	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || service == NULL)
		service = "?";
	if (pam_get_data(pamh, DATA_NAME, &data) == PAM_SUCCESS && data != NULL) {
		jail_session_t *first = (jail_session_t *)data;

		snprintf(reason, sizeof(reason),
			 "pam_jail appears twice in the session stack of service %.64s; remove the "
			 "duplicate (session %s, opened by the first, is closed)",
			 (const char *)service, jail_session_id(first));
		if (jail_session_close(first, &err) < 0) {
			jail_logfields_t f;

			pam_syslog(pamh, LOG_ERR, "closing session %s for %s: %s%s",
				   jail_session_id(first), jail_session_user(first), err.msg,
				   log_fields(&f, pamh, NULL, first, "close", err.msg));
		}
		/* Replacing the data frees the first session (cleanup_data). */
		pam_set_data(pamh, DATA_NAME, NULL, NULL);
		return refuse(pamh, user, NULL, "nested", reason);
	}
	if (jail_session_caller_inside(&err) == 1) {
		snprintf(
		    reason, sizeof(reason),
		    "the caller (service %.64s) is already inside a jail session (%.200s); a jail "
		    "session cannot be opened from inside one",
		    (const char *)service, err.msg);
		return refuse(pamh, user, NULL, "nested", reason);
	}
	return PAM_SUCCESS;
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;
	const void *rhost = NULL;
	const void *tty = NULL;
	jail_session_t *s = NULL;
	jail_logfields_t f;
	char remote[JAIL_LOGFIELD_VALUE_MAX * 4 + 8];
	jail_error_t err;
	const char *xdg;
	bool logind = false;
	args_t a;
	int r;

	(void)flags;
	jail_error_clear(&err);
	if (parse_args(pamh, argc, argv, &a) < 0) {
		count_refusal(pamh, "config");
		pam_error(pamh, "jail: session refused: pam_jail is misconfigured");
		return PAM_SESSION_ERR;
	}
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL || user[0] == '\0') {
		pam_syslog(
		    pamh, LOG_ERR, "refused session: cannot determine the user name%s",
		    log_fields(&f, pamh, NULL, NULL, "user", "cannot determine the user name"));
		count_refusal(pamh, "user");
		return PAM_SESSION_ERR;
	}
	r = refuse_nested(pamh, user);
	if (r != PAM_SUCCESS)
		return r;
	r = jail_session_prepare(a.config, user, &s, &err);
	if (r == 0) {
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "%s is not jailed (config %s)%s", user,
				   a.config, log_fields(&f, pamh, user, NULL, NULL, NULL));
		return PAM_IGNORE;
	}
	if (r < 0) {
		/* no session object: the user's lookup or the configuration;
		 * one: its profile */
		r = refuse(pamh, user, s, s == NULL && getpwnam(user) == NULL ? "user" : "config",
			   err.msg);
		jail_session_free(s);
		return r;
	}
	pam_get_item(pamh, PAM_RHOST, &rhost);
	if (pam_get_item(pamh, PAM_TTY, &tty) == PAM_SUCCESS &&
	    jail_session_set_tty(s, (const char *)tty, &err) < 0) {
		r = refuse(pamh, user, s, "setup", err.msg);
		jail_session_free(s);
		return r;
	}
	/* pam_systemd (before us in the stack) opened a logind session: we
	 * release it at close, from the host (see jail_session_set_logind_id). */
	xdg = pam_getenv(pamh, "XDG_SESSION_ID");
	if (xdg && jail_systemd_booted()) {
		if (jail_session_set_logind_id(s, xdg, &err) < 0) {
			r = refuse(pamh, user, s, "setup", err.msg);
			jail_session_free(s);
			return r;
		}
		logind = true;
	}
	if (jail_session_open(s, (const char *)rhost, &err) < 0) {
		r = refuse(pamh, user, s, open_reason(s), err.msg);
		jail_session_free(s);
		return r;
	}
	for (size_t i = 0; i < jail_session_warnings(s)->n; i++)
		pam_syslog(pamh, LOG_WARNING, "session %s for %s: %s%s", jail_session_id(s), user,
			   jail_session_warnings(s)->v[i],
			   log_fields(&f, pamh, user, s, NULL, NULL));
	if (pam_set_data(pamh, DATA_NAME, s, cleanup_data) != PAM_SUCCESS) {
		jail_session_close(s, &err);
		r = refuse(pamh, user, s, "internal",
			   "cannot keep the session state (pam_set_data)");
		jail_session_free(s);
		return r;
	}
	/* pam_systemd's close would try the system bus from inside the jail;
	 * without the id it leaves the release to us. */
	if (logind)
		pam_putenv(pamh, "XDG_SESSION_ID");
	/* the remote host in the text as its field has it: whatever a
	 * client's name holds, the line has no '=' but its fields' */
	jail_logfield_value(remote, sizeof(remote),
			    rhost && ((const char *)rhost)[0] ? (const char *)rhost : NULL);
	pam_syslog(pamh, LOG_INFO,
		   "%s session %s for %s (jail %s, profile %s, remote %s, init pid %d)%s",
		   jail_session_lingering(s) == 2   ? "joined lingering"
		   : jail_session_lingering(s) == 1 ? "opened lingering"
						    : "opened",
		   jail_session_id(s), user, jail_session_jail(s), jail_session_profile(s), remote,
		   (int)jail_session_init_pid(s), log_fields(&f, pamh, user, s, NULL, NULL));
	return PAM_SUCCESS;
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *data = NULL;
	jail_session_t *s;
	jail_logfields_t f;
	jail_error_t err;
	args_t a;
	int ret = PAM_SUCCESS;
	bool lingering;

	(void)flags;
	jail_error_clear(&err);
	if (parse_args(pamh, argc, argv, &a) < 0)
		return PAM_SESSION_ERR;
	if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || data == NULL)
		return PAM_IGNORE;
	s = (jail_session_t *)data;
	lingering = jail_session_lingering(s) != 0;
	if (jail_session_close(s, &err) < 0) {
		pam_syslog(pamh, LOG_ERR,
			   "closed session %s for %s (jail %s, profile %s) with an error: %s%s",
			   jail_session_id(s), jail_session_user(s), jail_session_jail(s),
			   jail_session_profile(s), err.msg,
			   log_fields(&f, pamh, NULL, s, "close", err.msg));
		ret = PAM_SESSION_ERR;
	} else {
		pam_syslog(pamh, LOG_INFO, "%s session %s for %s (jail %s, profile %s)%s",
			   lingering ? "left lingering" : "closed", jail_session_id(s),
			   jail_session_user(s), jail_session_jail(s), jail_session_profile(s),
			   log_fields(&f, pamh, NULL, s, NULL, NULL));
	}
	/* Replacing the data frees the session (cleanup_data). */
	pam_set_data(pamh, DATA_NAME, NULL, NULL);
	return ret;
}
