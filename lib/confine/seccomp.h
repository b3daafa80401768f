/* seccomp filters for jailed sessions (libseccomp).
 *
 * A session's filter is made of up to three stacked seccomp programs; the
 * kernel runs all of them and the most severe verdict wins, so each layer
 * can only take away:
 *
 *  1. base (both policies): default ALLOW, and
 *       - EPERM for a denylist at least as wide as Docker's default profile
 *         (see seccomp-policy.c for the list and the reasons), including namespace
 *         creation (unshare, setns), the new mount API, io_uring, keyrings,
 *         bpf, perf_event_open, userfaultfd, ptrace and process_vm_*;
 *       - EPERM for clone() with any CLONE_NEW* flag;
 *       - ENOSYS for clone3() (its flags live in memory a filter cannot
 *         read; glibc falls back to clone(), which is checked);
 *       - EPERM for ioctl(TIOCSTI) and ioctl(TIOCLINUX), matched on the low
 *         32 bits of the request (the kernel truncates it to unsigned int,
 *         so high bits must not dodge the rule);
 *       - EPERM for socket(AF_VSOCK) (not network-namespaced: it reaches
 *         the hypervisor) and socket(AF_ALG), matched on the low 32 bits of
 *         the family; on the 32-bit ABI every socketcall(SYS_SOCKET), whose
 *         family the filter cannot read;
 *     architectures: native x86_64 and 32-bit x86 (int 0x80) carry the same
 *     rules.  x32 is deliberately NOT in the filter: libseccomp then treats
 *     a syscall number with the x32 bit as a bad architecture, and the
 *     bad-architecture action is KILL_PROCESS.  Nothing on Debian amd64 uses
 *     x32, so any x32 syscall is an attack and kills the process.
 *  2. strict (strict policy only): default EPERM, ALLOW for an allowlist
 *     under which bash, coreutils, sftp-server, scp, rsync and git work.
 *  3. raw (both policies, hand-written BPF): personality() only with the
 *     values Docker allows (0, PER_LINUX32, UNAME26, both, and the 0xffffffff
 *     query), else EPERM; and ENOSYS for syscall numbers above the highest
 *     one libseccomp knows (kernels add syscalls faster than a denylist can
 *     follow: an unknown new syscall is refused the way an old kernel would,
 *     so libc falls back).
 *
 * Denied calls fail with EPERM, never kill, so programs see an ordinary
 * error; the exceptions are clone3 and too-new syscalls (ENOSYS, which libc
 * handles by falling back) and x32 (killed, see above).
 *
 * Profile edits: `seccomp_allow` names are removed from the denylist (and
 * the special rules: clone, clone3, ioctl, personality) and, under strict,
 * added to the allowlist; `seccomp_deny` names are added to the denylist
 * (unconditional EPERM) and removed from the allowlist.  An unknown name is
 * an error; a name in both lists is an error. */
#ifndef JAIL_SYSCALLS_H
#define JAIL_SYSCALLS_H

#include "confine/spec.h"
#include "base/error.h"
#include "base/util.h"

#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>

typedef struct jail_seccomp {
	jail_seccomp_policy_t policy;
	scmp_filter_ctx base;	/* denylist; NULL when policy is off */
	scmp_filter_ctx strict; /* allowlist; NULL unless policy is strict */
	struct sock_filter *raw;
	unsigned short raw_len;
} jail_seccomp_t;

/* libseccomp is opened on first use (dlopen, see seccomp.c): every function
 * below that needs it fails with ELIBACC and a message naming the library
 * when it cannot be loaded.  A cached filter (jail_seccomp_blob_cached) and
 * the blob functions need no libseccomp. */

/* 1 when NAME is a system call name libseccomp knows on any supported
 * architecture of this build (e.g. "stime" exists on x86 only: known), 0
 * when not, -1 when libseccomp cannot be loaded. */
int jail_seccomp_known_name(const char *name, jail_error_t *err);

/* The same for the native architecture only (profile keys checked at load:
 * the names a profile's rules may use). */
int jail_seccomp_native_name(const char *name, jail_error_t *err);

/* Check every name of LIST (KEY names the profile key in the message). */
int jail_seccomp_check_names(const jail_strv_t *list, const char *key, jail_error_t *err);

/* Build the filters for POLICY with the profile's edits (either list may be
 * NULL).  Nothing is loaded.  On success *out must be freed with
 * jail_seccomp_free(); with JAIL_SECCOMP_OFF the names are still checked
 * and *out holds no filter. */
int jail_seccomp_build(jail_seccomp_policy_t policy, const jail_strv_t *allow,
		       const jail_strv_t *deny, jail_seccomp_t **out, jail_error_t *err);
void jail_seccomp_free(jail_seccomp_t *f);
static inline void jail_seccomp_freep(jail_seccomp_t **f)
{
	jail_seccomp_free(*f);
	*f = NULL;
}
#define cleanup_seccomp __attribute__((cleanup(jail_seccomp_freep)))

/* Export the libseccomp layers as pseudo filter code (text, for tests and
 * `jailctl check`): base then strict.  *text is malloc'd. */
int jail_seccomp_export_pfc(const jail_seccomp_t *f, char **text, jail_error_t *err);

/* Load F into the calling thread (strict, base, then raw, so that the raw
 * layer has the last word on equal-precedence verdicts).  Sets
 * no_new_privs first.  The caller must be single-threaded.  After success
 * the filter cannot be removed; on failure some layers may already be
 * loaded, so the caller must not continue to run user code (fail closed). */
int jail_seccomp_install(const jail_seccomp_t *f, jail_error_t *err);

/* The compiled filter as bytes (a "blob"), so that it can be compiled once
 * and installed later without libseccomp: pam_jail compiles it (or takes it
 * from its cache), writes it into the session (JAIL_SECCOMP_BLOB_PATH), and
 * jailsh installs it.  Format, native byte order:
 *     "JSECBPF1"  u32 count (1 to 3)
 *     count times: u32 n (1 to BPF_MAXINSNS), n struct sock_filter
 * in install order (strict, base, raw), exactly what jail_seccomp_install()
 * would load.  With JAIL_SECCOMP_OFF there is no blob (*out NULL, *len 0). */
#define JAIL_SECCOMP_BLOB_PATH "/run/jail/seccomp"
#define JAIL_SECCOMP_BLOB_MAX  (1u << 20)
int jail_seccomp_export_blob(const jail_seccomp_t *f, char **out, size_t *len, jail_error_t *err);

/* Check a blob's structure (magic, counts, exact length).  0 or -1. */
int jail_seccomp_check_blob(const void *blob, size_t len, jail_error_t *err);

/* Install a blob (checked first, entirely, before anything is loaded):
 * no_new_privs, then each program with seccomp(SECCOMP_SET_MODE_FILTER, 0),
 * as seccomp_load() does with libseccomp's default attributes.  The same
 * contract as jail_seccomp_install(). */
int jail_seccomp_install_blob(const void *blob, size_t len, jail_error_t *err);

/* The blob for POLICY and the profile's edits, from the cache directory
 * CACHE_DIRFD (root-owned, 0700: see JAIL_SECCOMP_CACHE_DIR) when it holds
 * one for exactly these inputs and this build of the library, else built
 * and stored there.  Each cache file holds its full key (the inputs, the
 * library's build time and the identity of the file the code runs from:
 * device, inode, size, mtime), then the path and identity of the
 * libseccomp file that compiled it and of /etc/ld.so.cache, then the blob;
 * it is used only when the key matches byte for byte, that libseccomp and
 * loader cache are still the same files, it is a root-owned regular file
 * not writable by others, and its blob checks; anything else is replaced.
 * A hit loads no libseccomp.  CACHE_DIRFD < 0: no cache.  A cache that
 * cannot be written is not an error. */
#define JAIL_SECCOMP_CACHE_DIR "/run/jail/seccomp-cache"
int jail_seccomp_blob_cached(int cache_dirfd, jail_seccomp_policy_t policy,
			     const jail_strv_t *allow, const jail_strv_t *deny, char **out,
			     size_t *len, jail_error_t *err);

/* build + install + free. */
int jail_seccomp_load(jail_seccomp_policy_t policy, const jail_strv_t *allow,
		      const jail_strv_t *deny, jail_error_t *err);

#endif
