#include "jailctl.h"

#include <stdio.h>

int cmd_check(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: check: not implemented yet\n");
	return JAILCTL_FAIL;
}
