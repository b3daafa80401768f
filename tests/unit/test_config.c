/* Config loading and validation: every error class asserted by its message,
 * include resolution, lookup order, and the shipped profiles.  Runs as root
 * in a scratch dir under /run (a trusted, root-owned 0755 chain: /tmp is
 * world-writable and must be refused as a config dir). */
#define _GNU_SOURCE
#include "tap.h"
#include "config/config.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iniparser/iniparser.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];
static char conf[128];
static char toppath[PATH_MAX];

static void write_file(const char *rel, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", conf, rel);
	f = fopen(path, "w");
	if (f == NULL) {
		diag("cannot write %s", path);
		exit(2);
	}
	fputs(content, f);
	fclose(f);
	chmod(path, 0644);
}

static void rm(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", conf, rel);
	unlink(path);
}

static void mkdir_trusted(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", conf, rel);
	if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0) {
		printf("Bail out! mkdir %s: %s\n", path, strerror(errno));
		exit(255);
	}
}

/* Load the config and return the error message ("" on success). */
static const char *load_err(void)
{
	static jail_error_t err;
	jail_config_t *cfg = NULL;

	jail_error_clear(&err);
	if (jail_config_load(conf, &cfg, &err) == 0) {
		jail_config_free(cfg);
		return "";
	}
	return err.msg;
}

static const char *profile_err(const char *name)
{
	static jail_error_t err;
	jail_profile_t *p = NULL;

	jail_error_clear(&err);
	if (jail_profile_load(conf, name, &p, &err) == 0) {
		jail_profile_free(p);
		return "";
	}
	return err.msg;
}

/* Write profiles/x.ini with BODY below [profile] and return the load error. */
static const char *bad_profile(const char *body)
{
	char text[2048];

	snprintf(text, sizeof(text), "[profile]\n%s\n", body);
	write_file("profiles/x.ini", text);
	return profile_err("x");
}

static void setup(void)
{
	char *slash;
	ssize_t n;

	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create scratch dir under /run: %s\n", strerror(errno));
		exit(255);
	}
	snprintf(conf, sizeof(conf), "%s/conf", base);
	if (mkdir(conf, 0755) < 0 || chmod(conf, 0755) < 0) {
		printf("Bail out! mkdir %s: %s\n", conf, strerror(errno));
		exit(255);
	}
	mkdir_trusted("users.d");
	mkdir_trusted("profiles");
	/* The repo top: this binary is TOP/tests/unit/test_config. */
	n = readlink("/proc/self/exe", toppath, sizeof(toppath) - 1);
	if (n < 0) {
		printf("Bail out! readlink /proc/self/exe\n");
		exit(255);
	}
	toppath[n] = '\0';
	for (int i = 0; i < 3; i++) {
		slash = strrchr(toppath, '/');
		if (slash)
			*slash = '\0';
	}
}

static int copy_shipped_profiles(void)
{
	char cmd[PATH_MAX + 1024];

	snprintf(cmd, sizeof(cmd), "cp %s/profiles/*.ini %s/profiles/ && chmod 0644 %s/profiles/*",
		 toppath, conf, conf);
	return system(cmd);
}

static void test_dir_checks(void)
{
	jail_config_t *cfg = NULL;
	jail_error_t err = {0};
	char tmpconf[] = "/tmp/jail-unit-conf-XXXXXX";

	ok(jail_config_load("relative/conf", &cfg, &err) < 0, "relative config dir refused");
	like(err.msg, "not an absolute path", "  says it must be absolute");

	chmod(conf, 0775);
	like(load_err(), "writable by its group", "group-writable config dir refused");
	like(load_err(), conf, "  message names the dir");
	chmod(conf, 0755);

	/* /tmp is world-writable (sticky): a config dir below it is not trusted. */
	if (mkdtemp(tmpconf) != NULL) {
		chmod(tmpconf, 0755);
		ok(jail_config_load(tmpconf, &cfg, &err) < 0, "config dir under /tmp refused");
		like(err.msg, "/tmp is writable by others", "  names /tmp as the untrusted parent");
		rmdir(tmpconf);
	}

	ok(jail_config_load("/nonexistent-jail-conf", &cfg, &err) < 0,
	   "missing config dir refused");
	like(err.msg, "/nonexistent-jail-conf", "  names the missing dir");
}

static void test_defaults(void)
{
	jail_config_t *cfg = NULL;
	jail_error_t err = {0};

	rm("jail.ini");
	ok(jail_config_load(conf, &cfg, &err) == 0, "no jail.ini: defaults (%s)", err.msg);
	if (cfg == NULL)
		return;
	is_str(cfg->default_profile, "default", "default profile is 'default'");
	ok(cfg->default_jail == NULL, "no default jail");
	is_str(cfg->sections_file, JAIL_DATADIR "/sections.ini", "sections default");
	is_str(cfg->cgroup_parent, "jail", "cgroup_parent default");
	is_str(cfg->registry_dir, "/run/jail/sessions", "registry default");
	is_str(cfg->jailsh_path, JAIL_SBINDIR "/jailsh", "jailsh default");
	is_str(cfg->ssh_group, "jailed", "ssh_group default: jailed (the sshd snippet's group)");
	is_str(cfg->dir, conf, "dir recorded");
	is_int(cfg->n_users + cfg->n_groups, 0, "nobody jailed");
	jail_config_free(cfg);

	write_file("jail.ini", "; global settings\n[jail]\njail = /opt//chroots/\nprofile = "
			       "strict\nsections = /usr/share/jail/s.ini\ncgroup_parent = "
			       "system.slice/jail\nregistry = /run/j\njailsh = /usr/sbin/jailsh\n");
	ok(jail_config_load(conf, &cfg, &err) == 0, "full [jail] section loads (%s)", err.msg);
	if (cfg) {
		is_str(cfg->default_jail, "/opt/chroots", "jail path normalised");
		is_str(cfg->default_profile, "strict", "profile read");
		is_str(cfg->cgroup_parent, "system.slice/jail", "nested cgroup_parent");
		is_str(cfg->jailsh_path, "/usr/sbin/jailsh", "jailsh read");
		jail_config_free(cfg);
	}
}

static void test_file_checks(void)
{
	char path[256], other[256];

	snprintf(path, sizeof(path), "%s/jail.ini", conf);
	write_file("jail.ini", "[jail]\n");
	if (chown(path, 1000, 0) < 0)
		diag("chown failed");
	like(load_err(), "is owned by uid 1000, expected root", "non-root jail.ini refused");
	like(load_err(), "chown root", "  message gives the fix");
	if (chown(path, 0, 0) < 0)
		diag("chown failed");

	chmod(path, 0664);
	like(load_err(), "writable by its group (mode 0664)", "group-writable jail.ini refused");
	like(load_err(), "chmod go-w", "  message gives the fix");
	chmod(path, 0646);
	like(load_err(), "writable by others", "world-writable jail.ini refused");
	chmod(path, 0644);

	unlink(path);
	snprintf(other, sizeof(other), "%s/real.ini", base);
	{
		FILE *f = fopen(other, "w");
		fputs("[jail]\n", f);
		fclose(f);
		chmod(other, 0644);
	}
	if (symlink(other, path) < 0)
		diag("symlink failed");
	like(load_err(), "jail.ini is a symlink", "symlinked jail.ini refused");
	unlink(path);
	unlink(other);

	mkdir(path, 0755);
	like(load_err(), "jail.ini is not a regular file", "directory as jail.ini refused");
	rmdir(path);

	{
		jail_error_t err = {0};
		dictionary *d;
		write_file("jail.ini", "[jail]\nprofile = strict\n");
		d = jail_ini_load_trusted(path, &err);
		ok(d != NULL, "jail_ini_load_trusted loads a trusted file (%s)", err.msg);
		if (d) {
			is_str(iniparser_getstring(d, "jail:profile", NULL), "strict",
			       "  value read through the fd");
			iniparser_freedict(d);
		}
		ok(jail_ini_load_trusted("rel.ini", &err) == NULL, "  relative path refused");
	}
}

static void test_syntax(void)
{
	write_file("jail.ini", "[jail]\nprofile = default\nnovalue\n");
	like(load_err(), "jail.ini: line 3: syntax error: 'novalue'", "syntax error names line");
	write_file("jail.ini", "[jail\n");
	like(load_err(), "line 1: syntax error", "unterminated section header");
	{
		char big[1200 + 32];
		memset(big, 'x', sizeof(big));
		memcpy(big, "[jail]\njail = /", 15);
		big[sizeof(big) - 2] = '\n';
		big[sizeof(big) - 1] = '\0';
		write_file("jail.ini", big);
		like(load_err(), "line 2: line too long", "over-long line refused");
	}
	write_file("jail.ini", "profile = default\n[jail]\n");
	like(load_err(), "key 'profile' is outside any section", "key before any section");
	write_file("jail.ini", "[jail]\n[jail]\n");
	like(load_err(), "line 2: section [jail] appears twice (first at line 1",
	     "duplicate section refused");
	write_file("jail.ini", "[user:bob]\njail = /a\n[USER:bob]\njail = /b\n");
	like(load_err(), "section [user:bob] appears twice", "duplicate section, other case");
	write_file("jail.ini", "[jail]\nprofile = default\n; x\n  Profile=strict\n");
	like(load_err(), "line 4: [jail] profile is set twice (first at line 2",
	     "duplicate key refused");
	write_file("profiles/x.ini", "[profile]\ndescription = one \\\n  description = two\n");
	is_str(profile_err("x"), "", "continuation line is not taken for a second key");
	rm("profiles/x.ini");
	write_file("jail.ini", "[user:Bob]\njail = /a\n");
	like(load_err(), "[user:Bob]: user and group names must be lower case",
	     "upper case user name refused (iniparser would fold it)");
}

static void test_jail_ini_validation(void)
{
	write_file("jail.ini", "[jail]\n[other]\n");
	like(load_err(),
	     "jail.ini: [other]: unknown section (expected [jail], [user:NAME] or "
	     "[group:NAME])",
	     "unknown section refused");
	write_file("jail.ini", "[jail]\nprofle = default\n");
	like(load_err(), "jail.ini: [jail] profle: unknown key (expected one of: jail, profile",
	     "unknown key refused, expected keys listed");
	write_file("jail.ini", "[jail]\njail = opt/chroots\n");
	like(load_err(), "[jail] jail: 'opt/chroots' is not an absolute path", "relative jail");
	write_file("jail.ini", "[jail]\njail = /opt/../etc\n");
	like(load_err(), "[jail] jail: '/opt/../etc': '..' is not allowed", "dot-dot jail");
	write_file("jail.ini", "[jail]\njail = /\n");
	like(load_err(), "[jail] jail: '/' is not allowed", "jail = / refused");
	write_file("jail.ini", "[jail]\nprofile = ../x\n");
	like(load_err(), "[jail] profile: '../x' is not a valid profile name", "bad profile name");
	write_file("jail.ini", "[jail]\ncgroup_parent = /abs\n");
	like(load_err(), "[jail] cgroup_parent: '/abs' is not a cgroup name", "bad cgroup_parent");
	write_file("jail.ini", "[jail]\ncgroup_parent = a/../b\n");
	like(load_err(), "is not a cgroup name", "cgroup_parent with ..");
	/* One rule with the registry (jail_cgroup_valid_path). */
	{
		static const char *const bad[] = {"a//b", "a/", "a/./b", "a b", "a:b", "..", ""};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char text[128];
			snprintf(text, sizeof(text), "[jail]\ncgroup_parent = %s\n", bad[i]);
			write_file("jail.ini", text);
			like(load_err(), "is not a cgroup name", "cgroup_parent '%s' refused",
			     bad[i]);
		}
	}
	write_file("jail.ini", "[jail]\nssh_group = Bad,Group\n");
	like(load_err(), "[jail] ssh_group: 'Bad,Group' is not a valid group name",
	     "bad ssh_group refused");
	write_file("jail.ini", "[jail]\nssh_group = sshjail\n");
	is_str(load_err(), "", "ssh_group = sshjail loads");
	write_file("jail.ini", "[user:bob]\njail = /a:b\n");
	like(load_err(), "[user:bob] jail: '/a:b' contains ':'", "colon in jail path refused");
	write_file("jail.ini", "[user:bob]\nprofile = default\n");
	like(load_err(), "[user:bob] jail: not set, and [jail] jail", "no jail and no default");
	write_file("jail.ini", "[user:bob]\njail = /a\nshel = /bin/sh\n");
	like(load_err(), "[user:bob] shel: unknown key (expected one of: jail, profile, shell)",
	     "unknown key in user section");
	write_file("jail.ini", "[user:bob]\njail = /a\nshell = bin/sh\n");
	like(load_err(), "[user:bob] shell: 'bin/sh' is not an absolute path",
	     "relative shell in a user section");
	write_file("jail.ini", "[group:g]\njail = /a\nshell = /bin/a:b\n");
	like(load_err(), "[group:g] shell: '/bin/a:b' contains ':'", "shell with ':' refused");
	write_file("jail.ini", "[user:bob]\njail = /a\nshell = /\n");
	like(load_err(), "[user:bob] shell: '/' is not a shell path", "shell = / refused");
	write_file("jail.ini", "[user:b/ob]\njail = /a\n");
	like(load_err(), "[user:b/ob]: 'b/ob' is not a valid user name", "bad user name");
	write_file("jail.ini", "[group:-x]\njail = /a\n");
	like(load_err(), "'-x' is not a valid group name", "bad group name");
	write_file("jail.ini", "[user:bob]\njail = /a\nprofile = nosuch\n");
	like(load_err(), "jail.ini [user:bob] profile: profile 'nosuch' not found (expected",
	     "missing profile refused, naming file and section");
	like(load_err(), "profiles/nosuch.ini", "  and the file it looked for");
	write_file("profiles/broken.ini", "[profile]\nmemory_max = 12Q\n");
	write_file("jail.ini", "[group:staff]\njail = /a\nprofile = broken\n");
	like(load_err(), "[group:staff] profile: ", "invalid profile reported at config load");
	like(load_err(), "broken.ini: [profile] memory_max: '12Q' is not a size",
	     "  with the profile's own error");
	rm("profiles/broken.ini");
	write_file("jail.ini", "[jail]\njail = /opt/j ; comment\n[user:bob]\n");
	is_str(load_err(), "", "user section inherits the default jail");
	rm("jail.ini");
}

static void test_users_d(void)
{
	jail_config_t *cfg = NULL;
	jail_error_t err = {0};
	char path[256], target[256];

	write_file("jail.ini", "[jail]\njail = /opt/j\n");
	write_file("users.d/bob.ini",
		   "[user:bob]\njail = /srv/bob\nprofile = strict\nshell = /usr//bin/zsh\n");
	write_file("users.d/bob.ini~", "this is an editor backup, not ini at all [\n");
	write_file("users.d/.bob.ini.swp", "garbage");
	write_file("users.d/carol.ini", "[user:carol]\n");
	ok(jail_config_load(conf, &cfg, &err) == 0, "users.d loads, backups skipped (%s)", err.msg);
	if (cfg) {
		const jail_assign_t *a = NULL;
		ok(jail_config_lookup(cfg, "bob", NULL, &a) == 1 && a, "bob is jailed");
		if (a) {
			is_str(a->jail, "/srv/bob", "  in his jail");
			is_str(a->profile, "strict", "  with his profile");
			is_str(a->shell, "/usr/bin/zsh", "  and his shell (normalised)");
			like(a->file, "users.d/bob.ini [user:bob]", "  file recorded");
		}
		ok(jail_config_lookup(cfg, "carol", NULL, &a) == 1 && a, "carol is jailed");
		if (a) {
			is_str(a->jail, "/opt/j", "  default jail");
			is_str(a->profile, "default", "  default profile");
			ok(a->shell == NULL, "  no shell: the profile's");
		}
		jail_config_free(cfg);
	}
	rm("users.d/bob.ini~");
	rm("users.d/.bob.ini.swp");

	write_file("users.d/dave.ini", "[user:eve]\njail = /x\n");
	like(load_err(),
	     "users.d/dave.ini: [user:eve]: unexpected section (expected only "
	     "[user:dave], matching the file name)",
	     "section not matching the file name refused");
	write_file("users.d/dave.ini", "[user:dave]\njail = /x\n[user:eve]\njail = /y\n");
	like(load_err(), "[user:eve]: unexpected section", "two sections refused");
	write_file("users.d/dave.ini", "; empty\n");
	like(load_err(), "users.d/dave.ini: no [user:dave] section (expected exactly one)",
	     "empty users.d file refused");
	write_file("users.d/dave.ini", "[group:dave]\njail = /x\n");
	like(load_err(), "[group:dave]: unexpected section", "group section in users.d refused");
	write_file("users.d/dave.ini", "[user:dave]\njail = /x\nprofile = strict\ncolor = red\n");
	like(load_err(), "users.d/dave.ini: [user:dave] color: unknown key", "unknown key");
	rm("users.d/dave.ini");

	write_file("users.d/Dave.ini", "[user:dave]\n");
	like(load_err(), "users.d/Dave.ini: 'Dave' is not a valid user name",
	     "upper case file name refused");
	rm("users.d/Dave.ini");

	write_file("jail.ini", "[jail]\njail = /opt/j\n[user:bob]\njail = /other\n");
	like(load_err(), "users.d/bob.ini: user 'bob' is defined twice: here and in",
	     "user in jail.ini and users.d refused");
	like(load_err(), "jail.ini [user:bob]", "  names the other definition");
	write_file("jail.ini", "[jail]\njail = /opt/j\n");

	snprintf(path, sizeof(path), "%s/users.d/mallory.ini", conf);
	snprintf(target, sizeof(target), "%s/users.d/bob.ini", conf);
	if (symlink(target, path) < 0)
		diag("symlink failed");
	like(load_err(), "users.d/mallory.ini is a symlink (refused", "symlink in users.d refused");
	unlink(path);

	snprintf(path, sizeof(path), "%s/users.d/bob.ini", conf);
	chmod(path, 0666);
	like(load_err(), "users.d/bob.ini is writable by others", "writable users.d file refused");
	chmod(path, 0644);

	snprintf(path, sizeof(path), "%s/users.d", conf);
	chmod(path, 0777);
	like(load_err(), "users.d is writable by others", "writable users.d dir refused");
	chmod(path, 0755);

	/* One user's view (pam_jail, jailctl keys): jail.ini and that user's
	 * users.d file only; another user's broken file does not matter. */
	write_file("users.d/dave.ini", "[user:dave]\njail = /x\ncolor = red\n");
	ok(jail_config_load_for_user(conf, "bob", &cfg, &err) == 0,
	   "for_user bob: loads with dave.ini broken (%s)", err.msg);
	if (cfg) {
		const jail_assign_t *a = NULL;
		ok(jail_config_lookup(cfg, "bob", NULL, &a) == 1 && a &&
		       strcmp(a->jail, "/srv/bob") == 0,
		   "for_user bob: bob is jailed in his jail");
		ok(jail_config_lookup(cfg, "carol", NULL, &a) == 0,
		   "for_user bob: carol's file was not read");
		jail_config_free(cfg);
		cfg = NULL;
	}
	ok(jail_config_load_for_user(conf, "dave", &cfg, &err) < 0 &&
	       strstr(err.msg, "users.d/dave.ini: [user:dave] color: unknown key") != NULL,
	   "for_user dave: his broken file is refused (%s)", err.msg);
	rm("users.d/dave.ini");
	ok(jail_config_load_for_user(conf, "nobody", &cfg, &err) == 0 && cfg &&
	       jail_config_lookup(cfg, "nobody", NULL, &(const jail_assign_t *){NULL}) == 0,
	   "for_user: a user without a file is not jailed");
	jail_config_free(cfg);
	cfg = NULL;
	snprintf(path, sizeof(path), "%s/users.d/mallory.ini", conf);
	snprintf(target, sizeof(target), "%s/users.d/bob.ini", conf);
	if (symlink(target, path) < 0)
		diag("symlink failed");
	ok(jail_config_load_for_user(conf, "mallory", &cfg, &err) < 0 &&
	       strstr(err.msg, "users.d/mallory.ini is a symlink") != NULL,
	   "for_user: the user's own file as a symlink is refused (%s)", err.msg);
	unlink(path);
	write_file("jail.ini", "[jail]\njail = /opt/j\n[user:bob]\njail = /other\n");
	ok(jail_config_load_for_user(conf, "bob", &cfg, &err) < 0 &&
	       strstr(err.msg, "defined twice") != NULL,
	   "for_user: bob in jail.ini and users.d is still refused (%s)", err.msg);
	write_file("jail.ini", "[jail]\njail = /opt/j\n");

	rm("users.d/bob.ini");
	rm("users.d/carol.ini");
	rm("jail.ini");
}

static void test_lookup(void)
{
	jail_config_t *cfg = NULL;
	jail_error_t err = {0};
	jail_strv_t groups = {0};
	const jail_assign_t *a = NULL;

	write_file("jail.ini", "[jail]\njail = /j/default\n"
			       "[group:sftpusers]\njail = /j/sftp\nprofile = sftp-only\n"
			       "[group:staff]\njail = /j/staff\n"
			       "[user:bob]\njail = /j/bob\n");
	if (jail_config_load(conf, &cfg, &err) < 0) {
		ok(0, "lookup config loads: %s", err.msg);
		return;
	}
	jail_strv_push(&groups, "staff", &err);
	jail_strv_push(&groups, "sftpusers", &err);
	ok(jail_config_lookup(cfg, "bob", &groups, &a) == 1 && a, "bob found");
	if (a)
		is_str(a->jail, "/j/bob", "user section beats group sections");
	ok(jail_config_lookup(cfg, "alice", &groups, &a) == 1 && a, "alice found by group");
	if (a) {
		is_str(a->jail, "/j/sftp", "first group in jail.ini order wins, not the user's");
		is_str(a->profile, "sftp-only", "  with the group's profile");
	}
	jail_strv_clear(&groups);
	jail_strv_push(&groups, "users", &err);
	ok(jail_config_lookup(cfg, "alice", &groups, &a) == 0 && a == NULL,
	   "not jailed: 0 and no assignment");
	ok(jail_config_lookup(cfg, "alice", NULL, &a) == 0, "no groups at all: not jailed");
	jail_strv_clear(&groups);
	jail_config_free(cfg);
	rm("jail.ini");
}

/* Many users: jail.ini's [user:] sections and users.d files are found by
 * an index (config.c), which must keep the linear search's results: the
 * first definition named in a duplicate's message, first, last and middle
 * users found with their own entries, missing users not found. */
#define MANY_INI 200
#define MANY_D	 2000

static void test_many_users(void)
{
	jail_config_t *cfg = NULL;
	jail_error_t err = {0};
	const jail_assign_t *a = NULL;
	char name[64], rel[64], text[256], want[512];
	size_t bad = 0;
	FILE *f;

	snprintf(want, sizeof(want), "%s/jail.ini", conf);
	f = fopen(want, "w");
	if (f == NULL) {
		ok(0, "write jail.ini with %d [user:] sections", MANY_INI);
		return;
	}
	fprintf(f, "[jail]\njail = /opt/j\n");
	for (int i = 1; i <= MANY_INI; i++)
		fprintf(f, "[user:j%d]\n", i);
	fclose(f);
	for (int i = 0; i < MANY_D; i++) {
		snprintf(rel, sizeof(rel), "users.d/u%04d.ini", i);
		snprintf(text, sizeof(text), "[user:u%04d]\njail = /srv/u%04d\n", i, i);
		write_file(rel, text);
	}
	ok(jail_config_load(conf, &cfg, &err) == 0,
	   "%d [user:] sections and %d users.d files load (%s)", MANY_INI, MANY_D, err.msg);
	if (cfg == NULL)
		goto out;
	is_int(cfg->n_users, MANY_INI + MANY_D, "every user is there, once");
	ok(jail_config_lookup(cfg, "j1", NULL, &a) == 1 && a && strcmp(a->name, "j1") == 0 &&
	       strcmp(a->jail, "/opt/j") == 0 && a == &cfg->users[0],
	   "first user (jail.ini's first section) found, its own entry");
	ok(jail_config_lookup(cfg, "u1999", NULL, &a) == 1 && a &&
	       strcmp(a->jail, "/srv/u1999") == 0 && a == &cfg->users[cfg->n_users - 1],
	   "last user (the last users.d file) found, its own entry");
	ok(jail_config_lookup(cfg, "u0777", NULL, &a) == 1 && a &&
	       strstr(a->file, "users.d/u0777.ini [user:u0777]"),
	   "a user in the middle found, with its file");
	ok(jail_config_lookup(cfg, "j200", NULL, &a) == 1 && a &&
	       strstr(a->file, "jail.ini [user:j200]"),
	   "the last jail.ini user found, with its section");
	for (int i = 0; i < MANY_D; i++) {
		snprintf(name, sizeof(name), "u%04d", i);
		snprintf(want, sizeof(want), "/srv/%s", name);
		if (jail_config_lookup(cfg, name, NULL, &a) != 1 || strcmp(a->jail, want) != 0)
			bad++;
	}
	is_int(bad, 0, "each of the %d users.d users found with its own jail", MANY_D);
	a = &cfg->users[0];
	ok(jail_config_lookup(cfg, "u2000", NULL, &a) == 0 && a == NULL,
	   "missing user: not jailed");
	ok(jail_config_lookup(cfg, "j0", NULL, &a) == 0 &&
	       jail_config_lookup(cfg, "u", NULL, &a) == 0 &&
	       jail_config_lookup(cfg, "", NULL, &a) == 0 &&
	       jail_config_lookup(cfg, "U0001", NULL, &a) == 0,
	   "near misses (j0, u, empty, U0001) not jailed");
	jail_config_free(cfg);
	cfg = NULL;

	/* Duplicates: the users.d file is reported with the definition before it. */
	write_file("users.d/j150.ini", "[user:j150]\njail = /x\n");
	snprintf(want, sizeof(want),
		 "%s/users.d/j150.ini: user 'j150' is defined twice: here and in %s/jail.ini "
		 "[user:j150] (expected one definition)",
		 conf, conf);
	is_str(load_err(), want, "duplicate among many: the exact message, naming both places");
	write_file("users.d/j1.ini", "[user:j1]\n");
	snprintf(want, sizeof(want),
		 "%s/users.d/j1.ini: user 'j1' is defined twice: here and in %s/jail.ini "
		 "[user:j1] (expected one definition)",
		 conf, conf);
	is_str(load_err(), want,
	       "two duplicates: the first users.d file in name order is reported");
	rm("users.d/j1.ini");
	write_file("users.d/j200.ini", "[user:j200]\n");
	like(load_err(), "/users.d/j150.ini: user 'j150' is defined twice: here and in",
	     "  j150.ini still before j200.ini");
	rm("users.d/j150.ini");
	like(load_err(), "/users.d/j200.ini: user 'j200' is defined twice: here and in",
	     "duplicate of jail.ini's last section found");
	like(load_err(), "/jail.ini [user:j200] (expected one definition)",
	     "  naming jail.ini's section");
	ok(jail_config_load_for_user(conf, "j200", &cfg, &err) < 0 &&
	       strstr(err.msg, "users.d/j200.ini: user 'j200' is defined twice") != NULL,
	   "for_user: the duplicate is refused too (%s)", err.msg);
	jail_config_free(cfg);
	cfg = NULL;

	/* jail.ini alone (jailctl ps, kill, gc): users.d is not read. */
	ok(jail_config_load_flags(conf, JAIL_CONFIG_NO_USERS_D | JAIL_CONFIG_SKIP_PROFILES, &cfg,
				  &err) == 0,
	   "NO_USERS_D: loads although users.d/j200.ini duplicates a user (%s)", err.msg);
	if (cfg) {
		is_int(cfg->n_users, MANY_INI, "  jail.ini's users only");
		ok(jail_config_lookup(cfg, "j200", NULL, &a) == 1 && a &&
		       strstr(a->file, "jail.ini"),
		   "  j200 from jail.ini");
		ok(jail_config_lookup(cfg, "u0000", NULL, &a) == 0, "  u0000 (users.d) not read");
		jail_config_free(cfg);
		cfg = NULL;
	}
	rm("users.d/j200.ini");
	ok(jail_config_load_for_user(conf, "u1234", &cfg, &err) == 0 && cfg &&
	       cfg->n_users == MANY_INI + 1 && jail_config_lookup(cfg, "u1234", NULL, &a) == 1 &&
	       strcmp(a->jail, "/srv/u1234") == 0 &&
	       jail_config_lookup(cfg, "j37", NULL, &a) == 1 &&
	       jail_config_lookup(cfg, "u1235", NULL, &a) == 0,
	   "for_user among many: jail.ini's users and his own");
	jail_config_free(cfg);
	cfg = NULL;

out:
	for (int i = 0; i < MANY_D; i++) {
		snprintf(rel, sizeof(rel), "users.d/u%04d.ini", i);
		rm(rel);
	}
	rm("jail.ini");
}

/* A jail_config_t filled by hand has no index: lookup searches in order and
 * the first of two entries of one name wins, as before. */
static void test_lookup_unindexed(void)
{
	jail_assign_t users[] = {
	    {.name = (char *)"ann", .jail = (char *)"/j/a1"},
	    {.name = (char *)"bob", .jail = (char *)"/j/b"},
	    {.name = (char *)"ann", .jail = (char *)"/j/a2"},
	};
	jail_config_t cfg = {.users = users, .n_users = 3};
	const jail_assign_t *a = NULL;

	ok(jail_config_lookup(&cfg, "ann", NULL, &a) == 1 && a == &users[0],
	   "hand-made config: the first entry of a name wins");
	ok(jail_config_lookup(&cfg, "bob", NULL, &a) == 1 && a == &users[1],
	   "hand-made config: bob");
	ok(jail_config_lookup(&cfg, "cid", NULL, &a) == 0 && a == NULL,
	   "hand-made config: missing user");
}

static void test_profile_values(void)
{
	jail_profile_t *p = NULL;
	jail_error_t err = {0};

	write_file("profiles/x.ini", "[profile]\n");
	ok(jail_profile_load(conf, "x", &p, &err) == 0, "empty profile loads (%s)", err.msg);
	if (p) {
		is_str(p->name, "x", "name");
		ok(p->spec.net == JAIL_NET_HOST, "default net host");
		is_str(p->spec.hostname, "jail", "default hostname jail");
		is_int(p->spec.cgroup, JAIL_MODE_OPTIONAL, "default cgroup optional");
		ok(p->spec.limits.memory_max == 1ULL << 30, "default memory_max 1G");
		is_int(p->spec.limits.pids_max, 512, "default pids_max 512");
		is_int(p->spec.limits.cpu_max_percent, 0, "default cpu_max 0");
		is_int(p->spec.limits.io_weight, 0, "default io_weight 0");
		is_int(p->spec.caps_keep.n, 0, "default caps none");
		is_int(p->spec.seccomp, JAIL_SECCOMP_DEFAULT, "default seccomp default");
		is_int(p->spec.apparmor, JAIL_MODE_OPTIONAL, "default apparmor optional");
		is_str(p->spec.apparmor_profile, "jail-default", "default apparmor_profile");
		is_int(p->spec.landlock, JAIL_MODE_OPTIONAL, "default landlock optional");
		ok(p->spec.tmp_size == 64ULL << 20, "default tmp_size 64M");
		ok(p->spec.run_size == 8ULL << 20, "default run_size 8M");
		is_str(p->shell, "/bin/bash", "default shell /bin/bash");
		ok(p->linger_ms == 0, "default linger no (0)");
		jail_profile_free(p);
		p = NULL;
	}
	write_file("profiles/x.ini",
		   "[profile]\ndescription = all keys\nnet = none\nhostname = box-1.example\n"
		   "cgroup = required\nmemory_max = max\npids_max = max\ncpu_max = 150\n"
		   "io_weight = 100\ncaps = CAP_NET_BIND_SERVICE, cap_chown cap_chown\n"
		   "seccomp = strict\nseccomp_allow = ptrace\nseccomp_deny = mount, chroot\n"
		   "apparmor = off\napparmor_profile = jail/web\nlandlock = off\n"
		   "tmp_size = 1G\nrun_size = 64K\nbind_ro = /usr/share/doc, /srv/data:/data\n"
		   "bind_rw = /var//spool/x/\ncommands = sftp-server rsync git-upload-pack\n"
		   "shell = /bin/dash\n");
	ok(jail_profile_load(conf, "x", &p, &err) == 0, "every key parses (%s)", err.msg);
	if (p) {
		is_str(p->description, "all keys", "description");
		ok(p->spec.net == JAIL_NET_NONE, "net none");
		is_str(p->spec.hostname, "box-1.example", "hostname with dots");
		is_int(p->spec.cgroup, JAIL_MODE_REQUIRED, "cgroup required");
		ok(p->spec.limits.memory_max == UINT64_MAX && p->spec.limits.pids_max == UINT64_MAX,
		   "max = unlimited");
		is_int(p->spec.limits.cpu_max_percent, 150, "cpu_max above one CPU");
		is_int(p->spec.limits.io_weight, 100, "io_weight");
		is_int(p->spec.caps_keep.n, 2, "caps deduplicated");
		is_str(p->spec.caps_keep.v[0], "cap_net_bind_service", "caps lower-cased");
		is_int(p->spec.seccomp, JAIL_SECCOMP_STRICT, "seccomp strict");
		ok(p->spec.seccomp_allow.n == 1 && p->spec.seccomp_deny.n == 2, "syscall lists");
		is_int(p->spec.apparmor, JAIL_MODE_OFF, "apparmor off");
		is_str(p->spec.apparmor_profile, "jail/web", "apparmor_profile");
		is_int(p->spec.landlock, JAIL_MODE_OFF, "landlock off");
		ok(p->spec.tmp_size == 1ULL << 30 && p->spec.run_size == 64ULL << 10,
		   "tmpfs sizes");
		ok(p->spec.bind_ro.n == 2, "two ro binds");
		if (p->spec.bind_ro.n == 2) {
			is_str(p->spec.bind_ro.v[0], "/usr/share/doc:/usr/share/doc",
			       "bind without target maps to the same path");
			is_str(p->spec.bind_ro.v[1], "/srv/data:/data", "bind with target");
		}
		if (p->spec.bind_rw.n == 1)
			is_str(p->spec.bind_rw.v[0], "/var/spool/x:/var/spool/x",
			       "bind normalised");
		is_int(p->spec.commands.n, 3, "commands");
		is_str(p->shell, "/bin/dash", "shell");
		jail_profile_free(p);
		p = NULL;
	}
	write_file("profiles/x.ini", "[profile]\ncaps = none\ncpu_max = max\n");
	ok(jail_profile_load(conf, "x", &p, &err) == 0 && p->spec.caps_keep.n == 0 &&
	       p->spec.limits.cpu_max_percent == 0,
	   "caps = none and cpu_max = max");
	jail_profile_free(p);
}

static void test_profile_errors(void)
{
	{
		static const struct {
			const char *v;
			uint64_t ms;
		} lg[] = {{"no", 0},	    {"off", 0},	     {"yes", 600000},
			  {"YES", 600000},  {"2", 2000},     {"2s", 2000},
			  {"5min", 300000}, {"1h", 3600000}, {"168h", 604800000}};
		for (size_t i = 0; i < sizeof(lg) / sizeof(lg[0]); i++) {
			char body[64];
			jail_profile_t *lp = NULL;
			jail_error_t e = {0};

			snprintf(body, sizeof(body), "[profile]\nlinger = %s\n", lg[i].v);
			write_file("profiles/x.ini", body);
			ok(jail_profile_load(conf, "x", &lp, &e) == 0 && lp->linger_ms == lg[i].ms,
			   "linger = %s is %llu ms", lg[i].v, (unsigned long long)lg[i].ms);
			jail_profile_free(lp);
		}
	}
	like(bad_profile("linger = 5 minutes"),
	     "[profile] linger: '5 minutes' is not valid (expected no, yes or an idle timeout",
	     "linger with a bad unit refused, naming the key");
	like(bad_profile("linger = 0"), "linger: '0' is not valid", "linger 0 refused (say no)");
	like(bad_profile("linger = 169h"), "linger: '169h' is not valid", "linger over 7 days");
	like(bad_profile("linger = 500ms"), "linger: '500ms' is not valid", "linger in ms refused");
	like(bad_profile("shell = bash"), "[profile] shell: 'bash' is not an absolute path",
	     "relative profile shell refused");
	like(bad_profile("memory_max = 12Q"),
	     "profiles/x.ini: [profile] memory_max: '12Q' is not a size (expected",
	     "bad size names file, section, key, value, expectation");
	like(bad_profile("memory_max = 512K"), "memory_max: '512K' is too small",
	     "tiny memory_max");
	like(bad_profile("tmp_size = 0"), "tmp_size: '0' is too small (expected a size of at least",
	     "tmp_size 0 (tmpfs unlimited) refused");
	like(bad_profile("run_size = max"), "run_size: 'max' is not allowed",
	     "run_size max refused");
	like(bad_profile("pids_max = 0"), "pids_max: '0' is not a process count", "pids_max 0");
	like(bad_profile("pids_max = -5"), "pids_max: '-5' is not a process count",
	     "negative pids");
	like(bad_profile("cpu_max = 50%"), "cpu_max: '50%' is not a CPU percentage",
	     "cpu_max with a percent sign");
	like(bad_profile("io_weight = 20000"), "io_weight: '20000' is not an I/O weight",
	     "io_weight out of range");
	like(bad_profile("net = maybe"),
	     "[profile] net: 'maybe' is not valid (expected host, none or private)",
	     "bad net enum");
	{
		jail_profile_t *np = NULL;
		jail_error_t e = {0};

		write_file("profiles/np.ini", "[profile]\nnet = private\n");
		ok(jail_profile_load(conf, "np", &np, &e) == 0 && np->spec.net == JAIL_NET_PRIVATE,
		   "net private (%s)", e.msg);
		jail_profile_free(np);
	}
	like(bad_profile("cgroup = yes"),
	     "[profile] cgroup: 'yes' is not valid (expected required, optional or off)",
	     "bad cgroup enum");
	like(bad_profile("apparmor = on"), "[profile] apparmor: 'on' is not valid", "bad apparmor");
	like(bad_profile("landlock = sometimes"), "[profile] landlock: 'sometimes' is not valid",
	     "bad landlock");
	like(bad_profile("seccomp = lax"),
	     "[profile] seccomp: 'lax' is not valid (expected default, strict or off)",
	     "bad seccomp enum");
	like(bad_profile("caps = cap_net_bind_service, cap_fly"),
	     "[profile] caps: 'cap_fly' is not a capability name", "bad capability name");
	like(bad_profile("caps = 12"), "caps: '12' is not a capability name",
	     "numeric capability refused");
	/* jailsh makes bind_rw targets writable under Landlock (landlock.c): no
	 * longer a combination to refuse. */
	is_str(bad_profile("bind_rw = /srv/data"), "",
	       "bind_rw with Landlock applied (the default) accepted");
	is_str(bad_profile("bind_rw = /srv/data\nlandlock = required"), "",
	       "bind_rw with landlock = required accepted");
	is_str(bad_profile("bind_rw = /srv/data\nlandlock = off"), "",
	       "bind_rw with landlock = off accepted");
	is_str(bad_profile("caps = None"), "", "caps = none (any case) is accepted");
	{
		jail_profile_t *p = NULL;
		jail_error_t e2 = {0};
		ok(jail_profile_load(conf, "x", &p, &e2) == 0 && p->spec.caps_keep.n == 0,
		   "caps = none keeps no capability");
		jail_profile_free(p);
	}
	like(bad_profile("caps = none, cap_chown"), "caps: 'none' is not a capability name",
	     "none mixed with capabilities refused");
	is_str(bad_profile("caps = CAP_CHOWN, cap_chown"), "",
	       "capability names are case-folded and duplicates dropped");
	like(bad_profile("seccomp_deny = mount, frobnicate"),
	     "[profile] seccomp_deny: 'frobnicate' is not a system call name known to libseccomp",
	     "bad syscall name in seccomp_deny");
	like(bad_profile("seccomp_allow = not_a_syscall"),
	     "seccomp_allow: 'not_a_syscall' is not a system call name", "bad syscall in allow");
	like(bad_profile("hostname = -bad"), "[profile] hostname: '-bad' is not a valid host name",
	     "hostname starting with '-'");
	like(bad_profile("hostname = a_b"), "'a_b' is not a valid host name", "underscore host");
	like(bad_profile("hostname = "
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	     "is not a valid host name", "hostname over 64 characters");
	like(bad_profile("hostname = a..b"), "'a..b' is not a valid host name", "empty label");
	like(bad_profile("bind_ro = relative/path"),
	     "[profile] bind_ro: 'relative/path' (expected /host/path or /host/path:/jail/path",
	     "relative bind refused");
	like(bad_profile("bind_rw = /srv/../etc"), "bind_rw: '/srv/../etc'",
	     "dot-dot bind refused");
	like(bad_profile("bind_rw = /srv:data"), "'data' is not an absolute path",
	     "relative bind target refused");
	like(bad_profile("bind_rw = /srv:/"), "cannot bind over the jail root",
	     "bind over / refused");
	like(bad_profile("bind_ro = /a:/b:/c"), "contains ':'", "two colons refused");
	like(bad_profile("bind_ro = /srv/x:/proc/sys"), "cannot bind at or beneath /proc",
	     "bind into /proc refused");
	like(bad_profile("bind_rw = /dev"), "cannot bind at or beneath /dev",
	     "bind over /dev refused");
	is_str(bad_profile("bind_rw = /srv:/devices"), "", "/devices is not /dev");
	is_str(bad_profile("landlock = required"), "", "landlock = required parses");
	like(bad_profile("commands = /usr/bin/rsync"),
	     "[profile] commands: '/usr/bin/rsync' is not a bare command name", "command with /");
	like(bad_profile("commands = ../x"), "'../x' is not a bare command name", "command ..");
	like(bad_profile("apparmor_profile = a b\"c"), "is not a valid AppArmor profile name",
	     "bad apparmor profile name");
	like(bad_profile("colour = blue"),
	     "profiles/x.ini: [profile] colour: unknown key (expected one of: include",
	     "unknown profile key refused");
	write_file("profiles/x.ini", "[profile]\n[limits]\nmemory = 1G\n");
	like(profile_err("x"),
	     "profiles/x.ini: [limits]: unknown section (expected only [profile])",
	     "unknown profile section refused");
	write_file("profiles/x.ini", "; nothing\n");
	like(profile_err("x"), "profiles/x.ini: no [profile] section", "profile without section");
	like(profile_err("nosuch"), "profile 'nosuch' not found (expected", "missing profile");
	like(profile_err("nosuch"), "profiles/nosuch.ini", "  names the expected file");
	like(profile_err("../etc/passwd"), "'../etc/passwd' is not a valid profile name",
	     "path as profile name refused");
	rm("profiles/x.ini");
}

static void test_includes(void)
{
	jail_profile_t *p = NULL;
	jail_error_t err = {0};

	write_file("profiles/base.ini", "[profile]\nnet = none\nmemory_max = 128M\npids_max = 64\n"
					"caps = cap_chown\nhostname = base\n");
	write_file("profiles/mid.ini", "[profile]\ninclude = base\npids_max = 99\n");
	write_file("profiles/top.ini", "[profile]\ninclude = mid\nhostname = top\ncaps = none\n");
	ok(jail_profile_load(conf, "top", &p, &err) == 0, "two-level include loads (%s)", err.msg);
	if (p) {
		is_str(p->name, "top", "name is the loaded profile's");
		ok(p->spec.net == JAIL_NET_NONE, "net inherited from base");
		ok(p->spec.limits.memory_max == 128ULL << 20, "memory_max inherited through mid");
		is_int(p->spec.limits.pids_max, 99, "mid overrides base");
		is_str(p->spec.hostname, "top", "top overrides base");
		is_int(p->spec.caps_keep.n, 0, "list keys are replaced, not merged");
		ok(p->spec.seccomp == JAIL_SECCOMP_DEFAULT, "unset everywhere: built-in default");
		jail_profile_free(p);
	}
	write_file("profiles/base.ini", "[profile]\ninclude = top\n");
	like(profile_err("top"), "include cycle: top -> mid -> base -> top",
	     "include cycle refused with the chain");
	like(profile_err("top"), "profiles/base.ini: [profile] include", "  names file and key");
	write_file("profiles/self.ini", "[profile]\ninclude = self\n");
	like(profile_err("self"), "include cycle: self -> self", "self include refused");
	write_file("profiles/base.ini", "[profile]\ninclude = gone\n");
	like(profile_err("top"),
	     "profiles/base.ini: [profile] include: profile 'gone' not found (expected",
	     "missing include names the including file");
	write_file("profiles/base.ini", "[profile]\ninclude = Bad/Name\n");
	like(profile_err("top"), "include: 'Bad/Name' is not a valid profile name",
	     "bad include name");
	write_file("profiles/base.ini", "[profile]\ninclude = mid\ncolour = x\n");
	like(profile_err("top"), "base.ini: [profile] colour: unknown key",
	     "unknown key reported before following the include");
	{
		char name[64], text[96];
		for (int i = 0; i < 12; i++) {
			snprintf(name, sizeof(name), "profiles/d%d.ini", i);
			snprintf(text, sizeof(text), "[profile]\ninclude = d%d\n", i + 1);
			write_file(name, text);
		}
		like(profile_err("d0"), "includes nested too deeply", "deep include chain refused");
		for (int i = 0; i < 12; i++) {
			snprintf(name, sizeof(name), "profiles/d%d.ini", i);
			rm(name);
		}
	}
	rm("profiles/base.ini");
	rm("profiles/mid.ini");
	rm("profiles/top.ini");
	rm("profiles/self.ini");
}

static void test_shipped_profiles(void)
{
	static const char *const names[] = {"default", "strict", "sftp-only", "service"};
	jail_profile_t *p = NULL;
	jail_error_t err = {0};
	char cmd[PATH_MAX + 1024];

	ok(copy_shipped_profiles() == 0, "shipped profiles copied from %s/profiles", toppath);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ok(jail_profile_load(conf, names[i], &p, &err) == 0,
		   "shipped profile %s loads (%s)", names[i], err.msg);
		if (p == NULL)
			continue;
		if (strcmp(names[i], "default") == 0) {
			ok(p->spec.net == JAIL_NET_HOST && p->spec.caps_keep.n == 0 &&
			       p->spec.seccomp == JAIL_SECCOMP_DEFAULT &&
			       p->spec.limits.memory_max == 1ULL << 30 &&
			       p->spec.limits.pids_max == 512 &&
			       p->spec.cgroup == JAIL_MODE_OPTIONAL,
			   "  default: host net, no caps, seccomp default, 1G, 512 pids");
		} else if (strcmp(names[i], "strict") == 0) {
			ok(p->spec.net == JAIL_NET_NONE && p->spec.seccomp == JAIL_SECCOMP_STRICT &&
			       p->spec.limits.memory_max == 256ULL << 20 &&
			       p->spec.limits.pids_max == 128 &&
			       p->spec.limits.cpu_max_percent == 50 &&
			       p->spec.cgroup == JAIL_MODE_REQUIRED,
			   "  strict: no net, seccomp strict, 256M, 128 pids, 50%% cpu, cgroup "
			   "required");
		} else if (strcmp(names[i], "sftp-only") == 0) {
			ok(p->spec.commands.n == 1 &&
			       strcmp(p->spec.commands.v[0], "sftp-server") == 0 &&
			       p->spec.seccomp == JAIL_SECCOMP_STRICT &&
			       p->spec.net == JAIL_NET_NONE,
			   "  sftp-only: commands = sftp-server, seccomp strict");
		} else {
			ok(p->spec.net == JAIL_NET_HOST && p->spec.caps_keep.n == 1 &&
			       strcmp(p->spec.caps_keep.v[0], "cap_net_bind_service") == 0 &&
			       p->spec.cgroup == JAIL_MODE_REQUIRED,
			   "  service: host net, cap_net_bind_service, cgroup required");
		}
		jail_profile_free(p);
		p = NULL;
	}
	/* The example jail.ini loads against them too. */
	snprintf(cmd, sizeof(cmd), "cp %s/jail.ini.example %s/jail.ini && chmod 0644 %s/jail.ini",
		 toppath, conf, conf);
	ok(system(cmd) == 0, "jail.ini.example copied");
	is_str(load_err(), "", "jail.ini.example loads with the shipped profiles");
	rm("jail.ini");
}

int main(void)
{
	char cmd[256];

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (chown, /run)\n");
		return 0;
	}
	setup();
	if (copy_shipped_profiles() != 0) {
		printf("Bail out! cannot copy the shipped profiles from %s\n", toppath);
		return 255;
	}
	test_dir_checks();
	test_defaults();
	test_file_checks();
	test_syntax();
	test_jail_ini_validation();
	test_users_d();
	test_lookup();
	test_many_users();
	test_lookup_unindexed();
	test_profile_values();
	test_profile_errors();
	test_includes();
	test_shipped_profiles();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		diag("cleanup of %s failed", base);
	return done_testing();
}
