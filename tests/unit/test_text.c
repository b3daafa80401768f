/* The one JSON/text escaper (base/text.h): every byte class asserted
 * exactly, so a change to the output of jailctl check --json, jailctl ps
 * --json or the text reports shows up here first. */
#define _GNU_SOURCE
#include "tap.h"
#include "base/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_json(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
	    {"", "\"\"", "empty string"},
	    {"plain /path", "\"plain /path\"", "plain ASCII kept"},
	    {"a\"b", "\"a\\\"b\"", "quote escaped"},
	    {"a\\b", "\"a\\\\b\"", "backslash escaped"},
	    {"\n\r\t", "\"\\n\\r\\t\"", "newline, CR, tab get short escapes"},
	    {"\x01\x08\x0c\x1b\x1f", "\"\\u0001\\u0008\\u000c\\u001b\\u001f\"",
	     "other C0 controls as \\u00XX"},
	    {"a\x7f", "\"a\x7f\"", "DEL kept (valid in JSON)"},
	    {"caf\xc3\xa9", "\"caf\xc3\xa9\"", "two-byte UTF-8 kept"},
	    {"\xe2\x82\xac", "\"\xe2\x82\xac\"", "three-byte UTF-8 kept"},
	    {"\xf0\x9f\x94\x92", "\"\xf0\x9f\x94\x92\"", "four-byte UTF-8 kept"},
	    {"\xc2\x9b", "\"\xc2\x9b\"", "C1 control is valid UTF-8 and kept in JSON"},
	    {"bad\xff", "\"bad\\udcff\"", "invalid byte as a lone surrogate escape"},
	    {"\x80", "\"\\udc80\"", "stray continuation byte"},
	    {"\xc0\xaf", "\"\\udcc0\\udcaf\"", "overlong encoding refused byte by byte"},
	    {"\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"", "encoded surrogate refused"},
	    {"\xf4\x90\x80\x80", "\"\\udcf4\\udc90\\udc80\\udc80\"", "above U+10FFFF refused"},
	    {"\xe2\x82", "\"\\udce2\\udc82\"", "truncated sequence refused"},
	    {"\xe2\x82x", "\"\\udce2\\udc82x\"", "sequence cut by ASCII"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = jail_json_string(cases[i].in);
		is_str(s, cases[i].want, "json: %s", cases[i].name);
		free(s);
	}
}

static void test_json_fputs(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ok(f != NULL, "memstream");
	if (f == NULL)
		return;
	ok(jail_json_fputs(f, "x\"\n\xff") == 0, "fputs a string");
	fputc(' ', f);
	ok(jail_json_fputs(f, NULL) == 0, "fputs NULL");
	fclose(f);
	is_str(buf, "\"x\\\"\\n\\udcff\" null",
	       "fputs writes what json_string returns, null for NULL");
	free(buf);
}

static void test_text(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
	    {"", "", "empty string"},
	    {"/home/u/a b", "/home/u/a b", "printable ASCII kept"},
	    {"a\\b", "a\\x5cb", "backslash escaped"},
	    {"a\"b", "a\"b", "quote kept in text"},
	    {"l1\nl2\r\t", "l1\\x0al2\\x0d\\x09", "newline, CR, tab as \\xNN"},
	    {"\x1b[2J", "\\x1b[2J", "escape sequence defused"},
	    {"\x7f", "\\x7f", "DEL escaped"},
	    {"caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac", "valid UTF-8 kept"},
	    {"\xc2\x9b", "\\xc2\\x9b", "C1 control escaped byte by byte"},
	    {"\xc2\xa0", "\xc2\xa0", "U+00A0 kept"},
	    {"bad\xff", "bad\\xff", "invalid byte escaped"},
	    {"\xc0\xaf", "\\xc0\\xaf", "overlong encoding escaped"},
	    {"\xe2\x82", "\\xe2\\x82", "truncated sequence escaped"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = jail_text_escape(cases[i].in);
		is_str(s, cases[i].want, "text: %s", cases[i].name);
		free(s);
	}
}

static void test_utf8_seq(void)
{
	uint32_t cp = 0;

	ok(jail_utf8_seq((const unsigned char *)"A", &cp) == 1 && cp == 'A', "ASCII is one byte");
	ok(jail_utf8_seq((const unsigned char *)"\xe2\x82\xac", &cp) == 3 && cp == 0x20ac,
	   "euro sign is three bytes, U+20AC");
	ok(jail_utf8_seq((const unsigned char *)"\xf5\x80\x80\x80", &cp) == 0, "0xf5 lead refused");
}

int main(void)
{
	test_json();
	test_json_fputs();
	test_text();
	test_utf8_seq();
	return done_testing();
}
