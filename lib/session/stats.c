/* Counters since boot under /run/jail (see stats.h for the layout and why
 * a counter is a file of appended bytes). */
#define _GNU_SOURCE
#include "session/stats.h"
#include "session/session.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const reason_names[JAIL_REFUSED_NREASONS] = {
    [JAIL_REFUSED_CONFIG] = "config", [JAIL_REFUSED_USER] = "user",
    [JAIL_REFUSED_NESTED] = "nested", [JAIL_REFUSED_SETUP] = "setup",
    [JAIL_REFUSED_JAIL] = "jail",     [JAIL_REFUSED_CGROUP] = "cgroup",
    [JAIL_REFUSED_STATE] = "state",   [JAIL_REFUSED_INTERNAL] = "internal",
};

const char *jail_refused_reason_name(jail_refused_reason_t reason)
{
	if ((unsigned)reason >= JAIL_REFUSED_NREASONS)
		return NULL;
	return reason_names[reason];
}

int jail_refused_reason_parse(const char *name)
{
	for (int i = 0; name && i < JAIL_REFUSED_NREASONS; i++)
		if (strcmp(name, reason_names[i]) == 0)
			return i;
	return -1;
}

/* DIR/refused, walked trusted (made when CREATE).  Returns the fd, or -1
 * (ENOENT when it does not exist and CREATE is false). */
static int open_refused_dir(const char *dir, bool create, jail_error_t *err)
{
	jail_walk_opts_t opts = {.flags = JAIL_WALK_CREATE, .create_mode = 0755};
	cleanup_free char *path = NULL;
	int fd = -1;

	if (dir == NULL || dir[0] != '/')
		return jail_error_fmt(err, EINVAL, "statistics directory %s: not an absolute path",
				      dir ? dir : "(null)");
	path = jail_strdup_printf("%s/refused", dir);
	if (path == NULL)
		return jail_error_set(err, ENOMEM, "statistics directory");
	if (jail_walk_trusted(path, create ? &opts : NULL, &fd, err) < 0)
		return -1;
	return fd;
}

/* FD (a counter just opened) must be a root-owned regular file. */
static int check_counter(int fd, const char *dir, const char *name, struct stat *st,
			 jail_error_t *err)
{
	if (fstat(fd, st) < 0)
		return jail_error_set(err, errno, "stat %s/refused/%s", dir, name);
	if (!S_ISREG(st->st_mode))
		return jail_error_fmt(err, EINVAL, "%s/refused/%s is not a regular file", dir,
				      name);
	if (st->st_uid != 0)
		return jail_error_fmt(err, EPERM, "%s/refused/%s is owned by uid %u, expected root",
				      dir, name, (unsigned)st->st_uid);
	return 0;
}

int jail_stats_count_refused(const char *dir, const char *reason, jail_error_t *err)
{
	cleanup_close int dfd = -1;
	cleanup_close int fd = -1;
	struct stat st;

	if (jail_refused_reason_parse(reason) < 0)
		return jail_error_fmt(err, EINVAL, "'%s' is not a refusal reason",
				      reason ? reason : "(null)");
	/* Inside a jail session (pam_jail twice in a stack: the first one
	 * already moved us into its jail; su from `jailctl enter`) the path
	 * names the jail's own /run, not the host's: never write there. */
	if (jail_session_caller_inside(NULL) == 1)
		return jail_error_fmt(
		    err, EXDEV,
		    "count a refused session: the caller is inside a jail session, "
		    "where the host's %s cannot be reached",
		    dir);
	dfd = open_refused_dir(dir, true, err);
	if (dfd < 0)
		return jail_error_wrap(err, "count a refused session");
	/* O_NONBLOCK: a FIFO in its place cannot hang us (and is then refused
	 * as not a regular file). */
	fd = openat(dfd, reason,
		    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0)
		return jail_error_set(err, errno, "count a refused session: open %s/refused/%s",
				      dir, reason);
	if (check_counter(fd, dir, reason, &st, err) < 0)
		return jail_error_wrap(err, "count a refused session");
	if ((uint64_t)st.st_size >= JAIL_STATS_MAX_COUNT)
		return jail_error_fmt(err, EFBIG,
				      "count a refused session: %s/refused/%s is saturated at %llu",
				      dir, reason, (unsigned long long)JAIL_STATS_MAX_COUNT);
	/* One write(2) of one byte with O_APPEND: atomic, whoever else counts. */
	for (;;) {
		ssize_t w = write(fd, "\n", 1);

		if (w == 1)
			return 0;
		if (w < 0 && errno == EINTR)
			continue;
		return jail_error_set(err, w < 0 ? errno : EIO,
				      "count a refused session: write %s/refused/%s", dir, reason);
	}
}

int jail_stats_read_refused(const char *dir, uint64_t counts[JAIL_REFUSED_NREASONS],
			    jail_error_t *err)
{
	jail_error_t e = {0};
	cleanup_close int dfd = -1;

	memset(counts, 0, JAIL_REFUSED_NREASONS * sizeof(counts[0]));
	dfd = open_refused_dir(dir, false, &e);
	if (dfd < 0) {
		if (jail_error_is(&e, ENOENT))
			return 0; /* nothing refused since boot */
		jail_error_move(err, &e);
		return jail_error_wrap(err, "refusal counters");
	}
	for (int i = 0; i < JAIL_REFUSED_NREASONS; i++) {
		cleanup_close int fd =
		    openat(dfd, reason_names[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st;

		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return jail_error_set(err, errno, "refusal counters: open %s/refused/%s",
					      dir, reason_names[i]);
		if (check_counter(fd, dir, reason_names[i], &st, err) < 0)
			return jail_error_wrap(err, "refusal counters");
		counts[i] = (uint64_t)st.st_size;
	}
	return 0;
}
