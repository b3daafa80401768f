/* The audit's findings list and the helpers every part of it shares:
 * reporting, reading a file of a jail without following a symlink, and the
 * ownership chain of a trusted path. */
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
 * Findings */

const char *jail_severity_name(jail_severity_t sev)
{
	switch (sev) {
	case JAIL_SEV_CRITICAL:
		return "critical";
	case JAIL_SEV_WARNING:
		return "warning";
	}
	return "unknown";
}

void audit_finding_free(jail_finding_t *f)
{
	free(f->jail);
	free(f->path);
	free(f->problem);
	free(f->fix);
}

static int findings_addv(jail_findings_t *f, jail_severity_t sev, const char *jail,
			 const char *path, const char *fix, jail_error_t *err, const char *fmt,
			 va_list ap) JAIL_PRINTF(7, 0);

static int findings_addv(jail_findings_t *f, jail_severity_t sev, const char *jail,
			 const char *path, const char *fix, jail_error_t *err, const char *fmt,
			 va_list ap)
{
	jail_finding_t x = {.severity = sev};

	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 16;
		jail_finding_t *nv = realloc(f->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "audit findings");
		f->v = nv;
		f->cap = ncap;
	}
	if (vasprintf(&x.problem, fmt, ap) < 0)
		x.problem = NULL;
	x.jail = jail ? strdup(jail) : NULL;
	x.path = strdup(path ? path : "");
	x.fix = strdup(fix ? fix : "");
	if (x.problem == NULL || x.path == NULL || x.fix == NULL || (jail && x.jail == NULL)) {
		audit_finding_free(&x);
		return jail_error_set(err, ENOMEM, "audit findings");
	}
	f->v[f->n++] = x;
	return 0;
}

int jail_findings_add(jail_findings_t *f, jail_severity_t sev, const char *jail, const char *path,
		      const char *fix, jail_error_t *err, const char *problem_fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, problem_fmt);
	r = findings_addv(f, sev, jail, path, fix, err, problem_fmt, ap);
	va_end(ap);
	return r;
}

void jail_findings_clear(jail_findings_t *f)
{
	for (size_t i = 0; i < f->n; i++)
		audit_finding_free(&f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

/* ------------------------------------------------------------------------
 * Small helpers */

int audit_report(audit_t *a, jail_severity_t sev, const char *path, const char *fix,
		 const char *fmt, ...)
{
	va_list ap;
	int r;

	if (fix == NULL) /* a jail_strdup_printf() that failed */
		return jail_error_set(a->err, ENOMEM, "audit findings");
	va_start(ap, fmt);
	r = findings_addv(a->out, sev, a->jail, path, fix, a->err, fmt, ap);
	va_end(ap);
	return r;
}

/* JAIL + "/" + REL for messages ("" REL is the jail itself). */
char *audit_host_path(const audit_t *a, const char *rel)
{
	const char *j = a->jail;

	if (*rel == '\0')
		return strdup(j);
	if (strcmp(j, "/") == 0)
		j = "";
	return jail_strdup_printf("%s/%s", j, rel);
}

const char *audit_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "uid %u (%s)", (unsigned)uid, pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
	return buf;
}

/* Reopen an O_PATH fd of a regular file for reading (through /proc, which
 * reopens the same inode: no window for a swap). */
static int reopen_rdonly(int pathfd, jail_error_t *err)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return jail_error_set(err, errno, "reopen %s", proc);
	return fd;
}

/* Read a regular file REL of the jail (no symlink followed) into *out.
 * Returns 1 when read, 0 when it does not exist, -1 on other errors (err). */
int audit_read_jail_file(int rootfd, const char *rel, char **out, jail_error_t *err)
{
	cleanup_close int pfd = -1;
	cleanup_close int fd = -1;
	struct stat st;

	*out = NULL;
	pfd = jail_openat_beneath(rootfd, rel, O_PATH, 0, err);
	if (pfd < 0)
		return jail_error_is(err, ENOENT) ? 0 : -1;
	if (fstat(pfd, &st) < 0)
		return jail_error_set(err, errno, "stat %s", rel);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "%s is not a regular file", rel);
	fd = reopen_rdonly(pfd, err);
	if (fd < 0)
		return -1;
	if (jail_read_all(fd, AUDIT_MAX_TEXT, out, NULL, err) < 0)
		return -1;
	return 1;
}

/* Split LINE at ':' into at most MAX fields (empty ones kept).  Returns the
 * field count. */
int audit_split_colon(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		f[n++] = p;
		p = strchr(p, ':');
		if (p == NULL)
			return n;
		*p++ = '\0';
	}
	return n + 1; /* more fields than MAX */
}

/* ------------------------------------------------------------------------
 * Ownership chain */

int audit_trust_finding(audit_t *a, const jail_walk_finding_t *f, const char *why)
{
	char who[96];
	cleanup_free char *fix = NULL;

	if (f->problem == JAIL_WALK_NOT_ROOT) {
		fix = jail_strdup_printf("chown root:root %s", f->path);
		return audit_report(a, JAIL_SEV_CRITICAL, f->path, fix, "owned by %s, not root: %s",
				    audit_user_name(f->st->st_uid, who, sizeof(who)), why);
	}
	fix = jail_strdup_printf("chmod go-w %s", f->path);
	return audit_report(a, JAIL_SEV_CRITICAL, f->path, fix, "writable by %s (mode %04o): %s",
			    (f->st->st_mode & S_IWOTH) ? "others" : "its group",
			    (unsigned)(f->st->st_mode & 07777), why);
}

typedef struct trust_ctx {
	audit_t *a;
	const char *why;
} trust_ctx_t;

static int trust_report(void *vctx, const jail_walk_finding_t *f)
{
	const trust_ctx_t *c = vctx;

	return audit_trust_finding(c->a, f, c->why);
}

int audit_check_trust(audit_t *a, const char *path, const struct stat *st, const char *why)
{
	trust_ctx_t c = {.a = a, .why = why};
	const jail_walk_opts_t opts = {
	    .flags = JAIL_WALK_REPORT, .report = trust_report, .ctx = &c};

	return jail_trust_stat(st, path, &opts, a->err);
}

typedef struct chain_ctx {
	audit_t *a;
	const char *norm, *why, *missing_fix;
} chain_ctx_t;

static int chain_report(void *vctx, const jail_walk_finding_t *f)
{
	const chain_ctx_t *c = vctx;
	audit_t *a = c->a;

	switch (f->problem) {
	case JAIL_WALK_NOT_ROOT:
	case JAIL_WALK_WRITABLE:
		return audit_trust_finding(a, f, c->why);
	case JAIL_WALK_SYMLINK:
		return audit_report(a, JAIL_SEV_CRITICAL, f->path,
				    "replace the symlink with a real root-owned directory",
				    "is a symlink: never followed, %s not audited", c->norm);
	case JAIL_WALK_UNREACHABLE:
	case JAIL_WALK_NO_STAT:
	case JAIL_WALK_NOT_CREATED:
		break;
	}
	if (strcmp(f->path, "/") == 0)
		return audit_report(a, JAIL_SEV_CRITICAL, "/", "", "cannot open /: %s",
				    strerror(f->errnum));
	if (f->problem == JAIL_WALK_NO_STAT)
		return audit_report(a, JAIL_SEV_CRITICAL, f->path, "", "cannot stat: %s",
				    strerror(f->errnum));
	if (f->errnum == ENOENT)
		return audit_report(a, JAIL_SEV_CRITICAL, f->path, c->missing_fix,
				    "does not exist");
	return audit_report(a, JAIL_SEV_CRITICAL, f->path, c->missing_fix, "cannot open: %s",
			    strerror(f->errnum));
}

/* The trusted-path walk of NORM (normalized absolute) in report mode
 * (jail_walk_trusted): every component that is not root-owned or is
 * group/world-writable is a finding, WHY says what that allows.  *fdp
 * receives an O_DIRECTORY fd of NORM, or -1 when it cannot be reached
 * (missing, symlink, not a directory: reported with MISSING_FIX).  Returns
 * -1 only on ENOMEM. */
int audit_chain(audit_t *a, const char *norm, const char *why, const char *missing_fix, int *fdp)
{
	chain_ctx_t c = {.a = a, .norm = norm, .why = why, .missing_fix = missing_fix};
	const jail_walk_opts_t opts = {
	    .flags = JAIL_WALK_REPORT, .report = chain_report, .ctx = &c};

	return jail_walk_trusted(norm, &opts, fdp, a->err);
}

/* Host accounts must not reach into a jail through its host path: they
 * could run its programs there outside any confinement, and files jailed
 * users leave in their homes (a program setuid to that user, which the
 * session's nosuid mounts make harmless inside the jail, is not harmless on
 * the host).  Only root needs to traverse a jail's parents (pam_jail, sshd's
 * AuthorizedKeysCommand, jailctl); the jail root itself must stay
 * searchable (it is every session's "/").  So some directory strictly
 * above the jail must deny search to others, and to its group unless that
 * is root's: README recommends the parent be root:root 0700.  A warning,
 * once per parent directory. */
int audit_parent_traverse(audit_t *a, const char *norm)
{
	cleanup_free char *copy = strdup(norm);
	cleanup_free char *parent = NULL;
	cleanup_free char *fix = NULL;
	struct stat st;
	char *slash;
	mode_t pmode = 0;

	if (copy == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	/* Parents of the jail, innermost first: strip the last component. */
	while ((slash = strrchr(copy, '/')) != NULL) {
		if (slash == copy)
			slash[1] = '\0'; /* "/" */
		else
			*slash = '\0';
		if (stat(copy, &st) < 0)
			return 0; /* reported by the chain */
		if (parent == NULL) {
			parent = strdup(copy);
			if (parent == NULL)
				return jail_error_set(a->err, ENOMEM, "audit");
			pmode = st.st_mode;
		}
		if (!(st.st_mode & S_IXOTH) && (!(st.st_mode & S_IXGRP) || st.st_gid == 0))
			return 0;
		if (strcmp(copy, "/") == 0)
			break;
	}
	if (parent == NULL)
		return 0;
	for (size_t i = 0; i < a->out->n; i++)
		if (strcmp(a->out->v[i].path, parent) == 0 &&
		    strncmp(a->out->v[i].problem, "host users can reach", 20) == 0)
			return 0; /* another jail below the same parent said it */
	if (strcmp(parent, "/") == 0)
		fix = strdup("move the jail below a directory only root can search, e.g. "
			     "/srv/jails (root:root 0700)");
	else
		fix = jail_strdup_printf("chmod 0700 %s (only root needs to search it: pam_jail, "
					 "sshd and jailctl run as root)",
					 parent);
	return audit_report(
	    a, JAIL_SEV_WARNING, parent, fix,
	    "host users can reach the jail %s through this directory (mode %04o) and "
	    "every one above it: they can run the jail's programs and files jailed "
	    "users leave in their homes outside any confinement",
	    a->jail, (unsigned)(pmode & 07777));
}
