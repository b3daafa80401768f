/* The command-set parser: jailkit's own jk_init.ini and our shipped
 * templates/sections.ini parse and expand; the grammar's corners and every
 * error carries FILE:LINE.  Run from the repository top (tests/run.sh). */
#define _GNU_SOURCE
#include "tap.h"
#include "tree/sections.h"

#include <errno.h>
#include <stdio.h>

static jail_sections_t *parse(const char *text, jail_error_t *err)
{
	jail_sections_t *s = NULL;

	jail_error_clear(err);
	if (jail_sections_parse("t.ini", text, strlen(text), &s, err) < 0)
		return NULL;
	return s;
}

static bool expand_names(const jail_sections_t *s, const char *names, char *buf, size_t len,
			 jail_error_t *err)
{
	jail_strv_t want = {0};
	const jail_section_t **v = NULL;
	size_t n = 0;
	int rc;

	jail_split_list(names, &want, err);
	rc = jail_sections_expand(s, &want, &v, &n, err);
	jail_strv_clear(&want);
	buf[0] = '\0';
	if (rc < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, v[i]->name, len - strlen(buf) - 1);
	}
	free(v);
	return true;
}

/* Every section of a file expands alone, and all of them together. */
static void expand_all(const jail_sections_t *s, const char *label)
{
	jail_strv_t all = {0};
	const jail_section_t **v = NULL;
	size_t n = 0;
	int bad = 0;
	jail_error_t err = {0};

	for (size_t i = 0; i < s->n; i++) {
		jail_strv_t one = {0};

		jail_strv_push(&one, s->v[i].name, NULL);
		jail_strv_push(&all, s->v[i].name, NULL);
		if (jail_sections_expand(s, &one, &v, &n, &err) < 0 || n == 0 ||
		    v[n - 1] != &s->v[i]) {
			diag("[%s]: %s", s->v[i].name, err.msg);
			bad++;
		}
		free(v);
		v = NULL;
		jail_strv_clear(&one);
	}
	ok(bad == 0, "%s: each of the %zu sections expands, itself last", label, s->n);
	ok(jail_sections_expand(s, &all, &v, &n, &err) == 0 && n == s->n,
	   "%s: all sections together expand to each once (%zu)", label, n);
	free(v);
	jail_strv_clear(&all);
}

static void test_jailkit_file(void)
{
	jail_sections_t *s = NULL;
	jail_error_t err = {0};
	const jail_section_t *sec;
	char buf[1024];

	ok(jail_sections_load("/etc/jailkit/jk_init.ini", &s, &err) == 0,
	   "jailkit's /etc/jailkit/jk_init.ini parses: %s", err.msg);
	if (s == NULL)
		return;
	ok(s->n >= 25, "it has its %zu sections", s->n);
	sec = jail_sections_find(s, "basicshell");
	ok(sec && jail_strv_contains(&sec->paths, "/bin/sh") &&
	       jail_strv_contains(&sec->paths, "bash") &&
	       jail_strv_contains(&sec->paths, "/usr/lib/locale/en_US.utf8"),
	   "[basicshell] paths read, first and last item included");
	ok(sec && jail_strv_contains(&sec->users, "root") &&
	       jail_strv_contains(&sec->groups, "root"),
	   "[basicshell] users and groups");
	is_str(sec ? sec->comment : NULL, "bash based shell with several basic utilities",
	       "[basicshell] comment");
	sec = jail_sections_find(s, "uidbasics");
	ok(sec && sec->paths.n == 12 && jail_strv_contains(&sec->paths, "/etc/nsswitch.conf"),
	   "[uidbasics] has its 12 paths (the commented Solaris line is skipped)");
	sec = jail_sections_find(s, "logbasics");
	ok(sec && sec->need_logsocket, "[logbasics] need_logsocket = 1");
	sec = jail_sections_find(s, "openvpn");
	ok(sec && sec->need_logsocket && jail_strv_contains(&sec->devices, "/dev/net/tun") &&
	       jail_strv_contains(&sec->users, "nobody") &&
	       jail_strv_contains(&sec->groups, "nogroup"),
	   "[openvpn] devices, users 'root,nobody' without blanks, need_logsocket");
	sec = jail_sections_find(s, "ping");
	ok(sec && jail_strv_contains(&sec->paths_w_setuid, "/bin/ping"), "[ping] paths_w_setuid");
	ok(jail_sections_find(s, "xterm") == NULL, "the commented-out [xterm] is not a section");
	sec = jail_sections_find(s, "sftp");
	ok(sec && !sec->need_logsocket && sec->includes.n == 2, "[sftp] includes two sections");

	ok(expand_names(s, "basicshell sftp", buf, sizeof(buf), &err),
	   "'basicshell sftp' expands: %s", err.msg);
	is_str(buf, "uidbasics basicshell netbasics sftp",
	       "includes come first, each section once");
	ok(expand_names(s, "interactiveshell", buf, sizeof(buf), &err),
	   "[interactiveshell] (sections included from several places) expands");
	is_str(buf,
	       "uidbasics basicshell terminfo editors midnightcommander extendedshell "
	       "interactiveshell",
	       "depth-first order");
	expand_all(s, "jk_init.ini");
	jail_sections_free(s);
}

static void test_shipped_file(void)
{
	static const char *const required[] = {
	    "uidbasics",     "netbasics", "logbasics", "basicshell", "interactiveshell",
	    "extendedshell", "editors",	  "netutils",  "terminfo",   "locale",
	    "sftp",	     "scp",	  "rsync",     "git",	     "ssh",
	    "jailsh"};
	jail_sections_t *s = NULL;
	jail_error_t err = {0};
	int missing = 0, nocomment = 0;

	ok(jail_sections_load("templates/sections.ini", &s, &err) == 0,
	   "templates/sections.ini parses: %s", err.msg);
	if (s == NULL)
		return;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (jail_sections_find(s, required[i]) == NULL) {
			diag("missing [%s]", required[i]);
			missing++;
		}
	}
	ok(missing == 0, "every required section is shipped");
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].comment[0] == '\0') {
			diag("[%s] has no comment", s->v[i].name);
			nocomment++;
		}
	}
	ok(nocomment == 0, "every shipped section has a comment");
	expand_all(s, "sections.ini");
	jail_sections_free(s);
}

static void test_grammar(void)
{
	jail_error_t err = {0};
	jail_sections_t *s;
	const jail_section_t *a;

	s = parse("; leading comment\n"
		  "[a]\n"
		  "comment = first\n"
		  "   second line of the comment\n"
		  "PATHS = /x, /y\n"
		  "  /z,\n"
		  "\n"
		  "  # a comment inside a value does not end it\n"
		  "  /w\n"
		  "executables: ls\n"
		  "regularfiles = /etc/motd\n"
		  "directories = /usr/share/x\n"
		  "libraries = /lib/libz.so.1\n"
		  "paths_w_owner=/o\n"
		  "emptydirs = /tmp, /var/tmp\n"
		  "devices = /dev/null\n"
		  "need_logsocket = yes\n"
		  "need_proc = 0\n"
		  "  [not a header: continues need_proc?]\n",
		  &err);
	ok(s == NULL, "a continuation of a boolean makes it no boolean");
	like(err.msg, "t.ini:19:", "error at the end of the value, with its line");
	like(err.msg, "need_proc", "error names the key");

	s = parse("; leading comment\n"
		  "[a]\n"
		  "comment = first\n"
		  "   second line of the comment\n"
		  "PATHS = /x, /y\n"
		  "  /z,\n"
		  "\n"
		  "  # a comment inside a value does not end it\n"
		  "  /w\n"
		  "executables: ls\n"
		  "regularfiles = /etc/motd\n"
		  "directories = /usr/share/x\n"
		  "libraries = /lib/libz.so.1\n"
		  "paths_w_owner=/o\n"
		  "emptydirs = /tmp, /var/tmp\n"
		  "devices = /dev/null\n"
		  "need_logsocket = yes\r\n"
		  "need_proc = 0\n"
		  "[ b ]   ; comment after the header\n"
		  "includesections = a,,a\n",
		  &err);
	ok(s != NULL, "a file using every key and the grammar's corners parses: %s", err.msg);
	if (s == NULL)
		return;
	a = jail_sections_find(s, "a");
	is_str(a->comment, "first second line of the comment", "continued comment is joined");
	is_int(a->paths.n, 8, "paths and all four synonyms land in paths");
	ok(a->paths.n == 8 && strcmp(a->paths.v[2], "/z") == 0 &&
	       strcmp(a->paths.v[3], "/w") == 0 && strcmp(a->paths.v[4], "ls") == 0 &&
	       strcmp(a->paths.v[7], "/lib/libz.so.1") == 0,
	   "in file order, continuation lines split on line breaks, 'key: value' works");
	ok(a->paths_w_owner.n == 1 && a->emptydirs.n == 2 && a->devices.n == 1, "other lists");
	ok(a->need_logsocket && !a->need_proc, "booleans (yes, 0; CRLF tolerated)");
	ok(jail_sections_find(s, "b") != NULL, "section name stripped, comment after header");
	is_int(jail_sections_find(s, "b")->includes.n, 2, "empty list items dropped");
	ok(jail_sections_find(s, "B") == NULL,
	   "section names are case-sensitive (as ConfigParser)");
	jail_sections_free(s);

	s = parse("[x]\n", &err);
	ok(s && s->v[0].comment && s->v[0].comment[0] == '\0' && s->v[0].paths.n == 0,
	   "an empty section has an empty comment and no paths");
	jail_sections_free(s);
	s = parse("", &err);
	ok(s && s->n == 0, "an empty file has no sections");
	jail_sections_free(s);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want, *name;
	} cases[] = {
	    {"paths = /x\n", "t.ini:1: key 'paths' before any [section]", "key before any section"},
	    {"[a]\njust words\n", "t.ini:2: expected 'key = value'", "line without '='"},
	    {"[a]\n[b\n", "t.ini:2: unterminated section header", "unterminated header"},
	    {"[a] x\n", "t.ini:1: unexpected text 'x'", "junk after header"},
	    {"[]\n", "t.ini:1: empty section name", "empty section name"},
	    {"[a]\n\n\nfoo = 1\n", "t.ini:4: [a] unknown key 'foo' (known keys: comment, paths,",
	     "unknown key: file, line, section, key, known keys"},
	    {"[a]\npaths = /x\nPaths = /y\n", "t.ini:3: [a] key 'paths' repeated",
	     "repeated key (ConfigParser strict)"},
	    {"[a]\n[b]\n[a]\n", "t.ini:3: section [a] repeated (first at line 1)",
	     "repeated section"},
	    {"[DEFAULT]\n", "t.ini:1: [DEFAULT] is not supported", "[DEFAULT]"},
	    {"[a]\nneed_logsocket = maybe\n",
	     "t.ini:2: [a] need_logsocket: 'maybe' is not a boolean", "bad boolean"},
	    {"[a]\nneed_logsocket =\n", "not a boolean", "empty boolean"},
	    {"[a]\n= x\n", "unknown key ''", "empty key"},
	};
	jail_error_t err = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jail_sections_t *s = parse(cases[i].text, &err);
		ok(s == NULL, "error: %s", cases[i].name);
		like(err.msg, cases[i].want, "  message: %s", err.msg);
		jail_sections_free(s);
	}
	{
		static const char nul[] = "[a]\npaths = /x\0y\n";
		jail_sections_t *s = NULL;
		ok(jail_sections_parse("t.ini", nul, sizeof(nul) - 1, &s, &err) < 0 && s == NULL,
		   "a NUL byte is refused");
		like(err.msg, "NUL", "  and said");
	}
	{
		jail_sections_t *s = NULL;
		ok(jail_sections_load("/nonexistent/sections.ini", &s, &err) < 0,
		   "a missing file is an error");
		like(err.msg, "/nonexistent/sections.ini: No such file", "  naming it");
		ok(jail_sections_load("/etc", &s, &err) < 0, "a directory is refused");
		like(err.msg, "not a regular file", "  as not a regular file");
	}
}

static void test_expand(void)
{
	jail_error_t err = {0};
	jail_sections_t *s;
	char buf[256];

	s = parse("[a]\nincludesections = b, c\n"
		  "[b]\nincludesections = d, a\n"
		  "[c]\nincludesections = d\n"
		  "[d]\n"
		  "[e]\nincludesections = nosuch\n"
		  "[self]\nincludesections = self\n",
		  &err);
	ok(s != NULL, "include graph parses");
	if (s == NULL)
		return;
	ok(expand_names(s, "a", buf, sizeof(buf), &err), "cycle a -> b -> a tolerated");
	is_str(buf, "d b c a", "depth-first, includes before the includer, each once");
	ok(expand_names(s, "c a d", buf, sizeof(buf), &err), "several requested sections");
	is_str(buf, "d c b a", "a section already expanded is not repeated");
	ok(expand_names(s, "self", buf, sizeof(buf), &err) && strcmp(buf, "self") == 0,
	   "a section including itself");
	ok(!expand_names(s, "nosuch", buf, sizeof(buf), &err), "unknown requested section fails");
	like(err.msg, "t.ini: no section [nosuch]", "  naming it and the file");
	ok(!expand_names(s, "e", buf, sizeof(buf), &err), "unknown included section fails");
	like(err.msg, "no section [nosuch] (included by [e])", "  naming both");
	jail_sections_free(s);

	/* A long chain does not recurse on the C stack. */
	{
		size_t n = 20000, len = 0, cap = n * 48;
		char *text = malloc(cap);
		jail_strv_t want = {0};
		const jail_section_t **v = NULL;
		size_t nv = 0;

		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(text + len, cap - len,
						"[s%zu]\nincludesections = s%zu\n", i, i + 1);
		len += (size_t)snprintf(text + len, cap - len, "[s%zu]\n", n);
		s = NULL;
		ok(jail_sections_parse("chain.ini", text, len, &s, &err) == 0,
		   "a 20000-section chain parses");
		jail_strv_push(&want, "s0", NULL);
		ok(s && jail_sections_expand(s, &want, &v, &nv, &err) == 0 && nv == n + 1 &&
		       strcmp(v[0]->name, "s20000") == 0,
		   "and expands to all of it, deepest first");
		free(v);
		jail_strv_clear(&want);
		jail_sections_free(s);
		free(text);
	}
}

int main(void)
{
	test_jailkit_file();
	test_shipped_file();
	test_grammar();
	test_errors();
	test_expand();
	return done_testing();
}
