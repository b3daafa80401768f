/* Passing file descriptors over a unix socket (SCM_RIGHTS), the one way
 * the library does it: the session init's report and the log relay's
 * handover.  Both ends retry EINTR; the receiver gets its fds O_CLOEXEC,
 * closes any it did not ask for, and refuses a truncated control message
 * (closing what arrived) rather than guess. */
#ifndef JAIL_BASE_FDPASS_H
#define JAIL_BASE_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define JAIL_FDPASS_MAX 4 /* fds in one message, at most */

/* Send LEN bytes of DATA with the NFDS fds of FDS (MSG_NOSIGNAL).
 * Returns the bytes sent, or -1 with errno (EINVAL: too many fds). */
ssize_t jail_fdpass_send(int sock, const void *data, size_t len, const int *fds, size_t nfds);

/* Receive at most LEN bytes into DATA and exactly NFDS fds into FDS (each
 * -1 when the message carried no such set; a set of another size is
 * closed).  FLAGS go to recvmsg (MSG_DONTWAIT).  Returns the bytes read,
 * or -1 with errno (EPROTO: control data truncated, nothing kept). */
ssize_t jail_fdpass_recv(int sock, void *data, size_t len, int *fds, size_t nfds, int flags);

#endif
