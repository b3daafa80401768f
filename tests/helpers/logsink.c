/* logsink: a tiny syslog receiver for tests.
 *
 *   logsink SOCKET OUTFILE
 *
 * Binds an AF_UNIX datagram socket at SOCKET (the tests bind-mount it over
 * /dev/log inside their private mount namespace) and appends every datagram
 * it receives to OUTFILE as one line, so a test can assert the exact
 * pam_syslog() lines a module wrote.  Exits on SIGTERM/SIGINT.  Prints
 * "ready" on stdout once the socket is bound, so the caller knows no message
 * can be lost from then on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[8192];
	int sock, out;

	if (argc != 3) {
		fprintf(stderr, "usage: logsink SOCKET OUTFILE\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "logsink: %s: path too long\n", argv[1]);
		return 1;
	}
	strcpy(sa.sun_path, argv[1]);
	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "logsink: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		perror("logsink: socket");
		return 1;
	}
	unlink(argv[1]);
	if (bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "logsink: bind %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* Every local user may log (sessions run as the user). */
	if (chmod(argv[1], 0666) < 0) {
		fprintf(stderr, "logsink: chmod %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("logsink: recv");
			return 1;
		}
		/* One datagram, one line: drop trailing newlines and NULs. */
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
			n--;
		buf[n++] = '\n';
		if (write(out, buf, (size_t)n) != n) {
			perror("logsink: write");
			return 1;
		}
	}
}
