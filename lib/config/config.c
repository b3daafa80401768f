/* Configuration: jail.ini, users.d and the assignments (see config.h,
 * jail.ini(5)).  Files are loaded through ini.c (trusted, pre-scanned);
 * profiles are profile.c's. */
#define _GNU_SOURCE
#include "config/config.h"
#include "base/safefs.h"
#include "config/config-internal.h"
#include "confine/cgroup.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef JAIL_DATADIR
#define JAIL_DATADIR "/usr/local/share/jail"
#endif
#ifndef JAIL_SBINDIR
#define JAIL_SBINDIR "/usr/local/sbin"
#endif

/* ------------------------------------------------------------------------ */
/* jail.ini and users.d                                                      */

/* cgroup_parent: a relative cgroup path, at most 255 bytes. */
static bool valid_cgroup_parent(const char *v)
{
	return strlen(v) <= 255 && jail_cgroup_valid_path(v) > 0;
}

/* The [jail] keys, one row each: where the value goes, how it is checked
 * (NULL: an absolute path below /), what the message says it is not, and
 * the default (NULL: none).  The unknown-key message lists them in this
 * order; defaults and freeing walk the table too. */
typedef struct jail_key {
	const char *name; /* first: jail_ini_keys_t reads it */
	size_t offset;	  /* of a char * in jail_config_t */
	bool (*valid)(const char *v);
	const char *invalid;
	const char *dflt;
} jail_key_t;

#define CFG(member) offsetof(jail_config_t, member)

/* An absolute path with no "." or ".." component and no control
 * character. */
static bool valid_root(const char *v)
{
	if (v[0] != '/' || strlen(v) > 255)
		return false;
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
		if (p[0] == '/' && p[1] == '.' &&
		    (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
			return false;
	}
	return true;
}

static const jail_key_t jail_keys[] = {
    {"jail", CFG(default_jail), NULL, NULL, NULL},
    {"profile", CFG(default_profile), jail_valid_name,
     "is not a valid profile name (expected lower case letters, digits, '-', '_' or '.')",
     "default"},
    {"sections", CFG(sections_file), NULL, NULL, JAIL_DATADIR "/sections.ini"},
    {"cgroup_parent", CFG(cgroup_parent), valid_cgroup_parent,
     "is not a cgroup name (expected a relative path like jail or system.slice/jail)", "jail"},
    {"registry", CFG(registry_dir), NULL, NULL, "/run/jail/sessions"},
    {"jailsh", CFG(jailsh_path), NULL, NULL, JAIL_SBINDIR "/jailsh"},
    /* Where services' state_dir and logs_dir live on the host
     * (config/service.h). */
    {"state_root", CFG(state_root), valid_root, "is not an absolute path (expected /var/lib/jail)",
     "/var/lib/jail"},
    {"logs_root", CFG(logs_root), valid_root, "is not an absolute path (expected /var/log/jail)",
     "/var/log/jail"},
    /* The group name adduser passes to groupadd and gpasswd and
     * sshd_config's Match Group names: the rule of user names. */
    {"ssh_group", CFG(ssh_group), jail_valid_name,
     "is not a valid group name (expected lower case letters, digits, '_', '-' or '.')",
     JAIL_DEFAULT_SSH_GROUP},
};
#define N_JAIL_KEYS (sizeof(jail_keys) / sizeof(jail_keys[0]))

static char **jail_key_field(jail_config_t *cfg, const jail_key_t *k)
{
	return (char **)(void *)((char *)cfg + k->offset);
}

/* The users by name: open addressing with linear probing over CAP slots
 * (a power of two, at most half full), each 0 (empty) or an index into
 * cfg->users plus one.  Built as the users are pushed, so that the
 * duplicate check of each users.d file and every lookup take constant time
 * instead of a walk over the users before it (quadratic in the users for a
 * whole load: 10,000 users.d files made 50 million comparisons). */
struct jail_config_index {
	size_t *slot;
	size_t cap;
	size_t n; /* users indexed: cfg->users[0 .. n-1] */
};

static const char *const assign_keys[] = {"jail", "profile", "shell"};

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
	for (size_t i = 0; i < N_JAIL_KEYS; i++)
		free(*jail_key_field(cfg, &jail_keys[i]));
	for (size_t i = 0; i < cfg->n_users; i++)
		assign_clear(&cfg->users[i]);
	free(cfg->users);
	for (size_t i = 0; i < cfg->n_groups; i++)
		assign_clear(&cfg->groups[i]);
	free(cfg->groups);
	if (cfg->user_index)
		free(cfg->user_index->slot);
	free(cfg->user_index);
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

static size_t name_hash(const char *s)
{
	uint64_t h = jail_hash_str(s);

	return (size_t)(h ^ (h >> 32));
}

/* The slot holding NAME, or the empty slot where it would go. */
static size_t *index_slot(const jail_config_t *cfg, const char *name)
{
	const struct jail_config_index *x = cfg->user_index;
	size_t mask = x->cap - 1;

	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
		if (x->slot[i] == 0 || strcmp(cfg->users[x->slot[i] - 1].name, name) == 0)
			return &x->slot[i];
}

/* Index cfg->users[x->n] (just pushed), growing the table first when it
 * would be more than half full.  A name already indexed keeps its first
 * entry. */
static int index_add(jail_config_t *cfg, jail_error_t *err)
{
	struct jail_config_index *x = cfg->user_index;
	size_t *s;

	if (x == NULL) {
		x = calloc(1, sizeof(*x));
		if (x == NULL)
			return jail_error_set(err, ENOMEM, "config");
		cfg->user_index = x;
	}
	if ((x->n + 1) * 2 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16, *old = x->slot, n = x->n;

		x->slot = calloc(cap, sizeof(*x->slot));
		if (x->slot == NULL) {
			x->slot = old;
			return jail_error_set(err, ENOMEM, "config");
		}
		free(old);
		x->cap = cap;
		/* in order, so that a duplicate name keeps its first entry */
		for (x->n = 0; x->n < n; x->n++) {
			s = index_slot(cfg, cfg->users[x->n].name);
			if (*s == 0)
				*s = x->n + 1;
		}
	}
	s = index_slot(cfg, cfg->users[x->n].name);
	if (*s == 0)
		*s = x->n + 1;
	x->n++;
	return 0;
}

/* The first user entry named NAME: through the index when it covers every
 * user, else (a jail_config_t filled by hand) in order. */
static const jail_assign_t *find_user(const jail_config_t *cfg, const char *name)
{
	if (cfg->user_index && cfg->user_index->n == cfg->n_users) {
		size_t i = *index_slot(cfg, name);
		return i ? &cfg->users[i - 1] : NULL;
	}
	for (size_t i = 0; i < cfg->n_users; i++)
		if (strcmp(cfg->users[i].name, name) == 0)
			return &cfg->users[i];
	return NULL;
}

/* Push A to the users and index it. */
static int push_user(jail_config_t *cfg, jail_assign_t *a, jail_error_t *err)
{
	if (push_assign(&cfg->users, &cfg->n_users, a, err) < 0)
		return -1;
	if (index_add(cfg, err) < 0) {
		/* taken back, so that the index covers every user again */
		assign_clear(&cfg->users[--cfg->n_users]);
		return -1;
	}
	return 0;
}

/* Read section SEC ("user:bob") of INI (PATH) into A. */
static int parse_assign(const jail_config_t *cfg, const jail_ini_t *ini, const char *path,
			const char *sec, const char *name, jail_assign_t *a, jail_error_t *err)
{
	const char *v;

	if (jail_ini_check_keys(ini, path, sec, JAIL_INI_KEYS(assign_keys), err) < 0)
		return -1;
	a->name = strdup(name);
	a->file = jail_strdup_printf("%s [%s]", path, sec);
	if (a->name == NULL || a->file == NULL)
		return jail_error_set(err, ENOMEM, "config");
	v = jail_ini_get(ini, sec, "jail");
	if (v == NULL || v[0] == '\0') {
		if (cfg->default_jail == NULL)
			return jail_error_fmt(
			    err, EINVAL,
			    "%s: [%s] jail: not set, and [jail] jail in %s/jail.ini "
			    "gives no default (expected an absolute path)",
			    path, sec, cfg->dir);
		a->jail = strdup(cfg->default_jail);
	} else {
		a->jail = jail_config_abs_path(v, err);
		if (a->jail == NULL)
			return jail_error_wrap(err, "%s: [%s] jail", path, sec);
	}
	v = jail_ini_get(ini, sec, "profile");
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
	v = jail_ini_get(ini, sec, "shell");
	if (v != NULL && v[0] != '\0') {
		a->shell = jail_config_shell(v, err);
		if (a->shell == NULL)
			return jail_error_wrap(err, "%s: [%s] shell", path, sec);
	}
	return 0;
}

static int parse_jail_section(jail_config_t *cfg, const jail_ini_t *ini, const char *path,
			      jail_error_t *err)
{
	const dictionary *d = ini->d;

	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec, *key, *v = d->val[i];
		const jail_key_t *k = NULL;
		char **dst;
		char *val;

		if (d->key[i] == NULL || v == NULL)
			continue;
		key = jail_ini_entry_key(ini, i, &sec);
		if (strcmp(sec, "jail") != 0)
			continue;
		for (size_t j = 0; j < N_JAIL_KEYS && k == NULL; j++)
			if (strcmp(jail_keys[j].name, key) == 0)
				k = &jail_keys[j];
		if (k == NULL)
			return jail_ini_unknown_key(path, "jail", key, JAIL_INI_KEYS(jail_keys),
						    err);
		dst = jail_key_field(cfg, k);
		if (k->valid) {
			if (!k->valid(v))
				return jail_error_fmt(err, EINVAL, "%s: [jail] %s: '%s' %s", path,
						      key, v, k->invalid);
			if (jail_config_set_str(dst, v, err) < 0)
				return -1;
			continue;
		}
		val = jail_config_abs_path(v, err);
		if (val == NULL)
			return jail_error_wrap(err, "%s: [jail] %s", path, key);
		if (strcmp(val, "/") == 0) {
			free(val);
			return jail_error_fmt(err, EINVAL,
					      "%s: [jail] %s: '/' is not allowed (expected "
					      "an absolute path below /)",
					      path, key);
		}
		free(*dst);
		*dst = val;
	}
	return 0;
}

static int load_jail_ini(jail_config_t *cfg, int confd, jail_error_t *err)
{
	cleanup_free char *path = jail_strdup_printf("%s/jail.ini", cfg->dir);
	cleanup_ini jail_ini_t *ini = NULL;
	const dictionary *d;
	bool missing = false;

	if (path == NULL)
		return jail_error_set(err, ENOMEM, "config");
	if (jail_ini_load_at(confd, "jail.ini", path, &ini, &missing, err) < 0)
		return -1;
	if (missing)
		return 0;
	d = ini->d;
	/* [jail] first: its defaults apply to [user:] sections above it too. */
	if (jail_ini_check_no_orphans(ini, path, err) < 0 ||
	    parse_jail_section(cfg, ini, path, err) < 0)
		return -1;
	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec = d->key[i];
		jail_assign_t a = {0};
		bool is_user;

		if (!jail_ini_is_section(d, i) || strcmp(sec, "jail") == 0)
			continue;
		is_user = strncmp(sec, "user:", 5) == 0;
		if (!is_user && strncmp(sec, "group:", 6) != 0) {
			return jail_error_fmt(
			    err, EINVAL,
			    "%s: [%s]: unknown section (expected [jail], [user:NAME] "
			    "or [group:NAME])",
			    path, sec);
		}
		if (!jail_valid_name(strchr(sec, ':') + 1)) {
			return jail_error_fmt(
			    err, EINVAL,
			    "%s: [%s]: '%s' is not a valid %s name (expected lower case "
			    "letters, digits, '_', '-' or '.', at most 32 characters)",
			    path, sec, strchr(sec, ':') + 1, is_user ? "user" : "group");
		}
		if (parse_assign(cfg, ini, path, sec, strchr(sec, ':') + 1, &a, err) < 0 ||
		    (is_user ? push_user(cfg, &a, err)
			     : push_assign(&cfg->groups, &cfg->n_groups, &a, err)) < 0) {
			assign_clear(&a);
			return -1;
		}
	}
	return 0;
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
	cleanup_ini jail_ini_t *ini = NULL;
	const dictionary *d;
	int nsec = 0;

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
	if (jail_ini_load_at(udir, fname, path, &ini, NULL, err) < 0)
		return -1;
	d = ini->d;
	if (jail_ini_check_no_orphans(ini, path, err) < 0)
		return -1;
	for (ssize_t i = 0; i < d->size; i++) {
		if (!jail_ini_is_section(d, i))
			continue;
		nsec++;
		if (strcmp(d->key[i], want) != 0)
			return jail_error_fmt(err, EINVAL,
					      "%s: [%s]: unexpected section (expected only [%s], "
					      "matching the file name)",
					      path, d->key[i], want);
	}
	if (nsec != 1)
		return jail_error_fmt(err, EINVAL, "%s: no [%s] section (expected exactly one)",
				      path, want);
	prev = find_user(cfg, name);
	if (prev)
		return jail_error_fmt(err, EEXIST,
				      "%s: user '%s' is defined twice: here and in %s (expected "
				      "one definition)",
				      path, name, prev->file);
	if (parse_assign(cfg, ini, path, want, name, &a, err) < 0 || push_user(cfg, &a, err) < 0) {
		assign_clear(&a);
		return -1;
	}
	return 0;
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
	cleanup_dir DIR *dh = NULL;
	struct dirent *de;
	int ret = 0;

	udir = jail_config_open_subdir(confd, cfg->dir, "users.d", &missing, err);
	if (udir < 0)
		return missing ? 0 : -1;
	dh = jail_opendir_fd(udir, NULL, err);
	if (dh == NULL)
		return jail_error_wrap(err, "open %s/users.d", cfg->dir);
	while ((de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name);

		/* Editor backups (x.ini~, .x.ini.swp) and our own temporaries are skipped.
		 */
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
	udir = jail_config_open_subdir(confd, cfg->dir, "users.d", &missing, err);
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
			if (jail_profile_load_at(confd, cfg->dir, arr[i].profile, &p, err) < 0)
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
	confd = jail_config_open_dir(dir, &cfg->dir, err);
	if (confd < 0)
		goto fail;
	for (size_t i = 0; i < N_JAIL_KEYS; i++)
		if (jail_keys[i].dflt && jail_config_set_str(jail_key_field(cfg, &jail_keys[i]),
							     jail_keys[i].dflt, err) < 0)
			goto fail;
	if (load_jail_ini(cfg, confd, err) < 0)
		goto fail;
	if (only_user ? load_one_user(cfg, confd, only_user, err) < 0
		      : !(flags & JAIL_CONFIG_NO_USERS_D) && load_users_d(cfg, confd, err) < 0)
		goto fail;
	if (!(flags & JAIL_CONFIG_SKIP_PROFILES) && check_profiles(cfg, confd, err) < 0)
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
	a = find_user(cfg, user);
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
