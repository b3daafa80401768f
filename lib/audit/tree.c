/* The audit of a jail tree: every entry below the root (zones, devices,
 * capabilities, symlinks, hard links) and the manifest of files copied
 * from the host. */
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
 * The walk */

typedef enum {
	ZONE_OTHER = 0,
	ZONE_SYSTEM,  /* /etc /bin /sbin /lib* /usr: root runs and reads these */
	ZONE_DEV,     /* /dev */
	ZONE_RUNTIME, /* /run, /var/run, /var/lock */
	ZONE_TMP,     /* /tmp, /var/tmp, anything below a sticky world-writable dir */
	ZONE_HOME,    /* jailed users' homes and /home/NAME dirs they own */
} zone_t;

bool audit_is_system_top(const char *name)
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
		if (audit_is_system_top(name))
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
		if (a->homes && (a->homes_idx ? audit_nameidx_get(a->homes_idx, rel, NULL)
					      : jail_strv_contains(a->homes, rel)))
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
			return audit_report(a, JAIL_SEV_CRITICAL, hp, fix,
					    "device node is %s %u:%u, expected char %u:%u",
					    chr ? "char" : "block", maj, min,
					    allowed_devices[i].maj, allowed_devices[i].min);
		}
	}
	fix = jail_strdup_printf("rm %s", hp);
	return audit_report(a, JAIL_SEV_CRITICAL, hp, fix,
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
		return audit_report(
		    a, JAIL_SEV_CRITICAL, hp, fix,
		    "has file capabilities (security.capability): running it grants "
		    "privileges");
	}
	if (errno == ENOENT && !a->proc_reported) {
		a->proc_reported = true;
		return audit_report(a, JAIL_SEV_WARNING, "/proc", "mount /proc",
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
		if (audit_report(
			a, JAIL_SEV_CRITICAL, e->path, fix,
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
		return audit_report(a, JAIL_SEV_CRITICAL, hp, fix,
				    "symlink owned by %s, not root: pam_jail refuses sessions",
				    audit_user_name(st->st_uid, who, sizeof(who)));
	}
	/* The files pam_jail refuses as symlinks (jail_session_critical_files). */
	for (size_t i = 0; strncmp(rel, "etc/", 4) == 0 && jail_session_critical_files[i]; i++) {
		if (strcmp(rel + 4, jail_session_critical_files[i]) == 0) {
			cleanup_free char *fix =
			    jail_strdup_printf("replace %s with a root-owned regular file", hp);
			return audit_report(
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
	cleanup_free char *hp = audit_host_path(a, rel);
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
			if (audit_report(a, JAIL_SEV_CRITICAL, hp, fix, "owned by %s, not root: %s",
					 audit_user_name(st->st_uid, who, sizeof(who)), why) < 0)
				return -1;
		}
		if ((m & (S_IWGRP | S_IWOTH)) && !sticky_dir && (S_ISDIR(m) || S_ISREG(m))) {
			cleanup_free char *fix = jail_strdup_printf("chmod go-w %s", hp);
			if (audit_report(a, JAIL_SEV_CRITICAL, hp, fix,
					 "%s writable by %s (mode %04o): %s",
					 S_ISDIR(m) ? "directory" : "file",
					 (m & S_IWOTH) ? "others" : "its group",
					 (unsigned)(m & 07777), why) < 0)
				return -1;
		}
	} else if (zone != ZONE_HOME && zone != ZONE_TMP) {
		if (S_ISDIR(m) && (m & (S_IWGRP | S_IWOTH)) && !sticky_dir) {
			cleanup_free char *fix = jail_strdup_printf(
			    "chmod go-w %s, or chmod 1777 for a shared tmp directory", hp);
			if (audit_report(a, JAIL_SEV_CRITICAL, hp, fix,
					 "directory writable by %s (mode %04o) and not sticky",
					 (m & S_IWOTH) ? "others" : "its group",
					 (unsigned)(m & 07777)) < 0)
				return -1;
		}
		if (S_ISREG(m) && (m & S_IWOTH)) {
			cleanup_free char *fix = jail_strdup_printf("chmod o-w %s", hp);
			if (audit_report(a, JAIL_SEV_CRITICAL, hp, fix,
					 "world-writable file (mode %04o)",
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
			if (audit_report(
				a, kept ? JAIL_SEV_WARNING : JAIL_SEV_CRITICAL, hp, fix,
				"%s file (mode %04o)%s",
				(m & S_ISUID) ? ((m & S_ISGID) ? "setuid and setgid" : "setuid")
					      : "setgid",
				(unsigned)(m & 07777),
				kept ? ", kept on request by jailctl init --allow-setuid" : "") < 0)
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
			return audit_report(a, JAIL_SEV_CRITICAL, hp, fix,
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
int audit_list_dir(int dfd, jail_strv_t *names, jail_error_t *err)
{
	cleanup_dir DIR *d = jail_opendir_fd(dfd, NULL, err);
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
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(char *), cmp_str);
	return ret;
}

static int walk_dir(audit_t *a, int dfd, const char *rel, zone_t zone, int depth)
{
	jail_strv_t names = {0};
	jail_error_t lerr = {0};
	int ret = 0;

	if (audit_list_dir(dfd, &names, &lerr) < 0) {
		cleanup_free char *hp = audit_host_path(a, rel);
		jail_strv_clear(&names);
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_set(a->err, ENOMEM, "audit");
		return audit_report(a, JAIL_SEV_WARNING, hp ? hp : rel, "",
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
			cleanup_free char *hp = audit_host_path(a, crel);
			if (errno == ENOENT)
				continue; /* removed meanwhile */
			ret = audit_report(a, JAIL_SEV_WARNING, hp ? hp : crel, "",
					   "cannot stat: %s", strerror(errno));
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
			cleanup_free char *hp = audit_host_path(a, crel);
			ret = audit_report(a, JAIL_SEV_WARNING, hp ? hp : crel, "flatten the tree",
					   "more than %d directories deep: not audited below",
					   AUDIT_MAX_DEPTH);
			continue;
		}
		cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0 || fstat(cfd, &cst) < 0) {
			cleanup_free char *hp = audit_host_path(a, crel);
			if (errno == ENOENT)
				continue;
			ret = audit_report(a, JAIL_SEV_WARNING, hp ? hp : crel, "",
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
	cleanup_free char *mp = audit_host_path(a, ".jail/manifest");
	cleanup_free char *ifix =
	    jail_strdup_printf("jailctl init %s SECTION... rewrites it", a->jail);

	if (mp == NULL || ifix == NULL)
		return jail_error_set(a->err, ENOMEM, "audit");
	if (jail_manifest_read(a->rootfd, &a->manifest, &lerr) == 0)
		return 0;
	a->manifest = NULL;
	if (jail_error_is(&lerr, ENOENT))
		return 0;
	if (jail_error_is(&lerr, ENOMEM))
		return jail_error_set(a->err, ENOMEM, "audit");
	return audit_report(
	    a, JAIL_SEV_WARNING, mp, ifix,
	    "the manifest cannot be used, copied files not compared with the host: %s", lerr.msg);
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
		hp = audit_host_path(a, e->path + 1);
		if (hp == NULL) {
			ret = jail_error_set(a->err, ENOMEM, "audit");
			break;
		}
		jail_error_clear(&lerr);
		/* The host is trusted and read as is; the jail side is opened
		 * beneath the jail root without following a symlink. */
		r = jail_tree_compare_file(a->rootfd, "/", e, &why, &lerr);
		if (r < 0)
			ret = audit_report(a, JAIL_SEV_WARNING, hp, fix,
					   "cannot compare with the host: %s", lerr.msg);
		else if (r > 0 && why && strstr(why, "on the host"))
			ret = audit_report(a, JAIL_SEV_WARNING, hp, prune,
					   "copied from host %s, which is gone (%s)", e->path, why);
		else if (r > 0)
			ret = audit_report(a, JAIL_SEV_WARNING, hp, fix, "differs from host %s: %s",
					   e->path, why ? why : "differs");
	}
	return ret;
}

int audit_tree(audit_t *a)
{
	if (load_manifest(a) < 0)
		return -1;
	if (walk_dir(a, a->rootfd, "", ZONE_OTHER, 0) < 0)
		return -1;
	if (report_links(a) < 0)
		return -1;
	return audit_manifest(a);
}

void audit_tree_free(audit_t *a)
{
	for (size_t i = 0; i < a->n_links; i++)
		free(a->links[i].path);
	free(a->links);
	free(a->link_index);
	jail_manifest_free(a->manifest);
}
