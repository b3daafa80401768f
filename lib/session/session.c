/* Opening and closing a jailed session (see session.h). */
#define _GNU_SOURCE
#include "session/session.h"
#include "session/session-internal.h"
#include "confine/sandbox.h"
#include "confine/seccomp.h"
#include "confine/caps.h"
#include "confine/cgroup.h"
#include "session/loginrec.h"
#include "confine/logrelay.h"
#include "confine/mounts.h"
#include "confine/nsinit.h"
#include "base/pwfile.h"
#include "session/registry.h"
#include "base/sdbus.h"
#include "base/safefs.h"
#include "session/sessionfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

static int release_logind(jail_session_t *s, jail_error_t *err);

/* ------------------------------------------------------------------ */
/* lookup                                                              */

int jail_session_prepare(const char *config_dir, const char *user, jail_session_t **out,
			 jail_error_t *err)
{
	jail_session_t *s;
	const jail_assign_t *a = NULL;
	struct passwd *pw;
	int r;

	*out = NULL;
	if (user == NULL || user[0] == '\0')
		return jail_error_fmt(err, EINVAL, "no user name");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return jail_error_set(err, ENOMEM, "session");
	s->registry_fd = -1;
	s->linger_fd = -1;
	s->host_mnt = s->host_pidns = -1;
	s->loginrec = (jail_loginrec_t)JAIL_LOGINREC_INIT;
	jail_sandbox_init(&s->sb);
	s->user = strdup(user);
	if (s->user == NULL) {
		jail_session_free(s);
		return jail_error_set(err, ENOMEM, "session");
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		int e = errno;
		jail_session_free(s);
		return e ? jail_error_set(err, e, "look up user %s", user)
			 : jail_error_fmt(err, ENOENT, "unknown user %s", user);
	}
	s->uid = pw->pw_uid;
	s->gid = pw->pw_gid;
	if ((pw->pw_dir && (s->home = strdup(pw->pw_dir)) == NULL) ||
	    (s->host_shell = strdup(pw->pw_shell ? pw->pw_shell : "")) == NULL) {
		jail_session_free(s);
		return jail_error_set(err, ENOMEM, "session");
	}
	if (jail_config_load_for_user(config_dir ? config_dir : JAIL_DEFAULT_CONFIG_DIR, user,
				      &s->cfg, err) < 0) {
		jail_session_free(s);
		return -1;
	}
	r = jail_config_resolve(s->cfg, user, s->gid, &a, err);
	if (r < 0) {
		jail_session_free(s);
		return -1;
	}
	if (r <= 0) {
		jail_session_free(s);
		return 0;
	}
	s->jail = strdup(a->jail);
	s->profile_name = strdup(a->profile);
	s->shell = a->shell ? strdup(a->shell) : NULL;
	if (s->jail == NULL || s->profile_name == NULL || (a->shell && s->shell == NULL)) {
		jail_session_free(s);
		return jail_error_set(err, ENOMEM, "session");
	}
	*out = s;
	if (jail_profile_load(s->cfg->dir, s->profile_name, &s->profile, err) < 0)
		return jail_error_wrap(err, "profile %s", s->profile_name);
	return 1;
}

/* ------------------------------------------------------------------ */
/* checks                                                              */

static int check_dir_fd(int fd, const char *jail, const char *what, jail_error_t *err)
{
	char name[PATH_MAX + 64];

	snprintf(name, sizeof(name), "%s in jail %s", what, jail);
	return jail_check_trusted_fd(fd, name, err);
}

/* One top-level system directory NAME of the jail: a directory, or a
 * root-owned symlink whose target (resolved beneath the jail, no further
 * symlink) is one. */
static int check_system_entry(int jail_fd, const char *jail, const char *name, jail_error_t *err)
{
	struct stat st;
	cleanup_close int fd = -1;
	char what[PATH_MAX + 8];

	if (fstatat(jail_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return jail_error_set(err, errno, "stat /%s in jail %s", name, jail);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n;

		if (st.st_uid != 0)
			return jail_error_fmt(
			    err, EPERM,
			    "/%s in jail %s is a symlink owned by uid %u, expected "
			    "root",
			    name, jail, (unsigned)st.st_uid);
		n = readlinkat(jail_fd, name, target, sizeof(target) - 1);
		if (n < 0)
			return jail_error_set(err, errno, "readlink /%s in jail %s", name, jail);
		target[n] = '\0';
		fd = jail_openat_beneath(jail_fd, target, O_PATH | O_DIRECTORY, 0, err);
		if (fd < 0)
			return jail_error_wrap(err, "/%s -> %s in jail %s", name, target, jail);
		snprintf(what, sizeof(what), "/%s -> %s", name, target);
		return check_dir_fd(fd, jail, what, err);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (strncmp(name, "lib", 3) == 0 && strcmp(name, "lib") != 0)
			return 0; /* a file that merely starts with "lib" */
		return jail_error_fmt(err, ENOTDIR, "/%s in jail %s is not a directory", name,
				      jail);
	}
	fd = openat(jail_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno, "open /%s in jail %s", name, jail);
	snprintf(what, sizeof(what), "/%s", name);
	return check_dir_fd(fd, jail, what, err);
}

const char *const jail_session_critical_files[] = {
    "passwd", "group", "nsswitch.conf", "ld.so.preload", "ld.so.cache", "ld.so.conf", "shadow",
    "pam.d",  NULL,
};

static int check_critical_files(int jail_fd, const char *jail, jail_error_t *err)
{
	cleanup_close int etc = -1;
	jail_error_t e2;

	/* /etc itself was checked (check_system_entry); opened once here,
	 * beneath the jail and through no symlink. */
	etc = jail_openat_beneath(jail_fd, "etc", O_PATH | O_DIRECTORY, 0, &e2);
	if (etc < 0) {
		if (jail_error_is(&e2, ENOENT))
			return 0;
		/* check_system_entry let a root-owned symlink through. */
		if (jail_error_is(&e2, ENOTDIR) || jail_error_is(&e2, ELOOP))
			return jail_error_fmt(err, ELOOP,
					      "/etc in jail %s is a symlink: the files root reads "
					      "there are not opened through one",
					      jail);
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "jail %s", jail);
	}
	for (size_t i = 0; jail_session_critical_files[i]; i++) {
		const char *name = jail_session_critical_files[i];
		cleanup_close int fd = -1;
		struct stat st;
		char what[64];

		fd = openat(etc, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return jail_error_set(err, errno, "open /etc/%s in jail %s", name, jail);
		}
		if (fstat(fd, &st) < 0)
			return jail_error_set(err, errno, "stat /etc/%s in jail %s", name, jail);
		if (S_ISLNK(st.st_mode))
			return jail_error_fmt(err, ELOOP,
					      "/etc/%s in jail %s is a symlink, expected a file "
					      "owned by root",
					      name, jail);
		snprintf(what, sizeof(what), "/etc/%s", name);
		if (check_dir_fd(fd, jail, what, err) < 0)
			return -1;
	}
	return 0;
}

/* Is the jail's jailsh (JFD, a regular file at PATH in JAIL) the host's
 * installed one at the same PATH?  jailctl init, update and cp copy exactly
 * that file, so anything else was put there by someone else (root inside a
 * session, a botched copy): size first, then the bytes.  The host's copy is
 * opened through a trusted parent chain without following a symlink.  Cost:
 * two reads of a file that sits in the page cache: 24 us for the 324 KiB
 * jailsh here (best of 200; mean 36 us), against a login of several
 * milliseconds. */
static int same_as_host_jailsh(int jfd, const char *jail, const char *path, jail_error_t *err)
{
	const char *base = strrchr(path, '/') + 1;
	cleanup_free char *parent =
	    base - path > 1 ? strndup(path, (size_t)(base - path - 1)) : strdup("/");
	cleanup_close int pfd = -1;
	cleanup_close int hfd = -1;
	cleanup_free char *a = NULL;
	struct stat hs, js;

	if (parent == NULL)
		return jail_error_set(err, ENOMEM, "jailsh");
	pfd = jail_open_trusted_dir(parent, err);
	if (pfd < 0)
		return jail_error_wrap(err, "the installed jailsh %s", path);
	hfd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (hfd < 0)
		return jail_error_set(err, errno,
				      "open the installed jailsh %s (the jail's copy is compared "
				      "with it)",
				      path);
	if (fstat(hfd, &hs) < 0 || fstat(jfd, &js) < 0)
		return jail_error_set(err, errno, "stat jailsh %s", path);
	if (!S_ISREG(hs.st_mode) || hs.st_uid != 0 || (hs.st_mode & (S_IWGRP | S_IWOTH)))
		return jail_error_fmt(err, EPERM,
				      "the installed jailsh %s is not a regular file owned by root "
				      "and not group/world-writable",
				      path);
	if (hs.st_size != js.st_size)
		return jail_error_fmt(err, EPERM,
				      "jailsh %s%s is not the installed jailsh %s (%lld bytes, "
				      "expected %lld): it was replaced; run jailctl update %s",
				      jail, path, path, (long long)js.st_size,
				      (long long)hs.st_size, jail);
	a = malloc(2 * 65536);
	if (a == NULL)
		return jail_error_set(err, ENOMEM, "jailsh");
	for (off_t off = 0; off < hs.st_size;) {
		size_t want = hs.st_size - off > 65536 ? 65536 : (size_t)(hs.st_size - off);
		ssize_t n1 = pread(hfd, a, want, off);
		ssize_t n2 = pread(jfd, a + 65536, want, off);

		if (n1 < 0 || n2 < 0)
			return jail_error_set(err, errno, "read jailsh %s", path);
		if (n1 != (ssize_t)want || n2 != (ssize_t)want)
			return jail_error_fmt(err, EAGAIN, "jailsh %s changed while being compared",
					      path);
		if (memcmp(a, a + 65536, want) != 0)
			return jail_error_fmt(err, EPERM,
					      "jailsh %s%s is not the installed jailsh %s (its "
					      "content differs): it was replaced; run jailctl "
					      "update %s",
					      jail, path, path, jail);
		off += (off_t)want;
	}
	return 0;
}

/* PATH inside the jail: a root-owned, not group/world-writable executable
 * through trusted directories; with IDENTITY also byte for byte the host's
 * installed jailsh (same_as_host_jailsh). */
static int check_jailsh(int jail_fd, const char *jail, const char *path, bool identity,
			jail_error_t *err)
{
	cleanup_free char *norm = jail_path_normalize(path, err);
	cleanup_close int cur = -1;
	char *p, *slash;
	struct stat st;

	if (norm == NULL)
		return jail_error_wrap(err, "jailsh path");
	if (strcmp(norm, "/") == 0)
		return jail_error_fmt(err, EINVAL, "jailsh path '%s' names no file", path);
	cur = fcntl(jail_fd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return jail_error_set(err, errno, "dup");
	p = norm + 1;
	for (;;) {
		int nfd;

		slash = strchr(p, '/');
		if (slash == NULL)
			break;
		*slash = '\0';
		nfd = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int e = errno;
			if (e == ENOENT)
				return jail_error_fmt(err, ENOENT,
						      "jailsh %s is missing from jail %s (no "
						      "directory %s)",
						      path, jail, norm);
			return jail_error_set(err, e == ENOTDIR ? ELOOP : e,
					      "jailsh %s in jail %s: %s is a symlink or not a "
					      "directory",
					      path, jail, norm);
		}
		close(cur);
		cur = nfd;
		if (check_dir_fd(cur, jail, norm, err) < 0)
			return jail_error_wrap(err, "jailsh %s", path);
		*slash = '/';
		p = slash + 1;
	}
	if (fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return jail_error_fmt(err, ENOENT, "jailsh %s is missing from jail %s",
					      path, jail);
		return jail_error_set(err, errno, "stat jailsh %s in jail %s", path, jail);
	}
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "jailsh %s in jail %s is not a regular file%s",
				      path, jail, S_ISLNK(st.st_mode) ? " (a symlink)" : "");
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return jail_error_fmt(err, EPERM,
				      "jailsh %s in jail %s must be owned by root and not "
				      "group/world-writable (uid %u, mode %04o)",
				      path, jail, (unsigned)st.st_uid,
				      (unsigned)(st.st_mode & 07777));
	if ((st.st_mode & 0111) != 0111)
		return jail_error_fmt(err, EACCES,
				      "jailsh %s in jail %s is not executable by everyone (mode "
				      "%04o)",
				      path, jail, (unsigned)(st.st_mode & 07777));
	if (identity) {
		cleanup_close int jfd =
		    openat(cur, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		struct stat st2;

		if (jfd < 0)
			return jail_error_set(err, errno, "open jailsh %s in jail %s", path, jail);
		if (fstat(jfd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
			return jail_error_fmt(err, EAGAIN, "jailsh %s in jail %s changed meanwhile",
					      path, jail);
		return same_as_host_jailsh(jfd, jail, norm, err);
	}
	return 0;
}

static int check_jail(int jail_fd, const char *jail, const char *jailsh_path, bool identity,
		      jail_error_t *err)
{
	static const char *const fixed[] = {"etc", "bin", "sbin", "usr", NULL};
	cleanup_close int dfd = -1;
	cleanup_dir DIR *d = NULL;
	struct dirent *de;

	for (size_t i = 0; fixed[i]; i++)
		if (check_system_entry(jail_fd, jail, fixed[i], err) < 0)
			return -1;
	/* Readable even when JAIL_FD is an O_PATH fd. */
	dfd = openat(jail_fd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0)
		return jail_error_set(err, errno, "open jail %s", jail);
	d = jail_opendir_fd(dfd, NULL, err);
	if (d == NULL)
		return jail_error_wrap(err, "read jail %s", jail);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "lib", 3) != 0)
			continue;
		if (check_system_entry(jail_fd, jail, de->d_name, err) < 0)
			return -1;
	}
	if (check_critical_files(jail_fd, jail, err) < 0)
		return -1;
	return check_jailsh(jail_fd, jail, jailsh_path, identity, err);
}

int jail_session_check_jail(int jail_fd, const char *jail, const char *jailsh_path,
			    jail_error_t *err)
{
	return check_jail(jail_fd, jail, jailsh_path, false, err);
}

/* sshd, su and runuser run the shell of the host's passwd entry (as NSS
 * gave it before the session opened: a directory's loginShell for LDAP
 * users) inside the jail.  Anything but jailsh would run there without
 * no_new_privs, seccomp, the LSM policy and `commands =`: refused.  Users
 * jailed by a [user:] or [group:] mapping (or a directory group) get no
 * usermod from jailctl adduser, so this is where a forgotten shell is
 * caught. */
static int check_host_shell(const jail_session_t *s, jail_error_t *err)
{
	const char *jailsh = s->cfg->jailsh_path;

	if (s->host_shell && strcmp(s->host_shell, jailsh) == 0)
		return 0;
	return jail_error_fmt(err, EPERM,
			      "the login shell of %s is %s, not jailsh (%s): it would run in the "
			      "jail unconfined; set it to %s (usermod -s, or loginShell in the "
			      "directory)",
			      s->user, s->host_shell && s->host_shell[0] ? s->host_shell : "empty",
			      jailsh, jailsh);
}

/* The user's line in the jail's /etc/passwd (checked as a critical file
 * before: root's, no symlink), read beneath the jail fd without following
 * a symlink.  login(1) looks the user up again after pam_open_session, in
 * the jail, and runs the shell it finds there: it must be jailsh, with the
 * host's uid, or the session is refused (fail closed). */
static int check_passwd_entry(int jail_fd, const jail_session_t *s, jail_error_t *err)
{
	const char *jailsh = s->cfg->jailsh_path;
	cleanup_close int fd = -1;
	cleanup_free char *shell = NULL;
	struct stat st;
	uid_t uid = 0;
	jail_error_t e2;
	int r;

	jail_error_clear(&e2);
	fd = jail_openat_beneath(jail_fd, "etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &e2);
	if (fd < 0) {
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "/etc/passwd of jail %s (run jailctl adduser %s)",
				       s->jail, s->user);
	}
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "stat /etc/passwd in jail %s", s->jail);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "/etc/passwd in jail %s is not a regular file",
				      s->jail);
	r = jail_passwd_fd_lookup(fd, s->user, &uid, &shell, err);
	if (r < 0)
		return jail_error_wrap(err, "/etc/passwd of jail %s", s->jail);
	if (r == 0)
		return jail_error_fmt(err, ENOENT,
				      "%s has no line in /etc/passwd of jail %s; run jailctl "
				      "adduser %s again (or write the line with the shell %s)",
				      s->user, s->jail, s->user, jailsh);
	if (uid != s->uid)
		return jail_error_fmt(err, EPERM,
				      "%s has uid %u in /etc/passwd of jail %s but uid %u on the "
				      "host; run jailctl adduser %s again",
				      s->user, (unsigned)uid, s->jail, (unsigned)s->uid, s->user);
	if (strcmp(shell, jailsh) != 0)
		return jail_error_fmt(err, EPERM,
				      "the shell of %s in /etc/passwd of jail %s is %s, not jailsh "
				      "(%s): login(1) would run it unconfined; run jailctl adduser "
				      "%s again",
				      s->user, s->jail, shell, jailsh, s->user);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the session file                                                    */

static int format_session_file(const jail_session_t *s, char **out, size_t *outlen,
			       jail_error_t *err)
{
	jail_session_info_t *info = NULL;
	int r;

	if (jail_session_info_from_profile(s->profile, s->id, s->user, s->jail, s->shell, &info,
					   err) < 0)
		return jail_error_wrap(err, "session file");
	r = jail_sessionfile_format(info, out, outlen, err);
	jail_session_info_free(info);
	if (r < 0)
		return jail_error_wrap(err, "session file");
	return 0;
}

/* ------------------------------------------------------------------ */
/* open / close                                                        */

/* Files the failure of the open under KIND (jail_session_failure());
 * returns -1. */
static int fail_as(jail_session_t *s, jail_session_failure_t kind)
{
	s->failure = kind;
	return -1;
}

/* End what open built (jail_registry_end_sandbox: the init killed, the
 * record removed while it dies, then the init reaped and the cgroup
 * removed; the first error is returned), then what a lingering session
 * adds: the lock file of one that was never recorded (the record's removal
 * takes it otherwise), this connection's lock, the registry. */
static int teardown(jail_session_t *s, jail_error_t *err)
{
	bool unrecorded_linger = !s->record_written && s->linger_made;
	int ret = jail_registry_end_sandbox(s->registry_fd, s->id, &s->record_written, &s->sb, err);

	if (unrecorded_linger)
		(void)jail_registry_remove(s->registry_fd, s->id, NULL);
	s->linger_made = false;
	if (s->linger_fd >= 0) {
		close(s->linger_fd);
		s->linger_fd = -1;
	}
	if (s->registry_fd >= 0) {
		close(s->registry_fd);
		s->registry_fd = -1;
	}
	return ret;
}

/* The sandbox's step 6, while the host's /proc and files are reachable:
 * the login records and logind's namespaces kept for close, and the
 * session's record in the registry (its namespace inode is read from the
 * host's /proc). */
static int before_pivot(void *arg, int root_fd, const jail_ns_saved_t *host, jail_error_t *err)
{
	jail_session_t *s = arg;
	jail_session_record_t rec;
	jail_error_t e2;

	/* Login records (loginrec.h): the host's files opened while they are
	 * reachable, written once the session is complete; sshd's own go to
	 * files of the session.  Never a refusal.  host: mnt and pid are
	 * fd[0] and fd[1] (nsinit.c). */
	if (jail_loginrec_open(&s->loginrec, s->tty, s->id, host->fd[0], host->fd[1], &e2) < 0)
		jail_strv_push_error(&s->warnings, "not recorded in the host's wtmp/lastlog", &e2);
	if (jail_loginrec_session_files(root_fd, &e2) < 0)
		jail_strv_push_error(&s->warnings, "no session files for sshd's login records",
				     &e2);
	/* logind's session is released from the host at close. */
	if (s->logind_id) {
		s->host_mnt = fcntl(host->fd[0], F_DUPFD_CLOEXEC, 3);
		s->host_pidns = fcntl(host->fd[1], F_DUPFD_CLOEXEC, 3);
		if (s->host_mnt < 0 || s->host_pidns < 0) {
			jail_error_set(err, errno, "keep the host's namespaces for logind");
			return fail_as(s, JAIL_SESSION_FAIL_SETUP);
		}
	}

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, s->id, sizeof(rec.id));
	rec.user = s->user;
	rec.uid = s->uid;
	rec.jail = s->jail;
	rec.profile = s->profile_name;
	rec.remote = s->remote;
	rec.linger_ms = s->profile->linger_ms;
	/* The record refusing what it was given (a remote host that is no
	 * host name) is the caller's input, not the registry's state. */
	if (jail_registry_write_sandbox(s->registry_fd, &rec, &s->sb, err) < 0)
		return fail_as(s, jail_error_is(err, EINVAL) ? JAIL_SESSION_FAIL_SETUP
							     : JAIL_SESSION_FAIL_STATE);
	s->record_written = true;
	return 0;
}

int jail_session_open(jail_session_t *s, const char *remote, jail_error_t *err)
{
	cleanup_close int jail_fd = -1;
	cleanup_close int linger_lock = -1;
	cleanup_free char *sfile = NULL;
	cleanup_free char *blob = NULL;
	size_t sfile_len = 0, blob_len = 0;
	jail_sandbox_params_t p;
	bool logsocket = false;
	int r;

	if (s == NULL)
		return jail_error_fmt(err, EINVAL, "session not prepared");
	s->failure = JAIL_SESSION_FAIL_SETUP;
	if (s->profile == NULL)
		return jail_error_fmt(err, EINVAL, "session not prepared");
	if (s->open)
		return jail_error_fmt(err, EALREADY, "session already open");
	s->failure = JAIL_SESSION_FAIL_NONE;
	jail_strv_clear(&s->warnings);

	memset(&p, 0, sizeof(p));
	p.spec = &s->profile->spec;
	p.name = s->profile_name;
	p.root = s->jail;
	p.owner = s->user;
	p.uid = s->uid;
	p.home = s->home;
	p.cgroup_parent = s->cfg->cgroup_parent;
	p.before_pivot = before_pivot;
	p.arg = s;
	p.warnings = &s->warnings;

	/* Checks first: nothing is created (or joined) for a jail that fails
	 * them. */
	jail_fd = jail_open_trusted_dir(s->jail, err);
	if (jail_fd < 0) {
		jail_error_wrap(err, "jail %s", s->jail);
		return fail_as(s, JAIL_SESSION_FAIL_JAIL);
	}
	p.root_fd = jail_fd;
	if (check_host_shell(s, err) < 0)
		return fail_as(s, JAIL_SESSION_FAIL_USER);
	if (check_jail(jail_fd, s->jail, s->cfg->jailsh_path, true, err) < 0 ||
	    check_passwd_entry(jail_fd, s, err) < 0)
		return fail_as(s, JAIL_SESSION_FAIL_JAIL);
	if (jail_sandbox_check_lsms(&p, err) < 0)
		return fail_as(s, JAIL_SESSION_FAIL_SETUP);
	free(s->remote);
	s->remote = NULL;
	if (remote && remote[0] && (s->remote = strdup(remote)) == NULL) {
		jail_error_set(err, ENOMEM, "session");
		return fail_as(s, JAIL_SESSION_FAIL_SETUP);
	}
	s->registry_fd = jail_registry_open(s->cfg->registry_dir, true, err);
	if (s->registry_fd < 0) {
		jail_error_wrap(err, "session registry");
		fail_as(s, JAIL_SESSION_FAIL_STATE);
		goto fail;
	}
	/* linger: the user's lingering session is joined when there is one
	 * (linger.c); else one is built, under the same lock.  A failure
	 * there is STATE unless linger.c files it otherwise (its cgroup). */
	if (s->profile->linger_ms > 0) {
		s->failure = JAIL_SESSION_FAIL_STATE;
		linger_lock = session_linger_lock(s, err);
		if (linger_lock < 0)
			goto fail;
		r = session_linger_join(s, err);
		if (r < 0)
			goto fail;
		s->failure = JAIL_SESSION_FAIL_NONE;
		if (r == 1)
			goto logged_in;
	}
	if (jail_manifest_logsocket(jail_fd, &logsocket, err) < 0) {
		jail_error_wrap(err, "jail %s", s->jail);
		fail_as(s, JAIL_SESSION_FAIL_JAIL);
		goto fail;
	}
	if (jail_session_id_new(s->id, err) < 0 ||
	    format_session_file(s, &sfile, &sfile_len, err) < 0) {
		fail_as(s, JAIL_SESSION_FAIL_SETUP);
		goto fail;
	}
	jail_sandbox_seccomp_blob(&p, &blob, &blob_len);
	if (s->profile->linger_ms > 0 && session_linger_prepare(s, err) < 0) {
		fail_as(s, JAIL_SESSION_FAIL_STATE);
		goto fail;
	}

	p.id = s->id;
	p.logsocket = logsocket;
	p.session_data = sfile;
	p.session_len = sfile_len;
	p.seccomp_data = blob;
	p.seccomp_len = blob_len;
	r = jail_sandbox_open(&s->sb, &p, err);
	/* The init has its own open of the lock file now (or is gone). */
	if (s->sb.init.linger_fd >= 0)
		close(s->sb.init.linger_fd);
	s->sb.init.linger_fd = -1;
	if (r < 0) {
		/* The hook (before_pivot) filed its own failure. */
		if (s->sb.failed != JAIL_SANDBOX_FAIL_HOOK || s->failure == JAIL_SESSION_FAIL_NONE)
			s->failure = s->sb.failed == JAIL_SANDBOX_FAIL_ROOT ? JAIL_SESSION_FAIL_JAIL
				     : s->sb.failed == JAIL_SANDBOX_FAIL_CGROUP
					 ? JAIL_SESSION_FAIL_CGROUP
					 : JAIL_SESSION_FAIL_SETUP;
		goto fail;
	}
	s->open = true;
logged_in : {
	jail_error_t e2;
	if (jail_loginrec_login(&s->loginrec, s->user, s->uid, remote, &e2) < 0)
		jail_strv_push_error(&s->warnings, "not recorded in the host's wtmp/lastlog", &e2);
}
	return 0;
fail:
	jail_loginrec_close(&s->loginrec); /* nothing was written yet */
	teardown(s, NULL);
	return -1;
}

int jail_session_close(jail_session_t *s, jail_error_t *err)
{
	jail_error_t e2;
	int r;

	if (s == NULL || !s->open)
		return 0;
	s->open = false;
	/* A lingering session stays: this connection only lets go of it (its
	 * shared lock; the init ends the session once it is idle). */
	if (s->linger_fd >= 0) {
		close(s->linger_fd);
		s->linger_fd = -1;
		if (s->registry_fd >= 0)
			close(s->registry_fd);
		s->registry_fd = -1;
		r = jail_loginrec_logout(&s->loginrec, &e2);
		if (r < 0) {
			jail_error_move(err, &e2);
			release_logind(s, &e2);
			return jail_error_wrap(err, "logout not recorded");
		}
		return release_logind(s, err);
	}
	/* The logout after the teardown (loginrec.h: from a child on the host,
	 * once the session's pid namespace is gone); its failure is reported
	 * only when the teardown's own is not. */
	if (teardown(s, err) < 0) {
		jail_loginrec_logout(&s->loginrec, &e2);
		release_logind(s, &e2);
		return -1;
	}
	r = jail_loginrec_logout(&s->loginrec, &e2);
	if (r < 0) {
		jail_error_move(err, &e2);
		release_logind(s, &e2);
		return jail_error_wrap(err, "logout not recorded");
	}
	return release_logind(s, err);
}

void jail_session_free(jail_session_t *s)
{
	if (s == NULL)
		return;
	free(s->user);
	free(s->home);
	free(s->host_shell);
	free(s->jail);
	free(s->profile_name);
	free(s->shell);
	jail_strv_clear(&s->warnings);
	if (s->profile)
		jail_profile_free(s->profile);
	if (s->cfg)
		jail_config_free(s->cfg);
	jail_sandbox_free(&s->sb);
	if (s->registry_fd >= 0)
		close(s->registry_fd);
	if (s->linger_fd >= 0)
		close(s->linger_fd);
	jail_loginrec_close(&s->loginrec);
	free(s->remote);
	free(s->tty);
	free(s->logind_id);
	if (s->host_mnt >= 0)
		close(s->host_mnt);
	if (s->host_pidns >= 0)
		close(s->host_pidns);
	free(s);
}

int jail_session_set_logind_id(jail_session_t *s, const char *id, jail_error_t *err)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > 64 ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
		return jail_error_fmt(err, EINVAL, "odd logind session id '%.64s'", id ? id : "");
	free(s->logind_id);
	s->logind_id = strdup(id);
	if (s->logind_id == NULL)
		return jail_error_set(err, ENOMEM, "session");
	return 0;
}

/* ReleaseSession for logind's session, which pam_systemd would do at its
 * close but cannot: it runs inside the session's mount namespace, where
 * the system bus is not (and must not be: jailed users never get it).
 * From a child in the host's mount and pid namespaces, once the session is
 * gone; the result comes back through a pipe (sshd's monitor may reap the
 * child from its SIGCHLD handler before we do). */
static int release_logind(jail_session_t *s, jail_error_t *err)
{
	char msg[JAIL_ERROR_MSG_MAX] = "";
	int p[2];
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	if (s->logind_id == NULL || s->host_mnt < 0 || s->host_pidns < 0)
		return 0;
	if (setns(s->host_pidns, CLONE_NEWPID) < 0)
		return jail_error_set(err, errno,
				      "release logind session %s: back to the host's pid namespace",
				      s->logind_id);
	if (pipe2(p, O_CLOEXEC) < 0)
		return jail_error_set(err, errno, "release logind session %s: pipe", s->logind_id);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return jail_error_set(err, errno, "release logind session %s: fork", s->logind_id);
	}
	if (pid == 0) {
		jail_error_t e = {0};

		close(p[0]);
		if (setns(s->host_mnt, CLONE_NEWNS) < 0)
			jail_error_set(&e, errno,
				       "release logind session %s: the host's mount namespace",
				       s->logind_id);
		else
			jail_logind_release_session(JAIL_SYSTEM_BUS, s->logind_id, &e);
		if (e.msg[0])
			(void)!write(p[1], e.msg, strlen(e.msg));
		_exit(0);
	}
	close(p[1]);
	while (got < sizeof(msg) - 1 && ((n = read(p[0], msg + got, sizeof(msg) - 1 - got)) > 0 ||
					 (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	msg[got] = '\0';
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (got > 0)
		return jail_error_fmt(err, EIO, "%s", msg);
	return 0;
}

int jail_session_set_tty(jail_session_t *s, const char *tty, jail_error_t *err)
{
	char *t = NULL;

	if (tty && (t = strdup(tty)) == NULL)
		return jail_error_set(err, ENOMEM, "session");
	free(s->tty);
	s->tty = t;
	return 0;
}

jail_session_failure_t jail_session_failure(const jail_session_t *s)
{
	return s ? s->failure : JAIL_SESSION_FAIL_SETUP;
}

const char *jail_session_id(const jail_session_t *s)
{
	return s->id;
}

const char *jail_session_user(const jail_session_t *s)
{
	return s->user;
}

const char *jail_session_jail(const jail_session_t *s)
{
	return s->jail ? s->jail : "";
}

const char *jail_session_profile(const jail_session_t *s)
{
	return s->profile_name ? s->profile_name : "";
}

pid_t jail_session_init_pid(const jail_session_t *s)
{
	return s->joined ? s->joined_init : s->sb.init.pid;
}

int jail_session_lingering(const jail_session_t *s)
{
	if (s->linger_fd < 0)
		return 0;
	return s->joined ? 2 : 1;
}

const jail_strv_t *jail_session_warnings(const jail_session_t *s)
{
	return &s->warnings;
}

int jail_session_caller_inside(jail_error_t *err)
{
	jail_error_t e2;
	struct stat st;

	if (jail_pid1_is_session_init(&e2) == 1) {
		jail_error_fmt(err, EEXIST, "pid 1 is the session init %s", JAIL_NSINIT_NAME);
		return 1;
	}
	if (lstat(JAIL_SESSIONFILE_PATH, &st) == 0) {
		jail_error_fmt(err, EEXIST, "the session file %s exists", JAIL_SESSIONFILE_PATH);
		return 1;
	}
	return 0;
}

int jail_become_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, jail_error_t *err)
{
	if (uid == 0)
		return jail_error_fmt(err, EINVAL, "refusing to 'drop' to uid 0");
	if (setresgid(gid, gid, gid) < 0)
		return jail_error_set(err, errno, "setresgid %u", (unsigned)gid);
	if (setgroups(ngroups, groups) < 0)
		return jail_error_set(err, errno, "setgroups");
	if (setresuid(uid, uid, uid) < 0)
		return jail_error_set(err, errno, "setresuid %u", (unsigned)uid);
	if (setuid(0) == 0 || seteuid(0) == 0)
		return jail_error_fmt(err, EPERM, "could regain root after dropping to uid %u",
				      (unsigned)uid);
	if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
		return jail_error_fmt(err, EPERM, "could regain gid 0 after dropping to gid %u",
				      (unsigned)gid);
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return jail_error_fmt(err, EPERM, "the ids did not change as asked");
	return 0;
}
