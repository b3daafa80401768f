/* The host side of a sandbox, built from a spec (confine/spec.h) in the
 * order a jailed login has always used, one call per phase, as crun's
 * container_init_setup() calls into linux.c:
 *
 *   1. checks that need no change: the LSMs the spec requires exist;
 *   2. the cgroup, joined before anything else (on a systemd host the
 *      caller's logind scope of the same uid, limited through systemd;
 *      elsewhere <hierarchy>/<parent>/<owner>/<id>), so that the init and
 *      every later child start inside it;
 *   3. new mount, pid, ipc, uts (and net) namespaces for the caller, the
 *      caller's own saved first so a failure can put it back;
 *   4. the init (pid 1 of the new pid namespace, confine/nsinit.h);
 *   5. the mounts (confine/mounts.h) on the root reopened in the new mount
 *      namespace and checked to be the root checked before, the log relay
 *      handed to the init, the init's /proc, the spec's binds;
 *   6. the caller's hook (a login writes its record and opens the host's
 *      login records here, while the host's /proc and files are reachable);
 *   7. pivot_root into the root, then the bounding set reduced to the
 *      spec's caps_keep.
 *
 * The CALLING PROCESS becomes the sandbox's host side: its next fork lands
 * in the sandbox.  Fail closed: jail_sandbox_open() returns 0 with all of
 * it done, or -1 with everything it made undone (init killed and reaped,
 * cgroup removed, the caller back in its own namespaces, root and cwd).
 *
 * The user side (no_new_privs, AppArmor, Landlock, restricted commands,
 * seccomp) is confine/self.h, applied by the program that runs in the
 * sandbox (jailsh), as the user. */
#ifndef JAIL_CONFINE_SANDBOX_H
#define JAIL_CONFINE_SANDBOX_H

#include "base/error.h"
#include "base/util.h"
#include "confine/cgroup.h"
#include "confine/nsinit.h"
#include "confine/spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct jail_sandbox_params {
	const jail_sandbox_spec_t *spec;
	const char *name;	   /* what the spec came from (a profile name), for messages */
	const char *root;	   /* the tree, host path; opened with jail_open_trusted_dir */
	int root_fd;		   /* ROOT as the caller opened and checked it (a fd above 2;
				      0, as a zeroed struct has it: none, ROOT is opened) */
	const char *id;		   /* the sandbox's id (cgroup name, log tag) */
	const char *owner;	   /* the user it runs for (cgroup path, log tag) */
	bool owner_is_service;	   /* OWNER is a service's name: the log tag says so */
	uid_t uid;		   /* that user: logind scope, home ownership */
	const char *home;	   /* bound read-write when owned by UID; NULL: none */
	const char *cgroup_parent; /* <parent> of a cgroup of its own */
	bool logsocket;		   /* bind the host's /dev/log at /dev/log */
	bool die_with_caller;	   /* the init (and so the sandbox) dies with the caller */
	const void *session_data;  /* /run/jail/session (NULL: none) */
	size_t session_len;
	const void *seccomp_data; /* /run/jail/seccomp (NULL: none) */
	size_t seccomp_len;
	/* Step 6: called with the new root (an O_PATH fd, not yet the root)
	 * and the caller's saved namespaces (mnt fd[0], pid fd[1]); NULL:
	 * none.  A -1 refuses the sandbox. */
	int (*before_pivot)(void *arg, int root_fd, const jail_ns_saved_t *host, jail_error_t *err);
	void *arg;
	jail_strv_t *warnings; /* non-fatal notes for the caller to log (required) */
} jail_sandbox_params_t;

/* The step of jail_sandbox_open() that failed, for a caller that files
 * its refusal by kind (pam_jail's reason token): ROOT the jail root, its
 * mounts and the pivot into it; CGROUP joining the cgroup; HOOK the
 * caller's before_pivot (which knows its own kind); OTHER the rest
 * (namespaces, the init, the network, the bounding set). */
typedef enum jail_sandbox_step {
	JAIL_SANDBOX_FAIL_NONE = 0,
	JAIL_SANDBOX_FAIL_ROOT,
	JAIL_SANDBOX_FAIL_CGROUP,
	JAIL_SANDBOX_FAIL_HOOK,
	JAIL_SANDBOX_FAIL_OTHER,
} jail_sandbox_step_t;

typedef struct jail_sandbox {
	jail_nsinit_t init;
	jail_ns_saved_t saved_ns; /* the caller's namespaces, until the open succeeds */
	jail_cgroup_t *cg;	  /* NULL: none (cgroup off, or optional and unavailable) */
	bool open;
	jail_sandbox_step_t failed; /* after jail_sandbox_open() returned -1 */
} jail_sandbox_t;

/* A sandbox with nothing made yet (fds -1). */
void jail_sandbox_init(jail_sandbox_t *sb);

/* Step 1, the caller's to call before it prepares anything of its own:
 * refuse a spec whose required AppArmor or Landlock the kernel lacks; an
 * optional one missing is a warning in P->warnings. */
int jail_sandbox_check_lsms(const jail_sandbox_params_t *p, jail_error_t *err);

/* The spec's seccomp filter compiled for the sandbox's /run/jail/seccomp
 * (seccomp_data), from the cache JAIL_SECCOMP_CACHE_DIR when it holds it:
 * the user side then installs it without compiling (1 to 1.5 ms of
 * libseccomp).  Never a refusal: *OUT is NULL (and a warning in
 * P->warnings says why) when it cannot be had, and the user side compiles
 * the filter itself, or refuses if it cannot. */
void jail_sandbox_seccomp_blob(const jail_sandbox_params_t *p, char **out, size_t *len);

/* Steps 2 to 7 (see the file comment). */
int jail_sandbox_open(jail_sandbox_t *sb, const jail_sandbox_params_t *p, jail_error_t *err);

/* Ending a sandbox, in two halves so that the caller can do its own work
 * while the init dies (a login removes its record there):
 * jail_sandbox_kill() asks the init to stop (its log lines leave first,
 * JAIL_NSINIT_STOP_MS at most) then kills it without waiting;
 * jail_sandbox_end() moves the caller out of the cgroup, reaps the init
 * and removes the cgroup.  Every step is attempted; each returns -1 with
 * its first error.  Both are no-ops for what does not exist. */
int jail_sandbox_kill(jail_sandbox_t *sb, jail_error_t *err);
int jail_sandbox_end(jail_sandbox_t *sb, jail_error_t *err);

/* Joining a running sandbox (`jailctl enter`; `jailctl run` attaching to
 * a service): move the calling process into the namespaces of the init
 * TARGET points at (one setns on its pidfd), chroot to its root, and bound
 * it by SPEC's caps_keep, the order the sandbox was built in.  The caller
 * then forks: the child is in the sandbox's pid namespace, and joins the
 * sandbox's cgroup (jail_cgroup_join) before it runs anything. */
int jail_sandbox_join(const jail_ns_target_t *target, const jail_sandbox_spec_t *spec,
		      jail_error_t *err);

/* Close fds and free memory without touching the sandbox itself (safe in
 * a forked child holding a copy). */
void jail_sandbox_free(jail_sandbox_t *sb);

#endif
