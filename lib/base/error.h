/* Error reporting for libjail.
 *
 * Contract: the library never exits, aborts or prints.  A function that can
 * fail takes a jail_error_t *err as its last argument, returns a negative int
 * (or NULL) on failure and fills err with an errno value and a message that
 * names the path, key or value at fault.  Callers add context on the way up
 * with jail_error_wrap().  Only main() and the PAM entry points decide what to
 * do with an error. */
#ifndef JAIL_ERROR_H
#define JAIL_ERROR_H

#include <stddef.h>

#define JAIL_ERROR_MSG_MAX 1024

typedef struct jail_error {
	int code;		      /* errno value, 0 if none */
	char msg[JAIL_ERROR_MSG_MAX]; /* human readable, no trailing newline */
} jail_error_t;

#define JAIL_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Set err to CODE and the formatted message followed by ": strerror(CODE)"
 * when CODE is non-zero.  Always returns -1 so callers can `return
 * jail_error_set(...)`.  err may be NULL. */
int jail_error_set(jail_error_t *err, int code, const char *fmt, ...) JAIL_PRINTF(3, 4);

/* Like jail_error_set() but never appends strerror(): for validation errors
 * whose message already says everything (CODE is kept for callers). */
int jail_error_fmt(jail_error_t *err, int code, const char *fmt, ...) JAIL_PRINTF(3, 4);

/* Prefix the existing message with the formatted context and ": ".  Returns -1. */
int jail_error_wrap(jail_error_t *err, const char *fmt, ...) JAIL_PRINTF(2, 3);

void jail_error_clear(jail_error_t *err);

#endif
