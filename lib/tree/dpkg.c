/* Installed Debian packages from dpkg's database (see dpkg.h), and the
 * tree writer's use of them: `jailctl init --package` and a section's
 * `packages` key plan every file of the closure like a section's paths. */
#define _GNU_SOURCE
#include "tree/dpkg.h"
#include "tree/tree-internal.h"
#include "base/safefs.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DPKG_STATUS_MAX (256u << 20)
#define DPKG_LIST_MAX	(64u << 20)

static void pkg_clear(jail_dpkg_pkg_t *p)
{
	free(p->name);
	free(p->arch);
	free(p->status);
	free(p->depends);
	free(p->pre_depends);
	free(p->provides);
}

void jail_dpkg_db_free(jail_dpkg_db_t *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n; i++)
		pkg_clear(&db->v[i]);
	free(db->v);
	free(db->by_name);
	free(db->file);
	free(db);
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
	       ch == '.';
}

bool jail_dpkg_valid_name(const char *s)
{
	const char *colon;
	size_t len;

	if (s == NULL)
		return false;
	colon = strchr(s, ':');
	len = colon ? (size_t)(colon - s) : strlen(s);
	if (len < 2 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(s[i]))
			return false;
	if (colon == NULL)
		return true;
	if (colon[1] == '\0')
		return false;
	for (const char *q = colon + 1; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'))
			return false;
	return true;
}

/* ---- status ---- */

/* The fields kept; any other is skipped. */
static char **field_slot(jail_dpkg_pkg_t *p, const char *key)
{
	if (strcasecmp(key, "Package") == 0)
		return &p->name;
	if (strcasecmp(key, "Architecture") == 0)
		return &p->arch;
	if (strcasecmp(key, "Status") == 0)
		return &p->status;
	if (strcasecmp(key, "Depends") == 0)
		return &p->depends;
	if (strcasecmp(key, "Pre-Depends") == 0)
		return &p->pre_depends;
	if (strcasecmp(key, "Provides") == 0)
		return &p->provides;
	return NULL;
}

static bool status_installed(const char *status)
{
	const char *w = status;

	/* "want flag status": the third word. */
	for (int i = 0; i < 2 && w; i++) {
		w = strchr(w, ' ');
		if (w)
			w += strspn(w, " ");
	}
	return w && (strcmp(w, "installed") == 0 || strcmp(w, "triggers-pending") == 0 ||
		     strcmp(w, "triggers-awaited") == 0);
}

static int by_name_cmp(const void *a, const void *b, void *arg)
{
	const jail_dpkg_db_t *db = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(db->v[x].name, db->v[y].name);

	return c ? c : (x > y) - (x < y);
}

/* End a stanza: check it and keep it. */
static int end_stanza(jail_dpkg_db_t *db, jail_dpkg_pkg_t *p, jail_error_t *err)
{
	static const char empty[] = "";
	jail_dpkg_pkg_t *nv;

	if (p->name == NULL) {
		jail_error_fmt(err, EINVAL, "%s:%zu: stanza without a Package field", db->file,
			       p->line);
		goto fail;
	}
	if (!jail_dpkg_valid_name(p->name) || strchr(p->name, ':')) {
		jail_error_fmt(err, EINVAL, "%s:%zu: invalid package name '%s'", db->file, p->line,
			       p->name);
		goto fail;
	}
	if ((p->arch == NULL && (p->arch = strdup(empty)) == NULL) ||
	    (p->status == NULL && (p->status = strdup(empty)) == NULL)) {
		jail_error_set(err, ENOMEM, "%s", db->file);
		goto fail;
	}
	p->installed = status_installed(p->status);
	nv = realloc(db->v, (db->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		jail_error_set(err, ENOMEM, "%s", db->file);
		goto fail;
	}
	db->v = nv;
	db->v[db->n++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
fail:
	pkg_clear(p);
	memset(p, 0, sizeof(*p));
	return -1;
}

int jail_dpkg_parse_status(const char *name, const char *buf, size_t len, jail_dpkg_db_t **out,
			   jail_error_t *err)
{
	jail_dpkg_db_t *db = calloc(1, sizeof(*db));
	jail_dpkg_pkg_t cur = {0};
	const char *q = buf, *end = buf + len;
	char **open = NULL; /* the kept field a continuation line extends */
	bool in_stanza = false;
	size_t line = 0;

	*out = NULL;
	if (db == NULL || (db->file = strdup(name ? name : "(status)")) == NULL) {
		jail_dpkg_db_free(db);
		return jail_error_set(err, ENOMEM, "dpkg status");
	}
	if (memchr(buf, '\0', len) != NULL) {
		jail_error_fmt(err, EINVAL, "%s: contains a NUL byte", db->file);
		goto fail;
	}
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t ll = nl ? (size_t)(nl - q) : (size_t)(end - q);
		cleanup_free char *l = strndup(q, ll);
		char *colon, *val;

		q += ll + (nl ? 1 : 0);
		line++;
		if (l == NULL) {
			jail_error_set(err, ENOMEM, "%s", db->file);
			goto fail;
		}
		if (ll > 0 && l[ll - 1] == '\r')
			l[--ll] = '\0';
		if (*jail_strstrip(l) == '\0') {
			/* A blank line ends the stanza. */
			if (in_stanza && end_stanza(db, &cur, err) < 0)
				goto fail;
			in_stanza = false;
			open = NULL;
			continue;
		}
		if (l[0] == ' ' || l[0] == '\t') {
			if (!in_stanza) {
				jail_error_fmt(err, EINVAL,
					       "%s:%zu: continuation line outside a stanza",
					       db->file, line);
				goto fail;
			}
			if (open) {
				char *n = jail_strdup_printf("%s %s", *open, jail_strstrip(l));
				if (n == NULL) {
					jail_error_set(err, ENOMEM, "%s", db->file);
					goto fail;
				}
				free(*open);
				*open = n;
			}
			continue;
		}
		if (!in_stanza) {
			in_stanza = true;
			cur.line = line;
		}
		colon = strchr(l, ':');
		if (colon == NULL || colon == l) {
			jail_error_fmt(err, EINVAL, "%s:%zu: expected 'Field: value', got '%s'",
				       db->file, line, l);
			goto fail;
		}
		*colon = '\0';
		val = jail_strstrip(colon + 1);
		open = field_slot(&cur, jail_strstrip(l));
		if (open == NULL)
			continue;
		if (*open != NULL) {
			jail_error_fmt(err, EINVAL, "%s:%zu: field %s repeated", db->file, line, l);
			goto fail;
		}
		if ((*open = strdup(val)) == NULL) {
			jail_error_set(err, ENOMEM, "%s", db->file);
			goto fail;
		}
	}
	if (in_stanza && end_stanza(db, &cur, err) < 0)
		goto fail;
	db->by_name = calloc(db->n + 1, sizeof(*db->by_name));
	if (db->by_name == NULL) {
		jail_error_set(err, ENOMEM, "%s", db->file);
		goto fail;
	}
	for (size_t i = 0; i < db->n; i++) {
		db->by_name[i] = i;
		if (strcmp(db->v[i].name, "dpkg") == 0 && db->v[i].installed)
			db->native = db->v[i].arch;
	}
	qsort_r(db->by_name, db->n, sizeof(*db->by_name), by_name_cmp, db);
	*out = db;
	return 0;
fail:
	pkg_clear(&cur);
	jail_dpkg_db_free(db);
	return -1;
}

/* ---- closure ---- */

/* The first index in by_name of NAME, or db->n. */
static size_t first_named(const jail_dpkg_db_t *db, const char *name, size_t nlen)
{
	size_t lo = 0, hi = db->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = db->v[db->by_name[mid]].name;
		int c = strncmp(m, name, nlen);
		if (c == 0 && m[nlen] != '\0')
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* How well package P's architecture fits: lower is better, -1 refused. */
static int arch_rank(const jail_dpkg_db_t *db, const jail_dpkg_pkg_t *p, const char *qual,
		     const char *from)
{
	if (qual && strcmp(qual, "any") != 0)
		return strcmp(p->arch, qual) == 0 || strcmp(p->arch, "all") == 0 ? 0 : -1;
	if (from && from[0] && strcmp(from, "all") != 0 && strcmp(p->arch, from) == 0)
		return 0;
	if (db->native && strcmp(p->arch, db->native) == 0)
		return 1;
	if (strcmp(p->arch, "all") == 0)
		return 2;
	return 3;
}

/* Does the Provides list PROV name NAME? */
static bool provides(const char *prov, const char *name, size_t nlen)
{
	const char *q = prov;

	while (q && *q) {
		size_t skip = strspn(q, " \t,");
		size_t len;

		q += skip;
		len = strcspn(q, " \t,(:");
		if (len == nlen && strncmp(q, name, nlen) == 0)
			return true;
		q = strchr(q, ',');
	}
	return false;
}

/* The installed package that satisfies NAME[:QUAL] for a package of
 * architecture FROM: a real one, else a provider.  -1 when none; *status
 * then points at the status of an uninstalled real one (or NULL). */
static ssize_t select_pkg(const jail_dpkg_db_t *db, const char *name, size_t nlen, const char *qual,
			  const char *from, const char **status)
{
	ssize_t best = -1;
	int best_rank = 99;

	*status = NULL;
	for (size_t k = first_named(db, name, nlen); k < db->n; k++) {
		const jail_dpkg_pkg_t *p = &db->v[db->by_name[k]];
		int r;

		if (strncmp(p->name, name, nlen) != 0 || p->name[nlen] != '\0')
			break;
		if (!p->installed) {
			*status = p->status;
			continue;
		}
		r = arch_rank(db, p, qual, from);
		if (r >= 0 && r < best_rank) {
			best = (ssize_t)db->by_name[k];
			best_rank = r;
		}
	}
	if (best >= 0)
		return best;
	/* Virtual: the providers, in name order. */
	for (size_t k = 0; k < db->n; k++) {
		const jail_dpkg_pkg_t *p = &db->v[db->by_name[k]];
		int r;

		if (!p->installed || p->provides == NULL || !provides(p->provides, name, nlen))
			continue;
		r = arch_rank(db, p, qual, from);
		if (r >= 0 && r < best_rank) {
			best = (ssize_t)db->by_name[k];
			best_rank = r;
		}
	}
	return best;
}

static void warnf(jail_dpkg_warn_fn warn, void *arg, const char *fmt, ...) JAIL_PRINTF(3, 4);
static void warnf(jail_dpkg_warn_fn warn, void *arg, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	if (warn == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	warn(arg, msg ? msg : "(out of memory formatting a warning)");
	free(msg);
}

struct closure {
	const jail_dpkg_db_t *db;
	bool *in;
	size_t *out, n;
	jail_dpkg_warn_fn warn;
	void *warn_arg;
};

static void take(struct closure *cl, size_t i)
{
	if (!cl->in[i]) {
		cl->in[i] = true;
		cl->out[cl->n++] = i;
	}
}

/* One alternative "name[:qual] [(version)] [[arch]] [<profile>]": its name
 * and qualifier spans.  Returns false when it is malformed. */
static bool parse_alt(const char *a, size_t alen, const char **name, size_t *nlen, char qual[32])
{
	size_t i = 0, q0;

	while (i < alen && (a[i] == ' ' || a[i] == '\t'))
		i++;
	*name = a + i;
	while (i < alen && name_char(a[i]))
		i++;
	*nlen = (size_t)(a + i - *name);
	qual[0] = '\0';
	if (*nlen == 0)
		return false;
	if (i < alen && a[i] == ':') {
		q0 = ++i;
		while (i < alen && (isalnum((unsigned char)a[i]) || a[i] == '-'))
			i++;
		if (i == q0 || i - q0 >= 32)
			return false;
		memcpy(qual, a + q0, i - q0);
		qual[i - q0] = '\0';
	}
	/* What may follow the name: (version), [arch], <profile>, and
	 * nothing else. */
	for (;;) {
		const char *close;

		while (i < alen && (a[i] == ' ' || a[i] == '\t'))
			i++;
		if (i == alen)
			return true;
		if (a[i] != '(' && a[i] != '[' && a[i] != '<')
			return false;
		close = memchr(a + i, a[i] == '(' ? ')' : a[i] == '[' ? ']' : '>', alen - i);
		if (close == NULL)
			return false;
		i = (size_t)(close - a) + 1;
	}
}

/* Add what package I's field FIELD (a dependency list) needs. */
static int follow(struct closure *cl, size_t i, const char *what, const char *field,
		  jail_error_t *err)
{
	const jail_dpkg_pkg_t *p = &cl->db->v[i];
	const char *q = field;

	while (q && *q) {
		size_t glen = strcspn(q, ",");
		const char *g = q, *a = g, *gend = g + glen;
		bool done = false;

		q = *gend ? gend + 1 : gend;
		if (strspn(g, " \t") >= glen)
			continue; /* an empty group ("a, , b") */
		while (a < gend && !done) {
			const char *bar = memchr(a, '|', (size_t)(gend - a));
			size_t alen = bar ? (size_t)(bar - a) : (size_t)(gend - a);
			const char *name, *st;
			size_t nlen;
			char qual[32];
			ssize_t s;

			if (!parse_alt(a, alen, &name, &nlen, qual))
				return jail_error_fmt(err, EINVAL,
						      "%s:%zu: package %s: malformed %s entry "
						      "'%.*s'",
						      cl->db->file, p->line, p->name, what,
						      (int)glen, g);
			s = select_pkg(cl->db, name, nlen, qual[0] ? qual : NULL, p->arch, &st);
			if (s >= 0) {
				take(cl, (size_t)s);
				done = true;
			}
			a = bar ? bar + 1 : gend;
		}
		if (!done) {
			char *grp = strndup(g, glen);
			warnf(cl->warn, cl->warn_arg,
			      "package %s:%s: %s '%s' is not installed on this host: skipped",
			      p->name, p->arch, what, grp ? jail_strstrip(grp) : "?");
			free(grp);
		}
	}
	return 0;
}

int jail_dpkg_closure(const jail_dpkg_db_t *db, const jail_strv_t *names, bool lenient,
		      jail_dpkg_warn_fn warn, void *warn_arg, size_t **out, size_t *n_out,
		      jail_error_t *err)
{
	struct closure cl = {.db = db, .warn = warn, .warn_arg = warn_arg};
	int ret = -1;

	*out = NULL;
	*n_out = 0;
	cl.in = calloc(db->n + 1, sizeof(*cl.in));
	cl.out = calloc(db->n + 1, sizeof(*cl.out));
	if (cl.in == NULL || cl.out == NULL) {
		jail_error_set(err, ENOMEM, "dpkg closure");
		goto out;
	}
	for (size_t i = 0; names && i < names->n; i++) {
		const char *nm = names->v[i], *colon = strchr(nm, ':'), *st;
		size_t nlen = colon ? (size_t)(colon - nm) : strlen(nm);
		ssize_t s;

		if (!jail_dpkg_valid_name(nm)) {
			jail_error_fmt(err, EINVAL,
				       "'%s' is not a Debian package name (NAME or NAME:ARCH)", nm);
			goto out;
		}
		s = select_pkg(db, nm, nlen, colon ? colon + 1 : NULL, NULL, &st);
		if (s >= 0) {
			take(&cl, (size_t)s);
			continue;
		}
		if (st)
			jail_error_fmt(err, ENOENT,
				       "package '%s' is not installed on this host (dpkg status: "
				       "%s)",
				       nm, st);
		else
			jail_error_fmt(err, ENOENT,
				       "package '%s' is not installed on this host (%s does not "
				       "know it)",
				       nm, db->file);
		if (!lenient)
			goto out;
		warnf(warn, warn_arg, "%s: skipped", err->msg);
		jail_error_clear(err);
	}
	for (size_t k = 0; k < cl.n; k++) {
		const jail_dpkg_pkg_t *p = &db->v[cl.out[k]];
		if (follow(&cl, cl.out[k], "Pre-Depends", p->pre_depends, err) < 0 ||
		    follow(&cl, cl.out[k], "Depends", p->depends, err) < 0)
			goto out;
	}
	*out = cl.out;
	cl.out = NULL;
	*n_out = cl.n;
	ret = 0;
out:
	free(cl.in);
	free(cl.out);
	return ret;
}

/* ---- file lists ---- */

bool jail_dpkg_is_doc(const char *path)
{
	static const char *const docs[] = {
	    "/usr/share/doc",	 "/usr/share/man",     "/usr/share/info",
	    "/usr/share/locale", "/usr/share/lintian", "/usr/share/bug",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		size_t l = strlen(docs[i]);
		if (strncmp(path, docs[i], l) == 0 && (path[l] == '\0' || path[l] == '/'))
			return true;
	}
	return false;
}

int jail_dpkg_parse_list(const char *name, const char *buf, size_t len, bool docs,
			 jail_strv_t *paths, jail_error_t *err)
{
	const char *q = buf, *end = buf + len;
	size_t line = 0;

	if (memchr(buf, '\0', len) != NULL)
		return jail_error_fmt(err, EINVAL, "%s: contains a NUL byte", name);
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t ll = nl ? (size_t)(nl - q) : (size_t)(end - q);
		cleanup_free char *l = strndup(q, ll);

		q += ll + (nl ? 1 : 0);
		line++;
		if (l == NULL)
			return jail_error_set(err, ENOMEM, "%s", name);
		if (l[0] == '\0' || strcmp(l, "/.") == 0)
			continue;
		if (l[0] != '/')
			return jail_error_fmt(err, EINVAL, "%s:%zu: '%s' is not an absolute path",
					      name, line, l);
		if (!docs && jail_dpkg_is_doc(l))
			continue;
		if (jail_strv_push(paths, l, err) < 0)
			return -1;
	}
	return 0;
}

int jail_dpkg_files(const jail_dpkg_db_t *db, const size_t *pkgs, size_t n, size_t n_required,
		    bool docs, jail_dpkg_list_fn read_list, void *list_arg, jail_dpkg_warn_fn warn,
		    void *warn_arg, jail_strv_t *paths, jail_error_t *err)
{
	for (size_t k = 0; k < n; k++) {
		const jail_dpkg_pkg_t *p = &db->v[pkgs[k]];
		cleanup_free char *buf = NULL;
		cleanup_free char *lname = jail_strdup_printf("%s:%s.list", p->name, p->arch);
		size_t len = 0;

		if (lname == NULL)
			return jail_error_set(err, ENOMEM, "dpkg");
		if (read_list(list_arg, p, &buf, &len, err) < 0) {
			if (k < n_required || !jail_error_is(err, ENOENT))
				return jail_error_wrap(err, "file list of package %s:%s", p->name,
						       p->arch);
			warnf(warn, warn_arg,
			      "package %s:%s is installed but has no file list: skipped (%s)",
			      p->name, p->arch, err->msg);
			jail_error_clear(err);
			continue;
		}
		if (jail_dpkg_parse_list(lname, buf, len, docs, paths, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the host's files ---- */

static char *under_root(const char *root, const char *path)
{
	if (root == NULL || strcmp(root, "/") == 0)
		return strdup(path);
	return jail_strdup_printf("%s%s", root, path);
}

int jail_dpkg_load(const char *host_root, jail_dpkg_db_t **out, jail_error_t *err)
{
	cleanup_free char *path = under_root(host_root, JAIL_DPKG_STATUS);
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (path == NULL)
		return jail_error_set(err, ENOMEM, "dpkg");
	if (jail_read_trusted_file(path, DPKG_STATUS_MAX, &buf, &len, err) < 0)
		return jail_error_wrap(err, "dpkg database");
	return jail_dpkg_parse_status(path, buf, len, out, err);
}

int jail_dpkg_read_list(void *host_root, const jail_dpkg_pkg_t *p, char **buf, size_t *len,
			jail_error_t *err)
{
	/* Multi-Arch: same packages have NAME:ARCH.list, others NAME.list. */
	for (int qualified = 1; qualified >= 0; qualified--) {
		cleanup_free char *rel =
		    qualified ? jail_strdup_printf(JAIL_DPKG_INFO "/%s:%s.list", p->name, p->arch)
			      : jail_strdup_printf(JAIL_DPKG_INFO "/%s.list", p->name);
		cleanup_free char *path = rel ? under_root(host_root, rel) : NULL;

		if (path == NULL)
			return jail_error_set(err, ENOMEM, "dpkg");
		if (jail_read_trusted_file(path, DPKG_LIST_MAX, buf, len, err) == 0)
			return 0;
		if (!jail_error_is(err, ENOENT))
			return -1;
		jail_error_clear(err);
	}
	return jail_error_fmt(err, ENOENT, "no %s/%s.list or %s:%s.list", JAIL_DPKG_INFO, p->name,
			      p->name, p->arch);
}

/* ---- the tree writer's side ---- */

static void tree_warn(void *arg, const char *msg)
{
	jail_tree_report(arg, "warning", "dpkg", msg);
}

int jail_tree_add_packages(jail_tree_ctx_t *c, const jail_strv_t *names, bool docs,
			   jail_error_t *err)
{
	jail_dpkg_db_t *db = NULL;
	cleanup_free size_t *pkgs = NULL;
	jail_strv_t paths = {0};
	size_t n = 0, files = 0;
	unsigned long long bytes = 0;
	int ret = -1;

	if (names->n == 0)
		return 0;
	if (jail_dpkg_load(c->host_root, &db, err) < 0 ||
	    jail_dpkg_closure(db, names, c->updating, tree_warn, c, &pkgs, &n, err) < 0)
		goto out;
	if (jail_dpkg_files(db, pkgs, n, c->updating ? 0 : names->n, docs, jail_dpkg_read_list,
			    (void *)c->host_root, tree_warn, c, &paths, err) < 0)
		goto out;
	for (size_t i = 0; i < paths.n; i++) {
		size_t before = c->n;
		int r = jail_tree_add_listed(c, paths.v[i], err);

		if (r < 0)
			goto out;
		for (size_t k = before; k < c->n; k++) {
			if (c->ents[k].type == 'f') {
				files++;
				bytes += (unsigned long long)c->ents[k].hst.st_size;
			}
		}
	}
	{
		char detail[160];
		cleanup_free char *list = NULL;
		jail_buf_t b = {0};

		for (size_t i = 0; i < names->n; i++) {
			jail_buf_str(&b, i ? " " : "");
			jail_buf_str(&b, names->v[i]);
		}
		list = jail_buf_finish(&b, "packages", err);
		if (list == NULL)
			goto out;
		snprintf(detail, sizeof(detail),
			 "%zu packages in the closure, %zu files (%.1f MB) planned with the "
			 "libraries they need",
			 n, files, (double)bytes / 1e6);
		jail_tree_report(c, "packages", list, detail);
	}
	ret = 0;
out:
	jail_strv_clear(&paths);
	jail_dpkg_db_free(db);
	return ret;
}
