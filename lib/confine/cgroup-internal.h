/* Private to cgroup.c, cgroup-proc.c and the backends (cgroup-v1.c,
 * cgroup-v2.c, cgroup-systemd.c): the manager, the session handle and the
 * backend table. */
#ifndef JAIL_CGROUP_INTERNAL_H
#define JAIL_CGROUP_INTERNAL_H

#include "confine/cgroup.h"

#include <stddef.h>

/* Controller bits. */
enum {
	CG_MEMORY = 1u << 0,
	CG_PIDS = 1u << 1,
	CG_CPU = 1u << 2,
	CG_IO = 1u << 3,
};

#define CG_MAX_HIER 3

/* One hierarchy: the single v2 tree, or one v1 controller mount. */
struct cg_hier {
	char *name;	/* v1 controller ("memory"); "" for v2 */
	char *rootpath; /* absolute, for messages */
	int rootfd;	/* O_PATH|O_DIRECTORY */
	unsigned ctrl;	/* controllers this hierarchy carries */
};

/* The session's directory in one hierarchy. */
struct cg_dir {
	char *hname;	/* copy of cg_hier.name */
	char *fullpath; /* absolute path of the session dir, for messages */
	int rootfd;	/* hierarchy root (dup) */
	int parentfd;	/* <parent> (its last component) */
	int userfd;	/* <parent>/<user> */
	int fd;		/* <parent>/<user>/<id> */
	int originfd;	/* where the caller came from when it joined itself, or -1 */
	unsigned ctrl;
	unsigned flags; /* JAIL_CGROUP_* of the manager */
	char *unit;	/* systemd backend: the scope's unit name, else NULL */
};

struct jail_cgroup_ops {
	int version;
	/* v2: enable CTRL in DIRFD's cgroup.subtree_control (DIRFD names PATH
	 * in messages).  NULL for v1. */
	int (*enable)(const struct cg_dir *d, int dirfd, const char *path, unsigned ctrl,
		      jail_error_t *err);
	/* Write the limits into the session dir D (only those whose controller
	 * D carries). */
	int (*set_limits)(const struct cg_dir *d, const jail_cgroup_limits_t *lim,
			  jail_error_t *err);
	/* Kill everything at once if the backend can (v2 cgroup.kill);
	 * returns 1 when done, 0 when not supported. NULL = not supported. */
	int (*kill_all)(const struct cg_dir *d, jail_error_t *err);
	/* Name of the file holding current memory use. */
	const char *memory_current_file;
};

struct jail_cgroup_manager {
	const struct jail_cgroup_ops *ops;
	unsigned flags;
	char *root;
	struct cg_hier h[CG_MAX_HIER];
	size_t nh;
	unsigned ctrl; /* every controller available */
	char ctrl_names[64];
};

struct jail_cgroup {
	const struct jail_cgroup_ops *ops;
	unsigned flags;
	char *relpath;
	char *user;
	char *id;
	char *fullpaths;
	struct cg_dir d[CG_MAX_HIER];
	size_t nd;
	/* Controllers are enabled only in directories at this depth or below
	 * (the root is 0, PARENT's first component 1): 0 for a tree of our
	 * own; a delegated unit's depth, so that nothing above the unit
	 * (systemd's) is written. */
	size_t enable_depth;
};

extern const struct jail_cgroup_ops jail_cgroup_v1_ops;
extern const struct jail_cgroup_ops jail_cgroup_v2_ops;
/* v2 under systemd: the session stays in logind's scope (cgroup-systemd.c). */
extern const struct jail_cgroup_ops jail_cgroup_systemd_ops;

/* Write VALUE to D's file NAME (relative to DIRFD).  On a real cgroupfs the
 * file must exist; under JAIL_CGROUP_SCRATCH it is created.  OPTIONAL: a
 * missing file is not an error (returns 0 without writing); under
 * SCRATCH, "missing" is judged in the hierarchy root (a scratch session dir
 * starts empty). */
int jail_cg_write(const struct cg_dir *d, int dirfd, const char *name, const char *value,
		  bool optional, jail_error_t *err);
/* Read NAME beneath DIRFD into a malloc'd NUL-terminated buffer. */
int jail_cg_read(int dirfd, const char *name, char **out, jail_error_t *err);

/* jail_cgroup_create with the enable depth (see struct jail_cgroup). */
int jail_cg_create(jail_cgroup_manager_t *mgr, const char *parent, const char *user, const char *id,
		   const jail_cgroup_limits_t *lim, size_t enable_depth, jail_cgroup_t **out,
		   jail_error_t *err);

/* Remove the regular files of USERFD/ID, a scratch session dir (the tests'
 * fake tree), so that rmdir works there as on a cgroupfs. */
void jail_cg_scratch_empty(int userfd, const char *id);
/* rmdir PARENTFD/<user> when no session is left in it (in a scratch tree
 * after dropping the files that stand for its control files). */
void jail_cg_rmdir_user(const jail_cgroup_t *cg, int parentfd);

#endif
