#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vset(jail_error_t *err, int code, int with_strerror, const char *fmt, va_list ap)
{
	int n;

	if (err == NULL)
		return;
	err->code = code;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
	if (with_strerror && code != 0) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(code));
	}
}

int jail_error_set(jail_error_t *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, 1, fmt, ap);
	va_end(ap);
	return -1;
}

int jail_error_fmt(jail_error_t *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int jail_error_wrap(jail_error_t *err, const char *fmt, ...)
{
	char prefix[JAIL_ERROR_MSG_MAX];
	char old[JAIL_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the message is for humans. */
	{
		size_t plen = strnlen(prefix, sizeof(err->msg) - 1);
		memcpy(err->msg, prefix, plen);
		err->msg[plen] = '\0';
		strncat(err->msg, ": ", sizeof(err->msg) - plen - 1);
		strncat(err->msg, old, sizeof(err->msg) - strlen(err->msg) - 1);
	}
	return -1;
}

void jail_error_clear(jail_error_t *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

int jail_error_move(jail_error_t *dst, const jail_error_t *src)
{
	if (dst != NULL && dst != src)
		*dst = *src;
	return -1;
}
