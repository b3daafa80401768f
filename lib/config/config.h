/* Configuration: /etc/jail/jail.ini, users.d/NAME.ini and profiles/NAME.ini.
 *
 * Every file must be a regular file owned by root and not writable by group
 * or others, opened without following symlinks; anything else is refused.
 * Validation is strict: an unknown section or key, a bad value, a missing
 * profile or an include cycle is an error naming file, section, key and what
 * was expected.
 *
 * jail.ini
 *   [jail]
 *   jail     = /opt/chroots          default jail root for adduser
 *   profile  = default               default profile name
 *   sections = /usr/share/jail/sections.ini   command sets for init
 *   cgroup_parent = jail             parent cgroup name for sessions
 *   registry = /run/jail/sessions    host session registry
 *   jailsh = /usr/local/sbin/jailsh  jailsh path (host and in-jail)
 *   state_root = /var/lib/jail       services' state_dir, logs_dir on the host
 *   logs_root = /var/log/jail
 *   ssh_group = jailed               the group sshd_config's Match block locks
 *                                    down; adduser puts jailed users in it
 *   [user:NAME]   jail = PATH, profile = NAME, shell = PATH
 *   [group:NAME]  jail = PATH, profile = NAME, shell = PATH
 * (shell: the real shell jailsh runs, default the profile's `shell`; the
 * jail's own /etc/passwd names jailsh for every jailed user).
 * users.d/NAME.ini holds exactly one [user:NAME] section (written by
 * jailctl adduser).  A [user:] match wins over a [group:] match; among
 * groups the first matching section in jail.ini order wins.
 *
 * profiles/NAME.ini: see config/profile.h (included here, so that callers
 * of the configuration get the profile API too).
 *
 * Files: config.c (jail.ini, users.d, assignments), profile.c (profiles,
 * one key table), ini.c (trusted ini loading both use). */
#ifndef JAIL_CONFIG_H
#define JAIL_CONFIG_H

#include "base/error.h"
#include "config/profile.h"
#include "base/util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_DEFAULT_CONFIG_DIR "/etc/jail"
#define JAIL_DEFAULT_SSH_GROUP	"jailed"

typedef struct jail_assign {
	char *name;    /* user or group name */
	char *jail;    /* jail root, absolute */
	char *profile; /* profile name */
	char *shell;   /* shell = PATH, the real shell; NULL: the profile's */
	char *file;    /* file and section it came from, for messages */
} jail_assign_t;

typedef struct jail_config {
	char *dir;	       /* config directory */
	char *default_jail;    /* [jail] jail */
	char *default_profile; /* [jail] profile, default "default" */
	char *sections_file;   /* [jail] sections, default JAIL_DATADIR "/sections.ini" */
	char *cgroup_parent;   /* [jail] cgroup_parent, default "jail": sessions go under
				  <hierarchy>/<cgroup_parent>/<user>/<session id> */
	char *registry_dir;    /* [jail] registry, default "/run/jail/sessions" */
	char *jailsh_path;     /* [jail] jailsh, default JAIL_SBINDIR "/jailsh": the host login
				  shell of jailed users, and the same path inside every jail */
	char *ssh_group;       /* [jail] ssh_group, default "jailed": the group the shipped
				  sshd_config block matches (Match Group), which adduser puts
				  every jailed user in and deluser takes them out of */
	char *state_root;      /* [jail] state_root, default /var/lib/jail: services' state_dir */
	char *logs_root;       /* [jail] logs_root, default /var/log/jail: services' logs_dir */
	jail_assign_t *users;
	size_t n_users;
	jail_assign_t *groups;
	size_t n_groups;
	struct jail_config_index *user_index; /* config.c's: users by name (private) */
} jail_config_t;

/* Load and validate DIR/jail.ini and DIR/users.d/NAME.ini (both optional
 * except that DIR itself must exist and be trusted).  Profiles named by any
 * assignment are loaded too, so that a missing or invalid one is reported
 * here.  Returns 0 or -1. */
int jail_config_load(const char *dir, jail_config_t **out, jail_error_t *err);

/* jail_config_load() without loading the profiles of every assignment: for
 * callers that need one assignment and load (and validate) its profile
 * themselves (pam_jail, `jailctl keys`).  A broken profile then refuses
 * only the users it applies to, and a login does not pay for parsing every
 * profile.  `jailctl check` and the admin commands keep the full check. */
#define JAIL_CONFIG_SKIP_PROFILES 1u
/* jail.ini alone: users.d is not read (its assignments are missing from the
 * result).  For callers that need the [jail] settings only (`jailctl ps`,
 * kill, gc: the registry and the cgroup parent), so that they do not read
 * one file per jailed user. */
#define JAIL_CONFIG_NO_USERS_D 2u
int jail_config_load_flags(const char *dir, unsigned flags, jail_config_t **out, jail_error_t *err);

/* For one user's login: jail.ini and users.d/USER.ini only (a users.d file
 * holds exactly its own user's section, so no other file can assign USER),
 * profiles skipped as above.  The work per login no longer grows with the
 * number of jailed users, and another user's broken users.d file does not
 * refuse this one.  The result answers jail_config_lookup() for USER only. */
int jail_config_load_for_user(const char *dir, const char *user, jail_config_t **out,
			      jail_error_t *err);
void jail_config_free(jail_config_t *cfg);

/* Find the assignment for USER whose groups are GROUPS (names).  Returns 1
 * and points *out into cfg when jailed, 0 when not.  The [user:] and
 * users.d entries of a loaded configuration are found by a hash of their
 * names (constant time whatever the number of users); a jail_config_t
 * filled by hand (no index) is searched in order, the first match winning. */
int jail_config_lookup(const jail_config_t *cfg, const char *user, const jail_strv_t *groups,
		       const jail_assign_t **out);

/* The same for USER with primary group GID, looking the user's groups up
 * in the host database (getgrouplist, then each group's name) only when no
 * [user:] or users.d entry matched and a [group:] section exists.  Returns
 * 1 (jailed, *out set), 0 (not jailed) or -1 (the groups could not be
 * read). */
int jail_config_resolve(const jail_config_t *cfg, const char *user, gid_t gid,
			const jail_assign_t **out, jail_error_t *err);

/* Load one ini file FILE (path) after checking it is a root-owned regular
 * file not writable by group/others, opened with O_NOFOLLOW.  Returns an
 * iniparser dictionary (as void * to keep iniparser out of this header). */
void *jail_ini_load_trusted(const char *path, jail_error_t *err);

#endif
