/* AppArmor's profile change on exec (libapparmor, linked by jailsh and
 * jailctl, never by pam_jail.so): see apparmor.h. */
#define _GNU_SOURCE
#include "confine/apparmor.h"

#include <errno.h>
#include <sys/apparmor.h>

int jail_apparmor_apply(jail_mode_t mode, const char *profile, jail_error_t *err)
{
	if (mode == JAIL_MODE_OFF)
		return 0;
	if (profile == NULL || *profile == '\0')
		return jail_error_fmt(err, EINVAL, "apparmor: no profile name");
	if (!jail_apparmor_active()) {
		jail_error_fmt(err, ENOSYS,
			       "AppArmor is not enabled in this kernel; cannot confine with "
			       "profile '%s'",
			       profile);
		return mode == JAIL_MODE_REQUIRED ? -1 : 1;
	}
	if (aa_change_onexec(profile) < 0) {
		jail_error_set(err, errno, "apparmor: change_onexec to profile '%s'", profile);
		return mode == JAIL_MODE_REQUIRED ? -1 : 1;
	}
	return 0;
}
