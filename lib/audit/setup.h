/* jailctl setup sshd: the two edits templates/pam.d-sshd.snippet and
 * templates/sshd_config.snippet ask an admin to make by hand, made (and
 * undone) by a program.
 *
 * Each edit is one block of lines between two marker comments:
 *
 *	# BEGIN jail (jailctl setup sshd) sum=0123456789abcdef
 *	session required pam_jail.so
 *	# END jail
 *
 * `sum` is a checksum of the lines between the markers: a block whose
 * lines no longer match it was altered by hand and is refused (neither
 * replaced nor removed).  The block is inserted so that removing it gives
 * back the file's bytes exactly: it starts at the start of a line and ends
 * with a line terminator of the file's own style (CR LF when the file's
 * first line ends so), except at the end of a file without a final
 * newline, where the block brings the terminator it needs before it and
 * none after.
 *
 * The file edits (jail_setup_sshd()) read and replace only regular,
 * root-owned files that are not group/world-writable, in trusted
 * directories, never through a symlink; the new file is written to a
 * temporary in the same directory, validated (sshd -T -f for
 * sshd_config), fsync'ed and renamed over the old one, with its owner and
 * mode; the old content is kept as FILE.jail.bak. */
#ifndef JAIL_AUDIT_SETUP_H
#define JAIL_AUDIT_SETUP_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <stddef.h>

#define JAIL_SETUP_MARK_BEGIN	 "# BEGIN jail (jailctl setup sshd)"
#define JAIL_SETUP_MARK_END	 "# END jail"
#define JAIL_SETUP_BACKUP_SUFFIX ".jail.bak"
#define JAIL_SETUP_PAM_FILE	 "/etc/pam.d/sshd"
#define JAIL_SETUP_SSHD_CONFIG	 "/etc/ssh/sshd_config"
#define JAIL_SETUP_SSHD_BIN	 "/usr/sbin/sshd"
#define JAIL_SETUP_MAX_FILE	 (1u << 20)

typedef enum jail_setup_target {
	JAIL_SETUP_PAM,	 /* the block goes after the last session or @include line */
	JAIL_SETUP_SSHD, /* the block goes at the end (a Match block runs to the end) */
} jail_setup_target_t;

/* One file's edit, computed from its text. */
typedef struct jail_setup_edit {
	char *text; /* the new content, NUL-terminated (malloc'd; NULL when unchanged) */
	size_t len;
	bool changed;	   /* false: the file is already as asked (nothing to do) */
	size_t line;	   /* 1-based line of the block's BEGIN marker, in the new
			      file (added) or in the old one (removed); 0 when none */
	jail_strv_t lines; /* the block's lines with its markers, no terminators */
} jail_setup_edit_t;

void jail_setup_edit_clear(jail_setup_edit_t *e);

/* The lines between the markers.  PAM: "session required MODULE" with
 * " config=CONFIG_DIR" when CONFIG_DIR is not the default /etc/jail.
 * SSHD: the Match Group GROUP block of templates/sshd_config.snippet, its
 * AuthorizedKeysCommand running JAILCTL (with --config CONFIG_DIR when not
 * the default).  Values holding whitespace, quotes, '#' or '%' are refused
 * (neither file format could carry them as one word). */
int jail_setup_pam_body(const char *module, const char *config_dir, jail_strv_t *out,
			jail_error_t *err);
int jail_setup_sshd_body(const char *jailctl, const char *config_dir, const char *group,
			 jail_strv_t *out, jail_error_t *err);

/* Add BODY (markers added here) to TEXT (LEN bytes, the content of PATH,
 * named in messages).  Unchanged (out->changed false) when TEXT already
 * holds an intact block with these lines.  Refused (-1) when TEXT holds an
 * altered block, a block with other lines (set up with other options: undo
 * first), more than one, or (PAM) an unmarked pam_jail.so line. */
int jail_setup_add(jail_setup_target_t target, const char *path, const char *text, size_t len,
		   const jail_strv_t *body, jail_setup_edit_t *out, jail_error_t *err);
/* Remove the block from TEXT: unchanged when there is none; refused when
 * it was altered or is not well formed. */
int jail_setup_remove(const char *path, const char *text, size_t len, jail_setup_edit_t *out,
		      jail_error_t *err);

/* What one pam.d file brings into the session stack, for the check that
 * pam_jail is not there already (it refuses every session when it appears
 * twice).  TEXT's logical lines ("\\"-continued lines joined), up to a
 * '#':
 *   - jail_line: the 1-based line of the first session line (`session`
 *     or `-session`) naming pam_jail.so as its module, 0 when none;
 *   - inc: the files it pulls session lines from, `@include NAME` and
 *     `session include|substack NAME`, with their lines, in order.
 * Types and control words are compared as Linux-PAM does, without case. */
typedef struct jail_setup_include {
	char *name;
	size_t line;
} jail_setup_include_t;

typedef struct jail_setup_pam_scan {
	size_t jail_line;
	jail_setup_include_t *inc;
	size_t n;
} jail_setup_pam_scan_t;

int jail_setup_pam_scan(const char *text, size_t len, jail_setup_pam_scan_t *out,
			jail_error_t *err);
void jail_setup_pam_scan_clear(jail_setup_pam_scan_t *s);

/* How deep setup follows includes from the PAM file (the file itself is
 * depth 0; its includes are depth 1). */
#define JAIL_SETUP_INCLUDE_DEPTH 8
/* How long setup waits for another setup editing the same directory. */
#define JAIL_SETUP_LOCK_WAIT_MS 10000

typedef struct jail_setup_opts {
	const char *pam_file;	 /* NULL: /etc/pam.d/sshd */
	const char *sshd_config; /* NULL: /etc/ssh/sshd_config */
	const char *sshd;	 /* NULL: /usr/sbin/sshd */
	const char *module;	 /* pam_jail.so or an absolute path */
	const char *config_dir;	 /* jailctl's configuration directory (absolute) */
	const char *jailctl;	 /* absolute path of jailctl for AuthorizedKeysCommand */
	const char *group;	 /* Match Group */
	bool undo;
	bool dry_run; /* compute and validate, write nothing */
} jail_setup_opts_t;

typedef struct jail_setup_file {
	char *path;
	char *backup; /* PATH.jail.bak */
	jail_setup_edit_t edit;
	bool written;	     /* the new content replaced the file */
	bool backup_written; /* setup: the old content is in BACKUP */
	bool exact;	     /* undo: the result is byte-identical to BACKUP */
	bool backup_removed; /* undo: BACKUP was removed (it equalled the result) */
	bool no_backup;	     /* undo: there was no BACKUP to compare with */
} jail_setup_file_t;

typedef struct jail_setup_result {
	jail_setup_file_t pam, sshd;
} jail_setup_result_t;

void jail_setup_result_clear(jail_setup_result_t *r);

/* Set up (or with o->undo, undo) both files.  Nothing is replaced unless
 * both edits are computed and the new sshd_config passes `sshd -T -f`
 * with UsePAM yes (setup; undo only validates when sshd is installed).
 * sshd is never signalled: the caller tells the admin to reload it.
 * Returns 0 with R filled (R->x.edit.changed false: nothing to do there),
 * or -1 with err naming the file and what was expected. */
int jail_setup_sshd(const jail_setup_opts_t *o, jail_setup_result_t *r, jail_error_t *err);

#endif
