/* Installed Debian packages, read from dpkg's own database: which files a
 * package and its Depends/Pre-Depends closure put on the host.
 *
 *   /var/lib/dpkg/status       one stanza per package, "Field: value" lines
 *                              (a line starting with a blank continues the
 *                              value), stanzas separated by blank lines
 *   /var/lib/dpkg/info/P.list  the package's paths, one a line (P is
 *                              NAME:ARCH for Multi-Arch: same packages, else
 *                              NAME; both are tried)
 *
 * A package counts as installed when the third word of its Status is
 * "installed" (or triggers-pending/triggers-awaited: configured, its files
 * in place); "deinstall ok config-files" and "not-installed" are not.
 * Dependencies: "a (>= 1.0) | b:any, c" is a list of groups, each satisfied
 * by its first alternative that is installed; version constraints are not
 * checked (dpkg did, when it installed them), arch qualifiers are honoured
 * ("pkg:any" any architecture, "pkg:amd64" that one; a bare name prefers the
 * depending package's architecture, then the native one, then "all"), and a
 * name no installed package has is looked up in the Provides of the
 * installed ones (virtual packages).
 *
 * Nothing here runs dpkg: the files are parsed as text, which the unit
 * tests feed crafted. */
#ifndef JAIL_DPKG_H
#define JAIL_DPKG_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>

#define JAIL_DPKG_STATUS "/var/lib/dpkg/status"
#define JAIL_DPKG_INFO	 "/var/lib/dpkg/info"

typedef struct jail_dpkg_pkg {
	char *name;
	char *arch;	   /* "" when the stanza has none */
	char *status;	   /* the Status value, "" when none */
	char *depends;	   /* raw field values, NULL when absent */
	char *pre_depends; /* */
	char *provides;	   /* */
	bool installed;
	size_t line; /* of the stanza's first line, for messages */
} jail_dpkg_pkg_t;

typedef struct jail_dpkg_db {
	char *file;	    /* for messages */
	jail_dpkg_pkg_t *v; /* in file order */
	size_t n;
	const char *native; /* dpkg's own Architecture, or NULL */
	size_t *by_name;    /* indices sorted by name */
} jail_dpkg_db_t;

/* Parse status text (NAME in messages).  A stanza without Package, a field
 * line without ':' or a NUL byte is an error naming the line. */
int jail_dpkg_parse_status(const char *name, const char *buf, size_t len, jail_dpkg_db_t **out,
			   jail_error_t *err);
void jail_dpkg_db_free(jail_dpkg_db_t *db);

/* "name" or "name:arch" as dpkg spells package names. */
bool jail_dpkg_valid_name(const char *s);

/* Warnings (a dependency that is not installed) go here. */
typedef void (*jail_dpkg_warn_fn)(void *arg, const char *msg);

/* The closure of NAMES ("name" or "name:arch") through Depends and
 * Pre-Depends: *OUT gets indices into db->v, each once, requested packages
 * first, then breadth first.  A requested name that is not installed is an
 * error (ENOENT) naming it and its dpkg status, unless LENIENT, when it is a
 * warning and skipped; an unsatisfiable dependency of an installed package
 * is a warning naming both.  Cycles are fine. */
int jail_dpkg_closure(const jail_dpkg_db_t *db, const jail_strv_t *names, bool lenient,
		      jail_dpkg_warn_fn warn, void *warn_arg, size_t **out, size_t *n_out,
		      jail_error_t *err);

/* Is PATH documentation (/usr/share/doc, man, info, locale, lintian, bug)? */
bool jail_dpkg_is_doc(const char *path);

/* Append the paths of a .list text to PATHS: absolute, "/." dropped,
 * documentation dropped unless DOCS.  A relative path is an error. */
int jail_dpkg_parse_list(const char *name, const char *buf, size_t len, bool docs,
			 jail_strv_t *paths, jail_error_t *err);

/* Reads a package's .list: 0 with *buf (malloc'd), -1 with err (ENOENT
 * when there is none). */
typedef int (*jail_dpkg_list_fn)(void *arg, const jail_dpkg_pkg_t *p, char **buf, size_t *len,
				 jail_error_t *err);

/* The files of the packages PKGS (indices into db->v, as from
 * jail_dpkg_closure) appended to PATHS.  A missing .list is an error for
 * the first N_REQUIRED packages (those requested by name) and a warning for
 * the others. */
int jail_dpkg_files(const jail_dpkg_db_t *db, const size_t *pkgs, size_t n, size_t n_required,
		    bool docs, jail_dpkg_list_fn read_list, void *list_arg, jail_dpkg_warn_fn warn,
		    void *warn_arg, jail_strv_t *paths, jail_error_t *err);

/* The host's database under HOST_ROOT ("/" or a fixture tree): status and
 * the .list files, read as root-owned files in root-owned directories
 * (lib/base/safefs.h jail_read_trusted_file). */
int jail_dpkg_load(const char *host_root, jail_dpkg_db_t **out, jail_error_t *err);
/* A jail_dpkg_list_fn reading HOST_ROOT's info directory (ARG: host root). */
int jail_dpkg_read_list(void *host_root, const jail_dpkg_pkg_t *p, char **buf, size_t *len,
			jail_error_t *err);

#endif
