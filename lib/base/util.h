/* Small helpers shared by every part of libjail: cleanup attributes, a
 * growable string vector, parsing of sizes, booleans and lists. */
#ifndef JAIL_UTIL_H
#define JAIL_UTIL_H

#include "base/error.h"

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define JAIL_EXPORT __attribute__((visibility("default")))
#define JAIL_UNUSED __attribute__((unused))

/* Cleanup attributes: a variable declared with one is released when it goes
 * out of scope, on every path, so error paths need no ladder of free(),
 * close() and closedir().  Hand a value on with steal_pointer()/steal_fd()
 * (or by setting a pid to 0).  The library's own types have theirs next to
 * their free function: cleanup_strv here, cleanup_cgroup in
 * confine/cgroup.h, and so on. */
void jail_freep(void *p);
void jail_closep(int *fd);
void jail_fclosep(FILE **f);
void jail_closedirp(DIR **d);
/* SIGKILL *PID and reap it (waitpid, retried on EINTR) when it is > 0;
 * errno is kept.  For a child that must not outlive the function that
 * forked it: set the variable to 0 once the child was waited for or handed
 * on. */
void jail_killp(pid_t *pid);

#define cleanup_free   __attribute__((cleanup(jail_freep)))
#define cleanup_close  __attribute__((cleanup(jail_closep)))
#define cleanup_fclose __attribute__((cleanup(jail_fclosep)))
#define cleanup_dir    __attribute__((cleanup(jail_closedirp)))
#define cleanup_pid    __attribute__((cleanup(jail_killp)))

/* Take ownership of *pp, leaving NULL behind (type-checked). */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _p = *(pp);                                                      \
		*(pp) = NULL;                                                                      \
		_p;                                                                                \
	})
/* Take ownership of an fd, leaving -1 behind. */
#define steal_fd(fdp)                                                                              \
	({                                                                                         \
		int _fd = *(fdp);                                                                  \
		*(fdp) = -1;                                                                       \
		_fd;                                                                               \
	})

/* A NULL-terminated vector of owned strings. Zero-initialise before use. */
typedef struct jail_strv {
	char **v; /* always NULL-terminated once anything was pushed */
	size_t n;
	size_t cap;
} jail_strv_t;

int jail_strv_push(jail_strv_t *sv, const char *s, jail_error_t *err);
/* Push "WHAT: E's message" (a non-fatal note for a caller to log); WHAT
 * alone when memory runs out.  Never fails. */
void jail_strv_push_error(jail_strv_t *sv, const char *what, const jail_error_t *e);
/* Push only if not already present; returns 1 if added, 0 if present, -1 on error. */
int jail_strv_add_unique(jail_strv_t *sv, const char *s, jail_error_t *err);
bool jail_strv_contains(const jail_strv_t *sv, const char *s);
void jail_strv_clear(jail_strv_t *sv);
void jail_strv_sort(jail_strv_t *sv);
#define cleanup_strv __attribute__((cleanup(jail_strv_clear)))

/* A growable byte string for building file contents.  Appends never fail
 * loudly: the first allocation failure sets oom and later appends do
 * nothing, so callers check once, in jail_buf_finish().  Zero-initialise. */
typedef struct jail_buf {
	char *s; /* NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	bool oom;
} jail_buf_t;

void jail_buf_add(jail_buf_t *b, const char *s, size_t n);
void jail_buf_str(jail_buf_t *b, const char *s);
/* Return the built string ("" when nothing was added) and hand ownership to
 * the caller, or NULL with err = ENOMEM naming WHAT (the buffer is freed). */
char *jail_buf_finish(jail_buf_t *b, const char *what, jail_error_t *err);
/* Free the buffer (unless finished) and zero it. */
void jail_buf_clear(jail_buf_t *b);
#define cleanup_buf __attribute__((cleanup(jail_buf_clear)))

/* asprintf that returns NULL on failure. */
char *jail_strdup_printf(const char *fmt, ...) JAIL_PRINTF(1, 2);

/* Split a list value: items separated by commas and/or whitespace; empty
 * items are dropped. Appends to out. */
int jail_split_list(const char *value, jail_strv_t *out, jail_error_t *err);

/* Trim leading and trailing whitespace in place; returns s. */
char *jail_strstrip(char *s);

/* "512M", "1G", "64k", "1048576" -> bytes.  "max" -> UINT64_MAX.  Returns -1
 * with err naming the value on anything else (no negative, no overflow). */
int jail_parse_size(const char *s, uint64_t *out, jail_error_t *err);
/* Non-negative decimal integer without sign or junk. */
int jail_parse_u64(const char *s, uint64_t *out, jail_error_t *err);
/* yes/no/true/false/on/off/1/0 (case-insensitive). */
int jail_parse_bool(const char *s, bool *out, jail_error_t *err);

/* POSIX-portable user/group name: [a-z_][a-z0-9_.-]*[$]?, at most 32 chars.
 * Upper case is refused because the ini parser folds section names. */
bool jail_valid_name(const char *name);

/* FNV-1a (64 bits) of the string S: for the open-addressing tables of
 * names (config.c's users, ini.c's pre-scan); not a defence against
 * chosen collisions, only against quadratic walks. */
uint64_t jail_hash_str(const char *s);

/* A real shell as the `shell` keys of jail.ini(5) and the session file
 * carry it: an absolute path (not "/", no trailing slash) of printable
 * ASCII without spaces, ':' or ',' (a passwd field, a list separator), at
 * most 4095 bytes.  The one rule for every reader and writer of the value
 * (here, not in config.c: jailsh checks it and links no ini parser). */
bool jail_valid_shell(const char *s);

/* read()/write() the whole buffer, retrying on EINTR and short counts. */
int jail_write_all(int fd, const void *buf, size_t len, jail_error_t *err);
/* Read a whole fd (at most max bytes) into a NUL-terminated malloc'd buffer. */
int jail_read_all(int fd, size_t max, char **out, size_t *outlen, jail_error_t *err);

/* Normalise an absolute path lexically: collapse "//" and "/./"; refuse ".."
 * components and relative paths.  Returns a malloc'd string or NULL. */
char *jail_path_normalize(const char *path, jail_error_t *err);

#endif
