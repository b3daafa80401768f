/* jailctl: shared declarations of the subcommands.  Each subcommand lives
 * in its own file and is dispatched from the table in main.c. */
#ifndef JAILCTL_H
#define JAILCTL_H

#include "base/error.h"

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

/* Print "jailctl: MSG" to stderr for err and return JAILCTL_FAIL. */
int jailctl_fail(const jail_error_t *err);
/* Print "jailctl CMD: usage: ..." and return JAILCTL_USAGE. */
int jailctl_usage(const char *cmd, const char *synopsis);

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

#endif
