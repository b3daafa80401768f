/* A jailed user's home: checked, created and filled inside a jail, or
 * moved in from the host (home.h).  Everything inside the jail, in /etc/skel
 * and in the home being moved is reached through directory fds without
 * following symlinks: a symlink planted there is recreated or refused, never
 * followed (jailkit's jk_jailuser -m follows them as root). */
#define _GNU_SOURCE
#include "tree/home.h"
#include "base/safefs.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_MAX_DEPTH 128

typedef enum {
	COPY_SKEL, /* regular files and dirs only, all owned by the user */
	COPY_MOVE, /* everything but devices, owners and times kept */
} copy_mode_t;

typedef struct copy_ctx {
	copy_mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t dev; /* source file system: a mount point below is refused */
	const char *src_name;
} copy_ctx_t;

static int copy_data(int in, int out, const char *name, jail_error_t *err)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return jail_error_set(err, errno, "read %s", name);
		}
		if (n == 0)
			return 0;
		if (jail_write_all(out, buf, (size_t)n, err) < 0)
			return jail_error_wrap(err, "copy %s", name);
	}
}

static int copy_regular(const copy_ctx_t *c, int src, int dst, const char *name,
			const struct stat *st, const char *path, jail_error_t *err)
{
	cleanup_close int in = -1;
	cleanup_close int out = -1;
	struct stat fst;
	uid_t uid = c->mode == COPY_SKEL ? c->uid : st->st_uid;
	gid_t gid = c->mode == COPY_SKEL ? c->gid : st->st_gid;

	/* O_NONBLOCK: a file swapped for a FIFO meanwhile cannot hang us. */
	in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (in < 0)
		return jail_error_set(err, errno, "open %s", path);
	if (fstat(in, &fst) < 0)
		return jail_error_set(err, errno, "stat %s", path);
	if (!S_ISREG(fst.st_mode) || fst.st_ino != st->st_ino || fst.st_dev != st->st_dev)
		return jail_error_fmt(err, EAGAIN, "%s changed while being copied", path);
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return jail_error_set(err, errno, "create %s in the jail", path);
	/* setuid/setgid bits are never carried into a jail. */
	if (copy_data(in, out, path, err) < 0 || fchown(out, uid, gid) < 0 ||
	    fchmod(out, fst.st_mode & 0777) < 0) {
		int e = errno;
		unlinkat(dst, name, 0);
		if (err && err->msg[0] == '\0')
			jail_error_set(err, e, "copy %s", path);
		return -1;
	}
	if (c->mode == COPY_MOVE) {
		struct timespec ts[2] = {fst.st_atim, fst.st_mtim};
		futimens(out, ts);
	}
	return 0;
}

static int copy_symlink(int src, int dst, const char *name, const struct stat *st, const char *path,
			jail_error_t *err)
{
	char target[PATH_MAX + 1];
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	ssize_t n;

	/* The link is recreated as a link: its target is never opened. */
	n = readlinkat(src, name, target, sizeof(target));
	if (n < 0)
		return jail_error_set(err, errno, "readlink %s", path);
	if ((size_t)n >= sizeof(target))
		return jail_error_fmt(err, ENAMETOOLONG, "%s: symlink target too long", path);
	target[n] = '\0';
	if (symlinkat(target, dst, name) < 0)
		return jail_error_set(err, errno, "symlink %s in the jail", path);
	if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return jail_error_set(err, errno, "chown symlink %s in the jail", path);
	utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int copy_dir(const copy_ctx_t *c, int src, int dst, const char *relpath, int depth,
		    jail_error_t *err);

static int copy_subdir(const copy_ctx_t *c, int src, int dst, const char *name,
		       const struct stat *st, const char *path, int depth, jail_error_t *err)
{
	cleanup_close int sfd = -1;
	cleanup_close int dfd = -1;
	struct stat sst;

	if (depth >= COPY_MAX_DEPTH)
		return jail_error_fmt(err, ELOOP, "%s: nested too deeply (more than %d levels)",
				      path, COPY_MAX_DEPTH);
	sfd = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return jail_error_set(err, errno, "open %s", path);
	if (fstat(sfd, &sst) < 0)
		return jail_error_set(err, errno, "stat %s", path);
	if (sst.st_ino != st->st_ino || sst.st_dev != st->st_dev)
		return jail_error_fmt(err, EAGAIN, "%s changed while being copied", path);
	if (c->mode == COPY_MOVE && sst.st_dev != c->dev)
		return jail_error_fmt(err, EXDEV,
				      "%s is a mount point (refused: unmount it before moving the "
				      "home)",
				      path);
	if (mkdirat(dst, name, 0700) < 0)
		return jail_error_set(err, errno, "mkdir %s in the jail", path);
	dfd = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return jail_error_set(err, errno, "open %s in the jail", path);
	if (copy_dir(c, sfd, dfd, path, depth + 1, err) < 0)
		return -1;
	if (c->mode == COPY_SKEL) {
		if (fchown(dfd, c->uid, c->gid) < 0 || fchmod(dfd, sst.st_mode & 0777) < 0)
			return jail_error_set(err, errno, "chown %s in the jail", path);
	} else {
		struct timespec ts[2] = {sst.st_atim, sst.st_mtim};
		if (fchown(dfd, sst.st_uid, sst.st_gid) < 0 || fchmod(dfd, sst.st_mode & 01777) < 0)
			return jail_error_set(err, errno, "chown %s in the jail", path);
		futimens(dfd, ts);
	}
	return 0;
}

static int copy_entry(const copy_ctx_t *c, int src, int dst, const char *name, const char *path,
		      int depth, jail_error_t *err)
{
	struct stat st;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return jail_error_set(err, errno, "stat %s", path);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return copy_regular(c, src, dst, name, &st, path, err);
	case S_IFDIR:
		return copy_subdir(c, src, dst, name, &st, path, depth, err);
	case S_IFLNK:
		if (c->mode == COPY_SKEL)
			return 0; /* skel: regular files and directories only */
		return copy_symlink(src, dst, name, &st, path, err);
	case S_IFIFO:
		if (c->mode == COPY_SKEL)
			return 0;
		if (mkfifoat(dst, name, 0600) < 0 ||
		    fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(dst, name, st.st_mode & 0777, 0) < 0)
			return jail_error_set(err, errno, "recreate FIFO %s in the jail", path);
		return 0;
	case S_IFSOCK:
		return 0; /* a socket means nothing once its server is gone */
	case S_IFCHR:
	case S_IFBLK:
	default:
		if (c->mode == COPY_SKEL)
			return 0;
		return jail_error_fmt(
		    err, EPERM, "%s is a device node (refused: never copied into a jail)", path);
	}
}

/* The next entry of D other than "." and "..", NULL at the end (errno 0)
 * or on error (errno set). */
static struct dirent *next_entry(DIR *d)
{
	struct dirent *de;

	do {
		errno = 0;
		de = readdir(d);
	} while (de && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0));
	return de;
}

static int copy_dir(const copy_ctx_t *c, int src, int dst, const char *relpath, int depth,
		    jail_error_t *err)
{
	cleanup_dir DIR *d = jail_opendir_fd(src, relpath, err);
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return -1;
	while (ret == 0 && (de = next_entry(d)) != NULL) {
		cleanup_free char *path = NULL;
		path = jail_strdup_printf("%s/%s", relpath, de->d_name);
		if (path == NULL)
			ret = jail_error_set(err, ENOMEM, "copy");
		else
			ret = copy_entry(c, src, dst, de->d_name, path, depth, err);
	}
	if (ret == 0 && errno != 0)
		ret = jail_error_set(err, errno, "readdir %s", relpath);
	return ret;
}

/* Is directory FD empty? */
static int dir_is_empty(int fd)
{
	cleanup_dir DIR *d = jail_opendir_fd(fd, NULL, NULL);

	if (d == NULL)
		return -1;
	return next_entry(d) == NULL;
}

/* Remove everything in directory FD (not FD itself), never following a
 * symlink: the undo of a --move-home into an existing, empty home. */
int jail_home_clear(int fd, const char *name, jail_error_t *err)
{
	jail_strv_t names = {0};
	DIR *d = jail_opendir_fd(fd, name, err);
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return -1;
	while (ret == 0 && (de = next_entry(d)) != NULL)
		ret = jail_strv_push(&names, de->d_name, err);
	closedir(d); /* before the removals: one open directory at a time */
	for (size_t i = 0; ret == 0 && i < names.n; i++)
		ret = jail_remove_tree_beneath(fd, names.v[i], err);
	jail_strv_clear(&names);
	return ret;
}

/* Split an absolute normalised PATH into a malloc'd parent and a pointer to
 * the last component. */
static char *split_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Check HOME inside the jail before anything is created: every existing
 * component a real directory (no symlink), the home itself absent or a
 * directory owned by UID.  *exists tells which. */
int jail_home_check(int jailfd, const char *jail, const char *home, uid_t uid, bool *exists,
		    bool *empty, jail_error_t *err)
{
	cleanup_close int cur = fcntl(jailfd, F_DUPFD_CLOEXEC, 3);
	cleanup_free char *copy = strdup(home);
	char *p, *next;

	*exists = false;
	*empty = true;
	if (cur < 0 || copy == NULL)
		return jail_error_set(err, errno ? errno : ENOMEM, "home");
	p = copy + 1;
	while (p && *p) {
		int nfd;
		struct stat st;

		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		if (fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				return 0; /* created later, root-owned parents */
			return jail_error_set(err, errno, "%s%s", jail, home);
		}
		if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
			return jail_error_fmt(
			    err, ELOOP, "%s%s: component '%s' is %s (refused: never followed)",
			    jail, home, p, S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
		nfd = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return jail_error_set(err, errno, "open %s%s", jail, home);
		close(cur);
		cur = nfd;
		if (next == NULL) {
			int e;
			*exists = true;
			if (st.st_uid != uid)
				return jail_error_fmt(
				    err, EPERM,
				    "%s%s exists and is owned by uid %u (expected "
				    "the user, uid %u)",
				    jail, home, (unsigned)st.st_uid, (unsigned)uid);
			e = dir_is_empty(cur);
			if (e < 0)
				return jail_error_set(err, errno, "read %s%s", jail, home);
			*empty = e == 1;
		}
		p = next;
	}
	return 0;
}

/* Create the home HOME in the jail: parents root:root 0755, the home itself
 * owned by the user, MODE.  Returns an fd of it. */
int jail_home_create(int jailfd, const char *home, uid_t uid, gid_t gid, mode_t mode,
		     jail_error_t *err)
{
	const char *base;
	cleanup_free char *parent = split_parent(home, &base);
	cleanup_close int pfd = -1;
	int fd;

	if (parent == NULL)
		return jail_error_set(err, ENOMEM, "home");
	pfd = jail_mkdirs_beneath(jailfd, parent, 0755, 0, 0, err);
	if (pfd < 0)
		return -1;
	if (mkdirat(pfd, base, 0700) < 0)
		return jail_error_set(err, errno, "mkdir %s", home);
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno, "open %s", home);
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
		int e = errno;
		close(fd);
		return jail_error_set(err, e, "chown %s", home);
	}
	return fd;
}

/* Open the host home HOME for --move-home: its parent chain trusted
 * (root-owned, not writable by others: nobody can swap it under us), the
 * home itself a real directory owned by UID.  Returns -1 with *missing set
 * when there is no host home. */
int jail_home_open_host(const char *home, uid_t uid, int *parentfd, bool *missing,
			jail_error_t *err)
{
	const char *base;
	cleanup_free char *parent = split_parent(home, &base);
	cleanup_close int pfd = -1;
	cleanup_close int fd = -1;
	struct stat st;

	*missing = false;
	if (parent == NULL)
		return jail_error_set(err, ENOMEM, "home");
	pfd = jail_open_trusted_dir(parent, err);
	if (pfd < 0)
		return jail_error_wrap(err, "host home %s: parent", home);
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT) {
			*missing = true;
			return -1;
		}
		return jail_error_set(err, errno, "host home %s", home);
	}
	if (S_ISLNK(st.st_mode))
		return jail_error_fmt(err, ELOOP,
				      "host home %s is a symlink (refused: never followed; move it "
				      "by hand)",
				      home);
	if (!S_ISDIR(st.st_mode))
		return jail_error_fmt(err, ENOTDIR, "host home %s is not a directory", home);
	if (st.st_uid != uid)
		return jail_error_fmt(err, EPERM,
				      "host home %s is owned by uid %u, not by the user (uid %u)",
				      home, (unsigned)st.st_uid, (unsigned)uid);
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno, "open host home %s", home);
	*parentfd = steal_fd(&pfd);
	return steal_fd(&fd);
}

int jail_home_move_in(int hostfd, int homefd, const char *home, jail_error_t *err)
{
	struct stat hst;
	copy_ctx_t cc = {.mode = COPY_MOVE, .src_name = home};

	if (fstat(hostfd, &hst) < 0)
		return jail_error_set(err, errno, "stat host home %s", home);
	cc.dev = hst.st_dev;
	if (copy_dir(&cc, hostfd, homefd, home, 0, err) < 0)
		return -1;
	if (fchmod(homefd, hst.st_mode & 0755) < 0)
		return jail_error_set(err, errno, "chmod %s", home);
	return 0;
}

int jail_home_fill_skel(int homefd, const char *skel, uid_t uid, gid_t gid, jail_error_t *err)
{
	cleanup_close int fd = -1;
	struct stat st;
	copy_ctx_t cc = {.mode = COPY_SKEL, .uid = uid, .gid = gid, .src_name = skel};

	if (stat(skel, &st) < 0)
		return 0; /* no skeleton: an empty home */
	fd = jail_open_trusted_dir(skel, err);
	if (fd < 0)
		return -1;
	return copy_dir(&cc, fd, homefd, skel, 0, err);
}
