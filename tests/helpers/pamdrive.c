/* pamdrive: drive a PAM session through the real libpam, the way sshd does.
 *
 *   pamdrive [-c CONFDIR] [-s SERVICE] [-r RHOST] [-t] [-T] [-L] USER [COMMAND]
 *
 * pam_start_confdir(SERVICE (default "jail-test"), USER, conv, CONFDIR),
 * pam_open_session(); then, like sshd's post-auth child, a fork that drops
 * to the user (setgroups, setgid, setuid, with the groups and the login shell
 * looked up in the HOST databases before the session was opened) and execs
 * the login shell with "-c COMMAND" in the user's home; wait for it;
 * pam_close_session(); pam_end().  SIGTERM, SIGINT and SIGHUP are forwarded
 * to the child.  Without COMMAND the session is opened and closed only.
 *
 * -t starts a second thread (it sleeps) before the session is opened, as a
 * multi-threaded PAM application would have.  -T prints, after
 * open_session and again after close_session, one line per thread of this
 * process, "pamdrive: thread N after open|close: LINE" for the memory and
 * pids lines of its /proc/.../cgroup (read through the host /proc, opened
 * before the session).  -L prints, after open_session, one line
 * "pamdrive: loaded: PATH" per shared object mapped in this process (what
 * the PAM modules brought in: the dynamic linker's own list).
 *
 * Prints "pamdrive: open_session: <result> (<code>)", "pamdrive: status N"
 * and "pamdrive: close_session: <result> (<code>)" on stderr.  Exit: the
 * command's status (128+signal when killed); 70 when open_session failed
 * (the command never ran), 71 when close_session failed, 64 on usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>

/* make sanitize: when a sanitizer ends this process (a bug in pam_jail.so,
 * say in close_session), SIGKILL our children first.  The session init is
 * one of them: left alive it would keep the test's output pipe open and the
 * test would hang instead of failing.  Their pids are read from our own
 * /proc/PID/task/PID/children in the HOST /proc, opened before the session
 * (afterwards /proc is the session's).  Nothing of this in normal builds. */
static int children_fd = -1;

static void kill_children(void)
{
	char buf[4096];
	ssize_t n;

	if (children_fd < 0)
		return;
	n = pread(children_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 1)
			kill((pid_t)pid, SIGKILL);
	}
}

static void on_sanitizer_death(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	children_fd = open(path, O_RDONLY | O_CLOEXEC);
	__sanitizer_set_death_callback(kill_children);
}
#else
static void on_sanitizer_death(void)
{
}
#endif

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	*resp = NULL;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			fprintf(stderr, "pamdrive: conv: %s\n", msg[i]->msg);
			break;
		default:
			fprintf(stderr, "pamdrive: conv: unexpected prompt: %s\n", msg[i]->msg);
			return PAM_CONV_ERR;
		}
	}
	return PAM_SUCCESS;
}

/* Back to the mount and pid namespaces we started in (fds opened before the
 * session), once the session is over.  A jailed session leaves this process
 * in the jail's mount namespace, with /proc the session's and new children
 * bound for the session's pid namespace, whose init is dead by now.  Nothing
 * of the test depends on this; it lets LeakSanitizer's check at exit (make
 * sanitize) run: it clones a helper that reads /proc/PID/task, and would
 * otherwise fail ("LeakSanitizer has encountered a fatal error").  Errors are
 * ignored: the exit status tells the session's story, not this. */
static void restore_namespaces(int mntfd, int pidfd)
{
	if (mntfd >= 0) /* also sets root and cwd to the namespace's root */
		(void)setns(mntfd, CLONE_NEWNS);
	if (pidfd >= 0)
		(void)setns(pidfd, CLONE_NEWPID);
	if (mntfd >= 0)
		close(mntfd);
	if (pidfd >= 0)
		close(pidfd);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* -T: the memory and pids cgroup (and the v2 one) of each thread, through
 * TASKFD (the host's /proc/self/task). */
static void report_threads(int taskfd, const char *when)
{
	int dfd = taskfd < 0 ? -1 : openat(taskfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	int n = 0;

	if (d == NULL) {
		fprintf(stderr, "pamdrive: cannot list the threads\n");
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char path[300], line[512];
		FILE *f;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/cgroup", de->d_name);
		fd = openat(taskfd, path, O_RDONLY | O_CLOEXEC);
		f = fd < 0 ? NULL : fdopen(fd, "r");
		while (f && fgets(line, sizeof(line), f)) {
			/* v1: the memory and pids hierarchies; v2: the one line. */
			if (strstr(line, ":memory:") || strstr(line, ":pids:") ||
			    strncmp(line, "0::", 3) == 0)
				fprintf(stderr, "pamdrive: thread %d after %s: %s", n, when, line);
		}
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
	}
	closedir(d);
	fprintf(stderr, "pamdrive: threads after %s: %d\n", when, n);
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: pamdrive [-c CONFDIR] [-s SERVICE] [-r RHOST] [-t] [-T] [-L] USER [COMMAND]\n");
	exit(64);
}

static __attribute__((noreturn)) void child(const struct passwd *pw, gid_t *groups, int ngroups,
					    pam_handle_t *pamh, const char *cmd)
{
	const char *base = strrchr(pw->pw_shell, '/');
	char **penv = pam_getenvlist(pamh);
	char *envp[64];
	size_t ne = 0;
	char buf[5][512];
	const char *term = getenv("TERM");

	base = base ? base + 1 : pw->pw_shell;
	if (setgroups((size_t)ngroups, groups) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		perror("pamdrive: drop to the user");
		_exit(126);
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		fprintf(stderr, "pamdrive: could regain root\n");
		_exit(126);
	}
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		_exit(126);
	snprintf(buf[0], sizeof(buf[0]), "HOME=%s", pw->pw_dir);
	snprintf(buf[1], sizeof(buf[1]), "USER=%s", pw->pw_name);
	snprintf(buf[2], sizeof(buf[2]), "LOGNAME=%s", pw->pw_name);
	snprintf(buf[3], sizeof(buf[3]), "SHELL=%s", pw->pw_shell);
	snprintf(buf[4], sizeof(buf[4]), "TERM=%s", term ? term : "dumb");
	for (int i = 0; i < 5; i++)
		envp[ne++] = buf[i];
	envp[ne++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	for (size_t i = 0; penv && penv[i] && ne < 63; i++)
		envp[ne++] = penv[i];
	envp[ne] = NULL;
	execve(pw->pw_shell, (char *[]){(char *)base, "-c", (char *)cmd, NULL}, envp);
	fprintf(stderr, "pamdrive: exec %s: %s\n", pw->pw_shell, strerror(errno));
	_exit(127);
}

static int print_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (info->dlpi_name && info->dlpi_name[0])
		fprintf(stderr, "pamdrive: loaded: %s\n", info->dlpi_name);
	return 0;
}

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = "jail-test", *rhost = NULL;
	struct pam_conv pc = {conv, NULL};
	pam_handle_t *pamh = NULL;
	struct passwd *pwp, pw;
	gid_t groups[256];
	int ngroups = 256;
	int opt, r, status = 0, ret;
	int mntfd, pidfd, taskfd = -1;
	int threads = 0, report = 0, objects = 0;

	while ((opt = getopt(argc, argv, "+c:s:r:tTL")) != -1) {
		switch (opt) {
		case 'c':
			confdir = optarg;
			break;
		case 's':
			service = optarg;
			break;
		case 'r':
			rhost = optarg;
			break;
		case 't':
			threads = 1;
			break;
		case 'T':
			report = 1;
			break;
		case 'L':
			objects = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Like sshd: the syslog connection is made before the session moves us
	 * into the jail, so later lines still reach the host's /dev/log. */
	openlog("pamdrive", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);

	/* Host databases, before the session (sshd looks these up at login). */
	pwp = getpwnam(argv[optind]);
	if (pwp == NULL) {
		fprintf(stderr, "pamdrive: unknown user %s\n", argv[optind]);
		return 64;
	}
	pw = *pwp;
	pw.pw_name = strdup(pw.pw_name);
	pw.pw_dir = strdup(pw.pw_dir);
	pw.pw_shell = strdup(pw.pw_shell);
	/* The groups only serve the child that runs a command (a session
	 * without one needs none), and looking them up loads the NSS modules
	 * of the group database, which would weigh on bench/session.sh's
	 * libpam rows without being any part of the session. */
	if (optind + 1 < argc && getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0) {
		fprintf(stderr, "pamdrive: too many groups\n");
		return 64;
	}

	on_sanitizer_death();
	mntfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	pidfd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (report)
		taskfd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (threads) {
		pthread_t th;
		if (pthread_create(&th, NULL, sleeper, NULL) != 0) {
			fprintf(stderr, "pamdrive: cannot start a thread\n");
			return 64;
		}
	}
	r = pam_start_confdir(service, pw.pw_name, &pc, confdir, &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start: %s (%d)\n", pam_strerror(pamh, r), r);
		ret = 70;
		goto out;
	}
	if (rhost)
		pam_set_item(pamh, PAM_RHOST, rhost);
	r = pam_open_session(pamh, 0);
	fprintf(stderr, "pamdrive: open_session: %s (%d)\n", pam_strerror(pamh, r), r);
	if (r != PAM_SUCCESS) {
		pam_end(pamh, r);
		ret = 70;
		goto out;
	}
	if (report)
		report_threads(taskfd, "open");
	if (objects)
		dl_iterate_phdr(print_object, NULL);
	if (optind + 1 < argc) {
		struct sigaction sa;
		pid_t pid;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = forward;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		pid = fork();
		if (pid < 0) {
			perror("pamdrive: fork");
			status = 126 << 8;
		} else if (pid == 0) {
			child(&pw, groups, ngroups, pamh, argv[optind + 1]);
		} else {
			child_pid = pid;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			child_pid = 0;
		}
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(stderr, "pamdrive: status %d\n", ret);
	r = pam_close_session(pamh, 0);
	fprintf(stderr, "pamdrive: close_session: %s (%d)\n", pam_strerror(pamh, r), r);
	if (r != PAM_SUCCESS && r != PAM_IGNORE)
		ret = 71;
	if (report)
		report_threads(taskfd, "close");
	pam_end(pamh, r);
out:
	if (taskfd >= 0)
		close(taskfd);
	restore_namespaces(mntfd, pidfd);
	free(pw.pw_name);
	free(pw.pw_dir);
	free(pw.pw_shell);
	return ret;
}
