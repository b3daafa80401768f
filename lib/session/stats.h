/* Counters since boot, kept under /run/jail (a tmpfs: a reboot resets
 * them), for `jailctl metrics`.  Today one family: the sessions pam_jail
 * refused, by reason.
 *
 *   /run/jail/stats/              root-owned 0755 (made by the first count)
 *   /run/jail/stats/refused/      root-owned 0755
 *   /run/jail/stats/refused/REASON  root-owned 0644 regular file: one byte
 *                                 ("\n") per refusal, so its size is the
 *                                 count (and `wc -l` reads it too)
 *
 * Why one appended byte and not a number rewritten under a lock: an
 * O_APPEND write(2) of one byte is atomic against every other writer, so
 * two logins refused at once both count, nothing ever waits on a lock
 * (a refusal must never hang a login), and a writer killed half-way
 * cannot leave a torn number behind.  The cost is one byte of tmpfs per
 * refusal (a million refusals: 1 MB); a file at JAIL_STATS_MAX_COUNT
 * stops growing (the counter saturates, and counting fails with EFBIG).
 *
 * Counting is never a reason to refuse or to delay a login: the caller
 * (pam_jail's refusal path) logs a failure as a warning and goes on.
 * Fail-closed is about confinement, not statistics.  The directories are
 * walked and made with the trusted walker (no symlink followed, every
 * component root-owned and not group/world-writable) and the file is
 * opened O_NOFOLLOW|O_NONBLOCK beneath them: a symlink planted at
 * /run/jail/stats makes counting fail, it is never followed.
 *
 * A refusal made inside a jail session (pam_jail twice in one stack: the
 * first instance already moved the process into its jail; su run through
 * `jailctl enter`) is not counted: the path would name the jail's /run,
 * and no host fd is kept open in a jailed process for it.  Those are the
 * `nested` refusals that cannot be counted; pam_jail logs them with
 * reason=nested and a warning that they were not counted. */
#ifndef JAIL_STATS_H
#define JAIL_STATS_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

#define JAIL_STATS_DIR "/run/jail/stats"
/* A counter file stops growing here (64 Mi refusals). */
#define JAIL_STATS_MAX_COUNT (UINT64_C(1) << 26)

/* Why pam_jail refused a session: a small fixed set of tokens, one per
 * kind of refusal, so that a counter file name is never taken from input
 * and the metric has a bounded set of label values.  They are the reason=
 * field of pam_jail's log lines (pam_jail(8)).
 *   config   the configuration could not be loaded, or the user's
 *            assignment or profile is invalid (pam_jail cannot know how
 *            to confine the user)
 *   user     the user could not be looked up
 *   nested   pam_jail twice in a stack, or a caller already inside a jail
 *            session
 *   setup    what the session is given before it is built (the tty, the
 *            logind session id) was refused, or another step of the build
 *   jail     the jail failed its checks
 *   cgroup   the session's cgroup could not be made or joined
 *   state    the registry or a lingering session's state
 *   internal anything else (the session state could not be kept) */
typedef enum jail_refused_reason {
	JAIL_REFUSED_CONFIG = 0,
	JAIL_REFUSED_USER,
	JAIL_REFUSED_NESTED,
	JAIL_REFUSED_SETUP,
	JAIL_REFUSED_JAIL,
	JAIL_REFUSED_CGROUP,
	JAIL_REFUSED_STATE,
	JAIL_REFUSED_INTERNAL,
	JAIL_REFUSED_NREASONS
} jail_refused_reason_t;

/* The token of REASON ("config", ...), or NULL when out of range. */
const char *jail_refused_reason_name(jail_refused_reason_t reason);
/* The reason whose token is NAME, or -1 when NAME is not one. */
int jail_refused_reason_parse(const char *name);

/* Count one refusal for REASON (a token of the set above) under DIR
 * (JAIL_STATS_DIR; tests pass their own absolute path).  Makes DIR and
 * DIR/refused (0755 root) if missing, with the trusted walker.  Never
 * blocks on another counter and never follows a symlink.  Returns 0, or -1
 * with err naming the path (EINVAL: not a reason token; ELOOP: a symlink;
 * EFBIG: the counter is saturated; EXDEV: the caller is inside a jail
 * session) and nothing changed. */
int jail_stats_count_refused(const char *dir, const char *reason, jail_error_t *err);

/* Read every refusal counter under DIR into COUNTS (indexed by
 * jail_refused_reason_t; 0 for a reason never counted, and for all when
 * DIR or DIR/refused does not exist yet).  The directories must pass the
 * trusted walk and each counter must be a root-owned regular file (not
 * followed if a symlink).  Returns 0 or -1 with err naming the path. */
int jail_stats_read_refused(const char *dir, uint64_t counts[JAIL_REFUSED_NREASONS],
			    jail_error_t *err);

#endif
