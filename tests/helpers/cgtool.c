/* cgtool: drives lib/confine/cgroup.c from shell tests (tests/integration/40-cgroup.t).
 *
 *   cgtool version
 *   cgtool create  PARENT USER ID MEMORY PIDS CPU% IOWEIGHT   (max / 0 = unlimited)
 *   cgtool exec    PARENT USER ID -- CMD [ARGS...]            (join self, exec CMD)
 *   cgtool join    PARENT USER ID PID
 *   cgtool stats   PARENT USER ID
 *   cgtool destroy PARENT USER ID
 *
 * CGTOOL_ROOT overrides the hierarchy root (default /sys/fs/cgroup). */
#define _GNU_SOURCE
#include "confine/cgroup.h"
#include "base/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static jail_cgroup_manager_t *mgr;
static jail_cgroup_t *cg;

static int die(const jail_error_t *err)
{
	fprintf(stderr, "cgtool: %s\n", err->msg);
	jail_cgroup_free(cg);
	jail_cgroup_manager_free(mgr);
	return 1;
}

int main(int argc, char **argv)
{
	const char *root = getenv("CGTOOL_ROOT");
	jail_error_t err = {0};

	if (argc < 2) {
		fprintf(stderr, "usage: cgtool version|create|exec|join|stats|destroy ...\n");
		return 2;
	}
	mgr = jail_cgroup_detect(root ? root : JAIL_CGROUP_ROOT, &err);
	if (mgr == NULL)
		return die(&err);
	if (strcmp(argv[1], "version") == 0) {
		printf("%d %s\n", jail_cgroup_manager_version(mgr),
		       jail_cgroup_manager_controllers(mgr));
		jail_cgroup_manager_free(mgr);
		return 0;
	}
	if (argc < 5) {
		fprintf(stderr, "cgtool: %s needs PARENT USER ID\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[1], "create") == 0) {
		jail_cgroup_limits_t lim;
		uint64_t v[4];

		if (argc != 9)
			return 2;
		for (int i = 0; i < 4; i++)
			if (jail_parse_size(argv[5 + i], &v[i], &err) < 0)
				return die(&err);
		lim.memory_max = v[0];
		lim.pids_max = v[1];
		lim.cpu_max_percent = v[2];
		lim.io_weight = v[3];
		if (jail_cgroup_create(mgr, argv[2], argv[3], argv[4], &lim, &cg, &err) < 0)
			return die(&err);
		printf("%s\n", jail_cgroup_fullpaths(cg));
		jail_cgroup_free(cg);
		cg = NULL;
		jail_cgroup_manager_free(mgr);
		return 0;
	}
	if (jail_cgroup_open_existing(mgr, argv[2], argv[3], argv[4], &cg, &err) < 0)
		return die(&err);
	if (strcmp(argv[1], "exec") == 0) {
		if (argc < 7 || strcmp(argv[5], "--") != 0)
			return 2;
		if (jail_cgroup_join(cg, 0, &err) < 0)
			return die(&err);
		execvp(argv[6], argv + 6);
		perror(argv[6]);
		return 127;
	}
	if (strcmp(argv[1], "join") == 0 && argc == 6) {
		if (jail_cgroup_join(cg, (pid_t)atoi(argv[5]), &err) < 0)
			return die(&err);
	} else if (strcmp(argv[1], "stats") == 0) {
		jail_cgroup_stats_t st;
		if (jail_cgroup_stats(cg, &st, &err) < 0)
			return die(&err);
		printf("procs=%" PRIu64 " memory=%" PRIu64 "\n", st.nprocs, st.memory_current);
	} else if (strcmp(argv[1], "destroy") == 0) {
		jail_cgroup_t *c = cg;
		int r;

		cg = NULL;
		r = jail_cgroup_destroy(c, &err);
		if (r < 0)
			return die(&err);
	} else {
		return 2;
	}
	jail_cgroup_free(cg);
	jail_cgroup_manager_free(mgr);
	return 0;
}
