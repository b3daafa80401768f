/* AppArmor for jailed sessions.
 *
 * The mode (profile key `apparmor`, as for `landlock` in landlock.h):
 *   off       nothing is done;
 *   optional  applied when the kernel supports it, else the caller logs the
 *             reason and goes on (return value 1);
 *   required  not supported or failed: an error, the session is refused.
 *
 * Two objects so that pam_jail.so needs no libapparmor: apparmor.c
 * (jail_apparmor_active, read from /proc, asked by pam_jail at every
 * session) and apparmor-exec.c (jail_apparmor_apply, the one user of
 * libapparmor's aa_change_onexec, called only by jailsh).  pam_jail.so links
 * the core archive with -z defs and without -lapparmor, so an object of it
 * that called into libapparmor would fail its link. */
#ifndef JAIL_APPARMOR_H
#define JAIL_APPARMOR_H

#include "confine/spec.h"
#include "base/error.h"

#include <stdbool.h>

/* Whether AppArmor is active for the calling process: its label can be read
 * from /proc/self/attr/apparmor/current (Linux 5.1 and later; what
 * aa_getcon() reads first), read here directly so that pam_jail.so needs no
 * libapparmor.  This works inside a jail, where aa_is_enabled() does not:
 * that also reads the module's parameters under /sys and looks for
 * securityfs in /proc/mounts, and a jail has neither, so inside one it
 * answers "not enabled" on a host that runs AppArmor (apparmor = required
 * would refuse every session there, optional would never confine).
 * pam_jail asks the same question on the host side, so both sides agree. */
bool jail_apparmor_active(void);

/* AppArmor: arrange for the next execve() to run under PROFILE
 * (aa_change_onexec, in apparmor-exec.c: the one user of libapparmor).  Returns 0 when arranged (or
 * mode off), 1 when skipped (optional; err says why, for the log), -1 on error (required and
 * AppArmor disabled or the change refused; err says why). */
int jail_apparmor_apply(jail_mode_t mode, const char *profile, jail_error_t *err);

#endif
