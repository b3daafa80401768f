#include "jailctl.h"

#include <stdio.h>

int cmd_ps(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: ps: not implemented yet\n");
	return JAILCTL_FAIL;
}

int cmd_kill(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: kill: not implemented yet\n");
	return JAILCTL_FAIL;
}

int cmd_gc(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: gc: not implemented yet\n");
	return JAILCTL_FAIL;
}
