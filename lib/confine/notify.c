/* The sd_notify relay and the readiness probes (see notify.h). */
#define _GNU_SOURCE
#include "confine/notify.h"
#include "base/safefs.h"
#include "base/util.h"
#include "confine/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)
/* fds one datagram may carry that we make room for (and close); more are
 * discarded by the kernel (MSG_CTRUNC: the datagram is dropped). */
#define RIGHTS_MAX	  16
#define READY_TCP_WAIT_MS 50

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() one fd for EVENTS for at most MS, across EINTR: its result. */
static int poll_one(int fd, short events, int ms)
{
	int64_t end = mono_ms() + ms;
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	for (;;) {
		int64_t left = end - mono_ms();

		r = poll(&p, 1, left > 0 ? (int)left : 0);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

/* ------------------------------------------------------------------ */
/* the relay's two sockets                                             */

int jail_notify_bind(int root_fd, uid_t uid, gid_t gid, jail_error_t *err)
{
	cleanup_close int run = -1;
	cleanup_close int dir = -1;
	cleanup_close int sock = -1;
	jail_error_t e = {0};
	int one = 1;

	run = jail_openat_beneath(root_fd, "run", O_PATH | O_DIRECTORY, 0, &e);
	if (run < 0) {
		if (jail_error_is(&e, ELOOP) || jail_error_is(&e, ENOTDIR))
			return jail_error_fmt(err, ELOOP,
					      "notify socket %s: /run is a symlink or not a "
					      "directory, expected a real directory",
					      JAIL_NOTIFY_PATH);
		jail_error_wrap(&e, "notify socket %s", JAIL_NOTIFY_PATH);
		return jail_error_move(err, &e);
	}
	if (mkdirat(run, "jail", 0755) < 0 && errno != EEXIST)
		return jail_error_set(err, errno, "create %s", JAIL_NOTIFY_DIR);
	dir = openat(run, "jail", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return jail_error_fmt(err, ELOOP,
					      "%s is a symlink or not a directory, expected a real "
					      "directory",
					      JAIL_NOTIFY_DIR);
		return jail_error_set(err, errno, "open %s", JAIL_NOTIFY_DIR);
	}
	if (jail_check_trusted_fd(dir, JAIL_NOTIFY_DIR, err) < 0)
		return -1;
	/* 0755 whatever the umask, or the mode an existing one had: the
	 * service's user must reach the socket. */
	if (fchmod(dir, 0755) < 0)
		return jail_error_set(err, errno, "chmod %s", JAIL_NOTIFY_DIR);

	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return jail_error_set(err, errno, "socket for %s", JAIL_NOTIFY_PATH);
	if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return jail_error_set(err, errno, "SO_PASSCRED on %s", JAIL_NOTIFY_PATH);
	if (jail_unix_bind_at(sock, dir, "notify", 0600, uid, gid, JAIL_NOTIFY_PATH, err) < 0)
		return -1;
	return steal_fd(&sock);
}

int jail_notify_upstream(const char *env, jail_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_close int fd = -1;
	socklen_t len;
	size_t n;

	if (env == NULL || env[0] == '\0')
		return 0;
	n = strlen(env);
	if ((env[0] != '/' && env[0] != '@') || n < 2)
		return jail_error_fmt(err, EINVAL,
				      "NOTIFY_SOCKET=%s: expected an absolute path or @ and an "
				      "abstract name",
				      env);
	if (n >= sizeof(sa.sun_path))
		return jail_error_fmt(err, ENAMETOOLONG, "NOTIFY_SOCKET=%s: too long", env);
	memcpy(sa.sun_path, env, n);
	if (env[0] == '@') {
		sa.sun_path[0] = '\0';
		len = (socklen_t)(SUN_OFF + n);
	} else {
		len = (socklen_t)(SUN_OFF + n + 1);
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return jail_error_set(err, errno, "socket for NOTIFY_SOCKET");
	if (fd == 0) {
		/* 0 means "no supervisor" to our caller: never return it. */
		int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		if (nfd < 0)
			return jail_error_set(err, errno, "socket for NOTIFY_SOCKET");
		close(fd);
		fd = nfd;
	}
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		return jail_error_set(err, errno, "connect to NOTIFY_SOCKET=%s", env);
	return steal_fd(&fd);
}

ssize_t jail_notify_recv(int fd, char *buf, size_t size, pid_t *sender, jail_error_t *err)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(RIGHTS_MAX * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = size > 0 ? size - 1 : 0};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	pid_t pid = 0;
	ssize_t n;

	*sender = 0;
	if (size < 2)
		return jail_error_fmt(err, EINVAL, "a notify buffer of %zu bytes", size);
	buf[0] = '\0';
	do
		n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return jail_error_set(err, errno, "receive on %s", JAIL_NOTIFY_PATH);
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			pid = cred.pid;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			/* A service must not push fds at us: closed at once
			 * (they arrived O_CLOEXEC, never inherited). */
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t j = 0; j < k; j++) {
				int rfd;

				memcpy(&rfd, CMSG_DATA(c) + j * sizeof(int), sizeof(int));
				close(rfd);
			}
		}
	}
	*sender = pid;
	/* With MSG_TRUNC the kernel returns the datagram's real length. */
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n > size - 1)
		return 0;
	buf[n] = '\0';
	return n;
}

int jail_notify_send(int up, const char *msg, size_t len, jail_error_t *err)
{
	bool waited = false;

	if (up <= 0 || len == 0)
		return 0;
	for (;;) {
		if (send(up, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && !waited) {
			/* The supervisor's queue is full: a bounded wait, the
			 * caller also reaps and forwards signals. */
			waited = true;
			if (poll_one(up, POLLOUT, JAIL_NOTIFY_SEND_WAIT_MS) >= 0)
				continue;
		}
		return jail_error_set(err, errno, "send to the supervisor's NOTIFY_SOCKET");
	}
}

/* ------------------------------------------------------------------ */
/* the filter                                                          */

typedef enum { V_ONE, V_WATCHDOG, V_DIGITS, V_TEXT } value_kind_t;

/* The only list of what a jailed service may tell its supervisor. */
static const struct {
	const char *key; /* with its '=' */
	value_kind_t kind;
	unsigned flag;
} kept[] = {
    {"READY=", V_ONE, JAIL_NOTIFY_READY},
    {"RELOADING=", V_ONE, JAIL_NOTIFY_RELOADING},
    {"STOPPING=", V_ONE, JAIL_NOTIFY_STOPPING},
    {"WATCHDOG=", V_WATCHDOG, JAIL_NOTIFY_WATCHDOG},
    {"STATUS=", V_TEXT, JAIL_NOTIFY_STATUS},
    {"ERRNO=", V_DIGITS, 0},
    {"WATCHDOG_USEC=", V_DIGITS, 0},
    {"EXTEND_TIMEOUT_USEC=", V_DIGITS, 0},
    {"MONOTONIC_USEC=", V_DIGITS, 0},
};

/* 1 to 20 digits that fit in 64 bits (what systemd parses them into). */
static bool valid_u64(const char *v, size_t n)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (v[i] < '0' || v[i] > '9')
			return false;
		d = (unsigned)(v[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	return true;
}

/* Status text: valid UTF-8 (systemd drops anything else) without C0
 * controls or DEL, so that it is one line wherever it is shown. */
static bool valid_text(const char *v, size_t n)
{
	const unsigned char *s = (const unsigned char *)v;

	if (n > JAIL_NOTIFY_STATUS_MAX)
		return false;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], need;
		uint32_t cp;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong, surrogates, beyond U+10FFFF */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += need + 1;
	}
	return true;
}

/* Whether the line L (N bytes, no '\n') is kept; its flag in *FLAG. */
static bool keep_line(const char *l, size_t n, unsigned *flag)
{
	*flag = 0;
	if (n == 0 || memchr(l, '\0', n))
		return false;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		size_t kl = strlen(kept[i].key);
		const char *v = l + kl;
		size_t vl = n - kl;

		if (n < kl || memcmp(l, kept[i].key, kl) != 0)
			continue;
		switch (kept[i].kind) {
		case V_ONE:
			*flag = kept[i].flag;
			return vl == 1 && v[0] == '1';
		case V_WATCHDOG:
			if (vl == 1 && v[0] == '1') {
				*flag = JAIL_NOTIFY_WATCHDOG;
				return true;
			}
			*flag = JAIL_NOTIFY_WATCHDOG_TRIGGER;
			return vl == 7 && memcmp(v, "trigger", 7) == 0;
		case V_DIGITS:
			return valid_u64(v, vl);
		case V_TEXT:
			*flag = kept[i].flag;
			return valid_text(v, vl);
		}
	}
	return false;
}

size_t jail_notify_filter(const char *msg, size_t len, char *out, size_t outsize, unsigned *seen)
{
	size_t o = 0;
	unsigned flags = 0;

	if (outsize == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		const char *l = msg + i;
		const char *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		size_t need = n + (o > 0);
		unsigned f;

		i += n + 1;
		if (!keep_line(l, n, &f) || o + need + 1 > outsize)
			continue;
		if (o > 0)
			out[o++] = '\n';
		memcpy(out + o, l, n);
		o += n;
		flags |= f;
	}
	out[o] = '\0';
	if (seen)
		*seen = flags;
	return o;
}

/* ------------------------------------------------------------------ */
/* readiness probes                                                    */

int jail_ready_tcp(const struct sockaddr *sa, socklen_t len)
{
	cleanup_close int fd = -1;
	int e = 0;
	socklen_t elen = sizeof(e);

	if (sa == NULL || !((sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
			    (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)))) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, sa, len) == 0)
		return 1;
	if (errno != EINPROGRESS)
		return 0;
	if (poll_one(fd, POLLOUT, READY_TCP_WAIT_MS) <= 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0 || e != 0)
		return 0;
	return 1;
}

int jail_ready_file(const char *path)
{
	struct stat st;

	return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 1 : 0;
}
