/* jailctl setup sshd, the text half: lines, marker blocks, where the PAM
 * line goes, and the lines of each block (audit/setup.h).  Pure functions
 * of a buffer, unit-tested in tests/unit/test_setup.c; setup.c reads and
 * replaces the files.
 *
 * Why a checksum in the BEGIN marker: undo must remove exactly what setup
 * added and nothing an admin wrote.  Comparing the block with what setup
 * would write now would tie undo to the options of the setup (another
 * --config, another ssh_group in jail.ini); the checksum lets any block
 * setup wrote be recognised, and any edit inside it be refused.
 *
 * Why the PAM line goes after the last `session` or `@include` line: it
 * must be the last module of the session stack (pam_jail pivots the
 * session into the jail; modules after it would read their configuration
 * there), and an @include can bring session lines in.  On Debian that is
 * the end of the file (after `@include common-password`). */
#define _GNU_SOURCE
#include "audit/setup.h"
#include "base/util.h"
#include "config/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------
 * The text: lines, markers, blocks */

typedef struct tline {
	size_t off;  /* first byte */
	size_t clen; /* content, without the terminator ("\n" or "\r\n") */
	size_t end;  /* one past the terminator (== off + clen at EOF without one) */
} tline_t;

typedef struct tlines {
	tline_t *v;
	size_t n;
} tlines_t;

static void tlines_free(tlines_t *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
#define cleanup_tlines __attribute__((cleanup(tlines_free)))

static int split_lines(const char *text, size_t len, tlines_t *out, jail_error_t *err)
{
	size_t cap = 16, n = 0;
	tline_t *v = malloc(cap * sizeof(*v));

	if (v == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - text) : len;
		tline_t t = {.off = p, .clen = e - p, .end = nl ? e + 1 : len};

		if (nl && t.clen > 0 && text[e - 1] == '\r')
			t.clen--;
		if (n == cap) {
			tline_t *nv = realloc(v, 2 * cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				return jail_error_set(err, ENOMEM, "setup");
			}
			v = nv;
			cap *= 2;
		}
		v[n++] = t;
		p = t.end;
	}
	out->v = v;
	out->n = n;
	return 0;
}

/* The line terminator of the file as setup writes it: that of the first
 * of lines [0, UPTO) that has one ("\r\n" or "\n"), "\n" when none does.
 * jail_setup_add() asks over the whole file; jail_setup_remove() over
 * the lines before the block's, which are the same ones. */
static const char *eol_style(const tlines_t *l, size_t upto)
{
	for (size_t i = 0; i < upto && i < l->n; i++) {
		size_t t = l->v[i].end - l->v[i].off - l->v[i].clen;
		if (t == 2)
			return "\r\n";
		if (t == 1)
			return "\n";
	}
	return "\n";
}

static bool line_is(const char *text, const tline_t *l, const char *s)
{
	size_t n = strlen(s);
	return l->clen == n && memcmp(text + l->off, s, n) == 0;
}

/* The END marker, whatever CRs end the line: a last line without a
 * newline keeps its CRs in its content, and one of them becomes part of
 * a CR LF once a block adds the newline after it; the marker must be the
 * same one before and after. */
static bool line_is_end(const char *text, const tline_t *l)
{
	size_t n = strlen(JAIL_SETUP_MARK_END), len = l->clen;

	while (len > n && text[l->off + len - 1] == '\r')
		len--;
	return len == n && memcmp(text + l->off, JAIL_SETUP_MARK_END, n) == 0;
}

static bool line_starts(const char *text, const tline_t *l, const char *s)
{
	size_t n = strlen(s);
	return l->clen >= n && memcmp(text + l->off, s, n) == 0;
}

/* FNV-1a, 64 bits, over each line followed by "\n": not a defence against
 * an attacker (root owns the file), a witness that nobody edited it. */
static uint64_t body_sum_add(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= '\n';
	return h * 0x100000001b3ULL;
}
#define BODY_SUM_INIT 0xcbf29ce484222325ULL

static char *begin_marker(const jail_strv_t *body)
{
	uint64_t h = BODY_SUM_INIT;

	for (size_t i = 0; i < body->n; i++)
		h = body_sum_add(h, body->v[i], strlen(body->v[i]));
	return jail_strdup_printf(JAIL_SETUP_MARK_BEGIN " sum=%016" PRIx64, h);
}

/* The marked block of TEXT: 1 with its BEGIN and END line indexes, 0 when
 * there is none, -1 when the markers are not one well-formed, unaltered
 * block. */
static int find_block(const char *path, const char *text, const tlines_t *l, size_t *bp, size_t *ep,
		      jail_error_t *err)
{
	size_t b = SIZE_MAX, e = SIZE_MAX;
	uint64_t h = BODY_SUM_INIT, want;
	char *end;

	for (size_t i = 0; i < l->n; i++) {
		if (line_starts(text, &l->v[i], JAIL_SETUP_MARK_BEGIN)) {
			if (b != SIZE_MAX)
				return jail_error_fmt(err, EEXIST,
						      "%s holds more than one jail block (BEGIN "
						      "markers at lines %zu and %zu): keep one, "
						      "by hand",
						      path, b + 1, i + 1);
			b = i;
		} else if (line_is_end(text, &l->v[i])) {
			if (b == SIZE_MAX || e != SIZE_MAX)
				return jail_error_fmt(err, EINVAL,
						      "%s line %zu: '" JAIL_SETUP_MARK_END
						      "' without its BEGIN marker above it: the "
						      "jail block was altered; fix it by hand",
						      path, i + 1);
			e = i;
		}
	}
	if (b == SIZE_MAX)
		return 0;
	if (e == SIZE_MAX)
		return jail_error_fmt(err, EINVAL,
				      "%s line %zu: the jail block has no '" JAIL_SETUP_MARK_END
				      "' line: it was altered; fix it by hand",
				      path, b + 1);
	for (size_t i = b + 1; i < e; i++)
		h = body_sum_add(h, text + l->v[i].off, l->v[i].clen);
	{
		const tline_t *bl = &l->v[b];
		size_t pl = strlen(JAIL_SETUP_MARK_BEGIN " sum=");
		char hex[17] = {0};

		if (bl->clen != pl + 16 ||
		    memcmp(text + bl->off, JAIL_SETUP_MARK_BEGIN " sum=", pl))
			return jail_error_fmt(err, EINVAL,
					      "%s line %zu: the BEGIN marker of the jail block was "
					      "altered (expected '" JAIL_SETUP_MARK_BEGIN
					      " sum=' and 16 hex digits); fix it by hand",
					      path, b + 1);
		memcpy(hex, text + bl->off + pl, 16);
		errno = 0;
		want = strtoull(hex, &end, 16);
		if (errno || *end || want != h)
			return jail_error_fmt(
			    err, EINVAL,
			    "%s lines %zu-%zu: the jail block was altered since "
			    "jailctl setup sshd wrote it (its lines do not match "
			    "the sum in its BEGIN marker): refused; restore it or "
			    "remove lines %zu-%zu by hand",
			    path, b + 1, e + 1, b + 1, e + 1);
	}
	*bp = b;
	*ep = e;
	return 1;
}

void jail_setup_edit_clear(jail_setup_edit_t *e)
{
	free(e->text);
	jail_strv_clear(&e->lines);
	*e = (jail_setup_edit_t){0};
}

static int keep_lines(jail_setup_edit_t *out, const char *text, const tlines_t *l, size_t b,
		      size_t e, jail_error_t *err)
{
	for (size_t i = b; i <= e; i++) {
		cleanup_free char *s = strndup(text + l->v[i].off, l->v[i].clen);
		if (s == NULL || jail_strv_push(&out->lines, s, err) < 0)
			return jail_error_set(err, ENOMEM, "setup");
	}
	return 0;
}

/* Next whitespace-separated token of [*p, lim), "[...]" kept whole. */
static bool next_token(const char **p, const char *lim, const char **ts, size_t *tn)
{
	const char *s = *p;

	while (s < lim && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s >= lim)
		return false;
	*ts = s;
	if (*s == '[') {
		while (s < lim && !(*s == ']' && s[-1] != '\\'))
			s++;
		if (s < lim)
			s++;
	} else {
		while (s < lim && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
	*tn = (size_t)(s - *ts);
	*p = s;
	return true;
}

/* The tokens of a pam.d line, up to a '#'. */
static size_t pam_tokens(const char *text, const tline_t *l, const char **ts, size_t *tn,
			 size_t max)
{
	const char *p = text + l->off, *lim = p + l->clen, *hash = memchr(p, '#', l->clen);
	size_t n = 0;

	if (hash)
		lim = hash;
	while (n < max && next_token(&p, lim, &ts[n], &tn[n]))
		n++;
	return n;
}

static bool tok_is(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && strncasecmp(s, w, n) == 0;
}

static bool tok_is_pam_jail(const char *s, size_t n)
{
	const char *base = s;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '/')
			base = s + i + 1;
	return (size_t)(s + n - base) == strlen("pam_jail.so") &&
	       memcmp(base, "pam_jail.so", strlen("pam_jail.so")) == 0;
}

/* PAM: refuse a pam_jail.so line that setup did not write (a second one
 * would refuse every jailed login); find where the block goes. */
static int pam_place(const char *path, const char *text, const tlines_t *l, size_t *at,
		     jail_error_t *err)
{
	*at = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *ts[4];
		size_t tn[4], n = pam_tokens(text, &l->v[i], ts, tn, 4);
		const char *type = n ? ts[0] : NULL;
		size_t typelen = n ? tn[0] : 0;

		if (n == 0)
			continue;
		for (size_t k = 1; k < n; k++)
			if (tok_is_pam_jail(ts[k], tn[k]))
				return jail_error_fmt(
				    err, EEXIST,
				    "%s line %zu already names pam_jail.so (added by hand?): a "
				    "second one would refuse every jailed login; keep that line "
				    "(jailctl check audits it) or remove it, then run setup again",
				    path, i + 1);
		if (*type == '-') {
			type++;
			typelen--;
		}
		if (tok_is(type, typelen, "session") || tok_is(type, typelen, "@include")) {
			size_t j = i;
			/* a "\" continuation belongs to this line */
			while (j + 1 < l->n && l->v[j].clen > 0 &&
			       text[l->v[j].off + l->v[j].clen - 1] == '\\')
				j++;
			*at = j + 1;
		}
	}
	if (*at == 0)
		*at = l->n;
	return 0;
}

/* ------------------------------------------------------------------------
 * What a pam.d file brings into the session stack */

void jail_setup_pam_scan_clear(jail_setup_pam_scan_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->inc[i].name);
	free(s->inc);
	*s = (jail_setup_pam_scan_t){0};
}

static int scan_add_include(jail_setup_pam_scan_t *s, const char *name, size_t n, size_t line,
			    jail_error_t *err)
{
	jail_setup_include_t *v = realloc(s->inc, (s->n + 1) * sizeof(*v));

	if (v == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	s->inc = v;
	v[s->n].name = strndup(name, n);
	if (v[s->n].name == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	v[s->n++].line = line;
	return 0;
}

/* One logical line, LINE its first physical line: what it adds to S. */
static int scan_line(jail_setup_pam_scan_t *s, const char *buf, size_t len, size_t line,
		     jail_error_t *err)
{
	const char *p = buf, *ts[3];
	size_t tn[3], n = 0;

	while (n < 3 && next_token(&p, buf + len, &ts[n], &tn[n]))
		n++;
	if (n < 2)
		return 0;
	if (tok_is(ts[0], tn[0], "@include"))
		return scan_add_include(s, ts[1], tn[1], line, err);
	if (*ts[0] == '-') {
		ts[0]++;
		tn[0]--;
	}
	if (n < 3 || !tok_is(ts[0], tn[0], "session"))
		return 0;
	if (tok_is(ts[1], tn[1], "include") || tok_is(ts[1], tn[1], "substack"))
		return scan_add_include(s, ts[2], tn[2], line, err);
	if (s->jail_line == 0 && tok_is_pam_jail(ts[2], tn[2]))
		s->jail_line = line;
	return 0;
}

int jail_setup_pam_scan(const char *text, size_t len, jail_setup_pam_scan_t *out, jail_error_t *err)
{
	cleanup_tlines tlines_t l = {0};
	cleanup_buf jail_buf_t lb = {0};
	size_t first = 0;

	*out = (jail_setup_pam_scan_t){0};
	if (split_lines(text, len, &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const char *p = text + l.v[i].off, *hash = memchr(p, '#', l.v[i].clen);
		size_t n = hash ? (size_t)(hash - p) : l.v[i].clen;
		bool more;

		/* Linux-PAM drops the comment, then joins a line ending in
		 * '\' with the next one. */
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		more = n > 0 && p[n - 1] == '\\' && i + 1 < l.n;
		if (lb.len == 0)
			first = i + 1;
		jail_buf_add(&lb, p, more ? n - 1 : n);
		jail_buf_str(&lb, " ");
		if (more)
			continue;
		if (lb.oom) {
			jail_setup_pam_scan_clear(out);
			return jail_error_set(err, ENOMEM, "setup");
		}
		if (scan_line(out, lb.s, lb.len, first, err) < 0) {
			jail_setup_pam_scan_clear(out);
			return -1;
		}
		lb.len = 0;
	}
	return 0;
}

/* OUT takes the new text built in NB, changed at LINE (1-based): the end of
 * both edits. */
static int finish_edit(jail_setup_edit_t *out, jail_buf_t *nb, size_t line, jail_error_t *err)
{
	out->len = nb->len;
	out->text = jail_buf_finish(nb, "setup", err);
	if (out->text == NULL) {
		jail_setup_edit_clear(out);
		return -1;
	}
	out->changed = true;
	out->line = line;
	return 0;
}

int jail_setup_add(jail_setup_target_t target, const char *path, const char *text, size_t len,
		   const jail_strv_t *body, jail_setup_edit_t *out, jail_error_t *err)
{
	cleanup_tlines tlines_t l = {0};
	cleanup_free char *begin = NULL;
	cleanup_buf jail_buf_t nb = {0};
	const char *eol;
	size_t b, e, at;
	int r;

	*out = (jail_setup_edit_t){0};
	if (split_lines(text, len, &l, err) < 0)
		return -1;
	r = find_block(path, text, &l, &b, &e, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		bool same = e - b - 1 == body->n;

		for (size_t i = 0; same && i < body->n; i++)
			same = line_is(text, &l.v[b + 1 + i], body->v[i]);
		if (!same)
			return jail_error_fmt(
			    err, EEXIST,
			    "%s lines %zu-%zu: a jail block written with other "
			    "settings (another --config, ssh_group, module or "
			    "jailctl path): run 'jailctl setup sshd --undo' first, "
			    "then set up again",
			    path, b + 1, e + 1);
		out->line = b + 1;
		return keep_lines(out, text, &l, b, e, err);
	}
	if (target == JAIL_SETUP_PAM) {
		if (pam_place(path, text, &l, &at, err) < 0)
			return -1;
	} else {
		at = l.n;
	}
	begin = begin_marker(body);
	if (begin == NULL || jail_strv_push(&out->lines, begin, err) < 0)
		goto oom;
	for (size_t i = 0; i < body->n; i++)
		if (jail_strv_push(&out->lines, body->v[i], err) < 0)
			goto oom;
	if (jail_strv_push(&out->lines, JAIL_SETUP_MARK_END, err) < 0)
		goto oom;
	eol = eol_style(&l, l.n);
	if (at == l.n && l.n > 0 && l.v[l.n - 1].end == l.v[l.n - 1].off + l.v[l.n - 1].clen) {
		/* At the end of a file without a final newline: the block
		 * brings the terminator of the last line, and has none. */
		jail_buf_add(&nb, text, len);
		for (size_t i = 0; i < out->lines.n; i++) {
			jail_buf_str(&nb, eol);
			jail_buf_str(&nb, out->lines.v[i]);
		}
	} else {
		size_t off = at < l.n ? l.v[at].off : len;

		jail_buf_add(&nb, text, off);
		for (size_t i = 0; i < out->lines.n; i++) {
			jail_buf_str(&nb, out->lines.v[i]);
			jail_buf_str(&nb, eol);
		}
		jail_buf_add(&nb, text + off, len - off);
	}
	return finish_edit(out, &nb, at + 1, err);
oom:
	jail_setup_edit_clear(out);
	return jail_error_set(err, ENOMEM, "setup");
}

int jail_setup_remove(const char *path, const char *text, size_t len, jail_setup_edit_t *out,
		      jail_error_t *err)
{
	cleanup_tlines tlines_t l = {0};
	cleanup_buf jail_buf_t nb = {0};
	size_t b, e, from, to;
	int r;

	*out = (jail_setup_edit_t){0};
	if (split_lines(text, len, &l, err) < 0)
		return -1;
	r = find_block(path, text, &l, &b, &e, err);
	if (r <= 0)
		return r;
	if (keep_lines(out, text, &l, b, e, err) < 0) {
		jail_setup_edit_clear(out);
		return -1;
	}
	from = l.v[b].off;
	to = l.v[e].end;
	if (l.v[e].end == l.v[e].off + l.v[e].clen && b > 0) {
		/* END ends the file without a terminator: the block brought
		 * the terminator of the line before it (see jail_setup_add), in
		 * the style of the lines before that one.  (Not the terminator
		 * seen now: "x\r" + "\n" reads as "x" + "\r\n".) */
		const char *eol = eol_style(&l, b - 1);
		size_t n = strlen(eol);

		if (l.v[b].off >= n && memcmp(text + l.v[b].off - n, eol, n) == 0)
			from = l.v[b].off - n;
		else
			from = l.v[b - 1].off + l.v[b - 1].clen;
	}
	jail_buf_add(&nb, text, from);
	jail_buf_add(&nb, text + to, len - to);
	return finish_edit(out, &nb, b + 1, err);
}

/* ------------------------------------------------------------------------
 * The blocks */

/* One word in both formats: printable, no whitespace, quote, '#' or
 * '%' (sshd expands %-tokens in AuthorizedKeysCommand). */
static int setup_word(const char *what, const char *s, jail_error_t *err)
{
	if (s == NULL || *s == '\0')
		return jail_error_fmt(err, EINVAL, "%s is empty", what);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("\"'#%\\", *p))
			return jail_error_fmt(
			    err, EINVAL,
			    "%s '%s' holds a character (whitespace, a "
			    "quote, '#', '%%' or '\\') that pam.d and sshd_config "
			    "cannot carry in one word",
			    what, s);
	return 0;
}

static bool default_config_dir(const char *dir)
{
	return dir == NULL || strcmp(dir, JAIL_DEFAULT_CONFIG_DIR) == 0 ||
	       strcmp(dir, JAIL_DEFAULT_CONFIG_DIR "/") == 0;
}

int jail_setup_pam_body(const char *module, const char *config_dir, jail_strv_t *out,
			jail_error_t *err)
{
	cleanup_free char *line = NULL;

	if (setup_word("PAM module", module, err) < 0)
		return -1;
	if (!default_config_dir(config_dir)) {
		if (setup_word("configuration directory", config_dir, err) < 0)
			return -1;
		if (config_dir[0] != '/')
			return jail_error_fmt(
			    err, EINVAL,
			    "the configuration directory '%s' is not "
			    "absolute (pam_jail's config= needs an absolute path)",
			    config_dir);
		line = jail_strdup_printf("session required %s config=%s", module, config_dir);
	} else {
		line = jail_strdup_printf("session required %s", module);
	}
	if (line == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	return jail_strv_push(out, line, err);
}

int jail_setup_sshd_body(const char *jailctl, const char *config_dir, const char *group,
			 jail_strv_t *out, jail_error_t *err)
{
	/* templates/sshd_config.snippet's directives (the comments that
	 * explain them stay in the template and in jailctl(8)). */
	static const char *const fixed[] = {
	    "\tDisableForwarding yes",
	    "\tAllowTcpForwarding no",
	    "\tAllowStreamLocalForwarding no",
	    "\tAllowAgentForwarding no",
	    "\tX11Forwarding no",
	    "\tPermitTunnel no",
	    "\tPermitTTY yes",
	    "\tPermitUserRC no",
	    "\tAuthorizedKeysFile none",
	};
	cleanup_free char *match = NULL;
	cleanup_free char *cmd = NULL;

	if (setup_word("jailctl path", jailctl, err) < 0 || setup_word("ssh group", group, err) < 0)
		return -1;
	if (jailctl[0] != '/')
		return jail_error_fmt(err, EINVAL,
				      "the jailctl path '%s' is not absolute "
				      "(AuthorizedKeysCommand needs one)",
				      jailctl);
	if (!jail_valid_name(group))
		return jail_error_fmt(err, EINVAL, "'%s' is not a valid group name", group);
	if (!default_config_dir(config_dir) &&
	    (setup_word("configuration directory", config_dir, err) < 0))
		return -1;
	match = jail_strdup_printf("Match Group %s", group);
	cmd = default_config_dir(config_dir)
		  ? jail_strdup_printf("\tAuthorizedKeysCommand %s keys %%u", jailctl)
		  : jail_strdup_printf("\tAuthorizedKeysCommand %s --config %s keys %%u", jailctl,
				       config_dir);
	if (match == NULL || cmd == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	if (jail_strv_push(out, match, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (jail_strv_push(out, fixed[i], err) < 0)
			return -1;
	if (jail_strv_push(out, cmd, err) < 0)
		return -1;
	return jail_strv_push(out, "\tAuthorizedKeysCommandUser root", err);
}
