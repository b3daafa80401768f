/* Services: /etc/jail/services.d/NAME.ini, one [service:NAME] section
 * (NAME the file's own name), loaded as strictly as the rest of /etc/jail
 * (root-owned, not group/world writable, no symlink; an unknown section or
 * key, a bad value or a missing required key is an error naming file,
 * section, key and what was expected).  man/jail-service.5 documents the
 * keys:
 *
 *   [service:web]
 *   jail          = /srv/jails/base      required, absolute
 *   profile       = service              default "service"
 *   exec          = /usr/sbin/nginx -g "daemon off;"   required; words split
 *                                         on blanks, "..." and '...' quote
 *                                         (no escapes, no variables);
 *                                         the first word absolute
 *   user          = www-data             default root; "dynamic": a uid and
 *                                         gid of its own, derived from NAME
 *   ready         = notify               exec (default) | notify |
 *                                         tcp:HOST:PORT | file:/ABS/PATH
 *   stop_signal   = TERM                 default TERM (names as kill -l,
 *                                         with or without SIG)
 *   stop_timeout  = 10s                  default 10s; N, Ns, Nms, Nmin
 *   reload_signal = HUP                  default HUP
 *   state_dir     = web                  /var/lib/jail/web on the host,
 *                                         /var/lib/web inside, read-write
 *   runtime_dir   = web                  /run/web inside (on the sandbox's
 *                                         /run tmpfs)
 *   logs_dir      = web                  /var/log/jail/web on the host,
 *                                         /var/log/web inside, read-write
 *   bind_ro       = /etc/nginx            as a profile's (added to its)
 *   bind_rw       = ...
 *   net           = none                 none | host; default: the profile's
 *   listen        = tcp:0.0.0.0:80        tcp:HOST:PORT (v6: tcp:[::1]:80),
 *                                         udp:HOST:PORT, unix:/ABS/PATH;
 *                                         several separated by blanks; bound
 *                                         on the host side and passed in as
 *                                         LISTEN_FDS
 *   log           = stdout               stdout | relay
 *   environment   = KEY=VALUE ...        words as exec's; KEY [A-Za-z_][A-Za-z0-9_]*
 *   workdir       = /                    absolute path inside the jail
 *
 * A *_dir value is one path component: [A-Za-z0-9][A-Za-z0-9._-]{0,63}.
 * A value is the rest of its line, trimmed: ';' and '#' inside it are
 * kept (comments are whole lines); a value may not be empty or hold a
 * control character, and there is no line continuation.
 * A service NAME: [a-z0-9][a-z0-9_.-]{0,63}, not ending in ".ini". */
#ifndef JAIL_CONFIG_SERVICE_H
#define JAIL_CONFIG_SERVICE_H

#include "base/error.h"
#include "base/util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define JAIL_SERVICES_SUBDIR	  "services.d"
#define JAIL_SERVICE_PROFILE	  "service" /* `profile` when a service names none */
#define JAIL_SERVICE_STATE_ROOT	  "/var/lib/jail"
#define JAIL_SERVICE_LOGS_ROOT	  "/var/log/jail"
#define JAIL_SERVICE_STATE_JAIL	  "/var/lib" /* + "/" + state_dir inside the jail */
#define JAIL_SERVICE_LOGS_JAIL	  "/var/log"
#define JAIL_SERVICE_RUNTIME_JAIL "/run"
/* user = dynamic: uid = gid in [MIN, MAX] (systemd's DynamicUser range) */
#define JAIL_SERVICE_DYNAMIC_MIN 61184
#define JAIL_SERVICE_DYNAMIC_MAX 65519
#define JAIL_SERVICE_NAME_MAX	 64

typedef enum {
	JAIL_READY_EXEC = 0, /* ready once exec succeeded */
	JAIL_READY_NOTIFY,   /* READY=1 on the service's NOTIFY_SOCKET */
	JAIL_READY_TCP,	     /* a TCP connect to ready_addr succeeds (from inside) */
	JAIL_READY_FILE,     /* ready_file exists (inside the jail) */
} jail_ready_t;

typedef enum {
	JAIL_SERVICE_NET_PROFILE = 0, /* as the profile says */
	JAIL_SERVICE_NET_NONE,	      /* a network namespace of its own, loopback only */
	JAIL_SERVICE_NET_HOST,	      /* the host's network */
	JAIL_SERVICE_NET_PRIVATE,     /* its own, outbound through pasta */
} jail_service_net_t;

typedef enum {
	JAIL_SERVICE_LOG_STDOUT = 0, /* stdout/stderr as jailctl's (systemd: the journal) */
	JAIL_SERVICE_LOG_RELAY,	     /* and a /dev/log relayed to the host's syslog */
} jail_service_log_t;

/* One `listen` entry: a socket jailctl binds on the host side. */
typedef struct jail_listen {
	char *text;		      /* as written: "tcp:0.0.0.0:80" (its LISTEN_FDNAMES name) */
	int type;		      /* SOCK_STREAM or SOCK_DGRAM */
	struct sockaddr_storage addr; /* AF_INET, AF_INET6 or AF_UNIX (a path) */
	socklen_t addrlen;
} jail_listen_t;

typedef struct jail_service {
	char *name; /* NAME */
	char *file; /* the file it came from, for messages */
	char *jail; /* absolute, normalised */
	char *profile;
	jail_strv_t exec;  /* argv; exec.v[0] absolute (inside the jail) */
	char *user;	   /* NULL: root; not "dynamic" (see dynamic_user) */
	bool dynamic_user; /* user = dynamic */
	jail_ready_t ready;
	char *ready_text;		    /* the `ready` value as written, for messages */
	struct sockaddr_storage ready_addr; /* JAIL_READY_TCP */
	socklen_t ready_addrlen;
	char *ready_file; /* JAIL_READY_FILE, absolute inside the jail */
	int stop_signal;
	uint64_t stop_timeout_ms;
	int reload_signal;
	char *state_dir; /* NULL: none */
	char *runtime_dir;
	char *logs_dir;
	jail_strv_t bind_ro; /* "/host[:/jail]", validated as a profile's */
	jail_strv_t bind_rw;
	jail_service_net_t net;
	jail_listen_t *listen;
	size_t n_listen;
	jail_service_log_t log;
	jail_strv_t environment; /* "KEY=VALUE" */
	char *workdir;		 /* default "/" */
} jail_service_t;

bool jail_service_valid_name(const char *name);

/* Load DIR/services.d/NAME.ini.  A missing file is an error with code
 * ENOENT naming the path. */
int jail_service_load(const char *dir, const char *name, jail_service_t **out, jail_error_t *err);

/* Parse the text BUF (LEN bytes) as the service NAME from PATH (for
 * messages): what jail_service_load does after the file checks (tests,
 * fuzzing). */
int jail_service_parse(const char *buf, size_t len, const char *path, const char *name,
		       jail_service_t **out, jail_error_t *err);

/* The names of every DIR/services.d/NAME.ini, sorted; files that are not
 * NAME.ini for a valid NAME are described in BAD (may be NULL).  A missing
 * services.d is an empty list. */
int jail_service_list(const char *dir, jail_strv_t *names, jail_strv_t *bad, jail_error_t *err);

void jail_service_free(jail_service_t *svc);
static inline void jail_service_freep(jail_service_t **svc)
{
	jail_service_free(*svc);
	*svc = NULL;
}
#define cleanup_service __attribute__((cleanup(jail_service_freep)))

/* user = dynamic: the uid (= gid) of service NAME, stable across runs:
 * a hash of NAME into [JAIL_SERVICE_DYNAMIC_MIN, _MAX], moved to the next
 * free number while the host's passwd or group database has it. */
int jail_service_dynamic_uid(const char *name, uid_t *out, jail_error_t *err);

/* Parse one `listen` word ("tcp:127.0.0.1:8080", "tcp:[::1]:80",
 * "udp:0.0.0.0:53", "unix:/run/web.sock"). */
int jail_listen_parse(const char *text, jail_listen_t *out, jail_error_t *err);
void jail_listen_clear(jail_listen_t *l);

/* Signal names: "TERM", "SIGTERM", "HUP", ... (kill -l's); -1 if unknown. */
int jail_signal_from_name(const char *name);
/* "TERM" for SIGTERM, NULL for a number with no name. */
const char *jail_signal_name(int sig);

#endif
