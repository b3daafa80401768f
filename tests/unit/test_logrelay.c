/* The log relay's line format and rate limit (lib/confine/logrelay.h).  The
 * relay itself, with a real session, is tests/integration/54-logrelay.t. */
#define _GNU_SOURCE
#include "tap.h"
#include "confine/logrelay.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static jail_logrelay_t relay(void)
{
	jail_logrelay_t r = JAIL_LOGRELAY_INIT;

	snprintf(r.id, sizeof(r.id), "0123456789abcdef");
	snprintf(r.user, sizeof(r.user), "alice");
	r.init_pid = 4242;
	r.tokens = JAIL_LOGRELAY_BURST;
	return r;
}

static const char *fmt(const char *msg, size_t len, pid_t pid, uid_t uid)
{
	static char out[JAIL_LOGRELAY_TEXT_MAX + 512];
	jail_logrelay_t r = relay();

	jail_logrelay_format(&r, msg, len, pid, uid, 0, out, sizeof(out));
	return out;
}

#define S(x) x, sizeof(x) - 1

/* The part after the timestamp. */
static const char *after_ts(const char *line)
{
	const char *p = strchr(line, '>');

	return p && strlen(p) > 17 ? p + 17 : "";
}

static void test_format(void)
{
	const char *l;

	setenv("TZ", "UTC", 1);
	tzset();
	l = fmt(S("<83>Dec  6 21:00:00 jailsh[3]: refused: x"), 3, 1001);
	is_str(
	    l,
	    "<83>Jan  1 00:00:00 jail-init[4242]: jail session 0123456789abcdef user alice pid 3 "
	    "(uid 1001): jailsh[3]: refused: x",
	    "a syslog(3) datagram: the relay's prefix, the sender's priority, its timestamp "
	    "replaced");
	l = fmt(S("hello"), 7, 1001);
	like(l, "<13>", "no <PRI>: user.notice");
	like(l, "(uid 1001): hello", "no <PRI>: the whole datagram is the text");
	l = fmt(S("<3>kernel error"), 7, 1001);
	like(l, "<11>", "facility kern becomes user (severity kept)");
	l = fmt(S("<0>kernel panic"), 7, 1001);
	like(l, "<11>", "kern.emerg becomes user.err: no emergency from a session");
	l = fmt(S("<80>wall"), 7, 1001);
	like(l, "<83>",
	     "authpriv.emerg becomes authpriv.err (rsyslog writes *.emerg to every terminal)");
	l = fmt(S("<82>crit"), 7, 1001);
	like(l, "<83>", "authpriv.crit becomes authpriv.err");
	l = fmt(S("<84>warn"), 7, 1001);
	like(l, "<84>", "authpriv.warning stays");
	l = fmt(S("<999>x"), 7, 1001);
	like(l, "<13>", "a <PRI> out of range is text");
	like(l, "): <999>x", "... kept as it came");
	l = fmt(S("<38>a\nb\r\x1b[31mc\\d\x7f"), 7, 1001);
	is_str(after_ts(l),
	       "jail-init[4242]: jail session 0123456789abcdef user alice pid 7 (uid 1001): "
	       "a\\x0ab\\x0d\\x1b[31mc\\\\d\\x7f",
	       "control characters and backslashes escaped: one datagram, one line");
	l = fmt(S("<38>text\n\n"), 7, 1001);
	like(l, "): text", "trailing newlines dropped");
	ok(l[strlen(l) - 1] == 't', "... not escaped");
	l = fmt(S("<38>jail-init[1]: jail session 0000 user root pid 1 (uid 0): forged"), 9, 1234);
	like(l,
	     "jail-init[4242]: jail session 0123456789abcdef user alice pid 9 (uid 1234): "
	     "jail-init[1]: jail session 0000",
	     "a forged prefix stays after the real one");
	{
		jail_logrelay_t r = relay();
		char out[512];

		snprintf(r.user, sizeof(r.user), "web");
		r.service = true;
		jail_logrelay_format(&r, S("<38>up"), 5, 0, 0, out, sizeof(out));
		is_str(
		    after_ts(out),
		    "jail-init[4242]: jail session 0123456789abcdef service web pid 5 (uid 0): up",
		    "a service's sandbox: 'service NAME', not 'user NAME'");
	}
	l = fmt(S("<38>x"), 0, (uid_t)-1);
	like(l, "pid 0 (uid 4294967295)", "pid and uid printed as the kernel gave them");
	{
		char big[3000];
		size_t n;

		memset(big, 'A', sizeof(big));
		big[0] = '<';
		big[1] = '3';
		big[2] = '>';
		l = fmt(big, sizeof(big), 7, 1001);
		n = strlen(strstr(l, "(uid 1001): ") + strlen("(uid 1001): "));
		ok(n <= JAIL_LOGRELAY_TEXT_MAX + 3, "a long text is cut at %d bytes (%zu)",
		   JAIL_LOGRELAY_TEXT_MAX, n);
		ok(strcmp(l + strlen(l) - 3, "...") == 0, "... and marked with '...'");
		memset(big + 3, 0x01, sizeof(big) - 3);
		l = fmt(big, sizeof(big), 7, 1001);
		n = strlen(strstr(l, "(uid 1001): ") + strlen("(uid 1001): "));
		ok(n <= JAIL_LOGRELAY_TEXT_MAX + 3, "escaped text is cut at %d bytes too (%zu)",
		   JAIL_LOGRELAY_TEXT_MAX, n);
		ok(strstr(l, "\\x0...") == NULL && strstr(l, "\\x...") == NULL &&
		       strstr(l, "\\...") == NULL,
		   "... never in the middle of an escape");
	}
	{
		char small[64];
		jail_logrelay_t r = relay();
		size_t n =
		    jail_logrelay_format(&r, S("<38>some text"), 7, 1001, 0, small, sizeof(small));
		ok(n < sizeof(small) && strlen(small) == n, "a small buffer is never overrun");
	}
}

static void test_rate(void)
{
	jail_logrelay_t r = relay();
	int64_t t = 1000000;
	int n = 0;

	r.last_us = t;
	for (int i = 0; i < 300; i++)
		n += jail_logrelay_take(&r, t);
	is_int(n, JAIL_LOGRELAY_BURST, "at once: the burst (%d) passes, the rest is dropped",
	       JAIL_LOGRELAY_BURST);
	t += 1000000;
	n = 0;
	for (int i = 0; i < 300; i++)
		n += jail_logrelay_take(&r, t);
	is_int(n, JAIL_LOGRELAY_RATE, "one second later: %d more", JAIL_LOGRELAY_RATE);
	t += 100000;
	ok(jail_logrelay_take(&r, t), "a tenth of a second later: one more");
	ok(!jail_logrelay_take(&r, t), "... and only one");
	t += 3600LL * 1000000;
	n = 0;
	for (int i = 0; i < 300; i++)
		n += jail_logrelay_take(&r, t);
	is_int(n, JAIL_LOGRELAY_BURST, "after an hour of silence: never more than the burst");
	r.sock = 3; /* (only compared) */
	r.dropped = 5;
	r.tokens = 0.5;
	ok(jail_logrelay_timeout_ms(&r) > 0 && jail_logrelay_timeout_ms(&r) <= 51,
	   "drops pending: the init wakes when a token is back (%d ms)",
	   jail_logrelay_timeout_ms(&r));
	r.dropped = 0;
	is_int(jail_logrelay_timeout_ms(&r), -1, "nothing pending: no wake-up");
}

int main(void)
{
	test_format();
	test_rate();
	return done_testing();
}
