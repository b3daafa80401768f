/* jailctl check: does sshd lock forwarding down for every jailed user?
 *
 * Forwarding is done by sshd's own post-auth process, outside jailsh's
 * seccomp filter, Landlock and `commands =`: the shipped sshd_config block
 * (`Match Group jailed`, [jail] ssh_group) turns it off.  A jailed user the
 * block does not cover can open -L/-R tunnels to host-local services.  The
 * reliable judge of what applies to a user is sshd itself: `sshd -T -C
 * user=U,host=localhost,addr=127.0.0.1` prints the effective configuration
 * after every Match block (Include files, Match User, Match Group, negated
 * patterns: all of it, as sshd reads it).
 *
 * One sshd -T costs about 6 ms here.  Users whose answers to every Match
 * Group line of the configuration are the same (the lines as sshd -ddd
 * reports them, matched the way sshd matches) share one sshd -T; where a
 * Match line names users, or anything else is unexpected, every user gets
 * their own, which is always exact.  The runs go through a pool of
 * parallel processes (twice the CPUs, at most 16).  1,000 jailed users in
 * one group: 0.5 s; one sshd -T each: about 5 s.  Runs sshd directly (no
 * shell) with a fixed environment. */
#define _GNU_SOURCE
#include "audit/audit-internal.h"
#include "audit/audit.h"
#include "audit/spawn.h"
#include "base/util.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSHD_DEFAULT_CONFIG "/etc/ssh/sshd_config"
#define SSHD_OUT_MAX	    (256u << 10) /* sshd -T prints about 5 KiB */
#define SSHD_TIMEOUT_MS	    30000	 /* no output at all for this long: give up */
#define SSHD_POOL_MAX	    16
#define SSHD_LIST_MAX	    10 /* users named in one finding, then "and N more" */

static const char *const sshd_paths[] = {"/usr/sbin/sshd", "/sbin/sshd"};

/* The settings that must be off, as sshd -T names them, and the value that
 * means off.  DisableForwarding yes turns off the first four at once
 * (sshd_config(5): it overrides every other forwarding option), not tunnels. */
static const struct {
	const char *key, *off;
	bool disable_covers;
} sshd_required[] = {
    {"allowtcpforwarding", "no", true},	  {"allowstreamlocalforwarding", "no", true},
    {"allowagentforwarding", "no", true}, {"x11forwarding", "no", true},
    {"permittunnel", "no", false},
};

typedef struct sshd_job {
	pid_t pid;
	int fd;
	size_t user; /* index in the users vector */
	audit_spawn_out_t out;
} sshd_job_t;

/* No process, no fd, output kept up to SSHD_OUT_MAX. */
static sshd_job_t sshd_job_new(void)
{
	return (sshd_job_t){.pid = -1, .fd = -1, .out = {.max = SSHD_OUT_MAX}};
}

/* What sshd -T said about one user. */
typedef struct sshd_result {
	bool done;
	bool failed;
	char *open; /* "allowtcpforwarding yes, ..." or NULL when all off */
	char *msg;  /* first line of sshd's output when it failed */
} sshd_result_t;

/* The value of KEY in sshd -T OUTPUT ("key value" lines), NULL if absent. */
static char *sshd_value(const char *output, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = output; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > klen && strncasecmp(p, key, klen) == 0 && p[klen] == ' ')
			return strndup(p + klen + 1, len - klen - 1);
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* Judge one user's effective configuration: *open lists what is not off
 * ("allowtcpforwarding yes, permittunnel yes"), NULL when everything is. */
static int sshd_judge(const char *output, char **open, jail_error_t *err)
{
	cleanup_free char *disable = sshd_value(output, "disableforwarding");
	bool disabled = disable && strcasecmp(disable, "yes") == 0;
	char *list = NULL;

	*open = NULL;
	for (size_t i = 0; i < sizeof(sshd_required) / sizeof(sshd_required[0]); i++) {
		cleanup_free char *v = sshd_value(output, sshd_required[i].key);
		char *n;

		if (v && strcasecmp(v, sshd_required[i].off) == 0)
			continue;
		if (disabled && sshd_required[i].disable_covers)
			continue;
		n = jail_strdup_printf("%s%s%s %s", list ? list : "", list ? ", " : "",
				       sshd_required[i].key, v ? v : "(not printed by sshd -T)");
		free(list);
		if (n == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		list = n;
	}
	*open = list;
	return 0;
}

/* Start sshd -T for USER; *fdp reads its output.  DEBUG: -ddd, and only
 * the debug log (stderr) is read, the configuration goes to /dev/null. */
static pid_t sshd_spawn(const char *sshd, const char *config, const char *user, bool debug,
			int *fdp, jail_error_t *err)
{
	cleanup_free char *spec = jail_strdup_printf("user=%s,host=localhost,addr=127.0.0.1", user);
	char *argv[8] = {"sshd", "-T", "-C", spec};
	int argc = 4;

	if (spec == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	if (debug)
		argv[argc++] = "-ddd";
	if (config) {
		argv[argc++] = "-f";
		argv[argc++] = (char *)config;
	}
	argv[argc] = NULL;
	return audit_spawn_start(
	    sshd, argv, debug ? AUDIT_SPAWN_STDERR : AUDIT_SPAWN_STDOUT | AUDIT_SPAWN_STDERR, fdp,
	    err);
}

/* First line of S (for a message), malloc'd; sshd's log lines on stderr
 * end in CR LF. */
static char *first_line(const char *s)
{
	while (*s == '\n' || *s == '\r')
		s++;
	return strndup(s, strcspn(s, "\r\n"));
}

static int sshd_finish(sshd_job_t *job, sshd_result_t *res, jail_error_t *err)
{
	cleanup_free char *buf = NULL;
	int status = 0, r;

	close(job->fd);
	job->fd = -1;
	r = audit_spawn_wait(job->pid, &status, err);
	job->pid = -1;
	if (r < 0)
		return -1;
	res->done = true;
	if ((buf = jail_buf_finish(&job->out.b, "audit", err)) == NULL)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || job->out.overflow) {
		res->failed = true;
		if (job->out.overflow)
			res->msg = strdup("more output than sshd -T ever prints");
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			res->msg = strdup("cannot be executed");
		else if (*buf)
			res->msg = first_line(buf);
		else
			res->msg = jail_strdup_printf(
			    "%s %d, no output", WIFEXITED(status) ? "exit status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return res->msg ? 0 : jail_error_set(err, ENOMEM, "audit");
	}
	return sshd_judge(buf, &res->open, err);
}

static void sshd_kill_all(sshd_job_t *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		audit_spawn_kill(jobs[i].pid);
		if (jobs[i].fd >= 0)
			close(jobs[i].fd);
		audit_spawn_out_clear(&jobs[i].out);
		jobs[i] = sshd_job_new();
	}
}

/* Ask sshd about USERS[FIRST..] with at most POOL processes at a time.
 * Returns 0, 1 when sshd stopped answering (the rest is not done), -1. */
static int sshd_pool(const char *sshd, const char *config, const jail_strv_t *users, size_t first,
		     size_t pool, sshd_result_t *res, jail_error_t *err)
{
	sshd_job_t jobs[SSHD_POOL_MAX];
	struct pollfd pfds[SSHD_POOL_MAX];
	size_t next = first, running = 0;
	int ret = -1;

	for (size_t i = 0; i < SSHD_POOL_MAX; i++)
		jobs[i] = sshd_job_new();
	for (;;) {
		size_t np = 0;
		int r;

		for (size_t i = 0; i < pool && next < users->n; i++) {
			if (jobs[i].pid > 0)
				continue;
			jobs[i] = sshd_job_new();
			jobs[i].user = next;
			jobs[i].pid =
			    sshd_spawn(sshd, config, users->v[next], false, &jobs[i].fd, err);
			if (jobs[i].pid < 0)
				goto out;
			next++;
			running++;
		}
		if (running == 0)
			break;
		for (size_t i = 0; i < pool; i++) {
			if (jobs[i].pid <= 0)
				continue;
			pfds[np].fd = jobs[i].fd;
			pfds[np].events = POLLIN;
			pfds[np].revents = 0;
			np++;
		}
		r = poll(pfds, np, SSHD_TIMEOUT_MS);
		if (r < 0 && errno != EINTR) {
			jail_error_set(err, errno, "poll");
			goto out;
		}
		if (r == 0) {
			ret = 1;
			goto out;
		}
		for (size_t i = 0, k = 0; i < pool && r > 0; i++) {
			int rr;

			if (jobs[i].pid <= 0)
				continue;
			if (pfds[k++].revents == 0)
				continue;
			rr = audit_spawn_read(jobs[i].fd, &jobs[i].out);
			if (rr > 0)
				continue;
			if (sshd_finish(&jobs[i], &res[jobs[i].user], err) < 0)
				goto out;
			running--;
		}
	}
	ret = 0;
out:
	sshd_kill_all(jobs, pool);
	return ret;
}

/* ------------------------------------------------------------------------
 * Who shares a configuration
 *
 * sshd's Match criteria here are fixed by the connection spec (host,
 * address, ports) except User and Group.  When no Match line uses User (or
 * anything this code does not know), the effective configuration of a user
 * depends only on which Match Group pattern lists the user's groups match:
 * users with the same answers share one sshd -T.  The Match lines come from
 * sshd itself (-ddd logs "checking syntax for 'Match ...'" for every one,
 * Include files too); the matching below is OpenSSH's own (match.c
 * match_pattern, match_pattern_list; groupaccess.c ga_match_pattern_list).
 * Whatever is unexpected (no Match line seen at all, a quote, an unknown or
 * negated criterion) means one sshd -T per user, which is always exact. */

static bool ssh_match_pattern(const char *s, const char *pattern)
{
	for (;;) {
		if (!*pattern)
			return !*s;
		if (*pattern == '*') {
			while (*pattern == '*')
				pattern++;
			if (!*pattern)
				return true;
			if (*pattern != '?' && *pattern != '*') {
				for (; *s; s++)
					if (*s == *pattern && ssh_match_pattern(s + 1, pattern + 1))
						return true;
				return false;
			}
			for (; *s; s++)
				if (ssh_match_pattern(s, pattern))
					return true;
			return false;
		}
		if (!*s)
			return false;
		if (*pattern != '?' && *pattern != *s)
			return false;
		s++;
		pattern++;
	}
}

/* 1 positive, -1 negated, 0 no match (match_pattern_list, case-sensitive). */
static int ssh_match_pattern_list(const char *string, const char *pattern)
{
	char sub[1024];
	size_t i = 0, subi, len = strlen(pattern);
	int got_positive = 0;

	while (i < len) {
		bool negated = pattern[i] == '!';

		if (negated)
			i++;
		for (subi = 0; i < len && subi < sizeof(sub) - 1 && pattern[i] != ','; subi++, i++)
			sub[subi] = pattern[i];
		if (subi >= sizeof(sub) - 1)
			return 0;
		if (i < len && pattern[i] == ',')
			i++;
		sub[subi] = '\0';
		if (ssh_match_pattern(string, sub)) {
			if (negated)
				return -1;
			got_positive = 1;
		}
	}
	return got_positive;
}

/* ga_match_pattern_list: a negated match of any group wins. */
static bool ssh_groups_match(const jail_strv_t *groups, const char *list)
{
	bool found = false;

	for (size_t i = 0; i < groups->n; i++) {
		switch (ssh_match_pattern_list(groups->v[i], list)) {
		case -1:
			return false;
		case 1:
			found = true;
			break;
		default:
			break;
		}
	}
	return found;
}

/* Run sshd -T -ddd for USER and collect the pattern lists of every Match
 * Group criterion into LISTS.  Returns 1 when users can be grouped by them,
 * 0 when not (one sshd -T per user), -1 on error. */
static int sshd_match_groups(const char *sshd, const char *config, const char *user,
			     jail_strv_t *lists, jail_error_t *err)
{
	static const char marker[] = "checking syntax for 'Match ";
	static const char *const fixed[] = {"host", "address", "localaddress", "localport",
					    "rdomain"};
	sshd_job_t job = sshd_job_new();
	cleanup_free char *buf = NULL;
	size_t nmatch = 0;
	int status = 0;
	bool empty;

	job.pid = sshd_spawn(sshd, config, user, true, &job.fd, err);
	if (job.pid < 0)
		return -1;
	while (audit_spawn_read(job.fd, &job.out) > 0)
		;
	close(job.fd);
	if (audit_spawn_wait(job.pid, &status, err) < 0) {
		audit_spawn_out_clear(&job.out);
		return -1;
	}
	empty = job.out.b.len == 0;
	if ((buf = jail_buf_finish(&job.out.b, "audit", err)) == NULL)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || job.out.overflow || empty)
		return 0;
	for (const char *p = buf; (p = strstr(p, marker)) != NULL;) {
		const char *c = p + sizeof(marker) - 1;
		const char *nl = strchr(c, '\n');
		size_t len = nl ? (size_t)(nl - c) : strlen(c);
		cleanup_free char *crit = NULL;
		char *save = NULL, *kw, *arg;

		p = c + len;
		if (len > 0 && c[len - 1] == '\r') /* sshd's log lines on stderr end in CR LF */
			len--;
		if (len == 0 || c[len - 1] != '\'')
			goto no;
		crit = strndup(c, len - 1);
		if (crit == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		if (strpbrk(crit, "'\"\\"))
			goto no;
		nmatch++;
		kw = strtok_r(crit, " \t", &save);
		if (kw && strcasecmp(kw, "all") == 0 && strtok_r(NULL, " \t", &save) == NULL)
			continue;
		for (; kw; kw = strtok_r(NULL, " \t", &save)) {
			bool known = false;

			arg = strtok_r(NULL, " \t", &save);
			if (arg == NULL)
				goto no;
			if (strcasecmp(kw, "group") == 0) {
				if (jail_strv_push(lists, arg, err) < 0)
					return -1;
				continue;
			}
			for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
				known |= strcasecmp(kw, fixed[i]) == 0;
			if (!known)
				goto no; /* User, or a criterion this code does not know */
		}
	}
	return nmatch > 0;
no:
	jail_strv_clear(lists);
	return 0;
}

/* CLASS[i]: the index of the first user that shares user i's answers to
 * every list of LISTS (itself when it is the first). */
static int sshd_classes(audit_users_t *t, const jail_strv_t *users, const jail_strv_t *lists,
			size_t *class, jail_error_t *err)
{
	jail_strv_t sigs = {0};
	cleanup_free size_t *reps = calloc(users->n ? users->n : 1, sizeof(*reps));
	size_t nreps = 0;
	int ret = -1;

	if (reps == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	for (size_t i = 0; i < users->n; i++) {
		const audit_pw_t *pw;
		jail_strv_t groups = {0};
		cleanup_free char *sig = calloc(lists->n + 2, 1);

		if (sig == NULL)
			goto nomem;
		if (audit_users_pw(t, users->v[i], &pw, err) < 0)
			goto out;
		if (pw == NULL) {
			class[i] = i; /* sshd -T will say what it makes of it */
			if (jail_strv_push(&sigs, "", err) < 0)
				goto out;
			continue;
		}
		if (audit_users_groups(t, pw, &groups, err) < 0) {
			jail_strv_clear(&groups);
			goto out;
		}
		sig[0] = 's'; /* never "": "" marks a user of its own */
		for (size_t k = 0; k < lists->n; k++)
			sig[k + 1] = ssh_groups_match(&groups, lists->v[k]) ? '1' : '0';
		jail_strv_clear(&groups);
		class[i] = i;
		for (size_t k = 0; k < nreps; k++) {
			if (strcmp(sigs.v[reps[k]], sig) == 0) {
				class[i] = reps[k];
				break;
			}
		}
		if (class[i] == i)
			reps[nreps++] = i;
		if (jail_strv_push(&sigs, sig, err) < 0)
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	jail_error_set(err, ENOMEM, "audit");
out:
	jail_strv_clear(&sigs);
	return ret;
}

/* USER is in GROUP as sshd's Match Group sees it (primary or listed). */
static int user_in_group(audit_users_t *t, const char *user, const char *group, bool *in,
			 jail_error_t *err)
{
	const audit_gr_t *tg = audit_users_gr(t, group);
	const audit_pw_t *pw;
	struct group *gr;

	*in = false;
	if (audit_users_pw(t, user, &pw, err) < 0)
		return -1;
	if (pw == NULL)
		return 0;
	if (tg) {
		if (tg->gid == pw->gid) {
			*in = true;
			return 0;
		}
		for (const char **m = tg->mem; *m; m++)
			if (strcmp(*m, user) == 0) {
				*in = true;
				return 0;
			}
		return 0;
	}
	gr = getgrnam(group); /* not enumerated: ask NSS by name */
	if (gr == NULL)
		return 0;
	if (gr->gr_gid == pw->gid) {
		*in = true;
		return 0;
	}
	for (char **m = gr->gr_mem; m && *m; m++)
		if (strcmp(*m, user) == 0) {
			*in = true;
			return 0;
		}
	return 0;
}

/* "u1, u2, ... and N more": the users PICK marks. */
static char *name_list(const jail_strv_t *users, const bool *pick, size_t *count)
{
	char *s = strdup("");
	size_t shown = 0;

	*count = 0;
	for (size_t i = 0; s && i < users->n; i++) {
		char *n;
		if (!pick[i])
			continue;
		(*count)++;
		if (shown == SSHD_LIST_MAX)
			continue;
		n = jail_strdup_printf("%s%s%s", s, shown ? ", " : "", users->v[i]);
		free(s);
		s = n;
		shown++;
	}
	if (s && *count > shown) {
		char *n = jail_strdup_printf("%s and %zu more", s, *count - shown);
		free(s);
		s = n;
	}
	return s;
}

/* The findings from the results.  Users outside GROUP: one finding each
 * (the fix is per user).  Users in GROUP that are still open: the
 * configuration lacks the block (or something before it wins), one finding
 * per distinct answer naming the users.  Failures of sshd -T: one finding
 * per distinct message. */
static int sshd_report(audit_users_t *t, const char *cfgpath, const char *config_arg,
		       const char *group, const jail_strv_t *users, sshd_result_t *res,
		       jail_findings_t *out, jail_error_t *err)
{
	cleanup_free bool *pick = calloc(users->n ? users->n : 1, sizeof(bool));
	cleanup_free bool *seen = calloc(users->n ? users->n : 1, sizeof(bool));

	if (pick == NULL || seen == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	for (size_t i = 0; i < users->n; i++) {
		cleanup_free char *fix = NULL;
		bool in;

		if (!res[i].done || res[i].failed || res[i].open == NULL)
			continue;
		if (user_in_group(t, users->v[i], group, &in, err) < 0)
			return -1;
		if (in)
			continue;
		seen[i] = true;
		fix = jail_strdup_printf("usermod -aG %s %s (jailctl adduser does it for the users "
					 "it jails)",
					 group, users->v[i]);
		if (fix == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		if (jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, cfgpath, fix, err,
				      "jailed user %s is not in group %s, whose Match block locks "
				      "ssh forwarding down: sshd gives %s %s",
				      users->v[i], group, users->v[i], res[i].open) < 0)
			return -1;
	}
	for (size_t i = 0; i < users->n; i++) {
		bool failed = res[i].failed;
		const char *key = failed ? res[i].msg : res[i].open;
		cleanup_free char *names = NULL;
		cleanup_free char *fix = NULL;
		size_t count;
		int r;

		if (seen[i] || !res[i].done || key == NULL)
			continue;
		for (size_t k = i; k < users->n; k++) {
			const char *kk = res[k].failed ? res[k].msg : res[k].open;
			pick[k] = !seen[k] && res[k].done && res[k].failed == failed && kk &&
				  strcmp(kk, key) == 0;
			seen[k] |= pick[k];
		}
		names = name_list(users, pick, &count);
		if (names == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		if (failed) {
			fix = jail_strdup_printf("make 'sshd -T -C user=%s,host=localhost,"
						 "addr=127.0.0.1%s%s' work",
						 users->v[i], config_arg ? " -f " : "",
						 config_arg ? config_arg : "");
			r = jail_findings_add(out, JAIL_SEV_WARNING, NULL, cfgpath, fix ? fix : "",
					      err,
					      "sshd -T fails for jailed user%s %s: %s: whether ssh "
					      "forwarding is locked down cannot be checked",
					      count == 1 ? "" : "s", names, key);
		} else {
			fix = jail_strdup_printf(
			    "run 'jailctl setup sshd%s%s' (it appends the jail block of "
			    "templates/sshd_config.snippet, Match Group %s, DisableForwarding yes, "
			    "to the end of %s), then reload sshd",
			    config_arg ? " --sshd-config " : "", config_arg ? config_arg : "",
			    group, cfgpath);
			r = jail_findings_add(
			    out, JAIL_SEV_CRITICAL, NULL, cfgpath, fix ? fix : "", err,
			    "ssh forwarding is not locked down for group %s: sshd gives jailed "
			    "user%s %s (member%s of %s) %s",
			    group, count == 1 ? "" : "s", names, count == 1 ? "" : "s", group, key);
		}
		for (size_t k = 0; k < users->n; k++)
			pick[k] = false;
		if (r < 0)
			return -1;
	}
	return 0;
}

int audit_sshd(audit_users_t *t, const char *sshd_config, const char *group,
	       const jail_strv_t *users, jail_findings_t *out, jail_error_t *err)
{
	const char *cfgpath = sshd_config ? sshd_config : SSHD_DEFAULT_CONFIG;
	const char *sshd = NULL;
	sshd_result_t probe = {0};
	sshd_result_t *res = NULL;    /* per user, borrowed from REPRES */
	sshd_result_t *repres = NULL; /* per class representative, owned */
	size_t *class = NULL, *repno = NULL;
	jail_strv_t asked = {0}, reps = {0}, lists = {0};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t pool;
	int ret = -1, r;

	if (users == NULL || users->n == 0)
		return 0;
	if (group == NULL)
		group = JAIL_DEFAULT_SSH_GROUP;
	for (size_t i = 0; i < sizeof(sshd_paths) / sizeof(sshd_paths[0]) && !sshd; i++)
		if (access(sshd_paths[i], X_OK) == 0)
			sshd = sshd_paths[i];
	if (sshd == NULL)
		return jail_findings_add(
		    out, JAIL_SEV_WARNING, NULL, sshd_paths[0],
		    "install openssh-server, or ignore this if jailed users never log in by ssh",
		    err,
		    "sshd is not installed: whether ssh forwarding is locked down for jailed "
		    "users (sshd_config Match Group %s) cannot be checked",
		    group);
	/* sshd -C splits the connection spec at ',' and '=': a name holding
	 * them cannot be asked about (and no useradd makes one). */
	for (size_t i = 0; i < users->n; i++) {
		if (strpbrk(users->v[i], ",= \t\n") == NULL) {
			if (jail_strv_push(&asked, users->v[i], err) < 0)
				goto out;
		} else if (jail_findings_add(
			       out, JAIL_SEV_WARNING, NULL, cfgpath, "rename the user", err,
			       "jailed user '%s': the name cannot be passed to sshd -T, "
			       "ssh forwarding not checked",
			       users->v[i]) < 0) {
			goto out;
		}
	}
	if (asked.n == 0) {
		ret = 0;
		goto out;
	}
	res = calloc(asked.n, sizeof(*res));
	class = calloc(asked.n, sizeof(*class));
	repno = calloc(asked.n, sizeof(*repno));
	if (res == NULL || class == NULL || repno == NULL) {
		jail_error_set(err, ENOMEM, "audit");
		goto out;
	}
	/* One first, alone: when sshd cannot answer at all (no privilege
	 * separation directory, a broken config) one run says so. */
	r = sshd_pool(sshd, sshd_config, &(jail_strv_t){.v = asked.v, .n = 1}, 0, 1, &probe, err);
	if (r < 0)
		goto out;
	if (r > 0 || probe.failed) {
		res[0] = probe;
		if (r > 0 && jail_findings_add(out, JAIL_SEV_WARNING, NULL, cfgpath, "", err,
					       "sshd -T gave no answer for %d s: ssh forwarding of "
					       "jailed users not checked",
					       SSHD_TIMEOUT_MS / 1000) < 0)
			goto out;
		ret = sshd_report(t, cfgpath, sshd_config, group,
				  &(jail_strv_t){.v = asked.v, .n = 1}, res, out, err);
		goto out;
	}
	/* Users who share every answer of sshd's Match Group lines share a
	 * configuration: one sshd -T per class. */
	r = asked.n > 1 ? sshd_match_groups(sshd, sshd_config, asked.v[0], &lists, err) : 0;
	if (r < 0)
		goto out;
	if (r > 0) {
		if (sshd_classes(t, &asked, &lists, class, err) < 0)
			goto out;
	} else {
		for (size_t i = 0; i < asked.n; i++)
			class[i] = i;
	}
	for (size_t i = 0; i < asked.n; i++) {
		if (class[i] != i)
			continue;
		repno[i] = reps.n;
		if (jail_strv_push(&reps, asked.v[i], err) < 0)
			goto out;
	}
	repres = calloc(reps.n, sizeof(*repres));
	if (repres == NULL) {
		jail_error_set(err, ENOMEM, "audit");
		goto out;
	}
	repres[0] = probe; /* user 0 is always the first representative */
	probe = (sshd_result_t){0};
	pool = ncpu > 0 ? (size_t)ncpu * 2 : 2;
	if (pool > SSHD_POOL_MAX)
		pool = SSHD_POOL_MAX;
	r = sshd_pool(sshd, sshd_config, &reps, 1, pool, repres, err);
	if (r < 0)
		goto out;
	if (r > 0 && jail_findings_add(out, JAIL_SEV_WARNING, NULL, cfgpath, "", err,
				       "sshd -T gave no answer for %d s: ssh forwarding of jailed "
				       "users not checked",
				       SSHD_TIMEOUT_MS / 1000) < 0)
		goto out;
	for (size_t i = 0; i < asked.n; i++)
		res[i] = repres[repno[class[i]]];
	ret = sshd_report(t, cfgpath, sshd_config, group, &asked, res, out, err);
out:
	free(probe.open);
	free(probe.msg);
	for (size_t i = 0; repres && i < reps.n; i++) {
		free(repres[i].open);
		free(repres[i].msg);
	}
	free(repres);
	free(res);
	free(class);
	free(repno);
	jail_strv_clear(&asked);
	jail_strv_clear(&reps);
	jail_strv_clear(&lists);
	return ret;
}

int jail_audit_sshd(const char *sshd_config, const char *group, const jail_strv_t *users,
		    jail_findings_t *out, jail_error_t *err)
{
	audit_users_t t;
	int r;

	if (users == NULL || users->n == 0)
		return 0;
	if (audit_users_load(&t, err) < 0)
		return -1;
	r = audit_sshd(&t, sshd_config, group, users, out, err);
	audit_users_free(&t);
	return r;
}
