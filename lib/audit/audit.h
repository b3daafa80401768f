/* Audit of jails and of the configuration that confines users in them
 * (`jailctl check`).
 *
 * The audit only reads.  It collects findings, each naming the path at fault,
 * the problem and the fix, and never prints: the caller decides how to show
 * them.  Problems of the audited system (a writable directory, a missing
 * file, an unreadable config) are findings, not errors; the functions below
 * return -1 only when the audit itself cannot go on (out of memory).
 *
 * Safety contract: the jail tree is hostile (jailed users own their homes
 * and /tmp in it).  Everything inside a jail is reached from an fd of the
 * jail root with openat(O_NOFOLLOW) / fstatat(AT_SYMLINK_NOFOLLOW): a symlink
 * is never followed, the walk never leaves the jail's file system (mount
 * points are not entered), FIFOs and device nodes are never opened, and a
 * regular file is opened only after fstatat said it is one (and the opened fd
 * is checked again).  Host paths (the jail's parents, /etc/pam.d, the host
 * files a manifest names) are trusted as root's own. */
#ifndef JAIL_AUDIT_H
#define JAIL_AUDIT_H

#include "config/config.h"
#include "base/error.h"
#include "base/text.h"
#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	/* Confinement can be broken, or pam_jail will refuse the session. */
	JAIL_SEV_CRITICAL = 0,
	/* Drift or breakage that does not weaken confinement (a file that
	 * differs from the host, a missing shell). */
	JAIL_SEV_WARNING,
} jail_severity_t;

typedef struct jail_finding {
	jail_severity_t severity;
	char *jail;    /* jail root the finding belongs to; NULL for config/PAM/host */
	char *path;    /* host path at fault */
	char *problem; /* what is wrong, one line */
	char *fix;     /* what to do about it, one line */
} jail_finding_t;

typedef struct jail_findings {
	jail_finding_t *v;
	size_t n;
	size_t cap;
} jail_findings_t;

/* Append a finding (strings are copied; JAIL may be NULL).  -1 only on ENOMEM. */
int jail_findings_add(jail_findings_t *f, jail_severity_t sev, const char *jail, const char *path,
		      const char *fix, jail_error_t *err, const char *problem_fmt, ...)
    JAIL_PRINTF(7, 8);
void jail_findings_clear(jail_findings_t *f);
const char *jail_severity_name(jail_severity_t sev);

typedef struct jail_audit_opts {
	const char *config_dir;	 /* NULL: JAIL_DEFAULT_CONFIG_DIR */
	const char *pam_dir;	 /* NULL: /etc/pam.d */
	const char *pam_service; /* NULL: "sshd" */
	const char *sshd_config; /* NULL: sshd's own default (-f not passed) */
	/* Check the PAM stack even when no user is jailed (set when the caller
	 * named --pam-dir explicitly). */
	bool pam_always;
	/* Jails to audit (absolute paths).  Empty: every jail the config names
	 * (the default jail and every [user:]/[group:]/users.d assignment's). */
	const jail_strv_t *jails;
} jail_audit_opts_t;

/* The whole audit: config files and jail_config_load, services.d, every
 * the running services, every selected jail,
 * the jailed users' host and in-jail entries, the PAM session stack.
 * Findings are appended to OUT in a stable order. */
int jail_audit_run(const jail_audit_opts_t *opts, jail_findings_t *out, jail_error_t *err);

/* Config directory: the directory and its parents root-owned and not
 * group/world-writable, every file in it (jail.ini, users.d/ and
 * profiles/ entries) a root-owned regular file not writable by others and not a
 * symlink; then jail_config_load, whose error becomes a finding.  *cfg
 * receives the loaded config, or NULL when it could not be loaded. */
int jail_audit_config(const char *dir, jail_findings_t *out, jail_config_t **cfg,
		      jail_error_t *err);

/* services.d (jail-service(5)): every file must load (critical
 * otherwise); the jail it names must pass the trusted chain, its user
 * (unless dynamic) exist on the host, its profile load and not restrict
 * commands (a login profile) (critical); a profile with cgroup = off or
 * seccomp = off is a warning, and so is a file that is not NAME.ini.  An
 * unusable DIR is left to jail_audit_config. */
int jail_audit_services(const char *dir, jail_findings_t *out, jail_error_t *err);

/* The running services (lib/audit/running.c): every live record of the
 * registry REGISTRY_DIR (NULL: JAIL_REGISTRY_DIR) that names a service,
 * its processes' CapBnd, NoNewPrivs, Seccomp and AppArmor label against
 * its profile (loaded from DIR), its namespaces against the caller's (the
 * host's), its mounts ("/" read-only, nothing else writable but its own
 * directories); critical findings.  A stale record, a service whose file
 * or profile is gone, a missing registry: warnings. */
int jail_audit_running(const char *dir, const char *registry_dir, jail_findings_t *out,
		       jail_error_t *err);

/* One jail: the ownership chain from / to JAIL, the system directories,
 * the walk of the tree, the manifest comparison with the host and, for
 * USERS (host user names jailed in this jail, may be NULL), their passwd and
 * group entries in the jail.  JAILSH (may be NULL) is the in-jail path of
 * jailsh, checked when USERS is not empty. */
int jail_audit_jail(const char *jail, const jail_strv_t *users, const char *jailsh,
		    jail_findings_t *out, jail_error_t *err);

/* The users jailed by CFG, grouped by jail: on return JAILS holds every jail
 * the config names (default jail first, then assignments in order, each
 * once) and USERS_BY_JAIL[i] the host users (names) whose assignment points
 * at JAILS->v[i].  Users named in [user:] sections that do not exist on the
 * host are reported as findings.  *USERS_BY_JAIL is a malloc'd array of
 * JAILS->n vectors; free with jail_audit_users_free(). */
int jail_audit_jailed_users(const jail_config_t *cfg, jail_strv_t *jails,
			    jail_strv_t **users_by_jail, jail_findings_t *out, jail_error_t *err);
void jail_audit_users_free(jail_strv_t *users_by_jail, size_t n);

/* ---- PAM ---- */

typedef struct jail_pam_entry {
	char *module;  /* as written (path or name) */
	char *control; /* "required", "[success=1 default=ignore]", ... */
	char *file;    /* pam.d file and line it came from */
	unsigned line;
	bool dash; /* "-session": silently skipped when the module is missing */
} jail_pam_entry_t;

typedef struct jail_pam_stack {
	jail_pam_entry_t *v;
	size_t n;
	size_t cap;
} jail_pam_stack_t;

/* Compute the ordered session stack of SERVICE in PAM_DIR, following
 * "@include FILE" and "session include|substack FILE" (files inside PAM_DIR
 * only, at most 16 levels deep).  Problems of the files (missing include, a
 * malformed line, an include outside PAM_DIR, a cycle) are appended to
 * PROBLEMS as findings.  Returns -1 only on ENOMEM. */
int jail_pam_session_stack(const char *pam_dir, const char *service, jail_pam_stack_t *stack,
			   jail_findings_t *problems, jail_error_t *err);
void jail_pam_stack_clear(jail_pam_stack_t *stack);

/* The PAM audit: pam_jail.so present in SERVICE's session stack, once,
 * LAST, with control required/requisite, not "-session", and no module
 * before it able to end the stack early (sufficient, done, a jump over
 * it). */
int jail_audit_pam(const char *pam_dir, const char *service, jail_findings_t *out,
		   jail_error_t *err);

/* The same for every service of PAM_DIR that reaches pam_jail.so (directly
 * or through @include, include, substack), and more: pam_jail.so in it
 * once.  REQUIRED (NULL: "sshd") must reach it; a service that never
 * reaches pam_jail.so is not a finding, unless part of its stack could not
 * be followed (include cycle, nesting deeper than the limit, an include
 * outside PAM_DIR).  Hidden files and package-manager or editor copies
 * (NAME.dpkg-old, NAME~, ...) are not services. */
int jail_audit_pam_dir(const char *pam_dir, const char *required, jail_findings_t *out,
		       jail_error_t *err);

/* ---- sshd ---- */

/* Ask sshd itself (sshd -T -C user=U,host=localhost,addr=127.0.0.1, with
 * -f SSHD_CONFIG when not NULL) whether ssh forwarding is off for each of
 * USERS: TCP, stream-local, agent and X11 forwarding (or DisableForwarding
 * yes) and tunnels.  A user left open and outside GROUP (the [jail]
 * ssh_group the shipped sshd_config block matches) is a finding of its own;
 * users in GROUP left open mean the block is missing or overridden: one
 * finding naming them.  sshd missing, or sshd -T failing, is a warning.
 * Runs sshd -T once per class of users that sshd's Match Group lines
 * cannot tell apart (once per user where a Match line names users), in a
 * pool of parallel processes. */
int jail_audit_sshd(const char *sshd_config, const char *group, const jail_strv_t *users,
		    jail_findings_t *out, jail_error_t *err);

/* ---- /etc/passwd, /etc/group, /etc/shadow of a jail ---- */

/* A jailed user as the host knows it (the reference the jail must match). */
typedef struct jail_host_user {
	const char *name;
	uid_t uid;
	gid_t gid;
	const char *home;
	const char *group; /* name of the primary group, NULL if the host has none */
} jail_host_user_t;

/* Check the jail's passwd text PASSWD (PATH names it in findings): every
 * user of USERS has a line with the host's name, uid, gid and home (the
 * shell may differ: it is the real shell, the host one is jailsh); no line
 * holds a password hash or an empty password; no user but root has uid 0;
 * every line has 7 fields. */
int jail_audit_passwd_text(const char *jail, const char *path, const char *passwd,
			   const jail_host_user_t *users, size_t n_users, jail_findings_t *out,
			   jail_error_t *err);
/* Check that the jail's group text GROUP holds the primary group (name and
 * gid) of every user of USERS. */
int jail_audit_group_text(const char *jail, const char *path, const char *group,
			  const jail_host_user_t *users, size_t n_users, jail_findings_t *out,
			  jail_error_t *err);
/* A shadow-like file (shadow, gshadow) inside a jail must hold no hash. */
int jail_audit_shadow_text(const char *jail, const char *path, const char *text,
			   jail_findings_t *out, jail_error_t *err);
/* True when a passwd/shadow password field holds no usable password: "x",
 * "*", or only '!' and '*' characters ("!", "!!", "!*"). */
bool jail_passwd_field_is_locked(const char *field);

/* ---- output helpers: jail_json_string() and jail_text_escape() live in
 * base/text.h, included above. ---- */

#endif
