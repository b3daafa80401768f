/* The host's users and groups, read once for the whole audit.
 *
 * The audit asks, for every jailed user, what getpwnam(), getgrouplist()
 * and getgrgid() say.  With files NSS each of those is a scan of the whole
 * passwd or group file: with 10,000 jailed users, 38 s of `jailctl check`
 * (bench/README.md, "Scale").  Here passwd and group are enumerated once
 * through NSS (setpwent/getpwent, setgrent/getgrent: whatever nsswitch.conf
 * lists, not /etc/passwd parsed by hand) into tables indexed by name, uid
 * and gid, and every user's supplementary groups are computed once from
 * the groups' member lists.
 *
 * The answers are those of the per-name calls:
 * - a name enumerates to its first entry, as getpwnam()/getgrnam() find
 *   it (first source, first line), a gid to the first group holding it;
 * - a user's groups are getgrouplist()'s: the primary gid, then every
 *   group, in enumeration order, whose member list names the user and whose
 *   gid is not the primary one;
 * - a name enumeration did not list (a source that does not enumerate,
 *   SSSD with enumerate = false) is asked of NSS by name, and its groups by
 *   getgrouplist(): the slow path, exact;
 * - when the group sources are not only files and systemd (issue 16: LDAP,
 *   SSSD), a member list from enumeration may be incomplete: every user's
 *   groups then come from getgrouplist(), as before the table. */
#define _GNU_SOURCE
#include "audit/audit-internal.h"
#include "base/util.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSSWITCH_CONF "/etc/nsswitch.conf"

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static size_t hash_id(unsigned id)
{
	return (size_t)((uint64_t)id * 11400714819323198485ull >> 17);
}

/* Open-addressed index: slot -> entry index + 1, 0 empty.  Capacity is a
 * power of two at least twice the entries. */
static int index_init(size_t **slots, size_t *cap, size_t n, jail_error_t *err)
{
	size_t c = 16;

	while (c < 2 * n + 2)
		c *= 2;
	*slots = calloc(c, sizeof(**slots));
	if (*slots == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	*cap = c;
	return 0;
}

/* ---- loading ---- */

static char *keep(audit_users_t *t, const char *s, jail_error_t *err)
{
	if (jail_strv_push(&t->strings, s ? s : "", err) < 0)
		return NULL;
	return t->strings.v[t->strings.n - 1];
}

static int push_pw(audit_users_t *t, const struct passwd *pw, jail_error_t *err)
{
	audit_pw_t *p;

	if (t->n_pw == t->cap_pw) {
		size_t nc = t->cap_pw ? t->cap_pw * 2 : 64;
		audit_pw_t **nv = realloc(t->pw, nc * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		t->pw = nv;
		t->cap_pw = nc;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	t->pw[t->n_pw++] = p;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	if ((p->name = keep(t, pw->pw_name, err)) == NULL ||
	    (p->dir = keep(t, pw->pw_dir, err)) == NULL ||
	    (p->shell = keep(t, pw->pw_shell, err)) == NULL)
		return -1;
	return 0;
}

static int push_gr(audit_users_t *t, const struct group *gr, jail_error_t *err)
{
	audit_gr_t *g;
	size_t nm = 0;

	if (t->n_gr == t->cap_gr) {
		size_t nc = t->cap_gr ? t->cap_gr * 2 : 64;
		audit_gr_t *nv = realloc(t->gr, nc * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		t->gr = nv;
		t->cap_gr = nc;
	}
	g = &t->gr[t->n_gr];
	*g = (audit_gr_t){.gid = gr->gr_gid};
	if ((g->name = keep(t, gr->gr_name, err)) == NULL)
		return -1;
	for (char **m = gr->gr_mem; m && *m; m++)
		nm++;
	g->mem = calloc(nm + 1, sizeof(*g->mem));
	if (g->mem == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	t->n_gr++; /* from here on audit_users_free frees g->mem */
	for (size_t i = 0; i < nm; i++)
		if ((g->mem[i] = keep(t, gr->gr_mem[i], err)) == NULL)
			return -1;
	return 0;
}

/* Index of the first entry of each name (uid, gid): later duplicates keep
 * the first, as a by-name NSS lookup does. */
static void index_pw(audit_users_t *t, size_t i)
{
	size_t mask = t->cap_pwi - 1;

	for (size_t s = hash_str(t->pw[i]->name) & mask;; s = (s + 1) & mask) {
		if (t->pw_by_name[s] == 0) {
			t->pw_by_name[s] = i + 1;
			break;
		}
		if (strcmp(t->pw[t->pw_by_name[s] - 1]->name, t->pw[i]->name) == 0)
			break;
	}
	for (size_t s = hash_id(t->pw[i]->uid) & mask;; s = (s + 1) & mask) {
		if (t->pw_by_uid[s] == 0) {
			t->pw_by_uid[s] = i + 1;
			break;
		}
		if (t->pw[t->pw_by_uid[s] - 1]->uid == t->pw[i]->uid)
			break;
	}
}

static void index_gr(audit_users_t *t, size_t i)
{
	size_t mask = t->cap_gri - 1;

	for (size_t s = hash_str(t->gr[i].name) & mask;; s = (s + 1) & mask) {
		if (t->gr_by_name[s] == 0) {
			t->gr_by_name[s] = i + 1;
			break;
		}
		if (strcmp(t->gr[t->gr_by_name[s] - 1].name, t->gr[i].name) == 0)
			break;
	}
	for (size_t s = hash_id(t->gr[i].gid) & mask;; s = (s + 1) & mask) {
		if (t->gr_by_gid[s] == 0) {
			t->gr_by_gid[s] = i + 1;
			break;
		}
		if (t->gr[t->gr_by_gid[s] - 1].gid == t->gr[i].gid)
			break;
	}
}

static ssize_t find_pw(const audit_users_t *t, const char *name)
{
	size_t mask = t->cap_pwi - 1;

	for (size_t s = hash_str(name) & mask; t->pw_by_name[s]; s = (s + 1) & mask)
		if (strcmp(t->pw[t->pw_by_name[s] - 1]->name, name) == 0)
			return (ssize_t)t->pw_by_name[s] - 1;
	return -1;
}

static ssize_t find_gr(const audit_users_t *t, const char *name)
{
	size_t mask = t->cap_gri - 1;

	for (size_t s = hash_str(name) & mask; t->gr_by_name[s]; s = (s + 1) & mask)
		if (strcmp(t->gr[t->gr_by_name[s] - 1].name, name) == 0)
			return (ssize_t)t->gr_by_name[s] - 1;
	return -1;
}

static ssize_t find_gid(const audit_users_t *t, gid_t gid)
{
	size_t mask = t->cap_gri - 1;

	for (size_t s = hash_id(gid) & mask; t->gr_by_gid[s]; s = (s + 1) & mask)
		if (t->gr[t->gr_by_gid[s] - 1].gid == gid)
			return (ssize_t)t->gr_by_gid[s] - 1;
	return -1;
}

/* Are the group sources of nsswitch.conf only ones whose enumeration lists
 * every group with every member (files, systemd)?  A missing file or line
 * means glibc's default, files. */
static bool groups_enumerate_fully(void)
{
	cleanup_fclose FILE *f = fopen(NSSWITCH_CONF, "re");
	char line[1024];

	if (f == NULL)
		return errno == ENOENT;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t"), *save = NULL, *tok;

		if (strncmp(p, "group:", 6) != 0)
			continue;
		p[strcspn(p, "#\n")] = '\0';
		for (tok = strtok_r(p + 6, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (tok[0] == '[')
				continue; /* [NOTFOUND=return]: an action, not a source */
			if (strcmp(tok, "files") != 0 && strcmp(tok, "systemd") != 0)
				return false;
		}
		return true;
	}
	return true;
}

/* Supplementary groups of every enumerated user, from the member lists:
 * group indexes in enumeration order, the primary gid's groups excluded
 * (getgrouplist() reports the primary gid first, once). */
static int compute_memberships(audit_users_t *t, jail_error_t *err)
{
	for (size_t g = 0; g < t->n_gr; g++) {
		for (const char **m = t->gr[g].mem; *m; m++) {
			ssize_t u = find_pw(t, *m);
			audit_pw_t *p;

			if (u < 0)
				continue;
			p = t->pw[u];
			if (t->gr[g].gid == p->gid)
				continue;
			if (p->n_gids == p->cap_gids) {
				size_t nc = p->cap_gids ? p->cap_gids * 2 : 4;
				gid_t *nv = realloc(p->gids, nc * sizeof(*nv));
				if (nv == NULL)
					return jail_error_set(err, ENOMEM, "audit");
				p->gids = nv;
				p->cap_gids = nc;
			}
			/* A member listed twice in one group counts once, as in
			 * getgrouplist() (it stops at the first match). */
			if (p->n_gids && p->last_group == g + 1)
				continue;
			p->gids[p->n_gids++] = t->gr[g].gid;
			p->last_group = g + 1;
		}
	}
	for (size_t u = 0; u < t->n_pw; u++)
		t->pw[u]->groups_known = true;
	return 0;
}

int audit_users_load(audit_users_t *t, jail_error_t *err)
{
	struct passwd *pw;
	struct group *gr;
	int ret = -1;

	*t = (audit_users_t){0};
	errno = 0;
	setpwent();
	while ((pw = getpwent()) != NULL)
		if (push_pw(t, pw, err) < 0) {
			endpwent();
			goto out;
		}
	endpwent();
	setgrent();
	while ((gr = getgrent()) != NULL)
		if (push_gr(t, gr, err) < 0) {
			endgrent();
			goto out;
		}
	endgrent();
	/* Room for the names enumeration did not list, added on demand. */
	if (index_init(&t->pw_by_name, &t->cap_pwi, t->n_pw + 64, err) < 0 ||
	    index_init(&t->pw_by_uid, &t->cap_pwi, t->n_pw + 64, err) < 0 ||
	    index_init(&t->gr_by_name, &t->cap_gri, t->n_gr, err) < 0 ||
	    index_init(&t->gr_by_gid, &t->cap_gri, t->n_gr, err) < 0)
		goto out;
	for (size_t i = 0; i < t->n_pw; i++)
		index_pw(t, i);
	for (size_t i = 0; i < t->n_gr; i++)
		index_gr(t, i);
	t->n_pw_enum = t->n_pw;
	if (groups_enumerate_fully() && compute_memberships(t, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		audit_users_free(t);
	return ret;
}

void audit_users_free(audit_users_t *t)
{
	for (size_t i = 0; i < t->n_pw; i++) {
		free(t->pw[i]->gids);
		free(t->pw[i]);
	}
	for (size_t i = 0; i < t->n_gr; i++)
		free(t->gr[i].mem);
	free(t->pw);
	free(t->gr);
	free(t->pw_by_name);
	free(t->pw_by_uid);
	free(t->gr_by_name);
	free(t->gr_by_gid);
	jail_strv_clear(&t->strings);
	*t = (audit_users_t){0};
}

/* ---- lookups ---- */

int audit_users_pw(audit_users_t *t, const char *name, const audit_pw_t **out, jail_error_t *err)
{
	ssize_t i = find_pw(t, name);
	struct passwd *pw;

	*out = NULL;
	if (i >= 0) {
		*out = t->pw[i];
		return 0;
	}
	/* Not enumerated: ask NSS by name (and keep the answer). */
	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL)
		return 0;
	if (2 * (t->n_pw + 1) + 2 > t->cap_pwi) {
		/* Index full: rebuild it twice as large. */
		size_t *nn = NULL, *nu = NULL, cap = 0;
		if (index_init(&nn, &cap, 2 * t->n_pw + 2, err) < 0 ||
		    index_init(&nu, &cap, 2 * t->n_pw + 2, err) < 0) {
			free(nn);
			return -1;
		}
		free(t->pw_by_name);
		free(t->pw_by_uid);
		t->pw_by_name = nn;
		t->pw_by_uid = nu;
		t->cap_pwi = cap;
		for (size_t k = 0; k < t->n_pw; k++)
			index_pw(t, k);
	}
	if (push_pw(t, pw, err) < 0)
		return -1;
	index_pw(t, t->n_pw - 1);
	*out = t->pw[t->n_pw - 1];
	return 0;
}

const audit_pw_t *audit_users_pwuid(const audit_users_t *t, uid_t uid)
{
	size_t mask = t->cap_pwi - 1;

	for (size_t s = hash_id(uid) & mask; t->pw_by_uid[s]; s = (s + 1) & mask)
		if (t->pw[t->pw_by_uid[s] - 1]->uid == uid)
			return t->pw[t->pw_by_uid[s] - 1];
	return NULL;
}

const audit_gr_t *audit_users_gr(const audit_users_t *t, const char *name)
{
	ssize_t i = find_gr(t, name);
	return i >= 0 ? &t->gr[i] : NULL;
}

const audit_gr_t *audit_users_grgid(const audit_users_t *t, gid_t gid)
{
	ssize_t i = find_gid(t, gid);
	return i >= 0 ? &t->gr[i] : NULL;
}

/* getgrouplist() of PW, the slow path. */
static int nss_grouplist(const audit_pw_t *pw, gid_t **out, int *n_out, jail_error_t *err)
{
	int n = 64;
	gid_t *gids = NULL;

	for (;;) {
		int got = n;
		gid_t *ng = realloc(gids, (size_t)n * sizeof(*ng));
		if (ng == NULL) {
			free(gids);
			return jail_error_set(err, ENOMEM, "audit");
		}
		gids = ng;
		if (getgrouplist(pw->name, pw->gid, gids, &got) >= 0) {
			n = got;
			break;
		}
		n = got > n ? got : n * 2;
		if (n > 65536) {
			free(gids);
			return jail_error_fmt(err, E2BIG, "user %s: too many groups", pw->name);
		}
	}
	*out = gids;
	*n_out = n;
	return 0;
}

void audit_users_group_name(const audit_users_t *t, gid_t gid, const char **name)
{
	const audit_gr_t *g = audit_users_grgid(t, gid);
	struct group *gr;

	if (g) {
		*name = g->name;
		return;
	}
	gr = getgrgid(gid);
	*name = gr ? gr->gr_name : NULL;
}

/* Name of GID as getgrgid() gives it, into OUT unless there already. */
static int add_gid_name(const audit_users_t *t, gid_t gid, jail_strv_t *out, jail_error_t *err)
{
	const char *name;

	audit_users_group_name(t, gid, &name);
	if (name && jail_strv_add_unique(out, name, err) < 0)
		return -1;
	return 0;
}

int audit_users_groups(const audit_users_t *t, const audit_pw_t *pw, jail_strv_t *out,
		       jail_error_t *err)
{
	cleanup_free gid_t *gids = NULL;
	int n = 0;

	if (pw->groups_known) {
		if (add_gid_name(t, pw->gid, out, err) < 0)
			return -1;
		for (size_t i = 0; i < pw->n_gids; i++)
			if (add_gid_name(t, pw->gids[i], out, err) < 0)
				return -1;
		return 0;
	}
	if (nss_grouplist(pw, &gids, &n, err) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (add_gid_name(t, gids[i], out, err) < 0)
			return -1;
	return 0;
}

/* ---- a string index, for "add unless there" over thousands of names ---- */

static int nameidx_grow(audit_nameidx_t *x, jail_error_t *err)
{
	size_t cap = x->cap ? x->cap * 2 : 64;
	const char **keys = calloc(cap, sizeof(*keys));
	size_t *vals = calloc(cap, sizeof(*vals));

	if (keys == NULL || vals == NULL) {
		free(keys);
		free(vals);
		return jail_error_set(err, ENOMEM, "audit");
	}
	for (size_t i = 0; i < x->cap; i++) {
		size_t s;
		if (x->keys[i] == NULL)
			continue;
		for (s = hash_str(x->keys[i]) & (cap - 1); keys[s]; s = (s + 1) & (cap - 1))
			;
		keys[s] = x->keys[i];
		vals[s] = x->vals[i];
	}
	free(x->keys);
	free(x->vals);
	x->keys = keys;
	x->vals = vals;
	x->cap = cap;
	return 0;
}

bool audit_nameidx_get(const audit_nameidx_t *x, const char *key, size_t *val)
{
	if (x->cap == 0)
		return false;
	for (size_t s = hash_str(key) & (x->cap - 1); x->keys[s]; s = (s + 1) & (x->cap - 1)) {
		if (strcmp(x->keys[s], key) == 0) {
			if (val)
				*val = x->vals[s];
			return true;
		}
	}
	return false;
}

int audit_nameidx_put(audit_nameidx_t *x, const char *key, size_t val, jail_error_t *err)
{
	size_t s;

	if (audit_nameidx_get(x, key, NULL))
		return 0;
	if (2 * (x->n + 1) > x->cap && nameidx_grow(x, err) < 0)
		return -1;
	for (s = hash_str(key) & (x->cap - 1); x->keys[s]; s = (s + 1) & (x->cap - 1))
		;
	x->keys[s] = key;
	x->vals[s] = val;
	x->n++;
	return 1;
}

void audit_nameidx_free(audit_nameidx_t *x)
{
	free(x->keys);
	free(x->vals);
	*x = (audit_nameidx_t){0};
}

int audit_strv_add_unique(jail_strv_t *sv, audit_nameidx_t *x, const char *s, jail_error_t *err)
{
	if (audit_nameidx_get(x, s, NULL))
		return 0;
	if (jail_strv_push(sv, s, err) < 0)
		return -1;
	/* The strings of a jail_strv_t stay put when its array grows. */
	return audit_nameidx_put(x, sv->v[sv->n - 1], sv->n - 1, err) < 0 ? -1 : 1;
}
