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

typedef struct audit {
	jail_findings_t *out;
	jail_error_t *err;
	const char *jail; /* normalized jail root, NULL outside a jail */
	int rootfd;
	dev_t dev;
	const jail_strv_t *homes; /* in-jail homes of jailed users, relative ("home/u") */
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
int audit_host_users_load(const jail_strv_t *users, host_users_t *h, jail_strv_t *homes,
			  jail_error_t *err);
int audit_etc(audit_t *a, const host_users_t *hu, const char *jailsh);

#endif
