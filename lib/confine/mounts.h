/* The mount plan of a session, and pivot_root into the jail.
 *
 * Everything here runs in a fresh mount namespace (after jail_ns_unshare)
 * as root.  Every mount is made with the new mount API (fsopen/fsmount,
 * open_tree, mount_setattr, move_mount) onto a target that was opened
 * beneath the jail root fd without following any symlink (lib/base/safefs.h):
 * a symlink planted in the jail (JAIL/tmp -> /etc, a home dir entry, ...)
 * makes the session fail; it never redirects a mount outside the jail.
 * Host-side source paths (bind_ro/bind_rw, /dev/log) come from root-owned
 * configuration and are trusted.  Needs Linux 5.12 (mount_setattr).
 *
 * Order (jail_mounts_begin, _rest, _proc, _binds, called by session.c):
 *   1. "/" recursively private (nothing propagates to or from the host);
 *   2. the jail root bound on itself (recursive): the new root mount, and
 *      the whole clone (every mount beneath the jail that came with it)
 *      read-only, nosuid, nodev (one mount_setattr, AT_RECURSIVE, on the
 *      detached clone).  From here on the session writes only to its own
 *      mounts (steps 4 to 7); the host's mount of the tree stays writable
 *      for jailctl.  A mount point the jail lacks is still created in the
 *      jail, with the root mount writable for that one call;
 *   3. /proc: the init's proc instance; kcore, keys, kmsg, timer_list,
 *      sched_debug, latency_stats, timer_stats masked by /dev/null, acpi, scsi,
 *      asound masked by an empty read-only tmpfs, sys, sysrq-trigger, irq, bus,
 *      fs bound read-only;
 *   4. /dev: a tmpfs (0755, nosuid, noexec; not nodev: it holds the
 *      session's device nodes, and only those, made here) with null zero
 *      full random urandom tty, a new devpts instance at /dev/pts
 *      (nosuid, noexec; ptmxmode=0666, mode=0620, gid=tty), /dev/ptmx bound
 *      to pts/ptmx,
 *      /dev/shm (tmpfs 1777 nosuid nodev noexec), fd/stdin/stdout/stderr
 *      symlinks, and /dev/log bound from the host when asked for;
 *   5. /tmp (tmpfs 1777 nosuid nodev) and /run (tmpfs 0755 nosuid nodev) with
 *      the profile's sizes; /run/jail/session (0444 root) written before
 *      /run is attached;
 *   6. the user's home (plan->home, the same path as on the host) bound on
 *      itself read-write, nosuid, nodev; resolved beneath the jail with no
 *      symlink (a symlink refuses the session); a missing home, or one the
 *      user does not own, is a warning and no writable home;
 *   7. the profile's bind_ro (read-only) and bind_rw mounts, nosuid,nodev;
 * then jail_mounts_pivot(): pivot_root(".", ".") and a lazy unmount of the
 * old root, so the host tree is gone from the namespace, not just hidden. */
#ifndef JAIL_MOUNTS_H
#define JAIL_MOUNTS_H

#include "confine/spec.h"
#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Where the session file goes inside the jail: JAIL_SESSIONFILE_PATH
 * ("/run/jail/session", lib/session/sessionfile.h) = /run + DIR + NAME below, on the
 * per-session /run tmpfs. */
#define JAIL_SESSIONFILE_DIR   "/run/jail"
#define JAIL_SESSIONFILE_PATH  "/run/jail/session"
#define JAIL_SESSION_FILE_DIR  "jail"
#define JAIL_SESSION_FILE_NAME "session"
#define JAIL_SESSION_FILE_PATH JAIL_SESSIONFILE_PATH
/* Beside it: the compiled seccomp filter (JAIL_SECCOMP_BLOB_PATH). */
#define JAIL_SESSION_SECCOMP_NAME "seccomp"

/* Where jailctl init records what a jail asked for (logsocket 1). */
#define JAIL_MANIFEST_PATH ".jail/manifest"

typedef struct jail_bind {
	char *host; /* absolute, normalised */
	char *jail; /* absolute, normalised, inside the jail */
	bool ro;
} jail_bind_t;

/* Parse one bind spec "/host/path[:/jail/path]" (the jail path defaults to
 * the host path).  Both must be absolute and free of "..".  The jail path
 * must not be "/" nor at or beneath /proc or /dev (it would cover the masks
 * and device nodes); binds beneath /tmp and /run land on the session tmpfs. */
int jail_bind_parse(const char *spec, bool ro, jail_bind_t *out, jail_error_t *err);
void jail_bind_clear(jail_bind_t *b);
#define cleanup_bind __attribute__((cleanup(jail_bind_clear)))

typedef struct jail_mount_plan {
	const jail_sandbox_spec_t *spec; /* tmp_size, run_size, bind_ro, bind_rw */
	bool logsocket;			 /* bind the host's /dev/log at /dev/log */
	gid_t tty_gid;			 /* gid for devpts (host group "tty") */
	const void *session_data;	 /* content of /run/jail/session (may be NULL: none) */
	size_t session_len;
	const void *seccomp_data; /* content of /run/jail/seccomp (NULL: none) */
	size_t seccomp_len;
	jail_strv_t *warnings; /* non-fatal notes for the caller to log (may be NULL) */
	/* The user's home (host passwd pw_dir: the same path in the jail),
	 * the only writable place of the jail tree (step 6).  NULL: none
	 * asked for (a sandbox without a user's home); "": the user has
	 * none (a warning). */
	const char *home;
	uid_t uid; /* the user: a home they do not own is not made writable */
} jail_mount_plan_t;

/* Steps 1 and 2: make "/" private and bind the jail root (JAIL_FD, a
 * trusted fd, see jail_open_trusted_dir) on itself.  Returns an O_PATH fd of
 * the new root mount, for the other steps. */
int jail_mounts_begin(int jail_fd, jail_error_t *err);

/* Step 3: attach PROC_MFD (a detached proc mount made by the session init,
 * see jail_nsinit_ready) at ROOT/proc and apply the masks. */
int jail_mounts_proc(int root_fd, int proc_mfd, jail_error_t *err);

/* Steps 4 to 6: /dev, /tmp, /run, the home.  Independent of step 3. */
int jail_mounts_rest(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err);

/* Step 7, after steps 3 and 6 (a bind may cover anything mounted before
 * it, a bind target may be in the home): the profile's bind_ro then
 * bind_rw. */
int jail_mounts_binds(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err);

/* Bind the directory SRC_FD at TARGET (an absolute path in the jail)
 * beneath ROOT_FD (the new root, as for the steps above), nosuid, nodev,
 * and read-only when RO; only SRC_FD's own mount, not what is mounted
 * beneath it.  TARGET is refused when jail_bind_target_refusal() refuses
 * it; it is opened beneath ROOT_FD without following any symlink (one is
 * an error), and created (0755 root) when missing, in the jail tree itself
 * as for a bind_ro/bind_rw target.
 *
 * SRC_FD must have been opened in the CURRENT mount namespace, i.e. inside
 * the sandbox's (in a jail_sandbox_params_t.before_pivot hook): open_tree
 * (OPEN_TREE_CLONE) refuses a mount of another namespace with EINVAL, so an
 * fd opened on the host before the sandbox was built does not work.  The
 * caller answers for SRC_FD (it is not checked: whatever directory it
 * names is what the jail gets).  Returns 0 or -1; on failure nothing is
 * mounted (a mount point created in the jail stays). */
int jail_mounts_bind_fd(int root_fd, int src_fd, const char *target, bool ro, jail_error_t *err);

/* Make ROOT_FD the root of the mount namespace: fchdir, pivot_root(".", "."),
 * lazy unmount of the old root, chdir("/").  Every process of the namespace
 * whose root or cwd was the old root now has the jail instead. */
int jail_mounts_pivot(int root_fd, jail_error_t *err);

/* Read JAIL_FD/.jail/manifest (written by jailctl init; must be root-owned
 * and not writable by others, opened beneath the jail without following
 * symlinks) and tell whether it asks for a log socket ("logsocket 1").  A
 * missing manifest means no.  Returns 0 or -1. */
int jail_manifest_logsocket(int jail_fd, bool *out, jail_error_t *err);

#endif
