/* audit/spawn.h, the helper that runs sshd -T for jailctl check and
 * jailctl setup sshd: exit statuses (true, false, a program that does not
 * exist, one killed by a signal), stdout and stderr captured or sent to
 * /dev/null, output over the limit read and dropped, the timeout, the fixed
 * environment, stdin /dev/null, and no descriptor beyond 0-2 in the child
 * (one planted without O_CLOEXEC; the parent running with fds 0 and 1
 * closed). */
#define _GNU_SOURCE
#include "tap.h"
#include "audit/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOTH (AUDIT_SPAWN_STDOUT | AUDIT_SPAWN_STDERR)

/* Run `sh -c SCRIPT`; *out gets what was kept. */
static int sh(const char *script, unsigned capture, size_t max, char **out, bool *overflow,
	      int *status, jail_error_t *err)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	audit_spawn_out_t o = {.max = max};
	int r = audit_spawn_run("/bin/sh", argv, capture, 5000, &o, status, err);

	if (overflow)
		*overflow = o.overflow;
	*out = jail_buf_finish(&o.b, "test", err);
	return r;
}

static void statuses(void)
{
	jail_error_t err = {0};
	audit_spawn_out_t o = {.max = 1024};
	int status = -1, r;

	r = audit_spawn_run("/bin/true", (char *[]){"true", NULL}, BOTH, 5000, &o, &status, &err);
	ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && o.b.len == 0,
	   "true: exit status 0, no output");
	status = -1;
	r = audit_spawn_run("/bin/false", (char *[]){"false", NULL}, BOTH, 5000, &o, &status, &err);
	ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1, "false: exit status 1");
	status = -1;
	r = audit_spawn_run("/nonexistent/jail-spawn-test", (char *[]){"x", NULL}, BOTH, 5000, &o,
			    &status, &err);
	ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127,
	   "a program that does not exist: exit status 127 (%s)", r < 0 ? err.msg : "no error");
	audit_spawn_out_clear(&o);
}

static void signalled(void)
{
	jail_error_t err = {0};
	cleanup_free char *out = NULL;
	int status = -1, r;

	r = sh("kill -KILL $$", BOTH, 1024, &out, NULL, &status, &err);
	ok(r == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "a program killed by SIGKILL: the wait status says signal %d", SIGKILL);
}

static void captured(void)
{
	const char *script = "echo out; echo err >&2";
	jail_error_t err = {0};
	char *out = NULL;
	int status = -1, r;

	r = sh(script, BOTH, 1024, &out, NULL, &status, &err);
	ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "stdout+stderr: exit 0");
	is_str(out, "out\nerr\n", "stdout and stderr captured, in order, in one buffer");
	free(out);
	r = sh(script, AUDIT_SPAWN_STDOUT, 1024, &out, NULL, &status, &err);
	is_str(r == 0 ? out : NULL, "out\n", "stdout only: stderr goes to /dev/null");
	free(out);
	r = sh(script, AUDIT_SPAWN_STDERR, 1024, &out, NULL, &status, &err);
	is_str(r == 0 ? out : NULL, "err\n", "stderr only: stdout goes to /dev/null (sshd -ddd)");
	free(out);
	r = sh(script, 0, 1024, &out, NULL, &status, &err);
	is_str(r == 0 ? out : NULL, "", "nothing captured: an empty string, not NULL");
	free(out);
}

static void over_limit(void)
{
	jail_error_t err = {0};
	char *out = NULL;
	bool overflow = false;
	int status = -1, r;

	/* 1 MiB: far more than the pipe holds, so the child blocks unless the
	 * rest is read and dropped. */
	r = sh("head -c 1048576 /dev/zero | tr '\\0' x; echo done >&2", BOTH, 1000, &out, &overflow,
	       &status, &err);
	ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "1 MiB over a 1000-byte limit: the child runs to its end (the rest is read)");
	ok(overflow, "over the limit: overflow is set");
	ok(out && strlen(out) == 1000 && strspn(out, "x") == 1000,
	   "over the limit: exactly the first 1000 bytes are kept (got %zu)",
	   out ? strlen(out) : 0);
	free(out);
	r = sh("printf 0123456789", BOTH, 10, &out, &overflow, &status, &err);
	ok(r == 0 && !overflow && out && strcmp(out, "0123456789") == 0,
	   "exactly the limit: all kept, no overflow");
	free(out);
}

static void timeout(void)
{
	char *argv[] = {"sleep", "10", NULL};
	audit_spawn_out_t o = {.max = 1024};
	jail_error_t err = {0};
	struct timespec t0, t1;
	int status = -1, r;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = audit_spawn_run("/bin/sleep", argv, BOTH, 200, &o, &status, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(r == 1 && s < 5, "silent for the timeout (200 ms): returns 1 after %.2f s", s);
	ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
	   "the timed-out child was killed and reaped");
	audit_spawn_out_clear(&o);
}

static void environment(void)
{
	jail_error_t err = {0};
	char *out = NULL;
	int status = -1, r;

	setenv("JAIL_SPAWN_SECRET", "leak", 1);
	r = sh("env", BOTH, 4096, &out, NULL, &status, &err);
	ok(r == 0 && out && strstr(out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n") &&
	       strstr(out, "LC_ALL=C\n"),
	   "the child gets PATH and LC_ALL=C");
	ok(r == 0 && out && !strstr(out, "JAIL_SPAWN_SECRET"),
	   "the caller's environment does not reach the child");
	free(out);
	unsetenv("JAIL_SPAWN_SECRET");
	r = sh("readlink /proc/$$/fd/0", BOTH, 4096, &out, NULL, &status, &err);
	is_str(r == 0 ? out : NULL, "/dev/null\n", "stdin is /dev/null");
	free(out);
}

static void fds(void)
{
	/* ls in a child of the shell lists the shell's descriptors: exactly
	 * what the helper gave it (`; exit` keeps sh from exec'ing ls). */
	const char *script = "ls /proc/$$/fd; exit 0";
	jail_error_t err = {0};
	char *out = NULL;
	int status = -1, r, planted = open("/dev/null", O_RDONLY), high;

	high = planted >= 0 ? fcntl(planted, F_DUPFD, 40) : -1;
	ok(planted > 2 && high >= 40 && !(fcntl(planted, F_GETFD) & FD_CLOEXEC),
	   "planted fds %d and %d without O_CLOEXEC", planted, high);
	r = sh(script, BOTH, 4096, &out, NULL, &status, &err);
	is_str(r == 0 ? out : NULL, "0\n1\n2\n", "the child has fds 0-2 and nothing else");
	free(out);

	/* The parent with fds 0 and 1 closed: the pipe gets 0 and 1, which the
	 * child's dup2() onto 0-2 must neither clobber nor leave O_CLOEXEC. */
	{
		int saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		char *out2 = NULL;
		int r2;

		fflush(stdout);
		close(STDIN_FILENO);
		close(STDOUT_FILENO);
		r = sh("readlink /proc/$$/fd/0; echo err >&2; ls /proc/$$/fd; exit 0", BOTH, 4096,
		       &out, NULL, &status, &err);
		r2 = sh("echo out; echo err >&2", AUDIT_SPAWN_STDOUT, 4096, &out2, NULL, &status,
			&err);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		if (open("/dev/null", O_RDONLY) != STDIN_FILENO)
			diag("could not reopen stdin");
		is_str(
		    r == 0 ? out : NULL, "/dev/null\nerr\n0\n1\n2\n",
		    "parent's fds 0, 1 closed: stdin /dev/null, stdout+stderr captured, no other "
		    "fd");
		is_str(r2 == 0 ? out2 : NULL, "out\n",
		       "parent's fds 0, 1 closed: stdout captured, stderr to /dev/null");
		free(out);
		free(out2);
	}
	close(planted);
	close(high);
}

static void start_read_wait(void)
{
	char *argv[] = {"sh", "-c", "echo a; echo b >&2; exit 3", NULL};
	audit_spawn_out_t o = {.max = 64};
	jail_error_t err = {0};
	int fd = -1, status = -1;
	pid_t pid = audit_spawn_start("/bin/sh", argv, AUDIT_SPAWN_STDERR, &fd, &err);
	cleanup_free char *out = NULL;

	ok(pid > 0 && fd > 2 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	   "start: a pid and a read end with O_CLOEXEC");
	while (pid > 0 && audit_spawn_read(fd, &o) > 0)
		;
	if (fd >= 0)
		close(fd);
	ok(pid > 0 && audit_spawn_wait(pid, &status, &err) == 0 && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 3,
	   "wait: exit status 3");
	out = jail_buf_finish(&o.b, "test", &err);
	is_str(out, "b\n", "read until EOF: stderr only");
	ok(audit_spawn_wait(pid, &status, &err) < 0 && jail_error_is(&err, ECHILD),
	   "wait on a reaped pid: ECHILD (%s)", err.msg);
	like(err.msg, "waitpid", "the message names waitpid");
}

static void no_pipe(void)
{
	struct rlimit old, low;
	audit_spawn_out_t o = {.max = 64};
	jail_error_t err = {0};
	int status = -1, r, fd = open("/dev/null", O_RDONLY);

	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = (rlim_t)fd + 1; /* no room for two more */
	close(fd);
	setrlimit(RLIMIT_NOFILE, &low);
	r = audit_spawn_run("/bin/true", (char *[]){"true", NULL}, BOTH, 5000, &o, &status, &err);
	setrlimit(RLIMIT_NOFILE, &old);
	ok(r < 0 && jail_error_is(&err, EMFILE), "no fds left: -1, EMFILE");
	like(err.msg, "pipe", "the message names the pipe (%s)", err.msg);
	audit_spawn_out_clear(&o);
}

int main(void)
{
	statuses();
	signalled();
	captured();
	over_limit();
	timeout();
	environment();
	fds();
	start_read_wait();
	no_pipe();
	return done_testing();
}
