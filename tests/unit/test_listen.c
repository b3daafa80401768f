/* Host-side listen sockets and LISTEN_FDS (lib/confine/listen.h): tcp,
 * udp and v6 binds, the message for a port in use, unix sockets in a
 * trusted directory (a stale socket replaced; a file, a symlink, a
 * symlinked or untrusted parent refused and left alone), and the
 * take/install round trip of socket activation in a forked child. */
#define _GNU_SOURCE
#include "tap.h"
#include "confine/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static char base[64];

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		diag("could not remove %s", path);
}

static socklen_t unix_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n >= sizeof(sa->sun_path))
		n = sizeof(sa->sun_path) - 1;
	memcpy(sa->sun_path, path, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static int sockopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, level, name, &v, &l) < 0)
		return -1;
	return v;
}

static void test_text(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(80)};
	struct sockaddr_in6 in6 = {
	    .sin6_family = AF_INET6, .sin6_port = htons(8080), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr_un un;
	char buf[160], small[8];
	socklen_t l;

	is_str(jail_sockaddr_text((struct sockaddr *)&in, sizeof(in), buf, sizeof(buf)),
	       "0.0.0.0:80", "text: v4");
	is_str(jail_sockaddr_text((struct sockaddr *)&in6, sizeof(in6), buf, sizeof(buf)),
	       "[::1]:8080", "text: v6 in brackets");
	l = unix_addr(&un, "/run/web.sock");
	is_str(jail_sockaddr_text((struct sockaddr *)&un, l, buf, sizeof(buf)), "/run/web.sock",
	       "text: a unix path");
	l = unix_addr(&un, "@abs\x01name");
	un.sun_path[0] = '\0';
	is_str(jail_sockaddr_text((struct sockaddr *)&un, l - 1, buf, sizeof(buf)), "@abs?name",
	       "text: an abstract name, a control character as '?'");
	l = unix_addr(&un, "@relative");
	is_str(jail_sockaddr_text((struct sockaddr *)&un, l, buf, sizeof(buf)), "@relative",
	       "text: a path that begins with '@' is a path");
	is_str(jail_sockaddr_text((struct sockaddr *)&un, sizeof(sa_family_t), buf, sizeof(buf)),
	       "unnamed", "text: an unnamed unix address");
	in.sin_family = AF_PACKET;
	is_str(jail_sockaddr_text((struct sockaddr *)&in, sizeof(in), buf, sizeof(buf)),
	       "family 17", "text: another family");
	in.sin_family = AF_INET;
	is_str(jail_sockaddr_text((struct sockaddr *)&in, 4, buf, sizeof(buf)), "family 2",
	       "text: a v4 address too short is not read");
	l = unix_addr(&un, "/run/a-long-name.sock");
	is_str(jail_sockaddr_text((struct sockaddr *)&un, l, small, sizeof(small)), "/run/a-",
	       "text: cut to the buffer, NUL-terminated");
}

static void test_inet(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(in);
	jail_error_t err = {0};
	char want[128];
	int fd, fd2, c;

	fd = jail_listen_socket(AF_INET, SOCK_STREAM, (struct sockaddr *)&in, sizeof(in), 0, 0,
				&err);
	ok(fd >= 0, "tcp: bound to 127.0.0.1:0 (%s)", err.msg);
	ok(getsockname(fd, (struct sockaddr *)&in, &len) == 0 && in.sin_port != 0,
	   "tcp: an ephemeral port (%u)", ntohs(in.sin_port));
	is_int(sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN), 1, "tcp: listening");
	is_int(sockopt(fd, SOL_SOCKET, SO_REUSEADDR), 1, "tcp: SO_REUSEADDR");
	is_int(fcntl(fd, F_GETFD), FD_CLOEXEC, "tcp: close-on-exec");
	ok(!(fcntl(fd, F_GETFL) & O_NONBLOCK), "tcp: blocking, as a service expects");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok(connect(c, (struct sockaddr *)&in, sizeof(in)) == 0, "tcp: a client connects");
	close(c);

	fd2 = jail_listen_socket(AF_INET, SOCK_STREAM, (struct sockaddr *)&in, sizeof(in), 0, 0,
				 &err);
	ok(fd2 < 0 && jail_error_is(&err, EADDRINUSE), "tcp: the same port again is EADDRINUSE");
	snprintf(want, sizeof(want), "tcp 127.0.0.1:%u: address already in use",
		 ntohs(in.sin_port));
	is_str(err.msg, want, "tcp: the message names the address");
	close(fd);

	in.sin_port = 0;
	len = sizeof(in);
	fd =
	    jail_listen_socket(AF_INET, SOCK_DGRAM, (struct sockaddr *)&in, sizeof(in), 0, 0, &err);
	ok(fd >= 0 && getsockname(fd, (struct sockaddr *)&in, &len) == 0,
	   "udp: bound to 127.0.0.1:0");
	is_int(sockopt(fd, SOL_SOCKET, SO_TYPE), SOCK_DGRAM, "udp: a datagram socket");
	is_int(sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN), 0, "udp: not listening");
	jail_error_clear(&err);
	fd2 =
	    jail_listen_socket(AF_INET, SOCK_DGRAM, (struct sockaddr *)&in, sizeof(in), 0, 0, &err);
	snprintf(want, sizeof(want), "udp 127.0.0.1:%u: address already in use",
		 ntohs(in.sin_port));
	ok(fd2 < 0, "udp: the same port again refused");
	is_str(err.msg, want, "udp: the message names it");
	close(fd);

	len = sizeof(in6);
	jail_error_clear(&err);
	fd = jail_listen_socket(AF_INET6, SOCK_STREAM, (struct sockaddr *)&in6, sizeof(in6), 0, 0,
				&err);
	if (fd < 0 && jail_error_is(&err, EAFNOSUPPORT)) {
		diag("no IPv6 in this kernel: the v6 bind is not tested");
	} else {
		ok(fd >= 0 && getsockname(fd, (struct sockaddr *)&in6, &len) == 0,
		   "v6: bound to [::1]:0 (%s)", err.msg);
		is_int(sockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY), 1, "v6: IPV6_V6ONLY");
		is_int(sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN), 1, "v6: listening");
		fd2 = jail_listen_socket(AF_INET6, SOCK_STREAM, (struct sockaddr *)&in6,
					 sizeof(in6), 0, 0, &err);
		snprintf(want, sizeof(want), "tcp [::1]:%u: address already in use",
			 ntohs(in6.sin6_port));
		ok(fd2 < 0, "v6: the same port again refused");
		is_str(err.msg, want, "v6: the message names [::1]:PORT");
		close(fd);
	}

	jail_error_clear(&err);
	ok(jail_listen_socket(AF_INET6, SOCK_STREAM, (struct sockaddr *)&in, sizeof(in), 0, 0,
			      &err) < 0 &&
	       jail_error_is(&err, EINVAL),
	   "a v4 address for a v6 socket refused");
	jail_error_clear(&err);
	ok(jail_listen_socket(AF_PACKET, SOCK_DGRAM, (struct sockaddr *)&in, sizeof(in), 0, 0,
			      &err) < 0 &&
	       jail_error_is(&err, EAFNOSUPPORT),
	   "AF_PACKET refused");
	jail_error_clear(&err);
	ok(jail_listen_socket(AF_INET, SOCK_RAW, (struct sockaddr *)&in, sizeof(in), 0, 0, &err) <
		   0 &&
	       jail_error_is(&err, EINVAL),
	   "SOCK_RAW refused");
}

static int listen_unix(const char *path, int type, jail_error_t *err)
{
	struct sockaddr_un un;
	socklen_t l = unix_addr(&un, path);

	jail_error_clear(err);
	return jail_listen_socket(AF_UNIX, type, (struct sockaddr *)&un, l, NOBODY, NOBODY, err);
}

static bool connects(const char *path)
{
	struct sockaddr_un un;
	socklen_t l = unix_addr(&un, path);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool r = connect(c, (struct sockaddr *)&un, l) == 0;

	close(c);
	return r;
}

static void test_unix(void)
{
	char path[256], p2[256], target[256], buf[16];
	jail_error_t err = {0};
	struct stat st;
	int fd, fd2, f;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/web.sock", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd >= 0, "unix: bound at %s (%s)", path, err.msg);
	ok(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode), "unix: a socket file");
	is_int(st.st_mode & 07777, 0660, "unix: mode 0660");
	ok(st.st_uid == NOBODY && st.st_gid == NOBODY, "unix: owned by the service's uid:gid");
	is_int(sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN), 1, "unix: listening");
	ok(connects(path), "unix: a client connects");

	/* the same path while it is in use: a socket, so replaced (systemd
	 * does the same); the old listener loses its name */
	fd2 = listen_unix(path, SOCK_STREAM, &err);
	ok(fd2 >= 0, "unix: a stale socket at the path is replaced (%s)", err.msg);
	close(fd);
	ok(connects(path), "unix: ... and the new one answers");
	close(fd2);
	ok(connects(path) == false, "unix: closed, nobody answers (the file stays)");
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd >= 0 && connects(path), "unix: a dead socket file is replaced");
	close(fd);

	/* a regular file: refused, untouched */
	snprintf(path, sizeof(path), "%s/file.sock", base);
	f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(f >= 0 && write(f, "keep", 4) == 4, "setup: a regular file at file.sock");
	close(f);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EEXIST), "unix: a regular file at the path refused");
	like(err.msg, path, "... the message names the path (%s)", err.msg);
	like(err.msg, "a regular file", "... and what is there");
	f = open(path, O_RDONLY | O_CLOEXEC);
	n = read(f, buf, sizeof(buf));
	close(f);
	ok(n == 4 && memcmp(buf, "keep", 4) == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 07777) == 0644 && st.st_uid == 0,
	   "... the file untouched (content, mode, owner)");

	/* a symlink: refused, neither it nor its target touched */
	snprintf(path, sizeof(path), "%s/link.sock", base);
	snprintf(target, sizeof(target), "%s/target.sock", base);
	ok(symlink(target, path) == 0, "setup: link.sock -> target.sock (missing)");
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EEXIST), "unix: a symlink at the path refused");
	like(err.msg, "a symlink", "... saying so (%s)", err.msg);
	ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "... the symlink still there");
	ok(lstat(target, &st) < 0 && errno == ENOENT, "... its target not created");

	/* a directory at the path */
	snprintf(path, sizeof(path), "%s/dir.sock", base);
	mkdir(path, 0755);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EEXIST), "unix: a directory at the path refused");

	/* a symlinked parent */
	snprintf(p2, sizeof(p2), "%s/real", base);
	mkdir(p2, 0755);
	snprintf(path, sizeof(path), "%s/linkdir", base);
	ok(symlink(p2, path) == 0, "setup: linkdir -> real");
	snprintf(path, sizeof(path), "%s/linkdir/x.sock", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, ELOOP), "unix: a symlinked parent refused");
	like(err.msg, "linkdir is a symlink", "... naming it (%s)", err.msg);
	snprintf(p2, sizeof(p2), "%s/real/x.sock", base);
	ok(lstat(p2, &st) < 0 && errno == ENOENT, "... nothing made behind it");

	/* an untrusted parent (world-writable, or not root's) */
	snprintf(p2, sizeof(p2), "%s/open", base);
	mkdir(p2, 0755);
	chmod(p2, 01777);
	snprintf(path, sizeof(path), "%s/open/x.sock", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EPERM), "unix: a world-writable parent refused");
	like(err.msg, "writable by others", "... saying so (%s)", err.msg);
	ok(lstat(path, &st) < 0, "... nothing made there");
	snprintf(p2, sizeof(p2), "%s/users", base);
	mkdir(p2, 0755);
	ok(chown(p2, 1000, 1000) == 0, "setup: a parent owned by uid 1000");
	snprintf(path, sizeof(path), "%s/users/x.sock", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EPERM), "unix: a parent not root's refused (%s)", err.msg);
	snprintf(path, sizeof(path), "%s/missing/x.sock", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, ENOENT), "unix: a missing parent fails (%s)", err.msg);

	/* paths that are not plain */
	fd = listen_unix("run/x.sock", SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EINVAL), "unix: a relative path refused");
	snprintf(path, sizeof(path), "%s//x.sock", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EINVAL), "unix: a path not normalised refused");
	snprintf(path, sizeof(path), "%s/../x.sock", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0, "unix: '..' refused");
	snprintf(path, sizeof(path), "%s/", base);
	fd = listen_unix(path, SOCK_STREAM, &err);
	ok(fd < 0 && jail_error_is(&err, EINVAL), "unix: a path ending in '/' refused");

	/* datagram, and an abstract name */
	snprintf(path, sizeof(path), "%s/dgram.sock", base);
	fd = listen_unix(path, SOCK_DGRAM, &err);
	ok(fd >= 0 && sockopt(fd, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM,
	   "unix: a datagram socket (%s)", err.msg);
	ok(lstat(path, &st) == 0 && (st.st_mode & 07777) == 0660, "unix: ... 0660 too");
	close(fd);
	{
		struct sockaddr_un un;
		char name[64];
		socklen_t l;

		snprintf(name, sizeof(name), "@jail-unit-listen-%d", (int)getpid());
		l = unix_addr(&un, name);
		un.sun_path[0] = '\0';
		fd = jail_listen_socket(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&un, l - 1, NOBODY,
					NOBODY, &err);
		ok(fd >= 0 && sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1,
		   "unix: an abstract name bound and listening (%s)", err.msg);
		close(fd);
	}
}

/* ------------------------------------------------------------------ */
/* LISTEN_FDS in a child: it reports each check as a line on a pipe.   */

static int report_fd = -1;

static void child_ok(bool cond, const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%d %s\n", cond ? 1 : 0, what);

	if (write(report_fd, line, (size_t)n) != n)
		_exit(99);
}

static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void child_take_install(void)
{
	jail_error_t err = {0};
	char pid[32], **names = NULL;
	int p[2], first, n, r;
	ino_t a, b;

	/* two sockets at 3 and 4, as systemd would pass them */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) < 0 || dup2(p[0], 3) < 0 || dup2(p[1], 4) < 0)
		_exit(98);
	if (p[0] != 3 && p[0] != 4)
		close(p[0]);
	if (p[1] != 3 && p[1] != 4)
		close(p[1]);
	a = ino_of(3);
	b = ino_of(4);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());

	/* absent */
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r == 0 && n == 0 && first == -1 && names == NULL,
		 "take: no LISTEN_PID, no fds (n 0, first -1)");

	/* another pid's */
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "2", 1);
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r == 0 && n == 0, "take: LISTEN_PID of another process, no fds");
	child_ok(ino_of(3) == a && ino_of(4) == b, "take: ... and 3, 4 left alone");
	child_ok(!getenv("LISTEN_PID") && !getenv("LISTEN_FDS"), "take: ... the variables unset");

	/* malformed */
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "two", 1);
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r < 0 && jail_error_is(&err, EINVAL) && strstr(err.msg, "LISTEN_FDS=two"),
		 "take: LISTEN_FDS=two refused, naming it");
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "web", 1);
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r < 0 && jail_error_is(&err, EINVAL) && n == 0,
		 "take: one name for two fds refused");
	child_ok(ino_of(3) == a && ino_of(4) == b, "take: ... and no fd moved");
	child_ok(!getenv("LISTEN_FDNAMES"), "take: ... LISTEN_FDNAMES unset too");
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "3", 1);
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r < 0 && jail_error_is(&err, EBADF) && ino_of(3) == a,
		 "take: LISTEN_FDS=3 with fd 5 closed refused, nothing moved");
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "100000", 1);
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r < 0 && jail_error_is(&err, E2BIG), "take: too many fds refused");

	/* the real thing; an fd of ours at 100 is stepped over */
	dup2(0, 100);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "web:admin", 1);
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r == 0 && n == 2, "take: two fds");
	child_ok(first > 100, "take: moved to >= 100, past an fd in use there");
	child_ok(ino_of(first) == a && ino_of(first + 1) == b, "take: the same sockets, in order");
	child_ok(!is_open(3) && !is_open(4), "take: the originals at 3, 4 closed");
	child_ok(fcntl(first, F_GETFD) == FD_CLOEXEC && fcntl(first + 1, F_GETFD) == FD_CLOEXEC,
		 "take: the moved fds are close-on-exec");
	child_ok(names && names[0] && names[1] && !names[2] && strcmp(names[0], "web") == 0 &&
		     strcmp(names[1], "admin") == 0,
		 "take: the names from LISTEN_FDNAMES");
	child_ok(!getenv("LISTEN_PID") && !getenv("LISTEN_FDS") && !getenv("LISTEN_FDNAMES"),
		 "take: the three variables unset");
	jail_listen_names_free(names);

	/* install, swapped: 3 <- first+1, 4 <- first */
	{
		int fds[2] = {first + 1, first};

		r = jail_listen_fds_install(fds, 2);
		child_ok(r == 0, "install: two fds");
		child_ok(ino_of(3) == b && ino_of(4) == a, "install: fds[i] at 3+i");
		child_ok(fcntl(3, F_GETFD) == 0 && fcntl(4, F_GETFD) == 0,
			 "install: 3, 4 not close-on-exec (inherited by exec)");
		child_ok(ino_of(first) == a, "install: the caller's fds left open");
	}
	/* install colliding with itself: fds {4, 3} swaps 3 and 4 */
	{
		int fds[3] = {4, 3, 4};

		r = jail_listen_fds_install(fds, 3);
		child_ok(r == 0, "install: fds {4, 3, 4} (sources inside 3..5)");
		child_ok(ino_of(3) == a && ino_of(4) == b && ino_of(5) == a,
			 "install: no source overwritten before it was placed");
		child_ok(fcntl(5, F_GETFD) == 0, "install: 5 not close-on-exec");
		child_ok(!is_open(6) || ino_of(6) != a, "install: no temporary copy left at 6");
	}
	{
		int fds[1] = {-1};

		errno = 0;
		child_ok(jail_listen_fds_install(fds, 1) < 0 && errno == EBADF,
			 "install: a negative fd is EBADF");
		errno = 0;
		child_ok(jail_listen_fds_install(fds, JAIL_LISTEN_FDS_MAX + 1) < 0 &&
			     errno == E2BIG,
			 "install: more than JAIL_LISTEN_FDS_MAX is E2BIG");
		child_ok(jail_listen_fds_install(NULL, 0) == 0, "install: none is a no-op");
	}

	/* no LISTEN_FDNAMES: "unknown" each */
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	r = jail_listen_fds_take(&first, &n, &names, &err);
	child_ok(r == 0 && n == 1 && names && strcmp(names[0], "unknown") == 0 && !names[1],
		 "take: without LISTEN_FDNAMES the name is \"unknown\"");
	jail_listen_names_free(names);
	_exit(0);
}

static void test_fds(void)
{
	int p[2], st;
	pid_t pid;
	FILE *f;
	char line[256];

	if (pipe2(p, O_CLOEXEC) < 0) {
		ok(0, "setup: pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		report_fd = fcntl(p[1], F_DUPFD_CLOEXEC, 200);
		close(p[1]);
		child_take_install();
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		ok(line[0] == '1', "%s", line + 2);
	}
	fclose(f);
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "the LISTEN_FDS child ran to its end");
}

int main(void)
{
	test_text();
	test_inet();
	test_fds();
	if (geteuid() != 0) {
		ok(0, "the unix socket tests need root (a root-owned directory, chown)");
		return done_testing();
	}
	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create a scratch directory under /run\n");
		return 1;
	}
	test_unix();
	rm_rf(base);
	return done_testing();
}
