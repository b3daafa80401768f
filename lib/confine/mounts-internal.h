/* Private to the confine layer's mount code (mounts.c, views.c): the small
 * mount helpers both use, defined once in mounts.c. */
#ifndef JAIL_MOUNTS_INTERNAL_H
#define JAIL_MOUNTS_INTERNAL_H

#include "confine/mounts.h"
#include "base/error.h"

#include <stdint.h>

/* A non-fatal note for the caller to log (plan->warnings, when given). */
void jail_mounts_warn(const jail_mount_plan_t *plan, const char *fmt, ...) JAIL_PRINTF(2, 3);

/* Attach the detached mount MFD onto the already-open TARGET_FD.  On
 * failure ERR says "mount WHAT". */
int jail_mounts_attach(int mfd, int target_fd, const char *what, jail_error_t *err);

/* A new detached file system: FSTYPE with KEY=VALUE string options (a NULL
 * value sets a flag), mounted with ATTRS.  Returns the mount fd; on
 * failure ERR begins with "WHAT: ". */
int jail_mounts_new_fs(const char *fstype, const char *const *opts, uint64_t attrs,
		       const char *what, jail_error_t *err);

#endif
