/* The jail's passwd/group writer: text transforms, then the file layer on a
 * scratch jail under /run (root-owned chain), with symlinks planted at
 * JAIL/etc and JAIL/etc/passwd. */
#define _GNU_SOURCE
#include "tap.h"
#include "tree/passwd.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char base[64];
static char jail[128];

static void account(jail_account_t *a, const char *name, uid_t uid, gid_t gid)
{
	jail_error_t err = {0};

	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	a->uid = uid;
	a->gid = gid;
	a->gecos = strdup("Test User,,,");
	a->home = jail_strdup_printf("/home/%s", name);
	a->shell = strdup("/bin/bash");
	a->group_name = strdup(name);
	a->group_gids = calloc(4, sizeof(gid_t));
	jail_strv_push(&a->groups, "staff", &err);
	a->group_gids[0] = 50;
	jail_strv_push(&a->groups, "audio", &err);
	a->group_gids[1] = 29;
}

static void test_passwd_text(void)
{
	jail_error_t err = {0};
	jail_account_t a;
	char *t, *t2;
	uid_t uid = 0;
	gid_t gid = 0;
	char *home = NULL, *shell = NULL;

	account(&a, "alice", 1001, 1001);
	t = jail_passwd_text_set("root:x:0:0:root:/root:/bin/bash", &a, &err);
	is_str(t,
	       "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001:Test User,,,:/home/alice:/bin/"
	       "bash\n",
	       "line appended, missing final newline repaired");
	a.uid = 1002;
	free(a.shell);
	a.shell = strdup("/bin/sh");
	t2 = jail_passwd_text_set(t, &a, &err);
	is_str(t2,
	       "root:x:0:0:root:/root:/bin/bash\nalice:x:1002:1001:Test User,,,:/home/alice:/bin/"
	       "sh\n",
	       "existing line replaced in place");
	free(t);
	t = jail_passwd_text_set("alice:x:1:1::/:/bin/false\nbob:x:2:2::/:/bin/sh\nalice:x:9:9::/:/"
				 "x\n",
				 &a, &err);
	is_str(t, "alice:x:1002:1001:Test User,,,:/home/alice:/bin/sh\nbob:x:2:2::/:/bin/sh\n",
	       "duplicate lines of the user collapsed to one");
	free(t);
	is_int(jail_passwd_text_lookup(t2, "alice", &uid, &gid, &home, &shell, &err), 1,
	       "lookup finds alice");
	ok(uid == 1002 && gid == 1001, "  uid and gid");
	is_str(home, "/home/alice", "  home");
	is_str(shell, "/bin/sh", "  shell");
	free(home);
	free(shell);
	is_int(jail_passwd_text_lookup(t2, "alic", NULL, NULL, NULL, NULL, &err), 0,
	       "a prefix of a name does not match");
	is_int(jail_passwd_text_lookup("alice:x:oops\n", "alice", &uid, NULL, NULL, NULL, &err), -1,
	       "malformed line of the user is an error");
	like(err.msg, "malformed", "  says so");
	t = jail_passwd_text_remove(t2, "alice", &err);
	is_str(t, "root:x:0:0:root:/root:/bin/bash\n", "remove drops the line");
	free(t);
	t = jail_passwd_text_remove("alice2:x:1:1::/:/x\n#comment\n\nalice:x\n", "alice", &err);
	is_str(t, "alice2:x:1:1::/:/x\n#comment\n\n", "remove keeps others, comments, blanks");
	free(t);
	free(t2);

	/* Hostile or broken fields never reach a line. */
	free(a.gecos);
	a.gecos = strdup("evil:0:0");
	ok(jail_passwd_text_set("", &a, &err) == NULL, "':' in GECOS refused");
	like(err.msg, "GECOS field contains ':'", "  says which field");
	free(a.gecos);
	a.gecos = strdup("x\nroot2:x:0:0::/:/bin/sh");
	ok(jail_passwd_text_set("", &a, &err) == NULL, "newline in GECOS refused");
	free(a.gecos);
	a.gecos = strdup("");
	free(a.home);
	a.home = strdup("home/alice");
	ok(jail_passwd_text_set("", &a, &err) == NULL, "relative home refused");
	like(err.msg, "home 'home/alice' is not an absolute path", "  names the home");
	free(a.home);
	a.home = strdup("/home/alice");
	free(a.name);
	a.name = strdup("Alice");
	ok(jail_passwd_text_set("", &a, &err) == NULL, "invalid user name refused");
	jail_account_clear(&a);

	/* A very long line is kept intact. */
	{
		size_t n = 100000;
		char *big = malloc(n + 32);
		memset(big, 'z', n);
		memcpy(big, "zed:", 4);
		strcpy(big + n, "\n");
		account(&a, "alice", 1001, 1001);
		t = jail_passwd_text_set(big, &a, &err);
		ok(t && strncmp(t, big, n + 1) == 0 && strstr(t + n, "alice:x:1001") != NULL,
		   "100 kB line kept byte for byte");
		free(t);
		free(big);
		jail_account_clear(&a);
	}
}

static void test_group_text(void)
{
	jail_error_t err = {0};
	jail_account_t a;
	char *t, *t2;

	account(&a, "alice", 1001, 1001);
	t = jail_group_text_add("root:x:0:\nstaff:x:50:bob\n", &a, &err);
	is_str(t, "root:x:0:\nstaff:x:50:bob,alice\nalice:x:1001:\naudio:x:29:alice\n",
	       "primary group added, member added to existing and new groups");
	t2 = jail_group_text_add(t, &a, &err);
	is_str(t2, t, "adding again changes nothing (idempotent)");
	free(t2);
	t2 = jail_group_text_add("alice:!:999:carol\naudio:x:29:alice,alice\naudio:x:29:\n", &a,
				 &err);
	is_str(t2, "alice:!:1001:carol\naudio:x:29:alice\nstaff:x:50:alice\n",
	       "gid corrected, members and password field kept, duplicates dropped");
	free(t2);

	/* Removal: memberships go; the personal group goes when unused. */
	t2 = jail_group_text_remove(t, "alice", 1001, "root:x:0:0::/:/bin/sh\n", &err);
	is_str(t2, "root:x:0:\nstaff:x:50:bob\naudio:x:29:\n",
	       "remove: memberships and personal group gone");
	free(t2);
	t2 = jail_group_text_remove(t, "alice", 1001, "dave:x:1005:1001::/:/bin/sh\n", &err);
	like(t2, "alice:x:1001:", "personal group kept while another user has it as primary");
	free(t2);
	t2 = jail_group_text_remove("alice:x:1001:carol,alice\n", "alice", 1001, "", &err);
	is_str(t2, "alice:x:1001:carol\n", "personal group kept while it has other members");
	free(t2);
	t2 = jail_group_text_remove("alice:x:1001:\n", "alice", (gid_t)-1, "", &err);
	is_str(t2, "alice:x:1001:\n", "unknown gid: group lines are not dropped");
	free(t2);
	t2 = jail_group_text_remove("users:x:100:alice\nbad line\nx:y\n", "alice", 100, "", &err);
	is_str(t2, "users:x:100:\nbad line\nx:y\n",
	       "a shared group not named after the user is kept; malformed lines kept");
	free(t2);
	t2 = jail_group_text_remove("g:x:99999999999999999999:bob,alice\nh:x::alice,x\n", "alice",
				    1, "", &err);
	is_str(t2, "g:x:99999999999999999999:bob\nh:x::x\n",
	       "membership removed even from lines with a broken gid (found by fuzzing)");
	free(t2);
	free(t);
	jail_account_clear(&a);
}

static void test_host_account(void)
{
	jail_error_t err = {0};
	jail_account_t a;

	ok(jail_account_from_host("root", NULL, &a, &err) == 0, "root looked up on the host (%s)",
	   err.msg);
	is_int(a.uid, 0, "  uid 0");
	is_str(a.shell, "/bin/bash", "  default shell /bin/bash, not the host's");
	ok(a.home && a.home[0] == '/', "  absolute home");
	ok(a.group_name != NULL, "  primary group named");
	jail_account_clear(&a);
	ok(jail_account_from_host("root", "/bin/sh", &a, &err) == 0 &&
	       strcmp(a.shell, "/bin/sh") == 0,
	   "shell given");
	jail_account_clear(&a);
	ok(jail_account_from_host("no-such-user-jail", NULL, &a, &err) < 0, "unknown user refused");
	like(err.msg, "no-such-user-jail: no such user on the host", "  says so");
}

static int sh(const char *cmd)
{
	return system(cmd);
}

static char *read_text(const char *rel)
{
	char path[256];
	FILE *f;
	static char buf[8192];
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", jail, rel);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_files(void)
{
	jail_error_t err = {0};
	jail_account_t a;
	jail_acct_snapshot_t snap;
	cleanup_close int jfd = -1;
	char cmd[2048], outside[256];
	struct stat st;

	snprintf(jail, sizeof(jail), "%s/jail", base);
	snprintf(cmd, sizeof(cmd), "mkdir -m 0755 %s && mkdir -m 0755 %s/etc", jail, jail);
	if (sh(cmd) != 0) {
		ok(0, "scratch jail created");
		return;
	}
	jfd = jail_open_trusted_dir(jail, &err);
	ok(jfd >= 0, "scratch jail trusted (%s)", err.msg);
	account(&a, "alice", 1001, 1001);

	ok(jail_acct_add(jfd, &a, &err) == 0, "add into an empty /etc (%s)", err.msg);
	is_str(read_text("etc/passwd"), "alice:x:1001:1001:Test User,,,:/home/alice:/bin/bash\n",
	       "passwd created");
	like(read_text("etc/group"), "alice:x:1001:\n", "group created");
	snprintf(cmd, sizeof(cmd), "%s/etc/passwd", jail);
	ok(stat(cmd, &st) == 0 && st.st_uid == 0 && st.st_gid == 0 && (st.st_mode & 07777) == 0644,
	   "passwd is root:root 0644");

	/* Snapshot and restore. */
	ok(jail_acct_snapshot(jfd, &snap, &err) == 0, "snapshot");
	a.uid = 2000;
	ok(jail_acct_add(jfd, &a, &err) == 0, "replace");
	like(read_text("etc/passwd"), "alice:x:2000:", "replaced");
	ok(jail_acct_restore(jfd, &snap, &err) == 0, "restore");
	like(read_text("etc/passwd"), "alice:x:1001:", "restored content");
	jail_acct_snapshot_clear(&snap);

	ok(jail_acct_remove(jfd, "alice", &err) == 0, "remove (%s)", err.msg);
	is_str(read_text("etc/passwd"), "", "passwd line gone");
	is_str(read_text("etc/group"), "staff:x:50:\naudio:x:29:\n",
	       "memberships and personal group gone");

	/* Restore of a snapshot taken when the files were absent removes them. */
	snprintf(cmd, sizeof(cmd), "rm -f %s/etc/passwd %s/etc/group", jail, jail);
	sh(cmd);
	ok(jail_acct_snapshot(jfd, &snap, &err) == 0 && snap.passwd == NULL, "snapshot of absent");
	jail_acct_add(jfd, &a, &err);
	ok(jail_acct_restore(jfd, &snap, &err) == 0 && read_text("etc/passwd") == NULL &&
	       read_text("etc/group") == NULL,
	   "restore removes files that were absent");
	jail_acct_snapshot_clear(&snap);
	ok(jail_acct_remove(jfd, "alice", &err) == 0 && read_text("etc/passwd") == NULL,
	   "remove with nothing to remove creates nothing");

	/* Attacks: a symlink at JAIL/etc/passwd pointing outside. */
	snprintf(outside, sizeof(outside), "%s/outside-passwd", base);
	snprintf(cmd, sizeof(cmd), "echo 'original' > %s && ln -s %s %s/etc/passwd", outside,
		 outside, jail);
	sh(cmd);
	ok(jail_acct_add(jfd, &a, &err) < 0, "symlinked /etc/passwd refused");
	like(err.msg, "/etc/passwd in the jail is a symlink", "  says why");
	snprintf(cmd, sizeof(cmd), "grep -qx original %s && test -L %s/etc/passwd", outside, jail);
	ok(sh(cmd) == 0, "  outside target untouched, symlink left as it was");
	snprintf(cmd, sizeof(cmd), "rm %s/etc/passwd && mkfifo %s/etc/passwd", jail, jail);
	sh(cmd);
	ok(jail_acct_add(jfd, &a, &err) < 0, "FIFO as /etc/passwd refused (no hang)");
	like(err.msg, "not a regular file", "  says why");
	snprintf(cmd, sizeof(cmd), "rm %s/etc/passwd", jail);
	sh(cmd);

	/* JAIL/etc as a symlink to a directory outside. */
	snprintf(cmd, sizeof(cmd),
		 "mkdir -m 0755 %s/outside-etc && mv %s/etc %s/etc.real && ln -s %s/outside-etc "
		 "%s/etc",
		 base, jail, jail, base, jail);
	sh(cmd);
	ok(jail_acct_add(jfd, &a, &err) < 0, "symlinked /etc refused");
	like(err.msg, "/etc in the jail is a symlink", "  says why");
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s/outside-etc)\"", base);
	ok(sh(cmd) == 0, "  nothing written outside");
	snprintf(cmd, sizeof(cmd), "rm %s/etc && mv %s/etc.real %s/etc", jail, jail, jail);
	sh(cmd);

	snprintf(cmd, sizeof(cmd), "%s/etc", jail);
	chmod(cmd, 0777);
	ok(jail_acct_add(jfd, &a, &err) < 0, "world-writable /etc refused");
	like(err.msg, "/etc in the jail is writable by others", "  says why");
	chmod(cmd, 0755);
	snprintf(cmd, sizeof(cmd), "rmdir %s/etc", jail);
	sh(cmd);
	ok(jail_acct_add(jfd, &a, &err) < 0, "missing /etc refused");
	like(err.msg, "/etc does not exist in the jail", "  says why");
	jail_account_clear(&a);
}

/* The streaming lookup pam_jail uses on the jail's /etc/passwd: first
 * line, last line, a line split across read blocks, no final newline,
 * absent, malformed, overlong; and its cost in a 10,000-line file. */
static int lookup_text(const char *text, const char *user, uid_t *uid, char **shell,
		       jail_error_t *err)
{
	char path[] = "/tmp/jail-pwlookup-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0)
		return jail_error_set(err, errno, "mkstemp");
	unlink(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return jail_error_set(err, errno, "write");
	}
	r = jail_passwd_fd_lookup(fd, user, uid, shell, err);
	close(fd);
	return r;
}

static void test_fd_lookup(void)
{
	jail_error_t err = {0};
	char *shell = NULL;
	uid_t uid = 0;
	size_t n = 10000, cap = n * 80 + 256;
	char *big = malloc(cap), *p = big;
	struct timespec t0, t1;
	double best = 1e9;

	is_int(lookup_text("root:x:0:0::/root:/bin/bash\nbob:x:1001:1001::/home/bob:/usr/sbin/"
			   "jailsh\n",
			   "bob", &uid, &shell, &err),
	       1, "fd lookup: the last line found");
	ok(uid == 1001 && shell && strcmp(shell, "/usr/sbin/jailsh") == 0, "  with uid and shell");
	free(shell);
	shell = NULL;
	is_int(lookup_text("bob:x:7:7::/h:/bin/sh", "bob", &uid, &shell, &err), 1,
	       "fd lookup: a last line without a newline");
	ok(uid == 7 && shell && strcmp(shell, "/bin/sh") == 0, "  parsed whole");
	free(shell);
	shell = NULL;
	is_int(lookup_text("bobby:x:7:7::/h:/bin/sh\n", "bob", &uid, &shell, &err), 0,
	       "fd lookup: a prefix of another name is not the user");
	is_int(lookup_text("", "bob", &uid, &shell, &err), 0, "fd lookup: empty file, no user");
	is_int(lookup_text("bob:x:oops\n", "bob", &uid, &shell, &err), -1,
	       "fd lookup: a malformed line of the user is an error");
	/* 10,000 users, bob last, lines crossing the 64 KiB read blocks. */
	if (big == NULL)
		return;
	for (size_t i = 0; i < n - 1; i++)
		p += sprintf(p,
			     "user%05zu:x:%zu:%zu:Some User,,,:/home/user%05zu:/usr/sbin/jailsh\n",
			     i, 20000 + i, 20000 + i, i);
	sprintf(p, "bob:x:4242:4242::/home/bob:/usr/local/sbin/jailsh\n");
	is_int(lookup_text(big, "bob", &uid, &shell, &err), 1,
	       "fd lookup: the 10,000th line of a 10,000-line passwd");
	ok(uid == 4242 && shell && strcmp(shell, "/usr/local/sbin/jailsh") == 0, "  parsed");
	free(shell);
	shell = NULL;
	is_int(lookup_text(big, "user05000", &uid, &shell, &err), 1,
	       "fd lookup: a line in the middle (across blocks)");
	is_int(uid, 25000, "  its uid");
	free(shell);
	shell = NULL;
	{
		char path[] = "/tmp/jail-pwlookup-XXXXXX";
		int fd = mkstemp(path);

		if (fd >= 0 && write(fd, big, strlen(big)) == (ssize_t)strlen(big)) {
			for (int k = 0; k < 50; k++) {
				double us;
				lseek(fd, 0, SEEK_SET);
				clock_gettime(CLOCK_MONOTONIC, &t0);
				jail_passwd_fd_lookup(fd, "bob", &uid, &shell, &err);
				clock_gettime(CLOCK_MONOTONIC, &t1);
				free(shell);
				shell = NULL;
				us = (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
				     (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
				if (us < best)
					best = us;
			}
			diag(
			    "fd lookup of the last of 10,000 lines (%zu bytes): best of 50 %.0f us",
			    strlen(big), best);
		}
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
	}
	memset(big, 'a', 70000);
	big[70000] = '\0';
	is_int(lookup_text(big, "bob", &uid, &shell, &err), -1, "fd lookup: a 70,000-byte line");
	like(err.msg, "longer than", "  refused as too long");
	free(big);
}

int main(void)
{
	char cmd[256];

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	test_passwd_text();
	test_group_text();
	test_host_account();
	test_fd_lookup();
	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create scratch dir under /run\n");
		return 255;
	}
	test_files();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		diag("cleanup of %s failed", base);
	return done_testing();
}
