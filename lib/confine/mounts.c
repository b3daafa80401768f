#define _GNU_SOURCE
#include "confine/mounts.h"
#include "confine/mounts-internal.h"
#include "base/fault.h"
#include "base/safefs.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* --- bind specs ------------------------------------------------------- */

static bool path_at_or_under(const char *path, const char *top)
{
	size_t n = strlen(top);

	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int jail_bind_parse(const char *spec, bool ro, jail_bind_t *out, jail_error_t *err)
{
	const char *colon = strchr(spec, ':');
	cleanup_free char *host = NULL;
	cleanup_free char *jail = NULL;
	cleanup_free char *hraw = NULL;

	memset(out, 0, sizeof(*out));
	hraw = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	if (hraw == NULL)
		return jail_error_set(err, ENOMEM, "bind spec");
	host = jail_path_normalize(hraw, err);
	if (host == NULL)
		return jail_error_wrap(err, "%s '%s': host path", ro ? "bind_ro" : "bind_rw", spec);
	jail = jail_path_normalize(colon ? colon + 1 : hraw, err);
	if (jail == NULL)
		return jail_error_wrap(err, "%s '%s': jail path", ro ? "bind_ro" : "bind_rw", spec);
	if (jail_bind_target_refusal(jail) != NULL)
		return jail_error_fmt(err, EINVAL,
				      "%s '%s': the jail path must not be /, nor at or beneath "
				      "/proc or /dev",
				      ro ? "bind_ro" : "bind_rw", spec);
	out->host = steal_pointer(&host);
	out->jail = steal_pointer(&jail);
	out->ro = ro;
	return 0;
}

void jail_bind_clear(jail_bind_t *b)
{
	free(b->host);
	free(b->jail);
	b->host = b->jail = NULL;
}

/* --- small mount helpers ---------------------------------------------- */

int jail_mounts_attach(int mfd, int target_fd, const char *what, jail_error_t *err)
{
	if (move_mount(mfd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return jail_error_set(err, errno, "mount %s", what);
	return 0;
}

static int set_attrs(int mfd, uint64_t attrs, bool recursive, const char *what, jail_error_t *err)
{
	struct mount_attr attr = {.attr_set = attrs};

	if (mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof(attr)) < 0)
		return jail_error_set(err, errno, "set mount flags of %s", what);
	return 0;
}

int jail_mounts_new_fs(const char *fstype, const char *const *opts, uint64_t attrs,
		       const char *what, jail_error_t *err)
{
	cleanup_close int fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
	int mfd;

	if (fsfd < 0)
		return jail_error_set(err, errno, "%s: fsopen %s", what, fstype);
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
		return jail_error_set(err, errno, "%s: %s source", what, fstype);
	for (size_t i = 0; opts && opts[i]; i += 2) {
		int r = opts[i + 1] ? fsconfig(fsfd, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
				    : fsconfig(fsfd, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
		if (r < 0)
			return jail_error_set(err, errno, "%s: %s option %s%s%s", what, fstype,
					      opts[i], opts[i + 1] ? "=" : "",
					      opts[i + 1] ? opts[i + 1] : "");
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return jail_error_set(err, errno, "%s: create %s", what, fstype);
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)attrs);
	if (mfd < 0)
		return jail_error_set(err, errno, "%s: fsmount %s", what, fstype);
	return mfd;
}

void jail_mounts_warn(const jail_mount_plan_t *plan, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;

	if (plan->warnings == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jail_strv_push(plan->warnings, msg, NULL);
}

/* Make the jail's root mount (ROOT_FD, the root of the tree bound in step 2)
 * writable (RW) or read-only again.  Only the root mount itself, not what is
 * mounted on or beneath it. */
static int root_mount_rw(int root_fd, bool rw, jail_error_t *err)
{
	struct mount_attr attr = {0};

	if (rw)
		attr.attr_clr = MOUNT_ATTR_RDONLY;
	else
		attr.attr_set = MOUNT_ATTR_RDONLY;
	if (mount_setattr(root_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return jail_error_set(err, errno, "make the jail root %s",
				      rw ? "writable to create a mount point" : "read-only again");
	return 0;
}

/* Run MKDIRS (jail_mkdirs_beneath of REL beneath ROOT_FD, or the creation of
 * a file mount point) and, when it fails with EROFS because the missing
 * mount point belongs on the jail tree, which is read-only from step 2 on,
 * once more with the root mount writable for that one call.  A mount point
 * the jail lacks is thus created in the jail itself, as before the tree was
 * read-only (jailctl init creates the usual ones; a bind target may be new).
 * Nobody but this process and the session init (ours) is in the new mount
 * namespace yet, and the root mount is read-only again before we go on, or
 * the session fails.  A mount point beneath another read-only mount (a
 * bind_ro, a submount of the jail) still fails with EROFS. */
static int create_target(int root_fd, const char *rel,
			 int (*create)(int root_fd, const char *rel, jail_error_t *err),
			 jail_error_t *err)
{
	jail_error_t e2 = {0};
	int fd = create(root_fd, rel, &e2);

	if (fd >= 0)
		return fd;
	if (!jail_error_is(&e2, EROFS))
		return jail_error_move(err, &e2);
	if (root_mount_rw(root_fd, true, err) < 0)
		return -1;
	fd = create(root_fd, rel, err);
	if (root_mount_rw(root_fd, false, fd < 0 ? NULL : err) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int mkdirs_root(int root_fd, const char *rel, jail_error_t *err)
{
	return jail_mkdirs_beneath(root_fd, rel, 0755, 0, 0, err);
}

/* Open (creating it when missing, mode 0755 root) the directory REL beneath
 * ROOT_FD as a mount point.  Symlinks anywhere are refused. */
static int open_dir_target(int root_fd, const char *rel, jail_error_t *err)
{
	jail_error_t e2 = {0};
	int fd = jail_openat_beneath(root_fd, rel, O_PATH | O_DIRECTORY, 0, &e2);

	if (fd >= 0)
		return fd;
	if (!jail_error_is(&e2, ENOENT)) {
		struct stat st;

		if (jail_stat_beneath(root_fd, rel, &st, NULL) == 0 && S_ISLNK(st.st_mode))
			return jail_error_fmt(
			    err, ELOOP,
			    "mount point %s in the jail is a symlink (symlinks are "
			    "never followed)",
			    rel);
		if (jail_error_is(&e2, ELOOP))
			return jail_error_fmt(err, ELOOP,
					      "mount point %s in the jail passes through a symlink "
					      "(symlinks are never followed)",
					      rel);
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "mount point %s in the jail", rel);
	}
	fd = create_target(root_fd, rel, mkdirs_root, err);
	if (fd < 0)
		return jail_error_wrap(err, "create mount point %s in the jail", rel);
	return fd;
}

/* Create (when missing, an empty 0644 root file, and its missing parent
 * directories 0755 root) and open the file REL beneath ROOT_FD. */
static int create_file(int root_fd, const char *rel, jail_error_t *err)
{
	cleanup_close int pfd = -1;
	cleanup_close int dfd = -1;
	const char *base;
	int fd;

	jail_error_t e2 = {0};

	pfd = jail_open_parent_beneath(root_fd, rel, &base, &e2);
	if (pfd < 0) {
		if (!jail_error_is(&e2, ENOENT)) {
			jail_error_move(err, &e2);
			return jail_error_wrap(err, "mount point %s in the jail", rel);
		}
		{
			cleanup_free char *dir = strndup(rel, (size_t)(strrchr(rel, '/') - rel));
			if (dir == NULL)
				return jail_error_set(err, ENOMEM, "path");
			dfd = jail_mkdirs_beneath(root_fd, dir[0] ? dir : "/", 0755, 0, 0, err);
			if (dfd < 0)
				return jail_error_wrap(err, "create mount point %s in the jail",
						       rel);
			close(dfd);
			dfd = -1;
		}
		pfd = jail_open_parent_beneath(root_fd, rel, &base, err);
		if (pfd < 0)
			return jail_error_wrap(err, "mount point %s in the jail", rel);
	}
	dfd = openat(pfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return jail_error_set(err, errno, "open parent of %s", rel);
	fd = openat(dfd, base, O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
	if (fd < 0 && errno == ENXIO) /* a socket: open it as a path only */
		fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno == ELOOP ? ELOOP : errno,
				      "mount point %s in the jail%s", rel,
				      errno == ELOOP ? " is a symlink" : "");
	return fd;
}

/* Open (creating an empty 0644 root file when missing) the regular file REL
 * beneath ROOT_FD as a mount point for a bind of a non-directory. */
static int open_file_target(int root_fd, const char *rel, jail_error_t *err)
{
	struct stat st;
	int fd = create_target(root_fd, rel, create_file, err);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
		close(fd);
		return jail_error_fmt(err, EINVAL,
				      "mount point %s in the jail is not a file (a directory or "
				      "a symlink)",
				      rel);
	}
	return fd;
}

/* --- step 1 and 2 ------------------------------------------------------ */

int jail_mounts_begin(int jail_fd, jail_error_t *err)
{
	int tree;

	if (jail_fault("mount-private") < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return jail_error_set(err, errno, "make / private");
	tree = jail_fault("mount-jail") < 0
		   ? -1
		   : open_tree(jail_fd, "",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0)
		return jail_error_set(err, errno, "bind the jail root");
	/* The whole clone (the jail and every mount beneath it that came with
	 * the recursive bind) read-only, nosuid, nodev in one call, while it is
	 * still detached: uid 0 in a session (jailctl enter, or any bug) must
	 * not change the tree that every session of the jail shares, nor gain
	 * anything from a setuid or device file in it.  The host's mount of the
	 * tree stays as it is (jailctl writes there).  What is writable comes
	 * later, each a mount of its own: /tmp, /run, /dev/pts, /dev/shm, the
	 * home, the bind_rw. */
	if (jail_fault("mount-jail-ro") < 0) {
		jail_error_set(err, errno, "set mount flags of the jail root");
		close(tree);
		return -1;
	}
	if (set_attrs(tree, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true,
		      "the jail root", err) < 0) {
		close(tree);
		return -1;
	}
	/* After move_mount the tree fd names the root of the attached mount. */
	if (jail_mounts_attach(tree, jail_fd, "the jail root on itself", err) < 0) {
		close(tree);
		return -1;
	}
	return tree;
}

/* --- step 3: /proc ----------------------------------------------------- */

static const char *const proc_ro[] = {"sys", "sysrq-trigger", "irq", "bus", "fs", NULL};
static const char *const proc_mask_files[] = {"kcore",	     "keys",	    "kmsg",
					      "timer_list",  "sched_debug", "latency_stats",
					      "timer_stats", "config.gz",   NULL};
static const char *const proc_mask_dirs[] = {"acpi", "scsi", "asound", NULL};

int jail_mounts_proc(int root_fd, int proc_mfd, jail_error_t *err)
{
	cleanup_close int target = open_dir_target(root_fd, "proc", err);

	if (target < 0)
		return -1;
	if (jail_fault("mount-proc") < 0)
		return jail_error_set(err, errno, "mount /proc");
	if (jail_mounts_attach(proc_mfd, target, "/proc", err) < 0)
		return -1;

	for (size_t i = 0; proc_ro[i]; i++) {
		cleanup_close int t = openat(proc_mfd, proc_ro[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		cleanup_close int clone = -1;

		if (t < 0) {
			if (errno == ENOENT)
				continue;
			return jail_error_set(err, errno, "open /proc/%s", proc_ro[i]);
		}
		clone = jail_fault("mount-proc-ro") < 0
			    ? -1
			    : open_tree(t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (clone < 0)
			return jail_error_set(err, errno, "bind /proc/%s", proc_ro[i]);
		if (set_attrs(clone,
			      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				  MOUNT_ATTR_NOEXEC,
			      false, proc_ro[i], err) < 0 ||
		    jail_mounts_attach(clone, t, proc_ro[i], err) < 0)
			return jail_error_wrap(err, "read-only /proc/%s", proc_ro[i]);
	}

	for (size_t i = 0; proc_mask_files[i]; i++) {
		cleanup_close int t =
		    openat(proc_mfd, proc_mask_files[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		cleanup_close int clone = -1;

		if (t < 0) {
			if (errno == ENOENT)
				continue;
			return jail_error_set(err, errno, "open /proc/%s", proc_mask_files[i]);
		}
		/* One clone of /dev/null per target, each attached: a detached
		 * mount closed unattached (a template cloned from) costs an
		 * expedited RCU grace period in the kernel's umount path. */
		clone = jail_fault("mount-proc-mask") < 0
			    ? -1
			    : open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (clone < 0)
			return jail_error_set(err, errno, "bind /dev/null on /proc/%s",
					      proc_mask_files[i]);
		if (set_attrs(clone, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
			      false, proc_mask_files[i], err) < 0 ||
		    jail_mounts_attach(clone, t, proc_mask_files[i], err) < 0)
			return jail_error_wrap(err, "mask /proc/%s", proc_mask_files[i]);
	}
	for (size_t i = 0; proc_mask_dirs[i]; i++) {
		static const char *const opts[] = {"size", "0", "mode", "0555", NULL};
		cleanup_close int t = openat(proc_mfd, proc_mask_dirs[i],
					     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		cleanup_close int mfd = -1;

		if (t < 0) {
			if (errno == ENOENT)
				continue;
			return jail_error_set(err, errno, "open /proc/%s", proc_mask_dirs[i]);
		}
		mfd = jail_mounts_new_fs("tmpfs", opts,
					 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC,
					 proc_mask_dirs[i], err);
		if (mfd >= 0 && jail_fault("mount-proc-maskdir") < 0)
			return jail_error_set(err, errno, "mask /proc/%s", proc_mask_dirs[i]);
		if (mfd < 0 || jail_mounts_attach(mfd, t, proc_mask_dirs[i], err) < 0)
			return jail_error_wrap(err, "mask /proc/%s", proc_mask_dirs[i]);
	}
	return 0;
}

/* --- step 4: /dev ------------------------------------------------------ */

static const struct {
	const char *name;
	unsigned maj, min;
} dev_nodes[] = {
    {"null", 1, 3},   {"zero", 1, 5},	 {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
	const char *name;
	const char *target;
} dev_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

/* Fill the fresh (still detached, so nobody else can see it) /dev tmpfs. */
static int populate_dev(int dfd, bool want_log, jail_error_t *err)
{
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		if (jail_fault("mknod-dev") < 0 ||
		    mknodat(dfd, dev_nodes[i].name, S_IFCHR | 0666,
			    makedev(dev_nodes[i].maj, dev_nodes[i].min)) < 0)
			return jail_error_set(err, errno, "mknod /dev/%s", dev_nodes[i].name);
		/* mknod honours the umask. */
		if (fchmodat(dfd, dev_nodes[i].name, 0666, 0) < 0)
			return jail_error_set(err, errno, "chmod /dev/%s", dev_nodes[i].name);
	}
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (symlinkat(dev_links[i].target, dfd, dev_links[i].name) < 0)
			return jail_error_set(err, errno, "symlink /dev/%s", dev_links[i].name);
	if (mkdirat(dfd, "pts", 0755) < 0 || mkdirat(dfd, "shm", 0755) < 0 ||
	    fchmodat(dfd, "pts", 0755, 0) < 0 || fchmodat(dfd, "shm", 01777, 0) < 0)
		return jail_error_set(err, errno, "create /dev/pts and /dev/shm");
	{
		int fd = openat(dfd, "ptmx", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0)
			return jail_error_set(err, errno, "create /dev/ptmx");
		close(fd);
	}
	if (want_log) {
		int fd = openat(dfd, "log", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0)
			return jail_error_set(err, errno, "create /dev/log");
		close(fd);
	}
	return 0;
}

static int mount_dev(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err)
{
	static const char *const dev_opts[] = {"mode", "0755", "size", "64k", NULL};
	static const char *const shm_opts[] = {"mode", "1777", NULL, NULL, NULL};
	char gid[32], shm_size[32];
	const char *pts_opts[] = {"newinstance", NULL,	"ptmxmode", "0666", "mode",
				  "0620",	 "gid", gid,	    NULL};
	const char *shm_o[5];
	cleanup_close int target = -1;
	cleanup_close int dev_mfd = -1;
	cleanup_close int dfd = -1;
	cleanup_close int pts_mfd = -1;
	cleanup_close int t = -1;
	cleanup_close int m = -1;
	bool want_log = false;
	struct stat st;

	if (plan->logsocket) {
		if (stat("/dev/log", &st) == 0 && S_ISSOCK(st.st_mode)) {
			want_log = true;
		} else {
			jail_mounts_warn(
			    plan, "the jail asks for a log socket but the host has no /dev/log "
				  "socket: no /dev/log in the session");
		}
	}

	target = open_dir_target(root_fd, "dev", err);
	if (target < 0)
		return -1;
	/* The one session mount without nodev: it must hold device nodes, and
	 * holds only those populate_dev() makes before it is attached (root
	 * in a session cannot add any unless the profile keeps CAP_MKNOD).
	 * nosuid, noexec; it covers whatever the read-only tree has at /dev. */
	dev_mfd = jail_mounts_new_fs("tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
				     "/dev", err);
	if (dev_mfd < 0)
		return -1;
	dfd = openat(dev_mfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return jail_error_set(err, errno, "open the new /dev");
	if (populate_dev(dfd, want_log, err) < 0)
		return -1;
	if (jail_fault("mount-dev") < 0)
		return jail_error_set(err, errno, "mount /dev");
	if (jail_mounts_attach(dev_mfd, target, "/dev", err) < 0)
		return -1;

	/* devpts: since Linux 4.7 every mount is a new instance ("newinstance"
	 * is kept for older kernels); the session's ptys are its own. */
	snprintf(gid, sizeof(gid), "%u", (unsigned)plan->tty_gid);
	pts_mfd = jail_mounts_new_fs("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
				     "/dev/pts", err);
	if (pts_mfd < 0)
		return -1;
	t = openat(dfd, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		return jail_error_set(err, errno, "open /dev/pts");
	if (jail_fault("mount-devpts") < 0)
		return jail_error_set(err, errno, "mount /dev/pts");
	if (jail_mounts_attach(pts_mfd, t, "/dev/pts", err) < 0)
		return -1;
	close(t);
	t = openat(dfd, "ptmx", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		return jail_error_set(err, errno, "open /dev/ptmx");
	m = jail_fault("mount-ptmx") < 0
		? -1
		: open_tree(pts_mfd, "ptmx", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (m < 0)
		return jail_error_set(err, errno, "bind /dev/pts/ptmx");
	if (jail_mounts_attach(m, t, "/dev/ptmx", err) < 0)
		return -1;
	close(m);
	close(t);

	memcpy(shm_o, shm_opts, sizeof(shm_o));
	if (plan->spec && plan->spec->tmp_size && plan->spec->tmp_size != UINT64_MAX) {
		snprintf(shm_size, sizeof(shm_size), "%llu",
			 (unsigned long long)plan->spec->tmp_size);
		shm_o[2] = "size";
		shm_o[3] = shm_size;
	}
	m = jail_mounts_new_fs("tmpfs", shm_o,
			       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/dev/shm",
			       err);
	if (m < 0)
		return -1;
	t = openat(dfd, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		return jail_error_set(err, errno, "open /dev/shm");
	if (jail_fault("mount-shm") < 0)
		return jail_error_set(err, errno, "mount /dev/shm");
	if (jail_mounts_attach(m, t, "/dev/shm", err) < 0)
		return -1;
	close(m);
	close(t);
	m = t = -1;

	if (want_log) {
		/* The host path is admin-trusted: follow a /dev/log symlink there
		 * (e.g. to /run/systemd/journal/dev-log). */
		m = jail_fault("mount-log") < 0
			? -1
			: open_tree(AT_FDCWD, "/dev/log", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (m < 0)
			return jail_error_set(err, errno, "bind the host's /dev/log");
		t = openat(dfd, "log", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (t < 0)
			return jail_error_set(err, errno, "open /dev/log");
		if (set_attrs(m, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false,
			      "/dev/log", err) < 0 ||
		    jail_mounts_attach(m, t, "/dev/log", err) < 0)
			return -1;
	}
	return 0;
}

/* --- step 5: /tmp and /run --------------------------------------------- */

/* Create NAME (0444, root) in the directory JFD with DATA (FAULT: a
 * jail_fault() point fired). */
static int write_new_file(int jfd, const char *name, const void *data, size_t len, bool fault,
			  jail_error_t *err)
{
	cleanup_close int fd =
	    fault ? -1
		  : openat(jfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444);

	if (fd < 0)
		return jail_error_set(err, errno, "create /run/%s/%s", JAIL_SESSION_FILE_DIR, name);
	if (jail_write_all(fd, data, len, err) < 0)
		return jail_error_wrap(err, "write /run/%s/%s", JAIL_SESSION_FILE_DIR, name);
	if (fchmod(fd, 0444) < 0)
		return jail_error_set(err, errno, "chmod /run/%s/%s", JAIL_SESSION_FILE_DIR, name);
	return 0;
}

static int mount_tmpfs(int root_fd, const char *rel, const char *mode, uint64_t size,
		       const jail_mount_plan_t *plan, jail_error_t *err)
{
	const void *session_data = plan ? plan->session_data : NULL;
	char sz[32];
	const char *opts[] = {"mode", mode, NULL, NULL, NULL};
	cleanup_close int target = open_dir_target(root_fd, rel, err);
	cleanup_close int mfd = -1;
	char what[64];

	if (target < 0)
		return -1;
	snprintf(what, sizeof(what), "/%s", rel);
	if (size && size != UINT64_MAX) {
		snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
		opts[2] = "size";
		opts[3] = sz;
	}
	mfd = jail_mounts_new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, what, err);
	if (mfd < 0)
		return -1;
	/* /run (PLAN given): /run/jail, root's, holds the session file, the
	 * log relay's and a service's notify socket.  Made before the tmpfs
	 * is attached: nobody can race it. */
	if (plan) {
		cleanup_close int dfd = openat(mfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		cleanup_close int jfd = -1;

		if (dfd < 0 || mkdirat(dfd, JAIL_SESSION_FILE_DIR, 0755) < 0 ||
		    fchmodat(dfd, JAIL_SESSION_FILE_DIR, 0755, 0) < 0)
			return jail_error_set(err, errno, "create /%s/%s", rel,
					      JAIL_SESSION_FILE_DIR);
		jfd = openat(dfd, JAIL_SESSION_FILE_DIR,
			     O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (jfd < 0)
			return jail_error_set(err, errno, "open /%s/%s", rel,
					      JAIL_SESSION_FILE_DIR);
		if (session_data &&
		    write_new_file(jfd, JAIL_SESSION_FILE_NAME, session_data, plan->session_len,
				   jail_fault("session-file") < 0, err) < 0)
			return -1;
		if (plan->seccomp_data &&
		    write_new_file(jfd, JAIL_SESSION_SECCOMP_NAME, plan->seccomp_data,
				   plan->seccomp_len, jail_fault("session-seccomp") < 0, err) < 0)
			return -1;
	}
	if (jail_fault("mount-tmpfs") < 0)
		return jail_error_set(err, errno, "mount %s", what);
	return jail_mounts_attach(mfd, target, what, err);
}

/* --- step 6: the home ------------------------------------------------- */

/* The user's home, the one place of the jail tree the session writes to:
 * bound on itself read-write, nosuid, nodev.  The path comes from the host
 * passwd (root's) and is resolved beneath the jail root with no symlink in
 * any component: a home that is or passes through a symlink (the user can
 * plant one where the parent is theirs, root inside a session could before
 * the tree was read-only) refuses the session; it never redirects the
 * writable mount elsewhere in the jail.
 *
 * A home that does not exist in the jail is not a refusal: a warning, and
 * the session has no writable home (/tmp, /run, /dev/shm and the bind_rw
 * stay writable).  The home is the user's data, not part of the
 * confinement: without it the session can do less, never more, and sshd
 * itself logs in without one ("Could not chdir to home directory").  Users
 * jailed through a [group:] section, or whose home was never made in the
 * jail, keep logging in as before; `jailctl adduser` creates the home.
 * The same for a home the user does not own (jailctl adduser makes it
 * theirs, and refuses one that is not): a pw_dir that names a system
 * directory of the jail (/, /usr, /etc, ...) must never make it writable.
 * The home "/" (or one at or beneath /proc or /dev) is never made writable:
 * a warning too. */
static int mount_home(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err)
{
	cleanup_free char *home = NULL;
	cleanup_close int target = -1;
	cleanup_close int tree = -1;
	struct mount_attr attr = {
	    .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	    .attr_clr = MOUNT_ATTR_RDONLY,
	};
	jail_error_t e2 = {0};
	struct stat st;

	if (plan->home == NULL)
		return 0; /* none asked for (jailctl run) */
	if (plan->home[0] == '\0') {
		jail_mounts_warn(plan,
				 "the user has no home directory: no writable home in the session");
		return 0;
	}
	home = jail_path_normalize(plan->home, err);
	if (home == NULL)
		return jail_error_wrap(err, "home %s", plan->home);
	if (strcmp(home, "/") == 0 || path_at_or_under(home, "/proc") ||
	    path_at_or_under(home, "/dev")) {
		jail_mounts_warn(
		    plan, "home %s: not made writable (it is /, or at or beneath /proc or /dev)",
		    home);
		return 0;
	}
	target = jail_openat_beneath(root_fd, home, O_PATH | O_DIRECTORY, 0, &e2);
	if (target < 0) {
		if (jail_error_is(&e2, ENOENT)) {
			jail_mounts_warn(
			    plan,
			    "home %s does not exist in the jail: no writable home in the session "
			    "(jailctl adduser creates it)",
			    home);
			return 0;
		}
		/* A symlink as the last component shows as ENOTDIR (O_PATH with
		 * O_NOFOLLOW opens the link itself), one above it as ELOOP. */
		if (jail_error_is(&e2, ELOOP) || jail_error_is(&e2, EXDEV) ||
		    (jail_stat_beneath(root_fd, home, &st, NULL) == 0 && S_ISLNK(st.st_mode)))
			return jail_error_fmt(err, ELOOP,
					      "home %s in the jail is or passes through a symlink "
					      "(symlinks are never followed)",
					      home);
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "home %s in the jail", home);
	}
	if (fstat(target, &st) < 0)
		return jail_error_set(err, errno, "stat home %s", home);
	if (st.st_uid != plan->uid) {
		jail_mounts_warn(
		    plan,
		    "home %s in the jail is owned by uid %u, not by the user (uid %u): not made "
		    "writable",
		    home, (unsigned)st.st_uid, (unsigned)plan->uid);
		return 0;
	}
	/* The clone carries the read-only, nosuid, nodev of step 2: clear the
	 * first on the home's own mount only (AT_RECURSIVE on the clone keeps
	 * any mount beneath the home visible, and read-only as it was). */
	tree = jail_fault("mount-home") < 0
		   ? -1
		   : open_tree(target, "",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0)
		return jail_error_set(err, errno, "bind home %s", home);
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return jail_error_set(err, errno, "set mount flags of home %s", home);
	return jail_mounts_attach(tree, target, home, err);
}

/* --- step 7: profile binds --------------------------------------------- */

static int mount_bind(int root_fd, const jail_bind_t *b, jail_error_t *err)
{
	cleanup_close int tree = -1;
	cleanup_close int target = -1;
	struct stat st;
	uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	const char *kind = b->ro ? "bind_ro" : "bind_rw";

	tree =
	    jail_fault("mount-bind") < 0
		? -1
		: open_tree(AT_FDCWD, b->host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return jail_error_set(err, errno, "%s: host path %s", kind, b->host);
	if (fstat(tree, &st) < 0)
		return jail_error_set(err, errno, "%s: stat %s", kind, b->host);
	if (b->ro)
		attrs |= MOUNT_ATTR_RDONLY;
	if (set_attrs(tree, attrs, true, b->host, err) < 0)
		return jail_error_wrap(err, "%s", kind);
	target = S_ISDIR(st.st_mode) ? open_dir_target(root_fd, b->jail, err)
				     : open_file_target(root_fd, b->jail, err);
	if (target < 0)
		return jail_error_wrap(err, "%s %s:%s", kind, b->host, b->jail);
	if (jail_mounts_attach(tree, target, b->jail, err) < 0)
		return jail_error_wrap(err, "%s %s", kind, b->host);
	return 0;
}

int jail_mounts_bind_fd(int root_fd, int src_fd, const char *target, bool ro, jail_error_t *err)
{
	cleanup_free char *jail = jail_path_normalize(target, err);
	cleanup_close int tree = -1;
	cleanup_close int t = -1;
	uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0);
	struct stat st;

	if (jail == NULL)
		return jail_error_wrap(err, "bind target");
	if (jail_bind_target_refusal(jail) != NULL)
		return jail_error_fmt(err, EINVAL,
				      "bind target %s: must not be /, nor at or beneath /proc or "
				      "/dev",
				      jail);
	if (fstat(src_fd, &st) < 0)
		return jail_error_set(err, errno, "bind %s: stat the source", jail);
	if (!S_ISDIR(st.st_mode))
		return jail_error_fmt(err, ENOTDIR, "bind %s: the source is not a directory", jail);
	/* Not AT_RECURSIVE: a mount beneath the source (which its owner
	 * cannot make, but who knows) does not come along. */
	tree = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return jail_error_set(err, errno, "bind %s: clone the source%s", jail,
				      errno == EINVAL ? " (opened in another mount namespace?)"
						      : "");
	if (set_attrs(tree, attrs, false, jail, err) < 0)
		return -1;
	t = open_dir_target(root_fd, jail, err);
	if (t < 0)
		return jail_error_wrap(err, "bind %s", jail);
	return jail_mounts_attach(tree, t, jail, err);
}

int jail_mounts_rest(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err)
{
	const jail_sandbox_spec_t *p = plan->spec;

	if (mount_dev(root_fd, plan, err) < 0)
		return jail_error_wrap(err, "/dev");
	if (mount_tmpfs(root_fd, "tmp", "1777", p ? p->tmp_size : 0, NULL, err) < 0)
		return -1;
	if (mount_tmpfs(root_fd, "run", "0755", p ? p->run_size : 0, plan, err) < 0)
		return -1;
	return mount_home(root_fd, plan, err);
}

int jail_mounts_binds(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err)
{
	const jail_sandbox_spec_t *p = plan->spec;

	for (int pass = 0; p && pass < 2; pass++) {
		const jail_strv_t *list = pass == 0 ? &p->bind_ro : &p->bind_rw;

		for (size_t i = 0; i < list->n; i++) {
			jail_bind_t b;
			int r;

			if (jail_bind_parse(list->v[i], pass == 0, &b, err) < 0)
				return -1;
			r = mount_bind(root_fd, &b, err);
			jail_bind_clear(&b);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

/* --- pivot ------------------------------------------------------------- */

int jail_mounts_pivot(int root_fd, jail_error_t *err)
{
	if (fchdir(root_fd) < 0)
		return jail_error_set(err, errno, "chdir to the jail root");
	/* pivot_root(".", "."): the old root is stacked under the new one and
	 * detached right away; no directory for it is needed in the jail. */
	if (jail_fault("pivot-root") < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return jail_error_set(err, errno, "pivot_root into the jail");
	if (jail_fault("detach-root") < 0 || umount2(".", MNT_DETACH) < 0)
		return jail_error_set(err, errno, "detach the host root");
	if (chdir("/") < 0)
		return jail_error_set(err, errno, "chdir /");
	return 0;
}

/* --- manifest ---------------------------------------------------------- */

int jail_manifest_logsocket(int jail_fd, bool *out, jail_error_t *err)
{
	jail_error_t e2 = {0};
	cleanup_close int fd = jail_openat_beneath(jail_fd, JAIL_MANIFEST_PATH, O_RDONLY, 0, &e2);
	cleanup_free char *buf = NULL;
	char *line, *save = NULL;

	*out = false;
	if (fd < 0) {
		if (jail_error_is(&e2, ENOENT))
			return 0;
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "jail manifest");
	}
	if (jail_check_trusted_fd(fd, "jail manifest " JAIL_MANIFEST_PATH, err) < 0)
		return -1;
	if (jail_read_all(fd, 1 << 20, &buf, NULL, err) < 0)
		return jail_error_wrap(err, "read jail manifest");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s = jail_strstrip(line);
		size_t n = strlen("logsocket");
		if (strncmp(s, "logsocket", n) != 0)
			continue;
		s += n;
		while (*s == ' ' || *s == '\t' || *s == '=')
			s++;
		if (jail_parse_bool(jail_strstrip(s), out, NULL) < 0)
			*out = false;
	}
	return 0;
}
