/* ELF dependency resolution by reading headers, the way ld.so would search.
 *
 * Nothing is ever executed.  Each file is opened once per resolver and only
 * its headers are read: the ELF header and program headers (one pread of
 * the first bytes, which normally hold both), the dynamic section and the
 * part of the dynamic string table that holds the names we need.  Every
 * offset and size read from a file is checked against the file's size
 * before use, so a truncated or hostile file yields an error, never a read
 * out of bounds.  Files are parsed in either byte order and either class.
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
#include "tree/elfdeps.h"

#include <byteswap.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HEAD_READ	   2048	       /* first pread: ELF header + usual phdrs, or "#!" line */
#define SCRIPT_LINE_MAX	   256	       /* the kernel's BINPRM_BUF_SIZE */
#define PHDRS_MAX_BYTES	   (1u << 20)  /* hostile e_phnum guard */
#define DYNAMIC_MAX_BYTES  (1u << 20)  /* hostile PT_DYNAMIC guard */
#define STRWIN_MAX_BYTES   (64u << 20) /* hostile DT_STRTAB guard */
#define STR_MAX		   (64u << 10) /* longest needed/rpath string we accept */
#define LDCONF_MAX_BYTES   (1u << 20)  /* one ld.so.conf file */
#define LDCONF_MAX_DEPTH   16	       /* include nesting (a loop otherwise) */
#define SCRIPT_MAX_NESTING 4	       /* the kernel's BINPRM_MAX_RECURSION */
#define ENV_PATH	   "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- a small string-keyed hash map ------------------------------------ */

struct map_ent {
	char *key;
	void *val;
};

struct map {
	struct map_ent *v;
	size_t cap, n;
};

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

static struct map_ent *map_find(const struct map *m, const char *key)
{
	struct map_ent *e;

	if (m->cap == 0)
		return NULL;
	e = map_slot(m, key);
	return e->key ? e : NULL;
}

/* Insert KEY (copied) -> VAL; KEY must not be present. */
static int map_put(struct map *m, const char *key, void *val, jail_error_t *err)
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

enum obj_kind {
	OBJ_MISSING, /* could not be opened: err_code says why */
	OBJ_OTHER,   /* neither ELF nor executable script (data, directory, ...) */
	OBJ_ELF,
	OBJ_SCRIPT,
	OBJ_BAD, /* malformed ELF: err_msg says what */
};

enum top_state { TOP_NONE, TOP_BUSY, TOP_DONE, TOP_FAILED };

struct obj {
	char *path; /* as looked up beneath the root: the cache key */
	enum obj_kind kind;
	int err_code;
	char *err_msg;
	mode_t mode;
	dev_t dev;
	ino_t ino;
	unsigned char cls, data; /* EI_CLASS, EI_DATA (0 if unknown) */
	uint16_t machine;
	char *interp;	  /* PT_INTERP, or the "#!" interpreter */
	char *script_arg; /* the "#!" line's optional argument */
	char *soname;
	jail_strv_t needed;
	char *rpath; /* NULL when DT_RUNPATH is present (ld.so ignores it then) */
	char *runpath;
	char *realdir; /* physical directory, computed only if $ORIGIN is used */
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

static char not_found;

static void obj_free(struct obj *o)
{
	if (o == NULL)
		return;
	free(o->path);
	free(o->err_msg);
	free(o->interp);
	free(o->script_arg);
	free(o->soname);
	jail_strv_clear(&o->needed);
	free(o->rpath);
	free(o->runpath);
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
static int open_in_root(jail_elf_resolver_t *r, const char *path, int flags)
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
 * watchdog, a tape drive) is never opened.  Returns the fd, -1 with errno,
 * or -2 when the file exists but is not regular (*st filled either way).
 * Without /proc, the file is opened by name again (O_NONBLOCK, so a FIFO
 * swapped in meanwhile cannot hang us) and must still be the same inode. */
static int open_regular(jail_elf_resolver_t *r, const char *path, struct stat *st)
{
	cleanup_close int pfd = open_in_root(r, path, O_PATH);
	struct stat st2;
	char link[64];
	int fd;

	if (pfd < 0 || fstat(pfd, st) < 0)
		return -1;
	if (!S_ISREG(st->st_mode))
		return -2;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	fd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	fd = open_in_root(r, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* The physical path of an open fd, as seen from ROOT.  NULL if unknown. */
static char *fd_real_path(jail_elf_resolver_t *r, int fd)
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

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO; /* shrank under us */
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* ---- ELF parsing ------------------------------------------------------- */

struct elf_in {
	int fd;
	uint64_t size;
	bool swap, is64;
	const unsigned char *head;
	size_t head_len;
};

static uint16_t rd16(const struct elf_in *e, const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return e->swap ? bswap_16(v) : v;
}

static uint32_t rd32(const struct elf_in *e, const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return e->swap ? bswap_32(v) : v;
}

static uint64_t rd64(const struct elf_in *e, const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return e->swap ? bswap_64(v) : v;
}

/* A word of the file's class (Elf32_Addr/Off/Word or their 64-bit kinds). */
static uint64_t rdw(const struct elf_in *e, const unsigned char *p)
{
	return e->is64 ? rd64(e, p) : rd32(e, p);
}

/* Is [off, off+len) inside the file? (overflow-safe) */
static bool in_file(const struct elf_in *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

/* Read [off, off+len) into a fresh buffer (from the head buffer when it is
 * already there).  The caller has bounds-checked against the file size. */
static unsigned char *read_range(const struct elf_in *e, uint64_t off, size_t len)
{
	unsigned char *b = malloc(len ? len : 1);

	if (b == NULL)
		return NULL;
	if (off + len <= e->head_len) {
		memcpy(b, e->head + off, len);
		return b;
	}
	if (pread_full(e->fd, b, len, off) < 0) {
		free(b);
		return NULL;
	}
	return b;
}

struct load_seg {
	uint64_t vaddr, off, filesz;
};

static int bad(struct obj *o, const char *what)
{
	o->kind = OBJ_BAD;
	o->err_code = ENOEXEC;
	free(o->err_msg);
	o->err_msg = strdup(what);
	return -1;
}

static const char *bad_msg(const struct obj *o)
{
	return o->err_msg ? o->err_msg : "malformed ELF file";
}

/* Map a virtual address to a file offset through the PT_LOAD segments;
 * *avail receives how many file bytes the segment holds from there. */
static bool vaddr_to_off(const struct load_seg *segs, size_t n, uint64_t a, uint64_t *off,
			 uint64_t *avail)
{
	for (size_t i = 0; i < n; i++) {
		if (a >= segs[i].vaddr && a - segs[i].vaddr < segs[i].filesz) {
			*off = segs[i].off + (a - segs[i].vaddr);
			*avail = segs[i].filesz - (a - segs[i].vaddr);
			return true;
		}
	}
	return false;
}

/* The string at offset STROFF of a window [win_off, win_off+win_len) of a
 * string table of STRSZ bytes; NULL (with *why) if out of range or not
 * terminated. */
static const char *str_at(const unsigned char *win, uint64_t win_off, size_t win_len,
			  uint64_t strsz, uint64_t stroff, const char **why)
{
	const unsigned char *nul;

	if (stroff >= strsz || stroff < win_off || stroff - win_off >= win_len) {
		*why = "dynamic string offset out of range of DT_STRTAB";
		return NULL;
	}
	nul = memchr(win + (stroff - win_off), '\0', win_len - (size_t)(stroff - win_off));
	if (nul == NULL) {
		*why = "dynamic string not NUL-terminated within DT_STRTAB";
		return NULL;
	}
	return (const char *)win + (stroff - win_off);
}

static int parse_dynamic(jail_elf_resolver_t *r, struct obj *o, struct elf_in *e, uint64_t dyn_off,
			 uint64_t dyn_size, const struct load_seg *segs, size_t nsegs)
{
	const size_t entsz = e->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
	cleanup_free unsigned char *dyn = NULL;
	cleanup_free unsigned char *win = NULL;
	cleanup_free uint64_t *needed = NULL;
	size_t n_needed = 0, nent;
	uint64_t strtab = 0, strsz = 0, soname = 0, rpath = 0, runpath = 0;
	bool has_strtab = false, has_strsz = false, has_soname = false, has_rpath = false,
	     has_runpath = false;
	uint64_t lo = UINT64_MAX, hi = 0, str_off, avail;
	size_t win_len;
	const char *why = NULL;

	if (!in_file(e, dyn_off, dyn_size))
		return bad(o, "PT_DYNAMIC lies outside the file");
	if (dyn_size > DYNAMIC_MAX_BYTES)
		return bad(o, "PT_DYNAMIC is implausibly large");
	nent = (size_t)dyn_size / entsz;
	dyn = read_range(e, dyn_off, (size_t)dyn_size);
	needed = calloc(nent + 1, sizeof(*needed));
	if (dyn == NULL || needed == NULL)
		return bad(o, "cannot read PT_DYNAMIC");
	for (size_t i = 0; i < nent; i++) {
		const unsigned char *d = dyn + i * entsz;
		int64_t tag = e->is64 ? (int64_t)rd64(e, d) : (int32_t)rd32(e, d);
		uint64_t val = rdw(e, d + (e->is64 ? 8 : 4));

		if (tag == DT_NULL)
			break;
		switch (tag) {
		case DT_NEEDED:
			needed[n_needed++] = val;
			break;
		case DT_STRTAB:
			strtab = val;
			has_strtab = true;
			break;
		case DT_STRSZ:
			strsz = val;
			has_strsz = true;
			break;
		case DT_SONAME:
			soname = val;
			has_soname = true;
			break;
		case DT_RPATH:
			rpath = val;
			has_rpath = true;
			break;
		case DT_RUNPATH:
			runpath = val;
			has_runpath = true;
			break;
		default:
			break;
		}
	}
	if (n_needed == 0 && !has_soname && !has_rpath && !has_runpath)
		return 0;
	if (!has_strtab)
		return bad(o, "dynamic section has names but no DT_STRTAB");
	if (!vaddr_to_off(segs, nsegs, strtab, &str_off, &avail))
		return bad(o, "DT_STRTAB address is not in any PT_LOAD segment");
	if (!in_file(e, str_off, 0))
		return bad(o, "DT_STRTAB lies outside the file");
	if (avail > e->size - str_off)
		avail = e->size - str_off;
	if (!has_strsz)
		strsz = avail;
	else if (strsz > avail)
		return bad(o, "DT_STRSZ runs past its segment or the end of the file");

	/* Read only the window of the string table that holds our strings:
	 * big C++ libraries have megabytes of symbol names we do not need. */
	for (size_t i = 0; i < n_needed; i++) {
		lo = needed[i] < lo ? needed[i] : lo;
		hi = needed[i] > hi ? needed[i] : hi;
	}
	if (has_soname) {
		lo = soname < lo ? soname : lo;
		hi = soname > hi ? soname : hi;
	}
	if (has_rpath) {
		lo = rpath < lo ? rpath : lo;
		hi = rpath > hi ? rpath : hi;
	}
	if (has_runpath) {
		lo = runpath < lo ? runpath : lo;
		hi = runpath > hi ? runpath : hi;
	}
	if (hi >= strsz)
		return bad(o, "dynamic string offset out of range of DT_STRTAB");
	win_len = (size_t)((strsz - hi > STR_MAX ? hi + STR_MAX : strsz) - lo);
	if (win_len > STRWIN_MAX_BYTES)
		return bad(o, "dynamic strings are implausibly far apart");
	win = read_range(e, str_off + lo, win_len);
	if (win == NULL)
		return bad(o, "cannot read DT_STRTAB");

	for (size_t i = 0; i < n_needed; i++) {
		const char *s = str_at(win, lo, win_len, strsz, needed[i], &why);
		if (s == NULL)
			return bad(o, why);
		if (*s == '\0')
			return bad(o, "empty DT_NEEDED name");
		if (jail_strv_push(&o->needed, s, NULL) < 0)
			return bad(o, "out of memory");
	}
	if (has_soname) {
		const char *s = str_at(win, lo, win_len, strsz, soname, &why);
		if (s == NULL)
			return bad(o, why);
		o->soname = strdup(s);
	}
	if (has_runpath) {
		const char *s = str_at(win, lo, win_len, strsz, runpath, &why);
		if (s == NULL)
			return bad(o, why);
		o->runpath = strdup(s);
	} else if (has_rpath) {
		const char *s = str_at(win, lo, win_len, strsz, rpath, &why);
		if (s == NULL)
			return bad(o, why);
		o->rpath = strdup(s);
	}
	if ((has_soname && !o->soname) || (has_runpath && !o->runpath) ||
	    (!has_runpath && has_rpath && !o->rpath))
		return bad(o, "out of memory");
	/* $ORIGIN of an executable is its physical directory: find it now,
	 * while the file is open. */
	if ((o->rpath && strstr(o->rpath, "ORIGIN")) ||
	    (o->runpath && strstr(o->runpath, "ORIGIN"))) {
		cleanup_free char *real = fd_real_path(r, e->fd);
		if (real)
			o->realdir = dir_of(real);
	}
	return 0;
}

static int parse_elf(jail_elf_resolver_t *r, struct obj *o, int fd, const unsigned char *head,
		     size_t head_len, uint64_t size)
{
	struct elf_in e = {.fd = fd, .size = size, .head = head, .head_len = head_len};
	const bool host_le = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
	cleanup_free unsigned char *ph = NULL;
	cleanup_free struct load_seg *segs = NULL;
	uint64_t phoff, dyn_off = 0, dyn_size = 0;
	size_t phentsize, phnum, nsegs = 0, ehsize, phsize;
	bool has_dyn = false;

	o->kind = OBJ_ELF;
	if (head_len < EI_NIDENT)
		return bad(o, "truncated ELF identification");
	if (head[EI_CLASS] != ELFCLASS32 && head[EI_CLASS] != ELFCLASS64)
		return bad(o, "unknown ELF class");
	if (head[EI_DATA] != ELFDATA2LSB && head[EI_DATA] != ELFDATA2MSB)
		return bad(o, "unknown ELF byte order");
	e.is64 = head[EI_CLASS] == ELFCLASS64;
	e.swap = (head[EI_DATA] == ELFDATA2LSB) != host_le;
	ehsize = e.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	phsize = e.is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (head_len < ehsize)
		return bad(o, "truncated ELF header");
	o->cls = head[EI_CLASS];
	o->data = head[EI_DATA];
	if (e.is64) {
		o->machine = rd16(&e, head + offsetof(Elf64_Ehdr, e_machine));
		phoff = rd64(&e, head + offsetof(Elf64_Ehdr, e_phoff));
		phentsize = rd16(&e, head + offsetof(Elf64_Ehdr, e_phentsize));
		phnum = rd16(&e, head + offsetof(Elf64_Ehdr, e_phnum));
	} else {
		o->machine = rd16(&e, head + offsetof(Elf32_Ehdr, e_machine));
		phoff = rd32(&e, head + offsetof(Elf32_Ehdr, e_phoff));
		phentsize = rd16(&e, head + offsetof(Elf32_Ehdr, e_phentsize));
		phnum = rd16(&e, head + offsetof(Elf32_Ehdr, e_phnum));
	}
	if (phnum == 0)
		return 0; /* relocatable object or similar: no run-time needs */
	if (phnum == PN_XNUM)
		return bad(o, "extended program header count (PN_XNUM) not supported");
	if (phentsize < phsize)
		return bad(o, "e_phentsize smaller than a program header");
	if ((uint64_t)phnum * phentsize > PHDRS_MAX_BYTES)
		return bad(o, "program header table implausibly large");
	if (!in_file(&e, phoff, (uint64_t)phnum * phentsize))
		return bad(o, "program header table lies outside the file");
	ph = read_range(&e, phoff, phnum * phentsize);
	segs = calloc(phnum, sizeof(*segs));
	if (ph == NULL || segs == NULL)
		return bad(o, "cannot read the program headers");

	for (size_t i = 0; i < phnum; i++) {
		const unsigned char *p = ph + i * phentsize;
		uint32_t type = rd32(&e, p);
		uint64_t off, vaddr, filesz;

		if (e.is64) {
			off = rd64(&e, p + offsetof(Elf64_Phdr, p_offset));
			vaddr = rd64(&e, p + offsetof(Elf64_Phdr, p_vaddr));
			filesz = rd64(&e, p + offsetof(Elf64_Phdr, p_filesz));
		} else {
			off = rd32(&e, p + offsetof(Elf32_Phdr, p_offset));
			vaddr = rd32(&e, p + offsetof(Elf32_Phdr, p_vaddr));
			filesz = rd32(&e, p + offsetof(Elf32_Phdr, p_filesz));
		}
		switch (type) {
		case PT_LOAD:
			if (!in_file(&e, off, filesz))
				return bad(o, "PT_LOAD segment lies outside the file");
			segs[nsegs++] = (struct load_seg){vaddr, off, filesz};
			break;
		case PT_INTERP: {
			cleanup_free unsigned char *s = NULL;

			if (o->interp != NULL)
				break; /* the kernel uses the first one */
			if (filesz < 2 || filesz > PATH_MAX)
				return bad(o, "PT_INTERP has an implausible size");
			if (!in_file(&e, off, filesz))
				return bad(o, "PT_INTERP lies outside the file");
			s = read_range(&e, off, (size_t)filesz);
			if (s == NULL)
				return bad(o, "cannot read PT_INTERP");
			if (s[filesz - 1] != '\0')
				return bad(o, "PT_INTERP is not NUL-terminated");
			if (s[0] != '/')
				return bad(o, "PT_INTERP is not an absolute path");
			o->interp = strdup((const char *)s);
			if (o->interp == NULL)
				return bad(o, "out of memory");
			break;
		}
		case PT_DYNAMIC:
			if (!has_dyn) {
				has_dyn = true;
				dyn_off = off;
				dyn_size = filesz;
			}
			break;
		default:
			break;
		}
	}
	if (has_dyn)
		return parse_dynamic(r, o, &e, dyn_off, dyn_size, segs, nsegs);
	return 0;
}

/* "#!interp [arg]" in the first SCRIPT_LINE_MAX bytes, as the kernel reads it. */
static int parse_script(struct obj *o, const unsigned char *head, size_t head_len)
{
	size_t len = head_len < SCRIPT_LINE_MAX ? head_len : SCRIPT_LINE_MAX;
	const char *p = (const char *)head + 2, *end = (const char *)head + len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *ip, *ie;

	o->kind = OBJ_OTHER;
	if (nl != NULL)
		end = nl;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	ip = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\0')
		p++;
	ie = p;
	if (ie == ip)
		return 0; /* "#!" alone: the kernel refuses it, nothing to add */
	if (nl == NULL && ie == end && len == SCRIPT_LINE_MAX)
		return bad(o, "\"#!\" interpreter path longer than the kernel reads");
	o->kind = OBJ_SCRIPT;
	o->interp = strndup(ip, (size_t)(ie - ip));
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (end > p && memchr(p, '\0', (size_t)(end - p)) == NULL)
		o->script_arg = strndup(p, (size_t)(end - p));
	if (o->interp == NULL)
		return bad(o, "out of memory");
	if (o->interp[0] != '/')
		return bad(o, "\"#!\" interpreter is not an absolute path");
	return 0;
}

/* The object at PATH (absolute, beneath the root), opened and parsed once
 * per resolver.  NULL only on allocation failure. */
static struct obj *load_obj(jail_elf_resolver_t *r, const char *path, jail_error_t *err)
{
	struct map_ent *e = map_find(&r->objs, path);
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
	if (map_put(&r->objs, path, o, err) < 0) {
		obj_free(o);
		return NULL;
	}
	fd = open_regular(r, path, &st);
	if (fd == -1) {
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
	if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0)
		parse_elf(r, o, fd, head, (size_t)n, (uint64_t)st.st_size);
	else if (n >= 2 && head[0] == '#' && head[1] == '!' && (st.st_mode & 0111))
		parse_script(o, head, (size_t)n);
	return o;
}

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
		if (arches[i].machine == o->machine && arches[i].cls == o->cls)
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
	} else if (a == NULL && o->cls == ELFCLASS64) {
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
		lib = o->cls == ELFCLASS64 ? "lib64" : "lib";
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
	fd = open_in_root(r, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return NULL;
	return fd_real_path(r, fd);
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
	return cand->cls == main->cls && cand->data == main->data && cand->machine == main->machine;
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
	c = load_obj(r, path, err);
	if (c == NULL)
		return -1;
	if (c->kind == OBJ_BAD && c->cls != 0 && matches(c, main))
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
	cleanup_free char *key =
	    jail_strdup_printf("%u:%u:%u:%s", main->cls, main->data, main->machine, name);
	jail_strv_t dirs = {0};
	struct map_ent *e;
	int rc = 0;

	if (key == NULL)
		return jail_error_set(err, ENOMEM, "%s", name);
	e = map_find(&r->names, key);
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
	if (rc >= 0 && map_put(&r->names, key, rc == 1 ? (void *)*found : &not_found, err) < 0)
		rc = -1;
out:
	jail_strv_clear(&dirs);
	return rc;
}

/* $ORIGIN of the loaded object at index I. */
static char *origin_of(const struct bfs *b, size_t i)
{
	const struct obj *o = b->v[i].o;

	if (i == 0 && o->interp != NULL && o->realdir != NULL)
		return strdup(o->realdir);
	return dir_of(o->path);
}

/* Find NAME needed by the object at index REQ, in ld.so's order. */
static int search(jail_elf_resolver_t *r, struct bfs *b, size_t req, const char *name,
		  struct obj **found, jail_error_t *err)
{
	const struct obj *ro = b->v[req].o;
	int rc;

	*found = NULL;
	if (ro->runpath == NULL) {
		for (long j = (long)req; j >= 0; j = b->v[j].loader) {
			cleanup_free char *origin = NULL;

			if (b->v[j].o->rpath == NULL)
				continue;
			origin = origin_of(b, (size_t)j);
			if (origin == NULL)
				return jail_error_set(err, ENOMEM, "%s", name);
			rc = try_path_list(r, b->main, b->v[j].o, b->v[j].o->rpath, origin, name,
					   found, err);
			if (rc != 0)
				return rc;
		}
	} else {
		cleanup_free char *origin = origin_of(b, req);

		if (origin == NULL)
			return jail_error_set(err, ENOMEM, "%s", name);
		rc = try_path_list(r, b->main, ro, ro->runpath, origin, name, found, err);
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
	if (o->soname && jail_strv_add_unique(&b->names, o->soname, err) < 0)
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
	if (o->interp != NULL) {
		struct obj *in = load_obj(r, o->interp, err);

		if (in == NULL)
			goto out;
		if (in->kind == OBJ_MISSING) {
			jail_error_set(err, in->err_code, "%s: ELF interpreter %s", o->path,
				       o->interp);
			goto out;
		}
		if (in->kind == OBJ_BAD) {
			jail_error_fmt(err, ENOEXEC, "%s: ELF interpreter %s: %s", o->path,
				       o->interp, bad_msg(in));
			goto out;
		}
		if (in->kind != OBJ_ELF || !matches(in, o)) {
			jail_error_fmt(err, ENOEXEC,
				       "%s: ELF interpreter %s is not an ELF file of the same "
				       "class and machine",
				       o->path, o->interp);
			goto out;
		}
		if (jail_strv_add_unique(&o->top_deps, o->interp, err) < 0 ||
		    jail_strv_add_unique(&b.names, o->interp, err) < 0)
			goto out;
		if (in != o && bfs_index(&b, in) < 0 && bfs_add(&b, in, -1, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < b.n; i++) {
		struct obj *cur = b.v[i].o;

		for (size_t k = 0; k < cur->needed.n; k++) {
			const char *name = cur->needed.v[k];
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
				lib = load_obj(r, name, err);
				if (lib == NULL)
					goto out;
				if (lib->kind == OBJ_BAD && lib->cls != 0 && matches(lib, o)) {
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
		o = load_obj(r, p, err);
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
	const char *base = strrchr(o->interp, '/') + 1; /* interp is absolute */
	struct obj *in;

	if (nesting >= SCRIPT_MAX_NESTING)
		return jail_error_fmt(err, ELOOP, "%s: too many levels of \"#!\" interpreters",
				      o->path);
	in = load_obj(r, o->interp, err);
	if (in == NULL)
		return -1;
	if (add_program(r, o, in, nesting, err) < 0)
		return -1;
	if (strcmp(base, "env") == 0) {
		cleanup_free char *prog = env_program(o->script_arg);
		struct obj *po;

		if (prog == NULL)
			return 0; /* "#!/usr/bin/env" alone runs nothing more */
		if (strchr(prog, '/') != NULL) {
			if (prog[0] != '/')
				return jail_error_fmt(
				    err, ENOENT, "%s: env runs %s, a relative path", o->path, prog);
			po = load_obj(r, prog, err);
		} else {
			po = path_lookup(r, prog, err);
		}
		if (po == NULL)
			return jail_error_wrap(err, "%s: program run by %s", o->path, o->interp);
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
	o = load_obj(r, norm, err);
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

	fd = open_regular(NULL, path, &st);
	if (fd == -1)
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

/* ---- ld.so.conf -------------------------------------------------------- */

static int parse_ldconf(jail_elf_resolver_t *r, const char *file, int depth, jail_error_t *err);

static int ldconf_include(jail_elf_resolver_t *r, const char *file, const char *pattern, int depth,
			  jail_error_t *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *pat = NULL;
	cleanup_free char *full = NULL;
	size_t rl = r->slash ? 0 : strlen(r->root_real);
	glob_t g;
	int rc, ret = 0;

	if (pattern[0] != '/') {
		dir = dir_of(file);
		pat = dir ? jail_strdup_printf("%s/%s", dir, pattern) : NULL;
	} else {
		pat = strdup(pattern);
	}
	if (pat == NULL)
		return jail_error_set(err, ENOMEM, "%s", file);
	full = r->slash ? strdup(pat) : jail_strdup_printf("%s%s", r->root_real, pat);
	if (full == NULL)
		return jail_error_set(err, ENOMEM, "%s", file);
	rc = glob(full, 0, NULL, &g);
	if (rc == GLOB_NOMATCH)
		return 0;
	if (rc != 0)
		return jail_error_fmt(err, EIO, "%s: include %s: glob failed", file, pattern);
	for (size_t i = 0; i < g.gl_pathc && ret == 0; i++)
		ret = parse_ldconf(r, g.gl_pathv[i] + rl, depth + 1, err);
	globfree(&g);
	return ret;
}

/* ldconfig's syntax: one directory per line ("=TYPE" suffix ignored),
 * "include PATTERN..." (relative to the including file's directory),
 * "hwcap" lines ignored, "#" comments. */
static int parse_ldconf(jail_elf_resolver_t *r, const char *file, int depth, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	char *save = NULL;
	struct stat st;

	if (depth > LDCONF_MAX_DEPTH)
		return jail_error_fmt(err, ELOOP, "%s: ld.so.conf includes nested too deep", file);
	fd = open_regular(r, file, &st);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		return jail_error_set(err, errno, "%s", file);
	}
	if (fd < 0)
		return 0; /* not a regular file: ldconfig would not read it either */
	if (jail_read_all(fd, LDCONF_MAX_BYTES, &buf, NULL, err) < 0)
		return jail_error_wrap(err, "%s", file);
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *cp;

		if (hash)
			*hash = '\0';
		cp = jail_strstrip(line);
		if (*cp == '\0')
			continue;
		if (strncmp(cp, "include", 7) == 0 && (cp[7] == ' ' || cp[7] == '\t')) {
			char *isave = NULL;

			for (char *pat = strtok_r(cp + 8, " \t", &isave); pat;
			     pat = strtok_r(NULL, " \t", &isave))
				if (ldconf_include(r, file, pat, depth, err) < 0)
					return -1;
			continue;
		}
		if (strncasecmp(cp, "hwcap", 5) == 0 && (cp[5] == ' ' || cp[5] == '\t'))
			continue;
		{
			char *eq = strchr(cp, '=');
			size_t len;

			if (eq)
				*eq = '\0';
			cp = jail_strstrip(cp);
			len = strlen(cp);
			while (len > 1 && cp[len - 1] == '/')
				cp[--len] = '\0';
			if (cp[0] != '/')
				continue; /* ldconfig warns and ignores relative paths */
			if (jail_strv_add_unique(&r->conf_dirs, cp, err) < 0)
				return -1;
		}
	}
	return 0;
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
	if (parse_ldconf(r, "/etc/ld.so.conf", 0, err) < 0) {
		jail_elf_resolver_free(r);
		return -1;
	}
	*out = r;
	return 0;
}
