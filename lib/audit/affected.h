/* jailctl update --affected: which processes of a jail's live sessions
 * (and services: they share the session registry) still map or run files
 * the jail no longer has, so the admin knows what to restart.
 *
 * The signal: jailctl update replaces a file by renaming a new one over it
 * (lib/tree/tree-commit.c) and --prune unlinks it, so the inode a process
 * mapped before is left with no name (st_nlink 0) while the process runs.
 * A mapping counts when
 *   - the process is in the pid namespace of a live record's init and its
 *     root (/proc/PID/root) is the jail directory (same dev and inode);
 *   - the mapped file (/proc/PID/map_files/START-END, or /proc/PID/exe) has
 *     no link left, and sits on the mount that is the process's root: the
 *     jail tree.  Deleted files elsewhere (memfd, SysV shm, a home or /tmp
 *     bind, the host binaries the init was forked from) are not the
 *     update's and are not listed.  A jail tree spanning several file
 *     systems is only checked on the one of its root.
 * Read-only: nothing is opened for writing and no path inside the jail is
 * followed (every file is reached through /proc of the process, as root). */
#ifndef JAIL_AUDIT_AFFECTED_H
#define JAIL_AUDIT_AFFECTED_H

#include "base/error.h"
#include "base/util.h"
#include "session/registry.h"

#include <stddef.h>
#include <sys/types.h>

typedef struct jail_affected_proc {
	pid_t pid;
	char comm[17];
	/* The stale files as the process sees them (" (deleted)" cut off),
	 * deduplicated, in the order of its maps (the executable first). */
	jail_strv_t files;
} jail_affected_proc_t;

typedef struct jail_affected_session {
	jail_session_record_t *rec; /* owned */
	jail_affected_proc_t *procs;
	size_t nprocs;
} jail_affected_session_t;

typedef struct jail_affected {
	jail_affected_session_t *v; /* only sessions with an affected process */
	size_t n;
	size_t live;	/* live sessions of the jail that were checked */
	size_t checked; /* their processes that were read */
	size_t nprocs;	/* affected processes, all sessions */
} jail_affected_t;

/* Fill OUT (zeroed first) with the live sessions of REGFD (a registry
 * directory from jail_registry_open(); -1: no registry, nothing is live)
 * whose jail is JAIL (compared by device and inode) and their processes
 * that map replaced files.  Unreadable records and processes that vanish
 * while read are not errors: a record that fails to parse, or a process
 * that cannot be read for another reason than its exit, is described in
 * NOTES (may be NULL).  Returns 0, or -1 when JAIL cannot be stat'ed or
 * /proc cannot be read. */
int jail_affected_find(int regfd, const char *jail, jail_affected_t *out, jail_strv_t *notes,
		       jail_error_t *err);
void jail_affected_clear(jail_affected_t *a);

#endif
