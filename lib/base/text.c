/* The JSON and text escapers (text.h). */
#define _GNU_SOURCE
#include "base/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t jail_utf8_seq(const unsigned char *s, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

char *jail_json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cap = strlen(s) * 6 + 3, o = 0; /* \udcXX is the widest: 6 per byte */
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	out[o++] = '"';
	while (*p) {
		uint32_t cp;
		size_t n = jail_utf8_seq(p, &cp);

		if (n == 0) {
			o += (size_t)snprintf(out + o, cap - o, "\\udc%02x", *p);
			p++;
			continue;
		}
		if (n > 1) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
			continue;
		}
		switch (*p) {
		case '"':
			out[o++] = '\\';
			out[o++] = '"';
			break;
		case '\\':
			out[o++] = '\\';
			out[o++] = '\\';
			break;
		case '\n':
			out[o++] = '\\';
			out[o++] = 'n';
			break;
		case '\r':
			out[o++] = '\\';
			out[o++] = 'r';
			break;
		case '\t':
			out[o++] = '\\';
			out[o++] = 't';
			break;
		default:
			if (*p < 0x20)
				o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
			else
				out[o++] = (char)*p;
			break;
		}
		p++;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

int jail_json_fputs(FILE *f, const char *s)
{
	char *j;
	int r;

	if (s == NULL)
		return fputs("null", f) < 0 ? -1 : 0;
	j = jail_json_string(s);
	if (j == NULL)
		return -1;
	r = fputs(j, f) < 0 ? -1 : 0;
	free(j);
	return r;
}

char *jail_text_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cap = strlen(s) * 4 + 1, o = 0;
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	while (*p) {
		uint32_t cp;
		size_t n = jail_utf8_seq(p, &cp);

		/* C1 controls (U+0080..U+009F) can drive terminals too. */
		if (n > 1 && cp >= 0xa0) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else if (n == 1 && *p >= 0x20 && *p < 0x7f && *p != '\\') {
			out[o++] = (char)*p++;
		} else if (n > 1) {
			for (size_t i = 0; i < n; i++)
				o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p++);
		} else {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p++);
		}
	}
	out[o] = '\0';
	return out;
}
