/* The user side of a sandbox: what a process inside does to itself, as the
 * user, before it execs the user's program (jailsh is the one caller for
 * logins; `jailctl run` will be the next).  In the proven order:
 *   1. no_new_privs (nothing later can regain a privilege; Landlock and an
 *      unprivileged seccomp filter need it);
 *   2. AppArmor: the profile to change to on exec (mode off|optional|required);
 *   3. Landlock: read/execute on "/", read/write on the home, /tmp,
 *      /dev/pts, /dev/shm and the bind_rw targets (confine/landlock.h);
 *   4. restricted mode: the command line is split without a shell, checked
 *      against the allowed programs and resolved to a path
 *      (confine/restrict.h);
 *   5. seccomp, last, because it denies what the steps above needed: the
 *      filter compiled on the host side when there is one, else compiled
 *      here.
 * A required step that fails stops the sequence and names it; an optional
 * one that cannot be applied is a warning through the callback.  The
 * caller only execs after a 0: then the program runs confined. */
#ifndef JAIL_CONFINE_SELF_H
#define JAIL_CONFINE_SELF_H

#include "base/error.h"
#include "base/util.h"
#include "confine/spec.h"

typedef enum {
	JAIL_SELF_OK = 0,
	JAIL_SELF_NO_NEW_PRIVS,
	JAIL_SELF_APPARMOR,
	JAIL_SELF_LANDLOCK,
	JAIL_SELF_INTERACTIVE, /* restricted mode and no command: nothing to run */
	JAIL_SELF_COMMAND,     /* the command is not allowed or cannot be parsed */
	JAIL_SELF_PROGRAM,     /* the allowed program was not found */
	JAIL_SELF_SECCOMP,
} jail_self_step_t;

typedef struct jail_self {
	jail_mode_t apparmor;
	const char *apparmor_profile;
	jail_mode_t landlock;
	const char *home;	     /* writable under Landlock (NULL: none) */
	const jail_strv_t *bind_rw;  /* jail-side bind_rw targets, writable, strict */
	const jail_strv_t *commands; /* non-empty: restricted mode */
	const char *command;	     /* restricted mode: the command line asked for */
	jail_seccomp_policy_t seccomp;
	const jail_strv_t *seccomp_allow;
	const jail_strv_t *seccomp_deny;
	const char *seccomp_blob; /* a precompiled filter's path (absent: compile) */
	/* A warning (an optional layer not applied), e.g. for the log. */
	void (*warn)(void *arg, const char *msg);
	void *arg;
} jail_self_t;

typedef struct jail_self_result {
	jail_self_step_t failed; /* JAIL_SELF_OK, or the step that refused */
	int landlock_abi;	 /* the ABI applied, 0: none */
	/* restricted mode: the program to exec and its argv (words.v) */
	char *program;
	jail_strv_t words;
} jail_self_result_t;

/* Apply steps 1 to 5 to the calling process.  Returns 0, or -1 with
 * res->failed naming the step and err saying why. */
int jail_self_confine(const jail_self_t *s, jail_self_result_t *res, jail_error_t *err);

void jail_self_result_clear(jail_self_result_t *res);

#endif
