/* key=value fields appended to a log line, so that a central syslog can
 * filter the lines of pam_jail and jailctl run by session, user, jail,
 * profile, remote host, service and reason (pam_jail(8), LOGGING).
 *
 * The rule, the one place it is written:
 *   - a field is " KEY=VALUE": one space, then KEY ([a-z][a-z0-9_]*: a
 *     constant of the caller; another key is dropped), '=', VALUE;
 *   - VALUE NULL (not known, not applicable) is written `-`;
 *   - VALUE is written bare when it is not empty and every byte is
 *     printable ASCII other than space, '"', '\\' and '=', and it is not
 *     "-" itself;
 *   - else it is quoted: '"' ... '"', with '"' written \" and '\\' written
 *     \\, '=', control characters (C0, DEL, C1) and bytes that are not
 *     valid UTF-8 written \xNN (two lower-case hex digits); space and
 *     valid UTF-8 from U+00A0 are kept.
 * So a value can neither end its field early nor start another one nor
 * split the line: whatever a user put in a host name or an error text,
 * the fields parse back to what was given.  No value contains '=': the
 * last " session=" of a line (every line's first field) is where its
 * fields begin, whatever text precedes them.  A value longer than
 * JAIL_LOGFIELD_VALUE_MAX bytes is cut there (at a character boundary),
 * quoted, and ends with "..." inside its quotes; a field that no longer
 * fits the buffer is left out and the fields end with " truncated=yes".
 *
 * Formats into a buffer only: the caller logs it (the library never
 * prints). */
#ifndef JAIL_LOGFIELDS_H
#define JAIL_LOGFIELDS_H

#include <stdbool.h>
#include <stddef.h>

#define JAIL_LOGFIELD_VALUE_MAX 512
#define JAIL_LOGFIELDS_SIZE	4096

typedef struct jail_logfields {
	char buf[JAIL_LOGFIELDS_SIZE];
	size_t len;
	bool truncated;
} jail_logfields_t;

void jail_logfields_init(jail_logfields_t *f);
/* Append " KEY=VALUE" (the rule above). */
void jail_logfields_add(jail_logfields_t *f, const char *key, const char *value);
/* Append " KEY=N". */
void jail_logfields_add_int(jail_logfields_t *f, const char *key, long long n);
/* The fields, each with its leading space ("" when there is none), and
 * " truncated=yes" last when a field was left out.  Valid until F changes. */
const char *jail_logfields_str(jail_logfields_t *f);

/* VALUE as the rule writes it into OUT (SIZE bytes, NUL-terminated).
 * Returns the length of the whole value, which is >= SIZE when it did not
 * fit (then OUT holds nothing usable). */
size_t jail_logfield_value(char *out, size_t size, const char *value);

#endif
