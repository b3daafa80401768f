/* The audit of running services (jailctl check): what each live service
 * really runs with, read from /proc, against its profile and the host.
 *
 * A service is a live record of the session registry with a service name
 * (jailctl run NAME).  Its processes are those in its init's pid namespace
 * (/proc/PID/ns/pid, the init's own) that descend from the init or from
 * the record's owner (jailctl run forks the service itself); processes a
 * `jailctl enter` put there descend from another host process and are not
 * the service's (root via enter runs without the profile's seccomp and
 * no_new_privs by design).  Each is compared with:
 *   - its profile: CapBnd within `caps`, NoNewPrivs 1, Seccomp 2 unless
 *     seccomp = off, AppArmor's label when apparmor = required (Landlock
 *     is not visible in /proc and is not checked);
 *   - the host (this process's own namespaces: jailctl check runs on the
 *     host): mnt, pid, ipc and uts namespaces of its own, net too when the
 *     service (its `net` key, else the profile) says none;
 *   - its mounts (/proc/PID/mountinfo, as it sees them): "/" read-only,
 *     and nothing writable but /tmp, /run, /dev and beneath, /proc and
 *     beneath, its state_dir and logs_dir and the bind_rw targets.
 * Read only: every file is reached through /proc as root; nothing inside
 * the jail is opened. */
#define _GNU_SOURCE
#include "audit/audit.h"
#include "config/profile.h"
#include "config/service.h"
#include "confine/caps.h"
#include "confine/mounts.h"
#include "session/registry.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROC_TEXT_MAX (4u << 20) /* status, mountinfo, attr/current */
#define FIX_RESTART   "restart the service (jailctl run applies its profile at start)"

static const char *const ns_names[] = {"mnt", "pid", "ipc", "uts", "net"};
#define N_NS (sizeof(ns_names) / sizeof(ns_names[0]))

typedef struct {
	const char *config_dir;
	jail_findings_t *out;
	jail_error_t *err;
	uint64_t host_ns[N_NS]; /* 0: unknown */
	/* the service being audited */
	const jail_session_record_t *rec;
	const jail_profile_t *prof; /* NULL: did not load */
	const jail_service_t *svc;  /* NULL: its file is gone or broken */
	bool net_none;
	jail_strv_t rw_ok; /* its own writable mount points */
} run_t;

typedef struct {
	pid_t pid, ppid;
	bool mine;
} rproc_t;

/* A finding about pid PID of the service being audited: PATH is
 * /proc/PID/WHAT. */
static int report(run_t *r, jail_severity_t sev, pid_t pid, const char *what, const char *fix,
		  const char *fmt, ...) JAIL_PRINTF(6, 7);
static int report(run_t *r, jail_severity_t sev, pid_t pid, const char *what, const char *fix,
		  const char *fmt, ...)
{
	cleanup_free char *path = NULL;
	cleanup_free char *msg = NULL;
	va_list ap;
	int n;

	if (pid > 0)
		path = jail_strdup_printf("/proc/%ld/%s", (long)pid, what);
	else
		path = jail_strdup_printf("%s/%s/%s.ini", r->config_dir, JAIL_SERVICES_SUBDIR,
					  r->rec->service);
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL; /* undefined after a failed vasprintf */
	if (path == NULL || msg == NULL)
		return jail_error_set(r->err, ENOMEM, "audit findings");
	if (pid > 0)
		return jail_findings_add(r->out, sev, r->rec->jail, path, fix, r->err,
					 "service %s (pid %ld): %s", r->rec->service, (long)pid,
					 msg);
	return jail_findings_add(r->out, sev, r->rec->jail, path, fix, r->err, "service %s: %s",
				 r->rec->service, msg);
}

/* Read /proc/PID/NAME: 1 read, 0 when the process is gone, -1 on error
 * (ERR filled). */
static int read_proc(pid_t pid, const char *name, char **out, jail_error_t *err)
{
	char path[96];
	cleanup_close int fd = -1;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return 0;
		return jail_error_set(err, errno, "open %s", path);
	}
	if (jail_read_all(fd, PROC_TEXT_MAX, out, &len, err) < 0) {
		if (jail_error_is(err, ESRCH))
			return 0;
		return jail_error_wrap(err, "%s", path);
	}
	return 1;
}

/* The value of "KEY:\tVALUE" in a /proc/PID/status text, NULL if absent. */
static const char *status_field(const char *text, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t n;

		if (strncmp(l, key, kl) != 0 || l[kl] != ':')
			continue;
		l += kl + 1;
		l += strspn(l, " \t");
		n = strcspn(l, "\n");
		if (n >= len)
			n = len - 1;
		memcpy(buf, l, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

/* "cap_a,cap_b" for the bits of MASK (numbers for names libcap lacks). */
static char *caps_names(uint64_t mask)
{
	char *s = strdup("");

	for (int c = 0; c < 64 && s; c++) {
		char *name, *ns;

		if (!(mask & (1ULL << c)))
			continue;
		name = cap_to_name((cap_value_t)c);
		ns = jail_strdup_printf("%s%s%s", s, *s ? "," : "", name ? name : "?");
		if (name)
			cap_free(name);
		free(s);
		s = ns;
	}
	return s;
}

static int check_status(run_t *r, pid_t pid, const char *st)
{
	const jail_profile_t *p = r->prof;
	char buf[64];
	const char *v;

	v = status_field(st, "CapBnd", buf, sizeof(buf));
	if (v && p) {
		jail_error_t lerr = {0};
		uint64_t bnd = strtoull(v, NULL, 16), allowed = 0;

		if (jail_caps_parse(&p->spec.caps_keep, &allowed, &lerr) < 0)
			return jail_error_move(r->err, &lerr);
		if (bnd & ~allowed) {
			cleanup_free char *extra = caps_names(bnd & ~allowed);
			cleanup_free char *keep = caps_names(allowed);

			if (extra == NULL || keep == NULL)
				return jail_error_set(r->err, ENOMEM, "audit");
			if (report(r, JAIL_SEV_CRITICAL, pid, "status", FIX_RESTART,
				   "CapBnd %016" PRIx64 " is broader than profile %s allows "
				   "(caps = %s): it also holds %s",
				   bnd, p->name, *keep ? keep : "none", extra) < 0)
				return -1;
		}
	}
	v = status_field(st, "NoNewPrivs", buf, sizeof(buf));
	if (v && strcmp(v, "1") != 0 &&
	    report(r, JAIL_SEV_CRITICAL, pid, "status", FIX_RESTART,
		   "NoNewPrivs is %s, expected 1 (a setuid or file-capability program could "
		   "gain privileges)",
		   v) < 0)
		return -1;
	v = status_field(st, "Seccomp", buf, sizeof(buf));
	if (v && p && p->spec.seccomp != JAIL_SECCOMP_OFF && strcmp(v, "2") != 0 &&
	    report(r, JAIL_SEV_CRITICAL, pid, "status", FIX_RESTART,
		   "Seccomp is %s, expected 2 (a filter: profile %s has seccomp = %s)", v, p->name,
		   p->spec.seccomp == JAIL_SECCOMP_STRICT ? "strict" : "default") < 0)
		return -1;
	return 0;
}

static int check_ns(run_t *r, pid_t pid)
{
	for (size_t i = 0; i < N_NS; i++) {
		jail_error_t lerr = {0};
		char what[16];
		uint64_t ino;

		if (r->host_ns[i] == 0 || (strcmp(ns_names[i], "net") == 0 && !r->net_none))
			continue;
		if (jail_proc_ns_inode(pid, ns_names[i], &ino, &lerr) < 0)
			continue; /* gone */
		if (ino != r->host_ns[i])
			continue;
		snprintf(what, sizeof(what), "ns/%s", ns_names[i]);
		if (report(r, JAIL_SEV_CRITICAL, pid, what, FIX_RESTART,
			   "its %s namespace is the host's (%s:[%" PRIu64 "]), expected one of "
			   "its own%s",
			   ns_names[i], ns_names[i], ino,
			   strcmp(ns_names[i], "net") == 0 ? " (net = none)" : "") < 0)
			return -1;
	}
	return 0;
}

/* Decode mountinfo's octal escapes (\040 for a space, ...) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static bool at_or_beneath(const char *path, const char *top)
{
	size_t n = strlen(top);

	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool rw_expected(const run_t *r, const char *mp)
{
	if (strcmp(mp, "/tmp") == 0 || strcmp(mp, "/run") == 0 || at_or_beneath(mp, "/dev") ||
	    at_or_beneath(mp, "/proc"))
		return true;
	if (jail_strv_contains(&r->rw_ok, mp))
		return true;
	/* The service file is gone: its state_dir and logs_dir are unknown,
	 * any /var/lib/D or /var/log/D may be them. */
	if (r->svc == NULL &&
	    (strncmp(mp, "/var/lib/", 9) == 0 || strncmp(mp, "/var/log/", 9) == 0))
		return strchr(mp + 9, '/') == NULL && mp[9] != '\0';
	return false;
}

static int check_mounts(run_t *r, pid_t pid, char *mi)
{
	char root_opts[256] = "";
	bool have_root = false;
	char *save = NULL;

	for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[6];
		char *s2 = NULL;
		int n = 0;

		for (char *t = strtok_r(line, " ", &s2); t && n < 6; t = strtok_r(NULL, " ", &s2))
			f[n++] = t;
		if (n < 6)
			continue;
		unescape(f[4]);
		if (strcmp(f[4], "/") == 0) { /* the last one is on top */
			snprintf(root_opts, sizeof(root_opts), "%s", f[5]);
			have_root = true;
			continue;
		}
		if (strncmp(f[5], "rw", 2) != 0 || (f[5][2] != ',' && f[5][2] != '\0'))
			continue;
		if (rw_expected(r, f[4]))
			continue;
		if (report(r, JAIL_SEV_CRITICAL, pid, "mountinfo", FIX_RESTART,
			   "%s is mounted writable (%s), expected only /tmp, /run, /dev, /proc, "
			   "its state_dir, logs_dir and bind_rw targets",
			   f[4], f[5]) < 0)
			return -1;
	}
	if (!have_root)
		return report(r, JAIL_SEV_CRITICAL, pid, "mountinfo", FIX_RESTART,
			      "no mount of / in its mount table");
	if (strncmp(root_opts, "ro", 2) != 0 || (root_opts[2] != ',' && root_opts[2] != '\0'))
		return report(r, JAIL_SEV_CRITICAL, pid, "mountinfo", FIX_RESTART,
			      "/ is mounted %s, expected ro (the shared jail tree read-only)",
			      root_opts);
	return 0;
}

static int check_apparmor(run_t *r, pid_t pid)
{
	const jail_profile_t *p = r->prof;
	const char *want = p->spec.apparmor_profile ? p->spec.apparmor_profile : "?";
	cleanup_free char *cur = NULL;
	jail_error_t lerr = {0};
	const char *what = "attr/apparmor/current";
	int k;

	k = read_proc(pid, what, &cur, &lerr);
	if (k <= 0 && !jail_error_is(&lerr, ENOMEM)) { /* before the LSM stacking interface */
		jail_error_clear(&lerr);
		what = "attr/current";
		k = read_proc(pid, what, &cur, &lerr);
	}
	if (k < 0 && jail_error_is(&lerr, ENOMEM))
		return jail_error_move(r->err, &lerr);
	if (k == 0)
		return 0;
	if (k < 0)
		return report(r, JAIL_SEV_CRITICAL, pid, what, FIX_RESTART,
			      "profile %s requires AppArmor %s, its label cannot be read: %s",
			      p->name, want, lerr.msg);
	cur[strcspn(cur, "\n")] = '\0';
	if (strncmp(cur, want, strlen(want)) == 0 && strcmp(cur + strlen(want), " (enforce)") == 0)
		return 0;
	return report(r, JAIL_SEV_CRITICAL, pid, what, FIX_RESTART,
		      "AppArmor label is '%s', expected '%s (enforce)' (profile %s has apparmor "
		      "= required)",
		      cur, want, p->name);
}

static int check_proc(run_t *r, pid_t pid)
{
	cleanup_free char *st = NULL;
	cleanup_free char *mi = NULL;
	jail_error_t lerr = {0};
	int k;

	k = read_proc(pid, "status", &st, &lerr);
	if (k == 1)
		k = read_proc(pid, "mountinfo", &mi, &lerr);
	if (k == 0)
		return 0; /* it exited meanwhile */
	if (k < 0) {
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_move(r->err, &lerr);
		return report(r, JAIL_SEV_WARNING, pid, "status", "", "cannot be read: %s",
			      lerr.msg);
	}
	if (check_status(r, pid, st) < 0 || check_ns(r, pid) < 0 || check_mounts(r, pid, mi) < 0)
		return -1;
	if (r->prof && r->prof->spec.apparmor == JAIL_MODE_REQUIRED)
		return check_apparmor(r, pid);
	return 0;
}

/* The PPid of /proc/PID/status, -1 when the process is gone. */
static pid_t proc_ppid(pid_t pid)
{
	cleanup_free char *st = NULL;
	jail_error_t lerr = {0};
	char buf[32];

	if (read_proc(pid, "status", &st, &lerr) != 1 ||
	    status_field(st, "PPid", buf, sizeof(buf)) == NULL)
		return -1;
	return (pid_t)strtol(buf, NULL, 10);
}

/* The service's processes: in PIDNS, not the init, descending from the
 * init or the owner.  *OUT is malloc'd. */
static int service_procs(const jail_session_record_t *rec, uint64_t pidns, rproc_t **out, size_t *n,
			 jail_error_t *err)
{
	cleanup_dir DIR *d = opendir("/proc");
	struct dirent *de;
	rproc_t *v = NULL;
	size_t nv = 0;
	bool more = true;

	*out = NULL;
	*n = 0;
	if (d == NULL)
		return jail_error_set(err, errno, "open /proc");
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		jail_error_t lerr = {0};
		uint64_t ns;
		rproc_t *nvv;
		pid_t ppid;

		if (*end || pid <= 0 || pid == rec->init_pid)
			continue;
		if (jail_proc_ns_inode((pid_t)pid, "pid", &ns, &lerr) < 0 || ns != pidns)
			continue;
		if ((ppid = proc_ppid((pid_t)pid)) < 0)
			continue;
		nvv = realloc(v, (nv + 1) * sizeof(*v));
		if (nvv == NULL) {
			free(v);
			return jail_error_set(err, ENOMEM, "service processes");
		}
		v = nvv;
		v[nv].pid = (pid_t)pid;
		v[nv].ppid = ppid;
		v[nv].mine =
		    ppid == rec->init_pid || (rec->owner_pid > 0 && ppid == rec->owner_pid);
		nv++;
	}
	while (more) {
		more = false;
		for (size_t i = 0; i < nv; i++)
			for (size_t j = 0; !v[i].mine && j < nv; j++)
				if (v[j].mine && v[j].pid == v[i].ppid)
					v[i].mine = more = true;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* The service's own writable mount points: state_dir, logs_dir, bind_rw of
 * the service and the profile. */
static int expected_rw(run_t *r)
{
	const jail_strv_t *lists[2] = {r->prof ? &r->prof->spec.bind_rw : NULL,
				       r->svc ? &r->svc->bind_rw : NULL};

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && i < lists[l]->n; i++) {
			jail_bind_t b = {0};
			jail_error_t lerr = {0};
			int k = 0;

			if (jail_bind_parse(lists[l]->v[i], false, &b, &lerr) == 0)
				k = jail_strv_push(&r->rw_ok, b.jail, r->err);
			jail_bind_clear(&b);
			if (k < 0)
				return -1;
		}
	if (r->svc && r->svc->state_dir) {
		cleanup_free char *p =
		    jail_strdup_printf("%s/%s", JAIL_SERVICE_STATE_JAIL, r->svc->state_dir);
		if (p == NULL || jail_strv_push(&r->rw_ok, p, r->err) < 0)
			return jail_error_set(r->err, ENOMEM, "audit");
	}
	if (r->svc && r->svc->logs_dir) {
		cleanup_free char *p =
		    jail_strdup_printf("%s/%s", JAIL_SERVICE_LOGS_JAIL, r->svc->logs_dir);
		if (p == NULL || jail_strv_push(&r->rw_ok, p, r->err) < 0)
			return jail_error_set(r->err, ENOMEM, "audit");
	}
	return 0;
}

static int audit_one(run_t *r)
{
	const jail_session_record_t *rec = r->rec;
	cleanup_service jail_service_t *svc = NULL;
	jail_profile_t *prof = NULL;
	jail_error_t lerr = {0};
	rproc_t *procs = NULL;
	size_t n = 0, mine = 0;
	uint64_t pidns = 0;
	int alive, ret = -1;

	alive = jail_registry_alive(rec, &lerr);
	if (alive == 1 && jail_proc_ns_inode(rec->init_pid, "pid", &pidns, &lerr) < 0)
		alive = jail_error_is(&lerr, ESRCH) ? 0 : -1;
	if (alive == 0)
		return report(r, JAIL_SEV_WARNING, 0, NULL, "jailctl gc removes it",
			      "stale record %s: its init (pid %ld) is gone", rec->id,
			      (long)rec->init_pid);
	if (alive < 0)
		return report(r, JAIL_SEV_WARNING, 0, NULL, "",
			      "record %s: cannot tell whether its init (pid %ld) runs: %s", rec->id,
			      (long)rec->init_pid, lerr.msg);

	jail_error_clear(&lerr);
	if (jail_profile_load(r->config_dir, rec->profile, &prof, &lerr) < 0) {
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_move(r->err, &lerr);
		if (report(r, JAIL_SEV_WARNING, 0, NULL,
			   "restore the profile, or restart the service",
			   "its profile %s does not load, what it runs with is compared with the "
			   "host only: %s",
			   rec->profile, lerr.msg) < 0)
			return -1;
	}
	jail_error_clear(&lerr);
	if (jail_service_load(r->config_dir, rec->service, &svc, &lerr) < 0) {
		if (jail_error_is(&lerr, ENOMEM)) {
			jail_error_move(r->err, &lerr);
			goto out;
		}
		if (report(r, JAIL_SEV_WARNING, 0, NULL, "stop the service, or restore its file",
			   "runs (record %s), but its service file %s: its net, state_dir, "
			   "logs_dir and bind_rw are not known (%s)",
			   rec->id, jail_error_is(&lerr, ENOENT) ? "is gone" : "does not load",
			   lerr.msg) < 0)
			goto out;
	}
	r->prof = prof;
	r->svc = svc;
	/* a network namespace of its own: net = none or private */
	r->net_none = prof ? prof->spec.net != JAIL_NET_HOST : false;
	if (svc && svc->net != JAIL_SERVICE_NET_PROFILE)
		r->net_none = svc->net != JAIL_SERVICE_NET_HOST;
	if (expected_rw(r) < 0)
		goto out;
	if (service_procs(rec, pidns, &procs, &n, r->err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!procs[i].mine)
			continue;
		mine++;
		if (check_proc(r, procs[i].pid) < 0)
			goto out;
	}
	if (mine == 0 &&
	    report(r, JAIL_SEV_WARNING, 0, NULL, "",
		   "record %s: no process runs beside its init (pid %ld): starting or ending?",
		   rec->id, (long)rec->init_pid) < 0)
		goto out;
	ret = 0;
out:
	free(procs);
	jail_strv_clear(&r->rw_ok);
	r->prof = NULL;
	r->svc = NULL;
	jail_profile_free(prof);
	return ret;
}

int jail_audit_running(const char *config_dir, const char *registry_dir, jail_findings_t *out,
		       jail_error_t *err)
{
	run_t r = {.config_dir = config_dir, .out = out, .err = err};
	jail_session_record_t **recs = NULL;
	jail_strv_t bad = {0};
	jail_error_t lerr = {0};
	cleanup_close int regfd = -1;
	size_t n = 0;
	int ret = -1;

	regfd = jail_registry_open(registry_dir ? registry_dir : JAIL_REGISTRY_DIR, false, &lerr);
	if (regfd < 0) {
		if (jail_error_is(&lerr, ENOENT))
			return 0; /* nothing ever ran */
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_move(err, &lerr);
		return jail_findings_add(out, JAIL_SEV_WARNING, NULL,
					 registry_dir ? registry_dir : JAIL_REGISTRY_DIR,
					 "make it a root-owned 0700 directory", err,
					 "running services cannot be audited: %s", lerr.msg);
	}
	if (jail_registry_list(regfd, &recs, &n, &bad, &lerr) < 0) {
		if (jail_error_is(&lerr, ENOMEM))
			return jail_error_move(err, &lerr);
		return jail_findings_add(out, JAIL_SEV_WARNING, NULL,
					 registry_dir ? registry_dir : JAIL_REGISTRY_DIR, "", err,
					 "running services cannot be listed: %s", lerr.msg);
	}
	for (size_t i = 0; i < N_NS; i++) {
		jail_error_t e2 = {0};
		if (jail_proc_ns_inode(getpid(), ns_names[i], &r.host_ns[i], &e2) < 0)
			r.host_ns[i] = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (recs[i]->service == NULL)
			continue;
		r.rec = recs[i];
		if (audit_one(&r) < 0)
			goto out;
	}
	ret = 0;
out:
	jail_strv_clear(&bad);
	jail_registry_list_free(recs, n);
	return ret;
}
