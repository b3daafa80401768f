/* The jail's dynamic loader cache (JAIL/etc/ld.so.cache).
 *
 * Without a cache, the loader of every dynamic program in the jail searches
 * its default directories for each library (a failed open per directory and
 * library: about 0.6 to 0.9 ms per exec on the test VM, paid by jailsh, the
 * shell and every command of a session), and a library that the host finds
 * only through an ld.so.conf directory (e.g. /usr/local/lib) is not found
 * at all.  jailctl writes the cache after init, update and cp. */
#ifndef JAIL_LDCACHE_H
#define JAIL_LDCACHE_H

#include "base/error.h"

/* The host's ldconfig (an absolute path: never a program of the jail). */
#define JAIL_LDCONFIG "/sbin/ldconfig"

/* Write JAIL/etc/ld.so.cache with the host's ldconfig.  The jail is opened
 * as a trusted directory (root-owned chain, no symlink, not writable by
 * others) and handed to ldconfig as /proc/self/fd/N; ldconfig chroots into
 * it itself, so every path it reads (the jail's /etc/ld.so.conf, its library
 * directories) resolves inside the jail, and -X keeps it from creating or
 * changing any symlink.  It runs in a private mount namespace with a tmpfs
 * on JAIL/.jail and writes its cache there (-C /.jail/ld.so.cache): nothing
 * of the jail is written by ldconfig.  The cache is then written to
 * JAIL/etc/ld.so.cache (root 0644, by jail_write_file_beneath: atomic, no
 * symlink followed) only when its bytes changed.  ldconfig runs with an
 * empty environment and stdin/stdout on /dev/null; its stderr is returned in
 * err.  Requires JAIL/.jail (jailctl init makes it).  Returns 0 or -1. */
int jail_ldcache_write(const char *jail, jail_error_t *err);

#endif
