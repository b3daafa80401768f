/* Unit tests for the pure parts of lib/confine/mounts.c: bind specs and the jail
 * manifest's logsocket flag.  (The mounts themselves are exercised for real
 * by tests/integration/41-pam.t and 43-pam-refuse.t.) */
#define _GNU_SOURCE
#include "confine/mounts.h"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void bind_ok(const char *spec, bool ro, const char *host, const char *jail)
{
	jail_bind_t b;
	jail_error_t err;
	int r = jail_bind_parse(spec, ro, &b, &err);

	if (!ok(r == 0, "bind spec '%s' accepted", spec)) {
		diag("  %s", err.msg);
		return;
	}
	is_str(b.host, host, "'%s': host path %s", spec, host);
	is_str(b.jail, jail, "'%s': jail path %s", spec, jail);
	ok(b.ro == ro, "'%s': ro flag kept", spec);
	jail_bind_clear(&b);
}

static void bind_bad(const char *spec, const char *why)
{
	jail_bind_t b;
	jail_error_t err;
	int r = jail_bind_parse(spec, false, &b, &err);

	ok(r < 0, "bind spec '%s' refused", spec);
	if (r == 0)
		jail_bind_clear(&b);
	else
		like(err.msg, why, "'%s': the message says why", spec);
}

static void manifest(const char *text, int want_rc, bool want, const char *name)
{
	char dir[] = "/tmp/test_mounts.XXXXXX";
	int fd;
	bool got = !want;
	jail_error_t err;
	int r;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	fd = open(dir, O_DIRECTORY | O_RDONLY);
	if (text) {
		mkdirat(fd, ".jail", 0700);
		int mfd = openat(fd, ".jail/manifest", O_CREAT | O_WRONLY, 0600);
		if (write(mfd, text, strlen(text)) < 0)
			diag("write failed");
		close(mfd);
	}
	r = jail_manifest_logsocket(fd, &got, &err);
	is_int(r, want_rc, "manifest %s: return code", name);
	if (r == 0)
		ok(got == want, "manifest %s: logsocket %s", name, want ? "yes" : "no");
	else
		diag("  %s", err.msg);
	unlinkat(fd, ".jail/manifest", 0);
	unlinkat(fd, ".jail", AT_REMOVEDIR);
	close(fd);
	rmdir(dir);
}

int main(void)
{
	bind_ok("/srv/data", true, "/srv/data", "/srv/data");
	bind_ok("/srv/data:/data", false, "/srv/data", "/data");
	bind_ok("//srv/./data/:/x//y/", true, "/srv/data", "/x/y");
	bind_ok("/srv:/tmp/srv", false, "/srv", "/tmp/srv");
	bind_bad("srv/data", "not an absolute path");
	bind_bad("/srv/data:data", "not an absolute path");
	bind_bad("/srv/../etc:/x", "'..' is not allowed");
	bind_bad("/srv:/x/../../etc", "'..' is not allowed");
	bind_bad("/srv:/", "must not be /");
	bind_bad("/srv:/proc", "beneath /proc or /dev");
	bind_bad("/srv:/proc/sys", "beneath /proc or /dev");
	bind_bad("/srv:/dev/log", "beneath /proc or /dev");
	bind_ok("/srv:/devices", false, "/srv", "/devices");
	bind_ok("/srv:/process", false, "/srv", "/process");

	if (geteuid() == 0) {
		manifest(NULL, 0, false, "missing");
		manifest("# jail manifest v1\nlogsocket 1\ns basicshell\n", 0, true,
			 "with logsocket 1");
		manifest("# jail manifest v1\ns basicshell\nf /usr/bin/ls\n", 0, false,
			 "without it");
		manifest("logsocket 0\n", 0, false, "logsocket 0");
	} else {
		diag("not root: manifest ownership checks skipped (they need root-owned files)");
	}
	return done_testing();
}
