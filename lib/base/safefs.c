#define _GNU_SOURCE
#include "base/safefs.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool force_fallback;
static int openat2_missing; /* 1 once the kernel said ENOSYS */

bool jail_safefs_force_fallback(bool force)
{
	bool old = force_fallback;
	force_fallback = force;
	return old;
}

int jail_walk_error(const jail_walk_finding_t *f, jail_error_t *err)
{
	switch (f->problem) {
	case JAIL_WALK_NOT_ROOT:
		return jail_error_fmt(err, EPERM, "%s is owned by uid %u, expected root (uid 0)",
				      f->path, (unsigned)f->st->st_uid);
	case JAIL_WALK_WRITABLE:
		return jail_error_fmt(err, EPERM,
				      "%s is writable by %s (mode %04o), expected not "
				      "group/world-writable",
				      f->path, (f->st->st_mode & S_IWOTH) ? "others" : "its group",
				      (unsigned)(f->st->st_mode & 07777));
	case JAIL_WALK_SYMLINK:
		return jail_error_fmt(err, ELOOP, "%s is a symlink, expected a real directory",
				      f->path);
	case JAIL_WALK_UNREACHABLE:
		return jail_error_set(err, f->errnum, "open %s", f->path);
	case JAIL_WALK_NO_STAT:
		return jail_error_set(err, f->errnum, "stat %s", f->path);
	case JAIL_WALK_NOT_CREATED:
		return jail_error_set(err, f->errnum, "create %s", f->path);
	}
	return jail_error_fmt(err, EINVAL, "%s: untrusted", f->path);
}

/* One problem the walk met: reported (REPORT mode; returns 0, or -1 when
 * the callback failed) or turned into the error (returns -1). */
static int walk_problem(const jail_walk_opts_t *o, jail_walk_problem_t problem, const char *path,
			const struct stat *st, int errnum, jail_error_t *err)
{
	jail_walk_finding_t f = {.problem = problem, .path = path, .st = st, .errnum = errnum};

	if (o && (o->flags & JAIL_WALK_REPORT) && o->report)
		return o->report(o->ctx, &f) < 0 ? -1 : 0;
	return jail_walk_error(&f, err);
}

int jail_trust_stat(const struct stat *st, const char *path, const jail_walk_opts_t *o,
		    jail_error_t *err)
{
	if (st->st_uid != 0 && walk_problem(o, JAIL_WALK_NOT_ROOT, path, st, 0, err) < 0)
		return -1;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    walk_problem(o, JAIL_WALK_WRITABLE, path, st, 0, err) < 0)
		return -1;
	return 0;
}

/* The trusted-directory rules for FD (named PATH): root-owned, not
 * group/world-writable.  Returns 0 when it passes or every problem was
 * reported, -1 otherwise. */
static int walk_check(const jail_walk_opts_t *o, int fd, const char *path, jail_error_t *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return walk_problem(o, JAIL_WALK_NO_STAT, path, NULL, errno, err) < 0 ? -1 : 1;
	return jail_trust_stat(&st, path, o, err);
}

int jail_check_trusted_fd(int fd, const char *name, jail_error_t *err)
{
	return walk_check(NULL, fd, name, err) == 0 ? 0 : -1;
}

/* Open component P of the walk beneath FD (PATH names it), making it first
 * in CREATE mode.  Returns 0 with *NFD the new fd, or with *NFD -1 when a
 * problem that ends the walk was reported; -1 on an error. */
static int walk_open(const jail_walk_opts_t *o, int fd, const char *p, const char *path, bool last,
		     int *nfd, jail_error_t *err)
{
	struct stat lst;
	int e;

	*nfd = openat(fd, p, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*nfd < 0 && errno == ENOENT && o && (o->flags & JAIL_WALK_CREATE)) {
		mode_t mode = last && o->create_mode ? o->create_mode : 0755;

		if (mkdirat(fd, p, mode) < 0 && errno != EEXIST)
			return walk_problem(o, JAIL_WALK_NOT_CREATED, path, NULL, errno, err);
		*nfd = openat(fd, p, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (*nfd >= 0)
		return 0;
	e = errno;
	if (fstatat(fd, p, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
		return walk_problem(o, JAIL_WALK_SYMLINK, path, NULL, ELOOP, err);
	return walk_problem(o, JAIL_WALK_UNREACHABLE, path, NULL, e, err);
}

int jail_walk_trusted(const char *abspath, const jail_walk_opts_t *o, int *fdp, jail_error_t *err)
{
	cleanup_free char *norm = jail_path_normalize(abspath, err);
	cleanup_close int fd = -1;
	char *p;
	int r;

	*fdp = -1;
	if (norm == NULL)
		return -1;
	fd = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return walk_problem(o, JAIL_WALK_UNREACHABLE, "/", NULL, errno, err);
	r = walk_check(o, fd, "/", err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	p = norm + 1;
	while (*p) {
		char *slash = strchr(p, '/');
		int nfd;

		/* NORM cut after this component names it in messages. */
		if (slash)
			*slash = '\0';
		if (walk_open(o, fd, p, norm, slash == NULL, &nfd, err) < 0)
			return -1;
		if (nfd < 0)
			return 0; /* reported: nothing below it can be reached */
		close(fd);
		fd = nfd;
		r = walk_check(o, fd, norm, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
		if (slash == NULL)
			break;
		*slash = '/';
		p = slash + 1;
	}
	*fdp = steal_fd(&fd);
	return 0;
}

int jail_open_trusted_dir(const char *abspath, jail_error_t *err)
{
	int fd;

	if (jail_walk_trusted(abspath, NULL, &fd, err) < 0)
		return -1;
	return fd;
}

/* Skip leading slashes so absolute in-jail paths are taken relative. */
static const char *relpart(const char *rel)
{
	while (*rel == '/')
		rel++;
	return *rel ? rel : ".";
}

static int walk_fallback(int dirfd, const char *rel, int flags, mode_t mode, jail_error_t *err)
{
	cleanup_free char *copy = strdup(rel);
	cleanup_close int cur = -1;
	char *p, *next;

	if (copy == NULL)
		return jail_error_set(err, ENOMEM, "path");
	cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return jail_error_set(err, errno, "dup");
	p = copy;
	for (;;) {
		int nfd;
		bool last;

		while (*p == '/')
			p++;
		next = strchr(p, '/');
		if (next) {
			*next++ = '\0';
			while (*next == '/')
				next++;
			if (*next == '\0')
				next = NULL;
		}
		last = next == NULL;
		if (strcmp(p, "..") == 0)
			return jail_error_fmt(err, EXDEV, "%s: '..' is not allowed", rel);
		if (last) {
			nfd = openat(cur, p, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			if (nfd < 0)
				return jail_error_set(err, errno, "open %s", rel);
			return nfd;
		}
		nfd = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return jail_error_set(err, errno == ENOTDIR ? ELOOP : errno, "open %s",
					      rel);
		close(cur);
		cur = nfd;
		p = next;
	}
}

int jail_openat_beneath(int dirfd, const char *rel, int flags, mode_t mode, jail_error_t *err)
{
	const char *r = relpart(rel);

	if (!force_fallback && !openat2_missing) {
		struct open_how how = {
		    .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		int fd = (int)syscall(SYS_openat2, dirfd, r, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return jail_error_set(err, errno, "open %s", rel);
		openat2_missing = 1;
	}
	return walk_fallback(dirfd, r, flags, mode, err);
}

int jail_open_parent_beneath(int dirfd, const char *rel, const char **basename, jail_error_t *err)
{
	const char *r = relpart(rel);
	const char *end = r + strlen(r);
	const char *base;
	cleanup_free char *dir = NULL;

	while (end > r && end[-1] == '/')
		end--;
	base = end;
	while (base > r && base[-1] != '/')
		base--;
	if (base == end || (end - base == 1 && base[0] == '.') ||
	    (end - base == 2 && base[0] == '.' && base[1] == '.'))
		return jail_error_fmt(err, EINVAL, "%s: no file name", rel);
	if (*end != '\0')
		return jail_error_fmt(err, EINVAL, "%s: trailing slash", rel);
	*basename = base;
	if (base == r)
		return jail_openat_beneath(dirfd, ".", O_PATH | O_DIRECTORY, 0, err);
	dir = strndup(r, (size_t)(base - r));
	if (dir == NULL)
		return jail_error_set(err, ENOMEM, "path");
	return jail_openat_beneath(dirfd, dir, O_PATH | O_DIRECTORY, 0, err);
}

int jail_stat_beneath(int dirfd, const char *rel, struct stat *st, jail_error_t *err)
{
	const char *base;
	cleanup_close int pfd = -1;

	if (strcmp(relpart(rel), ".") == 0) {
		if (fstat(dirfd, st) < 0)
			return jail_error_set(err, errno, "stat %s", rel);
		return 0;
	}
	pfd = jail_open_parent_beneath(dirfd, rel, &base, err);
	if (pfd < 0)
		return -1;
	if (fstatat(pfd, base, st, AT_SYMLINK_NOFOLLOW) < 0)
		return jail_error_set(err, errno, "stat %s", rel);
	return 0;
}

int jail_mkdirs_beneath(int dirfd, const char *rel, mode_t mode, uid_t uid, gid_t gid,
			jail_error_t *err)
{
	cleanup_free char *copy = strdup(relpart(rel));
	cleanup_close int cur = -1;
	char *p, *next;

	if (copy == NULL)
		return jail_error_set(err, ENOMEM, "path");
	cur = openat(dirfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (cur < 0)
		return jail_error_set(err, errno, "open directory");
	if (strcmp(copy, ".") == 0)
		return steal_fd(&cur);
	p = copy;
	while (p && *p) {
		int nfd;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		if (strcmp(p, "..") == 0)
			return jail_error_fmt(err, EXDEV, "%s: '..' is not allowed", rel);
		if (strcmp(p, ".") == 0) {
			p = next;
			continue;
		}
		if (mkdirat(cur, p, mode) == 0) {
			nfd = openat(cur, p, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0)
				return jail_error_set(err, errno, "open %s", rel);
			/* mkdir honours the umask: set the exact mode and owner on the fd. */
			if (fchown(nfd, uid, gid) < 0 || fchmod(nfd, mode) < 0) {
				int e = errno;
				close(nfd);
				return jail_error_set(err, e, "chown/chmod %s", rel);
			}
		} else if (errno == EEXIST) {
			nfd = openat(cur, p, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0)
				return jail_error_set(
				    err, errno == ENOTDIR ? ENOTDIR : errno,
				    "%s: component '%s' exists and is not a directory "
				    "(symlinks are never followed)",
				    rel, p);
		} else {
			return jail_error_set(err, errno, "mkdir %s", rel);
		}
		close(cur);
		cur = nfd;
		p = next;
	}
	return steal_fd(&cur);
}

int jail_tmpfile_create(jail_tmpfile_t *t, int dirfd, const char *what, jail_error_t *err)
{
	t->dirfd = dirfd;
	t->what = what;
	for (int attempt = 0;; attempt++) {
		snprintf(t->name, sizeof(t->name), ".jail-tmp.%ld.%d", (long)getpid(), attempt);
		t->fd = openat(dirfd, t->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0600);
		if (t->fd >= 0)
			return 0;
		if (errno != EEXIST || attempt > 100)
			return jail_error_set(err, errno, "create a temporary file for %s", what);
	}
}

int jail_tmpfile_commit(jail_tmpfile_t *t, const char *base, jail_error_t *err)
{
	if (renameat(t->dirfd, t->name, t->dirfd, base) < 0) {
		int e = errno;
		jail_tmpfile_abort(t);
		return jail_error_set(err, e, "rename into %s", t->what);
	}
	close(t->fd);
	t->fd = -1;
	return 0;
}

void jail_tmpfile_abort(jail_tmpfile_t *t)
{
	int e = errno;

	if (t->fd < 0)
		return;
	unlinkat(t->dirfd, t->name, 0);
	close(t->fd);
	t->fd = -1;
	errno = e;
}

int jail_write_file_beneath(int dirfd, const char *rel, const void *data, size_t len, mode_t mode,
			    uid_t uid, gid_t gid, jail_error_t *err)
{
	cleanup_close int pfd = -1;
	cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
	const char *base;

	pfd = jail_open_parent_beneath(dirfd, rel, &base, err);
	if (pfd < 0)
		return -1;
	/* pfd is O_PATH: enough for the *at() calls of a tmpfile. */
	if (jail_tmpfile_create(&t, pfd, rel, err) < 0)
		return -1;
	if (jail_write_all(t.fd, data, len, err) < 0 || fchown(t.fd, uid, gid) < 0 ||
	    fchmod(t.fd, mode) < 0 || fsync(t.fd) < 0) {
		int e = errno;
		jail_tmpfile_abort(&t);
		if (err && err->code == 0)
			jail_error_set(err, e, "write %s", rel);
		return jail_error_wrap(err, "write %s", rel);
	}
	return jail_tmpfile_commit(&t, base, err);
}

DIR *jail_opendir_fd(int dirfd, const char *what, jail_error_t *err)
{
	int dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = dupfd < 0 ? NULL : fdopendir(dupfd);
	int e = errno;

	if (d != NULL) {
		rewinddir(d); /* the duplicate shares DIRFD's offset: from the start */
		return d;
	}
	if (dupfd >= 0)
		close(dupfd);
	if (what != NULL)
		jail_error_set(err, e, "opendir %s", what);
	else
		jail_error_set(err, e, "opendir");
	errno = e;
	return NULL;
}

static int remove_dir_contents(int dfd, const char *name, dev_t dev, jail_error_t *err)
{
	cleanup_dir DIR *d = jail_opendir_fd(dfd, name, err);
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = jail_error_set(err, errno, "stat %s/%s", name, de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			cleanup_close int cfd = -1;
			if (st.st_dev != dev) {
				ret = jail_error_fmt(err, EXDEV,
						     "%s/%s is a mount point, not removed", name,
						     de->d_name);
				break;
			}
			cfd = openat(dfd, de->d_name,
				     O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				ret = jail_error_set(err, errno, "open %s/%s", name, de->d_name);
				break;
			}
			ret = remove_dir_contents(cfd, de->d_name, dev, err);
			if (ret < 0)
				break;
			if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0) {
				ret = jail_error_set(err, errno, "rmdir %s/%s", name, de->d_name);
				break;
			}
		} else if (unlinkat(dfd, de->d_name, 0) < 0) {
			ret = jail_error_set(err, errno, "unlink %s/%s", name, de->d_name);
			break;
		}
	}
	return ret;
}

int jail_remove_tree_beneath(int dirfd, const char *rel, jail_error_t *err)
{
	cleanup_close int pfd = -1;
	cleanup_close int fd = -1;
	const char *base;
	struct stat st;

	pfd = jail_open_parent_beneath(dirfd, rel, &base, err);
	if (pfd < 0)
		return -1;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return jail_error_set(err, errno, "stat %s", rel);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(pfd, base, 0) < 0)
			return jail_error_set(err, errno, "unlink %s", rel);
		return 0;
	}
	fd = openat(pfd, base, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno, "open %s", rel);
	if (remove_dir_contents(fd, rel, st.st_dev, err) < 0)
		return -1;
	if (unlinkat(pfd, base, AT_REMOVEDIR) < 0)
		return jail_error_set(err, errno, "rmdir %s", rel);
	return 0;
}

int jail_read_trusted_file(const char *path, size_t max, char **out, size_t *len, jail_error_t *err)
{
	cleanup_free char *dir = NULL;
	cleanup_close int dfd = -1;
	cleanup_close int fd = -1;
	const char *base;
	struct stat st;

	if (path == NULL || path[0] != '/')
		return jail_error_fmt(err, EINVAL, "%s: the path must be absolute",
				      path ? path : "(null)");
	base = strrchr(path, '/') + 1;
	if (*base == '\0')
		return jail_error_fmt(err, EINVAL, "%s: not a file path", path);
	dir = base - path > 1 ? strndup(path, (size_t)(base - path - 1)) : strdup("/");
	if (dir == NULL)
		return jail_error_set(err, ENOMEM, "%s", path);
	/* Every directory above the file must be root's alone, or the user could
	 * rename another file into place. */
	dfd = jail_open_trusted_dir(dir, err);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return jail_error_set(err, errno, "%s", path);
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "%s: fstat", path);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EPERM, "%s: not a regular file", path);
	if (st.st_uid != 0)
		return jail_error_fmt(err, EPERM, "%s: not owned by root (uid %u)", path,
				      (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return jail_error_fmt(err, EPERM, "%s: writable by group or others (mode %04o)",
				      path, (unsigned)(st.st_mode & 07777));
	if (jail_read_all(fd, max, out, len, err) < 0)
		return jail_error_wrap(err, "%s", path);
	return 0;
}
