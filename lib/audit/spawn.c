/* Running a helper program: fork, the child's descriptors, execve, the
 * output read up to a limit, waitpid (audit/spawn.h). */
#define _GNU_SOURCE
#include "audit/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child: never returns. */
static void spawn_child(const char *path, char *const argv[], unsigned capture, int wfd)
{
	char *const envp[] = {AUDIT_SPAWN_ENV_PATH, "LC_ALL=C", NULL};
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* Both above 2 first: a dup2() below must not replace one of them
	 * (the caller may have run with 0, 1 or 2 closed), and dup2() onto
	 * the same number would keep O_CLOEXEC. */
	if (null >= 0 && null <= STDERR_FILENO)
		null = fcntl(null, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (wfd <= STDERR_FILENO)
		wfd = fcntl(wfd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (null < 0 || wfd < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(capture & AUDIT_SPAWN_STDOUT ? wfd : null, STDOUT_FILENO) < 0 ||
	    dup2(capture & AUDIT_SPAWN_STDERR ? wfd : null, STDERR_FILENO) < 0)
		_exit(126);
	/* Whatever the caller left open without O_CLOEXEC stays here. */
	if (close_range(STDERR_FILENO + 1, ~0u, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		for (long fd = STDERR_FILENO + 1; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	}
	execve(path, argv, envp);
	_exit(127);
}

pid_t audit_spawn_start(const char *path, char *const argv[], unsigned capture, int *fdp,
			jail_error_t *err)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return jail_error_set(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return jail_error_set(err, e, "fork");
	}
	if (pid == 0)
		spawn_child(path, argv, capture, pfd[1]);
	close(pfd[1]);
	*fdp = pfd[0];
	return pid;
}

int audit_spawn_read(int fd, audit_spawn_out_t *out)
{
	char chunk[16384];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	size_t room;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	room = out->b.len < out->max ? out->max - out->b.len : 0;
	if ((size_t)n > room)
		out->overflow = true;
	if (room > 0)
		jail_buf_add(&out->b, chunk, (size_t)n < room ? (size_t)n : room);
	return 1;
}

int audit_spawn_wait(pid_t pid, int *status, jail_error_t *err)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return jail_error_set(err, errno, "waitpid");
	return 0;
}

void audit_spawn_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int audit_spawn_run(const char *path, char *const argv[], unsigned capture, int timeout_ms,
		    audit_spawn_out_t *out, int *status, jail_error_t *err)
{
	int fd = -1;
	pid_t pid = audit_spawn_start(path, argv, capture, &fd, err);

	if (pid < 0)
		return -1;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = errno;

			audit_spawn_kill(pid);
			close(fd);
			return r == 0 ? 1 : jail_error_set(err, e, "poll");
		}
		if (audit_spawn_read(fd, out) == 0)
			break;
	}
	close(fd);
	return audit_spawn_wait(pid, status, err);
}
