/* jailctl enter ID|SERVICE [--user] [-- CMD...]: run a command inside a live
 * session, with the session's view and restrictions.
 *
 * The session is found in the registry; its init must still be the
 * recorded process (pid + start time, and mount namespace inode).  We enter
 * the init's mount, pid, ipc, uts and net namespaces in one setns() on its
 * pidfd, chroot to its root (the jail), reduce the bounding set to the
 * profile's keep-list (all of that in a go-between child: jailctl itself
 * stays a plain host process), and fork: the command is in the session's
 * pid namespace, joins the session cgroup first, then runs.
 *   --user: the child becomes the session's user (setresgid, setgroups,
 *           setresuid; regaining root must fail) and execs jailsh, which
 *           applies no_new_privs, seccomp and the LSM profile as at login:
 *           `jailsh -c "CMD..."` (words joined with spaces, as ssh does), or
 *           a login shell without CMD.
 *   default: the child runs CMD (execvp, no shell) as root inside the
 *           session, for the admin, still under the reduced bounding set.
 *           Without CMD: /bin/sh. */
#define _GNU_SOURCE
#include "confine/cgroup.h"
#include "confine/sandbox.h"
#include "config/config.h"
#include "config/service.h"
#include "jailctl.h"
#include "confine/nsinit.h"
#include "session/registry.h"
#include "session/session.h"
#include "base/util.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENTER_SYNOPSIS "ID|SERVICE [--user] [-- CMD [ARG...]]"
#define ENTER_PATH     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct enter_user {
	uid_t uid;
	gid_t gid;
	char *home;
	gid_t *groups;
	int ngroups;
} enter_user_t;

/* The session user, from the HOST databases (as sshd and pam_jail use). */
static int lookup_user(const jail_session_record_t *rec, enter_user_t *u, jail_error_t *err)
{
	struct passwd *pw = getpwnam(rec->user);
	int n = 64;

	if (pw == NULL)
		return jail_error_fmt(err, ENOENT, "user %s of session %s: unknown on this host",
				      rec->user, rec->id);
	if (pw->pw_uid != rec->uid)
		return jail_error_fmt(err, EINVAL,
				      "user %s is uid %u on this host but the session was opened "
				      "for uid %u",
				      rec->user, (unsigned)pw->pw_uid, (unsigned)rec->uid);
	if (pw->pw_uid == 0)
		return jail_error_fmt(err, EINVAL, "session %s belongs to root", rec->id);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->home = strdup(pw->pw_dir);
	for (int attempt = 0; attempt < 8; attempt++) {
		int got = n;
		free(u->groups);
		u->groups = calloc((size_t)n, sizeof(gid_t));
		if (u->groups == NULL || u->home == NULL)
			return jail_error_set(err, ENOMEM, "user %s", rec->user);
		if (getgrouplist(rec->user, u->gid, u->groups, &got) >= 0) {
			u->ngroups = got;
			return 0;
		}
		n = got > n ? got : n * 2;
	}
	return jail_error_fmt(err, E2BIG, "user %s: too many groups", rec->user);
}

/* "w1 w2 ..." like ssh joins a remote command. */
static char *join_words(char **words, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

static __attribute__((noreturn)) void run_child(const jail_config_t *cfg,
						const jail_session_record_t *rec,
						const enter_user_t *u, char **cmd, int ncmd)
{
	const char *term = getenv("TERM");
	char e_home[4096], e_user[256], e_logname[256], e_shell[4096], e_term[256];
	jail_error_t err;

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	/* Nothing of the admin's but stdio goes into the session: an fd the
	 * caller left open on a host file or directory (not O_CLOEXEC) would
	 * hand the command a way out of the jail (fchdir, openat, "..").
	 * Found by tests/escape (fds through enter). */
	if (close_range(3, ~0U, 0) < 0) {
		jailctl_msg("enter", "close inherited descriptors: %s", strerror(errno));
		_exit(126);
	}
	snprintf(e_term, sizeof(e_term), "TERM=%s", term ? term : "dumb");
	if (u != NULL) {
		cleanup_free char *line = ncmd > 0 ? join_words(cmd, ncmd) : NULL;
		const char *base = strrchr(cfg->jailsh_path, '/');
		char login_name[256];

		base = base ? base + 1 : cfg->jailsh_path;
		snprintf(login_name, sizeof(login_name), "-%s", base);
		if (ncmd > 0 && line == NULL) {
			jailctl_msg("enter", "out of memory");
			_exit(126);
		}
		if (jail_become_user(u->uid, u->gid, u->groups, (size_t)u->ngroups, &err) < 0) {
			jailctl_err("enter", &err);
			_exit(126);
		}
		if (chdir(u->home) < 0 && chdir("/") < 0)
			_exit(126);
		snprintf(e_home, sizeof(e_home), "HOME=%s", u->home);
		snprintf(e_user, sizeof(e_user), "USER=%s", rec->user);
		snprintf(e_logname, sizeof(e_logname), "LOGNAME=%s", rec->user);
		snprintf(e_shell, sizeof(e_shell), "SHELL=%s", cfg->jailsh_path);
		{
			char *envp[] = {
			    e_home, e_user, e_logname, e_shell, e_term, "PATH=" ENTER_PATH, NULL};
			if (line)
				execve(cfg->jailsh_path, (char *[]){(char *)base, "-c", line, NULL},
				       envp);
			else
				execve(cfg->jailsh_path, (char *[]){login_name, NULL}, envp);
		}
		jailctl_msg("enter", "exec %s in the jail: %s", cfg->jailsh_path, strerror(errno));
		_exit(127);
	}
	{
		char *envp[] = {"HOME=/root", "USER=root",	  "LOGNAME=root",
				e_term,	      "PATH=" ENTER_PATH, NULL};
		if (ncmd > 0) {
			/* execvpe: PATH from the environment we pass. */
			execvpe(cmd[0], cmd, envp);
			jailctl_msg("enter", "exec %s in the jail: %s", cmd[0], strerror(errno));
		} else {
			execve("/bin/sh", (char *[]){"-sh", NULL}, envp);
			jailctl_msg("enter", "exec /bin/sh in the jail: %s", strerror(errno));
		}
	}
	_exit(127);
}

/* In the go-between child: enter, fork the command, wait, report its
 * status as an exit code (the caller _exit()s with it). */
static int enter_and_run(const jail_config_t *cfg, const jail_session_record_t *rec,
			 const jail_ns_target_t *target, const jail_profile_t *profile,
			 jail_cgroup_t *cg, const enter_user_t *u, char **cmd, int ncmd)
{
	jail_error_t err;
	int status;
	pid_t pid;

	jail_error_clear(&err);
	if (jail_sandbox_join(target, &profile->spec, &err) < 0) {
		jailctl_msg("enter", "session %s: %s", rec->id, err.msg);
		return JAILCTL_FAIL;
	}
	pid = fork(); /* the command: inside the session's pid namespace */
	if (pid < 0) {
		jailctl_msg("enter", "fork: %s", strerror(errno));
		return JAILCTL_FAIL;
	}
	if (pid == 0) {
		if (cg && jail_cgroup_join(cg, 0, &err) < 0) {
			jailctl_msg("enter", "cgroup %s of session %s: %s", rec->cgroup, rec->id,
				    err.msg);
			_exit(JAILCTL_FAIL);
		}
		run_child(cfg, rec, u, cmd, ncmd);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			jailctl_msg("enter", "wait: %s", strerror(errno));
			return JAILCTL_FAIL;
		}
	}
	return jailctl_exit_code(status);
}

/* The id of the live record of service NAME (into a static buffer). */
static int service_record(int regfd, const char *name, const char **id, jail_error_t *err)
{
	static char found[JAIL_SESSION_ID_LEN + 1];
	jail_session_record_t **recs = NULL;
	size_t n = 0;

	found[0] = '\0';
	if (jail_registry_list(regfd, &recs, &n, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		jail_error_t e2 = {0};

		if (recs[i]->service && strcmp(recs[i]->service, name) == 0 &&
		    jail_registry_alive(recs[i], &e2) == 1)
			memcpy(found, recs[i]->id, sizeof(found));
	}
	jail_registry_list_free(recs, n);
	if (found[0] == '\0')
		return jail_error_fmt(err, ENOENT, "service %s is not running (see jailctl ps)",
				      name);
	*id = found;
	return 0;
}

int cmd_enter(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"user", no_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool as_user = false;
	const char *id;
	char **cmd;
	int ncmd, c, status, ret = JAILCTL_FAIL;
	jail_error_t err;
	jail_config_t *cfg = NULL;
	jail_profile_t *profile = NULL;
	jail_session_record_t *rec = NULL;
	jail_cgroup_manager_t *mgr = NULL;
	jail_cgroup_t *cg = NULL;
	jail_ns_target_t target = JAIL_NS_TARGET_INIT;
	enter_user_t user = {0};
	cleanup_close int regfd = -1;
	pid_t pid;

	jail_error_clear(&err);
	while ((c = getopt_long(argc, argv, "uh", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			as_user = true;
			break;
		case 'h':
			printf("usage: jailctl enter %s\n", ENTER_SYNOPSIS);
			return JAILCTL_OK;
		default:
			return jailctl_usage("enter", ENTER_SYNOPSIS);
		}
	}
	if (optind >= argc)
		return jailctl_usage("enter", ENTER_SYNOPSIS);
	id = argv[optind];
	cmd = argv + optind + 1;
	ncmd = argc - optind - 1;
	if (!jail_session_id_valid(id) && !jail_service_valid_name(id)) {
		jailctl_msg("enter",
			    "'%s' is neither a session id (16 hex digits) nor a service name "
			    "(see jailctl ps)",
			    id);
		return JAILCTL_USAGE;
	}
	if (geteuid() != 0) {
		jailctl_msg("enter", "must be run as root");
		return JAILCTL_FAIL;
	}

	if (jail_config_load(ctx->config_dir, &cfg, &err) < 0)
		goto fail;
	regfd = jail_registry_open(cfg->registry_dir, false, &err);
	if (regfd < 0) {
		jail_error_wrap(&err, "session registry");
		goto fail;
	}
	/* A service by its name: its live record. */
	if (!jail_session_id_valid(id) && service_record(regfd, id, &id, &err) < 0)
		goto fail;
	if (jail_registry_read(regfd, id, &rec, &err) < 0) {
		if (jail_error_is(&err, ENOENT))
			jail_error_fmt(&err, ENOENT, "no session %s (see jailctl ps)", id);
		goto fail;
	}
	if (jail_profile_load(cfg->dir, rec->profile, &profile, &err) < 0) {
		jail_error_wrap(&err, "profile %s of session %s", rec->profile, id);
		goto fail;
	}
	if (as_user && lookup_user(rec, &user, &err) < 0)
		goto fail;
	if (jail_ns_target_open(rec->init_pid, rec->init_starttime, rec->ns, &target, &err) < 0) {
		jail_error_wrap(&err, "session %s", id);
		goto fail;
	}
	/* The session cgroup is opened now (while the host's cgroup tree is
	 * visible) and joined by the child only: this process stays outside.
	 * Fail closed: a session that has a cgroup is never entered without it. */
	if (rec->cgroup) {
		mgr = jail_cgroup_detect(JAIL_CGROUP_ROOT, &err);
		if (mgr == NULL || jail_cgroup_open_path(mgr, rec->cgroup, &cg, &err) < 0) {
			jail_error_wrap(&err, "cgroup %s of session %s", rec->cgroup, id);
			goto fail;
		}
	}
	/* A go-between child enters the session and forks the command: this
	 * process never changes namespaces, root or bounding set (so it stays
	 * an ordinary host process, which sanitizer runtimes rely on too). */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	pid = fork();
	if (pid < 0) {
		jail_error_set(&err, errno, "fork");
		goto fail;
	}
	if (pid == 0)
		_exit(enter_and_run(cfg, rec, &target, profile, cg, as_user ? &user : NULL, cmd,
				    ncmd));
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			jail_error_set(&err, errno, "wait for the command");
			goto fail;
		}
	}
	ret = jailctl_exit_code(status);
	goto out;
fail:
	ret = jailctl_err("enter", &err);
out:
	jail_ns_target_close(&target);
	if (cg)
		jail_cgroup_free(cg);
	jail_cgroup_manager_free(mgr);
	free(user.home);
	free(user.groups);
	jail_session_record_free(rec);
	if (profile)
		jail_profile_free(profile);
	jail_config_free(cfg);
	return ret;
}
