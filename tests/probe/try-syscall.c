/* try-syscall: a static probe run inside jails.  Each subcommand attempts
 * one thing a confined user must not be able to do (or a harmless control)
 * and prints the outcome on stdout: "OK" (and a value) when the call
 * succeeded, else the errno name ("EPERM", "ENOSYS", ...).  Exit status 0
 * when it succeeded, 1 when it failed, 2 on a usage error; a process killed
 * by seccomp dies of SIGSYS (shell status 159).
 *
 *   try-syscall LIST            prints the subcommands
 *   try-syscall unshare-user    unshare(CLONE_NEWUSER)
 *   ...                         see the table at the end */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rawsyscall.h"

static int report(long r)
{
	if (r < 0) {
		const char *name = strerrorname_np(errno);
		printf("%s\n", name ? name : "E?");
		return 1;
	}
	printf("OK %ld\n", r);
	return 0;
}

static int t_unshare_user(void)
{
	return report(unshare(CLONE_NEWUSER));
}

static int t_unshare_mount(void)
{
	return report(unshare(CLONE_NEWNS));
}

static int t_unshare_files(void)
{
	return report(unshare(CLONE_FILES));
}

static int t_clone_newuser(void)
{
	return report(raw_clone(CLONE_NEWUSER));
}

static int t_clone_newpid(void)
{
	return report(raw_clone(CLONE_NEWPID));
}

static int t_fork(void)
{
	pid_t p = fork();
	int st = 0;
	if (p == 0)
		_exit(7);
	if (p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7)
		return report(0);
	return report(-1);
}

static int t_clone3(void)
{
	return report(raw_clone3(CLONE_NEWUSER));
}

static int t_setns(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	return report(setns(fd, 0));
}

static int t_keyctl(void)
{
	return report(raw(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1, 0, 0));
}

static int t_add_key(void)
{
	return report(
	    raw(SYS_add_key, (long)"user", (long)"probe", (long)"x", 1, KEY_SPEC_PROCESS_KEYRING));
}

static int t_request_key(void)
{
	return report(raw(SYS_request_key, (long)"user", (long)"probe", 0, 0, 0));
}

static int t_bpf(void)
{
	/* BPF_MAP_CREATE with a zeroed attr: EINVAL when reached. */
	char attr[128] = {0};
	return report(raw(SYS_bpf, 0, (long)attr, sizeof(attr), 0, 0));
}

static int t_perf(void)
{
	struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE,
				    .size = sizeof(a),
				    .config = PERF_COUNT_SW_TASK_CLOCK,
				    .exclude_kernel = 1,
				    .exclude_hv = 1};
	return report(raw(SYS_perf_event_open, (long)&a, 0, -1, -1, 0));
}

static int t_userfaultfd(void)
{
	/* UFFD_USER_MODE_ONLY (1): allowed to unprivileged users without seccomp. */
	return report(raw(SYS_userfaultfd, 1 | O_CLOEXEC, 0, 0, 0, 0));
}

static int t_io_uring(void)
{
	char params[120] = {0};
	return report(raw(SYS_io_uring_setup, 1, (long)params, 0, 0, 0));
}

static int t_ptrace(void)
{
	return report(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

static int t_process_vm_readv(void)
{
	char src[8] = "abcdefg", dst[8];
	struct iovec l = {dst, sizeof(dst)}, r = {src, sizeof(src)};
	return report(process_vm_readv(getpid(), &l, 1, &r, 1, 0));
}

static int t_open_tree(void)
{
	/* open_tree(AT_FDCWD, "/", 0) needs no privilege without OPEN_TREE_CLONE. */
	return report(raw(SYS_open_tree, AT_FDCWD, (long)"/", 0, 0, 0));
}

static int t_fsopen(void)
{
	return report(raw(SYS_fsopen, (long)"tmpfs", 0, 0, 0, 0));
}

static int t_mount(void)
{
	return report(mount("none", "/tmp", "tmpfs", 0, NULL));
}

static int t_umount(void)
{
	return report(umount2("/proc", MNT_DETACH));
}

static int t_pivot_root(void)
{
	return report(raw(SYS_pivot_root, (long)".", (long)".", 0, 0, 0));
}

static int t_chroot(void)
{
	return report(chroot("/"));
}

static int t_landlock(void)
{
	/* landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) */
	return report(raw(SYS_landlock_create_ruleset, 0, 0, 1, 0, 0));
}

static int t_syslog(void)
{
	/* SYSLOG_ACTION_SIZE_BUFFER */
	return report(raw(SYS_syslog, 10, 0, 0, 0, 0));
}

static int t_personality_aslr(void)
{
	return report(raw(SYS_personality, ADDR_NO_RANDOMIZE, 0, 0, 0, 0));
}

static int t_personality_query(void)
{
	return report(raw(SYS_personality, 0xffffffffL, 0, 0, 0, 0));
}

static int tty_ioctl(unsigned long req)
{
	/* Raw syscall so the full 64-bit request reaches the kernel (and the
	 * filter); the kernel itself only looks at the low 32 bits. */
	char c = 'x';
	return report(raw(SYS_ioctl, 0, (long)req, (long)&c, 0, 0));
}

static int t_tiocsti(void)
{
	return tty_ioctl(TIOCSTI);
}

static int t_tiocsti_high(void)
{
	return tty_ioctl(TIOCSTI | (1UL << 32));
}

static int t_tioclinux(void)
{
	return tty_ioctl(TIOCLINUX);
}

static int t_tioclinux_high(void)
{
	return tty_ioctl(TIOCLINUX | (0xdeadUL << 40));
}

static int t_tcgets(void)
{
	char buf[64];
	return report(raw(SYS_ioctl, 0, TCGETS, (long)buf, 0, 0));
}

static int t_x32_getpid(void)
{
	return report(raw(__X32_SYSCALL_BIT | SYS_getpid, 0, 0, 0, 0, 0));
}

static int t_x32_unshare(void)
{
	return report(raw(__X32_SYSCALL_BIT | SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0));
}

#if defined(__x86_64__)
static int t_int80_getpid(void)
{
	return report(int80(20 /* i386 getpid */, 0, 0, 0));
}

static int t_int80_unshare(void)
{
	return report(int80(310 /* i386 unshare */, CLONE_NEWUSER, 0, 0));
}

static int t_int80_keyctl(void)
{
	return report(
	    int80(288 /* i386 keyctl */, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1));
}

static int t_int80_tiocsti(void)
{
	static char c = 'x';
	return report(int80(54 /* i386 ioctl */, 0, TIOCSTI, (long)(uintptr_t)&c));
}
#endif

static int t_getpid(void)
{
	return report(getpid() > 0 ? 0 : -1);
}

static int t_memfd_secret(void)
{
	return report(raw(447 /* memfd_secret */, 0, 0, 0, 0, 0));
}

static int t_msgget(void)
{
	/* SysV message queue (IPC_PRIVATE): outside the strict allowlist. */
	return report(raw(SYS_msgget, 0, 0600, 0, 0, 0));
}

static int t_mknod(void)
{
	return report(mknod("/tmp/.probe-null", S_IFCHR | 0666, makedev(1, 3)));
}

/* try-syscall nr N: raw syscall N with zero arguments (too-new syscalls). */
static int t_nr(const char *arg)
{
	char *end;
	long nr;

	if (arg == NULL)
		return 2;
	nr = strtol(arg, &end, 0);
	if (*end)
		return 2;
	return report(raw(nr, 0, 0, 0, 0, 0));
}

/* try-syscall write PATH: create/truncate PATH for writing (Landlock). */
static int t_write(const char *path)
{
	int fd;

	if (path == NULL)
		return 2;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && write(fd, "x\n", 2) != 2)
		fd = -1;
	return report(fd);
}

/* try-syscall read PATH */
static int t_read(const char *path)
{
	char buf[16];
	int fd;

	if (path == NULL)
		return 2;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, buf, sizeof(buf)) < 0)
		fd = -1;
	return report(fd);
}

/* try-syscall open-rw PATH: open an existing PATH read-write, without
 * creating, truncating or writing anything (a refused open shows whether
 * the file, or its mount, may be written; an allowed one changes nothing). */
static int t_open_rw(const char *path)
{
	if (path == NULL)
		return 2;
	return report(open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
}

/* try-syscall euid: the effective uid ("OK 0" for root), for a setuid copy. */
static int t_euid(void)
{
	return report((long)geteuid());
}

/* try-syscall abstract NAME: connect to the abstract unix socket @NAME. */
static int t_abstract(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (name == NULL || strlen(name) + 1 >= sizeof(sa.sun_path))
		return 2;
	memcpy(sa.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(-1);
	return report(connect(fd, (struct sockaddr *)&sa, len));
}

/* try-syscall kill PID: kill(PID, 0) */
static int t_kill(const char *arg)
{
	if (arg == NULL)
		return 2;
	return report(kill((pid_t)atoi(arg), 0));
}

struct cmd {
	const char *name;
	int (*fn)(void);
	int (*fn1)(const char *);
};

static const struct cmd cmds[] = {
    {"getpid", t_getpid, NULL},
    {"fork", t_fork, NULL},
    {"unshare-user", t_unshare_user, NULL},
    {"unshare-mount", t_unshare_mount, NULL},
    {"unshare-files", t_unshare_files, NULL},
    {"clone-newuser", t_clone_newuser, NULL},
    {"clone-newpid", t_clone_newpid, NULL},
    {"clone3-newuser", t_clone3, NULL},
    {"setns", t_setns, NULL},
    {"keyctl", t_keyctl, NULL},
    {"add_key", t_add_key, NULL},
    {"request_key", t_request_key, NULL},
    {"bpf", t_bpf, NULL},
    {"perf_event_open", t_perf, NULL},
    {"userfaultfd", t_userfaultfd, NULL},
    {"io_uring_setup", t_io_uring, NULL},
    {"ptrace", t_ptrace, NULL},
    {"process_vm_readv", t_process_vm_readv, NULL},
    {"open_tree", t_open_tree, NULL},
    {"fsopen", t_fsopen, NULL},
    {"mount", t_mount, NULL},
    {"umount", t_umount, NULL},
    {"pivot_root", t_pivot_root, NULL},
    {"chroot", t_chroot, NULL},
    {"landlock", t_landlock, NULL},
    {"syslog", t_syslog, NULL},
    {"memfd_secret", t_memfd_secret, NULL},
    {"mknod", t_mknod, NULL},
    {"msgget", t_msgget, NULL},
    {"personality-aslr", t_personality_aslr, NULL},
    {"personality-query", t_personality_query, NULL},
    {"tiocsti", t_tiocsti, NULL},
    {"tiocsti-high", t_tiocsti_high, NULL},
    {"tioclinux", t_tioclinux, NULL},
    {"tioclinux-high", t_tioclinux_high, NULL},
    {"tcgets", t_tcgets, NULL},
    {"x32-getpid", t_x32_getpid, NULL},
    {"x32-unshare", t_x32_unshare, NULL},
#if defined(__x86_64__)
    {"int80-getpid", t_int80_getpid, NULL},
    {"int80-unshare", t_int80_unshare, NULL},
    {"int80-keyctl", t_int80_keyctl, NULL},
    {"int80-tiocsti", t_int80_tiocsti, NULL},
#endif
    {"nr", NULL, t_nr},
    {"write", NULL, t_write},
    {"read", NULL, t_read},
    {"open-rw", NULL, t_open_rw},
    {"euid", t_euid, NULL},
    {"abstract", NULL, t_abstract},
    {"kill", NULL, t_kill},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: try-syscall LIST | SUBCOMMAND [ARG]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0); /* print before a possible SIGSYS */
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], "LIST") == 0) {
			printf("%s\n", cmds[i].name);
			continue;
		}
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		if (cmds[i].fn)
			return cmds[i].fn();
		return cmds[i].fn1(argc > 2 ? argv[2] : NULL);
	}
	if (strcmp(argv[1], "LIST") == 0)
		return 0;
	fprintf(stderr, "try-syscall: unknown subcommand '%s'\n", argv[1]);
	return 2;
}
