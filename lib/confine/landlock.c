/* Landlock (raw syscalls): see landlock.h. */
#define _GNU_SOURCE
#include "confine/landlock.h"
#include "base/safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Constants are defined here rather than taken from <linux/landlock.h>:
 * Debian 12's headers stop at ABI 2, the kernels we run on go further. */

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH	  1

#define LL_FS_EXECUTE	  (1ULL << 0)
#define LL_FS_WRITE_FILE  (1ULL << 1)
#define LL_FS_READ_FILE	  (1ULL << 2)
#define LL_FS_READ_DIR	  (1ULL << 3)
#define LL_FS_REMOVE_DIR  (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR	  (1ULL << 6)
#define LL_FS_MAKE_DIR	  (1ULL << 7)
#define LL_FS_MAKE_REG	  (1ULL << 8)
#define LL_FS_MAKE_SOCK	  (1ULL << 9)
#define LL_FS_MAKE_FIFO	  (1ULL << 10)
#define LL_FS_MAKE_BLOCK  (1ULL << 11)
#define LL_FS_MAKE_SYM	  (1ULL << 12)
#define LL_FS_REFER	  (1ULL << 13) /* ABI 2 */
#define LL_FS_TRUNCATE	  (1ULL << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV	  (1ULL << 15) /* ABI 5 */

#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL		      (1ULL << 1) /* ABI 6 */

#define LL_FS_V1                                                                                   \
	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_READ_DIR | LL_FS_REMOVE_DIR |  \
	 LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | \
	 LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM)

/* Strict (rw_beneath) paths per ruleset: the session file allows 128
 * bind_rw targets; more here would only be a bigger stack array. */
#define STRICT_MAX 128

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule	    445
#define SYS_landlock_restrict_self  446
#endif

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int jail_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

static uint64_t fs_rights_for_abi(int abi)
{
	uint64_t r = LL_FS_V1;
	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

/* Add a path-beneath rule for the file or directory open at FD (named PATH
 * in errors) with ACCESS (masked to what the ruleset handles; a file gets
 * only file rights). */
static int add_fd(int ruleset, int fd, const char *path, uint64_t access, uint64_t handled,
		  jail_error_t *err)
{
	const uint64_t file_rights =
	    LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
	struct ll_path_beneath_attr attr;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "landlock: stat %s", path);
	access &= handled;
	if (!S_ISDIR(st.st_mode))
		access &= file_rights;
	if (access == 0)
		return 0;
	attr.allowed_access = access;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0) < 0)
		return jail_error_set(err, errno, "landlock: add rule for %s", path);
	return 0;
}

/* add_fd() for a trusted PATH (fixed by the code, or the user's home from
 * the jail's root-owned passwd); a missing path is skipped. */
static int add_path(int ruleset, const char *path, uint64_t access, uint64_t handled,
		    jail_error_t *err)
{
	cleanup_close int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return jail_error_set(err, errno, "landlock: open %s", path);
	}
	return add_fd(ruleset, fd, path, access, handled, err);
}

/* Open PATH for a strict rule (see rw_beneath in landlock.h): beneath the root
 * directory, no symlink anywhere, must exist, a directory or regular file.
 * Returns an O_PATH fd or -1 with err naming WHAT and PATH. */
static int open_strict(const char *path, const char *what, jail_error_t *err)
{
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int fd = -1;
	jail_error_t e2 = {0};
	struct stat st;

	if (root < 0)
		return jail_error_set(err, errno, "landlock: open /");
	if (path == NULL || path[0] != '/')
		return jail_error_fmt(err, EINVAL, "landlock: %s '%s': not an absolute path", what,
				      path ? path : "(null)");
	fd = jail_openat_beneath(root, path, O_PATH, 0, &e2);
	if (fd < 0) {
		if (jail_error_is(&e2, ENOENT))
			return jail_error_fmt(err, ENOENT, "landlock: %s %s: does not exist", what,
					      path);
		if (jail_error_is(&e2, ELOOP))
			return jail_error_fmt(err, ELOOP,
					      "landlock: %s %s: is or passes through a symlink "
					      "(not followed)",
					      what, path);
		return jail_error_fmt(err, e2.code, "landlock: %s %s: %s", what, path, e2.msg);
	}
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "landlock: %s %s: stat", what, path);
	if (S_ISLNK(st.st_mode)) /* the walk fallback opens a final symlink itself */
		return jail_error_fmt(
		    err, ELOOP, "landlock: %s %s: is or passes through a symlink (not followed)",
		    what, path);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return jail_error_fmt(
		    err, EINVAL, "landlock: %s %s: not a directory or a regular file", what, path);
	return steal_fd(&fd);
}

/* Build the ruleset and restrict the caller: the part of
 * jail_landlock_apply_paths() after the strict paths were opened (their fds
 * in STRICT_FD). */
static int apply(jail_mode_t mode, const jail_landlock_paths_t *paths, const int *strict_fd,
		 size_t nstrict, int *abi_out, jail_error_t *err)
{
	struct ll_ruleset_attr attr = {0};
	cleanup_close int ruleset = -1;
	size_t attr_size;
	uint64_t handled;
	int abi;

	abi = jail_landlock_abi();
	if (abi < 1) {
		jail_error_fmt(err, EOPNOTSUPP, "landlock: not supported by this kernel");
		return mode == JAIL_MODE_REQUIRED ? -1 : 1;
	}
	handled = fs_rights_for_abi(abi);
	attr.handled_access_fs = handled;
	attr_size = sizeof(uint64_t);
	if (paths->scope && abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0) {
		jail_error_set(err, errno, "landlock: create ruleset (ABI %d)", abi);
		return mode == JAIL_MODE_REQUIRED ? -1 : 1;
	}
	for (const char *const *p = paths->read_exec; p && *p; p++)
		if (add_path(ruleset, *p, LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR, handled,
			     err) < 0)
			return -1;
	for (const char *const *p = paths->read_write; p && *p; p++)
		if (add_path(ruleset, *p, handled, handled, err) < 0)
			return -1;
	for (const char *const *p = paths->files_rw; p && *p; p++)
		if (add_path(ruleset, *p,
			     LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV,
			     handled, err) < 0)
			return -1;
	for (size_t i = 0; i < nstrict; i++)
		if (add_fd(ruleset, strict_fd[i], paths->rw_beneath[i], handled, handled, err) < 0)
			return -1;
	if (!prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jail_error_set(err, errno, "landlock: set no_new_privs");
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return jail_error_set(err, errno, "landlock: restrict self");
	if (abi_out)
		*abi_out = abi;
	return 0;
}

int jail_landlock_apply_paths(jail_mode_t mode, const jail_landlock_paths_t *paths, int *abi_out,
			      jail_error_t *err)
{
	const char *what = paths && paths->rw_beneath_what ? paths->rw_beneath_what : "path";
	int strict_fd[STRICT_MAX];
	size_t nstrict = 0;
	int r;

	if (abi_out)
		*abi_out = 0;
	if (mode == JAIL_MODE_OFF)
		return 0;
	/* Strict paths first, whatever the kernel: a bad one is the profile's
	 * or an attacker's doing and refuses in every mode. */
	for (const char *const *p = paths->rw_beneath; p && *p; p++) {
		int fd;

		if (nstrict == STRICT_MAX) {
			r = jail_error_fmt(err, E2BIG, "landlock: more than %d %ss", STRICT_MAX,
					   what);
			goto out;
		}
		fd = open_strict(*p, what, err);
		if (fd < 0) {
			r = -1;
			goto out;
		}
		strict_fd[nstrict++] = fd;
	}
	r = apply(mode, paths, strict_fd, nstrict, abi_out, err);
out:
	for (size_t i = 0; i < nstrict; i++)
		close(strict_fd[i]);
	return r;
}

int jail_landlock_apply_session(jail_mode_t mode, const char *home, const jail_strv_t *bind_rw,
				int *abi_out, jail_error_t *err)
{
	static const char *const rx[] = {"/", NULL};
	static const char *const files[] = {"/dev/null", "/dev/zero",	"/dev/full",	"/dev/tty",
					    "/dev/ptmx", "/dev/random", "/dev/urandom", NULL};
	const char *rw[] = {"/tmp", "/dev/pts", "/dev/shm", NULL, NULL};
	jail_landlock_paths_t paths = {.read_exec = rx,
				       .read_write = rw,
				       .files_rw = files,
				       .rw_beneath = NULL,
				       .rw_beneath_what = "bind_rw target",
				       .scope = true};

	/* A home of "/" (or none) must not turn the whole jail writable. */
	if (home && home[0] == '/' && home[1] != '\0')
		rw[3] = home;
	/* A strv is NULL-terminated once anything was pushed; an empty one may
	 * have no vector at all. */
	if (bind_rw && bind_rw->n > 0)
		paths.rw_beneath = (const char *const *)bind_rw->v;
	return jail_landlock_apply_paths(mode, &paths, abi_out, err);
}
