/* What a sandbox is made of: the plain description every confinement step
 * takes (crun's container spec, here one C struct).
 *
 * The confine layer reads nothing else: no configuration file, no PAM
 * context, no user database.  config/profile.h fills a spec from a
 * profile's keys (the profile embeds one); a login (session/), `jailctl
 * enter` and `jailctl run` hand it to confine/sandbox.h (the host side:
 * namespaces, cgroup, mounts, bounding set) and, through the session file,
 * to confine/self.h (the user side: no_new_privs, AppArmor, Landlock,
 * restricted commands, seccomp). */
#ifndef JAIL_CONFINE_SPEC_H
#define JAIL_CONFINE_SPEC_H

#include "base/util.h"

#include <stdbool.h>
#include <stdint.h>

/* How much a layer matters: off, applied where the kernel has it (else a
 * warning), or required (else the sandbox is refused). */
typedef enum {
	JAIL_MODE_OFF = 0,
	JAIL_MODE_OPTIONAL,
	JAIL_MODE_REQUIRED,
} jail_mode_t;

typedef enum {
	JAIL_SECCOMP_OFF = 0,
	JAIL_SECCOMP_DEFAULT, /* denylist */
	JAIL_SECCOMP_STRICT,  /* allowlist */
} jail_seccomp_policy_t;

typedef struct jail_cgroup_limits {
	uint64_t memory_max;	  /* bytes, UINT64_MAX = unlimited */
	uint64_t pids_max;	  /* UINT64_MAX = unlimited */
	uint64_t cpu_max_percent; /* % of one CPU (200 = two CPUs), 0 = unlimited */
	uint64_t io_weight;	  /* 1..10000, 0 = unset (v2 only) */
} jail_cgroup_limits_t;

/* The network: the host's, or a namespace of the sandbox's own with only
 * its loopback (none) or with outbound connectivity through pasta, a
 * user-mode stack (private, confine/netpriv.h). */
typedef enum {
	JAIL_NET_HOST = 0,
	JAIL_NET_NONE,
	JAIL_NET_PRIVATE,
} jail_net_t;

typedef struct jail_sandbox_spec {
	/* namespaces: mount, pid, ipc and uts always; a network namespace of
	 * its own unless net is JAIL_NET_HOST */
	jail_net_t net;
	char *hostname; /* the uts namespace's host name */
	/* cgroup */
	jail_mode_t cgroup;
	jail_cgroup_limits_t limits;
	/* capabilities kept in the bounding set (names like "cap_net_bind_service") */
	jail_strv_t caps_keep;
	/* seccomp: allow removes names from the denylist (adds them to the
	 * allowlist under strict), deny the reverse */
	jail_seccomp_policy_t seccomp;
	jail_strv_t seccomp_allow;
	jail_strv_t seccomp_deny;
	/* LSMs */
	jail_mode_t apparmor;
	char *apparmor_profile;
	jail_mode_t landlock;
	/* mounts: tmpfs sizes in bytes (0: the kernel's default) and binds
	 * "/host/path[:/jail/path]" (confine/mounts.h, jail_bind_parse) */
	uint64_t tmp_size;
	uint64_t run_size;
	jail_strv_t bind_ro;
	jail_strv_t bind_rw;
	/* the private view (confine/views.h): /home with only the user's
	 * home, /etc/passwd and /etc/group with only system accounts and the
	 * user */
	bool private_view;
	/* restricted mode: non-empty = only these programs (basenames) */
	jail_strv_t commands;
} jail_sandbox_spec_t;

/* Free what SPEC owns (strings and lists) and zero it. */
void jail_sandbox_spec_clear(jail_sandbox_spec_t *spec);

/* The rules for the spec's own values, used by every reader (a profile,
 * the session file): */

/* `hostname`: an RFC 1123 host name, dot-separated labels of ASCII letters,
 * digits and '-', no label empty or starting or ending with '-', each at
 * most 63 characters, the whole at most 64 (HOST_NAME_MAX). */
bool jail_valid_hostname(const char *name);

/* `apparmor_profile`: 1 to 128 ASCII letters, digits and - _ . / +. */
bool jail_valid_apparmor_name(const char *name);

/* The rule for where a bind may land, the one every reader of a bind
 * target applies (profiles, the session file, the mounts): NULL when the
 * normalised jail path PATH may be a bind target, else what it would
 * cover: "/" (the jail root), "/proc" or "/dev" (at or beneath: the
 * session mounts its own). */
const char *jail_bind_target_refusal(const char *path);

#endif
