/* The session's state, shared by session.c (open, close) and linger.c
 * (joining a lingering session).  Not for other layers. */
#ifndef JAIL_SESSION_INTERNAL_H
#define JAIL_SESSION_INTERNAL_H

#include "session/session.h"
#include "config/profile.h"
#include "confine/sandbox.h"
#include "session/loginrec.h"
#include "session/registry.h"

struct jail_session {
	/* who and where */
	char *user;
	uid_t uid;
	gid_t gid;
	char *home;	  /* pw_dir of the host passwd: the same path in the jail */
	char *host_shell; /* pw_shell as NSS answers on the host: what sshd and su run */
	jail_config_t *cfg;
	char *jail;	    /* jail root, host path */
	char *profile_name; /* profile name */
	char *shell;	    /* the assignment's shell = (NULL: the profile's) */
	jail_profile_t *profile;
	char id[JAIL_SESSION_ID_LEN + 1];
	jail_strv_t warnings;
	/* what close needs (fds: the host paths are gone after pivot_root) */
	bool open;
	jail_sandbox_t sb; /* the host side: init, namespaces, cgroup */
	int registry_fd;
	bool record_written;
	char *remote;		  /* PAM_RHOST, for the record (NULL: none) */
	char *tty;		  /* PAM_TTY, for the login record */
	char *logind_id;	  /* logind's session, released at close (set_logind_id) */
	int host_mnt, host_pidns; /* the host's namespaces, for that release */
	jail_loginrec_t loginrec; /* the host's wtmp and lastlog (loginrec.h) */
	/* a lingering session (profile linger; see linger.c) */
	int linger_fd;	   /* this connection's shared lock on the lock file, -1: none */
	bool linger_made;  /* we made the lock file (removed if the open fails) */
	bool joined;	   /* we joined a live session instead of building one */
	pid_t joined_init; /* its init, as the record says */
	jail_session_failure_t failure; /* the kind of the last open's failure */
};

/* linger.c.  Both are called by jail_session_open() for a profile with
 * linger set, after the jail's checks passed, with s->registry_fd open and
 * the registry's linger lock held (session_linger_lock), so that two
 * logins of one user cannot both build a session. */

/* Take the registry's linger lock (an exclusive flock on the registry
 * directory, held while a lingering session is found or built).  Returns
 * the fd holding it (close it to release) or -1. */
int session_linger_lock(jail_session_t *s, jail_error_t *err);

/* Find the user's lingering session in this jail with this profile and
 * join it: the record must be the user's (name and uid), the init alive
 * (not exiting), the recorded process (pid, start time, mount namespace);
 * then this connection's shared lock is taken, the caller joins the
 * session's cgroup, its namespaces and root (jail_sandbox_join: the
 * profile's bounding set too).  A record whose init is gone is removed
 * with its cgroup.  Returns 1 when joined (s->open, s->id, s->joined),
 * 0 when there is none to join, -1 on error with the caller back in its
 * own namespaces. */
int session_linger_join(jail_session_t *s, jail_error_t *err);

/* Before a lingering session is built (s->id set): make its lock file,
 * hold it shared for this connection (s->linger_fd) and give the init its
 * own open (s->sb.init.linger_fd, linger_ms), which the caller closes once
 * the sandbox is open (or failed). */
int session_linger_prepare(jail_session_t *s, jail_error_t *err);

#endif
