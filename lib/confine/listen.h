/* Sockets a service listens on, bound on the host side and handed in as
 * systemd's socket activation does (sd_listen_fds(3)): fds 3, 4, ... with
 * LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES in the environment.
 *
 * Why on the host side: a service in `net = none` has only a loopback of
 * its own, and a service run as a plain user cannot bind a port below
 * 1024; jailctl (root, before the sandbox) binds `listen =` entries and
 * the service only ever holds the fds.  A unix socket is made in a
 * directory that passes the trusted walk (root-owned chain, no symlink,
 * lib/base/safefs.h), so the bind never lands where a user pointed it.
 *
 * jailctl may itself be socket-activated (a .socket unit in front of it):
 * jail_listen_fds_take() picks those fds up and moves them out of the way
 * of the fds jailctl opens, jail_listen_fds_install() puts the whole list
 * at 3.. in the child just before exec. */
#ifndef JAIL_CONFINE_LISTEN_H
#define JAIL_CONFINE_LISTEN_H

#include "base/error.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The most fds jail_listen_fds_take() accepts and jail_listen_fds_install()
 * places (systemd has no such limit; a unit with more is refused). */
#define JAIL_LISTEN_FDS_MAX 256
/* Where jail_listen_fds_take() moves inherited fds: at or above this, so
 * that they never sit where the caller's own fds (or the child's 3..) go. */
#define JAIL_LISTEN_FDS_MOVE 100

/* SA (LEN bytes) as text into BUF (SIZE bytes, NUL-terminated, cut when it
 * does not fit): "0.0.0.0:80", "[::1]:8080", "/run/web.sock",
 * "@abstract" (control characters of an abstract name as '?'), "unnamed"
 * for an unbound unix address, "family N" for anything else.  Returns
 * BUF, for messages. */
const char *jail_sockaddr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* A socket of FAMILY (AF_INET, AF_INET6, AF_UNIX) and TYPE (SOCK_STREAM,
 * SOCK_DGRAM, SOCK_SEQPACKET) bound to SA (LEN bytes), O_CLOEXEC, blocking
 * (what a service expects of an inherited socket): SO_REUSEADDR for an
 * INET stream, IPV6_V6ONLY for AF_INET6 (a v6 entry never takes the v4
 * port too), listen(SOMAXCONN) for stream and seqpacket.
 *
 * AF_UNIX with a path (absolute, normalised, no "." or ".." component):
 * its directory is opened with jail_walk_trusted() and the socket is made
 * there by jail_unix_bind_at() (0660, owned by UID:GID; (uid_t)-1 and
 * (gid_t)-1 leave root's).  An abstract name ('\0' first) is bound as it
 * is.  Called by root before the sandbox; umask is changed for the bind,
 * so the caller must be single-threaded.
 *
 * Returns the fd, or -1 with err naming the socket ("tcp 0.0.0.0:80:
 * address already in use"; "unix /run/x.sock: ... exists and is not a
 * socket") and nothing left behind. */
int jail_listen_socket(int family, int type, const struct sockaddr *sa, socklen_t len, uid_t uid,
		       gid_t gid, jail_error_t *err);

/* Bind the unbound AF_UNIX socket SOCK at NAME (one component) in the
 * directory DIRFD, which the caller opened without following symlinks and
 * which nobody but root can write to (so the name cannot change under us):
 *   - an existing entry NAME is removed when it is a socket (a stale one),
 *     refused otherwise (EEXIST; a symlink, a file, a directory: never
 *     followed, never touched);
 *   - the bind goes through "/proc/self/fd/DIRFD/NAME": no path is walked
 *     but DIRFD's own (/proc must be mounted), under umask 0177, so the
 *     socket is never reachable by anyone but root before it is chmod'ed
 *     to MODE and chown'ed to UID:GID (AT_SYMLINK_NOFOLLOW).
 * WHAT names the socket in messages.  The one way the confine layer makes
 * a unix socket in the file system: the notify relay's too.  The process
 * umask is changed and put back: single-threaded callers only.  On failure
 * the socket file is removed if it was made. */
int jail_unix_bind_at(int sock, int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		      const char *what, jail_error_t *err);

/* Take the fds systemd passed (sd_listen_fds(3) semantics): when
 * LISTEN_PID is this process's pid, LISTEN_FDS=N fds 3..3+N-1 are moved to
 * N consecutive new fds *FIRST.. (>= JAIL_LISTEN_FDS_MOVE and above every
 * original, O_CLOEXEC; the originals closed) and *NAMES gets the N names
 * of LISTEN_FDNAMES (':'-separated; "unknown" each when it is unset) as a
 * NULL-terminated malloc'd vector (free with jail_listen_names_free; NAMES
 * may be NULL).  The three variables are unset in any case.  Without them,
 * or for another pid: *N = 0, *FIRST = -1, *NAMES = NULL.
 * Returns 0, or -1 (a malformed value, more than JAIL_LISTEN_FDS_MAX, a
 * name count that differs from N, an fd that is not open) with err naming
 * the variable, and then no fd was moved. */
int jail_listen_fds_take(int *first, int *n, char ***names, jail_error_t *err);

void jail_listen_names_free(char **names);

/* In a forked child just before exec: fds[i] becomes fd 3+i without
 * FD_CLOEXEC, for i < N (N <= JAIL_LISTEN_FDS_MAX).  Collision-safe: any
 * fds[i] below 3+N is first copied above 3+N (O_CLOEXEC), so that no dup2
 * overwrites an fd still to be placed; the same fd may appear twice.
 * Whatever the child had at 3..3+N-1 is replaced.  Async-signal-safe (no
 * malloc, only fcntl/dup2/close).  Returns 0, or -1 with errno. */
int jail_listen_fds_install(const int *fds, size_t n);

#endif
