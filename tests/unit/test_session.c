/* jail_session_failure(): the kind of step a failed jail_session_open()
 * failed at, provoked before anything is built (a missing jail, a host
 * login shell that is not jailsh).  Runs as root in a scratch dir under
 * /run (a trusted, root-owned 0755 chain). */
#define _GNU_SOURCE
#include "tap.h"
#include "session/session.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];
static char conf[128];
static char top[PATH_MAX];

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(255);
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		bail(path);
	fputs(content, f);
	fclose(f);
	chmod(path, 0644);
}

static void setup(void)
{
	char path[PATH_MAX + 256], cmd[2 * PATH_MAX + 256];
	ssize_t n;

	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0)
		bail("scratch dir under /run");
	snprintf(conf, sizeof(conf), "%s/conf", base);
	if (mkdir(conf, 0755) < 0 || chmod(conf, 0755) < 0)
		bail(conf);
	snprintf(path, sizeof(path), "%s/users.d", conf);
	if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0)
		bail(path);
	snprintf(path, sizeof(path), "%s/profiles", conf);
	if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0)
		bail(path);
	/* The repo top: this binary is TOP/tests/unit/test_session. */
	n = readlink("/proc/self/exe", top, sizeof(top) - 1);
	if (n < 0)
		bail("readlink /proc/self/exe");
	top[n] = '\0';
	for (int i = 0; i < 3; i++)
		*strrchr(top, '/') = '\0';
	snprintf(cmd, sizeof(cmd),
		 "cp %s/profiles/default.ini %s/profiles/ && chmod 0644 %s/profiles/*", top, conf,
		 conf);
	if (system(cmd) != 0)
		bail("copy profiles/default.ini");
	snprintf(path, sizeof(path), "%s/jail.ini", conf);
	snprintf(cmd, sizeof(cmd),
		 "[jail]\nregistry = %s/registry\njailsh = /usr/sbin/jailsh\n\n"
		 "[user:daemon]\njail = %s/j\nprofile = default\n",
		 base, base);
	write_file(path, cmd);
}

static jail_session_t *prepare(void)
{
	jail_session_t *s = NULL;
	jail_error_t err = {0};
	int r = jail_session_prepare(conf, "daemon", &s, &err);

	ok(r == 1, "daemon is jailed by the scratch config (%s)", err.msg);
	if (r != 1) {
		jail_session_free(s);
		return NULL;
	}
	ok(jail_session_failure(s) == JAIL_SESSION_FAIL_NONE, "  no failure before an open");
	return s;
}

int main(void)
{
	char jail[128], cmd[256];
	jail_session_t *s;
	jail_error_t err = {0};

	if (geteuid() != 0) {
		printf("ok %d # SKIP a session is prepared and opened as root only\n", ++tap_n);
		return done_testing();
	}
	setup();
	ok(jail_session_failure(NULL) == JAIL_SESSION_FAIL_SETUP, "no session: setup");

	/* The jail is missing: the jail's checks, before the user's shell. */
	s = prepare();
	if (s) {
		ok(jail_session_open(s, NULL, &err) < 0, "missing jail: refused");
		like(err.msg, "jail ", "  the message names the jail (%s)", err.msg);
		ok(jail_session_failure(s) == JAIL_SESSION_FAIL_JAIL, "  filed as JAIL (%d)",
		   (int)jail_session_failure(s));
		jail_session_free(s);
	}

	/* The jail is there (root's, 0755): daemon's host shell is
	 * /usr/sbin/nologin, not jailsh. */
	snprintf(jail, sizeof(jail), "%s/j", base);
	if (mkdir(jail, 0755) < 0 || chmod(jail, 0755) < 0)
		bail(jail);
	s = prepare();
	if (s) {
		ok(jail_session_open(s, NULL, &err) < 0, "host shell not jailsh: refused");
		like(err.msg, "the login shell of daemon is ", "  the message says why");
		ok(jail_session_failure(s) == JAIL_SESSION_FAIL_USER, "  filed as USER (%d)",
		   (int)jail_session_failure(s));
		jail_session_free(s);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		diag("could not remove %s", base);
	return done_testing();
}
