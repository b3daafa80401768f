/* The private view's filters (confine/views.h): what a session of one
 * tenant keeps of the jail's passwd and group. */
#define _GNU_SOURCE
#include "tap.h"
#include "confine/views.h"

#include <errno.h>

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "sshd:x:105:65534::/run/sshd:/usr/sbin/nologin\n"
			     "alice:x:1001:1001:Alice,,,:/home/alice:/usr/sbin/jailsh\n"
			     "bob:x:1002:1002:Bob,,,:/home/bob:/usr/sbin/jailsh\n"
			     "ann:x:1003:1003::/home/ann:/usr/sbin/jailsh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
			     "carol:x:1004:100::/home/carol:/usr/sbin/jailsh";

static const char group[] = "root:x:0:\n"
			    "adm:x:4:syslog,bob\n"
			    "users:x:100:bob,alice,carol\n"
			    "audio:x:29:bob\n"
			    "alice:x:1001:\n"
			    "bob:x:1002:\n"
			    "ann:x:1003:\n"
			    "devs:x:2000:bob,alice\n"
			    "ops:x:2001:bob,anna\n"
			    "alicefans:x:2002:bob\n"
			    "nogroup:x:65534:\n";

static char *view_p(const char *text, uid_t uid)
{
	jail_error_t err = {0};
	char *out = NULL;

	if (jail_view_passwd(text, uid, &out, &err) < 0)
		diag("passwd view: %s", err.msg);
	return out;
}

static char *view_g(const char *text, const char *vp, uid_t uid)
{
	jail_error_t err = {0};
	char *out = NULL;

	if (jail_view_group(text, vp, uid, &out, &err) < 0)
		diag("group view: %s", err.msg);
	return out;
}

static void test_passwd(void)
{
	char *a = view_p(passwd, 1001);
	char *none;

	is_str(a,
	       "root:x:0:0:root:/root:/bin/bash\n"
	       "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	       "sshd:x:105:65534::/run/sshd:/usr/sbin/nologin\n"
	       "alice:x:1001:1001:Alice,,,:/home/alice:/usr/sbin/jailsh\n"
	       "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
	       "alice's view: root, system accounts, nobody and alice, in order");
	ok(a && strstr(a, "bob") == NULL && strstr(a, "carol") == NULL && strstr(a, "ann:") == NULL,
	   "no other tenant in alice's passwd view");
	free(a);

	a = view_p(passwd, 1004);
	ok(a && strstr(a, "\ncarol:x:1004:100:") && strstr(a, "alice") == NULL,
	   "last line without newline kept (carol's view) and repaired");
	free(a);

	none = view_p(passwd, 4242);
	ok(none && strstr(none, "root:") && strstr(none, "1001") == NULL,
	   "a uid without a line: only the system accounts");
	free(none);

	a = view_p("# comment\n+::::::\nbroken:x:1001\nx:x:notanumber:0::/:/bin/sh\n"
		   ":x:1001:1001::/:/bin/sh\nroot:x:0:0:root:/root:/bin/bash:extra\n"
		   "alice:x:1001:1001::/home/alice:/bin/sh\n\n",
		   1001);
	is_str(a, "alice:x:1001:1001::/home/alice:/bin/sh\n",
	       "comments, NIS lines, short/long lines, bad uids, empty names dropped");
	free(a);

	a = view_p("alice:x:1001:1001::/home/alice:/bin/sh\nalias:x:1001:1001::/home/alice:/bin/"
		   "sh\nbob:x:1002:1002::/home/bob:/bin/sh\n",
		   1001);
	is_str(a,
	       "alice:x:1001:1001::/home/alice:/bin/sh\nalias:x:1001:1001::/home/alice:/bin/sh\n",
	       "every line of the session's uid kept (aliases)");
	free(a);

	a = view_p("", 1001);
	is_str(a, "", "empty passwd: empty view");
	free(a);

	a = view_p("u999:x:999:999::/:/bin/sh\nu1000:x:1000:1000::/:/bin/sh\n", 5000);
	is_str(a, "u999:x:999:999::/:/bin/sh\n", "999 is a system account, 1000 is not");
	free(a);
}

static void test_group(void)
{
	char *vp = view_p(passwd, 1001);
	char *g = view_g(group, vp, 1001);

	is_str(g,
	       "root:x:0:\n"
	       "adm:x:4:\n"
	       "users:x:100:alice\n"
	       "audio:x:29:\n"
	       "alice:x:1001:\n"
	       "devs:x:2000:alice\n"
	       "nogroup:x:65534:\n",
	       "alice's group view");
	ok(g && strstr(g, "bob") == NULL, "bob named nowhere in alice's group view");
	ok(g && strstr(g, "carol") == NULL, "carol removed from users (a system group)");
	ok(g && strstr(g, "ops:") == NULL, "ops (gid 2000+, members bob and anna) dropped");
	ok(g && strstr(g, "alicefans") == NULL,
	   "a group whose name starts like the user's, without the user, dropped");
	free(g);
	free(vp);

	/* ann is a prefix of anna: membership is by whole name. */
	vp = view_p(passwd, 1003);
	g = view_g(group, vp, 1003);
	ok(g && strstr(g, "ann:x:1003:\n") != NULL, "ann keeps her primary group");
	ok(g && strstr(g, "ops:") == NULL, "ann is not a member of ops (anna is)");
	free(g);
	free(vp);

	/* carol's primary group is users (100): kept, with only carol. */
	vp = view_p(passwd, 1004);
	g = view_g(group, vp, 1004);
	ok(g && strstr(g, "users:x:100:carol\n") != NULL,
	   "carol: users kept with carol alone (alice and bob stripped)");
	free(g);
	free(vp);

	/* A user in many groups, one named like another tenant. */
	vp = view_p(passwd, 1002);
	g = view_g("bob:x:1002:\ng1:x:3001:alice,bob\ng2:x:3002:bob\ng3:x:3003:x,bob,y\n"
		   "alice:x:1001:bob\ng4:x:3004:alice\n",
		   vp, 1002);
	is_str(g, "bob:x:1002:\ng1:x:3001:bob\ng2:x:3002:bob\ng3:x:3003:bob\nalice:x:1001:bob\n",
	       "bob in many groups: each kept with bob alone; g4 dropped");
	free(g);
	free(vp);

	/* Malformed lines dropped. */
	vp = view_p(passwd, 1001);
	g = view_g("#c\nroot:x:0\nbad:x:zz:alice\n:x:5:\nsys:x:5:alice:extra\nok:x:6:alice\n", vp,
		   1001);
	is_str(g, "ok:x:6:alice\n", "group lines not of four fields with a gid dropped");
	free(g);

	g = view_g("users:x:100:,alice,,bob,\nempty:x:3000:\nsolo:x:3001:alice\n", vp, 1001);
	is_str(g, "users:x:100:alice\nsolo:x:3001:alice\n",
	       "empty member names skipped; a group with no members and another gid dropped");
	free(g);

	g = view_g(group, "", 1001);
	ok(g && strstr(g, "alice") == NULL && strstr(g, "root:x:0:\n"),
	   "no passwd view: system groups only, no members but known ones");
	free(g);
	free(vp);
}

int main(void)
{
	test_passwd();
	test_group();
	return done_testing();
}
