/* The session's log relay (see logrelay.h). */
#define _GNU_SOURCE
#include "confine/logrelay.h"
#include "base/fdpass.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define HANDOVER_MAGIC 0x6a6c6f67u /* "jlog" */
/* Datagrams longer than this are cut (the text is capped far lower). */
#define IN_MAX 4096
/* Datagrams read per wake-up: the init goes back to its signals between. */
#define PUMP_MAX 64
/* How long one send may wait for room in the host's socket, unless the
 * previous send already had to give up (then none: a stuck syslog daemon
 * must not keep the init from reaping). */
#define HOST_WAIT_MS 100

struct handover {
	uint32_t magic;
	int32_t init_pid;
	char id[40];
	char user[64];
	uint32_t service;
};

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------------ */
/* host side                                                           */

int jail_logrelay_give(int init_sock, int root_fd, const char *id, const char *user, bool service,
		       pid_t init_pid, jail_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_close int host = -1;
	cleanup_close int sock = -1;
	cleanup_close int dir = -1;
	cleanup_close int cwd = -1;
	struct handover h;
	int fds[2], one = 1, r, e;

	if (init_sock < 0)
		return jail_error_fmt(err, EINVAL, "no session init to hand the log relay to");
	if (strlen(id) >= sizeof(h.id) || strlen(user) >= sizeof(h.user))
		return jail_error_fmt(err, ENAMETOOLONG, "session id or user name too long");

	host = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (host < 0)
		return jail_error_set(err, errno, "socket");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", JAIL_LOGRELAY_HOST_LOG);
	if (connect(host, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return jail_error_set(err, errno, "connect to the host's %s",
				      JAIL_LOGRELAY_HOST_LOG);

	/* /run/jail of the session (made with the session file, root's). */
	{
		const char *base;
		dir = jail_open_parent_beneath(root_fd, &JAIL_LOGRELAY_PATH[1], &base, err);
		if (dir < 0)
			return jail_error_wrap(err, "log relay %s", JAIL_LOGRELAY_PATH);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", base);
	}
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return jail_error_set(err, errno, "socket");
	if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return jail_error_set(err, errno, "SO_PASSCRED");
	/* bind() takes a path: a name relative to the directory we opened
	 * beneath the jail (no symlink on the way), from there as cwd. */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return jail_error_set(err, errno, "open the working directory");
	if (fchdir(dir) < 0)
		return jail_error_set(err, errno, "chdir to %s's directory", JAIL_LOGRELAY_PATH);
	r = bind(sock, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	if (fchdir(cwd) < 0)
		return jail_error_set(err, errno, "return to the working directory");
	if (r < 0)
		return jail_error_set(err, e, "bind %s", JAIL_LOGRELAY_PATH);
	/* Every process of the session may send (sending needs write
	 * permission on the socket file); /run/jail stays root's. */
	if (fchmodat(dir, sa.sun_path, 0666, 0) < 0)
		return jail_error_set(err, errno, "chmod %s", JAIL_LOGRELAY_PATH);

	memset(&h, 0, sizeof(h));
	h.magic = HANDOVER_MAGIC;
	h.init_pid = (int32_t)init_pid;
	snprintf(h.id, sizeof(h.id), "%s", id);
	snprintf(h.user, sizeof(h.user), "%s", user);
	h.service = service;
	fds[0] = host;
	fds[1] = sock;
	if (jail_fdpass_send(init_sock, &h, sizeof(h), fds, 2) < 0)
		return jail_error_set(err, errno, "hand the log relay to the session init");
	return 0;
}

/* ------------------------------------------------------------------ */
/* the init's side                                                     */

int jail_logrelay_receive(int init_sock, jail_logrelay_t *r)
{
	struct handover h;
	int fds[2] = {-1, -1};
	ssize_t n;

	*r = (jail_logrelay_t)JAIL_LOGRELAY_INIT;
	memset(&h, 0, sizeof(h));
	n = jail_fdpass_recv(init_sock, &h, sizeof(h), fds, 2, 0);
	if (n <= 0)
		return 0;
	if (n != (ssize_t)sizeof(h) || h.magic != HANDOVER_MAGIC || fds[0] < 0 || fds[1] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		return 0;
	}
	r->host = fds[0];
	r->sock = fds[1];
	h.id[sizeof(h.id) - 1] = '\0';
	h.user[sizeof(h.user) - 1] = '\0';
	memcpy(r->id, h.id, sizeof(r->id));
	memcpy(r->user, h.user, sizeof(r->user));
	r->service = h.service != 0;
	r->init_pid = h.init_pid;
	r->tokens = JAIL_LOGRELAY_BURST;
	r->last_us = mono_us();
	return 1;
}

bool jail_logrelay_take(jail_logrelay_t *r, int64_t now_us)
{
	if (now_us > r->last_us) {
		r->tokens += (double)(now_us - r->last_us) * JAIL_LOGRELAY_RATE / 1e6;
		if (r->tokens > JAIL_LOGRELAY_BURST)
			r->tokens = JAIL_LOGRELAY_BURST;
		r->last_us = now_us;
	}
	if (r->tokens < 1.0)
		return false;
	r->tokens -= 1.0;
	return true;
}

/* "Mmm dd hh:mm:ss" (RFC 3164), local time, whatever the locale. */
static void timestamp(int64_t now, char out[32])
{
	static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)now;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(out, 32, "%.3s %2d %02d:%02d:%02d", mon[(unsigned)tm.tm_mon % 12],
		 tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
}

static bool is_3164_stamp(const char *p, size_t len)
{
	static const char pat[] = "Aaa dd dd:dd:dd ";

	if (len < sizeof(pat) - 1)
		return false;
	for (size_t i = 0; i < sizeof(pat) - 1; i++) {
		char c = p[i];
		switch (pat[i]) {
		case 'A':
			if (c < 'A' || c > 'Z')
				return false;
			break;
		case 'a':
			if (c < 'a' || c > 'z')
				return false;
			break;
		case 'd':
			if ((c < '0' || c > '9') && !(i == 4 && c == ' '))
				return false;
			break;
		default:
			if (c != pat[i])
				return false;
		}
	}
	return true;
}

size_t jail_logrelay_format(const jail_logrelay_t *r, const char *msg, size_t len, pid_t pid,
			    uid_t uid, int64_t now, char *out, size_t outsz)
{
	int pri = LOG_USER | LOG_NOTICE;
	char ts[32];
	size_t o, text = 0;
	int n;

	/* <PRI>: 1 to 3 digits, at most 191 (facility 23, severity 7). */
	if (len > 2 && msg[0] == '<') {
		size_t i = 1;
		int v = 0;

		while (i < len && i < 4 && msg[i] >= '0' && msg[i] <= '9')
			v = v * 10 + (msg[i++] - '0');
		if (i > 1 && i < len && msg[i] == '>' && v <= 191) {
			pri = v;
			msg += i + 1;
			len -= i + 1;
		}
	}
	if (LOG_FAC(pri) == 0) /* kern: only the kernel logs as the kernel */
		pri = LOG_USER | LOG_PRI(pri);
	/* emerg, alert and crit become err: a session must not reach every
	 * terminal of the host (Debian's rsyslog writes *.emerg to all logged
	 * in users) nor page an admin; jailsh's refusals are LOG_ERR. */
	if (LOG_PRI(pri) < LOG_ERR)
		pri = (pri & LOG_FACMASK) | LOG_ERR;
	if (is_3164_stamp(msg, len)) {
		msg += 16;
		len -= 16;
	}
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\0'))
		len--;
	timestamp(now, ts);
	n = snprintf(
	    out, outsz, "<%d>%s jail-init[%d]: jail session %s %s %s pid %d (uid %u): ", pri, ts,
	    r->init_pid, r->id, r->service ? "service" : "user", r->user, (int)pid, (unsigned)uid);
	if (n < 0 || outsz == 0)
		return 0;
	if ((size_t)n >= outsz) /* cut inside the prefix: no room for text */
		return outsz - 1;
	o = (size_t)n;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];
		char esc[8];
		size_t el;

		if (c == '\\')
			el = (size_t)snprintf(esc, sizeof(esc), "\\\\");
		else if (c < 0x20 || c == 0x7f)
			el = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		else {
			esc[0] = (char)c;
			esc[1] = '\0';
			el = 1;
		}
		if (text + el > JAIL_LOGRELAY_TEXT_MAX || o + el + 3 >= outsz) {
			if (o + 3 < outsz) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, esc, el);
		o += el;
		text += el;
	}
	out[o] = '\0';
	return o;
}

/* Send LINE to the host.  true when sent. */
static bool host_send(jail_logrelay_t *r, const char *line, size_t len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pollfd p = {.fd = r->host, .events = POLLOUT};

		if (send(r->host, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
			r->host_stalled = false;
			return true;
		}
		if (errno == EINTR) {
			attempt--;
			continue;
		}
		if (errno == ECONNREFUSED || errno == ENOTCONN || errno == ECONNRESET ||
		    errno == EPIPE) {
			/* The daemon's socket is gone (a restart makes a new one,
			 * which we cannot reach from here): stop relaying, so that
			 * senders fail at once (jailsh then uses syslog(3)). */
			close(r->host);
			close(r->sock);
			r->host = r->sock = -1;
			return false;
		}
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || r->host_stalled || attempt > 0)
			break;
		if (poll(&p, 1, HOST_WAIT_MS) <= 0)
			break;
	}
	r->host_stalled = true;
	return false;
}

static void report_drops(jail_logrelay_t *r)
{
	char line[512], ts[32];
	int n;

	timestamp((int64_t)time(NULL), ts);
	n = snprintf(line, sizeof(line),
		     "<%d>%s jail-init[%d]: jail session %s %s %s: log relay dropped %llu "
		     "line(s) (over %d a second, burst %d, or the host's log socket full)",
		     LOG_AUTHPRIV | LOG_WARNING, ts, r->init_pid, r->id,
		     r->service ? "service" : "user", r->user, (unsigned long long)r->dropped,
		     JAIL_LOGRELAY_RATE, JAIL_LOGRELAY_BURST);
	if (n > 0 && host_send(r, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1))
		r->dropped = 0;
}

void jail_logrelay_pump(jail_logrelay_t *r)
{
	for (int i = 0; i < PUMP_MAX && r->sock >= 0; i++) {
		char buf[IN_MAX];
		char line[JAIL_LOGRELAY_TEXT_MAX + 512];
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		/* Room for the credentials and a few fds: a sender may attach
		 * fds (SCM_RIGHTS), which we close at once; those that do not
		 * fit are discarded by the kernel. */
		union {
			char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(8 * sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = u.b,
				     .msg_controllen = sizeof(u.b)};
		struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
		bool have_cred = false;
		ssize_t n = recvmsg(r->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN: drained */
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
				have_cred = true;
			} else if (c->cmsg_type == SCM_RIGHTS) {
				size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t j = 0; j < k; j++) {
					int fd;
					memcpy(&fd, CMSG_DATA(c) + j * sizeof(int), sizeof(int));
					close(fd);
				}
			}
		}
		/* SO_PASSCRED makes the kernel attach them to every datagram. */
		if (n == 0 || !have_cred)
			continue;
		if (!jail_logrelay_take(r, mono_us())) {
			r->dropped++;
			continue;
		}
		if (r->dropped > 0)
			report_drops(r);
		len = jail_logrelay_format(r, buf, (size_t)n, cred.pid, cred.uid,
					   (int64_t)time(NULL), line, sizeof(line));
		if (!host_send(r, line, len))
			r->dropped++;
	}
}

int jail_logrelay_timeout_ms(const jail_logrelay_t *r)
{
	double need;

	if (r->sock < 0 || r->dropped == 0)
		return -1;
	need = 1.0 - r->tokens;
	if (need <= 0)
		return 0;
	return (int)(need * 1000.0 / JAIL_LOGRELAY_RATE) + 1;
}

void jail_logrelay_tick(jail_logrelay_t *r)
{
	if (r->sock < 0 || r->dropped == 0)
		return;
	if (jail_logrelay_take(r, mono_us()))
		report_drops(r);
}
