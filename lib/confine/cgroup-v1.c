/* cgroup v1 backend: one directory per controller hierarchy. */
#define _GNU_SOURCE
#include "confine/cgroup-internal.h"
#include "base/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static int v1_set_limits(const struct cg_dir *d, const jail_cgroup_limits_t *lim, jail_error_t *err)
{
	char v[64];

	if ((d->ctrl & CG_MEMORY) && lim->memory_max != UINT64_MAX) {
		snprintf(v, sizeof(v), "%" PRIu64, lim->memory_max);
		if (jail_cg_write(d, d->fd, "memory.limit_in_bytes", v, false, err) < 0)
			return -1;
		/* memory+swap, so that the limit is not escaped into swap.
		 * Must come after limit_in_bytes (memsw >= limit).  Absent when
		 * the kernel does no swap accounting. */
		if (jail_cg_write(d, d->fd, "memory.memsw.limit_in_bytes", v, true, err) < 0)
			return -1;
	}
	if ((d->ctrl & CG_PIDS) && lim->pids_max != UINT64_MAX) {
		snprintf(v, sizeof(v), "%" PRIu64, lim->pids_max);
		if (jail_cg_write(d, d->fd, "pids.max", v, false, err) < 0)
			return -1;
	}
	if ((d->ctrl & CG_CPU) && lim->cpu_max_percent != 0) {
		if (jail_cg_write(d, d->fd, "cpu.cfs_period_us", "100000", false, err) < 0)
			return -1;
		snprintf(v, sizeof(v), "%" PRIu64, lim->cpu_max_percent * 1000);
		if (jail_cg_write(d, d->fd, "cpu.cfs_quota_us", v, false, err) < 0)
			return -1;
	}
	return 0;
}

const struct jail_cgroup_ops jail_cgroup_v1_ops = {
    .version = 1,
    .enable = NULL,
    .set_limits = v1_set_limits,
    .kill_all = NULL,
    .memory_current_file = "memory.usage_in_bytes",
};
