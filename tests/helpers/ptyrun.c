/* ptyrun: run a program on a new pseudo-terminal, as a console or serial
 * login would, and script the conversation.
 *
 *   ptyrun [-t SECONDS] [-x EXPECT SEND]... -- PROGRAM [ARG...]
 *
 * The child gets a new session whose controlling terminal is the pty's
 * slave (stdin, stdout and stderr).  Everything the program writes is copied
 * to our stdout as it arrives.  Each -x pair, in order: wait until EXPECT has
 * appeared in the output (after the previous match), then write SEND and a
 * newline to the terminal.  After the last pair the output is read until
 * the terminal closes (every holder of the slave exited).  -t bounds the
 * whole run (default 30 s): on expiry the child is killed, "ptyrun:
 * timeout waiting for 'EXPECT'" is printed on stderr and the exit status is
 * 124.  Otherwise the exit status is the program's (128+signal when
 * killed). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 16
#define BUF_MAX	  (1 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: ptyrun [-t SECONDS] [-x EXPECT SEND]... -- PROGRAM [ARG...]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	const char *expect[MAX_PAIRS], *send[MAX_PAIRS];
	size_t npairs = 0, next = 0, len = 0, scanned = 0;
	double timeout = 30, deadline;
	/* Static: the transcript lives as long as the program (no leak to
	 * report at any of its exits under LeakSanitizer). */
	static char out[BUF_MAX + 1];
	int i, master, status;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			timeout = atof(argv[++i]);
		} else if (strcmp(argv[i], "-x") == 0 && i + 2 < argc && npairs < MAX_PAIRS) {
			expect[npairs] = argv[i + 1];
			send[npairs] = argv[i + 2];
			npairs++;
			i += 2;
		} else {
			usage();
		}
	}
	if (i >= argc)
		usage();
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		perror("ptyrun: pty");
		return 70;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("ptyrun: fork");
		return 70;
	}
	if (pid == 0) {
		const char *name = ptsname(master);
		int slave;

		if (setsid() < 0 || name == NULL)
			_exit(71);
		slave = open(name, O_RDWR);
		if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
			_exit(72);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		execvp(argv[i], argv + i);
		_exit(127);
	}
	deadline = now() + timeout;
	for (;;) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		double left = deadline - now();
		ssize_t n;
		int r;

		if (left <= 0) {
			fflush(stdout);
			fprintf(stderr, "ptyrun: timeout waiting for '%s'\n",
				next < npairs ? expect[next] : "the end of the session");
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 124;
		}
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		n = read(master, out + len, BUF_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EIO: every holder of the slave is gone */
		fwrite(out + len, 1, (size_t)n, stdout);
		fflush(stdout);
		len += (size_t)n;
		out[len] = '\0';
		while (next < npairs) {
			char *hit = strstr(out + scanned, expect[next]);

			if (hit == NULL)
				break;
			scanned = (size_t)(hit - out) + strlen(expect[next]);
			if (write(master, send[next], strlen(send[next])) < 0 ||
			    write(master, "\n", 1) < 0) {
				perror("ptyrun: write");
				break;
			}
			next++;
		}
		if (len == BUF_MAX)
			break;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 70;
	if (next < npairs)
		fprintf(stderr, "ptyrun: the session ended before '%s'\n", expect[next]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
