/* cgroup v2 backend: one unified tree. */
#define _GNU_SOURCE
#include "confine/cgroup-internal.h"
#include "base/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct {
	unsigned bit;
	const char *name;
} v2_ctrls[] = {
    {CG_MEMORY, "memory"},
    {CG_PIDS, "pids"},
    {CG_CPU, "cpu"},
    {CG_IO, "io"},
};

/* Is WORD one of the space separated words of LIST? */
static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (p && *p) {
		p += strspn(p, " \t\n");
		if (strncmp(p, word, wl) == 0 && (p[wl] == '\0' || strchr(" \t\n", p[wl])))
			return true;
		p += strcspn(p, " \t\n");
	}
	return false;
}

/* Enable the controllers in CTRL that are not enabled yet, in one write:
 * the kernel validates every token before applying any. */
static int v2_enable(const struct cg_dir *d, int dirfd, const char *path, unsigned ctrl,
		     jail_error_t *err)
{
	cleanup_free char *cur = NULL;
	char buf[64] = "";

	if (jail_cg_read(dirfd, "cgroup.subtree_control", &cur, NULL) < 0)
		cur = NULL; /* scratch trees may not have it yet */
	for (size_t i = 0; i < sizeof(v2_ctrls) / sizeof(v2_ctrls[0]); i++) {
		if (!(ctrl & v2_ctrls[i].bit) || (cur && has_word(cur, v2_ctrls[i].name)))
			continue;
		if (buf[0])
			strcat(buf, " ");
		strcat(buf, "+");
		strcat(buf, v2_ctrls[i].name);
	}
	if (buf[0] == '\0')
		return 0;
	if (jail_cg_write(d, dirfd, "cgroup.subtree_control", buf, false, err) < 0)
		return jail_error_wrap(err, "enable '%s' in %s", buf, path);
	return 0;
}

static int v2_set_limits(const struct cg_dir *d, const jail_cgroup_limits_t *lim, jail_error_t *err)
{
	char v[64];

	if (lim->memory_max != UINT64_MAX) {
		snprintf(v, sizeof(v), "%" PRIu64, lim->memory_max);
		if (jail_cg_write(d, d->fd, "memory.max", v, false, err) < 0)
			return -1;
		/* Without this the limit only moves the excess to swap.  No
		 * file: the kernel does no swap accounting (no swap to escape
		 * to through this cgroup's accounting either way). */
		if (jail_cg_write(d, d->fd, "memory.swap.max", "0", true, err) < 0)
			return -1;
	}
	if (lim->pids_max != UINT64_MAX) {
		snprintf(v, sizeof(v), "%" PRIu64, lim->pids_max);
		if (jail_cg_write(d, d->fd, "pids.max", v, false, err) < 0)
			return -1;
	}
	if (lim->cpu_max_percent != 0) {
		snprintf(v, sizeof(v), "%" PRIu64 " 100000", lim->cpu_max_percent * 1000);
		if (jail_cg_write(d, d->fd, "cpu.max", v, false, err) < 0)
			return -1;
	}
	if (lim->io_weight != 0) {
		snprintf(v, sizeof(v), "default %" PRIu64, lim->io_weight);
		if (jail_cg_write(d, d->fd, "io.weight", v, false, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_kill_all(const struct cg_dir *d, jail_error_t *err)
{
	jail_error_t e2 = {0};

	/* cgroup.kill (Linux 5.14) kills the whole subtree atomically, fork
	 * bombs included.  Older kernels: fall back to the signal loop. */
	if (jail_cg_write(d, d->fd, "cgroup.kill", "1", false, &e2) < 0) {
		if (jail_error_is(&e2, ENOENT))
			return 0;
		return jail_error_move(err, &e2);
	}
	return 1;
}

const struct jail_cgroup_ops jail_cgroup_v2_ops = {
    .version = 2,
    .enable = v2_enable,
    .set_limits = v2_set_limits,
    .kill_all = v2_kill_all,
    .memory_current_file = "memory.current",
};
