#include "jailctl.h"

#include <stdio.h>

int cmd_run(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	jailctl_msg("run", "not implemented yet");
	return JAILCTL_FAIL;
}
