/* jailctl ps, kill, gc: the live sessions in the host registry.
 *
 * Records are written by pam_jail (lib/session/session.c).  A record is live when
 * its init pid exists with the recorded starttime; anything else (the init
 * is gone, or its pid now names another process) is stale.  A live session
 * whose opener (owner_pid: sshd's privileged monitor) is gone is orphaned:
 * close_session will never run for it, its processes (a background job)
 * would outlive the login forever; gc ends it like `jailctl kill`.
 * A lingering session (profile linger, record linger_ms) outlives its
 * opener on purpose: it is never called orphaned; ps shows its
 * connections (the shared locks on its lock file, registry.h) and its
 * init ends it once idle; gc removes its record once the init is gone. */
#define _GNU_SOURCE
#include "confine/cgroup.h"
#include "config/config.h"
#include "jailctl.h"
#include "session/registry.h"
#include "base/text.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* jailctl ps --json: {"schema": "jail.ps", "version": N, "sessions": [...]} */
#define JAILCTL_PS_VERSION 1

typedef struct {
	jail_config_t *cfg;
	int regfd;		    /* -1: no registry yet (no session ever) */
	jail_cgroup_manager_t *cgm; /* NULL: no cgroup hierarchy */
	jail_error_t cgm_err;	    /* why cgm is NULL */
} session_env_t;

static void env_free(session_env_t *env)
{
	if (env->regfd >= 0)
		close(env->regfd);
	jail_cgroup_manager_free(env->cgm);
	jail_config_free(env->cfg);
}

/* Load the config and open the registry (not created: a host where no
 * session ever ran has none) and the cgroup manager.  ps, kill and gc need
 * only [jail]'s registry and cgroup_parent: users.d (one file per jailed
 * user) and the profiles are not read, and a broken one does not stop them
 * (`jailctl check` reports it). */
static int env_open(const jailctl_ctx_t *ctx, session_env_t *env, jail_error_t *err)
{
	memset(env, 0, sizeof(*env));
	env->regfd = -1;
	if (jail_config_load_flags(ctx->config_dir,
				   JAIL_CONFIG_NO_USERS_D | JAIL_CONFIG_SKIP_PROFILES, &env->cfg,
				   err) < 0)
		return -1;
	env->regfd = jail_registry_open(env->cfg->registry_dir, false, err);
	if (env->regfd < 0) {
		if (!jail_error_is(err, ENOENT))
			return jail_error_wrap(err, "session registry");
		jail_error_clear(err);
	}
	env->cgm = jail_cgroup_detect(JAIL_CGROUP_ROOT, &env->cgm_err);
	return 0;
}

/* The record's cgroup (rec->cgroup, or PARENT/USER/ID from the config for
 * records that have none).  0 and *out NULL when there is none. */
static int open_cgroup(session_env_t *env, const jail_session_record_t *rec, jail_cgroup_t **out,
		       jail_error_t *err)
{
	jail_error_t e2 = {0};
	int r;

	*out = NULL;
	if (env->cgm == NULL)
		return 0;
	if (rec->cgroup)
		r = jail_cgroup_open_path(env->cgm, rec->cgroup, out, &e2);
	else
		r = jail_cgroup_open_existing(env->cgm, env->cfg->cgroup_parent, rec->user, rec->id,
					      out, &e2);
	if (r < 0 && !jail_error_is(&e2, ENOENT)) {
		if (err)
			*err = e2;
		return -1;
	}
	return 0;
}

/* Processes in the pid namespace of PID (the session init): the fallback
 * count when the session has no cgroup. */
long jailctl_count_pidns(pid_t pid)
{
	uint64_t ns, other;
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	long n = 0;

	if (jail_proc_ns_inode(pid, "pid", &ns, NULL) < 0)
		return -1;
	d = opendir("/proc");
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long p = strtol(de->d_name, &end, 10);

		if (*end || p <= 0)
			continue;
		if (jail_proc_ns_inode((pid_t)p, "pid", &other, NULL) == 0 && other == ns)
			n++;
	}
	return n;
}

static void human_size(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (v == UINT64_MAX) {
		snprintf(buf, len, "-");
		return;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64 "B", v);
	else
		snprintf(buf, len, "%.1f%c", d, units[u]);
}

static void report_bad(const char *cmd, const jail_strv_t *bad)
{
	for (size_t i = 0; i < bad->n; i++)
		jailctl_msg(cmd, "skipping registry entry: %s", bad->v[i]);
}

int cmd_ps(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	jail_error_t err = {0};
	session_env_t env;
	jail_session_record_t **recs = NULL;
	jail_strv_t bad = {0};
	size_t n = 0, stale = 0, shown = 0, orphaned = 0;
	bool json = false;
	int c, rc = JAILCTL_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: jailctl ps [--json]\n");
			return JAILCTL_OK;
		default:
			return jailctl_usage("ps", "[--json]");
		}
	}
	if (optind != argc)
		return jailctl_usage("ps", "[--json]");
	if (env_open(ctx, &env, &err) < 0) {
		env_free(&env);
		return jailctl_fail(&err);
	}
	if (env.regfd >= 0 && jail_registry_list(env.regfd, &recs, &n, &bad, &err) < 0) {
		env_free(&env);
		return jailctl_fail(&err);
	}
	report_bad("ps", &bad);
	/* The schema (jailctl(8), JSON OUTPUT): fields are only added
	 * within a version; a rename or a removal bumps it. */
	if (json)
		printf("{\"schema\": \"jail.ps\", \"version\": %d, \"sessions\": [",
		       JAILCTL_PS_VERSION);
	else
		printf("%-16s  %-12s  %-20s  %-10s  %5s  %8s  %-19s  %-15s  %s\n", "ID", "USER",
		       "JAIL", "PROFILE", "PIDS", "MEMORY", "START", "REMOTE", "LINGER");
	for (size_t i = 0; i < n; i++) {
		jail_session_record_t *r = recs[i];
		jail_cgroup_stats_t st = {.memory_current = UINT64_MAX, .nprocs = 0};
		jail_cgroup_t *cg = NULL;
		long pids = -1;
		char mem[32], start[32];
		time_t t = (time_t)r->start;
		struct tm tm;
		int alive = jail_registry_alive(r, &err);
		int owner = 1, conns = -1;

		if (alive < 0) {
			jailctl_msg("ps", "session %s: %s", r->id, err.msg);
			rc = JAILCTL_FAIL;
			continue;
		}
		if (alive == 0) {
			stale++;
			continue;
		}
		if (r->linger_ms) {
			/* Outlives its opener on purpose. */
			conns = jail_registry_connections(env.regfd, r->id, &err);
			if (conns < 0)
				jailctl_msg("ps", "session %s: connections: %s", r->id, err.msg);
		} else {
			owner = jail_registry_owner_alive(r, &err);
		}
		if (owner < 0) {
			jailctl_msg("ps", "session %s: owner: %s", r->id, err.msg);
			owner = 1; /* not known to be gone */
		} else if (owner == 0) {
			orphaned++;
			jailctl_msg("ps",
				    "session %s is orphaned: the process that opened it "
				    "(pid %ld) is gone, its init %ld still runs",
				    r->id, (long)r->owner_pid, (long)r->init_pid);
		}
		if (open_cgroup(&env, r, &cg, &err) < 0) {
			jailctl_msg("ps", "session %s: %s", r->id, err.msg);
		} else if (cg && jail_cgroup_stats(cg, &st, &err) == 0) {
			pids = (long)st.nprocs;
		} else if (cg) {
			jailctl_msg("ps", "session %s: %s", r->id, err.msg);
		}
		jail_cgroup_free(cg);
		if (pids < 0)
			pids = jailctl_count_pidns(r->init_pid);
		human_size(st.memory_current, mem, sizeof(mem));
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(start, sizeof(start), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(start, sizeof(start), "%" PRId64, r->start);
		if (json) {
			printf("%s\n  {\"id\": ", shown ? "," : "");
			jail_json_fputs(stdout, r->id);
			printf(", \"user\": ");
			jail_json_fputs(stdout, r->user);
			printf(", \"uid\": %u, \"jail\": ", (unsigned)r->uid);
			jail_json_fputs(stdout, r->jail);
			printf(", \"profile\": ");
			jail_json_fputs(stdout, r->profile);
			printf(", \"init_pid\": %ld, \"pids\": ", (long)r->init_pid);
			if (pids >= 0)
				printf("%ld", pids);
			else
				printf("null");
			printf(", \"memory\": ");
			if (st.memory_current != UINT64_MAX)
				printf("%" PRIu64, st.memory_current);
			else
				printf("null");
			printf(", \"start\": %" PRId64 ", \"remote\": ", r->start);
			jail_json_fputs(stdout, r->remote);
			printf(", \"cgroup\": ");
			jail_json_fputs(stdout, r->cgroup);
			printf(", \"owner_pid\": ");
			if (r->owner_pid > 0)
				printf("%ld", (long)r->owner_pid);
			else
				printf("null");
			printf(", \"service\": ");
			jail_json_fputs(stdout, r->service);
			printf(", \"orphaned\": %s, \"linger\": ", owner == 0 ? "true" : "false");
			if (r->linger_ms)
				printf("%" PRIu64 ", \"connections\": ", r->linger_ms / 1000);
			else
				printf("null, \"connections\": ");
			if (conns >= 0)
				printf("%d}", conns);
			else
				printf("null}");
		} else {
			char p[24], who[80], lg[48] = "-";

			/* a service is shown by its name */
			snprintf(who, sizeof(who), r->service ? "svc:%s" : "%s",
				 r->service ? r->service : r->user);
			if (pids >= 0)
				snprintf(p, sizeof(p), "%ld", pids);
			else
				snprintf(p, sizeof(p), "-");
			if (r->linger_ms && conns >= 0)
				snprintf(lg, sizeof(lg), "%" PRIu64 "s,%dconn", r->linger_ms / 1000,
					 conns);
			else if (r->linger_ms)
				snprintf(lg, sizeof(lg), "%" PRIu64 "s", r->linger_ms / 1000);
			printf("%-16s  %-12s  %-20s  %-10s  %5s  %8s  %-19s  %-15s  %s\n", r->id,
			       who, r->jail, r->profile, p, mem, start, r->remote ? r->remote : "-",
			       lg);
		}
		shown++;
	}
	if (json)
		printf("%s]}\n", shown ? "\n" : "");
	if (stale)
		jailctl_msg("ps", "%zu stale record%s (init gone); 'jailctl gc' removes them",
			    stale, stale == 1 ? "" : "s");
	if (orphaned)
		jailctl_msg("ps",
			    "%zu orphaned session%s (opener gone, init alive); 'jailctl "
			    "gc' ends them",
			    orphaned, orphaned == 1 ? "" : "s");
	jail_registry_list_free(recs, n);
	jail_strv_clear(&bad);
	env_free(&env);
	return rc;
}

/* Destroy REC's cgroup (if any) and remove the record.  Prints nothing. */
static int cleanup_session(session_env_t *env, const jail_session_record_t *rec, bool *had_cgroup,
			   jail_error_t *err)
{
	jail_cgroup_t *cg = NULL;

	*had_cgroup = false;
	if (open_cgroup(env, rec, &cg, err) < 0)
		return jail_error_wrap(err, "session %s: cgroup", rec->id);
	if (cg) {
		*had_cgroup = true;
		if (jail_cgroup_destroy(cg, err) < 0)
			return jail_error_wrap(err, "session %s", rec->id);
	}
	if (jail_registry_remove(env->regfd, rec->id, err) < 0 && !jail_error_is(err, ENOENT))
		return -1;
	return 0;
}

/* SIGKILL the session init, but only the process the record names: the
 * pidfd pins one process, and its starttime is checked after it is
 * opened, so a pid reused since cannot be signalled.  1 when killed, 0 when
 * the init was already gone (or is another process now). */
static int kill_init(const jail_session_record_t *rec, jail_error_t *err)
{
	int pfd = (int)syscall(SYS_pidfd_open, rec->init_pid, 0);
	int alive;

	if (pfd < 0) {
		if (errno == ESRCH)
			return 0;
		return jail_error_set(err, errno, "pidfd_open %ld", (long)rec->init_pid);
	}
	alive = jail_registry_alive(rec, err);
	if (alive <= 0) {
		close(pfd);
		return alive;
	}
	if (syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH) {
		int e = errno;
		close(pfd);
		return jail_error_set(err, e, "kill session init %ld", (long)rec->init_pid);
	}
	close(pfd);
	return 1;
}

int cmd_kill(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	jail_error_t err = {0};
	session_env_t env;
	jail_session_record_t *rec = NULL;
	bool had_cg = false;
	int killed;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: jailctl kill ID\n");
		return JAILCTL_OK;
	}
	if (argc != 2)
		return jailctl_usage("kill", "ID");
	if (!jail_session_id_valid(argv[1])) {
		jailctl_msg("kill",
			    "'%s' is not a session id (16 hex digits, see "
			    "'jailctl ps')",
			    argv[1]);
		return JAILCTL_USAGE;
	}
	if (env_open(ctx, &env, &err) < 0) {
		env_free(&env);
		return jailctl_fail(&err);
	}
	if (env.regfd < 0 || jail_registry_read(env.regfd, argv[1], &rec, &err) < 0) {
		if (env.regfd < 0 || jail_error_is(&err, ENOENT))
			jailctl_msg("kill", "no session %s", argv[1]);
		else
			jailctl_err("kill", &err);
		env_free(&env);
		return JAILCTL_FAIL;
	}
	killed = kill_init(rec, &err);
	if (killed < 0 || cleanup_session(&env, rec, &had_cg, &err) < 0) {
		jail_session_record_free(rec);
		env_free(&env);
		return jailctl_fail(&err);
	}
	if (killed)
		printf("killed session %s (user %s, init %ld)%s\n", rec->id, rec->user,
		       (long)rec->init_pid, had_cg ? ", cgroup removed" : "");
	else
		printf("session %s (user %s) had already ended: record%s removed\n", rec->id,
		       rec->user, had_cg ? " and cgroup" : "");
	jail_session_record_free(rec);
	env_free(&env);
	return JAILCTL_OK;
}

int cmd_gc(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	jail_error_t err = {0};
	session_env_t env;
	jail_session_record_t **recs = NULL;
	jail_strv_t bad = {0};
	size_t n = 0, cleaned = 0;
	int rc = JAILCTL_OK;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: jailctl gc\n"
		       "Removes the records and cgroups of sessions whose init is gone, and ends\n"
		       "orphaned sessions (init alive, the process that opened the session, such\n"
		       "as sshd's monitor, gone) as 'jailctl kill' would.\n");
		return JAILCTL_OK;
	}
	if (argc != 1)
		return jailctl_usage("gc", "");
	if (env_open(ctx, &env, &err) < 0) {
		env_free(&env);
		return jailctl_fail(&err);
	}
	if (env.regfd >= 0 && jail_registry_list(env.regfd, &recs, &n, &bad, &err) < 0) {
		env_free(&env);
		return jailctl_fail(&err);
	}
	report_bad("gc", &bad);
	for (size_t i = 0; i < n; i++) {
		jail_session_record_t *r = recs[i];
		bool had_cg = false;
		int alive = jail_registry_alive(r, &err);
		int killed = 0;

		if (alive < 0) {
			jailctl_msg("gc", "session %s: %s", r->id, err.msg);
			rc = JAILCTL_FAIL;
			continue;
		}
		if (alive == 1 && r->linger_ms)
			continue; /* lingering: its init ends it once idle */
		if (alive == 1) {
			int owner = jail_registry_owner_alive(r, &err);

			if (owner < 0) {
				jailctl_msg("gc", "session %s: owner: %s", r->id, err.msg);
				rc = JAILCTL_FAIL;
				continue;
			}
			if (owner == 1)
				continue; /* a live session: its opener will close it */
			/* Orphaned: nobody will ever close it.  The pidfd in
			 * kill_init pins the recorded init (starttime checked). */
			killed = kill_init(r, &err);
			if (killed < 0) {
				jailctl_msg("gc", "session %s: %s", r->id, err.msg);
				rc = JAILCTL_FAIL;
				continue;
			}
		}
		if (cleanup_session(&env, r, &had_cg, &err) < 0) {
			jailctl_err("gc", &err);
			rc = JAILCTL_FAIL;
			continue;
		}
		if (alive == 1)
			printf(
			    "ended orphaned session %s (user %s, opener %ld gone, init %ld %s)%s\n",
			    r->id, r->user, (long)r->owner_pid, (long)r->init_pid,
			    killed ? "killed" : "gone", had_cg ? ", cgroup removed" : "");
		else
			printf("removed stale session %s (user %s, init %ld gone)%s\n", r->id,
			       r->user, (long)r->init_pid, had_cg ? ", cgroup removed" : "");
		cleaned++;
	}
	if (cleaned == 0 && rc == JAILCTL_OK)
		printf("nothing to clean\n");
	jail_registry_list_free(recs, n);
	jail_strv_clear(&bad);
	env_free(&env);
	return rc;
}
