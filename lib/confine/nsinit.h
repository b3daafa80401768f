/* Namespaces of a session and its init (pid 1).
 *
 * The caller (sshd's privileged monitor, `jailctl run`, the libpam test
 * driver) calls jail_ns_unshare(): its mount, ipc and uts namespaces (and the
 * network namespace with net = none) change at once; the pid namespace only
 * applies to the children forked afterwards.  jail_nsinit_start() then forks
 * the session init, which becomes pid 1 of the new pid namespace:
 *
 *   - it creates a detached /proc mount (fsopen/fsmount: only a process inside
 *     the new pid namespace can create a proc instance that shows it) and
 *     hands its fd back to the caller, which attaches it inside the jail;
 *   - it closes every other fd, drops all its capabilities (bounding set
 *     included) and sets no_new_privs: it never needs a privilege again;
 *   - after its report it takes the session's log relay if the caller hands
 *     one over (lib/confine/logrelay.h: jail_logrelay_give on init->sock before
 *     jail_nsinit_ready) and forwards its lines;
 *   - it reaps orphans with waitpid(WNOHANG) on every SIGCHLD (a signalfd
 *     polled with the relay's socket, or sigwaitinfo without a relay), and
 *     never exits on its own (a dead pid 1 makes every later fork in the
 *     namespace fail with ENOMEM), except on SIGTERM, which ends the whole
 *     session, and, in a lingering session (linger_ms set), once the
 *     namespace has held no process but itself for linger_ms and no
 *     connection holds the session's lock (see linger_fd).
 *
 * The session ends when the init is killed (jail_nsinit_kill), after it was
 * asked to end (jail_nsinit_stop) where it can still read its log relay: the kernel
 * then kills every process left in the pid namespace. */
#ifndef JAIL_NSINIT_H
#define JAIL_NSINIT_H

#include "base/error.h"
#include "confine/spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_NSINIT_NAME "jail-init"

typedef struct jail_nsinit {
	pid_t pid;	      /* pid of the init in the caller's pid namespace */
	uint64_t starttime;   /* field 22 of /proc/PID/stat: identifies the process with pid */
	int pidfd;	      /* pidfd of the init (race-free kill), -1 when none */
	int sock;	      /* its report socket until jail_nsinit_ready(), else -1 */
	int chan;	      /* the same after ready (write side shut): its exit shows as EOF */
	bool die_with_caller; /* set before start: the init ends when the caller dies */
	bool moved;	      /* started on another CPU; its affinity is given back at ready */
	/* Set before start for a lingering session (0 / -1: not lingering):
	 * the init exits once its pid namespace has held no other process
	 * for LINGER_MS, if it then gets an exclusive flock(LOCK_NB) on
	 * LINGER_FD (its own open of the session's lock file, which every
	 * connection holds shared: session/registry.h); it exits holding
	 * it, so a login that waits for its shared lock finds it exiting.
	 * The caller keeps LINGER_FD and closes it after start. */
	uint64_t linger_ms;
	int linger_fd;
} jail_nsinit_t;

#define JAIL_NSINIT_INIT                                                                           \
	{                                                                                          \
		.pid = -1, .starttime = 0, .pidfd = -1, .sock = -1, .chan = -1, .moved = false,    \
		.linger_ms = 0, .linger_fd = -1                                                    \
	}

/* unshare(CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWIPC|CLONE_NEWUTS [|CLONE_NEWNET])
 * for the calling process, then set HOSTNAME in the new uts namespace and,
 * unless NET is JAIL_NET_HOST, bring the new namespace's loopback up.  On failure the
 * caller is left in whatever namespaces were already entered: callers refuse
 * the session (a PAM caller's process only serves this session). */
int jail_ns_unshare(jail_net_t net, const char *hostname, jail_error_t *err);

/* The caller's own namespaces (mount, pid, ipc, uts, net) and working
 * directory, saved before jail_ns_unshare() so that a setup that fails
 * half-way can put the caller back where it was (jail_ns_restore). */
typedef struct jail_ns_saved {
	int fd[5]; /* -1 when not saved */
	int cwd;
} jail_ns_saved_t;

#define JAIL_NS_SAVED_INIT                                                                         \
	{                                                                                          \
		.fd = {-1, -1, -1, -1, -1}, .cwd = -1                                              \
	}

/* Open the caller's namespaces (/proc/self/ns/...) and cwd.  On failure
 * nothing stays open. */
int jail_ns_save(jail_ns_saved_t *saved, jail_error_t *err);

/* setns() back into every saved namespace and fchdir() to the saved cwd,
 * then close the fds.  The pid namespace is the one the caller's later
 * children land in (a failed session's is dead: every fork would fail with
 * ENOMEM); the mount namespace brings back the caller's root, which a
 * pivot_root changed.  Every step is attempted; returns -1 with the first
 * error.  A no-op when nothing is saved. */
int jail_ns_restore(jail_ns_saved_t *saved, jail_error_t *err);

/* Close the saved fds without moving (the session is complete). */
void jail_ns_saved_close(jail_ns_saved_t *saved);
#define cleanup_ns_saved __attribute__((cleanup(jail_ns_saved_close)))

/* Fork the session init.  Must be called after jail_ns_unshare() (the init
 * must be the first process of the new pid namespace).  Returns as soon as
 * the init exists, without waiting for it to set itself up: the caller
 * does its own mounts meanwhile, then calls jail_nsinit_ready().  On
 * failure the init, if it was started, is killed and reaped. */
int jail_nsinit_start(jail_nsinit_t *init, jail_error_t *err);

/* Wait (at most 10 s) for the init started by jail_nsinit_start() to report
 * that it is set up.  On success fills *PROC_MFD with a detached proc mount
 * (O_CLOEXEC) that the caller must attach (jail_mounts_proc) and close.  On
 * failure (the init's own error, with the step that failed) the caller
 * kills the init (jail_nsinit_kill). */
int jail_nsinit_ready(jail_nsinit_t *init, int *proc_mfd, jail_error_t *err);

/* How long jail_nsinit_kill() waits for the killed init to exit.  Without
 * zombies of the caller in the namespace the init is gone in well under a
 * millisecond; with one (sshd's post-auth child, which sshd reaps only
 * after close_session returns) it cannot exit before we return, and any
 * wait is wasted. */
#define JAIL_NSINIT_REAP_MS 5

/* How long jail_nsinit_stop() waits for the init to read its log relay
 * and exit: well under a millisecond on an idle host; the bound is for a
 * loaded one. */
#define JAIL_NSINIT_STOP_MS 200

/* Ask a ready init to end (SIGTERM) and wait until it has, at most
 * TIMEOUT_MS: it first reads what the session sent to its log relay (a
 * refusal of jailsh, then the close at once), which a SIGKILL of an init
 * that has not run since would lose.  Its exit shows on init->chan at once
 * (its fds close before it waits for the namespace to empty, also while
 * the caller's own zombie child is there).  Nothing to do without a
 * channel.  Follow with jail_nsinit_signal() and jail_nsinit_reap(), as
 * for an init that did not answer. */
void jail_nsinit_stop(jail_nsinit_t *init, int timeout_ms);

/* SIGKILL the init (through its pidfd when held).  Returns 0 when the
 * signal was sent or the init is already gone.  Follow with
 * jail_nsinit_reap(). */
int jail_nsinit_signal(jail_nsinit_t *init, jail_error_t *err);

/* Reap a killed init with WNOHANG only, waiting on its pidfd for at most
 * TIMEOUT_MS: never blocks in waitpid() (see JAIL_NSINIT_REAP_MS).  Closes
 * the pidfd and forgets the init. */
void jail_nsinit_reap(jail_nsinit_t *init, int timeout_ms);

/* jail_nsinit_signal() then jail_nsinit_reap(JAIL_NSINIT_REAP_MS). */
int jail_nsinit_kill(jail_nsinit_t *init, jail_error_t *err);

/* Kill the init of a session known by pid and start time (e.g. from the
 * registry), checking first that PID still names that process.  Returns 0
 * when killed or when the process is gone (or was replaced: *GONE = true). */
int jail_nsinit_kill_pid(pid_t pid, uint64_t starttime, bool *gone, jail_error_t *err);

/* A live session to enter (jailctl enter): the init's pidfd and its root
 * directory, both taken while the init is known to be the recorded one. */
typedef struct jail_ns_target {
	pid_t pid;
	int pidfd;
	int root_fd; /* the init's root (the jail root mount), O_PATH */
} jail_ns_target_t;

#define JAIL_NS_TARGET_INIT                                                                        \
	{                                                                                          \
		.pid = -1, .pidfd = -1, .root_fd = -1                                              \
	}

/* Open the session whose init is PID with start time STARTTIME (and, when
 * MNT_INODE is not 0, whose mount namespace has that inode).  ESRCH when the
 * init is gone or PID now names another process.  The pidfd pins the
 * process: once the checks pass, the later setns() cannot reach another. */
int jail_ns_target_open(pid_t pid, uint64_t starttime, uint64_t mnt_inode, jail_ns_target_t *t,
			jail_error_t *err);

/* Move the calling process into the target's mount, pid (for children),
 * ipc, uts and net namespaces in one setns() on the pidfd, then chroot to
 * the init's root and chdir("/").  The caller must fork afterwards for its
 * child to be inside the pid namespace. */
int jail_ns_target_enter(const jail_ns_target_t *t, jail_error_t *err);

void jail_ns_target_close(jail_ns_target_t *t);
#define cleanup_ns_target __attribute__((cleanup(jail_ns_target_close)))

/* Is pid 1 of our pid namespace a session's init (JAIL_NSINIT_NAME, which
 * names itself with PR_SET_NAME)?  /proc/1/comm is read through an fd whose
 * file system must be procfs (a directory planted at /proc cannot fake
 * it).  1: yes; 0: no, with err saying what pid 1 is; -1: cannot tell
 * (no procfs, unreadable), with err.  The one test of it, for jailsh
 * (am I inside a session?) and pam_jail (is my caller?). */
int jail_pid1_is_session_init(jail_error_t *err);

#endif
