/* Lingering sessions (profile key linger): finding, joining and preparing
 * them for jail_session_open() (see session-internal.h, registry.h for the
 * lock file and its protocol, nsinit.h for the init's idle exit).
 *
 * Why a lock and not a connection count in the record: a count in a file
 * must be read, changed and written back by every login and logout, and a
 * connection whose process dies (sshd killed) never writes its decrement.
 * A shared flock(2) per connection is dropped by the kernel when its holder
 * dies, the init's exclusive attempt tells it whether anyone is connected
 * or joining, and /proc/locks counts the holders for `jailctl ps`. */
#define _GNU_SOURCE
#include "session/session-internal.h"
#include "confine/cgroup.h"
#include "confine/nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int session_linger_lock(jail_session_t *s, jail_error_t *err)
{
	int fd = openat(s->registry_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return jail_error_set(err, errno, "open the session registry");
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return jail_error_set(err, e, "lock the session registry");
		}
	}
	return fd;
}

/* A record whose init is gone (it ended idle, was killed, the host
 * rebooted): its cgroup and record go, as `jailctl gc` would.  Never a
 * refusal: what cannot be removed is a warning, and a new session is built. */
static void remove_stale(jail_session_t *s, const jail_session_record_t *rec)
{
	jail_error_t e2 = {0};

	if (rec->cgroup) {
		cleanup_cgroup_manager jail_cgroup_manager_t *mgr =
		    jail_cgroup_detect(JAIL_CGROUP_ROOT, &e2);
		jail_cgroup_t *cg = NULL;

		if (mgr && jail_cgroup_open_path(mgr, rec->cgroup, &cg, &e2) == 0) {
			if (jail_cgroup_destroy(cg, &e2) < 0)
				jail_strv_push_error(&s->warnings,
						     "cgroup of an ended lingering session", &e2);
		} else if (!jail_error_is(&e2, ENOENT)) {
			jail_strv_push_error(&s->warnings, "cgroup of an ended lingering session",
					     &e2);
		}
	}
	if (jail_registry_remove(s->registry_fd, rec->id, &e2) < 0 && !jail_error_is(&e2, ENOENT))
		jail_strv_push_error(&s->warnings, "record of an ended lingering session", &e2);
}

/* 1 joined, 0 stale (removed), -1 error (nothing changed for the caller). */
static int join_one(jail_session_t *s, const jail_session_record_t *rec, jail_error_t *err)
{
	cleanup_close int lock = -1;
	cleanup_cgroup_manager jail_cgroup_manager_t *mgr = NULL;
	cleanup_cgroup jail_cgroup_t *cg = NULL;
	cleanup_ns_target jail_ns_target_t t = JAIL_NS_TARGET_INIT;
	cleanup_ns_saved jail_ns_saved_t saved = JAIL_NS_SAVED_INIT;
	jail_error_t e2 = {0};
	int alive;

	lock = jail_registry_linger_open(s->registry_fd, rec->id, false, &e2);
	if (lock < 0) {
		if (!jail_error_is(&e2, ENOENT)) {
			jail_error_move(err, &e2);
			return jail_error_wrap(err, "lingering session %s", rec->id);
		}
		/* Being removed (jailctl kill or gc) or never complete. */
		if (jail_registry_alive(rec, NULL) == 1)
			return jail_error_fmt(err, ENOENT,
					      "lingering session %s has no lock file; end it with "
					      "jailctl kill %s",
					      rec->id, rec->id);
		remove_stale(s, rec);
		return 0;
	}
	/* Granted at once unless the init is exiting holding it exclusive:
	 * then we wait for its exit to release it, and find it exiting. */
	while (flock(lock, LOCK_SH) < 0)
		if (errno != EINTR)
			return jail_error_set(err, errno, "lock lingering session %s", rec->id);
	alive = jail_registry_alive(rec, &e2);
	if (alive < 0) {
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "lingering session %s", rec->id);
	}
	if (alive == 0) {
		remove_stale(s, rec);
		return 0;
	}
	/* The pidfd pins the init: pid, start time and mount namespace are
	 * checked against the record after it is taken. */
	if (jail_ns_target_open(rec->init_pid, rec->init_starttime, rec->ns, &t, &e2) < 0) {
		if (jail_error_is(&e2, ESRCH)) {
			remove_stale(s, rec);
			return 0;
		}
		jail_error_move(err, &e2);
		return jail_error_wrap(err, "lingering session %s", rec->id);
	}
	/* Fail closed: a session that has a cgroup is never joined without. */
	if (rec->cgroup) {
		mgr = jail_cgroup_detect(JAIL_CGROUP_ROOT, err);
		if (mgr == NULL || jail_cgroup_open_path(mgr, rec->cgroup, &cg, err) < 0) {
			s->failure = JAIL_SESSION_FAIL_CGROUP;
			return jail_error_wrap(err, "cgroup %s of lingering session %s",
					       rec->cgroup, rec->id);
		}
	}
	if (jail_ns_save(&saved, err) < 0) {
		s->failure = JAIL_SESSION_FAIL_SETUP;
		return -1;
	}
	/* The host's login records and logind, as a build does before its
	 * pivot_root (mnt fd[0], pid fd[1]). */
	memcpy(s->id, rec->id, sizeof(s->id));
	if (jail_loginrec_open(&s->loginrec, s->tty, s->id, saved.fd[0], saved.fd[1], &e2) < 0)
		jail_strv_push_error(&s->warnings, "not recorded in the host's wtmp/lastlog", &e2);
	if (s->logind_id) {
		s->host_mnt = fcntl(saved.fd[0], F_DUPFD_CLOEXEC, 3);
		s->host_pidns = fcntl(saved.fd[1], F_DUPFD_CLOEXEC, 3);
		if (s->host_mnt < 0 || s->host_pidns < 0) {
			jail_error_set(err, errno, "keep the host's namespaces for logind");
			s->failure = JAIL_SESSION_FAIL_SETUP;
			goto fail;
		}
	}
	/* The cgroup first, as a build joins it before anything: the caller's
	 * next fork starts inside it. */
	if (cg && jail_cgroup_join(cg, 0, err) < 0) {
		jail_error_wrap(err, "cgroup %s of lingering session %s", rec->cgroup, rec->id);
		s->failure = JAIL_SESSION_FAIL_CGROUP;
		goto fail;
	}
	if (jail_sandbox_join(&t, &s->profile->spec, err) < 0) {
		jail_error_wrap(err, "join lingering session %s", rec->id);
		if (cg)
			jail_cgroup_leave(cg, NULL);
		if (jail_ns_restore(&saved, &e2) < 0)
			jail_error_wrap(err, "and the caller could not return: %s", e2.msg);
		goto fail;
	}
	s->linger_fd = steal_fd(&lock);
	s->joined = true;
	s->joined_init = rec->init_pid;
	s->open = true;
	return 1;
fail:
	s->id[0] = '\0';
	jail_loginrec_close(&s->loginrec);
	s->loginrec = (jail_loginrec_t)JAIL_LOGINREC_INIT;
	return -1;
}

int session_linger_join(jail_session_t *s, jail_error_t *err)
{
	jail_session_record_t **recs = NULL;
	size_t n = 0;
	int ret = 0;

	if (jail_registry_list(s->registry_fd, &recs, &n, NULL, err) < 0)
		return jail_error_wrap(err, "session registry");
	for (size_t i = 0; i < n && ret == 0; i++) {
		const jail_session_record_t *r = recs[i];

		if (r->linger_ms == 0 || r->service || r->uid != s->uid ||
		    strcmp(r->user, s->user) != 0 || strcmp(r->jail, s->jail) != 0)
			continue;
		if (strcmp(r->profile, s->profile_name) != 0) {
			cleanup_free char *w = jail_strdup_printf(
			    "lingering session %s (profile %s) not joined: the user's profile is "
			    "now %s",
			    r->id, r->profile, s->profile_name);
			jail_strv_push(&s->warnings, w ? w : "lingering session not joined", NULL);
			continue;
		}
		ret = join_one(s, r, err);
	}
	jail_registry_list_free(recs, n);
	return ret;
}

int session_linger_prepare(jail_session_t *s, jail_error_t *err)
{
	int init_fd;

	s->linger_fd = jail_registry_linger_open(s->registry_fd, s->id, true, err);
	if (s->linger_fd < 0)
		return -1;
	s->linger_made = true;
	/* Our shared lock and the init's own open description: flock(2)
	 * locks belong to an open file description, so the init's exclusive
	 * attempt conflicts with ours only through a separate open. */
	init_fd = jail_registry_linger_open(s->registry_fd, s->id, false, err);
	if (init_fd < 0)
		return -1;
	if (flock(s->linger_fd, LOCK_SH) < 0) {
		int e = errno;
		close(init_fd);
		return jail_error_set(err, e, "lock lingering session %s", s->id);
	}
	s->sb.init.linger_fd = init_fd;
	s->sb.init.linger_ms = s->profile->linger_ms;
	return 0;
}
