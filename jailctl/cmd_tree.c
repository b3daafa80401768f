#include "jailctl.h"

#include <stdio.h>

int cmd_init(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: init: not implemented yet\n");
	return JAILCTL_FAIL;
}

int cmd_update(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: update: not implemented yet\n");
	return JAILCTL_FAIL;
}

int cmd_cp(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: cp: not implemented yet\n");
	return JAILCTL_FAIL;
}

int cmd_list(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: list: not implemented yet\n");
	return JAILCTL_FAIL;
}
