/* Session cgroups: detection and the directory walk (create, open),
 * shared by the backends (cgroup-v1.c, cgroup-v2.c, cgroup-systemd.c); the
 * processes inside (pids, stats, join, leave, kill and destroy) are
 * cgroup-proc.c's. */
#define _GNU_SOURCE
#include "confine/cgroup-internal.h"
#include "base/fault.h"
#include "base/safefs.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

#define CG_READ_MAX (4u << 20)

static const struct {
	unsigned bit;
	const char *name;
} v1_ctrls[] = {
    {CG_MEMORY, "memory"},
    {CG_PIDS, "pids"},
    {CG_CPU, "cpu"},
};

void jail_cgroup_limits_none(jail_cgroup_limits_t *lim)
{
	lim->memory_max = UINT64_MAX;
	lim->pids_max = UINT64_MAX;
	lim->cpu_max_percent = 0;
	lim->io_weight = 0;
}

bool jail_cgroup_valid_name(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strlen(name);
	if (len == 0 || len > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

size_t jail_cgroup_valid_path(const char *path)
{
	size_t n = 0;

	if (path == NULL || path[0] == '\0' || strlen(path) > 4096 /* PATH_MAX */)
		return 0;
	for (const char *p = path;; p++) {
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789-_.@$");
		if (len == 0 || len > 255 || (p[len] != '/' && p[len] != '\0') ||
		    (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		n++;
		p += len;
		if (*p == '\0')
			return n;
	}
}

/* PARENT: one or more valid components separated by single '/', no
 * leading or trailing '/'. */
static int check_parent(const char *parent, jail_error_t *err)
{
	cleanup_free char *copy = parent ? strdup(parent) : NULL;
	char *save = NULL;

	if (copy == NULL || copy[0] == '\0' || copy[0] == '/' || copy[strlen(copy) - 1] == '/' ||
	    strstr(copy, "//"))
		goto bad;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (!jail_cgroup_valid_name(c))
			goto bad;
	return 0;
bad:
	return jail_error_fmt(err, EINVAL,
			      "cgroup parent '%s' is not a relative cgroup path (components "
			      "without '.', '..', spaces or control characters)",
			      parent ? parent : "");
}

int jail_cg_read(int dirfd, const char *name, char **out, jail_error_t *err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return jail_error_set(err, errno, "open %s", name);
	if (jail_read_all(fd, CG_READ_MAX, out, NULL, err) < 0) {
		/* kernfs answers ENODEV once the cgroup is removed after the
		 * open (systemd removes an emptied scope at any moment): the
		 * same fact as an open that failed with ENOENT. */
		if (jail_error_is(err, ENODEV))
			return jail_error_set(err, ENOENT, "read %s: the cgroup was removed", name);
		return jail_error_wrap(err, "read %s", name);
	}
	return 0;
}

int jail_cg_write(const struct cg_dir *d, int dirfd, const char *name, const char *value,
		  bool optional, jail_error_t *err)
{
	bool scratch = d->flags & JAIL_CGROUP_SCRATCH;
	int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int fd = -1;
	jail_error_t e2 = {0};

	if (optional && scratch && faccessat(d->rootfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (scratch)
		flags |= O_CREAT | O_TRUNC;
	fd = openat(dirfd, name, flags, 0644);
	if (fd < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return jail_error_set(err, errno, "open %s/%s", d->fullpath, name);
	}
	/* One write(): cgroup files take one value per write call. */
	if (jail_write_all(fd, value, strlen(value), &e2) < 0)
		return jail_error_set(err, e2.code, "write '%s' to %s/%s", value, d->fullpath,
				      name);
	return 0;
}

/* Check that FD is on the file system a hierarchy must be on. */
static int check_magic(int fd, unsigned flags, long magic, const char *path, jail_error_t *err)
{
	struct statfs sfs;

	if (flags & JAIL_CGROUP_SCRATCH)
		return 0;
	if (fstatfs(fd, &sfs) < 0)
		return jail_error_set(err, errno, "statfs %s", path);
	if ((long)sfs.f_type != magic)
		return jail_error_fmt(err, EXDEV, "%s is not a cgroup%s file system (magic %#lx)",
				      path, magic == CGROUP2_SUPER_MAGIC ? "2" : "",
				      (unsigned long)sfs.f_type);
	return 0;
}

void jail_cgroup_manager_free(jail_cgroup_manager_t *mgr)
{
	if (mgr == NULL)
		return;
	for (size_t i = 0; i < mgr->nh; i++) {
		free(mgr->h[i].name);
		free(mgr->h[i].rootpath);
		if (mgr->h[i].rootfd >= 0)
			close(mgr->h[i].rootfd);
	}
	free(mgr->root);
	free(mgr);
}

int jail_cgroup_manager_version(const jail_cgroup_manager_t *mgr)
{
	return mgr->ops->version;
}

const char *jail_cgroup_manager_controllers(const jail_cgroup_manager_t *mgr)
{
	return mgr->ctrl_names;
}

static void add_ctrl_name(jail_cgroup_manager_t *mgr, const char *name)
{
	if (mgr->ctrl_names[0])
		strcat(mgr->ctrl_names, " ");
	strcat(mgr->ctrl_names, name);
}

static int add_hier(jail_cgroup_manager_t *mgr, const char *name, const char *rootpath, int *fd,
		    unsigned ctrl, jail_error_t *err)
{
	struct cg_hier *h = &mgr->h[mgr->nh];

	h->name = strdup(name);
	h->rootpath = strdup(rootpath);
	if (h->name == NULL || h->rootpath == NULL) {
		free(h->name);
		free(h->rootpath);
		return jail_error_set(err, ENOMEM, "cgroup");
	}
	h->rootfd = steal_fd(fd);
	h->ctrl = ctrl;
	mgr->nh++;
	mgr->ctrl |= ctrl;
	return 0;
}

static int detect_v2(jail_cgroup_manager_t *mgr, int rootfd, jail_error_t *err)
{
	static const struct {
		unsigned bit;
		const char *name;
	} c2[] = {{CG_MEMORY, "memory"}, {CG_PIDS, "pids"}, {CG_CPU, "cpu"}, {CG_IO, "io"}};
	cleanup_free char *list = NULL;
	cleanup_close int fd = -1;
	unsigned ctrl = 0;

	if (check_magic(rootfd, mgr->flags, CGROUP2_SUPER_MAGIC, mgr->root, err) < 0)
		return -1;
	if (jail_cg_read(rootfd, "cgroup.controllers", &list, err) < 0)
		return jail_error_wrap(err, "%s", mgr->root);
	for (size_t i = 0; i < sizeof(c2) / sizeof(c2[0]); i++) {
		size_t wl = strlen(c2[i].name);
		for (const char *p = list; *p;) {
			p += strspn(p, " \n");
			if (strncmp(p, c2[i].name, wl) == 0 &&
			    (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n')) {
				ctrl |= c2[i].bit;
				add_ctrl_name(mgr, c2[i].name);
				break;
			}
			p += strcspn(p, " \n");
		}
	}
	fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return jail_error_set(err, errno, "dup");
	mgr->ops = &jail_cgroup_v2_ops;
	return add_hier(mgr, "", mgr->root, &fd, ctrl, err);
}

static int detect_v1(jail_cgroup_manager_t *mgr, int rootfd, jail_error_t *err)
{
	for (size_t i = 0; i < sizeof(v1_ctrls) / sizeof(v1_ctrls[0]); i++) {
		cleanup_free char *path = jail_strdup_printf("%s/%s", mgr->root, v1_ctrls[i].name);
		cleanup_close int fd = -1;

		if (path == NULL)
			return jail_error_set(err, ENOMEM, "cgroup");
		/* The controller dir may be a symlink (cpu -> cpu,cpuacct)
		 * made by whoever mounted the hierarchies: it lives in the
		 * root-owned ROOT, and the target must be a cgroup fs. */
		fd = openat(rootfd, v1_ctrls[i].name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return jail_error_set(err, errno, "open %s", path);
		}
		if (check_magic(fd, mgr->flags, CGROUP_SUPER_MAGIC, path, NULL) < 0)
			continue; /* e.g. an empty directory where nothing is mounted */
		if (add_hier(mgr, v1_ctrls[i].name, path, &fd, v1_ctrls[i].bit, err) < 0)
			return -1;
		add_ctrl_name(mgr, v1_ctrls[i].name);
	}
	if (mgr->nh == 0)
		return jail_error_fmt(
		    err, ENOENT,
		    "no cgroup hierarchy under %s: neither cgroup v2 "
		    "(cgroup.controllers) nor a v1 memory, pids or cpu controller",
		    mgr->root);
	mgr->ops = &jail_cgroup_v1_ops;
	return 0;
}

jail_cgroup_manager_t *jail_cgroup_detect_flags(const char *root, unsigned flags, jail_error_t *err)
{
	cleanup_cgroup_manager jail_cgroup_manager_t *mgr = calloc(1, sizeof(*mgr));
	cleanup_close int rootfd = -1;
	int r;

	if (mgr == NULL) {
		jail_error_set(err, ENOMEM, "cgroup");
		return NULL;
	}
	mgr->flags = flags;
	mgr->root = jail_path_normalize(root ? root : JAIL_CGROUP_ROOT, err);
	if (mgr->root == NULL)
		return NULL;
	/* The path of ROOT is the admin's (or the test's), not a user's. */
	rootfd = open(mgr->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		jail_error_set(err, errno, "open %s", mgr->root);
		return NULL;
	}
	if (!(flags & JAIL_CGROUP_SCRATCH) && jail_check_trusted_fd(rootfd, mgr->root, err) < 0)
		return NULL;
	if (faccessat(rootfd, "cgroup.controllers", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		r = detect_v2(mgr, rootfd, err);
	else
		r = detect_v1(mgr, rootfd, err);
	if (r < 0)
		return NULL;
	return steal_pointer(&mgr);
}

jail_cgroup_manager_t *jail_cgroup_detect(const char *root, jail_error_t *err)
{
	return jail_cgroup_detect_flags(root, 0, err);
}

/* ---- session handles ---- */

static void cg_dir_close(struct cg_dir *d)
{
	int *fds[] = {&d->rootfd, &d->parentfd, &d->userfd, &d->fd, &d->originfd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	free(d->hname);
	d->hname = NULL;
	free(d->fullpath);
	d->fullpath = NULL;
	free(d->unit);
	d->unit = NULL;
}

void jail_cgroup_free(jail_cgroup_t *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->nd; i++)
		cg_dir_close(&cg->d[i]);
	free(cg->relpath);
	free(cg->user);
	free(cg->id);
	free(cg->fullpaths);
	free(cg);
}

const char *jail_cgroup_path(const jail_cgroup_t *cg)
{
	return cg->relpath;
}

const char *jail_cgroup_fullpaths(const jail_cgroup_t *cg)
{
	return cg->fullpaths;
}

static jail_cgroup_t *cg_new(const jail_cgroup_manager_t *mgr, const char *parent, const char *user,
			     const char *id, jail_error_t *err)
{
	cleanup_cgroup jail_cgroup_t *cg = calloc(1, sizeof(*cg));

	if (cg == NULL) {
		jail_error_set(err, ENOMEM, "cgroup");
		return NULL;
	}
	cg->ops = mgr->ops;
	cg->flags = mgr->flags;
	cg->relpath = jail_strdup_printf("%s/%s/%s", parent, user, id);
	cg->user = strdup(user);
	cg->id = strdup(id);
	if (cg->relpath == NULL || cg->user == NULL || cg->id == NULL) {
		jail_error_set(err, ENOMEM, "cgroup");
		return NULL;
	}
	return steal_pointer(&cg);
}

static int cg_finish(jail_cgroup_t *cg, jail_error_t *err)
{
	size_t len = 1;

	for (size_t i = 0; i < cg->nd; i++)
		len += strlen(cg->d[i].fullpath) + 1;
	cg->fullpaths = calloc(1, len);
	if (cg->fullpaths == NULL)
		return jail_error_set(err, ENOMEM, "cgroup");
	for (size_t i = 0; i < cg->nd; i++) {
		if (i)
			strcat(cg->fullpaths, " ");
		strcat(cg->fullpaths, cg->d[i].fullpath);
	}
	return 0;
}

/* Open NAME beneath DIRFD as an O_PATH directory, never following a
 * symlink, and check it is still on the hierarchy's file system and (on a
 * real host) owned by root: a directory delegated to a user is not ours to
 * manage. */
static int open_dir(const struct cg_dir *d, int dirfd, const char *name, const char *path,
		    jail_error_t *err)
{
	cleanup_close int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return jail_error_set(err, errno, "open %s", path);
	if (check_magic(fd, d->flags, d->hname[0] ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC, path,
			err) < 0)
		return -1;
	if (!(d->flags & JAIL_CGROUP_SCRATCH)) {
		if (fstat(fd, &st) < 0)
			return jail_error_set(err, errno, "stat %s", path);
		if (st.st_uid != 0)
			return jail_error_fmt(err, EPERM, "%s is owned by uid %u, expected root",
					      path, (unsigned)st.st_uid);
	}
	return steal_fd(&fd);
}

/* Walk (and with CREATE make) PARENT/USER/ID in hierarchy H into D.
 * ENABLE: controllers to enable on the way (v2), in the root and every
 * directory above the leaf. */
static int walk(const jail_cgroup_t *cg, const struct cg_hier *h, struct cg_dir *d,
		const char *parent, bool create, unsigned enable, jail_error_t *err)
{
	cleanup_free char *pcopy = strdup(parent);
	cleanup_free char *path = strdup(h->rootpath);
	const char *comp[64];
	size_t ncomp = 0, nparent;
	char *save = NULL;
	cleanup_close int tmpfd = -1;
	int cur;

	d->hname = strdup(h->name);
	d->ctrl = h->ctrl;
	d->flags = cg->flags;
	d->rootfd = fcntl(h->rootfd, F_DUPFD_CLOEXEC, 3);
	if (pcopy == NULL || path == NULL || d->hname == NULL)
		return jail_error_set(err, ENOMEM, "cgroup");
	if (d->rootfd < 0)
		return jail_error_set(err, errno, "dup");
	for (char *c = strtok_r(pcopy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (ncomp >= sizeof(comp) / sizeof(comp[0]) - 2)
			return jail_error_fmt(err, EINVAL, "cgroup parent '%s' is too deep",
					      parent);
		comp[ncomp++] = c;
	}
	nparent = ncomp;
	comp[ncomp++] = cg->user;
	comp[ncomp++] = cg->id;

	if (create && enable && cg->ops->enable && cg->enable_depth == 0 &&
	    cg->ops->enable(d, d->rootfd, h->rootpath, enable, err) < 0)
		return -1;
	cur = d->rootfd;
	for (size_t i = 0; i < ncomp; i++) {
		bool leaf = i == ncomp - 1;
		char *np = jail_strdup_printf("%s/%s", path, comp[i]);
		int fd;

		if (np == NULL)
			return jail_error_set(err, ENOMEM, "cgroup");
		free(path);
		path = np;
		if (create && leaf && jail_fault("cgroup-create") < 0)
			return jail_error_set(err, errno, "create cgroup %s", path);
		if (create && mkdirat(cur, comp[i], 0755) < 0 && (errno != EEXIST || leaf))
			return jail_error_set(err, errno, "create cgroup %s", path);
		fd = open_dir(d, cur, comp[i], path, err);
		if (fd < 0) {
			if (create && leaf)
				unlinkat(cur, comp[i], AT_REMOVEDIR);
			return -1;
		}
		if (leaf) {
			d->fd = fd;
			d->fullpath = steal_pointer(&path);
			return 0;
		}
		/* Intermediate components of PARENT are only needed while
		 * walking; PARENT's last one, USER and ID are kept. */
		if (tmpfd >= 0)
			close(tmpfd);
		tmpfd = -1;
		if (i == nparent - 1)
			d->parentfd = fd;
		else if (i == nparent)
			d->userfd = fd;
		else
			tmpfd = fd;
		cur = fd;
		/* Not in the leaf: v2 forbids controllers in the
		 * subtree_control of a cgroup that holds processes. */
		if (create && enable && cg->ops->enable && i + 1 >= cg->enable_depth &&
		    cg->ops->enable(d, fd, path, enable, err) < 0)
			return -1;
	}
	return jail_error_fmt(err, EINVAL, "cgroup walk ended without a leaf");
}

static bool limited(const jail_cgroup_limits_t *lim, unsigned bit)
{
	switch (bit) {
	case CG_MEMORY:
		return lim->memory_max != UINT64_MAX;
	case CG_PIDS:
		return lim->pids_max != UINT64_MAX;
	case CG_CPU:
		return lim->cpu_max_percent != 0;
	case CG_IO:
		return lim->io_weight != 0;
	default:
		return false;
	}
}

static const char *ctrl_name(unsigned bit)
{
	switch (bit) {
	case CG_MEMORY:
		return "memory";
	case CG_PIDS:
		return "pids";
	case CG_CPU:
		return "cpu";
	case CG_IO:
		return "io";
	default:
		return "?";
	}
}

static const char *limit_key(unsigned bit)
{
	switch (bit) {
	case CG_MEMORY:
		return "memory_max";
	case CG_PIDS:
		return "pids_max";
	case CG_CPU:
		return "cpu_max";
	case CG_IO:
		return "io_weight";
	default:
		return "?";
	}
}

static int check_limits(const jail_cgroup_limits_t *lim, jail_error_t *err)
{
	if (lim->memory_max != UINT64_MAX && lim->memory_max < 1024 * 1024)
		return jail_error_fmt(err, EINVAL,
				      "memory_max %" PRIu64 " is below 1M: no session can start",
				      lim->memory_max);
	if (lim->pids_max == 0)
		return jail_error_fmt(err, EINVAL, "pids_max 0: no session can start");
	if (lim->cpu_max_percent > 100000)
		return jail_error_fmt(err, EINVAL,
				      "cpu_max %" PRIu64 "%% is out of range (1..100000)",
				      lim->cpu_max_percent);
	if (lim->io_weight > 10000)
		return jail_error_fmt(err, EINVAL,
				      "io_weight %" PRIu64 " is out of range (1..10000)",
				      lim->io_weight);
	return 0;
}

/* Remove everything a scratch session dir holds (regular files written by
 * the tests' fake tree), so that rmdir can work as on a cgroupfs. */
void jail_cg_scratch_empty(int userfd, const char *id)
{
	cleanup_close int fd = openat(userfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_dir DIR *dir = NULL;
	struct dirent *de;

	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (dir == NULL)
		return;
	fd = -1; /* the DIR owns it */
	while ((de = readdir(dir)) != NULL)
		if (de->d_type == DT_REG)
			unlinkat(dirfd(dir), de->d_name, 0);
}

/* rmdir PARENTFD/USER when no session is left in it; in a scratch tree
 * first drop the regular files that stand for its control files. */
void jail_cg_rmdir_user(const jail_cgroup_t *cg, int parentfd)
{
	if (parentfd < 0)
		return;
	if (cg->flags & JAIL_CGROUP_SCRATCH) {
		cleanup_close int fd =
		    openat(parentfd, cg->user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		cleanup_dir DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;
		bool sessions = false;

		if (dir == NULL)
			return;
		fd = -1; /* the DIR owns it */
		while ((de = readdir(dir)) != NULL)
			if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				sessions = true;
		if (!sessions) {
			rewinddir(dir);
			while ((de = readdir(dir)) != NULL)
				if (de->d_type == DT_REG)
					unlinkat(dirfd(dir), de->d_name, 0);
		}
	}
	/* EBUSY/ENOTEMPTY: the user has other sessions. */
	unlinkat(parentfd, cg->user, AT_REMOVEDIR);
}

static void rmdir_session(jail_cgroup_t *cg, struct cg_dir *d)
{
	if (d->userfd < 0)
		return;
	if (cg->flags & JAIL_CGROUP_SCRATCH)
		jail_cg_scratch_empty(d->userfd, cg->id);
	unlinkat(d->userfd, cg->id, AT_REMOVEDIR);
	jail_cg_rmdir_user(cg, d->parentfd);
}

int jail_cgroup_create(jail_cgroup_manager_t *mgr, const char *parent, const char *user,
		       const char *id, const jail_cgroup_limits_t *lim, jail_cgroup_t **out,
		       jail_error_t *err)
{
	return jail_cg_create(mgr, parent, user, id, lim, 0, out, err);
}

int jail_cg_create(jail_cgroup_manager_t *mgr, const char *parent, const char *user, const char *id,
		   const jail_cgroup_limits_t *lim, size_t enable_depth, jail_cgroup_t **out,
		   jail_error_t *err)
{
	jail_cgroup_t *cg;
	unsigned need = 0, want, enable;

	if (check_parent(parent, err) < 0)
		return -1;
	if (!jail_cgroup_valid_name(user) || !jail_cgroup_valid_name(id))
		return jail_error_fmt(err, EINVAL, "invalid cgroup name '%s/%s'", user ? user : "",
				      id ? id : "");
	if (check_limits(lim, err) < 0)
		return -1;
	for (unsigned bit = CG_MEMORY; bit <= CG_IO; bit <<= 1) {
		if (!limited(lim, bit))
			continue;
		if (bit == CG_IO && mgr->ops->version == 1)
			continue; /* documented: io_weight is v2 only */
		need |= bit;
		if (!(mgr->ctrl & bit))
			return jail_error_fmt(err, ENOTSUP,
					      "%s is set but cgroup v%d under %s has no %s "
					      "controller (available: %s)",
					      limit_key(bit), mgr->ops->version, mgr->root,
					      ctrl_name(bit),
					      mgr->ctrl_names[0] ? mgr->ctrl_names : "none");
	}
	/* memory and pids always when present: ps reads them and destroy
	 * uses cgroup.procs; cpu and io only when limited. */
	want = need | (mgr->ctrl & (CG_MEMORY | CG_PIDS));
	if (want == 0)
		want = mgr->ctrl;
	enable = mgr->ops->version == 2 ? want : 0;

	cg = cg_new(mgr, parent, user, id, err);
	if (cg == NULL)
		return -1;
	cg->enable_depth = enable_depth;
	for (size_t i = 0; i < mgr->nh; i++) {
		struct cg_dir *d;

		if (mgr->ops->version == 1 && !(mgr->h[i].ctrl & want))
			continue;
		d = &cg->d[cg->nd++];
		d->rootfd = d->parentfd = d->userfd = d->fd = d->originfd = -1;
		if (walk(cg, &mgr->h[i], d, parent, true, enable, err) < 0 ||
		    mgr->ops->set_limits(d, lim, err) < 0)
			goto fail;
	}
	if (cg_finish(cg, err) < 0)
		goto fail;
	*out = cg;
	return 0;
fail:
	for (size_t i = 0; i < cg->nd; i++) {
		if (cg->d[i].fd >= 0)
			rmdir_session(cg, &cg->d[i]);
		else /* the walk stopped short of the leaf: USER may be new */
			jail_cg_rmdir_user(cg, cg->d[i].parentfd);
	}
	jail_cgroup_free(cg);
	return -1;
}

int jail_cgroup_open_existing(jail_cgroup_manager_t *mgr, const char *parent, const char *user,
			      const char *id, jail_cgroup_t **out, jail_error_t *err)
{
	cleanup_cgroup jail_cgroup_t *cg = NULL;

	if (check_parent(parent, err) < 0)
		return -1;
	if (!jail_cgroup_valid_name(user) || !jail_cgroup_valid_name(id))
		return jail_error_fmt(err, EINVAL, "invalid cgroup name '%s/%s'", user ? user : "",
				      id ? id : "");
	cg = cg_new(mgr, parent, user, id, err);
	if (cg == NULL)
		return -1;
	for (size_t i = 0; i < mgr->nh; i++) {
		struct cg_dir *d = &cg->d[cg->nd];
		jail_error_t e2 = {0};

		d->rootfd = d->parentfd = d->userfd = d->fd = d->originfd = -1;
		if (walk(cg, &mgr->h[i], d, parent, false, 0, &e2) < 0) {
			cg_dir_close(d);
			if (jail_error_is(&e2, ENOENT))
				continue;
			return jail_error_move(err, &e2);
		}
		cg->nd++;
		if (mgr->ops->version == 2 && strlen(id) > 6 &&
		    strcmp(id + strlen(id) - 6, ".scope") == 0) {
			/* logind's scope: the systemd backend's. */
			cg->ops = &jail_cgroup_systemd_ops;
			d->unit = strdup(id);
			if (d->unit == NULL)
				return jail_error_set(err, ENOMEM, "cgroup");
		}
	}
	if (cg->nd == 0)
		return jail_error_fmt(err, ENOENT, "no cgroup %s/%s/%s under %s", parent, user, id,
				      mgr->root);
	if (cg_finish(cg, err) < 0)
		return -1;
	*out = steal_pointer(&cg);
	return 0;
}

int jail_cgroup_open_path(jail_cgroup_manager_t *mgr, const char *relpath, jail_cgroup_t **out,
			  jail_error_t *err)
{
	cleanup_free char *copy = relpath ? strdup(relpath) : NULL;
	char *id, *user;

	if (copy == NULL)
		return jail_error_set(err, relpath ? ENOMEM : EINVAL, "cgroup path");
	id = strrchr(copy, '/');
	if (id == NULL || id == copy)
		goto bad;
	*id++ = '\0';
	user = strrchr(copy, '/');
	if (user == NULL || user == copy)
		goto bad;
	*user++ = '\0';
	return jail_cgroup_open_existing(mgr, copy, user, id, out, err);
bad:
	return jail_error_fmt(err, EINVAL, "cgroup path '%s' is not PARENT/USER/ID", relpath);
}

int jail_cgroup_adopt_scope(jail_cgroup_manager_t *mgr, const char *relpath,
			    const jail_cgroup_limits_t *lim, jail_cgroup_t **out, jail_error_t *err)
{
	cleanup_cgroup jail_cgroup_t *cg = NULL;

	if (check_limits(lim, err) < 0)
		return -1;
	if (jail_cgroup_open_path(mgr, relpath, &cg, err) < 0)
		return jail_error_wrap(err, "logind session scope");
	if (!jail_cgroup_is_systemd(cg))
		return jail_error_fmt(err, EINVAL, "%s is not a systemd scope", relpath);
	if (cg->ops->set_limits(&cg->d[0], lim, err) < 0)
		return -1;
	*out = steal_pointer(&cg);
	return 0;
}

bool jail_cgroup_is_systemd(const jail_cgroup_t *cg)
{
	return cg && cg->ops == &jail_cgroup_systemd_ops;
}
