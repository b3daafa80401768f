/* lib/audit/layers.c: /proc/cgroups parsing and the probe on fixture trees (the
 * syscall probes ask the running kernel and are checked by 30-check.t). */
#define _GNU_SOURCE
#include "audit/layers.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpl[] = "/tmp/test_layers.XXXXXX";

static void bail_out(const char *what, const char *arg)
{
	printf("Bail out! %s %s\n", what, arg);
	exit(1);
}

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpl, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		bail_out("mkdir for %s", path);
	f = fopen(path, "w");
	if (f == NULL)
		bail_out("create %s", path);
	fputs(text, f);
	fclose(f);
}

static void probe(const char *name, jail_layers_t *l)
{
	char sys[300], proc[300];
	jail_error_t err = {0};

	snprintf(sys, sizeof(sys), "%s/%s/sys", tmpl, name);
	snprintf(proc, sizeof(proc), "%s/%s/proc", tmpl, name);
	is_int(jail_layers_probe(sys, proc, l, &err), 0, "%s: probe succeeds", name);
}

int main(void)
{
	static const char cgroups_v1[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
					 "cpuset\t3\t1\t1\n"
					 "cpu\t2\t5\t1\n"
					 "memory\t4\t90\t1\n"
					 "hugetlb\t0\t1\t1\n" /* not mounted in v1 */
					 "pids\t5\t20\t0\n";  /* disabled (cgroup_disable=) */
	char buf[64];
	jail_layers_t l;
	jail_error_t err = {0};

	if (mkdtemp(tmpl) == NULL)
		bail_out("mkdtemp", tmpl);

	is_int((int)jail_layers_parse_proc_cgroups(cgroups_v1, buf, sizeof(buf)), 3,
	       "/proc/cgroups: three enabled controllers mounted in v1");
	is_str(buf, "cpuset cpu memory", "... named in order");
	is_int((int)jail_layers_parse_proc_cgroups(cgroups_v1, buf, 12), 2,
	       "a short buffer keeps whole names only");
	is_str(buf, "cpuset cpu", "... and stays a list");
	is_int((int)jail_layers_parse_proc_cgroups("", buf, sizeof(buf)), 0, "empty text: none");
	is_int((int)jail_layers_parse_proc_cgroups("cpu 0 1 1\nbad line\n", buf, sizeof(buf)), 0,
	       "pure v2 (hierarchy 0) and junk: none");

	/* Debian 12 as the guest shows it: v2, AppArmor without unix mediation. */
	put("deb/sys/fs/cgroup/cgroup.controllers",
	    "cpuset cpu io memory hugetlb pids rdma misc\n");
	put("deb/sys/module/apparmor/parameters/enabled", "Y\n");
	put("deb/sys/kernel/security/apparmor/features/network/af_mask", "unix inet\n");
	put("deb/proc/sys/user/max_user_namespaces", "15432\n");
	put("deb/proc/sys/kernel/unprivileged_userns_clone", "1\n");
	probe("deb", &l);
	is_int(l.cgroup_version, 2, "deb: cgroup v2");
	ok(!l.cgroup_hybrid, "deb: not hybrid");
	is_str(l.cgroup_controllers, "cpuset cpu io memory hugetlb pids rdma misc",
	       "deb: the root's controllers");
	ok(l.apparmor, "deb: AppArmor enabled");
	is_int(l.apparmor_unix, 0, "deb: no af_unix feature: no unix mediation");
	is_int((int)l.userns_max, 15432, "deb: max_user_namespaces");
	is_int(l.userns_unprivileged, 1, "deb: unprivileged_userns_clone");
	l.landlock_abi = 2;
	ok(jail_layers_abstract_unix_open(&l), "deb, Landlock ABI 2: abstract sockets reachable");
	l.landlock_abi = 6;
	ok(!jail_layers_abstract_unix_open(&l), "deb, Landlock ABI 6: scoped");

	/* Ubuntu-style: network_v8/af_unix says yes; v1 hybrid. */
	put("ubu/sys/module/apparmor/parameters/enabled", "Y\n");
	put("ubu/sys/kernel/security/apparmor/features/network_v8/af_unix", "yes\n");
	put("ubu/sys/fs/cgroup/unified/cgroup.controllers", "\n");
	put("ubu/proc/cgroups", cgroups_v1);
	probe("ubu", &l);
	is_int(l.apparmor_unix, 1, "ubu: network_v8/af_unix yes: unix mediation");
	is_int(l.cgroup_version, 1, "ubu: cgroup v1");
	ok(l.cgroup_hybrid, "ubu: hybrid (a v2 tree at unified)");
	is_str(l.cgroup_controllers, "cpuset cpu memory", "ubu: v1 controllers from /proc/cgroups");
	is_int(l.userns_unprivileged, -1, "ubu: no Debian userns switch");
	l.landlock_abi = 2;
	ok(!jail_layers_abstract_unix_open(&l), "ubu, ABI 2: AppArmor mediates unix sockets");

	/* AppArmor on, securityfs not mounted: unknown, so not counted on. */
	put("nosfs/sys/module/apparmor/parameters/enabled", "Y\n");
	put("nosfs/proc/cgroups", "");
	probe("nosfs", &l);
	is_int(l.apparmor_unix, -1, "nosfs: unix mediation unknown");
	is_int(l.cgroup_version, 0, "nosfs: no cgroup found");
	l.landlock_abi = 0;
	ok(jail_layers_abstract_unix_open(&l), "nosfs: unknown mediation counts as none");

	/* AppArmor compiled in but off. */
	put("off/sys/module/apparmor/parameters/enabled", "N\n");
	put("off/sys/kernel/security/apparmor/features/network_v8/af_unix", "yes\n");
	put("off/proc/.keep", "");
	probe("off", &l);
	ok(!l.apparmor, "off: AppArmor not enabled");
	is_int(l.apparmor_unix, 0, "off: its features do not count");

	is_int(jail_layers_probe("/nonexistent", "/proc", &l, &err), -1, "missing sys root: error");
	like(err.msg, "/nonexistent", "... naming it");

	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpl);
	}
	return done_testing();
}
