/* Capability bounding set: names, and (as root, in forked children) that
 * after jail_caps_drop_bounding() an exec'd root program holds exactly the
 * kept capabilities and cannot chroot or mknod. */
#define _GNU_SOURCE
#include "confine/caps.h"
#include "tap.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_caps.XXXXXX";

static void skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

/* Value of FIELD ("CapBnd") in /proc/self/status, as a number. */
static uint64_t status_field(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t v = UINT64_MAX;
	size_t fl = strlen(field);

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':')
			v = strtoull(line + fl + 1, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

/* The probe, run through execve after the drop: report in the exit code
 * bit 0: chroot(".") failed with EPERM, bit 1: mknod failed with EPERM,
 * bit 2: CapEff is exactly CAP_NET_BIND_SERVICE. */
static int probe(const char *dir)
{
	char node[512];
	int r = 0;

	if (chroot(".") < 0 && errno == EPERM)
		r |= 1;
	snprintf(node, sizeof(node), "%s/null.%ld", dir, (long)getpid());
	if (mknod(node, S_IFCHR | 0600, makedev(1, 3)) < 0 && errno == EPERM)
		r |= 2;
	else
		unlink(node);
	if (status_field("CapEff") == (UINT64_C(1) << 10))
		r |= 4;
	return r;
}

static void test_parse(void)
{
	jail_error_t err = {0};
	jail_strv_t sv = {0};
	uint64_t mask = 0;
	int last = jail_caps_last_cap(&err);
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int want = -1;

	if (f) {
		if (fscanf(f, "%d", &want) != 1)
			want = -1;
		fclose(f);
	}
	is_int(last, want, "last cap from /proc/sys/kernel/cap_last_cap");
	ok(jail_caps_parse(&sv, &mask, &err) == 0 && mask == 0, "empty list: no bits");
	jail_strv_push(&sv, "cap_net_bind_service", &err);
	jail_strv_push(&sv, "CAP_SYS_CHROOT", &err);
	ok(jail_caps_parse(&sv, &mask, &err) == 0 &&
	       mask == ((UINT64_C(1) << 10) | (UINT64_C(1) << 18)),
	   "cap_net_bind_service and CAP_SYS_CHROOT (any case) parse to bits 10 and 18");
	jail_strv_push(&sv, "cap_bogus", &err);
	ok(jail_caps_parse(&sv, &mask, &err) < 0 && err.code == EINVAL, "unknown name refused");
	like(err.msg, "unknown capability 'cap_bogus'", "error names the capability");
	jail_strv_clear(&sv);
	jail_strv_push(&sv, "12", &err);
	ok(jail_caps_parse(&sv, &mask, &err) < 0, "bare number refused (names only)");
	jail_strv_clear(&sv);
}

/* Fork; in the child run FN and exit with its result. Returns the status. */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int drop_keep_nbs(void *arg)
{
	jail_error_t err = {0};
	jail_strv_t keep = {0};
	int r = 0;

	(void)arg;
	jail_strv_push(&keep, "cap_net_bind_service", &err);
	if (jail_caps_drop_bounding(&keep, &err) < 0) {
		fprintf(stderr, "drop: %s\n", err.msg);
		return 99;
	}
	if (status_field("CapBnd") == (UINT64_C(1) << 10))
		r |= 1;
	if (status_field("CapAmb") == 0)
		r |= 2;
	if ((status_field("CapInh") & ~(UINT64_C(1) << 10)) == 0)
		r |= 4;
	/* The caller's own effective set is untouched (sshd still needs it). */
	if (status_field("CapEff") != (UINT64_C(1) << 10))
		r |= 8;
	return r;
}

static int drop_then_exec(void *arg)
{
	jail_error_t err = {0};
	jail_strv_t keep = {0};
	bool drop = *(bool *)arg;

	jail_strv_push(&keep, "cap_net_bind_service", &err);
	if (drop && jail_caps_drop_bounding(&keep, &err) < 0)
		return 99;
	execl("/proc/self/exe", "test_caps", "--probe", tmpdir, (char *)NULL);
	return 98;
}

static int drop_unknown(void *arg)
{
	jail_error_t err = {0};
	jail_strv_t keep = {0};
	uint64_t before = status_field("CapBnd");

	(void)arg;
	jail_strv_push(&keep, "cap_no_such_thing", &err);
	if (jail_caps_drop_bounding(&keep, &err) == 0)
		return 1;
	if (strstr(err.msg, "cap_no_such_thing") == NULL)
		return 2;
	return status_field("CapBnd") == before ? 0 : 3;
}

static int drop_none(void *arg)
{
	jail_error_t err = {0};

	(void)arg;
	if (jail_caps_drop_bounding(NULL, &err) < 0)
		return 99;
	return status_field("CapBnd") == 0 ? 0 : 1;
}

static void test_drop(void)
{
	bool yes = true, no = false;
	int r;

	if (geteuid() != 0 || status_field("CapEff") == 0) {
		skip("dropping the bounding set needs root with CAP_SETPCAP");
		return;
	}
	r = in_child(drop_keep_nbs, NULL);
	ok(r >= 0 && (r & 1), "CapBnd is exactly cap_net_bind_service after the drop");
	ok(r >= 0 && (r & 2), "ambient set cleared");
	ok(r >= 0 && (r & 4), "dropped capabilities gone from the inheritable set");
	ok(r >= 0 && (r & 8) && r != 99, "the caller's own effective set is left alone");

	r = in_child(drop_then_exec, &no);
	ok(r >= 0 && !(r & 1) && !(r & 2),
	   "control: without the drop, an exec'd root program can chroot and mknod");
	r = in_child(drop_then_exec, &yes);
	ok(r >= 0 && r < 8 && (r & 1), "after the drop, chroot(\".\") fails with EPERM as root");
	ok(r >= 0 && r < 8 && (r & 2), "after the drop, mknod of a char device fails with EPERM");
	ok(r >= 0 && r < 8 && (r & 4), "the exec'd root program's CapEff is only the kept cap");

	ok(in_child(drop_unknown, NULL) == 0,
	   "unknown name: error naming it, bounding set untouched");
	ok(in_child(drop_none, NULL) == 0, "empty keep list: bounding set empty");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--probe") == 0)
		_exit(probe(argv[2])); /* no exit-time hooks (LeakSanitizer) after chroot */
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_parse();
	test_drop();
	rmdir(tmpdir);
	return done_testing();
}
