/* The D-Bus wire format of lib/base/sdbus.c: messages marshalled to the offsets
 * the D-Bus specification gives (worked out by hand below), and replies
 * parsed: a method return, an error with its name and message, a reply to
 * another call, malformed input.  The calls against a real systemd and
 * logind are tests/integration/80-systemd.t (the guest lane). */
#define _GNU_SOURCE
#include "tap.h"
#include "base/sdbus.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t u32at(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, 4);
	return v;
}

static uint64_t u64at(const uint8_t *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, 8);
	return v;
}

/* A reply built by hand: TYPE, REPLY_SERIAL, and for an error its name and
 * a string body. */
static size_t reply(uint8_t *b, uint8_t type, uint32_t reply_serial, const char *ename,
		    const char *emsg)
{
	size_t off = 16, fields, body;
	uint32_t n;

	memset(b, 0, 512);
	b[0] = 'l';
	b[1] = type;
	b[3] = 1;
	n = 7;
	memcpy(b + 8, &n, 4); /* serial */
	/* (5, u, reply_serial) */
	b[off] = 5;
	b[off + 1] = 1;
	b[off + 2] = 'u';
	memcpy(b + off + 4, &reply_serial, 4);
	off += 8;
	if (ename) {
		/* (4, s, ename) */
		b[off] = 4;
		b[off + 1] = 1;
		b[off + 2] = 's';
		n = (uint32_t)strlen(ename);
		memcpy(b + off + 4, &n, 4);
		memcpy(b + off + 8, ename, n + 1);
		off += 8 + n + 1;
		off = (off + 7) / 8 * 8;
		/* (8, g, "s") */
		b[off] = 8;
		b[off + 1] = 1;
		b[off + 2] = 'g';
		b[off + 4] = 1;
		b[off + 5] = 's';
		off += 7;
	}
	fields = off - 16;
	memcpy(b + 12, &fields, 4);
	body = (off + 7) / 8 * 8;
	off = body;
	if (emsg) {
		n = (uint32_t)strlen(emsg);
		memcpy(b + off, &n, 4);
		memcpy(b + off + 4, emsg, n + 1);
		off += 4 + n + 1;
	}
	n = (uint32_t)(off - body);
	memcpy(b + 4, &n, 4);
	return off;
}

int main(void)
{
	jail_error_t err;
	uint8_t *m = NULL, b[512];
	size_t len = 0, n;
	jail_unit_prop_t p = {"MemoryMax", 0x1122334455667788ULL};

	/* KillUnit("a.scope", "all", 9), serial 2.  Header fields at 16, 56,
	 * 104, 128 and 168 (each on 8): path, interface, member,
	 * destination, signature "ssi" (ends at 177: 161 bytes of fields);
	 * the body on 184: "a.scope" (len at 184), "all" (len at 196), 9 at
	 * 204; 24 bytes of body, 208 in all. */
	ok(jail_sdbus_marshal(2, "KillUnit", "ssi", "a.scope", false, NULL, 0, 9, &m, &len, NULL) ==
	       0,
	   "KillUnit: marshalled");
	ok(len == 208, "KillUnit: 208 bytes (got %zu)", len);
	ok(m[0] == 'l' && m[1] == 1 && m[2] == 0 && m[3] == 1,
	   "KillUnit: little-endian method call, protocol 1");
	ok(u32at(m, 4) == 24 && u32at(m, 8) == 2 && u32at(m, 12) == 161,
	   "KillUnit: body length 24, serial 2, header fields 161 bytes");
	ok(m[16] == 1 && m[18] == 'o' && u32at(m, 20) == 25 &&
	       memcmp(m + 24, "/org/freedesktop/systemd1", 26) == 0,
	   "KillUnit: PATH field at 16");
	ok(m[104] == 3 && u32at(m, 108) == 8 && memcmp(m + 112, "KillUnit", 9) == 0,
	   "KillUnit: MEMBER field at 104");
	ok(m[128] == 6 && memcmp(m + 136, "org.freedesktop.systemd1", 25) == 0,
	   "KillUnit: DESTINATION field at 128");
	ok(m[168] == 8 && m[170] == 'g' && m[172] == 3 && memcmp(m + 173, "ssi", 4) == 0,
	   "KillUnit: SIGNATURE field 'ssi' at 168");
	ok(u32at(m, 184) == 7 && memcmp(m + 188, "a.scope", 8) == 0 && u32at(m, 196) == 3 &&
	       memcmp(m + 200, "all", 4) == 0 && u32at(m, 204) == 9,
	   "KillUnit: body 'a.scope', 'all', 9");
	free(m);

	/* SetUnitProperties("u.scope", true, [("MemoryMax", <t>)]): member
	 * 17 bytes (field ends 130), destination at 136, signature
	 * "sba(sv)" at 176 (ends 189: 173 bytes of fields), body on 192:
	 * "u.scope", true at 204, the array's length at 208 and its first
	 * struct on 216: "MemoryMax", signature "t" at 230, the value on
	 * 240; the array 32 bytes, the body 56, 248 in all. */
	ok(jail_sdbus_marshal(2, "SetUnitProperties", "sba(sv)", "u.scope", true, &p, 1, 0, &m,
			      &len, NULL) == 0,
	   "SetUnitProperties: marshalled");
	ok(len == 248, "SetUnitProperties: 248 bytes (got %zu)", len);
	ok(u32at(m, 4) == 56 && u32at(m, 12) == 173,
	   "SetUnitProperties: body 56 bytes, header fields 173");
	ok(m[176] == 8 && m[180] == 7 && memcmp(m + 181, "sba(sv)", 8) == 0,
	   "SetUnitProperties: SIGNATURE 'sba(sv)'");
	ok(u32at(m, 192) == 7 && memcmp(m + 196, "u.scope", 8) == 0 && u32at(m, 204) == 1,
	   "SetUnitProperties: 'u.scope', runtime true");
	ok(u32at(m, 208) == 32, "SetUnitProperties: the array holds 32 bytes");
	ok(u32at(m, 216) == 9 && memcmp(m + 220, "MemoryMax", 10) == 0,
	   "SetUnitProperties: the property's name on 216");
	ok(m[230] == 1 && m[231] == 't' && m[232] == 0, "SetUnitProperties: variant signature 't'");
	ok(u64at(m, 240) == 0x1122334455667788ULL,
	   "SetUnitProperties: the uint64 value on 240 (8-aligned)");
	free(m);

	ok(jail_sdbus_marshal(2, "Hello", "", "", false, NULL, 0, 0, &m, &len, NULL) == 0 &&
	       u32at(m, 4) == 0 && memmem(m, len, "org.freedesktop.DBus", 20) != NULL,
	   "Hello: an empty body, to org.freedesktop.DBus");
	free(m);
	jail_error_clear(&err);
	ok(jail_sdbus_marshal(2, "KillUnit", "sv", "x", false, NULL, 0, 0, &m, &len, &err) < 0 &&
	       strstr(err.msg, "cannot marshal signature 'sv'"),
	   "an unknown signature is refused: %s", err.msg);

	/* Replies. */
	n = reply(b, 2, 2, NULL, NULL);
	ok(jail_sdbus_parse_reply(b, n, 2, NULL) == 0, "a method return to serial 2: success");
	ok(jail_sdbus_parse_reply(b, n, 3, NULL) == 1,
	   "a method return to another serial: not ours");
	n = reply(b, 3, 2, "org.freedesktop.systemd1.NoSuchUnit", "Unit x.scope not found.");
	jail_error_clear(&err);
	ok(jail_sdbus_parse_reply(b, n, 2, &err) == -1, "an error reply: failure");
	ok(strstr(err.msg, "org.freedesktop.systemd1.NoSuchUnit: Unit x.scope not found.") != NULL,
	   "the error names the D-Bus error and its message: %s", err.msg);
	jail_error_clear(&err);
	ok(jail_sdbus_parse_reply(b, n - 3, 2, &err) == -1 && strstr(err.msg, "malformed"),
	   "a truncated reply is refused: %s", err.msg);
	b[0] = 'B';
	jail_error_clear(&err);
	ok(jail_sdbus_parse_reply(b, n, 2, &err) == -1, "a foreign byte order is refused");
	n = reply(b, 2, 2, NULL, NULL);
	b[12] = 200; /* header fields past the end */
	jail_error_clear(&err);
	ok(jail_sdbus_parse_reply(b, n, 2, &err) == -1 && strstr(err.msg, "malformed"),
	   "header fields longer than the message are refused");
	jail_error_clear(&err);
	ok(jail_systemd_kill_unit("/nonexistent/jail-test-socket", "x.scope", 9, &err) < 0 &&
	       strstr(err.msg, "connect to systemd at /nonexistent/jail-test-socket"),
	   "no systemd at the socket: the error names it: %s", err.msg);
	return done_testing();
}
