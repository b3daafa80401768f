/* Host session registry: one key=value file per live session. */
#define _GNU_SOURCE
#include "session/registry.h"
#include "confine/cgroup.h"
#include "confine/sandbox.h"
#include "config/service.h"
#include "base/fault.h"
#include "base/safefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define TMP_PREFIX    ".jail-tmp." /* jail_write_file_beneath's temporaries */
#define LINGER_PREFIX ".linger."   /* lock files of lingering sessions */

int jail_session_id_new(char out[JAIL_SESSION_ID_LEN + 1], jail_error_t *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[JAIL_SESSION_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return jail_error_set(err, errno, "getrandom");
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[JAIL_SESSION_ID_LEN] = '\0';
	return 0;
}

bool jail_session_id_valid(const char *id)
{
	if (id == NULL || strlen(id) != JAIL_SESSION_ID_LEN)
		return false;
	return strspn(id, "0123456789abcdef") == JAIL_SESSION_ID_LEN;
}

void jail_session_record_free(jail_session_record_t *rec)
{
	if (rec == NULL)
		return;
	free(rec->user);
	free(rec->jail);
	free(rec->profile);
	free(rec->cgroup);
	free(rec->remote);
	free(rec->service);
	free(rec);
}

void jail_registry_list_free(jail_session_record_t **recs, size_t n)
{
	for (size_t i = 0; recs && i < n; i++)
		jail_session_record_free(recs[i]);
	free(recs);
}

static bool printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int jail_session_record_validate(const jail_session_record_t *rec, jail_error_t *err)
{
	cleanup_free char *norm = NULL;

	if (!jail_session_id_valid(rec->id))
		return jail_error_fmt(err, EINVAL, "id '%s' is not 16 lower-case hex digits",
				      rec->id);
	if (rec->user == NULL || !jail_valid_name(rec->user))
		return jail_error_fmt(err, EINVAL, "user '%s' is not a valid user name",
				      rec->user ? rec->user : "");
	if (rec->uid == (uid_t)-1)
		return jail_error_fmt(err, EINVAL, "uid -1 is not a uid");
	if (rec->jail == NULL || strlen(rec->jail) > PATH_MAX || !printable(rec->jail) ||
	    (norm = jail_path_normalize(rec->jail, NULL)) == NULL || strcmp(norm, rec->jail) != 0)
		return jail_error_fmt(err, EINVAL, "jail '%s' is not a normalized absolute path",
				      rec->jail ? rec->jail : "");
	if (rec->profile == NULL || !jail_valid_name(rec->profile))
		return jail_error_fmt(err, EINVAL, "profile '%s' is not a valid profile name",
				      rec->profile ? rec->profile : "");
	if (rec->init_pid <= 0)
		return jail_error_fmt(err, EINVAL, "init_pid %ld is not a pid",
				      (long)rec->init_pid);
	if (rec->cgroup && jail_cgroup_valid_path(rec->cgroup) < 3) /* PARENT.../USER/ID */
		return jail_error_fmt(err, EINVAL, "cgroup '%s' is not a PARENT/USER/ID path",
				      rec->cgroup);
	if (rec->start < 0)
		return jail_error_fmt(err, EINVAL, "start %" PRId64 " is before 1970", rec->start);
	if (rec->owner_pid < 0 || (rec->owner_pid == 0 && rec->owner_starttime != 0))
		return jail_error_fmt(err, EINVAL,
				      "owner_pid %ld is not a pid (owner_starttime needs an "
				      "owner_pid)",
				      (long)rec->owner_pid);
	if (rec->remote &&
	    (strlen(rec->remote) > 255 || !printable(rec->remote) || strchr(rec->remote, ' ')))
		return jail_error_fmt(err, EINVAL,
				      "remote host is not a host name or address (printable, no "
				      "spaces, at most 255 characters)");
	if (rec->linger_ms && rec->service)
		return jail_error_fmt(err, EINVAL, "a service's session does not linger");
	if (rec->service && !jail_service_valid_name(rec->service))
		return jail_error_fmt(err, EINVAL, "service '%s' is not a valid service name",
				      rec->service);
	return 0;
}

char *jail_session_record_format(const jail_session_record_t *rec, jail_error_t *err)
{
	char *out;
	char owner[64] = "", linger[48] = "";
	cleanup_free char *service = NULL;

	if (jail_session_record_validate(rec, err) < 0)
		return NULL;
	/* Written only when known: records of older versions have no owner. */
	if (rec->owner_pid > 0)
		snprintf(owner, sizeof(owner), "owner_pid=%ld\nowner_starttime=%" PRIu64 "\n",
			 (long)rec->owner_pid, rec->owner_starttime);
	if (rec->linger_ms)
		snprintf(linger, sizeof(linger), "linger_ms=%" PRIu64 "\n", rec->linger_ms);
	/* Only in a service's record (jailctl run NAME). */
	if (rec->service && (service = jail_strdup_printf("service=%s\n", rec->service)) == NULL) {
		jail_error_set(err, ENOMEM, "session record");
		return NULL;
	}
	out = jail_strdup_printf(
	    "id=%s\nuser=%s\nuid=%u\njail=%s\nprofile=%s\ninit_pid=%ld\n"
	    "init_starttime=%" PRIu64 "\ncgroup=%s\nstart=%" PRId64 "\nremote=%s\nns=%" PRIu64
	    "\n%s%s%s",
	    rec->id, rec->user, (unsigned)rec->uid, rec->jail, rec->profile, (long)rec->init_pid,
	    rec->init_starttime, rec->cgroup ? rec->cgroup : "", rec->start,
	    rec->remote ? rec->remote : "", rec->ns, owner, service ? service : "", linger);
	if (out == NULL)
		jail_error_set(err, ENOMEM, "session record");
	return out;
}

enum key {
	K_ID,
	K_USER,
	K_UID,
	K_JAIL,
	K_PROFILE,
	K_INIT_PID,
	K_INIT_STARTTIME,
	K_CGROUP,
	K_START,
	K_REMOTE,
	K_NS,
	K_OWNER_PID,
	K_OWNER_STARTTIME,
	K_SERVICE,
	K_LINGER,
	K_COUNT
};

static const struct {
	const char *name;
	bool required;
} keys[K_COUNT] = {
    [K_ID] = {"id", true},
    [K_USER] = {"user", true},
    [K_UID] = {"uid", true},
    [K_JAIL] = {"jail", true},
    [K_PROFILE] = {"profile", true},
    [K_INIT_PID] = {"init_pid", true},
    [K_INIT_STARTTIME] = {"init_starttime", true},
    [K_CGROUP] = {"cgroup", false},
    [K_START] = {"start", true},
    [K_REMOTE] = {"remote", false},
    [K_NS] = {"ns", false},
    [K_OWNER_PID] = {"owner_pid", false},
    [K_OWNER_STARTTIME] = {"owner_starttime", false},
    [K_SERVICE] = {"service", false},
    [K_LINGER] = {"linger_ms", false},
};

static int set_str(char **dst, const char *v, bool empty_is_null, jail_error_t *err)
{
	if (empty_is_null && v[0] == '\0')
		return 0;
	*dst = strdup(v);
	if (*dst == NULL)
		return jail_error_set(err, ENOMEM, "session record");
	return 0;
}

static int num(const char *v, uint64_t max, uint64_t *out)
{
	if (jail_parse_u64(v, out, NULL) < 0 || *out > max)
		return -1;
	/* No leading zeros: one spelling per number. */
	if (v[0] == '0' && v[1] != '\0')
		return -1;
	return 0;
}

static int parse_value(jail_session_record_t *rec, enum key k, const char *v, jail_error_t *err)
{
	uint64_t n = 0;

	switch (k) {
	case K_ID:
		if (strlen(v) >= sizeof(rec->id))
			return -1;
		strcpy(rec->id, v);
		return 0;
	case K_USER:
		return set_str(&rec->user, v, false, err);
	case K_JAIL:
		return set_str(&rec->jail, v, false, err);
	case K_PROFILE:
		return set_str(&rec->profile, v, false, err);
	case K_CGROUP:
		return set_str(&rec->cgroup, v, true, err);
	case K_REMOTE:
		return set_str(&rec->remote, v, true, err);
	case K_SERVICE:
		return set_str(&rec->service, v, false, err);
	case K_UID:
		if (num(v, UINT32_MAX - 1, &n) < 0)
			return -1;
		rec->uid = (uid_t)n;
		return 0;
	case K_INIT_PID:
		if (num(v, INT32_MAX, &n) < 0 || n == 0)
			return -1;
		rec->init_pid = (pid_t)n;
		return 0;
	case K_INIT_STARTTIME:
		return num(v, UINT64_MAX, &rec->init_starttime);
	case K_START:
		if (num(v, INT64_MAX, &n) < 0)
			return -1;
		rec->start = (int64_t)n;
		return 0;
	case K_NS:
		return num(v, UINT64_MAX, &rec->ns);
	case K_OWNER_PID:
		if (num(v, INT32_MAX, &n) < 0 || n == 0)
			return -1;
		rec->owner_pid = (pid_t)n;
		return 0;
	case K_OWNER_STARTTIME:
		return num(v, UINT64_MAX, &rec->owner_starttime);
	case K_LINGER:
		return num(v, UINT64_MAX, &rec->linger_ms) < 0 || rec->linger_ms == 0 ? -1 : 0;
	case K_COUNT:
		break;
	}
	return -1;
}

int jail_session_record_parse(const char *buf, size_t len, const char *name,
			      jail_session_record_t **out, jail_error_t *err)
{
	jail_session_record_t *rec;
	bool seen[K_COUNT] = {false};
	const char *p = buf, *end = buf + len;
	int lineno = 0;

	if (name == NULL)
		name = "session record";
	if (len > JAIL_REGISTRY_MAX_FILE)
		return jail_error_fmt(err, EFBIG, "%s: larger than %d bytes", name,
				      JAIL_REGISTRY_MAX_FILE);
	if (memchr(buf, '\0', len))
		return jail_error_fmt(err, EINVAL, "%s: contains a NUL byte", name);
	if (len == 0 || buf[len - 1] != '\n')
		return jail_error_fmt(err, EINVAL, "%s: does not end with a newline (truncated?)",
				      name);
	rec = calloc(1, sizeof(*rec));
	if (rec == NULL)
		return jail_error_set(err, ENOMEM, "session record");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[JAIL_REGISTRY_MAX_LINE + 1];
		size_t ll = (size_t)(nl - p);
		char *eq;
		int k;

		lineno++;
		if (ll > JAIL_REGISTRY_MAX_LINE) {
			jail_error_fmt(err, EINVAL, "%s:%d: line longer than %d bytes", name,
				       lineno, JAIL_REGISTRY_MAX_LINE);
			goto fail;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		p = nl + 1;
		eq = strchr(line, '=');
		if (eq == NULL) {
			jail_error_fmt(err, EINVAL, "%s:%d: expected key=value", name, lineno);
			goto fail;
		}
		*eq = '\0';
		for (k = 0; k < K_COUNT; k++)
			if (strcmp(line, keys[k].name) == 0)
				break;
		if (k == K_COUNT) {
			jail_error_fmt(err, EINVAL, "%s:%d: unknown key '%.64s'", name, lineno,
				       printable(line) ? line : "?");
			goto fail;
		}
		if (seen[k]) {
			jail_error_fmt(err, EINVAL, "%s:%d: key '%s' given twice", name, lineno,
				       keys[k].name);
			goto fail;
		}
		seen[k] = true;
		if (!printable(eq + 1)) {
			jail_error_fmt(err, EINVAL, "%s:%d: %s: control character in the value",
				       name, lineno, keys[k].name);
			goto fail;
		}
		if (parse_value(rec, (enum key)k, eq + 1, err) < 0) {
			if (err && !jail_error_is(err, ENOMEM))
				jail_error_fmt(err, EINVAL, "%s:%d: %s: invalid value '%.64s'",
					       name, lineno, keys[k].name, eq + 1);
			goto fail;
		}
	}
	for (int k = 0; k < K_COUNT; k++)
		if (keys[k].required && !seen[k]) {
			jail_error_fmt(err, EINVAL, "%s: missing key '%s'", name, keys[k].name);
			goto fail;
		}
	if (seen[K_OWNER_PID] != seen[K_OWNER_STARTTIME]) {
		jail_error_fmt(err, EINVAL, "%s: owner_pid and owner_starttime go together", name);
		goto fail;
	}
	if (jail_session_record_validate(rec, err) < 0) {
		jail_error_wrap(err, "%s", name);
		goto fail;
	}
	*out = rec;
	return 0;
fail:
	jail_session_record_free(rec);
	return -1;
}

int jail_registry_open(const char *dir, bool create, jail_error_t *err)
{
	cleanup_free char *norm = jail_path_normalize(dir ? dir : JAIL_REGISTRY_DIR, err);
	/* Creating: what is missing is made 0755 above, 0700 for the registry
	 * itself; every component must be trusted either way. */
	const jail_walk_opts_t opts = {.flags = JAIL_WALK_CREATE, .create_mode = 0700};
	int fd;

	if (norm == NULL)
		return jail_error_wrap(err, "registry");
	if (jail_walk_trusted(norm, create ? &opts : NULL, &fd, err) < 0)
		return -1;
	return fd;
}

int jail_registry_write(int dirfd, const jail_session_record_t *rec, jail_error_t *err)
{
	cleanup_free char *data = jail_session_record_format(rec, err);

	if (data == NULL)
		return jail_error_wrap(err, "session record");
	if (jail_fault("registry-write") < 0)
		return jail_error_set(err, errno, "write session record %s", rec->id);
	if (jail_write_file_beneath(dirfd, rec->id, data, strlen(data), 0600, geteuid(), getegid(),
				    err) < 0)
		return jail_error_wrap(err, "write session record %s", rec->id);
	return 0;
}

int jail_registry_remove(int dirfd, const char *id, jail_error_t *err)
{
	if (!jail_session_id_valid(id))
		return jail_error_fmt(err, EINVAL, "'%s' is not a session id", id ? id : "");
	if (unlinkat(dirfd, id, 0) < 0)
		return jail_error_set(err, errno, "remove session record %s", id);
	{
		char lock[sizeof(LINGER_PREFIX) + JAIL_SESSION_ID_LEN];

		snprintf(lock, sizeof(lock), LINGER_PREFIX "%s", id);
		(void)unlinkat(dirfd, lock, 0); /* absent unless it lingered */
	}
	return 0;
}

int jail_registry_linger_open(int dirfd, const char *id, bool create, jail_error_t *err)
{
	char lock[sizeof(LINGER_PREFIX) + JAIL_SESSION_ID_LEN];
	struct stat st;
	int fd;

	if (!jail_session_id_valid(id))
		return jail_error_fmt(err, EINVAL, "'%s' is not a session id", id ? id : "");
	snprintf(lock, sizeof(lock), LINGER_PREFIX "%s", id);
	fd = openat(
	    dirfd, lock,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0600);
	if (fd < 0)
		return jail_error_set(err, errno, "lock file of lingering session %s", id);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0022)) {
		close(fd);
		return jail_error_fmt(err, EPERM,
				      "lock file of lingering session %s: not a regular file of "
				      "uid %u writable only by it",
				      id, (unsigned)geteuid());
	}
	return fd;
}

int jail_registry_connections(int dirfd, const char *id, jail_error_t *err)
{
	cleanup_close int fd = jail_registry_linger_open(dirfd, id, false, err);
	cleanup_close int lfd = -1;
	cleanup_free char *buf = NULL;
	char want[64];
	struct stat st;
	int n = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "lock file of session %s", id);
	/* "N: FLOCK  ADVISORY  READ  PID MAJ:MIN:INODE 0 EOF", device in hex;
	 * a waiter's line has "->" after the number and is not counted. */
	snprintf(want, sizeof(want), " %02x:%02x:%llu ", major(st.st_dev), minor(st.st_dev),
		 (unsigned long long)st.st_ino);
	lfd = open("/proc/locks", O_RDONLY | O_CLOEXEC);
	if (lfd < 0 || jail_read_all(lfd, 16 << 20, &buf, NULL, err) < 0)
		return lfd < 0 ? jail_error_set(err, errno, "/proc/locks")
			       : jail_error_wrap(err, "/proc/locks");
	for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(line, want) && strstr(line, " FLOCK ") && strstr(line, " READ ") &&
		    !strstr(line, "->"))
			n++;
	}
	return n;
}

int jail_registry_read(int dirfd, const char *id, jail_session_record_t **out, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	jail_session_record_t *rec = NULL;
	struct stat st;
	size_t len = 0;

	if (!jail_session_id_valid(id))
		return jail_error_fmt(err, EINVAL, "'%s' is not a session id", id ? id : "");
	fd = openat(dirfd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno, "session record %s", id);
	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "session record %s", id);
	/* Written by us (root in production), never by anyone else. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022))
		return jail_error_fmt(err, EPERM,
				      "session record %s: not a regular file owned by uid %u and "
				      "writable only by it",
				      id, (unsigned)geteuid());
	if (jail_read_all(fd, JAIL_REGISTRY_MAX_FILE, &buf, &len, err) < 0)
		return jail_error_wrap(err, "session record %s", id);
	if (jail_session_record_parse(buf, len, id, &rec, err) < 0)
		return -1;
	if (strcmp(rec->id, id) != 0) {
		jail_error_fmt(err, EINVAL, "session record %s: holds id %s", id, rec->id);
		jail_session_record_free(rec);
		return -1;
	}
	*out = rec;
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const jail_session_record_t *x = *(jail_session_record_t *const *)a;
	const jail_session_record_t *y = *(jail_session_record_t *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->id, y->id);
}

int jail_registry_list(int dirfd, jail_session_record_t ***out, size_t *n, jail_strv_t *bad,
		       jail_error_t *err)
{
	jail_session_record_t **recs = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	/* DIRFD may be O_PATH: a readable fd of it for the stream. */
	cleanup_close int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_dir DIR *dir = NULL;

	if (fd < 0)
		return jail_error_set(err, errno, "open the session registry");
	dir = jail_opendir_fd(fd, "the session registry", err);
	if (dir == NULL)
		return -1;
	for (errno = 0; (de = readdir(dir)) != NULL; errno = 0) {
		jail_session_record_t *rec = NULL;
		jail_error_t e2 = {0};

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0 ||
		    strncmp(de->d_name, LINGER_PREFIX, strlen(LINGER_PREFIX)) == 0)
			continue;
		if (!jail_session_id_valid(de->d_name)) {
			jail_error_fmt(&e2, EINVAL, "stray file '%.64s' (not a session id)",
				       printable(de->d_name) ? de->d_name : "?");
		} else if (jail_registry_read(dirfd, de->d_name, &rec, &e2) == 0) {
			if (cnt == cap) {
				jail_session_record_t **nr;
				cap = cap ? cap * 2 : 16;
				nr = realloc(recs, cap * sizeof(*nr));
				if (nr == NULL) {
					jail_session_record_free(rec);
					goto nomem;
				}
				recs = nr;
			}
			recs[cnt++] = rec;
			continue;
		}
		if (bad && jail_strv_push(bad, e2.msg, err) < 0)
			goto fail;
	}
	if (errno != 0) {
		jail_error_set(err, errno, "read the session registry");
		goto fail;
	}
	if (cnt > 1)
		qsort(recs, cnt, sizeof(*recs), cmp_rec);
	*out = recs;
	*n = cnt;
	return 0;
nomem:
	jail_error_set(err, ENOMEM, "session registry");
fail:
	jail_registry_list_free(recs, cnt);
	return -1;
}

#define PF_EXITING_FLAG 0x00000004u /* include/linux/sched.h PF_EXITING */

/* Fields 3 (state), 9 (flags) and 22 (starttime) of /proc/PID/stat. */
static int proc_stat(pid_t pid, char *state, unsigned long *flags, uint64_t *out, jail_error_t *err)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p, *save = NULL;
	int field = 2;

	if (pid <= 0)
		return jail_error_fmt(err, EINVAL, "pid %ld", (long)pid);
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno == ENOENT ? ESRCH : errno, "%s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return jail_error_set(err, errno == ENOENT ? ESRCH : errno, "read %s", path);
	buf[n] = '\0';
	/* comm (field 2) may hold spaces and parentheses: start after the
	 * last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return jail_error_fmt(err, EINVAL, "%s: unexpected format", path);
	for (char *t = strtok_r(p + 1, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (++field == 3)
			*state = t[0];
		if (field == 9)
			*flags = strtoul(t, NULL, 10);
		if (field == 22) {
			if (jail_parse_u64(t, out, NULL) < 0)
				break;
			return 0;
		}
	}
	return jail_error_fmt(err, EINVAL, "%s: no starttime field", path);
}

int jail_proc_starttime(pid_t pid, uint64_t *out, jail_error_t *err)
{
	char state;
	unsigned long flags;

	return proc_stat(pid, &state, &flags, out, err);
}

int jail_proc_ns_inode(pid_t pid, const char *nsname, uint64_t *out, jail_error_t *err)
{
	char path[96];
	struct stat st;

	if (pid <= 0 || nsname == NULL || nsname[0] == '\0' ||
	    strspn(nsname, "abcdefghijklmnopqrstuvwxyz_") != strlen(nsname) || strlen(nsname) > 32)
		return jail_error_fmt(err, EINVAL, "namespace '%s' of pid %ld",
				      nsname ? nsname : "", (long)pid);
	snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, nsname);
	if (stat(path, &st) < 0)
		return jail_error_set(err, errno == ENOENT ? ESRCH : errno, "stat %s", path);
	*out = (uint64_t)st.st_ino;
	return 0;
}

/* 1 when PID runs with STARTTIME, 0 when it is gone, a zombie, exiting or
 * another process, -1 on error. */
static int proc_alive(pid_t pid, uint64_t starttime, jail_error_t *err)
{
	uint64_t st = 0;
	char state = '?';
	unsigned long flags = 0;
	jail_error_t e2 = {0};

	if (proc_stat(pid, &state, &flags, &st, &e2) < 0) {
		if (jail_error_is(&e2, ESRCH))
			return 0;
		jail_error_move(err, &e2);
		return -1;
	}
	/* A zombie init has ended its session; it only waits for a parent
	 * (or the host's pid 1, after sshd died) to reap it.  An exiting one
	 * (PF_EXITING) is as good as gone: a pid namespace's init waits in
	 * do_exit until every zombie of its namespace is reaped, which can
	 * take a while when they were orphaned to a slow host pid 1. */
	if (state == 'Z' || state == 'X' || (flags & PF_EXITING_FLAG))
		return 0;
	return st == starttime ? 1 : 0;
}

int jail_registry_alive(const jail_session_record_t *rec, jail_error_t *err)
{
	return proc_alive(rec->init_pid, rec->init_starttime, err);
}

int jail_registry_owner_alive(const jail_session_record_t *rec, jail_error_t *err)
{
	if (rec->owner_pid <= 0)
		return 1;
	return proc_alive(rec->owner_pid, rec->owner_starttime, err);
}

int jail_registry_write_sandbox(int dirfd, jail_session_record_t *rec, const jail_sandbox_t *sb,
				jail_error_t *err)
{
	jail_error_t e2;

	rec->init_pid = sb->init.pid;
	rec->init_starttime = sb->init.starttime;
	rec->cgroup = sb->cg ? (char *)jail_cgroup_path(sb->cg) : NULL;
	rec->start = (int64_t)time(NULL);
	if (jail_proc_ns_inode(sb->init.pid, "mnt", &rec->ns, &e2) < 0)
		rec->ns = 0;
	/* The opener (this process: sshd's monitor, su, jailctl run, ...)
	 * alone will close; `jailctl gc` ends the sandbox if it dies first
	 * (its pid is still ours: unshare(CLONE_NEWPID) only moves our
	 * children). */
	rec->owner_pid = getpid();
	if (jail_proc_starttime(rec->owner_pid, &rec->owner_starttime, &e2) < 0) {
		rec->owner_pid = 0;
		rec->owner_starttime = 0;
	}
	if (jail_registry_write(dirfd, rec, err) < 0)
		return jail_error_wrap(err, "session record");
	return 0;
}

int jail_registry_end_sandbox(int dirfd, const char *id, bool *recorded, jail_sandbox_t *sb,
			      jail_error_t *err)
{
	jail_error_t e2 = {0};
	int ret = 0;

	if (jail_sandbox_kill(sb, &e2) < 0) {
		jail_error_move(err, &e2);
		ret = -1;
	}
	if (*recorded && jail_registry_remove(dirfd, id, &e2) < 0 && !jail_error_is(&e2, ENOENT) &&
	    ret == 0) {
		jail_error_move(err, &e2);
		ret = -1;
	}
	*recorded = false;
	if (jail_sandbox_end(sb, &e2) < 0 && ret == 0) {
		jail_error_move(err, &e2);
		ret = -1;
	}
	return ret;
}
