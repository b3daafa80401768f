/* A jailed session, opened and closed as one library call each.
 *
 * Used by pam_jail (in sshd's privileged monitor, login, su, ...) and by
 * `jailctl run`.  The caller is root.  jail_session_open() turns the CALLING
 * PROCESS into the session's host side: it joins the session cgroup, moves
 * into new mount, ipc, uts (and net) namespaces, forks the session init
 * (pid 1 of a new pid namespace that every later child of the caller lands
 * in), pivot_root()s into the jail and reduces its capability bounding set.
 * The caller's next fork (sshd's post-auth child, the test driver's child)
 * and everything it execs are therefore inside the jail.
 *
 * Fail closed: jail_session_open() either returns 0 with the session
 * complete, or -1 with everything it created undone (init killed, cgroup
 * destroyed, record removed, and the caller put back in its own namespaces,
 * root and cwd, so that it can still fork: sshd's child then tells the user
 * why and exits).  Should that return fail, the caller is left in half-built
 * namespaces and must not start anything for the user (a PAM module returns
 * PAM_SESSION_ERR either way).
 *
 * Logging is the caller's: the library never prints.  Lines logged after
 * jail_session_open() go to the jail's /dev/log unless the caller's syslog
 * connection was opened before (sshd's is; openlog(LOG_NDELAY) otherwise). */
#ifndef JAIL_SESSION_H
#define JAIL_SESSION_H

#include "config/config.h"
#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <sys/types.h>

typedef struct jail_session jail_session_t;

/* Look USER up (host passwd and groups) and load the configuration from
 * CONFIG_DIR.  Returns 1 and *out when the user is jailed (the assignment
 * and profile are loaded and validated), 0 with *out = NULL when the user is
 * not jailed (nothing else is touched), -1 on error (unknown user, config
 * that cannot be loaded: the caller cannot know whether the user is jailed
 * and must refuse).  When the error comes after the assignment was found
 * (profile invalid), *out is still set so that the caller can name the jail
 * and profile in its refusal; free it. */
int jail_session_prepare(const char *config_dir, const char *user, jail_session_t **out,
			 jail_error_t *err);

/* The caller's terminal (PAM_TTY; NULL: none), for the login record in
 * the host's wtmp (lib/session/loginrec.h).  Call before jail_session_open(). */
int jail_session_set_tty(jail_session_t *s, const char *tty, jail_error_t *err);
/* Before open: the id of the logind session pam_systemd opened (its
 * XDG_SESSION_ID).  jail_session_close() then releases that session
 * (logind's ReleaseSession) from the host's namespaces, as pam_systemd's
 * own close would if the system bus were reachable from the jail; the
 * caller takes XDG_SESSION_ID out of the PAM environment once the session
 * is open, so that pam_systemd's close does not try. */
int jail_session_set_logind_id(jail_session_t *s, const char *id, jail_error_t *err);

/* Check the jail and build the session (see the file comment).  REMOTE is
 * the remote host (PAM_RHOST) for the record, or NULL.  Returns 0 or -1.
 *
 * With the profile's linger set, the user's lingering session in this jail
 * with this profile, when there is one, is JOINED instead (after the same
 * checks of the jail; the record must be the user's and its init alive and
 * the recorded process): the caller moves into its cgroup, namespaces and
 * root and takes the profile's bounding set, so that its next fork is in
 * that session as after a build; jailsh then confines the user's shell as
 * in a new session (the session file and seccomp filter are there).  A
 * lingering session survives jail_session_close() of every connection; its
 * init ends it once it has held no user process for the profile's linger
 * time and no connection is open (confine/nsinit.h), or `jailctl kill`. */
int jail_session_open(jail_session_t *s, const char *remote, jail_error_t *err);

/* What kind of step a failed jail_session_open() failed at, for a caller
 * that files refusals by kind (pam_jail's reason token; err has the text):
 *   USER    the user's host login shell is not jailsh;
 *   JAIL    the jail's checks (its root, ownership and modes, jailsh, the
 *           user's line in its /etc/passwd), its mounts and the pivot into it;
 *   CGROUP  the session's cgroup (created, limited, joined; a lingering
 *           session's cgroup);
 *   STATE   the session registry, its record, a lingering session's lock
 *           and joining it;
 *   SETUP   any other step (the record refusing its input included).
 * NONE after a successful open or before any; SETUP for a NULL session. */
typedef enum jail_session_failure {
	JAIL_SESSION_FAIL_NONE = 0,
	JAIL_SESSION_FAIL_USER,
	JAIL_SESSION_FAIL_JAIL,
	JAIL_SESSION_FAIL_CGROUP,
	JAIL_SESSION_FAIL_STATE,
	JAIL_SESSION_FAIL_SETUP,
} jail_session_failure_t;
jail_session_failure_t jail_session_failure(const jail_session_t *s);

/* End the session: SIGKILL the init without blocking (the kernel kills the
 * rest of the pid namespace), destroy the cgroup (the caller is moved back
 * out first), remove the record.  A lingering session is not ended: only
 * this connection's hold on it is released (and its logout recorded).  Every step is attempted;
 * returns -1 with the first error.  Safe to call on a session that is not open (no-op). */
int jail_session_close(jail_session_t *s, jail_error_t *err);

/* Free memory and close fds; never touches the session itself (safe in a
 * forked child holding a copy). */
void jail_session_free(jail_session_t *s);

/* For log lines and the test driver. */
const char *jail_session_id(const jail_session_t *s); /* "" before open */
const char *jail_session_user(const jail_session_t *s);
const char *jail_session_jail(const jail_session_t *s); /* jail root, host path */
const char *jail_session_profile(const jail_session_t *s);
pid_t jail_session_init_pid(const jail_session_t *s); /* -1 when none */
/* 0: an ordinary session; 1: a lingering session this connection built;
 * 2: a lingering session it joined.  After a successful open. */
int jail_session_lingering(const jail_session_t *s);
/* Non-fatal notes of the last open (cgroup optional and unavailable,
 * AppArmor optional and off, no host /dev/log, ...), for the caller to log. */
const jail_strv_t *jail_session_warnings(const jail_session_t *s);

/* The files root reads inside the jail before the user's shell runs (sshd's
 * post-auth child, NSS, the dynamic loader), named relative to the jail's
 * /etc; NULL-terminated.  jail_session_check_jail() refuses a jail where one
 * is a symlink or not root's alone, and `jailctl check` reports the same. */
extern const char *const jail_session_critical_files[];

/* The checks jail_session_open() starts with, exported for `jailctl check`
 * and tests: JAIL_FD (a trusted jail root) must have root-owned, not
 * group/world-writable /etc, /bin, /sbin, /lib*, /usr (those present; a
 * root-owned symlink such as bin -> usr/bin is checked at its target inside
 * the jail), critical /etc files (passwd, group, nsswitch.conf, ld.so.*)
 * likewise, and JAILSH_PATH inside the jail must be a root-owned, not
 * group/world-writable, executable regular file whose every directory is
 * trusted too.  JAIL names the jail in messages.  jail_session_open() adds
 * two checks of its own: the jail's jailsh must be byte for byte the host's
 * installed one at JAILSH_PATH (jailctl init/update/cp copy it), and the
 * user's line in the jail's /etc/passwd must exist, carry the host's uid
 * and name jailsh as the shell (login(1) runs what it names). */
int jail_session_check_jail(int jail_fd, const char *jail, const char *jailsh_path,
			    jail_error_t *err);

/* Is the calling process already inside a jail session?  True when pid 1
 * of its pid namespace is the session init (/proc/1/comm "jail-init", on
 * a real procfs) or the session file JAIL_SESSIONFILE_PATH exists (not
 * followed if a symlink).  A session cannot be opened from inside one (a
 * second pam_jail in a stack, root in `jailctl enter` running su): the
 * host's configuration, registry and cgroups are not there.  Returns 1
 * with err describing what was found, 0 when not inside, never -1 (what
 * cannot be read is not evidence). */
int jail_session_caller_inside(jail_error_t *err);

/* Drop the calling process (root) to UID, GID and the supplementary GROUPS
 * in the proven order: setresgid, setgroups, setresuid (the bounding set is
 * the caller's, reduced before).  Then, as OpenSSH's permanently_set_uid()
 * does, try to regain root and to switch back to the old gid: if either
 * works the drop is incomplete and this fails (EPERM).  UID must not be 0. */
int jail_become_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, jail_error_t *err);

#endif
