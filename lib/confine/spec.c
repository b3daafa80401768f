/* The sandbox spec (see spec.h). */
#include "confine/spec.h"

#include <stdlib.h>
#include <string.h>

void jail_sandbox_spec_clear(jail_sandbox_spec_t *spec)
{
	free(spec->hostname);
	free(spec->apparmor_profile);
	jail_strv_clear(&spec->caps_keep);
	jail_strv_clear(&spec->seccomp_allow);
	jail_strv_clear(&spec->seccomp_deny);
	jail_strv_clear(&spec->bind_ro);
	jail_strv_clear(&spec->bind_rw);
	jail_strv_clear(&spec->commands);
	memset(spec, 0, sizeof(*spec));
}
