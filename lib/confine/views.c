/* The private view of a session (see views.h). */
#define _GNU_SOURCE
#include "confine/views.h"
#include "confine/mounts-internal.h"
#include "base/pwfile.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The jail's passwd and group are root's files; 16 MiB is far beyond
 * 100,000 users (60 bytes a line). */
#define VIEW_FILE_MAX (16u << 20)

static bool system_id(unsigned long id)
{
	return id < JAIL_VIEW_FIRST_ID || id == JAIL_VIEW_NOBODY;
}

/* --- the filters (pure text) ------------------------------------------- */

/* The ':'-separated fields of LINE (LEN bytes, not NUL-terminated) into
 * F/FL, at most MAX; returns how many there are (MAX + 1 when more).  No
 * copy: a 10,000-user passwd is filtered in well under a millisecond. */
static size_t fields(const char *line, size_t len, const char **f, size_t *fl, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ':')
			continue;
		if (n == max)
			return max + 1;
		f[n] = line + start;
		fl[n++] = i - start;
		start = i + 1;
	}
	return n;
}

/* A decimal id field (jail_pw_parse_id's rule). */
static bool field_id(const char *f, size_t fl, unsigned long *out)
{
	char buf[24];

	if (fl == 0 || fl >= sizeof(buf))
		return false;
	memcpy(buf, f, fl);
	buf[fl] = '\0';
	return jail_pw_parse_id(buf, out);
}

int jail_view_passwd(const char *text, uid_t uid, char **out, jail_error_t *err)
{
	cleanup_buf jail_buf_t b = {0};
	const char *p = text, *line;
	size_t len;

	*out = NULL;
	while (jail_pw_next_line(&p, &line, &len)) {
		const char *f[7];
		size_t fl[7];
		unsigned long u;

		if (fields(line, len, f, fl, 7) != 7 || fl[0] == 0 || !field_id(f[2], fl[2], &u))
			continue;
		if (!system_id(u) && u != (unsigned long)uid)
			continue;
		jail_buf_add(&b, line, len);
		jail_buf_str(&b, "\n");
	}
	*out = jail_buf_finish(&b, "passwd view", err);
	return *out ? 0 : -1;
}

/* The names (all lines) and the user's names and primary gids (lines of
 * UID) of a filtered passwd. */
typedef struct view_names {
	jail_strv_t all;
	jail_strv_t user;
	jail_strv_t user_gids; /* decimal, as written */
} view_names_t;

static void view_names_clear(view_names_t *n)
{
	jail_strv_clear(&n->all);
	jail_strv_clear(&n->user);
	jail_strv_clear(&n->user_gids);
}

static int view_names(const char *view_passwd, uid_t uid, view_names_t *n, jail_error_t *err)
{
	const char *p = view_passwd, *line;
	size_t len;

	while (jail_pw_next_line(&p, &line, &len)) {
		cleanup_free char *copy = strndup(line, len);
		char *f[8];
		unsigned long u, g;

		if (copy == NULL)
			return jail_error_set(err, ENOMEM, "group view");
		if (jail_pw_split(copy, f, 8) != 7 || !jail_pw_parse_id(f[2], &u) ||
		    !jail_pw_parse_id(f[3], &g))
			continue;
		if (jail_strv_add_unique(&n->all, f[0], err) < 0)
			return -1;
		if (u != (unsigned long)uid)
			continue;
		if (jail_strv_add_unique(&n->user, f[0], err) < 0 ||
		    jail_strv_add_unique(&n->user_gids, f[3], err) < 0)
			return -1;
	}
	return 0;
}

/* Is the LEN-byte name N in SV? */
static bool strv_has(const jail_strv_t *sv, const char *n, size_t len)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strlen(sv->v[i]) == len && memcmp(sv->v[i], n, len) == 0)
			return true;
	return false;
}

int jail_view_group(const char *text, const char *view_passwd, uid_t uid, char **out,
		    jail_error_t *err)
{
	__attribute__((cleanup(view_names_clear))) view_names_t names = {0};
	cleanup_buf jail_buf_t b = {0};
	const char *p = text, *line;
	size_t len;

	*out = NULL;
	if (view_names(view_passwd, uid, &names, err) < 0)
		return -1;
	while (jail_pw_next_line(&p, &line, &len)) {
		const char *f[4], *m, *end;
		size_t fl[4];
		unsigned long g;
		bool keep, first = true;

		if (fields(line, len, f, fl, 4) != 4 || fl[0] == 0 || !field_id(f[2], fl[2], &g))
			continue;
		keep = system_id(g) || strv_has(&names.user_gids, f[2], fl[2]);
		end = f[3] + fl[3];
		/* Members are the comma-separated names of field 4; empty ones
		 * ("a,,b") are skipped. */
		for (m = f[3]; !keep && m < end;) {
			const char *c = memchr(m, ',', (size_t)(end - m));
			size_t ml = (size_t)((c ? c : end) - m);

			keep = ml > 0 && strv_has(&names.user, m, ml);
			m += ml + 1;
		}
		if (!keep)
			continue;
		/* name:password:gid: as they were, then the kept members. */
		jail_buf_add(&b, line, (size_t)(f[3] - line));
		for (m = f[3]; m < end;) {
			const char *c = memchr(m, ',', (size_t)(end - m));
			size_t ml = (size_t)((c ? c : end) - m);

			if (ml > 0 && strv_has(&names.all, m, ml)) {
				if (!first)
					jail_buf_str(&b, ",");
				jail_buf_add(&b, m, ml);
				first = false;
			}
			m += ml + 1;
		}
		jail_buf_str(&b, "\n");
	}
	*out = jail_buf_finish(&b, "group view", err);
	return *out ? 0 : -1;
}

/* --- the mounts -------------------------------------------------------- */

/* Open REL beneath ROOT_FD (FLAGS as for jail_openat_beneath); 0 with *FD
 * -1 when it does not exist, -1 with ERR naming a symlink or other
 * failure. */
static int open_opt(int root_fd, const char *rel, int flags, int *fd, jail_error_t *err)
{
	jail_error_t e2 = {0};

	*fd = jail_openat_beneath(root_fd, rel, flags, 0, &e2);
	if (*fd >= 0)
		return 0;
	if (jail_error_is(&e2, ENOENT))
		return 0;
	if (jail_error_is(&e2, ELOOP) || jail_error_is(&e2, EXDEV) ||
	    (jail_error_is(&e2, ENOTDIR) && (flags & O_DIRECTORY)))
		return jail_error_fmt(
		    err, ELOOP,
		    "private view: %s in the jail is not a %s or passes through a "
		    "symlink (symlinks are never followed)",
		    rel, (flags & O_DIRECTORY) ? "directory" : "file");
	jail_error_move(err, &e2);
	return jail_error_wrap(err, "private view: %s in the jail", rel);
}

/* The home REL (beneath /home) if the view keeps one: "" when the user has
 * a home elsewhere or none; NULL with *SKIP when /home must stay as it
 * is. */
static const char *home_under(const jail_mount_plan_t *plan, const char *home, bool *skip)
{
	*skip = false;
	if (home == NULL)
		return "";
	if (strcmp(home, "/home") == 0) {
		jail_mounts_warn(plan,
				 "private view: the home is /home itself: /home left as it is");
		*skip = true;
		return NULL;
	}
	if (strncmp(home, "/home/", 6) == 0)
		return home + 6;
	return "";
}

static int view_home(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err)
{
	static const char *const opts[] = {"mode", "0755", "size", "1m", NULL};
	cleanup_free char *home = NULL;
	cleanup_close int target = -1;
	cleanup_close int hfd = -1;
	cleanup_close int clone = -1;
	cleanup_close int mfd = -1;
	cleanup_close int point = -1;
	const char *rel;
	bool skip;

	if (open_opt(root_fd, "home", O_PATH | O_DIRECTORY, &target, err) < 0)
		return -1;
	if (target < 0)
		return 0; /* no /home in the jail: nothing to hide */
	if (plan->home && plan->home[0]) {
		home = jail_path_normalize(plan->home, err);
		if (home == NULL)
			return jail_error_wrap(err, "private view: home %s", plan->home);
	}
	rel = home_under(plan, home, &skip);
	if (skip)
		return 0;
	/* The user's home as step 6 left it (the read-write bind when it was
	 * made, else the jail's read-only directory), cloned with what is
	 * mounted beneath it, BEFORE the tmpfs hides it. */
	if (rel[0]) {
		if (open_opt(root_fd, home, O_PATH | O_DIRECTORY, &hfd, err) < 0)
			return -1;
		if (hfd >= 0) {
			clone = open_tree(hfd, "",
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					      AT_RECURSIVE);
			if (clone < 0)
				return jail_error_set(err, errno, "private view: bind home %s",
						      home);
		}
	}
	mfd = jail_mounts_new_fs(
	    "tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/home", err);
	if (mfd < 0)
		return jail_error_wrap(err, "private view");
	/* The mount point of the home, made while the tmpfs is detached
	 * (nobody can race it); its parents 0755 root. */
	if (clone >= 0) {
		point = jail_mkdirs_beneath(mfd, rel, 0755, 0, 0, err);
		if (point < 0)
			return jail_error_wrap(err, "private view: mount point /home/%s", rel);
	}
	if (jail_mounts_attach(mfd, target, "a tmpfs on /home", err) < 0 ||
	    (clone >= 0 && jail_mounts_attach(clone, point, home, err) < 0))
		return jail_error_wrap(err, "private view");
	return 0;
}

/* Read the jail's REL (opened beneath ROOT_FD, no symlink, regular, root's
 * and not writable by others) into *TEXT; *FD keeps it open as the mount
 * target.  0 with *FD -1 when the jail has no such file. */
static int read_jail_file(int root_fd, const char *rel, int *fd, char **text, jail_error_t *err)
{
	struct stat st;

	*text = NULL;
	if (open_opt(root_fd, rel, O_RDONLY | O_NONBLOCK, fd, err) < 0)
		return -1;
	if (*fd < 0)
		return 0;
	if (fstat(*fd, &st) < 0)
		return jail_error_set(err, errno, "private view: stat %s", rel);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "private view: %s in the jail is not a file",
				      rel);
	if (jail_check_trusted_fd(*fd, rel, err) < 0 ||
	    jail_read_all(*fd, VIEW_FILE_MAX, text, NULL, err) < 0)
		return jail_error_wrap(err, "private view");
	return 0;
}

/* Write TEXT as /run/jail/NAME (root, 0644) through RUN_FD and bind it
 * read-only on TARGET_FD (the jail's file of the same name). */
static int bind_text(int run_fd, const char *name, const char *text, int target_fd,
		     jail_error_t *err)
{
	struct mount_attr attr = {
	    .attr_set =
		MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	};
	cleanup_close int fd = -1;
	cleanup_close int clone = -1;

	fd = openat(run_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return jail_error_set(err, errno, "private view: create %s/%s",
				      JAIL_SESSIONFILE_DIR, name);
	if (jail_write_all(fd, text, strlen(text), err) < 0)
		return jail_error_wrap(err, "private view: write %s/%s", JAIL_SESSIONFILE_DIR,
				       name);
	if (fchmod(fd, 0644) < 0)
		return jail_error_set(err, errno, "private view: chmod %s/%s", JAIL_SESSIONFILE_DIR,
				      name);
	clone = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (clone < 0)
		return jail_error_set(err, errno, "private view: bind %s/%s", JAIL_SESSIONFILE_DIR,
				      name);
	if (mount_setattr(clone, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return jail_error_set(err, errno, "private view: set mount flags of /etc/%s", name);
	if (jail_mounts_attach(clone, target_fd, name, err) < 0)
		return jail_error_wrap(err, "private view");
	return 0;
}

static int view_accounts(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err)
{
	cleanup_close int pfd = -1, gfd = -1, run_fd = -1;
	cleanup_free char *passwd = NULL, *group = NULL;
	cleanup_free char *vpasswd = NULL, *vgroup = NULL;

	if (read_jail_file(root_fd, "etc/passwd", &pfd, &passwd, err) < 0 ||
	    read_jail_file(root_fd, "etc/group", &gfd, &group, err) < 0)
		return -1;
	if (pfd < 0 && gfd < 0)
		return 0;
	/* Without a passwd the group view keeps system groups only. */
	if (jail_view_passwd(passwd ? passwd : "", plan->uid, &vpasswd, err) < 0 ||
	    (gfd >= 0 && jail_view_group(group, vpasswd, plan->uid, &vgroup, err) < 0))
		return jail_error_wrap(err, "private view");
	run_fd = jail_mkdirs_beneath(root_fd, JAIL_SESSIONFILE_DIR, 0755, 0, 0, err);
	if (run_fd < 0)
		return jail_error_wrap(err, "private view: %s", JAIL_SESSIONFILE_DIR);
	if (pfd >= 0 && bind_text(run_fd, JAIL_VIEW_PASSWD, vpasswd, pfd, err) < 0)
		return -1;
	if (gfd >= 0 && bind_text(run_fd, JAIL_VIEW_GROUP, vgroup, gfd, err) < 0)
		return -1;
	return 0;
}

int jail_views_mount(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err)
{
	if (view_home(root_fd, plan, err) < 0 || view_accounts(root_fd, plan, err) < 0)
		return -1;
	return 0;
}
