/* Landlock for jailed sessions (raw syscalls, no library).
 *
 * Applied by jailsh, as the user, after no_new_privs and AppArmor and before
 * the seccomp filter (which then denies the Landlock syscalls to the user).
 *
 * Modes (profile key `landlock`):
 *   off       nothing is done;
 *   optional  applied when the kernel supports it, else the caller logs the
 *             reason and goes on (return value 1);
 *   required  not supported or failed: an error, the session is refused. */
#ifndef JAIL_LANDLOCK_H
#define JAIL_LANDLOCK_H

#include "confine/spec.h"
#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>

/* Landlock ABI version of the running kernel, or 0 when unavailable. */
int jail_landlock_abi(void);

/* The paths of a session ruleset.  Every path listed in read_exec,
 * read_write or files_rw that does not exist is skipped; any other failure to
 * open one is an error.
 *
 * rw_beneath is stricter, because its paths come from the profile and name
 * places a user may be able to reach: each is resolved beneath the caller's
 * root directory (in a session, the jail) without following a symlink in any
 * component (jail_openat_beneath, O_PATH), and must exist and be a directory
 * or a regular file.  A missing one, a symlink or any other type is an
 * error (-1 whatever the mode: a user who can plant a symlink must not be
 * able to turn Landlock off by it).  They are opened before anything else,
 * even before the kernel's Landlock support is looked at. */
typedef struct jail_landlock_paths {
	const char *const *read_exec;  /* read + execute below (the jail: "/") */
	const char *const *read_write; /* everything below (home, /tmp, /dev/pts, /dev/shm) */
	const char *const *files_rw;   /* read, write, truncate, ioctl on these files only
					  (/dev/null, /dev/tty, ...) */
	const char *const *rw_beneath; /* everything below, strict (bind_rw targets) */
	const char *rw_beneath_what;   /* how to name them in errors ("bind_rw target") */
	bool scope;		       /* ABI >= 6: scope abstract unix sockets and signals */
} jail_landlock_paths_t;

/* Apply a Landlock ruleset built from PATHS to the calling thread (needs
 * no_new_privs).  Best effort per ABI: rights the kernel does not know are
 * left out (v1 file rights, v2 refer, v3 truncate, v5 device ioctl, v6
 * scopes).  Returns 0 when applied (or mode off), 1 when skipped (optional,
 * kernel without Landlock; err says why), -1 on error.  *abi_out, when
 * non-NULL, receives the ABI used (0 when none). */
int jail_landlock_apply_paths(jail_mode_t mode, const jail_landlock_paths_t *paths, int *abi_out,
			      jail_error_t *err);

/* The session ruleset: read/execute on "/", read/write on HOME (may be
 * NULL), /tmp, /dev/pts and /dev/shm, read/write on the files /dev/null,
 * /dev/zero, /dev/full, /dev/tty, /dev/ptmx, /dev/random, /dev/urandom;
 * read/write beneath each BIND_RW path (may be NULL or empty: the jail-side
 * targets of the profile's bind_rw mounts, from the session file), resolved
 * strictly as rw_beneath above; scoped on ABI >= 6. */
int jail_landlock_apply_session(jail_mode_t mode, const char *home, const jail_strv_t *bind_rw,
				int *abi_out, jail_error_t *err);

#endif
