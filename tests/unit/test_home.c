/* A jailed user's home (lib/tree/home.c) on a scratch jail under /run:
 * check, create, move in (a symlink recreated, never followed; a FIFO
 * recreated; a device refused), fill from a skeleton, clear. */
#define _GNU_SOURCE
#include "tap.h"
#include "tree/home.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char base[64];

static int opendirat(int dfd, const char *name)
{
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void touch(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			diag("write %s: %s", name, strerror(errno));
		close(fd);
	}
}

int main(void)
{
	char path[PATH_MAX], target[PATH_MAX];
	jail_error_t err = {0};
	bool exists, empty, missing;
	struct stat st;
	int basefd, jailfd, homefd, srcfd, skelfd, parent = -1;
	ssize_t n;

	snprintf(base, sizeof(base), "/run/jail-unit-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create scratch dir under /run\n");
		return 1;
	}
	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkdirat(basefd, "jail", 0755);
	mkdirat(basefd, "src", 0700);
	mkdirat(basefd, "skel", 0755);
	jailfd = opendirat(basefd, "jail");
	srcfd = opendirat(basefd, "src");
	skelfd = opendirat(basefd, "skel");

	/* check: absent, then a symlinked component refused */
	ok(jail_home_check(jailfd, base, "/home/u", 1234, &exists, &empty, &err) == 0 && !exists,
	   "check: an absent home is fine (%s)", err.msg);
	ok(symlinkat("/etc", jailfd, "home") == 0, "setup: symlink");
	jail_error_clear(&err);
	ok(jail_home_check(jailfd, base, "/home/u", 1234, &exists, &empty, &err) < 0,
	   "check: a symlinked component is refused");
	like(err.msg, "is a symlink (refused", "  and says so");
	unlinkat(jailfd, "home", 0);

	/* create */
	jail_error_clear(&err);
	homefd = jail_home_create(jailfd, "/home/u", 1234, 1234, 0750, &err);
	ok(homefd >= 0, "create: %s", err.msg);
	ok(fstat(homefd, &st) == 0 && st.st_uid == 1234 && (st.st_mode & 07777) == 0750,
	   "create: owned by the user, mode 0750");
	ok(jail_home_check(jailfd, base, "/home/u", 1234, &exists, &empty, &err) == 0 && exists &&
	       empty,
	   "check: now exists and is empty");
	ok(jail_home_check(jailfd, base, "/home/u", 999, &exists, &empty, &err) < 0,
	   "check: a home owned by someone else is refused");

	/* move in: a file, a symlink out of the jail, a FIFO, a subdir */
	touch(srcfd, "f", "hello");
	ok(symlinkat("/etc/shadow", srcfd, "link") == 0, "setup: symlink");
	mkfifoat(srcfd, "fifo", 0600);
	mkdirat(srcfd, "d", 0700);
	{
		int dfd = opendirat(srcfd, "d");
		touch(dfd, "g", "x");
		close(dfd);
	}
	jail_error_clear(&err);
	ok(jail_home_move_in(srcfd, homefd, "/home/u", &err) == 0, "move in: %s", err.msg);
	n = readlinkat(homefd, "link", target, sizeof(target) - 1);
	ok(n > 0 && (target[n] = '\0', strcmp(target, "/etc/shadow") == 0),
	   "move in: the symlink is recreated as a symlink");
	ok(fstatat(homefd, "fifo", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode),
	   "move in: the FIFO is recreated");
	ok(fstatat(homefd, "d/g", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode),
	   "move in: subdirectories are copied");

	/* clear */
	jail_error_clear(&err);
	ok(jail_home_clear(homefd, "/home/u", &err) == 0, "clear: %s", err.msg);
	ok(jail_home_check(jailfd, base, "/home/u", 1234, &exists, &empty, &err) == 0 && exists &&
	       empty,
	   "clear: the home is empty again, and still there");

	/* a device node is refused */
	if (mknodat(srcfd, "null", S_IFCHR | 0666, makedev(1, 3)) == 0) {
		jail_error_clear(&err);
		ok(jail_home_move_in(srcfd, homefd, "/home/u", &err) < 0,
		   "move in: a device node is refused");
		like(err.msg, "device node", "  and says so");
		jail_home_clear(homefd, "/home/u", &err);
		unlinkat(srcfd, "null", 0);
	}

	/* skel: regular files and directories only, owned by the user */
	touch(skelfd, ".profile", "PS1=x");
	ok(symlinkat("/etc/shadow", skelfd, "link") == 0, "setup: symlink");
	snprintf(path, sizeof(path), "%s/skel", base);
	jail_error_clear(&err);
	ok(jail_home_fill_skel(homefd, path, 1234, 1234, &err) == 0, "skel: %s", err.msg);
	ok(fstatat(homefd, ".profile", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == 1234,
	   "skel: a file is copied, owned by the user");
	ok(fstatat(homefd, "link", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
	   "skel: a symlink is skipped");
	snprintf(path, sizeof(path), "%s/noskel", base);
	ok(jail_home_fill_skel(homefd, path, 1234, 1234, &err) == 0, "skel: none is no error");

	/* host home: missing, then present */
	snprintf(path, sizeof(path), "%s/src/none", base);
	jail_error_clear(&err);
	ok(jail_home_open_host(path, 1234, &parent, &missing, &err) < 0 && missing,
	   "open host: a missing home says so");

	close(homefd);
	close(jailfd);
	close(srcfd);
	close(skelfd);
	jail_remove_tree_beneath(basefd, "jail", &err);
	jail_remove_tree_beneath(basefd, "src", &err);
	jail_remove_tree_beneath(basefd, "skel", &err);
	close(basefd);
	rmdir(base);
	return done_testing();
}
