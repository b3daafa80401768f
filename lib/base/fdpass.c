/* Passing file descriptors (see fdpass.h). */
#define _GNU_SOURCE
#include "base/fdpass.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef union {
	char buf[CMSG_SPACE(JAIL_FDPASS_MAX * sizeof(int))];
	struct cmsghdr align;
} cmsg_buf_t;

/* A one-buffer message over IOV with room for JAIL_FDPASS_MAX fds in U;
 * false (EINVAL) for more fds than that. */
static bool prepare(struct msghdr *msg, struct iovec *iov, cmsg_buf_t *u, size_t nfds)
{
	if (nfds > JAIL_FDPASS_MAX) {
		errno = EINVAL;
		return false;
	}
	memset(u, 0, sizeof(*u));
	memset(msg, 0, sizeof(*msg));
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = u->buf;
	msg->msg_controllen = sizeof(u->buf);
	return true;
}

ssize_t jail_fdpass_send(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr msg;
	cmsg_buf_t u;
	ssize_t n;

	if (!prepare(&msg, &iov, &u, nfds))
		return -1;
	if (nfds == 0) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	} else {
		struct cmsghdr *c;

		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

static void close_rights(struct cmsghdr *c)
{
	size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

	for (size_t i = 0; i < k; i++) {
		int fd;

		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		close(fd);
	}
}

ssize_t jail_fdpass_recv(int sock, void *data, size_t len, int *fds, size_t nfds, int flags)
{
	struct iovec iov = {.iov_base = data, .iov_len = len};
	struct msghdr msg;
	cmsg_buf_t u;
	ssize_t n;

	if (!prepare(&msg, &iov, &u, nfds))
		return -1;
	for (size_t i = 0; i < nfds; i++)
		fds[i] = -1;
	do
		n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		if (nfds > 0 && fds[0] < 0 && c->cmsg_len == CMSG_LEN(nfds * sizeof(int)))
			memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
		else
			close_rights(c);
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		for (size_t i = 0; i < nfds; i++) {
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = -1;
		}
		errno = EPROTO;
		return -1;
	}
	return n;
}
