/* Minimal TAP producer for unit tests: the plan is printed from a counter
 * at the end (done_testing), so adding a test never needs a count edited. */
#ifndef JAIL_TAP_H
#define JAIL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2), unused)) static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long _g = (long long)(got), _w = (long long)(want);                           \
		if (!ok(_g == _w, __VA_ARGS__))                                                    \
			diag("  got %lld, expected %lld", _g, _w);                                 \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *_g = (got), *_w = (want);                                              \
		if (!ok(_g && _w && strcmp(_g, _w) == 0, __VA_ARGS__))                             \
			diag("  got '%s', expected '%s'", _g ? _g : "(null)", _w ? _w : "(null)"); \
	} while (0)

/* Assert that S contains NEEDLE (for error messages). */
#define like(s, needle, ...)                                                                       \
	do {                                                                                       \
		const char *_s = (s), *_n = (needle);                                              \
		if (!ok(_s && strstr(_s, _n) != NULL, __VA_ARGS__))                                \
			diag("  '%s' does not contain '%s'", _s ? _s : "(null)", _n);              \
	} while (0)

__attribute__((unused)) static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
