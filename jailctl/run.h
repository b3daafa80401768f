/* jailctl run's two halves: cmd_run.c turns the command line (an ad-hoc
 * command, or a service of services.d) into a run_plan_t; runner.c builds
 * the sandbox, starts the command in it and supervises it to the end. */
#ifndef JAILCTL_RUN_H
#define JAILCTL_RUN_H

#include "config/config.h"
#include "config/service.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define RUN_MAX_FDS 64 /* LISTEN_FDS passed in, at most */

typedef struct run_plan {
	const char *jail;	   /* host path of the tree */
	const jail_config_t *cfg;  /* cgroup_parent, registry_dir */
	jail_profile_t *prof;	   /* its spec, with the service's net and binds applied */
	const jail_service_t *svc; /* NULL: an ad-hoc command */
	const char *user;	   /* the name the command runs as ("root") */
	uid_t uid;		   /* 0: stays root */
	gid_t gid;
	const gid_t *groups; /* supplementary groups */
	size_t ngroups;
	char *const *argv;	     /* the command */
	const jail_strv_t *env;	     /* extra KEY=VALUE (NULL: none) */
	const char *workdir;	     /* inside the jail */
	int listen_fds[RUN_MAX_FDS]; /* passed in as 3.., LISTEN_FDS */
	char *listen_names[RUN_MAX_FDS];
	size_t n_listen;
	int notify_up; /* connected to $NOTIFY_SOCKET (<= 0: none) */
} run_plan_t;

/* Run PLAN to its end; jailctl's exit code (the command's status, 128+N
 * for signal N, 1 for jailctl's own refusal, 126/127 when it could not be
 * started).  Messages go to stderr under CMD ("run"). */
int run_execute(run_plan_t *plan);

/* One syslog line (authpriv, ident jailctl) about the run of PLAN (its
 * user, jail, profile and service as far as known; ID "" or NULL before
 * it has one): FMT's text, then the key=value fields of pam_jail(8)
 * LOGGING, with reason TOKEN and detail DETAIL when TOKEN is not NULL and
 * status STATUS when >= 0.  NAME names the service when PLAN has none
 * yet. */
void run_log(const run_plan_t *plan, const char *name, const char *id, int prio, const char *token,
	     const char *detail, int status, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

#endif
