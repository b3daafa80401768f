/* The line of a login record (lib/session/loginrec.h).  The records themselves,
 * through sshd, are tests/integration/52-ssh-records.t. */
#define _GNU_SOURCE
#include "tap.h"
#include "session/loginrec.h"

#include <string.h>
#include <utmp.h>

static const char *line(const char *tty)
{
	static char out[JAIL_LOGINREC_LINE_MAX + 1];

	jail_loginrec_line(tty, "0123456789abcdef", out);
	return out;
}

int main(void)
{
	is_str(line("ssh"), "jail/0123456789abcdef",
	       "sshd's PAM_TTY \"ssh\" names no terminal: jail/ + the session id");
	is_str(line(NULL), "jail/0123456789abcdef", "no PAM_TTY: jail/ + the session id");
	is_str(line(""), "jail/0123456789abcdef", "an empty PAM_TTY: the same");
	is_str(line("/dev/null"), "null", "a character device under /dev: its name, without /dev/");
	is_str(line("null"), "null", "... also given without /dev/");
	is_str(line("/dev/nonexistent-tty"), "jail/0123456789abcdef", "a missing device: jail/ID");
	is_str(line(":0"), "jail/0123456789abcdef", "an X display: jail/ID");
	is_str(line("/dev/../dev/null"), "jail/0123456789abcdef", "a path with '..': jail/ID");
	is_str(line("/etc/passwd"), "jail/0123456789abcdef", "not under /dev: jail/ID");
	is_str(line("shm"), "jail/0123456789abcdef", "a directory of /dev: jail/ID");
	ok(strlen(line("ssh")) <= sizeof(((struct utmp *)0)->ut_line), "the line fits ut_line");
	return done_testing();
}
