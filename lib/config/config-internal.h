/* Shared between lib/config (ini.c, config.c, profile.c, service.c) only (not an API): trusted ini
 * loading and walking (ini.c), the value parsers both jail.ini and profiles use, and the profile
 * loader config.c calls for `jailctl check`. */
#ifndef JAIL_CONFIG_INTERNAL_H
#define JAIL_CONFIG_INTERNAL_H

#include "config/config.h"

#include <iniparser/iniparser.h>
#include <stdbool.h>
#include <sys/types.h>

/* A loaded file: iniparser's dictionary and an index built once at load,
 * so that finding an entry's section or a section's keys costs a binary
 * search and that section's own entries, not a walk of the whole file (a
 * jail.ini may hold thousands of [user:] sections).  The index does not
 * depend on the order iniparser stores entries in. */
typedef struct jail_ini {
	dictionary *d;
	size_t n_sec;
	ssize_t *sec;	/* n_sec: the section entries, sorted by name */
	ssize_t *owner; /* d->size: position in sec[] of entry i's section, or -1 */
	ssize_t *first; /* n_sec: first key entry of each section, or -1 */
	ssize_t *next;	/* d->size: next key entry of the same section, or -1 */
} jail_ini_t;

/* Open NAME in DIRFD (or the absolute PATH when DIRFD is AT_FDCWD) without
 * following a symlink, check it (regular, root-owned, not group/world
 * writable), pre-scan it, load it with iniparser and index it.  *missing
 * (if not NULL) is set and 0 returned with *out NULL when the file does not
 * exist. */
int jail_ini_load_at(int dirfd, const char *name, const char *path, jail_ini_t **out, bool *missing,
		     jail_error_t *err);
void jail_ini_free(jail_ini_t *ini);

/* The same checks without iniparser: the file's text (NUL-terminated,
 * LEN bytes, malloc'd) in *out, or *out NULL with *missing set.  For
 * files whose values iniparser would mangle (services.d: it cuts a value
 * at ';' or '#' and drops what follows a quoted part). */
int jail_ini_read_at(int dirfd, const char *name, const char *path, char **out, size_t *len,
		     bool *missing, jail_error_t *err);
/* The text checks every loaded file passes: no NUL byte in LEN bytes, no
 * section given twice, no key twice in a section (the pre-scan). */
int jail_ini_check_text(const char *buf, size_t len, const char *path, jail_error_t *err);

/* Frees a loaded file on scope exit. */
static inline void jail_ini_freep(jail_ini_t **ini)
{
	jail_ini_free(*ini);
}
#define cleanup_ini __attribute__((cleanup(jail_ini_freep)))

/* The value of KEY in section SEC, or NULL when it is not set (as
 * iniparser_getstring() of "SEC:KEY"). */
const char *jail_ini_get(const jail_ini_t *ini, const char *sec, const char *key);

/* In iniparser a section is an entry with a NULL value and a key is stored
 * as "section:key". */
bool jail_ini_is_section(const dictionary *d, ssize_t i);
/* The key part of entry I, or NULL (a key before any section); *sec gets
 * the section. */
const char *jail_ini_entry_key(const jail_ini_t *ini, ssize_t i, const char **sec);
/* Refuse keys that appear before the first section. */
int jail_ini_check_no_orphans(const jail_ini_t *ini, const char *path, jail_error_t *err);

/* The keys a section may hold: N entries of STRIDE bytes, each beginning
 * with its name (a const char *): an array of names, or profile.c's key
 * table.  The unknown-key message lists them in this order. */
typedef struct jail_ini_keys {
	const void *v;
	size_t n, stride;
} jail_ini_keys_t;
#define JAIL_INI_KEYS(arr)                                                                         \
	((jail_ini_keys_t){(arr), sizeof(arr) / sizeof((arr)[0]), sizeof((arr)[0])})
bool jail_ini_key_known(jail_ini_keys_t keys, const char *key);
/* "PATH: [SEC] KEY: unknown key (expected one of: ...)"; returns -1. */
int jail_ini_unknown_key(const char *path, const char *sec, const char *key, jail_ini_keys_t keys,
			 jail_error_t *err);
/* Refuse the first key of section SEC in D that KEYS does not list. */
int jail_ini_check_keys(const jail_ini_t *ini, const char *path, const char *sec,
			jail_ini_keys_t keys, jail_error_t *err);

/* An absolute path without ':', whitespace or control characters, returned
 * normalised (malloc'd), or NULL with err saying what was expected. */
char *jail_config_abs_path(const char *v, jail_error_t *err);
/* A `shell` value: jail_config_abs_path(), then jail_valid_shell(). */
char *jail_config_shell(const char *v, jail_error_t *err);
/* Replace *DST by a copy of V. */
int jail_config_set_str(char **dst, const char *v, jail_error_t *err);

/* The configuration directory DIR opened as a trusted directory; *norm
 * gets DIR normalised (for messages).  Returns the fd or -1. */
int jail_config_open_dir(const char *dir, char **norm, jail_error_t *err);
/* DIRPATH/NAME (DIRFD is DIRPATH) as a trusted directory, not a symlink.
 * Returns the fd, or -1 with *missing set when it does not exist. */
int jail_config_open_subdir(int dirfd, const char *dirpath, const char *name, bool *missing,
			    jail_error_t *err);

/* jail_profile_load() with the configuration directory already open. */
int jail_profile_load_at(int confd, const char *dirpath, const char *name, jail_profile_t **out,
			 jail_error_t *err);

#endif
