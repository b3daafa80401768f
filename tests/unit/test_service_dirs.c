/* A service's state, logs and runtime dirs (lib/session/service-dirs.c) and
 * jail_mounts_bind_fd (lib/confine/mounts.c), for real, as root, in a mount
 * namespace of the test's own: a scratch jail under /run bound read-only on
 * itself by jail_mounts_begin (as the sandbox does) with a tmpfs on its
 * /run, scratch state and logs roots beside it.  The attacks are planted:
 * a symlink at the state dir, a symlink inside it, a symlinked or
 * group-writable root, a symlinked mount point in the jail; each must
 * fail (or be left alone) and change nothing. */
#define _GNU_SOURCE
#include "tap.h"
#include "base/safefs.h"
#include "base/util.h"
#include "confine/mounts.h"
#include "session/service-dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define UID  1234
#define GID  2345
#define UID2 5678

static char base[64];
static char state[128], logs[128], outside[128];

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Whether DIR/NAME exists (not following a symlink). */
static bool exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

static int stat_host(const char *root, const char *name, struct stat *st)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, name);
	return lstat(p, st);
}

/* A tmpfs on ROOT_FD/run, as the sandbox's step 5. */
static void run_tmpfs(int root_fd)
{
	int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
	int mfd, t;

	if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		bail("tmpfs");
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	t = openat(root_fd, "run", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (mfd < 0 || t < 0 ||
	    move_mount(mfd, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		bail("mount the tmpfs on run");
	close(fsfd);
	close(mfd);
	close(t);
}

/* Make BASE/NAME a jail (0755 root, with run/ and what MAKE adds) and bind
 * it read-only on itself; returns the root fd. */
static int make_root(int basefd, const char *name, bool tmpfs, void (*make)(int jfd))
{
	jail_error_t err = {0};
	int jfd, root_fd;

	if (mkdirat(basefd, name, 0755) < 0)
		bail("mkdir jail");
	jfd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (jfd < 0 || mkdirat(jfd, "run", 0755) < 0)
		bail("jail/run");
	if (make)
		make(jfd);
	root_fd = jail_mounts_begin(jfd, &err);
	if (root_fd < 0) {
		printf("Bail out! jail_mounts_begin: %s\n", err.msg);
		exit(1);
	}
	close(jfd);
	if (tmpfs)
		run_tmpfs(root_fd);
	return root_fd;
}

static void plant_srv_link(int jfd)
{
	if (symlinkat("/etc", jfd, "srv") < 0)
		bail("symlink srv");
}

static void plant_log_link(int jfd)
{
	if (mkdirat(jfd, "var", 0755) < 0 || mkdirat(jfd, "var/lib", 0755) < 0 ||
	    symlinkat("/tmp", jfd, "var/log") < 0)
		bail("symlink var/log");
}

static void plant_var_link(int jfd)
{
	if (symlinkat("/tmp", jfd, "var") < 0)
		bail("symlink var");
}

static int call(const char *name, const char *sdir, const char *ldir, const char *rdir,
		const char *sroot, uid_t uid, int root_fd, jail_strv_t *warn, jail_error_t *err)
{
	jail_service_t svc = {0};

	svc.name = (char *)name;
	svc.state_dir = (char *)sdir;
	svc.logs_dir = (char *)ldir;
	svc.runtime_dir = (char *)rdir;
	jail_error_clear(err);
	return jail_service_dirs_mount(&svc, sroot ? sroot : state, logs, uid, uid == 0 ? 0 : GID,
				       root_fd, warn, err);
}

static void fresh(int root_fd)
{
	cleanup_strv jail_strv_t warn = {0};
	jail_error_t err = {0};
	struct stat st, in;
	struct statvfs sv;
	int fd;

	ok(call("web", "web", "web", "web", NULL, UID, root_fd, &warn, &err) == 0,
	   "fresh: state, logs and runtime dirs made (%s)", err.msg);
	is_int(warn.n, 0, "fresh: no warning for dirs just created");
	ok(stat(state, &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0755,
	   "fresh: the missing state root was created 0755 root");
	ok(stat_host(state, "web", &st) == 0 && S_ISDIR(st.st_mode),
	   "fresh: state/web created on the host");
	ok(st.st_uid == UID && st.st_gid == GID, "fresh: state/web owned by %d:%d", UID, GID);
	is_int(st.st_mode & 07777, 0750, "fresh: state/web mode 0750");
	ok(fstatat(root_fd, "var/lib/web", &in, AT_SYMLINK_NOFOLLOW) == 0 &&
	       in.st_ino == st.st_ino && in.st_dev == st.st_dev,
	   "fresh: /var/lib/web in the jail is the host's state/web");
	fd = openat(root_fd, "var/lib/web/data", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ok(fd >= 0, "fresh: /var/lib/web is writable in the read-only jail");
	if (fd >= 0)
		close(fd);
	ok(stat_host(state, "web/data", &st) == 0, "fresh: and what is written lands on the host");
	fd = openat(root_fd, "var/lib/web", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok(fd >= 0 && fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOSUID) && (sv.f_flag & ST_NODEV) &&
	       !(sv.f_flag & ST_RDONLY),
	   "fresh: /var/lib/web is mounted nosuid, nodev, read-write");
	if (fd >= 0)
		close(fd);

	ok(stat_host(logs, "web", &st) == 0 && st.st_uid == UID && st.st_gid == GID &&
	       (st.st_mode & 07777) == 0750,
	   "fresh: logs/web created 0750 %d:%d", UID, GID);
	ok(fstatat(root_fd, "var/log/web", &in, AT_SYMLINK_NOFOLLOW) == 0 &&
	       in.st_ino == st.st_ino && in.st_dev == st.st_dev,
	   "fresh: /var/log/web in the jail is the host's logs/web");
	fd = openat(root_fd, "var/log/web/x.log", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ok(fd >= 0, "fresh: /var/log/web is writable");
	if (fd >= 0)
		close(fd);

	ok(fstatat(root_fd, "run/web", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == UID && st.st_gid == GID && (st.st_mode & 07777) == 0755,
	   "fresh: /run/web made 0755 %d:%d", UID, GID);
	{
		struct statfs sf;
		fd = openat(root_fd, "run/web", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ok(fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == TMPFS_MAGIC,
		   "fresh: /run/web is on the sandbox's tmpfs");
		if (fd >= 0)
			close(fd);
	}
	errno = 0;
	ok(mkdirat(root_fd, "newdir", 0755) < 0 && errno == EROFS,
	   "fresh: the jail root is read-only again after the mount point was made");
}

static void wrong_owner(int root_fd, int basefd)
{
	cleanup_strv jail_strv_t warn = {0};
	jail_error_t err = {0};
	char p[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(p, sizeof(p), "%s/db", state);
	if (mkdir(p, 0700) < 0)
		bail("mkdir db");
	snprintf(p, sizeof(p), "%s/db/old", state);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		bail("db/old");
	close(fd);
	/* a symlink inside, out to a dir of someone else's */
	snprintf(p, sizeof(p), "%s/db/link", state);
	if (symlink(outside, p) < 0)
		bail("db/link");
	(void)basefd;

	ok(call("db", "db", NULL, NULL, NULL, UID, root_fd, &warn, &err) == 0,
	   "wrong owner: accepted (%s)", err.msg);
	ok(stat_host(state, "db", &st) == 0 && st.st_uid == UID && st.st_gid == GID,
	   "wrong owner: state/db chowned to %d:%d", UID, GID);
	is_int(st.st_mode & 07777, 0700, "wrong owner: an existing dir keeps its mode");
	is_int(warn.n, 1, "wrong owner: one warning");
	like(warn.n ? warn.v[0] : NULL, "was owned by uid 0", "wrong owner: names the old owner");
	like(warn.n ? warn.v[0] : NULL, "its contents keep their owners",
	     "wrong owner: says the contents keep theirs");
	like(warn.n ? warn.v[0] : NULL, state, "wrong owner: names the host path");
	ok(stat_host(state, "db/old", &st) == 0 && st.st_uid == 0,
	   "wrong owner: a file inside is not chowned");
	ok(stat_host(state, "db/link", &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid == 0,
	   "wrong owner: a symlink inside is not chowned");
	ok(stat(outside, &st) == 0 && st.st_uid == 4321 && st.st_gid == 4321,
	   "wrong owner: the symlink's target keeps its owner");

	/* Again, as a new uid (a dynamic user that moved): the user's
	 * symlink inside is still left alone. */
	jail_strv_clear(&warn);
	ok(call("db", "db", NULL, NULL, NULL, UID2, root_fd, &warn, &err) == 0,
	   "owner change: accepted (%s)", err.msg);
	ok(stat_host(state, "db", &st) == 0 && st.st_uid == UID2, "owner change: state/db now %d",
	   UID2);
	like(warn.n ? warn.v[0] : NULL, "was owned by uid 1234", "owner change: warned");
	ok(stat(outside, &st) == 0 && st.st_uid == 4321,
	   "owner change: the target of the symlink inside keeps its owner");

	jail_strv_clear(&warn);
	ok(call("db", "db", NULL, NULL, NULL, UID2, root_fd, &warn, &err) == 0 && warn.n == 0,
	   "right owner: no chown, no warning");
}

static void planted_symlinks(int root_fd)
{
	jail_error_t err = {0};
	char p[PATH_MAX];
	struct stat st, etc_before, etc_after;

	snprintf(p, sizeof(p), "%s/evil", state);
	if (symlink(outside, p) < 0)
		bail("symlink evil");
	ok(call("evil", "evil", NULL, NULL, NULL, UID, root_fd, NULL, &err) < 0,
	   "symlink at state/NAME: refused");
	is_int(err.code, ELOOP, "symlink at state/NAME: ELOOP");
	like(err.msg, "is a symlink", "symlink at state/NAME: says it is a symlink");
	like(err.msg, p, "symlink at state/NAME: names the host path");
	ok(stat(outside, &st) == 0 && st.st_uid == 4321 && st.st_gid == 4321,
	   "symlink at state/NAME: its target keeps its owner");
	ok(fstatat(root_fd, "var/lib/evil", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
	   "symlink at state/NAME: nothing mounted, no mount point made");

	snprintf(p, sizeof(p), "%s/etc", state);
	if (symlink("/etc", p) < 0 || stat("/etc", &etc_before) < 0)
		bail("symlink etc");
	ok(call("etc", "etc", NULL, NULL, NULL, UID, root_fd, NULL, &err) < 0 && err.code == ELOOP,
	   "state/NAME -> /etc: refused");
	ok(stat("/etc", &etc_after) == 0 && etc_after.st_uid == etc_before.st_uid &&
	       etc_after.st_gid == etc_before.st_gid && etc_after.st_mode == etc_before.st_mode,
	   "state/NAME -> /etc: /etc unchanged");

	/* A new state dir, then a symlinked logs dir: the state dir this call
	 * made is gone again. */
	snprintf(p, sizeof(p), "%s/evil", logs);
	if (symlink(outside, p) < 0)
		bail("symlink logs/evil");
	ok(call("half", "half", "evil", NULL, NULL, UID, root_fd, NULL, &err) < 0,
	   "symlinked logs dir: refused");
	like(err.msg, "logs_dir", "symlinked logs dir: names the key");
	ok(!exists(state, "half"), "symlinked logs dir: the state dir it made is removed");

	snprintf(p, sizeof(p), "%s/plain", state);
	if (close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0)
		bail("plain file");
	ok(call("plain", "plain", NULL, NULL, NULL, UID, root_fd, NULL, &err) < 0 &&
	       err.code == ENOTDIR,
	   "a file at state/NAME: refused");
	like(err.msg, "is not a directory", "a file at state/NAME: says so");
	ok(stat(p, &st) == 0 && st.st_uid == 0, "a file at state/NAME: not chowned");
}

static void bad_roots(int root_fd)
{
	jail_error_t err = {0};
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/stlink", base);
	if (symlink(state, p) < 0)
		bail("symlink root");
	ok(call("r1", "r1", NULL, NULL, p, UID, root_fd, NULL, &err) < 0,
	   "a symlinked state root: refused");
	like(err.msg, "is a symlink", "a symlinked state root: says so");
	ok(!exists(state, "r1"), "a symlinked state root: nothing made through it");

	snprintf(p, sizeof(p), "%s/gw", base);
	if (mkdir(p, 0755) < 0 || chmod(p, 0775) < 0)
		bail("gw");
	ok(call("r2", "r2", NULL, NULL, p, UID, root_fd, NULL, &err) < 0,
	   "a group-writable state root: refused");
	like(err.msg, "writable by its group", "a group-writable state root: says so");
	ok(!exists(p, "r2"), "a group-writable state root: nothing made in it");

	snprintf(p, sizeof(p), "%s/nr", base);
	if (mkdir(p, 0755) < 0 || chown(p, UID, GID) < 0)
		bail("nr");
	ok(call("r3", "r3", NULL, NULL, p, UID, root_fd, NULL, &err) < 0,
	   "a state root owned by the service user: refused");
	like(err.msg, "owned by uid 1234", "a user-owned state root: says so");

	ok(call("r4", "../x", NULL, NULL, NULL, UID, root_fd, NULL, &err) < 0 && err.code == EINVAL,
	   "state_dir '../x': refused");
	ok(call("r4", "a/b", NULL, NULL, NULL, UID, root_fd, NULL, &err) < 0 && err.code == EINVAL,
	   "state_dir 'a/b': refused");
	ok(call("r4", NULL, NULL, "..", NULL, UID, root_fd, NULL, &err) < 0 && err.code == EINVAL,
	   "runtime_dir '..': refused");
}

static void runtime_fails(int root_fd, int basefd)
{
	jail_error_t err = {0};
	int root2;
	struct stat st;

	/* /run/web exists from fresh(): refused, and the host dir this call
	 * made removed. */
	ok(call("again", "again", NULL, "web", NULL, UID, root_fd, NULL, &err) < 0 &&
	       err.code == EEXIST,
	   "an existing /run/NAME: refused");
	like(err.msg, "already exists", "an existing /run/NAME: says so");
	ok(!exists(state, "again"), "an existing /run/NAME: the state dir made is removed");

	/* A root whose /run is the jail tree, not a tmpfs. */
	root2 = make_root(basefd, "jail2", false, plant_var_link);
	ok(call("notmp", NULL, NULL, "notmp", NULL, UID, root2, NULL, &err) < 0,
	   "/run not a tmpfs: refused");
	like(err.msg, "not the sandbox's tmpfs", "/run not a tmpfs: says so");
	ok(fstatat(root2, "run/notmp", &st, AT_SYMLINK_NOFOLLOW) < 0,
	   "/run not a tmpfs: nothing made in the jail tree");

	/* The jail's /var is a symlink: the mount fails, the new host dirs go. */
	ok(call("m1", "m1", "m1", NULL, NULL, UID, root2, NULL, &err) < 0,
	   "a symlinked mount point in the jail: refused");
	is_int(err.code, ELOOP, "a symlinked mount point: ELOOP");
	like(err.msg, "passes through a symlink", "a symlinked mount point: says so");
	ok(!exists(state, "m1") && !exists(logs, "m1"),
	   "a symlinked mount point: the state and logs dirs made are removed");
	/* The same with the openat() walk instead of openat2(). */
	jail_safefs_force_fallback(true);
	ok(call("m3", "m3", NULL, NULL, NULL, UID, root2, NULL, &err) < 0 && err.code == ELOOP,
	   "a symlinked mount point, openat() walk: refused");
	like(err.msg, "passes through a symlink",
	     "a symlinked mount point, openat() walk: says so");
	ok(!exists(state, "m3"),
	   "a symlinked mount point, openat() walk: the state dir is removed");
	jail_safefs_force_fallback(false);
	close(root2);

	/* /var/lib is fine, /var/log a symlink: the state dir is already bound
	 * when the logs mount fails; the host dir goes all the same. */
	root2 = make_root(basefd, "jail4", true, plant_log_link);
	ok(call("m2", "m2", "m2", NULL, NULL, UID, root2, NULL, &err) < 0 && err.code == ELOOP,
	   "state bound, logs mount point a symlink: refused");
	like(err.msg, "logs_dir", "state bound, logs refused: names logs_dir");
	ok(!exists(state, "m2") && !exists(logs, "m2"),
	   "state bound, logs refused: both host dirs made are removed");
	close(root2);
}

static void bind_fd(int root_fd, int other_ns_fd)
{
	jail_error_t err = {0};
	static const char *const bad[] = {"/", "/proc", "/proc/x", "/dev", "/dev/shm", NULL};
	char p[PATH_MAX];
	struct stat st;
	int src, root3, fd;

	snprintf(p, sizeof(p), "%s/src", base);
	if (mkdir(p, 0755) < 0)
		bail("src");
	src = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		bail("open src");
	for (size_t i = 0; bad[i]; i++) {
		jail_error_clear(&err);
		ok(jail_mounts_bind_fd(root_fd, src, bad[i], false, &err) < 0 && err.code == EINVAL,
		   "bind_fd at %s: refused", bad[i]);
		like(err.msg, "must not be /, nor at or beneath /proc or /dev",
		     "bind_fd at %s: says why", bad[i]);
	}
	jail_error_clear(&err);
	ok(jail_mounts_bind_fd(root_fd, src, "/var/../etc", false, &err) < 0,
	   "bind_fd at /var/../etc: refused");

	jail_error_clear(&err);
	ok(jail_mounts_bind_fd(root_fd, src, "/opt/ro", true, &err) == 0,
	   "bind_fd read-only at /opt/ro (%s)", err.msg);
	errno = 0;
	fd = openat(root_fd, "opt/ro/f", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ok(fd < 0 && errno == EROFS, "bind_fd read-only: not writable");
	if (fd >= 0)
		close(fd);

	jail_error_clear(&err);
	ok(jail_mounts_bind_fd(root_fd, other_ns_fd, "/opt/ns", false, &err) < 0,
	   "bind_fd of a dir opened in another mount namespace: refused");
	like(err.msg, "another mount namespace", "  and the message says why");
	ok(fstatat(root_fd, "opt/ns", &st, AT_SYMLINK_NOFOLLOW) < 0,
	   "  and no mount point was made");

	root3 = make_root(open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "jail3", true,
			  plant_srv_link);
	jail_error_clear(&err);
	ok(jail_mounts_bind_fd(root3, src, "/srv/x", false, &err) < 0 && err.code == ELOOP,
	   "bind_fd through a symlink in the jail (/srv -> /etc): refused");
	ok(lstat("/etc/x", &st) < 0, "  and nothing made in /etc");
	close(root3);
	close(src);
}

static int run_tests(void)
{
	int basefd, root_fd, other_ns_fd;

	other_ns_fd = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (other_ns_fd < 0)
		bail("open /run");
	if (unshare(CLONE_NEWNS) < 0)
		bail("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		bail("make / private");
	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (basefd < 0)
		bail("open base");
	if (mkdir(logs, 0755) < 0 || mkdir(outside, 0755) < 0 || chown(outside, 4321, 4321) < 0)
		bail("scratch dirs");
	root_fd = make_root(basefd, "jail", true, NULL);

	fresh(root_fd);
	wrong_owner(root_fd, basefd);
	planted_symlinks(root_fd);
	bad_roots(root_fd);
	runtime_fails(root_fd, basefd);
	bind_fd(root_fd, other_ns_fd);
	close(root_fd);
	close(basefd);
	close(other_ns_fd);
	return done_testing();
}

int main(void)
{
	jail_error_t err = {0};
	int status, runfd;
	pid_t pid;

	if (geteuid() != 0) {
		printf("Bail out! needs root (mount namespaces, chown)\n");
		return 1;
	}
	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0)
		bail("scratch dir under /run");
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(logs, sizeof(logs), "%s/logs", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	fflush(stdout);
	/* The tests run in a child in a mount namespace of its own; the
	 * scratch tree is removed from here, where none of its mounts are. */
	pid = fork();
	if (pid < 0)
		bail("fork");
	if (pid == 0)
		exit(run_tests()); /* exit, not _exit: stdout flushed, LeakSanitizer run */
	if (waitpid(pid, &status, 0) < 0)
		bail("waitpid");
	runfd = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (runfd < 0 || jail_remove_tree_beneath(runfd, base + strlen("/run/"), &err) < 0)
		printf("# cleanup of %s: %s\n", base, err.msg);
	if (runfd >= 0)
		close(runfd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
