/* A jail's /etc/passwd and /etc/group (see passwd.h for the contract). */
#define _GNU_SOURCE
#include "tree/passwd.h"
#include "base/pwfile.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCT_MAX_BYTES (16 * 1024 * 1024) /* a bigger passwd file is refused */

/* ------------------------------------------------------------------------ */
/* Building files line by line                                               */

static void sb_line(jail_buf_t *b, const char *s, size_t n)
{
	jail_buf_add(b, s, n);
	jail_buf_add(b, "\n", 1);
}

/* ------------------------------------------------------------------------ */
/* Lines and fields                                                          */

static bool field_ok(const char *s)
{
	return s && strpbrk(s, ":\n\r") == NULL;
}

/* A group or user name as found on a host: no separator or space. */
static bool acct_name_ok(const char *s)
{
	return s && s[0] && s[0] != '-' && s[0] != '+' && strpbrk(s, ":,\n\r \t") == NULL &&
	       strlen(s) <= 256;
}

int jail_account_validate(const jail_account_t *a, jail_error_t *err)
{
	if (!jail_valid_name(a->name))
		return jail_error_fmt(err, EINVAL, "'%s' is not a valid user name",
				      a->name ? a->name : "");
	if (a->uid == (uid_t)-1 || a->gid == (gid_t)-1)
		return jail_error_fmt(err, EINVAL, "%s: invalid uid or gid", a->name);
	if (!field_ok(a->gecos))
		return jail_error_fmt(err, EINVAL,
				      "%s: GECOS field contains ':' or a newline (cannot be "
				      "written to a passwd line)",
				      a->name);
	if (!field_ok(a->home) || a->home[0] != '/')
		return jail_error_fmt(err, EINVAL,
				      "%s: home '%s' is not an absolute path without ':' (expected "
				      "/home/NAME)",
				      a->name, a->home ? a->home : "");
	if (!field_ok(a->shell) || a->shell[0] != '/')
		return jail_error_fmt(
		    err, EINVAL,
		    "%s: shell '%s' is not an absolute path without ':' (expected "
		    "e.g. /bin/bash)",
		    a->name, a->shell ? a->shell : "");
	if (a->group_name && !acct_name_ok(a->group_name))
		return jail_error_fmt(err, EINVAL, "%s: primary group name '%s' is not usable",
				      a->name, a->group_name);
	for (size_t i = 0; i < a->groups.n; i++)
		if (!acct_name_ok(a->groups.v[i]))
			return jail_error_fmt(err, EINVAL, "%s: group name '%s' is not usable",
					      a->name, a->groups.v[i]);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* passwd text                                                               */

char *jail_passwd_text_set(const char *text, const jail_account_t *a, jail_error_t *err)
{
	cleanup_free char *entry = NULL;
	jail_buf_t out = {0};
	const char *p = text, *line;
	size_t len;
	bool done = false;

	if (jail_account_validate(a, err) < 0)
		return NULL;
	entry = jail_strdup_printf("%s:x:%u:%u:%s:%s:%s", a->name, (unsigned)a->uid,
				   (unsigned)a->gid, a->gecos ? a->gecos : "", a->home, a->shell);
	if (entry == NULL) {
		jail_error_set(err, ENOMEM, "passwd");
		return NULL;
	}
	while (jail_pw_next_line(&p, &line, &len)) {
		if (jail_pw_line_is(line, len, a->name)) {
			if (!done)
				sb_line(&out, entry, strlen(entry));
			done = true;
			continue;
		}
		sb_line(&out, line, len);
	}
	if (!done)
		sb_line(&out, entry, strlen(entry));
	return jail_buf_finish(&out, "account files", err);
}

char *jail_passwd_text_remove(const char *text, const char *user, jail_error_t *err)
{
	jail_buf_t out = {0};
	const char *p = text, *line;
	size_t len;

	while (jail_pw_next_line(&p, &line, &len))
		if (!jail_pw_line_is(line, len, user))
			sb_line(&out, line, len);
	return jail_buf_finish(&out, "account files", err);
}

/* Is GID the primary group of any line of passwd TEXT? */
static bool gid_is_primary(const char *text, gid_t gid)
{
	const char *p = text, *line;
	size_t len;

	while (jail_pw_next_line(&p, &line, &len)) {
		cleanup_free char *copy = strndup(line, len);
		char *f[7];
		unsigned long g;

		if (copy == NULL)
			return true; /* when in doubt, keep the group */
		if (jail_pw_split(copy, f, 7) >= 4 && jail_pw_parse_id(f[3], &g) && (gid_t)g == gid)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* group text                                                                */

typedef struct group_target {
	const char *name;
	gid_t gid;
	const char *member; /* NULL: primary group, no member added */
	bool done;
} group_target_t;

/* Write "name:pw:gid:members" with MEMBER added to / REMOVE taken out of
 * the member list MEMBERS. */
static void write_group_line(jail_buf_t *out, const char *name, const char *pw, const char *num,
			     const char *members, const char *add, const char *remove)
{
	bool first = true, have_add = false;
	const char *m = members ? members : "";

	jail_buf_str(out, name);
	jail_buf_str(out, ":");
	jail_buf_str(out, pw && *pw ? pw : "x");
	jail_buf_str(out, ":");
	jail_buf_str(out, num);
	jail_buf_str(out, ":");
	while (*m) {
		size_t n = strcspn(m, ",");
		if (n > 0 && !(remove && strlen(remove) == n && memcmp(m, remove, n) == 0)) {
			if (add && strlen(add) == n && memcmp(m, add, n) == 0) {
				if (have_add) {
					m += n + (m[n] == ',');
					continue;
				}
				have_add = true;
			}
			if (!first)
				jail_buf_str(out, ",");
			jail_buf_add(out, m, n);
			first = false;
		}
		m += n;
		if (*m == ',')
			m++;
	}
	if (add && !have_add) {
		if (!first)
			jail_buf_str(out, ",");
		jail_buf_str(out, add);
	}
	jail_buf_str(out, "\n");
}

char *jail_group_text_add(const char *text, const jail_account_t *a, jail_error_t *err)
{
	group_target_t *t;
	size_t nt = 0;
	jail_buf_t out = {0};
	char num[32];
	const char *p = text, *line;
	size_t len;
	char *res;

	if (jail_account_validate(a, err) < 0)
		return NULL;
	t = calloc(a->groups.n + 1, sizeof(*t));
	if (t == NULL) {
		jail_error_set(err, ENOMEM, "group");
		return NULL;
	}
	if (a->group_name)
		t[nt++] = (group_target_t){.name = a->group_name, .gid = a->gid};
	for (size_t i = 0; i < a->groups.n; i++) {
		bool dup = false;
		for (size_t j = 0; j < nt; j++)
			dup = dup || strcmp(t[j].name, a->groups.v[i]) == 0;
		if (!dup)
			t[nt++] = (group_target_t){
			    .name = a->groups.v[i], .gid = a->group_gids[i], .member = a->name};
	}
	while (jail_pw_next_line(&p, &line, &len)) {
		group_target_t *hit = NULL;
		for (size_t j = 0; j < nt && !hit; j++)
			if (jail_pw_line_is(line, len, t[j].name))
				hit = &t[j];
		if (hit == NULL) {
			sb_line(&out, line, len);
			continue;
		}
		if (hit->done)
			continue; /* a second line of the same group: drop it */
		{
			cleanup_free char *copy = strndup(line, len);
			char *f[4] = {NULL, NULL, NULL, NULL};
			size_t n;
			if (copy == NULL) {
				out.oom = true;
				break;
			}
			n = jail_pw_split(copy, f, 4);
			snprintf(num, sizeof(num), "%u", (unsigned)hit->gid);
			write_group_line(&out, hit->name, n >= 2 ? f[1] : "x", num,
					 n >= 4 ? f[3] : "", hit->member, NULL);
		}
		hit->done = true;
	}
	for (size_t j = 0; j < nt; j++) {
		if (t[j].done)
			continue;
		snprintf(num, sizeof(num), "%u", (unsigned)t[j].gid);
		write_group_line(&out, t[j].name, "x", num, "", t[j].member, NULL);
	}
	free(t);
	res = jail_buf_finish(&out, "account files", err);
	return res;
}

/* Scan a group's comma-separated member LIST: is USER in it, and is
 * anyone else (empty names ignored)? */
static void scan_members(const char *list, const char *user, bool *user_in, bool *others)
{
	size_t ul = strlen(user);

	*user_in = *others = false;
	for (const char *m = list; *m;) {
		size_t k = strcspn(m, ",");
		bool is_user = k == ul && memcmp(m, user, k) == 0;

		*user_in = *user_in || is_user;
		*others = *others || (k > 0 && !is_user);
		m += k;
		if (*m == ',')
			m++;
	}
}

char *jail_group_text_remove(const char *text, const char *user, gid_t gid, const char *passwd_text,
			     jail_error_t *err)
{
	jail_buf_t out = {0};
	const char *p = text, *line;
	size_t len;

	while (jail_pw_next_line(&p, &line, &len)) {
		cleanup_free char *copy = strndup(line, len);
		char *f[4];
		unsigned long g;
		size_t n;
		bool member, others;

		if (copy == NULL) {
			out.oom = true;
			break;
		}
		n = jail_pw_split(copy, f, 4);
		if (n != 4) {
			sb_line(&out, line, len); /* no member list: not ours to fix */
			continue;
		}
		scan_members(f[3], user, &member, &others);
		if (gid != (gid_t)-1 && strcmp(f[0], user) == 0 && jail_pw_parse_id(f[2], &g) &&
		    (gid_t)g == gid && !gid_is_primary(passwd_text ? passwd_text : "", gid)) {
			/* The personal group: dropped when nobody else is in it. */
			if (!others)
				continue;
		}
		/* Even on a line with a broken gid: the user must be listed nowhere. */
		if (member)
			write_group_line(&out, f[0], f[1], f[2], f[3], NULL, user);
		else
			sb_line(&out, line, len);
	}
	return jail_buf_finish(&out, "account files", err);
}

/* ------------------------------------------------------------------------ */
/* Host accounts                                                             */

void jail_account_clear(jail_account_t *a)
{
	free(a->name);
	free(a->gecos);
	free(a->home);
	free(a->shell);
	free(a->group_name);
	jail_strv_clear(&a->groups);
	free(a->group_gids);
	memset(a, 0, sizeof(*a));
}

int jail_account_from_host(const char *user, const char *shell, jail_account_t *a,
			   jail_error_t *err)
{
	struct passwd *pw;
	struct group *gr;
	gid_t *gids = NULL;
	int ngids = 32;

	memset(a, 0, sizeof(*a));
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			return jail_error_set(err, errno, "look up user %s", user);
		return jail_error_fmt(err, ENOENT, "%s: no such user on the host", user);
	}
	a->name = strdup(pw->pw_name);
	a->uid = pw->pw_uid;
	a->gid = pw->pw_gid;
	a->gecos = strdup(pw->pw_gecos ? pw->pw_gecos : "");
	a->home = strdup(pw->pw_dir ? pw->pw_dir : "");
	a->shell = strdup(shell ? shell : "/bin/bash");
	if (!a->name || !a->gecos || !a->home || !a->shell)
		goto oom;
	errno = 0;
	gr = getgrgid(a->gid);
	if (gr && (a->group_name = strdup(gr->gr_name)) == NULL)
		goto oom;
	for (;;) {
		int n = ngids;
		gid_t *ng = realloc(gids, (size_t)n * sizeof(*gids));
		if (ng == NULL)
			goto oom;
		gids = ng;
		if (getgrouplist(a->name, a->gid, gids, &n) >= 0) {
			ngids = n;
			break;
		}
		if (n <= ngids || n > 65536) {
			free(gids);
			jail_account_clear(a);
			return jail_error_fmt(err, EINVAL, "%s: cannot list the user's groups",
					      user);
		}
		ngids = n;
	}
	a->group_gids = calloc((size_t)ngids + 1, sizeof(gid_t));
	if (a->group_gids == NULL)
		goto oom;
	for (int i = 0; i < ngids; i++) {
		if (gids[i] == a->gid)
			continue;
		gr = getgrgid(gids[i]);
		if (gr == NULL || jail_strv_contains(&a->groups, gr->gr_name))
			continue;
		a->group_gids[a->groups.n] = gids[i];
		if (jail_strv_push(&a->groups, gr->gr_name, err) < 0) {
			free(gids);
			jail_account_clear(a);
			return -1;
		}
	}
	free(gids);
	if (jail_account_validate(a, err) < 0) {
		jail_account_clear(a);
		return -1;
	}
	return 0;
oom:
	free(gids);
	jail_account_clear(a);
	return jail_error_set(err, ENOMEM, "look up user %s", user);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */

/* JAIL/etc must exist as a real directory, root-owned, not writable by
 * others: the session's NSS runs as root inside the jail and trusts it. */
static int check_etc(int jailfd, jail_error_t *err)
{
	jail_error_t e = {0};
	cleanup_close int fd = jail_openat_beneath(jailfd, "etc", O_RDONLY | O_DIRECTORY, 0, &e);

	if (fd < 0) {
		if (jail_error_is(&e, ENOENT))
			return jail_error_fmt(
			    err, ENOENT,
			    "/etc does not exist in the jail (expected a jail built "
			    "with jailctl init)");
		if (jail_error_is(&e, ELOOP) || jail_error_is(&e, ENOTDIR))
			return jail_error_fmt(err, ELOOP,
					      "/etc in the jail is a symlink or not a directory "
					      "(refused: never followed)");
		return jail_error_fmt(err, e.code, "jail /etc: %s", e.msg);
	}
	if (jail_check_trusted_fd(fd, "/etc in the jail", err) < 0)
		return -1;
	return 0;
}

static int read_jail_file(int jailfd, const char *rel, char **out, size_t *len, jail_error_t *err)
{
	cleanup_close int fd = -1;
	struct stat st;

	*out = NULL;
	*len = 0;
	jail_error_t e = {0};

	fd = jail_openat_beneath(jailfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &e);
	if (fd < 0) {
		if (jail_error_is(&e, ENOENT))
			return 0;
		if (jail_error_is(&e, ELOOP))
			return jail_error_fmt(
			    err, ELOOP, "/%s in the jail is a symlink (refused: never followed)",
			    rel);
		return jail_error_fmt(err, e.code, "%s", e.msg);
	}
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "stat /%s in the jail", rel);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "/%s in the jail is not a regular file", rel);
	if (jail_read_all(fd, ACCT_MAX_BYTES, out, len, err) < 0)
		return jail_error_wrap(err, "read /%s in the jail", rel);
	if (strlen(*out) != *len) {
		free(*out);
		*out = NULL;
		return jail_error_fmt(err, EINVAL, "/%s in the jail contains a NUL byte", rel);
	}
	return 0;
}

static int write_jail_file(int jailfd, const char *rel, const char *data, size_t len,
			   jail_error_t *err)
{
	if (jail_write_file_beneath(jailfd, rel, data, len, 0644, 0, 0, err) < 0)
		return jail_error_wrap(err, "jail /%s", rel);
	return 0;
}

void jail_acct_snapshot_clear(jail_acct_snapshot_t *snap)
{
	free(snap->passwd);
	free(snap->group);
	memset(snap, 0, sizeof(*snap));
}

int jail_acct_snapshot(int jailfd, jail_acct_snapshot_t *snap, jail_error_t *err)
{
	memset(snap, 0, sizeof(*snap));
	if (check_etc(jailfd, err) < 0)
		return -1;
	if (read_jail_file(jailfd, "etc/passwd", &snap->passwd, &snap->passwd_len, err) < 0 ||
	    read_jail_file(jailfd, "etc/group", &snap->group, &snap->group_len, err) < 0) {
		jail_acct_snapshot_clear(snap);
		return -1;
	}
	return 0;
}

static int restore_one(int jailfd, const char *rel, const char *data, size_t len, jail_error_t *err)
{
	const char *base;
	cleanup_close int pfd = -1;

	if (data)
		return write_jail_file(jailfd, rel, data, len, err);
	pfd = jail_open_parent_beneath(jailfd, rel, &base, err);
	if (pfd < 0)
		return -1;
	if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT)
		return jail_error_set(err, errno, "remove /%s in the jail", rel);
	return 0;
}

int jail_acct_restore(int jailfd, const jail_acct_snapshot_t *snap, jail_error_t *err)
{
	int r1 = restore_one(jailfd, "etc/passwd", snap->passwd, snap->passwd_len, err);
	int r2 = restore_one(jailfd, "etc/group", snap->group, snap->group_len, err);

	return (r1 < 0 || r2 < 0) ? -1 : 0;
}

/* Write both files, passwd first; put passwd back if group fails. */
static int write_both(int jailfd, const jail_acct_snapshot_t *old, const char *pw, const char *gr,
		      jail_error_t *err)
{
	if (write_jail_file(jailfd, "etc/passwd", pw, strlen(pw), err) < 0)
		return -1;
	if (write_jail_file(jailfd, "etc/group", gr, strlen(gr), err) < 0) {
		jail_error_t e2 = {0};
		restore_one(jailfd, "etc/passwd", old->passwd, old->passwd_len, &e2);
		return -1;
	}
	return 0;
}

int jail_acct_add(int jailfd, const jail_account_t *a, jail_error_t *err)
{
	jail_acct_snapshot_t snap;
	cleanup_free char *pw = NULL;
	cleanup_free char *gr = NULL;
	int ret;

	if (jail_acct_snapshot(jailfd, &snap, err) < 0)
		return -1;
	pw = jail_passwd_text_set(snap.passwd ? snap.passwd : "", a, err);
	gr = pw ? jail_group_text_add(snap.group ? snap.group : "", a, err) : NULL;
	ret = (pw && gr) ? write_both(jailfd, &snap, pw, gr, err) : -1;
	jail_acct_snapshot_clear(&snap);
	return ret;
}

int jail_acct_remove(int jailfd, const char *user, jail_error_t *err)
{
	jail_acct_snapshot_t snap;
	cleanup_free char *pw = NULL;
	cleanup_free char *gr = NULL;
	gid_t gid = (gid_t)-1;
	int ret = -1;

	if (jail_acct_snapshot(jailfd, &snap, err) < 0)
		return -1;
	if (snap.passwd &&
	    jail_passwd_text_lookup(snap.passwd, user, NULL, &gid, NULL, NULL, err) < 0) {
		/* A malformed line of this user: still remove it, memberships only. */
		gid = (gid_t)-1;
		jail_error_clear(err);
	}
	pw = jail_passwd_text_remove(snap.passwd ? snap.passwd : "", user, err);
	if (pw)
		gr = jail_group_text_remove(snap.group ? snap.group : "", user, gid, pw, err);
	if (pw && gr) {
		bool pw_same = snap.passwd ? strcmp(pw, snap.passwd) == 0 : pw[0] == '\0';
		bool gr_same = snap.group ? strcmp(gr, snap.group) == 0 : gr[0] == '\0';
		/* Nothing to do: do not create files that were absent. */
		if (pw_same && gr_same)
			ret = 0;
		else
			ret = write_both(jailfd, &snap, pw, gr, err);
	}
	jail_acct_snapshot_clear(&snap);
	return ret;
}
