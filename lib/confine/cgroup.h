/* Session cgroups, v1 and v2 behind one small table of function pointers
 * (crun's libcrun_cgroup_manager pattern), chosen once at run time.
 *
 * Layout: every session gets <root>/[<controller>/]<parent>/<user>/<id>,
 * where <parent> is cfg->cgroup_parent ("jail" by default, may have several
 * components), <user> the login name and <id> the session id.
 *   v2 (pure, /sys/fs/cgroup/cgroup.controllers exists): one directory;
 *      +memory +pids (+cpu +io when limited) are enabled in the
 *      cgroup.subtree_control of the root and of every ancestor down to
 *      <user>; limits go to memory.max, memory.swap.max (0 when memory is
 *      limited), pids.max, cpu.max, io.weight.
 *   v1 (hybrid or legacy): one directory in each of the memory, pids and cpu
 *      hierarchies that are mounted under <root>/<controller> (a symlink
 *      such as cpu -> cpu,cpuacct is fine; the target must be a cgroup
 *      file system).  The empty v2 tree of a hybrid host (<root>/unified)
 *      is ignored.  Limits go to memory.limit_in_bytes,
 *      memory.memsw.limit_in_bytes (when present), pids.max,
 *      cpu.cfs_period_us + cpu.cfs_quota_us.  io_weight is ignored on v1.
 *
 * Every file is opened relative to O_PATH directory fds, never by a path
 * built from user input: names (parent components, user, id) are checked
 * (no '/', no "." or "..", no control characters).  The hierarchy roots are
 * checked with fstatfs (CGROUP2_SUPER_MAGIC / CGROUP_SUPER_MAGIC).  A
 * jail_cgroup_t keeps its own O_PATH fds, so join/destroy/stats keep working
 * after the caller pivot_root()ed away from the host tree, and it does not
 * depend on the manager that made it (which may be freed first).
 *
 * Fail closed: a limit that is set but cannot be written (missing
 * controller, missing file, kernel refusal) is an error and the half-made
 * cgroup is removed again.  Whether the session may go on without a cgroup
 * is the caller's decision (profile `cgroup = required|optional`). */
#ifndef JAIL_CGROUP_H
#define JAIL_CGROUP_H

#include "confine/spec.h"
#include "base/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_CGROUP_ROOT "/sys/fs/cgroup"

/* No limit at all (everything unlimited/unset). */
void jail_cgroup_limits_none(jail_cgroup_limits_t *lim);

typedef struct jail_cgroup_manager jail_cgroup_manager_t;
typedef struct jail_cgroup jail_cgroup_t;

/* Flags for jail_cgroup_detect_flags(). */
enum {
	/* Tests only: ROOT is a scratch directory made of regular files: no
	 * fstatfs magic checks, control files are created when missing (a real
	 * cgroupfs creates them on mkdir), and join does not track the
	 * caller's original cgroup. */
	JAIL_CGROUP_SCRATCH = 1u << 0,
};

/* Detect the hierarchy under ROOT (JAIL_CGROUP_ROOT on a real host):
 * v2 when ROOT/cgroup.controllers exists (and ROOT is a cgroup2 fs),
 * otherwise v1 when at least one of ROOT/memory, ROOT/pids, ROOT/cpu is a
 * cgroup v1 fs.  Neither: NULL with err ENOENT naming ROOT. */
jail_cgroup_manager_t *jail_cgroup_detect(const char *root, jail_error_t *err);
jail_cgroup_manager_t *jail_cgroup_detect_flags(const char *root, unsigned flags,
						jail_error_t *err);
void jail_cgroup_manager_free(jail_cgroup_manager_t *mgr);
static inline void jail_cgroup_manager_freep(jail_cgroup_manager_t **mgr)
{
	jail_cgroup_manager_free(*mgr);
	*mgr = NULL;
}
#define cleanup_cgroup_manager __attribute__((cleanup(jail_cgroup_manager_freep)))
/* 1 or 2. */
int jail_cgroup_manager_version(const jail_cgroup_manager_t *mgr);
/* Human readable list of the controllers found ("memory pids cpu io"). */
const char *jail_cgroup_manager_controllers(const jail_cgroup_manager_t *mgr);

/* Create the session cgroup PARENT/USER/ID (creating PARENT and USER as
 * needed, mode 0755 root) and write LIM.  ID must not exist yet (EEXIST).
 * On any failure nothing of the session directory is left behind.  *out
 * receives the handle (free it with jail_cgroup_free, or destroy it). */
int jail_cgroup_create(jail_cgroup_manager_t *mgr, const char *parent, const char *user,
		       const char *id, const jail_cgroup_limits_t *lim, jail_cgroup_t **out,
		       jail_error_t *err);

/* The systemd backend (cgroup-systemd.c).  On a cgroup v2 host with
 * systemd as pid 1, when PROC_CGROUP (the text of /proc/self/cgroup) puts
 * the caller in logind's session scope of user UID
 * (user.slice/user-UID.slice/session-ID.scope, where pam_systemd put it),
 * returns 1 and *relpath (malloc'd) names that scope relative to the v2
 * root.  0 on any other host or cgroup (no systemd, cgroup v1, a system
 * service, another user's session as with su from a root login). */
int jail_cgroup_logind_scope(const jail_cgroup_manager_t *mgr, const char *proc_cgroup, uid_t uid,
			     char **relpath, jail_error_t *err);
/* A systemd service with Delegate=yes (cgroup-systemd.c).  On a cgroup v2
 * host with systemd as pid 1, when PROC_CGROUP puts the caller in a
 * .service unit's cgroup (or in its "supervisor" leaf), *relpath (malloc'd)
 * names the unit's cgroup relative to the v2 root, and the return is 1
 * when systemd delegated it (the xattr trusted.delegate or user.delegate
 * is "1", systemd >= 251, and it is root's), 0 when not: the caller may
 * then warn that the unit's limits do not reach a cgroup of its own.
 * 0 with *relpath NULL on any other host or cgroup; -1 when the unit's
 * cgroup cannot be opened. */
int jail_cgroup_delegated_unit(const jail_cgroup_manager_t *mgr, const char *proc_cgroup,
			       char **relpath, jail_error_t *err);
#define JAIL_CGROUP_SUPERVISOR "supervisor"
/* The sandbox's cgroup inside the delegated unit UNIT (from
 * jail_cgroup_delegated_unit): every process of the unit moves to the
 * leaf UNIT/supervisor (the caller among them), memory pids cpu io (those
 * the unit has) are enabled in UNIT's cgroup.subtree_control, and
 * UNIT/USER/ID is made as jail_cgroup_create makes PARENT/USER/ID, with
 * nothing above UNIT written.  Destroy removes ID and USER only: the
 * supervisor leaf is systemd's to remove with the unit. */
int jail_cgroup_create_delegated(jail_cgroup_manager_t *mgr, const char *unit, const char *user,
				 const char *id, const jail_cgroup_limits_t *lim,
				 jail_cgroup_t **out, jail_error_t *err);
/* Take the logind scope RELPATH (from jail_cgroup_logind_scope) as the
 * session's cgroup: the caller is in it already and stays there (joining
 * itself is a no-op), LIM is set on the scope through systemd
 * (SetUnitProperties, runtime), and destroy kills what is left but never
 * removes the scope (systemd does once it is empty). */
int jail_cgroup_adopt_scope(jail_cgroup_manager_t *mgr, const char *relpath,
			    const jail_cgroup_limits_t *lim, jail_cgroup_t **out,
			    jail_error_t *err);
/* True when CG is a systemd scope (the systemd backend). */
bool jail_cgroup_is_systemd(const jail_cgroup_t *cg);

/* Open an existing session cgroup (for jailctl ps/kill/gc/enter).  ENOENT
 * when it does not exist in any hierarchy. */
int jail_cgroup_open_existing(jail_cgroup_manager_t *mgr, const char *parent, const char *user,
			      const char *id, jail_cgroup_t **out, jail_error_t *err);
/* Same, from the relative path "PARENT/USER/ID" that jail_cgroup_path()
 * returns (what the session registry stores). */
int jail_cgroup_open_path(jail_cgroup_manager_t *mgr, const char *relpath, jail_cgroup_t **out,
			  jail_error_t *err);

/* Move PID into the session cgroup in every hierarchy (cgroup.procs).
 * PID 0 means the caller.  When the caller joins itself, its current
 * cgroup in each hierarchy is remembered (an O_PATH fd) so that
 * jail_cgroup_destroy() can move it back out before killing what is left:
 * a PAM module joining sshd's privileged process is never killed by its
 * own close_session. */
int jail_cgroup_join(jail_cgroup_t *cg, pid_t pid, jail_error_t *err);

/* Move the caller back out of the session cgroup, to the cgroup it joined
 * from (when it joined itself: see jail_cgroup_join), and nothing else.
 * jail_cgroup_destroy() does this first; calling it earlier lets the caller
 * step out while the session's last processes are still exiting.  Again
 * after success: nothing to do. */
int jail_cgroup_leave(jail_cgroup_t *cg, jail_error_t *err);

/* Kill everything in the session cgroup (v2: cgroup.kill when present;
 * otherwise SIGKILL over cgroup.procs, repeated, waiting at most about two
 * seconds), then rmdir ID, then try to rmdir USER (ignoring EBUSY/ENOTEMPTY:
 * other sessions of that user).  The caller is moved back to its original
 * cgroup first when it had joined itself, and is never signalled.  A
 * cgroup someone else removed already (jailctl kill vs close_session) is
 * not an error.  Frees CG in every case (success or failure). */
int jail_cgroup_destroy(jail_cgroup_t *cg, jail_error_t *err);

typedef struct jail_cgroup_stats {
	uint64_t memory_current; /* bytes; UINT64_MAX when unknown (no memory controller) */
	uint64_t nprocs;	 /* processes listed in cgroup.procs */
} jail_cgroup_stats_t;
int jail_cgroup_stats(const jail_cgroup_t *cg, jail_cgroup_stats_t *st, jail_error_t *err);

/* Pids currently in the cgroup (first hierarchy).  *pids is malloc'd. */
int jail_cgroup_pids(const jail_cgroup_t *cg, pid_t **pids, size_t *n, jail_error_t *err);

/* "PARENT/USER/ID", relative to each hierarchy root. */
const char *jail_cgroup_path(const jail_cgroup_t *cg);
/* Absolute paths of the session dir in each hierarchy, space separated
 * (for messages and the registry), e.g. "/sys/fs/cgroup/memory/jail/u/ID
 * /sys/fs/cgroup/pids/jail/u/ID". */
const char *jail_cgroup_fullpaths(const jail_cgroup_t *cg);
/* Close the fds and free CG without touching the cgroup. */
void jail_cgroup_free(jail_cgroup_t *cg);
static inline void jail_cgroup_freep(jail_cgroup_t **cg)
{
	jail_cgroup_free(*cg);
	*cg = NULL;
}
#define cleanup_cgroup __attribute__((cleanup(jail_cgroup_freep)))

/* Is NAME acceptable as one cgroup path component? (non-empty, at most
 * 255 bytes, no '/', not "." or "..", no control characters or spaces) */
bool jail_cgroup_valid_name(const char *name);

/* A relative cgroup path: jail.ini's cgroup_parent ("jail",
 * "system.slice/jail") and a session's PARENT/USER/ID.  Components are
 * separated by single '/', none empty, "." or "..", each made of ASCII
 * letters, digits and - _ . @ $ (user names may end in '$') and at most 255
 * long, no leading or trailing '/', at most PATH_MAX in all.  Returns the number of
 * components, 0 when PATH is not such a path. */
size_t jail_cgroup_valid_path(const char *path);

#endif
