/* Jailed logins in the host's wtmp and lastlog (see loginrec.h). */
#define _GNU_SOURCE
#include "session/loginrec.h"
#include "base/safefs.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmp.h>

void jail_loginrec_line(const char *tty, const char *session_id,
			char out[JAIL_LOGINREC_LINE_MAX + 1])
{
	if (tty && strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	if (tty && tty[0] && tty[0] != '/' && strlen(tty) <= JAIL_LOGINREC_LINE_MAX &&
	    strchr(tty, ':') == NULL && strstr(tty, "..") == NULL) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/dev/%s", tty);
		if (stat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
			snprintf(out, JAIL_LOGINREC_LINE_MAX + 1, "%s", tty);
			return;
		}
	}
	snprintf(out, JAIL_LOGINREC_LINE_MAX + 1, "jail/%.26s", session_id ? session_id : "");
}

/* Open a host record file: a regular file reached without a symlink at its
 * end (its directories are root's, /var/log); -1 with
 * ENOENT when it does not exist. */
static int open_record(const char *path, int flags, jail_error_t *err)
{
	int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return jail_error_set(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return jail_error_fmt(err, EINVAL, "%s is not a regular file", path);
	}
	return fd;
}

int jail_loginrec_open(jail_loginrec_t *r, const char *tty, const char *session_id, int host_mnt,
		       int host_pidns, jail_error_t *err)
{
	jail_error_t e = {0};
	int fd, ret = 0;

	*r = (jail_loginrec_t)JAIL_LOGINREC_INIT;
	r->pid = getpid();
	jail_loginrec_line(tty, session_id, r->line);
	if (host_mnt < 0 || host_pidns < 0)
		return jail_error_fmt(err, EBADF, "the host's namespaces are not known");
	r->host_mnt = fcntl(host_mnt, F_DUPFD_CLOEXEC, 3);
	r->host_pidns = fcntl(host_pidns, F_DUPFD_CLOEXEC, 3);
	if (r->host_mnt < 0 || r->host_pidns < 0)
		return jail_error_set(err, errno, "keep the host's namespaces");
	/* A file that does not exist is not an error: nothing to write. */
	fd = open_record(JAIL_WTMP_PATH, O_WRONLY | O_APPEND, &e);
	if (fd >= 0)
		r->wtmp_fd = fd;
	else if (!jail_error_is(&e, ENOENT))
		ret = jail_error_move(err, &e);
	jail_error_clear(&e);
	fd = open_record(JAIL_LASTLOG_PATH, O_WRONLY, &e);
	if (fd >= 0)
		r->lastlog_fd = fd;
	else if (!jail_error_is(&e, ENOENT) && ret == 0)
		ret = jail_error_move(err, &e);
	return ret;
}

/* A fixed-size field of utmp/lastlog: NUL-padded, not NUL-terminated when
 * full. */
static void set_field(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size);

	memset(dst, 0, size);
	memcpy(dst, src, n);
}

static void fill(struct utmp *u, const jail_loginrec_t *r, short type)
{
	struct timeval tv;
	size_t n = strlen(r->line);

	memset(u, 0, sizeof(*u));
	u->ut_type = type;
	u->ut_pid = r->pid;
	set_field(u->ut_line, sizeof(u->ut_line), r->line);
	/* ut_id: the line's last four characters, as sshd and login do. */
	set_field(u->ut_id, sizeof(u->ut_id),
		  r->line + (n > sizeof(u->ut_id) ? n - sizeof(u->ut_id) : 0));
	gettimeofday(&tv, NULL);
	u->ut_tv.tv_sec = (int32_t)tv.tv_sec;
	u->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

/* One whole record, in one write(2) on an O_APPEND fd: appended at the
 * end whatever else writes the file (sshd, login: glibc's updwtmp). */
static int append(int fd, const struct utmp *u, jail_error_t *err)
{
	ssize_t n;

	do
		n = write(fd, u, sizeof(*u));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return jail_error_set(err, errno, "write %s", JAIL_WTMP_PATH);
	if ((size_t)n != sizeof(*u))
		return jail_error_fmt(err, EIO, "write %s: short write", JAIL_WTMP_PATH);
	return 0;
}

int jail_loginrec_login(jail_loginrec_t *r, const char *user, uid_t uid, const char *remote,
			jail_error_t *err)
{
	struct utmp u;
	int ret = 0;

	fill(&u, r, USER_PROCESS);
	set_field(u.ut_user, sizeof(u.ut_user), user);
	if (remote && remote[0]) {
		struct in6_addr a6;
		struct in_addr a4;

		set_field(u.ut_host, sizeof(u.ut_host), remote);
		if (inet_pton(AF_INET, remote, &a4) == 1)
			memcpy(u.ut_addr_v6, &a4, sizeof(a4));
		else if (inet_pton(AF_INET6, remote, &a6) == 1)
			memcpy(u.ut_addr_v6, &a6, sizeof(a6));
	}
	if (r->wtmp_fd >= 0) {
		if (append(r->wtmp_fd, &u, err) < 0)
			ret = -1;
		else
			r->logged_in = true;
	}
	if (r->lastlog_fd >= 0) {
		struct lastlog ll;
		ssize_t n;

		memset(&ll, 0, sizeof(ll));
		ll.ll_time = u.ut_tv.tv_sec;
		set_field(ll.ll_line, sizeof(ll.ll_line), r->line);
		memcpy(ll.ll_host, u.ut_host, sizeof(ll.ll_host));
		do
			n = pwrite(r->lastlog_fd, &ll, sizeof(ll), (off_t)uid * (off_t)sizeof(ll));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(ll) && ret == 0)
			ret = n < 0 ? jail_error_set(err, errno, "write %s", JAIL_LASTLOG_PATH)
				    : jail_error_fmt(err, EIO, "write %s: short write",
						     JAIL_LASTLOG_PATH);
	}
	/* No host file stays open into sshd's post-auth child (loginrec.h). */
	if (r->wtmp_fd >= 0)
		close(r->wtmp_fd);
	if (r->lastlog_fd >= 0)
		close(r->lastlog_fd);
	r->wtmp_fd = r->lastlog_fd = -1;
	return ret;
}

/* The logout's child (vfork: it shares our memory until it exits, so it
 * makes system calls only, no allocation, no stdio): enter the host's
 * mount namespace, append U to its wtmp.  Returns 0 or an errno. */
static int logout_child(int host_mnt, const struct utmp *u)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (setns(host_mnt, CLONE_NEWNS) < 0)
		return errno;
	fd = open(JAIL_WTMP_PATH,
		  O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : errno; /* no wtmp (any more): nothing to pair */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return EINVAL;
	}
	do
		n = write(fd, u, sizeof(*u));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return errno;
	return (size_t)n == sizeof(*u) ? 0 : EIO;
}

int jail_loginrec_logout(jail_loginrec_t *r, jail_error_t *err)
{
	struct utmp u;
	volatile int result = EIO;
	pid_t pid;

	if (!r->logged_in)
		return 0;
	r->logged_in = false;
	fill(&u, r, DEAD_PROCESS);
	/* Children of the caller go to the host's pid namespace again. */
	if (setns(r->host_pidns, CLONE_NEWPID) < 0)
		return jail_error_set(err, errno, "%s: back to the host's pid namespace",
				      JAIL_WTMP_PATH);
	/* vfork, not fork: no copy of the caller's page tables (sshd's monitor
	 * is not small), and the result comes back in RESULT (shared memory)
	 * whoever reaps the child (sshd's monitor may, from its SIGCHLD
	 * handler).  We resume once the child has exited. */
	pid = vfork();
	if (pid < 0)
		return jail_error_set(err, errno, "%s: fork", JAIL_WTMP_PATH);
	if (pid == 0) {
		result = logout_child(r->host_mnt, &u);
		_exit(0);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (result != 0)
		return jail_error_set(err, result, "append the logout to %s", JAIL_WTMP_PATH);
	return 0;
}

void jail_loginrec_close(jail_loginrec_t *r)
{
	if (r->wtmp_fd >= 0)
		close(r->wtmp_fd);
	if (r->lastlog_fd >= 0)
		close(r->lastlog_fd);
	if (r->host_mnt >= 0)
		close(r->host_mnt);
	if (r->host_pidns >= 0)
		close(r->host_pidns);
	r->wtmp_fd = r->lastlog_fd = r->host_mnt = r->host_pidns = -1;
	r->logged_in = false;
}

/* ------------------------------------------------------------------ */
/* the session's own record files                                      */

/* Create empty NAME (MODE, root) in DFD. */
static int make_file(int dfd, const char *name, mode_t mode, jail_error_t *err)
{
	int fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return jail_error_set(err, errno, "create %s", name);
	if (fchmod(fd, mode) < 0) {
		int e = errno;
		close(fd);
		return jail_error_set(err, e, "chmod %s", name);
	}
	close(fd);
	return 0;
}

/* The jail's directory REL as a mount point: 0 with *FD, which is -1 when
 * the jail has none there (or a symlink: we mount nothing through one);
 * -1 on another error. */
static int mount_point(int root_fd, const char *rel, int *fd, jail_error_t *err)
{
	jail_error_t e2 = {0};

	*fd = jail_openat_beneath(root_fd, rel, O_PATH | O_DIRECTORY, 0, &e2);
	if (*fd >= 0 || jail_error_is(&e2, ENOENT) || jail_error_is(&e2, ELOOP) ||
	    jail_error_is(&e2, ENOTDIR))
		return 0;
	return jail_error_move(err, &e2);
}

int jail_loginrec_session_files(int root_fd, jail_error_t *err)
{
	const unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	cleanup_close int logdir = -1;
	cleanup_close int rundir = -1;
	cleanup_close int run = -1;

	if (mount_point(root_fd, "var/log", &logdir, err) < 0)
		return jail_error_wrap(err, "/var/log");
	if (logdir >= 0) {
		cleanup_close int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
		cleanup_close int mfd = -1;
		cleanup_close int dfd = -1;

		if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "size", "1m", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "nr_inodes", "64", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return jail_error_set(err, errno, "/var/log: create a tmpfs");
		mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
		if (mfd < 0)
			return jail_error_set(err, errno, "/var/log: fsmount tmpfs");
		dfd = openat(mfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (dfd < 0)
			return jail_error_set(err, errno, "/var/log: open the new tmpfs");
		/* Modes as Debian's: wtmp and lastlog 0664, btmp 0600. */
		if (make_file(dfd, "lastlog", 0644, err) < 0 ||
		    make_file(dfd, "wtmp", 0644, err) < 0 || make_file(dfd, "btmp", 0600, err) < 0)
			return jail_error_wrap(err, "/var/log");
		if (move_mount(mfd, "", logdir, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return jail_error_set(err, errno, "mount /var/log");
	}

	/* glibc's utmp is /var/run/utmp: the session's /run there, with one. */
	run = jail_openat_beneath(root_fd, "run", O_DIRECTORY | O_RDONLY, 0, err);
	if (run < 0)
		return jail_error_wrap(err, "/run");
	if (make_file(run, "utmp", 0644, err) < 0)
		return jail_error_wrap(err, "/run");
	if (mount_point(root_fd, "var/run", &rundir, err) < 0)
		return jail_error_wrap(err, "/var/run");
	if (rundir >= 0) {
		cleanup_close int tree =
		    open_tree(run, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

		if (tree < 0)
			return jail_error_set(err, errno, "/var/run: bind /run");
		if (move_mount(tree, "", rundir, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return jail_error_set(err, errno, "mount /var/run");
	}
	return 0;
}
