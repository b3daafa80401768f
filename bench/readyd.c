/* bench/readyd.c: the daemon and the stopwatch of bench/service.sh.
 *
 *   readyd PORT
 *	The daemon: binds TCP 127.0.0.1:PORT, listens, sends READY=1 to
 *	$NOTIFY_SOCKET when it is set (sd_notify by hand: an AF_UNIX datagram;
 *	a leading '@' is the abstract namespace), then accepts and closes
 *	connections until SIGTERM, on which it says so on stderr and exits 0.
 *	Built static (cc -static -O2) so that it runs in any jail as one file.
 *
 *   readyd --wait PORT [TIMEOUT_MS]
 *	Tries to connect to 127.0.0.1:PORT every millisecond; exits 0 at the
 *	first success, 1 after TIMEOUT_MS (default 10000).
 *
 *   readyd --bench PORT main|group -- LAUNCHER [ARG...]
 *	One start/stop/restart cycle of LAUNCHER (which runs `readyd PORT`
 *	somehow), in microseconds on CLOCK_MONOTONIC, printed as one line:
 *	  start stop gone restart status
 *	start:   fork+exec of LAUNCHER to the first successful connect;
 *	stop:    SIGTERM (to LAUNCHER's pid with "main", to its process group
 *		 with "group") to LAUNCHER's exit (waitpid);
 *	gone:    the same SIGTERM to the first refused connect (the daemon
 *		 no longer listens), at least stop;
 *	restart: the same SIGTERM to the first successful connect of a second
 *		 LAUNCHER started as soon as the first exited and the port
 *		 was free (stop then start, as `systemctl restart`);
 *	status:  how the first LAUNCHER ended: "exit:N" or "signal:N".
 *	LAUNCHER runs in a process group of its own, its stdout on stderr; anything left of it after
 *	a timeout (10 s) is killed with SIGKILL, and the cycle fails (exit 1). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_US 10000000LL

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1 || v > 65535) {
		fprintf(stderr, "readyd: %s: not a port\n", s);
		exit(2);
	}
	return (int)v;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	size_t n;
	int fd;

	if (path == NULL || path[0] == '\0')
		return;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "readyd: NOTIFY_SOCKET=%s: not a socket address\n", path);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	/* abstract: exactly the name's bytes; a path: with its NUL */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		fprintf(stderr, "readyd: notify %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int daemon_main(int port)
{
	struct sockaddr_in a = loopback(port);
	struct sigaction sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: accept() returns EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return 1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "readyd: 127.0.0.1:%d: %s\n", port, strerror(errno));
		return 1;
	}
	notify_ready();
	while (!stop) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED) {
			fprintf(stderr, "readyd: accept: %s\n", strerror(errno));
			return 1;
		}
	}
	close(fd);
	fprintf(stderr, "readyd: stopped by TERM\n");
	return 0;
}

/* 1: connected, 0: refused (nothing listens), -1: another error. */
static int try_connect(int port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -1;
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (r < 0)
		r = errno == ECONNREFUSED ? 0 : -1;
	else
		r = 1;
	close(fd);
	return r;
}

static void sleep_1ms(void)
{
	struct timespec ts = {0, 1000000};

	nanosleep(&ts, NULL);
}

/* Poll until a connect gives WANT (1: accepted, 0: refused); the time it
 * happened, or -1 after the deadline. */
static long long poll_port(int port, int want, long long deadline)
{
	for (;;) {
		int r = try_connect(port);

		if (r == want)
			return now_us();
		if (now_us() > deadline)
			return -1;
		sleep_1ms();
	}
}

static pid_t launch(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		dup2(2, 1); /* stdout is the figures' */
		execvp(argv[0], argv);
		fprintf(stderr, "readyd: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid); /* both sides: no race with the kill below */
	return pid;
}

/* Wait for PID until DEADLINE (polling each 0.1 ms: a blocking waitpid
 * cannot time out); the time it exited, or -1. */
static long long reap(pid_t pid, int *status, long long deadline)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return now_us();
		if (r < 0 || now_us() > deadline)
			return -1;
		struct timespec ts = {0, 100000};

		nanosleep(&ts, NULL);
	}
}

static void kill_all(pid_t pid)
{
	int status;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static int bench_main(int port, int group, char **argv)
{
	long long t0, t_ready, t_term, t_exit, t_gone, t_ready2;
	int status, status2;
	pid_t pid, pid2;

	if (try_connect(port) != 0) {
		fprintf(stderr, "readyd: 127.0.0.1:%d is in use before the start\n", port);
		return 1;
	}
	t0 = now_us();
	pid = launch(argv);
	if (pid < 0)
		return 1;
	t_ready = poll_port(port, 1, t0 + TIMEOUT_US);
	if (t_ready < 0) {
		fprintf(stderr, "readyd: %s: not ready after 10 s\n", argv[0]);
		kill_all(pid);
		return 1;
	}
	t_term = now_us();
	kill(group ? -pid : pid, SIGTERM);
	t_exit = reap(pid, &status, t_term + TIMEOUT_US);
	if (t_exit < 0) {
		fprintf(stderr, "readyd: %s: still running 10 s after SIGTERM\n", argv[0]);
		kill_all(pid);
		return 1;
	}
	t_gone = poll_port(port, 0, t_term + TIMEOUT_US);
	if (t_gone < 0) {
		fprintf(stderr, "readyd: %s exited, but the port still accepts after 10 s\n",
			argv[0]);
		kill(-pid, SIGKILL);
		return 1;
	}
	pid2 = launch(argv);
	if (pid2 < 0)
		return 1;
	t_ready2 = poll_port(port, 1, now_us() + TIMEOUT_US);
	if (t_ready2 < 0) {
		fprintf(stderr, "readyd: %s: restart not ready after 10 s\n", argv[0]);
		kill_all(pid2);
		return 1;
	}
	kill(group ? -pid2 : pid2, SIGTERM);
	if (reap(pid2, &status2, now_us() + TIMEOUT_US) < 0 ||
	    poll_port(port, 0, now_us() + TIMEOUT_US) < 0) {
		fprintf(stderr, "readyd: %s: restarted one did not stop\n", argv[0]);
		kill_all(pid2);
		return 1;
	}
	printf("%lld %lld %lld %lld %s:%d\n", t_ready - t0, t_exit - t_term,
	       (t_gone > t_exit ? t_gone : t_exit) - t_term, t_ready2 - t_term,
	       WIFEXITED(status) ? "exit" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && argv[1][0] != '-')
		return daemon_main(parse_port(argv[1]));
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "--wait") == 0) {
		int port = parse_port(argv[2]);
		long long ms = argc == 4 ? atoll(argv[3]) : 10000;

		return poll_port(port, 1, now_us() + ms * 1000) < 0;
	}
	if (argc >= 6 && strcmp(argv[1], "--bench") == 0 && strcmp(argv[4], "--") == 0 &&
	    (strcmp(argv[3], "main") == 0 || strcmp(argv[3], "group") == 0))
		return bench_main(parse_port(argv[2]), strcmp(argv[3], "group") == 0, argv + 5);
	fprintf(stderr, "usage: readyd PORT | readyd --wait PORT [TIMEOUT_MS] |\n"
			"       readyd --bench PORT main|group -- LAUNCHER [ARG...]\n");
	return 2;
}
