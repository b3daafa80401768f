/* Session file format: see sessionfile.h for the format and its rules. */
#define _GNU_SOURCE
#include "session/sessionfile.h"

#include "confine/mounts.h"
#include "confine/restrict.h"
#include "confine/spec.h"
#include "base/safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_LEN	 8192 /* one key=value line, newline excluded */
#define NAME_MAX_LEN	 64   /* id, syscall names */
#define PATH_MAX_LEN	 4095
#define SYSCALL_LIST_MAX 512
#define COMMAND_LIST_MAX 64
#define BIND_LIST_MAX	 128

#define VERSION_STR_(v) #v
#define VERSION_STR(v)	VERSION_STR_(v)

typedef enum {
	K_VERSION,
	K_ID,
	K_USER,
	K_JAIL,
	K_PROFILE,
	K_SECCOMP,
	K_SECCOMP_ALLOW,
	K_SECCOMP_DENY,
	K_APPARMOR,
	K_APPARMOR_PROFILE,
	K_LANDLOCK,
	K_BIND_RW,
	K_COMMANDS,
	K_HOSTNAME,
	K_SHELL,
	K_COUNT,
} key_t_;

/* Written in this order; the parser accepts any order but requires
 * `version` on the first line so that a future format is recognised before
 * anything else is interpreted. */
static const char *const key_names[K_COUNT] = {
    [K_VERSION] = "version",
    [K_ID] = "id",
    [K_USER] = "user",
    [K_JAIL] = "jail",
    [K_PROFILE] = "profile",
    [K_SECCOMP] = "seccomp",
    [K_SECCOMP_ALLOW] = "seccomp_allow",
    [K_SECCOMP_DENY] = "seccomp_deny",
    [K_APPARMOR] = "apparmor",
    [K_APPARMOR_PROFILE] = "apparmor_profile",
    [K_LANDLOCK] = "landlock",
    [K_BIND_RW] = "bind_rw",
    [K_COMMANDS] = "commands",
    [K_HOSTNAME] = "hostname",
    [K_SHELL] = "shell",
};

const char *jail_sessionfile_mode_str(jail_mode_t mode)
{
	switch (mode) {
	case JAIL_MODE_OFF:
		return "off";
	case JAIL_MODE_OPTIONAL:
		return "optional";
	case JAIL_MODE_REQUIRED:
		return "required";
	}
	return NULL;
}

const char *jail_sessionfile_seccomp_str(jail_seccomp_policy_t policy)
{
	switch (policy) {
	case JAIL_SECCOMP_OFF:
		return "off";
	case JAIL_SECCOMP_DEFAULT:
		return "default";
	case JAIL_SECCOMP_STRICT:
		return "strict";
	}
	return NULL;
}

static int parse_mode(const char *s, jail_mode_t *out)
{
	if (strcmp(s, "off") == 0)
		*out = JAIL_MODE_OFF;
	else if (strcmp(s, "optional") == 0)
		*out = JAIL_MODE_OPTIONAL;
	else if (strcmp(s, "required") == 0)
		*out = JAIL_MODE_REQUIRED;
	else
		return -1;
	return 0;
}

static int parse_seccomp(const char *s, jail_seccomp_policy_t *out)
{
	if (strcmp(s, "off") == 0)
		*out = JAIL_SECCOMP_OFF;
	else if (strcmp(s, "default") == 0)
		*out = JAIL_SECCOMP_DEFAULT;
	else if (strcmp(s, "strict") == 0)
		*out = JAIL_SECCOMP_STRICT;
	else
		return -1;
	return 0;
}

/* ---- value validators (shared by formatter and parser) ---- */

static bool chars_in(const char *s, const char *extra, bool alpha_upper)
{
	for (; *s; s++) {
		char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (alpha_upper && c >= 'A' && c <= 'Z')
			continue;
		if (strchr(extra, c) != NULL)
			continue;
		return false;
	}
	return true;
}

static bool valid_token(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= NAME_MAX_LEN && chars_in(s, "._-", true) && s[0] != '.' &&
	       s[0] != '-';
}

static bool valid_syscall_name(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= NAME_MAX_LEN && chars_in(s, "_", false);
}

/* Printable ASCII without spaces: absolute paths and AppArmor names. */
static bool printable_nospace(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static bool valid_jail_path(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= PATH_MAX_LEN && s[0] == '/' && printable_nospace(s) &&
	       strchr(s, ',') == NULL;
}

/* A bind_rw target: an absolute path in the jail, normalised (as
 * jail_path_normalize() leaves it: no empty, "." or ".." component, no
 * trailing slash), without ':' (the profile's host:jail separator) or ','
 * (the list separator), not "/" and not at or beneath /proc or /dev (the
 * session mounts its own there, and jail_bind_parse() refuses them).  jailsh
 * turns each into a Landlock write rule, so the parser is as strict as the
 * mounts were. */
static bool valid_bind_target(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > PATH_MAX_LEN || s[0] != '/' || s[n - 1] == '/' || !printable_nospace(s) ||
	    strpbrk(s, ":,") != NULL)
		return false;
	for (const char *c = s; *c;) {
		const char *end;
		size_t len;

		c++; /* the '/' */
		end = strchrnul(c, '/');
		len = (size_t)(end - c);
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c = end;
	}
	return jail_bind_target_refusal(s) == NULL;
}

static int check_list(const jail_strv_t *sv, const char *key, size_t max,
		      bool (*valid)(const char *), jail_error_t *err)
{
	if (sv->n > max)
		return jail_error_fmt(err, EINVAL, "%s: more than %zu items", key, max);
	for (size_t i = 0; i < sv->n; i++) {
		if (!valid(sv->v[i]))
			return jail_error_fmt(err, EINVAL, "%s: invalid item '%.80s'", key,
					      sv->v[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(sv->v[i], sv->v[j]) == 0)
				return jail_error_fmt(err, EINVAL, "%s: duplicate item '%s'", key,
						      sv->v[i]);
	}
	return 0;
}

static int validate(const jail_session_info_t *in, jail_error_t *err)
{
	if (in->version != JAIL_SESSIONFILE_VERSION)
		return jail_error_fmt(err, EINVAL, "version: unsupported %u (expected %d)",
				      in->version, JAIL_SESSIONFILE_VERSION);
	if (in->id == NULL || !valid_token(in->id))
		return jail_error_fmt(err, EINVAL,
				      "id: '%.80s' is not a session id ([A-Za-z0-9._-], 1..64)",
				      in->id ? in->id : "(null)");
	if (in->user == NULL || !jail_valid_name(in->user))
		return jail_error_fmt(err, EINVAL, "user: '%.80s' is not a valid user name",
				      in->user ? in->user : "(null)");
	if (in->jail == NULL || !valid_jail_path(in->jail))
		return jail_error_fmt(err, EINVAL, "jail: '%.80s' is not an absolute path",
				      in->jail ? in->jail : "(null)");
	if (!jail_valid_name(in->profile))
		return jail_error_fmt(err, EINVAL, "profile: '%.80s' is not a profile name",
				      in->profile ? in->profile : "(null)");
	if (jail_sessionfile_seccomp_str(in->seccomp) == NULL)
		return jail_error_fmt(err, EINVAL, "seccomp: invalid policy %d", (int)in->seccomp);
	if (jail_sessionfile_mode_str(in->apparmor) == NULL)
		return jail_error_fmt(err, EINVAL, "apparmor: invalid mode %d", (int)in->apparmor);
	if (jail_sessionfile_mode_str(in->landlock) == NULL)
		return jail_error_fmt(err, EINVAL, "landlock: invalid mode %d", (int)in->landlock);
	if (in->apparmor_profile == NULL ||
	    (in->apparmor_profile[0] != '\0' && !jail_valid_apparmor_name(in->apparmor_profile)))
		return jail_error_fmt(err, EINVAL, "apparmor_profile: '%.80s' is not valid",
				      in->apparmor_profile ? in->apparmor_profile : "(null)");
	if (in->apparmor != JAIL_MODE_OFF && in->apparmor_profile[0] == '\0')
		return jail_error_fmt(err, EINVAL, "apparmor_profile: empty while apparmor = %s",
				      jail_sessionfile_mode_str(in->apparmor));
	if (!jail_valid_hostname(in->hostname))
		return jail_error_fmt(err, EINVAL, "hostname: '%.80s' is not a host name",
				      in->hostname ? in->hostname : "(null)");
	if (in->shell == NULL || !jail_valid_shell(in->shell))
		return jail_error_fmt(err, EINVAL,
				      "shell: '%.80s' is not an absolute path without ':', ',' or "
				      "spaces",
				      in->shell ? in->shell : "(null)");
	if (check_list(&in->seccomp_allow, "seccomp_allow", SYSCALL_LIST_MAX, valid_syscall_name,
		       err) < 0 ||
	    check_list(&in->seccomp_deny, "seccomp_deny", SYSCALL_LIST_MAX, valid_syscall_name,
		       err) < 0 ||
	    check_list(&in->commands, "commands", COMMAND_LIST_MAX, jail_restrict_valid_command,
		       err) < 0 ||
	    check_list(&in->bind_rw, "bind_rw", BIND_LIST_MAX, valid_bind_target, err) < 0)
		return -1;
	return 0;
}

/* ---- formatter ---- */

static void sb_kv(jail_buf_t *b, key_t_ k, const char *v)
{
	jail_buf_str(b, key_names[k]);
	jail_buf_add(b, "=", 1);
	jail_buf_str(b, v);
	jail_buf_add(b, "\n", 1);
}

static void sb_kl(jail_buf_t *b, key_t_ k, const jail_strv_t *sv)
{
	jail_buf_str(b, key_names[k]);
	jail_buf_add(b, "=", 1);
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			jail_buf_add(b, ",", 1);
		jail_buf_str(b, sv->v[i]);
	}
	jail_buf_add(b, "\n", 1);
}

int jail_sessionfile_format(const jail_session_info_t *info, char **buf, size_t *len,
			    jail_error_t *err)
{
	jail_buf_t b = {0};
	char ver[16];

	if (validate(info, err) < 0)
		return jail_error_wrap(err, "session file");
	snprintf(ver, sizeof(ver), "%u", info->version);
	sb_kv(&b, K_VERSION, ver);
	sb_kv(&b, K_ID, info->id);
	sb_kv(&b, K_USER, info->user);
	sb_kv(&b, K_JAIL, info->jail);
	sb_kv(&b, K_PROFILE, info->profile);
	sb_kv(&b, K_SECCOMP, jail_sessionfile_seccomp_str(info->seccomp));
	sb_kl(&b, K_SECCOMP_ALLOW, &info->seccomp_allow);
	sb_kl(&b, K_SECCOMP_DENY, &info->seccomp_deny);
	sb_kv(&b, K_APPARMOR, jail_sessionfile_mode_str(info->apparmor));
	sb_kv(&b, K_APPARMOR_PROFILE, info->apparmor_profile);
	sb_kv(&b, K_LANDLOCK, jail_sessionfile_mode_str(info->landlock));
	sb_kl(&b, K_BIND_RW, &info->bind_rw);
	sb_kl(&b, K_COMMANDS, &info->commands);
	sb_kv(&b, K_HOSTNAME, info->hostname);
	sb_kv(&b, K_SHELL, info->shell);
	*len = b.len;
	*buf = jail_buf_finish(&b, "session file", err);
	if (*buf == NULL)
		return -1;
	if (*len > JAIL_SESSIONFILE_MAX) {
		free(*buf);
		*buf = NULL;
		return jail_error_fmt(err, EFBIG, "session file: larger than %d bytes",
				      JAIL_SESSIONFILE_MAX);
	}
	/* The parser's line bound, checked here too: a long list must fail
	 * when pam_jail writes it, not later in jailsh. */
	for (const char *p = *buf; *p;) {
		const char *nl = strchr(p, '\n'); /* every line ends with one */
		size_t n = (size_t)(nl - p);

		if (n > LINE_MAX_LEN) {
			int klen = (int)strcspn(p, "=");
			free(*buf);
			*buf = NULL;
			return jail_error_fmt(err, EFBIG,
					      "session file: %.*s: line longer than %d bytes", klen,
					      p, LINE_MAX_LEN);
		}
		p = nl + 1;
	}
	return 0;
}

/* ---- parser ---- */

void jail_session_info_free(jail_session_info_t *info)
{
	if (info == NULL)
		return;
	free(info->id);
	free(info->user);
	free(info->jail);
	free(info->profile);
	jail_strv_clear(&info->seccomp_allow);
	jail_strv_clear(&info->seccomp_deny);
	free(info->apparmor_profile);
	jail_strv_clear(&info->commands);
	jail_strv_clear(&info->bind_rw);
	free(info->hostname);
	free(info->shell);
	free(info);
}

/* Split a comma list strictly: "" is the empty list, "a,b" two items;
 * an empty item ("a,,b", ",a", "a,") is an error. */
static int split_strict(const char *v, jail_strv_t *out, size_t max, int lineno, const char *key,
			jail_error_t *err)
{
	const char *p = v;

	if (*v == '\0')
		return 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *item;
		int r;

		if (n == 0)
			return jail_error_fmt(err, EINVAL, "line %d: %s: empty list item", lineno,
					      key);
		if (out->n >= max)
			return jail_error_fmt(err, EINVAL, "line %d: %s: more than %zu items",
					      lineno, key, max);
		item = strndup(p, n);
		if (item == NULL)
			return jail_error_set(err, ENOMEM, "line %d: %s", lineno, key);
		r = jail_strv_push(out, item, err);
		free(item);
		if (r < 0)
			return -1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int set_str(char **dst, const char *v, int lineno, const char *key, jail_error_t *err)
{
	*dst = strdup(v);
	if (*dst == NULL)
		return jail_error_set(err, ENOMEM, "line %d: %s", lineno, key);
	return 0;
}

static int parse_line(jail_session_info_t *info, char *line, int lineno, bool seen[K_COUNT],
		      jail_error_t *err)
{
	char *eq = strchr(line, '=');
	const char *key, *val;
	int k;

	if (eq == NULL)
		return jail_error_fmt(err, EINVAL, "line %d: expected key=value", lineno);
	*eq = '\0';
	key = line;
	val = eq + 1;
	for (k = 0; k < K_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == K_COUNT)
		return jail_error_fmt(err, EINVAL, "line %d: unknown key '%.64s'", lineno, key);
	if (seen[k])
		return jail_error_fmt(err, EINVAL, "line %d: duplicate key '%s'", lineno, key);
	if (lineno == 1 && k != K_VERSION)
		return jail_error_fmt(err, EINVAL, "line 1: expected 'version', got '%s'", key);
	seen[k] = true;

	switch ((key_t_)k) {
	case K_VERSION:
		if (strcmp(val, VERSION_STR(JAIL_SESSIONFILE_VERSION)) != 0)
			return jail_error_fmt(err, EINVAL,
					      "line %d: version: unsupported '%.16s' (expected %d)",
					      lineno, val, JAIL_SESSIONFILE_VERSION);
		info->version = JAIL_SESSIONFILE_VERSION;
		return 0;
	case K_ID:
		return set_str(&info->id, val, lineno, key, err);
	case K_USER:
		return set_str(&info->user, val, lineno, key, err);
	case K_JAIL:
		return set_str(&info->jail, val, lineno, key, err);
	case K_PROFILE:
		return set_str(&info->profile, val, lineno, key, err);
	case K_APPARMOR_PROFILE:
		return set_str(&info->apparmor_profile, val, lineno, key, err);
	case K_HOSTNAME:
		return set_str(&info->hostname, val, lineno, key, err);
	case K_SHELL:
		return set_str(&info->shell, val, lineno, key, err);
	case K_SECCOMP:
		if (parse_seccomp(val, &info->seccomp) < 0)
			return jail_error_fmt(err, EINVAL,
					      "line %d: seccomp: '%.32s' is not default|strict|off",
					      lineno, val);
		return 0;
	case K_APPARMOR:
		if (parse_mode(val, &info->apparmor) < 0)
			return jail_error_fmt(
			    err, EINVAL, "line %d: apparmor: '%.32s' is not required|optional|off",
			    lineno, val);
		return 0;
	case K_LANDLOCK:
		if (parse_mode(val, &info->landlock) < 0)
			return jail_error_fmt(
			    err, EINVAL, "line %d: landlock: '%.32s' is not required|optional|off",
			    lineno, val);
		return 0;
	case K_SECCOMP_ALLOW:
		return split_strict(val, &info->seccomp_allow, SYSCALL_LIST_MAX, lineno, key, err);
	case K_SECCOMP_DENY:
		return split_strict(val, &info->seccomp_deny, SYSCALL_LIST_MAX, lineno, key, err);
	case K_COMMANDS:
		return split_strict(val, &info->commands, COMMAND_LIST_MAX, lineno, key, err);
	case K_BIND_RW:
		return split_strict(val, &info->bind_rw, BIND_LIST_MAX, lineno, key, err);
	case K_COUNT:
		break;
	}
	return jail_error_fmt(err, EINVAL, "line %d: unknown key", lineno);
}

int jail_sessionfile_parse(const char *buf, size_t len, jail_session_info_t **out,
			   jail_error_t *err)
{
	jail_session_info_t *info = NULL;
	bool seen[K_COUNT] = {false};
	char line[LINE_MAX_LEN + 1];
	size_t pos = 0;
	int lineno = 0;

	if (buf == NULL || len == 0)
		return jail_error_fmt(err, EINVAL, "session file: empty");
	if (len > JAIL_SESSIONFILE_MAX)
		return jail_error_fmt(err, EFBIG, "session file: larger than %d bytes",
				      JAIL_SESSIONFILE_MAX);
	if (memchr(buf, '\0', len) != NULL)
		return jail_error_fmt(err, EINVAL, "session file: contains a NUL byte");
	if (buf[len - 1] != '\n')
		return jail_error_fmt(err, EINVAL, "session file: last line not terminated");
	info = calloc(1, sizeof(*info));
	if (info == NULL)
		return jail_error_set(err, ENOMEM, "session file");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = (size_t)(nl - (buf + pos)); /* nl exists: buf ends with '\n' */

		lineno++;
		if (n == 0) {
			jail_error_fmt(err, EINVAL, "line %d: empty line", lineno);
			goto fail;
		}
		if (n > LINE_MAX_LEN) {
			jail_error_fmt(err, EINVAL, "line %d: longer than %d bytes", lineno,
				       LINE_MAX_LEN);
			goto fail;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		if (parse_line(info, line, lineno, seen, err) < 0)
			goto fail;
		pos += n + 1;
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (!seen[k]) {
			jail_error_fmt(err, EINVAL, "missing key '%s'", key_names[k]);
			goto fail;
		}
	}
	if (validate(info, err) < 0)
		goto fail;
	*out = info;
	return 0;
fail:
	jail_session_info_free(info);
	return jail_error_wrap(err, "session file");
}

/* ---- construction from a profile ---- */

static int copy_strv(jail_strv_t *dst, const jail_strv_t *src, jail_error_t *err)
{
	for (size_t i = 0; i < src->n; i++)
		if (jail_strv_push(dst, src->v[i], err) < 0)
			return -1;
	return 0;
}

/* The jail side of each bind spec ("/host[:/jail]"), parsed by the same
 * function the mounts use, so the targets jailsh opens are the mount points
 * pam_jail mounted.  Two binds onto one target give one item. */
static int bind_targets(jail_strv_t *dst, const jail_strv_t *specs, jail_error_t *err)
{
	for (size_t i = 0; i < specs->n; i++) {
		jail_bind_t b;
		int r;

		if (jail_bind_parse(specs->v[i], false, &b, err) < 0)
			return -1;
		r = jail_strv_add_unique(dst, b.jail, err);
		jail_bind_clear(&b);
		if (r < 0)
			return -1;
	}
	return 0;
}

int jail_session_info_from_profile(const jail_profile_t *profile, const char *id, const char *user,
				   const char *jail, const char *shell, jail_session_info_t **out,
				   jail_error_t *err)
{
	jail_session_info_t *info = calloc(1, sizeof(*info));

	if (info == NULL)
		return jail_error_set(err, ENOMEM, "session info");
	info->version = JAIL_SESSIONFILE_VERSION;
	info->seccomp = profile->spec.seccomp;
	info->apparmor = profile->spec.apparmor;
	info->landlock = profile->spec.landlock;
	info->id = strdup(id ? id : "");
	info->user = strdup(user ? user : "");
	info->jail = strdup(jail ? jail : "");
	info->profile = strdup(profile->name ? profile->name : "");
	info->apparmor_profile =
	    strdup(profile->spec.apparmor_profile && profile->spec.apparmor_profile[0]
		       ? profile->spec.apparmor_profile
		       : "jail-default");
	info->hostname = strdup(
	    profile->spec.hostname && profile->spec.hostname[0] ? profile->spec.hostname : "jail");
	info->shell = strdup(shell ? shell : profile->shell ? profile->shell : JAIL_DEFAULT_SHELL);
	if (!info->id || !info->user || !info->jail || !info->profile || !info->apparmor_profile ||
	    !info->hostname || !info->shell) {
		jail_error_set(err, ENOMEM, "session info");
		goto fail;
	}
	if (copy_strv(&info->seccomp_allow, &profile->spec.seccomp_allow, err) < 0 ||
	    copy_strv(&info->seccomp_deny, &profile->spec.seccomp_deny, err) < 0 ||
	    copy_strv(&info->commands, &profile->spec.commands, err) < 0 ||
	    bind_targets(&info->bind_rw, &profile->spec.bind_rw, err) < 0)
		goto fail;
	if (validate(info, err) < 0) {
		jail_error_wrap(err, "session info for profile '%s'",
				profile->name ? profile->name : "?");
		goto fail;
	}
	*out = info;
	return 0;
fail:
	jail_session_info_free(info);
	return -1;
}

/* ---- trusted read ---- */

int jail_sessionfile_read(const char *path, jail_session_info_t **out, jail_error_t *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;

	if (jail_read_trusted_file(path, JAIL_SESSIONFILE_MAX, &data, &len, err) < 0)
		return -1;
	if (jail_sessionfile_parse(data, len, out, err) < 0)
		return jail_error_wrap(err, "%s", path);
	return 0;
}
