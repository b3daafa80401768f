/* cgroup manager: the v2 and v1 writers on fake trees made of regular files
 * (JAIL_CGROUP_SCRATCH), detection, name checks; and, as root on a host
 * with a real hierarchy, create/join-self/destroy for real. */
#define _GNU_SOURCE
#include "confine/cgroup.h"
#include "tap.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[] = "/tmp/test_cgroup.XXXXXX";

/* ok() that clears err first and shows it when the check fails. */
#define OKE(cond, ...)                                                                             \
	do {                                                                                       \
		jail_error_clear(&err);                                                            \
		if (!ok((cond), __VA_ARGS__))                                                      \
			diag("  error: %s", err.msg);                                              \
	} while (0)

static void skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

static void put(const char *rel, const char *content)
{
	char *p = jail_strdup_printf("%s/%s", base, rel);
	FILE *f = fopen(p, "w");

	if (f == NULL) {
		diag("cannot write %s", p);
		exit(2);
	}
	fputs(content, f);
	fclose(f);
	free(p);
}

static void mk(const char *rel)
{
	char *p = jail_strdup_printf("%s/%s", base, rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		diag("cannot mkdir %s", p);
		exit(2);
	}
	free(p);
}

/* Content of BASE/REL without a trailing newline, or "(missing)". */
static char *get(const char *rel)
{
	static char buf[4][256];
	static int k;
	char *p = jail_strdup_printf("%s/%s", base, rel);
	char *b = buf[k++ % 4];
	FILE *f = fopen(p, "r");
	size_t n;

	free(p);
	if (f == NULL)
		return strcpy(b, "(missing)");
	n = fread(b, 1, 255, f);
	fclose(f);
	b[n] = '\0';
	b[strcspn(b, "\n")] = '\0';
	return b;
}

static bool exists(const char *rel)
{
	char *p = jail_strdup_printf("%s/%s", base, rel);
	bool r = access(p, F_OK) == 0;
	free(p);
	return r;
}

static char *root(const char *rel)
{
	static char b[512];
	snprintf(b, sizeof(b), "%s/%s", base, rel);
	return b;
}

static void test_names(void)
{
	ok(jail_cgroup_valid_name("alice"), "plain name valid");
	ok(jail_cgroup_valid_name("0123456789abcdef"), "session id valid");
	ok(!jail_cgroup_valid_name(".."), ".. refused");
	ok(!jail_cgroup_valid_name("."), ". refused");
	ok(!jail_cgroup_valid_name("a/b"), "slash refused");
	ok(!jail_cgroup_valid_name(""), "empty refused");
	ok(!jail_cgroup_valid_name("a b"), "space refused");
	ok(!jail_cgroup_valid_name("a\nb"), "newline refused");
}

static void test_detect(void)
{
	jail_error_t err = {0};
	jail_cgroup_manager_t *m;

	mk("empty");
	m = jail_cgroup_detect_flags(root("empty"), JAIL_CGROUP_SCRATCH, &err);
	ok(m == NULL && err.code == ENOENT, "empty root: no hierarchy (ENOENT)");
	like(err.msg, "no cgroup hierarchy under", "error says no hierarchy and names the root");

	/* A scratch v2 tree is not a cgroup2 fs: the real check refuses it. */
	mk("fake2");
	put("fake2/cgroup.controllers", "memory pids\n");
	m = jail_cgroup_detect_flags(root("fake2"), 0, &err);
	ok(m == NULL, "without SCRATCH a plain directory is refused");
	if (geteuid() == 0)
		like(err.msg, "is not a cgroup2 file system", "refused for its statfs magic");
	else
		like(err.msg, "expected root", "refused (not root-owned)");
	jail_cgroup_manager_free(m);

	/* The real host: v2 exactly when /sys/fs/cgroup/cgroup.controllers exists. */
	m = jail_cgroup_detect(JAIL_CGROUP_ROOT, &err);
	if (m == NULL) {
		skip("no cgroup hierarchy on this host");
	} else {
		bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
		is_int(jail_cgroup_manager_version(m), v2 ? 2 : 1,
		       "real /sys/fs/cgroup detected as v%d", v2 ? 2 : 1);
		diag("host: cgroup v%d, controllers: %s", jail_cgroup_manager_version(m),
		     jail_cgroup_manager_controllers(m));
		jail_cgroup_manager_free(m);
	}
}

static void test_v2(void)
{
	jail_error_t err = {0};
	jail_cgroup_manager_t *m;
	jail_cgroup_t *cg = NULL, *cg2 = NULL, *cg3 = NULL;
	jail_cgroup_limits_t lim = {
	    .memory_max = 64 << 20, .pids_max = 32, .cpu_max_percent = 50, .io_weight = 200};
	jail_cgroup_stats_t st;
	const char *id = "0123456789abcdef";

	mk("v2");
	put("v2/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put("v2/cgroup.subtree_control", "");
	m = jail_cgroup_detect_flags(root("v2"), JAIL_CGROUP_SCRATCH, &err);
	OKE(m != NULL, "v2 detected on a tree with cgroup.controllers");
	if (m == NULL)
		return;
	is_int(jail_cgroup_manager_version(m), 2, "version 2");
	is_str(jail_cgroup_manager_controllers(m), "memory pids cpu io", "controllers found");

	OKE(jail_cgroup_create(m, "jail", "alice", id, &lim, &cg, &err) == 0, "v2 create");
	is_str(get("v2/cgroup.subtree_control"), "+memory +pids +cpu +io",
	       "root: controllers enabled");
	is_str(get("v2/jail/cgroup.subtree_control"), "+memory +pids +cpu +io",
	       "parent: controllers enabled");
	is_str(get("v2/jail/alice/cgroup.subtree_control"), "+memory +pids +cpu +io",
	       "user dir: controllers enabled");
	ok(!exists("v2/jail/alice/0123456789abcdef/cgroup.subtree_control"),
	   "leaf: no subtree_control (no internal processes)");
	is_str(get("v2/jail/alice/0123456789abcdef/memory.max"), "67108864", "memory.max");
	ok(!exists("v2/jail/alice/0123456789abcdef/memory.swap.max"),
	   "memory.swap.max skipped where the hierarchy has none (no swap accounting)");
	is_str(get("v2/jail/alice/0123456789abcdef/pids.max"), "32", "pids.max");
	is_str(get("v2/jail/alice/0123456789abcdef/cpu.max"), "50000 100000",
	       "cpu.max from cpu_max_percent 50");
	is_str(get("v2/jail/alice/0123456789abcdef/io.weight"), "default 200", "io.weight");
	is_str(jail_cgroup_path(cg), "jail/alice/0123456789abcdef", "relative path");
	is_str(jail_cgroup_fullpaths(cg), root("v2/jail/alice/0123456789abcdef"), "full path");

	OKE(jail_cgroup_join(cg, 4242, &err) == 0, "join a pid");
	is_str(get("v2/jail/alice/0123456789abcdef/cgroup.procs"), "4242",
	       "pid written to cgroup.procs");
	put("v2/jail/alice/0123456789abcdef/memory.current", "8192\n");
	put("v2/jail/alice/0123456789abcdef/cgroup.procs", "4242\n4243\n");
	ok(jail_cgroup_stats(cg, &st, &err) == 0 && st.nprocs == 2 && st.memory_current == 8192,
	   "stats: 2 procs, 8192 bytes");

	ok(jail_cgroup_create(m, "jail", "alice", id, &lim, &cg2, &err) < 0 && err.code == EEXIST,
	   "same id twice: EEXIST");

	/* Swap accounting present (a file in the root, for the scratch tree). */
	put("v2/memory.swap.max", "max\n");
	put("v2/cgroup.subtree_control", "memory pids cpu io\n");
	OKE(jail_cgroup_create(m, "jail", "alice", "1111111111111111", &lim, &cg2, &err) == 0,
	    "second session of the same user");
	is_str(get("v2/jail/alice/1111111111111111/memory.swap.max"), "0",
	       "memory.swap.max = 0 when memory is limited");
	is_str(get("v2/cgroup.subtree_control"), "memory pids cpu io",
	       "already enabled controllers are not written again");

	/* Unlimited: only memory and pids are enabled, no limit file written. */
	jail_cgroup_limits_none(&lim);
	mk("v2b");
	put("v2b/cgroup.controllers", "cpu io memory pids\n");
	jail_cgroup_manager_t *mb =
	    jail_cgroup_detect_flags(root("v2b"), JAIL_CGROUP_SCRATCH, &err);
	OKE(mb && jail_cgroup_create(mb, "a/b", "bob", id, &lim, &cg3, &err) == 0,
	    "unlimited session under a two-level parent");
	is_str(get("v2b/a/cgroup.subtree_control"), "+memory +pids",
	       "only memory and pids enabled when nothing else is limited");
	ok(!exists("v2b/a/b/bob/0123456789abcdef/memory.max") &&
	       !exists("v2b/a/b/bob/0123456789abcdef/pids.max") &&
	       !exists("v2b/a/b/bob/0123456789abcdef/cpu.max"),
	   "no limit files written for unlimited values");
	OKE(jail_cgroup_destroy(cg3, &err) == 0, "destroy");
	ok(!exists("v2b/a/b/bob") && exists("v2b/a/b"),
	   "session and user dir removed, parent kept");

	/* Fail closed: a limit whose controller is missing. */
	put("v2b/cgroup.controllers", "memory pids\n");
	jail_cgroup_manager_free(mb);
	mb = jail_cgroup_detect_flags(root("v2b"), JAIL_CGROUP_SCRATCH, &err);
	lim.cpu_max_percent = 20;
	cg3 = NULL;
	ok(mb && jail_cgroup_create(mb, "a/b", "bob", id, &lim, &cg3, &err) < 0 &&
	       err.code == ENOTSUP,
	   "cpu_max without a cpu controller refused");
	like(err.msg, "cpu_max is set but cgroup v2", "error names the key and the hierarchy");
	ok(!exists("v2b/a/b/bob/0123456789abcdef"), "nothing created on refusal");
	jail_cgroup_manager_free(mb);

	/* Bad names never reach the file system. */
	jail_cgroup_limits_none(&lim);
	ok(jail_cgroup_create(m, "jail", "../x", id, &lim, &cg3, &err) < 0 && err.code == EINVAL,
	   "user '../x' refused");
	ok(jail_cgroup_create(m, "jail", "alice", "a/b", &lim, &cg3, &err) < 0,
	   "id with a slash refused");
	ok(jail_cgroup_create(m, "/jail", "alice", id, &lim, &cg3, &err) < 0,
	   "absolute parent refused");
	ok(jail_cgroup_create(m, "jail/../etc", "alice", id, &lim, &cg3, &err) < 0,
	   "parent with .. refused");
	like(err.msg, "not a relative cgroup path", "parent error says what is expected");
	lim.memory_max = 4096;
	ok(jail_cgroup_create(m, "jail", "alice", "2222222222222222", &lim, &cg3, &err) < 0 &&
	       !exists("v2/jail/alice/2222222222222222"),
	   "absurd memory_max (4096) refused before anything is made");

	/* open_existing / open_path. */
	jail_cgroup_t *o = NULL;
	OKE(jail_cgroup_open_path(m, "jail/alice/0123456789abcdef", &o, &err) == 0,
	    "open_path finds the session");
	jail_cgroup_free(o);
	o = NULL;
	ok(jail_cgroup_open_existing(m, "jail", "alice", "ffffffffffffffff", &o, &err) < 0 &&
	       err.code == ENOENT,
	   "open_existing of an unknown session: ENOENT");
	ok(jail_cgroup_open_path(m, "nothing", &o, &err) < 0 && err.code == EINVAL,
	   "open_path of a path without USER/ID refused");

	OKE(jail_cgroup_destroy(cg, &err) == 0, "destroy first session");
	ok(!exists("v2/jail/alice/0123456789abcdef") && exists("v2/jail/alice"),
	   "first session gone, user dir kept (other session)");
	OKE(jail_cgroup_destroy(cg2, &err) == 0, "destroy second session");
	ok(!exists("v2/jail/alice") && exists("v2/jail"), "user dir gone with its last session");
	jail_cgroup_manager_free(m);
}

static void test_v1(void)
{
	jail_error_t err = {0};
	jail_cgroup_manager_t *m;
	jail_cgroup_t *cg = NULL;
	jail_cgroup_limits_t lim = {
	    .memory_max = 128 << 20, .pids_max = 64, .cpu_max_percent = 150, .io_weight = 100};
	jail_cgroup_stats_t st;
	const char *id = "00000000deadbeef";

	mk("v1");
	mk("v1/memory");
	mk("v1/pids");
	mk("v1/cpu");
	mk("v1/unified");
	put("v1/unified/cgroup.controllers", ""); /* hybrid's empty v2: ignored */
	put("v1/memory/memory.memsw.limit_in_bytes", "9223372036854771712\n");
	m = jail_cgroup_detect_flags(root("v1"), JAIL_CGROUP_SCRATCH, &err);
	OKE(m != NULL, "v1 detected without cgroup.controllers in the root");
	if (m == NULL)
		return;
	is_int(jail_cgroup_manager_version(m), 1, "version 1");
	is_str(jail_cgroup_manager_controllers(m), "memory pids cpu", "v1 controllers found");
	OKE(jail_cgroup_create(m, "jail", "carol", id, &lim, &cg, &err) == 0, "v1 create");
	is_str(get("v1/memory/jail/carol/00000000deadbeef/memory.limit_in_bytes"), "134217728",
	       "memory.limit_in_bytes");
	is_str(get("v1/memory/jail/carol/00000000deadbeef/memory.memsw.limit_in_bytes"),
	       "134217728", "memory.memsw.limit_in_bytes = the same (no swap escape)");
	is_str(get("v1/pids/jail/carol/00000000deadbeef/pids.max"), "64", "pids.max");
	is_str(get("v1/cpu/jail/carol/00000000deadbeef/cpu.cfs_period_us"), "100000",
	       "cpu.cfs_period_us");
	is_str(get("v1/cpu/jail/carol/00000000deadbeef/cpu.cfs_quota_us"), "150000",
	       "cpu.cfs_quota_us for 150%%");
	ok(!exists("v1/memory/jail/cgroup.subtree_control"), "no subtree_control on v1");
	ok(!exists("v1/unified/jail"), "unified (hybrid) tree left alone");
	like(jail_cgroup_fullpaths(cg), "/v1/pids/jail/carol/00000000deadbeef",
	     "full paths list every hierarchy");
	OKE(jail_cgroup_join(cg, 777, &err) == 0, "join");
	is_str(get("v1/memory/jail/carol/00000000deadbeef/cgroup.procs"), "777",
	       "joined in memory");
	is_str(get("v1/pids/jail/carol/00000000deadbeef/cgroup.procs"), "777", "joined in pids");
	is_str(get("v1/cpu/jail/carol/00000000deadbeef/cgroup.procs"), "777", "joined in cpu");
	put("v1/memory/jail/carol/00000000deadbeef/memory.usage_in_bytes", "12345\n");
	OKE(jail_cgroup_stats(cg, &st, &err) == 0 && st.memory_current == 12345 && st.nprocs == 1,
	    "stats read memory.usage_in_bytes");
	OKE(jail_cgroup_destroy(cg, &err) == 0, "v1 destroy");
	ok(!exists("v1/memory/jail/carol") && !exists("v1/pids/jail/carol") &&
	       !exists("v1/cpu/jail/carol"),
	   "removed from every hierarchy");

	/* Unlimited cpu: no directory in the cpu hierarchy. */
	jail_cgroup_limits_none(&lim);
	cg = NULL;
	ok(jail_cgroup_create(m, "jail", "carol", id, &lim, &cg, &err) == 0 &&
	       !exists("v1/cpu/jail/carol") && exists("v1/pids/jail/carol/00000000deadbeef"),
	   "cpu hierarchy only used when cpu is limited");
	jail_cgroup_destroy(cg, &err);
	jail_cgroup_manager_free(m);

	/* Missing pids hierarchy with pids_max set: refused. */
	mk("v1b");
	mk("v1b/memory");
	m = jail_cgroup_detect_flags(root("v1b"), JAIL_CGROUP_SCRATCH, &err);
	lim.pids_max = 10;
	cg = NULL;
	ok(m && jail_cgroup_create(m, "jail", "carol", id, &lim, &cg, &err) < 0 &&
	       err.code == ENOTSUP,
	   "pids_max without a pids hierarchy refused");
	like(err.msg, "no pids controller", "error names the controller");
	ok(!exists("v1b/memory/jail/carol/00000000deadbeef"), "nothing left on refusal");
	jail_cgroup_manager_free(m);
}

/* Real hierarchy, as root: create under a unique parent, join ourselves,
 * see it in /proc/self/cgroup, destroy: we are moved back, not killed. */
static void test_real(void)
{
	jail_error_t err = {0};
	jail_cgroup_manager_t *m;
	jail_cgroup_t *cg = NULL;
	jail_cgroup_limits_t lim = {
	    .memory_max = 256 << 20, .pids_max = 100, .cpu_max_percent = 0, .io_weight = 0};
	char parent[64], *before = NULL, *inside = NULL, *after = NULL;
	int fd;

	if (geteuid() != 0) {
		skip("real cgroup test needs root");
		return;
	}
	m = jail_cgroup_detect(JAIL_CGROUP_ROOT, &err);
	if (m == NULL) {
		skip("no cgroup hierarchy on this host");
		return;
	}
	snprintf(parent, sizeof(parent), "jail-unit-%ld", (long)getpid());
	OKE(jail_cgroup_create(m, parent, "root", "abcdefabcdefabcd", &lim, &cg, &err) == 0,
	    "real create under %s", parent);
	if (cg == NULL) {
		jail_cgroup_manager_free(m);
		return;
	}
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	jail_read_all(fd, 65536, &before, NULL, &err);
	close(fd);
	OKE(jail_cgroup_join(cg, 0, &err) == 0, "join self");
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	jail_read_all(fd, 65536, &inside, NULL, &err);
	close(fd);
	like(inside, "/root/abcdefabcdefabcd", "/proc/self/cgroup shows the session cgroup");
	OKE(jail_cgroup_destroy(cg, &err) == 0, "destroy while the caller is inside");
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	jail_read_all(fd, 65536, &after, NULL, &err);
	close(fd);
	is_str(after, before, "caller moved back to its original cgroups, still alive");
	/* Two handles on one session: the second destroy finds it gone. */
	jail_cgroup_t *h1 = NULL, *h2 = NULL;
	OKE(jail_cgroup_create(m, parent, "root", "abcdefabcdefabce", &lim, &h1, &err) == 0 &&
		jail_cgroup_open_existing(m, parent, "root", "abcdefabcdefabce", &h2, &err) == 0,
	    "a session and a second handle on it");
	OKE(jail_cgroup_destroy(h1, &err) == 0, "destroy through the first handle");
	OKE(jail_cgroup_destroy(h2, &err) == 0,
	    "destroy through the second handle: already gone is not an error");
	/* Remove the test parent in each hierarchy. */
	bool left = false;
	for (const char *c = jail_cgroup_manager_version(m) == 2 ? "" : "memory pids cpu";;) {
		char ctrl[16] = "", path[256];
		size_t l = strcspn(c, " ");
		memcpy(ctrl, c, l < 15 ? l : 15);
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s%s", ctrl, ctrl[0] ? "/" : "",
			 parent);
		char user[300];
		snprintf(user, sizeof(user), "%s/root", path);
		if (access(user, F_OK) == 0)
			left = true;
		rmdir(path);
		if (c[l] == '\0')
			break;
		c += l + 1;
	}
	ok(!left, "no user dir left under the test parent");
	free(before);
	free(inside);
	free(after);
	jail_cgroup_manager_free(m);
}

/* A service with Delegate=yes: detection by the unit's xattr, and the
 * sandbox's cgroup inside the unit with nothing above it written. */
static void test_delegated(void)
{
	jail_error_t err = {0};
	jail_cgroup_manager_t *m;
	jail_cgroup_t *cg = NULL;
	jail_cgroup_limits_t lim;
	char *rel = NULL;
	char *unitpath;
	const char *self = "0::/system.slice/web.service\n";

	jail_cgroup_limits_none(&lim);
	lim.memory_max = 32 << 20;
	mk("dg");
	put("dg/cgroup.controllers", "cpu io memory pids\n");
	put("dg/cgroup.subtree_control", "");
	mk("dg/system.slice");
	put("dg/system.slice/cgroup.subtree_control", "+memory +pids");
	mk("dg/system.slice/web.service");
	put("dg/system.slice/web.service/cgroup.controllers", "memory pids\n");
	put("dg/system.slice/web.service/cgroup.procs", "4242\n");
	m = jail_cgroup_detect_flags(root("dg"), JAIL_CGROUP_SCRATCH, &err);
	OKE(m != NULL, "delegated: scratch v2 tree");
	if (m == NULL)
		return;
	OKE(jail_cgroup_delegated_unit(m, self, &rel, &err) == 0, "no xattr: not delegated");
	is_str(rel ? rel : "(null)", "system.slice/web.service",
	       "but the unit is named (for the caller's warning)");
	free(rel);
	rel = NULL;
	OKE(jail_cgroup_delegated_unit(m, "0::/user.slice/user-0.slice/session-3.scope\n", &rel,
				       &err) == 0 &&
		rel == NULL,
	    "a session scope is no service");
	OKE(jail_cgroup_delegated_unit(m, "0::/system.slice/../x.service\n", &rel, &err) == 0 &&
		rel == NULL,
	    "a path with '..' is refused");
	unitpath = jail_strdup_printf("%s/dg/system.slice/web.service", base);
	if (setxattr(unitpath, "trusted.delegate", "1", 1, 0) < 0) {
		skip("setxattr trusted.delegate (needs root and xattr support)");
		free(unitpath);
		jail_cgroup_manager_free(m);
		return;
	}
	OKE(jail_cgroup_delegated_unit(m, self, &rel, &err) == 1, "trusted.delegate=1: delegated");
	is_str(rel ? rel : "(null)", "system.slice/web.service", "the unit's cgroup");
	free(rel);
	rel = NULL;
	OKE(jail_cgroup_delegated_unit(
		m, "1:name=systemd:/\n0::/system.slice/web.service/supervisor\n", &rel, &err) ==
		    1 &&
		rel && strcmp(rel, "system.slice/web.service") == 0,
	    "from its supervisor leaf: the same unit");
	free(rel);
	rel = NULL;

	OKE(jail_cgroup_create_delegated(m, "system.slice/web.service", "web", "0123456789abcdef",
					 &lim, &cg, &err) == 0,
	    "create inside the delegated unit");
	is_str(get("dg/system.slice/web.service/supervisor/cgroup.procs"), "4242",
	       "the unit's process moved to <unit>/supervisor");
	is_str(get("dg/system.slice/web.service/cgroup.procs"), "", "none left in the unit");
	is_str(get("dg/system.slice/web.service/cgroup.subtree_control"), "+memory +pids",
	       "the unit's controllers enabled in its subtree_control (not cpu, io: not given)");
	is_str(get("dg/cgroup.subtree_control"), "", "the root untouched");
	is_str(get("dg/system.slice/cgroup.subtree_control"), "+memory +pids",
	       "the slice above the unit untouched");
	is_str(get("dg/system.slice/web.service/web/0123456789abcdef/memory.max"), "33554432",
	       "the sandbox at <unit>/<owner>/<id> with its limit");
	is_str(cg ? jail_cgroup_path(cg) : "", "system.slice/web.service/web/0123456789abcdef",
	       "its path");
	OKE(cg && jail_cgroup_destroy(cg, &err) == 0, "destroy");
	cg = NULL;
	ok(!exists("dg/system.slice/web.service/web"), "destroy removed <owner>/<id>");
	ok(exists("dg/system.slice/web.service/supervisor"),
	   "and left the unit and its supervisor leaf to systemd");
	OKE(jail_cgroup_create_delegated(m, "../etc", "web", "x", &lim, &cg, &err) < 0 &&
		cg == NULL,
	    "a unit path with '..' is refused");
	free(unitpath);
	jail_cgroup_manager_free(m);
}

int main(void)
{
	char cmd[128];

	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_names();
	test_detect();
	test_v2();
	test_v1();
	test_delegated();
	test_real();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		diag("could not remove %s", base);
	return done_testing();
}
