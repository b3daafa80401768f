/* jailctl setup sshd: add (or remove) the pam_jail line of /etc/pam.d/sshd
 * and the Match block of /etc/ssh/sshd_config, as marked blocks (setup.h).
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
#include "base/safefs.h"
#include "base/util.h"
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SETUP_SSHD_OUT_MAX    (256u << 10)
#define SETUP_SSHD_TIMEOUT_MS 30000

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

static bool line_is(const char *text, const tline_t *l, const char *s)
{
	size_t n = strlen(s);
	return l->clen == n && memcmp(text + l->off, s, n) == 0;
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
		} else if (line_is(text, &l->v[i], JAIL_SETUP_MARK_END)) {
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

int jail_setup_add(jail_setup_target_t target, const char *path, const char *text, size_t len,
		   const jail_strv_t *body, jail_setup_edit_t *out, jail_error_t *err)
{
	cleanup_tlines tlines_t l = {0};
	cleanup_free char *begin = NULL;
	cleanup_buf jail_buf_t nb = {0};
	const char *eol = "\n";
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
	if (l.n > 0 && l.v[0].end > l.v[0].off + l.v[0].clen + 1)
		eol = "\r\n";
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
	out->len = nb.len;
	out->text = jail_buf_finish(&nb, "setup", err);
	if (out->text == NULL) {
		jail_setup_edit_clear(out);
		return -1;
	}
	out->changed = true;
	out->line = at + 1;
	return 0;
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
	if (l.v[e].end == l.v[e].off + l.v[e].clen && b > 0)
		/* END ends the file without a terminator: the block brought
		 * the terminator of the line before it (see jail_setup_add). */
		from = l.v[b - 1].off + l.v[b - 1].clen;
	jail_buf_add(&nb, text, from);
	jail_buf_add(&nb, text + to, len - to);
	out->len = nb.len;
	out->text = jail_buf_finish(&nb, "setup", err);
	if (out->text == NULL) {
		jail_setup_edit_clear(out);
		return -1;
	}
	out->changed = true;
	out->line = b + 1;
	return 0;
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

/* ------------------------------------------------------------------------
 * The files */

typedef struct setup_fh {
	const char *path;
	char *norm;
	const char *base; /* in NORM */
	int dirfd;
	struct stat st;
	char *text;
	size_t len;
} setup_fh_t;

static void setup_fh_free(setup_fh_t *f)
{
	free(f->norm);
	free(f->text);
	if (f->dirfd >= 0)
		close(f->dirfd);
	*f = (setup_fh_t){.dirfd = -1};
}

/* Open PATH for an edit: its directory by the trusted walk (root-owned,
 * not group/world-writable, no symlink), the file itself with O_NOFOLLOW;
 * it must be a regular file that passes the same trust rule. */
static int setup_open(const char *path, setup_fh_t *f, jail_error_t *err)
{
	cleanup_close int fd = -1;
	char *slash;

	*f = (setup_fh_t){.path = path, .dirfd = -1};
	if (path[0] != '/')
		return jail_error_fmt(err, EINVAL, "%s: expected an absolute path", path);
	f->norm = jail_path_normalize(path, err);
	if (f->norm == NULL)
		return -1;
	slash = strrchr(f->norm, '/');
	if (slash[1] == '\0')
		return jail_error_fmt(err, EINVAL, "%s: expected a file", path);
	f->base = slash + 1;
	*slash = '\0';
	f->dirfd = jail_open_trusted_dir(*f->norm ? f->norm : "/", err);
	*slash = '/';
	if (f->dirfd < 0)
		return jail_error_wrap(err, "%s: its directory", path);
	fd = openat(f->dirfd, f->base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		struct stat lst;
		int e = errno;

		if (fstatat(f->dirfd, f->base, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(lst.st_mode))
			return jail_error_fmt(err, ELOOP,
					      "%s is a symlink: refused (setup never follows one; "
					      "name the real file instead)",
					      path);
		return jail_error_set(err, e, "open %s", path);
	}
	if (fstat(fd, &f->st) < 0)
		return jail_error_set(err, errno, "stat %s", path);
	if (!S_ISREG(f->st.st_mode))
		return jail_error_fmt(err, EINVAL, "%s is not a regular file: refused", path);
	if (jail_check_trusted_fd(fd, path, err) < 0)
		return jail_error_wrap(err, "refused");
	if (jail_read_all(fd, JAIL_SETUP_MAX_FILE, &f->text, &f->len, err) < 0)
		return jail_error_wrap(err, "read %s", path);
	if (memchr(f->text, '\0', f->len))
		return jail_error_fmt(err, EINVAL, "%s holds a NUL byte: not a text file, refused",
				      path);
	return 0;
}

/* DATA into a new temporary beside F's file, with F's owner and mode,
 * fsync'ed.  T must be committed or aborted. */
static int setup_write_tmp(setup_fh_t *f, jail_tmpfile_t *t, const char *data, size_t len,
			   jail_error_t *err)
{
	if (jail_tmpfile_create(t, f->dirfd, f->path, err) < 0)
		return -1;
	if (jail_write_all(t->fd, data, len, err) < 0 ||
	    fchown(t->fd, f->st.st_uid, f->st.st_gid) < 0 ||
	    fchmod(t->fd, f->st.st_mode & 07777) < 0 || fsync(t->fd) < 0) {
		int e = errno;
		jail_tmpfile_abort(t);
		return jail_error_set(err, e, "write a temporary file for %s", f->path);
	}
	return 0;
}

static int setup_commit(setup_fh_t *f, jail_tmpfile_t *t, const char *base, jail_error_t *err)
{
	if (jail_tmpfile_commit(t, base, err) < 0)
		return -1;
	if (fsync(f->dirfd) < 0)
		return jail_error_set(err, errno, "fsync the directory of %s", f->path);
	return 0;
}

static int setup_replace(setup_fh_t *f, const char *base, const char *data, size_t len,
			 jail_error_t *err)
{
	cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;

	if (setup_write_tmp(f, &t, data, len, err) < 0)
		return -1;
	return setup_commit(f, &t, base, err);
}

/* Run `SSHD -T -f CONFIG` (extended test mode: validates and prints the
 * effective configuration); *out gets stdout and stderr, *status the wait
 * status.  No shell, a fixed environment. */
static int run_sshd_T(const char *sshd, const char *config, char **out, int *status,
		      jail_error_t *err)
{
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	cleanup_buf jail_buf_t b = {0};
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return jail_error_set(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return jail_error_set(err, e, "fork");
	}
	if (pid == 0) {
		char *argv[] = {"sshd", "-T", "-f", (char *)config, NULL};
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(pfd[1], STDOUT_FILENO) < 0 ||
		    dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(126);
		execve(sshd, argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		char chunk[8192];
		ssize_t n;
		int r = poll(&p, 1, SETUP_SSHD_TIMEOUT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(pfd[0]);
			return jail_error_fmt(err, ETIMEDOUT, "%s -T -f %s gave no answer for %d s",
					      sshd, config, SETUP_SSHD_TIMEOUT_MS / 1000);
		}
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len + (size_t)n <= SETUP_SSHD_OUT_MAX)
			jail_buf_add(&b, chunk, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return jail_error_set(err, errno, "waitpid");
	*out = jail_buf_finish(&b, "setup", err);
	return *out ? 0 : -1;
}

/* CONFIG (the new sshd_config, written beside the real one as TMPNAME)
 * must pass sshd -T; with NEED_PAM, with UsePAM yes. */
static int setup_validate_sshd(const char *sshd, const char *config, const char *target,
			       bool need_pam, jail_error_t *err)
{
	cleanup_free char *out = NULL;
	const char *p;
	int status = 0;

	if (run_sshd_T(sshd, config, &out, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *s = out;
		while (*s == '\n' || *s == '\r')
			s++;
		return jail_error_fmt(err, EINVAL,
				      "%s: '%s -T -f' rejects the new configuration (%s status %d"
				      "%s%.*s): %s left unchanged",
				      target, sshd, WIFEXITED(status) ? "exit" : "signal",
				      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				      *s ? ": " : "", (int)strcspn(s, "\r\n"), s, target);
	}
	if (!need_pam)
		return 0;
	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncasecmp(p, "usepam ", 7) != 0)
			continue;
		if (strncasecmp(p + 7, "yes", 3) == 0 && (p[10] == '\n' || p[10] == '\0'))
			return 0;
		return jail_error_fmt(err, EINVAL,
				      "%s: UsePAM is no (sshd -T): pam_jail.so confines jailed "
				      "users in PAM's session phase, which sshd runs only with "
				      "UsePAM yes; set it, then run setup again",
				      target);
	}
	return jail_error_fmt(err, EINVAL,
			      "%s: sshd -T prints no UsePAM setting (sshd built without PAM?): "
			      "pam_jail.so cannot confine ssh logins",
			      target);
}

/* A module named without a path must be in a directory Linux-PAM loads
 * from: a `required` line whose module is missing fails every session. */
static int setup_check_module(const char *module, jail_error_t *err)
{
	static const char *const dirs[] = {
#if defined(__x86_64__)
		"/usr/lib/x86_64-linux-gnu/security",
		"/lib/x86_64-linux-gnu/security",
#elif defined(__aarch64__)
		"/usr/lib/aarch64-linux-gnu/security",
		"/lib/aarch64-linux-gnu/security",
#endif
		"/usr/lib64/security",
		"/lib64/security",
		"/usr/lib/security",
		"/lib/security",
	};
	struct stat st;

	if (module[0] == '/') {
		if (stat(module, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		return jail_error_fmt(err, ENOENT,
				      "PAM module %s is not a regular file: a 'session "
				      "required' line naming it would refuse every ssh login",
				      module);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cleanup_free char *p = jail_strdup_printf("%s/%s", dirs[i], module);
		if (p == NULL)
			return jail_error_set(err, ENOMEM, "setup");
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	return jail_error_fmt(err, ENOENT,
			      "%s is not installed in a PAM module directory (%s, ...): "
			      "a 'session required' line naming it would refuse every ssh login; "
			      "install it (make install) or name it by its absolute path",
			      module, dirs[0]);
}

static int setup_file_init(jail_setup_file_t *rf, const char *path, jail_error_t *err)
{
	rf->path = strdup(path);
	rf->backup = jail_strdup_printf("%s%s", path, JAIL_SETUP_BACKUP_SUFFIX);
	if (rf->path == NULL || rf->backup == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	return 0;
}

void jail_setup_result_clear(jail_setup_result_t *r)
{
	jail_setup_file_t *fs[] = {&r->pam, &r->sshd};

	for (size_t i = 0; i < 2; i++) {
		free(fs[i]->path);
		free(fs[i]->backup);
		jail_setup_edit_clear(&fs[i]->edit);
	}
	*r = (jail_setup_result_t){0};
}

/* Undo: compare the result with BACKUP; remove BACKUP when they are equal. */
static int setup_undo_backup(setup_fh_t *f, jail_setup_file_t *rf, jail_error_t *err)
{
	cleanup_free char *bname = jail_strdup_printf("%s%s", f->base, JAIL_SETUP_BACKUP_SUFFIX);
	cleanup_free char *btext = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t blen = 0;

	if (bname == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	fd = openat(f->dirfd, bname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rf->no_backup = true;
		return 0;
	}
	if (jail_read_all(fd, JAIL_SETUP_MAX_FILE, &btext, &blen, NULL) < 0) {
		rf->no_backup = true;
		return 0;
	}
	rf->exact = blen == rf->edit.len && memcmp(btext, rf->edit.text, blen) == 0;
	if (rf->exact) {
		if (unlinkat(f->dirfd, bname, 0) < 0)
			return jail_error_set(err, errno, "remove %s", rf->backup);
		rf->backup_removed = true;
	}
	return 0;
}

int jail_setup_sshd(const jail_setup_opts_t *o, jail_setup_result_t *r, jail_error_t *err)
{
	const char *pam_path = o->pam_file ? o->pam_file : JAIL_SETUP_PAM_FILE;
	const char *sshd_path = o->sshd_config ? o->sshd_config : JAIL_SETUP_SSHD_CONFIG;
	const char *sshd = o->sshd ? o->sshd : JAIL_SETUP_SSHD_BIN;
	const char *module = o->module ? o->module : "pam_jail.so";
	const char *group = o->group ? o->group : JAIL_DEFAULT_SSH_GROUP;
	cleanup_strv jail_strv_t pam_body = {0}, sshd_body = {0};
	cleanup_tmpfile jail_tmpfile_t stmp = JAIL_TMPFILE_INIT;
	setup_fh_t pf = {.dirfd = -1}, sf = {.dirfd = -1};
	bool have_sshd;
	int ret = -1;

	*r = (jail_setup_result_t){0};
	if (setup_file_init(&r->pam, pam_path, err) < 0 ||
	    setup_file_init(&r->sshd, sshd_path, err) < 0)
		goto out;
	have_sshd = access(sshd, X_OK) == 0;
	if (!o->undo) {
		if (!have_sshd) {
			jail_error_fmt(err, ENOENT,
				       "%s is not installed (openssh-server): the new "
				       "sshd_config cannot be validated",
				       sshd);
			goto out;
		}
		if (jail_setup_pam_body(module, o->config_dir, &pam_body, err) < 0 ||
		    jail_setup_sshd_body(o->jailctl, o->config_dir, group, &sshd_body, err) < 0)
			goto out;
	}
	if (setup_open(pam_path, &pf, err) < 0 || setup_open(sshd_path, &sf, err) < 0)
		goto out;
	if (o->undo) {
		if (jail_setup_remove(pam_path, pf.text, pf.len, &r->pam.edit, err) < 0 ||
		    jail_setup_remove(sshd_path, sf.text, sf.len, &r->sshd.edit, err) < 0)
			goto out;
	} else {
		if (jail_setup_add(JAIL_SETUP_PAM, pam_path, pf.text, pf.len, &pam_body,
				   &r->pam.edit, err) < 0 ||
		    jail_setup_add(JAIL_SETUP_SSHD, sshd_path, sf.text, sf.len, &sshd_body,
				   &r->sshd.edit, err) < 0)
			goto out;
		if (r->pam.edit.changed && setup_check_module(module, err) < 0)
			goto out;
	}
	/* The new sshd_config, beside the real one (its Include lines are
	 * relative to that directory), validated before anything is replaced;
	 * setup validates the live one when it does not change it, for UsePAM. */
	if (r->sshd.edit.changed) {
		cleanup_free char *tpath = NULL;

		if (setup_write_tmp(&sf, &stmp, r->sshd.edit.text, r->sshd.edit.len, err) < 0)
			goto out;
		tpath =
		    jail_strdup_printf("%.*s/%s", (int)(sf.base - 1 - sf.norm), sf.norm, stmp.name);
		if (tpath == NULL) {
			jail_error_set(err, ENOMEM, "setup");
			goto out;
		}
		if (have_sshd && setup_validate_sshd(sshd, tpath, sshd_path, !o->undo, err) < 0)
			goto out;
	} else if (!o->undo && setup_validate_sshd(sshd, sshd_path, sshd_path, true, err) < 0) {
		goto out;
	}
	if (o->dry_run) {
		ret = 0;
		goto out;
	}
	if (!o->undo) {
		cleanup_free char *pb =
		    jail_strdup_printf("%s%s", pf.base, JAIL_SETUP_BACKUP_SUFFIX);
		cleanup_free char *sb =
		    jail_strdup_printf("%s%s", sf.base, JAIL_SETUP_BACKUP_SUFFIX);

		if (pb == NULL || sb == NULL) {
			jail_error_set(err, ENOMEM, "setup");
			goto out;
		}
		if (r->pam.edit.changed) {
			if (setup_replace(&pf, pb, pf.text, pf.len, err) < 0)
				goto out;
			r->pam.backup_written = true;
		}
		if (r->sshd.edit.changed) {
			if (setup_replace(&sf, sb, sf.text, sf.len, err) < 0)
				goto out;
			r->sshd.backup_written = true;
		}
	}
	if (r->sshd.edit.changed) {
		if (setup_commit(&sf, &stmp, sf.base, err) < 0)
			goto out;
		r->sshd.written = true;
	}
	if (r->pam.edit.changed) {
		if (setup_replace(&pf, pf.base, r->pam.edit.text, r->pam.edit.len, err) < 0) {
			/* Put sshd_config back: both or neither. */
			if (r->sshd.written &&
			    setup_replace(&sf, sf.base, sf.text, sf.len, NULL) == 0)
				r->sshd.written = false;
			goto out;
		}
		r->pam.written = true;
	}
	if (o->undo) {
		if (r->pam.edit.changed && setup_undo_backup(&pf, &r->pam, err) < 0)
			goto out;
		if (r->sshd.edit.changed && setup_undo_backup(&sf, &r->sshd, err) < 0)
			goto out;
	}
	ret = 0;
out:
	jail_tmpfile_abort(&stmp);
	setup_fh_free(&pf);
	setup_fh_free(&sf);
	return ret;
}
