/* Path resolution that never follows a symlink a user could have planted.
 *
 * Every privileged write into a jail or a home goes through these functions:
 * paths are resolved relative to an fd of the jail root (or the home), with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS) where the
 * kernel has it, and otherwise with a walk of openat(O_PATH|O_NOFOLLOW) one
 * component at a time.  A symlink anywhere in the path is an error (ELOOP),
 * never followed; ".." is refused. */
#ifndef JAIL_SAFEFS_H
#define JAIL_SAFEFS_H

#include "base/error.h"

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The one trusted-path walker.  An absolute directory path is walked from
 * "/" one component at a time, each opened with O_NOFOLLOW (a symlink is
 * never followed), and each must be owned by root and not writable by group
 * or others (OpenSSH safely_chroot rules).  Modes, as flags (Linux-PAM's
 * pam_namespace secure_opendir is the model):
 *   JAIL_WALK_CREATE  a missing component is made (mkdir 0755, the last one
 *                     create_mode when set; umask applies), then checked
 *                     like any other: the registry under /run.
 *   JAIL_WALK_REPORT  a problem is passed to report() and the walk goes on
 *                     where it can (an untrusted owner or mode); a symlink,
 *                     a missing or unopenable component ends it: the audit.
 * Without REPORT the first problem fails the walk, with the message
 * jail_walk_error() writes. */
#define JAIL_WALK_CREATE (1u << 0)
#define JAIL_WALK_REPORT (1u << 1)

typedef enum jail_walk_problem {
	JAIL_WALK_NOT_ROOT = 1, /* owned by st->st_uid, not root */
	JAIL_WALK_WRITABLE,	/* group- or world-writable (st->st_mode) */
	JAIL_WALK_SYMLINK,	/* a symlink: never followed; ends the walk */
	JAIL_WALK_UNREACHABLE,	/* cannot be opened (errnum; ENOENT: missing); ends it */
	JAIL_WALK_NO_STAT,	/* fstat failed (errnum); ends it */
	JAIL_WALK_NOT_CREATED,	/* CREATE: mkdir failed (errnum); ends it */
} jail_walk_problem_t;

typedef struct jail_walk_finding {
	jail_walk_problem_t problem;
	const char *path;      /* the component: the normalized path up to it ("/" first) */
	const struct stat *st; /* NOT_ROOT and WRITABLE, else NULL */
	int errnum;	       /* UNREACHABLE, NO_STAT, NOT_CREATED */
} jail_walk_finding_t;

/* REPORT mode: called for each problem; a negative return (with the
 * caller's own error set) stops the walk, which then returns -1. */
typedef int (*jail_walk_report_fn)(void *ctx, const jail_walk_finding_t *f);

typedef struct jail_walk_opts {
	unsigned flags;	    /* JAIL_WALK_* */
	mode_t create_mode; /* CREATE: mode of the last component; 0 means 0755 */
	jail_walk_report_fn report;
	void *ctx;
} jail_walk_opts_t;

/* Walk ABSPATH (normalized first) with OPTS (NULL: no flags).  Returns 0
 * with *FDP an O_DIRECTORY|O_CLOEXEC fd of ABSPATH (not O_PATH: callers may
 * read it); in REPORT mode *FDP may be -1 when a reported problem ended the
 * walk.  Returns -1 with err set on the first problem (no REPORT), on an
 * invalid path, or when report() failed. */
int jail_walk_trusted(const char *abspath, const jail_walk_opts_t *opts, int *fdp,
		      jail_error_t *err);

/* The error a walk without REPORT fails with for F ("PATH is owned by uid
 * N, expected root (uid 0)", "PATH is writable by its group (mode 0775),
 * ...", "PATH is a symlink, expected a real directory", "open PATH: ...",
 * "stat PATH: ...", "create PATH: ...").  Always returns -1. */
int jail_walk_error(const jail_walk_finding_t *f, jail_error_t *err);

/* The rule every component of the walk is held to, for one stat: ST (of
 * PATH) must be owned by root and not group/world-writable.  Each broken
 * part is a problem handled as by the walk with OPTS (NULL: the first one
 * fails).  Returns 0 when it passes or all was reported, else -1. */
int jail_trust_stat(const struct stat *st, const char *path, const jail_walk_opts_t *opts,
		    jail_error_t *err);

/* jail_walk_trusted() without flags: returns the fd or -1 with err naming
 * the offending path. */
int jail_open_trusted_dir(const char *abspath, jail_error_t *err);

/* Check an already-open fd against the trusted rules (jail_trust_stat());
 * NAME is used in the message. */
int jail_check_trusted_fd(int fd, const char *name, jail_error_t *err);

/* Open REL beneath DIRFD without following any symlink in any component
 * (including the last) and without leaving DIRFD.  REL is relative ("a/b")
 * or absolute, in which case it is taken relative to DIRFD ("/etc/passwd" in
 * a jail).  FLAGS/MODE are as for openat(); O_NOFOLLOW and O_CLOEXEC are
 * always added.  Returns an fd or -1 (ELOOP for a symlink, EXDEV/EINVAL for
 * an escape attempt). */
int jail_openat_beneath(int dirfd, const char *rel, int flags, mode_t mode, jail_error_t *err);

/* Open the parent directory of REL beneath DIRFD (as above) and return its
 * fd; *basename receives a pointer into REL at the last component.  REL must
 * have a last component other than "." or "..". */
int jail_open_parent_beneath(int dirfd, const char *rel, const char **basename, jail_error_t *err);

/* Create every missing directory of REL beneath DIRFD (mode MODE, owned by
 * UID:GID when created; existing ones are left as they are) without
 * following symlinks; an existing non-directory or symlink is an error.
 * Returns an O_DIRECTORY fd of the last one. */
int jail_mkdirs_beneath(int dirfd, const char *rel, mode_t mode, uid_t uid, gid_t gid,
			jail_error_t *err);

/* A new regular file written under a temporary name and then put in place
 * atomically, or removed: what jail_write_file_beneath() and the jail tree
 * writer share.  Use:
 *
 *	cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
 *	if (jail_tmpfile_create(&t, dirfd, what, err) < 0) return -1;
 *	... write to t.fd, fchown/fchmod/fsync it ...
 *	return jail_tmpfile_commit(&t, base, err);
 *
 * and every return before the commit removes the temporary. */
typedef struct jail_tmpfile {
	int dirfd;	  /* the directory it is in (the caller's, not closed) */
	int fd;		  /* O_WRONLY fd of the temporary; -1 when there is none */
	const char *what; /* the target, for messages (the caller's) */
	char name[64];	  /* ".jail-tmp.PID.N" */
} jail_tmpfile_t;

#define JAIL_TMPFILE_INIT ((jail_tmpfile_t){.dirfd = -1, .fd = -1})

/* Create a new, empty regular file of mode 0600 in DIRFD (a directory fd,
 * O_PATH is enough) under a name of the form ".jail-tmp.PID.N" that did not
 * exist: O_CREAT|O_EXCL|O_NOFOLLOW, so it is never an existing file or the
 * target of a planted symlink.  DIRFD must stay open until the commit or the
 * abort.  Whoever else can write into DIRFD could swap the temporary's name
 * before the commit, so DIRFD should be a directory only the caller can
 * write into.  WHAT names the target in messages ("create a temporary file
 * for WHAT").  Returns 0 with t->fd open, or -1 with err set and nothing
 * created. */
int jail_tmpfile_create(jail_tmpfile_t *t, int dirfd, const char *what, jail_error_t *err);

/* Rename the temporary over BASE (a name in the same directory, replaced
 * atomically if it exists: never a half-written target) and close t->fd.
 * On failure ("rename into WHAT") the temporary is removed and BASE is
 * untouched.  Either way T holds nothing afterwards. */
int jail_tmpfile_commit(jail_tmpfile_t *t, const char *base, jail_error_t *err);

/* Remove the temporary and close its fd, if T holds one (a no-op after a
 * commit or on JAIL_TMPFILE_INIT).  errno is preserved, so a caller may
 * abort first and report errno after. */
void jail_tmpfile_abort(jail_tmpfile_t *t);

#define cleanup_tmpfile __attribute__((cleanup(jail_tmpfile_abort)))

/* Write DATA to REL beneath DIRFD atomically: a temporary file in the same
 * directory, fchown/fchmod, fsync, renameat over the target.  On failure the
 * temporary is removed and the target is untouched. */
int jail_write_file_beneath(int dirfd, const char *rel, const void *data, size_t len, mode_t mode,
			    uid_t uid, gid_t gid, jail_error_t *err);

/* lstat-like fstatat of REL beneath DIRFD, not following the last component. */
int jail_stat_beneath(int dirfd, const char *rel, struct stat *st, jail_error_t *err);

/* Remove a whole tree REL beneath DIRFD without following symlinks
 * (symlinks themselves are unlinked, never their targets). Staying on one
 * file system: a mount point below is an error. */
int jail_remove_tree_beneath(int dirfd, const char *rel, jail_error_t *err);

/* A DIR stream over the directory DIRFD, for readdir(), without following
 * anything: no path is resolved, the stream reads the very directory DIRFD
 * refers to.  DIRFD must be open for reading (readdir fails with EBADF on
 * an O_PATH fd) and stays the caller's: the stream holds a duplicate
 * (F_DUPFD_CLOEXEC), which closedir() closes, so DIRFD remains usable after
 * closedir().  The duplicate shares DIRFD's file offset: the stream is
 * rewound, so it always reads the whole directory.  On failure returns
 * NULL with errno and err ("opendir WHAT"; WHAT may be NULL) set; nothing is
 * left open. */
DIR *jail_opendir_fd(int dirfd, const char *what, jail_error_t *err);

/* Tests only: force the openat() walk even where openat2() exists, so that
 * both branches are exercised. Returns the previous setting. */
bool jail_safefs_force_fallback(bool force);

/* Read the whole file PATH (absolute; at most MAX bytes) that root wrote for
 * a less trusted reader to trust: every directory above it must pass
 * jail_open_trusted_dir() (so nobody else could rename a file into place),
 * and the file itself must be a regular file (opened with O_NOFOLLOW and
 * O_NONBLOCK), owned by root and not writable by group or others.  *OUT is
 * NUL-terminated and malloc'd.  A missing file fails with err->code ENOENT.
 * Used by jailsh for what pam_jail left in the session's /run/jail. */
int jail_read_trusted_file(const char *path, size_t max, char **out, size_t *len,
			   jail_error_t *err);

#endif
