/* The policy tables of the seccomp filters (private to lib/confine/seccomp*.c).
 *
 * seccomp-policy.c holds the lists and the reasons for each entry;
 * seccomp.c turns them into filters (see seccomp.h for the layers).  The
 * tables are names and numbers only, so that the policy reads apart from
 * libseccomp's plumbing. */
#ifndef JAIL_SECCOMP_POLICY_H
#define JAIL_SECCOMP_POLICY_H

#include <stddef.h>

/* The denylist of the `default` policy (EPERM each; base layer). */
extern const char *const jail_scmp_default_deny[];
extern const size_t jail_scmp_n_default_deny;

/* The allowlist of the `strict` policy (strict layer; EPERM otherwise). */
extern const char *const jail_scmp_strict_allow[];
extern const size_t jail_scmp_n_strict_allow;

/* clone() flags that create namespaces: clone() with any of them is refused. */
extern const unsigned long jail_scmp_clone_new_flags[];
extern const size_t jail_scmp_n_clone_new_flags;

/* Address families socket() refuses (low 32 bits of the family). */
extern const unsigned int jail_scmp_socket_deny_families[];
extern const size_t jail_scmp_n_socket_deny_families;

/* personality() values allowed (raw layer). */
extern const unsigned int jail_scmp_personality_ok[];
extern const size_t jail_scmp_n_personality_ok;

#endif
