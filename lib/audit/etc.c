/* The audit of a jail's /etc: passwd, group and shadow as the jail sees
 * them, the jailed users' entries, and jailsh inside the jail. */
#define _GNU_SOURCE
#include "audit/audit-internal.h"
#include "audit/audit.h"
#include "base/safefs.h"
#include "base/text.h"
#include "session/session.h"
#include "tree/tree.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * passwd, group, shadow */

bool jail_passwd_field_is_locked(const char *field)
{
	if (strcmp(field, "x") == 0)
		return true;
	if (*field == '\0')
		return false;
	for (const char *p = field; *p; p++)
		if (*p != '!' && *p != '*')
			return false;
	return true;
}

/* Call FN for each non-empty line of TEXT (a private copy), with its number. */
typedef int (*line_fn)(void *ctx, char *line, unsigned lineno);

static int each_line(const char *text, line_fn fn, void *ctx, jail_error_t *err)
{
	cleanup_free char *copy = strdup(text);
	char *line, *next;
	unsigned n = 0;

	if (copy == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	for (line = copy; line && *line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		n++;
		if (*line == '\0')
			continue;
		if (fn(ctx, line, n) < 0)
			return -1;
	}
	return 0;
}

typedef struct pw_ctx {
	audit_t *a;
	const char *path;
	const jail_host_user_t *users;
	size_t n_users;
	bool *found;
	audit_nameidx_t by_name; /* first user of each name */
	size_t *next;		 /* next user of the same name + 1, 0: none */
} pw_ctx_t;

/* Index USERS by KEY(user) (NULL: not indexed) into BY with chains NEXT,
 * in USERS' order: the lines of a 10,000-user passwd each find their
 * users without a scan of all of them. */
static int index_users(const jail_host_user_t *users, size_t n, bool by_group, audit_nameidx_t *by,
		       size_t **next, jail_error_t *err)
{
	cleanup_free size_t *last = calloc(n ? n : 1, sizeof(*last));

	*next = calloc(n ? n : 1, sizeof(**next));
	if (*next == NULL || last == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	for (size_t i = 0; i < n; i++) {
		const char *key = by_group ? users[i].group : users[i].name;
		size_t first;
		int r;

		if (key == NULL)
			continue;
		r = audit_nameidx_put(by, key, i, err);
		if (r < 0)
			return -1;
		if (r == 0 && audit_nameidx_get(by, key, &first)) {
			(*next)[last[first]] = i + 1;
			last[first] = i;
		} else {
			last[i] = i;
		}
	}
	return 0;
}

static int passwd_line(void *vctx, char *line, unsigned lineno)
{
	pw_ctx_t *c = vctx;
	audit_t *a = c->a;
	char *f[8];
	int nf = audit_split_colon(line, f, 7);
	uint64_t uid, gid;
	jail_error_t lerr = {0};

	if (nf != 7 || jail_parse_u64(f[2], &uid, &lerr) < 0 ||
	    jail_parse_u64(f[3], &gid, &lerr) < 0) {
		cleanup_free char *fix = jail_strdup_printf("correct or remove line %u", lineno);
		return audit_report(a, JAIL_SEV_WARNING, c->path, fix,
				    "line %u is not 'name:x:uid:gid:gecos:home:shell'", lineno);
	}
	if (!jail_passwd_field_is_locked(f[1])) {
		if (audit_report(a, JAIL_SEV_CRITICAL, c->path,
				 "set the password field to x: passwords are checked on the host, "
				 "never in the jail",
				 *f[1] ? "user %s has a password hash (line %u)"
				       : "user %s has an empty password (line %u)",
				 f[0], lineno) < 0)
			return -1;
	}
	if (uid == 0 && strcmp(f[0], "root") != 0) {
		cleanup_free char *fix =
		    jail_strdup_printf("remove user %s (line %u)", f[0], lineno);
		if (audit_report(a, JAIL_SEV_CRITICAL, c->path, fix,
				 "user %s has uid 0: only root may (line %u)", f[0], lineno) < 0)
			return -1;
	}
	size_t i;

	if (!audit_nameidx_get(&c->by_name, f[0], &i))
		return 0;
	for (i++; i > 0; i = c->next[i - 1]) {
		const jail_host_user_t *u = &c->users[i - 1];
		cleanup_free char *fix = NULL;

		if (c->found[i - 1])
			continue;
		c->found[i - 1] = true;
		fix = jail_strdup_printf("jailctl adduser %s", u->name);
		if (fix == NULL)
			return jail_error_set(a->err, ENOMEM, "audit");
		if (uid != u->uid &&
		    audit_report(a, JAIL_SEV_CRITICAL, c->path, fix,
				 "jailed user %s has uid %llu, the host has %u", u->name,
				 (unsigned long long)uid, (unsigned)u->uid) < 0)
			return -1;
		if (gid != u->gid &&
		    audit_report(a, JAIL_SEV_CRITICAL, c->path, fix,
				 "jailed user %s has gid %llu, the host has %u", u->name,
				 (unsigned long long)gid, (unsigned)u->gid) < 0)
			return -1;
		if (u->home && strcmp(f[5], u->home) != 0 &&
		    audit_report(a, JAIL_SEV_CRITICAL, c->path, fix,
				 "jailed user %s has home %s, the host has %s", u->name, f[5],
				 u->home) < 0)
			return -1;
	}
	return 0;
}

static int audit_passwd(audit_t *a, const char *path, const char *text,
			const jail_host_user_t *users, size_t n_users)
{
	cleanup_free bool *found = calloc(n_users ? n_users : 1, sizeof(bool));
	pw_ctx_t c = {.a = a, .path = path, .users = users, .n_users = n_users, .found = found};
	int r;

	if (found == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	r = index_users(users, n_users, false, &c.by_name, &c.next, a->err);
	if (r == 0)
		r = each_line(text, passwd_line, &c, a->err);
	audit_nameidx_free(&c.by_name);
	free(c.next);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < n_users; i++) {
		cleanup_free char *fix = NULL;
		if (found[i])
			continue;
		fix = jail_strdup_printf("jailctl adduser %s", users[i].name);
		if (audit_report(a, JAIL_SEV_CRITICAL, path, fix, "no entry for jailed user %s",
				 users[i].name) < 0)
			return -1;
	}
	return 0;
}

int jail_audit_passwd_text(const char *jail, const char *path, const char *passwd,
			   const jail_host_user_t *users, size_t n_users, jail_findings_t *out,
			   jail_error_t *err)
{
	audit_t a = {.out = out, .err = err, .jail = jail, .rootfd = -1};
	return audit_passwd(&a, path, passwd, users, n_users);
}

typedef struct gr_ctx {
	audit_t *a;
	const char *path;
	const jail_host_user_t *users;
	size_t n_users;
	int *state; /* 0 not seen, 1 found, 2 name found with another gid */
	uint64_t *seen_gid;
	audit_nameidx_t by_group; /* first user of each primary group name */
	size_t *next;		  /* next user of the same group name + 1 */
	size_t *nameless;	  /* users whose primary gid has no name */
	size_t n_nameless;
} gr_ctx_t;

static void group_match(gr_ctx_t *c, size_t i, uint64_t gid)
{
	if (c->state[i] == 1)
		return;
	if (gid == c->users[i].gid) {
		c->state[i] = 1;
	} else {
		c->state[i] = 2;
		c->seen_gid[i] = gid;
	}
}

static int group_line(void *vctx, char *line, unsigned lineno)
{
	gr_ctx_t *c = vctx;
	char *f[5];
	int nf = audit_split_colon(line, f, 4);
	uint64_t gid;
	size_t first;
	jail_error_t lerr = {0};

	if (nf != 4 || jail_parse_u64(f[2], &gid, &lerr) < 0) {
		cleanup_free char *fix = jail_strdup_printf("correct or remove line %u", lineno);
		return audit_report(c->a, JAIL_SEV_WARNING, c->path, fix,
				    "line %u is not 'name:x:gid:members'", lineno);
	}
	/* Users in order whatever the index: the state of each only depends
	 * on the lines, in order. */
	if (audit_nameidx_get(&c->by_group, f[0], &first))
		for (size_t i = first + 1; i > 0; i = c->next[i - 1])
			group_match(c, i - 1, gid);
	for (size_t k = 0; k < c->n_nameless; k++)
		if (gid == c->users[c->nameless[k]].gid)
			group_match(c, c->nameless[k], gid);
	return 0;
}

int jail_audit_group_text(const char *jail, const char *path, const char *group,
			  const jail_host_user_t *users, size_t n_users, jail_findings_t *out,
			  jail_error_t *err)
{
	audit_t a = {.out = out, .err = err, .jail = jail, .rootfd = -1};
	cleanup_free int *state = calloc(n_users ? n_users : 1, sizeof(int));
	cleanup_free uint64_t *seen = calloc(n_users ? n_users : 1, sizeof(uint64_t));
	gr_ctx_t c = {.a = &a,
		      .path = path,
		      .users = users,
		      .n_users = n_users,
		      .state = state,
		      .seen_gid = seen};

	cleanup_free size_t *nameless = calloc(n_users ? n_users : 1, sizeof(size_t));
	int r;

	if (state == NULL || seen == NULL || nameless == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	c.nameless = nameless;
	for (size_t i = 0; i < n_users; i++)
		if (users[i].group == NULL)
			nameless[c.n_nameless++] = i;
	r = index_users(users, n_users, true, &c.by_group, &c.next, err);
	if (r == 0)
		r = each_line(group, group_line, &c, err);
	audit_nameidx_free(&c.by_group);
	free(c.next);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < n_users; i++) {
		const jail_host_user_t *u = &users[i];
		cleanup_free char *fix = NULL;
		char gname[64];

		if (state[i] == 1)
			continue;
		fix = jail_strdup_printf("jailctl adduser %s", u->name);
		if (u->group)
			snprintf(gname, sizeof(gname), "%s", u->group);
		else
			snprintf(gname, sizeof(gname), "with gid %u", (unsigned)u->gid);
		if (state[i] == 2) {
			if (audit_report(
				&a, JAIL_SEV_CRITICAL, path, fix,
				"group %s (primary group of jailed user %s) has gid %llu, the "
				"host has %u",
				gname, u->name, (unsigned long long)seen[i], (unsigned)u->gid) < 0)
				return -1;
		} else if (audit_report(&a, JAIL_SEV_CRITICAL, path, fix,
					"no group %s (gid %u), the primary group of jailed user %s",
					gname, (unsigned)u->gid, u->name) < 0) {
			return -1;
		}
	}
	return 0;
}

typedef struct sh_ctx {
	audit_t *a;
	const char *path;
} sh_ctx_t;

static int shadow_line(void *vctx, char *line, unsigned lineno)
{
	sh_ctx_t *c = vctx;
	char *f[3];
	int nf = audit_split_colon(line, f, 2);
	cleanup_free char *fix = NULL;

	if (nf < 2 || jail_passwd_field_is_locked(f[1]))
		return 0;
	fix = jail_strdup_printf("remove %s from the jail: passwords are checked on the host",
				 c->path);
	return audit_report(c->a, JAIL_SEV_CRITICAL, c->path, fix,
			    *f[1] ? "holds a password hash for %s (line %u)"
				  : "holds an empty password for %s (line %u)",
			    f[0], lineno);
}

int jail_audit_shadow_text(const char *jail, const char *path, const char *text,
			   jail_findings_t *out, jail_error_t *err)
{
	audit_t a = {.out = out, .err = err, .jail = jail, .rootfd = -1};
	sh_ctx_t c = {.a = &a, .path = path};

	return each_line(text, shadow_line, &c, err);
}

/* The first line of each name in passwd TEXT: NAMES holds the names, IDX
 * maps each to its line's offset (one pass, not one per jailed user). */
static int passwd_lines(const char *text, jail_strv_t *names, audit_nameidx_t *idx,
			jail_error_t *err)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *colon = memchr(p, ':', len);

		if (colon && colon > p) {
			cleanup_free char *name = strndup(p, (size_t)(colon - p));
			if (name == NULL)
				return jail_error_set(err, ENOMEM, "audit");
			if (!audit_nameidx_get(idx, name, NULL) &&
			    (jail_strv_push(names, name, err) < 0 ||
			     audit_nameidx_put(idx, names->v[names->n - 1], (size_t)(p - text),
					       err) < 0))
				return -1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* The shell (malloc'd) of the line at LINE: after its last ':'. */
static char *line_shell(const char *line)
{
	const char *nl = strchr(line, '\n');
	size_t len = nl ? (size_t)(nl - line) : strlen(line);
	const char *last = memrchr(line, ':', len);

	return strndup(last + 1, len - (size_t)(last + 1 - line));
}

/* ------------------------------------------------------------------------
 * One jail */

void audit_host_users_clear(host_users_t *h)
{
	free(h->v);
	jail_strv_clear(&h->strings);
}

static const char *keep(host_users_t *h, const char *s, jail_error_t *err)
{
	if (jail_strv_push(&h->strings, s, err) < 0)
		return NULL;
	return h->strings.v[h->strings.n - 1];
}

/* Host entries of USERS; a name the host does not know is skipped (the
 * config audit reports it).  Fills HOMES with their in-jail home paths. */
int audit_host_users_load(audit_users_t *t, const jail_strv_t *users, host_users_t *h,
			  jail_strv_t *homes, jail_error_t *err)
{
	size_t n = users ? users->n : 0;
	cleanup_nameidx audit_nameidx_t homes_idx = {0};

	/* The strings live in h->strings: its array moves on growth, the
	 * strings themselves do not. */
	h->v = calloc(n ? n : 1, sizeof(*h->v));
	if (h->v == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	for (size_t i = 0; i < homes->n; i++)
		if (audit_nameidx_put(&homes_idx, homes->v[i], i, err) < 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		const audit_pw_t *pw;
		const char *group;
		jail_host_user_t *u;

		if (audit_users_pw(t, users->v[i], &pw, err) < 0)
			return -1;
		if (pw == NULL)
			continue;
		u = &h->v[h->n];
		u->uid = pw->uid;
		u->gid = pw->gid;
		if ((u->name = keep(h, pw->name, err)) == NULL ||
		    (u->home = keep(h, pw->dir, err)) == NULL)
			return -1;
		if (pw->dir[0] == '/' && pw->dir[1] &&
		    audit_strv_add_unique(homes, &homes_idx, pw->dir + 1, err) < 0)
			return -1;
		audit_users_group_name(t, u->gid, &group);
		if (group && (u->group = keep(h, group, err)) == NULL)
			return -1;
		h->n++;
	}
	return 0;
}

/* jailsh inside the jail, checked the way pam_jail checks it before a
 * session (jail_session_check_jail): every directory on the way a real
 * directory (no symlink), the file a regular file executable by everyone,
 * root-owned and not writable by others.  Ownership and writability below
 * a system directory are already reported by the walk. */
static int audit_jailsh(audit_t *a, const char *jailsh)
{
	jail_error_t lerr = {0};
	cleanup_free char *norm = jail_path_normalize(jailsh, &lerr);
	cleanup_free char *jp = NULL;
	cleanup_free char *fix = NULL;
	cleanup_close int cur = -1;
	char *p, *slash;
	struct stat st;

	if (norm == NULL || strcmp(norm, "/") == 0)
		return audit_report(a, JAIL_SEV_CRITICAL, jailsh,
				    "set [jail] jailsh = an absolute path",
				    "jailsh path is not a file path");
	jp = audit_host_path(a, norm + 1);
	fix = jail_strdup_printf("jailctl init %s jailsh", a->jail);
	if (jp == NULL || fix == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	cur = fcntl(a->rootfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return jail_error_set(a->err, errno, "dup");
	p = norm + 1;
	while ((slash = strchr(p, '/')) != NULL) {
		int nfd;

		*slash = '\0';
		nfd = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			cleanup_free char *dp = audit_host_path(a, norm + 1);
			if (errno == ENOENT)
				break;
			return audit_report(
			    a, JAIL_SEV_CRITICAL, dp ? dp : jp, fix,
			    "is a symlink or not a directory on the way to jailsh %s: "
			    "pam_jail refuses sessions",
			    jailsh);
		}
		close(cur);
		cur = nfd;
		*slash = '/';
		p = slash + 1;
	}
	if (slash != NULL || fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return audit_report(
		    a, JAIL_SEV_CRITICAL, jp, fix,
		    "jailsh is missing from the jail: sshd runs the login shell %s inside "
		    "the jail, so pam_jail refuses jailed logins",
		    jailsh);
	if (!S_ISREG(st.st_mode))
		return audit_report(a, JAIL_SEV_CRITICAL, jp, fix,
				    "jailsh is %s, not a regular file: pam_jail refuses sessions",
				    S_ISLNK(st.st_mode) ? "a symlink" : "not a regular file");
	if ((st.st_mode & 0111) != 0111) {
		cleanup_free char *cfix = jail_strdup_printf("chmod a+x %s", jp);
		if (audit_report(
			a, JAIL_SEV_CRITICAL, jp, cfix,
			"jailsh is not executable by everyone (mode %04o): pam_jail refuses "
			"sessions",
			(unsigned)(st.st_mode & 07777)) < 0)
			return -1;
	}
	/* A jailsh the user can read is dumpable between its exec and its
	 * seccomp filter: the user's other processes could write its memory
	 * (tests/escape/README.md, race-mem). Execute-only closes that. */
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		cleanup_free char *rfix = jail_strdup_printf("chmod 0711 %s", jp);
		if (audit_report(a, JAIL_SEV_WARNING, jp, rfix,
				 "jailsh is readable by others (mode %04o): a starting jailsh is "
				 "dumpable until its seccomp filter is loaded",
				 (unsigned)(st.st_mode & 07777)) < 0)
			return -1;
	}
	{
		const char *first = norm + 1;
		size_t len = strcspn(first, "/");
		char top[64];

		snprintf(top, sizeof(top), "%.*s", (int)(len < sizeof(top) ? len : 0), first);
		if (!audit_is_system_top(top))
			return audit_check_trust(a, jp, &st, "pam_jail refuses sessions");
	}
	return 0;
}

int audit_etc(audit_t *a, const host_users_t *hu, const char *jailsh)
{
	static const char *const shadows[] = {"etc/shadow", "etc/gshadow"};
	cleanup_free char *passwd = NULL;
	cleanup_free char *group = NULL;
	cleanup_free char *pp = audit_host_path(a, "etc/passwd");
	cleanup_free char *gp = audit_host_path(a, "etc/group");
	cleanup_free char *initfix = jail_strdup_printf("jailctl init %s uidbasics", a->jail);
	cleanup_strv jail_strv_t names = {0};
	cleanup_nameidx audit_nameidx_t lines = {0};
	jail_error_t lerr = {0};
	int r;

	if (pp == NULL || gp == NULL || initfix == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	for (size_t i = 0; i < sizeof(shadows) / sizeof(shadows[0]); i++) {
		cleanup_free char *text = NULL;
		cleanup_free char *sp = audit_host_path(a, shadows[i]);
		if (sp == NULL)
			return jail_error_set(a->err, ENOMEM, "audit");
		r = audit_read_jail_file(a->rootfd, shadows[i], &text, &lerr);
		if (r < 0 &&
		    audit_report(a, JAIL_SEV_WARNING, sp, "", "cannot read: %s", lerr.msg) < 0)
			return -1;
		if (r > 0 && jail_audit_shadow_text(a->jail, sp, text, a->out, a->err) < 0)
			return -1;
	}

	r = audit_read_jail_file(a->rootfd, "etc/passwd", &passwd, &lerr);
	if (r <= 0) {
		/* A jail with no passwd and nobody jailed in it is a service jail. */
		if (hu->n == 0 && r == 0)
			return 0;
		return audit_report(a, JAIL_SEV_CRITICAL, pp, initfix, "%s",
				    r == 0 ? "missing: jailed users cannot be resolved" : lerr.msg);
	}
	if (audit_passwd(a, pp, passwd, hu->v, hu->n) < 0)
		return -1;
	if (hu->n) {
		r = audit_read_jail_file(a->rootfd, "etc/group", &group, &lerr);
		if (r <= 0) {
			if (audit_report(a, JAIL_SEV_CRITICAL, gp, initfix, "%s",
					 r == 0 ? "missing: jailed users' groups cannot be resolved"
						: lerr.msg) < 0)
				return -1;
		} else if (jail_audit_group_text(a->jail, gp, group, hu->v, hu->n, a->out, a->err) <
			   0) {
			return -1;
		}
	}

	/* sshd execs the host login shell (jailsh) inside the jail; login(1)
	 * looks the user up again in the jail after the session opened and
	 * runs the shell of the jail's passwd line: that must be jailsh too
	 * (jailsh runs the real shell named in the session file). */
	if (hu->n && jailsh && audit_jailsh(a, jailsh) < 0)
		return -1;
	if (jailsh && hu->n && passwd_lines(passwd, &names, &lines, a->err) < 0)
		return -1;
	for (size_t i = 0; jailsh && i < hu->n; i++) {
		cleanup_free char *shell = NULL;
		cleanup_free char *fix = NULL;
		size_t off;

		if (!audit_nameidx_get(&lines, hu->v[i].name, &off))
			continue; /* no line: reported by audit_passwd */
		shell = line_shell(passwd + off);
		if (shell == NULL)
			return jail_error_set(a->err, ENOMEM, "audit");
		if (strcmp(shell, jailsh) == 0)
			continue;
		fix = jail_strdup_printf("jailctl adduser %s", hu->v[i].name);
		if (fix == NULL)
			return jail_error_set(a->err, ENOMEM, "audit");
		if (audit_report(
			a, JAIL_SEV_CRITICAL, pp, fix,
			"the shell of jailed user %s is %s, not jailsh (%s): login(1) and su "
			"would run it unconfined, and pam_jail refuses the user's sessions",
			hu->v[i].name, shell, jailsh) < 0)
			return -1;
	}
	return 0;
}
