/* Reading passwd and group files (see pwfile.h). */
#define _GNU_SOURCE
#include "base/pwfile.h"
#include "base/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Next line of *P (without its newline); false at the end. */
bool jail_pw_next_line(const char **p, const char **line, size_t *len)
{
	const char *nl;

	if (**p == '\0')
		return false;
	*line = *p;
	nl = strchr(*p, '\n');
	if (nl) {
		*len = (size_t)(nl - *p);
		*p = nl + 1;
	} else {
		*len = strlen(*p);
		*p += *len;
	}
	return true;
}

/* Does the line's first field equal NAME? */
bool jail_pw_line_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && memcmp(line, name, n) == 0 && line[n] == ':';
}

/* Split a line copy into at most MAX ':'-separated fields; returns the
 * number found. */
size_t jail_pw_split(char *s, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = s;
	while (n < max && (s = strchr(s, ':')) != NULL) {
		*s++ = '\0';
		f[n++] = s;
	}
	return n;
}

bool jail_pw_parse_id(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v >= (unsigned long)UINT_MAX)
		return false;
	*out = v;
	return true;
}

int jail_passwd_text_lookup(const char *text, const char *user, uid_t *uid, gid_t *gid, char **home,
			    char **shell, jail_error_t *err)
{
	const char *p = text, *line;
	size_t len;

	while (jail_pw_next_line(&p, &line, &len)) {
		cleanup_free char *copy = NULL;
		char *f[7];
		unsigned long u, g;

		if (!jail_pw_line_is(line, len, user))
			continue;
		copy = strndup(line, len);
		if (copy == NULL)
			return jail_error_set(err, ENOMEM, "passwd");
		if (jail_pw_split(copy, f, 7) != 7 || !jail_pw_parse_id(f[2], &u) ||
		    !jail_pw_parse_id(f[3], &g))
			return jail_error_fmt(err, EINVAL,
					      "passwd line of %s is malformed (expected "
					      "name:x:uid:gid:gecos:home:shell)",
					      user);
		if (uid)
			*uid = (uid_t)u;
		if (gid)
			*gid = (gid_t)g;
		if (home && (*home = strdup(f[5])) == NULL)
			return jail_error_set(err, ENOMEM, "passwd");
		if (shell && (*shell = strdup(f[6])) == NULL)
			return jail_error_set(err, ENOMEM, "passwd");
		return 1;
	}
	return 0;
}

#define LOOKUP_BLOCK 65536

int jail_passwd_fd_lookup(int fd, const char *user, uid_t *uid, char **shell, jail_error_t *err)
{
	cleanup_free char *buf = malloc(LOOKUP_BLOCK + 1);
	size_t have = 0; /* bytes in buf not yet scanned */
	bool eof = false;

	if (buf == NULL)
		return jail_error_set(err, ENOMEM, "passwd");
	for (;;) {
		char *p = buf, *nl;

		if (!eof) {
			ssize_t n = read(fd, buf + have, LOOKUP_BLOCK - have);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return jail_error_set(err, errno, "read passwd");
			}
			eof = n == 0;
			have += (size_t)n;
		}
		buf[have] = '\0';
		/* Whole lines only, unless the file ends without a newline. */
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf))) != NULL ||
		       (eof && p < buf + have)) {
			size_t len = nl ? (size_t)(nl - p) : have - (size_t)(p - buf);

			if (jail_pw_line_is(p, len, user)) {
				if (nl)
					*nl = '\0';
				return jail_passwd_text_lookup(p, user, uid, NULL, NULL, shell,
							       err);
			}
			p += len + (nl ? 1 : 0);
		}
		if (eof)
			return 0;
		have -= (size_t)(p - buf);
		if (have == LOOKUP_BLOCK)
			return jail_error_fmt(err, EFBIG, "passwd: a line longer than %d bytes",
					      LOOKUP_BLOCK);
		memmove(buf, p, have);
	}
}
