/* base/fdpass: fds over a unix socket, and what the receiver refuses. */
#define _GNU_SOURCE
#include "tap.h"
#include "base/fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static bool same_file(int a, int b)
{
	struct stat x, y;

	return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

int main(void)
{
	int sv[2], p[2], got[2], one[1];
	char buf[16] = "";
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(p, O_CLOEXEC) < 0)
		return 1;

	/* Two fds and data arrive as sent, close-on-exec. */
	is_int(jail_fdpass_send(sv[0], "hello", 5, p, 2), 5, "send: data and two fds");
	n = jail_fdpass_recv(sv[1], buf, sizeof(buf), got, 2, 0);
	is_int(n, 5, "recv: the five bytes");
	ok(memcmp(buf, "hello", 5) == 0, "recv: the same bytes");
	ok(got[0] >= 0 && same_file(got[0], p[0]), "recv: the first fd is the pipe's read end");
	ok(got[1] >= 0 && same_file(got[1], p[1]), "recv: the second fd is the write end");
	ok((fcntl(got[0], F_GETFD) & FD_CLOEXEC) && (fcntl(got[1], F_GETFD) & FD_CLOEXEC),
	   "recv: both are close-on-exec");
	close(got[0]);
	close(got[1]);

	/* A set of another size than asked for is not kept (and not leaked:
	 * the received fd is closed, so the next fd number is free again). */
	is_int(jail_fdpass_send(sv[0], "x", 1, p, 1), 1, "send: one fd");
	{
		int probe = dup(0), before = probe;
		close(probe);
		n = jail_fdpass_recv(sv[1], buf, sizeof(buf), got, 2, 0);
		is_int(n, 1, "recv expecting two: the byte still arrives");
		ok(got[0] == -1 && got[1] == -1, "recv expecting two: one fd is not taken");
		probe = dup(0);
		is_int(probe, before, "recv expecting two: the stray fd was closed");
		close(probe);
	}

	/* No fds at all: both stay -1. */
	is_int(jail_fdpass_send(sv[0], "y", 1, NULL, 0), 1, "send: no fd");
	n = jail_fdpass_recv(sv[1], buf, sizeof(buf), one, 1, 0);
	ok(n == 1 && one[0] == -1, "recv: no fd sent, none received");

	/* Limits. */
	{
		int many[JAIL_FDPASS_MAX + 1];
		for (size_t i = 0; i < JAIL_FDPASS_MAX + 1; i++)
			many[i] = p[0];
		errno = 0;
		ok(jail_fdpass_send(sv[0], "z", 1, many, JAIL_FDPASS_MAX + 1) < 0 &&
		       errno == EINVAL,
		   "send: more than JAIL_FDPASS_MAX fds is EINVAL");
	}
	errno = 0;
	ok(jail_fdpass_recv(sv[1], buf, sizeof(buf), one, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
	   "recv: flags reach recvmsg (MSG_DONTWAIT on an empty socket)");
	close(sv[0]);
	ok(jail_fdpass_recv(sv[1], buf, sizeof(buf), one, 1, 0) == 0 && one[0] == -1,
	   "recv: 0 at the peer's close");
	ok(is_open(p[0]) && is_open(p[1]), "the sender's own fds stay open");
	return done_testing();
}
