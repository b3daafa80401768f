/* The tree writer, phases 2 and 3: check the plan against the jail
 * (reading only, never following a symlink), then write it: each object
 * created or replaced through a temporary name and renameat(), parents
 * first; then /etc/passwd and /etc/group (tree-db.c) and the manifest,
 * the commit or the rollback (tree-commit.c).  See tree.c. */
#define _GNU_SOURCE
#include "tree/tree-internal.h"
#include "base/safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- the jail side ---- */

/* Open the jail root if it exists (trusted chain checked), else, when
 * MAY_CREATE, find the nearest existing ancestor and check that one. */
int jail_tree_open_root(jail_tree_ctx_t *c, bool may_create, jail_error_t *err)
{
	jail_error_t e2 = {0};
	cleanup_free char *anc = NULL;
	int fd;

	fd = jail_open_trusted_dir(c->jail, &e2);
	if (fd >= 0) {
		c->root_fd = fd;
		c->root_exists = true;
		if (fstat(fd, &c->root_st) < 0)
			return jail_error_set(err, errno, "stat %s", c->jail);
		return 0;
	}
	if (!jail_error_is(&e2, ENOENT) || !may_create) {
		*err = e2;
		return -1;
	}
	anc = strdup(c->jail);
	if (anc == NULL)
		return jail_error_set(err, ENOMEM, "jail");
	for (;;) {
		char *slash = strrchr(anc, '/');
		if (slash == anc)
			slash[1] = '\0';
		else
			*slash = '\0';
		fd = jail_open_trusted_dir(anc, &e2);
		if (fd >= 0) {
			close(fd);
			c->create_from = steal_pointer(&anc);
			return 0;
		}
		if (!jail_error_is(&e2, ENOENT) || strcmp(anc, "/") == 0) {
			*err = e2;
			return jail_error_wrap(err, "cannot create %s", c->jail);
		}
	}
}

/* Create the missing components of the jail path below create_from, each
 * 0755 root:root, then open it as the root. */
static int create_root(jail_tree_ctx_t *c, jail_error_t *err)
{
	cleanup_close int cur = open(c->create_from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *p = c->jail + strlen(c->create_from);

	if (cur < 0)
		return jail_error_set(err, errno, "open %s", c->create_from);
	while (*p) {
		char name[NAME_MAX + 1];
		size_t len;
		int nfd;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len > NAME_MAX)
			return jail_error_fmt(err, ENAMETOOLONG, "%s: name too long", c->jail);
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		bool created = mkdirat(cur, name, 0700) == 0;
		if (!created && errno != EEXIST)
			return jail_error_set(err, errno, "mkdir %s", c->jail);
		if (created)
			c->root_made++;
		nfd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return jail_error_set(err, errno, "open %s", c->jail);
		close(cur);
		cur = nfd;
		/* 0700 until it is root:root 0755 (umask, setgid parents). */
		if (created && (fchown(cur, 0, 0) < 0 || fchmod(cur, 0755) < 0))
			return jail_error_set(err, errno, "chmod %s", c->jail);
		if (jail_check_trusted_fd(cur, c->jail, err) < 0)
			return -1;
	}
	c->root_fd = steal_fd(&cur);
	c->root_exists = true;
	if (fstat(c->root_fd, &c->root_st) < 0)
		return jail_error_set(err, errno, "stat %s", c->jail);
	return 0;
}

/* Name the component of PATH (in the jail) that made a lookup fail. */
static int blame_path(jail_tree_ctx_t *c, const char *path, int code, jail_error_t *err)
{
	cleanup_free char *copy = strdup(path);
	cleanup_close int cur = -1;
	char *p, *slash;

	if (copy == NULL || (cur = fcntl(c->root_fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return jail_error_set(err, code, "%s%s", c->jail, path);
	for (p = copy + 1; *p; p = slash + 1) {
		struct stat st;
		int nfd;

		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		if (!S_ISDIR(st.st_mode)) {
			char t[PATH_MAX] = "?";
			ssize_t n = S_ISLNK(st.st_mode) ? readlinkat(cur, p, t, sizeof(t) - 1) : -1;
			if (n >= 0)
				t[n] = '\0';
			if (S_ISLNK(st.st_mode))
				return jail_error_fmt(err, ELOOP,
						      "%s%s: is a symlink (to '%s'), expected a "
						      "directory; symlinks inside a jail are never "
						      "followed",
						      c->jail, copy, t);
			return jail_error_fmt(err, ENOTDIR, "%s%s: is %s, expected a directory",
					      c->jail, copy, jail_tree_type_word(st.st_mode));
		}
		nfd = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			break;
		close(cur);
		cur = nfd;
		if (slash == NULL)
			break;
		*slash = '/';
	}
	return jail_error_set(err, code, "%s%s", c->jail, path);
}

/* An O_PATH fd of the jail directory DIR (cached), checked to be a
 * directory root could write into without a jailed user racing it. */
int jail_tree_dir_fd(jail_tree_ctx_t *c, const char *dir, jail_error_t *err)
{
	jail_tree_entry_t *pe;
	struct stat st;
	int fd;

	if (c->pc_path && strcmp(c->pc_path, dir) == 0)
		return c->pc_fd;
	if (c->pc_path) {
		free(c->pc_path);
		c->pc_path = NULL;
		close(c->pc_fd);
		c->pc_fd = -1;
	}
	if (strcmp(dir, "/") == 0)
		fd = fcntl(c->root_fd, F_DUPFD_CLOEXEC, 3);
	else
		fd = jail_openat_beneath(c->root_fd, dir, O_PATH | O_DIRECTORY, 0, NULL);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP || e == ENOTDIR || e == EXDEV)
			return blame_path(c, dir, e, err);
		return jail_error_set(err, e, "%s%s", c->jail, dir);
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return jail_error_set(err, errno, "stat %s%s", c->jail, dir);
	}
	pe = jail_tree_plan_get(c, dir);
	if ((st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) &&
	    !(pe && (pe->flags & JAIL_MF_KEEP_OWNER))) {
		close(fd);
		return jail_error_fmt(
		    err, EPERM,
		    "%s%s: owned by uid %u with mode %04o: refusing to write into "
		    "it (directories of a jail must be root-owned and not "
		    "group/world-writable)",
		    c->jail, strcmp(dir, "/") == 0 ? "" : dir, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
	}
	c->pc_path = strdup(dir);
	if (c->pc_path == NULL) {
		close(fd);
		return jail_error_set(err, ENOMEM, "path");
	}
	c->pc_fd = fd;
	return fd;
}

void jail_tree_dir_fd_drop(jail_tree_ctx_t *c)
{
	free(c->pc_path);
	c->pc_path = NULL;
	if (c->pc_fd >= 0)
		close(c->pc_fd);
	c->pc_fd = -1;
}

int jail_tree_conflict(jail_tree_ctx_t *c, const jail_tree_entry_t *e, int pfd, const char *base,
		       const struct stat *js, const char *hint, jail_error_t *err)
{
	if (S_ISLNK(js->st_mode)) {
		char t[PATH_MAX] = "?";
		ssize_t n = readlinkat(pfd, base, t, sizeof(t) - 1);
		if (n >= 0)
			t[n] = '\0';
		if (e->type == 'l')
			return jail_error_fmt(err, EEXIST,
					      "%s%s: is a symlink to '%s', the host's points to "
					      "'%s'; refusing to replace it%s",
					      c->jail, e->path, t, e->target,
					      hint ? hint : " (remove it if it is not wanted)");
		return jail_error_fmt(
		    err, ELOOP,
		    "%s%s: is a symlink (to '%s'), expected %s; symlinks inside a "
		    "jail are never followed, and what jailctl did not create is "
		    "never removed%s",
		    c->jail, e->path, t, jail_tree_entry_word(e->type), hint ? hint : "");
	}
	return jail_error_fmt(err, EEXIST, "%s%s: is %s, expected %s; refusing to replace it%s",
			      c->jail, e->path, jail_tree_type_word(js->st_mode),
			      jail_tree_entry_word(e->type), hint ? hint : "");
}

/* Is PATH something a previous run installed (any type)? */
static bool in_old(jail_tree_ctx_t *c, const char *path)
{
	return jail_manifest_find(c->old, path) != NULL;
}

char jail_tree_mode_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return 'f';
	case S_IFLNK:
		return 'l';
	case S_IFDIR:
		return 'd';
	case S_IFCHR:
		return 'c';
	case S_IFBLK:
		return 'b';
	default:
		return '?';
	}
}

/* Compare a planned file with the jail's regular file BASE in PFD. */
static int compare_file(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
			const struct stat *js, jail_error_t *err)
{
	cleanup_close int jfd = -1;
	cleanup_close int hfd = -1;
	struct stat jst, hst;
	const char *why;
	int r;

	/* Cheap checks on what we have before reading anything. */
	if (js->st_size != e->hst.st_size || js->st_mtim.tv_sec != e->hst.st_mtim.tv_sec ||
	    js->st_mtim.tv_nsec != e->hst.st_mtim.tv_nsec || (js->st_mode & 07777) != e->mode ||
	    js->st_uid != e->uid || js->st_gid != e->gid || js->st_nlink != 1)
		return 1;
	jfd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (jfd < 0 || fstat(jfd, &jst) < 0)
		return 1;
	hfd = jail_tree_open_host(c, e->path, O_RDONLY | O_NONBLOCK);
	if (hfd < 0 || fstat(hfd, &hst) < 0)
		return jail_error_set(err, errno, "open %s", e->path);
	if (c->cmpbuf == NULL && (c->cmpbuf = malloc(2 * JAIL_TREE_CMPBUF)) == NULL)
		return jail_error_set(err, ENOMEM, "compare");
	r = jail_tree_compare_fds(jfd, &jst, hfd, &hst, e->flags & MF_MASK, c->cmpbuf, &why, err);
	if (r < 0)
		return jail_error_wrap(err, "compare %s%s with %s", c->jail, e->path, e->path);
	return r;
}

static const char update_hint[] = "; it is in the manifest: run 'jailctl update' to bring the "
				  "jail up to date with the host";

/* A link or file E whose jail object JS is not what the plan has: at a
 * manifest path, anything but a directory is ours to replace (update only;
 * init points at update); anywhere else it is a conflict. */
static int replace_or_conflict(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
			       const struct stat *js, jail_error_t *err)
{
	if (!in_old(c, e->path) || S_ISDIR(js->st_mode))
		return jail_tree_conflict(c, e, pfd, base, js, NULL, err);
	if (!c->updating)
		return jail_tree_conflict(c, e, pfd, base, js, update_hint, err);
	e->state = ST_REPLACE;
	return 0;
}

/* Decide what to do with entry E; the jail object is BASE in PFD. */
static int check_entry(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
		       jail_error_t *err)
{
	struct stat js;
	char jt;

	if (fstatat(pfd, base, &js, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT) {
			e->state = ST_ABSENT;
			return 0;
		}
		return jail_error_set(err, errno, "stat %s%s", c->jail, e->path);
	}
	jt = jail_tree_mode_type(js.st_mode);
	switch (e->type) {
	case 'd':
		if (S_ISDIR(js.st_mode)) {
			e->state = ST_SAME;
			return 0;
		}
		return jail_tree_conflict(c, e, pfd, base, &js, NULL, err);
	case 'l':
		if (S_ISLNK(js.st_mode)) {
			char t[PATH_MAX];
			ssize_t n = readlinkat(pfd, base, t, sizeof(t) - 1);
			if (n < 0)
				return jail_error_set(err, errno, "readlink %s%s", c->jail,
						      e->path);
			t[n] = '\0';
			if (strcmp(t, e->target) == 0) {
				e->state = ST_SAME;
				return 0;
			}
		}
		return replace_or_conflict(c, e, pfd, base, &js, err);
	case 'f': {
		int r;
		if (!S_ISREG(js.st_mode))
			return replace_or_conflict(c, e, pfd, base, &js, err);
		r = compare_file(c, e, pfd, base, &js, err);
		if (r < 0)
			return -1;
		e->state = r ? ST_REPLACE : ST_SAME;
		return 0;
	}
	case 'c':
	case 'b':
		if (jt == e->type && js.st_rdev == e->hst.st_rdev &&
		    (js.st_mode & 07777) == e->mode && js.st_uid == 0 && js.st_gid == 0) {
			e->state = ST_SAME;
			return 0;
		}
		/* A device node of the same kind with other numbers or
		 * permissions: replacing it loses nothing. */
		if (jt == e->type) {
			e->state = ST_REPLACE;
			return 0;
		}
		return jail_tree_conflict(c, e, pfd, base, &js, NULL, err);
	case 'P':
		if (S_ISREG(js.st_mode) || S_ISSOCK(js.st_mode)) {
			e->state = ST_SAME;
			return 0;
		}
		return jail_tree_conflict(c, e, pfd, base, &js, NULL, err);
	default:
		return jail_error_fmt(err, EINVAL, "%s: bad entry type", e->path);
	}
}

static int order_cmp(const void *a, const void *b, void *arg)
{
	const jail_tree_ctx_t *c = arg;

	return strcmp(c->ents[*(const size_t *)a].path, c->ents[*(const size_t *)b].path);
}

static int sort_plan(jail_tree_ctx_t *c, jail_error_t *err)
{
	free(c->order);
	c->order = malloc((c->n ? c->n : 1) * sizeof(*c->order));
	if (c->order == NULL)
		return jail_error_set(err, ENOMEM, "plan");
	for (size_t i = 0; i < c->n; i++)
		c->order[i] = i;
	qsort_r(c->order, c->n, sizeof(*c->order), order_cmp, c);
	return 0;
}

/* Phase 2: classify every entry.  Parents sort before their children, so
 * an absent parent makes its whole subtree absent without a lookup. */
static int preflight(jail_tree_ctx_t *c, jail_error_t *err)
{
	for (size_t k = 0; k < c->n; k++) {
		jail_tree_entry_t *e = &c->ents[c->order[k]];
		cleanup_free char *parent = NULL;
		const char *base;
		int pfd;

		if (!c->root_exists) {
			e->state = ST_ABSENT;
			continue;
		}
		parent = jail_tree_parent_of(e->path, &base);
		if (parent == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		if (strcmp(parent, "/") != 0) {
			jail_tree_entry_t *pe = jail_tree_plan_get(c, parent);
			if (pe && pe->state == ST_ABSENT) {
				e->state = ST_ABSENT;
				continue;
			}
		}
		pfd = jail_tree_dir_fd(c, parent, err);
		if (pfd < 0) {
			if (jail_error_is(err, ENOENT)) {
				e->state = ST_ABSENT;
				jail_error_clear(err);
				continue;
			}
			return -1;
		}
		if (check_entry(c, e, pfd, base, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- phase 3: execute ---- */

/* One in-kernel copy step of up to 1 GiB: copy_file_range, or sendfile. */
static ssize_t copy_step(int method, int in, int out)
{
	if (method == 0)
		return copy_file_range(in, NULL, out, NULL, 1u << 30, 0);
	return sendfile(out, in, NULL, 1u << 30);
}

/* Does ERRNO say the copy METHOD does not work for these files (so the
 * next one is tried) rather than that the copy failed? */
static bool copy_unsupported(int method, int e)
{
	if (method == 0)
		return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == EPERM ||
		       e == EBADF;
	return e == EINVAL || e == ENOSYS;
}

static int copy_data(int in, int out, jail_error_t *err)
{
	static int method; /* 0 copy_file_range, 1 sendfile, 2 read/write */

	while (method < 2) {
		ssize_t n = copy_step(method, in, out);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (!copy_unsupported(method, errno))
			return jail_error_set(err, errno, "copy");
		/* The file positions tell the next method where to go on. */
		method++;
	}
	for (;;) {
		char buf[65536];
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return jail_error_set(err, errno, "read");
		}
		if (n == 0)
			return 0;
		if (jail_write_all(out, buf, (size_t)n, err) < 0)
			return -1;
	}
}

static void tmp_name(jail_tree_ctx_t *c, char *buf, size_t len)
{
	/* "n": never one of jail_tmpfile_create()'s names, which may be staged
	 * in the same directory. */
	snprintf(buf, len, ".jail-tmp.%ld.n%lu", (long)getpid(), c->tmpseq++);
}

/* paths_w_setuid keeps the host's file capabilities too (Debian's ping has
 * cap_net_raw, not a setuid bit); every other copy is a fresh file without
 * any.  After fchown(), which clears them. */
static int copy_caps(const jail_tree_entry_t *e, int src, int dst)
{
	char caps[JAIL_CAPS_MAX];
	ssize_t n;

	if (!(e->flags & JAIL_MF_KEEP_SETUID))
		return 0;
	n = jail_tree_get_caps(src, caps, sizeof(caps));
	if (n <= 0)
		return (int)n;
	return fsetxattr(dst, JAIL_CAPS_XATTR, caps, (size_t)n, 0);
}

/* Keep the whole temporary T as E's replacement, to be renamed over the
 * target at the commit (or removed by a rollback). */
static int stage(jail_tree_entry_t *e, jail_tmpfile_t *t, jail_error_t *err)
{
	e->tmp = strdup(t->name);
	if (e->tmp == NULL)
		return jail_error_set(err, ENOMEM, "%s", t->what);
	close(t->fd);
	t->fd = -1; /* no longer the tmpfile's to remove */
	e->flags |= TE_STAGED;
	return 0;
}

static int stage_name(jail_tree_entry_t *e, const char *tmp, jail_error_t *err)
{
	e->tmp = strdup(tmp);
	if (e->tmp == NULL)
		return jail_error_set(err, ENOMEM, "%s", e->path);
	e->flags |= TE_STAGED;
	return 0;
}

static int write_file(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
		      jail_error_t *err)
{
	cleanup_close int src = -1;
	cleanup_free char *what = NULL;
	cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
	struct stat st;
	struct timespec ts[2];

	src = jail_tree_open_host(c, e->path, O_RDONLY | O_NONBLOCK);
	if (src < 0)
		return jail_error_set(err, errno, "open %s", e->path);
	if (fstat(src, &st) < 0)
		return jail_error_set(err, errno, "stat %s", e->path);
	/* The very file that was planned (and whose owner and mode were
	 * taken), not one put there since. */
	if (!S_ISREG(st.st_mode) || st.st_dev != e->hst.st_dev || st.st_ino != e->hst.st_ino)
		return jail_error_fmt(err, EAGAIN, "%s changed on the host while copying", e->path);
	what = jail_strdup_printf("%s%s", c->jail, e->path);
	if (what == NULL)
		return jail_error_set(err, ENOMEM, "%s%s", c->jail, e->path);
	if (jail_tmpfile_create(&t, pfd, what, err) < 0)
		return -1;
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1] = st.st_mtim;
	if (copy_data(src, t.fd, err) < 0)
		return jail_error_wrap(err, "%s", what);
	/* chmod after chown: chown clears setuid/setgid. */
	if (fchown(t.fd, e->uid, e->gid) < 0 || fchmod(t.fd, e->mode) < 0 ||
	    copy_caps(e, src, t.fd) < 0 || futimens(t.fd, ts) < 0)
		return jail_error_set(err, errno, "set owner, mode and time of %s", what);
	if (e->state == ST_REPLACE)
		return stage(e, &t, err);
	return jail_tmpfile_commit(&t, base, err);
}

static int make_link(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
		     jail_error_t *err)
{
	char tmp[64];

	if (e->state == ST_ABSENT) {
		if (symlinkat(e->target, pfd, base) < 0)
			return jail_error_set(err, errno, "symlink %s%s", c->jail, e->path);
		return 0;
	}
	(void)base;
	tmp_name(c, tmp, sizeof(tmp));
	if (symlinkat(e->target, pfd, tmp) < 0)
		return jail_error_set(err, errno, "symlink %s%s", c->jail, e->path);
	if (stage_name(e, tmp, err) < 0) {
		unlinkat(pfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* The parent is checked root-owned and not group/world-writable, so no one
 * else can swap the temporary name between these calls. */
static int make_device(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
		       jail_error_t *err)
{
	char tmp[64];
	mode_t type = e->type == 'c' ? S_IFCHR : S_IFBLK;

	tmp_name(c, tmp, sizeof(tmp));
	if (mknodat(pfd, tmp, type | 0600, e->hst.st_rdev) < 0)
		return jail_error_set(err, errno, "mknod %s%s", c->jail, e->path);
	if (fchownat(pfd, tmp, 0, 0, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(pfd, tmp, e->mode, 0) < 0 ||
	    (e->state != ST_REPLACE && renameat(pfd, tmp, pfd, base) < 0)) {
		int code = errno;
		unlinkat(pfd, tmp, 0);
		return jail_error_set(err, code, "create device %s%s", c->jail, e->path);
	}
	if (e->state == ST_REPLACE && stage_name(e, tmp, err) < 0) {
		unlinkat(pfd, tmp, 0);
		return -1;
	}
	return 0;
}

static int make_dir(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
		    jail_error_t *err)
{
	cleanup_close int fd = -1;

	/* 0700 first, then the exact mode and owner on the fd: mkdir honours
	 * the umask and a setgid parent's group. */
	if (mkdirat(pfd, base, 0700) < 0)
		return jail_error_set(err, errno, "mkdir %s%s", c->jail, e->path);
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, e->uid, e->gid) < 0 || fchmod(fd, e->mode) < 0)
		return jail_error_set(err, errno, "mkdir %s%s", c->jail, e->path);
	return 0;
}

static int make_placeholder(jail_tree_ctx_t *c, jail_tree_entry_t *e, int pfd, const char *base,
			    jail_error_t *err)
{
	cleanup_close int fd =
	    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || fchown(fd, 0, 0) < 0 || fchmod(fd, e->mode) < 0)
		return jail_error_set(err, errno, "create %s%s", c->jail, e->path);
	return 0;
}

static void report_entry(jail_tree_ctx_t *c, const jail_tree_entry_t *e)
{
	const char *action = e->state == ST_ABSENT ? "add" : "update";
	char detail[PATH_MAX + 8];

	if (e->type == 'l') {
		snprintf(detail, sizeof(detail), "-> %s", e->target);
		jail_tree_report(c, action, e->path, detail);
	} else {
		jail_tree_report(c, action, e->path, NULL);
	}
	if (e->type == 'f' && (e->hst.st_mode & (S_ISUID | S_ISGID)) &&
	    !(e->flags & JAIL_MF_KEEP_SETUID))
		jail_tree_report(c, "strip-setuid", e->path, NULL);
}

static int execute(jail_tree_ctx_t *c, jail_error_t *err)
{
	for (size_t k = 0; k < c->n; k++) {
		jail_tree_entry_t *e = &c->ents[c->order[k]];
		cleanup_free char *parent = NULL;
		const char *base;
		int pfd, r;

		if (e->state == ST_SAME) {
			e->flags |= TE_DONE;
			continue;
		}
		report_entry(c, e);
		if (c->opts->dry_run)
			continue;
		parent = jail_tree_parent_of(e->path, &base);
		if (parent == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		pfd = jail_tree_dir_fd(c, parent, err);
		if (pfd < 0)
			return -1;
		switch (e->type) {
		case 'd':
			r = make_dir(c, e, pfd, base, err);
			break;
		case 'l':
			r = make_link(c, e, pfd, base, err);
			break;
		case 'f':
			r = write_file(c, e, pfd, base, err);
			break;
		case 'c':
		case 'b':
			r = make_device(c, e, pfd, base, err);
			break;
		case 'P':
			r = make_placeholder(c, e, pfd, base, err);
			break;
		default:
			r = jail_error_fmt(err, EINVAL, "%s: bad entry type", e->path);
			break;
		}
		if (r < 0)
			return -1;
		e->flags |= TE_DONE;
		c->wrote = true;
		if (e->state == ST_ABSENT) {
			struct stat st;
			/* Just made, in a directory only root writes into (or a
			 * paths_w_owner one: then the inode tells ours apart). */
			if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return jail_error_set(err, errno, "stat %s%s", c->jail, e->path);
			e->flags |= TE_CREATED;
			e->made_dev = st.st_dev;
			e->made_ino = st.st_ino;
		}
	}
	return 0;
}

/* Phases 2 and 3, and the manifest: all or nothing.
 *
 * Objects that were absent are created at their paths; replacements
 * (files, links and devices that differ, a passwd or group that gains
 * lines) are written whole to temporaries beside their targets and only
 * renamed over them once everything else, the manifest included, is
 * written.  Any error before that (ENOSPC, EDQUOT, a host file that
 * changed, ...) rolls the run back: the staged temporaries and everything
 * this run created are removed and the manifest is left as it was, so the
 * jail is as before the run (a new jail is gone).  The price: a
 * replacement needs room for the old and the new file at once.  Not
 * undone: what --prune removed (its host path is gone; the old manifest
 * still lists it and the next update --prune finishes), and the commit
 * itself, should a rename fail (see jail_tree_commit()). */
int jail_tree_apply(jail_tree_ctx_t *c, bool do_prune, jail_error_t *err)
{
	jail_strv_t pruned = {0};
	int ret = -1;

	if (sort_plan(c, err) < 0)
		return -1;
	if (preflight(c, err) < 0)
		return -1;
	if (jail_tree_prepare_db(c, "/etc/passwd", &c->users, "user", &c->passwd, err) < 0 ||
	    jail_tree_prepare_db(c, "/etc/group", &c->groups, "group", &c->group, err) < 0)
		return -1;
	if (!c->root_exists && !c->opts->dry_run && create_root(c, err) < 0)
		goto fail;
	if (execute(c, err) < 0)
		goto fail;
	jail_tree_dir_fd_drop(c);
	if (jail_tree_write_db(c, "/etc/passwd", &c->passwd, err) < 0 ||
	    jail_tree_write_db(c, "/etc/group", &c->group, err) < 0)
		goto fail;
	jail_tree_dir_fd_drop(c);
	if (c->opts->dry_run) {
		ret = do_prune ? jail_tree_prune(c, &pruned, err) : 0;
		goto out;
	}
	if (do_prune && jail_tree_prune(c, &pruned, err) < 0)
		goto fail;
	jail_tree_dir_fd_drop(c);
	if (jail_tree_write_manifest(c, &pruned, err) < 0)
		goto fail;
	c->mdir_made = false;
	if (jail_tree_commit(c, err) < 0)
		goto fail;
	jail_tree_dir_fd_drop(c);
	/* One flush for the whole tree instead of an fsync per file, and
	 * none when nothing was written (an up-to-date update must not wait
	 * for other writers on the same file system). */
	if (c->wrote && syncfs(c->root_fd) < 0) {
		jail_error_set(err, errno, "sync %s", c->jail);
		goto out;
	}
	ret = 0;
	goto out;
fail:
	if (!c->opts->dry_run)
		jail_tree_rollback(c, err);
out:
	jail_strv_clear(&pruned);
	return ret;
}
