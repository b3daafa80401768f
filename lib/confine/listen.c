/* Sockets bound on the host side for a service (see listen.h). */
#define _GNU_SOURCE
#include "confine/listen.h"
#include "base/safefs.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SUN_OFF	    offsetof(struct sockaddr_un, sun_path)
#define FDNAME_MAX  255 /* systemd's FDNAME_MAX */
#define ADDRTXT_MAX 160

const char *jail_sockaddr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (sa == NULL || len < sizeof(sa_family_t)) {
		snprintf(buf, size, "no address");
		return buf;
	}
	switch (sa->sa_family) {
	case AF_INET: {
		struct sockaddr_in in;

		if (len < sizeof(in))
			break;
		memcpy(&in, sa, sizeof(in));
		if (!inet_ntop(AF_INET, &in.sin_addr, a, sizeof(a)))
			break;
		snprintf(buf, size, "%s:%u", a, (unsigned)ntohs(in.sin_port));
		return buf;
	}
	case AF_INET6: {
		struct sockaddr_in6 in6;

		if (len < sizeof(in6))
			break;
		memcpy(&in6, sa, sizeof(in6));
		if (!inet_ntop(AF_INET6, &in6.sin6_addr, a, sizeof(a)))
			break;
		if (in6.sin6_scope_id)
			snprintf(buf, size, "[%s%%%u]:%u", a, (unsigned)in6.sin6_scope_id,
				 (unsigned)ntohs(in6.sin6_port));
		else
			snprintf(buf, size, "[%s]:%u", a, (unsigned)ntohs(in6.sin6_port));
		return buf;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
		size_t n, o = 0, from = 0;

		if (len > sizeof(struct sockaddr_un))
			len = sizeof(struct sockaddr_un);
		if (len <= SUN_OFF) {
			snprintf(buf, size, "unnamed");
			return buf;
		}
		n = len - SUN_OFF;
		if (un->sun_path[0] != '\0') {
			n = strnlen(un->sun_path, n);
		} else {
			buf[o++] = '@';
			from = 1;
		}
		for (size_t i = from; i < n && o + 1 < size; i++) {
			unsigned char c = (unsigned char)un->sun_path[i];
			buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
		buf[o < size ? o : size - 1] = '\0';
		return buf;
	}
	default:
		break;
	}
	snprintf(buf, size, "family %d", (int)sa->sa_family);
	return buf;
}

static const char *proto_name(int family, int type)
{
	if (family == AF_UNIX)
		return "unix";
	switch (type) {
	case SOCK_STREAM:
		return "tcp";
	case SOCK_DGRAM:
		return "udp";
	default:
		return "seqpacket";
	}
}

static const char *kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symlink";
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	return "a special file";
}

int jail_unix_bind_at(int sock, int dirfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		      const char *what, jail_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int n, r, e;

	if (name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return jail_error_fmt(err, EINVAL, "%s: '%s' is not a file name", what, name);
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return jail_error_fmt(err, ENAMETOOLONG,
				      "%s: the name '%s' is too long for a socket", what, name);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return jail_error_fmt(err, EEXIST,
					      "%s exists and is %s, not a socket: refusing to "
					      "replace it",
					      what, kind_of(st.st_mode));
		/* A socket left by an earlier run (nobody but root can
		 * write to this directory, so it is ours to replace). */
		if (unlinkat(dirfd, name, 0) < 0)
			return jail_error_set(err, errno, "remove the stale socket %s", what);
	} else if (errno != ENOENT) {
		return jail_error_set(err, errno, "stat %s", what);
	}
	/* Mode 0600 from the start: nobody else can reach it before the
	 * chmod and chown below. */
	old = umask(0177);
	r = bind(sock, (struct sockaddr *)&sa, (socklen_t)(SUN_OFF + (size_t)n + 1));
	e = errno;
	umask(old);
	if (r < 0) {
		if (e == EADDRINUSE)
			return jail_error_fmt(err, e, "%s: address already in use", what);
		return jail_error_set(err, e, "bind %s", what);
	}
	if (fchmodat(dirfd, name, mode, 0) < 0 ||
	    fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		e = errno;
		unlinkat(dirfd, name, 0);
		return jail_error_set(err, e, "set the owner and mode of %s", what);
	}
	return 0;
}

/* AF_UNIX with a path: the trusted walk to its directory, then
 * jail_unix_bind_at().  *DIRP and *NAMEP (malloc'd) say where the socket
 * file is, for the caller to remove it if a later step fails. */
static int bind_unix_path(int fd, const struct sockaddr_un *un, socklen_t len, uid_t uid, gid_t gid,
			  const char *what, int *dirp, char **namep, jail_error_t *err)
{
	char path[sizeof(un->sun_path) + 1];
	cleanup_free char *norm = NULL;
	cleanup_free char *parent = NULL;
	cleanup_close int dir = -1;
	const char *slash;

	memset(path, 0, sizeof(path));
	memcpy(path, un->sun_path, len - SUN_OFF);
	if (path[0] != '/')
		return jail_error_fmt(err, EINVAL, "%s: expected an absolute path", what);
	norm = jail_path_normalize(path, err);
	if (norm == NULL)
		return jail_error_wrap(err, "%s", what);
	if (strcmp(norm, path) != 0)
		return jail_error_fmt(err, EINVAL, "%s: expected a normalised path (%s)", what,
				      norm);
	slash = strrchr(path, '/');
	if (slash[1] == '\0')
		return jail_error_fmt(err, EINVAL, "%s: expected a file name after the last '/'",
				      what);
	parent = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	*namep = strdup(slash + 1);
	if (parent == NULL || *namep == NULL)
		return jail_error_set(err, ENOMEM, "%s", what);
	if (jail_walk_trusted(parent, NULL, &dir, err) < 0)
		return jail_error_wrap(err, "%s", what);
	if (jail_unix_bind_at(fd, dir, *namep, 0660, uid, gid, what, err) < 0)
		return -1;
	*dirp = steal_fd(&dir);
	return 0;
}

int jail_listen_socket(int family, int type, const struct sockaddr *sa, socklen_t len, uid_t uid,
		       gid_t gid, jail_error_t *err)
{
	char addr[ADDRTXT_MAX], what[ADDRTXT_MAX + 16];
	cleanup_close int fd = -1;
	cleanup_close int dir = -1;
	cleanup_free char *name = NULL;
	socklen_t need;
	int one = 1;

	jail_sockaddr_text(sa, len, addr, sizeof(addr));
	snprintf(what, sizeof(what), "%s %s", proto_name(family, type), addr);
	switch (family) {
	case AF_INET:
		need = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		need = sizeof(struct sockaddr_in6);
		break;
	case AF_UNIX:
		need = SUN_OFF + 1;
		break;
	default:
		return jail_error_fmt(err, EAFNOSUPPORT, "%s: address family %d not supported",
				      what, family);
	}
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return jail_error_fmt(err, EINVAL, "%s: socket type %d not supported", what, type);
	if (sa == NULL || len < need || sa->sa_family != family ||
	    (family == AF_UNIX && len > sizeof(struct sockaddr_un)))
		return jail_error_fmt(err, EINVAL, "%s: not an address of family %d", what, family);

	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return jail_error_set(err, errno, "%s: socket", what);
	if (family != AF_UNIX && type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return jail_error_set(err, errno, "%s: SO_REUSEADDR", what);
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return jail_error_set(err, errno, "%s: IPV6_V6ONLY", what);

	if (family == AF_UNIX && ((const struct sockaddr_un *)sa)->sun_path[0] != '\0') {
		if (bind_unix_path(fd, (const struct sockaddr_un *)sa, len, uid, gid, what, &dir,
				   &name, err) < 0)
			return -1;
	} else if (bind(fd, sa, len) < 0) {
		if (errno == EADDRINUSE)
			return jail_error_fmt(err, EADDRINUSE, "%s: address already in use", what);
		return jail_error_set(err, errno, "bind %s", what);
	}
	if (type != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0) {
		int e = errno;

		if (dir >= 0)
			unlinkat(dir, name, 0);
		return jail_error_set(err, e, "listen on %s", what);
	}
	return steal_fd(&fd);
}

/* ------------------------------------------------------------------ */
/* LISTEN_FDS                                                          */

void jail_listen_names_free(char **names)
{
	if (names == NULL)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}

static void names_freep(char ***p)
{
	jail_listen_names_free(*p);
	*p = NULL;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* The N names of LISTEN_FDNAMES S ("unknown" each when S is NULL). */
static int split_names(const char *s, int n, char ***out, jail_error_t *err)
{
	__attribute__((cleanup(names_freep))) char **v = calloc((size_t)n + 1, sizeof(char *));
	const char *p = s;
	int count = 1;

	if (v == NULL)
		return jail_error_set(err, ENOMEM, "LISTEN_FDNAMES");
	if (s) {
		for (const char *q = s; *q; q++)
			count += *q == ':';
		if (count != n)
			return jail_error_fmt(
			    err, EINVAL, "LISTEN_FDNAMES has %d names for LISTEN_FDS=%d", count, n);
	}
	for (int k = 0; k < n; k++) {
		if (s == NULL) {
			v[k] = strdup("unknown");
		} else {
			const char *end = strchrnul(p, ':');
			size_t len = (size_t)(end - p);

			if (len > FDNAME_MAX)
				return jail_error_fmt(
				    err, EINVAL, "LISTEN_FDNAMES: name %d is longer than %d bytes",
				    k + 1, FDNAME_MAX);
			for (size_t i = 0; i < len; i++)
				if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f)
					return jail_error_fmt(err, EINVAL,
							      "LISTEN_FDNAMES: name %d has a "
							      "control or non-ASCII character",
							      k + 1);
			v[k] = strndup(p, len);
			p = *end ? end + 1 : end;
		}
		if (v[k] == NULL)
			return jail_error_set(err, ENOMEM, "LISTEN_FDNAMES");
	}
	*out = steal_pointer(&v);
	return 0;
}

/* The lowest fd B >= FLOOR such that B..B+N-1 are all free, below the
 * soft RLIMIT_NOFILE. */
static int free_block(int floor, int n, jail_error_t *err)
{
	struct rlimit rl;
	long lim = INT32_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)INT32_MAX)
		lim = (long)rl.rlim_cur;
	for (long b = floor; b + n <= lim;) {
		int j;

		for (j = 0; j < n && !fd_open((int)b + j); j++)
			;
		if (j == n)
			return (int)b;
		b += j + 1;
	}
	return jail_error_fmt(err, EMFILE, "no room for %d inherited fds above %d", n, floor);
}

static int take(const char *spid, const char *sfds, const char *snames, int *first, int *n,
		char ***names, jail_error_t *err)
{
	__attribute__((cleanup(names_freep))) char **v = NULL;
	uint64_t pid, count;
	int base, i;

	if (spid == NULL)
		return 0;
	if (jail_parse_u64(spid, &pid, NULL) < 0 || pid == 0 || pid > INT32_MAX)
		return jail_error_fmt(err, EINVAL, "LISTEN_PID=%s: expected a pid", spid);
	if ((pid_t)pid != getpid() || sfds == NULL)
		return 0;
	if (jail_parse_u64(sfds, &count, NULL) < 0)
		return jail_error_fmt(err, EINVAL, "LISTEN_FDS=%s: expected a number", sfds);
	if (count > JAIL_LISTEN_FDS_MAX)
		return jail_error_fmt(err, E2BIG, "LISTEN_FDS=%s: more than %d fds", sfds,
				      JAIL_LISTEN_FDS_MAX);
	if (count == 0)
		return 0;
	for (i = 0; i < (int)count; i++)
		if (!fd_open(3 + i))
			return jail_error_fmt(err, EBADF, "LISTEN_FDS=%s: fd %d is not open", sfds,
					      3 + i);
	if (split_names(snames, (int)count, &v, err) < 0)
		return -1;
	base = free_block(3 + (int)count > JAIL_LISTEN_FDS_MOVE ? 3 + (int)count
								: JAIL_LISTEN_FDS_MOVE,
			  (int)count, err);
	if (base < 0)
		return -1;
	/* Copies first, then the originals closed: a failure leaves the
	 * originals as they were. */
	for (i = 0; i < (int)count; i++) {
		if (dup3(3 + i, base + i, O_CLOEXEC) < 0) {
			int e = errno;

			while (i-- > 0)
				close(base + i);
			return jail_error_set(err, e, "move inherited fd %d", 3 + i);
		}
	}
	for (i = 0; i < (int)count; i++)
		close(3 + i);
	*first = base;
	*n = (int)count;
	if (names)
		*names = steal_pointer(&v);
	return 0;
}

int jail_listen_fds_take(int *first, int *n, char ***names, jail_error_t *err)
{
	int r;

	*first = -1;
	*n = 0;
	if (names)
		*names = NULL;
	r = take(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getenv("LISTEN_FDNAMES"), first, n,
		 names, err);
	/* glibc's unsetenv() frees nothing, so the strings above stayed
	 * valid until here. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return r;
}

int jail_listen_fds_install(const int *fds, size_t n)
{
	int tmp[JAIL_LISTEN_FDS_MAX];
	bool made[JAIL_LISTEN_FDS_MAX];
	int top = 3 + (int)n;
	size_t i;

	if (n > JAIL_LISTEN_FDS_MAX) {
		errno = E2BIG;
		return -1;
	}
	/* Out of the way of 3..top-1 first: a later dup2 must not close an
	 * fd still to be placed. */
	for (i = 0; i < n; i++) {
		made[i] = false;
		tmp[i] = fds[i];
		if (fds[i] < 0) {
			errno = EBADF;
			goto fail;
		}
		if (fds[i] < top) {
			tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, top);
			if (tmp[i] < 0)
				goto fail;
			made[i] = true;
		}
	}
	for (i = 0; i < n; i++) {
		if (dup2(tmp[i], 3 + (int)i) < 0 || fcntl(3 + (int)i, F_SETFD, 0) < 0)
			goto fail_all;
	}
	for (i = 0; i < n; i++)
		if (made[i])
			close(tmp[i]);
	return 0;
fail_all:
	i = n;
fail:
	while (i-- > 0)
		if (made[i]) {
			int e = errno;
			close(tmp[i]);
			errno = e;
		}
	return -1;
}
