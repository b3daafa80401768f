/* jailctl setup sshd's text edits (audit/setup.h): where the PAM line
 * goes, idempotency, undo giving back the exact bytes (LF, CRLF, no final
 * newline, empty file), and every altered or foreign block refused. */
#define _GNU_SOURCE
#include "tap.h"
#include "audit/setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	jail_strv_clear(&pam_body);
	jail_strv_clear(&sshd_body);
	jail_strv_clear(&other_body);
	return done_testing();
}
