/* The kernel's protection layers, probed (see layers.h). */
#define _GNU_SOURCE
#include "audit/layers.h"
#include "confine/landlock.h"
#include "base/safefs.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Kernel versions from the kernel's Documentation/userspace-api/landlock.rst
 * and the commits that raised the ABI. */
const jail_landlock_feature_t jail_landlock_features[] = {
    {1, "5.13", "file system access", true},
    {2, "5.19", "file reparenting (refer)", true},
    {3, "6.2", "truncate", true},
    {4, "6.7", "TCP bind and connect", false},
    {5, "6.10", "ioctl on device files", true},
    {6, "6.12", "abstract unix socket and signal scoping", true},
    {7, "6.15", "audit logging control", false},
};
const size_t jail_landlock_nfeatures =
    sizeof(jail_landlock_features) / sizeof(jail_landlock_features[0]);

/* The first line of DIRFD/REL (at most LEN-1 bytes, newline cut), or -1. */
static int read_line(int dirfd, const char *rel, char *buf, size_t len)
{
	cleanup_close int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static long read_long(int dirfd, const char *rel)
{
	char buf[64], *end;
	long v;

	if (read_line(dirfd, rel, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end != '\0' || v < 0)
		return -1;
	return v;
}

static bool append_word(char *out, size_t len, const char *w, size_t wl)
{
	size_t used = strlen(out);

	if (used + (used ? 1 : 0) + wl + 1 > len)
		return false;
	if (used)
		out[used++] = ' ';
	memcpy(out + used, w, wl);
	out[used + wl] = '\0';
	return true;
}

size_t jail_layers_parse_proc_cgroups(const char *text, char *out, size_t len)
{
	size_t n = 0;

	if (len)
		out[0] = '\0';
	for (const char *p = text; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t ll = end ? (size_t)(end - p) : strlen(p);
		char line[256], name[64];
		unsigned long hier, ncg, enabled;

		if (ll < sizeof(line) && p[0] != '#') {
			memcpy(line, p, ll);
			line[ll] = '\0';
			if (sscanf(line, "%63s %lu %lu %lu", name, &hier, &ncg, &enabled) == 4 &&
			    hier != 0 && enabled == 1) {
				/* Full: stop, so that the list stays a prefix. */
				if (!append_word(out, len, name, strlen(name)))
					return n;
				n++;
			}
		}
		p = end ? end + 1 : NULL;
	}
	return n;
}

static void probe_cgroup(int sysfd, int procfd, jail_layers_t *l)
{
	char buf[sizeof(l->cgroup_controllers)];
	struct stat st;

	if (read_line(sysfd, "fs/cgroup/cgroup.controllers", buf, sizeof(buf)) == 0) {
		l->cgroup_version = 2;
		/* Already space-separated. */
		snprintf(l->cgroup_controllers, sizeof(l->cgroup_controllers), "%s", buf);
		return;
	}
	{
		cleanup_close int fd = openat(procfd, "cgroups", O_RDONLY | O_CLOEXEC);
		cleanup_free char *text = NULL;
		size_t tl;

		if (fd >= 0 && jail_read_all(fd, 1u << 20, &text, &tl, NULL) == 0 &&
		    jail_layers_parse_proc_cgroups(text, l->cgroup_controllers,
						   sizeof(l->cgroup_controllers)) > 0)
			l->cgroup_version = 1;
	}
	if (l->cgroup_version == 1 &&
	    fstatat(sysfd, "fs/cgroup/unified/cgroup.controllers", &st, 0) == 0)
		l->cgroup_hybrid = true;
}

/* An af_unix entry in a features/network* directory: a file saying "yes"
 * (Ubuntu's and newer kernels' network_v8/af_unix, network/af_unix) or a
 * directory. */
static int probe_apparmor_unix(int sysfd)
{
	cleanup_close int fd =
	    openat(sysfd, "kernel/security/apparmor/features", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	int found = 0;

	if (fd < 0)
		return -1;
	d = jail_opendir_fd(fd, NULL, NULL);
	if (d == NULL)
		return -1;
	while (found == 0 && (de = readdir(d)) != NULL) {
		char rel[300], v[16];
		struct stat st;

		if (strncmp(de->d_name, "network", 7) != 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/af_unix", de->d_name);
		if (fstatat(fd, rel, &st, 0) < 0)
			continue;
		if (S_ISDIR(st.st_mode) ||
		    (read_line(fd, rel, v, sizeof(v)) == 0 && strcmp(v, "yes") == 0))
			found = 1;
	}
	return found;
}

int jail_layers_probe(const char *sys, const char *proc, jail_layers_t *l, jail_error_t *err)
{
	cleanup_close int sysfd = open(sys, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int procfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned action = SECCOMP_RET_KILL_PROCESS;
	char buf[16];

	memset(l, 0, sizeof(*l));
	if (sysfd < 0)
		return jail_error_set(err, errno, "open %s", sys);
	if (procfd < 0)
		return jail_error_set(err, errno, "open %s", proc);
	/* seccomp(2) itself exists only with filter mode (Linux 3.17), and
	 * SECCOMP_GET_ACTION_AVAIL (4.14) is a query that changes nothing. */
	l->seccomp_filter = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
	l->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) >= 0;
	l->userns_max = read_long(procfd, "sys/user/max_user_namespaces");
	l->userns_unprivileged = (int)read_long(procfd, "sys/kernel/unprivileged_userns_clone");
	probe_cgroup(sysfd, procfd, l);
	l->landlock_abi = jail_landlock_abi();
	l->apparmor =
	    read_line(sysfd, "module/apparmor/parameters/enabled", buf, sizeof(buf)) == 0 &&
	    buf[0] == 'Y';
	l->apparmor_unix = l->apparmor ? probe_apparmor_unix(sysfd) : 0;
	return 0;
}

bool jail_layers_abstract_unix_open(const jail_layers_t *l)
{
	return l->landlock_abi < JAIL_LANDLOCK_SCOPE_ABI && l->apparmor_unix != 1;
}
