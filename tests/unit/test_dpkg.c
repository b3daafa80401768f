/* dpkg's database as text (lib/tree/dpkg.h): status stanzas, the closure
 * through Depends/Pre-Depends (alternatives, version constraints, arch
 * qualifiers, Provides, packages that are not installed, cycles), .list
 * files and their documentation filter, a missing .list; and the host's
 * real database, read through the trusted loader. */
#define _GNU_SOURCE
#include "tap.h"
#include "tree/dpkg.h"
#include "tree/tree-internal.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static const char status_text[] = "Package: dpkg\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Description: the package manager\n"
				  " with a continuation line\n"
				  " .\n"
				  " and a paragraph break\n"
				  "\n"
				  "Package: app\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Version: 1.0\n"
				  "Pre-Depends: libc6 (>= 2.36)\n"
				  "Depends: python3:any (>= 3.11~), gone-pkg (>= 1) | libalt,\n"
				  " mail-transport-agent, libmulti:i386\n"
				  "\n"
				  "Package: libc6\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Depends: libgcc-s1\n"
				  "\n"
				  "Package: libc6\n"
				  "Status: install ok installed\n"
				  "Architecture: i386\n"
				  "\n"
				  "Package: libgcc-s1\n"
				  "Status: install ok triggers-pending\n"
				  "Architecture: amd64\n"
				  "Depends: libc6 (>= 2.35)\n"
				  "\n"
				  "Package: python3\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Depends: python3-minimal (= 3.11.2-1+b1), app\n"
				  "\n"
				  "Package: python3-minimal\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Depends: python3 [amd64] <!nocheck>\n"
				  "\n"
				  "Package: gone-pkg\n"
				  "Status: deinstall ok config-files\n"
				  "Architecture: amd64\n"
				  "\n"
				  "Package: libalt\n"
				  "Status: install ok installed\n"
				  "Architecture: all\n"
				  "\n"
				  "Package: exim4-daemon-light\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Provides: mail-transport-agent, exim4-localscanapi-6.0\n"
				  "\n"
				  "Package: postfix\n"
				  "Status: deinstall ok config-files\n"
				  "Architecture: amd64\n"
				  "Provides: mail-transport-agent\n"
				  "\n"
				  "Package: libmulti\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "\n"
				  "Package: libmulti\n"
				  "Status: install ok installed\n"
				  "Architecture: i386\n"
				  "\n"
				  "Package: broken-dep\n"
				  "Status: install ok installed\n"
				  "Architecture: amd64\n"
				  "Depends: not-there\n"
				  "\n"
				  "Package: half\n"
				  "Status: install ok half-installed\n"
				  "Architecture: amd64\n";

static jail_dpkg_db_t *db;

struct warns {
	char buf[2048];
	int n;
};

static void collect(void *arg, const char *msg)
{
	struct warns *w = arg;

	w->n++;
	strncat(w->buf, msg, sizeof(w->buf) - strlen(w->buf) - 2);
	strcat(w->buf, "\n");
}

/* The closure of NAMES (space-separated) as "name:arch ..." or NULL. */
static char *closure(const char *names, bool lenient, struct warns *w, jail_error_t *err)
{
	static char out[1024];
	jail_strv_t v = {0};
	size_t *pk = NULL, n = 0;
	int rc;

	jail_error_clear(err);
	jail_split_list(names, &v, err);
	rc = jail_dpkg_closure(db, &v, lenient, collect, w, &pk, &n, err);
	jail_strv_clear(&v);
	if (rc < 0)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char one[128];
		snprintf(one, sizeof(one), "%s%s:%s", i ? " " : "", db->v[pk[i]].name,
			 db->v[pk[i]].arch);
		strncat(out, one, sizeof(out) - strlen(out) - 1);
	}
	free(pk);
	return out;
}

static void test_status(void)
{
	jail_error_t err = {0};
	jail_dpkg_db_t *bad = NULL;

	ok(jail_dpkg_parse_status("status", status_text, strlen(status_text), &db, &err) == 0,
	   "the crafted status parses: %s", err.msg);
	if (db == NULL)
		return;
	is_int(db->n, 15, "one entry per stanza (two architectures of libc6 are two)");
	is_str(db->native, "amd64", "the native architecture is dpkg's own");
	is_str(db->v[1].depends,
	       "python3:any (>= 3.11~), gone-pkg (>= 1) | libalt, mail-transport-agent, "
	       "libmulti:i386",
	       "a continuation line extends Depends");
	ok(db->v[4].installed, "'install ok triggers-pending' counts as installed");
	ok(!db->v[7].installed, "'deinstall ok config-files' is not installed");
	ok(!db->v[14].installed, "'install ok half-installed' is not installed");

	ok(jail_dpkg_parse_status("s", "Status: install ok installed\n", 29, &bad, &err) < 0,
	   "a stanza without Package is refused");
	like(err.msg, "s:1: stanza without a Package field", "the error names the line");
	ok(jail_dpkg_parse_status("s", "Package: a1\nno colon here\n", 26, &bad, &err) < 0,
	   "a line without ':' is refused");
	like(err.msg, "s:2: expected 'Field: value'", "the error names the line");
	ok(jail_dpkg_parse_status("s", "Package: ../x\n", 14, &bad, &err) < 0,
	   "a package name with '/' is refused");
	ok(jail_dpkg_parse_status("s", "Package: aa\nPackage: bb\n", 24, &bad, &err) < 0,
	   "a repeated field is refused");
	ok(jail_dpkg_parse_status("s", "Package: a\0b\n", 13, &bad, &err) < 0,
	   "a NUL byte is refused");
}

static void test_closure(void)
{
	jail_error_t err = {0};
	struct warns w = {0};
	char *got;

	got = closure("app", false, &w, &err);
	is_str(got,
	       "app:amd64 libc6:amd64 python3:amd64 libalt:all exim4-daemon-light:amd64 "
	       "libmulti:i386 libgcc-s1:amd64 python3-minimal:amd64",
	       "closure: Pre-Depends, Depends, the first installed alternative, a virtual "
	       "package's installed provider, an arch qualifier, each once despite cycles");
	is_int(w.n, 0, "no warning when everything is installed");

	memset(&w, 0, sizeof(w));
	got = closure("python3-minimal", false, &w, &err);
	like(got, "python3-minimal:amd64 python3:amd64 app:amd64",
	     "a cycle (python3 <-> python3-minimal <-> app) ends; [arch] and <profile> ignored");

	memset(&w, 0, sizeof(w));
	got = closure("libc6:i386", false, &w, &err);
	is_str(got, "libc6:i386", "NAME:ARCH picks that architecture");
	got = closure("libc6", false, &w, &err);
	is_str(got, "libc6:amd64 libgcc-s1:amd64", "a bare name picks the native architecture");

	memset(&w, 0, sizeof(w));
	got = closure("broken-dep", false, &w, &err);
	is_str(got, "broken-dep:amd64", "a dependency that is not installed is skipped");
	is_int(w.n, 1, "... with one warning");
	like(w.buf, "package broken-dep:amd64: Depends 'not-there' is not installed",
	     "the warning names the package and the dependency");

	got = closure("gone-pkg", false, &w, &err);
	ok(got == NULL, "a requested package in state config-files is refused");
	is_int(err.code, ENOENT, "... with ENOENT");
	like(err.msg,
	     "package 'gone-pkg' is not installed on this host (dpkg status: deinstall ok "
	     "config-files)",
	     "the error names it and its dpkg status");
	got = closure("app nosuch", false, &w, &err);
	ok(got == NULL, "a requested package dpkg does not know is refused");
	like(err.msg, "package 'nosuch' is not installed", "the error names it");
	got = closure("half", false, &w, &err);
	ok(got == NULL, "a half-installed package is refused");

	memset(&w, 0, sizeof(w));
	got = closure("nosuch app", true, &w, &err);
	like(got, "app:amd64", "lenient (update): a vanished package is skipped, the rest kept");
	like(w.buf, "package 'nosuch' is not installed", "... with a warning naming it");

	got = closure("mail-transport-agent", false, &w, &err);
	is_str(got, "exim4-daemon-light:amd64",
	       "a virtual name requested directly resolves to its installed provider");
	got = closure("Bad_Name", false, &w, &err);
	ok(got == NULL, "an invalid package name is refused");
	like(err.msg, "is not a Debian package name", "... saying so");
}

static void test_bad_depends(void)
{
	static const char text[] = "Package: dpkg\nStatus: install ok installed\nArchitecture: "
				   "amd64\nDepends: libc6 (>= 1) junk\n";
	jail_dpkg_db_t *d = NULL, *save = db;
	jail_error_t err = {0};
	struct warns w = {0};

	ok(jail_dpkg_parse_status("st", text, strlen(text), &d, &err) == 0, "parses");
	db = d;
	ok(closure("dpkg", false, &w, &err) == NULL, "a malformed Depends entry is an error");
	like(err.msg, "st:1: package dpkg: malformed Depends entry 'libc6 (>= 1) junk'",
	     "the error names the file, the package and the entry");
	db = save;
	jail_dpkg_db_free(d);
}

static const char *lists[][2] = {
    {"app", "/.\n/usr\n/usr/bin\n/usr/bin/app\n/usr/share/doc/app/copyright\n"
	    "/usr/share/man/man1/app.1.gz\n/usr/share/locale/de/LC_MESSAGES/app.mo\n"
	    "/usr/share/lintian/overrides/app\n/usr/share/bug/app/control\n"
	    "/usr/share/info/app.info.gz\n/usr/share/docs-not/x\n/usr/lib/app/mod.py\n"},
    {"libc6", "/lib/x86_64-linux-gnu/libc.so.6\n"},
};

static int fake_list(void *arg, const jail_dpkg_pkg_t *p, char **buf, size_t *len,
		     jail_error_t *err)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (strcmp(lists[i][0], p->name) == 0) {
			*buf = strdup(lists[i][1]);
			*len = strlen(*buf);
			return 0;
		}
	}
	return jail_error_fmt(err, ENOENT, "no list for %s", p->name);
}

static void test_lists(void)
{
	jail_error_t err = {0};
	jail_strv_t paths = {0};
	struct warns w = {0};
	size_t pk[2];

	ok(jail_dpkg_parse_list("a.list", lists[0][1], strlen(lists[0][1]), false, &paths, &err) ==
	       0,
	   "a .list parses");
	is_int(paths.n, 5, "'/.' and the documentation are left out");
	is_str(paths.v[0], "/usr", "directories are kept (the tree writer skips them)");
	is_str(paths.v[3], "/usr/share/docs-not/x", "a prefix match stops at a path component");
	jail_strv_clear(&paths);
	ok(jail_dpkg_parse_list("a.list", lists[0][1], strlen(lists[0][1]), true, &paths, &err) ==
	       0,
	   "with docs");
	is_int(paths.n, 11, "documentation is kept when asked");
	jail_strv_clear(&paths);
	ok(jail_dpkg_parse_list("a.list", "usr/bin/x\n", 10, false, &paths, &err) < 0,
	   "a relative path in a .list is refused");
	like(err.msg, "a.list:1: 'usr/bin/x' is not an absolute path", "... naming the line");
	jail_strv_clear(&paths);

	ok(jail_dpkg_is_doc("/usr/share/man") && !jail_dpkg_is_doc("/usr/share/manx"),
	   "is_doc matches whole components");

	/* app (requested) has a list; broken-dep (requested) has none. */
	pk[0] = 1; /* app */
	pk[1] = 2; /* libc6:amd64 */
	ok(jail_dpkg_files(db, pk, 2, 1, false, fake_list, NULL, collect, &w, &paths, &err) == 0,
	   "files of a closure");
	is_int(paths.n, 6, "both lists, without documentation");
	jail_strv_clear(&paths);
	pk[1] = 4; /* libgcc-s1, no list */
	memset(&w, 0, sizeof(w));
	ok(jail_dpkg_files(db, pk, 2, 1, false, fake_list, NULL, collect, &w, &paths, &err) == 0,
	   "a dependency without a .list is skipped");
	like(w.buf, "package libgcc-s1:amd64 is installed but has no file list",
	     "... with a warning naming it");
	jail_strv_clear(&paths);
	pk[0] = 4;
	ok(jail_dpkg_files(db, pk, 1, 1, false, fake_list, NULL, collect, &w, &paths, &err) < 0,
	   "a requested package without a .list is an error");
	like(err.msg, "file list of package libgcc-s1:amd64", "... naming it");
	jail_strv_clear(&paths);
}

/* The host's own database, through the trusted loader. */
static void test_host(void)
{
	jail_dpkg_db_t *h = NULL;
	jail_error_t err = {0};
	jail_strv_t names = {0}, paths = {0};
	size_t *pk = NULL, n = 0;
	bool libc = false;

	if (access(JAIL_DPKG_STATUS, R_OK) != 0) {
		ok(0, "the host has %s (a Debian system)", JAIL_DPKG_STATUS);
		return;
	}
	ok(jail_dpkg_load("/", &h, &err) == 0, "the host's status loads: %s", err.msg);
	if (h == NULL)
		return;
	jail_strv_push(&names, "coreutils", &err);
	int rc = jail_dpkg_closure(h, &names, false, NULL, NULL, &pk, &n, &err);
	ok(rc == 0 && n >= 2, "coreutils has a closure (%zu packages)", n);
	ok(jail_dpkg_files(h, pk, n, 1, false, jail_dpkg_read_list, (void *)"/", NULL, NULL, &paths,
			   &err) == 0,
	   "its .list files are read: %s", err.msg);
	for (size_t i = 0; i < paths.n; i++)
		if (strstr(paths.v[i], "/libc.so.6"))
			libc = true;
	ok(libc, "libc.so.6 is among the files (libc6 is in the closure)");
	ok(jail_strv_contains(&paths, "/bin/ls") || jail_strv_contains(&paths, "/usr/bin/ls"),
	   "ls is among the files");
	free(pk);
	jail_strv_clear(&names);
	jail_strv_clear(&paths);
	jail_dpkg_db_free(h);
	ok(jail_dpkg_load("/nonexistent", &h, &err) < 0, "a root without a database fails");
	like(err.msg, "dpkg database", "... saying what was read");
}

/* The manifest records packages: 'p NAME', 'pd NAME' with documentation,
 * sorted before the sections and the paths. */
static void test_manifest(void)
{
	static const char text[] = "f /usr/bin/borg\ns basicshell\npd python3\np borgbackup\n";
	jail_manifest_t *m = NULL;
	jail_error_t err = {0};
	char *out;
	size_t len = 0;

	ok(jail_manifest_parse("manifest", text, strlen(text), &m, &err) == 0,
	   "a manifest with packages parses: %s", err.msg);
	if (m == NULL)
		return;
	out = jail_manifest_format(m, &len, &err);
	like(out, "p borgbackup\npd python3\ns basicshell\nf /usr/bin/borg\n",
	     "packages sort first, then sections, then paths; 'pd' keeps its flag");
	ok(jail_manifest_find(m, "/usr/bin/borg") != NULL, "find skips the packages");
	free(out);
	jail_manifest_free(m);
	ok(jail_manifest_parse("manifest", "p a/b\n", 6, &m, &err) < 0,
	   "a package name with '/' is refused");
	ok(jail_manifest_parse("manifest", "fd /usr/bin/x\n", 14, &m, &err) < 0,
	   "the 'd' flag is for packages only");
}

int main(void)
{
	test_manifest();
	test_status();
	if (db) {
		test_closure();
		test_bad_depends();
		test_lists();
	}
	test_host();
	jail_dpkg_db_free(db);
	return done_testing();
}
