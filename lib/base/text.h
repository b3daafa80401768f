/* The one escaper for untrusted text on its way out: JSON string literals
 * and single lines of terminal text.  Every JSON document libjail or
 * jailctl writes quotes its strings here, so the rules below hold for all
 * of them. */
#ifndef JAIL_TEXT_H
#define JAIL_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at S (1..4), or 0 when S[0] does not
 * start one (overlong forms, surrogates and code points above U+10FFFF are
 * invalid; a NUL ends the sequence).  *CP receives the code point. */
size_t jail_utf8_seq(const unsigned char *s, uint32_t *cp);

/* S as a JSON string literal with its quotes.  '"', '\\', \n, \r and \t
 * get their short escapes, other control characters become \u00XX (DEL
 * is kept: JSON allows it, and the registry refuses it in a record), and
 * bytes that are not valid UTF-8 become \udcXX (the
 * "surrogateescape" convention, so a non-UTF-8 file name still yields
 * valid JSON that Python decodes back to the same bytes).  Valid UTF-8 is
 * kept as it is.  NULL on ENOMEM. */
char *jail_json_string(const char *s);
/* Write S to F as jail_json_string() would return it, or `null` when S is
 * NULL.  Returns 0, or -1 on ENOMEM or a write error. */
int jail_json_fputs(FILE *f, const char *s);

/* S made safe for one line of text output: control characters, DEL,
 * backslash, C1 controls and bytes that are not valid UTF-8 become \xNN (a
 * hostile file name cannot forge or split an output line).  NULL on
 * ENOMEM. */
char *jail_text_escape(const char *s);

#endif
