/* The jail tree writer: plan from the host, check against the jail, write.
 *
 * Three phases keep a failing run from half-applying:
 *   1. plan: read only the host.  Every requested path is resolved component
 *      by component (host symlinks become planned symlinks, parent
 *      directories planned directories), directories are walked, ELF
 *      dependencies resolved.  Unknown sections, setuid refusals, missing
 *      users and missing libraries fail here, before the jail is touched.
 *   2. preflight: read only the jail.  Each planned object is compared with
 *      what is at its path in the jail (never following a symlink): absent,
 *      identical, to be replaced, or in the way (an error naming the path).
 *      Every directory written into is checked to be root-owned and not
 *      group/world-writable.
 *   3. execute: create what is absent and replace what differs, in path
 *      order (parents first), each file through a temporary name and
 *      renameat(); then /etc/passwd and /etc/group, then the manifest.
 *
 * tree-plan.c holds phase 1, tree-write.c phases 2 and 3, this file the
 * context and the three entry points.  Entries are kept in an array and
 * found by path through a small hash map; entry pointers are not kept
 * across calls that may add entries. */
#define _GNU_SOURCE
#include "tree/tree-internal.h"
#include "base/safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- context ---- */

static int ctx_init(jail_tree_ctx_t *c, const char *jail, const jail_tree_opts_t *opts,
		    jail_error_t *err)
{
	static const jail_tree_opts_t defaults;

	memset(c, 0, sizeof(*c));
	c->opts = opts ? opts : &defaults;
	c->host_fd = -1;
	c->root_fd = -1;
	c->pc_fd = -1;
	c->host_root = c->opts->host_root ? c->opts->host_root : "/";
	c->jail = jail_path_normalize(jail, err);
	if (c->jail == NULL)
		return jail_error_wrap(err, "jail");
	if (strcmp(c->jail, "/") == 0)
		return jail_error_fmt(err, EINVAL, "/ cannot be a jail");
	c->host_fd = open(c->host_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->host_fd < 0)
		return jail_error_set(err, errno, "open %s", c->host_root);
	if (jail_elf_resolver_new(c->host_root, &c->resolver, err) < 0)
		return -1;
	return 0;
}

static void ctx_free(jail_tree_ctx_t *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->ents[i].path);
		free(c->ents[i].target);
		free(c->ents[i].tmp);
	}
	free(c->ents);
	free(c->order);
	jail_tree_map_free(&c->index);
	jail_tree_map_free(&c->seen);
	jail_strv_clear(&c->sections);
	jail_strv_clear(&c->packages);
	jail_strv_clear(&c->packages_docs);
	jail_strv_clear(&c->users);
	jail_strv_clear(&c->groups);
	jail_strv_clear(&c->missing);
	jail_strv_clear(&c->passwd.added);
	jail_strv_clear(&c->group.added);
	free(c->passwd.data);
	free(c->group.data);
	free(c->cmpbuf);
	free(c->create_from);
	free(c->pc_path);
	if (c->pc_fd >= 0)
		close(c->pc_fd);
	if (c->root_fd >= 0)
		close(c->root_fd);
	if (c->host_fd >= 0)
		close(c->host_fd);
	if (c->resolver)
		jail_elf_resolver_free(c->resolver);
	jail_manifest_free(c->old);
	free(c->jail);
}

/* The previous manifest, or an empty one when there is none.  REQUIRED:
 * a missing one is an error. */
static int load_old(jail_tree_ctx_t *c, bool required, jail_error_t *err)
{
	jail_error_t e2 = {0};

	if (c->root_exists && jail_manifest_read(c->root_fd, &c->old, &e2) == 0)
		return 0;
	if (c->root_exists && !jail_error_is(&e2, ENOENT)) {
		*err = e2;
		return jail_error_wrap(err, "%s", c->jail);
	}
	if (required)
		return jail_error_fmt(err, ENOENT,
				      "%s: no manifest (%s): this jail was not built by 'jailctl "
				      "init'",
				      c->jail, JAIL_MANIFEST_FILE);
	c->old = calloc(1, sizeof(*c->old));
	if (c->old == NULL)
		return jail_error_set(err, ENOMEM, "manifest");
	return 0;
}

/* A users/groups name: matched against the first field of passwd/group
 * lines, so it must not hold the field separator or a newline. */
static int add_name(jail_strv_t *v, const char *what, const char *name, jail_error_t *err)
{
	if (name[0] == '\0' || strpbrk(name, ":\n") != NULL)
		return jail_error_fmt(err, EINVAL, "'%s' is not a valid %s name", name, what);
	return jail_strv_add_unique(v, name, err) < 0 ? -1 : 0;
}

/* Plan /dev/log as the mount point of the session's log socket
 * (need_logsocket): /dev, and a placeholder unless the plan already has
 * something at the path, which *have then points at. */
static int plan_logsocket(jail_tree_ctx_t *c, jail_tree_entry_t **have, jail_error_t *err)
{
	if (jail_tree_add_emptydir(c, "/dev", 0, err) < 0)
		return -1;
	*have = jail_tree_plan_get(c, "/dev/log");
	if (*have == NULL && jail_tree_plan_new(c, "/dev/log", 'P', 0, NULL, NULL, err) < 0)
		return -1;
	return 0;
}

/* init's packages: --package and the sections' packages keys, recorded
 * for the manifest (with or without their documentation) and planned. */
static int plan_init_packages(jail_tree_ctx_t *c, const jail_section_t *const *secs, size_t n,
			      jail_error_t *err)
{
	jail_strv_t *into = c->opts->package_docs ? &c->packages_docs : &c->packages;
	const jail_strv_t *req = c->opts->packages;

	for (size_t i = 0; req && i < req->n; i++)
		if (jail_strv_add_unique(into, req->v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < secs[i]->packages.n; j++)
			if (jail_strv_add_unique(into, secs[i]->packages.v[j], err) < 0)
				return -1;
	return jail_tree_add_packages(c, into, c->opts->package_docs, err);
}

/* update: the packages the manifest records, planned again. */
static int plan_update_packages(jail_tree_ctx_t *c, jail_error_t *err)
{
	for (size_t i = 0; i < c->old->n; i++) {
		const jail_manifest_entry_t *m = &c->old->v[i];
		if (m->type != 'p')
			continue;
		if (jail_strv_add_unique((m->flags & JAIL_MF_PKG_DOCS) ? &c->packages_docs
								       : &c->packages,
					 m->path, err) < 0)
			return -1;
	}
	if (jail_tree_add_packages(c, &c->packages, false, err) < 0 ||
	    jail_tree_add_packages(c, &c->packages_docs, true, err) < 0)
		return jail_error_wrap(err, "update");
	return 0;
}

int jail_tree_init(const char *jail, const jail_section_t *const *secs, size_t n,
		   const jail_tree_opts_t *opts, jail_error_t *err)
{
	jail_tree_ctx_t c;
	int ret = -1;

	if (ctx_init(&c, jail, opts, err) < 0)
		goto out;
	/* Refuse before anything else is looked at. */
	for (size_t i = 0; i < n; i++) {
		if (secs[i]->paths_w_setuid.n > 0 && !c.opts->allow_setuid) {
			jail_error_fmt(err, EPERM,
				       "section '%s' lists paths_w_setuid (%s%s): setuid/setgid "
				       "files are only installed with --allow-setuid",
				       secs[i]->name, secs[i]->paths_w_setuid.v[0],
				       secs[i]->paths_w_setuid.n > 1 ? ", ..." : "");
			goto out;
		}
	}
	if (jail_tree_open_root(&c, true, err) < 0 || load_old(&c, false, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const jail_section_t *s = secs[i];
		const struct {
			const jail_strv_t *list;
			unsigned flags;
		} lists[] = {
		    {&s->paths, 0},
		    {&s->paths_w_owner, JAIL_MF_KEEP_OWNER},
		    {&s->paths_w_setuid, JAIL_MF_KEEP_SETUID},
		};

		if (jail_strv_add_unique(&c.sections, s->name, err) < 0)
			goto out;
		for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
			for (size_t j = 0; j < lists[l].list->n; j++)
				if (jail_tree_add_request(&c, lists[l].list->v[j], lists[l].flags,
							  err) < 0)
					goto section_fail;
		for (size_t j = 0; j < s->emptydirs.n; j++)
			if (jail_tree_add_emptydir(&c, s->emptydirs.v[j], TE_EMPTY, err) < 0)
				goto section_fail;
		for (size_t j = 0; j < s->devices.n; j++)
			if (jail_tree_add_device(&c, s->devices.v[j], err) < 0)
				goto section_fail;
		for (size_t j = 0; j < s->users.n; j++)
			if (add_name(&c.users, "user", s->users.v[j], err) < 0)
				goto section_fail;
		for (size_t j = 0; j < s->groups.n; j++)
			if (add_name(&c.groups, "group", s->groups.v[j], err) < 0)
				goto section_fail;
		if (s->need_logsocket)
			c.logsocket = true;
		continue;
	section_fail:
		jail_error_wrap(err, "section '%s'", s->name);
		goto out;
	}
	if (plan_init_packages(&c, secs, n, err) < 0)
		goto out;
	if ((c.users.n || c.groups.n) && jail_tree_add_emptydir(&c, "/etc", 0, err) < 0)
		goto out;
	if (c.logsocket) {
		jail_tree_entry_t *e;
		if (plan_logsocket(&c, &e, err) < 0)
			goto out;
		if (e && e->type != 'P') {
			jail_error_fmt(err, EEXIST,
				       "/dev/log: need_logsocket wants a mount point there, but a "
				       "section also installs %s at that path",
				       jail_tree_entry_word(e->type));
			goto out;
		}
	}
	ret = jail_tree_apply(&c, false, err);
out:
	ctx_free(&c);
	return ret;
}

int jail_tree_cp(const char *jail, const jail_strv_t *paths, const jail_tree_opts_t *opts,
		 jail_error_t *err)
{
	jail_tree_ctx_t c;
	int ret = -1;

	if (ctx_init(&c, jail, opts, err) < 0)
		goto out;
	c.strict = true;
	if (jail_tree_open_root(&c, false, err) < 0 || load_old(&c, false, err) < 0)
		goto out;
	for (size_t i = 0; i < paths->n; i++)
		if (jail_tree_add_request(&c, paths->v[i], 0, err) < 0)
			goto out;
	ret = jail_tree_apply(&c, false, err);
out:
	ctx_free(&c);
	return ret;
}

int jail_tree_update(const char *jail, const jail_tree_opts_t *opts, jail_error_t *err)
{
	jail_tree_ctx_t c;
	int ret = -1;

	if (ctx_init(&c, jail, opts, err) < 0)
		goto out;
	c.updating = true;
	c.no_recurse = true;
	if (jail_tree_open_root(&c, false, err) < 0 || load_old(&c, true, err) < 0)
		goto out;
	for (size_t i = 0; i < c.old->n; i++) {
		const jail_manifest_entry_t *m = &c.old->v[i];
		struct stat hst;
		int r;

		switch (m->type) {
		case 'f':
		case 'l':
			r = jail_tree_add_path(&c, m->path, m->flags, true, err);
			break;
		case 'd':
			/* A directory is planned again (recreated if removed),
			 * never walked, never pruned. */
			r = jail_tree_add_emptydir(&c, m->path, 0, err);
			break;
		case 'c':
		case 'b':
			r = jail_tree_add_device(&c, m->path, err);
			break;
		default:
			r = 0;
			break;
		}
		if (r < 0) {
			jail_error_wrap(err, "update");
			goto out;
		}
		/* A symlink whose target is gone still exists on the host: it
		 * was planned again, only its target is missing. */
		if (r == 1 &&
		    fstatat(c.host_fd, jail_tree_hrel(m->path), &hst, AT_SYMLINK_NOFOLLOW) == 0)
			r = 0;
		if (r == 1 && jail_strv_push(&c.missing, m->path, err) < 0)
			goto out;
	}
	if (plan_update_packages(&c, err) < 0)
		goto out;
	if (c.old->logsocket) {
		jail_tree_entry_t *e;
		if (plan_logsocket(&c, &e, err) < 0)
			goto out;
	}
	ret = jail_tree_apply(&c, c.opts->prune, err);
	if (ret == 0 && !c.opts->prune) {
		for (size_t i = 0; i < c.missing.n; i++)
			jail_tree_report(&c, "missing", c.missing.v[i],
					 "gone from the host (--prune removes it from the jail)");
	}
out:
	ctx_free(&c);
	return ret;
}
