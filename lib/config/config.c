/* Configuration loading and strict validation (see config.h, jail.ini(5)).
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
#include "config/config.h"
#include "base/safefs.h"
#include "confine/seccomp.h"
#include "base/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <iniparser/iniparser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef JAIL_DATADIR
#define JAIL_DATADIR "/usr/local/share/jail"
#endif
#ifndef JAIL_SBINDIR
#define JAIL_SBINDIR "/usr/local/sbin"
#endif

#define INI_MAX_BYTES	  (1024 * 1024) /* a config file larger than this is refused */
#define INCLUDE_MAX_DEPTH 8

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

typedef struct scan_list {
	scan_item_t *v;
	size_t n, cap;
} scan_list_t;

static void scan_list_clear(scan_list_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static const scan_item_t *scan_list_find(const scan_list_t *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static int scan_list_push(scan_list_t *l, const char *name, size_t len, int line, jail_error_t *err)
{
	char *dup;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		scan_item_t *nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "config");
		l->v = nv;
		l->cap = ncap;
	}
	dup = strndup(name, len);
	if (dup == NULL)
		return jail_error_set(err, ENOMEM, "config");
	for (char *c = dup; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	l->v[l->n].name = dup;
	l->v[l->n].line = line;
	l->n++;
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
	scan_list_t sections = {0}, keys = {0};
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
			scan_list_clear(&keys);
			if (scan_list_push(&sections, ns, nlen, lineno, err) < 0) {
				ret = -1;
				break;
			}
			dup = scan_list_find(&sections, sections.v[sections.n - 1].name);
			if (dup != &sections.v[sections.n - 1])
				ret =
				    jail_error_fmt(err, EINVAL,
						   "%s: line %d: section [%s] appears twice (first "
						   "at line %d; expected each section once)",
						   path, lineno, dup->name, dup->line);
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
			if (scan_list_push(&keys, s, (size_t)(ke - s), lineno, err) < 0) {
				ret = -1;
				break;
			}
			dup = scan_list_find(&keys, keys.v[keys.n - 1].name);
			if (dup != &keys.v[keys.n - 1])
				ret = jail_error_fmt(
				    err, EINVAL,
				    "%s: line %d: [%s] %s is set twice (first at line %d; expected "
				    "each key once per section)",
				    path, lineno, sections.n ? sections.v[sections.n - 1].name : "",
				    dup->name, dup->line);
		}
	}
	scan_list_clear(&sections);
	scan_list_clear(&keys);
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

/* Open NAME in DIRFD (or the absolute PATH when DIRFD is AT_FDCWD) without
 * following a symlink, check it, pre-scan it and load it with iniparser.
 * *missing (if not NULL) is set and 0 returned with *out NULL when the file
 * does not exist. */
static int ini_load_at(int dirfd, const char *name, const char *path, dictionary **out,
		       bool *missing, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	char procpath[64];
	dictionary *d;

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
	if (strlen(buf) != len)
		return jail_error_fmt(err, EINVAL, "%s: contains a NUL byte (expected text)", path);
	if (ini_prescan(buf, path, err) < 0)
		return -1;
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

void *jail_ini_load_trusted(const char *path, jail_error_t *err)
{
	dictionary *d = NULL;

	if (path == NULL || path[0] != '/') {
		jail_error_fmt(err, EINVAL, "'%s' is not an absolute path", path ? path : "");
		return NULL;
	}
	if (ini_load_at(AT_FDCWD, path, path, &d, NULL, err) < 0)
		return NULL;
	return d;
}

/* ------------------------------------------------------------------------ */
/* Walking a dictionary                                                      */

/* In iniparser a section is an entry with a NULL value and a key is stored
 * as "section:key".  Section names may themselves contain ':' ([user:bob]),
 * so iniparser_getnsec() does not count them; we walk the entries, which
 * keep file order. */
static bool is_section(const dictionary *d, ssize_t i)
{
	return d->key[i] != NULL && d->val[i] == NULL;
}

/* The section an entry belongs to: the longest section name S such that the
 * entry is "S:key".  Returns the key part, or NULL (key before any section),
 * and *sec the section. */
static const char *entry_split(const dictionary *d, ssize_t i, const char **sec)
{
	const char *k = d->key[i];
	size_t best = 0;

	*sec = NULL;
	for (ssize_t j = 0; j < d->size; j++) {
		size_t len;
		if (!is_section(d, j))
			continue;
		len = strlen(d->key[j]);
		if (len >= best && strncmp(k, d->key[j], len) == 0 && k[len] == ':') {
			best = len;
			*sec = d->key[j];
		}
	}
	if (*sec == NULL)
		return NULL;
	return k + best + 1;
}

/* Refuse keys that appear before the first section. */
static int check_no_orphan_keys(const dictionary *d, const char *path, jail_error_t *err)
{
	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec;
		if (d->key[i] == NULL || d->val[i] == NULL)
			continue;
		if (entry_split(d, i, &sec) == NULL)
			return jail_error_fmt(err, EINVAL,
					      "%s: key '%s' is outside any section (expected it "
					      "below a [section] line)",
					      path,
					      d->key[i][0] == ':' ? d->key[i] + 1 : d->key[i]);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Value validators                                                          */

static int parse_mode(const char *v, jail_mode_t *out, jail_error_t *err)
{
	if (strcasecmp(v, "required") == 0)
		*out = JAIL_MODE_REQUIRED;
	else if (strcasecmp(v, "optional") == 0)
		*out = JAIL_MODE_OPTIONAL;
	else if (strcasecmp(v, "off") == 0)
		*out = JAIL_MODE_OFF;
	else
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not valid (expected required, optional or off)", v);
	return 0;
}

/* RFC 1123 host name: dot-separated labels of letters, digits and '-', not
 * starting or ending with '-', each at most 63, the whole at most 64
 * (HOST_NAME_MAX). */
static bool valid_hostname(const char *h)
{
	size_t len = strlen(h), label = 0;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && h[len - 1] != '-';
}

/* A command of a restricted profile: a bare program name. */
static bool valid_command(const char *c)
{
	if (c[0] == '\0' || c[0] == '-' || c[0] == '.' || strlen(c) > 255)
		return false;
	for (const char *p = c; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (!(isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '+'))
			return false;
	}
	return true;
}

static bool valid_apparmor_name(const char *n)
{
	if (n[0] == '\0' || strlen(n) > 128)
		return false;
	for (const char *p = n; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (!(isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '/' || ch == '+'))
			return false;
	}
	return true;
}

/* cgroup_parent: a relative cgroup path ("jail", "system.slice/jail"). */
static bool valid_cgroup_path(const char *s)
{
	const char *p = s;

	if (*s == '\0' || *s == '/' || strlen(s) > 255)
		return false;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)p[i];
			if (!(isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '@'))
				return false;
		}
		p += len;
		if (*p == '/')
			p++;
		if (*p == '\0' && p[-1] == '/')
			return false;
	}
	return true;
}

/* An absolute path without "..", ':' or whitespace; stored normalised. */
static char *parse_abs_path(const char *v, jail_error_t *err)
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

/* A `shell` value: normalised, then jail_valid_shell(). */
static char *parse_shell(const char *v, jail_error_t *err)
{
	char *sh = parse_abs_path(v, err);

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

/* bind_ro/bind_rw item: /host[:/jail]; both absolute, no "..". */
static char *parse_bind(const char *item, jail_error_t *err)
{
	cleanup_free char *copy = strdup(item);
	cleanup_free char *host = NULL;
	cleanup_free char *target = NULL;
	char *colon;

	if (copy == NULL) {
		jail_error_set(err, ENOMEM, "bind");
		return NULL;
	}
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	host = parse_abs_path(copy, err);
	if (host == NULL)
		goto bad;
	if (colon) {
		target = parse_abs_path(colon + 1, err);
		if (target == NULL)
			goto bad;
	} else {
		target = strdup(host);
		if (target == NULL) {
			jail_error_set(err, ENOMEM, "bind");
			return NULL;
		}
	}
	if (strcmp(target, "/") == 0) {
		jail_error_fmt(err, EINVAL, "'%s': cannot bind over the jail root", item);
		goto bad;
	}
	/* The session mounts its own /proc and /dev (mounts.c refuses these too). */
	for (size_t i = 0; i < 2; i++) {
		const char *top = i ? "/dev" : "/proc";
		size_t n = strlen(top);
		if (strncmp(target, top, n) == 0 && (target[n] == '\0' || target[n] == '/')) {
			jail_error_fmt(err, EINVAL, "'%s': cannot bind at or beneath %s", item,
				       top);
			goto bad;
		}
	}
	return jail_strdup_printf("%s:%s", host, target);
bad:
	jail_error_wrap(err,
			"'%s' (expected /host/path or /host/path:/jail/path, absolute, "
			"without '..')",
			item);
	return NULL;
}

/* Checks one list item; returns what to keep (malloc'd, possibly
 * normalised) or NULL with err naming the item and what was expected. */
typedef char *(*list_item_fn)(char *item, jail_error_t *err);

/* Split V into OUT (replacing what it held), every item through CHECK,
 * duplicates dropped. */
static int parse_list(const char *v, jail_strv_t *out, list_item_fn check, jail_error_t *err)
{
	jail_strv_t items = {0};
	int ret = 0;

	jail_strv_clear(out);
	if (jail_split_list(v, &items, err) < 0)
		return -1;
	for (size_t i = 0; i < items.n && ret == 0; i++) {
		cleanup_free char *item = check(items.v[i], err);
		if (item == NULL || jail_strv_add_unique(out, item, err) < 0)
			ret = -1;
	}
	jail_strv_clear(&items);
	return ret;
}

static char *dup_item(const char *item, jail_error_t *err)
{
	char *d = strdup(item);

	if (d == NULL)
		jail_error_set(err, ENOMEM, "config");
	return d;
}

/* Capability names, lower-cased; "none" passes here and is dealt with by
 * parse_caps (alone it means the empty set). */
static char *check_cap(char *c, jail_error_t *err)
{
	cap_value_t cv;

	for (char *q = c; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	if (strcmp(c, "none") != 0 && (strncmp(c, "cap_", 4) != 0 || cap_from_name(c, &cv) < 0)) {
		jail_error_fmt(err, EINVAL,
			       "'%s' is not a capability name (expected names like "
			       "cap_net_bind_service, see capabilities(7), or none)",
			       c);
		return NULL;
	}
	return dup_item(c, err);
}

static int parse_caps(const char *v, jail_strv_t *out, jail_error_t *err)
{
	if (parse_list(v, out, check_cap, err) < 0)
		return -1;
	if (jail_strv_contains(out, "none")) {
		if (out->n > 1)
			return jail_error_fmt(
			    err, EINVAL,
			    "'none' is not a capability name (expected names like "
			    "cap_net_bind_service, see capabilities(7), or none)");
		jail_strv_clear(out);
	}
	return 0;
}

static char *check_syscall(char *name, jail_error_t *err)
{
	int r = jail_seccomp_native_name(name, err);

	if (r < 0)
		return NULL;
	if (r == 0) {
		jail_error_fmt(err, EINVAL,
			       "'%s' is not a system call name known to libseccomp "
			       "(expected names like mount, ptrace, see syscalls(2))",
			       name);
		return NULL;
	}
	return dup_item(name, err);
}

static char *check_command(char *name, jail_error_t *err)
{
	if (!valid_command(name)) {
		jail_error_fmt(err, EINVAL,
			       "'%s' is not a bare command name (expected a program "
			       "name without '/', like sftp-server)",
			       name);
		return NULL;
	}
	return dup_item(name, err);
}

static int parse_syscalls(const char *v, jail_strv_t *out, jail_error_t *err)
{
	return parse_list(v, out, check_syscall, err);
}

static char *check_bind(char *item, jail_error_t *err)
{
	return parse_bind(item, err);
}

static int parse_binds(const char *v, jail_strv_t *out, jail_error_t *err)
{
	return parse_list(v, out, check_bind, err);
}

static int parse_commands(const char *v, jail_strv_t *out, jail_error_t *err)
{
	return parse_list(v, out, check_command, err);
}

static int set_str(char **dst, const char *v, jail_error_t *err)
{
	char *dup = strdup(v);

	if (dup == NULL)
		return jail_error_set(err, ENOMEM, "config");
	free(*dst);
	*dst = dup;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Profiles                                                                  */

static const char *const profile_keys[] = {
    "include",	  "description",   "net",	   "hostname",	"cgroup",
    "memory_max", "pids_max",	   "cpu_max",	   "io_weight", "caps",
    "seccomp",	  "seccomp_allow", "seccomp_deny", "apparmor",	"apparmor_profile",
    "landlock",	  "tmp_size",	   "run_size",	   "bind_ro",	"bind_rw",
    "commands",	  "shell",
};

static int profile_defaults(jail_profile_t *p, const char *name, jail_error_t *err)
{
	if (set_str(&p->name, name, err) < 0 || set_str(&p->spec.hostname, "jail", err) < 0 ||
	    set_str(&p->spec.apparmor_profile, "jail-default", err) < 0 ||
	    set_str(&p->shell, JAIL_DEFAULT_SHELL, err) < 0)
		return -1;
	p->spec.net_none = false;
	p->spec.cgroup = JAIL_MODE_OPTIONAL;
	p->spec.limits.memory_max = 1ULL << 30;
	p->spec.limits.pids_max = 512;
	p->spec.limits.cpu_max_percent = 0;
	p->spec.limits.io_weight = 0;
	p->spec.seccomp = JAIL_SECCOMP_DEFAULT;
	p->spec.apparmor = JAIL_MODE_OPTIONAL;
	p->spec.landlock = JAIL_MODE_OPTIONAL;
	p->spec.tmp_size = 64ULL << 20;
	p->spec.run_size = 8ULL << 20;
	return 0;
}

/* Apply one validated key to P.  Errors do not name file/section/key: the
 * caller wraps them. */
static int profile_set(jail_profile_t *p, const char *key, const char *v, jail_error_t *err)
{
	uint64_t n;

	if (strcmp(key, "description") == 0)
		return set_str(&p->description, v, err);
	if (strcmp(key, "net") == 0) {
		if (strcasecmp(v, "host") == 0)
			p->spec.net_none = false;
		else if (strcasecmp(v, "none") == 0)
			p->spec.net_none = true;
		else
			return jail_error_fmt(err, EINVAL,
					      "'%s' is not valid (expected host or none)", v);
		return 0;
	}
	if (strcmp(key, "hostname") == 0) {
		if (!valid_hostname(v))
			return jail_error_fmt(
			    err, EINVAL,
			    "'%s' is not a valid host name (expected letters, "
			    "digits, '-' and '.', at most 64 characters, RFC 1123)",
			    v);
		return set_str(&p->spec.hostname, v, err);
	}
	if (strcmp(key, "cgroup") == 0)
		return parse_mode(v, &p->spec.cgroup, err);
	if (strcmp(key, "apparmor") == 0)
		return parse_mode(v, &p->spec.apparmor, err);
	if (strcmp(key, "landlock") == 0)
		return parse_mode(v, &p->spec.landlock, err);
	if (strcmp(key, "memory_max") == 0) {
		if (jail_parse_size(v, &n, err) < 0)
			return -1;
		if (n < (1ULL << 20))
			return jail_error_fmt(
			    err, EINVAL, "'%s' is too small (expected at least 1M, or max)", v);
		p->spec.limits.memory_max = n;
		return 0;
	}
	if (strcmp(key, "pids_max") == 0) {
		if (strcasecmp(v, "max") == 0) {
			p->spec.limits.pids_max = UINT64_MAX;
			return 0;
		}
		if (jail_parse_u64(v, &n, err) < 0 || n < 1 || n > 4194304)
			return jail_error_fmt(err, EINVAL,
					      "'%s' is not a process count (expected 1 to 4194304, "
					      "or max)",
					      v);
		p->spec.limits.pids_max = n;
		return 0;
	}
	if (strcmp(key, "cpu_max") == 0) {
		if (strcasecmp(v, "max") == 0) {
			p->spec.limits.cpu_max_percent = 0;
			return 0;
		}
		if (jail_parse_u64(v, &n, err) < 0 || n > 100000)
			return jail_error_fmt(err, EINVAL,
					      "'%s' is not a CPU percentage (expected 0 to 100000, "
					      "in %% of one CPU; 0 or max = unlimited)",
					      v);
		p->spec.limits.cpu_max_percent = n;
		return 0;
	}
	if (strcmp(key, "io_weight") == 0) {
		if (jail_parse_u64(v, &n, err) < 0 || n > 10000)
			return jail_error_fmt(
			    err, EINVAL,
			    "'%s' is not an I/O weight (expected 1 to 10000, or 0 "
			    "for unset)",
			    v);
		p->spec.limits.io_weight = n;
		return 0;
	}
	if (strcmp(key, "tmp_size") == 0 || strcmp(key, "run_size") == 0) {
		/* tmpfs size=0 means unlimited: never let a typo do that. */
		if (strcasecmp(v, "max") == 0)
			return jail_error_fmt(
			    err, EINVAL, "'%s' is not allowed (expected a size of at least 64K)",
			    v);
		if (jail_parse_size(v, &n, err) < 0)
			return -1;
		if (n < (64ULL << 10))
			return jail_error_fmt(
			    err, EINVAL, "'%s' is too small (expected a size of at least 64K)", v);
		if (key[0] == 't')
			p->spec.tmp_size = n;
		else
			p->spec.run_size = n;
		return 0;
	}
	if (strcmp(key, "caps") == 0)
		return parse_caps(v, &p->spec.caps_keep, err);
	if (strcmp(key, "seccomp") == 0) {
		if (strcasecmp(v, "default") == 0)
			p->spec.seccomp = JAIL_SECCOMP_DEFAULT;
		else if (strcasecmp(v, "strict") == 0)
			p->spec.seccomp = JAIL_SECCOMP_STRICT;
		else if (strcasecmp(v, "off") == 0)
			p->spec.seccomp = JAIL_SECCOMP_OFF;
		else
			return jail_error_fmt(
			    err, EINVAL, "'%s' is not valid (expected default, strict or off)", v);
		return 0;
	}
	if (strcmp(key, "seccomp_allow") == 0)
		return parse_syscalls(v, &p->spec.seccomp_allow, err);
	if (strcmp(key, "seccomp_deny") == 0)
		return parse_syscalls(v, &p->spec.seccomp_deny, err);
	if (strcmp(key, "apparmor_profile") == 0) {
		if (!valid_apparmor_name(v))
			return jail_error_fmt(err, EINVAL,
					      "'%s' is not a valid AppArmor profile name (expected "
					      "letters, digits and - _ . / +)",
					      v);
		return set_str(&p->spec.apparmor_profile, v, err);
	}
	if (strcmp(key, "bind_ro") == 0)
		return parse_binds(v, &p->spec.bind_ro, err);
	if (strcmp(key, "bind_rw") == 0)
		return parse_binds(v, &p->spec.bind_rw, err);
	if (strcmp(key, "commands") == 0)
		return parse_commands(v, &p->spec.commands, err);
	if (strcmp(key, "shell") == 0) {
		char *sh = parse_shell(v, err);
		if (sh == NULL)
			return -1;
		free(p->shell);
		p->shell = sh;
		return 0;
	}
	return jail_error_fmt(err, EINVAL, "unknown key");
}

static bool known_key(const char *const *keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

static char *join_keys(const char *const *keys, size_t n)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(keys[i]) + 2;
	out = malloc(len);
	if (out == NULL)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ", ");
		strcat(out, keys[i]);
	}
	return out;
}

static int unknown_key(const char *path, const char *sec, const char *key, const char *const *keys,
		       size_t n, jail_error_t *err)
{
	cleanup_free char *list = join_keys(keys, n);

	return jail_error_fmt(err, EINVAL, "%s: [%s] %s: unknown key (expected one of: %s)", path,
			      sec, key, list ? list : "?");
}

typedef struct profile_stack {
	const char *names[INCLUDE_MAX_DEPTH + 1];
	size_t n;
} profile_stack_t;

/* Apply DIR/profiles/NAME.ini (PROFDIR is an fd of DIR/profiles) onto P,
 * includes first.  FROM names the file/key that asked for NAME (NULL for the
 * top level) so that a missing include says where it was named. */
static int profile_apply(int profdir, const char *dirpath, const char *name, jail_profile_t *p,
			 profile_stack_t *stack, const char *from, jail_error_t *err)
{
	cleanup_free char *path = jail_strdup_printf("%s/profiles/%s.ini", dirpath, name);
	cleanup_free char *fname = jail_strdup_printf("%s.ini", name);
	dictionary *d = NULL;
	bool missing = false, have_section = false;
	const char *inc;
	int ret = -1;

	if (path == NULL || fname == NULL)
		return jail_error_set(err, ENOMEM, "profile");
	if (!jail_valid_name(name)) {
		if (from)
			return jail_error_fmt(
			    err, EINVAL,
			    "%s: '%s' is not a valid profile name (expected lower "
			    "case letters, digits, '-', '_' or '.')",
			    from, name);
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a valid profile name (expected lower case "
				      "letters, digits, '-', '_' or '.')",
				      name);
	}
	for (size_t i = 0; i < stack->n; i++) {
		if (strcmp(stack->names[i], name) == 0) {
			char chain[512] = "";
			for (size_t j = 0; j < stack->n; j++) {
				strncat(chain, stack->names[j], sizeof(chain) - strlen(chain) - 1);
				strncat(chain, " -> ", sizeof(chain) - strlen(chain) - 1);
			}
			strncat(chain, name, sizeof(chain) - strlen(chain) - 1);
			return jail_error_fmt(err, ELOOP,
					      "%s: include cycle: %s (expected includes to form no "
					      "cycle)",
					      from ? from : path, chain);
		}
	}
	if (stack->n >= INCLUDE_MAX_DEPTH)
		return jail_error_fmt(err, ELOOP,
				      "%s: includes nested too deeply (expected at most %d levels)",
				      from ? from : path, INCLUDE_MAX_DEPTH);
	if (ini_load_at(profdir, fname, path, &d, &missing, err) < 0)
		return -1;
	if (missing) {
		if (from)
			return jail_error_fmt(err, ENOENT,
					      "%s: profile '%s' not found (expected %s)", from,
					      name, path);
		return jail_error_fmt(err, ENOENT, "profile '%s' not found (expected %s)", name,
				      path);
	}
	stack->names[stack->n++] = name;

	if (check_no_orphan_keys(d, path, err) < 0)
		goto out;
	for (ssize_t i = 0; i < d->size; i++) {
		if (!is_section(d, i))
			continue;
		if (strcmp(d->key[i], "profile") != 0) {
			jail_error_fmt(err, EINVAL,
				       "%s: [%s]: unknown section (expected only [profile])", path,
				       d->key[i]);
			goto out;
		}
		have_section = true;
	}
	if (!have_section) {
		jail_error_fmt(err, EINVAL, "%s: no [profile] section (expected one)", path);
		goto out;
	}
	/* Unknown keys first, so that a typo is reported even next to a bad include. */
	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec, *key;
		if (d->key[i] == NULL || d->val[i] == NULL)
			continue;
		key = entry_split(d, i, &sec);
		if (!known_key(profile_keys, sizeof(profile_keys) / sizeof(profile_keys[0]), key)) {
			unknown_key(path, "profile", key, profile_keys,
				    sizeof(profile_keys) / sizeof(profile_keys[0]), err);
			goto out;
		}
	}
	inc = iniparser_getstring(d, "profile:include", NULL);
	if (inc != NULL) {
		cleanup_free char *where = jail_strdup_printf("%s: [profile] include", path);
		cleanup_free char *incname = strdup(inc);
		if (where == NULL || incname == NULL) {
			jail_error_set(err, ENOMEM, "profile");
			goto out;
		}
		if (profile_apply(profdir, dirpath, jail_strstrip(incname), p, stack, where, err) <
		    0)
			goto out;
	}
	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec, *key;
		if (d->key[i] == NULL || d->val[i] == NULL)
			continue;
		key = entry_split(d, i, &sec);
		if (strcmp(key, "include") == 0)
			continue;
		if (profile_set(p, key, d->val[i], err) < 0) {
			jail_error_wrap(err, "%s: [profile] %s", path, key);
			goto out;
		}
	}
	ret = 0;
out:
	stack->n--;
	iniparser_freedict(d);
	return ret;
}

static int open_subdir(int dirfd, const char *dirpath, const char *name, bool *missing,
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

static int profile_load_fd(int confd, const char *dirpath, const char *name, jail_profile_t **out,
			   jail_error_t *err)
{
	cleanup_close int profdir = -1;
	profile_stack_t stack = {.n = 0};
	jail_profile_t *p;
	bool missing;

	profdir = open_subdir(confd, dirpath, "profiles", &missing, err);
	if (profdir < 0) {
		if (missing)
			return jail_error_fmt(
			    err, ENOENT,
			    "profile '%s' not found (expected %s/profiles/%s.ini; "
			    "%s/profiles does not exist)",
			    name, dirpath, name, dirpath);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return jail_error_set(err, ENOMEM, "profile");
	if (profile_defaults(p, name, err) < 0 ||
	    profile_apply(profdir, dirpath, name, p, &stack, NULL, err) < 0) {
		jail_profile_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* The config dir as given, normalised (no trailing slash) for messages. */
static int open_config_dir(const char *dir, char **norm, jail_error_t *err)
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

int jail_profile_load(const char *dir, const char *name, jail_profile_t **out, jail_error_t *err)
{
	cleanup_free char *norm = NULL;
	cleanup_close int confd = open_config_dir(dir, &norm, err);

	*out = NULL;
	if (confd < 0)
		return -1;
	return profile_load_fd(confd, norm, name, out, err);
}

void jail_profile_free(jail_profile_t *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->shell);
	free(p->description);
	jail_sandbox_spec_clear(&p->spec);
	free(p);
}

/* ------------------------------------------------------------------------ */
/* jail.ini and users.d                                                      */

static const char *const jail_keys[] = {
    "jail", "profile", "sections", "cgroup_parent", "registry", "jailsh", "ssh_group",
};
static const char *const assign_keys[] = {"jail", "profile", "shell"};
#define N_ASSIGN_KEYS (sizeof(assign_keys) / sizeof(assign_keys[0]))

static void assign_clear(jail_assign_t *a)
{
	free(a->name);
	free(a->jail);
	free(a->profile);
	free(a->shell);
	free(a->file);
	memset(a, 0, sizeof(*a));
}

void jail_config_free(jail_config_t *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->dir);
	free(cfg->default_jail);
	free(cfg->default_profile);
	free(cfg->sections_file);
	free(cfg->cgroup_parent);
	free(cfg->registry_dir);
	free(cfg->jailsh_path);
	free(cfg->ssh_group);
	for (size_t i = 0; i < cfg->n_users; i++)
		assign_clear(&cfg->users[i]);
	free(cfg->users);
	for (size_t i = 0; i < cfg->n_groups; i++)
		assign_clear(&cfg->groups[i]);
	free(cfg->groups);
	free(cfg);
}

static int push_assign(jail_assign_t **arr, size_t *n, jail_assign_t *a, jail_error_t *err)
{
	jail_assign_t *na = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (na == NULL)
		return jail_error_set(err, ENOMEM, "config");
	*arr = na;
	na[(*n)++] = *a;
	memset(a, 0, sizeof(*a));
	return 0;
}

static const jail_assign_t *find_assign(const jail_assign_t *arr, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(arr[i].name, name) == 0)
			return &arr[i];
	return NULL;
}

/* Read section SEC ("user:bob") of D in PATH into A. */
static int parse_assign(const jail_config_t *cfg, dictionary *d, const char *path, const char *sec,
			const char *name, jail_assign_t *a, jail_error_t *err)
{
	const char *v;

	for (ssize_t i = 0; i < d->size; i++) {
		const char *s, *key;
		if (d->key[i] == NULL || d->val[i] == NULL)
			continue;
		key = entry_split(d, i, &s);
		if (strcmp(s, sec) != 0)
			continue;
		if (!known_key(assign_keys, N_ASSIGN_KEYS, key))
			return unknown_key(path, sec, key, assign_keys, N_ASSIGN_KEYS, err);
	}
	a->name = strdup(name);
	a->file = jail_strdup_printf("%s [%s]", path, sec);
	if (a->name == NULL || a->file == NULL)
		return jail_error_set(err, ENOMEM, "config");
	{
		char k[300];
		snprintf(k, sizeof(k), "%s:jail", sec);
		v = iniparser_getstring(d, k, NULL);
	}
	if (v == NULL || v[0] == '\0') {
		if (cfg->default_jail == NULL)
			return jail_error_fmt(
			    err, EINVAL,
			    "%s: [%s] jail: not set, and [jail] jail in %s/jail.ini "
			    "gives no default (expected an absolute path)",
			    path, sec, cfg->dir);
		a->jail = strdup(cfg->default_jail);
	} else {
		a->jail = parse_abs_path(v, err);
		if (a->jail == NULL)
			return jail_error_wrap(err, "%s: [%s] jail", path, sec);
	}
	{
		char k[300];
		snprintf(k, sizeof(k), "%s:profile", sec);
		v = iniparser_getstring(d, k, NULL);
	}
	if (v == NULL || v[0] == '\0')
		v = cfg->default_profile;
	else if (!jail_valid_name(v))
		return jail_error_fmt(
		    err, EINVAL,
		    "%s: [%s] profile: '%s' is not a valid profile name (expected "
		    "lower case letters, digits, '-', '_' or '.')",
		    path, sec, v);
	a->profile = strdup(v);
	if (a->jail == NULL || a->profile == NULL)
		return jail_error_set(err, ENOMEM, "config");
	{
		char k[300];
		snprintf(k, sizeof(k), "%s:shell", sec);
		v = iniparser_getstring(d, k, NULL);
	}
	if (v != NULL && v[0] != '\0') {
		a->shell = parse_shell(v, err);
		if (a->shell == NULL)
			return jail_error_wrap(err, "%s: [%s] shell", path, sec);
	}
	return 0;
}

static int parse_jail_section(jail_config_t *cfg, dictionary *d, const char *path,
			      jail_error_t *err)
{
	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec, *key, *v = d->val[i];
		char **dst = NULL;
		char *val = NULL;

		if (d->key[i] == NULL || v == NULL)
			continue;
		key = entry_split(d, i, &sec);
		if (strcmp(sec, "jail") != 0)
			continue;
		if (!known_key(jail_keys, sizeof(jail_keys) / sizeof(jail_keys[0]), key))
			return unknown_key(path, "jail", key, jail_keys,
					   sizeof(jail_keys) / sizeof(jail_keys[0]), err);
		if (strcmp(key, "profile") == 0) {
			if (!jail_valid_name(v))
				return jail_error_fmt(
				    err, EINVAL,
				    "%s: [jail] profile: '%s' is not a valid profile name "
				    "(expected lower case letters, digits, '-', '_' or '.')",
				    path, v);
			dst = &cfg->default_profile;
			val = strdup(v);
		} else if (strcmp(key, "cgroup_parent") == 0) {
			if (!valid_cgroup_path(v))
				return jail_error_fmt(
				    err, EINVAL,
				    "%s: [jail] cgroup_parent: '%s' is not a cgroup name "
				    "(expected a relative path like jail or system.slice/jail)",
				    path, v);
			dst = &cfg->cgroup_parent;
			val = strdup(v);
		} else if (strcmp(key, "ssh_group") == 0) {
			/* The group name adduser passes to groupadd and gpasswd and
			 * sshd_config's Match Group names: the rule of user names. */
			if (!jail_valid_name(v))
				return jail_error_fmt(
				    err, EINVAL,
				    "%s: [jail] ssh_group: '%s' is not a valid group name "
				    "(expected lower case letters, digits, '_', '-' or '.')",
				    path, v);
			dst = &cfg->ssh_group;
			val = strdup(v);
		} else {
			if (strcmp(key, "jail") == 0)
				dst = &cfg->default_jail;
			else if (strcmp(key, "sections") == 0)
				dst = &cfg->sections_file;
			else if (strcmp(key, "registry") == 0)
				dst = &cfg->registry_dir;
			else
				dst = &cfg->jailsh_path;
			val = parse_abs_path(v, err);
			if (val == NULL)
				return jail_error_wrap(err, "%s: [jail] %s", path, key);
			if (strcmp(val, "/") == 0) {
				free(val);
				return jail_error_fmt(err, EINVAL,
						      "%s: [jail] %s: '/' is not allowed (expected "
						      "an absolute path below /)",
						      path, key);
			}
		}
		if (val == NULL)
			return jail_error_set(err, ENOMEM, "config");
		free(*dst);
		*dst = val;
	}
	return 0;
}

static int load_jail_ini(jail_config_t *cfg, int confd, jail_error_t *err)
{
	cleanup_free char *path = jail_strdup_printf("%s/jail.ini", cfg->dir);
	dictionary *d = NULL;
	bool missing = false;
	int ret = -1;

	if (path == NULL)
		return jail_error_set(err, ENOMEM, "config");
	if (ini_load_at(confd, "jail.ini", path, &d, &missing, err) < 0)
		return -1;
	if (missing)
		return 0;
	if (check_no_orphan_keys(d, path, err) < 0)
		goto out;
	/* [jail] first: its defaults apply to [user:] sections above it too. */
	if (parse_jail_section(cfg, d, path, err) < 0)
		goto out;
	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec = d->key[i];
		jail_assign_t a = {0};
		bool is_user;

		if (!is_section(d, i) || strcmp(sec, "jail") == 0)
			continue;
		is_user = strncmp(sec, "user:", 5) == 0;
		if (!is_user && strncmp(sec, "group:", 6) != 0) {
			jail_error_fmt(err, EINVAL,
				       "%s: [%s]: unknown section (expected [jail], [user:NAME] or "
				       "[group:NAME])",
				       path, sec);
			goto out;
		}
		if (!jail_valid_name(strchr(sec, ':') + 1)) {
			jail_error_fmt(err, EINVAL,
				       "%s: [%s]: '%s' is not a valid %s name (expected lower case "
				       "letters, digits, '_', '-' or '.', at most 32 characters)",
				       path, sec, strchr(sec, ':') + 1, is_user ? "user" : "group");
			goto out;
		}
		if (parse_assign(cfg, d, path, sec, strchr(sec, ':') + 1, &a, err) < 0 ||
		    (is_user ? push_assign(&cfg->users, &cfg->n_users, &a, err)
			     : push_assign(&cfg->groups, &cfg->n_groups, &a, err)) < 0) {
			assign_clear(&a);
			goto out;
		}
	}
	ret = 0;
out:
	iniparser_freedict(d);
	return ret;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_user_file(jail_config_t *cfg, int udir, const char *fname, jail_error_t *err)
{
	cleanup_free char *path = jail_strdup_printf("%s/users.d/%s", cfg->dir, fname);
	cleanup_free char *name = strndup(fname, strlen(fname) - 4);
	cleanup_free char *want = NULL;
	const jail_assign_t *prev;
	jail_assign_t a = {0};
	dictionary *d = NULL;
	int nsec = 0, ret = -1;

	if (path == NULL || name == NULL)
		return jail_error_set(err, ENOMEM, "config");
	if (!jail_valid_name(name))
		return jail_error_fmt(
		    err, EINVAL,
		    "%s: '%s' is not a valid user name (expected users.d/NAME.ini "
		    "with a lower case user name)",
		    path, name);
	want = jail_strdup_printf("user:%s", name);
	if (want == NULL)
		return jail_error_set(err, ENOMEM, "config");
	if (ini_load_at(udir, fname, path, &d, NULL, err) < 0)
		return -1;
	if (check_no_orphan_keys(d, path, err) < 0)
		goto out;
	for (ssize_t i = 0; i < d->size; i++) {
		if (!is_section(d, i))
			continue;
		nsec++;
		if (strcmp(d->key[i], want) != 0) {
			jail_error_fmt(err, EINVAL,
				       "%s: [%s]: unexpected section (expected only [%s], matching "
				       "the file name)",
				       path, d->key[i], want);
			goto out;
		}
	}
	if (nsec != 1) {
		jail_error_fmt(err, EINVAL, "%s: no [%s] section (expected exactly one)", path,
			       want);
		goto out;
	}
	prev = find_assign(cfg->users, cfg->n_users, name);
	if (prev) {
		jail_error_fmt(err, EEXIST,
			       "%s: user '%s' is defined twice: here and in %s (expected one "
			       "definition)",
			       path, name, prev->file);
		goto out;
	}
	if (parse_assign(cfg, d, path, want, name, &a, err) < 0 ||
	    push_assign(&cfg->users, &cfg->n_users, &a, err) < 0) {
		assign_clear(&a);
		goto out;
	}
	ret = 0;
out:
	iniparser_freedict(d);
	return ret;
}

/* A users.d entry NAME must not be a symlink (configuration files are
 * regular files; load_user_file checks the rest).  0 when it may be
 * loaded, 1 when it does not exist (MISSING_OK), -1 on error. */
static int users_d_entry(const jail_config_t *cfg, int udir, const char *name, bool missing_ok,
			 jail_error_t *err)
{
	struct stat st;

	if (fstatat(udir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (missing_ok && errno == ENOENT)
			return 1;
		return jail_error_set(err, errno, "stat %s/users.d/%s", cfg->dir, name);
	}
	if (S_ISLNK(st.st_mode))
		return jail_error_fmt(err, ELOOP,
				      "%s/users.d/%s is a symlink (refused: configuration "
				      "files must be regular files, not symlinks)",
				      cfg->dir, name);
	return 0;
}

static int load_users_d(jail_config_t *cfg, int confd, jail_error_t *err)
{
	cleanup_close int udir = -1;
	jail_strv_t names = {0};
	bool missing;
	DIR *dh;
	struct dirent *de;
	int dupfd, ret = 0;

	udir = open_subdir(confd, cfg->dir, "users.d", &missing, err);
	if (udir < 0)
		return missing ? 0 : -1;
	dupfd = fcntl(udir, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return jail_error_set(err, errno, "open %s/users.d", cfg->dir);
	dh = fdopendir(dupfd);
	if (dh == NULL) {
		close(dupfd);
		return jail_error_set(err, errno, "open %s/users.d", cfg->dir);
	}
	while ((de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name);

		/* Editor backups (x.ini~, .x.ini.swp) and our own temporaries are skipped. */
		if (len < 4 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		if (users_d_entry(cfg, udir, de->d_name, false, err) < 0) {
			ret = -1;
			break;
		}
		if (jail_strv_push(&names, de->d_name, err) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(dh);
	/* Sorted, so that messages and results do not depend on directory order. */
	if (ret == 0 && names.n > 1)
		qsort(names.v, names.n, sizeof(char *), cmp_names);
	for (size_t i = 0; ret == 0 && i < names.n; i++)
		ret = load_user_file(cfg, udir, names.v[i], err);
	jail_strv_clear(&names);
	return ret;
}

/* users.d/USER.ini alone (a users.d file holds exactly its user's
 * section, so no other file can assign USER). */
static int load_one_user(jail_config_t *cfg, int confd, const char *user, jail_error_t *err)
{
	cleanup_close int udir = -1;
	cleanup_free char *fname = NULL;
	bool missing;

	if (!jail_valid_name(user))
		return 0; /* no users.d file can name it */
	udir = open_subdir(confd, cfg->dir, "users.d", &missing, err);
	if (udir < 0)
		return missing ? 0 : -1;
	fname = jail_strdup_printf("%s.ini", user);
	if (fname == NULL)
		return jail_error_set(err, ENOMEM, "config");
	switch (users_d_entry(cfg, udir, fname, true, err)) {
	case 0:
		return load_user_file(cfg, udir, fname, err);
	case 1:
		return 0;
	default:
		return -1;
	}
}

/* Load every profile an assignment names, once each. */
static int check_profiles(const jail_config_t *cfg, int confd, jail_error_t *err)
{
	jail_strv_t seen = {0};
	int ret = 0;

	for (int pass = 0; pass < 2 && ret == 0; pass++) {
		const jail_assign_t *arr = pass ? cfg->groups : cfg->users;
		size_t n = pass ? cfg->n_groups : cfg->n_users;
		for (size_t i = 0; i < n && ret == 0; i++) {
			jail_profile_t *p = NULL;
			int added = jail_strv_add_unique(&seen, arr[i].profile, err);
			if (added < 0) {
				ret = -1;
				break;
			}
			if (added == 0)
				continue;
			if (profile_load_fd(confd, cfg->dir, arr[i].profile, &p, err) < 0)
				ret = jail_error_wrap(err, "%s profile", arr[i].file);
			jail_profile_free(p);
		}
	}
	jail_strv_clear(&seen);
	return ret;
}

int jail_config_load(const char *dir, jail_config_t **out, jail_error_t *err)
{
	return jail_config_load_flags(dir, 0, out, err);
}

static int config_load(const char *dir, const char *only_user, unsigned flags, jail_config_t **out,
		       jail_error_t *err);

int jail_config_load_flags(const char *dir, unsigned flags, jail_config_t **out, jail_error_t *err)
{
	return config_load(dir, NULL, flags, out, err);
}

int jail_config_load_for_user(const char *dir, const char *user, jail_config_t **out,
			      jail_error_t *err)
{
	return config_load(dir, user ? user : "", JAIL_CONFIG_SKIP_PROFILES, out, err);
}

static int config_load(const char *dir, const char *only_user, unsigned flags, jail_config_t **out,
		       jail_error_t *err)
{
	jail_config_t *cfg;
	cleanup_close int confd = -1;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return jail_error_set(err, ENOMEM, "config");
	confd = open_config_dir(dir, &cfg->dir, err);
	if (confd < 0)
		goto fail;
	cfg->default_profile = strdup("default");
	cfg->sections_file = strdup(JAIL_DATADIR "/sections.ini");
	cfg->cgroup_parent = strdup("jail");
	cfg->registry_dir = strdup("/run/jail/sessions");
	cfg->jailsh_path = strdup(JAIL_SBINDIR "/jailsh");
	cfg->ssh_group = strdup(JAIL_DEFAULT_SSH_GROUP);
	if (!cfg->default_profile || !cfg->sections_file || !cfg->cgroup_parent ||
	    !cfg->registry_dir || !cfg->jailsh_path || !cfg->ssh_group) {
		jail_error_set(err, ENOMEM, "config");
		goto fail;
	}
	if (load_jail_ini(cfg, confd, err) < 0 ||
	    (only_user ? load_one_user(cfg, confd, only_user, err)
		       : load_users_d(cfg, confd, err)) < 0 ||
	    (!(flags & JAIL_CONFIG_SKIP_PROFILES) && check_profiles(cfg, confd, err) < 0))
		goto fail;
	*out = cfg;
	return 0;
fail:
	jail_config_free(cfg);
	return -1;
}

static int user_groups(const char *user, gid_t gid, jail_strv_t *out, jail_error_t *err)
{
	int n = 64;
	cleanup_free gid_t *gids = NULL;

	for (int attempt = 0; attempt < 8; attempt++) {
		int got = n;
		free(gids);
		gids = calloc((size_t)n, sizeof(gid_t));
		if (gids == NULL)
			return jail_error_set(err, ENOMEM, "groups of %s", user);
		if (getgrouplist(user, gid, gids, &got) >= 0) {
			n = got;
			goto have;
		}
		n = got > n ? got : n * 2;
	}
	return jail_error_fmt(err, E2BIG, "groups of %s: too many", user);
have:
	for (int i = 0; i < n; i++) {
		struct group *gr = getgrgid(gids[i]);
		if (gr && jail_strv_add_unique(out, gr->gr_name, err) < 0)
			return -1;
	}
	return 0;
}

int jail_config_resolve(const jail_config_t *cfg, const char *user, gid_t gid,
			const jail_assign_t **out, jail_error_t *err)
{
	jail_strv_t groups = {0};
	int r;

	/* A [user:] or users.d entry wins over any group: the groups (an NSS
	 * walk) only when no such entry matched and a [group:] section could
	 * decide. */
	r = jail_config_lookup(cfg, user, NULL, out);
	if (r != 0 || cfg->n_groups == 0)
		return r;
	if (user_groups(user, gid, &groups, err) < 0)
		r = -1;
	else
		r = jail_config_lookup(cfg, user, &groups, out);
	jail_strv_clear(&groups);
	return r;
}

int jail_config_lookup(const jail_config_t *cfg, const char *user, const jail_strv_t *groups,
		       const jail_assign_t **out)
{
	const jail_assign_t *a;

	*out = NULL;
	a = find_assign(cfg->users, cfg->n_users, user);
	if (a) {
		*out = a;
		return 1;
	}
	/* Groups in jail.ini order: the admin's order decides, not the user's. */
	for (size_t i = 0; groups && i < cfg->n_groups; i++) {
		if (jail_strv_contains(groups, cfg->groups[i].name)) {
			*out = &cfg->groups[i];
			return 1;
		}
	}
	return 0;
}
