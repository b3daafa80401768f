/* The jail tree writer: plan from the host, check against the jail, write.
 *
 * Three phases keep a failing run from half-applying:
 *   1. plan: read only the host.  Every requested path is resolved component
 *      by component (host symlinks become planned symlinks, parent
 *      directories planned directories), directories are walked, ELF
 *      dependencies resolved.  Unknown sections, setuid refusals, missing
 *      users and missing libraries fail here, before the jail is touched.
 *   2. preflight: read only the jail.  Each planned object is compared with
 *      what is at its path in the jail (never following a symlink): absent,
 *      identical, to be replaced, or in the way (an error naming the path).
 *      Every directory written into is checked to be root-owned and not
 *      group/world-writable.
 *   3. execute: create what is absent and replace what differs, in path
 *      order (parents first), each file through a temporary name and
 *      renameat(); then /etc/passwd and /etc/group, then the manifest.
 *
 * Entries are kept in an array and found by path through a small hash map;
 * entry pointers are not kept across calls that may add entries. */
#define _GNU_SOURCE
#include "tree.h"
#include "tree-internal.h"
#include "elfdeps.h"
#include "safefs.h"

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
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Bare command names are looked up here, in this order (jailkit's PATH). */
static const char *const host_path_dirs[] = {
    "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

#define MAX_LINKS 40

enum { ST_UNKNOWN = 0, ST_ABSENT, ST_SAME, ST_REPLACE };

/* Internal entry flags, above the JAIL_MF_* bits. */
#define TE_RECURSED 0x100u /* directory contents were added */
#define TE_NOHOST   0x200u /* directory with no host counterpart (emptydirs) */
#define TE_EMPTY    0x400u /* emptydirs: 0755, or 1777 when sticky on the host */
#define TE_DONE	    0x800u /* written, or found identical */
#define MF_MASK	    (JAIL_MF_KEEP_OWNER | JAIL_MF_KEEP_SETUID)

typedef struct tree_entry {
	char *path;	 /* absolute, real on the host (no symlink component) */
	char *target;	 /* 'l': the link's contents */
	char type;	 /* 'f', 'l', 'd', 'c', 'b'; 'P': empty placeholder file */
	unsigned flags;	 /* JAIL_MF_* | TE_* */
	struct stat hst; /* host lstat (zero for TE_NOHOST and 'P') */
	mode_t mode;	 /* wanted in the jail */
	uid_t uid;
	gid_t gid;
	int state;
} tree_entry_t;

/* String -> size_t map with open addressing (FNV-1a); keys are copied. */
typedef struct strmap {
	char **keys;
	size_t *vals;
	size_t cap, n;
} strmap_t;

typedef struct tree_ctx {
	const jail_tree_opts_t *opts;
	char *jail; /* normalised jail path, for messages */
	const char *host_root;
	int host_fd;
	jail_elf_resolver_t *resolver;
	bool updating; /* update: replace what the manifest says is ours */
	bool strict;   /* cp: a requested path missing on the host is an error */
	bool no_recurse;

	tree_entry_t *ents;
	size_t n, cap;
	strmap_t index; /* path -> entry index */
	strmap_t seen;	/* requested path -> flags handled */
	size_t *order;	/* entry indices sorted by path */

	jail_strv_t sections, users, groups;
	jail_strv_t missing; /* update: manifest paths gone from the host */
	bool logsocket;

	int root_fd;
	bool root_exists;
	struct stat root_st;
	char *create_from; /* nearest existing trusted ancestor when creating */
	jail_manifest_t *old;

	char *pc_path; /* one-entry cache of an open jail directory */
	int pc_fd;
	char *cmpbuf;
	unsigned long tmpseq;

	char *passwd_new, *group_new; /* merged contents, NULL when unchanged */
	size_t passwd_len, group_len;
	bool passwd_existed, group_existed;
	jail_strv_t passwd_added, group_added;
} tree_ctx_t;

/* ---- small helpers ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t *map_get(const strmap_t *m, const char *key)
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

static int map_put(strmap_t *m, const char *key, size_t val, jail_error_t *err)
{
	size_t *v = map_get(m, key);

	if (v) {
		*v = val;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap) {
		strmap_t nm = {0};
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

static void map_free(strmap_t *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Host paths are absolute; syscalls take them relative to host_fd. */
static const char *hrel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* Open a planned host object.  Its path is real (resolve() recreated every
 * symlink on the way), so any symlink met now is a change made since the
 * plan, possibly by a user racing to substitute another file: refused
 * (RESOLVE_NO_SYMLINKS beneath the host root). */
static int open_host(tree_ctx_t *c, const char *path, int flags)
{
	return jail_openat_beneath(c->host_fd, path, flags | O_CLOEXEC, 0, NULL);
}

static void report(tree_ctx_t *c, const char *action, const char *path, const char *detail)
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
static char *parent_of(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static const char *type_word(mode_t m)
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

static const char *entry_word(char type)
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

static void set_wanted(tree_entry_t *e)
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

static tree_entry_t *plan_get(tree_ctx_t *c, const char *path)
{
	size_t *v = map_get(&c->index, path);

	return v ? &c->ents[*v] : NULL;
}

/* Add a new entry (the caller checked there is none for PATH).  Returns its
 * index or -1. */
static ssize_t plan_new(tree_ctx_t *c, const char *path, char type, unsigned flags,
			const struct stat *hst, const char *target, jail_error_t *err)
{
	tree_entry_t *e;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		tree_entry_t *nv = realloc(c->ents, ncap * sizeof(*nv));
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
static int pendv_commit(tree_ctx_t *c, pendv_t *p, jail_error_t *err)
{
	for (size_t i = 0; i < p->n; i++) {
		if (plan_get(c, p->v[i].path))
			continue;
		if (plan_new(c, p->v[i].path, 'd', 0, &p->v[i].st, NULL, err) < 0)
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
static int resolve(tree_ctx_t *c, const char *path, char **real, struct stat *st, char **tail,
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
		tree_entry_t *e;
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

		e = plan_get(c, cur);
		if (e && e->type == 'd' && !(e->flags & TE_NOHOST)) {
			sb = e->hst;
		} else if (e && e->type == 'l') {
			sb = e->hst;
			target = e->target;
		} else if (fstatat(c->host_fd, hrel(cur), &sb, AT_SYMLINK_NOFOLLOW) < 0) {
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
			ssize_t n = readlinkat(c->host_fd, hrel(cur), tbuf, sizeof(tbuf) - 1);
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
			if (!e && plan_new(c, cur, 'l', 0, &sb, target, err) < 0)
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

static int add_path(tree_ctx_t *c, const char *path, unsigned flags, bool soft, jail_error_t *err);

/* Soft requests (found by walking a directory or matching a glob) turn
 * their problems into warnings; explicit ones fail. */
static int soft_fail(tree_ctx_t *c, bool soft, const char *path, jail_error_t *err)
{
	if (!soft)
		return -1;
	report(c, "warning", path, err->msg);
	jail_error_clear(err);
	return 0;
}

/* An ELF object, or an executable "#!" script, brings what it needs. */
static int add_deps(tree_ctx_t *c, const char *real, const struct stat *st, bool soft,
		    jail_error_t *err)
{
	unsigned char hdr[4] = {0};
	jail_strv_t deps = {0};
	int fd, ret = 0;
	ssize_t n;

	fd = open_host(c, real, O_RDONLY | O_NONBLOCK);
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
		ret = add_path(c, deps.v[i], 0, soft, err);
	jail_strv_clear(&deps);
	return ret;
}

static int add_file(tree_ctx_t *c, const char *real, const struct stat *st, unsigned flags,
		    bool soft, jail_error_t *err)
{
	tree_entry_t *e = plan_get(c, real);

	if (e) {
		if (e->type != 'f')
			return jail_error_fmt(err, EEXIST, "%s: planned both as %s and as a file",
					      real, entry_word(e->type));
		if ((e->flags | flags) != e->flags) {
			e->flags |= flags;
			set_wanted(e);
		}
		return 0;
	}
	if (plan_new(c, real, 'f', flags, st, NULL, err) < 0)
		return -1;
	return add_deps(c, real, st, soft, err);
}

static int add_dir(tree_ctx_t *c, const char *real, const struct stat *st, unsigned flags,
		   bool recurse, jail_error_t *err)
{
	tree_entry_t *e = plan_get(c, real);
	jail_strv_t names = {0};
	DIR *d;
	struct dirent *de;
	int dfd, ret = 0;

	if (e == NULL) {
		ssize_t i = plan_new(c, real, 'd', flags, st, NULL, err);
		if (i < 0)
			return -1;
		e = &c->ents[i];
	} else if (e->type != 'd') {
		return jail_error_fmt(err, EEXIST, "%s: planned both as %s and as a directory",
				      real, entry_word(e->type));
	} else if ((e->flags | flags) != e->flags) {
		e->flags |= flags;
		set_wanted(e);
	}
	if (!recurse || c->no_recurse || (e->flags & TE_RECURSED))
		return 0;
	e->flags |= TE_RECURSED;
	if (c->root_exists && st->st_dev == c->root_st.st_dev && st->st_ino == c->root_st.st_ino) {
		report(c, "warning", real, "is the jail itself, not copied into itself");
		return 0;
	}
	dfd = open_host(c, real, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return jail_error_set(err, errno, "open %s", real);
	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return jail_error_set(err, errno, "opendir %s", real);
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
		ret = add_path(c, child, flags & MF_MASK, true, err);
		free(child);
	}
	jail_strv_clear(&names);
	return ret;
}

/* Plan host PATH (absolute) and what it brings.  Returns 0, 1 when it does
 * not exist on the host (reported, or an error in strict mode for explicit
 * requests), -1 on error. */
static int add_path(tree_ctx_t *c, const char *path, unsigned flags, bool soft, jail_error_t *err)
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
			report(c, "missing", path, NULL);
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
		report(c, "skip", real, type_word(st.st_mode));
		return 0;
	}
}

/* An emptydirs entry (or a directory the writer itself needs, like /etc):
 * the host's directory when there is one, else plain directories. */
static int add_emptydir(tree_ctx_t *c, const char *path, unsigned dflags, jail_error_t *err)
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
					      type_word(st.st_mode));
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
		tree_entry_t *e = plan_get(c, cur);
		if (e == NULL) {
			if (plan_new(c, cur, 'd', TE_NOHOST | TE_EMPTY, NULL, NULL, err) < 0)
				return -1;
		} else if (e->type != 'd') {
			return jail_error_fmt(err, EEXIST,
					      "%s: planned both as %s and as a directory", cur,
					      entry_word(e->type));
		}
		p += len;
		while (*p == '/')
			p++;
	}
	return 0;
}

static int add_device(tree_ctx_t *c, const char *path, jail_error_t *err)
{
	cleanup_free char *real = NULL;
	struct stat st;
	tree_entry_t *e;
	char type;
	int r;

	if (path[0] != '/')
		return jail_error_fmt(err, EINVAL, "devices: '%s' is not an absolute path", path);
	r = resolve(c, path, &real, &st, NULL, err);
	if (r < 0)
		return jail_error_wrap(err, "%s", path);
	if (r == 1) {
		if (!c->updating)
			report(c, "missing", path, NULL);
		return 1;
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return jail_error_fmt(err, EINVAL, "devices: %s is %s on the host, not a device",
				      path, type_word(st.st_mode));
	type = S_ISCHR(st.st_mode) ? 'c' : 'b';
	e = plan_get(c, real);
	if (e) {
		if (e->type != type)
			return jail_error_fmt(err, EEXIST, "%s: planned both as %s and as %s", real,
					      entry_word(e->type), entry_word(type));
		return 0;
	}
	return plan_new(c, real, type, 0, &st, NULL, err) < 0 ? -1 : 0;
}

/* Look a bare name up on the host PATH, inside host_root (absolute
 * symlinks of a fixture tree stay in it). */
static char *find_on_path(tree_ctx_t *c, const char *name)
{
	for (size_t i = 0; i < sizeof(host_path_dirs) / sizeof(host_path_dirs[0]); i++) {
		char *cand = path_join(host_path_dirs[i], name);
		struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
		struct stat st;
		int fd;

		if (cand == NULL)
			return NULL;
		fd = (int)syscall(SYS_openat2, c->host_fd, hrel(cand), &how, sizeof(how));
		if (fd < 0 && errno == ENOSYS)
			fd = openat(c->host_fd, hrel(cand), O_PATH | O_CLOEXEC);
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
static int add_request(tree_ctx_t *c, const char *item, unsigned flags, jail_error_t *err)
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
			report(c, "missing", item, "not found on the host PATH");
			return 0;
		}
		return add_path(c, found, flags, false, err) < 0 ? -1 : 0;
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
			report(c, "missing", item, NULL);
			return 0;
		}
		if (r != 0)
			return jail_error_fmt(err, EIO, "%s: glob failed", item);
		for (size_t i = 0; i < g.gl_pathc && ret == 0; i++)
			ret = add_path(c, g.gl_pathv[i] + plen, flags, true, err) < 0 ? -1 : 0;
		globfree(&g);
		return ret;
	}
	return add_path(c, item, flags, false, err) < 0 ? -1 : 0;
}

/* ---- the jail side ---- */

/* Open the jail root if it exists (trusted chain checked), else, when
 * MAY_CREATE, find the nearest existing ancestor and check that one. */
static int open_root(tree_ctx_t *c, bool may_create, jail_error_t *err)
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
	if (e2.code != ENOENT || !may_create) {
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
		if (e2.code != ENOENT || strcmp(anc, "/") == 0) {
			*err = e2;
			return jail_error_wrap(err, "cannot create %s", c->jail);
		}
	}
}

/* Create the missing components of the jail path below create_from, each
 * 0755 root:root, then open it as the root. */
static int create_root(tree_ctx_t *c, jail_error_t *err)
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
static int blame_path(tree_ctx_t *c, const char *path, int code, jail_error_t *err)
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
					      c->jail, copy, type_word(st.st_mode));
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
static int dir_fd(tree_ctx_t *c, const char *dir, jail_error_t *err)
{
	tree_entry_t *pe;
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
	pe = plan_get(c, dir);
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

static void dir_fd_drop(tree_ctx_t *c)
{
	free(c->pc_path);
	c->pc_path = NULL;
	if (c->pc_fd >= 0)
		close(c->pc_fd);
	c->pc_fd = -1;
}

static int conflict(tree_ctx_t *c, const tree_entry_t *e, int pfd, const char *base,
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
		    c->jail, e->path, t, entry_word(e->type), hint ? hint : "");
	}
	return jail_error_fmt(err, EEXIST, "%s%s: is %s, expected %s; refusing to replace it%s",
			      c->jail, e->path, type_word(js->st_mode), entry_word(e->type),
			      hint ? hint : "");
}

/* Is PATH something a previous run installed (any type)? */
static bool in_old(tree_ctx_t *c, const char *path)
{
	return jail_manifest_find(c->old, path) != NULL;
}

static char mode_type(mode_t m)
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
static int compare_file(tree_ctx_t *c, tree_entry_t *e, int pfd, const char *base,
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
	hfd = open_host(c, e->path, O_RDONLY | O_NONBLOCK);
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

/* Decide what to do with entry E; the jail object is BASE in PFD. */
static int check_entry(tree_ctx_t *c, tree_entry_t *e, int pfd, const char *base, jail_error_t *err)
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
	jt = mode_type(js.st_mode);
	switch (e->type) {
	case 'd':
		if (S_ISDIR(js.st_mode)) {
			e->state = ST_SAME;
			return 0;
		}
		return conflict(c, e, pfd, base, &js, NULL, err);
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
		/* At a manifest path, anything but a directory is ours to
		 * replace (update only; init points at update). */
		if (in_old(c, e->path) && jt != 'd') {
			if (c->updating) {
				e->state = ST_REPLACE;
				return 0;
			}
			return conflict(c, e, pfd, base, &js, update_hint, err);
		}
		return conflict(c, e, pfd, base, &js, NULL, err);
	case 'f': {
		int r;
		if (!S_ISREG(js.st_mode)) {
			if (in_old(c, e->path) && jt != 'd') {
				if (c->updating) {
					e->state = ST_REPLACE;
					return 0;
				}
				return conflict(c, e, pfd, base, &js, update_hint, err);
			}
			return conflict(c, e, pfd, base, &js, NULL, err);
		}
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
		return conflict(c, e, pfd, base, &js, NULL, err);
	case 'P':
		if (S_ISREG(js.st_mode) || S_ISSOCK(js.st_mode)) {
			e->state = ST_SAME;
			return 0;
		}
		return conflict(c, e, pfd, base, &js, NULL, err);
	default:
		return jail_error_fmt(err, EINVAL, "%s: bad entry type", e->path);
	}
}

static int order_cmp(const void *a, const void *b, void *arg)
{
	const tree_ctx_t *c = arg;

	return strcmp(c->ents[*(const size_t *)a].path, c->ents[*(const size_t *)b].path);
}

static int sort_plan(tree_ctx_t *c, jail_error_t *err)
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
static int preflight(tree_ctx_t *c, jail_error_t *err)
{
	for (size_t k = 0; k < c->n; k++) {
		tree_entry_t *e = &c->ents[c->order[k]];
		cleanup_free char *parent = NULL;
		const char *base;
		int pfd;

		if (!c->root_exists) {
			e->state = ST_ABSENT;
			continue;
		}
		parent = parent_of(e->path, &base);
		if (parent == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		if (strcmp(parent, "/") != 0) {
			tree_entry_t *pe = plan_get(c, parent);
			if (pe && pe->state == ST_ABSENT) {
				e->state = ST_ABSENT;
				continue;
			}
		}
		pfd = dir_fd(c, parent, err);
		if (pfd < 0) {
			if (err->code == ENOENT) {
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

/* ---- passwd and group ---- */

static bool has_name(const char *buf, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = buf; p && *p;) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':')
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static char *find_line(const char *buf, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = buf; p && *p;) {
		const char *end = strchr(p, '\n');
		if (strncmp(p, name, nl) == 0 && p[nl] == ':')
			return end ? strndup(p, (size_t)(end - p)) : strdup(p);
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Merge host lines for NAMES into the jail's REL ("/etc/passwd"): lines
 * already there (by name) are kept as they are; the file must be a
 * root-owned regular file if it exists.  *out is NULL when nothing
 * changes. */
static int prepare_db(tree_ctx_t *c, const char *rel, const jail_strv_t *names, const char *what,
		      char **out, size_t *outlen, bool *existed, jail_strv_t *added,
		      jail_error_t *err)
{
	cleanup_free char *host = NULL;
	cleanup_free char *jail = NULL;
	cleanup_close int hfd = -1;
	size_t hlen, jlen = 0;
	char *buf;
	size_t len, cap;
	tree_entry_t *etc = plan_get(c, "/etc");

	*out = NULL;
	*existed = false;
	if (names->n == 0)
		return 0;
	hfd = openat(c->host_fd, hrel(rel), O_RDONLY | O_CLOEXEC);
	if (hfd < 0)
		return jail_error_set(err, errno, "open the host's %s", rel);
	if (jail_read_all(hfd, 64u << 20, &host, &hlen, err) < 0)
		return jail_error_wrap(err, "read the host's %s", rel);
	if (c->root_exists && etc && etc->state == ST_SAME) {
		cleanup_close int jfd = -1;
		struct stat st;
		int pfd = dir_fd(c, "/etc", err);
		if (pfd < 0)
			return -1;
		jfd =
		    openat(pfd, rel + 5, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (jfd < 0 && errno != ENOENT) {
			struct stat ls;
			if (fstatat(pfd, rel + 5, &ls, AT_SYMLINK_NOFOLLOW) == 0) {
				tree_entry_t fake = {.path = (char *)rel, .type = 'f'};
				return conflict(c, &fake, pfd, rel + 5, &ls, NULL, err);
			}
			return jail_error_set(err, errno, "open %s%s", c->jail, rel);
		}
		if (jfd >= 0) {
			if (fstat(jfd, &st) < 0)
				return jail_error_set(err, errno, "stat %s%s", c->jail, rel);
			if (!S_ISREG(st.st_mode)) {
				tree_entry_t fake = {.path = (char *)rel, .type = 'f'};
				return conflict(c, &fake, pfd, rel + 5, &st, NULL, err);
			}
			if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
				return jail_error_fmt(err, EPERM,
						      "%s%s: owned by uid %u with mode %04o, "
						      "expected root-owned and not "
						      "group/world-writable; refusing to merge "
						      "into it",
						      c->jail, rel, (unsigned)st.st_uid,
						      (unsigned)(st.st_mode & 07777));
			if (jail_read_all(jfd, 64u << 20, &jail, &jlen, err) < 0)
				return jail_error_wrap(err, "read %s%s", c->jail, rel);
			*existed = true;
		}
	}
	cap = jlen + 2;
	for (size_t i = 0; i < names->n; i++)
		cap += strlen(names->v[i]) + 1;
	cap += hlen; /* generous: at most every host line */
	buf = malloc(cap);
	if (buf == NULL)
		return jail_error_set(err, ENOMEM, "%s", rel);
	memcpy(buf, jail ? jail : "", jlen);
	len = jlen;
	if (len > 0 && buf[len - 1] != '\n')
		buf[len++] = '\n';
	buf[len] = '\0';
	for (size_t i = 0; i < names->n; i++) {
		char *line;
		size_t ll;
		if (has_name(buf, names->v[i]))
			continue;
		line = find_line(host, names->v[i]);
		if (line == NULL) {
			free(buf);
			return jail_error_fmt(err, ENOENT,
					      "%s '%s' is not in the host's %s (a section's %ss "
					      "list names it)",
					      what, names->v[i], rel, what);
		}
		ll = strlen(line);
		memcpy(buf + len, line, ll);
		len += ll;
		buf[len++] = '\n';
		buf[len] = '\0';
		free(line);
		if (jail_strv_push(added, names->v[i], err) < 0) {
			free(buf);
			return -1;
		}
	}
	if (len == jlen) {
		free(buf);
		return 0;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* ---- phase 3: execute ---- */

static int copy_data(int in, int out, jail_error_t *err)
{
	static int method; /* 0 copy_file_range, 1 sendfile, 2 read/write */

	while (method == 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1u << 30, 0);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
		    errno == EPERM || errno == EBADF) {
			/* The file positions tell the next method where to go on. */
			method = 1;
			break;
		}
		return jail_error_set(err, errno, "copy");
	}
	while (method == 1) {
		ssize_t n = sendfile(out, in, NULL, 1u << 30);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EINVAL || errno == ENOSYS) {
			method = 2;
			break;
		}
		return jail_error_set(err, errno, "copy");
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

static void tmp_name(tree_ctx_t *c, char *buf, size_t len)
{
	snprintf(buf, len, ".jail-tmp.%ld.%lu", (long)getpid(), c->tmpseq++);
}

static int write_file(tree_ctx_t *c, tree_entry_t *e, int pfd, const char *base, jail_error_t *err)
{
	cleanup_close int src = -1;
	cleanup_close int dst = -1;
	struct stat st;
	char tmp[64];
	struct timespec ts[2];

	src = open_host(c, e->path, O_RDONLY | O_NONBLOCK);
	if (src < 0)
		return jail_error_set(err, errno, "open %s", e->path);
	if (fstat(src, &st) < 0)
		return jail_error_set(err, errno, "stat %s", e->path);
	/* The very file that was planned (and whose owner and mode were
	 * taken), not one put there since. */
	if (!S_ISREG(st.st_mode) || st.st_dev != e->hst.st_dev || st.st_ino != e->hst.st_ino)
		return jail_error_fmt(err, EAGAIN, "%s changed on the host while copying", e->path);
	for (int attempt = 0;; attempt++) {
		tmp_name(c, tmp, sizeof(tmp));
		dst = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (dst >= 0)
			break;
		if (errno != EEXIST || attempt > 100)
			return jail_error_set(err, errno, "create a temporary file for %s%s",
					      c->jail, e->path);
	}
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1] = st.st_mtim;
	if (copy_data(src, dst, err) < 0) {
		unlinkat(pfd, tmp, 0);
		return jail_error_wrap(err, "%s%s", c->jail, e->path);
	}
	/* chmod after chown: chown clears setuid/setgid. */
	if (fchown(dst, e->uid, e->gid) < 0 || fchmod(dst, e->mode) < 0 || futimens(dst, ts) < 0) {
		int code = errno;
		unlinkat(pfd, tmp, 0);
		return jail_error_set(err, code, "set owner, mode and time of %s%s", c->jail,
				      e->path);
	}
	if (renameat(pfd, tmp, pfd, base) < 0) {
		int code = errno;
		unlinkat(pfd, tmp, 0);
		return jail_error_set(err, code, "rename into %s%s", c->jail, e->path);
	}
	return 0;
}

static int make_link(tree_ctx_t *c, tree_entry_t *e, int pfd, const char *base, jail_error_t *err)
{
	char tmp[64];

	if (e->state == ST_ABSENT) {
		if (symlinkat(e->target, pfd, base) < 0)
			return jail_error_set(err, errno, "symlink %s%s", c->jail, e->path);
		return 0;
	}
	tmp_name(c, tmp, sizeof(tmp));
	if (symlinkat(e->target, pfd, tmp) < 0)
		return jail_error_set(err, errno, "symlink %s%s", c->jail, e->path);
	if (renameat(pfd, tmp, pfd, base) < 0) {
		int code = errno;
		unlinkat(pfd, tmp, 0);
		return jail_error_set(err, code, "rename into %s%s", c->jail, e->path);
	}
	return 0;
}

/* The parent is checked root-owned and not group/world-writable, so no one
 * else can swap the temporary name between these calls. */
static int make_device(tree_ctx_t *c, tree_entry_t *e, int pfd, const char *base, jail_error_t *err)
{
	char tmp[64];
	mode_t type = e->type == 'c' ? S_IFCHR : S_IFBLK;

	tmp_name(c, tmp, sizeof(tmp));
	if (mknodat(pfd, tmp, type | 0600, e->hst.st_rdev) < 0)
		return jail_error_set(err, errno, "mknod %s%s", c->jail, e->path);
	if (fchownat(pfd, tmp, 0, 0, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(pfd, tmp, e->mode, 0) < 0 || renameat(pfd, tmp, pfd, base) < 0) {
		int code = errno;
		unlinkat(pfd, tmp, 0);
		return jail_error_set(err, code, "create device %s%s", c->jail, e->path);
	}
	return 0;
}

static int make_dir(tree_ctx_t *c, tree_entry_t *e, int pfd, const char *base, jail_error_t *err)
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

static int make_placeholder(tree_ctx_t *c, tree_entry_t *e, int pfd, const char *base,
			    jail_error_t *err)
{
	cleanup_close int fd =
	    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || fchown(fd, 0, 0) < 0 || fchmod(fd, e->mode) < 0)
		return jail_error_set(err, errno, "create %s%s", c->jail, e->path);
	return 0;
}

static void report_entry(tree_ctx_t *c, const tree_entry_t *e)
{
	const char *action = e->state == ST_ABSENT ? "add" : "update";
	char detail[PATH_MAX + 8];

	if (e->type == 'l') {
		snprintf(detail, sizeof(detail), "-> %s", e->target);
		report(c, action, e->path, detail);
	} else {
		report(c, action, e->path, NULL);
	}
	if (e->type == 'f' && (e->hst.st_mode & (S_ISUID | S_ISGID)) &&
	    !(e->flags & JAIL_MF_KEEP_SETUID))
		report(c, "strip-setuid", e->path, NULL);
}

static int execute(tree_ctx_t *c, jail_error_t *err)
{
	for (size_t k = 0; k < c->n; k++) {
		tree_entry_t *e = &c->ents[c->order[k]];
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
		parent = parent_of(e->path, &base);
		if (parent == NULL)
			return jail_error_set(err, ENOMEM, "plan");
		pfd = dir_fd(c, parent, err);
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
	}
	return 0;
}

/* Remove, for --prune, the jail objects of manifest entries whose host path
 * is gone: only when the jail still has the recorded type there.
 * Directories are kept (emptydirs have no host counterpart). */
static int prune(tree_ctx_t *c, jail_strv_t *pruned, jail_error_t *err)
{
	jail_strv_sort(&c->missing);
	for (size_t i = c->missing.n; i-- > 0;) {
		const char *path = c->missing.v[i];
		const jail_manifest_entry_t *m = jail_manifest_find(c->old, path);
		cleanup_free char *parent = NULL;
		const char *base;
		struct stat js;
		int pfd;

		if (m == NULL || m->type == 'd')
			continue;
		parent = parent_of(path, &base);
		if (parent == NULL)
			return jail_error_set(err, ENOMEM, "prune");
		pfd = dir_fd(c, parent, err);
		if (pfd < 0) {
			if (err->code != ENOENT)
				return -1;
			jail_error_clear(err);
		} else if (fstatat(pfd, base, &js, AT_SYMLINK_NOFOLLOW) == 0) {
			if (mode_type(js.st_mode) != m->type) {
				report(c, "missing", path,
				       "gone from the host; kept in the jail: not the type the "
				       "manifest records");
				continue;
			}
			if (!c->opts->dry_run && unlinkat(pfd, base, 0) < 0)
				return jail_error_set(err, errno, "remove %s%s", c->jail, path);
		} else if (errno != ENOENT) {
			return jail_error_set(err, errno, "stat %s%s", c->jail, path);
		}
		report(c, "remove", path, NULL);
		if (jail_strv_push(pruned, path, err) < 0)
			return -1;
	}
	return 0;
}

static int write_manifest(tree_ctx_t *c, const jail_strv_t *pruned, jail_error_t *err)
{
	jail_manifest_t *m = calloc(1, sizeof(*m));
	int ret = -1;

	if (m == NULL)
		return jail_error_set(err, ENOMEM, "manifest");
	m->logsocket = (c->old && c->old->logsocket) || c->logsocket;
	for (size_t i = 0; c->old && i < c->old->n; i++) {
		const jail_manifest_entry_t *o = &c->old->v[i];
		if (o->type != 's' && pruned && jail_strv_contains(pruned, o->path))
			continue;
		if (jail_manifest_add(m, o->type, o->flags, o->path, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < c->sections.n; i++)
		if (jail_manifest_add(m, 's', 0, c->sections.v[i], err) < 0)
			goto out;
	for (size_t k = 0; k < c->n; k++) {
		const tree_entry_t *e = &c->ents[c->order[k]];
		if (e->type == 'P' || !(e->flags & TE_DONE))
			continue;
		if (jail_manifest_add(m, e->type, e->flags & MF_MASK, e->path, err) < 0)
			goto out;
	}
	if (jail_manifest_finish(m, err) < 0)
		goto out;
	ret = jail_manifest_write(c->root_fd, m, NULL, err);
out:
	jail_manifest_free(m);
	return ret;
}

static int write_db(tree_ctx_t *c, const char *rel, const char *buf, size_t len, bool existed,
		    const jail_strv_t *added, jail_error_t *err)
{
	char detail[256] = "";
	size_t dl = 0;

	if (buf == NULL)
		return 0;
	for (size_t i = 0; i < added->n && dl + 2 < sizeof(detail); i++)
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s%s", i ? ", " : "+",
				       added->v[i]);
	report(c, existed ? "update" : "add", rel, detail);
	if (c->opts->dry_run)
		return 0;
	if (jail_write_file_beneath(c->root_fd, rel, buf, len, 0644, 0, 0, err) < 0)
		return jail_error_wrap(err, "%s", c->jail);
	return 0;
}

/* Phases 2 and 3, and the manifest.  On an execution error, what was
 * completed is still recorded in the manifest (every file there is whole:
 * temporaries are removed), then the error is returned. */
static int apply(tree_ctx_t *c, bool do_prune, jail_error_t *err)
{
	jail_strv_t pruned = {0};
	int ret = -1;

	if (sort_plan(c, err) < 0)
		return -1;
	if (preflight(c, err) < 0)
		return -1;
	if (prepare_db(c, "/etc/passwd", &c->users, "user", &c->passwd_new, &c->passwd_len,
		       &c->passwd_existed, &c->passwd_added, err) < 0 ||
	    prepare_db(c, "/etc/group", &c->groups, "group", &c->group_new, &c->group_len,
		       &c->group_existed, &c->group_added, err) < 0)
		return -1;
	if (!c->root_exists && !c->opts->dry_run && create_root(c, err) < 0)
		return -1;
	if (execute(c, err) < 0) {
		jail_error_t e2 = {0};
		if (!c->opts->dry_run && c->root_exists)
			write_manifest(c, NULL, &e2);
		return -1;
	}
	dir_fd_drop(c);
	if (write_db(c, "/etc/passwd", c->passwd_new, c->passwd_len, c->passwd_existed,
		     &c->passwd_added, err) < 0 ||
	    write_db(c, "/etc/group", c->group_new, c->group_len, c->group_existed, &c->group_added,
		     err) < 0)
		goto fail;
	if (do_prune && prune(c, &pruned, err) < 0)
		goto fail;
	dir_fd_drop(c);
	if (!c->opts->dry_run) {
		if (write_manifest(c, &pruned, err) < 0)
			goto out;
		/* One flush for the whole tree instead of an fsync per file. */
		if (syncfs(c->root_fd) < 0) {
			jail_error_set(err, errno, "sync %s", c->jail);
			goto out;
		}
	}
	ret = 0;
	goto out;
fail:
	if (!c->opts->dry_run) {
		jail_error_t e2 = {0};
		write_manifest(c, &pruned, &e2);
	}
out:
	jail_strv_clear(&pruned);
	return ret;
}

/* ---- context ---- */

static int ctx_init(tree_ctx_t *c, const char *jail, const jail_tree_opts_t *opts,
		    jail_error_t *err)
{
	static const jail_tree_opts_t defaults;

	memset(c, 0, sizeof(*c));
	c->opts = opts ? opts : &defaults;
	c->host_fd = -1;
	c->root_fd = -1;
	c->pc_fd = -1;
	c->host_root = c->opts->host_root ? c->opts->host_root : "/";
	c->jail = jail_path_normalize(jail, err);
	if (c->jail == NULL)
		return jail_error_wrap(err, "jail");
	if (strcmp(c->jail, "/") == 0)
		return jail_error_fmt(err, EINVAL, "/ cannot be a jail");
	c->host_fd = open(c->host_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->host_fd < 0)
		return jail_error_set(err, errno, "open %s", c->host_root);
	if (jail_elf_resolver_new(c->host_root, &c->resolver, err) < 0)
		return -1;
	return 0;
}

static void ctx_free(tree_ctx_t *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->ents[i].path);
		free(c->ents[i].target);
	}
	free(c->ents);
	free(c->order);
	map_free(&c->index);
	map_free(&c->seen);
	jail_strv_clear(&c->sections);
	jail_strv_clear(&c->users);
	jail_strv_clear(&c->groups);
	jail_strv_clear(&c->missing);
	jail_strv_clear(&c->passwd_added);
	jail_strv_clear(&c->group_added);
	free(c->passwd_new);
	free(c->group_new);
	free(c->cmpbuf);
	free(c->create_from);
	free(c->pc_path);
	if (c->pc_fd >= 0)
		close(c->pc_fd);
	if (c->root_fd >= 0)
		close(c->root_fd);
	if (c->host_fd >= 0)
		close(c->host_fd);
	if (c->resolver)
		jail_elf_resolver_free(c->resolver);
	jail_manifest_free(c->old);
	free(c->jail);
}

/* The previous manifest, or an empty one when there is none.  REQUIRED:
 * a missing one is an error. */
static int load_old(tree_ctx_t *c, bool required, jail_error_t *err)
{
	jail_error_t e2 = {0};

	if (c->root_exists && jail_manifest_read(c->root_fd, &c->old, &e2) == 0)
		return 0;
	if (c->root_exists && e2.code != ENOENT) {
		*err = e2;
		return jail_error_wrap(err, "%s", c->jail);
	}
	if (required)
		return jail_error_fmt(err, ENOENT,
				      "%s: no manifest (%s): this jail was not built by 'jailctl "
				      "init'",
				      c->jail, JAIL_MANIFEST_FILE);
	c->old = calloc(1, sizeof(*c->old));
	if (c->old == NULL)
		return jail_error_set(err, ENOMEM, "manifest");
	return 0;
}

/* A users/groups name: matched against the first field of passwd/group
 * lines, so it must not hold the field separator or a newline. */
static int add_name(jail_strv_t *v, const char *what, const char *name, jail_error_t *err)
{
	if (name[0] == '\0' || strpbrk(name, ":\n") != NULL)
		return jail_error_fmt(err, EINVAL, "'%s' is not a valid %s name", name, what);
	return jail_strv_add_unique(v, name, err) < 0 ? -1 : 0;
}

int jail_tree_init(const char *jail, const jail_section_t *const *secs, size_t n,
		   const jail_tree_opts_t *opts, jail_error_t *err)
{
	tree_ctx_t c;
	int ret = -1;

	if (ctx_init(&c, jail, opts, err) < 0)
		goto out;
	/* Refuse before anything else is looked at. */
	for (size_t i = 0; i < n; i++) {
		if (secs[i]->paths_w_setuid.n > 0 && !c.opts->allow_setuid) {
			jail_error_fmt(err, EPERM,
				       "section '%s' lists paths_w_setuid (%s%s): setuid/setgid "
				       "files are only installed with --allow-setuid",
				       secs[i]->name, secs[i]->paths_w_setuid.v[0],
				       secs[i]->paths_w_setuid.n > 1 ? ", ..." : "");
			goto out;
		}
	}
	if (open_root(&c, true, err) < 0 || load_old(&c, false, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const jail_section_t *s = secs[i];
		const struct {
			const jail_strv_t *list;
			unsigned flags;
		} lists[] = {
		    {&s->paths, 0},
		    {&s->paths_w_owner, JAIL_MF_KEEP_OWNER},
		    {&s->paths_w_setuid, JAIL_MF_KEEP_SETUID},
		};

		if (jail_strv_add_unique(&c.sections, s->name, err) < 0)
			goto out;
		for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
			for (size_t j = 0; j < lists[l].list->n; j++)
				if (add_request(&c, lists[l].list->v[j], lists[l].flags, err) < 0)
					goto section_fail;
		for (size_t j = 0; j < s->emptydirs.n; j++)
			if (add_emptydir(&c, s->emptydirs.v[j], TE_EMPTY, err) < 0)
				goto section_fail;
		for (size_t j = 0; j < s->devices.n; j++)
			if (add_device(&c, s->devices.v[j], err) < 0)
				goto section_fail;
		for (size_t j = 0; j < s->users.n; j++)
			if (add_name(&c.users, "user", s->users.v[j], err) < 0)
				goto section_fail;
		for (size_t j = 0; j < s->groups.n; j++)
			if (add_name(&c.groups, "group", s->groups.v[j], err) < 0)
				goto section_fail;
		if (s->need_logsocket)
			c.logsocket = true;
		continue;
	section_fail:
		jail_error_wrap(err, "section '%s'", s->name);
		goto out;
	}
	if ((c.users.n || c.groups.n) && add_emptydir(&c, "/etc", 0, err) < 0)
		goto out;
	if (c.logsocket) {
		tree_entry_t *e;
		if (add_emptydir(&c, "/dev", 0, err) < 0)
			goto out;
		e = plan_get(&c, "/dev/log");
		if (e == NULL && plan_new(&c, "/dev/log", 'P', 0, NULL, NULL, err) < 0)
			goto out;
		if (e && e->type != 'P') {
			jail_error_fmt(err, EEXIST,
				       "/dev/log: need_logsocket wants a mount point there, but a "
				       "section also installs %s at that path",
				       entry_word(e->type));
			goto out;
		}
	}
	ret = apply(&c, false, err);
out:
	ctx_free(&c);
	return ret;
}

int jail_tree_cp(const char *jail, const jail_strv_t *paths, const jail_tree_opts_t *opts,
		 jail_error_t *err)
{
	tree_ctx_t c;
	int ret = -1;

	if (ctx_init(&c, jail, opts, err) < 0)
		goto out;
	c.strict = true;
	if (open_root(&c, false, err) < 0 || load_old(&c, false, err) < 0)
		goto out;
	for (size_t i = 0; i < paths->n; i++)
		if (add_request(&c, paths->v[i], 0, err) < 0)
			goto out;
	ret = apply(&c, false, err);
out:
	ctx_free(&c);
	return ret;
}

int jail_tree_update(const char *jail, const jail_tree_opts_t *opts, jail_error_t *err)
{
	tree_ctx_t c;
	int ret = -1;

	if (ctx_init(&c, jail, opts, err) < 0)
		goto out;
	c.updating = true;
	c.no_recurse = true;
	if (open_root(&c, false, err) < 0 || load_old(&c, true, err) < 0)
		goto out;
	for (size_t i = 0; i < c.old->n; i++) {
		const jail_manifest_entry_t *m = &c.old->v[i];
		struct stat hst;
		int r;

		switch (m->type) {
		case 'f':
		case 'l':
			r = add_path(&c, m->path, m->flags, true, err);
			break;
		case 'd':
			/* A directory is planned again (recreated if removed),
			 * never walked, never pruned. */
			r = add_emptydir(&c, m->path, 0, err);
			break;
		case 'c':
		case 'b':
			r = add_device(&c, m->path, err);
			break;
		default:
			r = 0;
			break;
		}
		if (r < 0) {
			jail_error_wrap(err, "update");
			goto out;
		}
		/* A symlink whose target is gone still exists on the host: it
		 * was planned again, only its target is missing. */
		if (r == 1 && fstatat(c.host_fd, hrel(m->path), &hst, AT_SYMLINK_NOFOLLOW) == 0)
			r = 0;
		if (r == 1 && jail_strv_push(&c.missing, m->path, err) < 0)
			goto out;
	}
	if (c.old->logsocket) {
		tree_entry_t *e;
		if (add_emptydir(&c, "/dev", 0, err) < 0)
			goto out;
		e = plan_get(&c, "/dev/log");
		if (e == NULL && plan_new(&c, "/dev/log", 'P', 0, NULL, NULL, err) < 0)
			goto out;
	}
	ret = apply(&c, c.opts->prune, err);
	if (ret == 0 && !c.opts->prune) {
		for (size_t i = 0; i < c.missing.n; i++)
			report(&c, "missing", c.missing.v[i],
			       "gone from the host (--prune removes it from the jail)");
	}
out:
	ctx_free(&c);
	return ret;
}
