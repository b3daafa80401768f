/* Raw system calls for the static probes under tests/probe/ (each .c there
 * is one static binary, so what they share is a header of static functions).
 * The probes call syscalls by number to reach what libc has no wrapper for,
 * and through the other ABIs of x86-64 (x32 numbers, int 0x80) to show that
 * the seccomp filter covers them too. */
#ifndef JAIL_PROBE_RAWSYSCALL_H
#define JAIL_PROBE_RAWSYSCALL_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

/* Syscall NR with the error returned in errno (-1), as libc's syscall(). */
__attribute__((unused)) static long raw(long nr, long a, long b, long c, long d, long e)
{
	return syscall(nr, a, b, c, d, e, 0);
}

/* clone(FLAGS|SIGCHLD) by number, past libc's wrappers: a child that the
 * call creates exits at once and is reaped.  Returns what clone returned in
 * the parent (the child's pid, or -1 with errno). */
__attribute__((unused)) static long raw_clone(long flags)
{
	long ret = raw(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (ret == 0)
		_exit(0);
	if (ret > 0)
		waitpid((pid_t)ret, NULL, 0);
	return ret;
}

/* The same through clone3() (seccomp cannot look into its arguments, so a
 * filter must refuse it as a whole). */
__attribute__((unused)) static long raw_clone3(uint64_t flags)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = {.flags = flags, .exit_signal = SIGCHLD};
	long ret = raw(SYS_clone3, (long)&args, sizeof(args), 0, 0, 0);

	if (ret == 0)
		_exit(0);
	if (ret > 0)
		waitpid((pid_t)ret, NULL, 0);
	return ret;
}

#if defined(__x86_64__)
/* A 32-bit syscall through int 0x80 from a 64-bit process: the kernel treats
 * it as an i386 syscall (seccomp sees AUDIT_ARCH_I386).  NR is an i386
 * number; the error is returned in errno (-1). */
__attribute__((unused)) static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}
#endif

#endif
