/* svcd: a static test daemon run as a jailed service (tests/integration/
 * 57-service.t).  One action per word, in order, then it runs until a
 * signal ends it:
 *
 *   notify=MSG     send MSG (\n for newlines) to $NOTIFY_SOCKET
 *   fdsend         send its stdin's fd to $NOTIFY_SOCKET (SCM_RIGHTS) with
 *                  "STATUS=fd"
 *   syslog=TEXT    send "<13>svcd: TEXT" to /dev/log
 *   touch=PATH     create PATH; prints "touch PATH: ok" or the error
 *   serve          accept on every LISTEN_FDS socket (when LISTEN_PID is its
 *                  pid) and answer "svcd pid N fd F name NAME\n"
 *   listen=PORT    listen on 127.0.0.1:PORT itself, answering the same
 *   abstract=NAME  listen on the abstract unix socket @NAME, the same
 *   sleep=MS       sleep MS milliseconds
 *   exit=N         exit with N now
 *   ignore-term    ignore SIGTERM
 *   env            print LISTEN_PID LISTEN_FDS LISTEN_FDNAMES NOTIFY_SOCKET
 * On SIGTERM (unless ignored), SIGHUP, SIGUSR1 it prints "got SIGNAME" on
 * stdout; TERM then makes it exit 0, the others go on.  Output lines are
 * flushed at once (stdout is the journal, or a test's file). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sig(int sig)
{
	got = sig;
}

static int unix_dgram(const char *path, struct sockaddr_un *sa, socklen_t *len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path == NULL || strlen(path) >= sizeof(sa->sun_path))
		return -1;
	strcpy(sa->sun_path, path);
	if (sa->sun_path[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	return fd;
}

static void send_to(const char *path, const char *msg, int pass_fd)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd = unix_dgram(path, &sa, &len);
	char buf[4096];
	size_t n = 0;
	struct iovec iov;
	struct msghdr mh = {0};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;

	for (const char *p = msg; *p && n + 1 < sizeof(buf); p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			buf[n++] = '\n';
			p++;
		} else {
			buf[n++] = *p;
		}
	}
	if (fd < 0) {
		printf("send %s: no socket\n", path ? path : "(unset)");
		return;
	}
	iov.iov_base = buf;
	iov.iov_len = n;
	mh.msg_name = &sa;
	mh.msg_namelen = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(fd, &mh, 0) < 0)
		printf("send %s: %s\n", path, strerror(errno));
	close(fd);
}

static int listen_abstract(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (len + 1 >= sizeof(sa.sun_path)) {
		printf("abstract %s: name too long\n", name);
		exit(3);
	}
	memcpy(sa.sun_path + 1, name, len);
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0 ||
	    listen(fd, 16) < 0) {
		printf("abstract %s: %s\n", name, strerror(errno));
		exit(3);
	}
	return fd;
}

static int listen_port(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		printf("listen %d: %s\n", port, strerror(errno));
		exit(3);
	}
	return fd;
}

/* Answer connections on FDS until a signal says stop. */
static void serve(const int *fds, char names[][64], int n)
{
	while (got != SIGTERM) {
		struct pollfd p[16];

		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		if (poll(p, (nfds_t)n, 200) < 0 && errno != EINTR)
			return;
		if (got && got != SIGTERM) {
			printf("got %s\n", sigabbrev_np(got));
			got = 0;
		}
		for (int i = 0; i < n; i++) {
			char line[160];
			int c;

			if (!(p[i].revents & POLLIN) || (c = accept(fds[i], NULL, NULL)) < 0)
				continue;
			snprintf(line, sizeof(line), "svcd pid %ld fd %d name %s\n", (long)getpid(),
				 fds[i], names[i]);
			if (write(c, line, strlen(line)) < 0)
				printf("write: %s\n", strerror(errno));
			close(c);
		}
	}
}

int main(int argc, char **argv)
{
	int fds[16], n = 0;
	char names[16][64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_sig);
	signal(SIGHUP, on_sig);
	signal(SIGUSR1, on_sig);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "notify=", 7) == 0) {
			send_to(getenv("NOTIFY_SOCKET"), a + 7, -1);
		} else if (strcmp(a, "fdsend") == 0) {
			send_to(getenv("NOTIFY_SOCKET"), "STATUS=fd", 0);
		} else if (strncmp(a, "syslog=", 7) == 0) {
			char msg[1100];

			snprintf(msg, sizeof(msg), "<13>svcd: %s", a + 7);
			send_to("/dev/log", msg, -1);
		} else if (strncmp(a, "touch=", 6) == 0) {
			FILE *f = fopen(a + 6, "w");

			printf("touch %s: %s\n", a + 6, f ? "ok" : strerror(errno));
			if (f)
				fclose(f);
		} else if (strcmp(a, "serve") == 0) {
			const char *pid = getenv("LISTEN_PID"), *nfd = getenv("LISTEN_FDS");
			const char *nm = getenv("LISTEN_FDNAMES");
			int k = nfd ? atoi(nfd) : 0;

			if (pid == NULL || atol(pid) != (long)getpid()) {
				printf("LISTEN_PID %s is not my pid %ld\n", pid ? pid : "(unset)",
				       (long)getpid());
				k = 0;
			}
			for (int j = 0; j < k && n < 16; j++, n++) {
				const char *end = nm ? strchr(nm, ':') : NULL;
				size_t l = nm ? (end ? (size_t)(end - nm) : strlen(nm)) : 0;

				fds[n] = 3 + j;
				snprintf(names[n], sizeof(names[n]), "%.*s", (int)(l < 63 ? l : 63),
					 nm ? nm : "");
				nm = end ? end + 1 : NULL;
			}
		} else if (strncmp(a, "listen=", 7) == 0) {
			if (n < 16) {
				fds[n] = listen_port(atoi(a + 7));
				snprintf(names[n++], sizeof(names[0]), "own");
			}
		} else if (strncmp(a, "abstract=", 9) == 0) {
			if (n < 16) {
				fds[n] = listen_abstract(a + 9);
				snprintf(names[n++], sizeof(names[0]), "abstract");
			}
		} else if (strncmp(a, "sleep=", 6) == 0) {
			struct timespec ts = {atol(a + 6) / 1000, (atol(a + 6) % 1000) * 1000000};

			nanosleep(&ts, NULL);
		} else if (strncmp(a, "exit=", 5) == 0) {
			return atoi(a + 5);
		} else if (strcmp(a, "ignore-term") == 0) {
			signal(SIGTERM, SIG_IGN);
		} else if (strcmp(a, "env") == 0) {
			const char *keys[] = {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
					      "NOTIFY_SOCKET"};

			for (size_t k = 0; k < 4; k++)
				printf("%s=%s\n", keys[k], getenv(keys[k]) ? getenv(keys[k]) : "");
		} else {
			fprintf(stderr, "svcd: unknown action %s\n", a);
			return 2;
		}
	}
	printf("svcd running\n");
	serve(fds, names, n);
	printf("got TERM\n");
	return 0;
}
