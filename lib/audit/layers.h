/* Which protection layers the running kernel enforces (`jailctl check
 * --layers`).  Only reads: sysfs and procfs files, and harmless queries
 * (seccomp SECCOMP_GET_ACTION_AVAIL, prctl PR_GET_NO_NEW_PRIVS,
 * landlock_create_ruleset with LANDLOCK_CREATE_RULESET_VERSION).  Never
 * prints: jailctl decides how to show the result.
 *
 * Why it matters: a jail is only as strong as the layers the kernel has.
 * Debian 12's kernel (6.1) has Landlock ABI 2 and no AppArmor mediation of
 * unix sockets, so a session that shares the host's network namespace
 * (net = host) shares its abstract unix socket namespace too, and nothing
 * stops it from connecting to (or binding first) a host abstract socket:
 * Landlock scopes abstract sockets from ABI 6 (Linux 6.12), AppArmor only
 * where the kernel mediates af_unix (features/network*\/af_unix). */
#ifndef JAIL_LAYERS_H
#define JAIL_LAYERS_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>

/* One Landlock ABI version: the kernel that brought it and what it adds. */
typedef struct jail_landlock_feature {
	int abi;
	const char *kernel; /* "5.13" */
	const char *what;   /* "file system access" */
	bool used;	    /* jailsh applies it (TCP rules are not used) */
} jail_landlock_feature_t;

/* ABI 1 to 7, in order; a kernel with a later ABI has all of these. */
extern const jail_landlock_feature_t jail_landlock_features[];
extern const size_t jail_landlock_nfeatures;

#define JAIL_LANDLOCK_SCOPE_ABI 6 /* abstract unix sockets and signals */

typedef struct jail_layers {
	bool seccomp_filter; /* seccomp filter mode (SECCOMP_MODE_FILTER) */
	bool no_new_privs;   /* PR_SET_NO_NEW_PRIVS */
	/* /proc/sys/user/max_user_namespaces, -1 when unreadable. */
	long userns_max;
	/* Debian's /proc/sys/kernel/unprivileged_userns_clone: 0 or 1, -1
	 * when the kernel has no such switch. */
	int userns_unprivileged;
	/* 2: unified (cgroup.controllers at the root); 1: v1, hybrid when a
	 * v2 tree sits at <root>/unified; 0: none found. */
	int cgroup_version;
	bool cgroup_hybrid;
	/* Space-separated: v2 the root's cgroup.controllers, v1 the enabled
	 * controllers that are mounted in a hierarchy (/proc/cgroups). */
	char cgroup_controllers[512];
	int landlock_abi; /* 0: no Landlock */
	/* /sys/module/apparmor/parameters/enabled says Y. */
	bool apparmor;
	/* AppArmor mediates unix sockets (an af_unix feature file saying
	 * "yes" in a features/network* directory): 1 yes, 0 no, -1 unknown
	 * (AppArmor on, but its securityfs features not readable). */
	int apparmor_unix;
} jail_layers_t;

/* Probe the running kernel.  Files are read below SYS ("/sys") and PROC
 * ("/proc"); tests pass fixture trees (the syscall probes always ask the
 * running kernel).  Missing files are facts ("not there"), not errors; -1
 * only when SYS or PROC cannot be opened at all. */
int jail_layers_probe(const char *sys, const char *proc, jail_layers_t *out, jail_error_t *err);

/* Whether a net = host session can reach the host's abstract unix sockets:
 * neither Landlock scoping (ABI 6) nor AppArmor unix mediation is there. */
bool jail_layers_abstract_unix_open(const jail_layers_t *l);

/* Parse /proc/cgroups text: the names of enabled controllers mounted in a
 * v1 hierarchy (hierarchy id != 0), space-separated into OUT (LEN bytes,
 * truncated at a name).  Returns how many. */
size_t jail_layers_parse_proc_cgroups(const char *text, char *out, size_t len);

#endif
