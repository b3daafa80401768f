/* Profiles (see profile.h, jail.ini(5)): one key table, OpenSSH
 * servconf.c's keywords[] done for a struct.  Every key is one row: its
 * name, the parser that validates a value and stores it, where the value
 * lives in jail_profile_t (mostly in the embedded sandbox spec) and its
 * default, given as text the same parser reads.  Defaults, loading, the
 * unknown-key message and includes all walk the table; there is no other
 * list of profile keys. */
#define _GNU_SOURCE
#include "config/profile.h"
#include "confine/mounts.h"
#include "config/config-internal.h"
#include "confine/restrict.h"
#include "confine/seccomp.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#define INCLUDE_MAX_DEPTH 8
#define KEY_INCLUDE	  "include"

/* ------------------------------------------------------------------------ */
/* Value parsers: each validates V and stores it in FIELD (the row's member
 * of jail_profile_t).  Errors do not name file/section/key: the caller wraps
 * them. */

typedef int (*profile_parse_fn)(void *field, const char *v, jail_error_t *err);

static int parse_text(void *field, const char *v, jail_error_t *err)
{
	return jail_config_set_str(field, v, err);
}

static int parse_net(void *field, const char *v, jail_error_t *err)
{
	jail_net_t *net = field;

	if (strcasecmp(v, "host") == 0)
		*net = JAIL_NET_HOST;
	else if (strcasecmp(v, "none") == 0)
		*net = JAIL_NET_NONE;
	else if (strcasecmp(v, "private") == 0)
		*net = JAIL_NET_PRIVATE;
	else
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not valid (expected host, none or private)", v);
	return 0;
}

static int parse_yesno(void *field, const char *v, jail_error_t *err)
{
	if (jail_parse_bool(v, field, NULL) < 0)
		return jail_error_fmt(err, EINVAL, "'%s' is not valid (expected yes or no)", v);
	return 0;
}

static int parse_mode(void *field, const char *v, jail_error_t *err)
{
	jail_mode_t *out = field;

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

static int parse_seccomp(void *field, const char *v, jail_error_t *err)
{
	jail_seccomp_policy_t *out = field;

	if (strcasecmp(v, "default") == 0)
		*out = JAIL_SECCOMP_DEFAULT;
	else if (strcasecmp(v, "strict") == 0)
		*out = JAIL_SECCOMP_STRICT;
	else if (strcasecmp(v, "off") == 0)
		*out = JAIL_SECCOMP_OFF;
	else
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not valid (expected default, strict or off)", v);
	return 0;
}

static int parse_hostname(void *field, const char *v, jail_error_t *err)
{
	if (!jail_valid_hostname(v))
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a valid host name (expected letters, "
				      "digits, '-' and '.', at most 64 characters, RFC 1123)",
				      v);
	return jail_config_set_str(field, v, err);
}

static int parse_apparmor_profile(void *field, const char *v, jail_error_t *err)
{
	if (!jail_valid_apparmor_name(v))
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a valid AppArmor profile name (expected "
				      "letters, digits and - _ . / +)",
				      v);
	return jail_config_set_str(field, v, err);
}

static int parse_shell(void *field, const char *v, jail_error_t *err)
{
	char **dst = field;
	char *sh = jail_config_shell(v, err);

	if (sh == NULL)
		return -1;
	free(*dst);
	*dst = sh;
	return 0;
}

static int parse_memory_max(void *field, const char *v, jail_error_t *err)
{
	uint64_t n;

	if (jail_parse_size(v, &n, err) < 0)
		return -1;
	if (n < (1ULL << 20))
		return jail_error_fmt(err, EINVAL,
				      "'%s' is too small (expected at least 1M, or max)", v);
	*(uint64_t *)field = n;
	return 0;
}

static int parse_pids_max(void *field, const char *v, jail_error_t *err)
{
	uint64_t n;

	if (strcasecmp(v, "max") == 0)
		n = UINT64_MAX;
	else if (jail_parse_u64(v, &n, err) < 0 || n < 1 || n > 4194304)
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a process count (expected 1 to 4194304, "
				      "or max)",
				      v);
	*(uint64_t *)field = n;
	return 0;
}

static int parse_cpu_max(void *field, const char *v, jail_error_t *err)
{
	uint64_t n;

	if (strcasecmp(v, "max") == 0)
		n = 0;
	else if (jail_parse_u64(v, &n, err) < 0 || n > 100000)
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a CPU percentage (expected 0 to 100000, "
				      "in %% of one CPU; 0 or max = unlimited)",
				      v);
	*(uint64_t *)field = n;
	return 0;
}

static int parse_io_weight(void *field, const char *v, jail_error_t *err)
{
	uint64_t n;

	if (jail_parse_u64(v, &n, err) < 0 || n > 10000)
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not an I/O weight (expected 1 to 10000, or 0 "
				      "for unset)",
				      v);
	*(uint64_t *)field = n;
	return 0;
}

/* tmp_size, run_size. */
static int parse_tmpfs_size(void *field, const char *v, jail_error_t *err)
{
	uint64_t n;

	/* tmpfs size=0 means unlimited: never let a typo do that. */
	if (strcasecmp(v, "max") == 0)
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not allowed (expected a size of at least 64K)", v);
	if (jail_parse_size(v, &n, err) < 0)
		return -1;
	if (n < (64ULL << 10))
		return jail_error_fmt(err, EINVAL,
				      "'%s' is too small (expected a size of at least 64K)", v);
	*(uint64_t *)field = n;
	return 0;
}

/* linger = no | yes | DURATION (N, Ns, Nmin, Nh; 1s to 7 days). */
static int parse_linger(void *field, const char *v, jail_error_t *err)
{
	size_t nd = strspn(v, "0123456789");
	const char *unit = v + nd;
	uint64_t n = 0, mult;

	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0) {
		*(uint64_t *)field = 0;
		return 0;
	}
	if (strcasecmp(v, "yes") == 0) {
		*(uint64_t *)field = JAIL_LINGER_DEFAULT_MS;
		return 0;
	}
	if (nd == 0 || nd > 9)
		goto bad;
	for (size_t i = 0; i < nd; i++)
		n = n * 10 + (uint64_t)(v[i] - '0');
	if (*unit == '\0' || strcmp(unit, "s") == 0)
		mult = 1000;
	else if (strcmp(unit, "min") == 0)
		mult = 60 * 1000;
	else if (strcmp(unit, "h") == 0)
		mult = 3600 * 1000;
	else
		goto bad;
	if (n == 0 || n * mult > JAIL_LINGER_MAX_MS)
		goto bad;
	*(uint64_t *)field = n * mult;
	return 0;
bad:
	return jail_error_fmt(err, EINVAL,
			      "'%s' is not valid (expected no, yes or an idle timeout N, Ns, Nmin "
			      "or Nh, from 1s to 7 days)",
			      v);
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                     */

static char *check_bind(char *item, jail_error_t *err)
{
	cleanup_free char *copy = strdup(item);
	cleanup_free char *host = NULL;
	cleanup_free char *target = NULL;
	const char *refusal;
	char *colon;

	if (copy == NULL) {
		jail_error_set(err, ENOMEM, "bind");
		return NULL;
	}
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	host = jail_config_abs_path(copy, err);
	if (host == NULL)
		goto bad;
	if (colon) {
		target = jail_config_abs_path(colon + 1, err);
		if (target == NULL)
			goto bad;
	} else {
		target = strdup(host);
		if (target == NULL) {
			jail_error_set(err, ENOMEM, "bind");
			return NULL;
		}
	}
	/* The session mounts its own /proc and /dev (confine/mounts.h). */
	refusal = jail_bind_target_refusal(target);
	if (refusal && strcmp(refusal, "/") == 0) {
		jail_error_fmt(err, EINVAL, "'%s': cannot bind over the jail root", item);
		goto bad;
	}
	if (refusal) {
		jail_error_fmt(err, EINVAL, "'%s': cannot bind at or beneath %s", item, refusal);
		goto bad;
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

static int parse_caps(void *field, const char *v, jail_error_t *err)
{
	jail_strv_t *out = field;

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
	if (!jail_restrict_valid_command(name)) {
		jail_error_fmt(err, EINVAL,
			       "'%s' is not a bare command name (expected a program "
			       "name without '/', like sftp-server)",
			       name);
		return NULL;
	}
	return dup_item(name, err);
}

static int parse_syscalls(void *field, const char *v, jail_error_t *err)
{
	return parse_list(v, field, check_syscall, err);
}

static int parse_binds(void *field, const char *v, jail_error_t *err)
{
	return parse_list(v, field, check_bind, err);
}

static int parse_commands(void *field, const char *v, jail_error_t *err)
{
	return parse_list(v, field, check_command, err);
}

/* ------------------------------------------------------------------------ */
/* The key table                                                             */

typedef struct profile_key {
	const char *name;	/* first: jail_ini_keys_t reads it */
	profile_parse_fn parse; /* NULL: include, handled by profile_apply */
	size_t offset;		/* of the value in jail_profile_t */
	const char *dflt;	/* the default as text for parse; NULL: zero/empty */
} profile_key_t;

#define PROFILE(member) offsetof(jail_profile_t, member)
#define SPEC(member)	offsetof(jail_profile_t, spec.member)

/* In the order the unknown-key message lists them. */
static const profile_key_t profile_keys[] = {
    {KEY_INCLUDE, NULL, 0, NULL},
    {"description", parse_text, PROFILE(description), NULL},
    {"net", parse_net, SPEC(net), "host"},
    {"hostname", parse_hostname, SPEC(hostname), "jail"},
    {"cgroup", parse_mode, SPEC(cgroup), "optional"},
    {"memory_max", parse_memory_max, SPEC(limits.memory_max), "1G"},
    {"pids_max", parse_pids_max, SPEC(limits.pids_max), "512"},
    {"cpu_max", parse_cpu_max, SPEC(limits.cpu_max_percent), "max"},
    {"io_weight", parse_io_weight, SPEC(limits.io_weight), "0"},
    {"caps", parse_caps, SPEC(caps_keep), NULL},
    {"seccomp", parse_seccomp, SPEC(seccomp), "default"},
    {"seccomp_allow", parse_syscalls, SPEC(seccomp_allow), NULL},
    {"seccomp_deny", parse_syscalls, SPEC(seccomp_deny), NULL},
    {"apparmor", parse_mode, SPEC(apparmor), "optional"},
    {"apparmor_profile", parse_apparmor_profile, SPEC(apparmor_profile), "jail-default"},
    {"landlock", parse_mode, SPEC(landlock), "optional"},
    {"tmp_size", parse_tmpfs_size, SPEC(tmp_size), "64M"},
    {"run_size", parse_tmpfs_size, SPEC(run_size), "8M"},
    {"bind_ro", parse_binds, SPEC(bind_ro), NULL},
    {"bind_rw", parse_binds, SPEC(bind_rw), NULL},
    {"private_view", parse_yesno, SPEC(private_view), "no"},
    {"commands", parse_commands, SPEC(commands), NULL},
    {"shell", parse_shell, PROFILE(shell), JAIL_DEFAULT_SHELL},
    {"linger", parse_linger, PROFILE(linger_ms), "no"},
};

static const profile_key_t *profile_key(const char *name)
{
	for (size_t i = 0; i < sizeof(profile_keys) / sizeof(profile_keys[0]); i++)
		if (strcmp(profile_keys[i].name, name) == 0)
			return &profile_keys[i];
	return NULL;
}

static int profile_set(jail_profile_t *p, const profile_key_t *k, const char *v, jail_error_t *err)
{
	return k->parse((char *)p + k->offset, v, err);
}

static int profile_defaults(jail_profile_t *p, const char *name, jail_error_t *err)
{
	if (jail_config_set_str(&p->name, name, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(profile_keys) / sizeof(profile_keys[0]); i++) {
		const profile_key_t *k = &profile_keys[i];
		if (k->parse && k->dflt && profile_set(p, k, k->dflt, err) < 0)
			return jail_error_wrap(err, "default of %s", k->name);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */

typedef struct profile_stack {
	const char *names[INCLUDE_MAX_DEPTH + 1];
	size_t n;
} profile_stack_t;

static int profile_apply(int profdir, const char *dirpath, const char *name, jail_profile_t *p,
			 profile_stack_t *stack, const char *from, jail_error_t *err);

/* Apply the loaded file INI (PATH) onto P: its include first, then its keys. */
static int profile_apply_file(int profdir, const char *dirpath, const jail_ini_t *ini,
			      const char *path, jail_profile_t *p, profile_stack_t *stack,
			      jail_error_t *err)
{
	const dictionary *d = ini->d;
	bool have_section = false;
	const char *inc;

	if (jail_ini_check_no_orphans(ini, path, err) < 0)
		return -1;
	for (ssize_t i = 0; i < d->size; i++) {
		if (!jail_ini_is_section(d, i))
			continue;
		if (strcmp(d->key[i], "profile") != 0) {
			return jail_error_fmt(err, EINVAL,
					      "%s: [%s]: unknown section (expected only [profile])",
					      path, d->key[i]);
		}
		have_section = true;
	}
	if (!have_section)
		return jail_error_fmt(err, EINVAL, "%s: no [profile] section (expected one)", path);
	/* Unknown keys first, so that a typo is reported even next to a bad include. */
	if (jail_ini_check_keys(ini, path, "profile", JAIL_INI_KEYS(profile_keys), err) < 0)
		return -1;
	inc = jail_ini_get(ini, "profile", KEY_INCLUDE);
	if (inc != NULL) {
		cleanup_free char *where = jail_strdup_printf("%s: [profile] include", path);
		cleanup_free char *incname = strdup(inc);
		if (where == NULL || incname == NULL)
			return jail_error_set(err, ENOMEM, "profile");
		if (profile_apply(profdir, dirpath, jail_strstrip(incname), p, stack, where, err) <
		    0)
			return -1;
	}
	for (ssize_t i = 0; i < d->size; i++) {
		const char *sec, *key;
		const profile_key_t *k;
		if (d->key[i] == NULL || d->val[i] == NULL)
			continue;
		key = jail_ini_entry_key(ini, i, &sec);
		k = profile_key(key);
		if (k == NULL || k->parse == NULL) /* include: applied above */
			continue;
		if (profile_set(p, k, d->val[i], err) < 0)
			return jail_error_wrap(err, "%s: [profile] %s", path, key);
	}
	return 0;
}

/* Apply DIR/profiles/NAME.ini (PROFDIR is an fd of DIR/profiles) onto P,
 * includes first.  FROM names the file/key that asked for NAME (NULL for the
 * top level) so that a missing include says where it was named. */
static int profile_apply(int profdir, const char *dirpath, const char *name, jail_profile_t *p,
			 profile_stack_t *stack, const char *from, jail_error_t *err)
{
	cleanup_free char *path = jail_strdup_printf("%s/profiles/%s.ini", dirpath, name);
	cleanup_free char *fname = jail_strdup_printf("%s.ini", name);
	cleanup_ini jail_ini_t *ini = NULL;
	bool missing = false;
	int ret;

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
	if (jail_ini_load_at(profdir, fname, path, &ini, &missing, err) < 0)
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
	ret = profile_apply_file(profdir, dirpath, ini, path, p, stack, err);
	stack->n--;
	return ret;
}
int jail_profile_load_at(int confd, const char *dirpath, const char *name, jail_profile_t **out,
			 jail_error_t *err)
{
	cleanup_close int profdir = -1;
	profile_stack_t stack = {.n = 0};
	jail_profile_t *p;
	bool missing;

	profdir = jail_config_open_subdir(confd, dirpath, "profiles", &missing, err);
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

int jail_profile_load(const char *dir, const char *name, jail_profile_t **out, jail_error_t *err)
{
	cleanup_free char *norm = NULL;
	cleanup_close int confd = jail_config_open_dir(dir, &norm, err);

	*out = NULL;
	if (confd < 0)
		return -1;
	return jail_profile_load_at(confd, norm, name, out, err);
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
