/* Session registry: ids, the strict record parser, atomic write / read /
 * list / remove on a scratch directory, liveness by starttime, and (as
 * root) jail_registry_open's creation and trust checks. */
#define _GNU_SOURCE
#include "session/registry.h"
#include "tap.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OKE(cond, ...)                                                                             \
	do {                                                                                       \
		jail_error_clear(&err);                                                            \
		if (!ok((cond), __VA_ARGS__))                                                      \
			diag("  error: %s", err.msg);                                              \
	} while (0)

static char dir[] = "/tmp/test_registry.XXXXXX";

static void skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

static const char good[] = "id=0123456789abcdef\n"
			   "user=alice\n"
			   "uid=1001\n"
			   "jail=/opt/chroots\n"
			   "profile=default\n"
			   "init_pid=4242\n"
			   "init_starttime=123456\n"
			   "cgroup=jail/alice/0123456789abcdef\n"
			   "start=1700000000\n"
			   "remote=192.0.2.1\n"
			   "ns=4026532000\n";

static int parse(const char *s, jail_session_record_t **rec, jail_error_t *err)
{
	return jail_session_record_parse(s, strlen(s), "rec", rec, err);
}

/* GOOD with the line starting with KEY= replaced by REPL (or removed
 * when REPL is NULL). */
static char *variant(const char *key, const char *repl)
{
	static char buf[2048];
	const char *p = good;
	size_t kl = strlen(key);

	buf[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			if (repl) {
				strcat(buf, repl);
				strcat(buf, "\n");
			}
		} else {
			strncat(buf, p, (size_t)(nl - p + 1));
		}
		p = nl + 1;
	}
	return buf;
}

static void test_ids(void)
{
	jail_error_t err = {0};
	char a[JAIL_SESSION_ID_LEN + 1], b[JAIL_SESSION_ID_LEN + 1];

	OKE(jail_session_id_new(a, &err) == 0 && jail_session_id_new(b, &err) == 0, "two ids made");
	ok(jail_session_id_valid(a) && strlen(a) == 16, "id is 16 hex chars: %s", a);
	ok(strcmp(a, b) != 0, "ids differ");
	ok(!jail_session_id_valid("0123456789ABCDEF"), "upper case id refused");
	ok(!jail_session_id_valid("0123456789abcde"), "short id refused");
	ok(!jail_session_id_valid("../3456789abcdef"), "path id refused");
}

static void test_parser(void)
{
	jail_error_t err = {0};
	jail_session_record_t *rec = NULL;
	char *s;
	static const struct {
		const char *key, *repl, *want, *name;
	} bad[] = {
	    {"user", "user=Alice", "user 'Alice'", "invalid user name"},
	    {"user", "user=a/b", "user 'a/b'", "user with a slash"},
	    {"user", NULL, "missing key 'user'", "missing required key"},
	    {"uid", "uid=-1", "uid: invalid value", "negative uid"},
	    {"uid", "uid=4294967295", "uid: invalid value", "uid -1 spelled as u32"},
	    {"uid", "uid=0012", "uid: invalid value", "leading zeros"},
	    {"jail", "jail=opt/chroots", "not a normalized absolute path", "relative jail"},
	    {"jail", "jail=/opt/../etc", "not a normalized absolute path", "jail with .."},
	    {"init_pid", "init_pid=0", "init_pid: invalid value", "pid 0"},
	    {"init_pid", "init_pid=99999999999", "init_pid: invalid value", "pid overflow"},
	    {"init_pid", "init_pid=12x", "init_pid: invalid value", "pid with junk"},
	    {"cgroup", "cgroup=../../etc", "not a PARENT/USER/ID path", "cgroup with .."},
	    {"cgroup", "cgroup=/sys/fs/cgroup/x/y", "not a PARENT/USER/ID path", "absolute cgroup"},
	    {"remote", "remote=a b", "remote host", "remote with a space"},
	    {"id", "id=xyz", "is not 16 lower-case hex digits", "bad id"},
	    {"ns", "ns=abc", "ns: invalid value", "ns not a number"},
	    {"start", "start=1\nstart=2", "given twice", "duplicate key"},
	    {"start", "start=1\ncolor=blue", "unknown key 'color'", "unknown key"},
	    {"start", "start=1\nnoequals", "expected key=value", "line without ="},
	    {"start", "start=1\x01", "control character", "control character"},
	};

	OKE(parse(good, &rec, &err) == 0, "a good record parses");
	if (rec) {
		is_str(rec->id, "0123456789abcdef", "id");
		is_str(rec->user, "alice", "user");
		is_int(rec->uid, 1001, "uid");
		is_str(rec->jail, "/opt/chroots", "jail");
		is_str(rec->profile, "default", "profile");
		is_int(rec->init_pid, 4242, "init_pid");
		ok(rec->init_starttime == 123456, "init_starttime");
		is_str(rec->cgroup, "jail/alice/0123456789abcdef", "cgroup");
		ok(rec->start == 1700000000, "start");
		is_str(rec->remote, "192.0.2.1", "remote");
		ok(rec->ns == 4026532000ULL, "ns");
		s = jail_session_record_format(rec, &err);
		is_str(s, good, "format(parse(x)) == x");
		free(s);
		jail_session_record_free(rec);
		rec = NULL;
	}
	OKE(parse(variant("remote", "remote="), &rec, &err) == 0 && rec->remote == NULL,
	    "empty remote is NULL");
	jail_session_record_free(rec);
	rec = NULL;
	OKE(parse(variant("cgroup", NULL), &rec, &err) == 0 && rec->cgroup == NULL,
	    "cgroup is optional");
	jail_session_record_free(rec);
	rec = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jail_error_clear(&err);
		ok(parse(variant(bad[i].key, bad[i].repl), &rec, &err) < 0 && rec == NULL,
		   "refused: %s", bad[i].name);
		like(err.msg, bad[i].want, "  message says: %s", bad[i].want);
	}
	ok(jail_session_record_parse(good, strlen(good) - 1, "rec", &rec, &err) < 0,
	   "refused: no final newline (truncated)");
	{
		char big[JAIL_REGISTRY_MAX_LINE + 64];
		memset(big, 'a', sizeof(big));
		memcpy(big, "remote=", 7);
		big[sizeof(big) - 2] = '\n';
		big[sizeof(big) - 1] = '\0';
		ok(parse(big, &rec, &err) < 0, "refused: over-long line");
		like(err.msg, "line longer than", "message says the line is too long");
	}
	{
		char nul[] = "id=0123456789abcdef\nuser=al\0ce\n";
		ok(jail_session_record_parse(nul, sizeof(nul) - 1, "rec", &rec, &err) < 0,
		   "refused: NUL byte");
	}
}

static jail_session_record_t *mkrec(const char *id, pid_t pid, uint64_t st, int64_t start)
{
	jail_session_record_t *r = calloc(1, sizeof(*r));
	strcpy(r->id, id);
	r->user = strdup("bob");
	r->uid = 1002;
	r->jail = strdup("/srv/jail");
	r->profile = strdup("strict");
	r->init_pid = pid;
	r->init_starttime = st;
	r->start = start;
	return r;
}

static void test_files(void)
{
	jail_error_t err = {0};
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	jail_session_record_t *r1 = mkrec("1111111111111111", 100, 1, 200);
	jail_session_record_t *r2 = mkrec("2222222222222222", 101, 2, 100);
	jail_session_record_t *got = NULL, **list = NULL;
	jail_strv_t bad = {0};
	size_t n = 0;
	struct stat st;
	char path[256];

	OKE(jail_registry_write(dfd, r1, &err) == 0, "write a record");
	OKE(jail_registry_write(dfd, r2, &err) == 0, "write a second record");
	snprintf(path, sizeof(path), "%s/1111111111111111", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == geteuid(),
	   "record file is 0600, owned by the writer");
	OKE(jail_registry_read(dfd, "1111111111111111", &got, &err) == 0 &&
		strcmp(got->profile, "strict") == 0 && got->cgroup == NULL,
	    "read it back");
	jail_session_record_free(got);
	got = NULL;

	/* r1 updated in place: atomic rename, one file. */
	r1->remote = strdup("host.example");
	OKE(jail_registry_write(dfd, r1, &err) == 0, "rewrite a record");

	/* Junk the list must skip and report. */
	snprintf(path, sizeof(path), "%s/3333333333333333", dir);
	FILE *f = fopen(path, "w");
	fputs("id=3333333333333333\nuser=x\n", f);
	fclose(f);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof(path), "%s/4444444444444444", dir);
	ok(symlink("/etc/shadow", path) == 0, "plant a symlink record");
	snprintf(path, sizeof(path), "%s/.jail-tmp.1.0", dir);
	f = fopen(path, "w");
	fclose(f);

	OKE(jail_registry_list(dfd, &list, &n, &bad, &err) == 0, "list");
	is_int(n, 2, "two good records listed");
	if (n == 2) {
		is_str(list[0]->id, "2222222222222222", "sorted by start time");
		is_str(list[1]->remote, "host.example", "rewritten record has the new value");
	}
	is_int(bad.n, 3, "three bad entries reported (malformed, stray, symlink)");
	for (size_t i = 0; i < bad.n; i++)
		diag("bad: %s", bad.v[i]);
	{
		bool m = false, s = false, l = false;
		for (size_t i = 0; i < bad.n; i++) {
			m |= strstr(bad.v[i], "3333333333333333: missing key") != NULL;
			s |= strstr(bad.v[i], "stray file 'notes.txt'") != NULL;
			l |= strstr(bad.v[i], "4444444444444444") != NULL;
		}
		ok(m, "malformed record reported with file and reason");
		ok(s, "stray file reported");
		ok(l, "symlink record refused, never followed");
	}
	jail_registry_list_free(list, n);
	jail_strv_clear(&bad);

	OKE(jail_registry_remove(dfd, "1111111111111111", &err) == 0, "remove");
	ok(jail_registry_remove(dfd, "1111111111111111", &err) < 0 && err.code == ENOENT,
	   "removing again: ENOENT");
	ok(jail_registry_remove(dfd, "../x", &err) < 0 && err.code == EINVAL,
	   "remove refuses a non-id");
	ok(jail_registry_read(dfd, "1111111111111111", &got, &err) < 0, "gone");

	/* Validation on write: nothing written. */
	free(r2->user);
	r2->user = strdup("../root");
	strcpy(r2->id, "5555555555555555");
	ok(jail_registry_write(dfd, r2, &err) < 0, "invalid record not written");
	snprintf(path, sizeof(path), "%s/5555555555555555", dir);
	ok(access(path, F_OK) < 0, "no file left for it");

	jail_session_record_free(r1);
	jail_session_record_free(r2);
	close(dfd);
}

/* owner_pid / owner_starttime: optional, together, round-trip; the owner's
 * liveness decides whether a live session is orphaned. */
static void test_owner(void)
{
	jail_error_t err = {0};
	jail_session_record_t *rec = NULL;
	char buf[2048], *s;
	uint64_t st = 0;
	pid_t child;
	int status;

	snprintf(buf, sizeof(buf), "%sowner_pid=4200\nowner_starttime=123450\n", good);
	OKE(parse(buf, &rec, &err) == 0, "a record with an owner parses");
	if (rec) {
		ok(rec->owner_pid == 4200 && rec->owner_starttime == 123450, "owner fields read");
		s = jail_session_record_format(rec, &err);
		is_str(s, buf, "format(parse(x)) == x with the owner");
		free(s);
		jail_session_record_free(rec);
		rec = NULL;
	}
	OKE(parse(good, &rec, &err) == 0 && rec->owner_pid == 0, "no owner: owner_pid 0");
	OKE(rec && jail_registry_owner_alive(rec, &err) == 1,
	    "no owner recorded: never presumed gone");
	jail_session_record_free(rec);
	rec = NULL;
	snprintf(buf, sizeof(buf), "%sowner_pid=4200\n", good);
	ok(parse(buf, &rec, &err) < 0, "refused: owner_pid without owner_starttime");
	like(err.msg, "go together", "  message says they go together");
	snprintf(buf, sizeof(buf), "%sowner_pid=0\nowner_starttime=1\n", good);
	ok(parse(buf, &rec, &err) < 0, "refused: owner_pid 0");
	like(err.msg, "owner_pid: invalid value", "  message names owner_pid");

	rec = mkrec("7777777777777777", getpid(), 0, 0);
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	OKE(jail_proc_starttime(child, &st, &err) == 0, "starttime of a live child");
	rec->owner_pid = child;
	rec->owner_starttime = st;
	OKE(jail_registry_owner_alive(rec, &err) == 1, "owner alive");
	rec->owner_starttime = st + 1;
	OKE(jail_registry_owner_alive(rec, &err) == 0, "owner pid reused: gone");
	rec->owner_starttime = st;
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	OKE(jail_registry_owner_alive(rec, &err) == 0, "owner dead: gone");
	jail_session_record_free(rec);
}

/* service=NAME: optional, in a service's record only; round-trips, and a
 * name that is not a service name is refused. */
static void test_service(void)
{
	jail_error_t err = {0};
	jail_session_record_t *rec = NULL;
	char buf[2048], *s;

	snprintf(buf, sizeof(buf), "%sservice=web\n", good);
	OKE(parse(buf, &rec, &err) == 0, "a service's record parses");
	if (rec) {
		is_str(rec->service, "web", "service field read");
		s = jail_session_record_format(rec, &err);
		is_str(s, buf, "format(parse(x)) == x with the service");
		free(s);
		jail_session_record_free(rec);
		rec = NULL;
	}
	OKE(parse(good, &rec, &err) == 0 && rec->service == NULL, "no service: NULL");
	jail_session_record_free(rec);
	rec = NULL;
	snprintf(buf, sizeof(buf), "%sservice=../web\n", good);
	ok(parse(buf, &rec, &err) < 0, "refused: service=../web");
	like(err.msg, "service", "  message names the service");
	snprintf(buf, sizeof(buf), "%sservice=\n", good);
	ok(parse(buf, &rec, &err) < 0, "refused: an empty service");
}

/* linger_ms=N: optional, non-zero, round-trips; never in a service's. */
static void test_linger(void)
{
	jail_error_t err = {0};
	jail_session_record_t *rec = NULL;
	char buf[2048], *s;

	snprintf(buf, sizeof(buf), "%slinger_ms=2000\n", good);
	OKE(parse(buf, &rec, &err) == 0, "a lingering session's record parses");
	if (rec) {
		ok(rec->linger_ms == 2000, "linger_ms read");
		s = jail_session_record_format(rec, &err);
		is_str(s, buf, "format(parse(x)) == x with linger_ms");
		free(s);
		jail_session_record_free(rec);
		rec = NULL;
	}
	OKE(parse(good, &rec, &err) == 0 && rec->linger_ms == 0, "no linger_ms: 0");
	jail_session_record_free(rec);
	rec = NULL;
	snprintf(buf, sizeof(buf), "%slinger_ms=0\n", good);
	ok(parse(buf, &rec, &err) < 0, "refused: linger_ms=0");
	like(err.msg, "linger_ms: invalid value", "  message names linger_ms");
	snprintf(buf, sizeof(buf), "%slinger_ms=2000\nservice=web\n", good);
	ok(parse(buf, &rec, &err) < 0, "refused: a service's record with linger_ms");
}

/* The lock file of a lingering session: made once (O_EXCL), reopened,
 * removed with the record; a symlink is not followed; connections are
 * the shared flocks on it, as /proc/locks lists them. */
static void test_linger_lock(int dfd)
{
	jail_error_t err = {0};
	jail_session_record_t *r = mkrec("7777777777777777", 100, 1, 200);
	int a, b, c;

	a = jail_registry_linger_open(dfd, r->id, true, &err);
	OKE(a >= 0, "lock file made");
	ok(jail_registry_linger_open(dfd, r->id, true, &err) < 0 && jail_error_is(&err, EEXIST),
	   "made only once (O_EXCL)");
	b = jail_registry_linger_open(dfd, r->id, false, &err);
	c = jail_registry_linger_open(dfd, r->id, false, &err);
	OKE(b >= 0 && c >= 0, "lock file reopened");
	is_int(jail_registry_connections(dfd, r->id, &err), 0, "no lock held: 0 connections");
	flock(a, LOCK_SH);
	flock(b, LOCK_SH);
	is_int(jail_registry_connections(dfd, r->id, &err), 2, "two shared locks: 2 connections");
	ok(flock(c, LOCK_EX | LOCK_NB) < 0, "an exclusive attempt fails while connections hold it");
	close(b);
	is_int(jail_registry_connections(dfd, r->id, &err), 1, "one closed: 1 connection");
	close(a);
	ok(flock(c, LOCK_EX | LOCK_NB) == 0, "all closed: the exclusive lock is granted");
	is_int(jail_registry_connections(dfd, r->id, &err), 0,
	       "an exclusive lock is no connection");
	close(c);
	OKE(jail_registry_write(dfd, r, &err) == 0, "record written");
	{
		jail_session_record_t **recs = NULL;
		size_t n = 0;
		jail_strv_t bad = {0};

		OKE(jail_registry_list(dfd, &recs, &n, &bad, &err) == 0, "list with a lock file");
		for (size_t i = 0; i < bad.n; i++)
			if (strstr(bad.v[i], ".linger."))
				n = (size_t)-1;
		ok(n != (size_t)-1, "  the lock file is not a stray entry");
		if (n == (size_t)-1)
			n = 0;
		jail_registry_list_free(recs, n);
		jail_strv_clear(&bad);
	}
	OKE(jail_registry_remove(dfd, r->id, &err) == 0, "record removed");
	ok(jail_registry_linger_open(dfd, r->id, false, &err) < 0 && jail_error_is(&err, ENOENT),
	   "  and its lock file with it");
	ok(symlinkat("/etc/passwd", dfd, ".linger.7777777777777777") == 0, "plant a symlink");
	ok(jail_registry_linger_open(dfd, r->id, false, &err) < 0 && jail_error_is(&err, ELOOP),
	   "a symlinked lock file is not followed (ELOOP)");
	unlinkat(dfd, ".linger.7777777777777777", 0);
	jail_session_record_free(r);
}

static void test_alive(void)
{
	jail_error_t err = {0};
	jail_session_record_t *r = mkrec("6666666666666666", 0, 0, 0);
	uint64_t st = 0, ino = 0;
	pid_t child;
	int status;

	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	OKE(jail_proc_starttime(child, &st, &err) == 0 && st > 0, "starttime of a live child");
	r->init_pid = child;
	r->init_starttime = st;
	OKE(jail_registry_alive(r, &err) == 1, "alive: pid exists and starttime matches");
	r->init_starttime = st + 1;
	OKE(jail_registry_alive(r, &err) == 0, "starttime mismatch: pid reused, not alive");
	r->init_starttime = st;
	kill(child, SIGKILL);
	usleep(100000); /* a zombie now: dead, but /proc/PID still there */
	OKE(jail_registry_alive(r, &err) == 0, "zombie init (not yet reaped): not alive");
	waitpid(child, &status, 0);
	OKE(jail_registry_alive(r, &err) == 0, "dead init: not alive");
	ok(jail_proc_starttime(child, &st, &err) < 0 && err.code == ESRCH,
	   "starttime of a gone pid: ESRCH");
	OKE(jail_proc_ns_inode(getpid(), "mnt", &ino, &err) == 0 && ino > 0,
	    "mount namespace inode");
	ok(jail_proc_ns_inode(getpid(), "../x", &ino, &err) < 0, "odd namespace name refused");
	/* A comm with spaces and parentheses does not confuse the stat parser. */
	child = fork();
	if (child == 0) {
		execl("/bin/sleep", ") x (", "30", (char *)NULL);
		_exit(1);
	}
	usleep(100000);
	{
		uint64_t a = 0;
		OKE(jail_proc_starttime(child, &a, &err) == 0 && a > 0,
		    "starttime with an odd process name");
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	jail_session_record_free(r);
}

static void test_open(void)
{
	jail_error_t err = {0};
	char base[] = "/run/test_registry.XXXXXX";
	char path[128];
	struct stat st;
	int fd;

	if (geteuid() != 0) {
		skip("jail_registry_open needs root (trusted root-owned chain)");
		return;
	}
	if (mkdtemp(base) == NULL) {
		skip("cannot make a directory under /run");
		return;
	}
	chmod(base, 0755);
	snprintf(path, sizeof(path), "%s/jail/sessions", base);
	ok(jail_registry_open(path, false, &err) < 0 && err.code == ENOENT,
	   "open without create: missing registry is ENOENT");
	fd = jail_registry_open(path, true, &err);
	OKE(fd >= 0, "create the registry");
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700 && st.st_uid == 0,
	   "registry created 0700 root");
	if (fd >= 0)
		close(fd);
	fd = jail_registry_open(path, false, &err);
	OKE(fd >= 0, "reopen existing registry");
	if (fd >= 0)
		close(fd);
	chmod(path, 0777);
	ok(jail_registry_open(path, true, &err) < 0, "world-writable registry refused");
	like(err.msg, "writable by others", "message says why");
	chmod(path, 0700);
	snprintf(path, sizeof(path), "%s/link", base);
	if (symlink("jail/sessions", path) == 0) {
		ok(jail_registry_open(path, true, &err) < 0 &&
		       (err.code == ELOOP || err.code == ENOTDIR),
		   "symlinked registry refused, not followed");
		diag("%s", err.msg);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", base);
	if (system(path) != 0)
		diag("cleanup failed");
}

int main(void)
{
	char cmd[128];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_ids();
	test_parser();
	test_files();
	test_alive();
	test_owner();
	test_service();
	test_linger();
	{
		int ldfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		test_linger_lock(ldfd);
		close(ldfd);
	}
	test_open();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
