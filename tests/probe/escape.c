/* escape: the escape suite's probe, copied into a jail and run from inside a
 * real jailed session (tests/integration/60-escape.t, tests/escape/README.md).
 *
 *   escape [OPTIONS] TECHNIQUE...   try each technique, in its own child
 *   escape list                     print every technique with a summary
 *   escape race-swap A B SECONDS    helper: swap A and B (renameat2 EXCHANGE)
 *                                   in a loop, for the jailctl race tests
 *
 * Options (the host-side facts a technique needs):
 *   --marker PATH     a file that exists on the host only
 *   --hostpid PID     a host process (outside the session)
 *   --abstract NAME   an abstract unix socket @NAME bound on the host
 *   --hostsock PATH   a unix socket bound on the host, outside the jail
 *   --secret PATH     a root-owned 0600 file inside the jail
 *   --suid PATH       a setuid-root copy of this probe, planted in the jail
 *   --fcaps PATH      a copy with file capabilities, planted in the jail
 *   --suid-user PATH  a copy setuid to a non-root user, planted in the jail
 *   --devnode PATH    a character device node (1:3, 0666) planted in the jail
 *   --jailsh PATH     the jail's jailsh (default /usr/local/sbin/jailsh)
 *   --pids-limit N    the session's pids.max (for forkbomb)
 *   --mem-limit MIB   the session's memory limit (for memhog)
 *
 * Each technique prints exactly one line on stdout:
 *   RESULT <technique> <outcome> <detail...>
 * where outcome is the errno name of the refusal (EPERM, ENOENT, ...),
 * KILLED (the child died of a signal; the detail names it), NOTVISIBLE (the
 * thing is not there to attack: a pid, a host file), OK (a control that
 * must work, e.g. a plain int 0x80 getpid: it shows that the path the
 * attack uses is live, so a refusal next to it is the jail's), SKIP (the
 * technique cannot run here; the detail says why) or ESCAPED (the attack
 * worked; the detail says what it reached).  The probe never decides what
 * is expected: the driver compares the outcome with tests/escape/expect.
 *
 * Every technique runs in a forked child with an alarm, so one that is
 * killed (seccomp's SIGSYS for x32) or hangs cannot hide the others. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "rawsyscall.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static struct {
	const char *marker;
	long hostpid;
	const char *abstract;
	const char *hostsock;
	const char *secret;
	const char *suid;
	const char *fcaps;
	const char *suid_user;
	const char *devnode;
	const char *jailsh;
	long pids_limit;
	long mem_limit; /* MiB */
} opt;

/* The probe's own pipe to its parent, in a technique's child. */
static int result_fd = -1;

typedef struct result {
	const char *outcome;
	char detail[600];
} result_t;

__attribute__((format(printf, 3, 4))) static void set(result_t *r, const char *outcome,
						      const char *fmt, ...)
{
	va_list ap;

	r->outcome = outcome;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* The outcome of a call that failed with errno E. */
__attribute__((format(printf, 3, 4))) static void set_errno(result_t *r, int e, const char *fmt,
							    ...)
{
	va_list ap;

	r->outcome = ename(e);
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* A syscall that must fail: its errno is the outcome; success is ESCAPED
 * with WHAT in the detail. */
static void expect_fail(result_t *r, long ret, const char *what)
{
	if (ret < 0)
		set_errno(r, errno, "%s", what);
	else
		set(r, "ESCAPED", "%s succeeded (returned %ld)", what, ret);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Is the host-only marker visible from here?  Fills WHY when it is. */
static bool marker_visible(void)
{
	return opt.marker && access(opt.marker, F_OK) == 0;
}

/* --- file system: chroot, .., fds, host files ---------------------------- */

/* The classic double chroot: chroot into a subdirectory while keeping the
 * working directory outside it, walk up with "..", chroot("."), and look for
 * the host.  Needs CAP_SYS_CHROOT (and chroot() allowed by seccomp).  After
 * pivot_root and the detach of the old root, the top of the walk is the
 * session's own root, the jail: the host is not there to reach. */
static void t_chroot_escape(result_t *r)
{
	char dir[] = "/tmp/.escape-chroot-XXXXXX";
	struct stat root0, root1;

	if (stat("/", &root0) < 0)
		return set_errno(r, errno, "stat /");
	if (mkdtemp(dir) == NULL)
		return set_errno(r, errno, "mkdtemp %s", dir);
	if (chdir("/") < 0)
		return set_errno(r, errno, "chdir /");
	if (chroot(dir) < 0) {
		int e = errno;
		rmdir(dir);
		return set_errno(r, e, "chroot(%s) refused", dir);
	}
	for (int i = 0; i < 256; i++)
		if (chdir("..") < 0)
			return set_errno(r, errno, "chdir .. after chroot");
	if (chroot(".") < 0)
		return set_errno(r, errno, "second chroot(.) refused");
	if (chdir("/") < 0 || stat("/", &root1) < 0)
		return set_errno(r, errno, "stat / after the walk");
	if (marker_visible())
		return set(r, "ESCAPED", "host file %s visible after double chroot", opt.marker);
	if (!same_file(&root0, &root1))
		return set(r, "ESCAPED",
			   "double chroot reached a root other than the session's (dev %lu ino "
			   "%lu)",
			   (unsigned long)root1.st_dev, (unsigned long)root1.st_ino);
	set(r, "NOTVISIBLE",
	    "chroot worked, but 256 x '..' and chroot(.) end at the session root (the jail); "
	    "host file %s not visible",
	    opt.marker ? opt.marker : "(no --marker)");
}

/* ".." from the root, by path and by openat, stays at the root. */
static void t_dotdot(result_t *r)
{
	struct stat root, cur;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &root) < 0)
		return set_errno(r, errno, "open /");
	if (chdir("/") < 0)
		return set_errno(r, errno, "chdir /");
	for (int i = 0; i < 256; i++)
		if (chdir("..") < 0)
			return set_errno(r, errno, "chdir ..");
	if (stat(".", &cur) < 0 || !same_file(&root, &cur))
		return set(r, "ESCAPED", "256 x chdir(..) left the session root");
	for (int i = 0; i < 64; i++) {
		int n = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (n < 0)
			return set_errno(r, errno, "openat ..");
		close(fd);
		fd = n;
	}
	if (fstat(fd, &cur) < 0 || !same_file(&root, &cur))
		return set(r, "ESCAPED", "64 x openat(..) left the session root");
	if (marker_visible())
		return set(r, "ESCAPED", "host file %s visible", opt.marker);
	set(r, "NOTVISIBLE", ".. at / is / (chdir and openat); host file %s not visible",
	    opt.marker ? opt.marker : "(no --marker)");
}

/* Does the kernel's name for a descriptor name, inside our root, the very
 * object it refers to?  A directory or file opened outside the jail either
 * has a name that does not resolve here or resolves to something else.  A
 * character device counts as inside when the same path here is the same
 * device (the host's /dev/null and the session's are the same 1:3). */
static bool fd_inside(const char *target, const struct stat *st)
{
	struct stat here;

	if (target[0] != '/')
		return true; /* pipe:[N], socket:[N], anon_inode:...: no path to walk */
	if (stat(target, &here) < 0)
		return false;
	if (S_ISCHR(st->st_mode))
		return S_ISCHR(here.st_mode) && here.st_rdev == st->st_rdev;
	return same_file(st, &here);
}

/* Inherited or leaked descriptors: jailsh closes everything above 2, and
 * 0..2 must not give a way out (a directory or file of the host).  A
 * terminal of the host (the pamdrive path runs under script(1)) is the
 * user's own and cannot be walked: reported, not counted as a way out. */
static void t_fds(result_t *r)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char buf[400] = "";
	size_t off = 0;
	const char *outcome = "NOTVISIBLE";
	char link[300], path[64];

	if (d == NULL)
		return set_errno(r, errno, "opendir /proc/self/fd");
	while ((de = readdir(d)) != NULL) {
		int fd;
		ssize_t n;
		struct stat st;
		const char *what = "";

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d) || fd == result_fd)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (fstat(fd, &st) < 0)
			continue;
		if (!fd_inside(link, &st)) {
			if (S_ISCHR(st.st_mode) && isatty(fd)) {
				what = "(host terminal)";
			} else {
				what = "(OUTSIDE)";
				outcome = "ESCAPED";
			}
		}
		if (fd > 2 && strcmp(outcome, "ESCAPED") != 0)
			outcome = "LEAKED";
		if (off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%d->%s%s ", fd, link,
						what);
	}
	closedir(d);
	{
		ssize_t n = readlink("/proc/self/root", link, sizeof(link) - 1);
		if (n >= 0) {
			link[n] = '\0';
			if (strcmp(link, "/") != 0)
				outcome = "ESCAPED";
			if (off < sizeof(buf))
				snprintf(buf + off, sizeof(buf) - off, "root->%s", link);
		}
	}
	set(r, outcome, "%s", buf);
}

static void t_host_marker(result_t *r)
{
	if (opt.marker == NULL)
		return set(r, "SKIP", "no --marker given");
	if (access(opt.marker, F_OK) == 0)
		return set(r, "ESCAPED", "host file %s is visible", opt.marker);
	if (errno == ENOENT)
		return set(r, "NOTVISIBLE", "host file %s: ENOENT", opt.marker);
	set_errno(r, errno, "access %s", opt.marker);
}

/* The host's password hashes, and the jail must have none of its own. */
static void t_shadow(result_t *r)
{
	static const char *const files[] = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-",
					    "/etc/security/opasswd", NULL};
	for (int i = 0; files[i]; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return set(r, "ESCAPED", "%s exists in the jail and is readable", files[i]);
		if (errno != ENOENT)
			return set_errno(r, errno, "%s exists in the jail (open refused)",
					 files[i]);
	}
	set(r, "ENOENT", "/etc/shadow, /etc/gshadow, /etc/shadow-, /etc/security/opasswd: none");
}

/* Hard link to a host setuid file: the host tree is not there to link. */
static void t_link_host(result_t *r)
{
	static const char *const files[] = {"/usr/bin/passwd", "/usr/bin/su",	  "/usr/bin/sudo",
					    "/usr/bin/mount",  "/usr/bin/newgrp", NULL};
	char dst[64];
	const char *home = getenv("HOME");

	snprintf(dst, sizeof(dst), "%s/.escape-link", home && home[0] == '/' ? home : "/tmp");
	if (opt.marker && link(opt.marker, dst) == 0) {
		unlink(dst);
		return set(r, "ESCAPED", "hard link to host file %s made", opt.marker);
	}
	if (opt.marker && errno != ENOENT)
		return set_errno(r, errno, "link %s", opt.marker);
	/* The jail's copies (if any) were stripped of setuid by jailctl. */
	for (int i = 0; files[i]; i++) {
		struct stat st;
		if (stat(files[i], &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)))
			return set(r, "ESCAPED", "%s in the jail is setuid/setgid (mode %04o)",
				   files[i], (unsigned)(st.st_mode & 07777));
	}
	set(r, "ENOENT", "link(%s) -> ENOENT; no setuid program in the jail's usual places",
	    opt.marker ? opt.marker : "(no --marker)");
}

/* Hard link to a root-owned file the user cannot read (planted by the
 * admin in the jail): fs.protected_hardlinks refuses it (EPERM).  A link
 * would let the user keep a name for it in a tree root tools walk. */
static void t_link_secret(result_t *r)
{
	char dst[300];
	const char *home = getenv("HOME");
	char prot[8] = "?";
	int fd;

	if (opt.secret == NULL)
		return set(r, "SKIP", "no --secret given");
	fd = open("/proc/sys/fs/protected_hardlinks", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, prot, sizeof(prot) - 1);
		prot[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	snprintf(dst, sizeof(dst), "%s/.escape-hardlink", home && home[0] == '/' ? home : "/tmp");
	unlink(dst);
	if (link(opt.secret, dst) == 0) {
		unlink(dst);
		return set(r, "ESCAPED", "hard link %s -> %s made (protected_hardlinks=%s)", dst,
			   opt.secret, prot);
	}
	set_errno(r, errno, "link(%s, %s) (fs.protected_hardlinks=%s)", opt.secret, dst, prot);
}

/* Run as a setuid-root copy of this probe (see t_suid_root). */
static void t_suid_check(result_t *r)
{
	uid_t ru, eu, su;

	if (getresuid(&ru, &eu, &su) < 0)
		return set_errno(r, errno, "getresuid");
	if (eu == 0 || su == 0)
		return set(r, "ESCAPED", "setuid-root exec gave uid %u euid %u suid %u",
			   (unsigned)ru, (unsigned)eu, (unsigned)su);
	if (setuid(0) == 0)
		return set(r, "ESCAPED", "setuid(0) worked");
	set_errno(r, errno, "uid %u euid %u suid %u after exec of a setuid-root file; setuid(0)",
		  (unsigned)ru, (unsigned)eu, (unsigned)su);
}

/* Run as a copy with file capabilities (see t_fcaps). */
static void t_fcaps_check(result_t *r)
{
	char line[256], eff[64] = "?";
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return set_errno(r, errno, "/proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %63s", eff) == 1)
			break;
	fclose(f);
	if (strcmp(eff, "0000000000000000") != 0)
		return set(r, "ESCAPED", "CapEff %s after exec of a file with capabilities", eff);
	if (opt.secret) {
		int fd = open(opt.secret, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return set(r, "ESCAPED", "read the root-only %s", opt.secret);
		return set_errno(r, errno, "CapEff 0; open %s", opt.secret);
	}
	set(r, "EPERM", "CapEff 0");
}

/* Exec PATH (a copy of this probe planted by the admin) running the
 * internal technique CHECK, and take its result line as ours.  A refused
 * exec is the outcome (its errno). */
static void exec_planted(result_t *r, const char *path, const char *check)
{
	char buf[700], *outcome, *detail;
	const char *prefix = "RESULT ";
	ssize_t n = 0, k;
	int p[2], st;
	pid_t c;

	if (path == NULL)
		return set(r, "SKIP", "no planted copy given");
	if (pipe(p) < 0)
		return set_errno(r, errno, "pipe");
	c = fork();
	if (c < 0)
		return set_errno(r, errno, "fork");
	if (c == 0) {
		char *argv[] = {(char *)"escape", (char *)"--secret",
				(char *)(opt.secret ? opt.secret : "/nonexistent"), (char *)check,
				NULL};
		dup2(p[1], 1);
		execv(path, argv);
		printf("RESULT %s %s execve(%s) refused\n", check, ename(errno), path);
		fflush(stdout);
		_exit(127);
	}
	close(p[1]);
	while (n < (ssize_t)sizeof(buf) - 1 &&
	       (k = read(p[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += k;
	buf[n] = '\0';
	close(p[0]);
	waitpid(c, &st, 0);
	buf[strcspn(buf, "\n")] = '\0';
	/* "RESULT <check> <outcome> <detail>" */
	if (strncmp(buf, prefix, strlen(prefix)) != 0 ||
	    (outcome = strchr(buf + strlen(prefix), ' ')) == NULL)
		return set(r, "EIO", "no result from %s (status %d): %s", path, st, buf);
	outcome++;
	detail = strchr(outcome, ' ');
	if (detail)
		*detail++ = '\0';
	/* outcome points into buf: copy it into static storage. */
	{
		static char oc[32];
		snprintf(oc, sizeof(oc), "%s", outcome);
		set(r, oc, "%s: %s", path, detail ? detail : "");
	}
}

/* A setuid-root copy of this probe, planted by the admin (jailctl init
 * strips setuid bits; an admin can still copy one in): no_new_privs means
 * exec does not grant its owner's uid. */
static void t_suid_root(result_t *r)
{
	exec_planted(r, opt.suid, "suid-check");
}

/* A copy with file capabilities, planted by the admin.  On the session's
 * nosuid tree the kernel ignores file capabilities: the copy runs with
 * none (and cannot read the root-only secret: EACCES).  Without nosuid,
 * under no_new_privs and an empty bounding set, the kernel would refuse
 * the exec outright (EPERM) rather than run it without them. */
static void t_fcaps(result_t *r)
{
	exec_planted(r, opt.fcaps, "fcaps-check");
}

/* Run as a copy setuid to a non-root user (see t_suid_user). */
static void t_suid_user_check(result_t *r)
{
	uid_t ru, eu, su;

	if (getresuid(&ru, &eu, &su) < 0)
		return set_errno(r, errno, "getresuid");
	if (eu != ru || su != ru)
		return set(r, "ESCAPED", "the setuid bit was honoured: uid %u euid %u suid %u",
			   (unsigned)ru, (unsigned)eu, (unsigned)su);
	set(r, "EPERM", "the setuid bit was ignored: uid %u euid %u suid %u", (unsigned)ru,
	    (unsigned)eu, (unsigned)su);
}

/* A copy setuid to another (non-root) user, planted by the admin: shows
 * whether exec honours setuid bits at all, also for a caller without
 * no_new_privs (root via jailctl enter): the session's tree is nosuid. */
static void t_suid_user(result_t *r)
{
	exec_planted(r, opt.suid_user, "suid-user-check");
}

/* --- the jail tree: read-only, nodev --------------------------------------- */

/* Open the existing PATH for writing without changing it: as root O_RDWR
 * (root owns it: only the read-only mount refuses), as a user
 * O_WRONLY|O_TRUNC (the kernel checks a truncating open against the
 * mount before the file's mode, so a read-only mount shows as EROFS; a
 * user without write permission is refused before anything is
 * truncated). */
static void write_existing(result_t *r, const char *path)
{
	int fd = open(path, (geteuid() == 0 ? O_RDWR : O_WRONLY | O_TRUNC) | O_NOCTTY | O_NONBLOCK |
				O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return set(r, "ESCAPED", "%s opened for writing", path);
	}
	set_errno(r, errno, "open %s for writing", path);
}

static void t_write_usr_bin(result_t *r)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/usr/bin/.escape-probe-%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd >= 0) {
		close(fd);
		unlink(path);
		return set(r, "ESCAPED", "created %s", path);
	}
	set_errno(r, errno, "create %s", path);
}

static void t_write_passwd(result_t *r)
{
	write_existing(r, "/etc/passwd");
}

static void t_write_jailsh(result_t *r)
{
	write_existing(r, opt.jailsh ? opt.jailsh : "/usr/local/sbin/jailsh");
}

/* A device node planted in the jail (the numbers of /dev/null, 0666): the
 * session's tree is nodev, so it cannot be opened.  Read-only: Landlock
 * lets the user read the tree, so a refusal is the mount's. */
static void t_devnode(result_t *r)
{
	struct stat st;
	int fd;

	if (opt.devnode == NULL)
		return set(r, "SKIP", "no planted device node given");
	if (lstat(opt.devnode, &st) < 0)
		return set_errno(r, errno, "lstat %s", opt.devnode);
	if (!S_ISCHR(st.st_mode))
		return set(r, "SKIP", "%s is not a character device", opt.devnode);
	fd = open(opt.devnode, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return set(r, "ESCAPED", "opened the device node %s (%u:%u)", opt.devnode,
			   major(st.st_rdev), minor(st.st_rdev));
	}
	set_errno(r, errno, "open the device node %s (%u:%u)", opt.devnode, major(st.st_rdev),
		  minor(st.st_rdev));
}

static void t_setuid0(result_t *r)
{
	if (setresuid(0, 0, 0) == 0)
		return set(r, "ESCAPED", "setresuid(0,0,0) worked");
	set_errno(r, errno, "setresuid(0,0,0) as uid %u", (unsigned)getuid());
}

/* --- /proc of the init and of the host ----------------------------------- */

static void t_proc1_root(result_t *r)
{
	char buf[256];
	struct stat a, b;
	ssize_t n = readlink("/proc/1/root", buf, sizeof(buf) - 1);

	if (n < 0)
		return set_errno(r, errno, "readlink /proc/1/root");
	buf[n] = '\0';
	if (stat("/proc/1/root/", &a) < 0)
		return set_errno(r, errno, "stat /proc/1/root/ (readlink gave %s)", buf);
	if (stat("/", &b) == 0 && same_file(&a, &b) && !marker_visible())
		return set(r, "NOTVISIBLE", "/proc/1/root is the session root (the jail)");
	set(r, "ESCAPED", "/proc/1/root -> %s is not the session root", buf);
}

static void read_proc(result_t *r, const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return set_errno(r, errno, "open %s", path);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return set_errno(r, errno, "read %s", path);
	set(r, "ESCAPED", "read %zd bytes of %s", n, path);
}

static void t_proc1_environ(result_t *r)
{
	read_proc(r, "/proc/1/environ");
}

static void t_proc1_mem(result_t *r)
{
	read_proc(r, "/proc/1/mem");
}

static void t_proc1_cwd(result_t *r)
{
	DIR *d = opendir("/proc/1/cwd");
	if (d == NULL)
		return set_errno(r, errno, "opendir /proc/1/cwd");
	closedir(d);
	set(r, "ESCAPED", "listed /proc/1/cwd");
}

static void t_proc1_exe(result_t *r)
{
	read_proc(r, "/proc/1/exe");
}

/* Writing the init's executable (the runc CVE-2019-5736 shape). */
static void t_proc1_exe_write(result_t *r)
{
	int fd = open("/proc/1/exe", O_WRONLY | O_CLOEXEC);
	if (fd >= 0)
		return set(r, "ESCAPED", "opened /proc/1/exe for writing");
	set_errno(r, errno, "open /proc/1/exe O_WRONLY");
}

/* The init's descriptors: listing /proc/1/fd is a matter of the
 * directory's mode (root may list it), following an entry (reopening the
 * init's file) needs ptrace access to the init. */
static void t_proc1_fd(result_t *r)
{
	DIR *d = opendir("/proc/1/fd");
	struct dirent *de;
	int tried = 0;

	if (d == NULL)
		return set_errno(r, errno, "opendir /proc/1/fd");
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[256];
		int fd;

		if (de->d_name[0] == '.')
			continue;
		tried++;
		snprintf(path, sizeof(path), "/proc/1/fd/%s", de->d_name);
		if (readlink(path, buf, sizeof(buf) - 1) >= 0) {
			closedir(d);
			return set(r, "ESCAPED", "readlink %s worked", path);
		}
		if (errno != EACCES) {
			closedir(d);
			return set_errno(r, errno, "readlink %s", path);
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			closedir(d);
			return set(r, "ESCAPED", "reopened the init's %s", path);
		}
		if (errno != EACCES) {
			closedir(d);
			return set_errno(r, errno, "open %s", path);
		}
	}
	closedir(d);
	if (tried == 0)
		return set(r, "SKIP", "the init has no fd to try");
	set(r, "EACCES", "/proc/1/fd listed (%d entries), none readable or reopenable", tried);
}

/* /proc/PID/{root,cwd,environ,exe} of a host process: the pid does not
 * exist in the session's pid namespace. */
static void t_proc_hostpid(result_t *r)
{
	static const char *const what[] = {"root", "cwd", "environ", "exe", NULL};
	char path[64];

	if (opt.hostpid <= 0)
		return set(r, "SKIP", "no --hostpid given");
	for (int i = 0; what[i]; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%ld/%s", opt.hostpid, what[i]);
		if (lstat(path, &st) == 0)
			return set(r, "ESCAPED", "%s exists in the session", path);
		if (errno != ENOENT)
			return set_errno(r, errno, "%s", path);
	}
	set(r, "NOTVISIBLE", "/proc/%ld/{root,cwd,environ,exe}: ENOENT", opt.hostpid);
}

/* Every process in /proc: its root must be ours or unreadable. */
static void t_proc_scan(result_t *r)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0, hidden = 0;
	long maxpid = 0;

	if (d == NULL)
		return set_errno(r, errno, "opendir /proc");
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[256];
		ssize_t len;
		long pid = strtol(de->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		n++;
		if (pid > maxpid)
			maxpid = pid;
		snprintf(path, sizeof(path), "/proc/%s/root", de->d_name);
		len = readlink(path, buf, sizeof(buf) - 1);
		if (len < 0) {
			if (errno == EACCES)
				hidden++;
			continue;
		}
		buf[len] = '\0';
		if (strcmp(buf, "/") != 0) {
			closedir(d);
			return set(r, "ESCAPED", "pid %ld has root %s", pid, buf);
		}
	}
	closedir(d);
	if (opt.hostpid > 0 && opt.hostpid <= maxpid) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%ld", opt.hostpid);
		if (access(path, F_OK) == 0)
			return set(r, "ESCAPED", "host pid %ld is listed", opt.hostpid);
	}
	set(r, "NOTVISIBLE",
	    "%d processes visible (highest pid %ld), all rooted at / (%d unreadable)", n, maxpid,
	    hidden);
}

/* The Seccomp mode of PID (0: no filter), -1 when unknown. */
static int seccomp_of(long pid)
{
	char path[64], line[256];
	int mode = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "Seccomp: %d", &mode);
	fclose(f);
	return mode;
}

/* Processes of our uid in the session that run without a seccomp filter:
 * sshd's post-auth child (it execs jailsh for every channel), and a jailsh
 * between its exec and its filter.  Their memory, written through
 * /proc/PID/mem (open and pwrite: no ptrace syscall for seccomp to deny),
 * would run code outside the filter.  Calls FN(pid, comm, arg) for each;
 * returns how many were found. */
static int each_unfiltered(int (*fn)(long, const char *, void *), void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[300], line[256], comm[64] = "?";
		long pid = strtol(de->d_name, NULL, 10);
		int seccomp = -1;
		unsigned uid = ~0U;
		FILE *f;

		if (pid <= 1 || pid == getpid() || pid == getppid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "Name: %63s", comm);
			sscanf(line, "Uid: %u", &uid);
			sscanf(line, "Seccomp: %d", &seccomp);
		}
		fclose(f);
		if (uid != getuid() || seccomp != 0)
			continue;
		found++;
		if (fn(pid, comm, arg))
			break;
	}
	closedir(d);
	return found;
}

struct mem_try {
	result_t *r;
	int opened, refused, late, gone, last_errno;
	char names[200];
};

static int try_mem(long pid, const char *comm, void *arg)
{
	struct mem_try *m = arg;
	char path[64];
	size_t n = strlen(m->names);
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (n < sizeof(m->names) - 1 && strstr(m->names, comm) == NULL)
		snprintf(m->names + n, sizeof(m->names) - n, "%s%s", n ? "," : "", comm);
	if (fd >= 0) {
		/* Still without a filter now, so it had none when we opened
		 * its memory (a filter is never removed): a way around it. */
		int sc = seccomp_of(pid);
		char now[64] = "?", cpath[64];
		FILE *f;

		close(fd);
		if (sc != 0) {
			m->late++;
			return 0;
		}
		/* The name it has now (it may have exec'd since the scan). */
		snprintf(cpath, sizeof(cpath), "/proc/%ld/comm", pid);
		if ((f = fopen(cpath, "re")) != NULL) {
			if (fscanf(f, "%63s", now) != 1)
				snprintf(now, sizeof(now), "?");
			fclose(f);
		}
		m->opened++;
		set(m->r, "ESCAPED", "opened %s (%s, no seccomp filter) for writing", path, now);
		return 1;
	}
	if (errno == ENOENT || errno == ESRCH) {
		m->gone++; /* it exited (or exec'd) before we got there */
		return 0;
	}
	m->refused++;
	m->last_errno = errno;
	return 0;
}

static void t_unfiltered_mem(result_t *r)
{
	struct mem_try m = {.r = r};
	int found = each_unfiltered(try_mem, &m);

	if (found < 0)
		return set_errno(r, errno, "opendir /proc");
	if (m.opened)
		return;
	if (found == 0 || m.refused == 0)
		return set(r, "SKIP", "no process of ours without a seccomp filter in the session");
	set_errno(r, m.last_errno, "/proc/PID/mem of %d unfiltered process(es) of our uid (%s)",
		  found, m.names);
}

/* The same, in a loop for SECONDS: catches a jailsh between its exec and
 * its filter (run it while new channels of the same connection start). */
static int race_mem(const char *secs)
{
	result_t r = {0};
	struct mem_try m = {.r = &r};
	time_t end = time(NULL) + atoi(secs);
	long rounds = 0;

	while (time(NULL) < end && m.opened == 0) {
		each_unfiltered(try_mem, &m);
		rounds++;
	}
	if (m.opened)
		printf("RESULT race-mem ESCAPED %s\n", r.detail);
	else if (m.refused)
		printf("RESULT race-mem %s %d attempts refused in %ld rounds, %d opened only once "
		       "filtered, %d gone first (%s)\n",
		       ename(m.last_errno), m.refused, rounds, m.late, m.gone, m.names);
	else
		printf("RESULT race-mem SKIP no unfiltered process seen in %ld rounds\n", rounds);
	return 0;
}

/* --- ptrace, process memory, signals -------------------------------------- */

static void t_ptrace_init(result_t *r)
{
	expect_fail(r, ptrace(PTRACE_ATTACH, 1, NULL, NULL), "ptrace(PTRACE_ATTACH, 1)");
}

static void t_ptrace_hostpid(result_t *r)
{
	pid_t p = (pid_t)opt.hostpid;
	long ret;

	if (p <= 0)
		return set(r, "SKIP", "no --hostpid given");
	ret = ptrace(PTRACE_ATTACH, p, NULL, NULL);
	if (ret == 0) {
		/* Where it works (unconfined): leave the process as it was,
		 * not stopped by the attach's SIGSTOP. */
		waitpid(p, NULL, __WALL);
		ptrace(PTRACE_DETACH, p, NULL, NULL);
	}
	expect_fail(r, ret, "ptrace(PTRACE_ATTACH, host pid)");
}

/* Even a child of one's own (same uid, no other barrier) cannot be traced:
 * the filter denies ptrace itself. */
static void t_ptrace_child(result_t *r)
{
	pid_t p = fork();
	long ret;
	int e;

	if (p < 0)
		return set_errno(r, errno, "fork");
	if (p == 0) {
		pause();
		_exit(0);
	}
	ret = ptrace(PTRACE_ATTACH, p, NULL, NULL);
	e = errno;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	errno = e;
	expect_fail(r, ret, "ptrace(PTRACE_ATTACH, own child)");
}

static void vmread(result_t *r, pid_t pid, const char *what)
{
	char dst[16];
	struct iovec l = {dst, sizeof(dst)}, rem = {(void *)0x400000, sizeof(dst)};
	expect_fail(r, process_vm_readv(pid, &l, 1, &rem, 1, 0), what);
}

static void t_vmread_init(result_t *r)
{
	vmread(r, 1, "process_vm_readv(1)");
}

static void t_vmread_hostpid(result_t *r)
{
	if (opt.hostpid <= 0)
		return set(r, "SKIP", "no --hostpid given");
	vmread(r, (pid_t)opt.hostpid, "process_vm_readv(host pid)");
}

static void t_vmwrite_init(result_t *r)
{
	char src[8] = "x";
	struct iovec l = {src, sizeof(src)}, rem = {(void *)0x400000, sizeof(src)};
	expect_fail(r, process_vm_writev(1, &l, 1, &rem, 1, 0), "process_vm_writev(1)");
}

/* pidfd_getfd: take a descriptor out of the init (ptrace-equivalent). */
static void t_pidfd_getfd(result_t *r)
{
	long pfd = raw(SYS_pidfd_open, 1, 0, 0, 0, 0);

	if (pfd < 0)
		return set_errno(r, errno, "pidfd_open(1)");
	for (int fd = 0; fd < 16; fd++) {
		long got = raw(SYS_pidfd_getfd, pfd, fd, 0, 0, 0);
		if (got >= 0)
			return set(r, "ESCAPED", "took fd %d of the init", fd);
		if (errno != EBADF)
			return set_errno(r, errno, "pidfd_getfd(pidfd of 1, %d)", fd);
	}
	set(r, "EBADF", "pidfd_getfd: no fd 0..15 in the init");
}

static void t_kill_init(result_t *r)
{
	/* Signal 0: the permission check without a signal. */
	expect_fail(r, kill(1, 0), "kill(1, 0) (the session init, root's)");
}

static void t_kill_hostpid(result_t *r)
{
	if (opt.hostpid <= 0)
		return set(r, "SKIP", "no --hostpid given");
	expect_fail(r, kill((pid_t)opt.hostpid, SIGWINCH), "kill(host pid, SIGWINCH)");
}

/* kill(-1): every process the caller may signal.  SIGWINCH is harmless to
 * the session's own processes; the driver checks that a host process of
 * the same uid (which traps it) got nothing. */
static void t_kill_all(result_t *r)
{
	if (kill(-1, SIGWINCH) < 0)
		return set_errno(r, errno, "kill(-1, SIGWINCH)");
	set(r, "OK",
	    "kill(-1, SIGWINCH) reached the session's own processes (host: checked by "
	    "the driver)");
}

/* --- terminals ------------------------------------------------------------ */

/* TIOCSTI pushes bytes into a terminal's input: typed into the shell that
 * reads it, outside the attacker's process.  Raw syscall: the full 64-bit
 * request reaches the filter (the kernel truncates it to 32 bits). */
static void tty_ioctl(result_t *r, int fd, unsigned long req, const char *what)
{
	char c = '#';
	expect_fail(r, raw(SYS_ioctl, fd, (long)req, (long)&c, 0, 0), what);
}

static int open_ctty(result_t *r)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		set(r, "SKIP", "no controlling terminal (/dev/tty: %s)", ename(errno));
	return fd;
}

static void t_tiocsti_ctty(result_t *r)
{
	int fd = open_ctty(r);
	if (fd >= 0)
		tty_ioctl(r, fd, TIOCSTI, "ioctl(/dev/tty, TIOCSTI)");
}

static void t_tiocsti_ctty_high(result_t *r)
{
	int fd = open_ctty(r);
	if (fd >= 0)
		tty_ioctl(r, fd, TIOCSTI | (1UL << 32), "ioctl(/dev/tty, TIOCSTI | 1<<32)");
}

static void t_tioclinux_ctty(result_t *r)
{
	int fd = open_ctty(r);
	if (fd >= 0)
		tty_ioctl(r, fd, TIOCLINUX, "ioctl(/dev/tty, TIOCLINUX)");
}

static void t_tioclinux_ctty_high(result_t *r)
{
	int fd = open_ctty(r);
	if (fd >= 0)
		tty_ioctl(r, fd, TIOCLINUX | (0xdeadUL << 40), "ioctl(/dev/tty, TIOCLINUX | high)");
}

/* A pty of our own made our controlling terminal (setsid, open the slave):
 * then the kernel itself would accept TIOCSTI (dev.tty.legacy_tiocsti=1) and
 * only the filter refuses.  Works without a terminal on the session. */
static int own_ctty(result_t *r)
{
	int m = open("/dev/ptmx", O_RDWR | O_CLOEXEC), s;
	char name[64];
	pid_t sid;

	if (m < 0) {
		set_errno(r, errno, "open /dev/ptmx");
		return -1;
	}
	if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0) {
		set_errno(r, errno, "unlockpt/ptsname");
		return -1;
	}
	if (setsid() < 0) {
		set_errno(r, errno, "setsid");
		return -1;
	}
	s = open(name, O_RDWR | O_CLOEXEC); /* no O_NOCTTY: becomes the ctty */
	if (s < 0) {
		set_errno(r, errno, "open %s", name);
		return -1;
	}
	if (ioctl(s, TIOCGSID, &sid) < 0 || sid != getsid(0)) {
		set(r, "SKIP", "could not make %s the controlling terminal", name);
		return -1;
	}
	return s;
}

static void t_tiocsti_pty(result_t *r)
{
	int s = own_ctty(r);
	if (s >= 0)
		tty_ioctl(r, s, TIOCSTI, "ioctl(own controlling pty, TIOCSTI)");
}

static void t_tiocsti_pty_high(result_t *r)
{
	int s = own_ctty(r);
	if (s >= 0)
		tty_ioctl(r, s, TIOCSTI | (0xffffffffUL << 32),
			  "ioctl(own controlling pty, TIOCSTI | 0xffffffff<<32)");
}

static void t_tioclinux_pty(result_t *r)
{
	int s = own_ctty(r);
	if (s >= 0)
		tty_ioctl(r, s, TIOCLINUX, "ioctl(own controlling pty, TIOCLINUX)");
}

#if defined(__x86_64__)
static void t_int80_tiocsti(result_t *r)
{
	static char c = '#';
	int s = own_ctty(r);
	if (s >= 0)
		expect_fail(r, int80(54 /* i386 ioctl */, s, TIOCSTI, (long)(uintptr_t)&c),
			    "int 0x80 ioctl(own controlling pty, TIOCSTI)");
}
#endif

/* --- devices, mounts ------------------------------------------------------ */

static void t_mknod_char(result_t *r)
{
	const char *p = "/tmp/.escape-mem";
	long ret = mknod(p, S_IFCHR | 0666, makedev(1, 1)); /* /dev/mem */
	if (ret == 0)
		unlink(p);
	expect_fail(r, ret, "mknod(/tmp/.escape-mem, char 1:1 /dev/mem)");
}

static void t_mknod_block(result_t *r)
{
	const char *p = "/tmp/.escape-disk";
	long ret = mknod(p, S_IFBLK | 0666, makedev(8, 0)); /* sda */
	if (ret == 0)
		unlink(p);
	expect_fail(r, ret, "mknod(/tmp/.escape-disk, block 8:0)");
}

static void t_devices(result_t *r)
{
	static const char *const devs[] = {
	    "/dev/mem",	  "/dev/kmem", "/dev/port", "/dev/sda",		"/dev/vda", "/dev/kvm",
	    "/dev/vsock", "/dev/kmsg", "/dev/fuse", "/dev/vhost-vsock", NULL};
	for (int i = 0; devs[i]; i++) {
		struct stat st;
		if (lstat(devs[i], &st) == 0)
			return set(r, "ESCAPED", "%s exists in the session", devs[i]);
		if (errno != ENOENT)
			return set_errno(r, errno, "%s", devs[i]);
	}
	set(r, "ENOENT", "/dev/{mem,kmem,port,sda,vda,kvm,vsock,kmsg,fuse,vhost-vsock}: none");
}

static void t_mount_tmpfs(result_t *r)
{
	expect_fail(r, mount("none", "/tmp", "tmpfs", 0, NULL), "mount(tmpfs on /tmp)");
}

static void t_mount_proc(result_t *r)
{
	/* A fresh, unmasked procfs would undo the masks on /proc. */
	expect_fail(r, mount("proc", "/tmp", "proc", 0, NULL), "mount(proc on /tmp)");
}

static void t_remount_rw(result_t *r)
{
	expect_fail(r, mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL),
		    "mount(MS_REMOUNT|MS_BIND, /proc/sys read-write)");
}

/* Unmount the masks over /proc (those this kernel has). */
static void t_umount_mask(result_t *r)
{
	static const char *const masks[] = {
	    "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sysrq-trigger", "/proc/sys",
	    "/proc/kmsg",  NULL};
	char done[300] = "";
	size_t off = 0;

	for (int i = 0; masks[i]; i++) {
		struct stat st;
		if (lstat(masks[i], &st) < 0)
			continue;
		if (umount2(masks[i], MNT_DETACH) == 0)
			return set(r, "ESCAPED", "umount2(%s) removed the mask", masks[i]);
		if (errno != EPERM)
			return set_errno(r, errno, "umount2(%s)", masks[i]);
		off += (size_t)snprintf(done + off, sizeof(done) - off, "%s ", masks[i]);
	}
	if (off == 0)
		return set(r, "SKIP", "no masked /proc path on this kernel");
	set(r, "EPERM", "umount2 of %s", done);
}

static void t_pivot_root(result_t *r)
{
	expect_fail(r, raw(SYS_pivot_root, (long)"/tmp", (long)"/tmp", 0, 0, 0),
		    "pivot_root(/tmp, /tmp)");
}

static void t_mount_api(result_t *r)
{
	long fd = raw(SYS_fsopen, (long)"tmpfs", 0, 0, 0, 0);
	if (fd >= 0)
		return set(r, "ESCAPED", "fsopen(tmpfs) worked");
	if (errno != EPERM)
		return set_errno(r, errno, "fsopen(tmpfs)");
	fd = raw(SYS_open_tree, AT_FDCWD, (long)"/proc", 1 /* OPEN_TREE_CLONE */, 0, 0);
	if (fd >= 0)
		return set(r, "ESCAPED", "open_tree(/proc, OPEN_TREE_CLONE) worked");
	if (errno != EPERM)
		return set_errno(r, errno, "open_tree(OPEN_TREE_CLONE)");
	expect_fail(r, raw(SYS_move_mount, AT_FDCWD, (long)"/proc/sys", AT_FDCWD, (long)"/tmp", 0),
		    "fsopen, open_tree(CLONE), move_mount");
}

/* "Shocker" (2014): open_by_handle_at walks to any inode of the file system
 * by number, ignoring the chroot.  Inode 2 is the root of most file systems. */
static void t_open_by_handle(result_t *r)
{
	struct {
		struct file_handle fh;
		unsigned char h[8];
	} fh = {.fh = {.handle_bytes = 8, .handle_type = 1}};
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t ino = 2;
	int mnt;
	long named;
	int nerr;

	/* name_to_handle_at needs no privilege: it only tells what the handle
	 * of "/" looks like.  The attack is open_by_handle_at. */
	named = raw(SYS_name_to_handle_at, AT_FDCWD, (long)"/", (long)&fh.fh, (long)&mnt, 0);
	nerr = errno;
	fh.fh.handle_bytes = 8;
	fh.fh.handle_type = 1; /* FILEID_INO32_GEN */
	memset(fh.fh.f_handle, 0, 8);
	memcpy(fh.fh.f_handle, &ino, sizeof(ino));
	if (raw(SYS_open_by_handle_at, root, (long)&fh.fh, O_RDONLY, 0, 0) >= 0)
		return set(r, "ESCAPED", "open_by_handle_at(inode 2) opened a file by number");
	set_errno(r, errno, "open_by_handle_at(inode 2) (name_to_handle_at: %s)",
		  named == 0 ? "allowed" : ename(nerr));
}

/* --- sockets ---------------------------------------------------------------- */

static void t_unix_host(result_t *r)
{
	static const char *const paths[] = {"/run/systemd/private",
					    "/var/run/docker.sock",
					    "/run/docker.sock",
					    "/run/containerd/containerd.sock",
					    "/run/dbus/system_bus_socket",
					    "/run/systemd/journal/stdout",
					    "/run/systemd/notify",
					    "/var/run/nscd/socket",
					    "/run/sshd.pid",
					    NULL};
	const char *list[16];
	int n = 0;

	if (opt.hostsock)
		list[n++] = opt.hostsock;
	for (int i = 0; paths[i]; i++)
		list[n++] = paths[i];
	for (int i = 0; i < n; i++) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return set_errno(r, errno, "socket(AF_UNIX)");
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", list[i]);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return set(r, "ESCAPED", "connected to %s", list[i]);
		if (errno != ENOENT)
			return set_errno(r, errno, "connect %s", list[i]);
		close(fd);
	}
	set(r, "ENOENT",
	    "connect to %s%s/run/systemd/private, docker, containerd, dbus, journal, "
	    "nscd: ENOENT",
	    opt.hostsock ? opt.hostsock : "", opt.hostsock ? ", " : "");
}

static void t_abstract(result_t *r)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (opt.abstract == NULL)
		return set(r, "SKIP", "no --abstract given");
	memcpy(sa.sun_path + 1, opt.abstract, strlen(opt.abstract));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(opt.abstract));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return set_errno(r, errno, "socket(AF_UNIX)");
	if (connect(fd, (struct sockaddr *)&sa, len) == 0)
		return set(r, "ESCAPED", "connected to the host's abstract socket @%s",
			   opt.abstract);
	set_errno(r, errno, "connect @%s", opt.abstract);
}

static void t_socket(result_t *r, int family, int type, int proto, const char *what)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);
	if (fd >= 0)
		return set(r, "ESCAPED", "%s created", what);
	set_errno(r, errno, "%s", what);
}

static void t_af_packet(result_t *r)
{
	t_socket(r, AF_PACKET, SOCK_RAW, 0x0300 /* htons(ETH_P_ALL) */, "socket(AF_PACKET, RAW)");
}

static void t_af_inet_raw(result_t *r)
{
	t_socket(r, AF_INET, SOCK_RAW, 255, "socket(AF_INET, SOCK_RAW)");
}

static void t_af_key(result_t *r)
{
	t_socket(r, AF_KEY, SOCK_RAW, 2 /* PF_KEY_V2 */, "socket(AF_KEY)");
}

static void t_af_alg(result_t *r)
{
	t_socket(r, AF_ALG, SOCK_SEQPACKET, 0, "socket(AF_ALG)");
}

/* vsock is not network-namespaced: a socket would reach the hypervisor
 * (CID 2) and its agents, around net = none.  Never connected here. */
static void t_af_vsock(result_t *r)
{
	t_socket(r, AF_VSOCK, SOCK_STREAM, 0, "socket(AF_VSOCK) (would reach the hypervisor)");
}

/* The kernel takes the family as an int: high bits must not dodge a
 * filter that compares all 64. */
static void t_af_vsock_high(result_t *r)
{
	long fd = raw(SYS_socket, AF_VSOCK | (1L << 32), SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0);
	if (fd >= 0)
		return set(r, "ESCAPED", "socket(AF_VSOCK | 1<<32) created");
	set_errno(r, errno, "socket(AF_VSOCK | 1<<32)");
}

/* NETLINK_AUDIT: the socket opens for anyone; the kernel refuses the
 * request (AUDIT_GET needs CAP_AUDIT_CONTROL in the initial namespaces). */
static void t_af_netlink_audit(result_t *r)
{
	struct {
		struct nlmsghdr h;
		char pad[64];
	} req = {.h = {.nlmsg_len = NLMSG_LENGTH(0),
		       .nlmsg_type = AUDIT_GET,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		       .nlmsg_seq = 1}};
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 3};
	char buf[8192];
	ssize_t n;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0)
		return set_errno(r, errno, "socket(AF_NETLINK, NETLINK_AUDIT)");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return set_errno(r, errno, "send AUDIT_GET");
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return set_errno(r, errno, "recv the AUDIT_GET answer");
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(h);
			if (e->error < 0)
				return set_errno(r, -e->error,
						 "AUDIT_GET refused in the netlink ack");
			continue;
		}
		if (h->nlmsg_type == AUDIT_GET)
			return set(r, "ESCAPED",
				   "AUDIT_GET answered: the audit status is readable");
	}
	set(r, "ESCAPED", "AUDIT_GET acknowledged without error");
}

/* --- namespaces and kernel interfaces ---------------------------------- */

static void t_unshare_user(result_t *r)
{
	expect_fail(r, unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)");
}

static void t_unshare_ns(result_t *r)
{
	expect_fail(r, unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS),
		    "unshare(CLONE_NEWNS|CLONE_NEWNET|CLONE_NEWUTS)");
}

static void t_clone_newuser(result_t *r)
{
	expect_fail(r, raw_clone(CLONE_NEWUSER), "clone(CLONE_NEWUSER)");
}

static void t_clone3_newuser(result_t *r)
{
	expect_fail(r, raw_clone3(CLONE_NEWUSER), "clone3(CLONE_NEWUSER)");
}

static void t_setns(result_t *r)
{
	int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	expect_fail(r, setns(fd, 0), "setns(mnt)");
}

static void t_keyctl(result_t *r)
{
	long k = raw(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0, 0, 0);
	if (k >= 0)
		return set(r, "ESCAPED", "keyctl reached the user keyring (shared with the host)");
	if (errno != EPERM)
		return set_errno(r, errno, "keyctl(GET_KEYRING_ID, user)");
	k = raw(SYS_add_key, (long)"user", (long)"escape", (long)"x", 1, KEY_SPEC_USER_KEYRING);
	if (k >= 0)
		return set(r, "ESCAPED", "add_key worked");
	if (errno != EPERM)
		return set_errno(r, errno, "add_key");
	expect_fail(r, raw(SYS_request_key, (long)"user", (long)"escape", 0, 0, 0),
		    "keyctl, add_key, request_key");
}

static void t_bpf(result_t *r)
{
	char attr[128] = {0};
	expect_fail(r, raw(SYS_bpf, 0 /* BPF_MAP_CREATE */, (long)attr, sizeof(attr), 0, 0),
		    "bpf(BPF_MAP_CREATE)");
}

static void t_perf(result_t *r)
{
	struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE,
				    .size = sizeof(a),
				    .config = PERF_COUNT_SW_TASK_CLOCK,
				    .exclude_kernel = 1,
				    .exclude_hv = 1};
	expect_fail(r, raw(SYS_perf_event_open, (long)&a, 0, -1, -1, 0), "perf_event_open");
}

static void t_userfaultfd(result_t *r)
{
	/* UFFD_USER_MODE_ONLY: what an unprivileged user may ask for. */
	expect_fail(r, raw(SYS_userfaultfd, 1 | O_CLOEXEC, 0, 0, 0, 0), "userfaultfd");
}

static void t_io_uring(result_t *r)
{
	char params[120] = {0};
	expect_fail(r, raw(SYS_io_uring_setup, 1, (long)params, 0, 0, 0), "io_uring_setup");
}

static void t_kmod(result_t *r)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	expect_fail(r, raw(SYS_finit_module, fd, (long)"", 0, 0, 0), "finit_module");
}

static void t_iopl(result_t *r)
{
	expect_fail(r, raw(SYS_iopl, 3, 0, 0, 0, 0), "iopl(3)");
}

static void t_syslog(result_t *r)
{
	char buf[256];
	expect_fail(r, raw(SYS_syslog, 3 /* READ_ALL */, (long)buf, sizeof(buf), 0, 0),
		    "syslog(SYSLOG_ACTION_READ_ALL)");
}

/* dmesg through files: /dev/kmsg is not in the session's /dev and
 * /proc/kmsg is masked with /dev/null (reads nothing). */
static void t_dmesg(result_t *r)
{
	char buf[256];
	ssize_t n;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		return set(r, "ESCAPED", "/dev/kmsg opened");
	if (errno != ENOENT)
		return set_errno(r, errno, "/dev/kmsg");
	fd = open("/proc/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return set_errno(r, errno, "/dev/kmsg ENOENT; open /proc/kmsg");
	n = read(fd, buf, sizeof(buf));
	if (n > 0)
		return set(r, "ESCAPED", "read %zd bytes of kernel log from /proc/kmsg", n);
	if (n < 0)
		return set_errno(r, errno, "/dev/kmsg ENOENT; read /proc/kmsg");
	set(r, "NOTVISIBLE", "/dev/kmsg ENOENT; /proc/kmsg is masked (reads 0 bytes)");
}

#if defined(__x86_64__)
static void t_int80_getpid(result_t *r)
{
	long p = int80(20 /* i386 getpid */, 0, 0, 0);
	if (p < 0)
		return set_errno(r, errno, "int 0x80 getpid");
	if (p != getpid())
		return set(r, "ESCAPED", "int 0x80 getpid gave %ld, not %d", p, getpid());
	set(r, "OK", "int 0x80 getpid works (the 32-bit entry is live): %ld", p);
}

static void t_int80_unshare(result_t *r)
{
	expect_fail(r, int80(310 /* i386 unshare */, CLONE_NEWUSER, 0, 0),
		    "int 0x80 unshare(CLONE_NEWUSER)");
}

static void t_int80_chroot(result_t *r)
{
	expect_fail(r, int80(61 /* i386 chroot */, (long)(uintptr_t) "/tmp", 0, 0),
		    "int 0x80 chroot(/tmp)");
}

/* The 32-bit ABI has two ways to make a socket: the direct socket syscall
 * (359) and the socketcall(2) multiplexer (102), whose arguments sit in
 * memory a seccomp filter cannot read.  Static arrays: int 0x80 takes
 * 32-bit pointers, and this non-PIE static binary's data is below 4 GiB. */
static unsigned int socketcall_args[3];

static void t_int80_socket_vsock(result_t *r)
{
	expect_fail(r, int80(359 /* i386 socket */, AF_VSOCK, SOCK_STREAM, 0),
		    "int 0x80 socket(AF_VSOCK)");
}

static void t_int80_socketcall_vsock(result_t *r)
{
	socketcall_args[0] = AF_VSOCK;
	socketcall_args[1] = SOCK_STREAM;
	socketcall_args[2] = 0;
	expect_fail(r,
		    int80(102 /* i386 socketcall */, 1 /* SYS_SOCKET */,
			  (long)(uintptr_t)socketcall_args, 0),
		    "int 0x80 socketcall(SYS_SOCKET, AF_VSOCK)");
}

static void t_int80_keyctl(result_t *r)
{
	expect_fail(r,
		    int80(288 /* i386 keyctl */, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0),
		    "int 0x80 keyctl");
}
#endif

static void t_x32_getpid(result_t *r)
{
	expect_fail(r, raw(__X32_SYSCALL_BIT | SYS_getpid, 0, 0, 0, 0, 0), "x32 getpid");
}

static void t_x32_unshare(result_t *r)
{
	expect_fail(r, raw(__X32_SYSCALL_BIT | SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0),
		    "x32 unshare(CLONE_NEWUSER)");
}

/* --- /proc and /sys writes, cgroups ---------------------------------------- */

static void write_file(result_t *r, const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return set_errno(r, errno, "open %s for writing", path);
	if (write(fd, data, strlen(data)) < 0)
		return set_errno(r, errno, "write %s", path);
	set(r, "ESCAPED", "wrote %s", path);
}

static void t_sysrq(result_t *r)
{
	/* 'h' (help) only prints to the kernel log: harmless if it got through. */
	write_file(r, "/proc/sysrq-trigger", "h");
}

static void t_core_pattern(result_t *r)
{
	/* The classic container escape: a core_pattern pipe runs as host root. */
	write_file(r, "/proc/sys/kernel/core_pattern", "|/tmp/escape-core");
}

static void t_proc_sys_write(result_t *r)
{
	write_file(r, "/proc/sys/kernel/hostname", "escaped");
}

static void t_sys_write(result_t *r)
{
	static const char *const paths[] = {"/sys/kernel/uevent_helper", "/sys/power/state",
					    "/sys/class", NULL};
	for (int i = 0; paths[i]; i++) {
		struct stat st;
		if (stat(paths[i], &st) == 0)
			return write_file(r, paths[i], "x");
		if (errno != ENOENT)
			return set_errno(r, errno, "%s", paths[i]);
	}
	set(r, "ENOENT",
	    "no /sys in the session (/sys/kernel/uevent_helper, /sys/power/state, "
	    "/sys/class)");
}

/* Move ourselves to another cgroup (out of the session's limits). */
static void t_cgroup_procs(result_t *r)
{
	static const char *const paths[] = {
	    "/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/pids/cgroup.procs",
	    "/sys/fs/cgroup/memory/cgroup.procs", "/sys/fs/cgroup/unified/cgroup.procs", NULL};
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	for (int i = 0; paths[i]; i++) {
		int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, pid, strlen(pid)) >= 0)
				return set(r, "ESCAPED", "moved into %s", paths[i]);
			return set_errno(r, errno, "write %s", paths[i]);
		}
		if (errno != ENOENT)
			return set_errno(r, errno, "open %s", paths[i]);
	}
	set(r, "ENOENT",
	    "no cgroup file system in the session (cgroup.procs of the root, pids, "
	    "memory, unified)");
}

static void t_cgroup_mount(result_t *r)
{
	long ret = mount("cgroup2", "/tmp", "cgroup2", 0, NULL);
	if (ret == 0)
		return set(r, "ESCAPED", "mounted cgroup2 on /tmp");
	if (errno != EPERM)
		return set_errno(r, errno, "mount cgroup2");
	expect_fail(r, mount("cgroup", "/tmp", "cgroup", 0, "pids"), "mount cgroup2, cgroup(pids)");
}

/* --- cgroup limits ------------------------------------------------------ */

/* Fork until the kernel says no, in a process group of our own, then kill
 * the group.  The session's pids.max must stop it well before 2x the limit. */
static void t_forkbomb(result_t *r)
{
	int p[2];
	long cap = opt.pids_limit > 0 ? 2 * opt.pids_limit + 16 : 4096;
	struct {
		long n;
		int err;
	} res = {0, 0};
	pid_t leader;
	struct rlimit rl;

	if (pipe2(p, O_CLOEXEC) < 0)
		return set_errno(r, errno, "pipe");
	leader = fork();
	if (leader < 0)
		return set_errno(r, errno, "fork");
	if (leader == 0) {
		close(p[0]);
		setpgid(0, 0);
		for (;;) {
			pid_t c = fork();
			if (c == 0) {
				for (;;)
					pause();
			}
			if (c < 0) {
				res.err = errno;
				break;
			}
			if (++res.n >= cap)
				break;
		}
		if (write(p[1], &res, sizeof(res)) < 0)
			_exit(1);
		kill(0, SIGKILL); /* the whole group, the leader too */
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &res, sizeof(res)) != (ssize_t)sizeof(res))
		return set(r, "EIO", "no answer from the fork loop");
	waitpid(leader, NULL, 0);
	getrlimit(RLIMIT_NPROC, &rl);
	if (res.err == 0)
		return set(r, "ESCAPED", "%ld forks without a refusal (pids limit %ld)", res.n,
			   opt.pids_limit);
	set_errno(r, res.err, "fork refused after %ld forks (pids limit %ld, RLIMIT_NPROC %lld)",
		  res.n, opt.pids_limit, (long long)rl.rlim_cur);
}

/* Touch memory in 32 MiB steps until killed; the OOM killer of the session
 * cgroup must stop it before 2x the limit.  Progress comes through a pipe. */
static void t_memhog(result_t *r)
{
	const size_t step = 32UL << 20;
	long cap = opt.mem_limit > 0 ? 2 * opt.mem_limit + 64 : 4096; /* MiB */
	int p[2], st;
	long mib = 0, got;
	pid_t c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return set_errno(r, errno, "pipe");
	c = fork();
	if (c < 0)
		return set_errno(r, errno, "fork");
	if (c == 0) {
		long done = 0;
		close(p[0]);
		while (done < cap) {
			char *m = mmap(NULL, step, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				_exit(10);
			for (size_t i = 0; i < step; i += 4096)
				m[i] = 1;
			done += (long)(step >> 20);
			if (write(p[1], &done, sizeof(done)) < 0)
				_exit(11);
		}
		_exit(0);
	}
	close(p[1]);
	while (read(p[0], &got, sizeof(got)) == (ssize_t)sizeof(got))
		mib = got;
	waitpid(c, &st, 0);
	if (WIFSIGNALED(st))
		return set(r, "KILLED", "SIG%s after %ld MiB (memory limit %ld MiB)",
			   sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?", mib,
			   opt.mem_limit);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 10)
		return set(r, "ENOMEM", "mmap refused after %ld MiB (memory limit %ld MiB)", mib,
			   opt.mem_limit);
	set(r, "ESCAPED", "touched %ld MiB unharmed (memory limit %ld MiB)", mib, opt.mem_limit);
}

/* --- helper for the jailctl race tests ------------------------------------ */

/* Swap A and B (renameat2 RENAME_EXCHANGE: atomic, works for a file, a
 * directory and a symlink alike) as fast as possible for SECONDS. */
static int race_swap(const char *a, const char *b, const char *secs)
{
	time_t end = time(NULL) + atoi(secs);
	long n = 0;

	while (time(NULL) < end) {
		for (int i = 0; i < 1000; i++) {
			if (raw(SYS_renameat2, AT_FDCWD, (long)a, AT_FDCWD, (long)b,
				RENAME_EXCHANGE) < 0) {
				fprintf(stderr, "escape: race-swap %s %s: %s\n", a, b,
					strerror(errno));
				return 1;
			}
			n++;
		}
	}
	/* An even number of swaps leaves things as they were. */
	if (n % 2)
		raw(SYS_renameat2, AT_FDCWD, (long)a, AT_FDCWD, (long)b, RENAME_EXCHANGE);
	printf("race-swap: %ld swaps\n", n);
	return 0;
}

/* --- table and driver ------------------------------------------------------ */

struct technique {
	const char *name;
	void (*fn)(result_t *);
	const char *what;
};

static const struct technique techniques[] = {
    {"chroot-escape", t_chroot_escape, "double chroot and .. walk (needs CAP_SYS_CHROOT)"},
    {"dotdot", t_dotdot, ".. from / by chdir and openat stays at /"},
    {"fds", t_fds, "inherited fds: none above 2, none resolving outside the jail"},
    {"host-marker", t_host_marker, "a host-only file is not visible"},
    {"shadow", t_shadow, "no /etc/shadow (host's or the jail's own)"},
    {"link-host", t_link_host, "hard link to a host (setuid) file"},
    {"link-secret", t_link_secret, "hard link to a root-only file in the jail"},
    {"suid-root", t_suid_root, "exec a setuid-root copy (--suid): must not be root"},
    {"fcaps", t_fcaps, "exec a copy with file capabilities (--fcaps): must get none"},
    {"suid-user", t_suid_user, "exec a copy setuid to another user (--suid-user): no effect"},
    {"write-usr-bin", t_write_usr_bin, "create a file in /usr/bin"},
    {"write-passwd", t_write_passwd, "open /etc/passwd for writing"},
    {"write-jailsh", t_write_jailsh, "open the jail's jailsh (--jailsh) for writing"},
    {"devnode", t_devnode, "open a device node planted in the jail (--devnode)"},
    {"setuid0", t_setuid0, "setresuid(0,0,0)"},
    {"proc1-root", t_proc1_root, "/proc/1/root of the session init"},
    {"proc1-cwd", t_proc1_cwd, "/proc/1/cwd of the session init"},
    {"proc1-environ", t_proc1_environ, "/proc/1/environ of the session init"},
    {"proc1-exe", t_proc1_exe, "/proc/1/exe of the session init (read)"},
    {"proc1-exe-write", t_proc1_exe_write, "/proc/1/exe of the session init (write)"},
    {"proc1-mem", t_proc1_mem, "/proc/1/mem of the session init"},
    {"proc1-fd", t_proc1_fd, "/proc/1/fd of the session init"},
    {"proc-hostpid", t_proc_hostpid, "/proc/HOSTPID/{root,cwd,environ,exe}"},
    {"proc-scan", t_proc_scan, "every visible process is rooted at the jail"},
    {"unfiltered-mem", t_unfiltered_mem, "/proc/PID/mem of unfiltered processes of our uid"},
    {"ptrace-init", t_ptrace_init, "ptrace attach to the session init"},
    {"ptrace-child", t_ptrace_child, "ptrace attach to an own child"},
    {"ptrace-hostpid", t_ptrace_hostpid, "ptrace attach to a host process"},
    {"vmread-init", t_vmread_init, "process_vm_readv of the session init"},
    {"vmwrite-init", t_vmwrite_init, "process_vm_writev of the session init"},
    {"vmread-hostpid", t_vmread_hostpid, "process_vm_readv of a host process"},
    {"pidfd-getfd", t_pidfd_getfd, "pidfd_getfd of the session init's fds"},
    {"kill-init", t_kill_init, "signal the session init"},
    {"kill-hostpid", t_kill_hostpid, "signal a host process of the same uid"},
    {"kill-all", t_kill_all, "kill(-1): only the session's processes"},
    {"tiocsti-ctty", t_tiocsti_ctty, "TIOCSTI into the controlling terminal"},
    {"tiocsti-ctty-high", t_tiocsti_ctty_high, "TIOCSTI | 1<<32 into the controlling terminal"},
    {"tioclinux-ctty", t_tioclinux_ctty, "TIOCLINUX on the controlling terminal"},
    {"tioclinux-ctty-high", t_tioclinux_ctty_high, "TIOCLINUX | high bits on the ctty"},
    {"tiocsti-pty", t_tiocsti_pty, "TIOCSTI into an own controlling pty"},
    {"tiocsti-pty-high", t_tiocsti_pty_high, "TIOCSTI | 0xffffffff<<32 into an own pty"},
    {"tioclinux-pty", t_tioclinux_pty, "TIOCLINUX on an own controlling pty"},
#if defined(__x86_64__)
    {"int80-tiocsti", t_int80_tiocsti, "TIOCSTI through int 0x80"},
    {"int80-getpid", t_int80_getpid, "control: int 0x80 getpid works"},
    {"int80-unshare", t_int80_unshare, "unshare(CLONE_NEWUSER) through int 0x80"},
    {"int80-chroot", t_int80_chroot, "chroot through int 0x80"},
    {"int80-keyctl", t_int80_keyctl, "keyctl through int 0x80"},
    {"int80-socket-vsock", t_int80_socket_vsock, "socket(AF_VSOCK) through int 0x80 (direct)"},
    {"int80-socketcall-vsock", t_int80_socketcall_vsock,
     "socket(AF_VSOCK) through int 0x80 socketcall"},
#endif
    {"x32-getpid", t_x32_getpid, "x32 syscall number (getpid)"},
    {"x32-unshare", t_x32_unshare, "x32 syscall number (unshare)"},
    {"mknod-char", t_mknod_char, "mknod of /dev/mem"},
    {"mknod-block", t_mknod_block, "mknod of a disk"},
    {"devices", t_devices, "no dangerous device node in /dev"},
    {"mount-tmpfs", t_mount_tmpfs, "mount a tmpfs"},
    {"mount-proc", t_mount_proc, "mount a fresh, unmasked procfs"},
    {"remount-rw", t_remount_rw, "remount /proc/sys read-write"},
    {"umount-mask", t_umount_mask, "unmount the /proc masks"},
    {"pivot-root", t_pivot_root, "pivot_root"},
    {"mount-api", t_mount_api, "fsopen, open_tree(CLONE), move_mount"},
    {"open-by-handle", t_open_by_handle, "name_to_handle_at / open_by_handle_at (shocker)"},
    {"unix-host", t_unix_host, "connect to host daemons' unix sockets"},
    {"abstract", t_abstract, "connect to a host abstract unix socket"},
    {"af-packet", t_af_packet, "socket(AF_PACKET)"},
    {"af-inet-raw", t_af_inet_raw, "socket(AF_INET, SOCK_RAW)"},
    {"af-key", t_af_key, "socket(AF_KEY)"},
    {"af-alg", t_af_alg, "socket(AF_ALG)"},
    {"af-vsock", t_af_vsock, "socket(AF_VSOCK)"},
    {"af-vsock-high", t_af_vsock_high, "socket(AF_VSOCK | 1<<32)"},
    {"af-netlink-audit", t_af_netlink_audit, "NETLINK_AUDIT AUDIT_GET"},
    {"unshare-user", t_unshare_user, "unshare(CLONE_NEWUSER)"},
    {"unshare-ns", t_unshare_ns, "unshare(NEWNS|NEWNET|NEWUTS)"},
    {"clone-newuser", t_clone_newuser, "clone(CLONE_NEWUSER)"},
    {"clone3-newuser", t_clone3_newuser, "clone3(CLONE_NEWUSER)"},
    {"setns", t_setns, "setns into the init's mount namespace"},
    {"keyctl", t_keyctl, "keyctl, add_key, request_key"},
    {"bpf", t_bpf, "bpf"},
    {"perf", t_perf, "perf_event_open"},
    {"userfaultfd", t_userfaultfd, "userfaultfd"},
    {"io-uring", t_io_uring, "io_uring_setup"},
    {"kmod", t_kmod, "finit_module"},
    {"iopl", t_iopl, "iopl"},
    {"syslog", t_syslog, "syslog(2) read"},
    {"dmesg", t_dmesg, "/dev/kmsg and /proc/kmsg"},
    {"sysrq", t_sysrq, "write /proc/sysrq-trigger"},
    {"core-pattern", t_core_pattern, "write /proc/sys/kernel/core_pattern"},
    {"proc-sys-write", t_proc_sys_write, "write /proc/sys/kernel/hostname"},
    {"sys-write", t_sys_write, "write /sys"},
    {"cgroup-procs", t_cgroup_procs, "move to another cgroup (cgroup.procs)"},
    {"cgroup-mount", t_cgroup_mount, "mount a cgroup file system"},
    {"forkbomb", t_forkbomb, "fork until refused (pids.max)"},
    {"memhog", t_memhog, "touch memory until killed (memory limit)"},
};

#define N_TECH (sizeof(techniques) / sizeof(techniques[0]))

/* Run by the planted copies only (not listed). */
static const struct technique internal[] = {
    {"suid-check", t_suid_check, "as the setuid-root copy: uid and setuid(0)"},
    {"fcaps-check", t_fcaps_check, "as the file-capability copy: CapEff and the secret"},
    {"suid-user-check", t_suid_user_check, "as the setuid-user copy: uid, euid, suid"},
};

static const struct technique *find(const char *name)
{
	for (size_t i = 0; i < N_TECH; i++)
		if (strcmp(techniques[i].name, name) == 0)
			return &techniques[i];
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		if (strcmp(internal[i].name, name) == 0)
			return &internal[i];
	return NULL;
}

/* One technique in a child: its result line, or KILLED when it died. */
static void run(const struct technique *t)
{
	int p[2], st;
	result_t r = {0};
	char line[700];
	ssize_t n = 0, k;
	pid_t c;

	fflush(stdout);
	if (pipe2(p, O_CLOEXEC) < 0 || (c = fork()) < 0) {
		printf("RESULT %s EIO probe could not fork: %s\n", t->name, strerror(errno));
		return;
	}
	if (c == 0) {
		close(p[0]);
		result_fd = p[1];
		alarm(60);
		r.outcome = "EIO";
		snprintf(r.detail, sizeof(r.detail), "no result");
		t->fn(&r);
		for (char *s = r.detail; *s; s++)
			if (*s == '\n' || *s == '\r')
				*s = ' ';
		k = snprintf(line, sizeof(line), "%s %s", r.outcome, r.detail);
		if (write(p[1], line, (size_t)k) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	while (n < (ssize_t)sizeof(line) - 1 &&
	       (k = read(p[0], line + n, sizeof(line) - 1 - (size_t)n)) > 0)
		n += k;
	line[n] = '\0';
	close(p[0]);
	waitpid(c, &st, 0);
	if (WIFSIGNALED(st)) {
		const char *sig = sigabbrev_np(WTERMSIG(st));
		printf("RESULT %s KILLED SIG%s (%s)\n", t->name, sig ? sig : "?",
		       n > 0 ? line : "before it could report");
		return;
	}
	if (n == 0) {
		printf("RESULT %s EIO the child exited with status %d and no result\n", t->name,
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return;
	}
	printf("RESULT %s %s\n", t->name, line);
}

static int usage(void)
{
	fprintf(stderr, "usage: escape [--marker PATH] [--hostpid PID] [--abstract NAME] "
			"[--hostsock PATH] [--secret PATH] [--suid PATH] [--fcaps PATH] "
			"[--suid-user PATH] [--devnode PATH] [--jailsh PATH] "
			"[--pids-limit N] [--mem-limit MIB] "
			"TECHNIQUE...\n"
			"       escape list\n"
			"       escape race-swap A B SECONDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		for (size_t k = 0; k < N_TECH; k++)
			printf("%s\t%s\n", techniques[k].name, techniques[k].what);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "race-swap") == 0)
		return race_swap(argv[2], argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "race-mem") == 0)
		return race_mem(argv[2]);
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *o = argv[i] + 2, *v = argv[i + 1];
		if (strcmp(o, "marker") == 0)
			opt.marker = v;
		else if (strcmp(o, "hostpid") == 0)
			opt.hostpid = atol(v);
		else if (strcmp(o, "abstract") == 0)
			opt.abstract = v;
		else if (strcmp(o, "hostsock") == 0)
			opt.hostsock = v;
		else if (strcmp(o, "secret") == 0)
			opt.secret = v;
		else if (strcmp(o, "suid") == 0)
			opt.suid = v;
		else if (strcmp(o, "fcaps") == 0)
			opt.fcaps = v;
		else if (strcmp(o, "suid-user") == 0)
			opt.suid_user = v;
		else if (strcmp(o, "devnode") == 0)
			opt.devnode = v;
		else if (strcmp(o, "jailsh") == 0)
			opt.jailsh = v;
		else if (strcmp(o, "pids-limit") == 0)
			opt.pids_limit = atol(v);
		else if (strcmp(o, "mem-limit") == 0)
			opt.mem_limit = atol(v);
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	for (int k = i; k < argc; k++)
		if (find(argv[k]) == NULL) {
			fprintf(stderr, "escape: unknown technique '%s' (escape list)\n", argv[k]);
			return 2;
		}
	for (; i < argc; i++)
		run(find(argv[i]));
	fflush(stdout);
	return 0;
}
