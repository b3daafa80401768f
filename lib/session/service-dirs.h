/* A service's own writable directories (state_dir, logs_dir, runtime_dir
 * of lib/config/service.h), made and mounted from the sandbox's
 * before_pivot hook (lib/confine/sandbox.h), in the sandbox's mount
 * namespace, as root, before the service runs.
 *
 * What is created where:
 *   state_dir = D   STATE_ROOT/D on the host (JAIL_SERVICE_STATE_ROOT,
 *                   /var/lib/jail), bound read-write, nosuid, nodev at
 *                   /var/lib/D in the jail (JAIL_SERVICE_STATE_JAIL);
 *   logs_dir  = D   LOGS_ROOT/D (/var/log/jail/D) at /var/log/D;
 *   runtime_dir = D /run/D on the sandbox's own /run tmpfs, nothing on the
 *                   host (it goes with the sandbox).
 * A missing STATE_ROOT or LOGS_ROOT is created (0755 root); a missing
 * directory D is created 0750; the mount point in the read-only jail tree
 * is created (0755 root) when the jail lacks it, as for a bind target.
 *
 * The threat: the service user owns STATE_ROOT/D (and LOGS_ROOT/D) and
 * everything in it, and can plant symlinks, hard links, FIFOs there
 * between runs, or while a previous instance runs.  So nothing here walks
 * a path through anything the service user owns: STATE_ROOT is walked
 * with the trusted walker (root-owned, not group/world-writable, no
 * symlink, from "/"), which is what makes D itself trustworthy to find
 * (nobody but root can rename or replace an entry of STATE_ROOT); D is
 * opened with O_NOFOLLOW beneath that fd (a symlink at D, which only root
 * could have made, is refused, never followed), and then only the fd is
 * used: fchown, open_tree.  Nothing beneath D is ever opened, read,
 * chowned or removed.
 *
 * Ownership: D (the top directory only) belongs to the service's UID:GID.
 * A D that exists with another owner is chowned through its fd, with a
 * warning that its contents keep their owners (a service whose user
 * changed, or a dynamic uid that moved); a recursive chown would follow
 * the service user's hard links and is never done.  The runtime dir is
 * made 0755 UID:GID.
 *
 * Failure changes nothing on the host: a D created by this call is removed
 * again (it is empty: only this call has seen it) when anything later
 * fails; an existing D that was chowned stays chowned.  The roots are
 * left in place. */
#ifndef JAIL_SERVICE_DIRS_H
#define JAIL_SERVICE_DIRS_H

#include "base/error.h"
#include "base/util.h"
#include "config/service.h"

#include <sys/types.h>

/* Make and mount SVC's state_dir, logs_dir and runtime_dir (each NULL:
 * none) as described above.  STATE_ROOT and LOGS_ROOT are absolute host
 * paths (JAIL_SERVICE_STATE_ROOT and JAIL_SERVICE_LOGS_ROOT; tests give
 * scratch dirs).  ROOT_FD is the sandbox's new root as the before_pivot
 * hook gets it: this process must be in the sandbox's mount namespace
 * (the host directories are opened here, for open_tree), ROOT_FD the root
 * of the jail's read-only bind, with the sandbox's /run tmpfs mounted on
 * its /run.  WARNINGS (may be NULL) gets a note per directory chowned.
 * Returns 0 or -1 with ERR naming the host or jail path at fault. */
int jail_service_dirs_mount(const jail_service_t *svc, const char *state_root,
			    const char *logs_root, uid_t uid, gid_t gid, int root_fd,
			    jail_strv_t *warnings, jail_error_t *err);

#endif
