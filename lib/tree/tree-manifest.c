/* The jail manifest (format in tree.h) and the host/jail file comparison. */
#define _GNU_SOURCE
#include "tree/tree-internal.h"
#include "base/safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char manifest_header[] = "# jail manifest v1: written by jailctl, do not edit\n";

void jail_manifest_free(jail_manifest_t *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	free(m);
}

/* Capacity is implicit: 64 slots, then doubled each time n reaches a power
 * of two.  jail_manifest_finish() only ever shrinks n, which keeps the real
 * capacity at or above what this rule assumes. */
int jail_manifest_add(jail_manifest_t *m, char type, unsigned flags, const char *path,
		      jail_error_t *err)
{
	char *dup;

	if (m->n == 0 || (m->n >= 64 && (m->n & (m->n - 1)) == 0)) {
		size_t ncap = m->n ? m->n * 2 : 64;
		jail_manifest_entry_t *nv = realloc(m->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "manifest");
		m->v = nv;
	}
	dup = strdup(path);
	if (dup == NULL)
		return jail_error_set(err, ENOMEM, "manifest");
	m->v[m->n].type = type;
	m->v[m->n].flags = flags;
	m->v[m->n].path = dup;
	m->n++;
	return 0;
}

/* Packages, then sections (by name), then everything else by path. */
static int type_rank(char t)
{
	return t == 'p' ? 0 : t == 's' ? 1 : 2;
}

static int entry_cmp(const jail_manifest_entry_t *a, const jail_manifest_entry_t *b)
{
	int as = type_rank(a->type), bs = type_rank(b->type);

	if (as != bs)
		return as - bs;
	return strcmp(a->path, b->path);
}

/* Sort indices, ties by insertion order, so that the last duplicate wins
 * deterministically. */
static int index_cmp(const void *pa, const void *pb, void *arg)
{
	const jail_manifest_t *m = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = entry_cmp(&m->v[a], &m->v[b]);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

int jail_manifest_finish(jail_manifest_t *m, jail_error_t *err)
{
	size_t *idx;
	jail_manifest_entry_t *nv;
	size_t out = 0;

	if (m->n < 2)
		return 0;
	idx = malloc(m->n * sizeof(*idx));
	nv = malloc(m->n * sizeof(*nv));
	if (idx == NULL || nv == NULL) {
		free(idx);
		free(nv);
		return jail_error_set(err, ENOMEM, "manifest");
	}
	for (size_t i = 0; i < m->n; i++)
		idx[i] = i;
	qsort_r(idx, m->n, sizeof(*idx), index_cmp, m);
	for (size_t i = 0; i < m->n; i++) {
		if (i + 1 < m->n && entry_cmp(&m->v[idx[i]], &m->v[idx[i + 1]]) == 0) {
			free(m->v[idx[i]].path); /* a later entry for the same key wins */
			continue;
		}
		nv[out++] = m->v[idx[i]];
	}
	memcpy(m->v, nv, out * sizeof(*nv));
	m->n = out;
	free(nv);
	free(idx);
	return 0;
}

const jail_manifest_entry_t *jail_manifest_find(const jail_manifest_t *m, const char *path)
{
	size_t lo = 0, hi;

	if (m == NULL)
		return NULL;
	hi = m->n;
	/* Skip the packages and sections, which sort first. */
	while (lo < hi && (m->v[lo].type == 'p' || m->v[lo].type == 's'))
		lo++;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->v[mid].path, path);
		if (c == 0)
			return &m->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool valid_type(char t)
{
	return t == 'f' || t == 'l' || t == 'd' || t == 'c' || t == 'b' || t == 's' || t == 'p';
}

/* Undo the "\\" and "\n" escapes in place; returns false on a bad escape. */
static bool unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		if (*p == '\\')
			*o++ = '\\';
		else if (*p == 'n')
			*o++ = '\n';
		else
			return false;
	}
	*o = '\0';
	return true;
}

int jail_manifest_parse(const char *name, const char *buf, size_t len, jail_manifest_t **out,
			jail_error_t *err)
{
	jail_manifest_t *m = calloc(1, sizeof(*m));
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;

	if (m == NULL)
		return jail_error_set(err, ENOMEM, "manifest");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cleanup_free char *line = strndup(p, ll);
		char *sp, *word, *path;
		unsigned flags = 0;

		lineno++;
		p += ll + (nl ? 1 : 0);
		if (line == NULL) {
			jail_manifest_free(m);
			return jail_error_set(err, ENOMEM, "manifest");
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		sp = strchr(line, ' ');
		if (sp == NULL || sp[1] == '\0')
			goto bad;
		*sp = '\0';
		word = line;
		path = sp + 1;
		if (strcmp(word, "logsocket") == 0) {
			if (strcmp(path, "1") == 0)
				m->logsocket = true;
			else if (strcmp(path, "0") != 0)
				goto bad;
			continue;
		}
		if (!valid_type(word[0]))
			goto bad;
		for (const char *f = word + 1; *f; f++) {
			if (*f == 'd' && word[0] == 'p')
				flags |= JAIL_MF_PKG_DOCS;
			else if (*f == 'o')
				flags |= JAIL_MF_KEEP_OWNER;
			else if (*f == 's')
				flags |= JAIL_MF_KEEP_SETUID;
			else
				goto bad;
		}
		if (!unescape(path))
			goto bad;
		if (word[0] == 's' || word[0] == 'p' ? strchr(path, '/') != NULL : path[0] != '/')
			goto bad;
		if (jail_manifest_add(m, word[0], flags, path, err) < 0) {
			jail_manifest_free(m);
			return -1;
		}
		continue;
	bad:
		jail_manifest_free(m);
		return jail_error_fmt(
		    err, EINVAL,
		    "%s:%u: malformed manifest line (expected '<type> <path>' with "
		    "type f, l, d, c, b, s or p, or 'logsocket 1')",
		    name, lineno);
	}
	if (jail_manifest_finish(m, err) < 0) {
		jail_manifest_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int jail_manifest_read(int jail_fd, jail_manifest_t **out, jail_error_t *err)
{
	cleanup_close int dfd = -1;
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len;
	struct stat st;

	dfd = jail_openat_beneath(jail_fd, JAIL_MANIFEST_DIR, O_RDONLY | O_DIRECTORY, 0, err);
	if (dfd < 0)
		return -1;
	if (jail_check_trusted_fd(dfd, JAIL_MANIFEST_DIR, err) < 0)
		return -1;
	fd = openat(dfd, "manifest", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return jail_error_set(err, errno, "open %s", JAIL_MANIFEST_FILE);
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "stat %s", JAIL_MANIFEST_FILE);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "%s is not a regular file", JAIL_MANIFEST_FILE);
	if (jail_check_trusted_fd(fd, JAIL_MANIFEST_FILE, err) < 0)
		return -1;
	if (jail_read_all(fd, JAIL_MANIFEST_MAX, &buf, &len, err) < 0)
		return jail_error_wrap(err, "read %s", JAIL_MANIFEST_FILE);
	return jail_manifest_parse(JAIL_MANIFEST_FILE, buf, len, out, err);
}

/* Append a path, escaping '\\' and '\n' so that one entry is one line. */
static void put_escaped(jail_buf_t *b, const char *s)
{
	for (; *s; s++) {
		size_t run = strcspn(s, "\\\n");

		jail_buf_add(b, s, run);
		s += run;
		if (*s == '\0')
			break;
		jail_buf_str(b, *s == '\\' ? "\\\\" : "\\n");
	}
}

char *jail_manifest_format(const jail_manifest_t *m, size_t *len, jail_error_t *err)
{
	jail_buf_t b = {0};
	char *out;

	jail_buf_str(&b, manifest_header);
	if (m->logsocket)
		jail_buf_str(&b, "logsocket 1\n");
	for (size_t i = 0; i < m->n; i++) {
		char word[5] = {m->v[i].type, 0, 0, 0, 0}; /* type and up to three flags */
		size_t w = 1;
		if (m->v[i].flags & JAIL_MF_PKG_DOCS)
			word[w++] = 'd';
		if (m->v[i].flags & JAIL_MF_KEEP_OWNER)
			word[w++] = 'o';
		if (m->v[i].flags & JAIL_MF_KEEP_SETUID)
			word[w++] = 's';
		jail_buf_str(&b, word);
		jail_buf_str(&b, " ");
		put_escaped(&b, m->v[i].path);
		jail_buf_str(&b, "\n");
	}
	*len = b.len;
	out = jail_buf_finish(&b, "manifest", err);
	return out;
}

int jail_manifest_write(int root_fd, const jail_manifest_t *m, bool *changed, jail_error_t *err)
{
	cleanup_free char *data = NULL;
	cleanup_close int dfd = -1;
	cleanup_close int fd = -1;
	size_t len;

	if (changed)
		*changed = false;
	data = jail_manifest_format(m, &len, err);
	if (data == NULL)
		return -1;
	if (mkdirat(root_fd, JAIL_MANIFEST_DIR, 0700) == 0) {
		dfd = openat(root_fd, JAIL_MANIFEST_DIR,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* mkdir honours the umask and the parent's setgid bit: set both. */
		if (dfd < 0 || fchown(dfd, 0, 0) < 0 || fchmod(dfd, 0700) < 0)
			return jail_error_set(err, errno, "create %s", JAIL_MANIFEST_DIR);
	} else if (errno != EEXIST) {
		return jail_error_set(err, errno, "create %s", JAIL_MANIFEST_DIR);
	} else {
		dfd =
		    jail_openat_beneath(root_fd, JAIL_MANIFEST_DIR, O_RDONLY | O_DIRECTORY, 0, err);
		if (dfd < 0)
			return -1;
	}
	if (jail_check_trusted_fd(dfd, JAIL_MANIFEST_DIR, err) < 0)
		return -1;
	fd = openat(dfd, "manifest", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		cleanup_free char *old = NULL;
		size_t oldlen;
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
		    (st.st_mode & 07777) == 0600 && st.st_nlink == 1 &&
		    jail_read_all(fd, JAIL_MANIFEST_MAX, &old, &oldlen, NULL) == 0 &&
		    oldlen == len && memcmp(old, data, len) == 0)
			return 0;
	}
	if (jail_write_file_beneath(root_fd, JAIL_MANIFEST_FILE, data, len, 0600, 0, 0, err) < 0)
		return -1;
	if (changed)
		*changed = true;
	return 0;
}

ssize_t jail_tree_get_caps(int fd, char *buf, size_t len)
{
	ssize_t n = fgetxattr(fd, JAIL_CAPS_XATTR, buf, len);

	if (n < 0 && (errno == ENODATA || errno == ENOTSUP))
		return 0;
	return n;
}

void jail_tree_wanted_attrs(const struct stat *host, unsigned flags, mode_t *mode, uid_t *uid,
			    gid_t *gid)
{
	*mode = host->st_mode & 07777;
	if (!(flags & JAIL_MF_KEEP_SETUID))
		*mode &= ~(mode_t)(S_ISUID | S_ISGID);
	if (flags & JAIL_MF_KEEP_OWNER) {
		*uid = host->st_uid;
		*gid = host->st_gid;
	} else {
		*uid = 0;
		*gid = 0;
	}
}

static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int jail_tree_compare_fds(int jfd, const struct stat *jst, int hfd, const struct stat *hst,
			  unsigned flags, char *buf, const char **why, jail_error_t *err)
{
	mode_t mode;
	uid_t uid;
	gid_t gid;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	jail_tree_wanted_attrs(hst, flags, &mode, &uid, &gid);
	if (!S_ISREG(jst->st_mode)) {
		*why = "not a regular file";
		return 1;
	}
	if (jst->st_size != hst->st_size) {
		*why = "size differs";
		return 1;
	}
	if (jst->st_mtim.tv_sec != hst->st_mtim.tv_sec ||
	    jst->st_mtim.tv_nsec != hst->st_mtim.tv_nsec) {
		*why = "mtime differs";
		return 1;
	}
	if ((jst->st_mode & 07777) != mode) {
		*why = "mode differs";
		return 1;
	}
	if (jst->st_uid != uid || jst->st_gid != gid) {
		*why = "owner differs";
		return 1;
	}
	if (jst->st_nlink != 1) {
		*why = "hard-linked";
		return 1;
	}
	{
		/* File capabilities: none, or the host's when they are kept. */
		char jc[JAIL_CAPS_MAX], hc[JAIL_CAPS_MAX];
		ssize_t jn = jail_tree_get_caps(jfd, jc, sizeof(jc));
		ssize_t hn =
		    (flags & JAIL_MF_KEEP_SETUID) ? jail_tree_get_caps(hfd, hc, sizeof(hc)) : 0;
		if (jn < 0 || hn < 0)
			return jail_error_set(err, errno, "read file capabilities");
		if (jn != hn || memcmp(jc, hc, (size_t)jn) != 0) {
			*why = "file capabilities differ";
			return 1;
		}
	}
	/* Same size and mtime: compare every byte.  A direct comparison is
	 * what a full content hash of both sides would approximate, with the
	 * same reads and no hashing cost. */
	for (;;) {
		ssize_t a = read_full(jfd, buf, JAIL_TREE_CMPBUF);
		ssize_t b = read_full(hfd, buf + JAIL_TREE_CMPBUF, JAIL_TREE_CMPBUF);
		if (a < 0 || b < 0)
			return jail_error_set(err, errno, "read");
		if (a != b || memcmp(buf, buf + JAIL_TREE_CMPBUF, (size_t)a) != 0) {
			*why = "content differs";
			return 1;
		}
		if (a == 0)
			break;
	}
	*why = NULL;
	return 0;
}

int jail_tree_compare_file(int jail_fd, const char *host_root, const jail_manifest_entry_t *e,
			   const char **why, jail_error_t *err)
{
	cleanup_close int hroot = -1;
	cleanup_close int hfd = -1;
	cleanup_close int jfd = -1;
	cleanup_free char *buf = NULL;
	struct stat hst, jst;
	const char *rel = e->path;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	while (*rel == '/')
		rel++;
	hroot = open(host_root ? host_root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (hroot < 0)
		return jail_error_set(err, errno, "open %s", host_root ? host_root : "/");
	hfd = openat(hroot, *rel ? rel : ".", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (hfd < 0 || fstat(hfd, &hst) < 0 || !S_ISREG(hst.st_mode)) {
		if (hfd < 0 && errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
			return jail_error_set(err, errno, "open host %s", e->path);
		*why = "missing or not a regular file on the host";
		return 1;
	}
	jfd = jail_openat_beneath(jail_fd, e->path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, NULL);
	if (jfd < 0 || fstat(jfd, &jst) < 0) {
		*why = "missing or not reachable in the jail";
		return 1;
	}
	buf = malloc(2 * JAIL_TREE_CMPBUF);
	if (buf == NULL)
		return jail_error_set(err, ENOMEM, "compare");
	if (jail_tree_compare_fds(jfd, &jst, hfd, &hst, e->flags, buf, why, err) < 0)
		return jail_error_wrap(err, "compare %s", e->path);
	return *why ? 1 : 0;
}
