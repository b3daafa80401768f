/* forkloop: a static probe run inside jails to show pids.max at work.
 *
 *   forkloop N
 *
 * Forks up to N children that just wait (and die with their parent), stops
 * at the first failing fork() and prints "forked K" and, when a fork failed,
 * "fork failed: ERRNO-NAME".  Then kills its children and exits: 0 when all
 * N forks succeeded, 1 when one failed, 2 on a usage error.  Unlike a shell
 * loop it does not retry a failing fork (bash retries EAGAIN for seconds). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n, k;
	int failed = 0, saved = 0;
	pid_t *kids;

	if (argc != 2 || (n = strtol(argv[1], NULL, 10)) <= 0 || n > 100000) {
		fprintf(stderr, "usage: forkloop N\n");
		return 2;
	}
	kids = calloc((size_t)n, sizeof(*kids));
	if (!kids)
		return 2;
	for (k = 0; k < n; k++) {
		pid_t p = fork();

		if (p < 0) {
			failed = 1;
			saved = errno;
			break;
		}
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			pause();
			_exit(0);
		}
		kids[k] = p;
	}
	printf("forked %ld\n", k);
	if (failed)
		printf("fork failed: %s\n", saved == EAGAIN ? "EAGAIN" : strerror(saved));
	fflush(stdout);
	for (long i = 0; i < k; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < k; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return failed;
}
