/* Reading passwd(5) and group(5) text: the parser both halves of libjail
 * share.  The login path (session) looks a user up in a jail's passwd with
 * it; the tree layer's editor (tree/passwd.h) builds on the same line and
 * field rules, so the file is read one way everywhere. */
#ifndef JAIL_PWFILE_H
#define JAIL_PWFILE_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Next line of *P (without its newline) into LINE/LEN; false at the end. */
bool jail_pw_next_line(const char **p, const char **line, size_t *len);
/* Does the line's first ':' field equal NAME? */
bool jail_pw_line_is(const char *line, size_t len, const char *name);
/* Split S (a writable line copy) into at most MAX ':'-separated fields;
 * returns the number found. */
size_t jail_pw_split(char *s, char **f, size_t max);
/* A decimal uid or gid below UINT_MAX, nothing else. */
bool jail_pw_parse_id(const char *s, unsigned long *out);

/* Find USER's line in passwd TEXT; returns 1 and fills uid/gid/home/shell
 * (malloc'd, may be NULL pointers to skip), 0 when absent, -1 on a
 * malformed line of that user. */
int jail_passwd_text_lookup(const char *text, const char *user, uid_t *uid, gid_t *gid, char **home,
			    char **shell, jail_error_t *err);

/* Look USER up in the passwd file open at FD (a regular file the caller
 * opened and checked: pam_jail reads the jail's /etc/passwd beneath the
 * jail fd).  Streams it in blocks (no copy of the file; a 10,000-line
 * passwd costs well under a millisecond) and stops at USER's first line.
 * Returns 1 with *uid and *shell (malloc'd), 0 when USER has no line, -1
 * on a read error or a malformed line of USER.  Lines longer than 64 KiB
 * are an error (EFBIG): no passwd line is that long. */
int jail_passwd_fd_lookup(int fd, const char *user, uid_t *uid, char **shell, jail_error_t *err);

#endif
