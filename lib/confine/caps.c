#define _GNU_SOURCE
#include "confine/caps.h"
#include "base/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

int jail_caps_last_cap(jail_error_t *err)
{
	char buf[32];
	cleanup_close int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			char *end;
			long v;

			buf[n] = '\0';
			errno = 0;
			v = strtol(buf, &end, 10);
			if (errno == 0 && end != buf && (*end == '\n' || *end == '\0') && v >= 0 &&
			    v < 64)
				return (int)v;
		}
	}
	/* No /proc (or a strange one): libcap asks the kernel itself. */
	unsigned bits = cap_max_bits();
	if (bits == 0 || bits > 64)
		return jail_error_fmt(err, EINVAL, "cannot tell the highest capability number");
	return (int)bits - 1;
}

int jail_caps_parse(const jail_strv_t *names, uint64_t *mask, jail_error_t *err)
{
	uint64_t m = 0;

	for (size_t i = 0; names && i < names->n; i++) {
		const char *name = names->v[i];
		cap_value_t v;

		/* cap_from_name also takes bare numbers: names only, so that a
		 * profile says what it keeps. */
		if (name[0] == '\0' || strspn(name, "0123456789") == strlen(name) ||
		    cap_from_name(name, &v) < 0 || v < 0 || v >= 64)
			return jail_error_fmt(err, EINVAL,
					      "unknown capability '%s' (expected a name like "
					      "cap_net_bind_service)",
					      name);
		m |= UINT64_C(1) << v;
	}
	*mask = m;
	return 0;
}

int jail_caps_drop_bounding(const jail_strv_t *keep, jail_error_t *err)
{
	uint64_t keepmask = 0;
	int last;
	cap_t caps;

	if (jail_caps_parse(keep, &keepmask, err) < 0)
		return -1;
	last = jail_caps_last_cap(err);
	if (last < 0)
		return -1;

	/* Inheritable first (dropping a bit from it needs no privilege, but
	 * do it while we surely still have CAP_SETPCAP for the rest). */
	caps = cap_get_proc();
	if (caps == NULL)
		return jail_error_set(err, errno, "read the capability sets");
	for (int c = 0; c <= last; c++) {
		cap_value_t v = c;
		if (keepmask & (UINT64_C(1) << c))
			continue;
		if (cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_CLEAR) < 0) {
			int e = errno;
			cap_free(caps);
			return jail_error_set(err, e,
					      "clear capability %d from the inheritable set", c);
		}
	}
	if (cap_set_proc(caps) < 0) {
		int e = errno;
		cap_free(caps);
		return jail_error_set(err, e, "set the inheritable capability set");
	}
	cap_free(caps);

	for (int c = 0; c <= last; c++) {
		if (keepmask & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 0)
			continue; /* already gone */
		if (jail_fault("caps-bounding") < 0 ||
		    prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
			int e = errno;
			char *name = cap_to_name(c);
			jail_error_set(err, e, "drop %s from the bounding set",
				       name ? name : "capability");
			cap_free(name);
			return -1;
		}
	}
	/* Ambient capabilities survive execve of unprivileged programs: none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return jail_error_set(err, errno, "clear the ambient capability set");
	return 0;
}
