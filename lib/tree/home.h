/* A jailed user's home (jailctl adduser).
 *
 * Contract: the library never prints; privileged callers pass directory fds
 * and every path below them is walked with openat(O_NOFOLLOW): a symlink in
 * the jail, in /etc/skel or in a home being moved is recreated (moved homes)
 * or skipped (skel) or refused, never followed.  Device nodes are never
 * copied into a jail; setuid/setgid bits are dropped. */
#ifndef JAIL_TREE_HOME_H
#define JAIL_TREE_HOME_H

#include "base/error.h"

#include <stdbool.h>
#include <sys/types.h>

/* Check the home HOME (absolute, normalised) inside the jail JAILFD before
 * anything is created: every existing component a real directory (no
 * symlink), the home itself absent or a directory owned by UID.  *exists
 * and *empty tell which.  JAIL names the jail in messages. */
int jail_home_check(int jailfd, const char *jail, const char *home, uid_t uid, bool *exists,
		    bool *empty, jail_error_t *err);

/* Create HOME in the jail: missing parents root:root 0755, the home itself
 * UID:GID MODE.  Returns an fd of it. */
int jail_home_create(int jailfd, const char *home, uid_t uid, gid_t gid, mode_t mode,
		     jail_error_t *err);

/* Open the host home HOME for --move-home: its parent chain trusted
 * (root-owned, not writable by others), the home a real directory owned by
 * UID.  Returns an fd and its parent's in *parentfd; -1 with *missing set
 * when there is no host home. */
int jail_home_open_host(const char *home, uid_t uid, int *parentfd, bool *missing,
			jail_error_t *err);

/* Copy the host home HOSTFD (named HOME) into HOMEFD: everything but
 * devices (refused), owners, modes and times kept; a mount point below is
 * refused.  HOMEFD gets the host home's mode (at most 0755). */
int jail_home_move_in(int hostfd, int homefd, const char *home, jail_error_t *err);

/* Fill a new home HOMEFD from the skeleton directory SKEL (trusted path):
 * regular files and directories only, owned by UID:GID.  No SKEL: nothing. */
int jail_home_fill_skel(int homefd, const char *skel, uid_t uid, gid_t gid, jail_error_t *err);

/* Remove everything in the directory FD (NAME names it in messages), not
 * the directory itself, never following a symlink: the undo of a
 * --move-home into an existing, empty home. */
int jail_home_clear(int fd, const char *name, jail_error_t *err);

#endif
