/* key=value log fields (base/logfields.h): every byte class of the quoting
 * rule, hostile values that try to forge a field or split the line, and a
 * parser written from the rule (the one pam_jail(8) documents) that must
 * read back exactly what was given. */
#define _GNU_SOURCE
#include "tap.h"
#include "base/logfields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse FIELDS (" k=v k2=\"v2\" ...") as a collector would, from the
 * documented rule only; the value of KEY into OUT (decoded), "<absent>"
 * when there is none, "<null>" for a bare "-".  Returns the number of
 * fields, or -1 on a syntax error. */
static int parse(const char *fields, const char *key, char *out, size_t size)
{
	const char *p = fields;
	int n = 0;

	snprintf(out, size, "<absent>");
	while (*p) {
		char k[64], v[8192];
		size_t kl = 0, vl = 0;

		if (*p++ != ' ')
			return -1;
		while (*p && *p != '=' && kl + 1 < sizeof(k))
			k[kl++] = *p++;
		k[kl] = '\0';
		if (*p++ != '=')
			return -1;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\') {
					p++;
					if (*p == '"' || *p == '\\') {
						v[vl++] = *p++;
					} else if (*p == 'x') {
						unsigned c;
						if (sscanf(p + 1, "%2x", &c) != 1)
							return -1;
						v[vl++] = (char)c;
						p += 3;
					} else {
						return -1;
					}
				} else {
					if ((unsigned char)*p < 0x20 || *p == 0x7f)
						return -1; /* raw control: the rule forbids */
					v[vl++] = *p++;
				}
			}
			if (*p++ != '"')
				return -1;
			if (*p && *p != ' ')
				return -1;
		} else {
			while (*p && *p != ' ') {
				if (*p == '"' || *p == '\\' || *p == '=' ||
				    (unsigned char)*p < 0x21 || (unsigned char)*p >= 0x7f)
					return -1;
				v[vl++] = *p++;
			}
			if (vl == 0)
				return -1;
		}
		v[vl] = '\0';
		n++;
		if (strcmp(k, key) == 0) {
			if (strcmp(v, "-") == 0 && p[-1] != '"')
				snprintf(out, size, "<null>");
			else
				snprintf(out, size, "%s", v);
		}
	}
	return n;
}

static void test_values(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
	    {"sd1", "sd1", "plain name bare"},
	    {"/srv/j-1.x", "/srv/j-1.x", "path bare"},
	    {"0123456789abcdef", "0123456789abcdef", "session id bare"},
	    {"127.0.0.1", "127.0.0.1", "address bare"},
	    {"::1", "::1", "IPv6 bare"},
	    {"", "\"\"", "empty quoted"},
	    {"-", "\"-\"", "a literal - quoted (bare - means unknown)"},
	    {"a b", "\"a b\"", "space quoted"},
	    {"a=b", "\"a\\x3db\"", "= quoted and escaped (no value holds a =)"},
	    {"a\"b", "\"a\\\"b\"", "quote escaped"},
	    {"a\\b", "\"a\\\\b\"", "backslash escaped"},
	    {"a\nb", "\"a\\x0ab\"", "newline as \\x0a"},
	    {"\r\t\x1b\x7f", "\"\\x0d\\x09\\x1b\\x7f\"", "CR, tab, ESC, DEL as \\xNN"},
	    {"caf\xc3\xa9", "\"caf\xc3\xa9\"", "UTF-8 kept, quoted"},
	    {"\xc2\x9b", "\"\\xc2\\x9b\"", "C1 control escaped byte by byte"},
	    {"bad\xff", "\"bad\\xff\"", "invalid byte escaped"},
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = jail_logfield_value(out, sizeof(out), cases[i].in);
		is_str(out, cases[i].want, "value: %s", cases[i].name);
		is_int((int)n, (int)strlen(cases[i].want), "value: %s: length", cases[i].name);
	}
	jail_logfield_value(out, sizeof(out), NULL);
	is_str(out, "-", "value: NULL is a bare -");
	ok(jail_logfield_value(out, 4, "abcdef") >= 4, "value: too small a buffer is reported");
}

static void test_fields(void)
{
	jail_logfields_t f;
	char v[8192];

	jail_logfields_init(&f);
	is_str(jail_logfields_str(&f), "", "no field: empty");
	jail_logfields_add(&f, "session", "0123456789abcdef");
	jail_logfields_add(&f, "user", "sd1");
	jail_logfields_add(&f, "jail", "/srv/j");
	jail_logfields_add(&f, "remote", NULL);
	jail_logfields_add_int(&f, "pid", 42);
	jail_logfields_add(&f, "Bad Key", "x");
	jail_logfields_add(&f, "", "x");
	is_str(jail_logfields_str(&f),
	       " session=0123456789abcdef user=sd1 jail=/srv/j remote=- pid=42",
	       "fields in order, invalid keys dropped");
	is_int(parse(jail_logfields_str(&f), "remote", v, sizeof(v)), 5, "parse: 5 fields");
	is_str(v, "<null>", "parse: remote unknown");
}

/* Hostile values: whatever is in them, the parser sees the fields the
 * caller added and nothing else, each with its exact value. */
static void test_hostile(void)
{
	static const char *hostile[] = {
	    "\" user=root",
	    "x\" user=root \"",
	    "evil user=root",
	    "a\\\" user=root",
	    "\\",
	    "host\nJan  1 00:00:00 h pam_jail: opened session x for root user=root",
	    "\r\n user=root",
	    "x=\"y\" user=root",
	    "user=root",
	    "\xc0\" user=root",
	    "\xe2\x80\x8f user=root", /* RLM mark: printable UTF-8, stays quoted */
	};
	char v[8192];

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		jail_logfields_t f;
		const char *s;

		jail_logfields_init(&f);
		jail_logfields_add(&f, "user", "sd1");
		jail_logfields_add(&f, "remote", hostile[i]);
		jail_logfields_add(&f, "reason", "config");
		s = jail_logfields_str(&f);
		ok(strchr(s, '\n') == NULL && strchr(s, '\r') == NULL,
		   "hostile %zu: no line break in the fields", i);
		is_int(parse(s, "user", v, sizeof(v)), 3, "hostile %zu: exactly 3 fields", i);
		{
			int eq = 0;
			for (const char *q = s; *q; q++)
				eq += *q == '=';
			is_int(eq, 3, "hostile %zu: one '=' per field, none in a value", i);
		}
		is_str(v, "sd1", "hostile %zu: user not forged", i);
		parse(s, "remote", v, sizeof(v));
		is_str(v, hostile[i], "hostile %zu: the value reads back exactly", i);
	}
}

static void test_long(void)
{
	jail_logfields_t f;
	char *big = malloc(5000), v[8192];
	const char *s;

	if (big == NULL)
		return;
	memset(big, 'a', 4999);
	big[4999] = '\0';
	jail_logfields_init(&f);
	jail_logfields_add(&f, "detail", big);
	s = jail_logfields_str(&f);
	is_int((int)strlen(s), (int)strlen(" detail=\"\"...") + JAIL_LOGFIELD_VALUE_MAX,
	       "long value cut at JAIL_LOGFIELD_VALUE_MAX");
	like(s, "a...\"", "cut value ends with ... inside its quotes");
	/* escapes that quadruple: several fields no longer fit the buffer */
	memset(big, '\x01', 4999);
	jail_logfields_init(&f);
	for (int i = 0; i < 4; i++)
		jail_logfields_add(&f, "detail", big);
	jail_logfields_add(&f, "user", "sd1");
	s = jail_logfields_str(&f);
	ok(strlen(s) < JAIL_LOGFIELDS_SIZE, "the fields fit their buffer");
	like(s, " user=sd1 truncated=yes", "a field that fits still goes in; truncated=yes last");
	ok(parse(s, "user", v, sizeof(v)) > 0, "a truncated set still parses");
	is_str(jail_logfields_str(&f), s, "str twice: one truncated mark");
	/* a multi-byte character is not cut in half */
	memset(big, 0, 5000);
	for (int i = 0; i + 2 <= JAIL_LOGFIELD_VALUE_MAX + 1; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	memmove(big + 1, big, strlen(big) + 1);
	big[0] = 'x';
	jail_logfields_init(&f);
	jail_logfields_add(&f, "detail", big);
	s = jail_logfields_str(&f);
	like(s, "\xc3\xa9...\"", "cut at a character boundary");
	free(big);
}

int main(void)
{
	test_values();
	test_fields();
	test_hostile();
	test_long();
	return done_testing();
}
