#define _GNU_SOURCE
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

void jail_freep(void *p)
{
	free(*(void **)p);
}

void jail_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

void jail_fclosep(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
	*f = NULL;
}

void jail_closedirp(DIR **d)
{
	if (*d != NULL) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
	*d = NULL;
}

void jail_killp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
	*pid = 0;
}

int jail_strv_push(jail_strv_t *sv, const char *s, jail_error_t *err)
{
	char *dup;

	if (sv->n + 1 >= sv->cap) {
		size_t ncap = sv->cap ? sv->cap * 2 : 8;
		char **nv = realloc(sv->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return jail_error_set(err, ENOMEM, "string list");
		sv->v = nv;
		sv->cap = ncap;
	}
	dup = strdup(s);
	if (dup == NULL)
		return jail_error_set(err, ENOMEM, "string list");
	sv->v[sv->n++] = dup;
	sv->v[sv->n] = NULL;
	return 0;
}

void jail_strv_push_error(jail_strv_t *sv, const char *what, const jail_error_t *e)
{
	cleanup_free char *w = jail_strdup_printf("%s: %s", what, e->msg);

	jail_strv_push(sv, w ? w : what, NULL);
}

bool jail_strv_contains(const jail_strv_t *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

int jail_strv_add_unique(jail_strv_t *sv, const char *s, jail_error_t *err)
{
	if (jail_strv_contains(sv, s))
		return 0;
	if (jail_strv_push(sv, s, err) < 0)
		return -1;
	return 1;
}

void jail_strv_clear(jail_strv_t *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void jail_strv_sort(jail_strv_t *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(char *), cmpstr);
}

void jail_buf_add(jail_buf_t *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *ns;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		ns = realloc(b->s, ncap);
		if (ns == NULL) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void jail_buf_str(jail_buf_t *b, const char *s)
{
	jail_buf_add(b, s, strlen(s));
}

char *jail_buf_finish(jail_buf_t *b, const char *what, jail_error_t *err)
{
	char *s;

	if (!b->oom && b->s == NULL)
		jail_buf_add(b, "", 0);
	s = b->s;
	if (b->oom) {
		free(s);
		s = NULL;
		jail_error_set(err, ENOMEM, "%s", what);
	}
	/* Leave an empty, reusable buffer behind. */
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = false;
	return s;
}

void jail_buf_clear(jail_buf_t *b)
{
	free(b->s);
	*b = (jail_buf_t){0};
}

char *jail_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

char *jail_strstrip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int jail_split_list(const char *value, jail_strv_t *out, jail_error_t *err)
{
	const char *p = value;

	if (value == NULL)
		return 0;
	while (*p) {
		size_t len;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		len = strcspn(p, ", \t\r\n\v\f");
		if (len > 0) {
			cleanup_free char *item = strndup(p, len);
			if (item == NULL)
				return jail_error_set(err, ENOMEM, "list");
			if (jail_strv_push(out, item, err) < 0)
				return -1;
		}
		p += len;
	}
	return 0;
}

int jail_parse_u64(const char *s, uint64_t *out, jail_error_t *err)
{
	char *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return jail_error_fmt(err, EINVAL, "'%s' is not a non-negative integer",
				      s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return jail_error_fmt(err, EINVAL, "'%s' is not a non-negative integer", s);
	*out = v;
	return 0;
}

int jail_parse_size(const char *s, uint64_t *out, jail_error_t *err)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (s != NULL && strcasecmp(s, "max") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	if (s == NULL || !isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	case 't':
	case 'T':
		mult = 1ULL << 40;
		end++;
		break;
	default:
		goto bad;
	}
	if (*end != '\0' || (v != 0 && mult > UINT64_MAX / v))
		goto bad;
	*out = (uint64_t)v * mult;
	return 0;
bad:
	return jail_error_fmt(err, EINVAL,
			      "'%s' is not a size (expected a number with optional K, M, G or T "
			      "suffix, or 'max')",
			      s ? s : "");
}

int jail_parse_bool(const char *s, bool *out, jail_error_t *err)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; s && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return jail_error_fmt(err, EINVAL,
			      "'%s' is not a boolean (expected yes/no/true/false/on/off/1/0)",
			      s ? s : "");
}

uint64_t jail_hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

bool jail_valid_name(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strlen(name);
	if (len == 0 || len > 32)
		return false;
	if (!(islower((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (islower(c) || isdigit(c) || c == '_' || c == '-' || c == '.')
			continue;
		if (c == '$' && i == len - 1)
			continue;
		return false;
	}
	return true;
}

bool jail_valid_shell(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > 4095 || s[0] != '/' || s[n - 1] == '/')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == ':' ||
		    *s == ',')
			return false;
	return true;
}

int jail_write_all(int fd, const void *buf, size_t len, jail_error_t *err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return jail_error_set(err, errno, "write");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int jail_read_all(int fd, size_t max, char **out, size_t *outlen, jail_error_t *err)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (buf == NULL)
		return jail_error_set(err, ENOMEM, "read");
	for (;;) {
		ssize_t n;
		if (len == cap) {
			char *nb;
			if (cap >= max) {
				free(buf);
				return jail_error_fmt(err, EFBIG, "file larger than %zu bytes",
						      max);
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				return jail_error_set(err, ENOMEM, "read");
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return jail_error_set(err, errno, "read");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		return jail_error_fmt(err, EFBIG, "file larger than %zu bytes", max);
	}
	buf[len] = '\0';
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;
}

char *jail_path_normalize(const char *path, jail_error_t *err)
{
	char *out, *o;
	const char *p = path;

	if (path == NULL || path[0] != '/') {
		jail_error_fmt(err, EINVAL, "'%s' is not an absolute path", path ? path : "");
		return NULL;
	}
	out = malloc(strlen(path) + 2);
	if (out == NULL) {
		jail_error_set(err, ENOMEM, "path");
		return NULL;
	}
	o = out;
	while (*p) {
		size_t len;
		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			p += len;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			jail_error_fmt(err, EINVAL, "'%s': '..' is not allowed in this path", path);
			return NULL;
		}
		*o++ = '/';
		memcpy(o, p, len);
		o += len;
		p += len;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}
