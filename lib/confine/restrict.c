/* Restricted mode: see restrict.h for the rules. */
#define _GNU_SOURCE
#include "confine/restrict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a shell would act on.  Refused even inside quotes: there is no
 * shell here, so they are never needed, and refusing them makes the rule
 * easy to audit. */
static bool refused_char(unsigned char c)
{
	return c < 0x20 || c == 0x7f || strchr(";|&$`<>()", c) != NULL;
}

int jail_restrict_split(const char *cmd, jail_strv_t *words, jail_error_t *err)
{
	size_t len = cmd ? strlen(cmd) : 0;
	cleanup_free char *word = NULL;
	size_t wlen = 0;
	bool in_word = false;
	const char *p;

	if (len == 0)
		return jail_error_fmt(err, EPERM, "empty command refused");
	if (len > JAIL_RESTRICT_CMD_MAX)
		return jail_error_fmt(err, EPERM, "command longer than %d bytes refused",
				      JAIL_RESTRICT_CMD_MAX);
	for (p = cmd; *p; p++) {
		if (*p == '\t')
			continue; /* a separator, checked below */
		if (refused_char((unsigned char)*p)) {
			if (*p == '\n')
				return jail_error_fmt(err, EPERM,
						      "newline in command refused (no shell here)");
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return jail_error_fmt(err, EPERM,
						      "control character 0x%02x in command refused",
						      (unsigned)(unsigned char)*p);
			return jail_error_fmt(err, EPERM,
					      "shell metacharacter '%c' in command refused "
					      "(no shell here)",
					      *p);
		}
	}
	word = malloc(len + 1);
	if (word == NULL)
		return jail_error_set(err, ENOMEM, "split command");
	for (p = cmd;; p++) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t') {
			if (in_word) {
				word[wlen] = '\0';
				if (words->n >= JAIL_RESTRICT_WORDS_MAX)
					return jail_error_fmt(err, EPERM,
							      "more than %d words refused",
							      JAIL_RESTRICT_WORDS_MAX);
				if (jail_strv_push(words, word, err) < 0)
					return -1;
				wlen = 0;
				in_word = false;
			}
			if (c == '\0')
				break;
			continue;
		}
		in_word = true;
		if (c == '\'' || c == '"') {
			const char *end = strchr(p + 1, c);
			if (end == NULL)
				return jail_error_fmt(err, EPERM, "unterminated %c quote refused",
						      c);
			memcpy(word + wlen, p + 1, (size_t)(end - p - 1));
			wlen += (size_t)(end - p - 1);
			p = end;
		} else if (c == '\\') {
			if (p[1] == '\0')
				return jail_error_fmt(err, EPERM, "trailing backslash refused");
			word[wlen++] = *++p;
		} else {
			word[wlen++] = c;
		}
	}
	if (words->n == 0)
		return jail_error_fmt(err, EPERM, "empty command refused");
	return 0;
}

JAIL_PRINTF(3, 4) static int refuse(jail_error_t *err, const char *prog, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return jail_error_fmt(err, EPERM, "%s: %s", prog, what);
}

/* scp server mode (legacy protocol): exactly one of -t/-f. */
static int check_scp(jail_strv_t *w, jail_error_t *err)
{
	bool dashdash = false, t = false, f = false;
	size_t operands = 0;

	for (size_t i = 1; i < w->n; i++) {
		const char *a = w->v[i];
		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (!dashdash && a[0] == '-') {
			if (a[1] == '\0')
				return refuse(err, "scp", "option '%s' refused", a);
			for (const char *c = a + 1; *c; c++) {
				if (*c == 't')
					t = true;
				else if (*c == 'f')
					f = true;
				else if (!strchr("rpdv", *c))
					return refuse(err, "scp",
						      "option '%.64s' refused (server mode allows "
						      "only -t -f -r -p -d -v)",
						      a);
			}
			continue;
		}
		operands++;
	}
	if (t == f)
		return refuse(err, "scp", "%s",
			      "exactly one of -t or -f is required (server mode)");
	if (operands == 0)
		return refuse(err, "scp", "%s", "a path operand is required");
	return 0;
}

/* Long rsync options that run a program, read a daemon config, or make
 * the server talk to something else. */
static const char *const rsync_bad_long[] = {
    "rsh",	     "rsync-path",	"daemon",	"config",	 "dparam",
    "remote-option", "early-input",	"address",	"port",		 "sockopts",
    "password-file", "connect-program", "copy-as",	"write-devices", "copy-devices",
    "log-file",	     "log-file-format", "no-detach",	"ipv4",		 "ipv6",
    "blocking-io",   "protect-args",	"secluded-args"};

static int check_rsync_long(const char *a, jail_error_t *err)
{
	const char *name = a + 2;
	size_t n = strcspn(name, "=");

	if (n == 0)
		return refuse(err, "rsync", "option '%.64s' refused", a);
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return refuse(err, "rsync", "option '%.64s' refused", a);
	for (size_t i = 0; i < sizeof(rsync_bad_long) / sizeof(rsync_bad_long[0]); i++) {
		const char *bad = rsync_bad_long[i];
		/* popt accepts unambiguous prefixes: --rs means --rsh/--rsync-path.
		 * Refuse any prefix of a refused name too. */
		if (strncmp(name, bad, n) == 0)
			return refuse(err, "rsync", "option '%.64s' refused", a);
	}
	return 0;
}

/* A short cluster: plain flags, then optionally 'e' followed by the
 * protocol capability string ("e.iLsfxCIvu").  Flags that take an argument
 * (-B -T -M -f -@ and a bare -e) are refused, and so is -s (secluded or
 * protected args): with it the real arguments arrive later over the
 * protocol, where this check cannot see them. */
static int check_rsync_short(const char *a, jail_error_t *err)
{
	const char *c = a + 1;

	if (*c == '\0')
		return refuse(err, "rsync", "option '%s' refused", a);
	for (; *c && *c != 'e'; c++) {
		bool letter = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9');
		if (!letter || strchr("BTMfs@", *c))
			return refuse(err, "rsync", "option '%.64s' refused", a);
	}
	if (*c == 'e') {
		if (c[1] != '.')
			return refuse(err, "rsync", "option '%.64s' refused (-e runs a program)",
				      a);
		for (c += 2; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '.'))
				return refuse(err, "rsync", "option '%.64s' refused", a);
	}
	return 0;
}

static int check_rsync(jail_strv_t *w, jail_error_t *err)
{
	size_t i = 1;

	if (w->n < 2 || strcmp(w->v[1], "--server") != 0)
		return refuse(err, "rsync", "%s",
			      "only the server side (rsync --server) is allowed");
	for (i = 2; i < w->n; i++) {
		const char *a = w->v[i];
		if (a[0] != '-')
			continue; /* operand: '.', paths */
		if (strcmp(a, "--server") == 0)
			return refuse(err, "rsync", "%s", "repeated --server refused");
		if (strcmp(a, "--") == 0)
			return refuse(err, "rsync", "%s", "'--' refused");
		if (a[1] == '-') {
			if (check_rsync_long(a, err) < 0)
				return -1;
		} else if (check_rsync_short(a, err) < 0) {
			return -1;
		}
	}
	return 0;
}

static const char *const git_services[] = {"upload-pack", "receive-pack", "upload-archive"};

static int check_git_repo(const char *prog, jail_strv_t *w, size_t first, jail_error_t *err)
{
	if (w->n != first + 1)
		return refuse(err, prog, "%s", "exactly one repository argument is required");
	if (w->v[first][0] == '-' || w->v[first][0] == '\0')
		return refuse(err, prog, "repository '%.64s' refused (looks like an option)",
			      w->v[first]);
	return 0;
}

/* sftp-server's own options (OpenSSH 9): those with an argument, and flags. */
static int check_sftp_server(jail_strv_t *w, jail_error_t *err)
{
	for (size_t i = 1; i < w->n; i++) {
		const char *a = w->v[i];
		if (a[0] != '-' || a[1] == '\0')
			return refuse(err, "sftp-server", "argument '%.64s' refused", a);
		for (const char *c = a + 1; *c; c++) {
			if (strchr("ehR", *c))
				continue;
			if (strchr("dflpPQu", *c)) {
				if (c[1] == '\0') {
					if (++i >= w->n)
						return refuse(err, "sftp-server",
							      "option '%.64s' needs a value", a);
				}
				break; /* rest of the word (or next word) is the value */
			}
			return refuse(err, "sftp-server", "option '%.64s' refused", a);
		}
	}
	return 0;
}

int jail_restrict_check(const jail_strv_t *allowed, jail_strv_t *w, jail_error_t *err)
{
	const char *slash, *base;
	char *nb;

	if (w->n == 0)
		return jail_error_fmt(err, EPERM, "empty command refused");
	slash = strrchr(w->v[0], '/');
	base = slash ? slash + 1 : w->v[0];
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return jail_error_fmt(err, EPERM, "program '%.64s' refused", w->v[0]);
	if (strcmp(base, "git") == 0 && w->n >= 2) {
		/* `git upload-pack REPO`: allowed by "git" or by "git-upload-pack" */
		for (size_t i = 0; i < sizeof(git_services) / sizeof(git_services[0]); i++) {
			char dashed[64];
			if (strcmp(w->v[1], git_services[i]) != 0)
				continue;
			snprintf(dashed, sizeof(dashed), "git-%s", git_services[i]);
			if (!jail_strv_contains(allowed, "git") &&
			    !jail_strv_contains(allowed, dashed))
				return jail_error_fmt(
				    err, EPERM, "command '%s' is not allowed for this account",
				    dashed);
			if (check_git_repo("git", w, 2, err) < 0)
				return -1;
			goto ok;
		}
		if (jail_strv_contains(allowed, "git"))
			return refuse(err, "git", "subcommand '%.64s' refused", w->v[1]);
	}
	if (!jail_strv_contains(allowed, base))
		return jail_error_fmt(err, EPERM, "command '%.64s' is not allowed for this account",
				      base);
	if (strcmp(base, "scp") == 0) {
		if (check_scp(w, err) < 0)
			return -1;
	} else if (strcmp(base, "rsync") == 0) {
		if (check_rsync(w, err) < 0)
			return -1;
	} else if (strcmp(base, "git") == 0) {
		return refuse(err, "git", "%s",
			      "only git upload-pack, receive-pack or upload-archive is allowed");
	} else if (strcmp(base, "git-upload-pack") == 0 || strcmp(base, "git-receive-pack") == 0 ||
		   strcmp(base, "git-upload-archive") == 0) {
		if (check_git_repo(base, w, 1, err) < 0)
			return -1;
	} else if (strcmp(base, "sftp-server") == 0) {
		if (check_sftp_server(w, err) < 0)
			return -1;
	}
ok:
	if (slash) {
		nb = strdup(base);
		if (nb == NULL)
			return jail_error_set(err, ENOMEM, "command");
		free(w->v[0]);
		w->v[0] = nb;
	}
	return 0;
}

char *jail_restrict_find(const char *root, const char *program, jail_error_t *err)
{
	char path[] = JAIL_RESTRICT_PATH;
	char *save = NULL;

	if (program == NULL || *program == '\0' || strchr(program, '/') != NULL) {
		jail_error_fmt(err, EINVAL, "program '%s' must be a basename",
			       program ? program : "");
		return NULL;
	}
	for (char *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char full[4096];
		struct stat st;
		int n = snprintf(full, sizeof(full), "%s%s/%s",
				 (root && strcmp(root, "/") != 0) ? root : "", dir, program);
		if (n < 0 || (size_t)n >= sizeof(full))
			continue;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) {
			char *out = jail_strdup_printf("%s/%s", dir, program);
			if (out == NULL)
				jail_error_set(err, ENOMEM, "find %s", program);
			return out;
		}
	}
	jail_error_fmt(err, ENOENT, "%s: not found in %s", program, JAIL_RESTRICT_PATH);
	return NULL;
}

char *jail_restrict_describe(const jail_strv_t *allowed)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < allowed->n; i++)
		len += strlen(allowed->v[i]) + 2;
	out = malloc(len);
	if (out == NULL)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < allowed->n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, allowed->v[i]);
	}
	return out;
}

bool jail_restrict_valid_command(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 255 || name[0] == '-' || name[0] == '.')
		return false;
	for (; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
		      (*name >= '0' && *name <= '9') || strchr("-_.+", *name)))
			return false;
	return true;
}
