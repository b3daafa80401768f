/* jailctl run JAIL [-p PROFILE] [-u USER] -- CMD [ARG...]: run a command in
 * a sandbox of its own, in the foreground, and exit with its status.
 *
 * A thin front over the confinement core, as a login is: the profile is a
 * spec (config/profile.h), confine/sandbox.h builds the host side (cgroup,
 * namespaces, the init as pid 1, the jail read-only with tmpfs /tmp and
 * /run, pivot_root, the bounding set) with jailctl as its caller, and the
 * command's process applies the user side itself (confine/self.h:
 * no_new_privs, AppArmor, Landlock, seccomp) after it became USER (default
 * root, still bounded by the profile's caps).  jailctl stays outside the
 * command's pid namespace: it forwards TERM, INT, HUP, USR1 and USR2 to the
 * command, and when it dies the init and the command die with it
 * (PR_SET_PDEATHSIG); at the end the sandbox is torn down (init killed,
 * cgroup removed).  Exit status: the command's, or 128 + the signal that
 * killed it; 1 (jailctl's own refusal) or 126/127 (could not be started).
 *
 * Services (services.d, readiness, sockets) build on this (issue 14). */
#define _GNU_SOURCE
#include "config/config.h"
#include "confine/mounts.h"
#include "confine/sandbox.h"
#include "confine/seccomp.h"
#include "confine/self.h"
#include "jailctl.h"
#include "session/registry.h"
#include "session/session.h"
#include "tree/passwd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_SYNOPSIS "JAIL [-p PROFILE] [-u USER] -- CMD [ARG...]"
#define RUN_PATH     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct run_args {
	const char *jail;
	const char *profile; /* NULL: jail.ini's default */
	const char *user;    /* NULL: root */
	char **cmd;
} run_args_t;

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};

static int parse(int argc, char **argv, run_args_t *a)
{
	static const struct option opts[] = {
	    {"profile", required_argument, NULL, 'p'},
	    {"user", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	/* JAIL first, then the options, then "--" and CMD (getopt stops at
	 * "--" or at the first word that is not an option). */
	if (argc > 1 && argv[1][0] != '-') {
		a->jail = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	while ((c = getopt_long(argc, argv, "+p:u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->profile = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'h':
			printf("usage: jailctl run %s\n", RUN_SYNOPSIS);
			return JAILCTL_OK;
		default:
			return jailctl_usage("run", RUN_SYNOPSIS);
		}
	}
	if (a->jail == NULL && optind < argc && argv[optind][0] != '-')
		a->jail = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (a->jail == NULL || optind >= argc)
		return jailctl_usage("run", RUN_SYNOPSIS);
	a->cmd = argv + optind;
	return -1;
}

/* The command's process, inside the sandbox (pid 2 of its pid namespace):
 * become the user, confine itself, exec.  Never returns. */
static __attribute__((noreturn)) void run_child(const run_args_t *a, const jail_profile_t *prof,
						const jail_account_t *acct,
						const jail_strv_t *rw_targets, const sigset_t *old,
						int lifeline)
{
	const jail_sandbox_spec_t *spec = &prof->spec;
	jail_self_t self = {
	    .apparmor = spec->apparmor,
	    .apparmor_profile = spec->apparmor_profile,
	    .landlock = spec->landlock,
	    .home = NULL,
	    .bind_rw = rw_targets,
	    .commands = NULL,
	    .seccomp = spec->seccomp,
	    .seccomp_allow = &spec->seccomp_allow,
	    .seccomp_deny = &spec->seccomp_deny,
	    .seccomp_blob = JAIL_SECCOMP_BLOB_PATH,
	};
	jail_self_result_t res;
	jail_error_t err = {0};
	char e_user[300], e_logname[300], e_term[300];
	const char *term = getenv("TERM");
	const char *name = acct ? acct->name : "root";
	char *envp[] = {e_user, e_logname, e_term, "HOME=/", "PATH=" RUN_PATH, NULL};

	if (acct &&
	    jail_become_user(acct->uid, acct->gid, acct->group_gids, acct->groups.n, &err) < 0) {
		jailctl_err("run", &err);
		_exit(126);
	}
	/* Dies with jailctl, like the init: set after the change of user (which
	 * clears it); a jailctl already gone closed LIFELINE's write end. */
	{
		struct pollfd hup = {.fd = lifeline, .events = 0};

		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
		    (poll(&hup, 1, 0) == 1 && (hup.revents & POLLHUP)))
			_exit(126);
		close(lifeline);
	}
	if (chdir("/") < 0)
		_exit(126);
	if (jail_self_confine(&self, &res, &err) < 0) {
		jailctl_msg("run", "profile %s: %s; refusing", prof->name, err.msg);
		_exit(126);
	}
	snprintf(e_user, sizeof(e_user), "USER=%s", name);
	snprintf(e_logname, sizeof(e_logname), "LOGNAME=%s", name);
	snprintf(e_term, sizeof(e_term), "TERM=%s", term && strlen(term) < 64 ? term : "dumb");
	sigprocmask(SIG_SETMASK, old, NULL);
	execvpe(a->cmd[0], a->cmd, envp);
	{
		int e = errno; /* before the message, which may change it */

		jailctl_msg("run", "exec %s in %s: %s", a->cmd[0], a->jail, strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
}

/* Wait for PID, forwarding the signals jailctl receives; its exit code. */
static int supervise(pid_t pid, const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int status, sig = sigwaitinfo(set, &si);

		if (sig < 0 && errno != EINTR) {
			jailctl_msg("run", "wait: %s", strerror(errno));
			return JAILCTL_FAIL;
		}
		if (sig > 0 && sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return jailctl_exit_code(status);
	}
}

/* The jail-side targets of the spec's bind_rw entries, which Landlock
 * leaves writable. */
static int rw_targets(const jail_sandbox_spec_t *spec, jail_strv_t *out, jail_error_t *err)
{
	for (size_t i = 0; i < spec->bind_rw.n; i++) {
		cleanup_bind jail_bind_t b = {0};

		if (jail_bind_parse(spec->bind_rw.v[i], false, &b, err) < 0 ||
		    jail_strv_push(out, b.jail, err) < 0)
			return -1;
	}
	return 0;
}

static void print_warnings(const jail_strv_t *w)
{
	for (size_t i = 0; i < w->n; i++)
		jailctl_warn("run", "%s", w->v[i]);
}

int cmd_run(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	run_args_t a;
	jail_config_t *cfg = NULL;
	jail_profile_t *prof = NULL;
	jail_account_t acct = {0};
	cleanup_strv jail_strv_t warnings = {0};
	cleanup_strv jail_strv_t targets = {0};
	cleanup_free char *blob = NULL;
	char id[JAIL_SESSION_ID_LEN + 1];
	jail_sandbox_params_t p;
	jail_sandbox_t sb;
	cleanup_ns_saved jail_ns_saved_t own = JAIL_NS_SAVED_INIT;
	jail_error_t err = {0};
	sigset_t set, old;
	size_t blob_len = 0;
	int ret = JAILCTL_FAIL, r;
	int lifeline[2] = {-1, -1}; /* the command's: jailctl holds the write end */
	pid_t pid;

	r = parse(argc, argv, &a);
	if (r >= 0)
		return r;
	jail_sandbox_init(&sb);
	if (a.jail[0] != '/') {
		jailctl_msg("run", "%s: the jail must be an absolute path", a.jail);
		return JAILCTL_USAGE;
	}
	/* Everything that can be refused is, before anything is made. */
	if (jail_session_caller_inside(&err) == 1) {
		jailctl_msg("run", "already inside a jail session (%s)", err.msg);
		return JAILCTL_FAIL;
	}
	if (jail_config_load_flags(ctx->config_dir, JAIL_CONFIG_SKIP_PROFILES, &cfg, &err) < 0 ||
	    jail_profile_load(ctx->config_dir, a.profile ? a.profile : cfg->default_profile, &prof,
			      &err) < 0)
		goto out_err;
	if (prof->spec.commands.n > 0) {
		jailctl_msg("run",
			    "profile %s is restricted to commands (a login profile); use "
			    "another profile",
			    prof->name);
		goto out;
	}
	if (a.user && strcmp(a.user, "root") != 0 &&
	    jail_account_from_host(a.user, NULL, &acct, &err) < 0)
		goto out_err;
	if (acct.name && acct.uid == 0) {
		jailctl_msg("run", "user %s is uid 0: say -u root", acct.name);
		goto out;
	}
	if (rw_targets(&prof->spec, &targets, &err) < 0 || jail_session_id_new(id, &err) < 0)
		goto out_err;

	memset(&p, 0, sizeof(p));
	p.spec = &prof->spec;
	p.name = prof->name;
	p.root = a.jail;
	p.id = id;
	p.owner = acct.name ? acct.name : "root";
	p.uid = acct.name ? acct.uid : 0;
	p.cgroup_parent = cfg->cgroup_parent;
	p.die_with_caller = true;
	p.warnings = &warnings;
	if (jail_sandbox_check_lsms(&p, &err) < 0)
		goto out_err;
	jail_sandbox_seccomp_blob(&p, &blob, &blob_len);
	p.seccomp_data = blob;
	p.seccomp_len = blob_len;

	/* Signals wait until the command exists: then they are its. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* Our own namespaces, to return to once the sandbox is gone (its pid
	 * namespace, where our children would go, dies with its init). */
	if (jail_ns_save(&own, &err) < 0) {
		jailctl_err("run", &err);
		goto out_unblock;
	}
	if (jail_sandbox_open(&sb, &p, &err) < 0) {
		print_warnings(&warnings);
		jailctl_msg("run", "jail %s: %s", a.jail, err.msg);
		goto out_unblock;
	}
	print_warnings(&warnings);
	if (pipe2(lifeline, O_CLOEXEC) < 0) {
		jailctl_msg("run", "pipe: %s", strerror(errno));
		pid = -1;
	} else {
		pid = fork();
	}
	if (pid == 0) {
		close(lifeline[1]);
		run_child(&a, prof, acct.name ? &acct : NULL, &targets, &old, lifeline[0]);
	}
	/* The init and the command are in the sandbox's cgroup now: jailctl
	 * steps back out to supervise from its own (under a systemd unit with
	 * Delegate=yes, the unit's supervisor leaf). */
	if (pid > 0 && sb.cg && jail_cgroup_leave(sb.cg, &err) < 0)
		jailctl_warn("run", "leave the sandbox's cgroup: %s", err.msg);
	if (pid < 0)
		jailctl_msg("run", "fork: %s", strerror(errno));
	else
		ret = supervise(pid, &set);
	if (jail_sandbox_kill(&sb, &err) < 0 || jail_sandbox_end(&sb, &err) < 0) {
		jailctl_msg("run", "jail %s: teardown: %s", a.jail, err.msg);
		if (ret == JAILCTL_OK)
			ret = JAILCTL_FAIL;
	}
	if (jail_ns_restore(&own, &err) < 0)
		jailctl_warn("run", "back to the host's namespaces: %s", err.msg);
out_unblock:
	sigprocmask(SIG_SETMASK, &old, NULL);
	goto out;
out_err:
	jailctl_err("run", &err);
out:
	for (int i = 0; i < 2; i++)
		if (lifeline[i] >= 0)
			close(lifeline[i]);
	jail_sandbox_free(&sb);
	jail_account_clear(&acct);
	jail_profile_free(prof);
	jail_config_free(cfg);
	return ret;
}
