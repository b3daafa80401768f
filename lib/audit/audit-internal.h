/* Shared between the parts of the audit (the .c files of lib/audit); not
 * installed, not part of the audit.h contract. */
#ifndef JAIL_AUDIT_INTERNAL_H
#define JAIL_AUDIT_INTERNAL_H

#include "audit/audit.h"
#include "base/safefs.h"
#include "tree/tree.h"

#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#define AUDIT_MAX_DEPTH	      256	  /* directory nesting audited below a jail root */
#define AUDIT_MAX_TEXT	      (16u << 20) /* passwd, group, shadow, manifest */
#define PAM_MAX_DEPTH	      16	  /* include nesting in pam.d */
#define PAM_MAX_FILE	      (1u << 20)
#define DEFAULT_PAM_DIR	      "/etc/pam.d"
#define DEFAULT_PAM_SERVICE   "sshd"
#define PAM_JAIL_MODULE	      "pam_jail.so"
#define FIX_PAM_JAIL_LINE     "session required pam_jail.so"
#define WHY_ROOT_RUNS_IN_JAIL "the sshd post-auth child and NSS run as root inside the jail"

struct audit_nameidx;

typedef struct audit {
	jail_findings_t *out;
	jail_error_t *err;
	const char *jail; /* normalized jail root, NULL outside a jail */
	int rootfd;
	dev_t dev;
	const jail_strv_t *homes; /* in-jail homes of jailed users, relative ("home/u") */
	const struct audit_nameidx *homes_idx; /* HOMES indexed (NULL: search HOMES) */
	/* hard links: entries in walk order, plus an open-addressed index */
	struct link_ent {
		dev_t dev;
		ino_t ino;
		nlink_t nlink;
		nlink_t seen;
		char *path;
	} * links;
	size_t n_links, cap_links;
	size_t *link_index;	   /* slot -> entry index + 1, 0 = empty */
	jail_manifest_t *manifest; /* NULL when the jail has none */
	size_t cap_index;
	bool proc_reported;
} audit_t;

typedef struct host_users {
	jail_host_user_t *v;
	size_t n;
	jail_strv_t strings; /* owns the names, homes and groups */
} host_users_t;

/* The host's users and groups, enumerated once through NSS (users.c). */
typedef struct audit_pw {
	const char *name, *dir, *shell;
	uid_t uid;
	gid_t gid;
	bool groups_known; /* GIDS hold the supplementary groups */
	gid_t *gids;	   /* getgrouplist() without the primary gid, in order */
	size_t n_gids, cap_gids;
	size_t last_group; /* while computing: last group index + 1 added */
} audit_pw_t;

typedef struct audit_gr {
	const char *name;
	gid_t gid;
	const char **mem; /* NULL-terminated, as gr_mem */
} audit_gr_t;

typedef struct audit_users {
	audit_pw_t **pw; /* enumeration order, then names asked of NSS later */
	size_t n_pw, cap_pw, n_pw_enum;
	audit_gr_t *gr; /* enumeration order */
	size_t n_gr, cap_gr;
	size_t *pw_by_name, *pw_by_uid, cap_pwi; /* slot -> index + 1 */
	size_t *gr_by_name, *gr_by_gid, cap_gri;
	jail_strv_t strings; /* owns every string */
} audit_users_t;

/* ---- users.c: the host's passwd and group, read once ---- */
/* Enumerate passwd and group (getpwent, getgrent) into T. */
int audit_users_load(audit_users_t *t, jail_error_t *err);
void audit_users_free(audit_users_t *t);
/* getpwnam(NAME) into *OUT (NULL: no such user): from the table, else
 * asked of NSS by name and added.  -1 only on ENOMEM. */
int audit_users_pw(audit_users_t *t, const char *name, const audit_pw_t **out, jail_error_t *err);
/* getpwuid(UID) among the users the table holds. */
const audit_pw_t *audit_users_pwuid(const audit_users_t *t, uid_t uid);
/* getgrnam(NAME) and getgrgid(GID) among the enumerated groups. */
const audit_gr_t *audit_users_gr(const audit_users_t *t, const char *name);
const audit_gr_t *audit_users_grgid(const audit_users_t *t, gid_t gid);
/* getgrgid(GID)'s name into *NAME (NULL: none): from the table, else
 * asked of NSS (valid until the next NSS call). */
void audit_users_group_name(const audit_users_t *t, gid_t gid, const char **name);
/* Names of PW's groups as getgrouplist() then getgrgid() give them (primary
 * first), added to OUT without duplicates. */
int audit_users_groups(const audit_users_t *t, const audit_pw_t *pw, jail_strv_t *out,
		       jail_error_t *err);

/* A string -> index map; keys are borrowed (they must outlive it). */
typedef struct audit_nameidx {
	const char **keys;
	size_t *vals;
	size_t cap, n;
} audit_nameidx_t;

bool audit_nameidx_get(const audit_nameidx_t *x, const char *key, size_t *val);
/* 1 added, 0 KEY was there (its value kept), -1 ENOMEM. */
int audit_nameidx_put(audit_nameidx_t *x, const char *key, size_t val, jail_error_t *err);
void audit_nameidx_free(audit_nameidx_t *x);
#define cleanup_nameidx __attribute__((cleanup(audit_nameidx_free)))
/* jail_strv_add_unique() in constant time: X indexes SV (SV only ever
 * grown through here). */
int audit_strv_add_unique(jail_strv_t *sv, audit_nameidx_t *x, const char *s, jail_error_t *err);

/* ---- findings.c: findings and shared helpers ---- */
void audit_finding_free(jail_finding_t *f);
/* Add a finding for A's jail; FIX NULL means a failed allocation (ENOMEM). */
int audit_report(audit_t *a, jail_severity_t sev, const char *path, const char *fix,
		 const char *fmt, ...) JAIL_PRINTF(5, 6);
/* JAIL + "/" + REL for messages ("" REL is the jail itself). */
char *audit_host_path(const audit_t *a, const char *rel);
/* "uid N (name)" into BUF. */
const char *audit_user_name(uid_t uid, char *buf, size_t len);
/* Read a regular file REL of the jail (no symlink followed) into *out.
 * Returns 1 when read, 0 when it does not exist, -1 on other errors. */
int audit_read_jail_file(int rootfd, const char *rel, char **out, jail_error_t *err);
/* Split LINE at ':' into at most MAX fields; returns the field count
 * (MAX + 1 when there are more). */
int audit_split_colon(char *line, char **f, int max);
/* Report ST at PATH when it is not root-owned or is group/world-writable
 * (jail_trust_stat(), the walker's rule), WHY says what that allows. */
int audit_check_trust(audit_t *a, const char *path, const struct stat *st, const char *why);
/* The finding for a NOT_ROOT or WRITABLE problem of the trusted walk. */
int audit_trust_finding(audit_t *a, const jail_walk_finding_t *f, const char *why);
/* The ownership chain of NORM from "/"; *fdp gets NORM's directory fd or
 * -1 when it could not be reached (reported). */
int audit_chain(audit_t *a, const char *norm, const char *why, const char *missing_fix, int *fdp);
/* Can jailed users traverse the parents of the jail root? */
int audit_parent_traverse(audit_t *a, const char *norm);

/* ---- config.c, audit.c, sshd.c: jail_audit_jailed_users(),
 * jail_audit_jail() and jail_audit_sshd() on a table loaded once ---- */
int audit_jailed_users(const jail_config_t *cfg, audit_users_t *t, jail_strv_t *jails,
		       jail_strv_t **users_by_jail, jail_findings_t *out, jail_error_t *err);
int audit_jail(audit_users_t *t, const char *jail, const jail_strv_t *users, const char *jailsh,
	       jail_findings_t *out, jail_error_t *err);
int audit_sshd(audit_users_t *t, const char *sshd_config, const char *group,
	       const jail_strv_t *users, jail_findings_t *out, jail_error_t *err);

/* ---- tree.c: the jail tree ---- */
bool audit_is_system_top(const char *name);
/* Sorted names in directory DFD (without "." and ".."). */
int audit_list_dir(int dfd, jail_strv_t *names, jail_error_t *err);
/* Walk the whole jail below a->rootfd, check hard links and the manifest. */
int audit_tree(audit_t *a);
void audit_tree_free(audit_t *a);

/* ---- etc.c: the jail's /etc and jailsh ---- */
void audit_host_users_clear(host_users_t *h);
/* Host entries of USERS (unknown names skipped); their in-jail homes into HOMES. */
int audit_host_users_load(audit_users_t *t, const jail_strv_t *users, host_users_t *h,
			  jail_strv_t *homes, jail_error_t *err);
int audit_etc(audit_t *a, const host_users_t *hu, const char *jailsh);

#endif
