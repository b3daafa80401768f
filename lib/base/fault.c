/* Fault injection for the test build only (see fault.h).  Without
 * -DJAIL_FAULT_INJECTION this file compiles to nothing. */
#define _GNU_SOURCE
#include "base/fault.h"

#ifdef JAIL_FAULT_INJECTION
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int jail_fault(const char *point)
{
	/* Hits of the selected point in this process (a forked child, such
	 * as the session init, goes on from its parent's count). */
	static unsigned long hits;
	const char *want = secure_getenv("JAIL_FAULT");
	unsigned long nth = 1;
	size_t n;

	if (want == NULL || point == NULL)
		return 0;
	n = strcspn(want, ":");
	if (strlen(point) != n || strncmp(want, point, n) != 0)
		return 0;
	if (want[n] == ':') {
		char *end;

		errno = 0;
		nth = strtoul(want + n + 1, &end, 10);
		if (errno != 0 || end == want + n + 1 || *end != '\0' || nth == 0)
			return 0; /* a malformed selector selects nothing */
	}
	if (++hits != nth)
		return 0;
	errno = EIO;
	return -1;
}
#endif
