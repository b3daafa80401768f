#include "jailctl.h"

#include <stdio.h>

int cmd_adduser(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: adduser: not implemented yet\n");
	return JAILCTL_FAIL;
}

int cmd_deluser(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: deluser: not implemented yet\n");
	return JAILCTL_FAIL;
}

int cmd_keys(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: keys: not implemented yet\n");
	return JAILCTL_FAIL;
}
