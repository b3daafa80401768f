/* Shared between lib/tree*.c only (not an API): manifest building and
 * serialisation, and the file comparison used by init, update and check. */
#ifndef JAIL_TREE_INTERNAL_H
#define JAIL_TREE_INTERNAL_H

#include "tree.h"

#include <sys/stat.h>

#define JAIL_MANIFEST_DIR  ".jail"
#define JAIL_MANIFEST_FILE ".jail/manifest"
#define JAIL_MANIFEST_MAX  (64u << 20)

/* Append an entry (PATH is copied).  Order and duplicates are sorted out by
 * jail_manifest_finish(). */
int jail_manifest_add(jail_manifest_t *m, char type, unsigned flags, const char *path,
		      jail_error_t *err);
/* Sort (sections by name, then entries by path) and drop duplicates: for
 * the same path the entry added LAST wins, so callers add old entries first
 * and new ones after. */
int jail_manifest_finish(jail_manifest_t *m, jail_error_t *err);
/* Parse manifest text; NAME is used in messages. */
int jail_manifest_parse(const char *name, const char *buf, size_t len, jail_manifest_t **out,
			jail_error_t *err);
/* Serialise (m must be finished); returns a malloc'd buffer. */
char *jail_manifest_format(const jail_manifest_t *m, size_t *len, jail_error_t *err);
/* Write ROOT_FD/.jail/manifest atomically, creating .jail (0700 root) if
 * needed; does nothing when the file already holds the same bytes.  *changed
 * (may be NULL) says whether it wrote. */
int jail_manifest_write(int root_fd, const jail_manifest_t *m, bool *changed, jail_error_t *err);

/* The attributes a copied file must have in the jail, given the host's
 * stat and the entry flags. */
void jail_tree_wanted_attrs(const struct stat *host, unsigned flags, mode_t *mode, uid_t *uid,
			    gid_t *gid);
/* Compare an open jail file JFD (stat JST) with an open host file HFD
 * (stat HST), as jail_tree_compare_file() documents.  BUF is scratch space
 * of 2 * JAIL_TREE_CMPBUF bytes.  Returns 0 same, 1 differs, -1 error. */
#define JAIL_TREE_CMPBUF (256u << 10)
int jail_tree_compare_fds(int jfd, const struct stat *jst, int hfd, const struct stat *hst,
			  unsigned flags, char *buf, const char **why, jail_error_t *err);

#endif
