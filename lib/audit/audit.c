/* jailctl check: the audit.  See audit.h for the contract; the short of it:
 * read only, fds only inside a jail, never follow a symlink there, never
 * open a FIFO or a device, collect findings and never print.
 *
 * This file drives the audit (one jail, everything); the parts are split by
 * what they audit: tree.c (the jail tree and its manifest), etc.c (the
 * jail's /etc and jailsh), config.c (jail.ini, users.d, profiles),
 * services.c (services.d), running.c (the running services), pam.c
 * (the PAM stacks), sshd.c (sshd's forwarding lockdown), with findings.c
 * holding the findings list and the helpers they share
 * (audit-internal.h). */
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

/* Safety net: the very checks pam_jail runs before a session.  Whatever
 * they refuse must be a finding; when the audit above already found
 * something critical in this jail, that finding explains the refusal and
 * this one would only repeat it. */
static int audit_session_checks(audit_t *a, const char *jailsh, size_t first)
{
	jail_error_t lerr = {0};

	for (size_t i = first; i < a->out->n; i++)
		if (a->out->v[i].severity == JAIL_SEV_CRITICAL)
			return 0;
	if (jail_session_check_jail(a->rootfd, a->jail, jailsh, &lerr) == 0)
		return 0;
	return audit_report(a, JAIL_SEV_CRITICAL, a->jail, "correct what the message names",
			    "pam_jail would refuse sessions: %s", lerr.msg);
}

int audit_jail(audit_users_t *t, const char *jail, const jail_strv_t *users, const char *jailsh,
	       jail_findings_t *out, jail_error_t *err)
{
	jail_error_t lerr = {0};
	cleanup_free char *norm = jail_path_normalize(jail, &lerr);
	cleanup_close int rootfd = -1;
	cleanup_free char *fix = NULL;
	host_users_t hu = {0};
	jail_strv_t homes = {0};
	audit_nameidx_t homes_idx = {0};
	audit_t a = {.out = out, .err = err, .rootfd = -1};
	struct stat st;
	size_t first = 0;
	int ret = -1;

	if (norm == NULL)
		return jail_findings_add(out, JAIL_SEV_CRITICAL, jail, jail, "use an absolute path",
					 err, "not a valid jail path: %s", lerr.msg);
	a.jail = norm;
	if (strcmp(norm, "/") == 0)
		return audit_report(&a, JAIL_SEV_CRITICAL, norm, "configure a real jail directory",
				    "the host root cannot be a jail");
	fix = jail_strdup_printf("jailctl init %s SECTION...", norm);
	if (fix == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	if (audit_chain(&a, norm,
			"its owner or group can replace the jail (pam_jail and sshd refuse it)",
			fix, &rootfd) < 0)
		return -1;
	if (rootfd < 0)
		return 0; /* unreachable: reported, nothing more to audit */
	if (audit_parent_traverse(&a, norm) < 0)
		return -1;
	if (fstat(rootfd, &st) < 0)
		return audit_report(&a, JAIL_SEV_CRITICAL, norm, "", "cannot stat: %s",
				    strerror(errno));
	a.rootfd = rootfd;
	a.dev = st.st_dev;
	first = out->n;
	if (audit_host_users_load(t, users, &hu, &homes, err) < 0)
		goto out;
	a.homes = &homes;
	for (size_t i = 0; i < homes.n; i++)
		if (audit_nameidx_put(&homes_idx, homes.v[i], i, err) < 0)
			goto out;
	a.homes_idx = &homes_idx;
	if (audit_tree(&a) < 0)
		goto out;
	if (audit_etc(&a, &hu, jailsh) < 0)
		goto out;
	if (hu.n && jailsh && audit_session_checks(&a, jailsh, first) < 0)
		goto out;
	ret = 0;
out:
	audit_tree_free(&a);
	audit_host_users_clear(&hu);
	audit_nameidx_free(&homes_idx);
	jail_strv_clear(&homes);
	return ret;
}

int jail_audit_jail(const char *jail, const jail_strv_t *users, const char *jailsh,
		    jail_findings_t *out, jail_error_t *err)
{
	audit_users_t t;
	int r;

	if (audit_users_load(&t, err) < 0)
		return -1;
	r = audit_jail(&t, jail, users, jailsh, out, err);
	audit_users_free(&t);
	return r;
}

/* ------------------------------------------------------------------------
 * Everything */

int jail_audit_run(const jail_audit_opts_t *opts, jail_findings_t *out, jail_error_t *err)
{
	const char *dir = opts->config_dir ? opts->config_dir : JAIL_DEFAULT_CONFIG_DIR;
	jail_config_t *cfg = NULL;
	jail_strv_t cfg_jails = {0};
	jail_strv_t *ubj = NULL;
	jail_strv_t selected = {0};
	bool explicit_jails = opts->jails && opts->jails->n > 0;
	audit_users_t t = {0};
	int ret = -1;

	if (jail_audit_config(dir, out, &cfg, err) < 0)
		goto out;
	if (jail_audit_services(dir, out, err) < 0)
		goto out;
	if (cfg && jail_audit_running(dir, cfg->registry_dir, out, err) < 0)
		goto out;
	/* The host's passwd and group, read once for every per-user question
	 * below (a lookup per user would scan them per user). */
	if (audit_users_load(&t, err) < 0)
		goto out;
	if (cfg && audit_jailed_users(cfg, &t, &cfg_jails, &ubj, out, err) < 0)
		goto out;

	if (explicit_jails) {
		for (size_t i = 0; i < opts->jails->n; i++) {
			jail_error_t lerr = {0};
			cleanup_free char *norm = jail_path_normalize(opts->jails->v[i], &lerr);
			if (jail_strv_add_unique(&selected, norm ? norm : opts->jails->v[i], err) <
			    0)
				goto out;
		}
	} else {
		for (size_t i = 0; i < cfg_jails.n; i++)
			if (jail_strv_push(&selected, cfg_jails.v[i], err) < 0)
				goto out;
	}

	for (size_t i = 0; i < selected.n; i++) {
		const jail_strv_t *users = NULL;
		for (size_t k = 0; k < cfg_jails.n; k++)
			if (strcmp(cfg_jails.v[k], selected.v[i]) == 0)
				users = &ubj[k];
		if (audit_jail(&t, selected.v[i], users, cfg ? cfg->jailsh_path : NULL, out, err) <
		    0)
			goto out;
		/* sshd, su and runuser run the HOST login shell inside the jail: it
		 * must be jailsh, and pam_jail refuses the login otherwise. */
		for (size_t u = 0; users && cfg && cfg->jailsh_path && u < users->n; u++) {
			const audit_pw_t *pw;
			cleanup_free char *fix = NULL;
			if (audit_users_pw(&t, users->v[u], &pw, err) < 0)
				goto out;
			if (pw == NULL || strcmp(pw->shell, cfg->jailsh_path) == 0)
				continue;
			fix = jail_strdup_printf(
			    "usermod -s %s %s, or loginShell %s in the directory", cfg->jailsh_path,
			    users->v[u], cfg->jailsh_path);
			if (fix == NULL) {
				jail_error_set(err, ENOMEM, "audit");
				goto out;
			}
			if (jail_findings_add(out, JAIL_SEV_CRITICAL, selected.v[i], "/etc/passwd",
					      fix, err,
					      "the host login shell of jailed user %s is %s, not "
					      "jailsh (%s): pam_jail refuses the login",
					      users->v[u], pw->shell, cfg->jailsh_path) < 0)
				goto out;
		}
	}

	if (opts->pam_always || (cfg && cfg->n_users + cfg->n_groups > 0)) {
		if (jail_audit_pam_dir(opts->pam_dir, opts->pam_service, out, err) < 0)
			goto out;
	}
	/* Every jailed user (users.d, [user:], [group:] members): does sshd's
	 * forwarding lockdown apply to them? */
	if (cfg && ubj) {
		jail_strv_t all = {0};
		audit_nameidx_t all_idx = {0};
		int r = 0;

		for (size_t k = 0; k < cfg_jails.n && r == 0; k++)
			for (size_t u = 0; u < ubj[k].n && r == 0; u++)
				r = audit_strv_add_unique(&all, &all_idx, ubj[k].v[u], err) < 0 ? -1
												: 0;
		audit_nameidx_free(&all_idx);
		if (r == 0)
			r = audit_sshd(&t, opts->sshd_config, cfg->ssh_group, &all, out, err);
		jail_strv_clear(&all);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	audit_users_free(&t);
	if (ubj)
		jail_audit_users_free(ubj, cfg_jails.n);
	jail_strv_clear(&cfg_jails);
	jail_strv_clear(&selected);
	if (cfg)
		jail_config_free(cfg);
	return ret;
}
