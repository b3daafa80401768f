/* jailsh: the login shell of jailed users, installed inside every jail.
 *
 * sshd (or login/su) runs it as the user, inside the session pam_jail built:
 *   -bash style login      argv[0] starts with '-'  -> the real shell, login
 *   jailsh -c CMD          commands, scp, rsync, git, sftp subsystem
 *   jailsh                 interactive, not login
 * It is not setuid and gains nothing: it only takes away, in this order,
 * then execs the user's real shell, named by the session file's `shell`
 * (the jail's passwd names jailsh itself), or, in restricted mode, the
 * validated program:
 *   1. refuse unless inside a pam_jail session (see in_session());
 *   2. close inherited fds above 2; build a clean environment;
 *   3. no_new_privs;
 *   4. AppArmor: change profile on exec   (apparmor = required|optional|off)
 *   5. Landlock ruleset                   (landlock = required|optional|off;
 *      writable: home, /tmp, /dev/pts, /dev/shm, the bind_rw targets)
 *   6. restricted mode: validate the command without a shell;
 *   7. seccomp filter, last (it denies the calls the steps above need): the
 *      compiled one pam_jail wrote at /run/jail/seccomp, else compiled here;
 *   8. execve.
 * Any failure of a required step refuses (exit 1) before user code runs.
 * Messages go to stderr (the user sees them); refusals and skipped
 * optional steps are also logged (authpriv) to the host's syslog through
 * the session's log relay, /run/jail/log (lib/confine/logrelay.h), or with
 * syslog(3) where there is none. */
#define _GNU_SOURCE
#include "confine/logrelay.h"
#include "confine/nsinit.h"
#include "confine/apparmor.h"
#include "confine/landlock.h"
#include "confine/restrict.h"
#include "confine/self.h"
#include "base/safefs.h"
#include "session/sessionfile.h"
#include "confine/seccomp.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SANE_PATH "/usr/local/bin:/usr/bin:/bin"
#define ENV_MAX	  32

static const char *session_id = "-";

/* Send MSG to the session's log relay (lib/confine/logrelay.h), which forwards it
 * to the host's syslog with the session id, the user and our pid and uid
 * as the kernel reports them; true when sent.  The relay is there in every
 * session pam_jail opens, whether or not the jail has a /dev/log. */
static bool relay_send(int prio, const char *msg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 500000};
	char line[1400];
	int fd, n;
	bool sent;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	/* A full queue (a flood from the session) costs at most this. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", JAIL_LOGRELAY_PATH);
	n = snprintf(line, sizeof(line), "<%d>jailsh[%d]: %s", LOG_AUTHPRIV | prio, (int)getpid(),
		     msg);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	sent = sendto(fd, line, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) == n;
	/* A refusal (LOG_ERR and worse) is the session's last act: the session
	 * is closed, and its init (the relay) killed, as soon as we exit.  So
	 * wait (at most 0.2 s) until the relay has taken the datagram: the
	 * bytes stay charged to our socket (SIOCOUTQ) until the receiver
	 * consumes them.  A warning is followed by the user's program, which
	 * keeps the session (and the relay) alive: no wait there, which every
	 * login with an optional LSM missing would otherwise pay (2 ms and
	 * more, bench/README.md). */
	for (int i = 0; sent && prio <= LOG_ERR && i < 100; i++) {
		int queued = 0;

		if (ioctl(fd, SIOCOUTQ, &queued) < 0 || queued == 0)
			break;
		nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 2000000}, NULL);
	}
	close(fd);
	return sent;
}

/* Log to the host: through the session's relay, else (a session file
 * written by hand, no relay) with syslog(3) to the jail's /dev/log, if it
 * has one. */
JAIL_PRINTF(2, 3) static void logmsg(int prio, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (relay_send(prio, buf))
		return;
	syslog(prio, "session %s uid %u: %s", session_id, (unsigned)getuid(), buf);
}

/* Print "jailsh: MSG" on stderr, log it, exit 1. */
JAIL_PRINTF(1, 2) __attribute__((noreturn)) static void refuse(const char *fmt, ...)
{
	char buf[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "jailsh: %s\n", buf);
	logmsg(LOG_ERR, "refused: %s", buf);
	exit(1);
}

/* Are we inside a pam_jail session?  Two facts, both required:
 *  - pid 1 of our pid namespace is the session init: pam_jail's init names
 *    itself "jail-init" (PR_SET_NAME) and mounts the session's /proc, so
 *    /proc/1/comm reads "jail-init".  Outside a session pid 1 is the host's
 *    init.  /proc must really be procfs (checked with fstatfs), so a
 *    directory planted at /proc cannot fake it.
 *  - the session file exists and is trusted: a regular root-owned file not
 *    writable by group or others, opened with O_NOFOLLOW, in a directory
 *    chain that is root's alone (jail_sessionfile_read()).
 * Faking both needs root in the jail or a pid + user namespace of one's
 * own; the latter only lets a user restrict himself.  The check exists so
 * that a jailed account whose PAM stack lost pam_jail never gets a shell:
 * jailsh is its login shell on the host too. */
static int in_session(jail_session_info_t **info, jail_error_t *err)
{
	if (jail_pid1_is_session_init(err) != 1)
		return -1;
	return jail_sessionfile_read(JAIL_SESSIONFILE_PATH, info, err);
}

/* Make sure 0, 1 and 2 are open (a closed stdio fd would be reused by the
 * first open()), then close everything above. */
static void fix_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);
			if (n < 0)
				exit(1);
			if (n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
		/* Kernel < 5.9: walk the table. */
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 3; fd < (max > 0 ? max : 65536); fd++)
			close((int)fd);
	}
}

static bool sane_value(const char *v, size_t max)
{
	size_t n = strlen(v);
	if (n == 0 || n > max)
		return false;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || strchr("._-@+=:, /", *v)))
			return false;
	return true;
}

/* Variables passed through from the caller when their value is sane.
 * Everything else (LD_*, BASH_ENV, ENV, IFS, PATH, ...) is dropped. */
static const char *const keep_env[] = {
    "TERM",	   "LANG",	     "LANGUAGE",   "LC_ALL",	  "LC_CTYPE",	  "LC_COLLATE",
    "LC_MESSAGES", "LC_NUMERIC",     "LC_TIME",	   "LC_MONETARY", "LC_PAPER",	  "LC_MEASUREMENT",
    "TZ",	   "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY",	  "GIT_PROTOCOL", NULL};

static char *env_pair(const char *k, const char *v)
{
	char *s = jail_strdup_printf("%s=%s", k, v);
	if (s == NULL)
		refuse("out of memory");
	return s;
}

/* Forwarding variables that sshd sets when the admin allows agent or X11
 * forwarding for the user (the shipped sshd_config block disables both).
 * Each is kept when it has exactly the form sshd gives it inside a
 * session, and dropped with a line on stderr saying why otherwise: a
 * silent drop made forwarding fail with no clue.
 *
 *   SSH_AUTH_SOCK  sshd's agent socket, /tmp/ssh-XXXXXXXXXX/agent.PID on
 *                  the session's /tmp: an absolute path under /tmp/, no
 *                  "..", a socket (lstat: not a symlink) owned by us in a
 *                  directory owned by us and not group/world-writable.
 *   DISPLAY        sshd's X11 forms: localhost:N[.S] (X11UseLocalhost yes,
 *                  the default) or unix:N[.S]; N at most 4 digits, S 3.
 *   XAUTHORITY     a regular file (lstat) owned by us under the home or
 *                  /tmp, no "..".
 * Returns NULL when VALUE is acceptable, else the reason. */
static const char *forwarding_refusal(const char *name, const char *v, const struct passwd *pw)
{
	struct stat st;

	if (!sane_value(v, 107))
		return "unexpected characters or length";
	if (strstr(v, "..") != NULL)
		return "a path with \"..\"";
	if (strcmp(name, "DISPLAY") == 0) {
		const char *p = strncmp(v, "localhost:", 10) == 0 ? v + 10
				: strncmp(v, "unix:", 5) == 0	  ? v + 5
								  : NULL;
		size_t d;

		if (p == NULL)
			return "not sshd's X11 form localhost:N[.S] or unix:N[.S]";
		d = strspn(p, "0123456789");
		if (d == 0 || d > 4)
			return "not sshd's X11 form localhost:N[.S] or unix:N[.S]";
		p += d;
		if (*p == '.') {
			d = strspn(p + 1, "0123456789");
			if (d == 0 || d > 3)
				return "not sshd's X11 form localhost:N[.S] or unix:N[.S]";
			p += 1 + d;
		}
		return *p == '\0' ? NULL : "not sshd's X11 form localhost:N[.S] or unix:N[.S]";
	}
	if (strcmp(name, "SSH_AUTH_SOCK") == 0) {
		char dir[128];
		char *slash;

		if (strncmp(v, "/tmp/", 5) != 0)
			return "not a socket of this session's /tmp";
		if (lstat(v, &st) < 0 || !S_ISSOCK(st.st_mode))
			return "not a socket (lstat)";
		if (st.st_uid != getuid())
			return "a socket not owned by this user";
		snprintf(dir, sizeof(dir), "%s", v);
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (strcmp(dir, "/tmp") != 0 &&
		    (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
		     (st.st_mode & (S_IWGRP | S_IWOTH))))
			return "its directory is not this user's alone";
		return NULL;
	}
	/* XAUTHORITY */
	{
		size_t hl = strlen(pw->pw_dir);
		bool in_home = hl > 1 && strncmp(v, pw->pw_dir, hl) == 0 && v[hl] == '/';

		if (!in_home && strncmp(v, "/tmp/", 5) != 0)
			return "not a file under the home or /tmp";
		if (lstat(v, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid())
			return "not a regular file owned by this user (lstat)";
		return NULL;
	}
}

static char **clean_env(const struct passwd *pw, const char *shell)
{
	static const char *const forwarding[] = {"SSH_AUTH_SOCK", "DISPLAY", "XAUTHORITY", NULL};
	static char *env[ENV_MAX];
	size_t n = 0;

	env[n++] = env_pair("PATH", SANE_PATH);
	env[n++] = env_pair("HOME", pw->pw_dir);
	env[n++] = env_pair("USER", pw->pw_name);
	env[n++] = env_pair("LOGNAME", pw->pw_name);
	env[n++] = env_pair("SHELL", shell);
	for (size_t i = 0; keep_env[i] && n + 1 < ENV_MAX; i++) {
		const char *v = getenv(keep_env[i]);
		/* TZ may name a file: only plain zone names. */
		if (v && sane_value(v, 256) && !(strcmp(keep_env[i], "TZ") == 0 && v[0] == '/'))
			env[n++] = env_pair(keep_env[i], v);
	}
	for (size_t i = 0; forwarding[i] && n + 1 < ENV_MAX; i++) {
		const char *v = getenv(forwarding[i]);
		const char *why;

		if (v == NULL)
			continue;
		why = forwarding_refusal(forwarding[i], v, pw);
		if (why == NULL)
			env[n++] = env_pair(forwarding[i], v);
		else
			fprintf(stderr, "jailsh: %s dropped: %s\n", forwarding[i], why);
	}
	env[n] = NULL;
	return env;
}

/* Is PATH this very program (by inode)? */
static bool is_self(const char *path)
{
	struct stat a, b;
	if (stat(path, &a) < 0 || stat("/proc/self/exe", &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void warn_log(void *arg, const char *msg)
{
	(void)arg;
	logmsg(LOG_WARNING, "%s", msg);
}

/* The user side of the session (confine/self.h), from the session file;
 * refuses, naming the step, unless every required step was applied.
 * Restricted mode: *PROGRAM and *ARGV receive the checked program and its
 * words; otherwise they are left as the caller set them (the shell). */
static void confine_self(const jail_session_info_t *info, const char *home, const char *cmd,
			 char **program, char ***argv)
{
	jail_self_t in = {
	    .apparmor = info->apparmor,
	    .apparmor_profile = info->apparmor_profile,
	    .landlock = info->landlock,
	    .home = home,
	    .bind_rw = &info->bind_rw,
	    .commands = &info->commands,
	    .command = cmd,
	    .seccomp = info->seccomp,
	    .seccomp_allow = &info->seccomp_allow,
	    .seccomp_deny = &info->seccomp_deny,
	    .seccomp_blob = JAIL_SECCOMP_BLOB_PATH,
	    .warn = warn_log,
	};
	static jail_self_result_t res;
	jail_error_t err = {0};
	cleanup_free char *list = NULL;

	if (jail_self_confine(&in, &res, &err) == 0) {
		if (res.program) {
			*program = res.program;
			*argv = res.words.v;
		}
		return;
	}
	if (info->commands.n > 0)
		list = jail_restrict_describe(&info->commands);
	switch (res.failed) {
	case JAIL_SELF_APPARMOR:
		refuse("apparmor = required by profile '%s': %s; refusing", info->profile, err.msg);
	case JAIL_SELF_LANDLOCK:
		refuse("landlock = %s by profile '%s': %s; refusing",
		       jail_sessionfile_mode_str(info->landlock), info->profile, err.msg);
	case JAIL_SELF_INTERACTIVE:
		refuse("this account is restricted to: %s; interactive login refused",
		       list ? list : "?");
	case JAIL_SELF_COMMAND:
		refuse("%s; refusing (this account is restricted to: %s)", err.msg,
		       list ? list : "?");
	case JAIL_SELF_OK:
	case JAIL_SELF_NO_NEW_PRIVS:
	case JAIL_SELF_PROGRAM:
	case JAIL_SELF_SECCOMP:
		break;
	}
	refuse("%s; refusing", err.msg);
}

static void usage_refuse(void)
{
	refuse("usage: jailsh [-c COMMAND]; refusing");
}

int main(int argc, char **argv)
{
	jail_session_info_t *info = NULL;
	jail_error_t err = {0};
	const char *argv0 = argc > 0 && argv[0] ? argv[0] : "jailsh";
	const char *cmd = NULL;
	bool login = argv0[0] == '-';
	struct passwd *pw;
	char *shell, *shell_base, *exec_path = NULL;
	char **envp;
	char **exec_argv = NULL;

	fix_fds();
	openlog("jailsh", LOG_PID, LOG_AUTHPRIV);
	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		cmd = argv[2];
	else if (argc != 1)
		usage_refuse();
	if (getuid() != geteuid() || getgid() != getegid())
		refuse("jailsh must not be setuid or setgid; refusing");

	if (in_session(&info, &err) < 0) {
		fprintf(stderr, "jailsh: not inside a jail session; refusing\n");
		logmsg(LOG_ERR, "refused: not inside a jail session: %s", err.msg);
		fprintf(stderr, "jailsh: %s\n", err.msg);
		return 1;
	}
	session_id = info->id;

	/* The user from the jail's own passwd, checked against the session. */
	errno = 0;
	pw = getpwuid(getuid());
	if (pw == NULL)
		refuse("uid %u has no entry in the jail's /etc/passwd; refusing",
		       (unsigned)getuid());
	if (strcmp(pw->pw_name, info->user) != 0)
		refuse("user '%s' does not match the session's user '%s'; refusing", pw->pw_name,
		       info->user);
	/* The real shell from the session file (the assignment's or profile's
	 * `shell`, written by pam_jail): the jail's passwd names jailsh itself,
	 * so that login(1), which looks the user up there after the session
	 * opened, runs jailsh too. */
	shell = strdup(info->shell);
	if (shell == NULL)
		refuse("out of memory");
	shell_base = strrchr(shell, '/') ? strrchr(shell, '/') + 1 : shell;
	if (info->commands.n == 0) {
		if (shell[0] != '/')
			refuse("shell '%s' of user '%s' is not an absolute path; refusing", shell,
			       pw->pw_name);
		if (strcmp(shell_base, "jailsh") == 0 || is_self(shell))
			refuse("the shell of '%s' (%s) is jailsh itself; refusing to loop",
			       pw->pw_name, shell);
		if (access(shell, X_OK) < 0)
			refuse("shell '%s' of user '%s': %s; refusing", shell, pw->pw_name,
			       strerror(errno));
	}
	envp = clean_env(pw, shell);
	if (login && chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		refuse("cannot change directory to %s: %s", pw->pw_dir, strerror(errno));

	/* The user side, in the proven order (confine/self.h): no_new_privs,
	 * AppArmor, Landlock, the restricted-mode check, seccomp last (it
	 * denies what the steps before needed).  pam_jail writes the compiled
	 * filter beside the session file; without one (a session written by
	 * hand, in tests) it is compiled here. */
	if (info->commands.n == 0) {
		static char *av[4];
		if (login) {
			av[0] = jail_strdup_printf("-%s", shell_base);
			if (av[0] == NULL)
				refuse("out of memory");
		} else {
			av[0] = shell_base;
		}
		av[1] = cmd ? (char *)"-c" : NULL;
		av[2] = (char *)cmd;
		av[3] = NULL;
		exec_path = shell;
		exec_argv = av;
	}
	confine_self(info, pw->pw_dir, cmd, &exec_path, &exec_argv);

	closelog();
	execve(exec_path, exec_argv, envp);
	fprintf(stderr, "jailsh: exec %s: %s\n", exec_path, strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
