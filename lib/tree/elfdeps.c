/* ELF dependency resolution by reading headers, the way ld.so would search.
 *
 * Nothing is ever executed.  Each file is opened once per resolver and only
 * its headers are read: the ELF header and program headers (one pread of
 * the first bytes, which normally hold both), the dynamic section and the
 * part of the dynamic string table that holds the names we need.  Every
 * offset and size read from a file is checked against the file's size
 * before use, so a truncated or hostile file yields an error, never a read
 * out of bounds.  Files are parsed in either byte order and either class.
 * Layout: elf.c parses one file's headers (hostile input), elfobj.c opens
 * and caches the objects beneath the resolver's root, ldconf.c reads
 * ld.so.conf, and this file is the search.
 *
 * Search order for a DT_NEEDED name without a slash, as glibc's ld.so:
 *   1. if the requesting object has no DT_RUNPATH: the DT_RPATH of the
 *      requester, then of the object that loaded it, and so on up to the
 *      executable (an object that has DT_RUNPATH has no usable DT_RPATH);
 *   2. (LD_LIBRARY_PATH: ignored, the environment of whoever runs jailctl
 *      says nothing about the jail);
 *   3. the requester's DT_RUNPATH;
 *   4. instead of ld.so.cache (a binary format we do not parse): the
 *      directories of ROOT/etc/ld.so.conf and its `include` globs, in file
 *      order;
 *   5. the default directories for the object's machine and class, Debian
 *      multiarch first (/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu,
 *      /lib64, /usr/lib64, /lib, /usr/lib on x86_64).
 * A candidate must be an ELF file of the executable's class, byte order and
 * machine; others are skipped, as ld.so skips them.  A name already loaded
 * (by the name it was requested under or by its DT_SONAME, the interpreter
 * included) is not searched again; a file already loaded under another path
 * (same device and inode) is not added twice.
 * $ORIGIN is the directory of the object: for the executable, the physical
 * directory of the file (ld.so reads /proc/self/exe), for a library the
 * directory it was found in.  $LIB and $PLATFORM are expanded as Debian's
 * ld.so does (lib/x86_64-linux-gnu, x86_64).  Relative search directories
 * depend on the working directory at run time and are skipped.  The
 * glibc-hwcaps subdirectories are not searched (Debian 12 ships nothing
 * there).
 *
 * Scripts: an executable file starting with "#!" needs its interpreter as
 * written, and what the interpreter needs.  When the interpreter is env(1)
 * (`#!/usr/bin/env python3`), the program env would run is looked up on a
 * fixed PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
 * not the caller's environment) and added with its needs too: a jail with
 * env but no python3 could not run the script.  A non-executable file that
 * happens to start with "#!" (an example in /usr/share/doc) needs nothing.
 *
 * Paths are returned as found in the search path, symlinks not resolved
 * (/lib/x86_64-linux-gnu/libc.so.6 on merged-/usr Debian, where /lib is a
 * symlink): the tree copier recreates symlinks, so the jail resolves names
 * the way the host does. */
#define _GNU_SOURCE
#include "tree/elfdeps-internal.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRIPT_MAX_NESTING 4 /* the kernel's BINPRM_MAX_RECURSION */
#define ENV_PATH	   "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *bad_msg(const struct obj *o)
{
	return o->elf.bad ? o->elf.bad : "malformed ELF file";
}

static char not_found; /* a name cache entry: searched, not found */

/* ---- search ------------------------------------------------------------ */

struct arch {
	uint16_t machine;
	unsigned char cls;
	const char *triplet;  /* Debian multiarch directory name */
	const char *platform; /* $PLATFORM (AT_PLATFORM) */
	const char *biarch;   /* lib64, lib32, libx32 or NULL */
};

static const struct arch arches[] = {
    {EM_X86_64, ELFCLASS64, "x86_64-linux-gnu", "x86_64", "lib64"},
    {EM_X86_64, ELFCLASS32, "x86_64-linux-gnux32", "x86_64", "libx32"},
    {EM_386, ELFCLASS32, "i386-linux-gnu", "i686", "lib32"},
    {EM_AARCH64, ELFCLASS64, "aarch64-linux-gnu", "aarch64", "lib64"},
    {EM_ARM, ELFCLASS32, "arm-linux-gnueabihf", "v7l", NULL},
    {EM_PPC64, ELFCLASS64, "powerpc64le-linux-gnu", "power8", "lib64"},
    {EM_S390, ELFCLASS64, "s390x-linux-gnu", "z196", "lib64"},
    {EM_RISCV, ELFCLASS64, "riscv64-linux-gnu", NULL, "lib64"},
    {EM_MIPS, ELFCLASS64, "mips64el-linux-gnuabi64", NULL, "lib64"},
};

static const struct arch *arch_of(const struct obj *o)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].machine == o->elf.machine && arches[i].cls == o->elf.cls)
			return &arches[i];
	return NULL;
}

/* The built-in directories ld.so searches last, for O's machine and class. */
static int default_dirs(const struct obj *o, jail_strv_t *out, jail_error_t *err)
{
	const struct arch *a = arch_of(o);
	char buf[128];

	if (a != NULL) {
		snprintf(buf, sizeof(buf), "/lib/%s", a->triplet);
		if (jail_strv_add_unique(out, buf, err) < 0)
			return -1;
		snprintf(buf, sizeof(buf), "/usr/lib/%s", a->triplet);
		if (jail_strv_add_unique(out, buf, err) < 0)
			return -1;
	}
	if (a != NULL && a->biarch != NULL) {
		snprintf(buf, sizeof(buf), "/%s", a->biarch);
		if (jail_strv_add_unique(out, buf, err) < 0)
			return -1;
		snprintf(buf, sizeof(buf), "/usr/%s", a->biarch);
		if (jail_strv_add_unique(out, buf, err) < 0)
			return -1;
	} else if (a == NULL && o->elf.cls == ELFCLASS64) {
		if (jail_strv_add_unique(out, "/lib64", err) < 0 ||
		    jail_strv_add_unique(out, "/usr/lib64", err) < 0)
			return -1;
	}
	if (jail_strv_add_unique(out, "/lib", err) < 0 ||
	    jail_strv_add_unique(out, "/usr/lib", err) < 0)
		return -1;
	return 0;
}

/* Length of a dynamic string token NAME at S ("$NAME" not followed by a
 * name character, or "${NAME}"), 0 if S does not hold it. */
static size_t is_dst(const char *s, const char *name)
{
	size_t len = strlen(name);

	if (s[0] != '$')
		return 0;
	if (s[1] == '{')
		return strncmp(s + 2, name, len) == 0 && s[2 + len] == '}' ? len + 3 : 0;
	if (strncmp(s + 1, name, len) != 0)
		return 0;
	{
		char c = s[1 + len];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_')
			return 0;
	}
	return len + 1;
}

/* Expand $ORIGIN, $LIB and $PLATFORM in one search-path element.  Returns
 * NULL with *drop set when the element cannot be used (a token without a
 * value, as ld.so drops it). */
static char *expand_dst(const char *elem, const char *origin, const struct obj *o, bool *drop)
{
	const struct arch *a = arch_of(o);
	char libbuf[64];
	const char *lib;
	char *res = NULL;
	size_t cap = 0;
	FILE *f = open_memstream(&res, &cap);

	*drop = false;
	if (a != NULL) {
		snprintf(libbuf, sizeof(libbuf), "lib/%s", a->triplet);
		lib = libbuf;
	} else {
		lib = o->elf.cls == ELFCLASS64 ? "lib64" : "lib";
	}
	if (f == NULL)
		return NULL;
	for (const char *p = elem; *p;) {
		const char *repl = NULL;
		size_t len;

		if ((len = is_dst(p, "ORIGIN")) != 0)
			repl = origin;
		else if ((len = is_dst(p, "PLATFORM")) != 0)
			repl = a ? a->platform : NULL;
		else if ((len = is_dst(p, "LIB")) != 0)
			repl = lib;
		if (len == 0) {
			fputc(*p++, f);
			continue;
		}
		if (repl == NULL) {
			*drop = true;
			fclose(f);
			free(res);
			return NULL;
		}
		fputs(repl, f);
		p += len;
	}
	if (fclose(f) != 0) {
		free(res);
		return NULL;
	}
	return res;
}

/* True if PATH has "." or ".." components, "//", or a trailing slash. */
static bool needs_canon(const char *path)
{
	for (const char *p = path; *p; p++) {
		if (p[0] == '/' && (p[1] == '/' || p[1] == '\0') && p != path)
			return true;
		if (p[0] == '/' && p[1] == '.' &&
		    (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return true;
	}
	return false;
}

/* A search directory as a clean absolute path: unchanged if already clean
 * (so symlinked names stay as written), else its physical path (".." is
 * resolved by the kernel, which is what ld.so gets).  NULL if it does not
 * exist or is not usable. */
static char *canon_dir(jail_elf_resolver_t *r, const char *dir)
{
	cleanup_close int fd = -1;

	if (dir[0] != '/')
		return NULL;
	if (!needs_canon(dir))
		return strdup(dir);
	fd = jail_elf_open_in_root(r, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return NULL;
	return jail_elf_fd_real_path(r, fd);
}

struct loaded {
	struct obj *o;
	long loader; /* index of the object that first needed it, -1 for roots */
};

struct bfs {
	struct obj *main;
	struct loaded *v;
	size_t n, cap;
	jail_strv_t names; /* names already satisfied (requested names, sonames) */
};

static bool matches(const struct obj *cand, const struct obj *main)
{
	return cand->elf.cls == main->elf.cls && cand->elf.data == main->elf.data &&
	       cand->elf.machine == main->elf.machine;
}

/* Try NAME in DIR.  1 and *found if usable, 0 to go on, -1 on a hard error
 * (a candidate of the right kind that is corrupt). */
static int try_dir(jail_elf_resolver_t *r, const struct obj *main, const char *dir,
		   const char *name, struct obj **found, jail_error_t *err)
{
	cleanup_free char *path = NULL;
	struct obj *c;

	path = strcmp(dir, "/") == 0 ? jail_strdup_printf("/%s", name)
				     : jail_strdup_printf("%s/%s", dir, name);
	if (path == NULL)
		return jail_error_set(err, ENOMEM, "%s", name);
	c = jail_elf_load_obj(r, path, err);
	if (c == NULL)
		return -1;
	if (c->kind == OBJ_BAD && c->elf.cls != 0 && matches(c, main))
		return jail_error_fmt(err, ENOEXEC, "%s: %s", c->path, bad_msg(c));
	if (c->kind != OBJ_ELF || !matches(c, main))
		return 0;
	*found = c;
	return 1;
}

/* Try NAME in each element of a colon-separated DT_RPATH/DT_RUNPATH. */
static int try_path_list(jail_elf_resolver_t *r, const struct obj *main, const struct obj *owner,
			 const char *list, const char *origin, const char *name, struct obj **found,
			 jail_error_t *err)
{
	cleanup_free char *copy = strdup(list);
	char *save = NULL;

	if (copy == NULL)
		return jail_error_set(err, ENOMEM, "%s", name);
	for (char *el = strtok_r(copy, ":", &save); el; el = strtok_r(NULL, ":", &save)) {
		cleanup_free char *exp = NULL;
		cleanup_free char *dir = NULL;
		bool drop;
		int rc;

		exp = expand_dst(el, origin, owner, &drop);
		if (exp == NULL) {
			if (drop)
				continue;
			return jail_error_set(err, ENOMEM, "%s", name);
		}
		dir = canon_dir(r, exp);
		if (dir == NULL)
			continue; /* relative or missing: nothing to find there */
		rc = try_dir(r, main, dir, name, found, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ld.so.conf directories and the defaults, cached per name and ABI. */
static int search_default(jail_elf_resolver_t *r, const struct obj *main, const char *name,
			  struct obj **found, jail_error_t *err)
{
	cleanup_free char *key = jail_strdup_printf("%u:%u:%u:%s", main->elf.cls, main->elf.data,
						    main->elf.machine, name);
	jail_strv_t dirs = {0};
	struct map_ent *e;
	int rc = 0;

	if (key == NULL)
		return jail_error_set(err, ENOMEM, "%s", name);
	e = jail_elfmap_find(&r->names, key);
	if (e != NULL) {
		*found = e->val == &not_found ? NULL : e->val;
		return *found ? 1 : 0;
	}
	for (size_t i = 0; i < r->conf_dirs.n && rc == 0; i++)
		rc = jail_strv_push(&dirs, r->conf_dirs.v[i], err);
	if (rc < 0 || default_dirs(main, &dirs, err) < 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < dirs.n && rc == 0; i++)
		rc = try_dir(r, main, dirs.v[i], name, found, err);
	if (rc >= 0 &&
	    jail_elfmap_put(&r->names, key, rc == 1 ? (void *)*found : &not_found, err) < 0)
		rc = -1;
out:
	jail_strv_clear(&dirs);
	return rc;
}

/* $ORIGIN of the loaded object at index I. */
static char *origin_of(const struct bfs *b, size_t i)
{
	const struct obj *o = b->v[i].o;

	if (i == 0 && o->elf.interp != NULL && o->realdir != NULL)
		return strdup(o->realdir);
	return jail_elf_dir_of(o->path);
}

/* Find NAME needed by the object at index REQ, in ld.so's order. */
static int search(jail_elf_resolver_t *r, struct bfs *b, size_t req, const char *name,
		  struct obj **found, jail_error_t *err)
{
	const struct obj *ro = b->v[req].o;
	int rc;

	*found = NULL;
	if (ro->elf.runpath == NULL) {
		for (long j = (long)req; j >= 0; j = b->v[j].loader) {
			cleanup_free char *origin = NULL;

			if (b->v[j].o->elf.rpath == NULL)
				continue;
			origin = origin_of(b, (size_t)j);
			if (origin == NULL)
				return jail_error_set(err, ENOMEM, "%s", name);
			rc = try_path_list(r, b->main, b->v[j].o, b->v[j].o->elf.rpath, origin,
					   name, found, err);
			if (rc != 0)
				return rc;
		}
	} else {
		cleanup_free char *origin = origin_of(b, req);

		if (origin == NULL)
			return jail_error_set(err, ENOMEM, "%s", name);
		rc = try_path_list(r, b->main, ro, ro->elf.runpath, origin, name, found, err);
		if (rc != 0)
			return rc;
	}
	return search_default(r, b->main, name, found, err);
}

static int bfs_add(struct bfs *b, struct obj *o, long loader, jail_error_t *err)
{
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 32;
		struct loaded *nv = realloc(b->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "%s", o->path);
		b->v = nv;
		b->cap = ncap;
	}
	b->v[b->n++] = (struct loaded){o, loader};
	if (o->elf.soname && jail_strv_add_unique(&b->names, o->elf.soname, err) < 0)
		return -1;
	return 0;
}

static long bfs_index(const struct bfs *b, const struct obj *o)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].o == o || (b->v[i].o->dev == o->dev && b->v[i].o->ino == o->ino))
			return (long)i;
	return -1;
}

static int top_deps(jail_elf_resolver_t *r, struct obj *o, int nesting, jail_error_t *err);

/* An ELF executable or library: its interpreter, then every library it
 * needs transitively, breadth-first as ld.so loads them. */
static int elf_top_deps(jail_elf_resolver_t *r, struct obj *o, jail_error_t *err)
{
	struct bfs b = {.main = o};
	int rc = -1;

	if (bfs_add(&b, o, -1, err) < 0)
		goto out;
	if (o->elf.interp != NULL) {
		struct obj *in = jail_elf_load_obj(r, o->elf.interp, err);

		if (in == NULL)
			goto out;
		if (in->kind == OBJ_MISSING) {
			jail_error_set(err, in->err_code, "%s: ELF interpreter %s", o->path,
				       o->elf.interp);
			goto out;
		}
		if (in->kind == OBJ_BAD) {
			jail_error_fmt(err, ENOEXEC, "%s: ELF interpreter %s: %s", o->path,
				       o->elf.interp, bad_msg(in));
			goto out;
		}
		if (in->kind != OBJ_ELF || !matches(in, o)) {
			jail_error_fmt(err, ENOEXEC,
				       "%s: ELF interpreter %s is not an ELF file of the same "
				       "class and machine",
				       o->path, o->elf.interp);
			goto out;
		}
		if (jail_strv_add_unique(&o->top_deps, o->elf.interp, err) < 0 ||
		    jail_strv_add_unique(&b.names, o->elf.interp, err) < 0)
			goto out;
		if (in != o && bfs_index(&b, in) < 0 && bfs_add(&b, in, -1, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < b.n; i++) {
		struct obj *cur = b.v[i].o;

		for (size_t k = 0; k < cur->elf.needed.n; k++) {
			const char *name = cur->elf.needed.v[k];
			struct obj *lib = NULL;
			long idx;

			if (jail_strv_contains(&b.names, name))
				continue;
			if (strchr(name, '/') != NULL) {
				/* A path: used as is.  It must still be a
				 * matching ELF file, so that a crafted
				 * DT_NEEDED cannot make us copy an arbitrary
				 * host file (/etc/shadow) into a jail. */
				if (name[0] != '/') {
					jail_error_fmt(err, ENOENT,
						       "%s: library %s (needed by %s) is a "
						       "relative path",
						       o->path, name, cur->path);
					goto out;
				}
				lib = jail_elf_load_obj(r, name, err);
				if (lib == NULL)
					goto out;
				if (lib->kind == OBJ_BAD && lib->elf.cls != 0 && matches(lib, o)) {
					jail_error_fmt(err, ENOEXEC, "%s: %s", lib->path,
						       bad_msg(lib));
					goto out;
				}
				if (lib->kind != OBJ_ELF || !matches(lib, o))
					lib = NULL;
			} else if (search(r, &b, i, name, &lib, err) < 0) {
				jail_error_wrap(err, "%s: library %s (needed by %s)", o->path, name,
						cur->path);
				goto out;
			}
			if (lib == NULL) {
				jail_error_fmt(
				    err, ENOENT,
				    "%s: library %s (needed by %s) not found in its "
				    "RPATH/RUNPATH, ld.so.conf or the default directories",
				    o->path, name, cur->path);
				goto out;
			}
			if (jail_strv_add_unique(&b.names, name, err) < 0)
				goto out;
			idx = bfs_index(&b, lib);
			if (idx >= 0)
				continue;
			if (bfs_add(&b, lib, (long)i, err) < 0 ||
			    jail_strv_add_unique(&o->top_deps, lib->path, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(b.v);
	jail_strv_clear(&b.names);
	return rc;
}

static int add_all(jail_strv_t *to, const jail_strv_t *from, jail_error_t *err)
{
	for (size_t i = 0; i < from->n; i++)
		if (jail_strv_add_unique(to, from->v[i], err) < 0)
			return -1;
	return 0;
}

/* The program env(1) would run for "#!/usr/bin/env ARG": ARG split on
 * blanks (the kernel passes it as one argument; env -S splits it), options
 * and NAME=VALUE assignments skipped.  NULL if there is none. */
static char *env_program(const char *arg)
{
	cleanup_free char *copy = strdup(arg ? arg : "");
	char *save = NULL;
	bool skip_next = false;

	if (copy == NULL)
		return NULL;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (skip_next) {
			skip_next = false;
			continue;
		}
		if (strcmp(t, "-u") == 0 || strcmp(t, "--unset") == 0 || strcmp(t, "-C") == 0 ||
		    strcmp(t, "--chdir") == 0) {
			skip_next = true;
			continue;
		}
		if (t[0] == '-' || strchr(t, '=') != NULL)
			continue;
		return strdup(t);
	}
	return NULL;
}

/* A program on the fixed PATH (see the top of this file); the found
 * object, or NULL. */
static struct obj *path_lookup(jail_elf_resolver_t *r, const char *prog, jail_error_t *err)
{
	cleanup_free char *copy = strdup(ENV_PATH);
	char *save = NULL;

	if (copy == NULL) {
		jail_error_set(err, ENOMEM, "%s", prog);
		return NULL;
	}
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		cleanup_free char *p = jail_strdup_printf("%s/%s", d, prog);
		struct obj *o;

		if (p == NULL) {
			jail_error_set(err, ENOMEM, "%s", prog);
			return NULL;
		}
		o = jail_elf_load_obj(r, p, err);
		if (o == NULL)
			return NULL;
		if (o->kind != OBJ_MISSING && S_ISREG(o->mode) && (o->mode & 0111))
			return o;
	}
	jail_error_fmt(err, ENOENT, "%s not found on %s", prog, ENV_PATH);
	return NULL;
}

/* Add an interpreter (or env's program) and its own needs to O's result. */
static int add_program(jail_elf_resolver_t *r, struct obj *o, struct obj *prog, int nesting,
		       jail_error_t *err)
{
	if (prog->kind == OBJ_MISSING)
		return jail_error_set(err, prog->err_code, "%s: interpreter %s", o->path,
				      prog->path);
	if (prog->kind == OBJ_OTHER)
		return jail_error_fmt(err, ENOEXEC,
				      "%s: interpreter %s is neither an ELF file nor a script",
				      o->path, prog->path);
	if (jail_strv_add_unique(&o->top_deps, prog->path, err) < 0)
		return -1;
	if (top_deps(r, prog, nesting + 1, err) < 0)
		return jail_error_wrap(err, "%s: interpreter", o->path);
	return add_all(&o->top_deps, &prog->top_deps, err);
}

static int script_top_deps(jail_elf_resolver_t *r, struct obj *o, int nesting, jail_error_t *err)
{
	const char *base = strrchr(o->elf.interp, '/') + 1; /* interp is absolute */
	struct obj *in;

	if (nesting >= SCRIPT_MAX_NESTING)
		return jail_error_fmt(err, ELOOP, "%s: too many levels of \"#!\" interpreters",
				      o->path);
	in = jail_elf_load_obj(r, o->elf.interp, err);
	if (in == NULL)
		return -1;
	if (add_program(r, o, in, nesting, err) < 0)
		return -1;
	if (strcmp(base, "env") == 0) {
		cleanup_free char *prog = env_program(o->elf.script_arg);
		struct obj *po;

		if (prog == NULL)
			return 0; /* "#!/usr/bin/env" alone runs nothing more */
		if (strchr(prog, '/') != NULL) {
			if (prog[0] != '/')
				return jail_error_fmt(
				    err, ENOENT, "%s: env runs %s, a relative path", o->path, prog);
			po = jail_elf_load_obj(r, prog, err);
		} else {
			po = path_lookup(r, prog, err);
		}
		if (po == NULL)
			return jail_error_wrap(err, "%s: program run by %s", o->path,
					       o->elf.interp);
		return add_program(r, o, po, nesting, err);
	}
	return 0;
}

/* Compute (once) and cache everything O needs. */
static int top_deps(jail_elf_resolver_t *r, struct obj *o, int nesting, jail_error_t *err)
{
	int rc;

	switch (o->top) {
	case TOP_DONE:
		return 0;
	case TOP_FAILED:
		if (err)
			*err = o->top_err;
		return -1;
	case TOP_BUSY:
		return jail_error_fmt(err, ELOOP, "%s: \"#!\" interpreter loop", o->path);
	case TOP_NONE:
		break;
	}
	switch (o->kind) {
	case OBJ_MISSING:
		return jail_error_set(err, o->err_code, "%s", o->path);
	case OBJ_BAD:
		return jail_error_fmt(err, ENOEXEC, "%s: %s", o->path, bad_msg(o));
	case OBJ_OTHER:
		return 0;
	case OBJ_ELF:
	case OBJ_SCRIPT:
		break;
	}
	o->top = TOP_BUSY;
	rc = o->kind == OBJ_ELF ? elf_top_deps(r, o, err) : script_top_deps(r, o, nesting, err);
	if (rc < 0) {
		jail_strv_clear(&o->top_deps);
		if (err)
			o->top_err = *err;
		else
			jail_error_fmt(&o->top_err, EINVAL, "%s: cannot resolve", o->path);
		o->top = TOP_FAILED;
		return -1;
	}
	o->top = TOP_DONE;
	return 0;
}

int jail_elf_deps(jail_elf_resolver_t *r, const char *path, jail_strv_t *out, jail_error_t *err)
{
	cleanup_free char *norm = jail_path_normalize(path, err);
	struct obj *o;

	if (norm == NULL)
		return -1;
	o = jail_elf_load_obj(r, norm, err);
	if (o == NULL)
		return -1;
	if (top_deps(r, o, 0, err) < 0)
		return -1;
	return add_all(out, &o->top_deps, err);
}

int jail_elf_is_elf(const char *path, jail_error_t *err)
{
	unsigned char magic[SELFMAG];
	cleanup_close int fd = -1;
	struct stat st;
	ssize_t n;

	if (jail_elf_open_regular(NULL, path, &st, &fd) < 0)
		return jail_error_set(err, errno, "%s", path);
	if (fd < 0)
		return 0;
	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return jail_error_set(err, errno, "%s", path);
	return n == SELFMAG && memcmp(magic, ELFMAG, SELFMAG) == 0;
}
