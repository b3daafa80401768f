/* The private view of a session (profile key `private_view`): what the
 * session sees of the jail's other tenants.
 *
 * Many users share one jail tree; without a private view each of them
 * lists every other tenant's home under /home and reads every other
 * tenant's line in the jail's /etc/passwd and /etc/group.  With it, the
 * session's own mount namespace gets (jail_views_mount):
 *
 *   - /home: a tmpfs (0755 root, nosuid, nodev, noexec) over the jail's
 *     /home, holding only the user's home: the mount that step 6 of
 *     confine/mounts.h made (the read-write bind, resolved there with no
 *     symlink) cloned and attached again at the same path on the tmpfs.
 *     A home outside /home (pw_dir /srv/u/NAME) is left where it is; /home
 *     is still a tmpfs, so no home under /home shows;
 *   - /etc/passwd and /etc/group: filtered copies (jail_view_passwd,
 *     jail_view_group), written root-owned 0644 in the session's /run
 *     (/run/jail/passwd, /run/jail/group) and bound read-only, nosuid,
 *     nodev, noexec over the jail's files.
 *
 * Everything is mounted in the session's mount namespace only: the host's
 * mount table does not grow with the number of users (four mounts per
 * session, gone with its namespace).
 *
 * "System" here is a fixed rule, not read from the host's login.defs (the
 * confine layer reads no configuration file; Debian's UID_MIN/GID_MIN is
 * 1000): ids below JAIL_VIEW_FIRST_ID, and 65534 (nobody, nogroup). */
#ifndef JAIL_CONFINE_VIEWS_H
#define JAIL_CONFINE_VIEWS_H

#include "base/error.h"
#include "confine/mounts.h"

#include <sys/types.h>

#define JAIL_VIEW_FIRST_ID 1000u /* first id of a regular user or group */
#define JAIL_VIEW_NOBODY   65534u
#define JAIL_VIEW_PASSWD   "passwd" /* in JAIL_SESSIONFILE_DIR */
#define JAIL_VIEW_GROUP	   "group"

/* Filter passwd TEXT for the session of UID: keep the lines of system
 * accounts (uid < JAIL_VIEW_FIRST_ID, or 65534) and every line of UID, in
 * their order, verbatim.  A line that is not seven ':'-separated fields
 * with a decimal uid (a comment, a NIS "+" line, junk) is dropped: what
 * cannot be read cannot be shown to be harmless.  *OUT: malloc'd, every
 * line ending in "\n".  Returns 0 or -1 (ENOMEM). */
int jail_view_passwd(const char *text, uid_t uid, char **out, jail_error_t *err);

/* Filter group TEXT for the session of UID, given VIEW_PASSWD (the output
 * of jail_view_passwd for UID): keep a group when its gid is a system one
 * (< JAIL_VIEW_FIRST_ID, or 65534), is the primary gid of one of UID's
 * passwd lines, or its member list names one of UID's names; in every kept
 * group, keep only the members that have a line in VIEW_PASSWD (root,
 * system accounts, the user): another tenant is removed from `users` and
 * from every other list.  A line that is not four ':'-separated fields
 * with a decimal gid is dropped.  Returns 0 or -1 (ENOMEM). */
int jail_view_group(const char *text, const char *view_passwd, uid_t uid, char **out,
		    jail_error_t *err);

/* Mount the private view beneath ROOT_FD (the session's new root, after
 * steps 1 to 6 of confine/mounts.h, before step 7: a profile bind beneath
 * /home lands on the view's tmpfs).  PLAN gives the user (uid), the home
 * (may be NULL: none, e.g. a service) and the warnings list.  Everything
 * in the jail is opened beneath ROOT_FD with no symlink followed; the
 * jail's /etc/passwd and /etc/group must be regular files owned by root
 * and not writable by group or others, else the session is refused.  A
 * jail without /home, /etc/passwd or /etc/group has nothing of that kind
 * to hide (no mount for it).  A home that is /home itself leaves /home
 * as it is (a warning).  Returns 0 or -1. */
int jail_views_mount(int root_fd, const jail_mount_plan_t *plan, jail_error_t *err);

#endif
