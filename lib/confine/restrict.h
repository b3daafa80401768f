/* Restricted mode: what jk_lsh does, done right.
 *
 * When a profile has `commands = sftp-server, rsync, ...`, jailsh refuses
 * interactive logins and runs `jailsh -c CMD` only when CMD is one of the
 * listed programs with arguments of the form its ssh server side uses.  CMD
 * is never given to a shell: it is split here into words, and anything a
 * shell would interpret is refused outright, so there is nothing to inject.
 *
 * Splitting (jail_restrict_split): words are separated by spaces and tabs;
 * '...' and "..." quote literally (no escapes inside); a backslash outside
 * quotes takes the next character literally (rsync >= 3.2.4 escapes spaces
 * in remote file names this way).  Refused anywhere, quoted, escaped or not:
 * ; | & $ ` < > ( ) newline, carriage return and any other control
 * character; an unterminated quote; an empty command.
 *
 * Validation (jail_restrict_check): the program's basename must be in the
 * list, and:
 *   scp          server mode only: exactly one of -t/-f, plus -r -p -d -v
 *                (alone or grouped) and `--`; at least one operand; an
 *                operand may start with '-' only after `--`.  (-S, -o, -F,
 *                -J and everything else are refused.)
 *   rsync        `--server` first, optionally `--sender`; short clusters of
 *                plain flags, where 'e' may only start the protocol
 *                capability suffix ("-logDtpre.iLsfxCIvu"); long options
 *                except those that run programs or read a config
 *                (--rsh, --rsync-path, --daemon, --config, --dparam,
 *                --remote-option, --early-input, ...), and -s (protected
 *                args would arrive over the protocol, unchecked).  Every word starting
 *                with '-' is checked wherever it is (rsync permutes options).
 *   git-upload-pack, git-receive-pack, git-upload-archive
 *                exactly one argument, the repository, not starting with '-'.
 *   git          only `git upload-pack|receive-pack|upload-archive REPO`,
 *                accepted when "git" or the matching git-* name is listed.
 *   sftp-server  only its own options: -d DIR -e -f FACILITY -h -l LEVEL
 *                -p LIST -P LIST -Q ITEM -R -u UMASK; no operands.
 *   other listed programs: any arguments (the admin listed them; the
 *                metacharacter rules still apply).
 * The program is then looked up by basename in JAIL_RESTRICT_PATH, never
 * through the user's PATH or the path the client sent. */
#ifndef JAIL_RESTRICT_H
#define JAIL_RESTRICT_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>

#define JAIL_RESTRICT_PATH                                                                         \
	"/usr/local/bin:/usr/bin:/bin:/usr/lib/openssh:/usr/libexec/openssh:/usr/lib/git-core"
#define JAIL_RESTRICT_CMD_MAX	(128 * 1024)
#define JAIL_RESTRICT_WORDS_MAX 4096

/* Split CMD into WORDS (appended; WORDS should be empty).  Returns 0 or -1
 * with err saying what was refused (EPERM for a refused character). */
int jail_restrict_split(const char *cmd, jail_strv_t *words, jail_error_t *err);

/* Check WORDS against ALLOWED (basenames).  On success WORDS->v[0] is
 * replaced by the basename of the program to run.  Returns 0, or -1 with
 * EPERM and a message naming the program or argument refused. */
int jail_restrict_check(const jail_strv_t *allowed, jail_strv_t *words, jail_error_t *err);

/* Look PROGRAM (a basename) up in JAIL_RESTRICT_PATH below ROOT ("/" in a
 * session; a test directory in tests) and return the malloc'd absolute path
 * (without ROOT) of the first regular executable file found, or NULL with
 * ENOENT. */
char *jail_restrict_find(const char *root, const char *program, jail_error_t *err);

/* A name a profile's `commands` may list (and the session file carries):
 * a bare program name of 1 to 255 ASCII letters, digits and - _ . +, not
 * starting with '-' or '.'.  Matched literally against basenames. */
bool jail_restrict_valid_command(const char *name);

/* "sftp-server, rsync" for messages; malloc'd. */
char *jail_restrict_describe(const jail_strv_t *allowed);

#endif
