/* Internal to lib/tree/elfdeps.c, elfobj.c and ldconf.c: the resolver, the
 * objects it has read and how files are opened beneath its root.  The
 * header parsing itself is lib/tree/elf.h. */
#ifndef JAIL_TREE_ELFDEPS_INTERNAL_H
#define JAIL_TREE_ELFDEPS_INTERNAL_H

#include "tree/elf.h"
#include "tree/elfdeps.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* A small string-keyed hash map (open addressing). */
struct map_ent {
	char *key;
	void *val;
};

struct map {
	struct map_ent *v;
	size_t cap, n;
};

struct map_ent *jail_elfmap_find(const struct map *m, const char *key);
/* Insert KEY (copied) -> VAL; KEY must not be present. */
int jail_elfmap_put(struct map *m, const char *key, void *val, jail_error_t *err);

enum obj_kind {
	OBJ_MISSING, /* could not be opened: err_code says why */
	OBJ_OTHER,   /* neither ELF nor executable script (data, directory, ...) */
	OBJ_ELF,
	OBJ_SCRIPT,
	OBJ_BAD, /* malformed ELF: elf.bad says what */
};

enum top_state { TOP_NONE, TOP_BUSY, TOP_DONE, TOP_FAILED };

/* A file as the search sees it: what lib/tree/elf.c parsed from its
 * headers, plus where it is and the cached result of jail_elf_deps(). */
/* A file as the search sees it: what elf.c parsed from its headers, where
 * it is, and the cached result of jail_elf_deps() on it. */
struct obj {
	char *path; /* as looked up beneath the root: the cache key */
	enum obj_kind kind;
	int err_code;
	mode_t mode;
	dev_t dev;
	ino_t ino;
	jail_elf_info_t elf; /* what elf.c parsed; elf.bad says what is malformed */
	char *realdir;	     /* physical directory, computed only if $ORIGIN is used */
	/* Result of jail_elf_deps() on this object, cached. */
	enum top_state top;
	jail_strv_t top_deps;
	jail_error_t top_err;
};

struct jail_elf_resolver {
	char *root;	 /* "/" or an absolute path without trailing slash */
	char *root_real; /* physical path of root, to strip from /proc/self/fd links */
	bool slash;	 /* root is "/": plain open() */
	int rootfd;
	jail_strv_t conf_dirs; /* from ld.so.conf, in order */
	struct map objs;       /* path -> struct obj * */
	struct map names;      /* "class:data:machine:name" -> struct obj * or &not_found */
};

/* Open PATH (absolute) as seen from the resolver's root (R NULL: the host):
 * symlinks followed, but never out of the root (RESOLVE_IN_ROOT). */
int jail_elf_open_in_root(jail_elf_resolver_t *r, const char *path, int flags);
/* Open PATH for reading only if it is a regular file (a device node is never
 * opened).  Returns the fd, -1 with errno, or -2 when the file exists but is
 * not regular (*st filled either way). */
int jail_elf_open_regular(jail_elf_resolver_t *r, const char *path, struct stat *st, int *fd);
/* The physical path of an open fd, as seen from the root.  NULL if unknown. */
char *jail_elf_fd_real_path(jail_elf_resolver_t *r, int fd);
/* The directory part of PATH (malloc'd): "/" for "/x", "." for "x". */
char *jail_elf_dir_of(const char *path);
/* The object at PATH (absolute, beneath the root), opened and parsed once
 * per resolver.  NULL only on allocation failure. */
struct obj *jail_elf_load_obj(jail_elf_resolver_t *r, const char *path, jail_error_t *err);
/* Add the directories of the ld.so.conf FILE (and its includes) to
 * r->conf_dirs (ldconf.c). */
int jail_elf_parse_ldconf(jail_elf_resolver_t *r, const char *file, int depth, jail_error_t *err);

#endif
