/* The systemd backend: on a host where systemd is pid 1 and logind has put
 * the caller in the user's session scope (pam_systemd runs before
 * pam_jail), the jailed session stays in that scope.  systemd and logind
 * then see the session and can end it (`loginctl terminate-session`,
 * KillUserProcesses, the user slice's limits), and the profile's limits
 * are set on the scope through systemd's manager (SetUnitProperties,
 * runtime only) instead of by writing the scope's files behind systemd's
 * back.  The scope is systemd's: jail never creates or removes it; it goes
 * away on its own once its last process (sshd's) has exited. */
#define _GNU_SOURCE
#include "confine/cgroup-internal.h"
#include "base/sdbus.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Percent of one CPU to CPUQuotaPerSecUSec (microseconds per second). */
#define USEC_PER_PERCENT 10000ULL

static int sd_set_limits(const struct cg_dir *d, const jail_cgroup_limits_t *lim, jail_error_t *err)
{
	jail_unit_prop_t props[5];
	size_t n = 0;

	if (lim->memory_max != UINT64_MAX) {
		props[n++] = (jail_unit_prop_t){"MemoryMax", lim->memory_max};
		props[n++] = (jail_unit_prop_t){"MemorySwapMax", 0};
	}
	if (lim->pids_max != UINT64_MAX)
		props[n++] = (jail_unit_prop_t){"TasksMax", lim->pids_max};
	if (lim->cpu_max_percent)
		props[n++] = (jail_unit_prop_t){"CPUQuotaPerSecUSec",
						lim->cpu_max_percent * USEC_PER_PERCENT};
	if (lim->io_weight)
		props[n++] = (jail_unit_prop_t){"IOWeight", lim->io_weight};
	if (n == 0)
		return 0;
	if (jail_systemd_set_unit_properties(JAIL_SYSTEMD_PRIVATE, d->unit, true, props, n, err) <
	    0)
		return jail_error_wrap(err, "limits for %s", d->fullpath);
	return 0;
}

static int sd_kill_all(const struct cg_dir *d, jail_error_t *err)
{
	return jail_cgroup_v2_ops.kill_all(d, err);
}

const struct jail_cgroup_ops jail_cgroup_systemd_ops = {
    .version = 2,
    .enable = NULL,
    .set_limits = sd_set_limits,
    .kill_all = sd_kill_all,
    .memory_current_file = "memory.current",
};

/* "session-ID.scope" with ID of letters and digits (logind's session ids). */
static bool session_scope_name(const char *s)
{
	size_t n = strlen(s);

	if (strncmp(s, "session-", 8) != 0 || n <= 8 + 6 || strcmp(s + n - 6, ".scope") != 0)
		return false;
	for (size_t i = 8; i < n - 6; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

int jail_cgroup_logind_scope(const jail_cgroup_manager_t *mgr, const char *proc_cgroup, uid_t uid,
			     char **relpath, jail_error_t *err)
{
	char want[64];
	const char *p, *scope;

	*relpath = NULL;
	if (mgr->ops->version != 2 || (mgr->flags & JAIL_CGROUP_SCRATCH))
		return 0;
	if (!jail_systemd_booted())
		return 0;
	/* The v2 line of /proc/self/cgroup: "0::/user.slice/user-UID.slice/
	 * session-ID.scope".  Anything else (a system service, another
	 * user's session: su from a root login) is not this user's logind
	 * session. */
	p = strstr(proc_cgroup, "0::/");
	if (p == NULL || (p != proc_cgroup && p[-1] != '\n'))
		return 0;
	p += 3;
	snprintf(want, sizeof(want), "/user.slice/user-%u.slice/", (unsigned)uid);
	if (strncmp(p, want, strlen(want)) != 0)
		return 0;
	scope = p + strlen(want);
	{
		size_t n = strcspn(scope, "\n");
		char name[256];

		if (n == 0 || n >= sizeof(name))
			return 0;
		memcpy(name, scope, n);
		name[n] = '\0';
		if (!session_scope_name(name))
			return 0;
		*relpath = jail_strdup_printf("user.slice/user-%u.slice/%s", (unsigned)uid, name);
	}
	if (*relpath == NULL)
		return jail_error_set(err, ENOMEM, "cgroup");
	return 1;
}

/* ---- a service unit with Delegate=yes ----
 *
 * systemd gives a unit with Delegate=yes its cgroup to manage and says so
 * with the xattr trusted.delegate=1 on it (systemd 251 and later; also
 * user.delegate since 252 for units of unprivileged managers).  There the
 * sandbox's cgroup goes inside the unit's, never in a tree of its own:
 *
 *   <unit>/supervisor        the unit's own processes (jailctl), moved there
 *                            first: v2 lets a cgroup that holds processes
 *                            have no controllers for its children
 *   <unit>/<owner>/<id>      the sandbox, as under cgroup_parent
 *
 * so that `systemctl status` shows the real processes, the unit's
 * MemoryMax/TasksMax/CPUQuota bound the sandbox, `systemctl stop` kills
 * it, and nothing above the unit (systemd's) is ever written.  Destroy
 * removes <id> and <owner> (what the sandbox made); the supervisor leaf
 * and the controllers enabled in the unit stay, systemd removes the whole
 * subtree when the unit stops. */

/* The unit's path in the v2 line of PROC_CGROUP: the last component ends
 * in ".service" (or is "supervisor" below one: a caller already moved).
 * NULL when not in a service. */
static char *service_path(const char *proc_cgroup)
{
	const char *p = strstr(proc_cgroup, "0::/");
	cleanup_free char *path = NULL;
	char *last;
	size_t n;

	if (p == NULL || (p != proc_cgroup && p[-1] != '\n'))
		return NULL;
	p += 4;
	n = strcspn(p, "\n");
	path = strndup(p, n);
	if (path == NULL || jail_cgroup_valid_path(path) < 1)
		return NULL;
	last = strrchr(path, '/');
	if (last && strcmp(last + 1, JAIL_CGROUP_SUPERVISOR) == 0)
		*last = '\0';
	last = strrchr(path, '/');
	last = last ? last + 1 : path;
	n = strlen(last);
	if (n <= 8 || strcmp(last + n - 8, ".service") != 0)
		return NULL;
	return steal_pointer(&path);
}

/* Open RELPATH under ROOTFD one component at a time, never following a
 * symlink, for reading (fgetxattr needs more than O_PATH). */
static int open_rel(int rootfd, const char *relpath, jail_error_t *err)
{
	cleanup_free char *copy = strdup(relpath);
	cleanup_close int cur = -1;
	char *save = NULL;

	if (copy == NULL)
		return jail_error_set(err, ENOMEM, "cgroup");
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int fd = openat(cur >= 0 ? cur : rootfd, c,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return jail_error_set(err, errno, "open cgroup %s", relpath);
		if (cur >= 0)
			close(cur);
		cur = fd;
	}
	return steal_fd(&cur);
}

static bool xattr_is_one(int fd, const char *name)
{
	char v[8];
	ssize_t n = fgetxattr(fd, name, v, sizeof(v));

	return n == 1 && v[0] == '1';
}

int jail_cgroup_delegated_unit(const jail_cgroup_manager_t *mgr, const char *proc_cgroup,
			       char **relpath, jail_error_t *err)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	struct stat st;

	*relpath = NULL;
	if (mgr->ops->version != 2 || mgr->nh != 1)
		return 0;
	if (!(mgr->flags & JAIL_CGROUP_SCRATCH) && !jail_systemd_booted())
		return 0;
	path = service_path(proc_cgroup);
	if (path == NULL)
		return 0;
	fd = open_rel(mgr->h[0].rootfd, path, err);
	if (fd < 0)
		return jail_error_wrap(err, "the caller's unit");
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "stat cgroup %s", path);
	*relpath = steal_pointer(&path);
	/* Only root's delegation: a unit of a user's manager is the user's. */
	if ((st.st_uid != 0 && !(mgr->flags & JAIL_CGROUP_SCRATCH)) ||
	    !(xattr_is_one(fd, "trusted.delegate") || xattr_is_one(fd, "user.delegate")))
		return 0;
	return 1;
}

/* Move every process of the unit into its supervisor leaf: jailctl, and
 * whatever else runs there (a few rounds: one may fork meanwhile). */
static int move_to_supervisor(const struct cg_dir *d, int unitfd, int supfd, jail_error_t *err)
{
	for (int round = 0; round < 8; round++) {
		cleanup_free char *procs = NULL;
		bool moved = false;

		if (jail_cg_read(unitfd, "cgroup.procs", &procs, err) < 0)
			return jail_error_wrap(err, "%s", d->fullpath);
		for (char *p = procs, *end; *p; p = end) {
			end = p + strcspn(p, "\n");
			if (*end)
				*end++ = '\0';
			if (*p == '\0')
				continue;
			if (jail_cg_write(d, supfd, "cgroup.procs", p, false, err) < 0) {
				/* gone meanwhile */
				if (jail_error_is(err, ESRCH))
					continue;
				return -1;
			}
			moved = true;
		}
		if (!moved)
			return 0;
		if (d->flags & JAIL_CGROUP_SCRATCH) /* a file, not the kernel's list */
			return jail_cg_write(d, unitfd, "cgroup.procs", "", false, err);
	}
	return jail_error_fmt(err, EBUSY, "%s: processes keep appearing in the unit's cgroup",
			      d->fullpath);
}

int jail_cgroup_create_delegated(jail_cgroup_manager_t *mgr, const char *unit, const char *user,
				 const char *id, const jail_cgroup_limits_t *lim,
				 jail_cgroup_t **out, jail_error_t *err)
{
	cleanup_close int unitfd = -1, supfd = -1;
	cleanup_free char *fullpath = NULL, *avail = NULL;
	size_t depth = jail_cgroup_valid_path(unit);
	struct cg_dir d = {.hname = (char *)"", .rootfd = -1, .flags = mgr->flags};
	unsigned ctrl;

	if (mgr->ops->version != 2 || mgr->nh != 1 || depth == 0)
		return jail_error_fmt(err, EINVAL, "'%s' is not a unit's cgroup on cgroup v2",
				      unit ? unit : "");
	fullpath = jail_strdup_printf("%s/%s", mgr->root, unit);
	if (fullpath == NULL)
		return jail_error_set(err, ENOMEM, "cgroup");
	d.fullpath = fullpath;
	d.rootfd = mgr->h[0].rootfd;
	unitfd = open_rel(mgr->h[0].rootfd, unit, err);
	if (unitfd < 0)
		return -1;
	if (mkdirat(unitfd, JAIL_CGROUP_SUPERVISOR, 0755) < 0 && errno != EEXIST)
		return jail_error_set(err, errno, "create cgroup %s/" JAIL_CGROUP_SUPERVISOR,
				      fullpath);
	supfd =
	    openat(unitfd, JAIL_CGROUP_SUPERVISOR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (supfd < 0)
		return jail_error_set(err, errno, "open cgroup %s/" JAIL_CGROUP_SUPERVISOR,
				      fullpath);
	if (move_to_supervisor(&d, unitfd, supfd, err) < 0)
		return jail_error_wrap(
		    err, "move the unit's processes to %s/" JAIL_CGROUP_SUPERVISOR, fullpath);
	/* Every controller systemd gave the unit, of those jail uses. */
	ctrl = mgr->ctrl;
	if (jail_cg_read(unitfd, "cgroup.controllers", &avail, NULL) == 0) {
		static const char *const names[] = {"memory", "pids", "cpu", "io"};
		unsigned have = 0;

		for (size_t i = 0; i < 4; i++) {
			size_t wl = strlen(names[i]);
			for (const char *p = avail; *p; p += strcspn(p, " \n")) {
				p += strspn(p, " \n");
				if (strncmp(p, names[i], wl) == 0 && strchr(" \n", p[wl]))
					have |= 1u << i; /* CG_MEMORY, CG_PIDS, CG_CPU, CG_IO */
			}
		}
		ctrl &= have;
	}
	if (ctrl && mgr->ops->enable(&d, unitfd, fullpath, ctrl, err) < 0)
		return -1;
	return jail_cg_create(mgr, unit, user, id, lim, depth, out, err);
}
