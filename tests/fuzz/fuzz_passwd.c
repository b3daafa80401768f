/* libFuzzer harness for the jail passwd/group text transforms: whatever
 * the existing file holds (any bytes, any line length), adding a user must
 * yield exactly one well-formed line for them that lookup finds, removing
 * must leave none, and no group line may still list them as a member.  The
 * streaming lookup pam_jail uses (jail_passwd_fd_lookup) must agree with
 * the text lookup, on the input and after the add (a line over its 64 KiB
 * block before the user's is its one allowed difference: an error). */
#define _GNU_SOURCE
#include "tree/passwd.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_lines_of(const char *text, const char *name)
{
	size_t n = strlen(name);
	int count = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			count++;
		p = nl ? nl + 1 : p + strlen(p);
	}
	return count;
}

/* Is USER listed in the member field of any "name:pw:gid:members" line? */
static int member_anywhere(const char *text, const char *user)
{
	const char *p = text;
	size_t n = strlen(user);

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *f = p;
		int colons = 0;
		for (size_t i = 0; i < len && colons < 3; i++)
			if (p[i] == ':' && ++colons == 3)
				f = p + i + 1;
		if (colons == 3) {
			const char *end = p + len;
			while (f < end) {
				const char *c = memchr(f, ',', (size_t)(end - f));
				size_t k = c ? (size_t)(c - f) : (size_t)(end - f);
				if (k == n && memcmp(f, user, n) == 0)
					return 1;
				f += k + 1;
			}
		}
		p = nl ? nl + 1 : p + len;
	}
	return 0;
}

/* jail_passwd_fd_lookup on TEXT through a memfd must agree with
 * jail_passwd_text_lookup on it. */
static void same_lookup(const char *text, const char *user)
{
	jail_error_t e1 = {0}, e2 = {0};
	uid_t u1 = 0, u2 = 0;
	char *s1 = NULL, *s2 = NULL;
	int fd = memfd_create("fuzz-passwd", MFD_CLOEXEC), r1, r2;
	size_t len = strlen(text);

	if (fd < 0)
		return;
	if (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return;
	}
	r1 = jail_passwd_text_lookup(text, user, &u1, NULL, NULL, &s1, &e1);
	r2 = jail_passwd_fd_lookup(fd, user, &u2, &s2, &e2);
	close(fd);
	if (!(r2 == -1 && e2.code == EFBIG) &&
	    (r1 != r2 ||
	     (r1 == 1 && (u1 != u2 || s1 == NULL || s2 == NULL || strcmp(s1, s2) != 0))))
		abort();
	free(s1);
	free(s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_error_t err = {0};
	jail_account_t a = {0};
	gid_t gids[1] = {50};
	char *text, *pw, *pw2, *gr, *gr2;
	uid_t uid = 0;
	gid_t gid = 0;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* the file reader refuses NUL bytes; cut there */
	a.name = "fuzz";
	a.uid = 4242;
	a.gid = 4242;
	a.gecos = "Fuzz";
	a.home = "/home/fuzz";
	a.shell = "/bin/sh";
	a.group_name = "fuzz";
	jail_strv_push(&a.groups, "staff", &err);
	a.group_gids = gids;

	pw = jail_passwd_text_set(text, &a, &err);
	if (pw == NULL || count_lines_of(pw, "fuzz") != 1 ||
	    jail_passwd_text_lookup(pw, "fuzz", &uid, &gid, NULL, NULL, &err) != 1 || uid != 4242 ||
	    gid != 4242)
		abort();
	same_lookup(text, "fuzz");
	same_lookup(text, "root");
	same_lookup(pw, "fuzz");
	pw2 = jail_passwd_text_remove(pw, "fuzz", &err);
	if (pw2 == NULL || count_lines_of(pw2, "fuzz") != 0)
		abort();
	gr = jail_group_text_add(text, &a, &err);
	if (gr == NULL || count_lines_of(gr, "fuzz") != 1 || count_lines_of(gr, "staff") != 1)
		abort();
	gr2 = jail_group_text_remove(gr, "fuzz", 4242, pw2, &err);
	if (gr2 == NULL || member_anywhere(gr2, "fuzz"))
		abort();
	free(pw);
	free(pw2);
	free(gr);
	free(gr2);
	jail_strv_clear(&a.groups);
	free(text);
	return 0;
}
