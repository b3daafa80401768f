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

#include <stdbool.h>
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

/* Whether E holds the errno value CODE: the one way to branch on why a
 * call failed.  E may be NULL (false).
 *
 *   if (jail_openat_beneath(root, path, O_PATH, 0, err) < 0 &&
 *       jail_error_is(err, ENOENT))
 *           ...
 *
 * When the answer decides what the function does, its own err may be NULL
 * (callers may pass NULL) or may hold an earlier message that must stay:
 * give the callee a local `jail_error_t e = {0}`, test jail_error_is(&e,
 * CODE), and hand it up with `return jail_error_move(err, &e)`.  When the
 * callee's error is dropped whatever it is, pass NULL instead of a local.
 * No other sentinel: a function does not return -2 for "not found", it
 * returns -1 with err->code = ENOENT. */
static inline bool jail_error_is(const jail_error_t *e, int code)
{
	return e != NULL && e->code == code;
}

/* Copy SRC into DST (DST may be NULL).  Returns -1, like jail_error_set(). */
int jail_error_move(jail_error_t *dst, const jail_error_t *src);

#endif
