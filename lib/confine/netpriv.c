/* net = private through pasta (see netpriv.h). */
#define _GNU_SOURCE
#include "confine/netpriv.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* In the child: the target namespace at fd 3 (the path pasta is given),
 * stdin and stdout /dev/null, stderr OUT_W, the exec report EXEC_W at fd 4
 * (close-on-exec: EOF means exec succeeded), nothing else open. */
static __attribute__((noreturn)) void pasta_child(const jail_ns_saved_t *host, int exec_w,
						  int out_w)
{
	static char *const argv[] = {
	    "pasta",
	    "--quiet",
	    "--stderr",
	    "--runas",
	    "0",
	    "--config-net",
	    "--tcp-ports",
	    "none",
	    "--udp-ports",
	    "none",
	    "--tcp-ns",
	    "none",
	    "--udp-ns",
	    "none",
	    "--no-map-gw",
	    "--netns",
	    "/proc/self/fd/3",
	    NULL,
	};
	static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	sigset_t none;
	int ns, devnull, e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	/* The sandbox's namespace, opened before leaving it. */
	ns = open("/proc/self/ns/net", O_RDONLY);
	if (ns < 0 || setns(host->fd[0], CLONE_NEWNS) < 0 || setns(host->fd[4], CLONE_NEWNET) < 0 ||
	    chdir("/") < 0)
		goto fail;
	devnull = open("/dev/null", O_RDWR);
	if (devnull < 0)
		goto fail;
	/* Above every target first, so no dup2 below overwrites a source. */
	ns = fcntl(ns, F_DUPFD, 10);
	exec_w = fcntl(exec_w, F_DUPFD, 10);
	out_w = fcntl(out_w, F_DUPFD, 10);
	devnull = fcntl(devnull, F_DUPFD, 10);
	if (ns < 0 || exec_w < 0 || out_w < 0 || devnull < 0 || dup2(devnull, 0) < 0 ||
	    dup2(devnull, 1) < 0 || dup2(out_w, 2) < 0 || dup2(ns, 3) < 0 ||
	    dup3(exec_w, 4, O_CLOEXEC) < 0)
		goto fail;
	exec_w = 4;
	close_range(5, ~0U, 0);
	/* Its bounding set: what pasta keeps (it drops the rest of its
	 * effective set itself) and what it needs to drop that. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_SYS_ADMIN && cap != CAP_NET_ADMIN && cap != CAP_NET_BIND_SERVICE &&
		    cap != CAP_SETUID && cap != CAP_SETGID && cap != CAP_SETPCAP &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			goto fail;
	execve(JAIL_PASTA_PATH, argv, envp);
fail:
	e = errno;
	if (write(exec_w, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* pasta's message, for the error: its last line that is not about syslog
 * (it has none in a jail's host namespace of tests), printable ASCII only. */
static void pasta_message(int out_r, char *msg, size_t len)
{
	char buf[2048];
	ssize_t n = read(out_r, buf, sizeof(buf) - 1);
	char *line, *save = NULL;

	msg[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "to syslog") || line[0] == '\0')
			continue;
		snprintf(msg, len, "%s", line);
	}
	for (char *c = msg; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
}

/* The namespace as pasta should have left it: an interface other than lo,
 * up, with an IPv4 or IPv6 address.  Read in the caller, which is in it. */
static bool configured(void)
{
	struct ifaddrs *ifa = NULL;
	bool ok = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (struct ifaddrs *i = ifa; i && !ok; i = i->ifa_next)
		ok = i->ifa_addr && (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK) &&
		     (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6);
	freeifaddrs(ifa);
	return ok;
}

int jail_netpriv_start(const jail_ns_saved_t *host, jail_error_t *err)
{
	cleanup_close int exec_r = -1, out_r = -1, pidfd = -1;
	cleanup_pid pid_t pid = 0;
	int exec_p[2], out_p[2];
	char msg[256];
	struct pollfd pfd;
	int e, status, r;
	ssize_t n;

	if (host->fd[0] < 0 || host->fd[4] < 0)
		return jail_error_fmt(err, EINVAL,
				      "net = private: the host's namespaces not saved");
	if (pipe2(exec_p, O_CLOEXEC) < 0)
		return jail_error_set(err, errno, "pipe for pasta");
	if (pipe2(out_p, O_CLOEXEC) < 0) {
		e = errno;
		close(exec_p[0]);
		close(exec_p[1]);
		return jail_error_set(err, e, "pipe for pasta");
	}
	exec_r = exec_p[0];
	out_r = out_p[0];
	pid = fork();
	if (pid < 0) {
		e = errno;
		pid = 0;
		close(exec_p[1]);
		close(out_p[1]);
		return jail_error_set(err, e, "fork for pasta");
	}
	if (pid == 0)
		pasta_child(host, exec_p[1], out_p[1]);
	close(exec_p[1]);
	close(out_p[1]);
	do
		n = read(exec_r, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(e))
		return jail_error_fmt(
		    err, e, "net = private needs pasta (package passt): cannot run %s: %s",
		    JAIL_PASTA_PATH, strerror(e));
	/* pasta daemonizes once the namespace is configured: its first process
	 * exits 0 then (its daemon is reparented to the sandbox's init). */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return jail_error_set(err, errno, "pidfd_open of pasta");
	pfd = (struct pollfd){.fd = pidfd, .events = POLLIN};
	do
		r = poll(&pfd, 1, JAIL_NETPRIV_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return jail_error_fmt(err, ETIMEDOUT,
				      "%s did not configure the network within %d ms",
				      JAIL_PASTA_PATH, JAIL_NETPRIV_TIMEOUT_MS);
	if (r < 0)
		return jail_error_set(err, errno, "wait for pasta");
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return jail_error_set(err, errno, "wait for pasta");
	pid = 0;
	if (fcntl(out_r, F_SETFL, O_NONBLOCK) < 0)
		return jail_error_set(err, errno, "pasta's output");
	pasta_message(out_r, msg, sizeof(msg));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return jail_error_fmt(err, EIO, "%s failed (%s %d)%s%s", JAIL_PASTA_PATH,
				      WIFEXITED(status) ? "exit status" : "signal",
				      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				      msg[0] ? ": " : "", msg);
	if (!configured())
		return jail_error_fmt(err, ENETDOWN,
				      "%s left the session's network without an interface "
				      "with an address%s%s",
				      JAIL_PASTA_PATH, msg[0] ? ": " : "", msg);
	return 0;
}
