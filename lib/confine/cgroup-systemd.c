/* The systemd backend: on a host where systemd is pid 1 and logind has put
 * the caller in the user's session scope (pam_systemd runs before
 * pam_jail), the jailed session stays in that scope.  systemd and logind
 * then see the session and can end it (`loginctl terminate-session`,
 * KillUserProcesses, the user slice's limits), and the profile's limits
 * are set on the scope through systemd's manager (SetUnitProperties,
 * runtime only) instead of by writing the scope's files behind systemd's
 * back.  The scope is systemd's: jail never creates or removes it; it goes
 * away on its own once its last process (sshd's) has exited. */
#include "confine/cgroup-internal.h"
#include "base/sdbus.h"
#include "base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
