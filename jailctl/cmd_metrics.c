/* jailctl metrics [--no-per-session] [--no-check] [--output FILE]: the
 * host's jail state in the Prometheus text exposition format (0.0.4), for
 * node_exporter's textfile collector.  Every family is documented in
 * jailctl(8), METRICS.
 *
 * What is read: the session registry (live sessions, the way `jailctl ps`
 * reads it), each live session's cgroup (memory, processes), the refusal
 * counters pam_jail keeps under /run/jail/stats (lib/session/stats.h) and,
 * unless --no-check, the audit of `jailctl check` run in-process.  A part
 * that cannot be read is reported on stderr and by
 * jail_metrics_collector_success{collector=...} 0; the rest is still
 * written and the exit status is 1.  --output writes FILE atomically (a
 * temporary in the same directory renamed over it, mode 0644), so the
 * collector never reads half a file and cron needs no shell. */
#define _GNU_SOURCE
#include "audit/audit.h"
#include "audit/metrics.h"
#include "confine/cgroup.h"
#include "config/config.h"
#include "jailctl.h"
#include "session/registry.h"
#include "session/stats.h"
#include "base/safefs.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define METRICS_SYNOPSIS "[--no-per-session] [--no-check] [--output FILE]"

typedef struct {
	const char *jail, *profile, *kind;
	uint64_t n;
} group_t;

typedef struct {
	const jail_session_record_t *rec;
	uint64_t memory; /* UINT64_MAX: unknown */
	long pids;	 /* -1: unknown */
} per_session_t;

typedef struct {
	group_t *groups;
	size_t ngroups;
	per_session_t *per;
	size_t nper;
	uint64_t orphaned, stale;
	jail_session_record_t **recs;
	size_t nrecs;
} sessions_t;

static void sessions_clear(sessions_t *s)
{
	free(s->groups);
	free(s->per);
	jail_registry_list_free(s->recs, s->nrecs);
	memset(s, 0, sizeof(*s));
}

/* Memory and processes of live session REC: its cgroup (the recorded one,
 * or PARENT/USER/ID for older records), else its pid namespace.  A part
 * that cannot be read stays unknown (a message, not a failure: the
 * session may have ended since the list was read). */
static void session_usage(jail_cgroup_manager_t *cgm, const jail_config_t *cfg, per_session_t *ps)
{
	const jail_session_record_t *r = ps->rec;
	jail_cgroup_stats_t st = {.memory_current = UINT64_MAX};
	jail_cgroup_t *cg = NULL;
	jail_error_t e = {0};
	int rc = 0;

	ps->memory = UINT64_MAX;
	ps->pids = -1;
	if (cgm && r->cgroup)
		rc = jail_cgroup_open_path(cgm, r->cgroup, &cg, &e);
	else if (cgm)
		rc = jail_cgroup_open_existing(cgm, cfg->cgroup_parent, r->user, r->id, &cg, &e);
	if (rc < 0 && !jail_error_is(&e, ENOENT))
		jailctl_msg("metrics", "session %s: %s", r->id, e.msg);
	if (cg && jail_cgroup_stats(cg, &st, &e) == 0) {
		ps->memory = st.memory_current;
		ps->pids = (long)st.nprocs;
	} else if (cg) {
		jailctl_msg("metrics", "session %s: %s", r->id, e.msg);
	}
	jail_cgroup_free(cg);
	if (ps->pids < 0)
		ps->pids = jailctl_count_pidns(r->init_pid);
}

static int add_group(sessions_t *s, const jail_session_record_t *r, jail_error_t *err)
{
	const char *kind = r->service ? "service" : "session";
	group_t *g;

	for (size_t i = 0; i < s->ngroups; i++) {
		g = &s->groups[i];
		if (strcmp(g->jail, r->jail) == 0 && strcmp(g->profile, r->profile) == 0 &&
		    strcmp(g->kind, kind) == 0) {
			g->n++;
			return 0;
		}
	}
	g = realloc(s->groups, (s->ngroups + 1) * sizeof(*g));
	if (g == NULL)
		return jail_error_set(err, ENOMEM, "sessions");
	s->groups = g;
	s->groups[s->ngroups++] = (group_t){r->jail, r->profile, kind, 1};
	return 0;
}

/* The live sessions of the registry, grouped; per session too unless
 * PER is false.  Returns 0 or -1 (the registry could not be read). */
static int collect_sessions(const jailctl_ctx_t *ctx, bool per, sessions_t *s, jail_error_t *err)
{
	cleanup_cgroup_manager jail_cgroup_manager_t *cgm = NULL;
	jail_config_t *cfg = NULL;
	jail_strv_t bad = {0};
	cleanup_close int regfd = -1;
	jail_error_t e = {0};
	int rc = -1;

	if (jail_config_load(ctx->config_dir, &cfg, err) < 0)
		return -1;
	regfd = jail_registry_open(cfg->registry_dir, false, err);
	if (regfd < 0) {
		if (!jail_error_is(err, ENOENT)) {
			jail_error_wrap(err, "session registry");
			goto out;
		}
		jail_error_clear(err); /* no session ever ran on this host */
		rc = 0;
		goto out;
	}
	if (jail_registry_list(regfd, &s->recs, &s->nrecs, &bad, err) < 0)
		goto out;
	for (size_t i = 0; i < bad.n; i++)
		jailctl_msg("metrics", "skipping registry entry: %s", bad.v[i]);
	if (per) {
		s->per = calloc(s->nrecs ? s->nrecs : 1, sizeof(*s->per));
		if (s->per == NULL) {
			jail_error_set(err, ENOMEM, "sessions");
			goto out;
		}
		cgm = jail_cgroup_detect(JAIL_CGROUP_ROOT, &e); /* NULL: no cgroups */
	}
	for (size_t i = 0; i < s->nrecs; i++) {
		const jail_session_record_t *r = s->recs[i];
		int alive = jail_registry_alive(r, &e);

		if (alive < 0) {
			jailctl_msg("metrics", "session %s: %s", r->id, e.msg);
			continue;
		}
		if (alive == 0) {
			s->stale++;
			continue;
		}
		if (!r->linger_ms && jail_registry_owner_alive(r, &e) == 0)
			s->orphaned++;
		if (add_group(s, r, err) < 0)
			goto out;
		if (per) {
			s->per[s->nper].rec = r;
			session_usage(cgm, cfg, &s->per[s->nper++]);
		}
	}
	rc = 0;
out:
	jail_strv_clear(&bad);
	jail_config_free(cfg);
	return rc;
}

static void emit_sessions(jail_prom_t *p, const sessions_t *s, bool per)
{
	jail_prom_family(p, "jail_sessions", "gauge",
			 "Live sessions (kind=session: logins and jailctl run JAIL -- CMD; "
			 "kind=service: services) by jail and profile.");
	for (size_t i = 0; i < s->ngroups; i++) {
		const char *l[] = {"jail", s->groups[i].jail, "profile", s->groups[i].profile,
				   "kind", s->groups[i].kind};
		jail_prom_sample_u64(p, "jail_sessions", l, 3, s->groups[i].n);
	}
	jail_prom_family(p, "jail_sessions_orphaned", "gauge",
			 "Live sessions whose opener is gone (jailctl gc ends them).");
	jail_prom_sample_u64(p, "jail_sessions_orphaned", NULL, 0, s->orphaned);
	jail_prom_family(p, "jail_session_records_stale", "gauge",
			 "Registry records whose session init is gone (jailctl gc removes them).");
	jail_prom_sample_u64(p, "jail_session_records_stale", NULL, 0, s->stale);
	if (!per)
		return;
	jail_prom_family(p, "jail_session_memory_bytes", "gauge",
			 "Memory charged to a live session's cgroup (memory.current, or "
			 "memory.usage_in_bytes on cgroup v1).");
	for (size_t i = 0; i < s->nper; i++) {
		const jail_session_record_t *r = s->per[i].rec;
		const char *l[] = {"id",   r->id,   "user",    r->user,
				   "jail", r->jail, "profile", r->profile};
		if (s->per[i].memory != UINT64_MAX)
			jail_prom_sample_u64(p, "jail_session_memory_bytes", l, 4,
					     s->per[i].memory);
	}
	jail_prom_family(p, "jail_session_processes", "gauge",
			 "Processes of a live session (its cgroup's cgroup.procs, or its pid "
			 "namespace when it has no cgroup).");
	for (size_t i = 0; i < s->nper; i++) {
		const jail_session_record_t *r = s->per[i].rec;
		const char *l[] = {"id",   r->id,   "user",    r->user,
				   "jail", r->jail, "profile", r->profile};
		if (s->per[i].pids >= 0)
			jail_prom_sample_u64(p, "jail_session_processes", l, 4,
					     (uint64_t)s->per[i].pids);
	}
}

static void emit_refused(jail_prom_t *p, const uint64_t counts[JAIL_REFUSED_NREASONS])
{
	jail_prom_family(p, "jail_refused_sessions_total", "counter",
			 "Sessions pam_jail refused since boot, by reason (see jailctl(8)).");
	for (int i = 0; i < JAIL_REFUSED_NREASONS; i++) {
		const char *l[] = {"reason", jail_refused_reason_name((jail_refused_reason_t)i)};
		jail_prom_sample_u64(p, "jail_refused_sessions_total", l, 1, counts[i]);
	}
}

static void emit_check(jail_prom_t *p, const jail_findings_t *f)
{
	static const jail_severity_t sevs[] = {JAIL_SEV_CRITICAL, JAIL_SEV_WARNING};

	jail_prom_family(p, "jail_check_findings", "gauge",
			 "Findings of jailctl check, by severity.");
	for (size_t i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++) {
		const char *l[] = {"severity", jail_severity_name(sevs[i])};
		uint64_t n = 0;

		for (size_t j = 0; j < f->n; j++)
			n += f->v[j].severity == sevs[i];
		jail_prom_sample_u64(p, "jail_check_findings", l, 1, n);
	}
}

/* Write TEXT to PATH atomically: a temporary beside it (mode 0644, for
 * the collector's user), renamed over it. */
static int write_output(const char *path, const char *text, jail_error_t *err)
{
	cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
	cleanup_free char *d1 = strdup(path), *d2 = strdup(path);
	cleanup_close int dfd = -1;
	const char *base;

	if (d1 == NULL || d2 == NULL)
		return jail_error_set(err, ENOMEM, "%s", path);
	base = basename(d2);
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    path[strlen(path) - 1] == '/')
		return jail_error_fmt(err, EINVAL, "--output %s: expected a file name", path);
	dfd = open(dirname(d1), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return jail_error_set(err, errno, "--output %s: open its directory", path);
	if (jail_tmpfile_create(&t, dfd, path, err) < 0)
		return -1;
	if (jail_write_all(t.fd, text, strlen(text), err) < 0)
		return jail_error_wrap(err, "write %s", path);
	if (fchmod(t.fd, 0644) < 0)
		return jail_error_set(err, errno, "chmod %s", path);
	return jail_tmpfile_commit(&t, base, err);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int cmd_metrics(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"no-per-session", no_argument, NULL, 'S'},
	    {"no-check", no_argument, NULL, 'C'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool per = true, check = true;
	const char *output = NULL;
	jail_prom_t p = {0};
	sessions_t s = {0};
	jail_findings_t findings = {0};
	uint64_t refused[JAIL_REFUSED_NREASONS];
	jail_error_t err = {0};
	cleanup_free char *text = NULL;
	struct timespec t0;
	bool ok_sessions, ok_refused, ok_check = true;
	int c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			per = false;
			break;
		case 'C':
			check = false;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			printf("usage: jailctl metrics " METRICS_SYNOPSIS "\n"
			       "Print live sessions, their memory and processes, refused sessions "
			       "since boot\nand jailctl check's findings in the Prometheus text "
			       "format (jailctl(8), METRICS).\n"
			       "--no-per-session omits the per-session families (one series per "
			       "session);\n--no-check skips the audit; --output FILE writes FILE "
			       "atomically.\n");
			return JAILCTL_OK;
		default:
			return jailctl_usage("metrics", METRICS_SYNOPSIS);
		}
	}
	if (optind != argc)
		return jailctl_usage("metrics", METRICS_SYNOPSIS);

	ok_sessions = collect_sessions(ctx, per, &s, &err) == 0;
	if (!ok_sessions) {
		jailctl_err("metrics", &err);
		sessions_clear(&s);
	}
	ok_refused = jail_stats_read_refused(JAIL_STATS_DIR, refused, &err) == 0;
	if (!ok_refused)
		jailctl_err("metrics", &err);
	if (check) {
		jail_audit_opts_t ao = {.config_dir = ctx->config_dir};
		jail_strv_t none = {0};

		ao.jails = &none;
		ok_check = jail_audit_run(&ao, &findings, &err) == 0;
		if (!ok_check)
			jailctl_err("metrics", &err);
	}

	{
		const char *l[] = {"version", JAIL_VERSION};

		jail_prom_family(&p, "jail_build_info", "gauge",
				 "The version of jailctl that wrote these metrics (always 1).");
		jail_prom_sample_u64(&p, "jail_build_info", l, 1, 1);
	}
	if (ok_sessions)
		emit_sessions(&p, &s, per);
	if (ok_refused)
		emit_refused(&p, refused);
	if (check && ok_check)
		emit_check(&p, &findings);
	jail_prom_family(&p, "jail_metrics_collector_success", "gauge",
			 "Whether a part of jailctl metrics could be read (1) or not (0: see "
			 "its stderr).");
	{
		const char *l1[] = {"collector", "sessions"}, *l2[] = {"collector", "refused"},
			   *l3[] = {"collector", "check"};

		jail_prom_sample_u64(&p, "jail_metrics_collector_success", l1, 1, ok_sessions);
		jail_prom_sample_u64(&p, "jail_metrics_collector_success", l2, 1, ok_refused);
		if (check)
			jail_prom_sample_u64(&p, "jail_metrics_collector_success", l3, 1, ok_check);
	}
	jail_prom_family(&p, "jail_metrics_scrape_duration_seconds", "gauge",
			 "How long jailctl metrics took to read everything above.");
	jail_prom_sample_double(&p, "jail_metrics_scrape_duration_seconds", NULL, 0, elapsed(&t0));
	sessions_clear(&s);
	jail_findings_clear(&findings);

	text = jail_prom_finish(&p, &err);
	if (text == NULL)
		return jailctl_err("metrics", &err);
	if (output) {
		if (write_output(output, text, &err) < 0)
			return jailctl_err("metrics", &err);
	} else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		jailctl_msg("metrics", "cannot print the metrics: %s", strerror(errno));
		return JAILCTL_FAIL;
	}
	return ok_sessions && ok_refused && ok_check ? JAILCTL_OK : JAILCTL_FAIL;
}
