/* Host session registry: one root-owned 0600 file per live session in
 * cfg->registry_dir (default /run/jail/sessions, a root-owned 0700
 * directory), named by the session id, holding key=value lines:
 *
 *   id=0123456789abcdef        16 lower-case hex digits (= the file name)
 *   user=alice                 login name
 *   uid=1001
 *   jail=/opt/chroots          jail root, absolute
 *   profile=default
 *   init_pid=4242              the session init, as seen from the host
 *   init_starttime=123456      field 22 of /proc/PID/stat (pid reuse check)
 *   cgroup=jail/alice/0123...  relative cgroup path (jail_cgroup_path), optional
 *   start=1700000000           unix time
 *   remote=192.0.2.1           PAM_RHOST, optional (may be empty)
 *   ns=4026532000              inode of the init's /proc/PID/ns/mnt, optional
 *   owner_pid=4200             the process that opened the session (sshd's
 *   owner_starttime=123450     privileged monitor, su, login, jailctl run):
 *                              it alone closes the session; optional (both
 *                              or neither), absent in records of older
 *                              versions
 *   service=web                the service's name, in a service's record only
 *                              (jailctl run NAME); user is then the user the
 *                              service runs as
 *   linger_ms=600000           a lingering session (profile key linger): it
 *                              outlives its connections and is joined by the
 *                              user's next login; ends after this long empty
 *                              of user processes.  Absent: not lingering.
 *
 * A lingering session also has a lock file DIR/.linger.<id> (0600 root,
 * empty).  Every connection holds a shared flock(2) on its own open of it
 * from before it joins until it closes; the session init holds another
 * open and, once idle for linger_ms, takes the exclusive lock (LOCK_NB)
 * and exits while holding it.  So a login never joins an init that decided
 * to exit (the joiner checks the init is alive, not exiting, after its
 * shared lock is granted), and the kernel counts the connections for us:
 * the shared locks on that inode in /proc/locks, released by the kernel
 * when a connection's process dies (jail_registry_connections).
 *
 * The parser is strict: every line is key=value with a known key, no key
 * twice, no control characters, lines and files of bounded length, the
 * required keys present and every value valid; anything else is an error
 * naming the file, line and key.  Records are written atomically. */
#ifndef JAIL_REGISTRY_H
#define JAIL_REGISTRY_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_REGISTRY_DIR      "/run/jail/sessions"
#define JAIL_SESSION_ID_LEN    16
#define JAIL_REGISTRY_MAX_FILE 8192
#define JAIL_REGISTRY_MAX_LINE 1024

typedef struct jail_session_record {
	char id[JAIL_SESSION_ID_LEN + 1];
	char *user;
	uid_t uid;
	char *jail;
	char *profile;
	pid_t init_pid;
	uint64_t init_starttime;
	char *cgroup; /* NULL when the session has no cgroup */
	int64_t start;
	char *remote; /* NULL when unknown */
	uint64_t ns;  /* 0 when unknown */
	/* The session's opener, which alone calls close (0: unknown).  When it
	 * is gone while the init still runs, nobody will ever close the
	 * session (sshd was killed): the session is orphaned. */
	pid_t owner_pid;
	uint64_t owner_starttime;
	char *service;	    /* NULL: a login session (or jailctl run JAIL -- CMD) */
	uint64_t linger_ms; /* 0: not a lingering session */
} jail_session_record_t;

/* The lock file of lingering session ID (see above): open it O_RDONLY
 * (not following a symlink; root's regular file), created (O_EXCL) with
 * CREATE.  Returns the fd or -1 (ENOENT when absent). */
int jail_registry_linger_open(int dirfd, const char *id, bool create, jail_error_t *err);

/* Connections of lingering session ID: the shared locks held on its lock
 * file, from /proc/locks.  -1 on error (ENOENT: no lock file). */
int jail_registry_connections(int dirfd, const char *id, jail_error_t *err);

/* A fresh session id: 16 lower-case hex characters from getrandom(). */
int jail_session_id_new(char out[JAIL_SESSION_ID_LEN + 1], jail_error_t *err);
bool jail_session_id_valid(const char *id);

/* Open (and with CREATE, make: mode 0700, root) the registry directory
 * DIR.  Every component must be trusted (root-owned, not group/world
 * writable), DIR itself root-owned mode 0700.  Returns an O_DIRECTORY fd
 * (usable after pivot_root) or -1. */
int jail_registry_open(const char *dir, bool create, jail_error_t *err);

/* Write REC atomically as DIRFD/<rec->id> (0600 root).  REC is validated
 * first (the same rules as the parser). */
int jail_registry_write(int dirfd, const jail_session_record_t *rec, jail_error_t *err);

/* The record of a sandbox just built (called from its before_pivot hook,
 * while the host's /proc is reachable): REC's id, user, uid, jail,
 * profile, remote and service are the caller's; the init (pid, start
 * time, mount namespace), the cgroup, the start time and the owner (the
 * calling process) are filled in from SB, then the record is written. */
struct jail_sandbox;
int jail_registry_write_sandbox(int dirfd, jail_session_record_t *rec,
				const struct jail_sandbox *sb, jail_error_t *err);

/* End sandbox SB whose record is DIRFD/ID, in the order that wastes no
 * time: kill the init (jail_sandbox_kill), remove the record while it dies
 * (only when *RECORDED, which is then cleared), then reap it and remove
 * the cgroup (jail_sandbox_end).  Every step runs; the first error is
 * returned.  A record already removed (ENOENT: `jailctl kill` or `gc` got
 * there first) is the state we want, not an error. */
int jail_registry_end_sandbox(int dirfd, const char *id, bool *recorded, struct jail_sandbox *sb,
			      jail_error_t *err);

/* Remove DIRFD/ID (and its linger lock file, if any).  A missing record is
 * an error with code ENOENT. */
int jail_registry_remove(int dirfd, const char *id, jail_error_t *err);

/* Read and parse DIRFD/ID (must be a root-owned regular file, no symlink). */
int jail_registry_read(int dirfd, const char *id, jail_session_record_t **out, jail_error_t *err);

/* Every record in DIRFD, sorted by start time then id.  Malformed records
 * (and stray files) are skipped and described, one message each, in BAD
 * (may be NULL).  Temporary files of an atomic write in progress are
 * ignored. */
int jail_registry_list(int dirfd, jail_session_record_t ***out, size_t *n, jail_strv_t *bad,
		       jail_error_t *err);
void jail_registry_list_free(jail_session_record_t **recs, size_t n);

/* 1 when the init still runs (the pid exists and its starttime is
 * rec->init_starttime), 0 when it is gone, exiting or a zombie, or the pid was reused, -1 on
 * error. */
int jail_registry_alive(const jail_session_record_t *rec, jail_error_t *err);

/* 1 when the session's opener (rec->owner_pid with rec->owner_starttime)
 * still runs, or when the record names none (unknown: never presumed gone);
 * 0 when it is gone, a zombie, exiting, or its pid now names another
 * process; -1 on error.  A session whose init is alive but whose owner is
 * gone is orphaned: close_session will never run for it. */
int jail_registry_owner_alive(const jail_session_record_t *rec, jail_error_t *err);

/* Serialise / parse one record (exported for tests and fuzzing).
 * NAME is used in error messages (e.g. the file name). */
char *jail_session_record_format(const jail_session_record_t *rec, jail_error_t *err);
int jail_session_record_parse(const char *buf, size_t len, const char *name,
			      jail_session_record_t **out, jail_error_t *err);
/* Check every field (id syntax, names, absolute jail, pid > 0, ...). */
int jail_session_record_validate(const jail_session_record_t *rec, jail_error_t *err);
void jail_session_record_free(jail_session_record_t *rec);

/* Field 22 (starttime, clock ticks since boot) of /proc/PID/stat.  ENOENT
 * (ESRCH) when the process does not exist. */
int jail_proc_starttime(pid_t pid, uint64_t *out, jail_error_t *err);
/* Inode of /proc/PID/ns/NSNAME ("mnt", "pid", ...). */
int jail_proc_ns_inode(pid_t pid, const char *nsname, uint64_t *out, jail_error_t *err);

#endif
