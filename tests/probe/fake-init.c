/* fake-init: a stand-in for pam_jail's session init, for tests that need a
 * session without PAM.  Run as root as pid 1 of a new pid + mount namespace
 * (`unshare --pid --fork --mount fake-init ...`):
 *
 *   fake-init [-r ROOT] [-u UID] [-g GID] [-a ARGV0] [-s] -- PROGRAM [ARG...]
 *
 * It names itself "jail-init" (PR_SET_NAME, as pam_jail's init does), makes
 * ROOT the root of its mount namespace the way pam_jail does (bind, then
 * pivot_root and detach the old root), mounts /proc, then forks:
 *   -s  first a "sleeper" child as UID:GID (pid 2) that waits forever, a
 *       same-user process outside any Landlock domain for signal tests;
 *   then PROGRAM as UID:GID (supplementary groups cleared) with argv[0]
 *   ARGV0 (default PROGRAM).
 * It reaps every child and exits with PROGRAM's status (128+signal when it
 * was killed), killing the sleeper. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "fake-init: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void drop(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		die("drop privileges");
}

int main(int argc, char **argv)
{
	const char *root = NULL, *argv0 = NULL;
	uid_t uid = 0;
	gid_t gid = 0;
	int sleeper = 0, opt, st = 0;
	pid_t main_pid, sl = -1;

	while ((opt = getopt(argc, argv, "+r:u:g:a:s")) != -1) {
		switch (opt) {
		case 'r':
			root = optarg;
			break;
		case 'u':
			uid = (uid_t)atoi(optarg);
			break;
		case 'g':
			gid = (gid_t)atoi(optarg);
			break;
		case 'a':
			argv0 = optarg;
			break;
		case 's':
			sleeper = 1;
			break;
		default:
			return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: fake-init [-r ROOT] [-u UID] [-g GID] [-a ARGV0] [-s] -- "
				"PROGRAM [ARG...]\n");
		return 125;
	}
	if (getpid() != 1) {
		fprintf(stderr, "fake-init: must be pid 1 of a new pid namespace\n");
		return 125;
	}
	if (prctl(PR_SET_NAME, "jail-init", 0, 0, 0) < 0)
		die("PR_SET_NAME");
	if (root) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die("make / private");
		if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
			die("bind root");
		if (chdir(root) < 0)
			die("chdir root");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			die("pivot_root");
		if (umount2(".", MNT_DETACH) < 0)
			die("detach old root");
		if (chdir("/") < 0)
			die("chdir /");
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
	if (sleeper) {
		sl = fork();
		if (sl == 0) {
			drop(uid, gid);
			for (;;)
				pause();
		}
	}
	main_pid = fork();
	if (main_pid < 0)
		die("fork");
	if (main_pid == 0) {
		char *prog = argv[optind];
		drop(uid, gid);
		if (argv0)
			argv[optind] = (char *)argv0;
		execv(prog, argv + optind);
		die(prog);
	}
	for (;;) {
		int s;
		pid_t p = wait(&s);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		if (p == main_pid) {
			st = s;
			if (sl > 0)
				kill(sl, SIGKILL);
		}
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
