/* jailctl check: the audit.  See audit.h for the contract; the short of it:
 * read only, fds only inside a jail, never follow a symlink there, never
 * open a FIFO or a device, collect findings and never print. */
#define _GNU_SOURCE
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

#define AUDIT_MAX_DEPTH	      256	  /* directory nesting audited below a jail root */
#define AUDIT_MAX_TEXT	      (16u << 20) /* passwd, group, shadow, manifest */
#define PAM_MAX_DEPTH	      16	  /* include nesting in pam.d */
#define PAM_MAX_FILE	      (1u << 20)
#define DEFAULT_PAM_DIR	      "/etc/pam.d"
#define DEFAULT_PAM_SERVICE   "sshd"
#define PAM_JAIL_MODULE	      "pam_jail.so"
#define FIX_PAM_JAIL_LINE     "session required pam_jail.so"
#define WHY_ROOT_RUNS_IN_JAIL "the sshd post-auth child and NSS run as root inside the jail"

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

static void finding_free(jail_finding_t *f)
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
		finding_free(&x);
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
		finding_free(&f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = f->cap = 0;
}

/* ------------------------------------------------------------------------
 * Small helpers */

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

static int report(audit_t *a, jail_severity_t sev, const char *path, const char *fix,
		  const char *fmt, ...) JAIL_PRINTF(5, 6);

static int report(audit_t *a, jail_severity_t sev, const char *path, const char *fix,
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
static char *host_path(const audit_t *a, const char *rel)
{
	const char *j = a->jail;

	if (*rel == '\0')
		return strdup(j);
	if (strcmp(j, "/") == 0)
		j = "";
	return jail_strdup_printf("%s/%s", j, rel);
}

static const char *user_name(uid_t uid, char *buf, size_t len)
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
static int read_jail_file(int rootfd, const char *rel, char **out, jail_error_t *err)
{
	cleanup_close int pfd = -1;
	cleanup_close int fd = -1;
	struct stat st;

	*out = NULL;
	pfd = jail_openat_beneath(rootfd, rel, O_PATH, 0, err);
	if (pfd < 0)
		return (err && err->code == ENOENT) ? 0 : -1;
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
static int split_colon(char *line, char **f, int max)
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

static int check_trust(audit_t *a, const char *path, const struct stat *st, const char *why)
{
	char who[96];

	if (st->st_uid != 0) {
		cleanup_free char *fix = jail_strdup_printf("chown root:root %s", path);
		if (report(a, JAIL_SEV_CRITICAL, path, fix, "owned by %s, not root: %s",
			   user_name(st->st_uid, who, sizeof(who)), why) < 0)
			return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		cleanup_free char *fix = jail_strdup_printf("chmod go-w %s", path);
		if (report(a, JAIL_SEV_CRITICAL, path, fix, "writable by %s (mode %04o): %s",
			   (st->st_mode & S_IWOTH) ? "others" : "its group",
			   (unsigned)(st->st_mode & 07777), why) < 0)
			return -1;
	}
	return 0;
}

/* Walk NORM (normalized absolute) from "/" with O_NOFOLLOW, reporting every
 * component that is not root-owned or is group/world-writable, WHY says what
 * that allows.  *fdp receives an O_DIRECTORY fd of NORM, or -1 when it
 * cannot be reached (missing, symlink, not a directory: reported with
 * MISSING_FIX).  Returns -1 only on ENOMEM. */
static int audit_chain(audit_t *a, const char *norm, const char *why, const char *missing_fix,
		       int *fdp)
{
	cleanup_free char *copy = strdup(norm);
	cleanup_close int fd = -1;
	struct stat st;
	char *p;

	*fdp = -1;
	if (copy == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	fd = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return report(a, JAIL_SEV_CRITICAL, "/", "", "cannot open /: %s", strerror(errno));
	if (check_trust(a, "/", &st, why) < 0)
		return -1;
	p = copy + 1;
	while (*p) {
		char *slash = strchr(p, '/');
		int nfd;

		if (slash)
			*slash = '\0';
		nfd = openat(fd, p, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int e = errno;
			struct stat lst;
			bool islink =
			    fstatat(fd, p, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode);
			if (islink)
				return report(
				    a, JAIL_SEV_CRITICAL, copy,
				    "replace the symlink with a real root-owned directory",
				    "is a symlink: never followed, %s not audited", norm);
			if (e == ENOENT)
				return report(a, JAIL_SEV_CRITICAL, copy, missing_fix,
					      "does not exist");
			return report(a, JAIL_SEV_CRITICAL, copy, missing_fix, "cannot open: %s",
				      strerror(e));
		}
		close(fd);
		fd = nfd;
		if (fstat(fd, &st) < 0)
			return report(a, JAIL_SEV_CRITICAL, copy, "", "cannot stat: %s",
				      strerror(errno));
		if (check_trust(a, copy, &st, why) < 0)
			return -1;
		if (slash == NULL)
			break;
		*slash = '/';
		p = slash + 1;
	}
	*fdp = steal_fd(&fd);
	return 0;
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
static int audit_parent_traverse(audit_t *a, const char *norm)
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
	return report(a, JAIL_SEV_WARNING, parent, fix,
		      "host users can reach the jail %s through this directory (mode %04o) and "
		      "every one above it: they can run the jail's programs and files jailed "
		      "users leave in their homes outside any confinement",
		      a->jail, (unsigned)(pmode & 07777));
}

/* ------------------------------------------------------------------------
 * The walk */

typedef enum {
	ZONE_OTHER = 0,
	ZONE_SYSTEM,  /* /etc /bin /sbin /lib* /usr: root runs and reads these */
	ZONE_DEV,     /* /dev */
	ZONE_RUNTIME, /* /run, /var/run, /var/lock */
	ZONE_TMP,     /* /tmp, /var/tmp, anything below a sticky world-writable dir */
	ZONE_HOME,    /* jailed users' homes and /home/NAME dirs they own */
} zone_t;

static bool is_system_top(const char *name)
{
	return strcmp(name, "etc") == 0 || strcmp(name, "bin") == 0 || strcmp(name, "sbin") == 0 ||
	       strcmp(name, "usr") == 0 || strncmp(name, "lib", 3) == 0;
}

static zone_t child_zone(const audit_t *a, zone_t parent, const char *parent_rel, const char *name,
			 const char *rel, const struct stat *st)
{
	if (parent == ZONE_HOME || parent == ZONE_TMP || parent == ZONE_SYSTEM)
		return parent;
	if (*parent_rel == '\0') {
		if (is_system_top(name))
			return ZONE_SYSTEM;
		if (strcmp(name, "dev") == 0)
			return ZONE_DEV;
		if (strcmp(name, "run") == 0)
			return ZONE_RUNTIME;
		if (strcmp(name, "tmp") == 0)
			return ZONE_TMP;
	}
	if (strcmp(rel, "var/tmp") == 0)
		return ZONE_TMP;
	if (strcmp(rel, "var/run") == 0 || strcmp(rel, "var/lock") == 0)
		return ZONE_RUNTIME;
	if (S_ISDIR(st->st_mode)) {
		if (a->homes && jail_strv_contains(a->homes, rel))
			return ZONE_HOME;
		if (strcmp(parent_rel, "home") == 0 && st->st_uid != 0)
			return ZONE_HOME;
		if ((st->st_mode & S_ISVTX) && (st->st_mode & S_IWOTH))
			return ZONE_TMP;
	}
	return parent;
}

static const struct {
	const char *name;
	unsigned maj, min;
} allowed_devices[] = {
    {"null", 1, 3},    {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8},
    {"urandom", 1, 9}, {"tty", 5, 0},  {"ptmx", 5, 2},
};

static int check_device(audit_t *a, const char *rel, const char *hp, const struct stat *st)
{
	bool chr = S_ISCHR(st->st_mode);
	unsigned maj = major(st->st_rdev), min = minor(st->st_rdev);
	cleanup_free char *fix = NULL;

	if (strncmp(rel, "dev/", 4) == 0 && strchr(rel + 4, '/') == NULL) {
		for (size_t i = 0; i < sizeof(allowed_devices) / sizeof(allowed_devices[0]); i++) {
			if (strcmp(rel + 4, allowed_devices[i].name) != 0)
				continue;
			if (chr && maj == allowed_devices[i].maj && min == allowed_devices[i].min)
				return 0;
			fix = jail_strdup_printf("rm %s && mknod -m 0666 %s c %u %u", hp, hp,
						 allowed_devices[i].maj, allowed_devices[i].min);
			return report(a, JAIL_SEV_CRITICAL, hp, fix,
				      "device node is %s %u:%u, expected char %u:%u",
				      chr ? "char" : "block", maj, min, allowed_devices[i].maj,
				      allowed_devices[i].min);
		}
	}
	fix = jail_strdup_printf("rm %s", hp);
	return report(a, JAIL_SEV_CRITICAL, hp, fix,
		      "%s device node %u:%u: a jail's /dev holds only null zero full random "
		      "urandom tty (ptmx and pts are set up per session)",
		      chr ? "char" : "block", maj, min);
}

static int check_caps(audit_t *a, int dfd, const char *name, const char *hp, const struct stat *st)
{
	cleanup_close int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st2;
	char proc[64];

	if (fd < 0 || fstat(fd, &st2) < 0)
		return 0; /* vanished meanwhile */
	if (!S_ISREG(st2.st_mode) || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev)
		return 0; /* replaced meanwhile: not what we stat'ed, skip */
	/* fgetxattr() refuses O_PATH fds; the /proc magic link reaches the same
	 * inode without opening it. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (getxattr(proc, "security.capability", NULL, 0) >= 0) {
		cleanup_free char *fix = jail_strdup_printf("setcap -r %s", hp);
		return report(a, JAIL_SEV_CRITICAL, hp, fix,
			      "has file capabilities (security.capability): running it grants "
			      "privileges");
	}
	if (errno == ENOENT && !a->proc_reported) {
		a->proc_reported = true;
		return report(a, JAIL_SEV_WARNING, "/proc", "mount /proc",
			      "file capabilities cannot be checked: /proc is not mounted");
	}
	return 0;
}

static struct link_ent *link_lookup(audit_t *a, dev_t dev, ino_t ino, bool add)
{
	size_t mask, h;

	if (a->cap_index == 0 || (add && (a->n_links + 1) * 2 > a->cap_index)) {
		size_t ncap = a->cap_index ? a->cap_index * 2 : 256;
		size_t *nidx;

		if (!add)
			return NULL;
		nidx = calloc(ncap, sizeof(*nidx));
		if (nidx == NULL)
			return NULL;
		for (size_t i = 0; i < a->n_links; i++) {
			h = ((size_t)a->links[i].ino * 0x9E3779B97F4A7C15ULL ^ a->links[i].dev) &
			    (ncap - 1);
			while (nidx[h])
				h = (h + 1) & (ncap - 1);
			nidx[h] = i + 1;
		}
		free(a->link_index);
		a->link_index = nidx;
		a->cap_index = ncap;
	}
	mask = a->cap_index - 1;
	h = ((size_t)ino * 0x9E3779B97F4A7C15ULL ^ dev) & mask;
	while (a->link_index[h]) {
		struct link_ent *e = &a->links[a->link_index[h] - 1];
		if (e->dev == dev && e->ino == ino)
			return e;
		h = (h + 1) & mask;
	}
	if (!add)
		return NULL;
	if (a->n_links == a->cap_links) {
		size_t ncap = a->cap_links ? a->cap_links * 2 : 64;
		struct link_ent *nv = realloc(a->links, ncap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		a->links = nv;
		a->cap_links = ncap;
	}
	a->links[a->n_links] = (struct link_ent){.dev = dev, .ino = ino};
	a->link_index[h] = ++a->n_links;
	return &a->links[a->n_links - 1];
}

static int note_link(audit_t *a, const char *hp, const struct stat *st)
{
	struct link_ent *e = link_lookup(a, st->st_dev, st->st_ino, true);

	if (e == NULL)
		return jail_error_set(a->err, ENOMEM, "audit hard links");
	if (e->path == NULL) {
		e->path = strdup(hp);
		if (e->path == NULL)
			return jail_error_set(a->err, ENOMEM, "audit hard links");
	}
	e->nlink = st->st_nlink;
	e->seen++;
	return 0;
}

static int report_links(audit_t *a)
{
	for (size_t i = 0; i < a->n_links; i++) {
		struct link_ent *e = &a->links[i];
		cleanup_free char *fix = NULL;

		if (e->seen >= e->nlink)
			continue;
		fix = jail_strdup_printf("rm %s, then copy the file: jailctl update", e->path);
		if (report(a, JAIL_SEV_CRITICAL, e->path, fix,
			   "hard link to a file outside the jail (%lu links, %lu inside the jail)",
			   (unsigned long)e->nlink, (unsigned long)e->seen) < 0)
			return -1;
	}
	return 0;
}

/* A symlink is never followed (its target is audited where it lives), but
 * pam_jail refuses a top-level system symlink (bin -> usr/bin) not owned by
 * root and a critical /etc file that is a symlink. */
static int check_symlink(audit_t *a, const char *rel, const char *hp, const struct stat *st,
			 zone_t zone, bool top)
{
	char who[96];

	if (zone == ZONE_SYSTEM && top && st->st_uid != 0) {
		cleanup_free char *fix = jail_strdup_printf("chown -h root:root %s", hp);
		return report(a, JAIL_SEV_CRITICAL, hp, fix,
			      "symlink owned by %s, not root: pam_jail refuses sessions",
			      user_name(st->st_uid, who, sizeof(who)));
	}
	/* The files pam_jail refuses as symlinks (jail_session_critical_files). */
	for (size_t i = 0; strncmp(rel, "etc/", 4) == 0 && jail_session_critical_files[i]; i++) {
		if (strcmp(rel + 4, jail_session_critical_files[i]) == 0) {
			cleanup_free char *fix =
			    jail_strdup_printf("replace %s with a root-owned regular file", hp);
			return report(
			    a, JAIL_SEV_CRITICAL, hp, fix,
			    "is a symlink: pam_jail refuses sessions (" WHY_ROOT_RUNS_IN_JAIL ")");
		}
	}
	return 0;
}

/* The checks of one entry (not a directory's contents). */
static int check_entry(audit_t *a, int dfd, const char *name, const char *rel,
		       const struct stat *st, zone_t zone, bool top)
{
	cleanup_free char *hp = host_path(a, rel);
	mode_t m = st->st_mode;
	bool sticky_dir = S_ISDIR(m) && (m & S_ISVTX);
	char who[96];

	if (hp == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	if (S_ISLNK(m))
		return check_symlink(a, rel, hp, st, zone, top);

	if (zone == ZONE_SYSTEM) {
		const char *why = top ? "pam_jail refuses sessions: " WHY_ROOT_RUNS_IN_JAIL
				      : "root runs or reads it inside the jail";
		if (st->st_uid != 0) {
			cleanup_free char *fix = jail_strdup_printf("chown root:root %s", hp);
			if (report(a, JAIL_SEV_CRITICAL, hp, fix, "owned by %s, not root: %s",
				   user_name(st->st_uid, who, sizeof(who)), why) < 0)
				return -1;
		}
		if ((m & (S_IWGRP | S_IWOTH)) && !sticky_dir && (S_ISDIR(m) || S_ISREG(m))) {
			cleanup_free char *fix = jail_strdup_printf("chmod go-w %s", hp);
			if (report(a, JAIL_SEV_CRITICAL, hp, fix,
				   "%s writable by %s (mode %04o): %s",
				   S_ISDIR(m) ? "directory" : "file",
				   (m & S_IWOTH) ? "others" : "its group", (unsigned)(m & 07777),
				   why) < 0)
				return -1;
		}
	} else if (zone != ZONE_HOME && zone != ZONE_TMP) {
		if (S_ISDIR(m) && (m & (S_IWGRP | S_IWOTH)) && !sticky_dir) {
			cleanup_free char *fix = jail_strdup_printf(
			    "chmod go-w %s, or chmod 1777 for a shared tmp directory", hp);
			if (report(a, JAIL_SEV_CRITICAL, hp, fix,
				   "directory writable by %s (mode %04o) and not sticky",
				   (m & S_IWOTH) ? "others" : "its group",
				   (unsigned)(m & 07777)) < 0)
				return -1;
		}
		if (S_ISREG(m) && (m & S_IWOTH)) {
			cleanup_free char *fix = jail_strdup_printf("chmod o-w %s", hp);
			if (report(a, JAIL_SEV_CRITICAL, hp, fix, "world-writable file (mode %04o)",
				   (unsigned)(m & 07777)) < 0)
				return -1;
		}
	}

	switch (m & S_IFMT) {
	case S_IFREG:
		/* setgid without group execute is the mandatory-locking marker,
		 * not a privilege. */
		if ((m & S_ISUID) || ((m & S_ISGID) && (m & S_IXGRP))) {
			/* Still a finding when init kept it on request (paths_w_setuid
			 * with --allow-setuid), but one the admin chose: a warning. */
			char slash_rel[PATH_MAX];
			const jail_manifest_entry_t *e = NULL;
			bool kept;
			cleanup_free char *fix = NULL;

			snprintf(slash_rel, sizeof(slash_rel), "/%s", rel);
			if (a->manifest)
				e = jail_manifest_find(a->manifest, slash_rel);
			kept = e && e->type == 'f' && (e->flags & JAIL_MF_KEEP_SETUID);
			fix = jail_strdup_printf(
			    kept
				? "remove it from paths_w_setuid if it is not needed"
				: "chmod ug-s %s, or remove it: jailctl init strips setuid without "
				  "--allow-setuid",
			    hp);
			if (report(a, kept ? JAIL_SEV_WARNING : JAIL_SEV_CRITICAL, hp, fix,
				   "%s file (mode %04o)%s",
				   (m & S_ISUID) ? ((m & S_ISGID) ? "setuid and setgid" : "setuid")
						 : "setgid",
				   (unsigned)(m & 07777),
				   kept ? ", kept on request by jailctl init --allow-setuid" : "") <
			    0)
				return -1;
		}
		if (check_caps(a, dfd, name, hp, st) < 0)
			return -1;
		if (st->st_nlink > 1 && note_link(a, hp, st) < 0)
			return -1;
		break;
	case S_IFCHR:
	case S_IFBLK:
		return check_device(a, rel, hp, st);
	case S_IFIFO:
	case S_IFSOCK:
		if (zone != ZONE_DEV && zone != ZONE_RUNTIME && zone != ZONE_TMP &&
		    zone != ZONE_HOME) {
			cleanup_free char *fix = jail_strdup_printf("rm %s", hp);
			return report(a, JAIL_SEV_CRITICAL, hp, fix,
				      "%s outside /dev, /run, /tmp and homes",
				      S_ISFIFO(m) ? "FIFO" : "socket");
		}
		break;
	default:
		break;
	}
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Names in directory DFD (an O_RDONLY directory fd, not consumed), sorted. */
static int list_dir(int dfd, jail_strv_t *names, jail_error_t *err)
{
	DIR *d = jail_opendir_fd(dfd, NULL, err);
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return -1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (jail_strv_push(names, de->d_name, err) < 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0 && errno != 0)
		ret = jail_error_set(err, errno, "readdir");
	closedir(d);
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(char *), cmp_str);
	return ret;
}

static int walk_dir(audit_t *a, int dfd, const char *rel, zone_t zone, int depth)
{
	jail_strv_t names = {0};
	jail_error_t lerr = {0};
	int ret = 0;

	if (list_dir(dfd, &names, &lerr) < 0) {
		cleanup_free char *hp = host_path(a, rel);
		jail_strv_clear(&names);
		if (lerr.code == ENOMEM)
			return jail_error_set(a->err, ENOMEM, "audit");
		return report(a, JAIL_SEV_WARNING, hp ? hp : rel, "",
			      "cannot read the directory, not audited below: %s", lerr.msg);
	}
	for (size_t i = 0; i < names.n && ret == 0; i++) {
		const char *name = names.v[i];
		cleanup_free char *crel =
		    *rel ? jail_strdup_printf("%s/%s", rel, name) : strdup(name);
		cleanup_close int cfd = -1;
		struct stat st, cst;
		zone_t cz;

		if (crel == NULL) {
			ret = jail_error_set(a->err, ENOMEM, "audit");
			break;
		}
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			cleanup_free char *hp = host_path(a, crel);
			if (errno == ENOENT)
				continue; /* removed meanwhile */
			ret = report(a, JAIL_SEV_WARNING, hp ? hp : crel, "", "cannot stat: %s",
				     strerror(errno));
			continue;
		}
		cz = child_zone(a, zone, rel, name, crel, &st);
		/* /tmp itself is judged as an ordinary directory (sticky or not);
		 * only what is inside it is the users' business. */
		ret = check_entry(a, dfd, name, crel, &st,
				  (cz == ZONE_TMP && zone != ZONE_TMP) ? zone : cz, depth == 0);
		if (ret < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (st.st_dev != a->dev)
			continue; /* a mount point (/proc, /sys, a bind): not ours to audit */
		if (depth + 1 >= AUDIT_MAX_DEPTH) {
			cleanup_free char *hp = host_path(a, crel);
			ret = report(a, JAIL_SEV_WARNING, hp ? hp : crel, "flatten the tree",
				     "more than %d directories deep: not audited below",
				     AUDIT_MAX_DEPTH);
			continue;
		}
		cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0 || fstat(cfd, &cst) < 0) {
			cleanup_free char *hp = host_path(a, crel);
			if (errno == ENOENT)
				continue;
			ret = report(a, JAIL_SEV_WARNING, hp ? hp : crel, "",
				     "cannot open the directory, not audited below: %s",
				     strerror(errno));
			continue;
		}
		if (cst.st_dev != st.st_dev || cst.st_ino != st.st_ino)
			continue; /* replaced between stat and open: its new self is not ours */
		ret = walk_dir(a, cfd, crel, cz, depth + 1);
	}
	jail_strv_clear(&names);
	return ret;
}

/* ------------------------------------------------------------------------
 * Manifest: files copied from the host must still match it */

/* Load the manifest for the walk and the comparison.  No manifest (a jail
 * not built by jailctl) leaves a->manifest NULL; an unusable one is a
 * finding. */
static int load_manifest(audit_t *a)
{
	jail_error_t lerr = {0};
	cleanup_free char *mp = host_path(a, ".jail/manifest");
	cleanup_free char *ifix =
	    jail_strdup_printf("jailctl init %s SECTION... rewrites it", a->jail);

	if (mp == NULL || ifix == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	if (jail_manifest_read(a->rootfd, &a->manifest, &lerr) == 0)
		return 0;
	a->manifest = NULL;
	if (lerr.code == ENOENT)
		return 0;
	if (lerr.code == ENOMEM)
		return jail_error_set(a->err, ENOMEM, "audit");
	return report(a, JAIL_SEV_WARNING, mp, ifix,
		      "the manifest cannot be used, copied files not compared with the host: %s",
		      lerr.msg);
}

static int audit_manifest(audit_t *a)
{
	const jail_manifest_t *m = a->manifest;
	jail_error_t lerr = {0};
	cleanup_free char *fix = jail_strdup_printf("jailctl update %s", a->jail);
	cleanup_free char *prune = jail_strdup_printf("jailctl update --prune %s", a->jail);
	int ret = 0;

	if (fix == NULL || prune == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	if (m == NULL)
		return 0; /* not built by jailctl init: nothing to compare */
	for (size_t i = 0; i < m->n && ret == 0; i++) {
		const jail_manifest_entry_t *e = &m->v[i];
		cleanup_free char *hp = NULL;
		const char *why = NULL;
		int r;

		if (e->type != 'f')
			continue;
		hp = host_path(a, e->path + 1);
		if (hp == NULL) {
			ret = jail_error_set(a->err, ENOMEM, "audit");
			break;
		}
		jail_error_clear(&lerr);
		/* The host is trusted and read as is; the jail side is opened
		 * beneath the jail root without following a symlink. */
		r = jail_tree_compare_file(a->rootfd, "/", e, &why, &lerr);
		if (r < 0)
			ret = report(a, JAIL_SEV_WARNING, hp, fix,
				     "cannot compare with the host: %s", lerr.msg);
		else if (r > 0 && why && strstr(why, "on the host"))
			ret = report(a, JAIL_SEV_WARNING, hp, prune,
				     "copied from host %s, which is gone (%s)", e->path, why);
		else if (r > 0)
			ret = report(a, JAIL_SEV_WARNING, hp, fix, "differs from host %s: %s",
				     e->path, why ? why : "differs");
	}
	return ret;
}

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
} pw_ctx_t;

static int passwd_line(void *vctx, char *line, unsigned lineno)
{
	pw_ctx_t *c = vctx;
	audit_t *a = c->a;
	char *f[8];
	int nf = split_colon(line, f, 7);
	uint64_t uid, gid;
	jail_error_t lerr = {0};

	if (nf != 7 || jail_parse_u64(f[2], &uid, &lerr) < 0 ||
	    jail_parse_u64(f[3], &gid, &lerr) < 0) {
		cleanup_free char *fix = jail_strdup_printf("correct or remove line %u", lineno);
		return report(a, JAIL_SEV_WARNING, c->path, fix,
			      "line %u is not 'name:x:uid:gid:gecos:home:shell'", lineno);
	}
	if (!jail_passwd_field_is_locked(f[1])) {
		if (report(a, JAIL_SEV_CRITICAL, c->path,
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
		if (report(a, JAIL_SEV_CRITICAL, c->path, fix,
			   "user %s has uid 0: only root may (line %u)", f[0], lineno) < 0)
			return -1;
	}
	for (size_t i = 0; i < c->n_users; i++) {
		const jail_host_user_t *u = &c->users[i];
		cleanup_free char *fix = NULL;

		if (strcmp(u->name, f[0]) != 0 || c->found[i])
			continue;
		c->found[i] = true;
		fix = jail_strdup_printf("jailctl adduser %s", u->name);
		if (fix == NULL)
			return jail_error_set(a->err, ENOMEM, "audit");
		if (uid != u->uid && report(a, JAIL_SEV_CRITICAL, c->path, fix,
					    "jailed user %s has uid %llu, the host has %u", u->name,
					    (unsigned long long)uid, (unsigned)u->uid) < 0)
			return -1;
		if (gid != u->gid && report(a, JAIL_SEV_CRITICAL, c->path, fix,
					    "jailed user %s has gid %llu, the host has %u", u->name,
					    (unsigned long long)gid, (unsigned)u->gid) < 0)
			return -1;
		if (u->home && strcmp(f[5], u->home) != 0 &&
		    report(a, JAIL_SEV_CRITICAL, c->path, fix,
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

	if (found == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	if (each_line(text, passwd_line, &c, a->err) < 0)
		return -1;
	for (size_t i = 0; i < n_users; i++) {
		cleanup_free char *fix = NULL;
		if (found[i])
			continue;
		fix = jail_strdup_printf("jailctl adduser %s", users[i].name);
		if (report(a, JAIL_SEV_CRITICAL, path, fix, "no entry for jailed user %s",
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
} gr_ctx_t;

static int group_line(void *vctx, char *line, unsigned lineno)
{
	gr_ctx_t *c = vctx;
	char *f[5];
	int nf = split_colon(line, f, 4);
	uint64_t gid;
	jail_error_t lerr = {0};

	if (nf != 4 || jail_parse_u64(f[2], &gid, &lerr) < 0) {
		cleanup_free char *fix = jail_strdup_printf("correct or remove line %u", lineno);
		return report(c->a, JAIL_SEV_WARNING, c->path, fix,
			      "line %u is not 'name:x:gid:members'", lineno);
	}
	for (size_t i = 0; i < c->n_users; i++) {
		const jail_host_user_t *u = &c->users[i];
		bool name_match = u->group ? strcmp(u->group, f[0]) == 0 : gid == u->gid;

		if (!name_match || c->state[i] == 1)
			continue;
		if (gid == u->gid) {
			c->state[i] = 1;
		} else {
			c->state[i] = 2;
			c->seen_gid[i] = gid;
		}
	}
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

	if (state == NULL || seen == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	if (each_line(group, group_line, &c, err) < 0)
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
			if (report(&a, JAIL_SEV_CRITICAL, path, fix,
				   "group %s (primary group of jailed user %s) has gid %llu, the "
				   "host has %u",
				   gname, u->name, (unsigned long long)seen[i],
				   (unsigned)u->gid) < 0)
				return -1;
		} else if (report(&a, JAIL_SEV_CRITICAL, path, fix,
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
	int nf = split_colon(line, f, 2);
	cleanup_free char *fix = NULL;

	if (nf < 2 || jail_passwd_field_is_locked(f[1]))
		return 0;
	fix = jail_strdup_printf("remove %s from the jail: passwords are checked on the host",
				 c->path);
	return report(c->a, JAIL_SEV_CRITICAL, c->path, fix,
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

/* The line of USER in passwd TEXT: its shell (malloc'd) or NULL. */
static char *passwd_shell(const char *text, const char *user)
{
	const char *p = text;
	size_t ul = strlen(user);

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > ul && strncmp(p, user, ul) == 0 && p[ul] == ':') {
			const char *last = memrchr(p, ':', len);
			return strndup(last + 1, len - (size_t)(last + 1 - p));
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * One jail */

typedef struct host_users {
	jail_host_user_t *v;
	size_t n;
	jail_strv_t strings; /* owns the names, homes and groups */
} host_users_t;

static void host_users_clear(host_users_t *h)
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
static int host_users_load(const jail_strv_t *users, host_users_t *h, jail_strv_t *homes,
			   jail_error_t *err)
{
	size_t n = users ? users->n : 0;

	/* The strings live in h->strings: its array moves on growth, the
	 * strings themselves do not. */
	h->v = calloc(n ? n : 1, sizeof(*h->v));
	if (h->v == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	for (size_t i = 0; i < n; i++) {
		struct passwd *pw = getpwnam(users->v[i]);
		struct group *gr;
		jail_host_user_t *u;

		if (pw == NULL)
			continue;
		u = &h->v[h->n];
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
		if ((u->name = keep(h, pw->pw_name, err)) == NULL ||
		    (u->home = keep(h, pw->pw_dir, err)) == NULL)
			return -1;
		if (pw->pw_dir[0] == '/' && pw->pw_dir[1] &&
		    jail_strv_add_unique(homes, pw->pw_dir + 1, err) < 0)
			return -1;
		gr = getgrgid(u->gid);
		if (gr && (u->group = keep(h, gr->gr_name, err)) == NULL)
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
		return report(a, JAIL_SEV_CRITICAL, jailsh, "set [jail] jailsh = an absolute path",
			      "jailsh path is not a file path");
	jp = host_path(a, norm + 1);
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
			cleanup_free char *dp = host_path(a, norm + 1);
			if (errno == ENOENT)
				break;
			return report(a, JAIL_SEV_CRITICAL, dp ? dp : jp, fix,
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
		return report(
		    a, JAIL_SEV_CRITICAL, jp, fix,
		    "jailsh is missing from the jail: sshd runs the login shell %s inside "
		    "the jail, so pam_jail refuses jailed logins",
		    jailsh);
	if (!S_ISREG(st.st_mode))
		return report(a, JAIL_SEV_CRITICAL, jp, fix,
			      "jailsh is %s, not a regular file: pam_jail refuses sessions",
			      S_ISLNK(st.st_mode) ? "a symlink" : "not a regular file");
	if ((st.st_mode & 0111) != 0111) {
		cleanup_free char *cfix = jail_strdup_printf("chmod a+x %s", jp);
		if (report(a, JAIL_SEV_CRITICAL, jp, cfix,
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
		if (report(a, JAIL_SEV_WARNING, jp, rfix,
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
		if (!is_system_top(top))
			return check_trust(a, jp, &st, "pam_jail refuses sessions");
	}
	return 0;
}

static int audit_etc(audit_t *a, const host_users_t *hu, const char *jailsh)
{
	static const char *const shadows[] = {"etc/shadow", "etc/gshadow"};
	cleanup_free char *passwd = NULL;
	cleanup_free char *group = NULL;
	cleanup_free char *pp = host_path(a, "etc/passwd");
	cleanup_free char *gp = host_path(a, "etc/group");
	cleanup_free char *initfix = jail_strdup_printf("jailctl init %s uidbasics", a->jail);
	jail_error_t lerr = {0};
	int r;

	if (pp == NULL || gp == NULL || initfix == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	for (size_t i = 0; i < sizeof(shadows) / sizeof(shadows[0]); i++) {
		cleanup_free char *text = NULL;
		cleanup_free char *sp = host_path(a, shadows[i]);
		if (sp == NULL)
			return jail_error_set(a->err, ENOMEM, "audit");
		r = read_jail_file(a->rootfd, shadows[i], &text, &lerr);
		if (r < 0 && report(a, JAIL_SEV_WARNING, sp, "", "cannot read: %s", lerr.msg) < 0)
			return -1;
		if (r > 0 && jail_audit_shadow_text(a->jail, sp, text, a->out, a->err) < 0)
			return -1;
	}

	r = read_jail_file(a->rootfd, "etc/passwd", &passwd, &lerr);
	if (r <= 0) {
		/* A jail with no passwd and nobody jailed in it is a service jail. */
		if (hu->n == 0 && r == 0)
			return 0;
		return report(a, JAIL_SEV_CRITICAL, pp, initfix, "%s",
			      r == 0 ? "missing: jailed users cannot be resolved" : lerr.msg);
	}
	if (audit_passwd(a, pp, passwd, hu->v, hu->n) < 0)
		return -1;
	if (hu->n) {
		r = read_jail_file(a->rootfd, "etc/group", &group, &lerr);
		if (r <= 0) {
			if (report(a, JAIL_SEV_CRITICAL, gp, initfix, "%s",
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
	for (size_t i = 0; jailsh && i < hu->n; i++) {
		cleanup_free char *shell = passwd_shell(passwd, hu->v[i].name);
		cleanup_free char *fix = NULL;

		if (shell == NULL || strcmp(shell, jailsh) == 0)
			continue; /* no line: reported by audit_passwd */
		fix = jail_strdup_printf("jailctl adduser %s", hu->v[i].name);
		if (fix == NULL)
			return jail_error_set(a->err, ENOMEM, "audit");
		if (report(a, JAIL_SEV_CRITICAL, pp, fix,
			   "the shell of jailed user %s is %s, not jailsh (%s): login(1) and su "
			   "would run it unconfined, and pam_jail refuses the user's sessions",
			   hu->v[i].name, shell, jailsh) < 0)
			return -1;
	}
	return 0;
}

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
	return report(a, JAIL_SEV_CRITICAL, a->jail, "correct what the message names",
		      "pam_jail would refuse sessions: %s", lerr.msg);
}

static void audit_free(audit_t *a)
{
	for (size_t i = 0; i < a->n_links; i++)
		free(a->links[i].path);
	free(a->links);
	free(a->link_index);
	jail_manifest_free(a->manifest);
}

int jail_audit_jail(const char *jail, const jail_strv_t *users, const char *jailsh,
		    jail_findings_t *out, jail_error_t *err)
{
	jail_error_t lerr = {0};
	cleanup_free char *norm = jail_path_normalize(jail, &lerr);
	cleanup_close int rootfd = -1;
	cleanup_free char *fix = NULL;
	host_users_t hu = {0};
	jail_strv_t homes = {0};
	audit_t a = {.out = out, .err = err, .rootfd = -1};
	struct stat st;
	size_t first = 0;
	int ret = -1;

	if (norm == NULL)
		return jail_findings_add(out, JAIL_SEV_CRITICAL, jail, jail, "use an absolute path",
					 err, "not a valid jail path: %s", lerr.msg);
	a.jail = norm;
	if (strcmp(norm, "/") == 0)
		return report(&a, JAIL_SEV_CRITICAL, norm, "configure a real jail directory",
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
		return report(&a, JAIL_SEV_CRITICAL, norm, "", "cannot stat: %s", strerror(errno));
	a.rootfd = rootfd;
	a.dev = st.st_dev;
	first = out->n;
	if (host_users_load(users, &hu, &homes, err) < 0)
		goto out;
	a.homes = &homes;
	if (load_manifest(&a) < 0)
		goto out;
	if (walk_dir(&a, rootfd, "", ZONE_OTHER, 0) < 0)
		goto out;
	if (report_links(&a) < 0)
		goto out;
	if (audit_manifest(&a) < 0)
		goto out;
	if (audit_etc(&a, &hu, jailsh) < 0)
		goto out;
	if (hu.n && jailsh && audit_session_checks(&a, jailsh, first) < 0)
		goto out;
	ret = 0;
out:
	audit_free(&a);
	host_users_clear(&hu);
	jail_strv_clear(&homes);
	return ret;
}

/* ------------------------------------------------------------------------
 * Configuration */

static int audit_config_entry(audit_t *a, int dfd, const char *name, const char *path, bool *is_dir)
{
	struct stat st;

	*is_dir = false;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return report(a, JAIL_SEV_CRITICAL, path, "", "cannot stat: %s", strerror(errno));
	}
	if (S_ISLNK(st.st_mode)) {
		cleanup_free char *fix =
		    jail_strdup_printf("replace %s with a root-owned regular file", path);
		return report(a, JAIL_SEV_CRITICAL, path, fix,
			      "is a symlink: configuration files are never followed through "
			      "symlinks (pam_jail refuses it)");
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		cleanup_free char *fix = jail_strdup_printf("rm %s", path);
		return report(a, JAIL_SEV_CRITICAL, path, fix,
			      "is neither a regular file nor a directory");
	}
	*is_dir = S_ISDIR(st.st_mode);
	return check_trust(a, path, &st,
			   "whoever can write it can jail or unjail users and change their "
			   "confinement");
}

static int audit_config_dir(audit_t *a, int dfd, const char *dirpath, int depth)
{
	jail_strv_t names = {0};
	jail_error_t lerr = {0};
	int ret = 0;

	if (list_dir(dfd, &names, &lerr) < 0) {
		jail_strv_clear(&names);
		if (lerr.code == ENOMEM)
			return jail_error_set(a->err, ENOMEM, "audit");
		return report(a, JAIL_SEV_CRITICAL, dirpath, "", "cannot read: %s", lerr.msg);
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
			ret =
			    report(a, JAIL_SEV_CRITICAL, p, "", "cannot open: %s", strerror(errno));
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
		return report(&a, JAIL_SEV_CRITICAL, norm,
			      "correct the configuration (see jail.ini(5))",
			      "the configuration does not load (pam_jail refuses every jailed "
			      "login): %s",
			      lerr.msg);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Jailed users */

static int add_candidate(jail_strv_t *cands, const char *name, jail_error_t *err)
{
	return jail_strv_add_unique(cands, name, err) < 0 ? -1 : 0;
}

/* Group names of USER (primary included), from the host's databases. */
static int user_groups(const struct passwd *pw, jail_strv_t *out, jail_error_t *err)
{
	int n = 64;
	cleanup_free gid_t *gids = NULL;

	for (;;) {
		int got = n;
		free(gids);
		gids = calloc((size_t)n, sizeof(gid_t));
		if (gids == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &got) >= 0) {
			n = got;
			break;
		}
		if (got <= n)
			n *= 2;
		else
			n = got;
		if (n > 65536)
			return jail_error_fmt(err, E2BIG, "user %s: too many groups", pw->pw_name);
	}
	for (int i = 0; i < n; i++) {
		struct group *gr = getgrgid(gids[i]);
		if (gr && jail_strv_add_unique(out, gr->gr_name, err) < 0)
			return -1;
	}
	return 0;
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

int jail_audit_jailed_users(const jail_config_t *cfg, jail_strv_t *jails,
			    jail_strv_t **users_by_jail, jail_findings_t *out, jail_error_t *err)
{
	jail_strv_t cands = {0};
	jail_strv_t *ubj = NULL;
	size_t idx, n_ubj = 0;
	int ret = -1;

	*users_by_jail = NULL;
	if (cfg->default_jail && jail_index(jails, cfg->default_jail, err, &idx) < 0)
		goto out;
	for (size_t i = 0; i < cfg->n_users; i++) {
		const jail_assign_t *u = &cfg->users[i];
		if (u->jail && jail_index(jails, u->jail, err, &idx) < 0)
			goto out;
		if (getpwnam(u->name) == NULL) {
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
		struct group *gr;
		struct passwd *pw;
		gid_t gid;

		if (g->jail && jail_index(jails, g->jail, err, &idx) < 0)
			goto out;
		gr = getgrnam(g->name);
		if (gr == NULL) {
			if (jail_findings_add(
				out, JAIL_SEV_WARNING, NULL, g->file ? g->file : cfg->dir,
				"remove the section, or create the group", err,
				"group %s is jailed but does not exist on the host", g->name) < 0)
				goto out;
			continue;
		}
		gid = gr->gr_gid;
		for (char **m = gr->gr_mem; m && *m; m++)
			if (add_candidate(&cands, *m, err) < 0)
				goto out;
		/* Members by primary group are not listed in gr_mem. */
		setpwent();
		while ((pw = getpwent()) != NULL) {
			if (pw->pw_gid == gid && add_candidate(&cands, pw->pw_name, err) < 0) {
				endpwent();
				goto out;
			}
		}
		endpwent();
	}
	/* Every assignment's jail is in JAILS already; the slack is for safety. */
	n_ubj = jails->n + cands.n + 1;
	ubj = calloc(n_ubj, sizeof(*ubj));
	if (ubj == NULL) {
		jail_error_set(err, ENOMEM, "audit");
		goto out;
	}
	for (size_t i = 0; i < cands.n; i++) {
		struct passwd *pw = getpwnam(cands.v[i]);
		jail_strv_t groups = {0};
		const jail_assign_t *as = NULL;
		const char *j;
		int r;

		if (pw == NULL)
			continue;
		if (user_groups(pw, &groups, err) < 0) {
			jail_strv_clear(&groups);
			goto out;
		}
		r = jail_config_lookup(cfg, cands.v[i], &groups, &as);
		jail_strv_clear(&groups);
		if (r <= 0 || as == NULL)
			continue;
		j = as->jail ? as->jail : cfg->default_jail;
		if (j == NULL) {
			if (jail_findings_add(
				out, JAIL_SEV_CRITICAL, NULL, as->file ? as->file : cfg->dir,
				"set jail = PATH in the section or in [jail]", err,
				"user %s is jailed but no jail is configured for them",
				cands.v[i]) < 0)
				goto out;
			continue;
		}
		if (jail_index(jails, j, err, &idx) < 0)
			goto out;
		if (jail_strv_add_unique(&ubj[idx], cands.v[i], err) < 0)
			goto out;
	}
	*users_by_jail = steal_pointer(&ubj);
	ret = 0;
out:
	if (ubj)
		jail_audit_users_free(ubj, n_ubj);
	jail_strv_clear(&cands);
	return ret;
}

/* ------------------------------------------------------------------------
 * PAM */

void jail_pam_stack_clear(jail_pam_stack_t *stack)
{
	for (size_t i = 0; i < stack->n; i++) {
		free(stack->v[i].module);
		free(stack->v[i].control);
		free(stack->v[i].file);
	}
	free(stack->v);
	stack->v = NULL;
	stack->n = stack->cap = 0;
}

typedef struct pam_parse {
	const char *dir;
	int dirfd;
	jail_pam_stack_t *stack;
	jail_findings_t *out;
	jail_error_t *err;
	jail_strv_t active; /* include chain, for cycles */
	/* Part of the stack could not be followed (a cycle, too deep, an
	 * include outside the directory): pam_jail may hide there. */
	bool incomplete;
} pam_parse_t;

static int pam_push(pam_parse_t *pp, const char *module, const char *control, const char *file,
		    unsigned line, bool dash)
{
	jail_pam_stack_t *s = pp->stack;
	jail_pam_entry_t e = {.line = line, .dash = dash};

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		jail_pam_entry_t *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(pp->err, ENOMEM, "pam stack");
		s->v = nv;
		s->cap = ncap;
	}
	e.module = strdup(module);
	e.control = strdup(control);
	e.file = strdup(file);
	if (e.module == NULL || e.control == NULL || e.file == NULL) {
		free(e.module);
		free(e.control);
		free(e.file);
		return jail_error_set(pp->err, ENOMEM, "pam stack");
	}
	s->v[s->n++] = e;
	return 0;
}

/* Next token of a pam.d line: whitespace separated, "[...]" kept whole
 * (it may hold spaces; "\]" does not close it).  NULL at the end. */
static char *pam_token(char **pos)
{
	char *p = *pos, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		*pos = p;
		return NULL;
	}
	start = p;
	if (*p == '[') {
		while (*p && !(*p == ']' && p[-1] != '\\'))
			p++;
		if (*p == ']')
			p++;
	} else {
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (*p)
		*p++ = '\0';
	*pos = p;
	return start;
}

static int pam_parse_file(pam_parse_t *pp, const char *name, const char *from, int depth);

static int pam_include(pam_parse_t *pp, const char *name, const char *file, unsigned lineno,
		       int depth)
{
	cleanup_free char *from = jail_strdup_printf("%s:%u", file, lineno);

	if (from == NULL)
		return jail_error_set(pp->err, ENOMEM, "pam");
	if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		pp->incomplete = true;
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, file,
					 "include a file of the PAM directory by its name", pp->err,
					 "line %u includes '%s', outside %s: not followed, the "
					 "session stack cannot be verified",
					 lineno, name, pp->dir);
	}
	return pam_parse_file(pp, name, from, depth + 1);
}

static int pam_parse_line(pam_parse_t *pp, char *line, const char *file, unsigned lineno, int depth)
{
	char *pos = line;
	char *type = pam_token(&pos);
	char *control, *module;
	bool dash = false;

	if (type == NULL)
		return 0;
	if (strcmp(type, "@include") == 0) {
		char *inc = pam_token(&pos);
		if (inc == NULL)
			return jail_findings_add(pp->out, JAIL_SEV_WARNING, NULL, file,
						 "name the file to include", pp->err,
						 "line %u: @include without a file", lineno);
		return pam_include(pp, inc, file, lineno, depth);
	}
	if (type[0] == '-') {
		dash = true;
		type++;
	}
	if (strcasecmp(type, "session") != 0)
		return 0;
	control = pam_token(&pos);
	module = pam_token(&pos);
	if (control == NULL || module == NULL)
		return jail_findings_add(pp->out, JAIL_SEV_WARNING, NULL, file,
					 "write 'session CONTROL MODULE [ARGS]'", pp->err,
					 "line %u: malformed session line", lineno);
	if (strcasecmp(control, "include") == 0 || strcasecmp(control, "substack") == 0)
		return pam_include(pp, module, file, lineno, depth);
	return pam_push(pp, module, control, file, lineno, dash);
}

static int pam_parse_file(pam_parse_t *pp, const char *name, const char *from, int depth)
{
	cleanup_free char *path = jail_strdup_printf("%s/%s", pp->dir, name);
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	jail_error_t lerr = {0};
	char *line, *next;
	unsigned lineno = 0;
	int ret = 0;

	if (path == NULL)
		return jail_error_set(pp->err, ENOMEM, "pam");
	if (depth > PAM_MAX_DEPTH || jail_strv_contains(&pp->active, name))
		pp->incomplete = true;
	if (depth > PAM_MAX_DEPTH)
		return jail_findings_add(
		    pp->out, JAIL_SEV_CRITICAL, NULL, path, "simplify the includes", pp->err,
		    "includes nest deeper than %d (from %s)", PAM_MAX_DEPTH, from);
	if (jail_strv_contains(&pp->active, name))
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, path,
					 "remove the include cycle", pp->err,
					 "include cycle (included again from %s)", from);
	/* pam.d belongs to root: the host is trusted, no O_NOFOLLOW needed. */
	fd = openat(pp->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (from == NULL)
			return jail_findings_add(
			    pp->out, JAIL_SEV_CRITICAL, NULL, path,
			    "create it with '" FIX_PAM_JAIL_LINE "' as the last session line",
			    pp->err, "PAM service file %s: %s",
			    e == ENOENT ? "missing" : "unreadable", strerror(e));
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, path,
					 "create it or remove the include", pp->err,
					 "included from %s but %s", from,
					 e == ENOENT ? "missing" : strerror(e));
	}
	if (jail_read_all(fd, PAM_MAX_FILE, &text, NULL, &lerr) < 0)
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, path, "", pp->err,
					 "cannot read: %s", lerr.msg);
	if (jail_strv_push(&pp->active, name, pp->err) < 0)
		return -1;
	for (line = text; line && *line && ret == 0; line = next) {
		unsigned start = ++lineno;
		char *nl, *hash;

		/* Join "\<newline>" continuations (as Linux-PAM does). */
		for (;;) {
			nl = strchr(line, '\n');
			if (nl && nl > line && nl[-1] == '\\') {
				nl[-1] = ' ';
				nl[0] = ' ';
				lineno++;
				continue;
			}
			break;
		}
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		ret = pam_parse_line(pp, line, path, start, depth);
	}
	/* Pop NAME from the include chain. */
	free(pp->active.v[--pp->active.n]);
	pp->active.v[pp->active.n] = NULL;
	return ret;
}

/* The session stack of SERVICE; *incomplete tells whether part of it
 * could not be followed (see pam_parse_t). */
static int pam_stack_build(const char *pam_dir, const char *service, jail_pam_stack_t *stack,
			   jail_findings_t *problems, bool *incomplete, jail_error_t *err)
{
	pam_parse_t pp = {.dir = pam_dir, .stack = stack, .out = problems, .err = err};
	int ret;

	*incomplete = false;
	pp.dirfd = open(pam_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pp.dirfd < 0) {
		*incomplete = true;
		return jail_findings_add(problems, JAIL_SEV_CRITICAL, NULL, pam_dir,
					 "pass the PAM configuration directory (--pam-dir)", err,
					 "cannot open the PAM directory: %s", strerror(errno));
	}
	ret = pam_parse_file(&pp, service, NULL, 0);
	close(pp.dirfd);
	jail_strv_clear(&pp.active);
	*incomplete = pp.incomplete;
	return ret;
}

int jail_pam_session_stack(const char *pam_dir, const char *service, jail_pam_stack_t *stack,
			   jail_findings_t *problems, jail_error_t *err)
{
	bool incomplete;

	return pam_stack_build(pam_dir, service, stack, problems, &incomplete, err);
}

static const char *pam_basename(const char *module)
{
	const char *s = strrchr(module, '/');
	return s ? s + 1 : module;
}

/* What CONTROL does to the stack when the module returns: *ends_ok when a
 * success can end the stack (sufficient, "=done"), *jump the largest jump. */
static void pam_control_effect(const char *control, bool *ends_ok, unsigned long *jump)
{
	*ends_ok = false;
	*jump = 0;
	if (strcasecmp(control, "sufficient") == 0) {
		*ends_ok = true;
		return;
	}
	if (control[0] != '[')
		return;
	for (const char *p = control; (p = strchr(p, '=')) != NULL; p++) {
		const char *v = p + 1;
		if (strncasecmp(v, "done", 4) == 0) {
			*ends_ok = true;
		} else if (*v >= '0' && *v <= '9') {
			unsigned long n = strtoul(v, NULL, 10);
			if (n > *jump)
				*jump = n;
		}
	}
}

static bool is_pam_jail(const jail_pam_entry_t *e)
{
	return strcmp(pam_basename(e->module), PAM_JAIL_MODULE) == 0;
}

/* Move every finding of FROM to the end of TO (FROM is left empty). */
static int findings_move(jail_findings_t *to, jail_findings_t *from, jail_error_t *err)
{
	for (size_t i = 0; i < from->n; i++) {
		if (to->n == to->cap) {
			size_t ncap = to->cap ? to->cap * 2 : 16;
			jail_finding_t *nv = realloc(to->v, ncap * sizeof(*nv));
			if (nv == NULL) {
				/* The first I are TO's now; free only the rest. */
				for (size_t k = i; k < from->n; k++)
					finding_free(&from->v[k]);
				free(from->v);
				from->v = NULL;
				from->n = from->cap = 0;
				return jail_error_set(err, ENOMEM, "audit findings");
			}
			to->v = nv;
			to->cap = ncap;
		}
		to->v[to->n++] = from->v[i];
	}
	free(from->v);
	from->v = NULL;
	from->n = from->cap = 0;
	return 0;
}

/* Append "FILE line N" to the ", "-separated *LIST. */
static int append_line(char **list, const jail_pam_entry_t *e, jail_error_t *err)
{
	char *n = jail_strdup_printf("%s%s%s line %u", *list ? *list : "", *list ? ", " : "",
				     e->file, e->line);

	if (n == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	free(*list);
	*list = n;
	return 0;
}

/* pam_jail.so reached more than once in the stack of SERVICE (SVC its
 * path): one finding naming every line, with the fix of keeping one.  The
 * line to remove is the one in the service's own file when an included
 * file (shared with other services) has one too, else every one but the
 * last. */
static int pam_report_duplicates(const jail_pam_stack_t *st, const char *service, const char *svc,
				 jail_findings_t *out, jail_error_t *err)
{
	cleanup_free char *lines = NULL;
	cleanup_free char *drop = NULL;
	size_t count = 0, last = SIZE_MAX;
	bool own = false, other = false;

	for (size_t i = 0; i < st->n; i++) {
		if (!is_pam_jail(&st->v[i]))
			continue;
		count++;
		last = i;
		if (strcmp(st->v[i].file, svc) == 0)
			own = true;
		else
			other = true;
	}
	if (count < 2)
		return 0;
	for (size_t i = 0; i < st->n; i++) {
		const jail_pam_entry_t *e = &st->v[i];
		bool remove;

		if (!is_pam_jail(e))
			continue;
		if (append_line(&lines, e, err) < 0)
			return -1;
		remove = (own && other) ? strcmp(e->file, svc) == 0 : i != last;
		if (remove && append_line(&drop, e, err) < 0)
			return -1;
	}
	{
		cleanup_free char *fix = jail_strdup_printf(
		    "keep one pam_jail.so line in the stack of %s: remove %s", service, drop);
		if (fix == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, svc, fix, err,
					 "pam_jail.so is in the session stack of service %s %zu "
					 "times (%s): the second one runs inside the session the "
					 "first one built and refuses every jailed login",
					 service, count, lines);
	}
}

/* The audit of one service.  REQUIRED: the service must exist and reach
 * pam_jail (sshd).  Otherwise a service that never reaches pam_jail is not
 * audited (most of pam.d), unless part of its stack could not be followed,
 * where pam_jail could hide: then the reasons are reported. */
static int audit_pam_service(const char *pam_dir, const char *service, bool required,
			     jail_findings_t *out, jail_error_t *err)
{
	jail_pam_stack_t st = {0};
	jail_findings_t probs = {0};
	cleanup_free char *svc = NULL;
	size_t j = SIZE_MAX;
	bool incomplete = false;
	int ret = -1;

	svc = jail_strdup_printf("%s/%s", pam_dir, service);
	if (svc == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	if (pam_stack_build(pam_dir, service, &st, &probs, &incomplete, err) < 0)
		goto out;
	for (size_t i = 0; i < st.n && j == SIZE_MAX; i++)
		if (is_pam_jail(&st.v[i]))
			j = i;
	if (!required && j == SIZE_MAX && !incomplete) {
		ret = 0; /* pam_jail is not in this service: none of our business */
		goto out;
	}
	if (findings_move(out, &probs, err) < 0)
		goto out;
	if (access(svc, F_OK) < 0) {
		ret = 0; /* the missing service file is the finding */
		goto out;
	}
	if (j == SIZE_MAX) {
		if (required &&
		    jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, svc,
				      "add '" FIX_PAM_JAIL_LINE "' as the last session line", err,
				      "pam_jail.so is not in the session stack: jailed users' "
				      "sessions are not confined") < 0)
			goto out;
		ret = 0;
		goto out;
	}
	if (pam_report_duplicates(&st, service, svc, out, err) < 0)
		goto out;
	for (size_t i = j; i < st.n; i++) {
		const jail_pam_entry_t *e = &st.v[i];

		if (!is_pam_jail(e))
			continue;
		if (e->dash &&
		    jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
				      "write 'session' instead of '-session'", err,
				      "line %u: '-session' skips pam_jail.so silently when the "
				      "module is missing: jailed users would not be confined",
				      e->line) < 0)
			goto out;
		if (strcasecmp(e->control, "required") != 0 &&
		    strcasecmp(e->control, "requisite") != 0 &&
		    jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
				      "use '" FIX_PAM_JAIL_LINE "'", err,
				      "line %u: pam_jail.so has control '%s': a failure to set up "
				      "the jail must refuse the session",
				      e->line, e->control) < 0)
			goto out;
	}
	for (size_t i = 0; i < j; i++) {
		const jail_pam_entry_t *e = &st.v[i];
		bool ends_ok;
		unsigned long jump;

		pam_control_effect(e->control, &ends_ok, &jump);
		if (ends_ok) {
			if (jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
					      "do not end the session stack with success before "
					      "pam_jail.so (use required or optional)",
					      err,
					      "line %u: %s with control '%s' can end the session "
					      "stack before pam_jail.so runs (service %s)",
					      e->line, e->module, e->control, service) < 0)
				goto out;
		} else if (jump && i + jump >= j) {
			if (jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
					      "do not jump over pam_jail.so", err,
					      "line %u: %s with control '%s' can jump over "
					      "pam_jail.so (service %s)",
					      e->line, e->module, e->control, service) < 0)
				goto out;
		}
	}
	/* Everything after the first pam_jail runs inside the jail; a second
	 * pam_jail is reported above. */
	for (size_t i = j + 1; i < st.n; i++) {
		const jail_pam_entry_t *e = &st.v[i];
		const char *fix = "move '" FIX_PAM_JAIL_LINE "' below it: pam_jail.so must be "
				  "the last session module";
		if (is_pam_jail(e))
			continue;
		if (jail_findings_add(
			out, JAIL_SEV_CRITICAL, NULL, e->file, fix, err,
			"line %u: session module %s comes after pam_jail.so (%s line "
			"%u) in the session stack of %s: it would run inside the jail "
			"and fail the session",
			e->line, e->module, st.v[j].file, st.v[j].line, service) < 0)
			goto out;
	}
	ret = 0;
out:
	jail_findings_clear(&probs);
	jail_pam_stack_clear(&st);
	return ret;
}

int jail_audit_pam(const char *pam_dir, const char *service, jail_findings_t *out,
		   jail_error_t *err)
{
	return audit_pam_service(pam_dir ? pam_dir : DEFAULT_PAM_DIR,
				 service ? service : DEFAULT_PAM_SERVICE, true, out, err);
}

/* Names in pam.d that no program opens as a service: hidden files and the
 * copies package managers and editors leave beside a changed file. */
static bool pam_ignored_name(const char *name)
{
	static const char *const marks[] = {".dpkg-", ".ucf-", ".rpmnew", ".rpmsave",
					    ".orig",  ".bak",  ".swp"};
	size_t len = strlen(name);

	if (name[0] == '.' || name[len - 1] == '~')
		return true;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(name, marks[i]))
			return true;
	return false;
}

int jail_audit_pam_dir(const char *pam_dir, const char *required, jail_findings_t *out,
		       jail_error_t *err)
{
	jail_strv_t names = {0};
	jail_error_t lerr = {0};
	cleanup_close int dfd = -1;
	bool required_seen = false;
	int ret = -1;

	if (pam_dir == NULL)
		pam_dir = DEFAULT_PAM_DIR;
	if (required == NULL)
		required = DEFAULT_PAM_SERVICE;
	dfd = open(pam_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, pam_dir,
					 "pass the PAM configuration directory (--pam-dir)", err,
					 "cannot open the PAM directory: %s", strerror(errno));
	if (list_dir(dfd, &names, &lerr) < 0) {
		jail_strv_clear(&names);
		if (lerr.code == ENOMEM)
			return jail_error_set(err, ENOMEM, "audit");
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, pam_dir, "", err,
					 "cannot read the PAM directory: %s", lerr.msg);
	}
	for (size_t i = 0; i < names.n; i++) {
		struct stat st;
		bool req = strcmp(names.v[i], required) == 0;

		if (!req && (pam_ignored_name(names.v[i]) || fstatat(dfd, names.v[i], &st, 0) < 0 ||
			     !S_ISREG(st.st_mode)))
			continue;
		required_seen |= req;
		if (audit_pam_service(pam_dir, names.v[i], req, out, err) < 0)
			goto out;
	}
	if (!required_seen && audit_pam_service(pam_dir, required, true, out, err) < 0)
		goto out;
	ret = 0;
out:
	jail_strv_clear(&names);
	return ret;
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
	int ret = -1;

	if (jail_audit_config(dir, out, &cfg, err) < 0)
		goto out;
	if (cfg && jail_audit_jailed_users(cfg, &cfg_jails, &ubj, out, err) < 0)
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
		if (jail_audit_jail(selected.v[i], users, cfg ? cfg->jailsh_path : NULL, out, err) <
		    0)
			goto out;
		/* sshd runs the HOST login shell inside the jail: it must be jailsh. */
		for (size_t u = 0; users && cfg && cfg->jailsh_path && u < users->n; u++) {
			struct passwd *pw = getpwnam(users->v[u]);
			cleanup_free char *fix = NULL;
			if (pw == NULL || strcmp(pw->pw_shell, cfg->jailsh_path) == 0)
				continue;
			fix = jail_strdup_printf("usermod -s %s %s, or jailctl adduser %s",
						 cfg->jailsh_path, users->v[u], users->v[u]);
			if (fix == NULL) {
				jail_error_set(err, ENOMEM, "audit");
				goto out;
			}
			if (jail_findings_add(out, JAIL_SEV_CRITICAL, selected.v[i], "/etc/passwd",
					      fix, err,
					      "the host login shell of jailed user %s is %s, not "
					      "jailsh (%s)",
					      users->v[u], pw->pw_shell, cfg->jailsh_path) < 0)
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
		int r = 0;

		for (size_t k = 0; k < cfg_jails.n && r == 0; k++)
			for (size_t u = 0; u < ubj[k].n && r == 0; u++)
				r = jail_strv_add_unique(&all, ubj[k].v[u], err) < 0 ? -1 : 0;
		if (r == 0)
			r = jail_audit_sshd(opts->sshd_config, cfg->ssh_group, &all, out, err);
		jail_strv_clear(&all);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	if (ubj)
		jail_audit_users_free(ubj, cfg_jails.n);
	jail_strv_clear(&cfg_jails);
	jail_strv_clear(&selected);
	if (cfg)
		jail_config_free(cfg);
	return ret;
}
