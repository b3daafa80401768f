/* The session's log relay: syslog lines from inside a session to the
 * host's syslog, whatever the jail's sections.
 *
 * A jail has a /dev/log only when it asks for one (the `logbasics`
 * section): without it, jailsh's refusals and warnings never reached the
 * host and an admin saw "closed session" with no reason.  So every session
 * gets a relay, held by its init (pid 1, lib/confine/nsinit.h):
 *
 *   - on the host side, before pivot_root, jail_logrelay_give() connects a
 *     datagram socket to the host's /dev/log (an admin-trusted path: a
 *     symlink there, e.g. to journald's socket, is followed), binds a
 *     datagram socket at JAIL_LOGRELAY_PATH on the session's /run tmpfs
 *     (/run/jail is root's; the socket is 0666: any process of the session
 *     may send), and hands both fds to the init over its start channel;
 *   - the init receives datagrams there (jail_logrelay_pump) and forwards
 *     each to the host as one line
 *
 *       <PRI>TIMESTAMP jail-init[HOSTPID]: jail session ID user NAME pid N (uid U): TEXT
 *
 *     ("service NAME" instead of "user NAME" for a service's sandbox,
 *     jailctl run NAME) where NAME is the session's user (the service) and
 *     N, U the sender's pid (in the
 *     session's pid namespace) and uid as the kernel reports them
 *     (SCM_CREDENTIALS): the sender cannot forge them.  TEXT is what it
 *     sent, without its own <PRI> and timestamp, control characters and
 *     backslashes escaped (\xNN, \\) so that one datagram is one line,
 *     and cut at JAIL_LOGRELAY_TEXT_MAX bytes.  The severity is the
 *     sender's; the facility too, except kern, which becomes user.
 *   - at most JAIL_LOGRELAY_RATE lines a second (a token bucket, burst
 *     JAIL_LOGRELAY_BURST) leave a session; what is dropped (over the
 *     rate, or the host's socket full) is counted and reported in one line
 *     when the relay can send again.
 *
 * Any process of the session can send, not only jailsh: that is
 * acceptable because every line carries the relay's prefix with the
 * kernel-verified pid and uid and the session id, and the rate is capped.
 * Text that imitates the prefix comes after the real one.  The relay holds
 * a connection to the socket the host's syslog daemon had when the session
 * opened: once that socket is gone (the daemon restarted and made a new
 * one, which a pivoted session cannot reach) the relay stops and closes
 * its socket, so that senders fail at once (jailsh then falls back to
 * syslog(3), which reaches the host only where the jail has a /dev/log). */
#ifndef JAIL_LOGRELAY_H
#define JAIL_LOGRELAY_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_LOGRELAY_PATH     "/run/jail/log"
#define JAIL_LOGRELAY_RATE     10   /* lines a second, on average */
#define JAIL_LOGRELAY_BURST    50   /* lines at once */
#define JAIL_LOGRELAY_TEXT_MAX 1024 /* bytes of TEXT, escaped */
#define JAIL_LOGRELAY_HOST_LOG "/dev/log"

/* Host side, in the caller of jail_nsinit_start() (root, in the session's
 * new mount namespace, before pivot_root): connect to the host's /dev/log,
 * bind JAIL_LOGRELAY_PATH beneath ROOT_FD (the jail's root mount, /run
 * already mounted on it), and send both fds with the session ID, USER and
 * INIT_PID (the init's pid on the host, for the tag) to the init over
 * INIT_SOCK (jail_nsinit_t.sock, before jail_nsinit_ready()); SERVICE:
 * USER is a service's name (the tag says "service USER").  The
 * caller's working directory is kept.  On failure nothing is sent (the
 * init then runs without a relay) and err says why; the session can go
 * on: a missing log path is not a missing confinement. */
int jail_logrelay_give(int init_sock, int root_fd, const char *id, const char *user, bool service,
		       pid_t init_pid, jail_error_t *err);

/* The init's side. */
typedef struct jail_logrelay {
	int host; /* connected to the host's /dev/log */
	int sock; /* JAIL_LOGRELAY_PATH, SO_PASSCRED, non-blocking */
	char id[40];
	char user[64];
	bool service; /* USER is a service's name */
	int init_pid;
	double tokens;
	int64_t last_us;   /* monotonic time of the last refill */
	uint64_t dropped;  /* not yet reported */
	bool host_stalled; /* the last send to the host timed out */
} jail_logrelay_t;

#define JAIL_LOGRELAY_INIT                                                                         \
	{                                                                                          \
		.host = -1, .sock = -1                                                             \
	}

/* Wait for what jail_logrelay_give() sends on INIT_SOCK: 1 with R set up,
 * 0 when the caller closed the channel without sending (no relay).  Never
 * blocks once the caller has closed its end. */
int jail_logrelay_receive(int init_sock, jail_logrelay_t *r);

/* Read and forward what is queued on r->sock (at most a bounded number of
 * datagrams, so that the caller's loop goes back to its signals). */
void jail_logrelay_pump(jail_logrelay_t *r);

/* How long the init may sleep before jail_logrelay_tick() has something to
 * do (a drop report waiting for a token): -1 for ever. */
int jail_logrelay_timeout_ms(const jail_logrelay_t *r);

/* Send the drop report when a token is available. */
void jail_logrelay_tick(jail_logrelay_t *r);

/* The line for one datagram MSG of LEN bytes from PID/UID (exported for
 * the unit test): writes at most OUTSZ bytes (NUL-terminated) to OUT and
 * returns the length.  NOW is the time for the timestamp. */
size_t jail_logrelay_format(const jail_logrelay_t *r, const char *msg, size_t len, pid_t pid,
			    uid_t uid, int64_t now, char *out, size_t outsz);

/* Token bucket: true when a line may be sent at monotonic time NOW_US
 * (one token taken), false when it must be dropped. */
bool jail_logrelay_take(jail_logrelay_t *r, int64_t now_us);

#endif
