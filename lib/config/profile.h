/* Profiles: /etc/jail/profiles/NAME.ini, one [profile] section.
 *
 * A profile is what turns into a sandbox spec: it embeds the
 * `jail_sandbox_spec_t spec` (confine/spec.h) that every confinement step
 * takes, and adds only what is not part of a sandbox (its name, a
 * description and the default real shell).  profile.c's key table is the
 * only list of profile keys: each entry names a key, its parser, where in
 * jail_profile_t the value lives and its default; loading, the unknown-key
 * message, the defaults and `include` all walk it.  See man/jail.ini.5 for
 * the keys.  `include = OTHER` starts from OTHER's values (cycles are an
 * error). */
#ifndef JAIL_CONFIG_PROFILE_H
#define JAIL_CONFIG_PROFILE_H

#include "base/error.h"
#include "confine/spec.h"

#include <stdint.h>

#define JAIL_DEFAULT_SHELL "/bin/bash" /* a profile's `shell` when it sets none */

typedef struct jail_profile {
	char *name;
	char *description;
	/* what the profile confines with: every key but description and
	 * shell fills it */
	jail_sandbox_spec_t spec;
	/* shell = /bin/bash: the real shell jailsh runs for users whose
	 * assignment names none (unused with commands) */
	char *shell;
	/* linger = no | yes | DURATION: 0, or how long the session stays
	 * after it is left empty of user processes (lib/session/session.h) */
	uint64_t linger_ms;
} jail_profile_t;

#define JAIL_LINGER_DEFAULT_MS (10ULL * 60 * 1000) /* linger = yes */
#define JAIL_LINGER_MAX_MS     (7ULL * 24 * 3600 * 1000)

/* Load DIR/profiles/NAME.ini with includes resolved and every value
 * validated (capability and syscall names included). */
int jail_profile_load(const char *dir, const char *name, jail_profile_t **out, jail_error_t *err);
void jail_profile_free(jail_profile_t *p);

#endif
