/* The refusal counters (session/stats.h) on a scratch directory under
 * /run (root: the trusted walk wants root-owned components): counting,
 * reading, concurrent writers, and the attacks: a symlink planted at the
 * statistics directory or at a counter, a FIFO, a group-writable
 * directory, a counter owned by someone else, a saturated counter.  And
 * the Prometheus text writer (audit/metrics.h): label escaping, HELP
 * escaping, names. */
#define _GNU_SOURCE
#include "audit/metrics.h"
#include "session/stats.h"
#include "tap.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[] = "/run/jail-unit-stats-XXXXXX";

static char *path(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, rel);
	return buf[i];
}

static long long fsize(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static void test_reasons(void)
{
	jail_error_t err = {0};

	is_str(jail_refused_reason_name(JAIL_REFUSED_CONFIG), "config", "reason 0 is config");
	is_str(jail_refused_reason_name(JAIL_REFUSED_INTERNAL), "internal",
	       "last reason: internal");
	ok(jail_refused_reason_name(JAIL_REFUSED_NREASONS) == NULL, "out of range: NULL");
	for (int i = 0; i < JAIL_REFUSED_NREASONS; i++)
		is_int(
		    jail_refused_reason_parse(jail_refused_reason_name((jail_refused_reason_t)i)),
		    i, "token %s parses back", jail_refused_reason_name((jail_refused_reason_t)i));
	is_int(jail_refused_reason_parse("../../etc/passwd"), -1, "a path is not a reason");
	is_int(jail_stats_count_refused(path("s0"), "../x", &err), -1,
	       "counting an unknown token fails");
	ok(err.code == EINVAL, "... with EINVAL: %s", err.msg);
	ok(fsize(path("s0")) < 0, "... and makes nothing");
	is_int(jail_stats_count_refused("relative/dir", "config", &err), -1,
	       "a relative statistics directory is refused");
}

static void test_count(void)
{
	jail_error_t err = {0};
	uint64_t c[JAIL_REFUSED_NREASONS];
	struct stat st;
	int r = 0;

	is_int(jail_stats_read_refused(path("s1"), c, &err), 0,
	       "reading a directory that does not exist yet: 0 (%s)", err.msg);
	is_int(c[JAIL_REFUSED_JAIL], 0, "... every counter is 0");
	for (int i = 0; i < 3; i++)
		r |= jail_stats_count_refused(path("s1"), "jail", &err);
	r |= jail_stats_count_refused(path("s1"), "nested", &err);
	is_int(r, 0, "four refusals counted (%s)", err.msg);
	ok(stat(path("s1/refused"), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       (st.st_mode & 07777) == 0755,
	   "DIR/refused made: a root-owned 0755 directory");
	ok(stat(path("s1/refused/jail"), &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 07777) == 0644 && st.st_size == 3,
	   "the jail counter: a 0644 regular file of 3 bytes");
	is_int(jail_stats_read_refused(path("s1"), c, &err), 0, "read back (%s)", err.msg);
	is_int(c[JAIL_REFUSED_JAIL], 3, "jail: 3");
	is_int(c[JAIL_REFUSED_NESTED], 1, "nested: 1");
	is_int(c[JAIL_REFUSED_CONFIG], 0, "config: 0 (never counted)");
}

/* Writers at once: O_APPEND loses none. */
static void test_concurrent(void)
{
	jail_error_t err = {0};
	uint64_t c[JAIL_REFUSED_NREASONS];
	int bad = 0;

	for (int k = 0; k < 8; k++) {
		pid_t p = fork();
		if (p == 0) {
			int rc = 0;
			for (int i = 0; i < 200; i++)
				rc |= jail_stats_count_refused(path("s2"), "cgroup", NULL);
			_exit(rc ? 1 : 0);
		}
	}
	for (int k = 0; k < 8; k++) {
		int status;
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	is_int(bad, 0, "8 processes counted 200 refusals each without an error");
	jail_stats_read_refused(path("s2"), c, &err);
	is_int(c[JAIL_REFUSED_CGROUP], 1600, "and all 1600 are counted");
}

static void test_attacks(void)
{
	jail_error_t err = {0};
	uint64_t c[JAIL_REFUSED_NREASONS];
	int fd;

	/* A symlink planted where the statistics directory goes. */
	mkdir(path("elsewhere"), 0755);
	ok(symlink(path("elsewhere"), path("s3")) == 0, "plant s3 -> elsewhere");
	is_int(jail_stats_count_refused(path("s3"), "user", &err), -1,
	       "counting through a symlinked statistics directory fails");
	like(err.msg, "symlink", "... saying it is a symlink: %s", err.msg);
	ok(fsize(path("elsewhere/refused")) < 0, "... and nothing is made at its target");
	is_int(jail_stats_read_refused(path("s3"), c, &err), -1,
	       "reading through it fails too (not a silent 0)");

	/* A symlink planted at a counter. */
	mkdir(path("s4"), 0755);
	mkdir(path("s4/refused"), 0755);
	close(open(path("victim"), O_CREAT | O_WRONLY, 0644));
	ok(symlink(path("victim"), path("s4/refused/config")) == 0,
	   "plant refused/config -> victim");
	is_int(jail_stats_count_refused(path("s4"), "config", &err), -1,
	       "counting into a symlinked counter fails");
	ok(err.code == ELOOP, "... with ELOOP: %s", err.msg);
	is_int(fsize(path("victim")), 0, "... and its target is not written");
	is_int(jail_stats_read_refused(path("s4"), c, &err), -1,
	       "reading a symlinked counter fails");

	/* A FIFO in place of a counter: no hang, an error. */
	ok(mkfifo(path("s4/refused/setup"), 0644) == 0, "plant a FIFO at refused/setup");
	is_int(jail_stats_count_refused(path("s4"), "setup", &err), -1,
	       "counting into a FIFO fails at once (no reader: no wait)");
	diag("  %s", err.msg);

	/* A counter somebody else owns (only root could have put it there,
	 * but the rule is the rule). */
	fd = open(path("s4/refused/state"), O_CREAT | O_WRONLY, 0644);
	ok(fd >= 0 && fchown(fd, 65534, 65534) == 0, "plant a counter owned by uid 65534");
	close(fd);
	is_int(jail_stats_count_refused(path("s4"), "state", &err), -1, "counting into it fails");
	like(err.msg, "owned by uid 65534", "... naming the owner: %s", err.msg);

	/* A group-writable statistics directory. */
	mkdir(path("s5"), 0755);
	chmod(path("s5"), 0775);
	is_int(jail_stats_count_refused(path("s5"), "jail", &err), -1,
	       "a group-writable statistics directory is refused");
	like(err.msg, "writable by its group", "... saying so: %s", err.msg);

	/* Saturated: a sparse file at the cap stops growing. */
	mkdir(path("s6"), 0755);
	mkdir(path("s6/refused"), 0755);
	fd = open(path("s6/refused/internal"), O_CREAT | O_WRONLY, 0644);
	ok(fd >= 0 && ftruncate(fd, (off_t)JAIL_STATS_MAX_COUNT) == 0,
	   "a counter at JAIL_STATS_MAX_COUNT");
	close(fd);
	is_int(jail_stats_count_refused(path("s6"), "internal", &err), -1,
	       "counting past the cap fails");
	ok(err.code == EFBIG, "... with EFBIG: %s", err.msg);
	is_int(fsize(path("s6/refused/internal")), (long long)JAIL_STATS_MAX_COUNT,
	       "... and the file does not grow");
}

static void test_escape(void)
{
	static const struct {
		const char *in, *out, *what;
	} cases[] = {
	    {"plain/path-1.2", "plain/path-1.2", "plain text is kept"},
	    {"a\\b", "a\\\\b", "backslash doubled"},
	    {"say \"hi\"", "say \\\"hi\\\"", "double quotes escaped"},
	    {"two\nlines", "two\\nlines", "newline as \\n"},
	    {"tab\there", "tab\\\\x09here", "another control character as \\\\x09"},
	    {"del\x7f", "del\\\\x7f", "DEL as \\\\x7f"},
	    {"\xff\xfe", "\\\\xff\\\\xfe", "bytes that are not UTF-8 as \\\\xNN"},
	    {"caf\xc3\xa9", "caf\xc3\xa9", "valid UTF-8 is kept"},
	    {"c1\xc2\x85", "c1\\\\xc2\\\\x85", "a C1 control (NEL) escaped byte by byte"},
	    {"", "", "empty stays empty"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *e = jail_prom_label_escape(cases[i].in);
		is_str(e, cases[i].out, "label escape: %s", cases[i].what);
	}
}

static void test_writer(void)
{
	jail_error_t err = {0};
	jail_prom_t p = {0};
	const char *l[] = {"jail", "/j\"x\n", "kind", "session"};
	cleanup_free char *text = NULL;

	jail_prom_family(&p, "jail_sessions", "gauge", "Live \\ sessions\nsecond line");
	jail_prom_sample_u64(&p, "jail_sessions", l, 2, 3);
	jail_prom_sample_double(&p, "jail_x_seconds", NULL, 0, 0.25);
	text = jail_prom_finish(&p, &err);
	is_str(text,
	       "# HELP jail_sessions Live \\\\ sessions\\nsecond line\n"
	       "# TYPE jail_sessions gauge\n"
	       "jail_sessions{jail=\"/j\\\"x\\n\",kind=\"session\"} 3\n"
	       "jail_x_seconds 0.25\n",
	       "family, escaped HELP, labelled and unlabelled samples");

	ok(jail_prom_valid_name("jail_a:b", false) && !jail_prom_valid_name("9a", false) &&
	       !jail_prom_valid_name("a-b", false) && !jail_prom_valid_name("a:b", true) &&
	       !jail_prom_valid_name("__x", true) && jail_prom_valid_name("_x", true),
	   "metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':' or '__'");
	jail_prom_sample_u64(&p, "bad-name", NULL, 0, 1);
	ok(jail_prom_finish(&p, &err) == NULL && err.code == EINVAL,
	   "an invalid metric name fails the writer: %s", err.msg);
	{
		const char *bl[] = {"bad label", "v"};
		jail_prom_sample_u64(&p, "jail_ok", bl, 1, 1);
	}
	ok(jail_prom_finish(&p, &err) == NULL, "an invalid label name too");
	jail_prom_family(&p, "jail_ok", "histogram", "x");
	ok(jail_prom_finish(&p, &err) == NULL, "and a type the writer does not make");
}

int main(void)
{
	int root;

	umask(022);
	test_escape();
	test_writer();
	if (geteuid() != 0) {
		printf("ok %d # SKIP the counters need root (root-owned directories)\n", ++tap_n);
		return done_testing();
	}
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		perror("mkdtemp");
		return 1;
	}
	test_reasons();
	test_count();
	test_concurrent();
	test_attacks();
	root = open("/run", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (root >= 0) {
		jail_remove_tree_beneath(root, base + strlen("/run/"), NULL);
		close(root);
	}
	return done_testing();
}
