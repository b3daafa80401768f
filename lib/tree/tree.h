/* The jail tree writer: build, extend and update a jail from host files.
 *
 * Everything written into a jail is resolved relative to an fd of the jail
 * root and never through a symlink inside the jail (lib/base/safefs.h).  Files are
 * never modified in place: each one is written to a temporary name in its
 * directory and renamed over the target, so a hard link or a symlink planted
 * in the jail is replaced, never written through, and a failure leaves no
 * half-written file (the temporary is removed).  A run is all or nothing:
 * replacements stay under their temporary names until everything else, the
 * manifest included, is written, and a run that fails removes them and
 * every object it created (jail_tree_apply() in tree-write.c), so the jail
 * and its manifest are as before (a new jail is removed).  Something that is in the way
 * and that the tree writer did not create (a symlink where a directory or a
 * file is wanted, a directory where a file is wanted, ...) is refused with an
 * error naming the path: it is never followed and never deleted.
 *
 * Host paths are resolved component by component: a host symlink on the way
 * (Debian's merged /usr: /lib -> usr/lib, /bin -> usr/bin) is recreated in the
 * jail as the same symlink and the walk goes on through its target, so every
 * file lands at its real host path and every name that works on the host
 * works the same way in the jail.  Symlinks are recreated with their targets
 * copied too, directories are copied recursively, and each ELF object or
 * executable "#!" script brings its run-time dependencies (lib/tree/elfdeps.h:
 * headers are read, nothing is run).
 *
 * Copied regular files keep the host's mode and mtime (so that update can
 * compare), lose setuid/setgid (unless asked), are owned by root:root (unless
 * asked to keep the host owner) and carry no extended attributes: they are
 * fresh files, so file capabilities (security.capability) are not copied,
 * except for paths_w_setuid with allow_setuid, which keeps setuid/setgid
 * and file capabilities alike (Debian's ping has cap_net_raw, no setuid).
 *
 * The loader cache JAIL/etc/ld.so.cache is not written here: jailctl writes
 * it after init, update and cp (lib/tree/ldcache.h: the host's ldconfig, chrooted
 * into the jail, writing to a private tmpfs; the result is copied in only
 * when it changed).
 *
 * The manifest: JAIL/.jail/manifest (directory 0700, file 0600, root, written
 * atomically) lists everything init and cp installed, one entry per line:
 *
 *     # jail manifest v1: written by jailctl, do not edit
 *     logsocket 1                   present when a section wants /dev/log
 *     s basicshell                  a section installed (by name)
 *     p borgbackup                  a Debian package requested by name (init
 *                                   --package, a section's packages key);
 *                                   'pd': with its documentation.  update
 *                                   recomputes the closure from dpkg's
 *                                   database and plans its files again
 *     d /usr/bin                    a directory
 *     f /usr/bin/ls                 a regular file copied from the same host path
 *     fo /var/mail/x                ... keeping the host owner (paths_w_owner)
 *     fs /usr/bin/ping              ... keeping setuid/setgid and file
 *                                   capabilities (paths_w_setuid)
 *     l /bin                        a symlink (same target as on the host)
 *     c /dev/null                   a character device (b: block device)
 *
 * The first character of the first word is the type, any further characters
 * are flags ('o' keep owner, 's' keep setuid/setgid; 'os' both; 'd' on a
 * package: documentation kept).  The path is
 * the rest of the line after one space; it is absolute and the same in the
 * jail and on the host.  A backslash or a newline in a path is written as
 * "\\" or "\n".  Lines are sorted (logsocket, then packages and sections, then paths) so
 * that the same tree always gives the same bytes.  /etc/passwd and
 * /etc/group are merged (users and groups keys), not copied, and so are not
 * listed as 'f'.  When logsocket is set, /dev/log exists in the jail as an
 * empty root-owned regular file: the mount point on which a session binds
 * the host's log socket. */
#ifndef JAIL_TREE_H
#define JAIL_TREE_H

#include "base/error.h"
#include "tree/sections.h"
#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>

/* Manifest entry flags (the letters after the type). */
#define JAIL_MF_KEEP_OWNER  0x1u /* 'o' */
#define JAIL_MF_KEEP_SETUID 0x2u /* 's' */
#define JAIL_MF_PKG_DOCS    0x4u /* 'd', on a package */

typedef struct jail_manifest_entry {
	char type;	/* 'f', 'l', 'd', 'c', 'b', 's' (section) or 'p' (package) */
	unsigned flags; /* JAIL_MF_* */
	char *path;	/* absolute path (jail == host), or the name for 's' and 'p' */
} jail_manifest_entry_t;

typedef struct jail_manifest {
	jail_manifest_entry_t *v; /* sorted: packages, sections, then by path */
	size_t n;
	bool logsocket;
} jail_manifest_t;

/* Read JAIL_FD/.jail/manifest.  The directory and the file are opened
 * beneath JAIL_FD without following symlinks and must be owned by root and
 * not group/world-writable (a manifest someone else could have written is
 * refused).  A missing manifest is an error with err->code == ENOENT (a jail
 * not built by jailctl).  A malformed line is an error naming the line. */
int jail_manifest_read(int jail_fd, jail_manifest_t **out, jail_error_t *err);
void jail_manifest_free(jail_manifest_t *m);
/* The entry for PATH (not sections), or NULL. */
const jail_manifest_entry_t *jail_manifest_find(const jail_manifest_t *m, const char *path);

/* Compare the jail's copy of a manifest 'f' entry with the host file at the
 * same path: type, size, mtime, mode (minus setuid/setgid unless the entry
 * keeps them), owner (root, or the host owner when kept), a single link,
 * file capabilities (none, or the host's when kept), and then the full
 * content byte for byte.  The jail file is opened beneath
 * JAIL_FD without following symlinks.  HOST_ROOT is "/" (or a fixture tree
 * in tests).  Returns 0 when identical, 1 when they differ (*why, if not
 * NULL, gets a static description such as "content differs"), -1 on error
 * (a missing host or jail file is "differs", not an error). */
int jail_tree_compare_file(int jail_fd, const char *host_root, const jail_manifest_entry_t *e,
			   const char **why, jail_error_t *err);

/* Called for each action, for jailctl to print: ACTION is "add", "update",
 * "remove", "missing" (a host path that does not exist, skipped),
 * "strip-setuid"; DETAIL may be NULL (for links: the target). */
typedef void (*jail_tree_report_fn)(void *arg, const char *action, const char *path,
				    const char *detail);

typedef struct jail_tree_opts {
	bool allow_setuid;	     /* init: keep setuid/setgid of paths_w_setuid */
	bool dry_run;		     /* update: report, change nothing */
	bool prune;		     /* update: remove manifest entries the host no longer has */
	const char *host_root;	     /* NULL or "/": the real host; tests pass a fixture tree */
	const jail_strv_t *packages; /* init: Debian packages to install (with their closure) */
	bool package_docs;	     /* init: keep their documentation, man pages, locales */
	jail_tree_report_fn report;  /* may be NULL */
	void *report_arg;
} jail_tree_opts_t;

/* Build or extend the jail JAIL with SECS (already expanded with their
 * includes, e.g. by jail_sections_expand).
 *
 * Contract: JAIL and every parent must be root-owned and not group/world-
 * writable (checked on the fds that are then used); a missing JAIL is
 * created (0755 root) only below a trusted existing parent, and only after
 * the sections were checked and every host file was found.  Nothing in the
 * jail is written until the whole plan was checked against the jail
 * (a conflicting object is refused naming its path, with the jail
 * unchanged).  paths_w_setuid without opts->allow_setuid is refused before
 * anything is touched.  Host paths that do not exist are skipped (jailkit's
 * files list alternatives for many systems) and reported as "missing"; a
 * missing library that an ELF file needs is an error.  Re-running is
 * idempotent: identical files are not rewritten and the manifest keeps the
 * same bytes. */
/* On failure (any error after the jail was first written: ENOSPC too) the
 * run is rolled back as the header says; err says why first and, should an
 * object not be removable, names it after.
 *
 * Packages (opts->packages and every section's packages key): each
 * requested package must be installed on the host (else the run fails
 * before anything is written, naming it); the files of its Depends/
 * Pre-Depends closure (lib/tree/dpkg.h) are planned like a section's paths,
 * regular files and symlinks only (directories come with what is below
 * them, never walked), documentation left out unless opts->package_docs.
 * A "packages" report gives the closure's size. */
int jail_tree_init(const char *jail, const jail_section_t *const *secs, size_t n,
		   const jail_tree_opts_t *opts, jail_error_t *err);

/* jk_cp: copy host PATHS (absolute, globs, or bare names looked up on the
 * host PATH) with their dependencies into the existing jail JAIL and add
 * them to the manifest.  Unlike init, a path that does not exist on the
 * host is an error (it was named explicitly).  setuid/setgid bits are
 * always stripped. */
int jail_tree_cp(const char *jail, const jail_strv_t *paths, const jail_tree_opts_t *opts,
		 jail_error_t *err);

/* Bring every manifest entry of JAIL up to date with the host (size, mtime,
 * mode, owner and full content compared), re-resolve the dependencies of
 * every copied file and add what is newly needed, recreate what was removed
 * from the jail.  With opts->prune, manifest files and symlinks (and empty
 * manifest directories) whose host path is gone are removed from the jail
 * and the manifest; nothing that is not in the manifest is ever removed.
 * With opts->dry_run, actions are reported and nothing changes.
 * Packages recorded in the manifest ('p') have their closure and file
 * lists read again from dpkg's database, so an upgrade's new files and new
 * dependencies are added and its changed files replaced; files an upgrade
 * dropped are gone from the host and so handled as above (--prune).  A
 * recorded package no longer installed is a warning. */
int jail_tree_update(const char *jail, const jail_tree_opts_t *opts, jail_error_t *err);

#endif
