/* The host side of a sandbox (see sandbox.h). */
#define _GNU_SOURCE
#include "confine/sandbox.h"
#include "base/safefs.h"
#include "confine/caps.h"
#include "confine/logrelay.h"
#include "confine/apparmor.h"
#include "confine/landlock.h"
#include "confine/mounts.h"
#include "confine/netpriv.h"
#include "confine/seccomp.h"
#include "confine/views.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void jail_sandbox_init(jail_sandbox_t *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->init = (jail_nsinit_t)JAIL_NSINIT_INIT;
	sb->saved_ns = (jail_ns_saved_t)JAIL_NS_SAVED_INIT;
}

int jail_sandbox_check_lsms(const jail_sandbox_params_t *p, jail_error_t *err)
{
	const jail_sandbox_spec_t *spec = p->spec;

	if (spec->apparmor != JAIL_MODE_OFF && !jail_apparmor_active()) {
		if (spec->apparmor == JAIL_MODE_REQUIRED)
			return jail_error_fmt(err, ENOSYS,
					      "profile %s requires AppArmor (apparmor = required) "
					      "but AppArmor is not enabled in this kernel",
					      p->name);
		jail_strv_push(p->warnings,
			       "AppArmor is not enabled in this kernel: no AppArmor profile "
			       "(apparmor = optional)",
			       NULL);
	}
	if (spec->landlock != JAIL_MODE_OFF && jail_landlock_abi() < 1) {
		if (spec->landlock == JAIL_MODE_REQUIRED)
			return jail_error_fmt(err, ENOSYS,
					      "profile %s requires Landlock (landlock = "
					      "required) but this kernel does not offer it",
					      p->name);
		jail_strv_push(p->warnings,
			       "Landlock is not available in this kernel (landlock = "
			       "optional)",
			       NULL);
	}
	return 0;
}

void jail_sandbox_seccomp_blob(const jail_sandbox_params_t *p, char **out, size_t *len)
{
	const jail_walk_opts_t cache = {.flags = JAIL_WALK_CREATE, .create_mode = 0700};
	cleanup_close int cfd = -1;
	jail_error_t e2 = {0};

	*out = NULL;
	*len = 0;
	if (p->spec->seccomp == JAIL_SECCOMP_OFF)
		return;
	if (jail_walk_trusted(JAIL_SECCOMP_CACHE_DIR, &cache, &cfd, &e2) < 0)
		jail_strv_push_error(p->warnings, "no seccomp cache (" JAIL_SECCOMP_CACHE_DIR ")",
				     &e2);
	jail_error_clear(&e2);
	if (jail_seccomp_blob_cached(cfd, p->spec->seccomp, &p->spec->seccomp_allow,
				     &p->spec->seccomp_deny, out, len, &e2) < 0)
		/* seen under valgrind, which lacks seccomp(2) */
		jail_strv_push_error(p->warnings,
				     "seccomp filter not precompiled (jailsh compiles it)", &e2);
}

/* Step 2. */
static int join_cgroup(jail_sandbox_t *sb, const jail_sandbox_params_t *p, jail_error_t *err)
{
	jail_cgroup_manager_t *mgr;
	jail_error_t e2;
	int r = -1;

	if (p->spec->cgroup == JAIL_MODE_OFF)
		return 0;
	jail_error_clear(&e2);
	mgr = jail_cgroup_detect(JAIL_CGROUP_ROOT, &e2);
	if (mgr != NULL) {
		cleanup_free char *scope = NULL, *self = NULL, *unit = NULL;
		cleanup_close int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
		size_t n = 0;

		if (fd < 0 || jail_read_all(fd, 65536, &self, &n, NULL) < 0)
			n = 0;
		/* On a systemd host the sandbox stays in logind's scope,
		 * where logind and systemd can see and end it; a caller that
		 * supervises it in the foreground as a service's main process
		 * (jailctl run under Delegate=yes) puts it inside its unit;
		 * elsewhere it gets a cgroup of its own. */
		r = n > 0 ? jail_cgroup_logind_scope(mgr, self, p->uid, &scope, &e2) : 0;
		if (r == 0 && n > 0 && p->die_with_caller)
			r = jail_cgroup_delegated_unit(mgr, self, &unit, &e2);
		if (r == 1 && scope)
			r = jail_cgroup_adopt_scope(mgr, scope, &p->spec->limits, &sb->cg, &e2);
		else if (r == 1)
			r = jail_cgroup_create_delegated(mgr, unit, p->owner, p->id,
							 &p->spec->limits, &sb->cg, &e2);
		else if (r == 0 && unit) {
			cleanup_free char *w = jail_strdup_printf(
			    "unit %s is not delegated: its cgroup limits do not apply to the "
			    "sandbox's cgroup under %s; set Delegate=yes in the unit",
			    strrchr(unit, '/') ? strrchr(unit, '/') + 1 : unit, p->cgroup_parent);

			if (w == NULL)
				r = jail_error_set(&e2, ENOMEM, "warning");
			else if (jail_strv_push(p->warnings, w, &e2) < 0)
				r = -1;
		}
		if (r == 0 && sb->cg == NULL)
			r = jail_cgroup_create(mgr, p->cgroup_parent, p->owner, p->id,
					       &p->spec->limits, &sb->cg, &e2);
		jail_cgroup_manager_free(mgr);
		if (r == 0 && jail_cgroup_join(sb->cg, 0, &e2) < 0) {
			jail_error_t e3;
			jail_cgroup_destroy(sb->cg, &e3);
			sb->cg = NULL;
			r = -1;
		}
	}
	if (r == 0)
		return 0;
	if (p->spec->cgroup == JAIL_MODE_REQUIRED) {
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "cgroup required by profile %s", p->name);
	}
	jail_strv_push_error(p->warnings, "no cgroup for the session (cgroup = optional)", &e2);
	return 0;
}

static gid_t tty_gid(void)
{
	struct group *gr = getgrnam("tty");

	return gr ? gr->gr_gid : 5;
}

/* Mount operations need the root as seen in the NEW mount namespace:
 * reopen it (the trusted chain again) and check it is what was checked.
 * Replaces *FD. */
static int reopen_root(int *fd, const char *root, jail_error_t *err)
{
	struct stat a, b;
	int nfd = jail_open_trusted_dir(root, err);

	if (nfd < 0)
		return jail_error_wrap(err, "jail %s", root);
	if (fstat(*fd, &a) < 0 || fstat(nfd, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		close(nfd);
		return jail_error_fmt(err, ESTALE, "jail %s changed during the session setup",
				      root);
	}
	close(*fd);
	*fd = nfd;
	return 0;
}

/* Files the failure under STEP (jail_sandbox_step_t); returns -1. */
static int failed(jail_sandbox_t *sb, jail_sandbox_step_t step)
{
	sb->failed = step;
	return -1;
}

/* Steps 5 to 7, after the init started. */
static int build(jail_sandbox_t *sb, const jail_sandbox_params_t *p, int *jail_fd,
		 jail_error_t *err)
{
	cleanup_close int root_fd = -1;
	cleanup_close int proc_mfd = -1;
	jail_mount_plan_t plan;
	jail_error_t e2;

	memset(&plan, 0, sizeof(plan));
	plan.spec = p->spec;
	plan.logsocket = p->logsocket;
	plan.tty_gid = tty_gid();
	plan.session_data = p->session_data;
	plan.session_len = p->session_len;
	plan.seccomp_data = p->seccomp_data;
	plan.seccomp_len = p->seccomp_len;
	plan.warnings = p->warnings;
	plan.home = p->home;
	plan.uid = p->uid;
	if (reopen_root(jail_fd, p->root, err) < 0)
		return failed(sb, JAIL_SANDBOX_FAIL_ROOT);
	root_fd = jail_mounts_begin(*jail_fd, err);
	if (root_fd < 0 || jail_mounts_rest(root_fd, &plan, err) < 0 ||
	    (p->spec->private_view && jail_views_mount(root_fd, &plan, err) < 0)) {
		jail_error_wrap(err, "mounts in jail %s", p->root);
		return failed(sb, JAIL_SANDBOX_FAIL_ROOT);
	}
	/* Messages from inside reach the host's syslog through the init
	 * (logrelay.h).  Not a refusal: logging is not confinement. */
	if (jail_logrelay_give(sb->init.sock, root_fd, p->id, p->owner, p->owner_is_service,
			       sb->init.pid, &e2) < 0)
		jail_strv_push_error(p->warnings,
				     "no log relay in the session (" JAIL_LOGRELAY_PATH ")", &e2);
	if (jail_nsinit_ready(&sb->init, &proc_mfd, err) < 0)
		return failed(sb, JAIL_SANDBOX_FAIL_OTHER);
	if (jail_mounts_proc(root_fd, proc_mfd, err) < 0 ||
	    jail_mounts_binds(root_fd, &plan, err) < 0) {
		jail_error_wrap(err, "mounts in jail %s", p->root);
		return failed(sb, JAIL_SANDBOX_FAIL_ROOT);
	}
	if (p->before_pivot && p->before_pivot(p->arg, root_fd, &sb->saved_ns, err) < 0)
		return failed(sb, JAIL_SANDBOX_FAIL_HOOK);
	if (jail_mounts_pivot(root_fd, err) < 0) {
		jail_error_wrap(err, "jail %s", p->root);
		return failed(sb, JAIL_SANDBOX_FAIL_ROOT);
	}
	/* After the mounts (which need CAP_SYS_ADMIN, held in the caller's
	 * effective set regardless): every later exec is bounded. */
	if (jail_caps_drop_bounding(&p->spec->caps_keep, err) < 0) {
		jail_error_wrap(err, "capability bounding set");
		return failed(sb, JAIL_SANDBOX_FAIL_OTHER);
	}
	return 0;
}

int jail_sandbox_open(jail_sandbox_t *sb, const jail_sandbox_params_t *p, jail_error_t *err)
{
	cleanup_close int jail_fd = -1;
	jail_error_t e2;

	if (sb->open)
		return jail_error_fmt(err, EALREADY, "sandbox already open");
	sb->failed = JAIL_SANDBOX_FAIL_NONE;
	/* Checks first: nothing is made for a root or spec that fails them. */
	/* The root the caller checked, when it did: reopen_root() compares
	 * the new namespace's view with that very directory. */
	jail_fd = p->root_fd > STDERR_FILENO ? fcntl(p->root_fd, F_DUPFD_CLOEXEC, 3)
					     : jail_open_trusted_dir(p->root, err);
	if (jail_fd < 0 && p->root_fd > STDERR_FILENO)
		jail_error_set(err, errno, "dup the jail's fd");
	if (jail_fd < 0) {
		jail_error_wrap(err, "jail %s", p->root);
		return failed(sb, JAIL_SANDBOX_FAIL_ROOT);
	}
	/* The cgroup is joined before anything else: the init and every child
	 * of the caller start inside it. */
	if (join_cgroup(sb, p, err) < 0) {
		failed(sb, JAIL_SANDBOX_FAIL_CGROUP);
		goto fail;
	}
	/* Until build() says otherwise: namespaces, the init, the network. */
	sb->failed = JAIL_SANDBOX_FAIL_OTHER;
	if (jail_ns_save(&sb->saved_ns, err) < 0 ||
	    jail_ns_unshare(p->spec->net, p->spec->hostname, err) < 0)
		goto fail;
	/* The init sets itself up (its /proc instance, its privileges) while
	 * the mounts that do not need it are made. */
	sb->init.die_with_caller = p->die_with_caller;
	if (jail_nsinit_start(&sb->init, err) < 0)
		goto fail;
	/* After the init: pasta lands in its pid namespace and dies with it. */
	if (p->spec->net == JAIL_NET_PRIVATE && jail_netpriv_start(&sb->saved_ns, err) < 0) {
		jail_error_wrap(err, "net = private (profile %s)", p->name);
		goto fail;
	}
	if (build(sb, p, &jail_fd, err) < 0)
		goto fail;
	jail_ns_saved_close(&sb->saved_ns);
	sb->failed = JAIL_SANDBOX_FAIL_NONE;
	sb->open = true;
	return 0;
fail:
	jail_sandbox_kill(sb, NULL);
	jail_sandbox_end(sb, NULL);
	/* Last: the caller back in its own namespaces (its next fork works
	 * again, e.g. sshd's child that tells the user why). */
	jail_ns_restore(&sb->saved_ns, &e2);
	return -1;
}

int jail_sandbox_kill(jail_sandbox_t *sb, jail_error_t *err)
{
	/* Asked first, so that what the sandbox logged last leaves it. */
	jail_nsinit_stop(&sb->init, JAIL_NSINIT_STOP_MS);
	return jail_nsinit_signal(&sb->init, err);
}

/* Out of the cgroup while the init exits (the caller's part of
 * jail_cgroup_destroy, done there otherwise): then it is empty as soon as
 * the init is reaped (a pidfd poll: it wakes as soon as the init is gone,
 * within JAIL_NSINIT_REAP_MS at worst; the kernel's cgroup_exit runs
 * before the exit that the poll waits for), no blind sleep in the
 * cgroup's emptying loop. */
int jail_sandbox_end(jail_sandbox_t *sb, jail_error_t *err)
{
	jail_error_t e2;
	int ret = 0;

	if (sb->cg && jail_cgroup_leave(sb->cg, &e2) < 0) {
		jail_error_move(err, &e2);
		ret = -1;
	}
	jail_nsinit_reap(&sb->init, JAIL_NSINIT_REAP_MS);
	if (sb->cg) {
		if (jail_cgroup_destroy(sb->cg, &e2) < 0 && ret == 0) {
			jail_error_move(err, &e2);
			ret = -1;
		}
		sb->cg = NULL;
	}
	return ret;
}

int jail_sandbox_join(const jail_ns_target_t *target, const jail_sandbox_spec_t *spec,
		      jail_error_t *err)
{
	if (jail_ns_target_enter(target, err) < 0)
		return -1;
	return jail_caps_drop_bounding(&spec->caps_keep, err);
}

void jail_sandbox_free(jail_sandbox_t *sb)
{
	if (sb->cg)
		jail_cgroup_free(sb->cg);
	sb->cg = NULL;
	if (sb->init.pidfd >= 0)
		close(sb->init.pidfd);
	if (sb->init.chan >= 0)
		close(sb->init.chan);
	if (sb->init.sock >= 0)
		close(sb->init.sock);
	sb->init = (jail_nsinit_t)JAIL_NSINIT_INIT;
	jail_ns_saved_close(&sb->saved_ns);
}
