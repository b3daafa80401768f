/* Whether AppArmor is active, read from /proc without libapparmor: see
 * apparmor.h.  pam_jail.so asks this at every session and must not load the
 * library; changing the profile (apparmor-exec.c) is jailsh's, which links
 * it. */
#define _GNU_SOURCE
#include "confine/apparmor.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

bool jail_apparmor_active(void)
{
	char buf[256];
	cleanup_close int fd = open("/proc/self/attr/apparmor/current", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	/* What aa_getcon() reads first.  ENOENT: the kernel has no AppArmor
	 * (or predates 5.1, which had no per-LSM directory: taken as none).
	 * EACCES: a policy denies reading our own label, so AppArmor is there.
	 * A read error (EINVAL) means AppArmor is built in but not enabled. */
	if (fd < 0)
		return errno == EACCES;
	n = read(fd, buf, sizeof(buf));
	return n > 0 || (n < 0 && errno == EACCES);
}
