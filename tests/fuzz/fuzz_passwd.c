/* libFuzzer harness for the jail passwd/group text transforms: whatever
 * the existing file holds (any bytes, any line length), adding a user must
 * yield exactly one well-formed line for them that lookup finds, removing
 * must leave none, and no group line may still list them as a member. */
#include "passwd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
