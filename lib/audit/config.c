/* The audit of the configuration: jail.ini, users.d and profiles, and
 * the list of jailed users per jail. */
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
 * Configuration */

static int audit_config_entry(audit_t *a, int dfd, const char *name, const char *path, bool *is_dir)
{
	struct stat st;

	*is_dir = false;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return audit_report(a, JAIL_SEV_CRITICAL, path, "", "cannot stat: %s",
				    strerror(errno));
	}
	if (S_ISLNK(st.st_mode)) {
		cleanup_free char *fix =
		    jail_strdup_printf("replace %s with a root-owned regular file", path);
		return audit_report(a, JAIL_SEV_CRITICAL, path, fix,
				    "is a symlink: configuration files are never followed through "
				    "symlinks (pam_jail refuses it)");
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		cleanup_free char *fix = jail_strdup_printf("rm %s", path);
		return audit_report(a, JAIL_SEV_CRITICAL, path, fix,
				    "is neither a regular file nor a directory");
	}
	*is_dir = S_ISDIR(st.st_mode);
	return audit_check_trust(a, path, &st,
				 "whoever can write it can jail or unjail users and change their "
				 "confinement");
}

static int audit_config_dir(audit_t *a, int dfd, const char *dirpath, int depth)
{
	jail_strv_t names = {0};
	jail_error_t lerr = {0};
	int ret = 0;

	if (audit_list_dir(dfd, &names, &lerr) < 0) {
		jail_strv_clear(&names);
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_set(a->err, ENOMEM, "audit");
		return audit_report(a, JAIL_SEV_CRITICAL, dirpath, "", "cannot read: %s", lerr.msg);
	}
	for (size_t i = 0; i < names.n && ret == 0; i++) {
		cleanup_free char *p = jail_strdup_printf("%s/%s", dirpath, names.v[i]);
		cleanup_close int cfd = -1;
		bool is_dir;

		if (p == NULL) {
			ret = jail_error_set(a->err, ENOMEM, "audit");
			break;
		}
		ret = audit_config_entry(a, dfd, names.v[i], p, &is_dir);
		if (ret < 0 || !is_dir || depth > 0)
			continue;
		/* users.d/, profiles/ and whatever else sits there: one level. */
		cfd = openat(dfd, names.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			ret = audit_report(a, JAIL_SEV_CRITICAL, p, "", "cannot open: %s",
					   strerror(errno));
		else
			ret = audit_config_dir(a, cfd, p, depth + 1);
	}
	jail_strv_clear(&names);
	return ret;
}

int jail_audit_config(const char *dir, jail_findings_t *out, jail_config_t **cfg, jail_error_t *err)
{
	jail_error_t lerr = {0};
	cleanup_free char *norm = jail_path_normalize(dir, &lerr);
	cleanup_close int fd = -1;
	audit_t a = {.out = out, .err = err, .rootfd = -1};

	*cfg = NULL;
	if (norm == NULL)
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, dir, "use an absolute path",
					 err, "not a valid configuration directory: %s", lerr.msg);
	if (audit_chain(&a, norm,
			"whoever can write it can jail or unjail users and change their "
			"confinement",
			"create it with make install, or pass --config DIR", &fd) < 0)
		return -1;
	if (fd >= 0 && audit_config_dir(&a, fd, norm, 0) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (jail_config_load(norm, cfg, &lerr) < 0) {
		*cfg = NULL;
		return audit_report(
		    &a, JAIL_SEV_CRITICAL, norm, "correct the configuration (see jail.ini(5))",
		    "the configuration does not load (pam_jail refuses every jailed "
		    "login): %s",
		    lerr.msg);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Jailed users */

/* The candidates, without duplicates, and their index (thousands of users:
 * a linear search per name would be quadratic). */
typedef struct cands {
	jail_strv_t v;
	audit_nameidx_t idx;
} cands_t;

static int add_candidate(cands_t *cands, const char *name, jail_error_t *err)
{
	return audit_strv_add_unique(&cands->v, &cands->idx, name, err) < 0 ? -1 : 0;
}

static int jail_index(jail_strv_t *jails, const char *jail, jail_error_t *err, size_t *idx)
{
	jail_error_t lerr = {0};
	cleanup_free char *norm = jail_path_normalize(jail, &lerr);
	const char *key = norm ? norm : jail;

	for (size_t i = 0; i < jails->n; i++) {
		if (strcmp(jails->v[i], key) == 0) {
			*idx = i;
			return 0;
		}
	}
	if (jail_strv_push(jails, key, err) < 0)
		return -1;
	*idx = jails->n - 1;
	return 0;
}

void jail_audit_users_free(jail_strv_t *users_by_jail, size_t n)
{
	if (users_by_jail == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		jail_strv_clear(&users_by_jail[i]);
	free(users_by_jail);
}

/* Members of group section G's group by primary gid (not in gr_mem): the
 * enumerated users in getpwent() order. */
static int add_primary_members(audit_users_t *t, gid_t gid, cands_t *cands, jail_error_t *err)
{
	for (size_t k = 0; k < t->n_pw_enum; k++)
		if (t->pw[k]->gid == gid && add_candidate(cands, t->pw[k]->name, err) < 0)
			return -1;
	return 0;
}

int audit_jailed_users(const jail_config_t *cfg, audit_users_t *t, jail_strv_t *jails,
		       jail_strv_t **users_by_jail, jail_findings_t *out, jail_error_t *err)
{
	cands_t cands = {0};
	jail_strv_t *ubj = NULL;
	audit_nameidx_t *ubj_idx = NULL;
	audit_nameidx_t user_idx = {0}; /* [user:] sections by name, first wins */
	size_t idx, k, n_ubj = 0;
	int ret = -1;

	*users_by_jail = NULL;
	if (cfg->default_jail && jail_index(jails, cfg->default_jail, err, &idx) < 0)
		goto out;
	for (size_t i = 0; i < cfg->n_users; i++) {
		const jail_assign_t *u = &cfg->users[i];
		if (u->jail && jail_index(jails, u->jail, err, &idx) < 0)
			goto out;
		const audit_pw_t *pw;

		if (audit_users_pw(t, u->name, &pw, err) < 0)
			goto out;
		if (pw == NULL) {
			if (jail_findings_add(
				out, JAIL_SEV_WARNING, NULL, u->file ? u->file : cfg->dir,
				"remove the section, or create the user", err,
				"user %s is jailed but does not exist on the host", u->name) < 0)
				goto out;
			continue;
		}
		if (add_candidate(&cands, u->name, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < cfg->n_groups; i++) {
		const jail_assign_t *g = &cfg->groups[i];
		const audit_gr_t *tg = audit_users_gr(t, g->name);
		struct group *gr = NULL;

		if (g->jail && jail_index(jails, g->jail, err, &idx) < 0)
			goto out;
		if (tg) {
			for (const char **m = tg->mem; *m; m++)
				if (add_candidate(&cands, *m, err) < 0)
					goto out;
			if (add_primary_members(t, tg->gid, &cands, err) < 0)
				goto out;
			continue;
		}
		/* Not enumerated: ask NSS by name, as before the table. */
		gr = getgrnam(g->name);
		if (gr == NULL) {
			if (jail_findings_add(
				out, JAIL_SEV_WARNING, NULL, g->file ? g->file : cfg->dir,
				"remove the section, or create the group", err,
				"group %s is jailed but does not exist on the host", g->name) < 0)
				goto out;
			continue;
		}
		{
			gid_t gid = gr->gr_gid;
			for (char **m = gr->gr_mem; m && *m; m++)
				if (add_candidate(&cands, *m, err) < 0)
					goto out;
			/* Members by primary group are not listed in gr_mem. */
			if (add_primary_members(t, gid, &cands, err) < 0)
				goto out;
		}
	}
	for (size_t i = 0; i < cfg->n_users; i++)
		if (audit_nameidx_put(&user_idx, cfg->users[i].name, i, err) < 0)
			goto out;
	/* Every assignment's jail is in JAILS already; the slack is for safety. */
	n_ubj = jails->n + cands.v.n + 1;
	ubj = calloc(n_ubj, sizeof(*ubj));
	ubj_idx = calloc(n_ubj, sizeof(*ubj_idx));
	if (ubj == NULL || ubj_idx == NULL) {
		jail_error_set(err, ENOMEM, "audit");
		goto out;
	}
	for (size_t i = 0; i < cands.v.n; i++) {
		const audit_pw_t *pw;
		jail_strv_t groups = {0};
		const jail_assign_t *as = NULL;
		const char *j;
		int r;

		if (audit_users_pw(t, cands.v.v[i], &pw, err) < 0)
			goto out;
		if (pw == NULL)
			continue;
		if (audit_users_groups(t, pw, &groups, err) < 0) {
			jail_strv_clear(&groups);
			goto out;
		}
		/* jail_config_lookup() looks for a [user:] section first, with a
		 * scan of all of them: the index gives the same first match. */
		if (audit_nameidx_get(&user_idx, cands.v.v[i], &k)) {
			as = &cfg->users[k];
			r = 1;
		} else {
			r = jail_config_lookup(cfg, cands.v.v[i], &groups, &as);
		}
		jail_strv_clear(&groups);
		if (r <= 0 || as == NULL)
			continue;
		j = as->jail ? as->jail : cfg->default_jail;
		if (j == NULL) {
			if (jail_findings_add(
				out, JAIL_SEV_CRITICAL, NULL, as->file ? as->file : cfg->dir,
				"set jail = PATH in the section or in [jail]", err,
				"user %s is jailed but no jail is configured for them",
				cands.v.v[i]) < 0)
				goto out;
			continue;
		}
		if (jail_index(jails, j, err, &idx) < 0)
			goto out;
		if (audit_strv_add_unique(&ubj[idx], &ubj_idx[idx], cands.v.v[i], err) < 0)
			goto out;
	}
	*users_by_jail = steal_pointer(&ubj);
	ret = 0;
out:
	if (ubj)
		jail_audit_users_free(ubj, n_ubj);
	for (size_t i = 0; ubj_idx && i < n_ubj; i++)
		audit_nameidx_free(&ubj_idx[i]);
	free(ubj_idx);
	jail_strv_clear(&cands.v);
	audit_nameidx_free(&cands.idx);
	audit_nameidx_free(&user_idx);
	return ret;
}

int jail_audit_jailed_users(const jail_config_t *cfg, jail_strv_t *jails,
			    jail_strv_t **users_by_jail, jail_findings_t *out, jail_error_t *err)
{
	audit_users_t t;
	int r;

	*users_by_jail = NULL;
	if (audit_users_load(&t, err) < 0)
		return -1;
	r = audit_jailed_users(cfg, &t, jails, users_by_jail, out, err);
	audit_users_free(&t);
	return r;
}
