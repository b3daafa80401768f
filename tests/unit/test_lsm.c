#define _GNU_SOURCE
#include "lsm.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/apparmor.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_apparmor(void)
{
	jail_error_t err = {0};

	is_int(jail_apparmor_apply(JAIL_MODE_OFF, "jail-default", &err), 0,
	       "apparmor off: nothing");
	if (aa_is_enabled()) {
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
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	(void)!system(p);
}

int main(void)
{
	test_apparmor();
	test_landlock();
	return done_testing();
}
