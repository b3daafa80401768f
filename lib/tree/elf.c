/* Hostile-header parsing of one file: an ELF object's run-time needs or a
 * "#!" script's interpreter (elf.h).
 *
 * Only headers are read: the ELF header and program headers (normally in
 * the first bytes the caller already read), the dynamic section and the
 * window of the dynamic string table that holds the names we need.  Every
 * offset and size read from the file is checked against the file's size
 * before use, so a truncated or hostile file yields JAIL_ELF_BAD, never a
 * read out of bounds.  Files are parsed in either byte order and class.
 * tests/fuzz/fuzz_elfdeps.c feeds this arbitrary bytes. */
#define _GNU_SOURCE
#include "tree/elf.h"

#include <byteswap.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCRIPT_LINE_MAX	  256	      /* the kernel's BINPRM_BUF_SIZE */
#define PHDRS_MAX_BYTES	  (1u << 20)  /* hostile e_phnum guard */
#define DYNAMIC_MAX_BYTES (1u << 20)  /* hostile PT_DYNAMIC guard */
#define STRWIN_MAX_BYTES  (64u << 20) /* hostile DT_STRTAB guard */
#define STR_MAX		  (64u << 10) /* longest needed/rpath string we accept */

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

static int bad(jail_elf_info_t *o, const char *what)
{
	o->kind = JAIL_ELF_BAD;
	o->bad = what;
	return -1;
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

static int parse_dynamic(jail_elf_info_t *o, struct elf_in *e, uint64_t dyn_off, uint64_t dyn_size,
			 const struct load_seg *segs, size_t nsegs)
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
	return 0;
}

static int parse_elf(jail_elf_info_t *o, int fd, const unsigned char *head, size_t head_len,
		     uint64_t size)
{
	struct elf_in e = {.fd = fd, .size = size, .head = head, .head_len = head_len};
	const bool host_le = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
	cleanup_free unsigned char *ph = NULL;
	cleanup_free struct load_seg *segs = NULL;
	uint64_t phoff, dyn_off = 0, dyn_size = 0;
	size_t phentsize, phnum, nsegs = 0, ehsize, phsize;
	bool has_dyn = false;

	o->kind = JAIL_ELF_OBJECT;
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
		return parse_dynamic(o, &e, dyn_off, dyn_size, segs, nsegs);
	return 0;
}

/* "#!interp [arg]" in the first SCRIPT_LINE_MAX bytes, as the kernel reads it. */
static int parse_script(jail_elf_info_t *o, const unsigned char *head, size_t head_len)
{
	size_t len = head_len < SCRIPT_LINE_MAX ? head_len : SCRIPT_LINE_MAX;
	const char *p = (const char *)head + 2, *end = (const char *)head + len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *ip, *ie;

	o->kind = JAIL_ELF_OTHER;
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
	o->kind = JAIL_ELF_SCRIPT;
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

int jail_elf_parse(int fd, const unsigned char *head, size_t head_len, uint64_t size, bool exec,
		   jail_elf_info_t *info)
{
	info->kind = JAIL_ELF_OTHER;
	if (head_len >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0)
		return parse_elf(info, fd, head, head_len, size);
	if (exec && head_len >= 2 && head[0] == '#' && head[1] == '!')
		return parse_script(info, head, head_len);
	return 0;
}

void jail_elf_info_clear(jail_elf_info_t *info)
{
	free(info->interp);
	free(info->script_arg);
	free(info->soname);
	free(info->rpath);
	free(info->runpath);
	jail_strv_clear(&info->needed);
	memset(info, 0, sizeof(*info));
}
