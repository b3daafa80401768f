/* Command sets: jailkit's jk_init.ini format, read unchanged.
 *
 *   [section]
 *   comment = text
 *   paths = /abs/path, glob*, bare-name-found-on-PATH, ...
 *     (synonyms: executables, regularfiles, directories, libraries)
 *   paths_w_owner = ...      copied keeping the host owner
 *   paths_w_setuid = ...     copied keeping setuid/setgid (needs allow_setuid)
 *   emptydirs = /dir, ...    created empty
 *   devices = /dev/null, ... device nodes recreated
 *   users = root, ...        passwd lines copied into the jail's /etc/passwd
 *   groups = root, ...       group lines copied into the jail's /etc/group
 *   includesections = a, b   other sections, recursively (cycles tolerated:
 *                            each section is expanded once)
 *   packages = a, b          installed Debian packages: their files and those
 *                            of their Depends/Pre-Depends closure, from dpkg's
 *                            database (lib/tree/dpkg.h; not in jailkit)
 *   need_logsocket = 1       the jail wants /dev/log
 *   need_proc = 1            jailkit's request for a /proc mount; parsed and
 *                            kept (sessions mount /proc themselves)
 *
 * Syntax is Python ConfigParser's, as jailkit reads it: `key = value` or
 * `key: value`, keys case-insensitive, `#`/`;` comment lines, a line indented
 * deeper than its key continues the value.  List values split on commas and
 * line breaks.  A repeated key in a section or a repeated section is an error
 * (ConfigParser's strict mode), as is [DEFAULT].  Unknown keys are an error
 * naming file, line, section and key, with the list of known keys (jailkit
 * has none beyond these).  Every error starts with "FILE:LINE: ". */
#ifndef JAIL_SECTIONS_H
#define JAIL_SECTIONS_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>

typedef struct jail_section {
	char *name;
	char *comment;
	jail_strv_t paths; /* paths + synonyms, in file order */
	jail_strv_t paths_w_owner;
	jail_strv_t paths_w_setuid;
	jail_strv_t emptydirs;
	jail_strv_t devices;
	jail_strv_t users;
	jail_strv_t groups;
	jail_strv_t includes;
	jail_strv_t packages;
	bool need_logsocket;
	bool need_proc; /* jailkit's need_proc, see above */
	size_t line;	/* line of the [section] header, for messages */
} jail_section_t;

typedef struct jail_sections {
	char *file;
	jail_section_t *v;
	size_t n;
} jail_sections_t;

/* Parse FILE (must be a regular file; not required to be root-owned since
 * it is only read, but a symlink as the last component is followed only if
 * the caller passed such a path explicitly). */
int jail_sections_load(const char *file, jail_sections_t **out, jail_error_t *err);
/* Parse an in-memory buffer (for tests and fuzzing); NAME is used in messages. */
int jail_sections_parse(const char *name, const char *buf, size_t len, jail_sections_t **out,
			jail_error_t *err);
void jail_sections_free(jail_sections_t *s);

const jail_section_t *jail_sections_find(const jail_sections_t *s, const char *name);

/* Expand NAMES (requested section names) with their includesections,
 * depth-first, each section once, into OUT (pointers into s).  An unknown
 * section name is an error naming it and the file. */
int jail_sections_expand(const jail_sections_t *s, const jail_strv_t *names,
			 const jail_section_t ***out, size_t *n_out, jail_error_t *err);

#endif
