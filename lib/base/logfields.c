/* key=value fields for log lines (logfields.h: the quoting rule). */
#define _GNU_SOURCE
#include "base/logfields.h"
#include "base/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool bare_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
}

static bool valid_key(const char *k)
{
	if (k == NULL || k[0] < 'a' || k[0] > 'z')
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* One byte into OUT when there is room; the length counts on. */
static void put(char *out, size_t size, size_t *o, char c)
{
	if (*o + 1 < size)
		out[*o] = c;
	(*o)++;
}

static void put_hex(char *out, size_t size, size_t *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	put(out, size, o, '\\');
	put(out, size, o, 'x');
	put(out, size, o, hex[c >> 4]);
	put(out, size, o, hex[c & 0xf]);
}

size_t jail_logfield_value(char *out, size_t size, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t o = 0, in = 0;
	bool bare = true;

	if (value == NULL) { /* not known: the one bare "-" */
		value = "-";
		p = (const unsigned char *)value;
	} else if (value[0] == '\0' || strcmp(value, "-") == 0) {
		bare = false;
	} else {
		for (const unsigned char *q = p; *q && bare; q++)
			bare = bare_byte(*q);
	}
	if (bare && strlen(value) <= JAIL_LOGFIELD_VALUE_MAX) {
		o = strlen(value);
		if (o < size)
			memcpy(out, value, o + 1);
		else if (size > 0)
			out[0] = '\0';
		return o;
	}
	put(out, size, &o, '"');
	while (*p) {
		uint32_t cp;
		size_t n = jail_utf8_seq(p, &cp);

		if (n == 0)
			n = 1;
		if (in + n > JAIL_LOGFIELD_VALUE_MAX) {
			for (int i = 0; i < 3; i++)
				put(out, size, &o, '.');
			break;
		}
		in += n;
		if (n > 1 && cp >= 0xa0) {
			for (size_t i = 0; i < n; i++)
				put(out, size, &o, (char)p[i]);
		} else if (n > 1) {
			for (size_t i = 0; i < n; i++)
				put_hex(out, size, &o, p[i]);
		} else if (*p == '"' || *p == '\\') {
			put(out, size, &o, '\\');
			put(out, size, &o, (char)*p);
		} else if (*p < 0x20 || *p >= 0x7f || *p == '=') {
			put_hex(out, size, &o, *p);
		} else {
			put(out, size, &o, (char)*p);
		}
		p += n;
	}
	put(out, size, &o, '"');
	if (size > 0)
		out[o < size ? o : 0] = '\0';
	return o;
}

void jail_logfields_init(jail_logfields_t *f)
{
	f->buf[0] = '\0';
	f->len = 0;
	f->truncated = false;
}

/* Room kept for " truncated=yes". */
#define TRUNC_MARK " truncated=yes"
#define ROOM	   (sizeof(f->buf) - sizeof(TRUNC_MARK))

void jail_logfields_add(jail_logfields_t *f, const char *key, const char *value)
{
	char v[JAIL_LOGFIELD_VALUE_MAX * 4 + 8];
	size_t klen, vlen;

	if (!valid_key(key))
		return;
	klen = strlen(key);
	vlen = jail_logfield_value(v, sizeof(v), value);
	if (vlen >= sizeof(v) || f->len + 1 + klen + 1 + vlen >= ROOM) {
		f->truncated = true;
		return;
	}
	f->buf[f->len++] = ' ';
	memcpy(f->buf + f->len, key, klen);
	f->len += klen;
	f->buf[f->len++] = '=';
	memcpy(f->buf + f->len, v, vlen);
	f->len += vlen;
	f->buf[f->len] = '\0';
}

void jail_logfields_add_int(jail_logfields_t *f, const char *key, long long n)
{
	char v[24];

	snprintf(v, sizeof(v), "%lld", n);
	jail_logfields_add(f, key, v);
}

const char *jail_logfields_str(jail_logfields_t *f)
{
	if (f->truncated && f->len + sizeof(TRUNC_MARK) <= sizeof(f->buf) &&
	    (f->len < sizeof(TRUNC_MARK) - 1 ||
	     strcmp(f->buf + f->len - (sizeof(TRUNC_MARK) - 1), TRUNC_MARK) != 0)) {
		memcpy(f->buf + f->len, TRUNC_MARK, sizeof(TRUNC_MARK));
		f->len += sizeof(TRUNC_MARK) - 1;
	}
	return f->buf;
}
