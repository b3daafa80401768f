/* Is pid 1 the session init?  Apart from nsinit.c so that what asks
 * (jailsh, inside every session) does not link the init itself. */
#define _GNU_SOURCE
#include "confine/nsinit.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

int jail_pid1_is_session_init(jail_error_t *err)
{
	cleanup_close int fd = open("/proc/1/comm", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	char comm[32] = "";
	ssize_t n;

	if (fd < 0)
		return jail_error_set(err, errno, "/proc/1/comm");
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return jail_error_fmt(err, EPERM, "/proc is not procfs");
	n = read(fd, comm, sizeof(comm) - 1);
	if (n < 0)
		return jail_error_set(err, errno, "/proc/1/comm");
	comm[n] = '\0';
	if (strcmp(comm, JAIL_NSINIT_NAME "\n") == 0)
		return 1;
	jail_error_fmt(err, EPERM, "pid 1 is '%.*s', not the session init " JAIL_NSINIT_NAME,
		       (int)strcspn(comm, "\n"), comm);
	return 0;
}
