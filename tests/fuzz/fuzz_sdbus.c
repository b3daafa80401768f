/* libFuzzer harness for the D-Bus reply parser (lib/base/sdbus.c): any bytes
 * as a whole message.  It must never read outside the buffer (ASan), and
 * say exactly one of: our reply (0), an error (-1, with a message), not
 * ours (1). */
#include "base/sdbus.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_error_t err = {0};
	uint8_t *copy = malloc(size ? size : 1);
	int r;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size); /* an exact-size heap buffer: ASan sees overreads */
	r = jail_sdbus_parse_reply(copy, size, 2, &err);
	if (r < -1 || r > 1 || (r == -1 && err.msg[0] == '\0'))
		abort();
	free(copy);
	return 0;
}
