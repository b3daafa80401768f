/* The sandbox spec (see spec.h). */
#include "confine/spec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void jail_sandbox_spec_clear(jail_sandbox_spec_t *spec)
{
	free(spec->hostname);
	free(spec->apparmor_profile);
	jail_strv_clear(&spec->caps_keep);
	jail_strv_clear(&spec->seccomp_allow);
	jail_strv_clear(&spec->seccomp_deny);
	jail_strv_clear(&spec->bind_ro);
	jail_strv_clear(&spec->bind_rw);
	jail_strv_clear(&spec->commands);
	memset(spec, 0, sizeof(*spec));
}

static bool ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool jail_valid_hostname(const char *name)
{
	size_t len = name ? strlen(name) : 0, label = 0;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0 || name[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(ascii_alnum(c) || c == '-') || (c == '-' && label == 0) || ++label > 63)
			return false;
	}
	return label > 0 && name[len - 1] != '-';
}

bool jail_valid_apparmor_name(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 128)
		return false;
	for (; *name; name++)
		if (!(ascii_alnum(*name) || strchr("-_./+", *name)))
			return false;
	return true;
}

/* PATH is TOP or beneath it (both normalised). */
static bool at_or_under(const char *path, const char *top)
{
	size_t n = strlen(top);

	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const char *jail_bind_target_refusal(const char *path)
{
	if (strcmp(path, "/") == 0)
		return "/";
	if (at_or_under(path, "/proc"))
		return "/proc";
	if (at_or_under(path, "/dev"))
		return "/dev";
	return NULL;
}
