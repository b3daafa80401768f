/* ld.so.conf, read as ldconfig reads it, for the dependency search
 * (elfdeps.c step 4, in place of ld.so.cache). */
#define _GNU_SOURCE
#include "tree/elfdeps-internal.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define LDCONF_MAX_BYTES (1u << 20) /* one ld.so.conf file */
#define LDCONF_MAX_DEPTH 16	    /* include nesting (a loop otherwise) */

static int ldconf_include(jail_elf_resolver_t *r, const char *file, const char *pattern, int depth,
			  jail_error_t *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *pat = NULL;
	cleanup_free char *full = NULL;
	size_t rl = r->slash ? 0 : strlen(r->root_real);
	glob_t g;
	int rc, ret = 0;

	if (pattern[0] != '/') {
		dir = jail_elf_dir_of(file);
		pat = dir ? jail_strdup_printf("%s/%s", dir, pattern) : NULL;
	} else {
		pat = strdup(pattern);
	}
	if (pat == NULL)
		return jail_error_set(err, ENOMEM, "%s", file);
	full = r->slash ? strdup(pat) : jail_strdup_printf("%s%s", r->root_real, pat);
	if (full == NULL)
		return jail_error_set(err, ENOMEM, "%s", file);
	rc = glob(full, 0, NULL, &g);
	if (rc == GLOB_NOMATCH)
		return 0;
	if (rc != 0)
		return jail_error_fmt(err, EIO, "%s: include %s: glob failed", file, pattern);
	for (size_t i = 0; i < g.gl_pathc && ret == 0; i++)
		ret = jail_elf_parse_ldconf(r, g.gl_pathv[i] + rl, depth + 1, err);
	globfree(&g);
	return ret;
}

/* ldconfig's syntax: one directory per line ("=TYPE" suffix ignored),
 * "include PATTERN..." (relative to the including file's directory),
 * "hwcap" lines ignored, "#" comments. */
int jail_elf_parse_ldconf(jail_elf_resolver_t *r, const char *file, int depth, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	char *save = NULL;
	struct stat st;

	if (depth > LDCONF_MAX_DEPTH)
		return jail_error_fmt(err, ELOOP, "%s: ld.so.conf includes nested too deep", file);
	if (jail_elf_open_regular(r, file, &st, &fd) < 0) {
		if (errno == ENOENT)
			return 0;
		return jail_error_set(err, errno, "%s", file);
	}
	if (fd < 0)
		return 0; /* not a regular file: ldconfig would not read it either */
	if (jail_read_all(fd, LDCONF_MAX_BYTES, &buf, NULL, err) < 0)
		return jail_error_wrap(err, "%s", file);
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *cp;

		if (hash)
			*hash = '\0';
		cp = jail_strstrip(line);
		if (*cp == '\0')
			continue;
		if (strncmp(cp, "include", 7) == 0 && (cp[7] == ' ' || cp[7] == '\t')) {
			char *isave = NULL;

			for (char *pat = strtok_r(cp + 8, " \t", &isave); pat;
			     pat = strtok_r(NULL, " \t", &isave))
				if (ldconf_include(r, file, pat, depth, err) < 0)
					return -1;
			continue;
		}
		if (strncasecmp(cp, "hwcap", 5) == 0 && (cp[5] == ' ' || cp[5] == '\t'))
			continue;
		{
			char *eq = strchr(cp, '=');
			size_t len;

			if (eq)
				*eq = '\0';
			cp = jail_strstrip(cp);
			len = strlen(cp);
			while (len > 1 && cp[len - 1] == '/')
				cp[--len] = '\0';
			if (cp[0] != '/')
				continue; /* ldconfig warns and ignores relative paths */
			if (jail_strv_add_unique(&r->conf_dirs, cp, err) < 0)
				return -1;
		}
	}
	return 0;
}
