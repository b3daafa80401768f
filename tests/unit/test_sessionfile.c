#define _GNU_SOURCE
#include "session/sessionfile.h"
#include "confine/restrict.h"
#include "confine/spec.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char good[] = "version=3\n"
			   "id=s-20240101-abc\n"
			   "user=alice\n"
			   "jail=/opt/chroots/web\n"
			   "profile=default\n"
			   "seccomp=strict\n"
			   "seccomp_allow=ptrace,personality\n"
			   "seccomp_deny=\n"
			   "apparmor=optional\n"
			   "apparmor_profile=jail-default\n"
			   "landlock=required\n"
			   "bind_rw=/data,/srv/shared/x,/home/alice/mnt\n"
			   "commands=sftp-server,rsync\n"
			   "hostname=web-jail\n"
			   "shell=/bin/zsh\n";

static int parse_str(const char *s, jail_session_info_t **out, jail_error_t *err)
{
	return jail_sessionfile_parse(s, strlen(s), out, err);
}

static void test_good(void)
{
	jail_error_t err = {0};
	jail_session_info_t *info = NULL, *again = NULL;
	char *buf = NULL;
	size_t len = 0;

	ok(parse_str(good, &info, &err) == 0, "good file parses");
	if (info == NULL) {
		diag("%s", err.msg);
		return;
	}
	is_str(info->id, "s-20240101-abc", "id");
	is_str(info->user, "alice", "user");
	is_str(info->jail, "/opt/chroots/web", "jail");
	is_str(info->profile, "default", "profile");
	is_int(info->seccomp, JAIL_SECCOMP_STRICT, "seccomp strict");
	is_int(info->seccomp_allow.n, 2, "two allowed syscalls");
	is_str(info->seccomp_allow.v[1], "personality", "second allowed syscall");
	is_int(info->seccomp_deny.n, 0, "empty deny list");
	is_int(info->apparmor, JAIL_MODE_OPTIONAL, "apparmor optional");
	is_str(info->apparmor_profile, "jail-default", "apparmor profile");
	is_int(info->landlock, JAIL_MODE_REQUIRED, "landlock required");
	is_int(info->bind_rw.n, 3, "three bind_rw targets");
	if (info->bind_rw.n == 3) {
		is_str(info->bind_rw.v[0], "/data", "first bind_rw target");
		is_str(info->bind_rw.v[2], "/home/alice/mnt", "third bind_rw target");
	}
	is_int(info->commands.n, 2, "two commands");
	is_str(info->commands.v[0], "sftp-server", "first command");
	is_str(info->hostname, "web-jail", "hostname");
	is_str(info->shell, "/bin/zsh", "shell");

	ok(jail_sessionfile_format(info, &buf, &len, &err) == 0, "format succeeds");
	ok(buf && len == strlen(good) && memcmp(buf, good, len) == 0,
	   "format reproduces the canonical text byte for byte");
	ok(jail_sessionfile_parse(buf, len, &again, &err) == 0, "formatted text parses again");
	if (again) {
		is_str(again->hostname, info->hostname, "round trip keeps hostname");
		is_int(again->commands.n, info->commands.n, "round trip keeps commands");
		ok(again->bind_rw.n == 3 && strcmp(again->bind_rw.v[1], "/srv/shared/x") == 0,
		   "round trip keeps bind_rw");
	}
	jail_session_info_free(again);
	free(buf);
	jail_session_info_free(info);
}

/* Parse a copy of `good` with one line replaced (or removed when REPL is
 * NULL, or appended when KEY is NULL); expect failure with NEEDLE. */
static void bad_variant(const char *key, const char *repl, const char *needle, const char *name)
{
	char text[4096] = "";
	const char *p = good;
	jail_error_t err = {0};
	jail_session_info_t *info = NULL;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p) + 1;
		size_t klen = key ? strlen(key) : 0;
		if (key && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			if (repl)
				strcat(text, repl);
		} else {
			strncat(text, p, n);
		}
		p += n;
	}
	if (key == NULL)
		strcat(text, repl);
	ok(parse_str(text, &info, &err) < 0 && info == NULL, "%s refused", name);
	like(err.msg, needle, "%s: error says '%s'", name, needle);
	jail_session_info_free(info);
}

static void test_malformed(void)
{
	jail_error_t err = {0};
	jail_session_info_t *info = NULL;
	char big[JAIL_SESSIONFILE_MAX + 2];
	char longline[9000];

	bad_variant(NULL, "colour=blue\n", "unknown key 'colour'", "unknown key");
	bad_variant(NULL, "user=bob\n", "duplicate key 'user'", "duplicate key");
	bad_variant("user", NULL, "missing key 'user'", "missing key");
	bad_variant("version", "version=4\n", "unsupported '4'", "future version");
	bad_variant("version", "version=1\n", "unsupported '1' (expected 3)",
		    "version 1 (no bind_rw key) refused");
	bad_variant("version", "version=2\n", "unsupported '2' (expected 3)",
		    "version 2 (no shell key) refused");
	bad_variant("shell", NULL, "missing key 'shell'", "missing shell");
	bad_variant("shell", "shell=bash\n", "shell: 'bash' is not an absolute path",
		    "relative shell");
	bad_variant("shell", "shell=\n", "shell: '' is not", "empty shell");
	bad_variant("shell", "shell=/bin/a:b\n", "shell: '/bin/a:b'", "shell with ':'");
	bad_variant("shell", "shell=/bin/a b\n", "shell: '/bin/a b'", "shell with a space");
	bad_variant("shell", "shell=/\n", "shell: '/'", "shell /");
	bad_variant("bind_rw", NULL, "missing key 'bind_rw'", "missing bind_rw");
	bad_variant(NULL, "bind_rw=/x\n", "duplicate key 'bind_rw'", "duplicate bind_rw");
	bad_variant("bind_rw", "bind_rw=data\n", "bind_rw: invalid item 'data'",
		    "relative bind_rw target");
	bad_variant("bind_rw", "bind_rw=/srv/../etc\n", "invalid item '/srv/../etc'",
		    "bind_rw target with ..");
	bad_variant("bind_rw", "bind_rw=/srv/./x\n", "invalid item", "bind_rw target with .");
	bad_variant("bind_rw", "bind_rw=/srv//x\n", "invalid item", "bind_rw target with //");
	bad_variant("bind_rw", "bind_rw=/srv/x/\n", "invalid item", "bind_rw trailing slash");
	bad_variant("bind_rw", "bind_rw=/\n", "invalid item '/'", "bind_rw target /");
	bad_variant("bind_rw", "bind_rw=/..\n", "invalid item", "bind_rw target /..");
	bad_variant("bind_rw", "bind_rw=/proc\n", "invalid item '/proc'", "bind_rw target /proc");
	bad_variant("bind_rw", "bind_rw=/dev/shm/x\n", "invalid item", "bind_rw under /dev");
	bad_variant("bind_rw", "bind_rw=/srv/data:/data\n", "invalid item",
		    "bind_rw host:jail pair (only targets are written)");
	bad_variant("bind_rw", "bind_rw=/a b\n", "invalid item", "space in bind_rw");
	bad_variant("bind_rw", "bind_rw=/a\tb\n", "invalid item", "tab in bind_rw");
	bad_variant("bind_rw", "bind_rw=/a,,/b\n", "empty list item", "empty bind_rw item");
	bad_variant("bind_rw", "bind_rw=,/a\n", "empty list item", "leading comma in bind_rw");
	bad_variant("bind_rw", "bind_rw=/a,/b,/a\n", "duplicate item '/a'",
		    "duplicate bind_rw target");
	bad_variant("version", NULL, "expected 'version'", "version not first");
	bad_variant(NULL, "\n", "empty line", "blank line");
	bad_variant(NULL, "# comment\n", "expected key=value", "comment line");
	bad_variant("seccomp", "seccomp=lax\n", "'lax' is not default|strict|off", "bad seccomp");
	bad_variant("apparmor", "apparmor=yes\n", "apparmor: 'yes'", "bad apparmor mode");
	bad_variant("landlock", "landlock=\n", "landlock: ''", "empty landlock mode");
	bad_variant("user", "user=Alice\n", "not a valid user name", "bad user name");
	bad_variant("user", "user=\n", "not a valid user name", "empty user");
	bad_variant("jail", "jail=relative/path\n", "not an absolute path", "relative jail");
	bad_variant("jail", "jail=/opt/with space\n", "not an absolute path", "space in jail");
	bad_variant("id", "id=../x\n", "not a session id", "bad id");
	bad_variant("profile", "profile=a/b\n", "not a profile name", "bad profile");
	bad_variant("hostname", "hostname=-x\n", "not a host name", "bad hostname");
	bad_variant("hostname", "hostname=a_b\n", "not a host name", "underscore hostname");
	bad_variant("seccomp_allow", "seccomp_allow=ptrace,,bpf\n", "empty list item",
		    "empty list item");
	bad_variant("seccomp_allow", "seccomp_allow=ptrace,\n", "empty list item",
		    "trailing comma");
	bad_variant("seccomp_allow", "seccomp_allow=ptrace,ptrace\n", "duplicate item 'ptrace'",
		    "duplicate list item");
	bad_variant("seccomp_deny", "seccomp_deny=Open\n", "invalid item 'Open'",
		    "bad syscall name");
	bad_variant("seccomp_deny", "seccomp_deny=a b\n", "invalid item", "space in list");
	bad_variant("commands", "commands=/bin/sh\n", "invalid item '/bin/sh'",
		    "command with slash");
	bad_variant("commands", "commands=sftp-server;sh\n", "invalid item", "command with ;");
	bad_variant("commands", "commands=..\n", "invalid item", "command ..");
	bad_variant("apparmor_profile", "apparmor_profile=\n", "empty while apparmor = optional",
		    "empty apparmor profile when optional");
	bad_variant("user", " user=alice\n", "unknown key ' user'", "leading space in key");
	bad_variant("user", "user =alice\n", "unknown key 'user '", "space before =");

	ok(jail_sessionfile_parse(good, strlen(good) - 1, &info, &err) < 0,
	   "unterminated last line refused");
	like(err.msg, "not terminated", "unterminated: message");
	ok(jail_sessionfile_parse("", 0, &info, &err) < 0, "empty file refused");
	{
		char withnul[sizeof(good)];
		memcpy(withnul, good, sizeof(good));
		withnul[12] = '\0';
		ok(jail_sessionfile_parse(withnul, sizeof(good) - 1, &info, &err) < 0,
		   "embedded NUL refused");
		like(err.msg, "NUL", "embedded NUL: message");
	}
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	ok(jail_sessionfile_parse(big, sizeof(big), &info, &err) < 0, "oversized file refused");
	like(err.msg, "larger than", "oversized: message");
	strcpy(longline, "version=3\nhostname=");
	memset(longline + strlen(longline), 'a', 8500);
	longline[19 + 8500] = '\n';
	longline[19 + 8501] = '\0';
	ok(parse_str(longline, &info, &err) < 0, "overlong line refused");
	like(err.msg, "line 2: longer than", "overlong line: message names the line");
	{
		/* 513 syscall names: over the list bound */
		size_t cap = 513 * 8 + 64;
		char *t = malloc(cap);
		strcpy(t, "version=3\nseccomp_allow=");
		for (int i = 0; i < 513; i++)
			strcat(t, i ? ",read" : "read");
		strcat(t, "\n");
		ok(parse_str(t, &info, &err) < 0, "list over its bound refused");
		like(err.msg, "more than 512 items", "list bound: message");
		free(t);
	}
}

static void test_format_validates(void)
{
	jail_error_t err = {0};
	jail_session_info_t *info = NULL;
	char *buf = NULL;
	size_t len = 0;

	if (parse_str(good, &info, &err) < 0)
		return;
	free(info->hostname);
	info->hostname = strdup("bad host\n");
	ok(jail_sessionfile_format(info, &buf, &len, &err) < 0 && buf == NULL,
	   "formatter refuses a newline in a value");
	like(err.msg, "hostname", "formatter names the field");
	free(info->hostname);
	info->hostname = strdup("ok");
	jail_strv_push(&info->commands, "evil\nuser=root", &err);
	ok(jail_sessionfile_format(info, &buf, &len, &err) < 0,
	   "formatter refuses a list item that would inject a line");
	jail_strv_clear(&info->commands);
	jail_strv_push(&info->bind_rw, "/x/../etc", &err);
	ok(jail_sessionfile_format(info, &buf, &len, &err) < 0 && buf == NULL,
	   "formatter refuses a bind_rw target with ..");
	like(err.msg, "bind_rw: invalid item '/x/../etc'", "formatter names bind_rw and the item");
	jail_strv_clear(&info->bind_rw);
	/* 100 targets of 100 bytes: within the list bound, over the line bound.
	 * The formatter must refuse what the parser would. */
	for (int i = 0; i < 100; i++) {
		char t[128];
		snprintf(t, sizeof(t), "/%03d%0*d", i, 95, 0);
		jail_strv_push(&info->bind_rw, t, &err);
	}
	ok(jail_sessionfile_format(info, &buf, &len, &err) < 0 && buf == NULL,
	   "formatter refuses a line the parser would refuse (bind_rw over 8192 bytes)");
	like(err.msg, "bind_rw: line longer than 8192 bytes", "line bound: message names the key");
	jail_strv_clear(&info->bind_rw);
	for (int i = 0; i < 60; i++) {
		char t[128];
		snprintf(t, sizeof(t), "/%03d%0*d", i, 95, 0);
		jail_strv_push(&info->bind_rw, t, &err);
	}
	ok(jail_sessionfile_format(info, &buf, &len, &err) == 0, "60 long targets format");
	if (buf) {
		jail_session_info_t *again = NULL;
		ok(jail_sessionfile_parse(buf, len, &again, &err) == 0 && again &&
		       again->bind_rw.n == 60,
		   "and parse again (round trip near the bound)");
		jail_session_info_free(again);
		free(buf);
		buf = NULL;
	}
	jail_strv_clear(&info->bind_rw);
	jail_strv_push(&info->bind_rw, "/devices", &err);
	jail_strv_push(&info->bind_rw, "/procx/y", &err);
	ok(jail_sessionfile_format(info, &buf, &len, &err) == 0,
	   "/devices and /procx/y are not /dev or /proc");
	free(buf);
	jail_session_info_free(info);
}

static void test_from_profile(void)
{
	jail_error_t err = {0};
	jail_profile_t p = {0};
	jail_session_info_t *info = NULL;
	char *buf = NULL;
	size_t len = 0;

	p.name = "sftp-only";
	p.spec.seccomp = JAIL_SECCOMP_DEFAULT;
	p.spec.apparmor = JAIL_MODE_REQUIRED;
	p.spec.landlock = JAIL_MODE_OPTIONAL;
	jail_strv_push(&p.spec.commands, "sftp-server", &err);
	jail_strv_push(&p.spec.seccomp_deny, "chmod", &err);
	ok(jail_session_info_from_profile(&p, "abc123", "bob", "/opt/j", NULL, &info, &err) == 0,
	   "session info from a profile");
	if (info) {
		is_str(info->shell, JAIL_DEFAULT_SHELL, "no shell anywhere: /bin/bash");
		is_str(info->hostname, "jail", "hostname defaults to jail");
		is_str(info->apparmor_profile, "jail-default", "apparmor profile default");
		is_int(info->apparmor, JAIL_MODE_REQUIRED, "apparmor mode copied");
		is_str(info->commands.v[0], "sftp-server", "commands copied");
		is_str(info->seccomp_deny.v[0], "chmod", "seccomp_deny copied");
		ok(jail_sessionfile_format(info, &buf, &len, &err) == 0, "and formats");
		like(buf, "commands=sftp-server\n", "formatted commands line");
		like(buf, "\nbind_rw=\n", "no bind_rw: an empty bind_rw line");
		free(buf);
		buf = NULL;
	}
	jail_session_info_free(info);
	info = NULL;

	/* bind_rw: the jail side of each spec, as the mounts parse it. */
	jail_strv_push(&p.spec.bind_rw, "/srv/data:/data", &err);
	jail_strv_push(&p.spec.bind_rw, "/var/spool/x:/var/spool/x", &err);
	jail_strv_push(&p.spec.bind_rw, "/srv/other:/data", &err);
	jail_strv_push(&p.spec.bind_ro, "/usr/share/doc:/doc", &err);
	ok(jail_session_info_from_profile(&p, "abc123", "bob", "/opt/j", NULL, &info, &err) == 0,
	   "session info from a profile with binds");
	if (info) {
		is_int(info->bind_rw.n, 2, "two bind_rw targets (one target bound twice: once)");
		if (info->bind_rw.n == 2) {
			is_str(info->bind_rw.v[0], "/data", "jail side of host:jail");
			is_str(info->bind_rw.v[1], "/var/spool/x", "jail side of a same-path bind");
		}
		ok(jail_sessionfile_format(info, &buf, &len, &err) == 0, "and formats");
		like(buf, "\nbind_rw=/data,/var/spool/x\n", "formatted bind_rw line: targets only");
		ok(buf && strstr(buf, "/srv/data") == NULL, "the host side is not written");
		ok(buf && strstr(buf, "/doc") == NULL, "bind_ro targets are not written");
		free(buf);
	}
	jail_session_info_free(info);
	info = NULL;
	jail_strv_clear(&p.spec.bind_rw);
	jail_strv_push(&p.spec.bind_rw, "/srv/data:/proc/x", &err);
	ok(jail_session_info_from_profile(&p, "abc123", "bob", "/opt/j", NULL, &info, &err) < 0 &&
	       info == NULL,
	   "a bind_rw target under /proc refused when building");
	like(err.msg, "bind_rw '/srv/data:/proc/x'", "error names the bind");
	jail_strv_clear(&p.spec.bind_rw);
	jail_strv_clear(&p.spec.bind_ro);
	ok(jail_session_info_from_profile(&p, "abc", "Bad User", "/opt/j", NULL, &info, &err) < 0 &&
	       info == NULL,
	   "bad user name refused when building");
	like(err.msg, "sftp-only", "error names the profile");
	/* shell: the assignment's over the profile's. */
	p.shell = "/bin/dash";
	ok(jail_session_info_from_profile(&p, "abc", "bob", "/opt/j", NULL, &info, &err) == 0 &&
	       strcmp(info->shell, "/bin/dash") == 0,
	   "no assignment shell: the profile's");
	jail_session_info_free(info);
	info = NULL;
	ok(jail_session_info_from_profile(&p, "abc", "bob", "/opt/j", "/usr/bin/zsh", &info,
					  &err) == 0 &&
	       strcmp(info->shell, "/usr/bin/zsh") == 0,
	   "the assignment's shell wins over the profile's");
	jail_session_info_free(info);
	info = NULL;
	ok(jail_session_info_from_profile(&p, "abc", "bob", "/opt/j", "/bin/a:b", &info, &err) <
		   0 &&
	       info == NULL,
	   "a shell with ':' refused when building");
	like(err.msg, "shell: '/bin/a:b'", "error names the shell");
	p.shell = NULL;
	jail_strv_clear(&p.spec.commands);
	jail_strv_clear(&p.spec.seccomp_deny);
}

static void test_read(void)
{
	jail_error_t err = {0};
	jail_session_info_t *info = NULL;
	/* /run, not /tmp: the parent chain must be root's alone (no sticky
	 * world-writable /tmp) for the trusted read to succeed. */
	char dir[] = "/run/jail-sf-XXXXXX";
	char path[64];
	int fd;

	if (geteuid() != 0)
		memcpy(dir, "/tmp", 4);
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp %s", dir);
		return;
	}
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/session", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0444);
	(void)!write(fd, good, strlen(good));
	close(fd);
	if (geteuid() == 0) {
		ok(jail_sessionfile_read(path, &info, &err) == 0,
		   "trusted read of a 0444 root file");
		jail_session_info_free(info);
		info = NULL;
		chmod(path, 0446);
		ok(jail_sessionfile_read(path, &info, &err) < 0, "world-writable file refused");
		like(err.msg, "writable by group or others", "world-writable: message");
		chmod(path, 0444);
		(void)!chown(path, 65534, 65534);
		ok(jail_sessionfile_read(path, &info, &err) < 0, "file not owned by root refused");
		like(err.msg, "not owned by root", "not root-owned: message");
		(void)!chown(path, 0, 0);
		unlink(path);
		(void)!symlink("/etc/passwd", path);
		ok(jail_sessionfile_read(path, &info, &err) < 0 && err.code == ELOOP,
		   "symlink refused (ELOOP)");
		unlink(path);
		(void)!mkdir(path, 0755);
		ok(jail_sessionfile_read(path, &info, &err) < 0, "directory refused");
		rmdir(path);
		chmod(dir, 0777);
		ok(jail_sessionfile_read(path, &info, &err) < 0, "world-writable parent refused");
	} else {
		ok(jail_sessionfile_read(path, &info, &err) < 0,
		   "file owned by a non-root user refused");
		unlink(path);
	}
	unlink(path);
	rmdir(dir);
}

/* The session file is read by jailsh, inside the jail: it must refuse at
 * least what the configuration refuses.  Every host name, command and
 * AppArmor name a profile refuses (test_config.c's cases and the edges of
 * the same rules) is refused by the session-file parser too. */
static void test_as_strict_as_config(void)
{
	static const char *const hostnames[] = {
	    "-bad",
	    "a_b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "a..b",
	    "a.",
	    ".a",
	    "a-",
	    "a-.b",
	    "a.-b",
	    "a b",
	    "a/b",
	    "h\xc3\xa9",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
	};
	static const char *const commands[] = {
	    "/usr/bin/rsync", "../x", ".hidden", "-x", "a:b", "a*b"};
	static const char *const aa_names[] = {"a\"c", "a:b", "a=b", "p@q",
					       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
					       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
					       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	char line[512], name[600];

	for (size_t i = 0; i < sizeof(hostnames) / sizeof(hostnames[0]); i++) {
		ok(!jail_valid_hostname(hostnames[i]), "profile refuses hostname '%s'",
		   hostnames[i]);
		snprintf(line, sizeof(line), "hostname=%s\n", hostnames[i]);
		snprintf(name, sizeof(name), "session file hostname '%s'", hostnames[i]);
		bad_variant("hostname", line, "not a host name", name);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		ok(!jail_restrict_valid_command(commands[i]), "profile refuses command '%s'",
		   commands[i]);
		snprintf(line, sizeof(line), "commands=%s\n", commands[i]);
		snprintf(name, sizeof(name), "session file command '%s'", commands[i]);
		bad_variant("commands", line, "invalid item", name);
	}
	for (size_t i = 0; i < sizeof(aa_names) / sizeof(aa_names[0]); i++) {
		ok(!jail_valid_apparmor_name(aa_names[i]), "profile refuses AppArmor name '%s'",
		   aa_names[i]);
		snprintf(line, sizeof(line), "apparmor_profile=%s\n", aa_names[i]);
		snprintf(name, sizeof(name), "session file AppArmor name '%s'", aa_names[i]);
		bad_variant("apparmor_profile", line, "is not valid", name);
	}
	ok(jail_valid_hostname("box-1.example") && jail_valid_hostname("jail"),
	   "what profiles accept stays accepted");
}

int main(void)
{
	test_good();
	test_malformed();
	test_format_validates();
	test_from_profile();
	test_read();
	test_as_strict_as_config();
	return done_testing();
}
