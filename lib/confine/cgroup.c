/* Session cgroups: detection, the directory walk, join, kill and destroy,
 * shared by both backends (cgroup-v1.c, cgroup-v2.c). */
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
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
	if (jail_read_all(fd, CG_READ_MAX, out, NULL, err) < 0)
		return jail_error_wrap(err, "read %s", name);
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
	jail_cgroup_manager_t *mgr = calloc(1, sizeof(*mgr));
	cleanup_close int rootfd = -1;
	int r;

	if (mgr == NULL) {
		jail_error_set(err, ENOMEM, "cgroup");
		return NULL;
	}
	mgr->flags = flags;
	mgr->root = jail_path_normalize(root ? root : JAIL_CGROUP_ROOT, err);
	if (mgr->root == NULL)
		goto fail;
	/* The path of ROOT is the admin's (or the test's), not a user's. */
	rootfd = open(mgr->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		jail_error_set(err, errno, "open %s", mgr->root);
		goto fail;
	}
	if (!(flags & JAIL_CGROUP_SCRATCH) && jail_check_trusted_fd(rootfd, mgr->root, err) < 0)
		goto fail;
	if (faccessat(rootfd, "cgroup.controllers", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		r = detect_v2(mgr, rootfd, err);
	else
		r = detect_v1(mgr, rootfd, err);
	if (r < 0)
		goto fail;
	return mgr;
fail:
	jail_cgroup_manager_free(mgr);
	return NULL;
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
	jail_cgroup_t *cg = calloc(1, sizeof(*cg));

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
		jail_cgroup_free(cg);
		jail_error_set(err, ENOMEM, "cgroup");
		return NULL;
	}
	return cg;
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

	if (create && enable && cg->ops->enable &&
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
		if (create && enable && cg->ops->enable &&
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
static void scratch_empty(int userfd, const char *id)
{
	int fd = openat(userfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir;
	struct dirent *de;

	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL)
		if (de->d_type == DT_REG)
			unlinkat(dirfd(dir), de->d_name, 0);
	closedir(dir);
}

/* rmdir PARENTFD/USER when no session is left in it; in a scratch tree
 * first drop the regular files that stand for its control files. */
static void rmdir_user(const jail_cgroup_t *cg, int parentfd)
{
	if (parentfd < 0)
		return;
	if (cg->flags & JAIL_CGROUP_SCRATCH) {
		int fd =
		    openat(parentfd, cg->user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;
		bool sessions = false;

		if (dir == NULL) {
			if (fd >= 0)
				close(fd);
			return;
		}
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
		closedir(dir);
	}
	/* EBUSY/ENOTEMPTY: the user has other sessions. */
	unlinkat(parentfd, cg->user, AT_REMOVEDIR);
}

static void rmdir_session(jail_cgroup_t *cg, struct cg_dir *d)
{
	if (d->userfd < 0)
		return;
	if (cg->flags & JAIL_CGROUP_SCRATCH)
		scratch_empty(d->userfd, cg->id);
	unlinkat(d->userfd, cg->id, AT_REMOVEDIR);
	rmdir_user(cg, d->parentfd);
}

int jail_cgroup_create(jail_cgroup_manager_t *mgr, const char *parent, const char *user,
		       const char *id, const jail_cgroup_limits_t *lim, jail_cgroup_t **out,
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
			rmdir_user(cg, cg->d[i].parentfd);
	}
	jail_cgroup_free(cg);
	return -1;
}

int jail_cgroup_open_existing(jail_cgroup_manager_t *mgr, const char *parent, const char *user,
			      const char *id, jail_cgroup_t **out, jail_error_t *err)
{
	jail_cgroup_t *cg;

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
			if (e2.code == ENOENT)
				continue;
			if (err)
				*err = e2;
			jail_cgroup_free(cg);
			return -1;
		}
		cg->nd++;
		if (mgr->ops->version == 2 && strlen(id) > 6 &&
		    strcmp(id + strlen(id) - 6, ".scope") == 0) {
			/* logind's scope: the systemd backend's. */
			cg->ops = &jail_cgroup_systemd_ops;
			d->unit = strdup(id);
			if (d->unit == NULL) {
				jail_cgroup_free(cg);
				return jail_error_set(err, ENOMEM, "cgroup");
			}
		}
	}
	if (cg->nd == 0) {
		jail_error_fmt(err, ENOENT, "no cgroup %s/%s/%s under %s", parent, user, id,
			       mgr->root);
		jail_cgroup_free(cg);
		return -1;
	}
	if (cg_finish(cg, err) < 0) {
		jail_cgroup_free(cg);
		return -1;
	}
	*out = cg;
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
	jail_cgroup_t *cg = NULL;

	if (check_limits(lim, err) < 0)
		return -1;
	if (jail_cgroup_open_path(mgr, relpath, &cg, err) < 0)
		return jail_error_wrap(err, "logind session scope");
	if (!jail_cgroup_is_systemd(cg)) {
		jail_cgroup_free(cg);
		return jail_error_fmt(err, EINVAL, "%s is not a systemd scope", relpath);
	}
	if (cg->ops->set_limits(&cg->d[0], lim, err) < 0) {
		jail_cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

bool jail_cgroup_is_systemd(const jail_cgroup_t *cg)
{
	return cg && cg->ops == &jail_cgroup_systemd_ops;
}

/* ---- processes ---- */

/* Parse cgroup.procs of DIRFD. */
static int read_pids(int dirfd, const char *path, pid_t **out, size_t *n, jail_error_t *err)
{
	cleanup_free char *buf = NULL;
	pid_t *pids = NULL;
	size_t cnt = 0, cap = 0;

	if (jail_cg_read(dirfd, "cgroup.procs", &buf, err) < 0)
		return jail_error_wrap(err, "%s", path);
	for (char *p = buf; *p;) {
		char *end;
		long v;

		p += strspn(p, " \n");
		if (*p == '\0')
			break;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v <= 0 || v > INT32_MAX || (*end && *end != '\n')) {
			free(pids);
			return jail_error_fmt(err, EINVAL, "%s/cgroup.procs: unexpected content",
					      path);
		}
		if (cnt == cap) {
			pid_t *np;
			cap = cap ? cap * 2 : 16;
			np = realloc(pids, cap * sizeof(*np));
			if (np == NULL) {
				free(pids);
				return jail_error_set(err, ENOMEM, "cgroup.procs");
			}
			pids = np;
		}
		pids[cnt++] = (pid_t)v;
		p = end;
	}
	*out = pids;
	*n = cnt;
	return 0;
}

int jail_cgroup_pids(const jail_cgroup_t *cg, pid_t **pids, size_t *n, jail_error_t *err)
{
	return read_pids(cg->d[0].fd, cg->d[0].fullpath, pids, n, err);
}

int jail_cgroup_stats(const jail_cgroup_t *cg, jail_cgroup_stats_t *st, jail_error_t *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;

	st->memory_current = UINT64_MAX;
	st->nprocs = 0;
	if (jail_cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	st->nprocs = n;
	for (size_t i = 0; i < cg->nd; i++) {
		cleanup_free char *buf = NULL;
		uint64_t v;

		if (!(cg->d[i].ctrl & CG_MEMORY))
			continue;
		if (jail_cg_read(cg->d[i].fd, cg->ops->memory_current_file, &buf, err) < 0)
			return jail_error_wrap(err, "%s", cg->d[i].fullpath);
		jail_strstrip(buf);
		if (jail_parse_u64(buf, &v, err) < 0)
			return jail_error_wrap(err, "%s/%s", cg->d[i].fullpath,
					       cg->ops->memory_current_file);
		st->memory_current = v;
	}
	return 0;
}

/* The caller's cgroup in hierarchy D, from /proc/self/cgroup, as an O_PATH
 * fd beneath D's root. */
static int open_origin(struct cg_dir *d, unsigned version, jail_error_t *err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];

	if (f == NULL)
		return jail_error_set(err, errno, "open /proc/self/cgroup");
	while (fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *path;
		bool match = false;

		if (ctrls == NULL || (path = strchr(ctrls + 1, ':')) == NULL)
			continue;
		*ctrls++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (version == 2) {
			match = strcmp(line, "0") == 0 && ctrls[0] == '\0';
		} else {
			char *save = NULL;
			for (char *c = strtok_r(ctrls, ",", &save); c;
			     c = strtok_r(NULL, ",", &save))
				if (strcmp(c, d->hname) == 0)
					match = true;
		}
		if (!match)
			continue;
		if (path[0] != '/' || strstr(path, "/../") ||
		    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
			return jail_error_fmt(err, EINVAL, "/proc/self/cgroup: odd path '%s'",
					      path);
		d->originfd = path[1] == '\0'
				  ? fcntl(d->rootfd, F_DUPFD_CLOEXEC, 3)
				  : openat(d->rootfd, path + 1, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d->originfd < 0)
			return jail_error_set(err, errno,
					      "open the caller's cgroup %s (under %s's root)", path,
					      d->fullpath);
		return 0;
	}
	return jail_error_fmt(err, ENOENT, "/proc/self/cgroup has no %s line",
			      version == 2 ? "cgroup v2" : d->hname);
}

/* Whether the calling process has exactly one thread, from the host's
 * /proc (false when it cannot tell: after pivot_root /proc/self is not
 * ours). */
static bool single_threaded(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Threads:", 8) == 0)
			return strtol(line + 8, NULL, 10) == 1;
	}
	return false;
}

/* Move the calling process into DIRFD (a directory of hierarchy D).
 *
 * Writing a pid to cgroup.procs takes the kernel's cgroup_threadgroup_rwsem
 * for writing; when that lock has been idle, taking it waits for an RCU
 * grace period (7 to 25 ms per login measured on the 2-CPU test VM, most of
 * a jailed login's overhead).  On a v1 hierarchy, writing "0" to `tasks`
 * moves only the calling thread, which the kernel does without that lock
 * (cgroup_procs_write_start: no global lock for pid 0 on a thread file).
 * With SINGLE (the caller has one thread, checked by the caller of this
 * function) that thread is the whole process, and everything it forks
 * later starts in DIRFD: the same outcome as cgroup.procs.  v2 has no
 * such file for domain cgroups (cgroup.threads moves threads only inside a
 * threaded subtree), and a multi-threaded caller must move whole: both
 * write the pid to cgroup.procs. */
static bool thread_file(const jail_cgroup_t *cg)
{
	return cg->ops->version == 1 && !(cg->flags & JAIL_CGROUP_SCRATCH);
}

static int move_self(const jail_cgroup_t *cg, const struct cg_dir *d, int dirfd, bool single,
		     jail_error_t *err)
{
	char v[32];

	if (single && thread_file(cg))
		return jail_cg_write(d, dirfd, "tasks", "0", false, err);
	snprintf(v, sizeof(v), "%ld", (long)getpid());
	return jail_cg_write(d, dirfd, "cgroup.procs", v, false, err);
}

int jail_cgroup_join(jail_cgroup_t *cg, pid_t pid, jail_error_t *err)
{
	bool self = pid == 0 || pid == getpid();
	/* /proc/self/status only where the answer matters (v1). */
	bool single = self && thread_file(cg) && single_threaded();
	char v[32];

	snprintf(v, sizeof(v), "%ld", (long)(self ? getpid() : pid));
	/* The caller is in logind's scope already and stays there. */
	if (self && jail_cgroup_is_systemd(cg))
		return 0;
	for (size_t i = 0; i < cg->nd; i++) {
		struct cg_dir *d = &cg->d[i];

		if (self && !(cg->flags & JAIL_CGROUP_SCRATCH) && d->originfd < 0 &&
		    open_origin(d, (unsigned)cg->ops->version, err) < 0)
			return jail_error_wrap(err, "join %s", d->fullpath);
		if (jail_fault("cgroup-join") < 0)
			return jail_error_set(err, errno, "join pid %s: %s", v, d->fullpath);
		if (self ? move_self(cg, d, d->fd, single, err) < 0
			 : jail_cg_write(d, d->fd, "cgroup.procs", v, false, err) < 0)
			return jail_error_wrap(err, "join pid %s", v);
	}
	return 0;
}

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int jail_cgroup_leave(jail_cgroup_t *cg, jail_error_t *err)
{
	pid_t self = getpid();
	int rc = 0;
	char v[32];

	if (cg == NULL)
		return 0;
	snprintf(v, sizeof(v), "%ld", (long)self);
	/* The calling thread by the fast path (see move_self; after pivot_root
	 * the thread count cannot be read, so try it), then, if the process
	 * is still listed (other threads), the whole process. */
	for (size_t i = 0; i < cg->nd; i++) {
		struct cg_dir *d = &cg->d[i];
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		bool inside = false;

		if (d->originfd < 0)
			continue;
		if (move_self(cg, d, d->originfd, true, NULL) == 0 &&
		    read_pids(d->fd, d->fullpath, &pids, &n, NULL) == 0) {
			for (size_t k = 0; k < n; k++)
				inside |= pids[k] == self;
			if (!inside)
				goto left;
		}
		if (jail_cg_write(d, d->originfd, "cgroup.procs", v, false, err) < 0) {
			/* The cgroup the caller came from is gone: systemd
			 * removes a logind scope once sshd's process has left
			 * it empty.  The hierarchy's root takes the caller
			 * instead, so that the session's cgroup can still be
			 * emptied and removed. */
			if (err && err->code == ENOENT && !(cg->flags & JAIL_CGROUP_SCRATCH) &&
			    jail_cg_write(d, d->rootfd, "cgroup.procs", v, false, NULL) == 0)
				goto left;
			jail_error_wrap(err, "leave %s", d->fullpath);
			rc = -1;
			continue;
		}
	left:
		close(d->originfd);
		d->originfd = -1;
	}
	return rc;
}

int jail_cgroup_destroy(jail_cgroup_t *cg, jail_error_t *err)
{
	pid_t self = getpid();
	int rc = 0;
	bool systemd = jail_cgroup_is_systemd(cg);

	if (cg == NULL)
		return 0;
	/* Step out first: the caller may have joined itself (PAM in sshd). */
	if (jail_cgroup_leave(cg, err) < 0)
		rc = -1;
	/* cgroup.kill kills everything inside, the caller included: only
	 * when the caller is not (or no longer) a member. */
	if (cg->ops->kill_all && !(cg->flags & JAIL_CGROUP_SCRATCH)) {
		for (size_t i = 0; i < cg->nd; i++) {
			cleanup_free pid_t *pids = NULL;
			size_t n = 0;
			bool inside = false;

			if (read_pids(cg->d[i].fd, cg->d[i].fullpath, &pids, &n, NULL) < 0)
				continue; /* the loop below reports it */
			for (size_t k = 0; k < n; k++)
				inside |= pids[k] == self;
			if (!inside && n > 0)
				cg->ops->kill_all(&cg->d[i], NULL);
		}
	}
	/* Signal loop, at most about 2 s: SIGKILL what is listed, wait for the
	 * kernel to empty the cgroup, rmdir.  (With cgroup.kill this only
	 * waits.)  A pid read from cgroup.procs can in theory exit and be
	 * reused before kill(); the window is microseconds and the cgroup's
	 * own processes are the ones being killed. */
	for (size_t i = 0; i < cg->nd; i++) {
		struct cg_dir *d = &cg->d[i];
		bool gone = false;

		/* Killed processes leave the cgroup within microseconds to
		 * milliseconds: poll from 250 us, doubling to 10 ms, about 2 s
		 * in all. */
		long delay = 250, waited = 0;

		/* Usually empty by now (close_session reaps the init first):
		 * then rmdir alone does it. */
		if (!(cg->flags & JAIL_CGROUP_SCRATCH) && !systemd &&
		    (unlinkat(d->userfd, cg->id, AT_REMOVEDIR) == 0 || errno == ENOENT))
			gone = true;
		for (; waited < 2000000 && !gone;
		     waited += delay, delay = delay * 2 > 10000 ? 10000 : delay * 2) {
			cleanup_free pid_t *pids = NULL;
			size_t n = 0;
			jail_error_t e2 = {0};
			bool others = false;

			if (read_pids(d->fd, d->fullpath, &pids, &n, &e2) < 0) {
				if (e2.code == ENOENT && !(cg->flags & JAIL_CGROUP_SCRATCH)) {
					/* Removed already (jailctl kill/gc raced
					 * close_session): nothing left to do. */
					gone = true;
					break;
				}
				if (!(cg->flags & JAIL_CGROUP_SCRATCH)) {
					if (err)
						*err = e2;
					rc = -1;
					break;
				}
				n = 0;
			}
			for (size_t k = 0; k < n; k++) {
				/* A scratch tree's pids are made up: never signal them. */
				if (pids[k] == self || (cg->flags & JAIL_CGROUP_SCRATCH))
					continue;
				others = true;
				kill(pids[k], SIGKILL);
			}
			if (!others && systemd) {
				/* Only the caller (or nothing) left: the
				 * scope is systemd's to remove. */
				gone = true;
				break;
			}
			if (!others) {
				if (cg->flags & JAIL_CGROUP_SCRATCH)
					scratch_empty(d->userfd, cg->id);
				if (unlinkat(d->userfd, cg->id, AT_REMOVEDIR) == 0 ||
				    errno == ENOENT) {
					gone = true;
					break;
				}
				if (errno != EBUSY || n > 0) {
					/* Still holds the caller (never
					 * joined with pid 0), or another
					 * error. */
					jail_error_set(err, errno, "remove cgroup %s", d->fullpath);
					rc = -1;
					break;
				}
			}
			sleep_us(delay);
		}
		if (!gone && rc == 0) {
			jail_error_fmt(err, EBUSY,
				       "cgroup %s still has processes after SIGKILL (2 s)",
				       d->fullpath);
			rc = -1;
		}
		if (gone && !systemd)
			rmdir_user(cg, d->parentfd);
	}
	jail_cgroup_free(cg);
	return rc;
}
