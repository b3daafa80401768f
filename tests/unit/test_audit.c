/* Unit tests of the audit's parsers: the PAM session stack, the JSON and
 * text escapers, the passwd/group/shadow checks. */
#define _GNU_SOURCE
#include "tap.h"
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/test_audit.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(255);
	}
}

static void drop(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Concatenation of all findings' "path: problem (fix: fix)" for like(). */
static char *joined(const jail_findings_t *f)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < f->n; i++)
		len += strlen(f->v[i].path) + strlen(f->v[i].problem) + strlen(f->v[i].fix) + 16;
	s = calloc(1, len);
	for (size_t i = 0; s && i < f->n; i++) {
		strcat(s, f->v[i].path);
		strcat(s, ": ");
		strcat(s, f->v[i].problem);
		strcat(s, " (fix: ");
		strcat(s, f->v[i].fix);
		strcat(s, ")\n");
	}
	return s;
}

/* Run the PAM audit on SERVICE in the fixture dir. */
static char *pam_audit(const char *service, size_t *n)
{
	jail_findings_t f = {0};
	jail_error_t err = {0};
	char *s;

	if (jail_audit_pam(dir, service, &f, &err) < 0)
		diag("audit failed: %s", err.msg);
	*n = f.n;
	s = joined(&f);
	jail_findings_clear(&f);
	return s;
}

static void test_pam_stack(void)
{
	jail_pam_stack_t st = {0};
	jail_findings_t f = {0};
	jail_error_t err = {0};
	char *s;
	size_t n;

	put("common-session", "# a comment\n"
			      "session\t[default=1]\t\t\tpam_permit.so\n"
			      "session\trequisite\t\t\tpam_deny.so\n"
			      "session\trequired\t\t\tpam_permit.so\n"
			      "auth required pam_unix.so\n"
			      "session\toptional\tpam_systemd.so\n");
	put("last", "@include common-session\n"
		    "session [success=ok ignore=ignore module_unknown=ignore default=bad] "
		    "pam_selinux.so open\n"
		    "session required pam_env.so \\\n   user_readenv=1\n"
		    "session required /usr/lib/x86_64-linux-gnu/security/pam_jail.so "
		    "config=/etc/jail # the last one\n");
	ok(jail_pam_session_stack(dir, "last", &st, &f, &err) == 0, "stack of a good file parses");
	is_int(st.n, 7, "seven session modules (auth lines left out, includes followed)");
	if (st.n == 7) {
		is_str(st.v[0].module, "pam_permit.so", "first module from the @include");
		is_str(st.v[0].control, "[default=1]", "bracket control kept whole");
		is_str(st.v[4].control,
		       "[success=ok ignore=ignore module_unknown=ignore default=bad]",
		       "bracket control with spaces kept whole");
		is_str(st.v[5].module, "pam_env.so", "continuation line joined");
		is_int(st.v[6].line, 5, "line number counts the continuation");
		like(st.v[3].file, "/common-session", "entry names the included file");
	}
	is_int(f.n, 0, "no problem in a good stack");
	jail_pam_stack_clear(&st);
	jail_findings_clear(&f);

	s = pam_audit("last", &n);
	is_int(n, 0, "pam_jail last: no finding");
	free(s);

	put("notlast", "session required pam_jail.so\n"
		       "@include common-session\n"
		       "session required pam_limits.so\n");
	s = pam_audit("notlast", &n);
	is_int(n, 5, "pam_jail first: every later module is a finding");
	like(s, "session module pam_limits.so comes after pam_jail.so", "names the late module");
	like(s, "common-session: line 6: session module pam_systemd.so comes after",
	     "names the file and line of an included late module");
	like(s, "fix: move 'session required pam_jail.so' below it", "fix says where to move it");
	free(s);

	put("viainclude", "session required pam_limits.so\n@include jail-session\n");
	put("jail-session", "session requisite pam_jail.so\n");
	s = pam_audit("viainclude", &n);
	is_int(n, 0, "pam_jail last through an @include: no finding");
	free(s);

	put("missing", "@include common-session\nsession required pam_limits.so\n");
	s = pam_audit("missing", &n);
	is_int(n, 1, "pam_jail missing: one finding");
	like(s, "pam_jail.so is not in the session stack", "says pam_jail is missing");
	like(s, "fix: add 'session required pam_jail.so' as the last session line",
	     "fix says what to add");
	free(s);

	put("sub", "session substack jail-sub\nsession required pam_motd.so\n");
	put("jail-sub", "session required pam_env.so\nsession required pam_jail.so\n");
	s = pam_audit("sub", &n);
	is_int(n, 1, "module after a substack holding pam_jail: one finding");
	like(s, "pam_motd.so comes after pam_jail.so", "names the module after the substack");
	free(s);

	put("sub2", "session required pam_env.so\nsession include jail-sub\n");
	s = pam_audit("sub2", &n);
	is_int(n, 0, "session include of a file ending with pam_jail: no finding");
	free(s);

	put("optional", "session optional pam_jail.so\n");
	s = pam_audit("optional", &n);
	is_int(n, 1, "optional pam_jail: one finding");
	like(s, "control 'optional'", "says the control is wrong");
	free(s);

	put("dash", "-session required pam_jail.so\n");
	s = pam_audit("dash", &n);
	is_int(n, 1, "-session pam_jail: one finding");
	like(s, "'-session' skips pam_jail.so silently", "says -session skips it");
	free(s);

	put("sufficient", "session sufficient pam_permit.so\nsession required pam_jail.so\n");
	s = pam_audit("sufficient", &n);
	is_int(n, 1, "sufficient before pam_jail: one finding");
	like(s, "can end the session stack before pam_jail.so", "says it ends the stack");
	free(s);

	put("jump", "session [success=1 default=ignore] pam_succeed_if.so user = x\n"
		    "session required pam_jail.so\n");
	s = pam_audit("jump", &n);
	is_int(n, 1, "a jump over pam_jail: one finding");
	like(s, "can jump over pam_jail.so", "says it jumps over it");
	free(s);

	put("badinc", "@include nosuchfile\nsession required pam_jail.so\n");
	s = pam_audit("badinc", &n);
	is_int(n, 1, "missing include: one finding");
	like(s, "/nosuchfile: included from", "names the missing include and where from");
	free(s);

	put("outside", "@include ../../etc/pam.d/common-session\nsession required pam_jail.so\n");
	s = pam_audit("outside", &n);
	is_int(n, 1, "include outside the pam dir: one finding, not followed");
	like(s, "outside", "says it is outside the PAM directory");
	free(s);

	put("cycle-a", "@include cycle-b\nsession required pam_jail.so\n");
	put("cycle-b", "@include cycle-a\n");
	s = pam_audit("cycle-a", &n);
	is_int(n, 1, "include cycle: one finding, terminates");
	like(s, "include cycle", "says cycle");
	free(s);

	s = pam_audit("nosuchservice", &n);
	is_int(n, 1, "service file missing: one finding");
	like(s, "PAM service file missing", "says the service file is missing");
	free(s);

	for (const char *const *p =
		 (const char *const[]){"common-session", "last", "notlast", "viainclude",
				       "jail-session", "missing", "sub", "jail-sub", "sub2",
				       "optional", "dash", "sufficient", "jump", "badinc",
				       "outside", "cycle-a", "cycle-b", NULL};
	     *p; p++)
		drop(*p);
}

/* Run the audit of every service in the fixture dir. */
static char *pam_dir_audit(size_t *n)
{
	jail_findings_t f = {0};
	jail_error_t err = {0};
	char *s;

	if (jail_audit_pam_dir(dir, "sshd", &f, &err) < 0)
		diag("audit failed: %s", err.msg);
	*n = f.n;
	s = joined(&f);
	jail_findings_clear(&f);
	return s;
}

/* Every service that reaches pam_jail is audited, not only sshd. */
static void test_pam_dir(void)
{
	static const char *const files[] = {"sshd",  "common-session", "su",	 "su-l",
					    "login", "cron",	       "other",	 "sshd.dpkg-old",
					    "sudo~", "loop-a",	       "loop-b", NULL};
	char path[600];
	size_t n;
	char *s;

	put("common-session", "session required pam_unix.so\n");
	put("sshd", "@include common-session\nsession required pam_jail.so\n");
	put("cron", "@include common-session\nsession required pam_limits.so\n");
	put("other", "session required pam_deny.so\n");
	s = pam_dir_audit(&n);
	is_int(n, 0, "sshd last, other services without pam_jail: no finding");
	free(s);

	put("su", "session required pam_env.so\nsession required pam_jail.so\n");
	s = pam_dir_audit(&n);
	is_int(n, 0, "su with pam_jail last: no finding");
	free(s);

	put("su-l", "@include su\nsession required pam_jail.so\n");
	s = pam_dir_audit(&n);
	is_int(n, 1, "su-l includes su and adds its own pam_jail: one finding");
	snprintf(path, sizeof(path),
		 "%s/su-l: pam_jail.so is in the session stack of service su-l 2 times (%s/su line "
		 "2, %s/su-l line 2)",
		 dir, dir, dir);
	like(s, path, "the duplicate names the service file and both lines");
	snprintf(path, sizeof(path),
		 "keep one pam_jail.so line in the stack of su-l: remove %s/su-l line 2)", dir);
	like(s, path, "the fix removes the service's own line, not the shared one");
	free(s);
	put("su-l", "@include su\n");

	put("login", "session required pam_jail.so\nsession optional pam_motd.so\n");
	s = pam_dir_audit(&n);
	is_int(n, 1, "login with a module after pam_jail: one finding");
	snprintf(path, sizeof(path),
		 "%s/login: line 2: session module pam_motd.so comes after pam_jail.so (%s/login "
		 "line 1) in the session stack of login",
		 dir, dir);
	like(s, path, "names the login file, the line and the service");
	like(s, "fix: move 'session required pam_jail.so' below it", "and the fix");
	free(s);
	drop("login");

	/* pam_jail in a shared include: every service including it is audited. */
	put("common-session", "session required pam_unix.so\nsession required pam_jail.so\n");
	put("sshd", "@include common-session\n");
	s = pam_dir_audit(&n);
	is_int(n, 1, "pam_jail in common-session: cron's pam_limits after it is the finding");
	snprintf(path, sizeof(path),
		 "%s/cron: line 2: session module pam_limits.so comes after pam_jail.so "
		 "(%s/common-session line 2) in the session stack of cron",
		 dir, dir);
	like(s, path, "names cron's line and common-session's pam_jail line");
	free(s);
	put("sshd", "@include common-session\nsession required pam_jail.so\n");
	s = pam_dir_audit(&n);
	like(s, "pam_jail.so is in the session stack of service sshd 2 times",
	     "sshd with its own line and one in common-session: a duplicate");
	free(s);
	put("common-session", "session required pam_unix.so\n");

	/* Copies left by dpkg or editors are not services. */
	put("sshd.dpkg-old", "session required pam_jail.so\nsession required pam_jail.so\n");
	put("sudo~", "session required pam_jail.so\nsession required pam_limits.so\n");
	s = pam_dir_audit(&n);
	is_int(n, 0, "NAME.dpkg-old and NAME~ are not audited");
	free(s);

	/* A cycle in a service that may hide pam_jail: refused as for sshd. */
	put("loop-a", "@include loop-b\n");
	put("loop-b", "@include loop-a\n");
	s = pam_dir_audit(&n);
	like(s, "include cycle", "an include cycle in any service is a finding");
	free(s);
	drop("loop-a");
	drop("loop-b");

	drop("sshd");
	s = pam_dir_audit(&n);
	like(s, "PAM service file missing", "sshd itself missing: still a finding");
	free(s);

	for (const char *const *p = files; *p; p++)
		drop(*p);
}

static void test_json(void)
{
	struct {
		const char *in, *want, *name;
	} cases[] = {
	    {"plain", "\"plain\"", "plain string"},
	    {"a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash escaped"},
	    {"l1\nl2\t\r", "\"l1\\nl2\\t\\r\"", "newline, tab, CR escaped"},
	    {"\x01\x1f", "\"\\u0001\\u001f\"", "other control characters as \\u00XX"},
	    {"caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"", "valid UTF-8 kept"},
	    {"bad\xff", "\"bad\\udcff\"", "invalid byte as a lone surrogate escape"},
	    {"\xc0\xaf", "\"\\udcc0\\udcaf\"", "overlong encoding refused byte by byte"},
	    {"\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"", "encoded surrogate refused"},
	    {"\xe2\x82", "\"\\udce2\\udc82\"", "truncated sequence refused"},
	    {"", "\"\"", "empty string"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = jail_json_string(cases[i].in);
		is_str(s, cases[i].want, "json: %s", cases[i].name);
		free(s);
	}
}

static void test_text(void)
{
	char *s = jail_text_escape("/j/a\nfake: line\x1b[2J\\ \xc3\xa9\xc2\x9b\xff");

	is_str(s, "/j/a\\x0afake: line\\x1b[2J\\x5c \xc3\xa9\\xc2\\x9b\\xff",
	       "text: control chars, backslash, C1 and invalid bytes escaped, UTF-8 kept");
	free(s);
}

static void test_passwd(void)
{
	const jail_host_user_t users[] = {
	    {.name = "alice", .uid = 1001, .gid = 1001, .home = "/home/alice", .group = "alice"},
	    {.name = "bob", .uid = 1002, .gid = 100, .home = "/home/bob", .group = "users"},
	};
	jail_findings_t f = {0};
	jail_error_t err = {0};
	char *s;

	ok(jail_passwd_field_is_locked("x"), "x is no password");
	ok(jail_passwd_field_is_locked("*"), "* is no password");
	ok(jail_passwd_field_is_locked("!!"), "!! is no password");
	ok(!jail_passwd_field_is_locked(""), "empty is a (blank) password");
	ok(!jail_passwd_field_is_locked("$6$salt$hash"), "a hash is a password");
	ok(!jail_passwd_field_is_locked("!$6$salt$hash"), "a locked hash is still a hash");

	ok(jail_audit_passwd_text("/j", "/j/etc/passwd",
				  "root:x:0:0:root:/root:/bin/bash\n"
				  "alice:x:1001:1001:Alice:/home/alice:/bin/bash\n"
				  "bob:*:1002:100::/home/bob:/bin/sh\n",
				  users, 2, &f, &err) == 0,
	   "good passwd audited");
	is_int(f.n, 0, "good passwd: no finding");
	jail_findings_clear(&f);

	ok(jail_audit_passwd_text("/j", "/j/etc/passwd",
				  "root:$6$abc$def:0:0:root:/root:/bin/bash\n"
				  "alice:x:1005:1001:Alice:/home/alice:/bin/bash\n"
				  "toor:x:0:0::/root:/bin/sh\n"
				  "broken line\n"
				  "eve::1003:1003::/home/eve:/bin/sh\n",
				  users, 2, &f, &err) == 0,
	   "bad passwd audited");
	s = joined(&f);
	is_int(f.n, 6, "bad passwd: six findings");
	like(s, "/j/etc/passwd: user root has a password hash (line 1)", "hash found");
	like(s, "jailed user alice has uid 1005, the host has 1001", "uid mismatch found");
	like(s, "user toor has uid 0", "second uid 0 found");
	like(s, "line 4 is not 'name:x:uid:gid:gecos:home:shell'", "malformed line found");
	like(s, "user eve has an empty password", "empty password found");
	like(s, "no entry for jailed user bob (fix: jailctl adduser bob)", "missing user found");
	ok(f.n && strcmp(f.v[0].jail, "/j") == 0, "findings carry the jail");
	free(s);
	jail_findings_clear(&f);

	ok(jail_audit_passwd_text("/j", "/j/etc/passwd",
				  "alice:x:1001:1002:Alice:/home/alice2:/bin/bash\n", users, 1, &f,
				  &err) == 0,
	   "gid/home mismatch audited");
	s = joined(&f);
	is_int(f.n, 2, "gid and home mismatch: two findings");
	like(s, "has gid 1002, the host has 1001", "gid mismatch");
	like(s, "has home /home/alice2, the host has /home/alice", "home mismatch");
	free(s);
	jail_findings_clear(&f);

	ok(jail_audit_group_text("/j", "/j/etc/group", "root:x:0:\nalice:x:1001:\nusers:x:101:\n",
				 users, 2, &f, &err) == 0,
	   "group audited");
	s = joined(&f);
	is_int(f.n, 1, "group: one finding");
	like(s, "group users (primary group of jailed user bob) has gid 101, the host has 100",
	     "group gid mismatch found");
	free(s);
	jail_findings_clear(&f);

	ok(jail_audit_group_text("/j", "/j/etc/group", "root:x:0:\n", users, 1, &f, &err) == 0,
	   "group without the user's group audited");
	s = joined(&f);
	like(s, "no group alice (gid 1001), the primary group of jailed user alice",
	     "missing group found");
	free(s);
	jail_findings_clear(&f);

	ok(jail_audit_shadow_text("/j", "/j/etc/shadow",
				  "root:*:19000:0:99999:7:::\nalice:!:19000::::::\n"
				  "bob:$y$j9T$abc:19000::::::\n",
				  &f, &err) == 0,
	   "shadow audited");
	s = joined(&f);
	is_int(f.n, 1, "shadow: only the hash is a finding");
	like(s, "holds a password hash for bob (line 3)", "shadow hash found");
	free(s);
	jail_findings_clear(&f);
}

int main(void)
{
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 255;
	}
	test_pam_stack();
	test_pam_dir();
	test_json();
	test_text();
	test_passwd();
	rmdir(dir);
	return done_testing();
}
