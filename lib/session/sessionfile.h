/* The session file: what pam_jail tells jailsh to apply.
 *
 * pam_jail writes it inside the jail at JAIL_SESSIONFILE_PATH (root-owned,
 * mode 0444) before the user's shell starts; jailsh, running as the user,
 * reads it and applies no_new_privs, AppArmor, Landlock, seccomp and the
 * restricted command list.  The user cannot change it (root-owned, in a
 * root-owned directory), so it is the trusted channel between the two.
 *
 * Format (version 3): UTF-8/ASCII text, one `key=value` per line, every line
 * terminated by '\n', no blank lines, no comments, no spaces around '='.
 * Every key below must appear exactly once (missing, unknown or duplicate
 * keys are errors), `version` first:
 *
 *   version=3
 *   id=<session id: [A-Za-z0-9._-], 1..64>
 *   user=<user name, jail_valid_name()>
 *   jail=<jail root on the host, absolute path>
 *   profile=<profile name, jail_valid_name() as in jail.ini>
 *   seccomp=default|strict|off
 *   seccomp_allow=<comma-separated syscall names, may be empty>
 *   seccomp_deny=<comma-separated syscall names, may be empty>
 *   apparmor=required|optional|off
 *   apparmor_profile=<jail_valid_apparmor_name(); empty only when apparmor=off>
 *   landlock=required|optional|off
 *   bind_rw=<comma-separated jail-side mount points of the profile's bind_rw
 *            entries, may be empty>
 *   commands=<comma-separated program basenames, jail_restrict_valid_command();
 *             non-empty = restricted mode>
 *   hostname=<host name, jail_valid_hostname() (RFC 1123) as in a profile>
 *   shell=<the user's real shell, jail_valid_shell(): what jailsh runs; the
 *          jail's /etc/passwd names jailsh itself for every jailed user>
 *
 * Lists have no empty items, no duplicates and no spaces.  A bind_rw item is
 * an absolute, normalised path as seen inside the jail (no empty, "." or ".."
 * component, no trailing slash, no ':' or ','), not "/" and not at or
 * beneath /proc or /dev; the host side of the bind is not written (jailsh
 * does not need it, and the user has no business learning it).  jailsh
 * grants Landlock write access beneath each (see jail_landlock_apply_session).
 *
 * Sizes are bounded (JAIL_SESSIONFILE_MAX bytes in all, lines of at most 8192
 * bytes, lists of at most a few hundred items), so a parser bug cannot be
 * driven by size.  The formatter validates with the same rules, so whatever
 * it writes the parser accepts (round trip).
 *
 * Version 2 added bind_rw, version 3 shell; a file of another version (an
 * older jailsh reading a newer file, or the reverse) is refused on its first
 * line. */
#ifndef JAIL_SESSIONFILE_H
#define JAIL_SESSIONFILE_H

#include "config/config.h"
#include "confine/mounts.h"
#include "base/error.h"
#include "base/util.h"

#include <stddef.h>

#define JAIL_SESSIONFILE_VERSION 3
#define JAIL_SESSIONFILE_MAX	 (64 * 1024)

typedef struct jail_session_info {
	unsigned version; /* JAIL_SESSIONFILE_VERSION */
	char *id;
	char *user;
	char *jail;
	char *profile;
	jail_seccomp_policy_t seccomp;
	jail_strv_t seccomp_allow;
	jail_strv_t seccomp_deny;
	jail_mode_t apparmor;
	char *apparmor_profile; /* "" allowed only with apparmor = off */
	jail_mode_t landlock;
	jail_strv_t bind_rw;  /* jail-side targets of the profile's bind_rw */
	jail_strv_t commands; /* non-empty: restricted mode */
	char *hostname;
	char *shell; /* the real shell jailsh runs (unused in restricted mode) */
} jail_session_info_t;

/* Serialise INFO.  Every field is validated with the parser's rules first
 * (including the parser's line-length bound, so that whatever is written
 * parses again); on success *buf is a malloc'd NUL-terminated text of *len bytes (the NUL
 * not counted).  Returns 0 or -1 with err naming the field. */
int jail_sessionfile_format(const jail_session_info_t *info, char **buf, size_t *len,
			    jail_error_t *err);

/* Parse LEN bytes of BUF (need not be NUL-terminated; an embedded NUL is an
 * error).  On success *out is a new jail_session_info_t to be freed with
 * jail_session_info_free().  Returns 0 or -1 with err naming the line and key. */
int jail_sessionfile_parse(const char *buf, size_t len, jail_session_info_t **out,
			   jail_error_t *err);

void jail_session_info_free(jail_session_info_t *info);

/* Build the session info for a session of USER in JAIL under PROFILE (the
 * profile's resolved values are copied; SHELL is the assignment's shell,
 * NULL for the profile's; hostname defaults to "jail",
 * apparmor_profile to "jail-default"; bind_rw receives the jail side of each
 * of the profile's bind_rw entries, parsed as the mounts parse them
 * (jail_bind_parse), duplicates dropped).  The result is validated as by the
 * formatter.  Returns 0 or -1. */
int jail_session_info_from_profile(const jail_profile_t *profile, const char *id, const char *user,
				   const char *jail, const char *shell, jail_session_info_t **out,
				   jail_error_t *err);

/* Read and parse the session file at PATH for an unprivileged reader that
 * must not be fooled by the user: the parent directory must pass
 * jail_open_trusted_dir() (every component root-owned, not group/world
 * writable) and the file, opened with O_NOFOLLOW, must be a regular file
 * owned by root and not writable by group or others.  Anything else is an
 * error (EPERM for a trust failure).  Returns 0 or -1. */
int jail_sessionfile_read(const char *path, jail_session_info_t **out, jail_error_t *err);

/* Names of the modes/policies as written in the file (and in profiles):
 * "off", "optional", "required"; "off", "default", "strict". */
const char *jail_sessionfile_mode_str(jail_mode_t mode);
const char *jail_sessionfile_seccomp_str(jail_seccomp_policy_t policy);

#endif
