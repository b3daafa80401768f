/* Jailed logins in the host's wtmp and lastlog, and the record files sshd
 * writes inside the session.
 *
 * sshd (and login) record a login from the process pam_jail has moved into
 * the jail: their wtmp, lastlog and utmp writes land in the jail or fail,
 * so `last` and `lastlog` on the host never showed jailed logins and sshd
 * logged "lastlog_openseek: Couldn't stat /var/log/lastlog" and "logout()
 * returned an error" for every jailed pty login.  So:
 *
 *   - pam_jail records the login on the host itself: jail_loginrec_open()
 *     opens the host's JAIL_WTMP_PATH (O_WRONLY|O_APPEND|O_NOFOLLOW) and
 *     JAIL_LASTLOG_PATH (O_WRONLY|O_NOFOLLOW) while the host paths are
 *     reachable (before pivot_root); jail_loginrec_login() appends a
 *     USER_PROCESS record (user, remote host and address, time, the
 *     opener's pid, the line) and writes the user's lastlog entry at
 *     uid * sizeof(struct lastlog), once the session is complete, then
 *     CLOSES both files: the caller's next fork is sshd's post-auth child,
 *     which drops to the user, and an open write fd of a host file must not
 *     be in a process the user runs (internal-sftp serves the user from
 *     that very process).  What close needs is kept as namespace fds
 *     (the host's mount and pid namespaces), which give an unprivileged
 *     holder nothing: setns(2) needs CAP_SYS_ADMIN.
 *     jail_loginrec_logout() then appends the DEAD_PROCESS record from a
 *     child forked into the host's pid namespace that enters the host's
 *     mount namespace and opens wtmp there: the caller itself stays in the
 *     jail (a multi-threaded caller could not setns(CLONE_NEWNS) anyway).
 *     A file the host does not have is skipped (sshd and login do not
 *     create them either).
 *   - The line (ut_line, 32 bytes) pairs the login with its logout in
 *     `last`: the PAM_TTY value when it names a terminal (/dev/VALUE is a
 *     character device: login(1) on tty1, su on pts/3), otherwise
 *     "jail/" + the session id (sshd sets PAM_TTY to "ssh" before it has a
 *     pty), unique per session, so concurrent sessions of one user pair
 *     correctly.
 *   - sshd's own records go to files of the session, where they cost
 *     nothing: jail_loginrec_session_files() mounts a small tmpfs on the
 *     jail's /var/log holding empty lastlog, wtmp and btmp, and binds the
 *     session's /run (with an empty utmp) on /var/run, glibc's utmp
 *     directory, where the jail has those directories (the `jailsh`
 *     section makes them).  Both are root's (0755), nosuid, nodev, noexec,
 *     and go away with the session; the jail tree itself stays read-only.
 *
 * Failing to record is never a refusal: the records are an audit trail of
 * the host, not part of the confinement, and sshd itself goes on when its
 * writes fail.  The caller logs the error as a warning of the session. */
#ifndef JAIL_LOGINREC_H
#define JAIL_LOGINREC_H

#include "base/error.h"

#include <stdbool.h>
#include <sys/types.h>

#define JAIL_WTMP_PATH	       "/var/log/wtmp"
#define JAIL_LASTLOG_PATH      "/var/log/lastlog"
#define JAIL_LOGINREC_LINE_MAX 32 /* ut_line */

typedef struct jail_loginrec {
	int wtmp_fd;	/* the host's wtmp, -1 when none (open..login only) */
	int lastlog_fd; /* the host's lastlog, -1 when none (open..login only) */
	int host_mnt;	/* the host's mount namespace, for the logout */
	int host_pidns; /* the host's pid namespace, for the logout's child */
	char line[JAIL_LOGINREC_LINE_MAX + 1];
	pid_t pid; /* the opener, which also closes */
	bool logged_in;
} jail_loginrec_t;

#define JAIL_LOGINREC_INIT                                                                         \
	{                                                                                          \
		.wtmp_fd = -1, .lastlog_fd = -1, .host_mnt = -1, .host_pidns = -1, .line = "",     \
		.pid = 0, .logged_in = false                                                       \
	}

/* The line for a session: TTY (PAM_TTY, "/dev/" optional) when /dev/TTY is
 * a character device and fits, else "jail/" SESSION_ID.  Looks at /dev:
 * call it on the host side. */
void jail_loginrec_line(const char *tty, const char *session_id,
			char out[JAIL_LOGINREC_LINE_MAX + 1]);

/* Host side, before pivot_root: decide the line and open the host's files.
 * HOST_MNT and HOST_PIDNS are fds of the caller's own (the host's) mount
 * and pid namespaces (/proc/self/ns/mnt and pid, opened before unshare);
 * they are duplicated for the logout.  Returns 0 (a missing file is
 * skipped) or -1 with err; R is usable (and must be closed) either way. */
int jail_loginrec_open(jail_loginrec_t *r, const char *tty, const char *session_id, int host_mnt,
		       int host_pidns, jail_error_t *err);

/* Append the login to wtmp and write the lastlog entry of UID.  REMOTE (the
 * remote host, may be NULL) goes in ut_host, and in ut_addr_v6 when it is
 * an address.  Every write is attempted; -1 with the first error. */
int jail_loginrec_login(jail_loginrec_t *r, const char *user, uid_t uid, const char *remote,
			jail_error_t *err);

/* Append the logout (DEAD_PROCESS, same line and pid) when a login was
 * recorded; a no-op otherwise.  Call it after the session's teardown: it
 * moves the caller's pid_for_children back to the host's pid namespace
 * (the session's is dead by then, and every fork there would fail) and
 * forks one short-lived child that writes the record on the host. */
int jail_loginrec_logout(jail_loginrec_t *r, jail_error_t *err);

void jail_loginrec_close(jail_loginrec_t *r);

/* In the session's mount namespace, before pivot_root: the session files
 * for sshd's own records (see above) beneath ROOT_FD, the jail's root
 * mount with the session's /run already on it.  A jail without /var/log or
 * /var/run gets nothing there (sshd then warns as before).  Returns 0 or
 * -1 with err. */
int jail_loginrec_session_files(int root_fd, jail_error_t *err);

#endif
