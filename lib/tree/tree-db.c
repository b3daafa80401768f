/* The tree writer's /etc/passwd and /etc/group: the host lines of the
 * users and groups a command set names, merged into the jail's files
 * (lines already there are kept as they are), checked in phase 2 and
 * written in phase 3 (a new file in place, a replacement staged for the
 * commit in tree-commit.c). */
#define _GNU_SOURCE
#include "tree/tree-internal.h"
#include "base/safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool has_name(const char *buf, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = buf; p && *p;) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':')
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static char *find_line(const char *buf, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = buf; p && *p;) {
		const char *end = strchr(p, '\n');
		if (strncmp(p, name, nl) == 0 && p[nl] == ':')
			return end ? strndup(p, (size_t)(end - p)) : strdup(p);
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Merge host lines for NAMES into the jail's REL ("/etc/passwd"): lines
 * already there (by name) are kept as they are; the file must be a
 * root-owned regular file if it exists.  *out is NULL when nothing
 * changes. */
int jail_tree_prepare_db(jail_tree_ctx_t *c, const char *rel, const jail_strv_t *names,
			 const char *what, jail_tree_db_t *db, jail_error_t *err)
{
	char **out = &db->data;
	size_t *outlen = &db->len;
	bool *existed = &db->existed;
	jail_strv_t *added = &db->added;
	cleanup_free char *host = NULL;
	cleanup_free char *jail = NULL;
	cleanup_close int hfd = -1;
	size_t hlen, jlen = 0;
	char *buf;
	size_t len, cap;
	jail_tree_entry_t *etc = jail_tree_plan_get(c, "/etc");

	*out = NULL;
	*existed = false;
	if (names->n == 0)
		return 0;
	hfd = openat(c->host_fd, jail_tree_hrel(rel), O_RDONLY | O_CLOEXEC);
	if (hfd < 0)
		return jail_error_set(err, errno, "open the host's %s", rel);
	if (jail_read_all(hfd, 64u << 20, &host, &hlen, err) < 0)
		return jail_error_wrap(err, "read the host's %s", rel);
	if (c->root_exists && etc && etc->state == ST_SAME) {
		cleanup_close int jfd = -1;
		struct stat st;
		int pfd = jail_tree_dir_fd(c, "/etc", err);
		if (pfd < 0)
			return -1;
		jfd =
		    openat(pfd, rel + 5, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (jfd < 0 && errno != ENOENT) {
			struct stat ls;
			if (fstatat(pfd, rel + 5, &ls, AT_SYMLINK_NOFOLLOW) == 0) {
				jail_tree_entry_t fake = {.path = (char *)rel, .type = 'f'};
				return jail_tree_conflict(c, &fake, pfd, rel + 5, &ls, NULL, err);
			}
			return jail_error_set(err, errno, "open %s%s", c->jail, rel);
		}
		if (jfd >= 0) {
			if (fstat(jfd, &st) < 0)
				return jail_error_set(err, errno, "stat %s%s", c->jail, rel);
			if (!S_ISREG(st.st_mode)) {
				jail_tree_entry_t fake = {.path = (char *)rel, .type = 'f'};
				return jail_tree_conflict(c, &fake, pfd, rel + 5, &st, NULL, err);
			}
			if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
				return jail_error_fmt(err, EPERM,
						      "%s%s: owned by uid %u with mode %04o, "
						      "expected root-owned and not "
						      "group/world-writable; refusing to merge "
						      "into it",
						      c->jail, rel, (unsigned)st.st_uid,
						      (unsigned)(st.st_mode & 07777));
			if (jail_read_all(jfd, 64u << 20, &jail, &jlen, err) < 0)
				return jail_error_wrap(err, "read %s%s", c->jail, rel);
			*existed = true;
		}
	}
	cap = jlen + 2;
	for (size_t i = 0; i < names->n; i++)
		cap += strlen(names->v[i]) + 1;
	cap += hlen; /* generous: at most every host line */
	buf = malloc(cap);
	if (buf == NULL)
		return jail_error_set(err, ENOMEM, "%s", rel);
	memcpy(buf, jail ? jail : "", jlen);
	len = jlen;
	if (len > 0 && buf[len - 1] != '\n')
		buf[len++] = '\n';
	buf[len] = '\0';
	for (size_t i = 0; i < names->n; i++) {
		char *line;
		size_t ll;
		if (has_name(buf, names->v[i]))
			continue;
		line = find_line(host, names->v[i]);
		if (line == NULL) {
			free(buf);
			return jail_error_fmt(err, ENOENT,
					      "%s '%s' is not in the host's %s (a section's %ss "
					      "list names it)",
					      what, names->v[i], rel, what);
		}
		ll = strlen(line);
		memcpy(buf + len, line, ll);
		len += ll;
		buf[len++] = '\n';
		buf[len] = '\0';
		free(line);
		if (jail_strv_push(added, names->v[i], err) < 0) {
			free(buf);
			return -1;
		}
	}
	if (len == jlen) {
		free(buf);
		return 0;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* Write the merged REL ("/etc/passwd"): a new file is created in place
 * (a rollback removes it), a replacement is staged for the commit. */
int jail_tree_write_db(jail_tree_ctx_t *c, const char *rel, jail_tree_db_t *db, jail_error_t *err)
{
	cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
	cleanup_free char *what = NULL;
	char detail[256] = "";
	size_t dl = 0;
	int pfd;

	if (db->data == NULL)
		return 0;
	for (size_t i = 0; i < db->added.n && dl + 2 < sizeof(detail); i++)
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s%s", i ? ", " : "+",
				       db->added.v[i]);
	jail_tree_report(c, db->existed ? "update" : "add", rel, detail);
	if (c->opts->dry_run)
		return 0;
	what = jail_strdup_printf("%s%s", c->jail, rel);
	if (what == NULL)
		return jail_error_set(err, ENOMEM, "%s", rel);
	pfd = jail_tree_dir_fd(c, "/etc", err);
	if (pfd < 0)
		return -1;
	if (jail_tmpfile_create(&t, pfd, what, err) < 0)
		return -1;
	if (jail_write_all(t.fd, db->data, db->len, err) < 0)
		return jail_error_wrap(err, "write %s", what);
	if (fchown(t.fd, 0, 0) < 0 || fchmod(t.fd, 0644) < 0)
		return jail_error_set(err, errno, "write %s", what);
	c->wrote = true;
	if (db->existed) {
		snprintf(db->tmp, sizeof(db->tmp), "%s", t.name);
		close(t.fd);
		t.fd = -1;
		return 0;
	}
	if (jail_tmpfile_commit(&t, rel + 5, err) < 0)
		return -1;
	db->made = true;
	return 0;
}
