/* pamdrive: drive a PAM session through the real libpam, the way sshd does.
 *
 *   pamdrive [-c CONFDIR] [-s SERVICE] [-r RHOST] USER [COMMAND]
 *
 * pam_start_confdir(SERVICE (default "jail-test"), USER, conv, CONFDIR),
 * pam_open_session(); then, like sshd's post-auth child, a fork that drops
 * to the user (setgroups, setgid, setuid, with the groups and the login shell
 * looked up in the HOST databases before the session was opened) and execs
 * the login shell with "-c COMMAND" in the user's home; wait for it;
 * pam_close_session(); pam_end().  SIGTERM, SIGINT and SIGHUP are forwarded
 * to the child.  Without COMMAND the session is opened and closed only.
 *
 * Prints "pamdrive: open_session: <result> (<code>)", "pamdrive: status N"
 * and "pamdrive: close_session: <result> (<code>)" on stderr.  Exit: the
 * command's status (128+signal when killed); 70 when open_session failed
 * (the command never ran), 71 when close_session failed, 64 on usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

static void usage(void)
{
	fprintf(stderr, "usage: pamdrive [-c CONFDIR] [-s SERVICE] [-r RHOST] USER [COMMAND]\n");
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

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = "jail-test", *rhost = NULL;
	struct pam_conv pc = {conv, NULL};
	pam_handle_t *pamh = NULL;
	struct passwd *pwp, pw;
	gid_t groups[256];
	int ngroups = 256;
	int opt, r, status = 0, ret;
	int mntfd, pidfd;

	while ((opt = getopt(argc, argv, "+c:s:r:")) != -1) {
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
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0) {
		fprintf(stderr, "pamdrive: too many groups\n");
		return 64;
	}

	mntfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	pidfd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
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
	pam_end(pamh, r);
out:
	restore_namespaces(mntfd, pidfd);
	free(pw.pw_name);
	free(pw.pw_dir);
	free(pw.pw_shell);
	return ret;
}
