/* seccomp policy tables: what the filters of seccomp.c are built from. */
#define _GNU_SOURCE
#include "confine/seccomp-policy.h"

#include <sched.h>

/* The denylist of the `default` policy, EPERM for each.
 *
 * Docker's default profile is an allowlist; every syscall below is one it
 * does not allow to an unprivileged container (so this list is at least as
 * wide as Docker's for what exists), plus what we add on purpose:
 * io_uring (a large attack surface, Docker blocks it since 25.0), the new
 * mount API, syslog, chroot, vhangup, host/domain name, the Landlock calls
 * (jailsh applies its own ruleset before the filter; stacking more would be
 * harmless but gives the user a kernel attack surface for nothing),
 * memfd_secret (unneeded, removes memory from the kernel's reach),
 * pidfd_getfd (ptrace-equivalent), modify_ldt (a history of CVEs, unused
 * by 64-bit programs) and fanotify_init. */
const char *const jail_scmp_default_deny[] = {
    /* Docker's list */
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
    "finit_module", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "move_pages",
    "name_to_handle_at", "nfsservctl", "open_by_handle_at", "perf_event_open", "pivot_root",
    "process_vm_readv", "process_vm_writev", "ptrace", "query_module", "quotactl", "reboot",
    "request_key", "set_mempolicy", "setns", "settimeofday", "stime", "swapon", "swapoff", "sysfs",
    "_sysctl", "umount", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old",
    /* Docker also lacks these (capability-gated or obsolete) */
    "afs_syscall", "bdflush", "clock_adjtime64", "clock_settime64", "fanotify_init", "getpmsg",
    "putpmsg", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "quotactl_fd", "security",
    "set_mempolicy_home_node", "sethostname", "setdomainname", "settimeofday", "tuxcall", "vhangup",
    "vserver", "syslog", "chroot",
    /* new mount API */
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    /* io_uring */
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    /* Landlock (applied by jailsh before the filter) */
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    /* ours */
    "memfd_secret", "pidfd_getfd", "modify_ldt", "adjtimex"};

/* The allowlist of the `strict` policy.  Found by running bash, coreutils,
 * sftp-server, scp, rsync and git under strace (tests/integration/45 runs
 * them under the filter) and by review: file I/O, memory, processes without
 * namespaces, signals, time, sockets (the session's network namespace
 * decides what they reach), polling.  32-bit x86 variants are included so
 * i386 programs behave the same.  Left out on purpose: everything in the
 * denylist, SysV IPC and POSIX message queues, AIO, the scheduler
 * setters (but nice), xattr writes, sync_file_range and the like.  A
 * strace of bash, coreutils, find, tar, gzip, sed, awk, ps, rsync, git,
 * sftp-server and scp found nothing outside this list but get/set_mempolicy
 * (ps, which works without them; Docker denies them too). */
const char *const jail_scmp_strict_allow[] = {
    /* files and directories */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "open", "openat", "openat2", "creat", "close", "close_range", "lseek", "_llseek",
    "stat", "fstat", "lstat", "newfstatat", "statx", "stat64", "fstat64", "lstat64", "fstatat64",
    "statfs", "fstatfs", "statfs64", "fstatfs64", "access", "faccessat", "faccessat2", "readlink",
    "readlinkat", "getdents", "getdents64", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat",
    "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod",
    "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "chown32", "fchown32",
    "lchown32", "truncate", "ftruncate", "truncate64", "ftruncate64", "fallocate", "fadvise64",
    "fadvise64_64", "readahead", "fsync", "fdatasync", "sync", "syncfs", "utime", "utimes",
    "utimensat", "utimensat_time64", "futimesat", "umask", "chdir", "fchdir", "getcwd", "flock",
    "fcntl", "fcntl64", "dup", "dup2", "dup3", "pipe", "pipe2", "ioctl", "copy_file_range",
    "sendfile", "sendfile64", "splice", "tee", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
    "llistxattr", "flistxattr", "inotify_init", "inotify_init1", "inotify_add_watch",
    "inotify_rm_watch", "memfd_create",
    /* FIFOs and sockets; device nodes still need CAP_MKNOD, which no user has */
    "mknod", "mknodat",
    /* memory */
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore", "mlock",
    "mlock2", "munlock", "mlockall", "munlockall", "membarrier", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "map_shadow_stack",
    /* processes */
    "execve", "execveat", "fork", "vfork", "clone", "clone3", "exit", "exit_group", "wait4",
    "waitid", "waitpid", "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid",
    "setsid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
    "getuid32", "geteuid32", "getgid32", "getegid32", "getresuid32", "getresgid32", "getgroups32",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid",
    "setfsgid", "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32", "setresgid32",
    "setgroups32", "setfsuid32", "setfsgid32", "capget", "capset", "prctl", "arch_prctl",
    "set_tid_address", "set_thread_area", "get_thread_area", "set_robust_list", "get_robust_list",
    "rseq", "futex", "futex_time64", "futex_waitv", "getrlimit", "ugetrlimit", "setrlimit",
    "prlimit64", "getrusage", "getpriority", "setpriority", "nice", "sched_yield",
    "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_getscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getattr", "sched_rr_get_interval",
    "getcpu", "ioprio_get", "personality", "uname", "sysinfo", "getrandom", "seccomp",
    "restart_syscall", "pidfd_open", "pidfd_send_signal", "process_mrelease",
    /* signals */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
    "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    "sigaction", "sigprocmask", "sigreturn", "sigsuspend", "sigpending", "signal", "sigaltstack",
    "kill", "tkill", "tgkill", "pause", "alarm", "signalfd", "signalfd4",
    /* time */
    "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres",
    "clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "times",
    "getitimer", "setitimer", "timer_create", "timer_delete", "timer_settime", "timer_gettime",
    "timer_getoverrun", "timer_settime64", "timer_gettime64", "timerfd_create", "timerfd_settime",
    "timerfd_gettime", "timerfd_settime64", "timerfd_gettime64",
    /* polling and events */
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "eventfd", "eventfd2",
    /* sockets */
    "socket", "socketpair", "socketcall", "connect", "bind", "listen", "accept", "accept4",
    "getsockname", "getpeername", "getsockopt", "setsockopt", "sendto", "recvfrom", "sendmsg",
    "recvmsg", "sendmmsg", "recvmmsg", "recvmmsg_time64", "shutdown"};

/* Flags that create namespaces: clone() with any of them is refused.
 * CLONE_NEWTIME is not here: in clone() its bit is part of CSIGNAL, and
 * only clone3()/unshare() can use it (both refused). */
const unsigned long jail_scmp_clone_new_flags[] = {
    CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
    CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
};

/* Address families socket() refuses (EPERM), matched on the low 32 bits of
 * the family (the kernel takes an int: high bits must not dodge the rule).
 *  - AF_VSOCK (40): vsock is not network-namespaced; a session, even with
 *    net = none, would reach the hypervisor (CID 2) and its agents.  Docker's
 *    default profile refuses it too.  (Found by tests/escape: af-vsock.)
 *  - AF_ALG (38): the kernel crypto API, a local attack surface with a CVE
 *    history that no shell, sftp, scp, rsync or git needs.
 * On the 32-bit ABI socketcall(2) passes the family in memory the filter
 * cannot read: libseccomp turns these rules into a refusal of every
 * socketcall(SYS_SOCKET) there (the direct i386 socket syscall, which
 * libseccomp can check, still works for the other families). */
const unsigned int jail_scmp_socket_deny_families[] = {40 /* AF_VSOCK */, 38 /* AF_ALG */};

/* personality() values allowed (as in Docker's profile): PER_LINUX,
 * PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff. */
const unsigned int jail_scmp_personality_ok[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
const size_t jail_scmp_n_default_deny = COUNT(jail_scmp_default_deny);
const size_t jail_scmp_n_strict_allow = COUNT(jail_scmp_strict_allow);
const size_t jail_scmp_n_clone_new_flags = COUNT(jail_scmp_clone_new_flags);
const size_t jail_scmp_n_socket_deny_families = COUNT(jail_scmp_socket_deny_families);
const size_t jail_scmp_n_personality_ok = COUNT(jail_scmp_personality_ok);
