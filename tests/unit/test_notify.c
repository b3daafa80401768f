/* The sd_notify relay and the readiness probes (lib/confine/notify.h):
 * the socket on a scratch root's /run (owner, mode, a planted symlink),
 * datagrams from another uid with the sender's pid, fds pushed at the
 * relay closed, the filter key by key, the upstream connection (path and
 * abstract), a relay round trip, and the tcp/file probes. */
#define _GNU_SOURCE
#include "tap.h"
#include "confine/notify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOBODY 65534
#define OTHER  65533

static char base[64];

#define S(x) x, sizeof(x) - 1

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		diag("could not remove %s", path);
}

static void set_sun(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(sa->sun_path))
		n = sizeof(sa->sun_path) - 1;
	memcpy(sa->sun_path, path, n);
	sa->sun_path[n] = '\0';
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new scratch root BASE/NAME with a run/ directory; its O_PATH fd. */
static int scratch_root(const char *name, char *path, size_t size)
{
	char run[PATH_MAX];

	snprintf(path, size, "%s/%s", base, name);
	mkdir(path, 0755);
	snprintf(run, sizeof(run), "%s/run", path);
	mkdir(run, 0755);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* In a child: become UID (and its gid), send MSG to PATH; exit 0 or the
 * errno of the failing call. */
static pid_t send_as(uid_t uid, const char *path, const char *msg)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int fd;

		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(100);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			_exit(101);
		if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(errno);
		_exit(0);
	}
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1;
}

/* Whether any open fd of this process refers to PATH. */
static bool fd_points_to(const char *path)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool found = false;

	if (d == NULL)
		return true; /* cannot tell: fail the assertion */
	while ((e = readdir(d)) != NULL) {
		char link[300], target[PATH_MAX];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0)
			found = true;
	}
	closedir(d);
	return found;
}

/* Send MSG to PATH from this process with NFDS copies of FD attached. */
static int send_with_fds(const char *path, const char *msg, int fd, int nfds)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = strlen(msg)};
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_name = &sa,
			   .msg_namelen = sizeof(sa),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.b,
			   .msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int))};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int s, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	memset(u.b, 0, sizeof(u.b));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	for (int i = 0; i < nfds; i++)
		memcpy(CMSG_DATA(c) + (size_t)i * sizeof(int), &fd, sizeof(int));
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = (int)sendmsg(s, &m, 0);
	close(s);
	return r;
}

/* A datagram socket bound at PATH (or an abstract name when PATH starts
 * with '@'), SO_PASSCRED: a stand-in for systemd's notify socket. */
static int supervisor(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	int one = 1, fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, path, n);
	if (path[0] == '@') {
		sa.sun_path[0] = '\0';
		len--;
	}
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_bind(void)
{
	char root[256], path[PATH_MAX], buf[JAIL_NOTIFY_MAX + 1];
	jail_error_t err = {0};
	struct stat st;
	int rootfd, fd, one = 0, flags;
	socklen_t olen = sizeof(one);
	mode_t um;
	pid_t pid, sender;
	ssize_t n;

	rootfd = scratch_root("r1", root, sizeof(root));
	um = umask(077);
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	umask(um);
	ok(fd > 2, "bind: a socket on the root's /run (%s)", err.msg);
	snprintf(path, sizeof(path), "%s/run/jail", root);
	ok(lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       (st.st_mode & 07777) == 0755,
	   "bind: run/jail is a root-owned 0755 directory, whatever the umask (077 here)");
	snprintf(path, sizeof(path), "%s/run/jail/notify", root);
	ok(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode), "bind: run/jail/notify is a socket");
	is_int(st.st_mode & 07777, 0600, "bind: mode 0600");
	ok(st.st_uid == NOBODY && st.st_gid == NOBODY, "bind: owned by the service's uid:gid");
	flags = fcntl(fd, F_GETFL);
	ok(flags >= 0 && (flags & O_NONBLOCK), "bind: non-blocking");
	ok(fcntl(fd, F_GETFD) == FD_CLOEXEC, "bind: close-on-exec");
	ok(getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, &olen) == 0 && one == 1,
	   "bind: SO_PASSCRED set");
	is_int(jail_notify_recv(fd, buf, sizeof(buf), &sender, &err), 0,
	       "recv: nothing queued is 0 (EAGAIN)");

	/* the service's uid may send; the kernel says who */
	pid = send_as(NOBODY, path, "READY=1\nSTATUS=up");
	ok(readable(fd, 2000), "recv: a datagram from uid %d arrived", NOBODY);
	n = jail_notify_recv(fd, buf, sizeof(buf), &sender, &err);
	is_int(n, 17, "recv: its length");
	is_str(buf, "READY=1\nSTATUS=up", "recv: its text, NUL-terminated");
	is_int(sender, pid, "recv: the sender's pid from SCM_CREDENTIALS");
	is_int(wait_exit(pid), 0, "the service's uid could send");

	/* another uid cannot */
	pid = send_as(OTHER, path, "READY=1");
	is_int(wait_exit(pid), EACCES, "another uid (%d) gets EACCES on sending", OTHER);
	is_int(jail_notify_recv(fd, buf, sizeof(buf), &sender, &err), 0, "... and nothing arrived");

	/* fds pushed at the relay are closed */
	{
		char marker[PATH_MAX];
		int mfd;

		snprintf(marker, sizeof(marker), "%s/marker", root);
		mfd = open(marker, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ok(fd_points_to(marker), "setup: the marker fd is seen in /proc/self/fd");
		ok(send_with_fds(path, "READY=1", mfd, 1) > 0, "setup: a datagram with one fd");
		ok(send_with_fds(path, "STATUS=x", mfd, 3) > 0, "setup: a datagram with three fds");
		close(mfd);
		ok(!fd_points_to(marker), "setup: our own marker fd closed");
		n = jail_notify_recv(fd, buf, sizeof(buf), &sender, &err);
		ok(n == 7 && strcmp(buf, "READY=1") == 0, "recv: the datagram with an fd is read");
		is_int(sender, getpid(), "recv: ... from our pid");
		n = jail_notify_recv(fd, buf, sizeof(buf), &sender, &err);
		ok(n == 8 && strcmp(buf, "STATUS=x") == 0, "recv: the one with three fds too");
		ok(!fd_points_to(marker), "recv: every fd received via SCM_RIGHTS was closed");
	}

	/* too long for the buffer: dropped whole, the next one is fine */
	{
		char big[6000];
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memset(big, 'A', sizeof(big));
		memcpy(big, "STATUS=", 7);
		set_sun(&sa, path);
		ok(sendto(s, big, sizeof(big), 0, (struct sockaddr *)&sa, sizeof(sa)) > 0,
		   "setup: a 6000-byte datagram");
		sendto(s, "READY=1", 7, 0, (struct sockaddr *)&sa, sizeof(sa));
		close(s);
		n = jail_notify_recv(fd, buf, sizeof(buf), &sender, &err);
		is_int(n, 0, "recv: a truncated datagram is dropped (0)");
		n = jail_notify_recv(fd, buf, sizeof(buf), &sender, &err);
		is_int(n, 7, "recv: the next datagram is read whole");
		n = jail_notify_recv(fd, buf, 1, &sender, &err);
		ok(n < 0 && jail_error_is(&err, EINVAL), "recv: a 1-byte buffer is refused");
		jail_error_clear(&err);
	}
	close(fd);

	/* again on the same root: the existing run/jail is fine, the stale
	 * socket replaced */
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	ok(fd >= 0, "bind: again on the same root, over the stale socket (%s)", err.msg);
	if (fd >= 0)
		close(fd);
	close(rootfd);
}

static void test_bind_refused(void)
{
	char root[256], path[PATH_MAX], outside[256];
	jail_error_t err = {0};
	struct stat st;
	int rootfd, fd;

	/* run/jail a symlink to a directory outside the root */
	rootfd = scratch_root("r2", root, sizeof(root));
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(outside, 0755);
	snprintf(path, sizeof(path), "%s/run/jail", root);
	ok(symlink(outside, path) == 0, "setup: run/jail -> %s", outside);
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	ok(fd < 0 && jail_error_is(&err, ELOOP), "bind: refused when run/jail is a symlink");
	like(err.msg, "/run/jail is a symlink", "... the message names it (%s)", err.msg);
	snprintf(path, sizeof(path), "%s/notify", outside);
	ok(lstat(path, &st) < 0 && errno == ENOENT, "... and nothing was made outside");
	ok(lstat(outside, &st) == 0 && (st.st_mode & 07777) == 0755, "... nor changed there");
	close(rootfd);

	/* run itself a symlink */
	rootfd = scratch_root("r3", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/run", root);
	rmdir(path);
	ok(symlink(outside, path) == 0, "setup: run -> %s", outside);
	jail_error_clear(&err);
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	ok(fd < 0 && jail_error_is(&err, ELOOP), "bind: refused when run is a symlink");
	like(err.msg, "/run is a symlink", "... saying so (%s)", err.msg);
	snprintf(path, sizeof(path), "%s/jail", outside);
	ok(lstat(path, &st) < 0 && errno == ENOENT, "... nothing made outside");
	close(rootfd);

	/* run/jail not root's, or writable by others */
	rootfd = scratch_root("r4", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/run/jail", root);
	mkdir(path, 0755);
	ok(chown(path, 1000, 1000) == 0, "setup: run/jail owned by uid 1000");
	jail_error_clear(&err);
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	ok(fd < 0 && jail_error_is(&err, EPERM), "bind: refused when run/jail is not root's");
	like(err.msg, "owned by uid 1000", "... saying so (%s)", err.msg);
	ok(chown(path, 0, 0) == 0 && chmod(path, 0777) == 0, "setup: run/jail mode 0777");
	jail_error_clear(&err);
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	ok(fd < 0 && jail_error_is(&err, EPERM), "bind: refused when run/jail is world-writable");
	snprintf(path, sizeof(path), "%s/run/jail/notify", root);
	ok(lstat(path, &st) < 0 && errno == ENOENT, "... and no socket was made");
	close(rootfd);

	/* an existing root-owned 0700 run/jail: used, made reachable */
	rootfd = scratch_root("r6", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/run/jail", root);
	mkdir(path, 0700);
	jail_error_clear(&err);
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	ok(fd >= 0, "bind: an existing root-owned run/jail is used (%s)", err.msg);
	ok(lstat(path, &st) == 0 && (st.st_mode & 07777) == 0755,
	   "... set to 0755 so that the service's user reaches the socket");
	if (fd >= 0)
		close(fd);
	close(rootfd);

	/* no run at all */
	rootfd = scratch_root("r5", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/run", root);
	rmdir(path);
	jail_error_clear(&err);
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	ok(fd < 0 && jail_error_is(&err, ENOENT), "bind: a root without /run fails (%s)", err.msg);
	close(rootfd);
}

static void test_filter(void)
{
	static const struct {
		const char *in, *out;
		unsigned seen;
		const char *what;
	} t[] = {
	    {"READY=1", "READY=1", JAIL_NOTIFY_READY, "READY=1 kept"},
	    {"READY=0", "", 0, "READY=0 dropped"},
	    {"READY=11", "", 0, "READY=11 dropped"},
	    {"RELOADING=1", "RELOADING=1", JAIL_NOTIFY_RELOADING, "RELOADING=1 kept"},
	    {"STOPPING=1", "STOPPING=1", JAIL_NOTIFY_STOPPING, "STOPPING=1 kept"},
	    {"WATCHDOG=1", "WATCHDOG=1", JAIL_NOTIFY_WATCHDOG, "WATCHDOG=1 kept"},
	    {"WATCHDOG=trigger", "WATCHDOG=trigger", JAIL_NOTIFY_WATCHDOG_TRIGGER,
	     "WATCHDOG=trigger kept"},
	    {"WATCHDOG=2", "", 0, "WATCHDOG=2 dropped"},
	    {"STATUS=serving 3 clients", "STATUS=serving 3 clients", JAIL_NOTIFY_STATUS,
	     "STATUS= text kept"},
	    {"STATUS=", "STATUS=", JAIL_NOTIFY_STATUS, "an empty STATUS= kept"},
	    {"STATUS=\xc3\xa9tat \xe2\x9c\x93", "STATUS=\xc3\xa9tat \xe2\x9c\x93",
	     JAIL_NOTIFY_STATUS, "STATUS= UTF-8 kept"},
	    {"STATUS=a\x1b[2Jb", "", 0, "STATUS= with an escape dropped"},
	    {"STATUS=a\tb", "", 0, "STATUS= with a tab dropped"},
	    {"STATUS=a\x7f", "", 0, "STATUS= with DEL dropped"},
	    {"STATUS=\xff\xfe", "", 0, "STATUS= invalid UTF-8 dropped"},
	    {"STATUS=\xc0\xaf", "", 0, "STATUS= overlong UTF-8 dropped"},
	    {"STATUS=\xed\xa0\x80", "", 0, "STATUS= a UTF-8 surrogate dropped"},
	    {"STATUS=\xe2\x9c", "", 0, "STATUS= cut UTF-8 dropped"},
	    {"ERRNO=2", "ERRNO=2", 0, "ERRNO=2 kept"},
	    {"ERRNO=-1", "", 0, "ERRNO=-1 dropped"},
	    {"ERRNO=", "", 0, "ERRNO= empty dropped"},
	    {"WATCHDOG_USEC=30000000", "WATCHDOG_USEC=30000000", 0, "WATCHDOG_USEC kept"},
	    {"WATCHDOG_USEC=1e6", "", 0, "WATCHDOG_USEC=1e6 dropped"},
	    {"EXTEND_TIMEOUT_USEC=5000000", "EXTEND_TIMEOUT_USEC=5000000", 0,
	     "EXTEND_TIMEOUT_USEC kept"},
	    {"MONOTONIC_USEC=123456789", "MONOTONIC_USEC=123456789", 0, "MONOTONIC_USEC kept"},
	    {"MONOTONIC_USEC=18446744073709551615", "MONOTONIC_USEC=18446744073709551615", 0,
	     "2^64-1 kept"},
	    {"MONOTONIC_USEC=18446744073709551616", "", 0, "2^64 dropped (overflow)"},
	    {"MONOTONIC_USEC=000000000000000000001", "", 0, "21 digits dropped"},
	    {"MAINPID=1", "", 0, "MAINPID= dropped (a pid of another namespace)"},
	    {"FDSTORE=1", "", 0, "FDSTORE= dropped"},
	    {"FDNAME=web", "", 0, "FDNAME= dropped"},
	    {"FDSTOREREMOVE=1", "", 0, "FDSTOREREMOVE= dropped"},
	    {"BARRIER=1", "", 0, "BARRIER= dropped"},
	    {"NOTIFYACCESS=all", "", 0, "NOTIFYACCESS= dropped"},
	    {"FOO=1", "", 0, "an unknown key dropped"},
	    {"READY", "", 0, "a line without '=' dropped"},
	    {" READY=1", "", 0, "a leading blank dropped"},
	    {"ready=1", "", 0, "keys are case-sensitive"},
	    {"READY=1\r", "", 0, "a trailing CR dropped"},
	    {"MAINPID=42\nREADY=1\n\nSTATUS=ok\nFDSTORE=1\n", "READY=1\nSTATUS=ok",
	     JAIL_NOTIFY_READY | JAIL_NOTIFY_STATUS, "a mixed message: the kept lines joined"},
	    {"STOPPING=1\nWATCHDOG=1\nRELOADING=1\nMONOTONIC_USEC=5",
	     "STOPPING=1\nWATCHDOG=1\nRELOADING=1\nMONOTONIC_USEC=5",
	     JAIL_NOTIFY_STOPPING | JAIL_NOTIFY_WATCHDOG | JAIL_NOTIFY_RELOADING,
	     "several flags at once"},
	    {"\n\n", "", 0, "only newlines: nothing"},
	};
	char out[2048];
	unsigned seen;
	size_t n;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		seen = 0xdead;
		n = jail_notify_filter(t[i].in, strlen(t[i].in), out, sizeof(out), &seen);
		if (!ok(n == strlen(t[i].out) && strcmp(out, t[i].out) == 0 && seen == t[i].seen,
			"filter: %s", t[i].what))
			diag("  got '%s' (%zu) seen %#x", out, n, seen);
	}

	/* a NUL inside a line */
	n = jail_notify_filter(S("STATUS=a\0b\nREADY=1"), out, sizeof(out), &seen);
	ok(n == 7 && strcmp(out, "READY=1") == 0,
	   "filter: a line with a NUL dropped, the next kept");
	/* STATUS length limit */
	{
		char in[JAIL_NOTIFY_STATUS_MAX + 16];
		char big[JAIL_NOTIFY_STATUS_MAX * 2];

		memcpy(in, "STATUS=", 7);
		memset(in + 7, 'x', JAIL_NOTIFY_STATUS_MAX);
		n = jail_notify_filter(in, 7 + JAIL_NOTIFY_STATUS_MAX, big, sizeof(big), &seen);
		is_int(n, 7 + JAIL_NOTIFY_STATUS_MAX, "filter: STATUS= of %d bytes kept",
		       JAIL_NOTIFY_STATUS_MAX);
		in[7 + JAIL_NOTIFY_STATUS_MAX] = 'x';
		n = jail_notify_filter(in, 8 + JAIL_NOTIFY_STATUS_MAX, big, sizeof(big), &seen);
		is_int(n, 0, "filter: STATUS= of %d bytes dropped", JAIL_NOTIFY_STATUS_MAX + 1);
	}
	/* a small output buffer: lines that do not fit are left out whole */
	n = jail_notify_filter(S("READY=1\nSTATUS=a long status\nERRNO=5"), out, 16, &seen);
	ok(n == 15 && strcmp(out, "READY=1\nERRNO=5") == 0 && seen == JAIL_NOTIFY_READY,
	   "filter: a line that does not fit is dropped whole");
	n = jail_notify_filter(S("READY=1"), out, 0, NULL);
	is_int(n, 0, "filter: no room at all, nothing written, SEEN may be NULL");
}

static void test_upstream(void)
{
	char path[PATH_MAX], abs[64], buf[256];
	jail_error_t err = {0};
	int sup, up;
	ssize_t n;

	is_int(jail_notify_upstream(NULL, &err), 0, "upstream: no NOTIFY_SOCKET, no supervisor");
	is_int(jail_notify_upstream("", &err), 0, "upstream: an empty one, no supervisor");
	ok(jail_notify_upstream("run/notify", &err) < 0 && jail_error_is(&err, EINVAL),
	   "upstream: a relative path refused");
	like(err.msg, "NOTIFY_SOCKET=run/notify", "... naming the value (%s)", err.msg);
	jail_error_clear(&err);
	ok(jail_notify_upstream("@", &err) < 0, "upstream: '@' alone refused");
	{
		char lng[200];

		memset(lng, 'a', sizeof(lng));
		lng[0] = '/';
		lng[sizeof(lng) - 1] = '\0';
		jail_error_clear(&err);
		ok(jail_notify_upstream(lng, &err) < 0 && jail_error_is(&err, ENAMETOOLONG),
		   "upstream: a path too long for sun_path refused");
	}
	snprintf(path, sizeof(path), "%s/none.sock", base);
	jail_error_clear(&err);
	ok(jail_notify_upstream(path, &err) < 0 && jail_error_is(&err, ENOENT),
	   "upstream: a missing socket fails (%s)", err.msg);

	/* a real path */
	snprintf(path, sizeof(path), "%s/systemd-notify.sock", base);
	sup = supervisor(path);
	ok(sup >= 0, "setup: a supervisor socket at %s", path);
	up = jail_notify_upstream(path, &err);
	ok(up > 0, "upstream: connected to a path (%s)", err.msg);
	ok(fcntl(up, F_GETFD) == FD_CLOEXEC, "upstream: close-on-exec");
	is_int(jail_notify_send(up, S("READY=1"), &err), 0, "send: READY=1");
	is_int(jail_notify_send(up, "", 0, &err), 0, "send: nothing is a no-op");
	is_int(jail_notify_send(0, S("READY=1"), &err), 0, "send: no supervisor is a no-op");
	n = recv(sup, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ok(n == 7 && memcmp(buf, "READY=1", 7) == 0, "send: the supervisor got READY=1");
	n = recv(sup, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ok(n < 0 && errno == EAGAIN, "send: ... and only that (len 0 sent nothing)");
	close(sup);
	jail_error_clear(&err);
	ok(jail_notify_send(up, S("READY=1"), &err) < 0 && jail_error_is(&err, ECONNREFUSED),
	   "send: a supervisor gone is an error (%s)", err.msg);
	close(up);
	unlink(path);

	/* an abstract name */
	snprintf(abs, sizeof(abs), "@jail-unit-notify-%d", (int)getpid());
	sup = supervisor(abs);
	ok(sup >= 0, "setup: a supervisor at %s", abs);
	up = jail_notify_upstream(abs, &err);
	ok(up > 0, "upstream: connected to an abstract name (%s)", err.msg);
	is_int(jail_notify_send(up, S("STATUS=x"), &err), 0, "send: to the abstract one");
	n = recv(sup, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ok(n == 8 && memcmp(buf, "STATUS=x", 8) == 0, "send: the abstract supervisor got it");
	close(up);
	close(sup);
}

/* A service (uid NOBODY) says things; the relay keeps what it may say and
 * hands it upstream with its own pid. */
static void test_roundtrip(void)
{
	char root[256], path[PATH_MAX], sup_path[PATH_MAX], buf[JAIL_NOTIFY_MAX + 1];
	char out[JAIL_NOTIFY_MAX + 1];
	jail_error_t err = {0};
	int rootfd, fd, sup, up;
	unsigned seen = 0;
	pid_t pid, sender = 0;
	ssize_t n;
	size_t m;

	rootfd = scratch_root("rt", root, sizeof(root));
	fd = jail_notify_bind(rootfd, NOBODY, NOBODY, &err);
	snprintf(sup_path, sizeof(sup_path), "%s/sup.sock", base);
	sup = supervisor(sup_path);
	up = jail_notify_upstream(sup_path, &err);
	ok(fd >= 0 && sup >= 0 && up > 0, "relay: both ends set up (%s)", err.msg);
	snprintf(path, sizeof(path), "%s%s", root, JAIL_NOTIFY_PATH);
	pid = send_as(NOBODY, path, "MAINPID=1\nREADY=1\nSTATUS=serving\nFDSTORE=1\nBARRIER=1");
	ok(readable(fd, 2000), "relay: the service's message arrived");
	n = jail_notify_recv(fd, buf, sizeof(buf), &sender, &err);
	is_int(sender, pid, "relay: from the service's pid");
	m = jail_notify_filter(buf, n > 0 ? (size_t)n : 0, out, sizeof(out), &seen);
	is_str(out, "READY=1\nSTATUS=serving", "relay: MAINPID, FDSTORE, BARRIER filtered out");
	ok(seen & JAIL_NOTIFY_READY, "relay: READY seen");
	is_int(jail_notify_send(up, out, m, &err), 0, "relay: sent upstream");
	wait_exit(pid);
	{
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} u;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = u.b,
				     .msg_controllen = sizeof(u.b)};
		struct cmsghdr *c;
		struct ucred cred = {0};

		n = recvmsg(sup, &msg, MSG_DONTWAIT);
		ok(n == (ssize_t)m && memcmp(buf, out, m) == 0,
		   "relay: the supervisor got the filtered message");
		c = CMSG_FIRSTHDR(&msg);
		if (c && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
		is_int(cred.pid, getpid(), "relay: stamped with the relay's pid (the main pid)");
		is_int(cred.uid, 0, "relay: ... and uid");
	}
	close(up);
	close(sup);
	close(fd);
	close(rootfd);
}

static void test_ready(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(in);
	char path[PATH_MAX];
	int lfd, r;
	int64_t t0, dt;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok(lfd >= 0 && bind(lfd, (struct sockaddr *)&in, sizeof(in)) == 0 && listen(lfd, 4) == 0 &&
	       getsockname(lfd, (struct sockaddr *)&in, &len) == 0,
	   "setup: a listener on 127.0.0.1:%u", ntohs(in.sin_port));
	is_int(jail_ready_tcp((struct sockaddr *)&in, sizeof(in)), 1, "ready tcp: a listener is 1");
	close(lfd);
	t0 = now_ms();
	r = jail_ready_tcp((struct sockaddr *)&in, sizeof(in));
	dt = now_ms() - t0;
	is_int(r, 0, "ready tcp: the port closed is 0");
	ok(dt < 100, "ready tcp: ... within 100 ms (%lld ms)", (long long)dt);

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	len = sizeof(in6);
	if (lfd >= 0 && bind(lfd, (struct sockaddr *)&in6, sizeof(in6)) == 0 &&
	    listen(lfd, 4) == 0 && getsockname(lfd, (struct sockaddr *)&in6, &len) == 0) {
		is_int(jail_ready_tcp((struct sockaddr *)&in6, sizeof(in6)), 1,
		       "ready tcp: a listener on [::1] is 1");
		close(lfd);
		is_int(jail_ready_tcp((struct sockaddr *)&in6, sizeof(in6)), 0,
		       "ready tcp: [::1] closed is 0");
	} else {
		diag("no IPv6 loopback here: the v6 probe is not tested");
	}
	errno = 0;
	ok(jail_ready_tcp((struct sockaddr *)&in, 4) < 0 && errno == EINVAL,
	   "ready tcp: a short address is -1 EINVAL");

	snprintf(path, sizeof(path), "%s/ready", base);
	is_int(jail_ready_file(path), 0, "ready file: missing is 0");
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	is_int(jail_ready_file(path), 1, "ready file: present is 1");
	snprintf(path, sizeof(path), "%s/ready-link", base);
	ok(symlink("/nonexistent/target", path) == 0, "setup: a dangling symlink");
	is_int(jail_ready_file(path), 1, "ready file: a dangling symlink exists (not followed)");
	snprintf(path, sizeof(path), "%s/ready-link/x", base);
	is_int(jail_ready_file(path), 0, "ready file: a path through it does not");
}

int main(void)
{
	test_filter();
	if (geteuid() != 0) {
		ok(0, "the socket, relay and probe tests need root (owners, setuid)");
		return done_testing();
	}
	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create a scratch directory under /run\n");
		return 1;
	}
	test_bind();
	test_bind_refused();
	test_upstream();
	test_roundtrip();
	test_ready();
	rm_rf(base);
	return done_testing();
}
