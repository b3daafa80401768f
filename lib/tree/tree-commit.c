/* The tree writer, phase 4 (tree-write.c runs it): pruning, the new
 * passwd/group and manifest, the commit of every staged replacement, or
 * the rollback of everything this run did when an earlier step failed. */
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

/* Remove, for --prune, the jail objects of manifest entries whose host path
 * is gone: only when the jail still has the recorded type there.
 * Directories are kept (emptydirs have no host counterpart). */
int jail_tree_prune(jail_tree_ctx_t *c, jail_strv_t *pruned, jail_error_t *err)
{
	jail_strv_sort(&c->missing);
	for (size_t i = c->missing.n; i-- > 0;) {
		const char *path = c->missing.v[i];
		const jail_manifest_entry_t *m = jail_manifest_find(c->old, path);
		cleanup_free char *parent = NULL;
		const char *base;
		struct stat js;
		int pfd;

		if (m == NULL || m->type == 'd')
			continue;
		parent = jail_tree_parent_of(path, &base);
		if (parent == NULL)
			return jail_error_set(err, ENOMEM, "prune");
		pfd = jail_tree_dir_fd(c, parent, err);
		if (pfd < 0) {
			if (!jail_error_is(err, ENOENT))
				return -1;
			jail_error_clear(err);
		} else if (fstatat(pfd, base, &js, AT_SYMLINK_NOFOLLOW) == 0) {
			if (jail_tree_mode_type(js.st_mode) != m->type) {
				jail_tree_report(
				    c, "missing", path,
				    "gone from the host; kept in the jail: not the type the "
				    "manifest records");
				continue;
			}
			if (!c->opts->dry_run) {
				if (unlinkat(pfd, base, 0) < 0)
					return jail_error_set(err, errno, "remove %s%s", c->jail,
							      path);
				c->wrote = true;
			}
		} else if (errno != ENOENT) {
			return jail_error_set(err, errno, "stat %s%s", c->jail, path);
		}
		jail_tree_report(c, "remove", path, NULL);
		if (jail_strv_push(pruned, path, err) < 0)
			return -1;
	}
	return 0;
}

/* Rename every staged replacement over its target, in path order.  A
 * rename within a directory needs no space; should one fail all the same,
 * the replacements not yet renamed are removed and the error returned: the
 * jail then holds old and new files side by side, each whole. */
int jail_tree_commit(jail_tree_ctx_t *c, jail_error_t *err)
{
	jail_tree_db_t *dbs[] = {&c->passwd, &c->group};

	for (size_t k = 0; k < c->n; k++) {
		jail_tree_entry_t *e = &c->ents[c->order[k]];
		cleanup_free char *parent = NULL;
		const char *base;
		int pfd;

		if (!(e->flags & TE_STAGED))
			continue;
		parent = jail_tree_parent_of(e->path, &base);
		if (parent == NULL)
			return jail_error_set(err, ENOMEM, "commit");
		pfd = jail_tree_dir_fd(c, parent, err);
		if (pfd < 0)
			return -1;
		if (renameat(pfd, e->tmp, pfd, base) < 0)
			return jail_error_set(err, errno, "rename into %s%s", c->jail, e->path);
		e->flags &= ~TE_STAGED;
	}
	for (size_t i = 0; i < 2; i++) {
		int pfd;

		if (dbs[i]->tmp[0] == '\0')
			continue;
		pfd = jail_tree_dir_fd(c, "/etc", err);
		if (pfd < 0)
			return -1;
		if (renameat(pfd, dbs[i]->tmp, pfd, i == 0 ? "passwd" : "group") < 0)
			return jail_error_set(err, errno, "rename into %s/etc/%s", c->jail,
					      i == 0 ? "passwd" : "group");
		dbs[i]->tmp[0] = '\0';
	}
	return 0;
}

/* Note a rollback failure in ERR (after the error that caused the
 * rollback), once: JAIL PATH could not be removed. */
static void rollback_note(jail_error_t *err, bool *noted, const char *jail, const char *path,
			  int code)
{
	size_t len = strlen(err->msg);

	if (*noted)
		return;
	*noted = true;
	snprintf(err->msg + len, sizeof(err->msg) - len,
		 "; rollback: cannot remove %s%s (%s), the jail keeps it", jail, path,
		 strerror(code));
}

/* Undo what this run did to the jail, after an error: remove every staged
 * replacement (the targets keep their old contents), the passwd/group files
 * this run created, every object it created (children first; each only if the inode at its path is
 * still the one created, never following a symlink: jail_tree_dir_fd() resolves beneath the jail
 * root), JAIL/.jail if it made it, and the jail's own directories if it created them.  What cannot
 * be removed (a directory that is not empty) is kept and named in ERR; the cause stays first. */
void jail_tree_rollback(jail_tree_ctx_t *c, jail_error_t *err)
{
	jail_tree_db_t *dbs[] = {&c->passwd, &c->group};
	bool noted = false;

	for (size_t i = 0; i < 2 && c->root_fd >= 0; i++) {
		const char *name = i == 0 ? "passwd" : "group";
		jail_error_t e2 = {0};
		int pfd;

		if (dbs[i]->tmp[0] == '\0' && !dbs[i]->made)
			continue;
		pfd = jail_tree_dir_fd(c, "/etc", &e2);
		if (pfd >= 0 && dbs[i]->tmp[0])
			unlinkat(pfd, dbs[i]->tmp, 0);
		else if (pfd >= 0 && unlinkat(pfd, name, 0) < 0)
			rollback_note(err, &noted, c->jail, i == 0 ? "/etc/passwd" : "/etc/group",
				      errno);
		dbs[i]->tmp[0] = '\0';
		dbs[i]->made = false;
	}
	for (size_t k = c->n; k-- > 0 && c->root_fd >= 0;) {
		jail_tree_entry_t *e = &c->ents[c->order[k]];
		cleanup_free char *parent = NULL;
		jail_error_t e2 = {0};
		const char *base;
		struct stat st;
		int pfd;

		if (!(e->flags & (TE_STAGED | TE_CREATED)))
			continue;
		parent = jail_tree_parent_of(e->path, &base);
		if (parent == NULL || (pfd = jail_tree_dir_fd(c, parent, &e2)) < 0) {
			rollback_note(err, &noted, c->jail, e->path, parent ? e2.code : ENOMEM);
			continue;
		}
		if (e->flags & TE_STAGED) {
			unlinkat(pfd, e->tmp, 0);
			e->flags &= ~TE_STAGED;
			continue;
		}
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != e->made_dev ||
		    st.st_ino != e->made_ino) {
			rollback_note(err, &noted, c->jail, e->path, ESTALE);
			continue;
		}
		if (unlinkat(pfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
			rollback_note(err, &noted, c->jail, e->path, errno);
		else
			e->flags &= ~TE_CREATED;
	}
	jail_tree_dir_fd_drop(c);
	if (c->mdir_made && unlinkat(c->root_fd, JAIL_MANIFEST_DIR, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		rollback_note(err, &noted, c->jail, "/" JAIL_MANIFEST_DIR, errno);
	c->mdir_made = false;
	/* The jail path's own directories, deepest first, each through a
	 * trusted walk of its parent (root-owned, not writable by others). */
	for (; c->root_made > 0; c->root_made--) {
		cleanup_free char *dir = strdup(c->jail);
		cleanup_close int pfd = -1;
		jail_error_t e2 = {0};
		char *slash;

		for (unsigned i = 1; dir && i < c->root_made; i++)
			*strrchr(dir, '/') = '\0';
		if (dir == NULL)
			break;
		slash = strrchr(dir, '/');
		*slash = '\0';
		pfd = jail_open_trusted_dir(slash == dir ? "/" : dir, &e2);
		if (pfd < 0 || unlinkat(pfd, slash + 1, AT_REMOVEDIR) < 0) {
			*slash = '/';
			rollback_note(err, &noted, dir, "", pfd < 0 ? e2.code : errno);
			break;
		}
	}
}

int jail_tree_write_manifest(jail_tree_ctx_t *c, const jail_strv_t *pruned, jail_error_t *err)
{
	jail_manifest_t *m = calloc(1, sizeof(*m));
	bool changed = false;
	struct stat st;
	int ret = -1;

	if (m == NULL)
		return jail_error_set(err, ENOMEM, "manifest");
	if (fstatat(c->root_fd, JAIL_MANIFEST_DIR, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) {
			jail_error_set(err, errno, "stat %s/%s", c->jail, JAIL_MANIFEST_DIR);
			goto out;
		}
		/* jail_manifest_write() makes it; a rollback removes it. */
		c->mdir_made = true;
	}
	m->logsocket = (c->old && c->old->logsocket) || c->logsocket;
	for (size_t i = 0; c->old && i < c->old->n; i++) {
		const jail_manifest_entry_t *o = &c->old->v[i];
		if (o->type != 's' && o->type != 'p' && pruned &&
		    jail_strv_contains(pruned, o->path))
			continue;
		if (jail_manifest_add(m, o->type, o->flags, o->path, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < c->sections.n; i++)
		if (jail_manifest_add(m, 's', 0, c->sections.v[i], err) < 0)
			goto out;
	for (size_t i = 0; i < c->packages.n; i++)
		if (jail_manifest_add(m, 'p', 0, c->packages.v[i], err) < 0)
			goto out;
	for (size_t i = 0; i < c->packages_docs.n; i++)
		if (jail_manifest_add(m, 'p', JAIL_MF_PKG_DOCS, c->packages_docs.v[i], err) < 0)
			goto out;
	for (size_t k = 0; k < c->n; k++) {
		const jail_tree_entry_t *e = &c->ents[c->order[k]];
		if (e->type == 'P' || !(e->flags & TE_DONE))
			continue;
		if (jail_manifest_add(m, e->type, e->flags & MF_MASK, e->path, err) < 0)
			goto out;
	}
	if (jail_manifest_finish(m, err) < 0)
		goto out;
	ret = jail_manifest_write(c->root_fd, m, &changed, err);
	if (ret < 0)
		jail_error_wrap(err, "%s", c->jail);
	if (changed)
		c->wrote = true;
out:
	jail_manifest_free(m);
	return ret;
}
