/* jailctl update --affected: processes that still map replaced files of
 * their jail.  See affected.h for what counts and why. */
#define _GNU_SOURCE
#include "audit/affected.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* /proc/PID/maps of a process with a very large address space runs to a
 * few MiB; beyond this the process is reported unreadable, not guessed. */
#define MAPS_MAX (64u << 20)

static const char deleted_suffix[] = " (deleted)";

/* One live session of the jail being checked. */
typedef struct {
	jail_session_record_t *rec;
	uint64_t pidns;
	jail_affected_proc_t *procs;
	size_t nprocs;
} live_t;

static void proc_clear(jail_affected_proc_t *p)
{
	jail_strv_clear(&p->files);
}

/* Is the file behind the magic link DIRFD/NAME (a process's exe or one of
 * its map_files) unlinked and on mount ROOT_MNT?  1 yes, 0 no, -1 when it
 * cannot be told (the mapping went away meanwhile, or the process). */
static int stale_link(int dirfd, const char *name, uint64_t root_mnt)
{
	struct statx stx;

	if (statx(dirfd, name, 0, STATX_NLINK | STATX_MNT_ID, &stx) < 0)
		return -1;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -1;
	return stx.stx_nlink == 0 && stx.stx_mnt_id == root_mnt;
}

/* Add PATH (with its " (deleted)" suffix, if any, cut) to P's files. */
static int add_file(jail_affected_proc_t *p, const char *path, size_t len, jail_error_t *err)
{
	cleanup_free char *s = NULL;
	size_t sl = sizeof(deleted_suffix) - 1;

	if (len > sl && memcmp(path + len - sl, deleted_suffix, sl) == 0)
		len -= sl;
	s = strndup(path, len);
	if (s == NULL)
		return jail_error_set(err, ENOMEM, "stale file of pid %ld", (long)p->pid);
	return jail_strv_add_unique(&p->files, s, err) < 0 ? -1 : 0;
}

/* The mappings of the process PFD (an open /proc/PID) whose file is
 * deleted: a line of maps is "START-END PERMS OFFSET MAJ:MIN INODE
 * PATH"; only lines whose path ends in " (deleted)" are checked further
 * (a statx of their map_files entry, which tells the truth whatever the
 * file was called). */
static int scan_maps(int pfd, jail_affected_proc_t *p, uint64_t root_mnt, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	char *line, *next;

	fd = openat(pfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno, "open /proc/%ld/maps", (long)p->pid);
	if (jail_read_all(fd, MAPS_MAX, &buf, &len, err) < 0)
		return jail_error_wrap(err, "/proc/%ld/maps", (long)p->pid);
	for (line = buf; line && *line; line = next) {
		unsigned long start, end, ino;
		int path_at = 0;
		char name[64];
		size_t l;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		l = strlen(line);
		if (l <= sizeof(deleted_suffix) - 1 ||
		    strcmp(line + l - (sizeof(deleted_suffix) - 1), deleted_suffix) != 0)
			continue;
		if (sscanf(line, "%lx-%lx %*s %*x %*x:%*x %lu %n", &start, &end, &ino, &path_at) <
			3 ||
		    path_at == 0 || ino == 0 || line[path_at] != '/')
			continue;
		snprintf(name, sizeof(name), "map_files/%lx-%lx", start, end);
		if (stale_link(pfd, name, root_mnt) == 1 &&
		    add_file(p, line + path_at, strlen(line + path_at), err) < 0)
			return -1;
	}
	return 0;
}

/* Read the process PFD (pid PID) of a session of the jail JST: 1 and P
 * filled when it maps a replaced file, 0 when it does not (or is not
 * rooted in the jail), -1 with ESRCH when it went away, -1 otherwise. */
static int scan_proc(int pfd, pid_t pid, const struct stat *jst, jail_affected_proc_t *p,
		     jail_error_t *err)
{
	struct statx root;
	char exe[PATH_MAX + sizeof(deleted_suffix)];
	cleanup_close int cfd = -1;
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (statx(pfd, "root", 0, STATX_INO | STATX_MNT_ID, &root) < 0)
		return jail_error_set(err, errno == ENOENT ? ESRCH : errno, "/proc/%ld/root",
				      (long)pid);
	if (!(root.stx_mask & STATX_MNT_ID))
		return jail_error_fmt(err, ENOTSUP, "/proc/%ld/root: no mount id", (long)pid);
	if (makedev(root.stx_dev_major, root.stx_dev_minor) != jst->st_dev ||
	    root.stx_ino != jst->st_ino)
		return 0;
	cfd = openat(pfd, "comm", O_RDONLY | O_CLOEXEC);
	n = cfd < 0 ? -1 : read(cfd, p->comm, sizeof(p->comm) - 1);
	if (n < 0)
		return jail_error_set(err, errno == ENOENT ? ESRCH : errno, "/proc/%ld/comm",
				      (long)pid);
	p->comm[n] = '\0';
	p->comm[strcspn(p->comm, "\n")] = '\0';
	n = readlinkat(pfd, "exe", exe, sizeof(exe) - 1);
	if (n > 0 && stale_link(pfd, "exe", root.stx_mnt_id) == 1 &&
	    add_file(p, exe, (size_t)n, err) < 0)
		goto fail;
	if (scan_maps(pfd, p, root.stx_mnt_id, err) < 0)
		goto fail;
	if (p->files.n == 0) {
		proc_clear(p);
		return 0;
	}
	return 1;
fail:
	proc_clear(p);
	return -1;
}

static int push_proc(live_t *l, jail_affected_proc_t *p, jail_error_t *err)
{
	jail_affected_proc_t *v = realloc(l->procs, (l->nprocs + 1) * sizeof(*v));

	if (v == NULL)
		return jail_error_set(err, ENOMEM, "affected processes");
	l->procs = v;
	l->procs[l->nprocs++] = *p;
	return 0;
}

/* One pass over /proc: each process in the pid namespace of a live
 * session's init is read. */
static int scan_all(live_t *live, size_t nlive, const struct stat *jst, jail_affected_t *out,
		    jail_strv_t *notes, jail_error_t *err)
{
	cleanup_dir DIR *d = opendir("/proc");
	struct dirent *de;

	if (d == NULL)
		return jail_error_set(err, errno, "open /proc");
	while ((de = readdir(d)) != NULL) {
		cleanup_close int pfd = -1;
		jail_affected_proc_t p;
		jail_error_t e2 = {0};
		struct stat ns;
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		size_t k;
		int r;

		if (*end || pid <= 0)
			continue;
		pfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0 || fstatat(pfd, "ns/pid", &ns, 0) < 0)
			continue; /* gone, or a kernel thread being torn down */
		for (k = 0; k < nlive && live[k].pidns != (uint64_t)ns.st_ino; k++)
			;
		if (k == nlive)
			continue;
		out->checked++;
		r = scan_proc(pfd, (pid_t)pid, jst, &p, &e2);
		if (r < 0 && !jail_error_is(&e2, ESRCH) && !jail_error_is(&e2, ENOENT)) {
			if (jail_error_is(&e2, ENOMEM))
				return jail_error_move(err, &e2);
			if (notes)
				jail_strv_push_error(notes, live[k].rec->id, &e2);
		}
		if (r == 1 && push_proc(&live[k], &p, err) < 0) {
			proc_clear(&p);
			return -1;
		}
	}
	return 0;
}

void jail_affected_clear(jail_affected_t *a)
{
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < a->v[i].nprocs; j++)
			proc_clear(&a->v[i].procs[j]);
		free(a->v[i].procs);
		jail_session_record_free(a->v[i].rec);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

int jail_affected_find(int regfd, const char *jail, jail_affected_t *out, jail_strv_t *notes,
		       jail_error_t *err)
{
	jail_session_record_t **recs = NULL;
	live_t *live = NULL;
	size_t n = 0, nlive = 0;
	struct stat jst;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (stat(jail, &jst) < 0)
		return jail_error_set(err, errno, "jail %s", jail);
	if (!S_ISDIR(jst.st_mode))
		return jail_error_fmt(err, ENOTDIR, "jail %s: not a directory", jail);
	if (regfd < 0)
		return 0;
	if (jail_registry_list(regfd, &recs, &n, notes, err) < 0)
		return -1;
	live = calloc(n ? n : 1, sizeof(*live));
	if (live == NULL) {
		jail_error_set(err, ENOMEM, "sessions");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		jail_error_t e2 = {0};
		struct stat st;
		uint64_t ns = 0;
		int alive;

		/* The record's jail, by what it is now: another path to the
		 * same directory is the same jail. */
		if (stat(recs[i]->jail, &st) < 0 || st.st_dev != jst.st_dev ||
		    st.st_ino != jst.st_ino)
			continue;
		alive = jail_registry_alive(recs[i], &e2);
		if (alive == 1 && jail_proc_ns_inode(recs[i]->init_pid, "pid", &ns, &e2) < 0)
			alive = jail_error_is(&e2, ESRCH) ? 0 : -1;
		if (alive < 0 && notes)
			jail_strv_push_error(notes, recs[i]->id, &e2);
		if (alive != 1)
			continue;
		/* The init is pid 1 of the pid namespace it was forked into
		 * (unshare(CLONE_NEWPID), then fork): its own ns/pid is the
		 * session's. */
		live[nlive].rec = steal_pointer(&recs[i]);
		live[nlive].pidns = ns;
		nlive++;
	}
	out->live = nlive;
	if (nlive && scan_all(live, nlive, &jst, out, notes, err) < 0)
		goto out;
	out->v = calloc(nlive ? nlive : 1, sizeof(*out->v));
	if (out->v == NULL) {
		jail_error_set(err, ENOMEM, "sessions");
		goto out;
	}
	for (size_t i = 0; i < nlive; i++) {
		if (live[i].nprocs == 0)
			continue;
		out->v[out->n].rec = steal_pointer(&live[i].rec);
		out->v[out->n].procs = steal_pointer(&live[i].procs);
		out->v[out->n].nprocs = live[i].nprocs;
		out->nprocs += live[i].nprocs;
		live[i].nprocs = 0;
		out->n++;
	}
	ret = 0;
out:
	for (size_t i = 0; live && i < nlive; i++) {
		for (size_t j = 0; j < live[i].nprocs; j++)
			proc_clear(&live[i].procs[j]);
		free(live[i].procs);
		jail_session_record_free(live[i].rec);
	}
	free(live);
	jail_registry_list_free(recs, n);
	if (ret < 0)
		jail_affected_clear(out);
	return ret;
}
