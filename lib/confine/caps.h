/* Capability bounding set for jailed sessions.
 *
 * The bounding set limits what any later execve() can gain (file
 * capabilities, or root's full set on exec).  It does not touch the
 * caller's own effective/permitted sets: sshd's privileged process keeps
 * what it needs to finish the login, and every program it execs afterwards
 * (the post-auth child's shell, sftp-server, ...) is bounded. */
#ifndef JAIL_CAPS_H
#define JAIL_CAPS_H

#include "base/error.h"
#include "base/util.h"

#include <stdint.h>

/* Highest capability number of the running kernel
 * (/proc/sys/kernel/cap_last_cap, else libcap's cap_max_bits() - 1). */
int jail_caps_last_cap(jail_error_t *err);

/* Parse capability names ("cap_net_bind_service", case-insensitive, as
 * cap_from_name() accepts them) into a bit mask (bit N = capability N).
 * An unknown name is an error naming it.  Used by the profile validator. */
int jail_caps_parse(const jail_strv_t *names, uint64_t *mask, jail_error_t *err);

/* Drop every capability not named in KEEP from the bounding set
 * (PR_CAPBSET_DROP for 0..last cap), remove the dropped ones from the
 * inheritable set too (pI & fI would otherwise pass them to a program with
 * file capabilities whatever the bounding set says), and clear the ambient
 * set.  KEEP may be NULL or empty (keep none).  Needs CAP_SETPCAP.  On
 * error nothing is guaranteed about the bounding set: the caller must
 * refuse the session. */
int jail_caps_drop_bounding(const jail_strv_t *keep, jail_error_t *err);

#endif
