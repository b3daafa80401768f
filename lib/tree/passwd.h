/* A jail's /etc/passwd and /etc/group.
 *
 * jailctl adduser copies a jailed user's account lines from the host into
 * the jail (so that `id`, `ls -l` and the shell's prompt work inside), with
 * jailsh as the shell, as on the host: login(1) looks the user up again
 * after pam_open_session and so reads the jail's passwd, and whatever shell
 * it finds there is what it runs.  The real shell travels in the session
 * file (the assignment's or profile's `shell` key).
 *
 * Contract: every file is reached through an fd of the jail root with
 * jail_openat_beneath() (a symlink at JAIL/etc or JAIL/etc/passwd is an
 * error, never followed); JAIL/etc must be root-owned and not writable by
 * group or others; files are replaced atomically (jail_write_file_beneath)
 * as root:root 0644.  Existing lines we do not own are kept byte for byte;
 * lines of any length are handled (no fixed buffers). */
#ifndef JAIL_PASSWD_H
#define JAIL_PASSWD_H

#include "base/error.h"
#include "base/pwfile.h"
#include "base/util.h"

#include <stddef.h>
#include <sys/types.h>

/* The account data written into a jail. */
typedef struct jail_account {
	char *name;
	uid_t uid;
	gid_t gid;
	char *gecos;
	char *home;	    /* absolute: the same path inside the jail */
	char *shell;	    /* the shell written into the jail: jailsh */
	char *group_name;   /* name of the primary group, NULL if the host has none */
	jail_strv_t groups; /* supplementary group names (primary excluded) */
	gid_t *group_gids;  /* parallel to groups.v */
} jail_account_t;

/* Fill A from the host's user database (getpwnam, getgrgid, getgrouplist),
 * with SHELL as the shell (NULL: /bin/bash).  Fails when USER does not
 * exist, or a field cannot be written to a passwd line (':' or newline). */
int jail_account_from_host(const char *user, const char *shell, jail_account_t *a,
			   jail_error_t *err);
void jail_account_clear(jail_account_t *a);

/* Check that A can be written as passwd/group lines: valid names, no ':'
 * or newline anywhere, absolute home and shell. */
int jail_account_validate(const jail_account_t *a, jail_error_t *err);

/* Pure text transforms (no I/O; exposed for tests).  TEXT is a whole file
 * (may be "" or lack a final newline).  They return the new malloc'd
 * content, always newline-terminated, or NULL with err set. */

/* Replace the line of a->name (every line of that name) or append one. */
char *jail_passwd_text_set(const char *text, const jail_account_t *a, jail_error_t *err);
/* Drop every line of USER. */
char *jail_passwd_text_remove(const char *text, const char *user, jail_error_t *err);
/* Add the primary group line (name:x:gid:) and a->name as a member of each
 * supplementary group; an existing group line of the same name is kept
 * with its members, its gid corrected. */
char *jail_group_text_add(const char *text, const jail_account_t *a, jail_error_t *err);
/* Remove USER from every member list.  The line of the user's personal
 * group (named USER with gid GID) is dropped too when nobody is left in it
 * and no line of PASSWD_TEXT (the jail's passwd after the removal) still
 * has GID as primary group.  GID (gid_t)-1: memberships only. */
char *jail_group_text_remove(const char *text, const char *user, gid_t gid, const char *passwd_text,
			     jail_error_t *err);

/* The jail's files, for undo: contents as read (NULL when absent). */
typedef struct jail_acct_snapshot {
	char *passwd;
	size_t passwd_len;
	char *group;
	size_t group_len;
} jail_acct_snapshot_t;

/* Read JAIL/etc/passwd and JAIL/etc/group (after checking JAIL/etc). */
int jail_acct_snapshot(int jailfd, jail_acct_snapshot_t *snap, jail_error_t *err);
/* Put both files back as they were in SNAP (removing one that was absent). */
int jail_acct_restore(int jailfd, const jail_acct_snapshot_t *snap, jail_error_t *err);
void jail_acct_snapshot_clear(jail_acct_snapshot_t *snap);

/* Add or replace A's lines in the jail's passwd and group.  All or
 * nothing: if writing group fails, passwd is put back. */
int jail_acct_add(int jailfd, const jail_account_t *a, jail_error_t *err);
/* Remove USER's lines (passwd line, memberships, personal group). */
int jail_acct_remove(int jailfd, const char *user, jail_error_t *err);

#endif
