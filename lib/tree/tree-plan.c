/* The tree writer, phase 1: the plan.  Reads the host only: every
 * requested path is resolved component by component (host symlinks become
 * planned symlinks, parent directories planned directories), directories
 * are walked, ELF and "#!" dependencies resolved.  See tree.c. */
#define _GNU_SOURCE
#include "tree/tree-internal.h"
#include "base/safefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_LINKS 40

/* Bare command names are looked up here, in this order (jailkit's PATH). */
static const char *const host_path_dirs[] = {
    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

/* ---- small helpers ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t *map_get(const jail_tree_map_t *m, const char *key)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == NULL)
			return NULL;
		if (strcmp(m->keys[i], key) == 0)
			return &m->vals[i];
	}
}

static int map_put(jail_tree_map_t *m, const char *key, size_t val, jail_error_t *err)
{
	size_t *v = map_get(m, key);

	if (v) {
		*v = val;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap) {
		jail_tree_map_t nm = {0};
		nm.cap = m->cap ? m->cap * 2 : 1024;
		nm.keys = calloc(nm.cap, sizeof(*nm.keys));
		nm.vals = calloc(nm.cap, sizeof(*nm.vals));
		if (nm.keys == NULL || nm.vals == NULL) {
			free(nm.keys);
			free(nm.vals);
			return jail_error_set(err, ENOMEM, "plan");
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (m->keys[i] == NULL)
				continue;
			size_t j = hash_str(m->keys[i]) & (nm.cap - 1);
			while (nm.keys[j])
				j = (j + 1) & (nm.cap - 1);
			nm.keys[j] = m->keys[i];
			nm.vals[j] = m->vals[i];
		}
		nm.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = nm;
	}
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->keys[i])
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = strdup(key);
	if (m->keys[i] == NULL)
		return jail_error_set(err, ENOMEM, "plan");
	m->vals[i] = val;
	m->n++;
	return 0;
}

void jail_tree_map_free(jail_tree_map_t *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Host paths are absolute; syscalls take them relative to host_fd. */
const char *jail_tree_hrel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* Open a planned host object.  Its path is real (resolve() recreated every
 * symlink on the way), so any symlink met now is a change made since the
 * plan, possibly by a user racing to substitute another file: refused
 * (RESOLVE_NO_SYMLINKS beneath the host root). */
int jail_tree_open_host(jail_tree_ctx_t *c, const char *path, int flags)
{
	return jail_openat_beneath(c->host_fd, path, flags | O_CLOEXEC, 0, NULL);
}

void jail_tree_report(jail_tree_ctx_t *c, const char *action, const char *path, const char *detail)
{
	if (c->opts && c->opts->report)
		c->opts->report(c->opts->report_arg, action, path, detail);
}

static char *path_join(const char *dir, const char *name)
{
	if (strcmp(dir, "/") == 0)
		return jail_strdup_printf("/%s", name);
	return jail_strdup_printf("%s/%s", dir, name);
}

/* Split "/a/b/c" into parent "/a/b" (malloc'd) and base "c" (into PATH). */
char *jail_tree_parent_of(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

const char *jail_tree_type_word(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symlink";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "an unknown file type";
	}
}

const char *jail_tree_entry_word(char type)
{
	switch (type) {
	case 'f':
	case 'P':
		return "a regular file";
	case 'd':
		return "a directory";
	case 'l':
		return "a symlink";
	case 'c':
		return "a character device";
	case 'b':
		return "a block device";
	default:
		return "something else";
	}
}

/* Directories keep their host permissions, minus setuid/setgid and minus
 * group/other write, except sticky world-writable ones (/tmp) which stay
 * so. */
static mode_t dir_mode(mode_t m)
{
	m &= 07777;
	if ((m & S_ISVTX) && (m & S_IWOTH))
		return m & 01777;
	return m & 0755;
}

static void set_wanted(jail_tree_entry_t *e)
{
	switch (e->type) {
	case 'f':
		jail_tree_wanted_attrs(&e->hst, e->flags, &e->mode, &e->uid, &e->gid);
		break;
	case 'd':
		if (e->flags & (TE_NOHOST | TE_EMPTY))
			e->mode = (!(e->flags & TE_NOHOST) && (e->hst.st_mode & S_ISVTX) &&
				   (e->hst.st_mode & S_IWOTH))
				      ? 01777
				      : 0755;
		else if (e->flags & JAIL_MF_KEEP_OWNER)
			e->mode =
			    e->hst.st_mode & ((e->flags & JAIL_MF_KEEP_SETUID) ? 07777 : 01777);
		else
			e->mode = dir_mode(e->hst.st_mode);
		e->uid = (e->flags & JAIL_MF_KEEP_OWNER) ? e->hst.st_uid : 0;
		e->gid = (e->flags & JAIL_MF_KEEP_OWNER) ? e->hst.st_gid : 0;
		break;
	case 'c':
	case 'b':
		e->mode = e->hst.st_mode & 0777;
		e->uid = 0;
		e->gid = 0;
		break;
	case 'P':
		e->mode = 0644;
		e->uid = 0;
		e->gid = 0;
		break;
	default:
		e->mode = 0777;
		e->uid = 0;
		e->gid = 0;
		break;
	}
}

jail_tree_entry_t *jail_tree_plan_get(jail_tree_ctx_t *c, const char *path)
{
	size_t *v = map_get(&c->index, path);

	return v ? &c->ents[*v] : NULL;
}

/* Add a new entry (the caller checked there is none for PATH).  Returns its
 * index or -1. */
ssize_t jail_tree_plan_new(jail_tree_ctx_t *c, const char *path, char type, unsigned flags,
			   const struct stat *hst, const char *target, jail_error_t *err)
{
	jail_tree_entry_t *e;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		jail_tree_entry_t *nv = realloc(c->ents, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		c->ents = nv;
		c->cap = ncap;
	}
	e = &c->ents[c->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->target = target ? strdup(target) : NULL;
	if (e->path == NULL || (target && e->target == NULL)) {
		free(e->path);
		free(e->target);
		return jail_error_set(err, ENOMEM, "plan");
	}
	e->type = type;
	e->flags = flags;
	if (hst)
		e->hst = *hst;
	set_wanted(e);
	if (map_put(&c->index, path, c->n, err) < 0) {
		free(e->path);
		free(e->target);
		return -1;
	}
	return (ssize_t)c->n++;
}

/* ---- phase 1: plan (reads the host only) ---- */

typedef struct pending {
	char *path;
	struct stat st;
} pending_t;

typedef struct pendv {
	pending_t *v;
	size_t n, cap;
} pendv_t;

static void pendv_clear(pendv_t *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].path);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int pendv_push(pendv_t *p, const char *path, const struct stat *st, jail_error_t *err)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		pending_t *nv = realloc(p->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n].path = strdup(path);
	if (p->v[p->n].path == NULL)
		return jail_error_set(err, ENOMEM, "plan");
	p->v[p->n].st = *st;
	p->n++;
	return 0;
}

/* Parent directories found on the way become planned directories only
 * once something below them is known to exist. */
static int pendv_commit(jail_tree_ctx_t *c, pendv_t *p, jail_error_t *err)
{
	for (size_t i = 0; i < p->n; i++) {
		if (jail_tree_plan_get(c, p->v[i].path))
			continue;
		if (jail_tree_plan_new(c, p->v[i].path, 'd', 0, &p->v[i].st, NULL, err) < 0)
			return -1;
	}
	pendv_clear(p);
	return 0;
}

/* Resolve host PATH the way the kernel would, one component at a time,
 * planning every symlink met (recreated as is in the jail) and every
 * directory on the way.  On success (0) *real is the path of the final
 * object with no symlink component and *st its lstat (never a symlink: a
 * final symlink is planned and followed).  Returns 1 when something does
 * not exist: then, if TAIL is not NULL and the walk stopped at a missing
 * name, *real is the existing real prefix and *tail the rest (for
 * emptydirs); -1 on error. */
static int resolve(jail_tree_ctx_t *c, const char *path, char **real, struct stat *st, char **tail,
		   jail_error_t *err)
{
	char cur[PATH_MAX];
	size_t curlen = 0;
	char *rest = strdup(path);
	char *p = rest;
	int links = 0, ret = -1;
	pendv_t pend = {0};

	if (rest == NULL)
		return jail_error_set(err, ENOMEM, "resolve");
	cur[0] = '\0';
	*real = NULL;
	for (;;) {
		char tbuf[PATH_MAX];
		const char *target = NULL;
		const char *comp, *next, *q;
		size_t clen, newlen;
		struct stat sb;
		jail_tree_entry_t *e;
		bool last;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		comp = p;
		clen = strcspn(p, "/");
		next = p + clen;
		for (q = next; *q == '/'; q++)
			;
		last = *q == '\0';
		if (clen == 1 && comp[0] == '.') {
			p = (char *)next;
			continue;
		}
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			/* cur has no symlink in it, so dropping its last
			 * component is what the kernel does too. */
			char *s = strrchr(cur, '/');
			if (s) {
				*s = '\0';
				curlen = (size_t)(s - cur);
			}
			p = (char *)next;
			continue;
		}
		if (curlen + 1 + clen >= sizeof(cur)) {
			jail_error_fmt(err, ENAMETOOLONG, "%s: path too long", path);
			goto out;
		}
		cur[curlen] = '/';
		memcpy(cur + curlen + 1, comp, clen);
		newlen = curlen + 1 + clen;
		cur[newlen] = '\0';

		e = jail_tree_plan_get(c, cur);
		if (e && e->type == 'd' && !(e->flags & TE_NOHOST)) {
			sb = e->hst;
		} else if (e && e->type == 'l') {
			sb = e->hst;
			target = e->target;
		} else if (fstatat(c->host_fd, jail_tree_hrel(cur), &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				if (tail && errno == ENOENT) {
					if (pendv_commit(c, &pend, err) < 0)
						goto out;
					cur[curlen] = '\0';
					*real = strdup(curlen ? cur : "/");
					*tail = strdup(comp);
					if (*real == NULL || *tail == NULL) {
						free(*real);
						*real = NULL;
						jail_error_set(err, ENOMEM, "resolve");
						goto out;
					}
				}
				ret = 1;
				goto out;
			}
			jail_error_set(err, errno, "stat %s", cur);
			goto out;
		} else if (S_ISLNK(sb.st_mode)) {
			ssize_t n =
			    readlinkat(c->host_fd, jail_tree_hrel(cur), tbuf, sizeof(tbuf) - 1);
			if (n < 0) {
				jail_error_set(err, errno, "readlink %s", cur);
				goto out;
			}
			tbuf[n] = '\0';
			target = tbuf;
		}
		if (target) {
			char *nrest;
			if (++links > MAX_LINKS) {
				jail_error_fmt(err, ELOOP, "%s: too many levels of symbolic links",
					       path);
				goto out;
			}
			if (target[0] == '\0') {
				ret = 1; /* an empty link resolves to nothing */
				goto out;
			}
			if (pendv_commit(c, &pend, err) < 0)
				goto out;
			if (!e && jail_tree_plan_new(c, cur, 'l', 0, &sb, target, err) < 0)
				goto out;
			nrest = jail_strdup_printf("%s/%s", target, next);
			if (nrest == NULL) {
				jail_error_set(err, ENOMEM, "resolve");
				goto out;
			}
			free(rest);
			rest = p = nrest;
			if (rest[0] == '/')
				curlen = 0;
			cur[curlen] = '\0';
			continue;
		}
		curlen = newlen;
		if (!last) {
			if (!S_ISDIR(sb.st_mode)) {
				ret = 1; /* ENOTDIR: nothing there */
				goto out;
			}
			if (!e && pendv_push(&pend, cur, &sb, err) < 0)
				goto out;
			p = (char *)next;
			continue;
		}
		*st = sb;
		p = (char *)next;
	}
	if (curlen == 0) {
		if (fstat(c->host_fd, st) < 0) {
			jail_error_set(err, errno, "stat %s", c->host_root);
			goto out;
		}
	}
	if (pendv_commit(c, &pend, err) < 0)
		goto out;
	*real = strdup(curlen ? cur : "/");
	if (*real == NULL) {
		jail_error_set(err, ENOMEM, "resolve");
		goto out;
	}
	ret = 0;
out:
	pendv_clear(&pend);
	free(rest);
	return ret;
}

int jail_tree_add_path(jail_tree_ctx_t *c, const char *path, unsigned flags, bool soft,
		       jail_error_t *err);

/* Soft requests (found by walking a directory or matching a glob) turn
 * their problems into warnings; explicit ones fail. */
static int soft_fail(jail_tree_ctx_t *c, bool soft, const char *path, jail_error_t *err)
{
	if (!soft)
		return -1;
	/* A package's files: dpkg vouches for nothing beyond their presence
	 * (Python's library has scripts naming /usr/local/bin/python), so what
	 * they would bring and cannot is a note for -v, not a warning. */
	jail_tree_report(c, c->listing ? "note" : "warning", path, err->msg);
	jail_error_clear(err);
	return 0;
}

/* An ELF object, or an executable "#!" script, brings what it needs. */
static int add_deps(jail_tree_ctx_t *c, const char *real, const struct stat *st, bool soft,
		    jail_error_t *err)
{
	unsigned char hdr[4] = {0};
	jail_strv_t deps = {0};
	int fd, ret = 0;
	ssize_t n;

	fd = jail_tree_open_host(c, real, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0; /* vanished or unreadable: the copy will say so */
	n = pread(fd, hdr, sizeof(hdr), 0);
	close(fd);
	if (n < 2)
		return 0;
	if (!(n == 4 && memcmp(hdr, "\177ELF", 4) == 0) &&
	    !(hdr[0] == '#' && hdr[1] == '!' && (st->st_mode & 0111)))
		return 0;
	if (jail_elf_deps(c->resolver, real, &deps, err) < 0) {
		jail_error_wrap(err, "dependencies of %s", real);
		if (soft_fail(c, soft, real, err) < 0) {
			jail_strv_clear(&deps);
			return -1;
		}
	}
	for (size_t i = 0; i < deps.n && ret == 0; i++)
		ret = jail_tree_add_path(c, deps.v[i], 0, soft, err);
	jail_strv_clear(&deps);
	return ret;
}

static int add_file(jail_tree_ctx_t *c, const char *real, const struct stat *st, unsigned flags,
		    bool soft, jail_error_t *err)
{
	jail_tree_entry_t *e = jail_tree_plan_get(c, real);

	if (e) {
		if (e->type != 'f')
			return jail_error_fmt(err, EEXIST, "%s: planned both as %s and as a file",
					      real, jail_tree_entry_word(e->type));
		if ((e->flags | flags) != e->flags) {
			e->flags |= flags;
			set_wanted(e);
		}
		return 0;
	}
	if (jail_tree_plan_new(c, real, 'f', flags, st, NULL, err) < 0)
		return -1;
	return add_deps(c, real, st, soft, err);
}

static int add_dir(jail_tree_ctx_t *c, const char *real, const struct stat *st, unsigned flags,
		   bool recurse, jail_error_t *err)
{
	jail_tree_entry_t *e = jail_tree_plan_get(c, real);
	jail_strv_t names = {0};
	DIR *d;
	struct dirent *de;
	int dfd, ret = 0;

	if (e == NULL) {
		ssize_t i = jail_tree_plan_new(c, real, 'd', flags, st, NULL, err);
		if (i < 0)
			return -1;
		e = &c->ents[i];
	} else if (e->type != 'd') {
		return jail_error_fmt(err, EEXIST, "%s: planned both as %s and as a directory",
				      real, jail_tree_entry_word(e->type));
	} else if ((e->flags | flags) != e->flags) {
		e->flags |= flags;
		set_wanted(e);
	}
	if (!recurse || c->no_recurse || (e->flags & TE_RECURSED))
		return 0;
	e->flags |= TE_RECURSED;
	if (c->root_exists && st->st_dev == c->root_st.st_dev && st->st_ino == c->root_st.st_ino) {
		jail_tree_report(c, "warning", real, "is the jail itself, not copied into itself");
		return 0;
	}
	dfd = jail_tree_open_host(c, real, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return jail_error_set(err, errno, "open %s", real);
	d = fdopendir(dfd);
	if (d == NULL) {
		int er = errno;
		close(dfd);
		return jail_error_set(err, er, "opendir %s", real);
	}
	/* Collect first: the walk below recurses and must not hold one open
	 * directory per level. */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (jail_strv_push(&names, de->d_name, err) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(d);
	jail_strv_sort(&names);
	for (size_t i = 0; i < names.n && ret == 0; i++) {
		char *child = path_join(real, names.v[i]);
		if (child == NULL) {
			ret = jail_error_set(err, ENOMEM, "plan");
			break;
		}
		ret = jail_tree_add_path(c, child, flags & MF_MASK, true, err);
		free(child);
	}
	jail_strv_clear(&names);
	return ret;
}

/* Plan host PATH (absolute) and what it brings.  Returns 0, 1 when it does
 * not exist on the host (reported, or an error in strict mode for explicit
 * requests), -1 on error. */
int jail_tree_add_path(jail_tree_ctx_t *c, const char *path, unsigned flags, bool soft,
		       jail_error_t *err)
{
	cleanup_free char *real = NULL;
	size_t *seen = map_get(&c->seen, path);
	struct stat st;
	int r;

	if (seen && (*seen & flags) == flags)
		return 0;
	if (map_put(&c->seen, path, (seen ? *seen : 0) | flags, err) < 0)
		return -1;
	r = resolve(c, path, &real, &st, NULL, err);
	if (r < 0) {
		jail_error_wrap(err, "%s", path);
		return soft_fail(c, soft, path, err);
	}
	if (r == 1) {
		if (c->strict && !soft)
			return jail_error_fmt(err, ENOENT, "%s: not found on the host", path);
		if (!c->updating) /* update reports its own, after deciding on --prune */
			jail_tree_report(c, "missing", path, NULL);
		return 1;
	}
	if (strcmp(real, "/") == 0)
		return jail_error_fmt(err, EINVAL, "%s: refusing to copy the whole host root",
				      path);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return add_file(c, real, &st, flags, soft, err);
	case S_IFDIR:
		return add_dir(c, real, &st, flags, true, err);
	case S_IFCHR:
	case S_IFBLK:
		jail_error_fmt(err, EINVAL,
			       "%s is a device node: devices are only created from a section's "
			       "'devices' list",
			       real);
		return soft_fail(c, soft, real, err);
	default:
		jail_tree_report(c, "skip", real, jail_tree_type_word(st.st_mode));
		return 0;
	}
}

/* An emptydirs entry (or a directory the writer itself needs, like /etc):
 * the host's directory when there is one, else plain directories. */
int jail_tree_add_emptydir(jail_tree_ctx_t *c, const char *path, unsigned dflags, jail_error_t *err)
{
	cleanup_free char *real = NULL;
	cleanup_free char *tail = NULL;
	cleanup_free char *norm = NULL;
	cleanup_free char *cur = NULL;
	struct stat st;
	int r;

	if (path[0] != '/')
		return jail_error_fmt(err, EINVAL, "emptydirs: '%s' is not an absolute path", path);
	r = resolve(c, path, &real, &st, &tail, err);
	if (r < 0)
		return jail_error_wrap(err, "%s", path);
	if (r == 0) {
		if (!S_ISDIR(st.st_mode))
			return jail_error_fmt(err, ENOTDIR,
					      "%s: exists on the host as %s, not a directory", path,
					      jail_tree_type_word(st.st_mode));
		if (strcmp(real, "/") == 0)
			return 0;
		return add_dir(c, real, &st, dflags, false, err);
	}
	if (real == NULL)
		return jail_error_fmt(err, ENOTDIR,
				      "%s: a component exists on the host and is not a directory",
				      path);
	/* The rest does not exist on the host: plain directories below the
	 * real prefix.  It may not climb out with "..". */
	{
		cleanup_free char *rel = jail_strdup_printf("/%s", tail);
		if (rel == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		norm = jail_path_normalize(rel, err);
		if (norm == NULL)
			return jail_error_wrap(err, "emptydirs %s", path);
	}
	cur = strdup(real);
	if (cur == NULL)
		return jail_error_set(err, ENOMEM, "plan");
	for (char *p = norm + 1; *p;) {
		size_t len = strcspn(p, "/");
		char *next;
		char save = p[len];
		p[len] = '\0';
		next = path_join(cur, p);
		p[len] = save;
		if (next == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		free(cur);
		cur = next;
		jail_tree_entry_t *e = jail_tree_plan_get(c, cur);
		if (e == NULL) {
			if (jail_tree_plan_new(c, cur, 'd', TE_NOHOST | TE_EMPTY, NULL, NULL, err) <
			    0)
				return -1;
		} else if (e->type != 'd') {
			return jail_error_fmt(err, EEXIST,
					      "%s: planned both as %s and as a directory", cur,
					      jail_tree_entry_word(e->type));
		}
		p += len;
		while (*p == '/')
			p++;
	}
	return 0;
}

int jail_tree_add_device(jail_tree_ctx_t *c, const char *path, jail_error_t *err)
{
	cleanup_free char *real = NULL;
	struct stat st;
	jail_tree_entry_t *e;
	char type;
	int r;

	if (path[0] != '/')
		return jail_error_fmt(err, EINVAL, "devices: '%s' is not an absolute path", path);
	r = resolve(c, path, &real, &st, NULL, err);
	if (r < 0)
		return jail_error_wrap(err, "%s", path);
	if (r == 1) {
		if (!c->updating)
			jail_tree_report(c, "missing", path, NULL);
		return 1;
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return jail_error_fmt(err, EINVAL, "devices: %s is %s on the host, not a device",
				      path, jail_tree_type_word(st.st_mode));
	type = S_ISCHR(st.st_mode) ? 'c' : 'b';
	e = jail_tree_plan_get(c, real);
	if (e) {
		if (e->type != type)
			return jail_error_fmt(err, EEXIST, "%s: planned both as %s and as %s", real,
					      jail_tree_entry_word(e->type),
					      jail_tree_entry_word(type));
		return 0;
	}
	return jail_tree_plan_new(c, real, type, 0, &st, NULL, err) < 0 ? -1 : 0;
}

/* Look a bare name up on the host PATH, inside host_root (absolute
 * symlinks of a fixture tree stay in it). */
static char *find_on_path(jail_tree_ctx_t *c, const char *name)
{
	for (size_t i = 0; i < sizeof(host_path_dirs) / sizeof(host_path_dirs[0]); i++) {
		char *cand = path_join(host_path_dirs[i], name);
		struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
		struct stat st;
		int fd;

		if (cand == NULL)
			return NULL;
		fd = (int)syscall(SYS_openat2, c->host_fd, jail_tree_hrel(cand), &how, sizeof(how));
		if (fd < 0 && errno == ENOSYS)
			fd = openat(c->host_fd, jail_tree_hrel(cand), O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			bool okf =
			    fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111);
			close(fd);
			if (okf)
				return cand;
		}
		free(cand);
	}
	return NULL;
}

/* One item of a paths list: an absolute path, a glob, or a bare name. */
int jail_tree_add_request(jail_tree_ctx_t *c, const char *item, unsigned flags, jail_error_t *err)
{
	if (item[0] == '\0')
		return 0;
	if (strchr(item, '/') == NULL) {
		cleanup_free char *found = find_on_path(c, item);
		if (found == NULL) {
			if (c->strict)
				return jail_error_fmt(err, ENOENT,
						      "%s: not found on the host PATH (%s, ...)",
						      item, host_path_dirs[0]);
			jail_tree_report(c, "missing", item, "not found on the host PATH");
			return 0;
		}
		return jail_tree_add_path(c, found, flags, false, err) < 0 ? -1 : 0;
	}
	if (item[0] != '/')
		return jail_error_fmt(
		    err, EINVAL, "'%s' is neither an absolute path nor a bare command name", item);
	if (strpbrk(item, "*?[") != NULL) {
		bool root = strcmp(c->host_root, "/") == 0;
		size_t plen = root ? 0 : strlen(c->host_root);
		cleanup_free char *pattern =
		    root ? strdup(item) : jail_strdup_printf("%s%s", c->host_root, item);
		glob_t g;
		int r, ret = 0;

		if (pattern == NULL)
			return jail_error_set(err, ENOMEM, "glob");
		r = glob(pattern, 0, NULL, &g);
		if (r == GLOB_NOMATCH) {
			if (c->strict)
				return jail_error_fmt(err, ENOENT,
						      "%s: matches nothing on the host", item);
			jail_tree_report(c, "missing", item, NULL);
			return 0;
		}
		if (r != 0)
			return jail_error_fmt(err, EIO, "%s: glob failed", item);
		for (size_t i = 0; i < g.gl_pathc && ret == 0; i++)
			ret = jail_tree_add_path(c, g.gl_pathv[i] + plen, flags, true, err) < 0 ? -1
												: 0;
		globfree(&g);
		return ret;
	}
	return jail_tree_add_path(c, item, flags, false, err) < 0 ? -1 : 0;
}

int jail_tree_add_listed(jail_tree_ctx_t *c, const char *path, jail_error_t *err)
{
	cleanup_free char *real = NULL;
	struct stat st;
	int r;

	r = resolve(c, path, &real, &st, NULL, err);
	if (r < 0) {
		jail_error_wrap(err, "%s", path);
		return soft_fail(c, true, path, err);
	}
	if (r == 1) {
		if (!c->updating)
			jail_tree_report(c, "missing", path, NULL);
		return 1;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		c->listing = true;
		r = add_file(c, real, &st, 0, true, err);
		c->listing = false;
		return r;
	case S_IFDIR:
		return 0;
	default:
		jail_tree_report(c, "skip", real, jail_tree_type_word(st.st_mode));
		return 0;
	}
}
