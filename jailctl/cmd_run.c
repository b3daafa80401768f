/* jailctl run: a command or a service in a sandbox of its own, in the
 * foreground, exiting with its status.
 *
 *   jailctl run JAIL [-p PROFILE] [-u USER] -- CMD [ARG...]
 *       an ad-hoc command (JAIL is an absolute path);
 *   jailctl run NAME
 *       the service of services.d/NAME.ini (config/service.h), what
 *       systemd's ExecStart= calls (`jailctl unit NAME` prints the unit).
 *
 * Both are a thin front over the confinement core, as a login is: the
 * profile is a spec (config/profile.h), confine/sandbox.h builds the host
 * side (cgroup, namespaces, the init as pid 1, the jail read-only with
 * tmpfs /tmp and /run, pivot_root, the bounding set) with jailctl as its
 * caller, and the command's process applies the user side itself
 * (confine/self.h) after it became its user.  This file turns the command
 * line into a plan (run.h); runner.c runs it.  Exit status: the
 * command's, or 128 + the signal that killed it; 1 (jailctl's own
 * refusal) or 126/127 (could not be started). */
#define _GNU_SOURCE
#include "config/config.h"
#include "config/service.h"
#include "confine/listen.h"
#include "confine/notify.h"
#include "run.h"
#include "confine/mounts.h"
#include "jailctl.h"
#include "session/session.h"
#include "tree/passwd.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_SYNOPSIS "JAIL [-p PROFILE] [-u USER] -- CMD [ARG...] | NAME"

typedef struct run_args {
	const char *jail;
	const char *profile; /* NULL: jail.ini's default */
	const char *user;    /* NULL: root */
	char **cmd;
	const char *service; /* NAME: a service of services.d */
} run_args_t;

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
	if (a->jail == NULL)
		return jailctl_usage("run", RUN_SYNOPSIS);
	/* NAME alone: a service (its file says everything). */
	if (a->jail[0] != '/' && optind >= argc && a->profile == NULL && a->user == NULL) {
		a->service = a->jail;
		a->jail = NULL;
		return -1;
	}
	if (optind >= argc)
		return jailctl_usage("run", RUN_SYNOPSIS);
	a->cmd = argv + optind;
	return -1;
}

/* What both kinds of run share: the profile (refused when it is a login's
 * restricted one) and the user, from the host's databases. */
static int load_profile(const char *dir, const char *name, jail_profile_t **prof, jail_error_t *err)
{
	if (jail_profile_load(dir, name, prof, err) < 0)
		return -1;
	if ((*prof)->spec.commands.n > 0)
		return jail_error_fmt(err, EINVAL,
				      "profile %s is restricted to commands (a login profile); "
				      "use another profile",
				      name);
	return 0;
}

static int host_user(const char *name, jail_account_t *acct, run_plan_t *pl, jail_error_t *err)
{
	if (name == NULL || strcmp(name, "root") == 0) {
		pl->user = "root";
		return 0;
	}
	if (jail_account_from_host(name, NULL, acct, err) < 0)
		return -1;
	if (acct->uid == 0)
		return jail_error_fmt(err, EINVAL, "user %s is uid 0: say root", acct->name);
	pl->user = acct->name;
	pl->uid = acct->uid;
	pl->gid = acct->gid;
	pl->groups = acct->group_gids;
	pl->ngroups = acct->groups.n;
	return 0;
}

/* Whether FD is bound where L says (type, family, address, port or
 * path): a socket systemd passed in for that `listen` entry. */
static bool same_socket(int fd, const jail_listen_t *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tlen = sizeof(type);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != l->type ||
	    ss.ss_family != l->addr.ss_family)
		return false;
	switch (ss.ss_family) {
	case AF_INET: {
		const struct sockaddr_in *a = (const void *)&ss, *b = (const void *)&l->addr;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *a = (const void *)&ss, *b = (const void *)&l->addr;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
	}
	case AF_UNIX: {
		const struct sockaddr_un *a = (const void *)&ss, *b = (const void *)&l->addr;

		return strncmp(a->sun_path, b->sun_path, sizeof(a->sun_path)) == 0;
	}
	}
	return false;
}

/* The sockets a service gets as LISTEN_FDS: systemd's (socket
 * activation) first, then the ones of its `listen` key, bound here on the
 * host side, except those systemd bound already (the .socket unit that
 * `jailctl unit --socket` or `--accept` prints binds the service's own
 * `listen`). */
static int take_sockets(const jail_service_t *svc, run_plan_t *pl, jail_error_t *err)
{
	int first = -1, n = 0;
	char **names = NULL;

	if (jail_listen_fds_take(&first, &n, &names, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (pl->n_listen >= RUN_MAX_FDS) {
			free(names[i]);
			close(first + i);
			continue;
		}
		pl->listen_fds[pl->n_listen] = first + i;
		pl->listen_names[pl->n_listen++] = names[i];
	}
	free(names);
	for (size_t i = 0; svc && i < svc->n_listen; i++) {
		const jail_listen_t *l = &svc->listen[i];
		bool passed = false;
		int fd;

		for (int k = 0; k < n && !passed; k++)
			passed = same_socket(first + k, l);
		/* With Accept=yes (`jailctl unit --accept`, StandardInput=socket)
		 * systemd passes the connection on stdin only, no LISTEN_FDS:
		 * its own address is the entry's, which the .socket holds. */
		if (!passed)
			passed = same_socket(STDIN_FILENO, l);
		if (passed)
			continue;
		if (pl->n_listen >= RUN_MAX_FDS)
			return jail_error_fmt(err, E2BIG, "more than %d sockets", RUN_MAX_FDS);
		fd = jail_listen_socket(l->addr.ss_family, l->type,
					(const struct sockaddr *)&l->addr, l->addrlen, pl->uid,
					pl->gid, err);
		if (fd < 0)
			return jail_error_wrap(err, "%s: listen = %s", svc->file, l->text);
		pl->listen_fds[pl->n_listen] = fd;
		pl->listen_names[pl->n_listen] = strdup(l->text);
		if (pl->listen_names[pl->n_listen] == NULL)
			return jail_error_set(err, ENOMEM, "listen");
		/* its LISTEN_FDNAMES name: ':' separates them there */
		for (char *c = pl->listen_names[pl->n_listen++]; *c; c++)
			if (*c == ':')
				*c = '-';
	}
	return 0;
}

static void plan_clear(run_plan_t *pl)
{
	for (size_t i = 0; i < pl->n_listen; i++) {
		close(pl->listen_fds[i]);
		free(pl->listen_names[i]);
	}
	pl->n_listen = 0;
	if (pl->notify_up > 0)
		close(pl->notify_up);
	pl->notify_up = -1;
}

/* jailctl run NAME: the plan from services.d/NAME.ini. */
static int service_plan(const jailctl_ctx_t *ctx, const char *name, jail_service_t **svcp,
			jail_account_t *acct, run_plan_t *pl, const char **why, jail_error_t *err)
{
	jail_service_t *svc;
	jail_sandbox_spec_t *spec;
	const char *ns;

	if (jail_service_load(ctx->config_dir, name, svcp, err) < 0)
		return -1;
	svc = *svcp;
	if (load_profile(ctx->config_dir, svc->profile, &pl->prof, err) < 0)
		return jail_error_wrap(err, "%s", svc->file);
	spec = &pl->prof->spec;
	if (svc->net != JAIL_SERVICE_NET_PROFILE)
		spec->net = svc->net == JAIL_SERVICE_NET_NONE	? JAIL_NET_NONE
			    : svc->net == JAIL_SERVICE_NET_HOST ? JAIL_NET_HOST
								: JAIL_NET_PRIVATE;
	for (size_t i = 0; i < svc->bind_ro.n; i++)
		if (jail_strv_push(&spec->bind_ro, svc->bind_ro.v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < svc->bind_rw.n; i++)
		if (jail_strv_push(&spec->bind_rw, svc->bind_rw.v[i], err) < 0)
			return -1;
	if (svc->dynamic_user) {
		if (jail_service_dynamic_uid(svc->name, &pl->uid, err) < 0)
			return jail_error_wrap(err, "%s: user = dynamic", svc->file);
		pl->gid = (gid_t)pl->uid;
		/* its name in USER and in the registry (a login name there) */
		pl->user = jail_valid_name(svc->name) ? svc->name : "dynamic";
	} else {
		*why = "user";
		if (host_user(svc->user, acct, pl, err) < 0)
			return jail_error_wrap(err, "%s: user = %s", svc->file, svc->user);
	}
	*why = "setup";
	pl->jail = svc->jail;
	pl->svc = svc;
	pl->argv = svc->exec.v;
	pl->env = &svc->environment;
	pl->workdir = svc->workdir;
	if (take_sockets(svc, pl, err) < 0)
		return -1;
	/* systemd's socket, connected before any namespace changes */
	ns = getenv("NOTIFY_SOCKET");
	pl->notify_up = jail_notify_upstream(ns, err);
	if (pl->notify_up < 0)
		return jail_error_wrap(err, "NOTIFY_SOCKET %s", ns);
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

int cmd_run(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	run_args_t a;
	jail_config_t *cfg = NULL;
	jail_service_t *svc = NULL;
	jail_account_t acct = {0};
	run_plan_t pl;
	jail_error_t err = {0};
	const char *why = "config"; /* the reason field of a refusal (run_log) */
	int ret = JAILCTL_FAIL, r;

	r = parse(argc, argv, &a);
	if (r >= 0)
		return r;
	memset(&pl, 0, sizeof(pl));
	pl.notify_up = -1;
	if (a.service && !jail_service_valid_name(a.service)) {
		jailctl_msg("run",
			    "%s: neither an absolute jail path nor a service name "
			    "([a-z0-9][a-z0-9_.-]*)",
			    a.service);
		return JAILCTL_USAGE;
	}
	if (a.jail && a.jail[0] != '/') {
		jailctl_msg("run", "%s: the jail must be an absolute path", a.jail);
		return JAILCTL_USAGE;
	}
	/* Everything that can be refused is, before anything is made. */
	if (jail_session_caller_inside(&err) == 1) {
		jailctl_msg("run", "already inside a jail session (%s)", err.msg);
		return JAILCTL_FAIL;
	}
	if (jail_config_load_flags(ctx->config_dir, JAIL_CONFIG_SKIP_PROFILES, &cfg, &err) < 0)
		goto out_err;
	pl.cfg = cfg;
	if (a.service) {
		if (service_plan(ctx, a.service, &svc, &acct, &pl, &why, &err) < 0)
			goto out_err;
	} else {
		pl.jail = a.jail;
		if (load_profile(ctx->config_dir, a.profile ? a.profile : cfg->default_profile,
				 &pl.prof, &err) < 0)
			goto out_err;
		why = "user";
		if (host_user(a.user, &acct, &pl, &err) < 0)
			goto out_err;
		pl.jail = a.jail;
		pl.argv = a.cmd;
		pl.workdir = "/";
	}
	ret = run_execute(&pl);
	goto out;
out_err:
	jailctl_err("run", &err);
	if (pl.user == NULL)
		pl.user = a.service ? NULL : a.user ? a.user : "root";
	if (pl.jail == NULL && svc)
		pl.jail = svc->jail;
	run_log(&pl, a.service, NULL, LOG_ERR, why, err.msg, -1, "refused run of %s%s as %s: %s",
		a.service ? "service " : "",
		a.service ? a.service
		: a.cmd	  ? a.cmd[0]
			  : "-",
		pl.user ? pl.user : "-", err.msg);
out:
	plan_clear(&pl);
	jail_account_clear(&acct);
	jail_profile_free(pl.prof);
	jail_service_free(svc);
	jail_config_free(cfg);
	return ret;
}
