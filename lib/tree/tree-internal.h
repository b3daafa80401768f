/* Shared between lib/tree*.c only (not an API): manifest building and
 * serialisation, and the file comparison used by init, update and check. */
#ifndef JAIL_TREE_INTERNAL_H
#define JAIL_TREE_INTERNAL_H

#include "tree/tree.h"

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

/* File capabilities are an extended attribute; a copy carries them only
 * for paths_w_setuid (with allow_setuid). */
#define JAIL_CAPS_XATTR "security.capability"
#define JAIL_CAPS_MAX	64 /* vfs_cap_data v3 is 24 bytes */
/* Read FD's capabilities into BUF: their length, 0 when none, -1 on error. */
ssize_t jail_tree_get_caps(int fd, char *buf, size_t len);

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

/* ---- the tree writer's state, shared by tree.c, tree-plan.c and
 * tree-write.c ---- */

#include "tree/elfdeps.h"

enum { ST_UNKNOWN = 0, ST_ABSENT, ST_SAME, ST_REPLACE };

/* Internal entry flags, above the JAIL_MF_* bits. */
#define TE_RECURSED 0x100u  /* directory contents were added */
#define TE_NOHOST   0x200u  /* directory with no host counterpart (emptydirs) */
#define TE_EMPTY    0x400u  /* emptydirs: 0755, or 1777 when sticky on the host */
#define TE_DONE	    0x800u  /* written, or found identical */
#define TE_CREATED  0x1000u /* this run created it (was absent): rollback removes it */
#define TE_STAGED   0x2000u /* replacement written to ->tmp, renamed at the commit */
#define MF_MASK	    (JAIL_MF_KEEP_OWNER | JAIL_MF_KEEP_SETUID)

typedef struct jail_tree_entry {
	char *path;	 /* absolute, real on the host (no symlink component) */
	char *target;	 /* 'l': the link's contents */
	char type;	 /* 'f', 'l', 'd', 'c', 'b'; 'P': empty placeholder file */
	unsigned flags;	 /* JAIL_MF_* | TE_* */
	struct stat hst; /* host lstat (zero for TE_NOHOST and 'P') */
	mode_t mode;	 /* wanted in the jail */
	uid_t uid;
	gid_t gid;
	int state;
	char *tmp;	/* TE_STAGED: the temporary's name in the parent */
	dev_t made_dev; /* TE_CREATED: what was created, so that a rollback */
	ino_t made_ino; /* removes that object and nothing put there since */
} jail_tree_entry_t;

/* /etc/passwd or /etc/group as merged by the tree writer. */
typedef struct jail_tree_db {
	char *data; /* merged contents, NULL when unchanged */
	size_t len;
	bool existed;	   /* the jail had one: replaced through tmp at the commit */
	bool made;	   /* this run created it: rollback removes it */
	char tmp[64];	   /* existed: the staged temporary in /etc, "" when none */
	jail_strv_t added; /* the names merged in */
} jail_tree_db_t;

/* String -> size_t map with open addressing (FNV-1a); keys are copied. */
typedef struct jail_tree_map {
	char **keys;
	size_t *vals;
	size_t cap, n;
} jail_tree_map_t;

typedef struct jail_tree_ctx {
	const jail_tree_opts_t *opts;
	char *jail; /* normalised jail path, for messages */
	const char *host_root;
	int host_fd;
	jail_elf_resolver_t *resolver;
	bool updating; /* update: replace what the manifest says is ours */
	bool strict;   /* cp: a requested path missing on the host is an error */
	bool no_recurse;
	bool listing; /* planning a package's file: soft problems are notes */

	jail_tree_entry_t *ents;
	size_t n, cap;
	jail_tree_map_t index; /* path -> entry index */
	jail_tree_map_t seen;  /* requested path -> flags handled */
	size_t *order;	       /* entry indices sorted by path */

	jail_strv_t sections, users, groups;
	jail_strv_t packages, packages_docs; /* requested, for the manifest */
	jail_strv_t missing;		     /* update: manifest paths gone from the host */
	bool logsocket;

	int root_fd;
	bool root_exists;
	struct stat root_st;
	char *create_from; /* nearest existing trusted ancestor when creating */
	jail_manifest_t *old;

	char *pc_path; /* one-entry cache of an open jail directory */
	int pc_fd;
	char *cmpbuf;
	unsigned long tmpseq;
	bool wrote; /* anything written: syncfs at the end */

	jail_tree_db_t passwd, group;

	/* What this run created, for a rollback: the number of components of
	 * the jail path (the jail root included) made by create_root, and
	 * whether it made JAIL/.jail. */
	unsigned root_made;
	bool mdir_made;
} jail_tree_ctx_t;

/* tree-plan.c: phase 1, reads the host only. */
const char *jail_tree_hrel(const char *path);
int jail_tree_open_host(jail_tree_ctx_t *c, const char *path, int flags);
void jail_tree_report(jail_tree_ctx_t *c, const char *action, const char *path, const char *detail);
char *jail_tree_parent_of(const char *path, const char **base);
const char *jail_tree_type_word(mode_t m);
const char *jail_tree_entry_word(char type);
jail_tree_entry_t *jail_tree_plan_get(jail_tree_ctx_t *c, const char *path);
ssize_t jail_tree_plan_new(jail_tree_ctx_t *c, const char *path, char type, unsigned flags,
			   const struct stat *hst, const char *target, jail_error_t *err);
void jail_tree_map_free(jail_tree_map_t *m);
/* Plan host PATH and what it brings: 0, 1 when missing on the host, -1. */
int jail_tree_add_path(jail_tree_ctx_t *c, const char *path, unsigned flags, bool soft,
		       jail_error_t *err);
/* One item of a paths list: an absolute path, a glob or a bare name. */
int jail_tree_add_request(jail_tree_ctx_t *c, const char *item, unsigned flags, jail_error_t *err);
int jail_tree_add_emptydir(jail_tree_ctx_t *c, const char *path, unsigned dflags,
			   jail_error_t *err);
int jail_tree_add_device(jail_tree_ctx_t *c, const char *path, jail_error_t *err);
/* A path of a package's file list: a file or symlink is planned like a
 * soft request; a directory (or a path leading to one) only gets its
 * parents planned, never walked.  0, 1 when missing on the host, -1. */
int jail_tree_add_listed(jail_tree_ctx_t *c, const char *path, jail_error_t *err);

/* dpkg.c: plan the files of the Debian packages NAMES and their closure
 * (init: a name not installed is an error; update: a warning). */
int jail_tree_add_packages(jail_tree_ctx_t *c, const jail_strv_t *names, bool docs,
			   jail_error_t *err);

/* tree-write.c: phases 2 and 3. */
int jail_tree_open_root(jail_tree_ctx_t *c, bool may_create, jail_error_t *err);
int jail_tree_apply(jail_tree_ctx_t *c, bool do_prune, jail_error_t *err);

/* tree-write.c, for tree-commit.c: the cached O_PATH fd of the jail
 * directory DIR (checked root-owned and not group/world-writable), dropping
 * the cache, and the manifest type letter of a mode. */
int jail_tree_dir_fd(jail_tree_ctx_t *c, const char *dir, jail_error_t *err);
void jail_tree_dir_fd_drop(jail_tree_ctx_t *c);
char jail_tree_mode_type(mode_t m);
/* Refuse to write over the jail object BASE in PFD (JS) that E conflicts
 * with; HINT, if any, is appended to the message.  Returns -1. */
int jail_tree_conflict(jail_tree_ctx_t *c, const jail_tree_entry_t *e, int pfd, const char *base,
		       const struct stat *js, const char *hint, jail_error_t *err);

/* tree-db.c: merge the host lines for NAMES into the jail's REL
 * ("/etc/passwd") in phase 2, write the result in phase 3. */
int jail_tree_prepare_db(jail_tree_ctx_t *c, const char *rel, const jail_strv_t *names,
			 const char *what, jail_tree_db_t *db, jail_error_t *err);
int jail_tree_write_db(jail_tree_ctx_t *c, const char *rel, jail_tree_db_t *db, jail_error_t *err);

/* tree-commit.c: phase 4 of jail_tree_apply(). */
int jail_tree_prune(jail_tree_ctx_t *c, jail_strv_t *pruned, jail_error_t *err);
int jail_tree_write_manifest(jail_tree_ctx_t *c, const jail_strv_t *pruned, jail_error_t *err);
int jail_tree_commit(jail_tree_ctx_t *c, jail_error_t *err);
void jail_tree_rollback(jail_tree_ctx_t *c, jail_error_t *err);

#endif
