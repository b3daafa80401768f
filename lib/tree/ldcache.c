#define _GNU_SOURCE
#include "tree/ldcache.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LDCONFIG_ERR_MAX 1024
#define LDCACHE_MAX	 (64u << 20)

/* In the helper child: a private mount namespace with a fresh tmpfs on
 * JAIL/.jail (a directory of jailctl's own, root 0700), so that ldconfig's
 * output (-C /.jail/ld.so.cache, and its temporary "~" file) lands in memory
 * and nothing of the jail changes.  Returns the tmpfs's fd, or -1. */
static int private_scratch(const char *jail, int *jfd)
{
	struct stat a, b;
	int dot, fs, mfd, nfd;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	/* *JFD names the jail in the old mount namespace, where a mount
	 * cannot go: open it again here, and check it is the same directory. */
	nfd = jail_open_trusted_dir(jail, NULL);
	if (nfd < 0)
		return -1;
	if (fstat(*jfd, &a) < 0 || fstat(nfd, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		errno = ESTALE;
		return -1;
	}
	*jfd = nfd;
	dot = openat(nfd, ".jail", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dot < 0)
		return -1;
	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "64m", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	mfd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mfd < 0 || syscall(SYS_move_mount, mfd, "", dot, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -1;
	return mfd;
}

/* The helper child: run ldconfig in the jail, then copy the cache it wrote
 * to OUT.  Never returns. */
static __attribute__((noreturn)) void helper(const char *jail, int jfd, int nullfd, int out,
					     int errfd)
{
	char root[64];
	char buf[65536];
	int mfd, keep, cfd, status;
	pid_t pid;

	if (dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	mfd = private_scratch(jail, &jfd);
	if (mfd < 0) {
		dprintf(2, "private scratch on the jail's .jail directory: %s", strerror(errno));
		_exit(125);
	}
	pid = fork();
	if (pid < 0)
		_exit(125);
	if (pid == 0) {
		char *const envp[] = {NULL};

		keep = fcntl(jfd, F_DUPFD, 3); /* without O_CLOEXEC: for -r */
		if (keep < 0)
			_exit(127);
		snprintf(root, sizeof(root), "/proc/self/fd/%d", keep);
		execve(
		    JAIL_LDCONFIG,
		    (char *const[]){"ldconfig", "-X", "-r", root, "-C", "/.jail/ld.so.cache", NULL},
		    envp);
		dprintf(2, "exec %s: %s", JAIL_LDCONFIG, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 124);
	cfd = openat(mfd, "ld.so.cache", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0) {
		dprintf(2, "ldconfig wrote no cache: %s", strerror(errno));
		_exit(125);
	}
	for (;;) {
		ssize_t n = read(cfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(125);
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(125);
			off += w;
		}
	}
	_exit(0);
}

int jail_ldcache_write(const char *jail, jail_error_t *err)
{
	cleanup_close int jfd = -1;
	cleanup_close int nullfd = -1;
	cleanup_close int outr = -1;
	cleanup_close int errr = -1;
	cleanup_free char *cache = NULL;
	cleanup_free char *msg = NULL;
	cleanup_free char *old = NULL;
	size_t clen = 0, mlen = 0, olen = 0;
	int out[2], errp[2], status;
	jail_error_t e2 = {0};
	struct stat st;
	pid_t pid;

	jfd = jail_open_trusted_dir(jail, err);
	if (jfd < 0)
		return jail_error_wrap(err, "ld.so.cache for jail %s", jail);
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nullfd < 0)
		return jail_error_set(err, errno, "open /dev/null");
	if (pipe2(out, O_CLOEXEC) < 0)
		return jail_error_set(err, errno, "pipe for ldconfig");
	outr = out[0];
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(out[1]);
		return jail_error_set(err, errno, "pipe for ldconfig");
	}
	errr = errp[0];
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out[1]);
		close(errp[1]);
		return jail_error_set(err, e, "fork for ldconfig");
	}
	if (pid == 0)
		helper(jail, jfd, nullfd, out[1], errp[1]);
	close(out[1]);
	close(errp[1]);
	/* The cache first (the helper writes its messages only before it), then
	 * the messages: neither pipe can fill up while the other is read. */
	if (jail_read_all(outr, LDCACHE_MAX, &cache, &clen, &e2) < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (err)
			*err = e2;
		return jail_error_wrap(err, "read the cache from ldconfig");
	}
	if (jail_read_all(errr, LDCONFIG_ERR_MAX, &msg, &mlen, NULL) < 0)
		msg = NULL;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return jail_error_set(err, errno, "wait for ldconfig");
	}
	for (size_t i = 0; msg && i < mlen; i++)
		if (msg[i] == '\n')
			msg[i] = i + 1 == mlen ? '\0' : ' ';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return jail_error_fmt(err, EIO, "%s -X -r %s: %s %d%s%s", JAIL_LDCONFIG, jail,
				      WIFEXITED(status) ? "exit status" : "signal",
				      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				      msg && msg[0] ? ": " : "", msg ? msg : "");
	if (clen == 0)
		return jail_error_fmt(err, EIO, "%s -X -r %s: an empty cache", JAIL_LDCONFIG, jail);

	/* Rewrite only a cache that changed (update and a repeated init leave an
	 * up-to-date jail byte for byte, mtimes included). */
	if (jail_stat_beneath(jfd, "etc/ld.so.cache", &st, &e2) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == clen) {
		cleanup_close int ofd =
		    jail_openat_beneath(jfd, "etc/ld.so.cache", O_RDONLY, 0, NULL);
		if (ofd >= 0 && jail_read_all(ofd, LDCACHE_MAX, &old, &olen, NULL) == 0 &&
		    olen == clen && memcmp(old, cache, clen) == 0)
			return 0;
	}
	if (jail_write_file_beneath(jfd, "etc/ld.so.cache", cache, clen, 0644, 0, 0, err) < 0)
		return jail_error_wrap(err, "jail %s", jail);
	return 0;
}
