#define _GNU_SOURCE
#include "confine/seccomp.h"
#include "tap.h"

#include <errno.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static jail_strv_t strv(const char *a, const char *b)
{
	jail_strv_t sv = {0};
	jail_error_t err = {0};
	if (a)
		jail_strv_push(&sv, a, &err);
	if (b)
		jail_strv_push(&sv, b, &err);
	return sv;
}

static char *pfc(jail_seccomp_policy_t pol, const jail_strv_t *allow, const jail_strv_t *deny)
{
	jail_seccomp_t *f = NULL;
	jail_error_t err = {0};
	char *text = NULL;

	if (jail_seccomp_build(pol, allow, deny, &f, &err) < 0) {
		diag("build: %s", err.msg);
		return NULL;
	}
	if (jail_seccomp_export_pfc(f, &text, &err) < 0)
		diag("export: %s", err.msg);
	jail_seccomp_free(f);
	return text;
}

/* Does the PFC text have a rule for syscall NAME whose next action line says ACTION? */
static int pfc_rule(const char *text, const char *name, const char *action)
{
	char needle[128];
	const char *p;

	snprintf(needle, sizeof(needle), "# filter for syscall \"%s\"", name);
	p = text ? strstr(text, needle) : NULL;
	if (p == NULL)
		return 0;
	p = strstr(p, "action ");
	return p && strncmp(p + 7, action, strlen(action)) == 0;
}

static void test_names(void)
{
	jail_error_t err = {0};
	jail_seccomp_t *f = NULL;
	jail_strv_t bad = strv("ptrace", "no_such_call");
	jail_strv_t both_a = strv("ptrace", NULL), both_d = strv("ptrace", NULL);

	is_int(jail_seccomp_known_name("unshare", NULL), 1, "unshare is a known name");
	is_int(jail_seccomp_known_name("stime", NULL), 1, "stime (x86 only) is a known name");
	is_int(jail_seccomp_known_name("no_such_call", NULL), 0, "made-up name is unknown");
	is_int(jail_seccomp_known_name("", NULL), 0, "empty name is unknown");
	ok(jail_seccomp_build(JAIL_SECCOMP_DEFAULT, &bad, NULL, &f, &err) < 0 && f == NULL,
	   "unknown name in seccomp_allow is an error");
	like(err.msg, "seccomp_allow: unknown system call 'no_such_call'",
	     "error names key and call");
	ok(jail_seccomp_build(JAIL_SECCOMP_STRICT, NULL, &bad, &f, &err) < 0,
	   "unknown name in seccomp_deny is an error");
	like(err.msg, "seccomp_deny: unknown system call", "deny error names the key");
	ok(jail_seccomp_build(JAIL_SECCOMP_OFF, NULL, &bad, &f, &err) < 0,
	   "unknown name is an error even with seccomp = off");
	ok(jail_seccomp_build(JAIL_SECCOMP_DEFAULT, &both_a, &both_d, &f, &err) < 0,
	   "a name in both lists is an error");
	like(err.msg, "'ptrace' is in both", "both-lists error names the call");
	jail_strv_clear(&bad);
	jail_strv_clear(&both_a);
	jail_strv_clear(&both_d);
}

static void test_pfc(void)
{
	static const char *const must_deny[] = {"unshare",
						"setns",
						"keyctl",
						"add_key",
						"request_key",
						"bpf",
						"perf_event_open",
						"userfaultfd",
						"io_uring_setup",
						"io_uring_enter",
						"ptrace",
						"mount",
						"umount2",
						"pivot_root",
						"kexec_load",
						"init_module",
						"fsopen",
						"open_tree",
						"move_mount",
						"mount_setattr",
						"process_vm_readv",
						"name_to_handle_at",
						"open_by_handle_at",
						"chroot",
						"syslog",
						"landlock_create_ruleset",
						"acct",
						"swapon",
						"reboot",
						"personality_unused"};
	jail_strv_t allow = strv("ptrace", NULL), deny = strv("chmod", NULL);
	char *t = pfc(JAIL_SECCOMP_DEFAULT, NULL, NULL);
	char *s;

	ok(t != NULL, "default policy exports");
	for (size_t i = 0; i + 1 < sizeof(must_deny) / sizeof(must_deny[0]); i++)
		ok(pfc_rule(t, must_deny[i], "ERRNO(1)"), "default denies %s with EPERM",
		   must_deny[i]);
	ok(pfc_rule(t, "clone3", "ERRNO(38)"), "default answers clone3 with ENOSYS");
	like(t, "if ($a0.lo32 & 0x10000000 == 268435456)", "clone with CLONE_NEWUSER is matched");
	like(t, "if ($a0.lo32 & 0x20000000 == 536870912)", "clone with CLONE_NEWPID is matched");
	like(t, "if ($a1.hi32 & 0x00000000 == 0)", "ioctl request: the high 32 bits are ignored");
	like(t, "if ($a1.lo32 & 0xffffffff == 21522)",
	     "ioctl TIOCSTI is matched on the low 32 bits");
	like(t, "if ($a1 & 0xffffffff == 21522)", "i386 ioctl TIOCSTI is matched too");
	like(t, "if ($a1.lo32 & 0xffffffff == 21532)",
	     "ioctl TIOCLINUX is matched on the low 32 bits");
	like(t, "# filter for arch x86 (1073741827)", "filter covers 32-bit x86");
	ok(t && strstr(t, "# filter for arch x32") == NULL,
	   "x32 left out: its syscalls hit the bad-arch action");
	like(t, "# invalid architecture action\naction KILL_PROCESS;",
	     "bad arch kills the process");
	ok(!pfc_rule(t, "read", "ERRNO"), "read is not denied");
	free(t);

	t = pfc(JAIL_SECCOMP_DEFAULT, &allow, &deny);
	ok(t && !pfc_rule(t, "ptrace", "ERRNO"), "seccomp_allow removes ptrace from the denylist");
	ok(pfc_rule(t, "chmod", "ERRNO(1)"), "seccomp_deny adds chmod");
	free(t);

	s = pfc(JAIL_SECCOMP_STRICT, NULL, NULL);
	ok(s != NULL, "strict policy exports");
	like(s, "# default action\n  action ERRNO(1);", "strict layer defaults to EPERM");
	ok(pfc_rule(s, "execve", "ALLOW"), "strict allows execve");
	ok(pfc_rule(s, "openat", "ALLOW"), "strict allows openat");
	ok(pfc_rule(s, "_llseek", "ALLOW"), "strict allows the i386 _llseek");
	ok(!pfc_rule(s, "msgget", "ALLOW"), "strict leaves SysV msgget out");
	ok(pfc_rule(s, "unshare", "ERRNO(1)"), "strict still stacks the base denylist");
	free(s);
	s = pfc(JAIL_SECCOMP_STRICT, &deny, NULL);
	ok(pfc_rule(s, "chmod", "ALLOW"), "strict + seccomp_allow chmod keeps chmod");
	free(s);
	{
		jail_strv_t d = strv("openat", NULL), a = strv("msgget", NULL);
		s = pfc(JAIL_SECCOMP_STRICT, &a, &d);
		ok(pfc_rule(s, "msgget", "ALLOW"), "strict + seccomp_allow adds msgget");
		ok(!pfc_rule(s, "openat", "ALLOW") && pfc_rule(s, "openat", "ERRNO(1)"),
		   "strict + seccomp_deny removes openat and denies it");
		free(s);
		jail_strv_clear(&d);
		jail_strv_clear(&a);
	}
	t = pfc(JAIL_SECCOMP_OFF, NULL, NULL);
	ok(t && t[0] == '\0', "policy off exports no filter");
	free(t);
	jail_strv_clear(&allow);
	jail_strv_clear(&deny);
}

/* In test_behaviour's second round the children install the filter from a
 * blob (jail_seccomp_blob_cached + jail_seccomp_install_blob) instead of
 * jail_seccomp_load: both paths must behave the same. */
static int via_blob;
static int cache_fd = -1;

/* Run FN in a child that loaded POLICY; return FN's exit status, or
 * 1000 + signal when killed. */
static int in_child(jail_seccomp_policy_t pol, const jail_strv_t *allow, int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		jail_error_t err = {0};
		if (via_blob) {
			/* pam_jail's path: compiled (through the cache), then
			 * installed from the bytes, as jailsh does. */
			char *blob = NULL;
			size_t len = 0;
			if (jail_seccomp_blob_cached(cache_fd, pol, allow, NULL, &blob, &len,
						     &err) < 0 ||
			    (blob && jail_seccomp_install_blob(blob, len, &err) < 0)) {
				fprintf(stderr, "blob: %s\n", err.msg);
				_exit(99);
			}
			free(blob);
		} else if (jail_seccomp_load(pol, allow, NULL, &err) < 0) {
			fprintf(stderr, "load: %s\n", err.msg);
			_exit(99);
		}
		_exit(fn());
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? 1000 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Each returns the errno of the attempt (0 on success). */
static int e(long r)
{
	return r < 0 ? errno : 0;
}
static int do_unshare(void)
{
	return e(unshare(CLONE_NEWUSER));
}
static int do_clone_newuser(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	return e(r);
}
static int do_clone3(void)
{
	uint64_t args[8] = {CLONE_NEWUSER, 0, 0, 0, SIGCHLD, 0, 0, 0};
	long r = syscall(SYS_clone3, args, sizeof(args));
	if (r == 0)
		_exit(0);
	return e(r);
}
static int do_fork(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	if (p > 0)
		waitpid(p, NULL, 0);
	return e(p);
}
static int do_tiocsti_high(void)
{
	int fd = open("/dev/null", O_RDONLY);
	char c = 'x';
	dup2(fd, 0);
	return e(syscall(SYS_ioctl, 0, TIOCSTI | (1UL << 32), &c));
}
static int do_tcgets_devnull(void)
{
	char buf[64];
	int fd = open("/dev/null", O_RDONLY);
	return e(syscall(SYS_ioctl, fd, TCGETS, buf));
}
static int do_personality_aslr(void)
{
	return e(syscall(SYS_personality, ADDR_NO_RANDOMIZE));
}
static int do_personality_query(void)
{
	return e(syscall(SYS_personality, 0xffffffffUL));
}
static int do_too_new(void)
{
	/* 467 = open_tree_attr on recent kernels, beyond libseccomp 2.5's table */
	return e(syscall(467, -1, 0, 0, 0, 0));
}
static int do_x32(void)
{
	return e(syscall(0x40000000 | SYS_getpid));
}
static int do_msgget(void)
{
	return e(syscall(SYS_msgget, 0, 0));
}
static int do_getpid_write(void)
{
	return e(write(-1, "", 0)) == EBADF ? 0 : 1;
}
static int do_nnp(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1;
}

static void test_behaviour(void)
{
	jail_strv_t allow_pers = strv("personality", NULL);

	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_unshare), EPERM,
	       "default: unshare(CLONE_NEWUSER) -> EPERM");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_clone_newuser), EPERM,
	       "default: clone(CLONE_NEWUSER) -> EPERM");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_clone3), ENOSYS,
	       "default: clone3 -> ENOSYS (libc falls back)");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_fork), 0, "default: fork still works");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_tiocsti_high), EPERM,
	       "default: TIOCSTI with high bits set -> EPERM");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_tcgets_devnull), ENOTTY,
	       "default: other ioctls reach the kernel (TCGETS on /dev/null -> ENOTTY)");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_personality_aslr), EPERM,
	       "default: personality(ADDR_NO_RANDOMIZE) -> EPERM");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_personality_query), 0,
	       "default: personality query allowed");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, &allow_pers, do_personality_aslr), 0,
	       "default + seccomp_allow=personality: ADDR_NO_RANDOMIZE allowed");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_too_new), ENOSYS,
	       "default: syscall newer than the table -> ENOSYS");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_x32), 1000 + SIGSYS,
	       "default: any x32 syscall kills the process (SIGSYS)");
	is_int(in_child(JAIL_SECCOMP_DEFAULT, NULL, do_nnp), 0, "default: no_new_privs is set");
	is_int(in_child(JAIL_SECCOMP_STRICT, NULL, do_getpid_write), 0,
	       "strict: write reaches the kernel");
	is_int(in_child(JAIL_SECCOMP_STRICT, NULL, do_msgget), EPERM,
	       "strict: msgget (not in the allowlist) -> EPERM");
	is_int(in_child(JAIL_SECCOMP_STRICT, NULL, do_clone3), ENOSYS,
	       "strict: clone3 -> ENOSYS, not EPERM");
	is_int(in_child(JAIL_SECCOMP_STRICT, NULL, do_fork), 0, "strict: fork works");
	is_int(in_child(JAIL_SECCOMP_STRICT, NULL, do_unshare), EPERM, "strict: unshare -> EPERM");
	is_int(in_child(JAIL_SECCOMP_STRICT, NULL, do_tiocsti_high), EPERM,
	       "strict: TIOCSTI with high bits -> EPERM although ioctl is allowed");
	is_int(in_child(JAIL_SECCOMP_STRICT, NULL, do_too_new), ENOSYS,
	       "strict: too-new syscall -> ENOSYS");
	is_int(in_child(JAIL_SECCOMP_OFF, NULL, do_msgget) != EPERM, 1, "off: nothing is filtered");
	jail_strv_clear(&allow_pers);
}

/* A blob as bytes: header, program count, lengths. */
static void put32(char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void test_blob(void)
{
	jail_error_t err = {0};
	jail_seccomp_t *f = NULL;
	char *blob = NULL, *blob2 = NULL, *bad = NULL;
	size_t len = 0, len2 = 0;
	jail_strv_t allow = strv("personality", NULL);
	char dir[] = "/run/jail-unit-seccomp.XXXXXX";
	char name[300] = "";
	struct stat st1, st2;
	int dfd;

	ok(jail_seccomp_build(JAIL_SECCOMP_DEFAULT, NULL, NULL, &f, &err) == 0,
	   "build default (%s)", err.msg);
	ok(f && jail_seccomp_export_blob(f, &blob, &len, &err) == 0 && blob, "export a blob (%s)",
	   err.msg);
	ok(blob && memcmp(blob, "JSECBPF1", 8) == 0, "the blob starts with its magic");
	ok(blob && ((uint32_t *)(void *)(blob + 8))[0] == 2, "default: two programs (base, raw)");
	ok(jail_seccomp_check_blob(blob, len, &err) == 0, "the exported blob checks");
	jail_seccomp_free(f);
	f = NULL;
	ok(jail_seccomp_build(JAIL_SECCOMP_OFF, NULL, NULL, &f, &err) == 0 &&
	       jail_seccomp_export_blob(f, &blob2, &len2, &err) == 0 && blob2 == NULL && len2 == 0,
	   "off: no blob");
	jail_seccomp_free(f);
	f = NULL;

	/* Malformed blobs are refused before anything is loaded. */
	bad = malloc(len + 16);
	memcpy(bad, blob, len);
	ok(jail_seccomp_check_blob(NULL, 0, &err) < 0, "check: NULL refused");
	ok(jail_seccomp_check_blob(bad, 11, &err) < 0, "check: shorter than a header refused");
	ok(jail_seccomp_check_blob(bad, len - 1, &err) < 0 && strstr(err.msg, "truncated"),
	   "check: truncated refused (%s)", err.msg);
	ok(jail_seccomp_check_blob(bad, len + 8, &err) < 0 && strstr(err.msg, "trailing"),
	   "check: trailing bytes refused (%s)", err.msg);
	bad[0] = 'X';
	ok(jail_seccomp_check_blob(bad, len, &err) < 0 && strstr(err.msg, "bad header"),
	   "check: bad magic refused (%s)", err.msg);
	bad[0] = 'J';
	put32(bad + 8, 0);
	ok(jail_seccomp_check_blob(bad, len, &err) < 0, "check: 0 programs refused (%s)", err.msg);
	put32(bad + 8, 4);
	ok(jail_seccomp_check_blob(bad, len, &err) < 0, "check: 4 programs refused (%s)", err.msg);
	put32(bad + 8, 2);
	put32(bad + 12, 0);
	ok(jail_seccomp_check_blob(bad, len, &err) < 0, "check: an empty program refused (%s)",
	   err.msg);
	put32(bad + 12, 4097);
	ok(jail_seccomp_check_blob(bad, len, &err) < 0 && strstr(err.msg, "4097"),
	   "check: a program over BPF_MAXINSNS refused (%s)", err.msg);
	ok(jail_seccomp_install_blob(bad, len, &err) < 0, "install: a bad blob is refused");
	ok(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0, "install: ... and nothing was loaded");
	free(bad);

	/* The cache. */
	if (mkdtemp(dir) == NULL || chmod(dir, 0700) < 0) {
		ok(0, "mkdtemp %s", dir);
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok(jail_seccomp_blob_cached(dfd, JAIL_SECCOMP_DEFAULT, NULL, NULL, &blob2, &len2, &err) ==
		   0 &&
	       len2 == len && memcmp(blob, blob2, len) == 0,
	   "cache miss: the same blob as exported directly");
	free(blob2);
	blob2 = NULL;
	{
		DIR *d = fdopendir(dup(dfd));
		struct dirent *de;
		int n = 0;
		while (d && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				n++;
				snprintf(name, sizeof(name), "%s", de->d_name);
			}
		if (d)
			closedir(d);
		ok(n == 1, "cache miss: one file written (%d)", n);
	}
	ok(fstatat(dfd, name, &st1, 0) == 0 && st1.st_uid == 0 && (st1.st_mode & 07777) == 0600,
	   "cache file: root 0600");
	ok(jail_seccomp_blob_cached(dfd, JAIL_SECCOMP_DEFAULT, NULL, NULL, &blob2, &len2, &err) ==
		   0 &&
	       len2 == len && memcmp(blob, blob2, len) == 0,
	   "cache hit: the same blob");
	free(blob2);
	blob2 = NULL;
	ok(fstatat(dfd, name, &st2, 0) == 0 && st2.st_ino == st1.st_ino,
	   "cache hit: the file is not rewritten");
	ok(jail_seccomp_blob_cached(dfd, JAIL_SECCOMP_DEFAULT, &allow, NULL, &blob2, &len2, &err) ==
		   0 &&
	       blob2 && (len2 != len || memcmp(blob, blob2, len) != 0),
	   "another profile edit: another blob");
	free(blob2);
	blob2 = NULL;
	/* A cache file not owned by root is not trusted: replaced. */
	ok(fchownat(dfd, name, 1000, 1000, 0) == 0, "precondition: chown the cache file");
	ok(jail_seccomp_blob_cached(dfd, JAIL_SECCOMP_DEFAULT, NULL, NULL, &blob2, &len2, &err) ==
		   0 &&
	       len2 == len && memcmp(blob, blob2, len) == 0,
	   "a cache file owned by uid 1000: compiled again");
	free(blob2);
	blob2 = NULL;
	ok(fstatat(dfd, name, &st2, 0) == 0 && st2.st_uid == 0, "... and replaced by root's");
	/* A cache file whose program was tampered with (the key still matches):
	 * the blob fails its check or is still what the key says; a file with
	 * another key under the same name is never used. */
	{
		int fd = openat(dfd, name, O_WRONLY | O_TRUNC);
		const char junk[] = "jail seccomp cache 1\nbuild other\n\nJSECBPF1";
		ok(fd >= 0 && write(fd, junk, sizeof(junk) - 1) == (ssize_t)(sizeof(junk) - 1),
		   "precondition: a cache file with another key");
		if (fd >= 0)
			close(fd);
	}
	ok(jail_seccomp_blob_cached(dfd, JAIL_SECCOMP_DEFAULT, NULL, NULL, &blob2, &len2, &err) ==
		   0 &&
	       len2 == len && memcmp(blob, blob2, len) == 0,
	   "another key in the file: not used, compiled again");
	free(blob2);
	blob2 = NULL;
	ok(jail_seccomp_blob_cached(-1, JAIL_SECCOMP_STRICT, NULL, NULL, &blob2, &len2, &err) ==
		   0 &&
	       blob2 && ((uint32_t *)(void *)(blob2 + 8))[0] == 3,
	   "no cache directory: still a blob (strict: three programs)");
	free(blob2);
	cache_fd = dfd; /* the behaviour round below goes through this cache */
out:
	free(blob);
	jail_strv_clear(&allow);
}

static void remove_scratch_dir(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
}

int main(void)
{
	test_names();
	test_pfc();
	test_behaviour();
	test_blob();
	diag("the same behaviour, installed from a compiled blob (pam_jail -> jailsh)");
	via_blob = 1;
	test_behaviour();
	if (cache_fd >= 0) {
		char path[64];
		char link[64];
		ssize_t n;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", cache_fd);
		n = readlink(link, path, sizeof(path) - 1);
		if (n > 0) {
			path[n] = '\0';
			remove_scratch_dir(path);
		}
	}
	return done_testing();
}
