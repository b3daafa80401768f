/* The resolver's objects (elfdeps-internal.h): each file opened once
 * beneath the resolver's root, without ever opening a device node, parsed
 * by elf.c and cached by path; the resolver itself. */
#define _GNU_SOURCE
#include "tree/elfdeps-internal.h"
#include "tree/elf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HEAD_READ 2048 /* first pread: ELF header + usual phdrs, or "#!" line */

/* ---- a small string-keyed hash map ------------------------------------ */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct map_ent *map_slot(const struct map *m, const char *key)
{
	size_t i = (size_t)hash_str(key) & (m->cap - 1);

	while (m->v[i].key != NULL && strcmp(m->v[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

struct map_ent *jail_elfmap_find(const struct map *m, const char *key)
{
	struct map_ent *e;

	if (m->cap == 0)
		return NULL;
	e = map_slot(m, key);
	return e->key ? e : NULL;
}

/* Insert KEY (copied) -> VAL; KEY must not be present. */
int jail_elfmap_put(struct map *m, const char *key, void *val, jail_error_t *err)
{
	struct map_ent *e;

	if ((m->n + 1) * 2 > m->cap) {
		struct map old = *m;
		size_t ncap = m->cap ? m->cap * 2 : 256;

		m->v = calloc(ncap, sizeof(*m->v));
		if (m->v == NULL) {
			*m = old;
			return jail_error_set(err, ENOMEM, "resolver cache");
		}
		m->cap = ncap;
		for (size_t i = 0; i < old.cap; i++)
			if (old.v[i].key)
				*map_slot(m, old.v[i].key) = old.v[i];
		free(old.v);
	}
	e = map_slot(m, key);
	e->key = strdup(key);
	if (e->key == NULL)
		return jail_error_set(err, ENOMEM, "resolver cache");
	e->val = val;
	m->n++;
	return 0;
}

/* ---- objects ----------------------------------------------------------- */

static void obj_free(struct obj *o)
{
	if (o == NULL)
		return;
	free(o->path);
	jail_elf_info_clear(&o->elf);
	free(o->realdir);
	jail_strv_clear(&o->top_deps);
	free(o);
}

void jail_elf_resolver_free(jail_elf_resolver_t *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->objs.cap; i++) {
		if (r->objs.v[i].key) {
			free(r->objs.v[i].key);
			obj_free(r->objs.v[i].val);
		}
	}
	free(r->objs.v);
	for (size_t i = 0; i < r->names.cap; i++)
		free(r->names.v[i].key);
	free(r->names.v);
	jail_strv_clear(&r->conf_dirs);
	if (r->rootfd >= 0)
		close(r->rootfd);
	free(r->root);
	free(r->root_real);
	free(r);
}

/* ---- file access beneath the root -------------------------------------- */

static bool openat2_missing;

/* Open PATH (absolute) as seen from ROOT: symlinks are followed, but an
 * absolute symlink or ".." never leaves ROOT (RESOLVE_IN_ROOT).  ROOT is the
 * host (or a test fixture); this is read-only use, so following symlinks is
 * what we want: the jail must get what the host's loader would open. */
int jail_elf_open_in_root(jail_elf_resolver_t *r, const char *path, int flags)
{
	flags |= O_CLOEXEC;
	if (r == NULL || r->slash)
		return open(path, flags);
	if (!openat2_missing) {
		struct open_how how = {.flags = (uint64_t)flags,
				       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
		int fd = (int)syscall(SYS_openat2, r->rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		openat2_missing = true;
	}
	{
		/* Old kernel: plain concatenation (absolute symlinks in a fixture
		 * would point at the host; acceptable for a read-only lookup). */
		cleanup_free char *full = jail_strdup_printf("%s%s", r->root, path);
		if (full == NULL) {
			errno = ENOMEM;
			return -1;
		}
		return open(full, flags);
	}
}

/* Open PATH for reading only if it is a regular file: an O_PATH open and
 * fstat first, then a reopen of that very inode through /proc/self/fd, so
 * that a device node named by a crafted RUNPATH, DT_NEEDED or "#!" line (a
 * watchdog, a tape drive) is never opened.  Returns 0 with the fd in *FD
 * (-1 when the file exists but is not regular; *st filled either way), or
 * -1 with errno.
 * Without /proc, the file is opened by name again (O_NONBLOCK, so a FIFO
 * swapped in meanwhile cannot hang us) and must still be the same inode. */
int jail_elf_open_regular(jail_elf_resolver_t *r, const char *path, struct stat *st, int *fd)
{
	cleanup_close int pfd = jail_elf_open_in_root(r, path, O_PATH);
	struct stat st2;
	char link[64];

	*fd = -1;
	if (pfd < 0 || fstat(pfd, st) < 0)
		return -1;
	if (!S_ISREG(st->st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	*fd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fd >= 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	*fd = jail_elf_open_in_root(r, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0)
		return -1;
	if (fstat(*fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
		close(*fd);
		*fd = -1;
		errno = ESTALE;
		return -1;
	}
	return 0;
}

/* The physical path of an open fd, as seen from ROOT.  NULL if unknown. */
char *jail_elf_fd_real_path(jail_elf_resolver_t *r, int fd)
{
	char link[64], buf[PATH_MAX + 1];
	ssize_t n;
	size_t rl;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0 || n >= (ssize_t)sizeof(buf) - 1 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	if (r->slash)
		return strdup(buf);
	rl = strlen(r->root_real);
	if (strncmp(buf, r->root_real, rl) != 0 || (buf[rl] != '/' && buf[rl] != '\0'))
		return NULL;
	return strdup(buf[rl] ? buf + rl : "/");
}

char *jail_elf_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The object at PATH (absolute, beneath the root), opened and parsed once
 * per resolver.  NULL only on allocation failure. */
struct obj *jail_elf_load_obj(jail_elf_resolver_t *r, const char *path, jail_error_t *err)
{
	struct map_ent *e = jail_elfmap_find(&r->objs, path);
	unsigned char head[HEAD_READ];
	cleanup_close int fd = -1;
	struct obj *o;
	struct stat st;
	ssize_t n;

	if (e != NULL)
		return e->val;
	o = calloc(1, sizeof(*o));
	if (o == NULL || (o->path = strdup(path)) == NULL) {
		free(o);
		jail_error_set(err, ENOMEM, "%s", path);
		return NULL;
	}
	if (jail_elfmap_put(&r->objs, path, o, err) < 0) {
		obj_free(o);
		return NULL;
	}
	if (jail_elf_open_regular(r, path, &st, &fd) < 0) {
		o->kind = OBJ_MISSING;
		o->err_code = errno;
		return o;
	}
	o->mode = st.st_mode;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	o->kind = OBJ_OTHER;
	if (fd < 0)
		return o; /* not a regular file: nothing to read */
	do
		n = pread(fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		o->kind = OBJ_MISSING;
		o->err_code = errno;
		return o;
	}
	{
		static const enum obj_kind kinds[] = {
		    [JAIL_ELF_OTHER] = OBJ_OTHER,
		    [JAIL_ELF_OBJECT] = OBJ_ELF,
		    [JAIL_ELF_SCRIPT] = OBJ_SCRIPT,
		    [JAIL_ELF_BAD] = OBJ_BAD,
		};

		jail_elf_parse(fd, head, (size_t)n, (uint64_t)st.st_size, (st.st_mode & 0111) != 0,
			       &o->elf);
		o->kind = kinds[o->elf.kind];
		if (o->elf.kind == JAIL_ELF_BAD)
			o->err_code = ENOEXEC;
	}
	/* $ORIGIN of an executable is its physical directory: find it now,
	 * while the file is open. */
	if ((o->elf.rpath && strstr(o->elf.rpath, "ORIGIN")) ||
	    (o->elf.runpath && strstr(o->elf.runpath, "ORIGIN"))) {
		cleanup_free char *real = jail_elf_fd_real_path(r, fd);
		if (real)
			o->realdir = jail_elf_dir_of(real);
	}
	return o;
}

int jail_elf_resolver_new(const char *root, jail_elf_resolver_t **out, jail_error_t *err)
{
	jail_elf_resolver_t *r;
	char *norm;

	*out = NULL;
	norm = jail_path_normalize(root ? root : "/", err);
	if (norm == NULL)
		return jail_error_wrap(err, "resolver root");
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		free(norm);
		return jail_error_set(err, ENOMEM, "resolver");
	}
	r->rootfd = -1;
	r->root = norm;
	r->slash = strcmp(norm, "/") == 0;
	if (!r->slash) {
		r->rootfd = open(norm, O_PATH | O_DIRECTORY | O_CLOEXEC);
		r->root_real = realpath(norm, NULL);
		if (r->rootfd < 0 || r->root_real == NULL) {
			jail_error_set(err, errno, "resolver root %s", norm);
			jail_elf_resolver_free(r);
			return -1;
		}
	}
	if (jail_elf_parse_ldconf(r, "/etc/ld.so.conf", 0, err) < 0) {
		jail_elf_resolver_free(r);
		return -1;
	}
	*out = r;
	return 0;
}
