/* jailctl: the one printer of messages on stderr and the one formatter of
 * a child's wait status.  Every message reads "jailctl: CMD: TEXT" (or
 * "jailctl: TEXT" without a command), so a script or a test can match it
 * whichever subcommand printed it. */
#define _GNU_SOURCE
#include "jailctl.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static void vprint(const char *cmd, const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "jailctl: %s%s%s%s", cmd ? cmd : "", cmd ? ": " : "", level ? level : "",
		level ? ": " : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void jailctl_msg(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(cmd, NULL, fmt, ap);
	va_end(ap);
}

void jailctl_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(cmd, "warning", fmt, ap);
	va_end(ap);
}

int jailctl_err(const char *cmd, const jail_error_t *err)
{
	jailctl_msg(cmd, "%s", err && err->msg[0] ? err->msg : "failed");
	return JAILCTL_FAIL;
}

int jailctl_fail(const jail_error_t *err)
{
	return jailctl_err(NULL, err);
}

int jailctl_usage(const char *cmd, const char *synopsis)
{
	fprintf(stderr, "usage: jailctl %s %s\n", cmd, synopsis);
	return JAILCTL_USAGE;
}

const char *jailctl_wait_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, size, "killed by signal %d (SIG%s)", WTERMSIG(status),
			 name ? name : "?");
	} else {
		snprintf(buf, size, "stopped (wait status 0x%x)", (unsigned)status);
	}
	return buf;
}

int jailctl_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
