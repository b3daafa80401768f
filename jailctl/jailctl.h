/* jailctl: shared declarations of the subcommands.  Each subcommand lives
 * in its own file and is dispatched from the table in main.c. */
#ifndef JAILCTL_H
#define JAILCTL_H

#include "base/error.h"

#ifndef JAIL_VERSION
#define JAIL_VERSION "unknown"
#endif

#include <sys/types.h>

/* Exit codes */
#define JAILCTL_OK    0
#define JAILCTL_FAIL  1 /* findings, refusal or failure */
#define JAILCTL_USAGE 2

typedef struct jailctl_ctx {
	const char *config_dir; /* --config DIR, default /etc/jail */
	const char *prog;	/* "jailctl" */
} jailctl_ctx_t;

/* Each command gets argv[0] = its own name, parses its own options with
 * getopt_long (optind reset by main) and returns an exit code. */
typedef int (*jailctl_cmd_fn)(const jailctl_ctx_t *ctx, int argc, char **argv);

/* The one printer of jailctl's messages (jailctl/out.c), all on stderr:
 * jailctl_msg   "jailctl: CMD: TEXT"           (CMD NULL: "jailctl: TEXT")
 * jailctl_warn  "jailctl: CMD: warning: TEXT"
 * jailctl_err   "jailctl: CMD: MSG" for err ("failed" if it has none);
 *               returns JAILCTL_FAIL.  jailctl_fail(err) is jailctl_err(NULL, err).
 * jailctl_usage "usage: jailctl CMD SYNOPSIS"; returns JAILCTL_USAGE. */
void jailctl_msg(const char *cmd, const char *fmt, ...) JAIL_PRINTF(2, 3);
void jailctl_warn(const char *cmd, const char *fmt, ...) JAIL_PRINTF(2, 3);
int jailctl_err(const char *cmd, const jail_error_t *err);
int jailctl_fail(const jail_error_t *err);
int jailctl_usage(const char *cmd, const char *synopsis);

/* The one formatter of a child's wait status: "exited with status N" or
 * "killed by signal N (SIGNAME)", in BUF (returned).  jailctl_exit_code()
 * turns it into the exit code a shell would give (128 + signal). */
const char *jailctl_wait_status(int status, char *buf, size_t size);
int jailctl_exit_code(int status);

int cmd_init(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_update(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_cp(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_list(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_check(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_adduser(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_deluser(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_keys(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_ps(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_enter(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_kill(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_gc(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_run(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_unit(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_metrics(const jailctl_ctx_t *ctx, int argc, char **argv);
int cmd_setup(const jailctl_ctx_t *ctx, int argc, char **argv);

/* Processes in the pid namespace of PID (a session init): the count for a
 * session without a cgroup (ps, metrics).  -1 when PID is gone. */
long jailctl_count_pidns(pid_t pid);

#endif
