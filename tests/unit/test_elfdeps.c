/* The ELF resolver against real binaries (with ldd as an oracle, in this
 * test only), programs compiled here with RPATH/RUNPATH and $ORIGIN (run as
 * an oracle of ld.so's behaviour), a fixture root with its own ld.so.conf,
 * hand-built ELF files of both classes and byte orders, and corrupted ones
 * that must give an error, never a crash. */
#define _GNU_SOURCE
#include "tap.h"
#include "tree/elfdeps.h"

#include <byteswap.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp[PATH_MAX];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		diag("(exit status %d) %s", st, cmd);
	return st == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		diag("cannot write %s: %s", path, strerror(errno));
		exit(2);
	}
	fchmod(fd, mode);
	close(fd);
}

/* Resolve PATH with a fresh resolver on ROOT; returns rc, fills out/err. */
static int deps_of(const char *root, const char *path, jail_strv_t *out, jail_error_t *err)
{
	jail_elf_resolver_t *r = NULL;
	int rc;

	if (jail_elf_resolver_new(root, &r, err) < 0)
		return -2;
	rc = jail_elf_deps(r, path, out, err);
	jail_elf_resolver_free(r);
	return rc;
}

static bool has_suffix(const jail_strv_t *sv, const char *suffix)
{
	for (size_t i = 0; i < sv->n; i++) {
		size_t a = strlen(sv->v[i]), b = strlen(suffix);
		if (a >= b && strcmp(sv->v[i] + a - b, suffix) == 0)
			return true;
	}
	return false;
}

static void dump(const jail_strv_t *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		diag("  dep: %s", sv->v[i]);
}

/* ---- real binaries ------------------------------------------------------ */

static void test_real(void)
{
	jail_strv_t out = {0};
	jail_error_t err = {0};

	ok(deps_of("/", "/bin/ls", &out, &err) == 0, "/bin/ls resolves: %s", err.msg);
	ok(jail_strv_contains(&out, "/lib64/ld-linux-x86-64.so.2"),
	   "/bin/ls: interpreter as written in PT_INTERP");
	ok(jail_strv_contains(&out, "/lib/x86_64-linux-gnu/libc.so.6"),
	   "/bin/ls: libc.so.6 at its search-path name");
	ok(has_suffix(&out, "/libselinux.so.1"), "/bin/ls: libselinux.so.1");
	ok(has_suffix(&out, "/libpcre2-8.so.0"), "/bin/ls: libpcre2-8.so.0 (needed by libselinux)");
	ok(!jail_strv_contains(&out, "/bin/ls"), "the file itself is not in its deps");
	jail_strv_clear(&out);

	ok(deps_of("/", "/usr/bin/ssh", &out, &err) == 0, "/usr/bin/ssh resolves: %s", err.msg);
	ok(has_suffix(&out, "/libcrypto.so.3") && has_suffix(&out, "/libgssapi_krb5.so.2") &&
	       has_suffix(&out, "/libkrb5support.so.0"),
	   "/usr/bin/ssh: libcrypto, libgssapi_krb5 and (indirect) libkrb5support");
	jail_strv_clear(&out);

	ok(deps_of("/", "/etc/passwd", &out, &err) == 0 && out.n == 0,
	   "a text file needs nothing and is no error");
	ok(deps_of("/", "/usr/share", &out, &err) == 0 && out.n == 0,
	   "a directory needs nothing and is no error");
	ok(deps_of("/", "/nonexistent/x", &out, &err) < 0, "a missing file is an error");
	like(err.msg, "/nonexistent/x", "error names the missing path");
	ok(deps_of("/", "relative/x", &out, &err) < 0, "a relative path is refused");
	is_int(jail_elf_is_elf("/bin/ls", &err), 1, "jail_elf_is_elf: /bin/ls is ELF");
	is_int(jail_elf_is_elf("/etc/passwd", &err), 0, "jail_elf_is_elf: /etc/passwd is not");
	is_int(jail_elf_is_elf("/nonexistent", &err), -1, "jail_elf_is_elf: missing is an error");
}

/* Identity of a file, to compare our names with ldd's (which come from
 * ld.so.cache and may differ by a merged-/usr symlink). */
static bool same_file_in(const char *path, const jail_strv_t *set)
{
	struct stat a, b;

	if (stat(path, &a) < 0)
		return false;
	for (size_t i = 0; i < set->n; i++)
		if (stat(set->v[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return true;
	return false;
}

static void test_ldd_oracle(void)
{
	static const char *const bins[] = {"/bin/ls",	    "/usr/bin/ssh",
					   "/usr/bin/git",  "/usr/bin/rsync",
					   "/bin/bash",	    "/usr/lib/openssh/sftp-server",
					   "/usr/sbin/sshd"};
	jail_elf_resolver_t *r = NULL;
	jail_error_t err = {0};

	if (jail_elf_resolver_new("/", &r, &err) < 0) {
		ok(0, "resolver: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		jail_strv_t ours = {0}, ldd = {0};
		char cmd[512], line[1024];
		bool all_in = true, none_extra = true;
		FILE *p;

		if (jail_elf_deps(r, bins[i], &ours, &err) < 0) {
			ok(0, "%s resolves: %s", bins[i], err.msg);
			continue;
		}
		snprintf(cmd, sizeof(cmd), "ldd %s", bins[i]);
		p = popen(cmd, "r");
		while (p && fgets(line, sizeof(line), p)) {
			char *arrow = strstr(line, "=> "), *path, *sp;

			path = arrow ? arrow + 3 : line + strspn(line, " \t");
			if (path[0] != '/')
				continue; /* linux-vdso.so.1 has no file */
			sp = strpbrk(path, " \t\n");
			if (sp)
				*sp = '\0';
			jail_strv_push(&ldd, path, NULL);
		}
		ok(p && pclose(p) == 0 && ldd.n > 0, "ldd %s ran (%zu libraries)", bins[i], ldd.n);
		for (size_t k = 0; k < ldd.n; k++) {
			if (!same_file_in(ldd.v[k], &ours)) {
				all_in = false;
				diag("  ldd has %s, we do not", ldd.v[k]);
			}
		}
		for (size_t k = 0; k < ours.n; k++) {
			if (!same_file_in(ours.v[k], &ldd)) {
				none_extra = false;
				diag("  we have %s, ldd does not", ours.v[k]);
			}
		}
		ok(all_in, "%s: every library ldd lists is in our result", bins[i]);
		ok(none_extra, "%s: we add nothing ldd does not load", bins[i]);
		jail_strv_clear(&ours);
		jail_strv_clear(&ldd);
	}
	/* The cache answers the same the second time. */
	{
		jail_strv_t a = {0}, b = {0};
		jail_elf_deps(r, "/usr/bin/ssh", &a, &err);
		jail_elf_deps(r, "/usr/bin/ssh", &b, &err);
		ok(a.n > 0 && a.n == b.n, "cached result is identical");
		jail_strv_clear(&a);
		jail_strv_clear(&b);
	}
	jail_elf_resolver_free(r);
}

/* ---- scripts ------------------------------------------------------------ */

static void test_scripts(void)
{
	char p[PATH_MAX + 64];
	jail_strv_t out = {0};
	jail_error_t err = {0};
	static const char s1[] = "#!/bin/sh\necho hi\n";
	static const char s2[] = "#! /bin/bash -e\necho hi\n";
	static const char s3[] = "#!/usr/bin/env bash\necho hi\n";
	static const char s4[] = "#!/usr/bin/env -S VAR=1 bash -e\necho hi\n";
	static const char s5[] = "#!/nonexistent/interp\n";
	static const char s6[] = "#!/usr/bin/env no-such-program-xyz\n";
	static const char s7[] = "#!relative/interp\n";

	snprintf(p, sizeof(p), "%s/s1", tmp);
	write_file(p, s1, sizeof(s1) - 1, 0755);
	ok(deps_of("/", p, &out, &err) == 0, "#!/bin/sh script resolves: %s", err.msg);
	ok(jail_strv_contains(&out, "/bin/sh"), "script needs /bin/sh as written");
	ok(jail_strv_contains(&out, "/lib/x86_64-linux-gnu/libc.so.6") &&
	       jail_strv_contains(&out, "/lib64/ld-linux-x86-64.so.2"),
	   "and the interpreter's own libraries");
	jail_strv_clear(&out);

	snprintf(p, sizeof(p), "%s/s2", tmp);
	write_file(p, s2, sizeof(s2) - 1, 0700);
	ok(deps_of("/", p, &out, &err) == 0 && jail_strv_contains(&out, "/bin/bash") &&
	       has_suffix(&out, "/libtinfo.so.6"),
	   "\"#! /bin/bash -e\": bash and libtinfo");
	jail_strv_clear(&out);

	snprintf(p, sizeof(p), "%s/s3", tmp);
	write_file(p, s3, sizeof(s3) - 1, 0755);
	ok(deps_of("/", p, &out, &err) == 0, "env script resolves: %s", err.msg);
	ok(jail_strv_contains(&out, "/usr/bin/env"), "env script needs /usr/bin/env");
	ok(jail_strv_contains(&out, "/usr/bin/bash"), "and bash found on the fixed PATH");
	ok(has_suffix(&out, "/libtinfo.so.6"), "and bash's libraries");
	dump(&out);
	jail_strv_clear(&out);

	snprintf(p, sizeof(p), "%s/s4", tmp);
	write_file(p, s4, sizeof(s4) - 1, 0755);
	ok(deps_of("/", p, &out, &err) == 0 && jail_strv_contains(&out, "/usr/bin/bash"),
	   "env -S with an assignment and options: the program is still found");
	jail_strv_clear(&out);

	snprintf(p, sizeof(p), "%s/s5", tmp);
	write_file(p, s5, sizeof(s5) - 1, 0644);
	ok(deps_of("/", p, &out, &err) == 0 && out.n == 0,
	   "a non-executable file starting with #! needs nothing");
	write_file(p, s5, sizeof(s5) - 1, 0755);
	ok(deps_of("/", p, &out, &err) < 0,
	   "an executable script with a missing interpreter fails");
	like(err.msg, "/nonexistent/interp", "error names the interpreter");
	like(err.msg, "/s5", "error names the script");

	snprintf(p, sizeof(p), "%s/s6", tmp);
	write_file(p, s6, sizeof(s6) - 1, 0755);
	ok(deps_of("/", p, &out, &err) < 0, "env running a program not on PATH fails");
	like(err.msg, "no-such-program-xyz", "error names the program");

	snprintf(p, sizeof(p), "%s/s7", tmp);
	write_file(p, s7, sizeof(s7) - 1, 0755);
	ok(deps_of("/", p, &out, &err) < 0, "a relative #! interpreter is refused");
	like(err.msg, "not an absolute path", "error says why");

	/* A script whose interpreter is itself a script (the kernel allows it). */
	{
		char q[PATH_MAX + 64], body[PATH_MAX + 128];
		int n;

		snprintf(q, sizeof(q), "%s/s8", tmp);
		n = snprintf(body, sizeof(body), "#!%s/s1\n", tmp);
		write_file(q, body, (size_t)n, 0755);
		snprintf(p, sizeof(p), "%s/s1", tmp);
		ok(deps_of("/", q, &out, &err) == 0 && jail_strv_contains(&out, p) &&
		       jail_strv_contains(&out, "/bin/sh"),
		   "script interpreted by a script: both interpreters");
		jail_strv_clear(&out);
		/* And a loop between two scripts ends with an error. */
		snprintf(q, sizeof(q), "%s/loop1", tmp);
		n = snprintf(body, sizeof(body), "#!%s/loop2\n", tmp);
		write_file(q, body, (size_t)n, 0755);
		snprintf(p, sizeof(p), "%s/loop2", tmp);
		n = snprintf(body, sizeof(body), "#!%s/loop1\n", tmp);
		write_file(p, body, (size_t)n, 0755);
		ok(deps_of("/", q, &out, &err) < 0, "an interpreter loop is an error: %s", err.msg);
		jail_strv_clear(&out);
	}
}

/* ---- compiled programs: RPATH, RUNPATH, $ORIGIN ----------------------------- */

static void test_origin(void)
{
	char p[PATH_MAX + 64], want[PATH_MAX + 64], real[PATH_MAX];
	jail_strv_t out = {0};
	jail_error_t err = {0};

	if (sh("set -e; cd %s; mkdir -p o/lib o/bin o/other o/early;"
	       "printf 'int two(void){return 2;}\\n' > two.c;"
	       "printf 'int two(void); int one(void){return two()-1;}\\n' > one.c;"
	       "printf 'int one(void); int main(void){return one()-1;}\\n' > main.c;"
	       "cc -shared -fPIC -o o/lib/libjtwo.so two.c;"
	       "cc -shared -fPIC -o o/lib/libjone.so one.c -Lo/lib -ljtwo;"
	       "cc -o o/bin/runpath main.c -Lo/lib -ljone -Wl,--enable-new-dtags "
	       "-Wl,-rpath,'$ORIGIN/../lib' -Wl,-rpath-link,o/lib;"
	       "cc -o o/bin/rpath main.c -Lo/lib -ljone -Wl,--disable-new-dtags "
	       "-Wl,-rpath,'${ORIGIN}/../lib' -Wl,-rpath-link,o/lib;"
	       "ln -s ../bin/rpath o/other/rpath-link",
	       tmp) < 0) {
		ok(0, "compile the $ORIGIN fixtures");
		return;
	}
	if (realpath(tmp, real) == NULL) {
		ok(0, "realpath %s", tmp);
		return;
	}

	/* ld.so itself is the oracle: RPATH of the executable applies to the
	 * libraries it loads, RUNPATH only to the executable's own needs. */
	ok(sh("%s/o/bin/rpath", tmp) == 0, "ld.so runs the DT_RPATH program");
	ok(sh("%s/o/bin/runpath 2>/dev/null", tmp) < 0,
	   "ld.so cannot run the DT_RUNPATH program (libjtwo is not on libjone's path)");

	snprintf(p, sizeof(p), "%s/o/bin/rpath", tmp);
	ok(deps_of("/", p, &out, &err) == 0, "DT_RPATH program resolves: %s", err.msg);
	snprintf(want, sizeof(want), "%s/o/lib/libjone.so", real);
	ok(jail_strv_contains(&out, want), "$ORIGIN/../lib found the direct library %s", want);
	snprintf(want, sizeof(want), "%s/o/lib/libjtwo.so", real);
	ok(jail_strv_contains(&out, want), "the executable's RPATH found the indirect one");
	dump(&out);
	jail_strv_clear(&out);

	snprintf(p, sizeof(p), "%s/o/bin/runpath", tmp);
	ok(deps_of("/", p, &out, &err) < 0, "DT_RUNPATH program fails like ld.so");
	like(err.msg, "libjtwo.so", "error names the missing library");
	like(err.msg, "libjone.so", "error names the library that needs it");
	like(err.msg, "/o/bin/runpath", "error names the binary");

	/* $ORIGIN of an executable reached through a symlink is its real
	 * directory (ld.so reads /proc/self/exe). */
	ok(sh("%s/o/other/rpath-link", tmp) == 0, "ld.so runs the program through a symlink");
	snprintf(p, sizeof(p), "%s/o/other/rpath-link", tmp);
	ok(deps_of("/", p, &out, &err) == 0, "symlinked program resolves: %s", err.msg);
	snprintf(want, sizeof(want), "%s/o/lib/libjone.so", real);
	ok(jail_strv_contains(&out, want), "$ORIGIN is the physical directory");
	jail_strv_clear(&out);

	/* A missing DT_NEEDED: the library is gone after linking. */
	if (sh("set -e; cd %s; mkdir -p m; printf 'int gone(void){return 0;}\\n' > g.c;"
	       "printf 'int gone(void); int main(void){return gone();}\\n' > gm.c;"
	       "cc -shared -fPIC -o m/libjgone.so.1 -Wl,-soname,libjgone.so.1 g.c;"
	       "cc -o m/needsgone gm.c -Lm -l:libjgone.so.1; rm m/libjgone.so.1",
	       tmp) == 0) {
		snprintf(p, sizeof(p), "%s/m/needsgone", tmp);
		ok(deps_of("/", p, &out, &err) < 0, "a missing DT_NEEDED is an error");
		like(err.msg, "libjgone.so.1", "error names the library");
		like(err.msg, p, "error names the binary");
	} else {
		ok(0, "compile the missing-library fixture");
	}

	/* A 64-bit libjsolo.so behind a 32-bit one in the RUNPATH (the 32-bit
	 * file is written in test_handmade), and main2.c for the fixture root. */
	if (sh("set -e; cd %s; mkdir -p c/lib32 c/lib c/bin;"
	       "printf 'int two(void); int main(void){return two()-2;}\\n' > main2.c;"
	       "cc -shared -fPIC -o c/lib/libjsolo.so two.c;"
	       "cc -o c/bin/prog main2.c -Lc/lib -ljsolo -Wl,--enable-new-dtags "
	       "-Wl,-rpath,'$ORIGIN/../lib32:$ORIGIN/../lib'",
	       tmp) < 0)
		ok(0, "compile the 32-bit skip fixture");
}

/* ---- hand-built ELF files ------------------------------------------------ */

struct built {
	size_t size, phoff, dyn_off, str_off, interp_off;
	size_t strtab_ent; /* index of the DT_STRTAB entry in the dynamic section */
	size_t strsz_ent;
	size_t needed0; /* string offset of the first DT_NEEDED name */
};

struct out_buf {
	unsigned char b[4096];
	bool msb, is64;
};

static void put16(struct out_buf *o, size_t off, uint16_t v)
{
	if (o->msb)
		v = bswap_16(v);
	memcpy(o->b + off, &v, 2);
}
static void put32(struct out_buf *o, size_t off, uint32_t v)
{
	if (o->msb)
		v = bswap_32(v);
	memcpy(o->b + off, &v, 4);
}
static void put64(struct out_buf *o, size_t off, uint64_t v)
{
	if (o->msb)
		v = bswap_64(v);
	memcpy(o->b + off, &v, 8);
}
static void put_word(struct out_buf *o, size_t off, uint64_t v)
{
	if (o->is64)
		put64(o, off, v);
	else
		put32(o, off, (uint32_t)v);
}

/* A minimal dynamic ELF file: ehdr, PT_LOAD (whole file at vaddr 0),
 * PT_DYNAMIC, optional PT_INTERP, the dynamic section and its strings. */
static struct built build_elf(struct out_buf *o, bool is64, bool msb, uint16_t machine,
			      const char *interp, const char *const *needed, const char *runpath)
{
	struct built b = {0};
	size_t ehsize = is64 ? 64 : 52, phsz = is64 ? 56 : 32, dynsz = is64 ? 16 : 8;
	size_t nph = interp ? 3 : 2, nd = 0, str_len = 1, pos;
	uint64_t dyn[32][2];

	memset(o->b, 0, sizeof(o->b));
	o->is64 = is64;
	o->msb = msb;
	memcpy(o->b, ELFMAG, SELFMAG);
	o->b[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	o->b[EI_DATA] = msb ? ELFDATA2MSB : ELFDATA2LSB;
	o->b[EI_VERSION] = EV_CURRENT;
	put16(o, 16, ET_EXEC);
	put16(o, 18, machine);
	put32(o, 20, EV_CURRENT);
	b.phoff = ehsize;
	put_word(o, is64 ? 32 : 28, b.phoff);
	put16(o, is64 ? 52 : 40, (uint16_t)ehsize);
	put16(o, is64 ? 54 : 42, (uint16_t)phsz);
	put16(o, is64 ? 56 : 44, (uint16_t)nph);
	pos = b.phoff + nph * phsz;
	if (interp) {
		b.interp_off = pos;
		strcpy((char *)o->b + pos, interp);
		pos += strlen(interp) + 1;
	}
	pos = (pos + 7) & ~(size_t)7;
	b.dyn_off = pos;
	/* strings */
	b.str_off = 2048;
	o->b[b.str_off] = '\0';
	for (size_t i = 0; needed && needed[i]; i++) {
		if (i == 0)
			b.needed0 = str_len;
		dyn[nd][0] = DT_NEEDED;
		dyn[nd++][1] = str_len;
		strcpy((char *)o->b + b.str_off + str_len, needed[i]);
		str_len += strlen(needed[i]) + 1;
	}
	if (runpath) {
		dyn[nd][0] = DT_RUNPATH;
		dyn[nd++][1] = str_len;
		strcpy((char *)o->b + b.str_off + str_len, runpath);
		str_len += strlen(runpath) + 1;
	}
	b.strtab_ent = nd;
	dyn[nd][0] = DT_STRTAB;
	dyn[nd++][1] = b.str_off; /* vaddr == offset: one PT_LOAD at 0 */
	b.strsz_ent = nd;
	dyn[nd][0] = DT_STRSZ;
	dyn[nd++][1] = str_len;
	dyn[nd][0] = DT_NULL;
	dyn[nd++][1] = 0;
	for (size_t i = 0; i < nd; i++) {
		put_word(o, b.dyn_off + i * dynsz, dyn[i][0]);
		put_word(o, b.dyn_off + i * dynsz + (is64 ? 8 : 4), dyn[i][1]);
	}
	b.size = b.str_off + str_len;
	/* program headers */
	for (size_t i = 0; i < nph; i++) {
		size_t ph = b.phoff + i * phsz;
		uint32_t type = i == 0 ? PT_LOAD : i == 1 ? PT_DYNAMIC : PT_INTERP;
		uint64_t off = i == 0 ? 0 : i == 1 ? b.dyn_off : b.interp_off;
		uint64_t sz = i == 0 ? b.size : i == 1 ? nd * dynsz : strlen(interp) + 1;

		put32(o, ph, type);
		if (is64) {
			put64(o, ph + 8, off);	/* p_offset */
			put64(o, ph + 16, off); /* p_vaddr */
			put64(o, ph + 32, sz);	/* p_filesz */
			put64(o, ph + 40, sz);	/* p_memsz */
		} else {
			put32(o, ph + 4, (uint32_t)off);
			put32(o, ph + 8, (uint32_t)off);
			put32(o, ph + 16, (uint32_t)sz);
			put32(o, ph + 20, (uint32_t)sz);
		}
	}
	return b;
}

static void test_handmade(void)
{
	static const char *const libc_only[] = {"libc.so.6", NULL};
	static const char *const xyz[] = {"libjxyz.so.7", NULL};
	char p[PATH_MAX + 64];
	struct out_buf o;
	struct built b;
	jail_strv_t out = {0};
	jail_error_t err = {0};

	/* A hand-built x86_64 executable resolves like a real one. */
	b = build_elf(&o, true, false, EM_X86_64, "/lib64/ld-linux-x86-64.so.2", libc_only, NULL);
	snprintf(p, sizeof(p), "%s/h64", tmp);
	write_file(p, o.b, b.size, 0755);
	ok(deps_of("/", p, &out, &err) == 0, "hand-built ELF64 LSB resolves: %s", err.msg);
	ok(out.n == 2 && jail_strv_contains(&out, "/lib64/ld-linux-x86-64.so.2") &&
	       jail_strv_contains(&out, "/lib/x86_64-linux-gnu/libc.so.6"),
	   "its interpreter and libc, nothing else");
	jail_strv_clear(&out);

	/* Big-endian 64-bit and little-endian 32-bit are parsed: the error
	 * names the library read through the byte-swapped dynamic section. */
	b = build_elf(&o, true, true, EM_PPC64, NULL, xyz, NULL);
	snprintf(p, sizeof(p), "%s/hbe64", tmp);
	write_file(p, o.b, b.size, 0755);
	ok(deps_of("/", p, &out, &err) < 0, "ELF64 MSB: library not on this host");
	like(err.msg, "libjxyz.so.7", "ELF64 MSB: DT_NEEDED read correctly");
	b = build_elf(&o, false, true, EM_MIPS, NULL, xyz, NULL);
	snprintf(p, sizeof(p), "%s/hbe32", tmp);
	write_file(p, o.b, b.size, 0755);
	ok(deps_of("/", p, &out, &err) < 0, "ELF32 MSB: library not on this host");
	like(err.msg, "libjxyz.so.7", "ELF32 MSB: DT_NEEDED read correctly");
	b = build_elf(&o, false, false, EM_386, NULL, xyz, NULL);
	snprintf(p, sizeof(p), "%s/hle32", tmp);
	write_file(p, o.b, b.size, 0755);
	ok(deps_of("/", p, &out, &err) < 0, "ELF32 LSB: library not on this host");
	like(err.msg, "libjxyz.so.7", "ELF32 LSB: DT_NEEDED read correctly");

	/* A 32-bit libjsolo.so earlier in the RUNPATH than the real 64-bit
	 * one is skipped, as ld.so skips it. */
	{
		struct stat st;

		snprintf(p, sizeof(p), "%s/c/bin/prog", tmp);
		if (stat(p, &st) == 0) {
			char lib32[PATH_MAX + 64], want[PATH_MAX + 64], real[PATH_MAX];

			b = build_elf(&o, false, false, EM_386, NULL, NULL, NULL);
			snprintf(lib32, sizeof(lib32), "%s/c/lib32/libjsolo.so", tmp);
			write_file(lib32, o.b, b.size, 0755);
			ok(sh("%s", p) == 0, "ld.so runs the program past the 32-bit library");
			ok(deps_of("/", p, &out, &err) == 0, "resolves past the 32-bit library: %s",
			   err.msg);
			snprintf(want, sizeof(want), "%s/c/lib/libjsolo.so",
				 realpath(tmp, real) ? real : tmp);
			ok(jail_strv_contains(&out, want), "the 64-bit library is chosen");
			ok(!has_suffix(&out, "/lib32/libjsolo.so"), "the 32-bit one is not");
			jail_strv_clear(&out);
		} else {
			ok(0, "the 32-bit skip fixture was compiled");
		}
	}

	/* A DT_NEEDED with a slash naming a non-ELF host file is refused:
	 * nobody gets /etc/shadow copied by crafting a binary. */
	{
		static const char *const shadow[] = {"/etc/passwd", NULL};
		b = build_elf(&o, true, false, EM_X86_64, "/lib64/ld-linux-x86-64.so.2", shadow,
			      NULL);
		snprintf(p, sizeof(p), "%s/hshadow", tmp);
		write_file(p, o.b, b.size, 0755);
		ok(deps_of("/", p, &out, &err) < 0 && !jail_strv_contains(&out, "/etc/passwd"),
		   "DT_NEEDED naming a non-ELF file is not returned");
		like(err.msg, "/etc/passwd", "and the error names it");
	}

	/* Corruptions: each must be an error naming the file, never a crash. */
#define CORRUPT(name, expr_mutate, msgpart)                                                        \
	do {                                                                                       \
		b = build_elf(&o, true, false, EM_X86_64, "/lib64/ld-linux-x86-64.so.2",           \
			      libc_only, NULL);                                                    \
		expr_mutate;                                                                       \
		snprintf(p, sizeof(p), "%s/bad-%s", tmp, name);                                    \
		write_file(p, o.b, b.size, 0755);                                                  \
		jail_error_clear(&err);                                                            \
		ok(deps_of("/", p, &out, &err) < 0, "corrupt ELF (%s) is an error", name);         \
		like(err.msg, msgpart, "  and says so: %s", err.msg);                              \
		like(err.msg, p, "  and names the file");                                          \
		jail_strv_clear(&out);                                                             \
	} while (0)

	CORRUPT("ident", b.size = 10, "truncated");
	CORRUPT("header", b.size = 40, "truncated ELF header");
	CORRUPT("phoff", put64(&o, 32, 1u << 30), "program header table lies outside");
	CORRUPT("phoff-wrap", put64(&o, 32, UINT64_MAX - 8), "program header table lies outside");
	CORRUPT("phnum", put16(&o, 56, 0xfffe), "program header table");
	CORRUPT("phnum-xnum", put16(&o, 56, 0xffff), "PN_XNUM");
	CORRUPT("phentsize", put16(&o, 54, 8), "e_phentsize");
	CORRUPT("class", o.b[EI_CLASS] = 7, "unknown ELF class");
	CORRUPT("data", o.b[EI_DATA] = 9, "unknown ELF byte order");
	CORRUPT("load-past-eof", put64(&o, b.phoff + 32, 1u << 20), "PT_LOAD");
	CORRUPT("dynamic-past-eof", put64(&o, b.phoff + 56 + 8, 1u << 24), "PT_DYNAMIC");
	CORRUPT("dynamic-huge", put64(&o, b.phoff + 56 + 32, UINT64_MAX), "PT_DYNAMIC");
	CORRUPT("strtab-range", put64(&o, b.dyn_off + b.strtab_ent * 16 + 8, 0xffffffff0ULL),
		"DT_STRTAB");
	CORRUPT("strsz-range", put64(&o, b.dyn_off + b.strsz_ent * 16 + 8, 1u << 20), "DT_STRSZ");
	CORRUPT("needed-offset", put64(&o, b.dyn_off + 8, 1u << 16), "out of range");
	CORRUPT("needed-unterminated", put64(&o, b.dyn_off + b.strsz_ent * 16 + 8, b.needed0 + 3),
		"not NUL-terminated");
	CORRUPT("interp-unterminated",
		o.b[b.interp_off + strlen("/lib64/ld-linux-x86-64.so.2")] = 'x',
		"PT_INTERP is not NUL-terminated");
	CORRUPT("interp-range", put64(&o, b.phoff + 112 + 8, 1u << 20), "PT_INTERP");
	CORRUPT("interp-missing", strcpy((char *)o.b + b.interp_off, "/lib64/ld-nonexistent.so.2"),
		"ld-nonexistent");
	CORRUPT("no-strtab", put64(&o, b.dyn_off + b.strtab_ent * 16, DT_DEBUG), "no DT_STRTAB");
	CORRUPT("truncated-half", b.size = b.str_off, "outside the file");
#undef CORRUPT

	/* Random corruption of the headers: any outcome but a crash. */
	{
		unsigned seed = 12345;
		int errors = 0;
		jail_elf_resolver_t *r = NULL;

		jail_elf_resolver_new("/", &r, &err);
		for (int i = 0; i < 2000; i++) {
			b = build_elf(&o, (i & 1) != 0, (i & 2) != 0, EM_X86_64,
				      "/lib64/ld-linux-x86-64.so.2", libc_only, "$ORIGIN/x");
			for (int k = 0; k < 4; k++) {
				seed = seed * 1103515245 + 12345;
				o.b[(seed >> 8) % (b.size < 400 ? b.size : 400)] ^=
				    (unsigned char)(1u << ((seed >> 4) & 7));
			}
			snprintf(p, sizeof(p), "%s/fuzz-%d", tmp, i);
			write_file(p, o.b, b.size, 0755);
			if (jail_elf_deps(r, p, &out, &err) < 0)
				errors++;
			unlink(p);
		}
		jail_strv_clear(&out);
		jail_elf_resolver_free(r);
		ok(errors > 0, "2000 randomly corrupted headers survived (%d were errors)", errors);
	}
}

/* ---- a fixture root with its own ld.so.conf ----------------------------- */

static void test_fixture_root(void)
{
	char root[PATH_MAX + 64], p[PATH_MAX + 160];
	jail_strv_t out = {0};
	jail_error_t err = {0};
	struct out_buf o;
	struct built b;

	snprintf(root, sizeof(root), "%s/root", tmp);
	if (sh("set -e; R=%s; mkdir -p $R/etc/ld.so.conf.d $R/early32 $R/opt/lib/ $R/x86 "
	       "$R/lib/x86_64-linux-gnu $R/bin;"
	       "printf 'include ld.so.conf.d/*.conf\\n# comment\\n/early32\\n' > $R/etc/ld.so.conf;"
	       "printf '/opt/lib/   # trailing slash and comment\\n' > $R/etc/ld.so.conf.d/a.conf;"
	       "printf 'hwcap 0 nosegneg\\n/nonexistent=libc6\\nrelative/dir\\n' > "
	       "$R/etc/ld.so.conf.d/b.conf;"
	       "cp /lib64/ld-linux-x86-64.so.2 $R/x86/; ln -s /x86 $R/lib64;"
	       "cp /lib/x86_64-linux-gnu/libc.so.6 $R/lib/x86_64-linux-gnu/;"
	       "cd %s; cc -shared -fPIC -Wl,-soname,libjfoo.so.1 -o $R/opt/lib/libjfoo.so.1 two.c;"
	       "cc -o $R/bin/prog main2.c -L$R/opt/lib -l:libjfoo.so.1",
	       root, tmp) < 0) {
		ok(0, "build the fixture root");
		return;
	}
	/* A 32-bit libjfoo.so.1 in /early32, which ld.so.conf lists after
	 * the include but which must be skipped whatever its place. */
	b = build_elf(&o, false, false, EM_386, NULL, NULL, NULL);
	snprintf(p, sizeof(p), "%s/early32/libjfoo.so.1", root);
	write_file(p, o.b, b.size, 0755);
	/* And one in the include's directory listed first, the real one. */
	ok(deps_of(root, "/bin/prog", &out, &err) == 0, "fixture root resolves: %s", err.msg);
	ok(jail_strv_contains(&out, "/opt/lib/libjfoo.so.1"),
	   "library found through an ld.so.conf include glob (path beneath the root)");
	ok(jail_strv_contains(&out, "/lib64/ld-linux-x86-64.so.2"),
	   "interpreter reached through an absolute symlink inside the root");
	ok(jail_strv_contains(&out, "/lib/x86_64-linux-gnu/libc.so.6"),
	   "libc from the default dirs");
	is_int(out.n, 3, "nothing else");
	dump(&out);
	jail_strv_clear(&out);

	/* Make the 32-bit one come first: a conf listing /early32 before /opt/lib. */
	snprintf(p, sizeof(p), "%s/etc/ld.so.conf", root);
	write_file(p, "/early32\ninclude /etc/ld.so.conf.d/*.conf\n", 41, 0644);
	ok(deps_of(root, "/bin/prog", &out, &err) == 0 &&
	       jail_strv_contains(&out, "/opt/lib/libjfoo.so.1") &&
	       !jail_strv_contains(&out, "/early32/libjfoo.so.1"),
	   "a 32-bit library in an earlier ld.so.conf directory is skipped");
	jail_strv_clear(&out);

	/* Without the conf, the library is not found: ld.so.conf was used. */
	unlink(p);
	ok(deps_of(root, "/bin/prog", &out, &err) < 0, "without ld.so.conf the library is missing");
	like(err.msg, "libjfoo.so.1", "error names it");

	/* An include loop is an error, not a hang. */
	write_file(p, "include /etc/ld.so.conf\n", 24, 0644);
	ok(deps_of(root, "/bin/prog", &out, &err) == -2, "an ld.so.conf include loop is an error");
	like(err.msg, "nested too deep", "error says so");
}

static void test_speed(void)
{
	jail_elf_resolver_t *r = NULL;
	jail_error_t err = {0};
	jail_strv_t out = {0};
	struct timespec a, b;
	char cmd[] = "ls -d /usr/bin/* /usr/sbin/*";
	char line[PATH_MAX];
	int n = 0, failed = 0;
	double secs;
	FILE *p;

	jail_elf_resolver_new("/", &r, &err);
	clock_gettime(CLOCK_MONOTONIC, &a);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (jail_elf_deps(r, line, &out, &err) < 0)
			failed++;
		n++;
	}
	if (p)
		pclose(p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	diag("resolved %d files of /usr/bin and /usr/sbin in %.3f s (%d errors, %zu distinct deps)",
	     n, secs, failed, out.n);
	ok(n > 100 && secs < 10.0, "resolving every program on the host is quick");
	jail_strv_clear(&out);
	jail_elf_resolver_free(r);
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/test_elfdeps.XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_real();
	test_ldd_oracle();
	test_scripts();
	test_origin();
	test_handmade();
	test_fixture_root();
	test_speed();
	sh("rm -rf %s", tmp);
	return done_testing();
}
