/* reaper: run a command as a child subreaper, the way systemd serves sshd.
 *
 *   reaper COMMAND [ARGS...]
 *
 * PR_SET_CHILD_SUBREAPER, then fork and exec COMMAND; every orphan below it
 * (a killed sshd's children, a session init whose opener died) is
 * reparented here instead of to the host's pid 1, and reaped at once.  On
 * this machine pid 1 is not an init and reaps orphans late or never: a
 * zombie sshd child left to it keeps the session's dying init in the
 * kernel's pid-namespace teardown indefinitely, which a test that checks
 * "nothing of the session is left" would see.  On a production host
 * systemd (pid 1 or the service's subreaper) reaps them immediately.
 *
 * Exits with COMMAND's status (128 + signal when it was killed) once
 * COMMAND has exited; orphans still running then go to the next reaper. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t main_pid, p;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: reaper COMMAND [ARGS...]\n");
		return 64;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("reaper: PR_SET_CHILD_SUBREAPER");
		return 70;
	}
	main_pid = fork();
	if (main_pid < 0) {
		perror("reaper: fork");
		return 70;
	}
	if (main_pid == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "reaper: exec %s: %m\n", argv[1]);
		_exit(127);
	}
	/* The terminal's signals are for the command. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (;;) {
		p = waitpid(-1, &status, __WALL);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			perror("reaper: waitpid");
			return 70;
		}
		if (p != main_pid)
			continue; /* an adopted orphan: reaped, nothing else to do */
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		if (WIFSIGNALED(status))
			return 128 + WTERMSIG(status);
	}
}
