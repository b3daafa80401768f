/* Running a helper program (sshd -T) from the audit: no shell, a fixed
 * environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin, LC_ALL=C), stdin
 * /dev/null, no descriptor above 2 inherited, stdout and/or stderr read
 * through one pipe up to a limit, the rest read and dropped.
 *
 * The child cannot report to the library: it exits 126 when it could not
 * set up its descriptors and 127 when execve() failed (a program that does
 * not exist), as a shell does.  Not installed; lib/audit only.
 *
 * Two ways to use it: audit_spawn_run() for one program from start to
 * exit, with a timeout; or audit_spawn_start(), audit_spawn_read() when
 * poll() says the fd is readable, audit_spawn_wait() after EOF, for many
 * programs at once (sshd.c's pool). */
#ifndef JAIL_AUDIT_SPAWN_H
#define JAIL_AUDIT_SPAWN_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Which of the child's streams go to the pipe; the others go to /dev/null. */
#define AUDIT_SPAWN_STDOUT 1u
#define AUDIT_SPAWN_STDERR 2u

#define AUDIT_SPAWN_ENV_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* What a child printed.  Set MAX, zero the rest.  Running out of memory is
 * reported by jail_buf_finish(&out->b, WHAT, err), which also gives ""
 * when nothing was read. */
typedef struct audit_spawn_out {
	jail_buf_t b;  /* the first MAX bytes at most */
	size_t max;    /* 0: nothing is kept */
	bool overflow; /* more than MAX came; the rest was read and dropped */
} audit_spawn_out_t;

static inline void audit_spawn_out_clear(audit_spawn_out_t *o)
{
	jail_buf_clear(&o->b);
	o->overflow = false;
}
#define cleanup_spawn_out __attribute__((cleanup(audit_spawn_out_clear)))

/* Fork and execve PATH with ARGV (ARGV[0] is the name the program sees).
 * The streams CAPTURE names (AUDIT_SPAWN_STDOUT | AUDIT_SPAWN_STDERR) are
 * written to one pipe whose read end (O_CLOEXEC) goes into *FDP.  Returns
 * the pid, or -1 ("pipe", "fork") with nothing left open. */
pid_t audit_spawn_start(const char *path, char *const argv[], unsigned capture, int *fdp,
			jail_error_t *err);

/* One read() from FD into OUT.  1: more may come; 0: end of file (a read
 * error other than EINTR/EAGAIN counts as the end). */
int audit_spawn_read(int fd, audit_spawn_out_t *out);

/* Reap PID (EINTR retried) into *STATUS, a wait status.  -1 ("waitpid"). */
int audit_spawn_wait(pid_t pid, int *status, jail_error_t *err);

/* SIGKILL PID and reap it (a pid <= 0 is ignored). */
void audit_spawn_kill(pid_t pid);

/* Start, read everything into OUT, reap: 0 with *STATUS the wait status
 * (an exit status of 127: PATH could not be executed).  1 when the child
 * printed nothing for TIMEOUT_MS on end (it is killed and reaped; OUT has
 * what came before).  -1 on error ("pipe", "fork", "poll", "waitpid"). */
int audit_spawn_run(const char *path, char *const argv[], unsigned capture, int timeout_ms,
		    audit_spawn_out_t *out, int *status, jail_error_t *err);

#endif
