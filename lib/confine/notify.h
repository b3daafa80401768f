/* The sd_notify relay of a jailed service, and its readiness probes.
 *
 * systemd starts `jailctl run NAME` (Type=notify, NotifyAccess=main):
 * jailctl is the unit's main pid, the service is a child of it in the
 * sandbox's pid namespace.  The service gets its own NOTIFY_SOCKET,
 * JAIL_NOTIFY_PATH on the sandbox's /run tmpfs, and jailctl relays what
 * it says upstream, from its own socket, after a filter.
 *
 * Why a relay and not the host's socket bound into the jail:
 *   - no host socket enters the jail: systemd's notify socket is shared
 *     by every unit (/run/systemd/notify), and a bind of it would let the
 *     service talk to the manager about anything it may name;
 *   - MAINPID=: a pid the service knows is one of its pid namespace,
 *     meaningless (or another process's) on the host;
 *   - NotifyAccess=main: systemd accepts a message only from the unit's
 *     main pid, which is jailctl, so the message must leave from jailctl;
 *     the kernel stamps jailctl's pid on it (SCM_CREDENTIALS), nobody can
 *     forge it.
 *
 * Threat model: the service is assumed compromised.  Through the relay it
 * can say only JAIL_NOTIFY_KEPT's assignments (READY, RELOADING, STOPPING,
 * STATUS text without control characters, ERRNO, WATCHDOG,
 * WATCHDOG_USEC, EXTEND_TIMEOUT_USEC, MONOTONIC_USEC): never MAINPID, never
 * fds (FDSTORE; any fd it attaches is closed on receipt), never a
 * barrier.  The socket is 0600 and owned by the service's user: other
 * users of a shared jail cannot speak for it.  A datagram that does not fit
 * the buffer is dropped whole, not cut. */
#ifndef JAIL_CONFINE_NOTIFY_H
#define JAIL_CONFINE_NOTIFY_H

#include "base/error.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define JAIL_NOTIFY_DIR	 "/run/jail"
#define JAIL_NOTIFY_PATH "/run/jail/notify"
/* The relay's receive buffer: JAIL_NOTIFY_MAX + 1 bytes.  systemd reads
 * at most 4096 bytes (PIPE_BUF) of a notify datagram; a longer one is
 * dropped by jail_notify_recv() with such a buffer. */
#define JAIL_NOTIFY_MAX 4096
/* STATUS= text longer than this is dropped. */
#define JAIL_NOTIFY_STATUS_MAX 1024
/* jail_notify_send() waits at most this long for room upstream. */
#define JAIL_NOTIFY_SEND_WAIT_MS 200

/* What jail_notify_filter() saw, among the lines it kept. */
#define JAIL_NOTIFY_READY	     (1u << 0) /* READY=1 */
#define JAIL_NOTIFY_RELOADING	     (1u << 1) /* RELOADING=1 */
#define JAIL_NOTIFY_STOPPING	     (1u << 2) /* STOPPING=1 */
#define JAIL_NOTIFY_WATCHDOG	     (1u << 3) /* WATCHDOG=1 */
#define JAIL_NOTIFY_WATCHDOG_TRIGGER (1u << 4) /* WATCHDOG=trigger */
#define JAIL_NOTIFY_STATUS	     (1u << 5) /* STATUS=... */

/* Host side, before pivot_root, as root.  ROOT_FD: the new root (O_PATH
 * is enough) whose /run is already the sandbox's own fresh tmpfs.  Opens
 * "run" beneath it and makes "run/jail" (0755; an existing one must be a
 * real directory, root-owned, not group/world writable; it is set to
 * 0755), nothing followed;
 * binds a datagram socket there as "notify" (jail_unix_bind_at(),
 * confine/listen.h), mode 0600, owned by UID:GID (the service's user: only
 * it and root may send).  SO_PASSCRED, O_NONBLOCK, O_CLOEXEC.  Returns the
 * fd, or -1 with err naming the path and nothing bound. */
int jail_notify_bind(int root_fd, uid_t uid, gid_t gid, jail_error_t *err);

/* The supervisor's socket: ENV is $NOTIFY_SOCKET (an absolute path, or
 * '@' for an abstract name).  NULL or "": returns 0, no supervisor, no fd.
 * Else a SOCK_DGRAM socket (O_CLOEXEC, O_NONBLOCK) connect()ed to it,
 * returned (> 0), or -1 with err naming the value.  Call it before the
 * sandbox is built: the connection is kept whatever mount and network
 * namespaces the caller enters after. */
int jail_notify_upstream(const char *env, jail_error_t *err);

/* Receive one datagram on FD (jail_notify_bind's) into BUF (SIZE bytes;
 * at most SIZE - 1 kept, NUL-terminated): its length, or 0 when there was
 * none (EAGAIN), when it was truncated (MSG_TRUNC, MSG_CTRUNC: dropped
 * whole) or empty.  *SENDER: the sender's pid as the kernel saw it, in
 * the caller's pid namespace (0 without credentials).  Every fd attached
 * (SCM_RIGHTS) is closed at once.  -1 with err on another error. */
ssize_t jail_notify_recv(int fd, char *buf, size_t size, pid_t *sender, jail_error_t *err);

/* Keep, from the LEN bytes of MSG, the newline-separated assignments a
 * jailed service may hand its supervisor:
 *   READY=1 RELOADING=1 STOPPING=1 WATCHDOG=1 WATCHDOG=trigger
 *   STATUS=<at most JAIL_NOTIFY_STATUS_MAX bytes, no control character>
 *   ERRNO= WATCHDOG_USEC= EXTEND_TIMEOUT_USEC= MONOTONIC_USEC=<1-20 digits>
 * and drop every other line (MAINPID, FDSTORE, FDNAME, BARRIER, unknown
 * keys, malformed or empty lines, lines with a NUL).  OUT (OUTSIZE bytes,
 * NUL-terminated) gets the kept lines joined by '\n'; a line that does not
 * fit is dropped (OUTSIZE >= LEN + 1 always fits).  *SEEN (may be NULL)
 * gets the JAIL_NOTIFY_* flags of the kept lines.  Returns the length
 * written (0: nothing to relay). */
size_t jail_notify_filter(const char *msg, size_t len, char *out, size_t outsize, unsigned *seen);

/* Send LEN bytes of MSG on UP (jail_notify_upstream's), waiting at most
 * JAIL_NOTIFY_SEND_WAIT_MS for room.  LEN 0 or UP <= 0: nothing, 0.  The
 * kernel attaches the caller's credentials: the unit's main pid.  -1 with
 * err when the supervisor's socket is gone or full. */
int jail_notify_send(int up, const char *msg, size_t len, jail_error_t *err);

/* Readiness probes for `ready = tcp:` and `ready = file:`, called over and
 * over by the runner; neither blocks long. */

/* A non-blocking connect to SA (AF_INET or AF_INET6), waiting at most
 * 50 ms: 1 when it was accepted, 0 when not (yet): refused, unreachable,
 * timed out.  -1 with errno when no socket could be made or SA is not an
 * inet address. */
int jail_ready_tcp(const struct sockaddr *sa, socklen_t len);

/* 1 when PATH exists (fstatat, the last component not followed: a
 * dangling symlink exists), 0 when it does not or cannot be seen. */
int jail_ready_file(const char *path);

#endif
