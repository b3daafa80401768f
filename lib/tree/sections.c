/* Command sets in jailkit's jk_init.ini format (see sections.h).
 *
 * A small line parser of our own rather than iniparser: messages carry line
 * numbers, and the grammar follows Python's ConfigParser (which is what
 * jailkit reads these files with) closely enough that every jailkit file
 * parses unchanged:
 *   - `[name]` starts a section (name stripped; junk after `]` is an error);
 *   - `key = value` or `key: value`, split at the first `=` or `:`; keys are
 *     case-insensitive;
 *   - a line whose first non-blank character is `#` or `;` is a comment;
 *   - a line indented deeper than the line of the current key continues its
 *     value; blank lines and comments do not end a value (ConfigParser's
 *     empty_lines_in_values);
 *   - a repeated key within a section, a repeated section and [DEFAULT]
 *     (whose keys ConfigParser would silently inject into every section) are
 *     errors: ConfigParser's strict mode refuses the first two, and refusing
 *     the third keeps every value visible where it applies.
 * No %-interpolation: values are taken literally (no jailkit file uses it).
 * List values split on commas, as jailkit does, and also on line breaks, so
 * a continuation line without a trailing comma still starts a new item. */
#define _GNU_SOURCE
#include "tree/sections.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Command-set files are small; anything bigger is a mistake. */
#define SECTIONS_MAX_FILE (4u << 20)

enum key_kind { K_COMMENT, K_LIST, K_BOOL };

struct key_def {
	const char *name;
	enum key_kind kind;
	size_t off; /* offsetof the field in jail_section_t */
};

#define LIST_KEY(k, field)                                                                         \
	{                                                                                          \
		k, K_LIST, offsetof(jail_section_t, field)                                         \
	}

static const struct key_def keys[] = {
    {"comment", K_COMMENT, offsetof(jail_section_t, comment)},
    LIST_KEY("paths", paths),
    LIST_KEY("executables", paths),
    LIST_KEY("regularfiles", paths),
    LIST_KEY("directories", paths),
    LIST_KEY("libraries", paths),
    LIST_KEY("paths_w_owner", paths_w_owner),
    LIST_KEY("paths_w_setuid", paths_w_setuid),
    LIST_KEY("emptydirs", emptydirs),
    LIST_KEY("devices", devices),
    LIST_KEY("users", users),
    LIST_KEY("groups", groups),
    LIST_KEY("includesections", includes),
    LIST_KEY("packages", packages),
    {"need_logsocket", K_BOOL, offsetof(jail_section_t, need_logsocket)},
    {"need_proc", K_BOOL, offsetof(jail_section_t, need_proc)},
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

#define KNOWN_KEYS                                                                                 \
	"comment, paths, executables, regularfiles, directories, libraries, paths_w_owner, "       \
	"paths_w_setuid, emptydirs, devices, users, groups, includesections, packages, "           \
	"need_logsocket, need_proc"

struct parser {
	const char *name;
	jail_sections_t *s;
	size_t line;
	jail_section_t *cur;
	unsigned seen;		    /* bit i: keys[i] already set in cur */
	const struct key_def *open; /* key whose value may still continue */
	size_t open_indent;	    /* indentation of that key's line */
	char *bool_value;	    /* value of an open boolean key, parsed at its end */
};

static void section_clear(jail_section_t *sec)
{
	free(sec->name);
	free(sec->comment);
	jail_strv_clear(&sec->paths);
	jail_strv_clear(&sec->paths_w_owner);
	jail_strv_clear(&sec->paths_w_setuid);
	jail_strv_clear(&sec->emptydirs);
	jail_strv_clear(&sec->devices);
	jail_strv_clear(&sec->users);
	jail_strv_clear(&sec->groups);
	jail_strv_clear(&sec->includes);
	jail_strv_clear(&sec->packages);
}

void jail_sections_free(jail_sections_t *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		section_clear(&s->v[i]);
	free(s->v);
	free(s->file);
	free(s);
}

const jail_section_t *jail_sections_find(const jail_sections_t *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

/* Split a list value on commas (jailkit) and line breaks; items are stripped
 * and empty ones dropped. */
static int add_list_items(struct parser *p, jail_strv_t *sv, const char *value, jail_error_t *err)
{
	const char *q = value;

	while (*q) {
		size_t len = strcspn(q, ",\n");
		cleanup_free char *item = strndup(q, len);

		if (item == NULL)
			return jail_error_set(err, ENOMEM, "%s:%zu", p->name, p->line);
		if (*jail_strstrip(item) && jail_strv_push(sv, jail_strstrip(item), err) < 0)
			return -1;
		q += len;
		if (*q)
			q++;
	}
	return 0;
}

/* A boolean may span continuation lines in principle; it is parsed once
 * its value is complete (next key, section or end of file). */
static int close_open_key(struct parser *p, jail_error_t *err)
{
	const struct key_def *k = p->open;
	int rc = 0;

	p->open = NULL;
	if (k != NULL && k->kind == K_BOOL) {
		bool *b = (bool *)((char *)p->cur + k->off);
		jail_error_t e = {0};

		if (jail_parse_bool(p->bool_value, b, &e) < 0)
			rc = jail_error_fmt(err, EINVAL, "%s:%zu: [%s] %s: %s", p->name, p->line,
					    p->cur->name, k->name, e.msg);
	}
	free(p->bool_value);
	p->bool_value = NULL;
	return rc;
}

static int append_value(struct parser *p, const char *value, bool continuation, jail_error_t *err)
{
	const struct key_def *k = p->open;
	char *field = (char *)p->cur + k->off;

	switch (k->kind) {
	case K_COMMENT: {
		char **c = (char **)field;
		char *n;

		if (!continuation || **c == '\0')
			n = strdup(value);
		else
			n = jail_strdup_printf("%s %s", *c, value);
		if (n == NULL)
			return jail_error_set(err, ENOMEM, "%s:%zu", p->name, p->line);
		free(*c);
		*c = n;
		return 0;
	}
	case K_LIST:
		return add_list_items(p, (jail_strv_t *)field, value, err);
	case K_BOOL: {
		char *n = continuation ? jail_strdup_printf("%s\n%s", p->bool_value, value)
				       : strdup(value);
		if (n == NULL)
			return jail_error_set(err, ENOMEM, "%s:%zu", p->name, p->line);
		free(p->bool_value);
		p->bool_value = n;
		return 0;
	}
	}
	return 0;
}

static int start_section(struct parser *p, char *text, jail_error_t *err)
{
	char *end = strchr(text, ']');
	char *name, *rest;
	jail_section_t *nv;

	if (end == NULL)
		return jail_error_fmt(err, EINVAL, "%s:%zu: unterminated section header '%s'",
				      p->name, p->line, text);
	*end = '\0';
	rest = end + 1;
	rest += strspn(rest, " \t\r\f\v");
	if (*rest != '\0' && *rest != '#' && *rest != ';')
		return jail_error_fmt(err, EINVAL,
				      "%s:%zu: unexpected text '%s' after section header [%s]",
				      p->name, p->line, rest, text + 1);
	name = jail_strstrip(text + 1);
	if (*name == '\0')
		return jail_error_fmt(err, EINVAL, "%s:%zu: empty section name", p->name, p->line);
	if (strcmp(name, "DEFAULT") == 0)
		return jail_error_fmt(err, EINVAL,
				      "%s:%zu: [DEFAULT] is not supported (its keys would apply "
				      "to every section); put them in each section",
				      p->name, p->line);
	for (size_t i = 0; i < p->s->n; i++)
		if (strcmp(p->s->v[i].name, name) == 0)
			return jail_error_fmt(err, EINVAL,
					      "%s:%zu: section [%s] repeated (first at line %zu)",
					      p->name, p->line, name, p->s->v[i].line);
	nv = realloc(p->s->v, (p->s->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return jail_error_set(err, ENOMEM, "%s:%zu", p->name, p->line);
	p->s->v = nv;
	p->cur = &nv[p->s->n];
	memset(p->cur, 0, sizeof(*p->cur));
	p->cur->line = p->line;
	p->cur->name = strdup(name);
	p->cur->comment = NULL;
	p->s->n++;
	p->seen = 0;
	if (p->cur->name == NULL)
		return jail_error_set(err, ENOMEM, "%s:%zu", p->name, p->line);
	return 0;
}

static int key_line(struct parser *p, char *text, size_t indent, jail_error_t *err)
{
	size_t klen = strcspn(text, "=:");
	const struct key_def *k = NULL;
	char *key, *value;
	size_t i;

	if (text[klen] == '\0')
		return jail_error_fmt(err, EINVAL,
				      "%s:%zu: expected 'key = value', '[section]' or a comment, "
				      "got '%s'",
				      p->name, p->line, text);
	text[klen] = '\0';
	key = jail_strstrip(text);
	value = jail_strstrip(text + klen + 1);
	for (char *c = key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (p->cur == NULL)
		return jail_error_fmt(err, EINVAL, "%s:%zu: key '%s' before any [section]", p->name,
				      p->line, key);
	for (i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	}
	if (k == NULL)
		return jail_error_fmt(err, EINVAL,
				      "%s:%zu: [%s] unknown key '%s' (known keys: " KNOWN_KEYS ")",
				      p->name, p->line, p->cur->name, key);
	if (p->seen & (1u << i))
		return jail_error_fmt(err, EINVAL, "%s:%zu: [%s] key '%s' repeated", p->name,
				      p->line, p->cur->name, key);
	p->seen |= 1u << i;
	p->open = k;
	p->open_indent = indent;
	return append_value(p, value, false, err);
}

static int parse_line(struct parser *p, char *line, jail_error_t *err)
{
	size_t indent = 0;
	char *text;

	while (line[indent] && isspace((unsigned char)line[indent]))
		indent++;
	text = line + indent;
	/* Strip trailing blanks (and the \r of CRLF files). */
	for (size_t len = strlen(text); len > 0 && isspace((unsigned char)text[len - 1]); len--)
		text[len - 1] = '\0';

	if (*text == '\0' || *text == '#' || *text == ';')
		return 0;
	if (p->open != NULL && indent > p->open_indent)
		return append_value(p, text, true, err);
	if (close_open_key(p, err) < 0)
		return -1;
	if (*text == '[')
		return start_section(p, text, err);
	return key_line(p, text, indent, err);
}

int jail_sections_parse(const char *name, const char *buf, size_t len, jail_sections_t **out,
			jail_error_t *err)
{
	struct parser p = {.name = name ? name : "(buffer)"};
	const char *q = buf, *end = buf + len;
	int rc = 0;

	*out = NULL;
	if (memchr(buf, '\0', len) != NULL)
		return jail_error_fmt(err, EINVAL, "%s: contains a NUL byte (not a text file)",
				      p.name);
	p.s = calloc(1, sizeof(*p.s));
	if (p.s == NULL || (p.s->file = strdup(p.name)) == NULL) {
		jail_sections_free(p.s);
		return jail_error_set(err, ENOMEM, "%s", p.name);
	}
	while (q < end && rc == 0) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t llen = nl ? (size_t)(nl - q) : (size_t)(end - q);
		char *line = strndup(q, llen);

		p.line++;
		if (line == NULL) {
			rc = jail_error_set(err, ENOMEM, "%s:%zu", p.name, p.line);
			break;
		}
		rc = parse_line(&p, line, err);
		free(line);
		q += llen + (nl ? 1 : 0);
	}
	if (rc == 0)
		rc = close_open_key(&p, err);
	free(p.bool_value);
	if (rc < 0) {
		jail_sections_free(p.s);
		return -1;
	}
	/* Give every missing comment an empty string: callers print it. */
	for (size_t i = 0; i < p.s->n; i++) {
		if (p.s->v[i].comment == NULL && (p.s->v[i].comment = strdup("")) == NULL) {
			jail_sections_free(p.s);
			return jail_error_set(err, ENOMEM, "%s", p.name);
		}
	}
	*out = p.s;
	return 0;
}

int jail_sections_load(const char *file, jail_sections_t **out, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct stat st;

	*out = NULL;
	/* O_NONBLOCK: a FIFO named as the file must not hang us; it is refused
	 * below as not a regular file. */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return jail_error_set(err, errno, "%s", file);
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "%s", file);
	if (!S_ISREG(st.st_mode))
		return jail_error_fmt(err, EINVAL, "%s: not a regular file", file);
	if (jail_read_all(fd, SECTIONS_MAX_FILE, &buf, &len, err) < 0)
		return jail_error_wrap(err, "%s", file);
	return jail_sections_parse(file, buf, len, out, err);
}

int jail_sections_expand(const jail_sections_t *s, const jail_strv_t *names,
			 const jail_section_t ***out, size_t *n_out, jail_error_t *err)
{
	/* Iterative depth-first walk (a long include chain must not exhaust
	 * the stack): a section is emitted after everything it includes, as
	 * jailkit handles includes before a section's own paths.  A section is
	 * marked when first reached, so cycles end and each appears once. */
	struct frame {
		size_t sec, next;
	};
	cleanup_free struct frame *stack = NULL;
	cleanup_free bool *seen = NULL;
	cleanup_free const jail_section_t **res = NULL;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	stack = calloc(s->n + 1, sizeof(*stack));
	seen = calloc(s->n + 1, sizeof(*seen));
	res = calloc(s->n + 1, sizeof(*res));
	if (stack == NULL || seen == NULL || res == NULL)
		return jail_error_set(err, ENOMEM, "%s", s->file);
	for (size_t i = 0; names && i < names->n; i++) {
		const jail_section_t *top = jail_sections_find(s, names->v[i]);
		size_t depth = 0;

		if (top == NULL)
			return jail_error_fmt(err, ENOENT, "%s: no section [%s]", s->file,
					      names->v[i]);
		if (seen[top - s->v])
			continue;
		seen[top - s->v] = true;
		stack[depth++] = (struct frame){(size_t)(top - s->v), 0};
		while (depth > 0) {
			struct frame *f = &stack[depth - 1];
			const jail_section_t *sec = &s->v[f->sec];

			if (f->next < sec->includes.n) {
				const char *inc = sec->includes.v[f->next++];
				const jail_section_t *c = jail_sections_find(s, inc);

				if (c == NULL)
					return jail_error_fmt(
					    err, ENOENT,
					    "%s:%zu: no section [%s] (included by [%s])", s->file,
					    sec->line, inc, sec->name);
				if (!seen[c - s->v]) {
					seen[c - s->v] = true;
					stack[depth++] = (struct frame){(size_t)(c - s->v), 0};
				}
				continue;
			}
			res[n++] = sec;
			depth--;
		}
	}
	*out = steal_pointer(&res);
	*n_out = n;
	return 0;
}
