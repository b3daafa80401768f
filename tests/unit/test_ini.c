/* lib/config/ini.c's index of a loaded file: the section of every entry and
 * every lookup agree with the plain walks it replaced (on a file where an
 * entry's section comes after it), a jail.ini with thousands of [user:]
 * sections loads in linear time, and the pre-scan and unknown-key messages
 * are unchanged in such a file (first, middle and last section).  Runs as
 * root in a scratch dir under /run (a trusted, root-owned 0755 chain). */
#define _GNU_SOURCE
#include "tap.h"
#include "config/config-internal.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MANY 2000

static char base[64];
static char conf[128];
static char toppath[4096];

static void write_file(const char *rel, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", conf, rel);
	f = fopen(path, "w");
	if (f == NULL) {
		printf("Bail out! cannot write %s\n", path);
		exit(255);
	}
	fputs(content, f);
	fclose(f);
	chmod(path, 0644);
}

static void setup(void)
{
	char cmd[8192];
	ssize_t n;

	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create scratch dir under /run: %s\n", strerror(errno));
		exit(255);
	}
	snprintf(conf, sizeof(conf), "%s/conf", base);
	snprintf(cmd, sizeof(cmd), "%s/profiles", conf);
	if (mkdir(conf, 0755) < 0 || chmod(conf, 0755) < 0 || mkdir(cmd, 0755) < 0 ||
	    chmod(cmd, 0755) < 0) {
		printf("Bail out! mkdir %s: %s\n", conf, strerror(errno));
		exit(255);
	}
	/* The repo top: this binary is TOP/tests/unit/test_ini. */
	n = readlink("/proc/self/exe", toppath, sizeof(toppath) - 1);
	if (n < 0) {
		printf("Bail out! readlink /proc/self/exe\n");
		exit(255);
	}
	toppath[n] = '\0';
	for (int i = 0; i < 3; i++)
		*strrchr(toppath, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "cp %s/profiles/*.ini %s/profiles/ && chmod 0644 %s/profiles/*",
		 toppath, conf, conf);
	if (system(cmd) != 0) {
		printf("Bail out! cannot copy the shipped profiles from %s\n", toppath);
		exit(255);
	}
}

/* The walk the index replaced: the longest section name S such that entry
 * I is "S:key", over every entry of the dictionary. */
static const char *ref_entry_key(const dictionary *d, ssize_t i, const char **sec)
{
	const char *k = d->key[i];
	size_t best = 0;

	*sec = NULL;
	for (ssize_t j = 0; j < d->size; j++) {
		size_t len;
		if (!jail_ini_is_section(d, j))
			continue;
		len = strlen(d->key[j]);
		if (len >= best && strncmp(k, d->key[j], len) == 0 && k[len] == ':') {
			best = len;
			*sec = d->key[j];
		}
	}
	return *sec ? k + best + 1 : NULL;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void test_index_matches_walk(void)
{
	/* Keys with ':' whose section comes after them ("c:y" in [a:b] is
	 * "a:b:c:y", which belongs to [a:b:c]), sections that are prefixes of
	 * others, and a key before any section. */
	static const char text[] = "top = 0\n"
				   "[a]\nx = 1\n"
				   "[a:b]\nx = 2\nc:y = 3\n"
				   "[user]\nbob:shell = /u\n"
				   "[user:bob]\njail = /b\nProfile = P\n"
				   "[a:b:c]\n"
				   "[zz]\na:b:c:d = 4\n"
				   "[user:bob:x]\nk = v\n";
	static const char *const q[][2] = {
	    {"a", "x"},
	    {"a:b", "x"},
	    {"a:b:c", "y"},
	    {"a:b", "c:y"},
	    {"user", "bob:shell"},
	    {"user:bob", "jail"},
	    {"USER:bob", "JAIL"},
	    {"user:bob", "profile"},
	    {"zz", "a:b:c:d"},
	    {"user:bob:x", "k"},
	    {"user:bob", "x:k"},
	    {"", "top"},
	    {"a", "nosuch"},
	    {"nosuch", "x"},
	    {"user", "bob"},
	    {"a:b", "c"},
	};
	char path[256];
	jail_error_t err = {0};
	jail_ini_t *ini = NULL;
	size_t bad = 0, entries = 0;

	snprintf(path, sizeof(path), "%s/tricky.ini", conf);
	write_file("tricky.ini", text);
	ok(jail_ini_load_at(AT_FDCWD, path, path, &ini, NULL, &err) == 0 && ini != NULL,
	   "a file with ':' in section names and keys loads (%s)", err.msg);
	if (ini == NULL)
		return;
	is_int(ini->n_sec, 7, "  seven sections indexed");
	for (ssize_t i = 0; i < ini->d->size; i++) {
		const char *s1, *s2, *k1, *k2;
		if (ini->d->key[i] == NULL)
			continue;
		entries++;
		k1 = jail_ini_entry_key(ini, i, &s1);
		k2 = ref_entry_key(ini->d, i, &s2);
		if (!same(k1, k2) || !same(s1, s2)) {
			bad++;
			diag("entry %s: index [%s] %s, walk [%s] %s", ini->d->key[i], s1 ? s1 : "-",
			     k1 ? k1 : "-", s2 ? s2 : "-", k2 ? k2 : "-");
		}
	}
	is_int(entries, 16, "  every entry of the file is in the dictionary");
	is_int(bad, 0, "  every entry's section and key as the full walk finds them");
	for (ssize_t i = 0; i < ini->d->size; i++) {
		const char *sec = NULL;
		if (!same(ini->d->key[i], "a:b:c:y"))
			continue;
		ok(same(jail_ini_entry_key(ini, i, &sec), "y") && same(sec, "a:b:c"),
		   "  'c:y' in [a:b] belongs to the later [a:b:c] (longest section)");
	}
	bad = 0;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char k[256];
		const char *got = jail_ini_get(ini, q[i][0], q[i][1]), *want;
		snprintf(k, sizeof(k), "%s:%s", q[i][0], q[i][1]);
		want = iniparser_getstring(ini->d, k, NULL);
		if (!same(got, want)) {
			bad++;
			diag("get [%s] %s: '%s', iniparser '%s'", q[i][0], q[i][1],
			     got ? got : "(null)", want ? want : "(null)");
		}
	}
	is_int(bad, 0, "jail_ini_get agrees with iniparser_getstring on %zu lookups",
	       sizeof(q) / sizeof(q[0]));
	is_str(jail_ini_get(ini, "USER:bob", "Profile"), "P", "  case folded as iniparser does");
	ok(jail_ini_check_no_orphans(ini, path, &err) < 0 &&
	       strstr(err.msg, "tricky.ini: key 'top' is outside any section") != NULL,
	   "the key before any section is still refused (%s)", err.msg);
	jail_ini_free(ini);
}

/* jail.ini: [jail] jail = /x, then MANY sections [user:uN] jail = /x, with
 * EXTRA[N] (if any) appended to section N's lines, and TAIL at the end.
 * Section N is at line 2N + 1, its jail key at line 2N + 2. */
static void write_many(const char *const *extra, const char *tail)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/jail.ini", conf);
	f = fopen(path, "w");
	if (f == NULL) {
		printf("Bail out! cannot write %s\n", path);
		exit(255);
	}
	fprintf(f, "[jail]\njail = /x\n");
	for (int i = 1; i <= MANY; i++) {
		fprintf(f, "[user:u%d]\njail = /x\n", i);
		if (extra && extra[i])
			fputs(extra[i], f);
	}
	if (tail)
		fputs(tail, f);
	fclose(f);
	chmod(path, 0644);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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

static void test_many_sections(void)
{
	jail_config_t *cfg = NULL;
	jail_error_t err = {0};
	const jail_assign_t *a = NULL;
	char name[32];
	size_t bad = 0;
	double t;
	int r;

	write_many(NULL, NULL);
	t = now_ms();
	r = jail_config_load(conf, &cfg, &err);
	t = now_ms() - t;
	ok(r == 0, "jail.ini with %d [user:] sections loads (%s)", MANY, err.msg);
	ok(t < 2000, "  in %.0f ms (< 2 s; the walks took 43 s)", t);
	if (cfg == NULL)
		return;
	is_int(cfg->n_users, MANY, "  every user is there, once");
	for (int i = 1; i <= MANY; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		if (jail_config_lookup(cfg, name, NULL, &a) != 1 || strcmp(a->jail, "/x") != 0 ||
		    strcmp(a->name, name) != 0)
			bad++;
	}
	is_int(bad, 0, "  each found by name, with its jail");
	jail_config_free(cfg);
}

static void test_many_sections_messages(void)
{
	static const char *extra[MANY + 1];
	char want[1024];
	const int where[] = {1, MANY / 2, MANY};

	for (size_t w = 0; w < 3; w++) {
		int n = where[w];

		memset(extra, 0, sizeof(extra));
		extra[n] = "shel = /bin/sh\nprofle = x\n";
		write_many(extra, NULL);
		snprintf(want, sizeof(want),
			 "%s/jail.ini: [user:u%d] shel: unknown key (expected one of: jail, "
			 "profile, shell)",
			 conf, n);
		is_str(load_err(), want, "unknown key in section %d of %d: same message, first key",
		       n, MANY);

		memset(extra, 0, sizeof(extra));
		extra[n] = "profile = default\n Jail = /y\n";
		write_many(extra, NULL);
		snprintf(want, sizeof(want),
			 "%s/jail.ini: line %d: [user:u%d] jail is set twice (first at line %d; "
			 "expected each key once per section)",
			 conf, 2 * n + 4, n, 2 * n + 2);
		is_str(load_err(), want, "duplicate key in section %d of %d: same message", n,
		       MANY);

		snprintf(want, sizeof(want), "[USER:u%d]\njail = /y\n", n);
		write_many(NULL, want);
		snprintf(want, sizeof(want),
			 "%s/jail.ini: line %d: section [user:u%d] appears twice (first at line "
			 "%d; expected each section once)",
			 conf, 2 * MANY + 3, n, 2 * n + 1);
		is_str(load_err(), want, "section %d of %d given again at the end: same message", n,
		       MANY);
	}
	write_many(NULL, "[jail]\n");
	snprintf(want, sizeof(want),
		 "%s/jail.ini: line %d: section [jail] appears twice (first at line 1; expected "
		 "each section once)",
		 conf, 2 * MANY + 3);
	is_str(load_err(), want, "[jail] given again after %d sections: same message", MANY);
	write_many(NULL, "[other]\n");
	snprintf(want, sizeof(want),
		 "%s/jail.ini: [other]: unknown section (expected [jail], [user:NAME] or "
		 "[group:NAME])",
		 conf);
	is_str(load_err(), want, "unknown section after %d sections: same message", MANY);
	memset(extra, 0, sizeof(extra));
	extra[MANY / 2] = "[jail:x]\nk = 1\n";
	write_many(extra, NULL);
	like(load_err(), "[jail:x]: unknown section", "a section named like a [jail] key refused");
}

/* The first unknown key reported is the first in the file: iniparser 4.1
 * keeps entries in file order (the index chains a section's keys in that
 * order). */
static void test_file_order(void)
{
	char path[256];
	jail_error_t err = {0};
	jail_ini_t *ini = NULL;
	size_t bad = 0;

	write_many(NULL, NULL);
	snprintf(path, sizeof(path), "%s/jail.ini", conf);
	if (jail_ini_load_at(AT_FDCWD, path, path, &ini, NULL, &err) < 0) {
		ok(0, "load %s (%s)", path, err.msg);
		return;
	}
	for (int i = 1; i <= MANY; i++) {
		char s[32], k[40];
		snprintf(s, sizeof(s), "user:u%d", i);
		snprintf(k, sizeof(k), "user:u%d:jail", i);
		if (!same(ini->d->key[2 * i], s) || !same(ini->d->key[2 * i + 1], k))
			bad++;
	}
	is_int(bad, 0, "iniparser keeps the %d sections and their keys in file order", MANY);
	is_int(ini->n_sec, MANY + 1, "  %d sections indexed", MANY + 1);
	jail_ini_free(ini);
}

int main(void)
{
	char cmd[256];

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (chown, /run)\n");
		return 0;
	}
	setup();
	test_index_matches_walk();
	test_many_sections();
	test_many_sections_messages();
	test_file_order();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		diag("cleanup of %s failed", base);
	return done_testing();
}
