/* jailctl setup sshd's text edits (audit/setup.h): where the PAM line
 * goes, idempotency, undo giving back the exact bytes (LF, CRLF, no final
 * newline, empty file), and every altered or foreign block refused; on
 * files in a scratch directory, pam_jail already in the session stack
 * through an include refused (and a symlinked include never followed),
 * and a setup waiting for another's lock. */
#define _GNU_SOURCE
#include "tap.h"
#include "audit/setup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static jail_strv_t pam_body, sshd_body, other_body;

/* Add then remove: the result must be TEXT again, byte for byte. */
static void roundtrip(jail_setup_target_t t, const char *text, const char *name)
{
	jail_setup_edit_t add = {0}, again = {0}, rm = {0};
	jail_error_t err = {0};
	const jail_strv_t *body = t == JAIL_SETUP_PAM ? &pam_body : &sshd_body;
	int r;

	r = jail_setup_add(t, "F", text, strlen(text), body, &add, &err);
	if (!ok(r == 0 && add.changed, "%s: setup adds the block", name)) {
		diag("  %s", err.msg);
		return;
	}
	r = jail_setup_add(t, "F", add.text, add.len, body, &again, &err);
	ok(r == 0 && !again.changed && again.line == add.line,
	   "%s: a second setup changes nothing (block found at line %zu)", name, again.line);
	r = jail_setup_remove("F", add.text, add.len, &rm, &err);
	ok(r == 0 && rm.changed && rm.line == add.line, "%s: undo removes the block", name);
	ok(rm.text && rm.len == strlen(text) && memcmp(rm.text, text, rm.len) == 0,
	   "%s: undo gives back the exact bytes", name);
	jail_setup_edit_clear(&rm);
	r = jail_setup_remove("F", text, strlen(text), &rm, &err);
	ok(r == 0 && !rm.changed, "%s: undo without a block changes nothing", name);
	jail_setup_edit_clear(&add);
	jail_setup_edit_clear(&again);
	jail_setup_edit_clear(&rm);
}

static char *add_text(jail_setup_target_t t, const char *text, size_t *line)
{
	jail_setup_edit_t e = {0};
	jail_error_t err = {0};
	char *s;

	if (jail_setup_add(t, "F", text, strlen(text), t == JAIL_SETUP_PAM ? &pam_body : &sshd_body,
			   &e, &err) < 0) {
		diag("add failed: %s", err.msg);
		return NULL;
	}
	s = e.text;
	e.text = NULL;
	if (line)
		*line = e.line;
	jail_setup_edit_clear(&e);
	return s;
}

static const char debian_pam[] =
    "# PAM configuration for the Secure Shell service\n"
    "@include common-auth\n"
    "account    required     pam_nologin.so\n"
    "@include common-account\n"
    "session [success=ok ignore=ignore module_unknown=ignore default=bad] pam_selinux.so close\n"
    "@include common-session\n"
    "session    required     pam_env.so user_readenv=1 envfile=/etc/default/locale\n"
    "session [success=ok ignore=ignore module_unknown=ignore default=bad] pam_selinux.so open\n"
    "\n"
    "# Standard Un*x password updating.\n"
    "@include common-password\n";

static void test_placement(void)
{
	cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	size_t line = 0;

	a = add_text(JAIL_SETUP_PAM, debian_pam, &line);
	is_int(line, 12, "Debian's pam.d/sshd: the block goes after the last @include (line 11)");
	ok(a && strstr(a, "@include common-password\n" JAIL_SETUP_MARK_BEGIN) &&
	       strstr(a, "\nsession required pam_jail.so\n" JAIL_SETUP_MARK_END "\n"),
	   "the pam_jail line sits between the markers, after @include common-password");

	b = add_text(JAIL_SETUP_PAM,
		     "auth required pam_unix.so\n"
		     "session required pam_limits.so\n"
		     "-session optional pam_systemd.so\n"
		     "# trailing comment\n"
		     "password required pam_unix.so\n",
		     &line);
	is_int(line, 4,
	       "after the last session line ('-session' counts), before comments and "
	       "password lines");
	ok(b && strstr(b, "pam_systemd.so\n" JAIL_SETUP_MARK_BEGIN), "right after pam_systemd");

	c = add_text(JAIL_SETUP_PAM,
		     "session required pam_env.so \\\n"
		     "   readenv=1\n"
		     "auth required pam_unix.so\n",
		     &line);
	is_int(line, 3, "a '\\' continuation line belongs to its session line");

	d = add_text(JAIL_SETUP_PAM, "auth required pam_unix.so\n", &line);
	is_int(line, 2, "no session line: at the end");

	{
		cleanup_free char *s = add_text(JAIL_SETUP_SSHD,
						"Port 22\nMatch User x\n\tX11Forwarding yes\n"
						"UsePAM yes\n",
						&line);
		is_int(line, 5, "sshd_config: the Match block goes at the end");
		ok(s && strstr(s, "UsePAM yes\n" JAIL_SETUP_MARK_BEGIN " sum=") &&
		       strstr(s, "\nMatch Group jailed\n\tDisableForwarding yes\n"),
		   "sshd_config: markers around 'Match Group jailed' and its directives");
	}
}

static void test_roundtrips(void)
{
	roundtrip(JAIL_SETUP_PAM, debian_pam, "Debian pam.d/sshd");
	roundtrip(JAIL_SETUP_PAM, "session required pam_unix.so\nauth required pam_unix.so\n",
		  "block in the middle");
	roundtrip(JAIL_SETUP_PAM, "", "empty file");
	roundtrip(JAIL_SETUP_PAM, "session required pam_unix.so", "no final newline");
	roundtrip(JAIL_SETUP_PAM, "session required pam_unix.so\r\nauth required pam_unix.so\r\n",
		  "CRLF");
	roundtrip(JAIL_SETUP_SSHD, "UsePAM yes\r\nPort 22", "CRLF, no final newline");
	roundtrip(JAIL_SETUP_SSHD, "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n",
		  "sshd_config");
	roundtrip(JAIL_SETUP_SSHD, "\n\n", "only blank lines");
	/* Found by fuzz_setup: "x\r" + "\n" must not come back as "x". */
	roundtrip(JAIL_SETUP_SSHD, "UsePAM yes\r", "a CR ends the file, no newline");
	roundtrip(JAIL_SETUP_SSHD, "A 1\r\nUsePAM yes\r", "CRLF file, a CR at the end");
	roundtrip(JAIL_SETUP_PAM, "a\nb\r\nc", "mixed terminators, no final newline");

	{
		cleanup_free char *s = add_text(JAIL_SETUP_SSHD, "A 1\r\nB 2\r\n", NULL);
		ok(s && strstr(s, "B 2\r\n" JAIL_SETUP_MARK_BEGIN) &&
		       strstr(s, "\r\n\tAuthorizedKeysCommandUser root\r\n" JAIL_SETUP_MARK_END
				 "\r\n") &&
		       !strstr(s, "o\n"),
		   "CRLF file: every added line ends in CR LF");
	}
	{
		cleanup_free char *s =
		    add_text(JAIL_SETUP_PAM, "session required pam_unix.so", NULL);
		ok(s &&
		       strcmp(s + strlen(s) - strlen(JAIL_SETUP_MARK_END), JAIL_SETUP_MARK_END) ==
			   0 &&
		       strstr(s, "pam_unix.so\n" JAIL_SETUP_MARK_BEGIN),
		   "no final newline: the block brings the terminator before it, none after");
	}
}

/* Admin edits outside the block: undo removes only the block. */
static void test_edited_around(void)
{
	cleanup_free char *a = add_text(JAIL_SETUP_SSHD, "UsePAM yes\n", NULL);
	cleanup_free char *edited = jail_strdup_printf("# admin\n%sPort 2222\n", a ? a : "");
	jail_setup_edit_t rm = {0};
	jail_error_t err = {0};

	ok(jail_setup_remove("F", edited, strlen(edited), &rm, &err) == 0 && rm.changed &&
	       strcmp(rm.text, "# admin\nUsePAM yes\nPort 2222\n") == 0,
	   "lines the admin added around the block are kept, the block alone goes");
	jail_setup_edit_clear(&rm);
}

static void refused(jail_setup_target_t t, const char *text, bool also_remove, const char *needle,
		    const char *name)
{
	jail_setup_edit_t e = {0};
	jail_error_t err = {0};
	int r = jail_setup_add(t, "/etc/x", text, strlen(text),
			       t == JAIL_SETUP_PAM ? &pam_body : &sshd_body, &e, &err);

	ok(r < 0 && e.text == NULL, "%s: setup refuses", name);
	like(err.msg, needle, "%s: the message says why", name);
	like(err.msg, "/etc/x", "%s: and names the file", name);
	jail_setup_edit_clear(&e);
	if (!also_remove)
		return;
	memset(&err, 0, sizeof(err));
	r = jail_setup_remove("/etc/x", text, strlen(text), &e, &err);
	ok(r < 0 && e.text == NULL, "%s: undo refuses too", name);
	like(err.msg, needle, "%s: undo says why", name);
	jail_setup_edit_clear(&e);
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);

	if (p == NULL)
		return strdup("(not found)");
	return jail_strdup_printf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

static void test_refusals(void)
{
	cleanup_free char *a = add_text(JAIL_SETUP_PAM, debian_pam, NULL);
	cleanup_free char *s = add_text(JAIL_SETUP_SSHD, "UsePAM yes\n", NULL);
	cleanup_free char *alt1 =
	    replace(a, "session required pam_jail.so", "session optional pam_jail.so");
	cleanup_free char *alt2 = replace(s, "\tPermitTunnel no\n", "");
	cleanup_free char *alt3 = replace(s, JAIL_SETUP_MARK_END "\n", "");
	cleanup_free char *alt4 = replace(a, " sum=", " sum=0");
	cleanup_free char *two = jail_strdup_printf("%s%s", s, s);
	jail_setup_edit_t e = {0};
	jail_error_t err = {0};

	refused(JAIL_SETUP_PAM, alt1, true, "altered", "a line inside the block changed");
	refused(JAIL_SETUP_SSHD, alt2, true, "altered", "a line of the block removed");
	refused(JAIL_SETUP_SSHD, alt3, true, "no '" JAIL_SETUP_MARK_END "' line",
		"END marker gone");
	refused(JAIL_SETUP_PAM, alt4, true, "BEGIN marker", "BEGIN marker altered");
	refused(JAIL_SETUP_SSHD, two, true, "more than one jail block", "two blocks");
	refused(JAIL_SETUP_SSHD, "Port 22\n" JAIL_SETUP_MARK_END "\n", true, "without its BEGIN",
		"END without BEGIN");
	/* Found by fuzz_setup: the same marker once setup adds a newline. */
	refused(JAIL_SETUP_SSHD, "Port 22\n" JAIL_SETUP_MARK_END "\r", true, "without its BEGIN",
		"END without BEGIN, a CR and no newline at the end");
	refused(JAIL_SETUP_SSHD, "Port 22\n" JAIL_SETUP_MARK_END "\r\r", true, "without its BEGIN",
		"END without BEGIN, two CRs and no newline at the end");
	refused(JAIL_SETUP_PAM, "session required pam_unix.so\nsession required pam_jail.so\n",
		false, "already names pam_jail.so", "an unmarked pam_jail line");
	refused(JAIL_SETUP_PAM,
		"-session requisite /usr/lib/x86_64-linux-gnu/security/pam_jail.so config=/x\n",
		false, "line 1 already names pam_jail.so", "an unmarked pam_jail line by path");
	ok(jail_setup_add(JAIL_SETUP_PAM, "F", "# session required pam_jail.so\n", 31, &pam_body,
			  &e, &err) == 0 &&
	       e.changed,
	   "a commented-out pam_jail line is not a pam_jail line");
	jail_setup_edit_clear(&e);

	/* A block written with other settings: setup refuses, undo removes it. */
	{
		jail_setup_edit_t o = {0};
		ok(jail_setup_add(JAIL_SETUP_SSHD, "F", "UsePAM yes\n", 11, &other_body, &o,
				  &err) == 0,
		   "a block with another config dir");
		refused(JAIL_SETUP_SSHD, o.text, false, "written with other settings",
			"setup over a block of other settings");
		memset(&err, 0, sizeof(err));
		ok(jail_setup_remove("F", o.text, o.len, &e, &err) == 0 &&
		       strcmp(e.text, "UsePAM yes\n") == 0,
		   "undo removes a block written with other settings (its sum is intact)");
		jail_setup_edit_clear(&e);
		jail_setup_edit_clear(&o);
	}
}

static void test_bodies(void)
{
	jail_strv_t v = {0};
	jail_error_t err = {0};

	ok(jail_setup_pam_body("pam_jail.so", "/etc/jail", &v, &err) == 0 && v.n == 1 &&
	       strcmp(v.v[0], "session required pam_jail.so") == 0,
	   "default config dir: no config= argument");
	jail_strv_clear(&v);
	ok(jail_setup_pam_body("/x/pam_jail.so", "/srv/conf", &v, &err) == 0 &&
	       strcmp(v.v[0], "session required /x/pam_jail.so config=/srv/conf") == 0,
	   "another config dir: config=DIR");
	jail_strv_clear(&v);
	ok(jail_setup_pam_body("pam_jail.so", "conf", &v, &err) < 0, "a relative config dir is "
								     "refused");
	like(err.msg, "not absolute", "and says so");
	ok(jail_setup_pam_body("pam_jail.so", "/a b", &v, &err) < 0,
	   "a config dir with a space is refused");
	like(err.msg, "cannot carry in one word", "and says why");
	ok(sshd_body.n == 12 && strcmp(sshd_body.v[0], "Match Group jailed") == 0 &&
	       strcmp(sshd_body.v[10], "\tAuthorizedKeysCommand /usr/local/sbin/jailctl keys %u") ==
		   0,
	   "sshd block: Match Group, the snippet's directives, jailctl keys at its installed path");
	ok(strcmp(other_body.v[10],
		  "\tAuthorizedKeysCommand /usr/local/sbin/jailctl --config /srv/conf keys %u") ==
	       0,
	   "another config dir: jailctl --config DIR keys");
	ok(jail_setup_sshd_body("/usr/sbin/jailctl", NULL, "bad group", &v, &err) < 0,
	   "a group name with a space is refused");
	ok(jail_setup_sshd_body("jailctl", NULL, "jailed", &v, &err) < 0,
	   "a relative jailctl path is refused");
	jail_strv_clear(&v);
}

/* ------------------------------------------------------------------------
 * What a pam.d file brings into the session stack */

static void test_scan(void)
{
	static const char t[] = "# @include commented\n"
				"@include common-auth\n"
				"auth include system-auth\n"
				"account substack system-account\n"
				"auth required pam_jail.so\n"
				"SESSION Include common-session # a comment\n"
				"-session substack extra\n"
				"session required pam_env.so # pam_jail.so\n"
				"session optional \\\n"
				"   /lib/security/pam_jail.so\n"
				"session required pam_jail.so\n";
	jail_setup_pam_scan_t sc = {0};
	jail_error_t err = {0};

	ok(jail_setup_pam_scan(t, strlen(t), &sc, &err) == 0, "scan a pam.d file");
	is_int(sc.n, 3, "three includes bring session lines (auth/account ones do not)");
	if (sc.n == 3) {
		is_str(sc.inc[0].name, "common-auth", "@include NAME");
		is_int(sc.inc[0].line, 2, "its line");
		is_str(sc.inc[1].name, "common-session",
		       "'SESSION Include NAME': type and control without case, comment cut");
		is_str(sc.inc[2].name, "extra", "'-session substack NAME'");
		is_int(sc.inc[2].line, 7, "its line");
	}
	is_int(sc.jail_line, 9,
	       "pam_jail as a session module: the first one, its '\\' continuation joined "
	       "(not the auth line, not a comment)");
	jail_setup_pam_scan_clear(&sc);
	ok(jail_setup_pam_scan("session include\n", 16, &sc, &err) == 0 && sc.n == 0 &&
	       sc.jail_line == 0,
	   "'session include' without a name brings nothing");
	jail_setup_pam_scan_clear(&sc);
}

/* ------------------------------------------------------------------------
 * The files: includes, the lock (scratch directory under /run: the
 * trusted walk refuses /tmp) */

static char sdir[] = "/run/jail-unit-setup-XXXXXX";
static char pamd[128], sshdc[128], fake_sshd[128], module[128];

static void put(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", pamd, name);
	f = fopen(p, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! write %s\n", p);
		exit(1);
	}
	chmod(p, 0644);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 65536);

	if (f && s)
		s[fread(s, 1, 65535, f)] = '\0';
	if (f)
		fclose(f);
	return s;
}

static const char pam_text[] = "@include common-auth\n"
			       "@include common-session\n"
			       "session include extra\n"
			       "@include common-password\n";
static const char sshd_text[] = "UsePAM yes\n";

static int run_setup(bool dry_run, jail_setup_result_t *r, jail_error_t *err)
{
	char pf[256];
	jail_setup_opts_t o = {
	    .pam_file = pf,
	    .sshd_config = sshdc,
	    .sshd = fake_sshd,
	    .module = module,
	    .config_dir = "/etc/jail",
	    .jailctl = "/usr/local/sbin/jailctl",
	    .group = "jailed",
	    .dry_run = dry_run,
	};

	snprintf(pf, sizeof(pf), "%s/sshd", pamd);
	*err = (jail_error_t){0};
	return jail_setup_sshd(&o, r, err);
}

/* Setup with the files as they are must refuse, with NEEDLE, and leave
 * sshd and sshd_config as they were. */
static void refused_files(const char *name, const char *needle)
{
	char pf[256];
	jail_setup_result_t r = {0};
	jail_error_t err = {0};
	cleanup_free char *p = NULL, *s = NULL;

	snprintf(pf, sizeof(pf), "%s/sshd", pamd);
	ok(run_setup(true, &r, &err) < 0, "%s: --dry-run refuses", name);
	like(err.msg, needle, "%s: --dry-run says why", name);
	jail_setup_result_clear(&r);
	ok(run_setup(false, &r, &err) < 0, "%s: setup refuses", name);
	like(err.msg, needle, "%s: setup says why", name);
	jail_setup_result_clear(&r);
	p = slurp(pf);
	s = slurp(sshdc);
	ok(p && s && strcmp(p, pam_text) == 0 && strcmp(s, sshd_text) == 0 &&
	       access(strcat(pf, ".jail.bak"), F_OK) < 0,
	   "%s: both files unchanged, no backup", name);
}

static void test_includes(void)
{
	char path[256], msg[512], outside[256];
	jail_setup_result_t r = {0};
	jail_error_t err = {0};

	put("sshd", pam_text);
	put("common-auth", "auth required pam_unix.so\n");
	put("common-session", "session required pam_unix.so\n"
			      "auth optional pam_jail.so\n"); /* not the session stack */
	put("extra", "session optional pam_systemd.so\n@include nested\n");
	put("common-password", "password required pam_unix.so\nsession include sshd\n");
	/* no file "nested": a missing include brings nothing */
	ok(run_setup(true, &r, &err) == 0 && r.pam.edit.changed,
	   "no pam_jail session line in the includes (an auth one, a missing file, a "
	   "cycle back to sshd): --dry-run goes on (%s)",
	   err.msg);
	jail_setup_result_clear(&r);

	put("common-session", "session required pam_unix.so\n"
			      "session required pam_jail.so config=/srv/x\n");
	snprintf(msg, sizeof(msg),
		 "%s/common-session line 2 already puts pam_jail.so in the session stack (%s/sshd "
		 "line 2 includes it)",
		 pamd, pamd);
	refused_files("pam_jail in an @include'd file", msg);
	put("common-session", "session required pam_unix.so\n");

	put("extra", "# extra\n\n-session   required   pam_jail.so\n");
	snprintf(msg, sizeof(msg), "%s/extra line 3 already puts pam_jail.so", pamd);
	refused_files("pam_jail in a 'session include' file", msg);

	put("extra", "@include nested\n");
	put("nested", "session required pam_jail.so\n");
	snprintf(msg, sizeof(msg),
		 "%s/nested line 1 already puts pam_jail.so in the session stack (%s/extra line 1 "
		 "includes it)",
		 pamd, pamd);
	refused_files("pam_jail two includes deep", msg);
	put("nested", "session required pam_limits.so\n");

	/* A symlink in pam.d pointing out of it: refused, never read.  Its
	 * target holds no pam_jail line: had setup followed it, it would
	 * have gone on. */
	snprintf(outside, sizeof(outside), "%s/outside-session", sdir);
	snprintf(path, sizeof(path), "%s/common-session", pamd);
	unlink(path);
	{
		FILE *f = fopen(outside, "w");
		if (f)
			fputs("session required pam_unix.so\n", f), fclose(f);
	}
	ok(symlink(outside, path) == 0, "plant common-session -> %s", outside);
	snprintf(msg, sizeof(msg), "%s/common-session is a symlink: refused", pamd);
	refused_files("an @include'd symlink pointing outside pam.d", msg);
	ok(run_setup(true, &r, &err) < 0 && strstr(err.msg, "sshd line 2 includes common-session"),
	   "the symlink refusal names the including line (%s)", err.msg);
	jail_setup_result_clear(&r);
	unlink(path);
	put("common-session", "session required pam_unix.so\n");

	put("extra", "@include ../outside-session\n");
	snprintf(msg, sizeof(msg),
		 "%s/extra line 1 includes '../outside-session', not a file of %s", pamd, pamd);
	refused_files("an include naming a path", msg);
	put("extra", "session optional pam_systemd.so\n");

	put("extra", "@include extra\n"); /* includes itself */
	ok(run_setup(true, &r, &err) == 0, "an include cycle ends (%s)", err.msg);
	jail_setup_result_clear(&r);

	/* depth: a chain of JAIL_SETUP_INCLUDE_DEPTH + 1 files */
	put("extra", "@include d1\n");
	for (int i = 1; i <= JAIL_SETUP_INCLUDE_DEPTH; i++) {
		char n[16], t[64];
		snprintf(n, sizeof(n), "d%d", i);
		snprintf(t, sizeof(t), "@include d%d\n", i + 1);
		put(n, t);
	}
	ok(run_setup(true, &r, &err) < 0 && strstr(err.msg, "nested more than"),
	   "includes nested deeper than %d: refused (%s)", JAIL_SETUP_INCLUDE_DEPTH, err.msg);
	jail_setup_result_clear(&r);
	put("extra", "session optional pam_systemd.so\n");
}

/* Another holds the lock on pam.d for 0.6 s: setup waits for it, then
 * edits. */
static void test_lock(void)
{
	jail_setup_result_t r = {0};
	jail_error_t err = {0};
	struct timespec a, b;
	int pfd[2], status = 0;
	pid_t pid;
	char c;

	if (pipe(pfd) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int d = open(pamd, O_RDONLY | O_DIRECTORY);
		if (d < 0 || flock(d, LOCK_EX) < 0)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		usleep(600000);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		ok(0, "the lock holder started");
		return;
	}
	close(pfd[0]);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ok(run_setup(false, &r, &err) == 0 && r.pam.written && r.sshd.written,
	   "setup while another holds pam.d's lock: done once it is released (%s)", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ok((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= 400,
	   "and it waited for the lock (%ld ms)",
	   (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
	jail_setup_result_clear(&r);
	waitpid(pid, &status, 0);
}

static bool scratch(void)
{
	FILE *f;

	if (mkdtemp(sdir) == NULL || chmod(sdir, 0755) < 0)
		return false;
	snprintf(pamd, sizeof(pamd), "%s/pam.d", sdir);
	snprintf(sshdc, sizeof(sshdc), "%s/sshd_config", sdir);
	snprintf(fake_sshd, sizeof(fake_sshd), "%s/sshd", sdir);
	snprintf(module, sizeof(module), "%s/pam_jail.so", sdir);
	if (mkdir(pamd, 0755) < 0)
		return false;
	f = fopen(fake_sshd, "w"); /* sshd -T: valid, UsePAM yes */
	if (f == NULL || fputs("#!/bin/sh\necho 'usepam yes'\n", f) < 0 || fclose(f) != 0 ||
	    chmod(fake_sshd, 0755) < 0)
		return false;
	f = fopen(module, "w");
	if (f == NULL || fclose(f) != 0)
		return false;
	f = fopen(sshdc, "w");
	if (f == NULL || fputs(sshd_text, f) < 0 || fclose(f) != 0 || chmod(sshdc, 0644) < 0)
		return false;
	return true;
}

int main(void)
{
	jail_error_t err = {0};

	if (jail_setup_pam_body("pam_jail.so", "/etc/jail", &pam_body, &err) < 0 ||
	    jail_setup_sshd_body("/usr/local/sbin/jailctl", "/etc/jail", "jailed", &sshd_body,
				 &err) < 0 ||
	    jail_setup_sshd_body("/usr/local/sbin/jailctl", "/srv/conf", "jailed", &other_body,
				 &err) < 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	test_placement();
	test_roundtrips();
	test_edited_around();
	test_refusals();
	test_bodies();
	test_scan();
	if (geteuid() != 0) {
		ok(0, "the file tests need root (the trusted walk wants root-owned files)");
	} else if (!scratch()) {
		printf("Bail out! scratch directory %s: %s\n", sdir, strerror(errno));
		return 1;
	} else {
		char cmd[256];

		test_includes();
		test_lock();
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", sdir);
		if (system(cmd) != 0)
			diag("could not remove %s", sdir);
	}
	jail_strv_clear(&pam_body);
	jail_strv_clear(&sshd_body);
	jail_strv_clear(&other_body);
	return done_testing();
}
