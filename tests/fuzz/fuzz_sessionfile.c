/* libFuzzer harness for the session file parser: anything the parser
 * accepts must format back and re-parse to the same text (round trip). */
#include "session/sessionfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_error_t err = {0};
	jail_session_info_t *info = NULL, *again = NULL;
	char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;

	if (jail_sessionfile_parse((const char *)data, size, &info, &err) < 0)
		return 0;
	if (jail_sessionfile_format(info, &buf, &len, &err) < 0)
		abort(); /* accepted input must be formattable */
	if (jail_sessionfile_parse(buf, len, &again, &err) < 0)
		abort(); /* and the formatted text must parse */
	if (jail_sessionfile_format(again, &buf2, &len2, &err) < 0 || len != len2 ||
	    memcmp(buf, buf2, len) != 0)
		abort(); /* canonical form is a fixed point */
	free(buf);
	free(buf2);
	jail_session_info_free(again);
	jail_session_info_free(info);
	return 0;
}
