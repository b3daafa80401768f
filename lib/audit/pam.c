/* The audit of the PAM session stacks: pam_jail.so where sshd needs it,
 * in an order that cannot skip it. */
#define _GNU_SOURCE
#include "audit/audit-internal.h"
#include "audit/audit.h"
#include "base/safefs.h"
#include "base/text.h"
#include "session/session.h"
#include "tree/tree.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * PAM */

void jail_pam_stack_clear(jail_pam_stack_t *stack)
{
	for (size_t i = 0; i < stack->n; i++) {
		free(stack->v[i].module);
		free(stack->v[i].control);
		free(stack->v[i].file);
	}
	free(stack->v);
	stack->v = NULL;
	stack->n = stack->cap = 0;
}

typedef struct pam_parse {
	const char *dir;
	int dirfd;
	jail_pam_stack_t *stack;
	jail_findings_t *out;
	jail_error_t *err;
	jail_strv_t active; /* include chain, for cycles */
	/* Part of the stack could not be followed (a cycle, too deep, an
	 * include outside the directory): pam_jail may hide there. */
	bool incomplete;
} pam_parse_t;

static int pam_push(pam_parse_t *pp, const char *module, const char *control, const char *file,
		    unsigned line, bool dash)
{
	jail_pam_stack_t *s = pp->stack;
	jail_pam_entry_t e = {.line = line, .dash = dash};

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		jail_pam_entry_t *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(pp->err, ENOMEM, "pam stack");
		s->v = nv;
		s->cap = ncap;
	}
	e.module = strdup(module);
	e.control = strdup(control);
	e.file = strdup(file);
	if (e.module == NULL || e.control == NULL || e.file == NULL) {
		free(e.module);
		free(e.control);
		free(e.file);
		return jail_error_set(pp->err, ENOMEM, "pam stack");
	}
	s->v[s->n++] = e;
	return 0;
}

/* Next token of a pam.d line: whitespace separated, "[...]" kept whole
 * (it may hold spaces; "\]" does not close it).  NULL at the end. */
static char *pam_token(char **pos)
{
	char *p = *pos, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		*pos = p;
		return NULL;
	}
	start = p;
	if (*p == '[') {
		while (*p && !(*p == ']' && p[-1] != '\\'))
			p++;
		if (*p == ']')
			p++;
	} else {
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (*p)
		*p++ = '\0';
	*pos = p;
	return start;
}

static int pam_parse_file(pam_parse_t *pp, const char *name, const char *from, int depth);

static int pam_include(pam_parse_t *pp, const char *name, const char *file, unsigned lineno,
		       int depth)
{
	cleanup_free char *from = jail_strdup_printf("%s:%u", file, lineno);

	if (from == NULL)
		return jail_error_set(pp->err, ENOMEM, "pam");
	if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		pp->incomplete = true;
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, file,
					 "include a file of the PAM directory by its name", pp->err,
					 "line %u includes '%s', outside %s: not followed, the "
					 "session stack cannot be verified",
					 lineno, name, pp->dir);
	}
	return pam_parse_file(pp, name, from, depth + 1);
}

static int pam_parse_line(pam_parse_t *pp, char *line, const char *file, unsigned lineno, int depth)
{
	char *pos = line;
	char *type = pam_token(&pos);
	char *control, *module;
	bool dash = false;

	if (type == NULL)
		return 0;
	if (strcmp(type, "@include") == 0) {
		char *inc = pam_token(&pos);
		if (inc == NULL)
			return jail_findings_add(pp->out, JAIL_SEV_WARNING, NULL, file,
						 "name the file to include", pp->err,
						 "line %u: @include without a file", lineno);
		return pam_include(pp, inc, file, lineno, depth);
	}
	if (type[0] == '-') {
		dash = true;
		type++;
	}
	if (strcasecmp(type, "session") != 0)
		return 0;
	control = pam_token(&pos);
	module = pam_token(&pos);
	if (control == NULL || module == NULL)
		return jail_findings_add(pp->out, JAIL_SEV_WARNING, NULL, file,
					 "write 'session CONTROL MODULE [ARGS]'", pp->err,
					 "line %u: malformed session line", lineno);
	if (strcasecmp(control, "include") == 0 || strcasecmp(control, "substack") == 0)
		return pam_include(pp, module, file, lineno, depth);
	return pam_push(pp, module, control, file, lineno, dash);
}

static int pam_parse_file(pam_parse_t *pp, const char *name, const char *from, int depth)
{
	cleanup_free char *path = jail_strdup_printf("%s/%s", pp->dir, name);
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	jail_error_t lerr = {0};
	char *line, *next;
	unsigned lineno = 0;
	int ret = 0;

	if (path == NULL)
		return jail_error_set(pp->err, ENOMEM, "pam");
	if (depth > PAM_MAX_DEPTH || jail_strv_contains(&pp->active, name))
		pp->incomplete = true;
	if (depth > PAM_MAX_DEPTH)
		return jail_findings_add(
		    pp->out, JAIL_SEV_CRITICAL, NULL, path, "simplify the includes", pp->err,
		    "includes nest deeper than %d (from %s)", PAM_MAX_DEPTH, from);
	if (jail_strv_contains(&pp->active, name))
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, path,
					 "remove the include cycle", pp->err,
					 "include cycle (included again from %s)", from);
	/* pam.d belongs to root: the host is trusted, no O_NOFOLLOW needed. */
	fd = openat(pp->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (from == NULL)
			return jail_findings_add(
			    pp->out, JAIL_SEV_CRITICAL, NULL, path,
			    "create it with '" FIX_PAM_JAIL_LINE "' as the last session line",
			    pp->err, "PAM service file %s: %s",
			    e == ENOENT ? "missing" : "unreadable", strerror(e));
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, path,
					 "create it or remove the include", pp->err,
					 "included from %s but %s", from,
					 e == ENOENT ? "missing" : strerror(e));
	}
	if (jail_read_all(fd, PAM_MAX_FILE, &text, NULL, &lerr) < 0)
		return jail_findings_add(pp->out, JAIL_SEV_CRITICAL, NULL, path, "", pp->err,
					 "cannot read: %s", lerr.msg);
	if (jail_strv_push(&pp->active, name, pp->err) < 0)
		return -1;
	for (line = text; line && *line && ret == 0; line = next) {
		unsigned start = ++lineno;
		char *nl, *hash;

		/* Join "\<newline>" continuations (as Linux-PAM does). */
		for (;;) {
			nl = strchr(line, '\n');
			if (nl && nl > line && nl[-1] == '\\') {
				nl[-1] = ' ';
				nl[0] = ' ';
				lineno++;
				continue;
			}
			break;
		}
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		ret = pam_parse_line(pp, line, path, start, depth);
	}
	/* Pop NAME from the include chain. */
	free(pp->active.v[--pp->active.n]);
	pp->active.v[pp->active.n] = NULL;
	return ret;
}

/* The session stack of SERVICE; *incomplete tells whether part of it
 * could not be followed (see pam_parse_t). */
static int pam_stack_build(const char *pam_dir, const char *service, jail_pam_stack_t *stack,
			   jail_findings_t *problems, bool *incomplete, jail_error_t *err)
{
	pam_parse_t pp = {.dir = pam_dir, .stack = stack, .out = problems, .err = err};
	int ret;

	*incomplete = false;
	pp.dirfd = open(pam_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pp.dirfd < 0) {
		*incomplete = true;
		return jail_findings_add(problems, JAIL_SEV_CRITICAL, NULL, pam_dir,
					 "pass the PAM configuration directory (--pam-dir)", err,
					 "cannot open the PAM directory: %s", strerror(errno));
	}
	ret = pam_parse_file(&pp, service, NULL, 0);
	close(pp.dirfd);
	jail_strv_clear(&pp.active);
	*incomplete = pp.incomplete;
	return ret;
}

int jail_pam_session_stack(const char *pam_dir, const char *service, jail_pam_stack_t *stack,
			   jail_findings_t *problems, jail_error_t *err)
{
	bool incomplete;

	return pam_stack_build(pam_dir, service, stack, problems, &incomplete, err);
}

static const char *pam_basename(const char *module)
{
	const char *s = strrchr(module, '/');
	return s ? s + 1 : module;
}

/* What CONTROL does to the stack when the module returns: *ends_ok when a
 * success can end the stack (sufficient, "=done"), *jump the largest jump. */
static void pam_control_effect(const char *control, bool *ends_ok, unsigned long *jump)
{
	*ends_ok = false;
	*jump = 0;
	if (strcasecmp(control, "sufficient") == 0) {
		*ends_ok = true;
		return;
	}
	if (control[0] != '[')
		return;
	for (const char *p = control; (p = strchr(p, '=')) != NULL; p++) {
		const char *v = p + 1;
		if (strncasecmp(v, "done", 4) == 0) {
			*ends_ok = true;
		} else if (*v >= '0' && *v <= '9') {
			unsigned long n = strtoul(v, NULL, 10);
			if (n > *jump)
				*jump = n;
		}
	}
}

static bool is_pam_jail(const jail_pam_entry_t *e)
{
	return strcmp(pam_basename(e->module), PAM_JAIL_MODULE) == 0;
}

/* Move every finding of FROM to the end of TO (FROM is left empty). */
static int findings_move(jail_findings_t *to, jail_findings_t *from, jail_error_t *err)
{
	for (size_t i = 0; i < from->n; i++) {
		if (to->n == to->cap) {
			size_t ncap = to->cap ? to->cap * 2 : 16;
			jail_finding_t *nv = realloc(to->v, ncap * sizeof(*nv));
			if (nv == NULL) {
				/* The first I are TO's now; free only the rest. */
				for (size_t k = i; k < from->n; k++)
					audit_finding_free(&from->v[k]);
				free(from->v);
				from->v = NULL;
				from->n = from->cap = 0;
				return jail_error_set(err, ENOMEM, "audit findings");
			}
			to->v = nv;
			to->cap = ncap;
		}
		to->v[to->n++] = from->v[i];
	}
	free(from->v);
	from->v = NULL;
	from->n = from->cap = 0;
	return 0;
}

/* Append "FILE line N" to the ", "-separated *LIST. */
static int append_line(char **list, const jail_pam_entry_t *e, jail_error_t *err)
{
	char *n = jail_strdup_printf("%s%s%s line %u", *list ? *list : "", *list ? ", " : "",
				     e->file, e->line);

	if (n == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	free(*list);
	*list = n;
	return 0;
}

/* pam_jail.so reached more than once in the stack of SERVICE (SVC its
 * path): one finding naming every line, with the fix of keeping one.  The
 * line to remove is the one in the service's own file when an included
 * file (shared with other services) has one too, else every one but the
 * last. */
static int pam_report_duplicates(const jail_pam_stack_t *st, const char *service, const char *svc,
				 jail_findings_t *out, jail_error_t *err)
{
	cleanup_free char *lines = NULL;
	cleanup_free char *drop = NULL;
	size_t count = 0, last = SIZE_MAX;
	bool own = false, other = false;

	for (size_t i = 0; i < st->n; i++) {
		if (!is_pam_jail(&st->v[i]))
			continue;
		count++;
		last = i;
		if (strcmp(st->v[i].file, svc) == 0)
			own = true;
		else
			other = true;
	}
	if (count < 2)
		return 0;
	for (size_t i = 0; i < st->n; i++) {
		const jail_pam_entry_t *e = &st->v[i];
		bool remove;

		if (!is_pam_jail(e))
			continue;
		if (append_line(&lines, e, err) < 0)
			return -1;
		remove = (own && other) ? strcmp(e->file, svc) == 0 : i != last;
		if (remove && append_line(&drop, e, err) < 0)
			return -1;
	}
	{
		cleanup_free char *fix = jail_strdup_printf(
		    "keep one pam_jail.so line in the stack of %s: remove %s", service, drop);
		if (fix == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, svc, fix, err,
					 "pam_jail.so is in the session stack of service %s %zu "
					 "times (%s): the second one runs inside the session the "
					 "first one built and refuses every jailed login",
					 service, count, lines);
	}
}

/* The audit of one service.  REQUIRED: the service must exist and reach
 * pam_jail (sshd).  Otherwise a service that never reaches pam_jail is not
 * audited (most of pam.d), unless part of its stack could not be followed,
 * where pam_jail could hide: then the reasons are reported. */
static int audit_pam_service(const char *pam_dir, const char *service, bool required,
			     jail_findings_t *out, jail_error_t *err)
{
	jail_pam_stack_t st = {0};
	jail_findings_t probs = {0};
	cleanup_free char *svc = NULL;
	size_t j = SIZE_MAX;
	bool incomplete = false;
	int ret = -1;

	svc = jail_strdup_printf("%s/%s", pam_dir, service);
	if (svc == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	if (pam_stack_build(pam_dir, service, &st, &probs, &incomplete, err) < 0)
		goto out;
	for (size_t i = 0; i < st.n && j == SIZE_MAX; i++)
		if (is_pam_jail(&st.v[i]))
			j = i;
	if (!required && j == SIZE_MAX && !incomplete) {
		ret = 0; /* pam_jail is not in this service: none of our business */
		goto out;
	}
	if (findings_move(out, &probs, err) < 0)
		goto out;
	if (access(svc, F_OK) < 0) {
		ret = 0; /* the missing service file is the finding */
		goto out;
	}
	if (j == SIZE_MAX) {
		/* jailctl setup sshd edits sshd's file (--pam-file: another one). */
		cleanup_free char *fix =
		    strcmp(service, DEFAULT_PAM_SERVICE) != 0
			? strdup("add '" FIX_PAM_JAIL_LINE "' as the last session line")
			: jail_strdup_printf(
			      "run 'jailctl setup sshd%s%s' (it adds '" FIX_PAM_JAIL_LINE
			      "' as the last session line)",
			      strcmp(pam_dir, DEFAULT_PAM_DIR) ? " --pam-file " : "",
			      strcmp(pam_dir, DEFAULT_PAM_DIR) ? svc : "");
		if (fix == NULL) {
			jail_error_set(err, ENOMEM, "audit");
			goto out;
		}
		if (required &&
		    jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, svc, fix, err,
				      "pam_jail.so is not in the session stack: jailed users' "
				      "sessions are not confined") < 0)
			goto out;
		ret = 0;
		goto out;
	}
	if (pam_report_duplicates(&st, service, svc, out, err) < 0)
		goto out;
	for (size_t i = j; i < st.n; i++) {
		const jail_pam_entry_t *e = &st.v[i];

		if (!is_pam_jail(e))
			continue;
		if (e->dash &&
		    jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
				      "write 'session' instead of '-session'", err,
				      "line %u: '-session' skips pam_jail.so silently when the "
				      "module is missing: jailed users would not be confined",
				      e->line) < 0)
			goto out;
		if (strcasecmp(e->control, "required") != 0 &&
		    strcasecmp(e->control, "requisite") != 0 &&
		    jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
				      "use '" FIX_PAM_JAIL_LINE "'", err,
				      "line %u: pam_jail.so has control '%s': a failure to set up "
				      "the jail must refuse the session",
				      e->line, e->control) < 0)
			goto out;
	}
	for (size_t i = 0; i < j; i++) {
		const jail_pam_entry_t *e = &st.v[i];
		bool ends_ok;
		unsigned long jump;

		pam_control_effect(e->control, &ends_ok, &jump);
		if (ends_ok) {
			if (jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
					      "do not end the session stack with success before "
					      "pam_jail.so (use required or optional)",
					      err,
					      "line %u: %s with control '%s' can end the session "
					      "stack before pam_jail.so runs (service %s)",
					      e->line, e->module, e->control, service) < 0)
				goto out;
		} else if (jump && i + jump >= j) {
			if (jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, e->file,
					      "do not jump over pam_jail.so", err,
					      "line %u: %s with control '%s' can jump over "
					      "pam_jail.so (service %s)",
					      e->line, e->module, e->control, service) < 0)
				goto out;
		}
	}
	/* Everything after the first pam_jail runs inside the jail; a second
	 * pam_jail is reported above. */
	for (size_t i = j + 1; i < st.n; i++) {
		const jail_pam_entry_t *e = &st.v[i];
		const char *fix = "move '" FIX_PAM_JAIL_LINE "' below it: pam_jail.so must be "
				  "the last session module";
		if (is_pam_jail(e))
			continue;
		if (jail_findings_add(
			out, JAIL_SEV_CRITICAL, NULL, e->file, fix, err,
			"line %u: session module %s comes after pam_jail.so (%s line "
			"%u) in the session stack of %s: it would run inside the jail "
			"and fail the session",
			e->line, e->module, st.v[j].file, st.v[j].line, service) < 0)
			goto out;
	}
	ret = 0;
out:
	jail_findings_clear(&probs);
	jail_pam_stack_clear(&st);
	return ret;
}

int jail_audit_pam(const char *pam_dir, const char *service, jail_findings_t *out,
		   jail_error_t *err)
{
	return audit_pam_service(pam_dir ? pam_dir : DEFAULT_PAM_DIR,
				 service ? service : DEFAULT_PAM_SERVICE, true, out, err);
}

/* Names in pam.d that no program opens as a service: hidden files and the
 * copies package managers and editors leave beside a changed file. */
static bool pam_ignored_name(const char *name)
{
	static const char *const marks[] = {".dpkg-", ".ucf-", ".rpmnew", ".rpmsave",
					    ".orig",  ".bak",  ".swp"};
	size_t len = strlen(name);

	if (name[0] == '.' || name[len - 1] == '~')
		return true;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(name, marks[i]))
			return true;
	return false;
}

int jail_audit_pam_dir(const char *pam_dir, const char *required, jail_findings_t *out,
		       jail_error_t *err)
{
	jail_strv_t names = {0};
	jail_error_t lerr = {0};
	cleanup_close int dfd = -1;
	bool required_seen = false;
	int ret = -1;

	if (pam_dir == NULL)
		pam_dir = DEFAULT_PAM_DIR;
	if (required == NULL)
		required = DEFAULT_PAM_SERVICE;
	dfd = open(pam_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, pam_dir,
					 "pass the PAM configuration directory (--pam-dir)", err,
					 "cannot open the PAM directory: %s", strerror(errno));
	if (audit_list_dir(dfd, &names, &lerr) < 0) {
		jail_strv_clear(&names);
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_set(err, ENOMEM, "audit");
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, pam_dir, "", err,
					 "cannot read the PAM directory: %s", lerr.msg);
	}
	for (size_t i = 0; i < names.n; i++) {
		struct stat st;
		bool req = strcmp(names.v[i], required) == 0;

		if (!req && (pam_ignored_name(names.v[i]) || fstatat(dfd, names.v[i], &st, 0) < 0 ||
			     !S_ISREG(st.st_mode)))
			continue;
		required_seen |= req;
		if (audit_pam_service(pam_dir, names.v[i], req, out, err) < 0)
			goto out;
	}
	if (!required_seen && audit_pam_service(pam_dir, required, true, out, err) < 0)
		goto out;
	ret = 0;
out:
	jail_strv_clear(&names);
	return ret;
}
