#include "jailctl.h"

#include <stdio.h>

int cmd_enter(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	fprintf(stderr, "jailctl: enter: not implemented yet\n");
	return JAILCTL_FAIL;
}
