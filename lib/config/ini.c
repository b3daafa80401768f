/* Trusted ini loading for config.c and profile.c (see config-internal.h).
 *
 * Every file is opened with O_NOFOLLOW relative to an fd of its (trusted)
 * directory, checked with fstat (regular, root-owned, not group/world
 * writable), and only then handed to iniparser through /proc/self/fd/N: the
 * library has no load-from-fd in 4.1, and the magic link names exactly the
 * inode we checked, whatever happens to the path meanwhile.
 *
 * iniparser is lenient where we must be strict: it silently merges a
 * section or key given twice and folds case.  So the raw text is scanned
 * first (ini_prescan) for duplicates and for upper case in user/group names,
 * and iniparser's own error output is captured by a callback instead of
 * going to stderr (the library never prints). */
#define _GNU_SOURCE
#include "config/config-internal.h"
#include "base/safefs.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define INI_MAX_BYTES (1024 * 1024) /* a config file larger than this is refused */

/* ------------------------------------------------------------------------ */
/* Loading one file                                                          */

/* iniparser reports syntax errors through a process-wide callback.  We keep
 * the first message of the current load; the callback is installed only for
 * the duration of one iniparser_load() and the default restored afterwards,
 * so that no pointer into this library outlives a dlclose() of pam_jail.so.
 * Not thread-safe (neither is iniparser's callback); sshd, login and su call
 * PAM sessions from one thread. */
static char ini_errbuf[512];

static int ini_error_cb(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ini_errbuf[0] != '\0')
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(ini_errbuf, sizeof(ini_errbuf), fmt, ap);
	va_end(ap);
	return n;
}

/* Turn iniparser's "iniparser: syntax error in /proc/self/fd/7 (6):\n-> text\n"
 * into "PATH: line 6: syntax error: 'text'". */
static int ini_syntax_error(const char *path, jail_error_t *err)
{
	char *msg = ini_errbuf;
	char *p, *arrow;
	int line = 0;

	for (p = msg; *p; p++)
		if (*p == '\r')
			*p = ' ';
	p = strstr(msg, " (");
	if (p && sscanf(p, " (%d)", &line) == 1 && line > 0) {
		arrow = strstr(p, "-> ");
		if (strstr(msg, "syntax error") && arrow) {
			char *text = arrow + 3;
			text[strcspn(text, "\n")] = '\0';
			return jail_error_fmt(
			    err, EINVAL,
			    "%s: line %d: syntax error: '%s' (expected [section], "
			    "key = value, or a ; comment)",
			    path, line, text);
		}
		if (strstr(msg, "too long"))
			return jail_error_fmt(err, EINVAL,
					      "%s: line %d: line too long (expected at most 1023 "
					      "characters)",
					      path, line);
	}
	if (strstr(msg, "cannot open"))
		return jail_error_fmt(err, EIO,
				      "%s: cannot be reopened through /proc/self/fd "
				      "(is /proc mounted?)",
				      path);
	msg[strcspn(msg, "\n")] = '\0';
	if (strncmp(msg, "iniparser: ", 11) == 0)
		msg += 11;
	return jail_error_fmt(err, EINVAL, "%s: %s", path, msg[0] ? msg : "cannot be parsed");
}

/* One section or key seen by the pre-scan, for duplicate detection. */
typedef struct scan_item {
	char *name;
	int line;
} scan_item_t;

/* The sections, or the keys of one section, the pre-scan has seen: an
 * open-addressing hash of the lower-cased names (a jail.ini may hold
 * thousands of sections; a list made the scan quadratic). */
typedef struct scan_set {
	scan_item_t *v; /* cap slots, name NULL when free */
	size_t n, cap;	/* cap is a power of two, n <= cap / 2 */
} scan_set_t;

static void scan_set_clear(scan_set_t *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* The slot of NAME in S, or the free slot where it would go. */
static scan_item_t *scan_set_slot(const scan_set_t *s, const char *name)
{
	size_t i = (size_t)jail_hash_str(name) & (s->cap - 1);

	while (s->v[i].name != NULL && strcmp(s->v[i].name, name) != 0)
		i = (i + 1) & (s->cap - 1);
	return &s->v[i];
}

/* Add the LEN bytes at NAME, lower-cased, seen at line LINE.  Returns 1
 * with *item the earlier occurrence when the name was there already (S is
 * then unchanged), 0 with *item the new one, or -1. */
static int scan_set_add(scan_set_t *s, const char *name, size_t len, int line,
			const scan_item_t **item, jail_error_t *err)
{
	cleanup_free char *dup = NULL;
	scan_item_t *slot;

	if (2 * (s->n + 1) > s->cap) {
		scan_set_t grown = {.n = s->n, .cap = s->cap ? s->cap * 2 : 16};
		grown.v = calloc(grown.cap, sizeof(*grown.v));
		if (grown.v == NULL)
			return jail_error_set(err, ENOMEM, "config");
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].name != NULL)
				*scan_set_slot(&grown, s->v[i].name) = s->v[i];
		free(s->v);
		*s = grown;
	}
	dup = strndup(name, len);
	if (dup == NULL)
		return jail_error_set(err, ENOMEM, "config");
	for (char *c = dup; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	slot = scan_set_slot(s, dup);
	*item = slot;
	if (slot->name != NULL)
		return 1;
	slot->name = steal_pointer(&dup);
	slot->line = line;
	s->n++;
	return 0;
}

/* Scan the raw text the way iniparser 4.1 reads it (section = text between
 * '[' and the first ']', key = text before the first '=', a line ending in
 * '\' continues on the next one, ';' and '#' start comments) and refuse
 * what iniparser would silently accept: a section given twice, a key given
 * twice in one section, and upper case in a [user:] or [group:] name (user
 * and group names are case-sensitive, iniparser folds them). */
static int ini_prescan(const char *buf, const char *path, jail_error_t *err)
{
	scan_set_t sections = {0}, keys = {0};
	const char *cursec = ""; /* the current section's lower-cased name */
	const char *p = buf;
	bool continued = false;
	int lineno = 0;
	int ret = 0;

	while (*p && ret == 0) {
		size_t len = strcspn(p, "\n");
		const char *s = p, *e = p + len;
		bool cont_next;

		lineno++;
		p = *e ? e + 1 : e;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		cont_next = e > s && e[-1] == '\\';
		if (continued) {
			continued = cont_next;
			continue;
		}
		continued = cont_next;
		if (s == e || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			const char *ns = s + 1, *ne = memchr(ns, ']', (size_t)(e - ns));
			const scan_item_t *dup;
			size_t nlen;

			if (ne == NULL)
				continue; /* iniparser reports the syntax error */
			while (ns < ne && isspace((unsigned char)*ns))
				ns++;
			while (ne > ns && isspace((unsigned char)ne[-1]))
				ne--;
			nlen = (size_t)(ne - ns);
			for (size_t i = 0; i < nlen; i++) {
				const char *colon = memchr(ns, ':', nlen);
				bool named = (nlen > 5 && strncasecmp(ns, "user:", 5) == 0) ||
					     (nlen > 6 && strncasecmp(ns, "group:", 6) == 0);
				if (named && ns + i > colon && isupper((unsigned char)ns[i])) {
					ret = jail_error_fmt(
					    err, EINVAL,
					    "%s: line %d: [%.*s]: user and group names must be "
					    "lower case (expected e.g. [%s:name])",
					    path, lineno, (int)nlen, ns,
					    tolower((unsigned char)ns[0]) == 'u' ? "user"
										 : "group");
					break;
				}
			}
			if (ret < 0)
				break;
			scan_set_clear(&keys);
			switch (scan_set_add(&sections, ns, nlen, lineno, &dup, err)) {
			case 0:
				cursec = dup->name;
				break;
			case 1:
				ret =
				    jail_error_fmt(err, EINVAL,
						   "%s: line %d: section [%s] appears twice (first "
						   "at line %d; expected each section once)",
						   path, lineno, dup->name, dup->line);
				break;
			default:
				ret = -1;
			}
			continue;
		}
		{
			const char *eq = memchr(s, '=', (size_t)(e - s));
			const char *ke;
			const scan_item_t *dup;

			if (eq == NULL)
				continue;
			ke = eq;
			while (ke > s && isspace((unsigned char)ke[-1]))
				ke--;
			switch (scan_set_add(&keys, s, (size_t)(ke - s), lineno, &dup, err)) {
			case 0:
				break;
			case 1:
				ret = jail_error_fmt(
				    err, EINVAL,
				    "%s: line %d: [%s] %s is set twice (first at line %d; expected "
				    "each key once per section)",
				    path, lineno, cursec, dup->name, dup->line);
				break;
			default:
				ret = -1;
			}
		}
	}
	scan_set_clear(&sections);
	scan_set_clear(&keys);
	return ret;
}

/* Check an open config file: regular, root-owned, not group/world-writable.
 * The message names the file and the fix. */
static int check_config_fd(int fd, const char *path, jail_error_t *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "%s is not a regular file (expected a file)",
				      path);
	if (st.st_uid != 0)
		return jail_error_fmt(err, EPERM,
				      "%s is owned by uid %u, expected root (fix: chown root %s)",
				      path, (unsigned)st.st_uid, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return jail_error_fmt(err, EPERM,
				      "%s is writable by %s (mode %04o), expected not group/world-"
				      "writable (fix: chmod go-w %s)",
				      path, (st.st_mode & S_IWOTH) ? "others" : "its group",
				      (unsigned)(st.st_mode & 07777), path);
	return 0;
}

int jail_ini_check_text(const char *buf, size_t len, const char *path, jail_error_t *err)
{
	if (strlen(buf) != len)
		return jail_error_fmt(err, EINVAL, "%s: contains a NUL byte (expected text)", path);
	return ini_prescan(buf, path, err);
}

/* Open NAME in DIRFD (or the absolute PATH when DIRFD is AT_FDCWD) without
 * following a symlink, check it, read it and pre-scan it.  *missing (if not
 * NULL) is set and 0 returned with *out NULL when the file does not exist.
 * *fdp (if not NULL) keeps the checked fd open. */
static int ini_read_at(int dirfd, const char *name, const char *path, char **out, size_t *outlen,
		       bool *missing, int *fdp, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (missing)
		*missing = false;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		if (e == ENOENT && missing) {
			*missing = true;
			return 0;
		}
		if ((e == ELOOP || e == EMLINK) &&
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			return jail_error_fmt(err, ELOOP,
					      "%s is a symlink (refused: configuration files must "
					      "be regular files, not symlinks)",
					      path);
		return jail_error_set(err, e, "open %s", path);
	}
	if (check_config_fd(fd, path, err) < 0)
		return -1;
	if (jail_read_all(fd, INI_MAX_BYTES, &buf, &len, err) < 0)
		return jail_error_wrap(err, "read %s", path);
	if (jail_ini_check_text(buf, len, path, err) < 0)
		return -1;
	if (fdp)
		*fdp = steal_fd(&fd);
	if (outlen)
		*outlen = len;
	*out = steal_pointer(&buf);
	return 0;
}

int jail_ini_read_at(int dirfd, const char *name, const char *path, char **out, size_t *len,
		     bool *missing, jail_error_t *err)
{
	return ini_read_at(dirfd, name, path, out, len, missing, NULL, err);
}

static int ini_index(jail_ini_t *ini, jail_error_t *err);

/* jail_ini_read_at(), then iniparser on the very inode that was checked. */
static int ini_parse_at(int dirfd, const char *name, const char *path, dictionary **out,
			bool *missing, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	char procpath[64];
	dictionary *d;

	*out = NULL;
	if (ini_read_at(dirfd, name, path, &buf, NULL, missing, &fd, err) < 0)
		return -1;
	if (buf == NULL)
		return 0; /* missing */
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
	ini_errbuf[0] = '\0';
	iniparser_set_error_callback(ini_error_cb);
	d = iniparser_load(procpath);
	iniparser_set_error_callback(NULL);
	if (d == NULL || ini_errbuf[0] != '\0') {
		if (d)
			iniparser_freedict(d);
		return ini_syntax_error(path, err);
	}
	*out = d;
	return 0;
}

int jail_ini_load_at(int dirfd, const char *name, const char *path, jail_ini_t **out, bool *missing,
		     jail_error_t *err)
{
	dictionary *d = NULL;
	jail_ini_t *ini;

	*out = NULL;
	if (ini_parse_at(dirfd, name, path, &d, missing, err) < 0)
		return -1;
	if (d == NULL)
		return 0; /* missing */
	ini = calloc(1, sizeof(*ini));
	if (ini == NULL) {
		iniparser_freedict(d);
		return jail_error_set(err, ENOMEM, "config");
	}
	ini->d = d;
	if (ini_index(ini, err) < 0) {
		jail_ini_free(ini);
		return -1;
	}
	*out = ini;
	return 0;
}

void jail_ini_free(jail_ini_t *ini)
{
	if (ini == NULL)
		return;
	if (ini->d)
		iniparser_freedict(ini->d);
	free(ini->sec);
	free(ini->owner);
	free(ini->first);
	free(ini->next);
	free(ini);
}

void *jail_ini_load_trusted(const char *path, jail_error_t *err)
{
	dictionary *d = NULL;

	if (path == NULL || path[0] != '/') {
		jail_error_fmt(err, EINVAL, "'%s' is not an absolute path", path ? path : "");
		return NULL;
	}
	if (ini_parse_at(AT_FDCWD, path, path, &d, NULL, err) < 0)
		return NULL;
	return d;
}

/* ------------------------------------------------------------------------ */
/* Walking a dictionary                                                      */

/* In iniparser a section is an entry with a NULL value and a key is stored
 * as "section:key".  Section names may themselves contain ':' ([user:bob]),
 * so iniparser_getnsec() does not count them; we walk the entries, which
 * keep file order. */
bool jail_ini_is_section(const dictionary *d, ssize_t i)
{
	return d->key[i] != NULL && d->val[i] == NULL;
}

static int ini_cmp_sec(const void *a, const void *b, void *arg)
{
	const dictionary *d = arg;

	return strcmp(d->key[*(const ssize_t *)a], d->key[*(const ssize_t *)b]);
}

/* The position in ini->sec of the section named by the LEN bytes at NAME,
 * or -1. */
static ssize_t ini_find_sec(const jail_ini_t *ini, const char *name, size_t len)
{
	size_t lo = 0, hi = ini->n_sec;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *s = ini->d->key[ini->sec[mid]];
		int c = strncmp(name, s, len);

		if (c == 0 && s[len] != '\0')
			c = -1; /* NAME is a proper prefix of s */
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* The section entry key K belongs to: the longest section name S such that
 * K is "S:key", i.e. the last ':' of K whose prefix is a section.  Returns
 * its position in ini->sec, or -1 (a key before any section). */
static ssize_t ini_owner(const jail_ini_t *ini, const char *k)
{
	const char *c = strrchr(k, ':');

	while (c != NULL) {
		ssize_t s = ini_find_sec(ini, k, (size_t)(c - k));
		if (s >= 0)
			return s;
		c = c > k ? memrchr(k, ':', (size_t)(c - k)) : NULL;
	}
	return -1;
}

/* Sort the sections, then give every entry its section and chain each
 * section's keys in dictionary order (iniparser keeps file order), so that
 * a section's first unknown key is the first in the file, as before. */
static int ini_index(jail_ini_t *ini, jail_error_t *err)
{
	const dictionary *d = ini->d;
	size_t size = d->size > 0 ? (size_t)d->size : 0;
	cleanup_free ssize_t *last = NULL;

	ini->sec = malloc((size + 1) * sizeof(*ini->sec));
	ini->owner = malloc((size + 1) * sizeof(*ini->owner));
	ini->next = malloc((size + 1) * sizeof(*ini->next));
	if (ini->sec == NULL || ini->owner == NULL || ini->next == NULL)
		return jail_error_set(err, ENOMEM, "config");
	for (size_t i = 0; i < size; i++)
		if (jail_ini_is_section(d, (ssize_t)i))
			ini->sec[ini->n_sec++] = (ssize_t)i;
	qsort_r(ini->sec, ini->n_sec, sizeof(*ini->sec), ini_cmp_sec, (void *)d);
	ini->first = malloc((ini->n_sec + 1) * sizeof(*ini->first));
	last = malloc((ini->n_sec + 1) * sizeof(*last));
	if (ini->first == NULL || last == NULL)
		return jail_error_set(err, ENOMEM, "config");
	for (size_t s = 0; s < ini->n_sec; s++)
		ini->first[s] = last[s] = -1;
	for (size_t i = 0; i < size; i++) {
		ssize_t o = d->key[i] != NULL ? ini_owner(ini, d->key[i]) : -1;

		ini->owner[i] = o;
		ini->next[i] = -1;
		if (o < 0 || d->val[i] == NULL)
			continue; /* no section, or a section itself */
		if (last[o] < 0)
			ini->first[o] = (ssize_t)i;
		else
			ini->next[last[o]] = (ssize_t)i;
		last[o] = (ssize_t)i;
	}
	return 0;
}

/* The key part of entry I, or NULL (a key before any section); *sec gets
 * the section. */
const char *jail_ini_entry_key(const jail_ini_t *ini, ssize_t i, const char **sec)
{
	ssize_t o = ini->owner[i];

	*sec = NULL;
	if (o < 0)
		return NULL;
	*sec = ini->d->key[ini->sec[o]];
	return ini->d->key[i] + strlen(*sec) + 1;
}

/* iniparser_getstring() of "SEC:KEY" (lower-cased, cut at 1024 bytes as it
 * does), found among the keys of its section only: iniparser's lookup walks
 * the whole dictionary, once per key asked for. */
const char *jail_ini_get(const jail_ini_t *ini, const char *sec, const char *key)
{
	char k[1100];
	int n = snprintf(k, sizeof(k), "%s:%s", sec, key);
	ssize_t o;

	if (n < 0 || (size_t)n >= sizeof(k))
		return NULL;
	k[1024] = '\0';
	for (char *c = k; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	o = ini_owner(ini, k);
	if (o < 0) /* a key before any section: not in the index */
		return iniparser_getstring(ini->d, k, NULL);
	for (ssize_t i = ini->first[o]; i >= 0; i = ini->next[i])
		if (strcmp(ini->d->key[i], k) == 0)
			return ini->d->val[i];
	return NULL;
}

/* Refuse keys that appear before the first section. */
int jail_ini_check_no_orphans(const jail_ini_t *ini, const char *path, jail_error_t *err)
{
	const dictionary *d = ini->d;

	for (ssize_t i = 0; i < d->size; i++) {
		if (d->key[i] == NULL || d->val[i] == NULL)
			continue;
		if (ini->owner[i] < 0)
			return jail_error_fmt(err, EINVAL,
					      "%s: key '%s' is outside any section (expected it "
					      "below a [section] line)",
					      path,
					      d->key[i][0] == ':' ? d->key[i] + 1 : d->key[i]);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Values and keys both jail.ini and profiles use                            */

char *jail_config_abs_path(const char *v, jail_error_t *err)
{
	if (v[0] != '/') {
		jail_error_fmt(err, EINVAL, "'%s' is not an absolute path (expected /...)", v);
		return NULL;
	}
	for (const char *p = v; *p; p++) {
		if (*p == ':' || isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			jail_error_fmt(err, EINVAL,
				       "'%s' contains '%c' (expected a path without ':', spaces "
				       "or control characters)",
				       v, isprint((unsigned char)*p) ? *p : '?');
			return NULL;
		}
	}
	return jail_path_normalize(v, err);
}

char *jail_config_shell(const char *v, jail_error_t *err)
{
	char *sh = jail_config_abs_path(v, err);

	if (sh == NULL)
		return NULL;
	if (!jail_valid_shell(sh)) {
		jail_error_fmt(err, EINVAL,
			       "'%s' is not a shell path (expected an absolute path of a program, "
			       "without ':', ',' or spaces)",
			       v);
		free(sh);
		return NULL;
	}
	return sh;
}

int jail_config_set_str(char **dst, const char *v, jail_error_t *err)
{
	char *dup = strdup(v);

	if (dup == NULL)
		return jail_error_set(err, ENOMEM, "config");
	free(*dst);
	*dst = dup;
	return 0;
}

static const char *key_name(jail_ini_keys_t keys, size_t i)
{
	return *(const char *const *)((const char *)keys.v + i * keys.stride);
}

bool jail_ini_key_known(jail_ini_keys_t keys, const char *key)
{
	for (size_t i = 0; i < keys.n; i++)
		if (strcmp(key_name(keys, i), key) == 0)
			return true;
	return false;
}

int jail_ini_unknown_key(const char *path, const char *sec, const char *key, jail_ini_keys_t keys,
			 jail_error_t *err)
{
	jail_buf_t b = {0};
	cleanup_free char *list = NULL;

	for (size_t i = 0; i < keys.n; i++) {
		if (i)
			jail_buf_str(&b, ", ");
		jail_buf_str(&b, key_name(keys, i));
	}
	list = jail_buf_finish(&b, "config", NULL);
	return jail_error_fmt(err, EINVAL, "%s: [%s] %s: unknown key (expected one of: %s)", path,
			      sec, key, list ? list : "?");
}

int jail_ini_check_keys(const jail_ini_t *ini, const char *path, const char *sec,
			jail_ini_keys_t keys, jail_error_t *err)
{
	ssize_t o = ini_find_sec(ini, sec, strlen(sec));

	if (o < 0)
		return 0;
	for (ssize_t i = ini->first[o]; i >= 0; i = ini->next[i]) {
		const char *key = ini->d->key[i] + strlen(sec) + 1;
		if (!jail_ini_key_known(keys, key))
			return jail_ini_unknown_key(path, sec, key, keys, err);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Directories                                                               */

int jail_config_open_subdir(int dirfd, const char *dirpath, const char *name, bool *missing,
			    jail_error_t *err)
{
	cleanup_free char *path = jail_strdup_printf("%s/%s", dirpath, name);
	cleanup_close int fd = -1;

	if (path == NULL)
		return jail_error_set(err, ENOMEM, "config");
	*missing = false;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing = true;
			return -1;
		}
		if (errno == ELOOP || errno == ENOTDIR) {
			struct stat st;
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				return jail_error_fmt(err, ELOOP,
						      "%s is a symlink (refused: expected a real "
						      "directory)",
						      path);
		}
		return jail_error_set(err, errno, "open %s", path);
	}
	if (jail_check_trusted_fd(fd, path, err) < 0)
		return -1;
	return steal_fd(&fd);
}

int jail_config_open_dir(const char *dir, char **norm, jail_error_t *err)
{
	int fd;

	*norm = jail_path_normalize(dir, err);
	if (*norm == NULL)
		return jail_error_wrap(err, "configuration directory");
	fd = jail_open_trusted_dir(*norm, err);
	if (fd < 0) {
		free(*norm);
		*norm = NULL;
		return jail_error_wrap(err, "configuration directory %s", dir);
	}
	return fd;
}
