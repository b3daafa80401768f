#define _GNU_SOURCE
#include "confine/apparmor.h"
#include "confine/landlock.h"
#include "base/safefs.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/apparmor.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_apparmor(void)
{
	jail_error_t err = {0};

	is_int(jail_apparmor_apply(JAIL_MODE_OFF, "jail-default", &err), 0,
	       "apparmor off: nothing");
	if (jail_apparmor_active()) {
		diag("AppArmor is enabled here: the disabled-kernel cases do not apply");
		return;
	}
	is_int(jail_apparmor_apply(JAIL_MODE_REQUIRED, "jail-default", &err), -1,
	       "apparmor required on a kernel without AppArmor: error");
	like(err.msg, "AppArmor is not enabled in this kernel", "required: message says why");
	like(err.msg, "'jail-default'", "required: message names the profile");
	jail_error_clear(&err);
	is_int(jail_apparmor_apply(JAIL_MODE_OPTIONAL, "jail-default", &err), 1,
	       "apparmor optional on a kernel without AppArmor: skipped (1)");
	like(err.msg, "not enabled", "optional: reason given for the log");
	is_int(jail_apparmor_apply(JAIL_MODE_REQUIRED, "", &err), -1, "empty profile name refused");
}

/* In a child: apply a ruleset with DIR/rw writable, then try to create
 * DIR/rw/f and DIR/ro/f.  Exit code: bit 0 = rw write ok, bit 1 = ro write
 * refused with EACCES. */
static int landlock_child(const char *dir)
{
	char rw[256], ro[256], f[300];
	pid_t pid;
	int st;

	snprintf(rw, sizeof(rw), "%s/rw", dir);
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	pid = fork();
	if (pid == 0) {
		const char *rx[] = {"/", NULL};
		const char *rwl[] = {rw, "/nonexistent-is-skipped", NULL};
		jail_landlock_paths_t p = {.read_exec = rx, .read_write = rwl, .scope = true};
		jail_error_t err = {0};
		int abi = 0, code = 0, fd;

		if (jail_landlock_apply_paths(JAIL_MODE_REQUIRED, &p, &abi, &err) != 0) {
			fprintf(stderr, "landlock: %s\n", err.msg);
			_exit(100);
		}
		snprintf(f, sizeof(f), "%s/f", rw);
		fd = open(f, O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			code |= 1;
		snprintf(f, sizeof(f), "%s/f", ro);
		fd = open(f, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 && errno == EACCES)
			code |= 2;
		_exit(code);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* In a child: apply the session-like ruleset {"/" read/exec, STRICT as
 * rw_beneath} in MODE, then try to create WRITE_OK (bit 0 set when it
 * works) and WRITE_DENIED (bit 1 set when refused with EACCES).  Exit 100
 * with the error in MSG when apply fails (its return value in *RET), 101
 * when it returned without restricting. */
static int strict_child(jail_mode_t mode, const char *const *strict, const char *write_ok,
			const char *write_denied, int *ret, char *msg, size_t msgsz)
{
	int pfd[2];
	pid_t pid;
	int st;
	ssize_t n;

	msg[0] = '\0';
	*ret = 99;
	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		const char *rx[] = {"/", NULL};
		jail_landlock_paths_t p = {
		    .read_exec = rx, .rw_beneath = strict, .rw_beneath_what = "bind_rw target"};
		jail_error_t err = {0};
		int abi = 0, code = 0, fd, r;
		char out[1100];

		close(pfd[0]);
		r = jail_landlock_apply_paths(mode, &p, &abi, &err);
		snprintf(out, sizeof(out), "%d %s", r, err.msg);
		(void)!write(pfd[1], out, strlen(out));
		if (r != 0)
			_exit(100);
		if (abi == 0)
			_exit(101);
		if (write_ok) {
			fd = open(write_ok, O_WRONLY | O_CREAT, 0644);
			if (fd >= 0)
				code |= 1;
		}
		if (write_denied) {
			fd = open(write_denied, O_WRONLY | O_CREAT, 0644);
			if (fd < 0 && errno == EACCES)
				code |= 2;
		}
		_exit(code);
	}
	close(pfd[1]);
	{
		char buf[1100];
		n = read(pfd[0], buf, sizeof(buf) - 1);
		close(pfd[0]);
		if (n > 0) {
			char *sp;
			buf[n] = '\0';
			*ret = atoi(buf);
			sp = strchr(buf, ' ');
			snprintf(msg, msgsz, "%s", sp ? sp + 1 : "");
		}
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* rw_beneath (bind_rw targets): writable below, strict resolution. */
static void test_strict(const char *dir)
{
	char bind[300], file[300], other[300], link[300], viadir[300], viapath[300], fifo[300];
	char ok_path[340], denied[340], msg[600];
	int ret;

	snprintf(bind, sizeof(bind), "%s/bind", dir);
	snprintf(file, sizeof(file), "%s/onefile", dir);
	snprintf(other, sizeof(other), "%s/ro/other", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(viadir, sizeof(viadir), "%s/via", dir);
	snprintf(viapath, sizeof(viapath), "%s/via/bind", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	mkdir(bind, 0777);
	close(open(file, O_WRONLY | O_CREAT, 0666));
	(void)!symlink(bind, link);
	(void)!symlink(dir, viadir);
	mkfifo(fifo, 0666);

	{
		const char *l[] = {bind, NULL};
		snprintf(ok_path, sizeof(ok_path), "%s/new", bind);
		is_int(strict_child(JAIL_MODE_REQUIRED, l, ok_path, other, &ret, msg, sizeof(msg)),
		       3, "rw_beneath: a directory target is writable, the rest EACCES");
		is_int(ret, 0, "rw_beneath: applied (%s)", msg);
		/* optional behaves the same where Landlock exists */
		snprintf(ok_path, sizeof(ok_path), "%s/new2", bind);
		is_int(strict_child(JAIL_MODE_OPTIONAL, l, ok_path, other, &ret, msg, sizeof(msg)),
		       3, "rw_beneath, optional: same ruleset");
	}
	{
		const char *l[] = {file, NULL};
		snprintf(denied, sizeof(denied), "%s/bind/not-this", dir);
		is_int(strict_child(JAIL_MODE_REQUIRED, l, file, denied, &ret, msg, sizeof(msg)), 3,
		       "rw_beneath: a file target is writable, its neighbours are not");
	}
	{
		const char *l[] = {bind, file, NULL};
		snprintf(ok_path, sizeof(ok_path), "%s/new3", bind);
		is_int(strict_child(JAIL_MODE_REQUIRED, l, ok_path, file, &ret, msg, sizeof(msg)),
		       1, "rw_beneath: two targets, both writable (bit 1 clear: the file opened)");
	}
	/* Refusals: -1 in every mode but off, before any restriction. */
	for (int m = 0; m < 2; m++) {
		jail_mode_t mode = m ? JAIL_MODE_OPTIONAL : JAIL_MODE_REQUIRED;
		const char *mname = m ? "optional" : "required";
		char missing[300];
		const char *l1[] = {link, NULL};
		const char *l2[] = {viapath, NULL};
		const char *l3[] = {fifo, NULL};
		const char *l4[] = {missing, NULL};
		const char *l5[] = {bind, "relative/x", NULL};

		snprintf(missing, sizeof(missing), "%s/missing", dir);
		is_int(strict_child(mode, l1, NULL, NULL, &ret, msg, sizeof(msg)), 100,
		       "%s: a symlink target refuses", mname);
		is_int(ret, -1, "%s: symlink target: -1 (not skipped as optional)", mname);
		like(msg, "is or passes through a symlink (not followed)",
		     "%s: symlink target: reason", mname);
		like(msg, link, "%s: symlink target: the path is named", mname);
		like(msg, "bind_rw target", "%s: the message says what the path is", mname);
		is_int(strict_child(mode, l2, NULL, NULL, &ret, msg, sizeof(msg)), 100,
		       "%s: a target below a symlinked directory refuses", mname);
		like(msg, "is or passes through a symlink", "%s: symlinked parent: reason", mname);
		is_int(strict_child(mode, l3, NULL, NULL, &ret, msg, sizeof(msg)), 100,
		       "%s: a fifo target refuses", mname);
		like(msg, "not a directory or a regular file", "%s: fifo: reason", mname);
		is_int(strict_child(mode, l4, NULL, NULL, &ret, msg, sizeof(msg)), 100,
		       "%s: a missing target refuses (not skipped)", mname);
		like(msg, "missing: does not exist", "%s: missing: reason names the path", mname);
		is_int(strict_child(mode, l5, NULL, NULL, &ret, msg, sizeof(msg)), 100,
		       "%s: a relative target refuses", mname);
		like(msg, "not an absolute path", "%s: relative: reason", mname);
	}
	{
		const char *l[] = {link, NULL};
		is_int(strict_child(JAIL_MODE_OFF, l, NULL, NULL, &ret, msg, sizeof(msg)), 101,
		       "off: targets are not looked at, nothing applied");
		is_int(ret, 0, "off: 0");
	}
	{
		/* The fallback walk (no openat2) must refuse the same way. */
		const char *l[] = {link, NULL};
		bool prev = jail_safefs_force_fallback(true);
		is_int(strict_child(JAIL_MODE_REQUIRED, l, NULL, NULL, &ret, msg, sizeof(msg)), 100,
		       "fallback walk: a symlink target refuses");
		like(msg, "is or passes through a symlink", "fallback walk: reason");
		{
			const char *l2[] = {viapath, NULL};
			is_int(strict_child(JAIL_MODE_REQUIRED, l2, NULL, NULL, &ret, msg,
					    sizeof(msg)),
			       100, "fallback walk: a symlinked parent refuses");
			like(msg, "symlink", "fallback walk: symlinked parent: reason (%s)", msg);
		}
		{
			const char *l3[] = {bind, NULL};
			snprintf(ok_path, sizeof(ok_path), "%s/new4", bind);
			is_int(strict_child(JAIL_MODE_REQUIRED, l3, ok_path, other, &ret, msg,
					    sizeof(msg)),
			       3, "fallback walk: a good target works");
		}
		jail_safefs_force_fallback(prev);
	}
}

static void test_landlock(void)
{
	jail_error_t err = {0};
	char dir[] = "/tmp/jail-ll-XXXXXX";
	char p[300];
	int abi = jail_landlock_abi();

	is_int(jail_landlock_apply_paths(JAIL_MODE_OFF, NULL, NULL, &err), 0,
	       "landlock off: nothing (paths not even looked at)");
	if (abi < 1) {
		jail_landlock_paths_t none = {0};
		is_int(jail_landlock_apply_paths(JAIL_MODE_OPTIONAL, &none, NULL, &err), 1,
		       "no Landlock: optional is skipped");
		is_int(jail_landlock_apply_paths(JAIL_MODE_REQUIRED, &none, NULL, &err), -1,
		       "no Landlock: required is an error");
		return;
	}
	diag("Landlock ABI %d", abi);
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/rw", dir);
	mkdir(p, 0777);
	snprintf(p, sizeof(p), "%s/ro", dir);
	mkdir(p, 0777);
	is_int(landlock_child(dir), 3,
	       "landlock: write allowed below a read_write path, EACCES elsewhere");
	test_strict(dir);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	(void)!system(p);
}

int main(void)
{
	test_apparmor();
	test_landlock();
	return done_testing();
}
