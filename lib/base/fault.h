/* Fault injection for the tests: make one setup step fail on purpose.
 *
 * Every setup step of a session (cgroup, namespaces, init, mounts, pivot,
 * bounding set, session file, registry) is preceded by a check
 *
 *     if (jail_fault("mount-proc") < 0) ... the step's own error path ...
 *
 * or folded into the step's own failure test (`jail_fault(P) < 0 || mount(..)
 * < 0`), so that an injected fault takes exactly the path a real failure
 * would take, with the step's own message and cleanup.
 *
 * Only a test build (-DJAIL_FAULT_INJECTION: tests/bin/pam_jail_faults.so)
 * has the hook: there jail_fault(POINT) returns -1 with errno = EIO when the
 * environment variable JAIL_FAULT (read with secure_getenv) is "POINT" (the
 * first time the point is reached in this process) or "POINT:N" (the N-th
 * time: a point inside a loop, such as one device node or one bind mount),
 * and 0 otherwise.  In every other build jail_fault() is the constant 0:
 * the production code has no hook, no environment lookup and no point
 * names (tests/integration/44-faults.t checks the built module).
 *
 * Point names are literal strings in lowercase-with-dashes: the test lists
 * them with a grep for jail_fault("...") in the lib sources and fails when one has
 * no test. */
#ifndef JAIL_FAULT_H
#define JAIL_FAULT_H

#ifdef JAIL_FAULT_INJECTION
int jail_fault(const char *point);
#else
static inline int jail_fault(const char *point)
{
	(void)point;
	return 0;
}
#endif

#endif
