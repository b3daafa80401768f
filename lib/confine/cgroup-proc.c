/* Session cgroups, the processes inside: list them, read their use, join
 * and leave, kill them and remove the session's directories (see cgroup.h;
 * the manager and the walk are cgroup.c's). */
#define _GNU_SOURCE
#include "confine/cgroup-internal.h"
#include "base/fault.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Parse cgroup.procs of DIRFD. */
static int read_pids(int dirfd, const char *path, pid_t **out, size_t *n, jail_error_t *err)
{
	cleanup_free char *buf = NULL;
	cleanup_free pid_t *pids = NULL;
	size_t cnt = 0, cap = 0;

	if (jail_cg_read(dirfd, "cgroup.procs", &buf, err) < 0)
		return jail_error_wrap(err, "%s", path);
	for (char *p = buf; *p;) {
		char *end;
		long v;

		p += strspn(p, " \n");
		if (*p == '\0')
			break;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v <= 0 || v > INT32_MAX || (*end && *end != '\n'))
			return jail_error_fmt(err, EINVAL, "%s/cgroup.procs: unexpected content",
					      path);
		if (cnt == cap) {
			pid_t *np;
			cap = cap ? cap * 2 : 16;
			np = realloc(pids, cap * sizeof(*np));
			if (np == NULL)
				return jail_error_set(err, ENOMEM, "cgroup.procs");
			pids = np;
		}
		pids[cnt++] = (pid_t)v;
		p = end;
	}
	*out = steal_pointer(&pids);
	*n = cnt;
	return 0;
}

int jail_cgroup_pids(const jail_cgroup_t *cg, pid_t **pids, size_t *n, jail_error_t *err)
{
	return read_pids(cg->d[0].fd, cg->d[0].fullpath, pids, n, err);
}

int jail_cgroup_stats(const jail_cgroup_t *cg, jail_cgroup_stats_t *st, jail_error_t *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;

	st->memory_current = UINT64_MAX;
	st->nprocs = 0;
	if (jail_cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	st->nprocs = n;
	for (size_t i = 0; i < cg->nd; i++) {
		cleanup_free char *buf = NULL;
		uint64_t v;

		if (!(cg->d[i].ctrl & CG_MEMORY))
			continue;
		if (jail_cg_read(cg->d[i].fd, cg->ops->memory_current_file, &buf, err) < 0)
			return jail_error_wrap(err, "%s", cg->d[i].fullpath);
		jail_strstrip(buf);
		if (jail_parse_u64(buf, &v, err) < 0)
			return jail_error_wrap(err, "%s/%s", cg->d[i].fullpath,
					       cg->ops->memory_current_file);
		st->memory_current = v;
	}
	return 0;
}

/* The caller's cgroup in hierarchy D, from /proc/self/cgroup, as an O_PATH
 * fd beneath D's root. */
static int open_origin(struct cg_dir *d, unsigned version, jail_error_t *err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];

	if (f == NULL)
		return jail_error_set(err, errno, "open /proc/self/cgroup");
	while (fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *path;
		bool match = false;

		if (ctrls == NULL || (path = strchr(ctrls + 1, ':')) == NULL)
			continue;
		*ctrls++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (version == 2) {
			match = strcmp(line, "0") == 0 && ctrls[0] == '\0';
		} else {
			char *save = NULL;
			for (char *c = strtok_r(ctrls, ",", &save); c;
			     c = strtok_r(NULL, ",", &save))
				if (strcmp(c, d->hname) == 0)
					match = true;
		}
		if (!match)
			continue;
		if (path[0] != '/' || strstr(path, "/../") ||
		    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
			return jail_error_fmt(err, EINVAL, "/proc/self/cgroup: odd path '%s'",
					      path);
		d->originfd = path[1] == '\0'
				  ? fcntl(d->rootfd, F_DUPFD_CLOEXEC, 3)
				  : openat(d->rootfd, path + 1, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d->originfd < 0)
			return jail_error_set(err, errno,
					      "open the caller's cgroup %s (under %s's root)", path,
					      d->fullpath);
		return 0;
	}
	return jail_error_fmt(err, ENOENT, "/proc/self/cgroup has no %s line",
			      version == 2 ? "cgroup v2" : d->hname);
}

/* Whether the calling process has exactly one thread, from the host's
 * /proc (false when it cannot tell: after pivot_root /proc/self is not
 * ours). */
static bool single_threaded(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Threads:", 8) == 0)
			return strtol(line + 8, NULL, 10) == 1;
	}
	return false;
}

/* Move the calling process into DIRFD (a directory of hierarchy D).
 *
 * Writing a pid to cgroup.procs takes the kernel's cgroup_threadgroup_rwsem
 * for writing; when that lock has been idle, taking it waits for an RCU
 * grace period (7 to 25 ms per login measured on the 2-CPU test VM, most of
 * a jailed login's overhead).  On a v1 hierarchy, writing "0" to `tasks`
 * moves only the calling thread, which the kernel does without that lock
 * (cgroup_procs_write_start: no global lock for pid 0 on a thread file).
 * With SINGLE (the caller has one thread, checked by the caller of this
 * function) that thread is the whole process, and everything it forks
 * later starts in DIRFD: the same outcome as cgroup.procs.  v2 has no
 * such file for domain cgroups (cgroup.threads moves threads only inside a
 * threaded subtree), and a multi-threaded caller must move whole: both
 * write the pid to cgroup.procs. */
static bool thread_file(const jail_cgroup_t *cg)
{
	return cg->ops->version == 1 && !(cg->flags & JAIL_CGROUP_SCRATCH);
}

static int move_self(const jail_cgroup_t *cg, const struct cg_dir *d, int dirfd, bool single,
		     jail_error_t *err)
{
	char v[32];

	if (single && thread_file(cg))
		return jail_cg_write(d, dirfd, "tasks", "0", false, err);
	snprintf(v, sizeof(v), "%ld", (long)getpid());
	return jail_cg_write(d, dirfd, "cgroup.procs", v, false, err);
}

int jail_cgroup_join(jail_cgroup_t *cg, pid_t pid, jail_error_t *err)
{
	bool self = pid == 0 || pid == getpid();
	/* /proc/self/status only where the answer matters (v1). */
	bool single = self && thread_file(cg) && single_threaded();
	char v[32];

	snprintf(v, sizeof(v), "%ld", (long)(self ? getpid() : pid));
	/* The caller is in logind's scope already and stays there. */
	if (self && jail_cgroup_is_systemd(cg))
		return 0;
	for (size_t i = 0; i < cg->nd; i++) {
		struct cg_dir *d = &cg->d[i];

		if (self && !(cg->flags & JAIL_CGROUP_SCRATCH) && d->originfd < 0 &&
		    open_origin(d, (unsigned)cg->ops->version, err) < 0)
			return jail_error_wrap(err, "join %s", d->fullpath);
		if (jail_fault("cgroup-join") < 0)
			return jail_error_set(err, errno, "join pid %s: %s", v, d->fullpath);
		if (self ? move_self(cg, d, d->fd, single, err) < 0
			 : jail_cg_write(d, d->fd, "cgroup.procs", v, false, err) < 0)
			return jail_error_wrap(err, "join pid %s", v);
	}
	return 0;
}

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int jail_cgroup_leave(jail_cgroup_t *cg, jail_error_t *err)
{
	pid_t self = getpid();
	int rc = 0;
	char v[32];

	if (cg == NULL)
		return 0;
	snprintf(v, sizeof(v), "%ld", (long)self);
	/* The calling thread by the fast path (see move_self; after pivot_root
	 * the thread count cannot be read, so try it), then, if the process
	 * is still listed (other threads), the whole process. */
	for (size_t i = 0; i < cg->nd; i++) {
		struct cg_dir *d = &cg->d[i];
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		bool inside = false;

		if (d->originfd < 0)
			continue;
		if (move_self(cg, d, d->originfd, true, NULL) == 0 &&
		    read_pids(d->fd, d->fullpath, &pids, &n, NULL) == 0) {
			for (size_t k = 0; k < n; k++)
				inside |= pids[k] == self;
			if (!inside)
				goto left;
		}
		if (jail_cg_write(d, d->originfd, "cgroup.procs", v, false, err) < 0) {
			/* The cgroup the caller came from is gone: systemd
			 * removes a logind scope once sshd's process has left
			 * it empty.  The hierarchy's root takes the caller
			 * instead, so that the session's cgroup can still be
			 * emptied and removed. */
			if (jail_error_is(err, ENOENT) && !(cg->flags & JAIL_CGROUP_SCRATCH) &&
			    jail_cg_write(d, d->rootfd, "cgroup.procs", v, false, NULL) == 0)
				goto left;
			jail_error_wrap(err, "leave %s", d->fullpath);
			rc = -1;
			continue;
		}
	left:
		close(d->originfd);
		d->originfd = -1;
	}
	return rc;
}

int jail_cgroup_destroy(jail_cgroup_t *cg, jail_error_t *err)
{
	pid_t self = getpid();
	int rc = 0;
	bool systemd = jail_cgroup_is_systemd(cg);

	if (cg == NULL)
		return 0;
	/* Step out first: the caller may have joined itself (PAM in sshd). */
	if (jail_cgroup_leave(cg, err) < 0)
		rc = -1;
	/* cgroup.kill kills everything inside, the caller included: only
	 * when the caller is not (or no longer) a member. */
	if (cg->ops->kill_all && !(cg->flags & JAIL_CGROUP_SCRATCH)) {
		for (size_t i = 0; i < cg->nd; i++) {
			cleanup_free pid_t *pids = NULL;
			size_t n = 0;
			bool inside = false;

			if (read_pids(cg->d[i].fd, cg->d[i].fullpath, &pids, &n, NULL) < 0)
				continue; /* the loop below reports it */
			for (size_t k = 0; k < n; k++)
				inside |= pids[k] == self;
			if (!inside && n > 0)
				cg->ops->kill_all(&cg->d[i], NULL);
		}
	}
	/* Signal loop, at most about 5 s: SIGKILL what is listed, wait for the
	 * kernel to empty the cgroup, rmdir.  (With cgroup.kill this only
	 * waits.)  A pid read from cgroup.procs can in theory exit and be
	 * reused before kill(); the window is microseconds and the cgroup's
	 * own processes are the ones being killed. */
	for (size_t i = 0; i < cg->nd; i++) {
		struct cg_dir *d = &cg->d[i];
		bool gone = false;

		/* Killed processes leave the cgroup within microseconds to
		 * milliseconds: poll from 250 us, doubling to 10 ms.  About 5 s
		 * in all: an emulated, loaded host has taken more than 2 s to
		 * tear down a killed session's mount and pid namespaces. */
		long delay = 250, waited = 0;

		/* Usually empty by now (close_session reaps the init first):
		 * then rmdir alone does it. */
		if (!(cg->flags & JAIL_CGROUP_SCRATCH) && !systemd &&
		    (unlinkat(d->userfd, cg->id, AT_REMOVEDIR) == 0 || errno == ENOENT))
			gone = true;
		for (; waited < 5000000 && !gone;
		     waited += delay, delay = delay * 2 > 10000 ? 10000 : delay * 2) {
			cleanup_free pid_t *pids = NULL;
			size_t n = 0;
			jail_error_t e2 = {0};
			bool others = false;

			if (read_pids(d->fd, d->fullpath, &pids, &n, &e2) < 0) {
				if (jail_error_is(&e2, ENOENT) &&
				    !(cg->flags & JAIL_CGROUP_SCRATCH)) {
					/* Removed already (jailctl kill/gc raced
					 * close_session): nothing left to do. */
					gone = true;
					break;
				}
				if (!(cg->flags & JAIL_CGROUP_SCRATCH)) {
					rc = jail_error_move(err, &e2);
					break;
				}
				n = 0;
			}
			for (size_t k = 0; k < n; k++) {
				/* A scratch tree's pids are made up: never signal them. */
				if (pids[k] == self || (cg->flags & JAIL_CGROUP_SCRATCH))
					continue;
				others = true;
				kill(pids[k], SIGKILL);
			}
			if (!others && systemd) {
				/* Only the caller (or nothing) left: the
				 * scope is systemd's to remove. */
				gone = true;
				break;
			}
			if (!others) {
				if (cg->flags & JAIL_CGROUP_SCRATCH)
					jail_cg_scratch_empty(d->userfd, cg->id);
				if (unlinkat(d->userfd, cg->id, AT_REMOVEDIR) == 0 ||
				    errno == ENOENT) {
					gone = true;
					break;
				}
				if (errno != EBUSY || n > 0) {
					/* Still holds the caller (never
					 * joined with pid 0), or another
					 * error. */
					jail_error_set(err, errno, "remove cgroup %s", d->fullpath);
					rc = -1;
					break;
				}
			}
			sleep_us(delay);
		}
		if (!gone && rc == 0) {
			jail_error_fmt(err, EBUSY,
				       "cgroup %s still has processes after SIGKILL (5 s)",
				       d->fullpath);
			rc = -1;
		}
		if (gone && !systemd)
			jail_cg_rmdir_user(cg, d->parentfd);
	}
	jail_cgroup_free(cg);
	return rc;
}
