/* The audit of services.d (jail-service(5)): what `jailctl run NAME` would
 * refuse, found before a supervisor tries.  The files' ownership and modes
 * are config.c's (audit_config_dir walks services.d like users.d); here
 * every file is loaded, and what it names is checked on the host: the
 * jail's trusted chain, the user, the profile. */
#define _GNU_SOURCE
#include "audit/audit-internal.h"
#include "audit/audit.h"
#include "base/safefs.h"
#include "config/profile.h"
#include "config/service.h"
#include "base/util.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX_SERVICE_FILE "correct the file (see jail-service(5))"

static int audit_profile(const char *dir, const jail_service_t *svc, jail_findings_t *out,
			 jail_error_t *err)
{
	jail_error_t lerr = {0};
	jail_profile_t *p = NULL;
	int r = 0;

	if (jail_profile_load(dir, svc->profile, &p, &lerr) < 0) {
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_move(err, &lerr);
		return jail_findings_add(
		    out, JAIL_SEV_CRITICAL, svc->jail, svc->file,
		    "create the profile, or name another one in profile =", err,
		    "service %s: profile %s does not load: %s", svc->name, svc->profile, lerr.msg);
	}
	if (p->spec.commands.n > 0)
		r = jail_findings_add(out, JAIL_SEV_CRITICAL, svc->jail, svc->file,
				      "name a service profile (profile = service)", err,
				      "service %s: profile %s restricts commands (a login profile "
				      "for jailsh): a service cannot run under it",
				      svc->name, svc->profile);
	if (r == 0 && p->spec.cgroup == JAIL_MODE_OFF)
		r = jail_findings_add(out, JAIL_SEV_WARNING, svc->jail, svc->file,
				      "set cgroup = required in the profile", err,
				      "service %s: profile %s has cgroup = off: no memory, pid or "
				      "CPU limit applies to the service",
				      svc->name, svc->profile);
	if (r == 0 && p->spec.seccomp == JAIL_SECCOMP_OFF)
		r = jail_findings_add(out, JAIL_SEV_WARNING, svc->jail, svc->file,
				      "set seccomp = default in the profile", err,
				      "service %s: profile %s has seccomp = off: the service may "
				      "call mount, ptrace, bpf and the like",
				      svc->name, svc->profile);
	jail_profile_free(p);
	return r;
}

static int audit_service(const char *dir, const char *name, jail_findings_t *out, jail_error_t *err)
{
	jail_error_t lerr = {0};
	cleanup_service jail_service_t *svc = NULL;
	cleanup_close int jfd = -1;
	cleanup_free char *path =
	    jail_strdup_printf("%s/%s/%s.ini", dir, JAIL_SERVICES_SUBDIR, name);
	uid_t uid;

	if (path == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	if (jail_service_load(dir, name, &svc, &lerr) < 0) {
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_move(err, &lerr);
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, path, FIX_SERVICE_FILE, err,
					 "service %s does not load (jailctl run %s refuses it): %s",
					 name, name, lerr.msg);
	}
	jfd = jail_open_trusted_dir(svc->jail, &lerr);
	if (jfd < 0) {
		cleanup_free char *fix = jail_strdup_printf(
		    "build the jail (jailctl init %s SECTION...), or correct jail = in %s",
		    svc->jail, path);
		if (fix == NULL)
			return jail_error_set(err, ENOMEM, "audit");
		if (jail_findings_add(out, JAIL_SEV_CRITICAL, svc->jail, svc->jail, fix, err,
				      "service %s: its jail cannot be used: %s", name,
				      lerr.msg) < 0)
			return -1;
	}
	if (svc->user && getpwnam(svc->user) == NULL &&
	    jail_findings_add(out, JAIL_SEV_CRITICAL, svc->jail, path,
			      "create the user (useradd --system NAME), or set user = dynamic", err,
			      "service %s: user %s does not exist on the host", name,
			      svc->user) < 0)
		return -1;
	jail_error_clear(&lerr);
	if (svc->dynamic_user && jail_service_dynamic_uid(name, &uid, &lerr) < 0 &&
	    jail_findings_add(out, JAIL_SEV_CRITICAL, svc->jail, path,
			      "free a number of the dynamic range, or name a user", err, "%s",
			      lerr.msg) < 0)
		return -1;
	return audit_profile(dir, svc, out, err);
}

int jail_audit_services(const char *dir, jail_findings_t *out, jail_error_t *err)
{
	jail_error_t lerr = {0};
	cleanup_free char *norm = jail_path_normalize(dir, &lerr);
	cleanup_strv jail_strv_t names = {0};
	cleanup_strv jail_strv_t bad = {0};
	cleanup_free char *sdir = NULL;
	cleanup_close int fd = -1;

	/* An unusable configuration directory is jail_audit_config's finding. */
	if (norm == NULL || (fd = jail_open_trusted_dir(norm, NULL)) < 0)
		return 0;
	sdir = jail_strdup_printf("%s/%s", norm, JAIL_SERVICES_SUBDIR);
	if (sdir == NULL)
		return jail_error_set(err, ENOMEM, "audit");
	if (jail_service_list(norm, &names, &bad, &lerr) < 0) {
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_move(err, &lerr);
		return jail_findings_add(out, JAIL_SEV_CRITICAL, NULL, sdir,
					 "make it a root-owned directory not writable by others",
					 err,
					 "services cannot be listed (jailctl run refuses every "
					 "service): %s",
					 lerr.msg);
	}
	for (size_t i = 0; i < bad.n; i++)
		if (jail_findings_add(out, JAIL_SEV_WARNING, NULL, sdir,
				      "rename it to NAME.ini, or remove it", err, "%s",
				      bad.v[i]) < 0)
			return -1;
	for (size_t i = 0; i < names.n; i++)
		if (audit_service(norm, names.v[i], out, err) < 0)
			return -1;
	return 0;
}
