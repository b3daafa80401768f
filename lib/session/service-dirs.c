#define _GNU_SOURCE
#include "session/service-dirs.h"
#include "base/safefs.h"
#include "confine/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* One of the host directories (state_dir, logs_dir) while it is made. */
typedef struct host_dir {
	const char *key;      /* "state_dir", for messages */
	const char *name;     /* D: one path component (NULL: none asked for) */
	const char *root;     /* STATE_ROOT or LOGS_ROOT, as the caller gave it */
	const char *jail_top; /* JAIL_SERVICE_STATE_JAIL or _LOGS_JAIL */
	char path[PATH_MAX];  /* ROOT/D, normalised, for messages */
	int rootfd;	      /* the trusted root */
	int fd;		      /* D, O_RDONLY|O_DIRECTORY */
	bool created;	      /* D was made by this call: removed again on failure */
} host_dir_t;

/* The parser's rule (lib/config/service.c) is stricter; this is only what
 * makes NAME safe to use as a single component here, whoever filled SVC. */
static bool one_component(const char *name)
{
	return name[0] != '\0' && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) < NAME_MAX;
}

/* Open (creating when missing) HD->root with the trusted walker, then
 * HD->name beneath it, and make the latter UID:GID's.
 *
 * Why HD->name can be found by name: the walk proves every component of
 * the root, from "/", root-owned, not group- or world-writable and no
 * symlink, so only root can have put what is at ROOT/D there; the
 * service user owns D itself, never its entry.  D is opened with
 * O_NOFOLLOW (a symlink there, even root's, is refused) and from then on
 * only the fd is used. */
static int host_dir_open(host_dir_t *hd, uid_t uid, gid_t gid, jail_strv_t *warnings,
			 jail_error_t *err)
{
	const jail_walk_opts_t walk = {.flags = JAIL_WALK_CREATE, .create_mode = 0755};
	cleanup_free char *root = NULL;
	struct stat st;
	int n;

	if (!one_component(hd->name))
		return jail_error_fmt(err, EINVAL, "%s '%s': not a single path component", hd->key,
				      hd->name);
	root = jail_path_normalize(hd->root, err);
	if (root == NULL)
		return jail_error_wrap(err, "%s: root %s", hd->key, hd->root);
	n = snprintf(hd->path, sizeof(hd->path), "%s/%s", strcmp(root, "/") == 0 ? "" : root,
		     hd->name);
	if (n < 0 || (size_t)n >= sizeof(hd->path))
		return jail_error_fmt(err, ENAMETOOLONG, "%s: %s/%s: path too long", hd->key, root,
				      hd->name);
	if (jail_walk_trusted(root, &walk, &hd->rootfd, err) < 0)
		return jail_error_wrap(err, "%s %s", hd->key, hd->path);

	if (mkdirat(hd->rootfd, hd->name, 0750) == 0)
		hd->created = true;
	else if (errno != EEXIST)
		return jail_error_set(err, errno, "%s: create %s", hd->key, hd->path);
	hd->fd = openat(hd->rootfd, hd->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hd->fd < 0) {
		int e = errno;

		if (fstatat(hd->rootfd, hd->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return jail_error_fmt(err, ELOOP,
					      "%s %s is a symlink (symlinks are never followed): "
					      "remove it or make it a directory",
					      hd->key, hd->path);
		if (e == ENOTDIR)
			return jail_error_fmt(err, ENOTDIR, "%s %s is not a directory", hd->key,
					      hd->path);
		return jail_error_set(err, e, "%s: open %s", hd->key, hd->path);
	}
	if (fstat(hd->fd, &st) < 0)
		return jail_error_set(err, errno, "%s: stat %s", hd->key, hd->path);
	if (!S_ISDIR(st.st_mode)) /* O_DIRECTORY said it is; belt and braces */
		return jail_error_fmt(err, ENOTDIR, "%s %s is not a directory", hd->key, hd->path);
	/* mkdir honours the umask. */
	if (hd->created && fchmod(hd->fd, 0750) < 0)
		return jail_error_set(err, errno, "%s: chmod %s", hd->key, hd->path);
	if (st.st_uid == uid && st.st_gid == gid)
		return 0;
	/* The top directory only, through its fd: never a path, never a walk
	 * of what is inside (the service user's links and all). */
	if (fchown(hd->fd, uid, gid) < 0)
		return jail_error_set(err, errno, "%s: chown %s to %u:%u", hd->key, hd->path,
				      (unsigned)uid, (unsigned)gid);
	if (!hd->created && warnings) {
		char msg[PATH_MAX + 256];

		snprintf(msg, sizeof(msg),
			 "%s %s was owned by uid %u gid %u, now uid %u gid %u; its contents keep "
			 "their owners",
			 hd->key, hd->path, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)uid,
			 (unsigned)gid);
		jail_strv_push(warnings, msg, NULL);
	}
	return 0;
}

/* Close HD's fds and, when FAILED, remove the D this call created (empty:
 * nobody else has seen it; rmdir refuses anything else).  Its entry is in
 * the trusted root, so the name still means what we made. */
static void host_dir_done(host_dir_t *hd, bool failed)
{
	if (hd->fd >= 0)
		close(hd->fd);
	if (failed && hd->created)
		(void)unlinkat(hd->rootfd, hd->name, AT_REMOVEDIR);
	if (hd->rootfd >= 0)
		close(hd->rootfd);
	hd->fd = hd->rootfd = -1;
	hd->created = false;
}

/* /run/NAME on the sandbox's /run tmpfs beneath ROOT_FD, 0755 UID:GID.
 * The tmpfs is checked for what it is, so that nothing is ever made on the
 * jail tree (shared by every service) nor on the host.  An existing
 * /run/NAME is a name the sandbox uses itself (/run/jail): refused, not
 * handed over. */
static int runtime_dir_make(int root_fd, const char *name, uid_t uid, gid_t gid, jail_error_t *err)
{
	cleanup_close int run = -1;
	cleanup_close int fd = -1;
	struct statfs sf;

	if (!one_component(name))
		return jail_error_fmt(err, EINVAL, "runtime_dir '%s': not a single path component",
				      name);
	run = openat(root_fd, "run", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (run < 0)
		return jail_error_set(err, errno, "runtime_dir %s: open /run in the jail", name);
	if (fstatfs(run, &sf) < 0)
		return jail_error_set(err, errno, "runtime_dir %s: statfs /run in the jail", name);
	if (sf.f_type != TMPFS_MAGIC)
		return jail_error_fmt(err, EINVAL,
				      "runtime_dir %s: /run in the jail is not the sandbox's tmpfs "
				      "(nothing is created on the jail tree)",
				      name);
	if (mkdirat(run, name, 0755) < 0) {
		if (errno == EEXIST)
			return jail_error_fmt(err, EEXIST,
					      "runtime_dir %s: /run/%s already exists in the "
					      "sandbox (a name the sandbox uses itself)",
					      name, name);
		return jail_error_set(err, errno, "runtime_dir %s: create /run/%s", name, name);
	}
	fd = openat(run, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0755) < 0 || fchown(fd, uid, gid) < 0) {
		int e = errno;

		(void)unlinkat(run, name, AT_REMOVEDIR);
		return jail_error_set(err, e, "runtime_dir %s: set up /run/%s as %u:%u", name, name,
				      (unsigned)uid, (unsigned)gid);
	}
	return 0;
}

int jail_service_dirs_mount(const jail_service_t *svc, const char *state_root,
			    const char *logs_root, uid_t uid, gid_t gid, int root_fd,
			    jail_strv_t *warnings, jail_error_t *err)
{
	host_dir_t dirs[2] = {
	    {.key = "state_dir",
	     .name = svc->state_dir,
	     .root = state_root,
	     .jail_top = JAIL_SERVICE_STATE_JAIL,
	     .rootfd = -1,
	     .fd = -1},
	    {.key = "logs_dir",
	     .name = svc->logs_dir,
	     .root = logs_root,
	     .jail_top = JAIL_SERVICE_LOGS_JAIL,
	     .rootfd = -1,
	     .fd = -1},
	};
	size_t n = sizeof(dirs) / sizeof(dirs[0]);
	int r = -1;

	/* Everything on the host first, then the sandbox's own /run, then the
	 * mounts: a failure anywhere removes the host dirs this call made. */
	for (size_t i = 0; i < n; i++)
		if (dirs[i].name && host_dir_open(&dirs[i], uid, gid, warnings, err) < 0)
			goto out;
	if (svc->runtime_dir && runtime_dir_make(root_fd, svc->runtime_dir, uid, gid, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char target[PATH_MAX];

		if (dirs[i].name == NULL)
			continue;
		snprintf(target, sizeof(target), "%s/%s", dirs[i].jail_top, dirs[i].name);
		if (jail_mounts_bind_fd(root_fd, dirs[i].fd, target, false, err) < 0) {
			jail_error_wrap(err, "%s %s", dirs[i].key, dirs[i].path);
			goto out;
		}
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		host_dir_done(&dirs[i], r < 0);
	return r;
}
