/* ELF dependency resolution without running anything (no ldd, no exec).
 *
 * Reads PT_INTERP, DT_NEEDED, DT_RUNPATH/DT_RPATH (with $ORIGIN, $LIB and
 * $PLATFORM expanded), /etc/ld.so.conf with its include globs, and the
 * default directories, the way ld.so searches, for the file's own class and
 * machine (a 32-bit library never satisfies a 64-bit binary).  A "#!" script
 * yields its interpreter (and the interpreter's dependencies); for
 * "#!/usr/bin/env PROG" also PROG, looked up on a fixed PATH
 * (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, never the
 * caller's environment), and PROG's dependencies.  Only files with an execute
 * bit count as scripts.  LD_LIBRARY_PATH is ignored and ld.so.cache is not
 * read (ld.so.conf is).  lib/tree/elfdeps.c documents the search order in full. */
#ifndef JAIL_ELFDEPS_H
#define JAIL_ELFDEPS_H

#include "base/error.h"
#include "base/util.h"

typedef struct jail_elf_resolver jail_elf_resolver_t;

/* ROOT is the host root to resolve in ("/" normally; tests may pass a
 * fixture tree: every path is then looked up beneath ROOT). Reads
 * ROOT/etc/ld.so.conf once. */
int jail_elf_resolver_new(const char *root, jail_elf_resolver_t **out, jail_error_t *err);
void jail_elf_resolver_free(jail_elf_resolver_t *r);

/* Add to OUT (unique, absolute host paths as they would be opened, i.e.
 * symlink names as found in the search path, not their resolved targets)
 * everything PATH needs at run time, transitively: the ELF interpreter and
 * every DT_NEEDED library, or for a "#!" script its interpreter and that
 * interpreter's needs.  PATH itself is not added.  A file that is neither
 * ELF nor a script adds nothing and is not an error.  A DT_NEEDED that
 * cannot be found is an error naming the library and PATH.  Results are
 * cached per resolver, so resolving many files is cheap. */
int jail_elf_deps(jail_elf_resolver_t *r, const char *path, jail_strv_t *out, jail_error_t *err);

/* 1 if the file at PATH is an ELF object, 0 if not, -1 on error. */
int jail_elf_is_elf(const char *path, jail_error_t *err);

#endif
