/* Services: /etc/jail/services.d/NAME.ini (see service.h, jail-service(5)).
 *
 * The file is opened and checked by ini.c's trusted loader (no symlink,
 * root-owned, not group/world-writable, no NUL byte, no section or key
 * given twice), but its lines are read here and not by iniparser: iniparser
 * cuts a value at the first ';' or '#' (exec = nginx -g "daemon off;")
 * and drops whatever follows a quoted part ('exec = "/bin/x" -a' gives
 * "/bin/x").  The syntax is the ini subset the other files use: [section]
 * lines, key = value lines, whole-line ; and # comments; a value is the
 * rest of its line, trimmed.
 *
 * One key table (service_keys) is the only list of keys: the parser, the
 * defaults and the unknown-key message walk it. */
#define _GNU_SOURCE
#include "config/service.h"
#include "base/safefs.h"
#include "config/config-internal.h"
#include "confine/mounts.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define STOP_TIMEOUT_MAX_MS (3600ULL * 1000) /* 1h */
#define DIR_VALUE_MAX	    64

/* ------------------------------------------------------------------------ */
/* Names                                                                     */

bool jail_service_valid_name(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > JAIL_SERVICE_NAME_MAX)
		return false;
	if (!(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])))
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(islower(c) || isdigit(c) || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return !(len >= 4 && strcmp(name + len - 4, ".ini") == 0);
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},	      {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},	 {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},	 {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},	      {"SYS", SIGSYS},
};

int jail_signal_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(signals[i].name, name) == 0)
			return signals[i].sig;
	return -1;
}

const char *jail_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Addresses                                                                 */

/* "HOST:PORT": HOST a numeric IPv4 address or [IPv6]; PORT 1..65535. */
static int parse_host_port(const char *hp, struct sockaddr_storage *ss, socklen_t *len,
			   jail_error_t *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *orig = hp, *port, *hend;
	bool v6 = hp[0] == '[';
	unsigned long p = 0;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		hend = strchr(hp, ']');
		if (hend == NULL || hend[1] != ':')
			goto bad;
		hp++;
		port = hend + 2;
	} else {
		hend = strrchr(hp, ':');
		if (hend == NULL)
			goto bad;
		port = hend + 1;
	}
	hlen = (size_t)(hend - hp);
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, hp, hlen);
	host[hlen] = '\0';
	if (port[0] == '\0' || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port))
		goto bad;
	p = strtoul(port, NULL, 10);
	if (p < 1 || p > 65535)
		goto bad;
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
	}
	return 0;
bad:
	return jail_error_fmt(err, EINVAL,
			      "'%s' is not HOST:PORT (expected a numeric IPv4 address or "
			      "[IPv6 address], then :PORT with PORT 1 to 65535)",
			      orig);
}

/* An absolute path for a unix socket, as bound on the host. */
static int parse_unix_path(const char *v, struct sockaddr_storage *ss, socklen_t *len,
			   jail_error_t *err)
{
	struct sockaddr_un *su = (struct sockaddr_un *)ss;
	cleanup_free char *p = jail_config_abs_path(v, err);
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (p == NULL)
		return -1;
	n = strlen(p);
	if (n >= sizeof(su->sun_path))
		return jail_error_fmt(err, ENAMETOOLONG,
				      "'%s' is too long for a unix socket (expected at most %zu "
				      "bytes)",
				      v, sizeof(su->sun_path) - 1);
	su->sun_family = AF_UNIX;
	memcpy(su->sun_path, p, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

int jail_listen_parse(const char *text, jail_listen_t *out, jail_error_t *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (strncmp(text, "tcp:", 4) == 0) {
		out->type = SOCK_STREAM;
		r = parse_host_port(text + 4, &out->addr, &out->addrlen, err);
	} else if (strncmp(text, "udp:", 4) == 0) {
		out->type = SOCK_DGRAM;
		r = parse_host_port(text + 4, &out->addr, &out->addrlen, err);
	} else if (strncmp(text, "unix:", 5) == 0) {
		out->type = SOCK_STREAM;
		r = parse_unix_path(text + 5, &out->addr, &out->addrlen, err);
	} else {
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a socket (expected tcp:HOST:PORT, "
				      "udp:HOST:PORT or unix:/ABS/PATH)",
				      text);
	}
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return jail_error_wrap(err, "'%s'", text);
	}
	out->text = strdup(text);
	if (out->text == NULL)
		return jail_error_set(err, ENOMEM, "listen");
	return 0;
}

void jail_listen_clear(jail_listen_t *l)
{
	free(l->text);
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------------ */
/* Words: exec and environment                                               */

/* Split V into words: blanks separate, "..." and '...' quote (the quotes
 * are removed, no escapes, no variables), a quoted part may touch
 * unquoted text (a"b c" is one word).  Appends to OUT. */
static int split_words(const char *v, jail_strv_t *out, jail_error_t *err)
{
	const char *p = v;

	while (*p) {
		jail_buf_t b = {0};
		cleanup_free char *word = NULL;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		jail_buf_add(&b, "", 0); /* "" is a word too */
		while (*p && *p != ' ') {
			if (*p == '"' || *p == '\'') {
				const char *end = strchr(p + 1, *p);
				if (end == NULL) {
					jail_buf_clear(&b);
					return jail_error_fmt(err, EINVAL,
							      "unterminated %c quote in '%s' "
							      "(expected a closing %c; there are "
							      "no escapes)",
							      *p, v, *p);
				}
				jail_buf_add(&b, p + 1, (size_t)(end - p - 1));
				p = end + 1;
			} else {
				jail_buf_add(&b, p, 1);
				p++;
			}
		}
		word = jail_buf_finish(&b, "words", err);
		if (word == NULL || jail_strv_push(out, word, err) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Value parsers: each validates V and stores it in SVC.  Errors do not name
 * file, section or key: the caller wraps them. */

typedef int (*service_parse_fn)(jail_service_t *svc, const char *v, jail_error_t *err);

static int parse_jail(jail_service_t *svc, const char *v, jail_error_t *err)
{
	char *p = jail_config_abs_path(v, err);

	if (p == NULL)
		return -1;
	if (strcmp(p, "/") == 0) {
		free(p);
		return jail_error_fmt(err, EINVAL,
				      "'/' is not allowed (expected the root of a jail below /)");
	}
	free(svc->jail);
	svc->jail = p;
	return 0;
}

static int parse_profile(jail_service_t *svc, const char *v, jail_error_t *err)
{
	if (!jail_valid_name(v))
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a valid profile name (expected lower case "
				      "letters, digits, '-', '_' or '.')",
				      v);
	return jail_config_set_str(&svc->profile, v, err);
}

static int parse_exec(jail_service_t *svc, const char *v, jail_error_t *err)
{
	jail_strv_clear(&svc->exec);
	if (split_words(v, &svc->exec, err) < 0)
		return -1;
	if (svc->exec.n == 0)
		return jail_error_fmt(err, EINVAL, "no program (expected /ABS/PROGRAM ARGS...)");
	if (svc->exec.v[0][0] != '/')
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not an absolute path (expected the program as "
				      "an absolute path inside the jail)",
				      svc->exec.v[0]);
	return 0;
}

static int parse_user(jail_service_t *svc, const char *v, jail_error_t *err)
{
	free(svc->user);
	svc->user = NULL;
	svc->dynamic_user = strcmp(v, "dynamic") == 0;
	if (svc->dynamic_user)
		return 0;
	if (!jail_valid_name(v))
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a valid user name (expected lower case "
				      "letters, digits, '_', '-' or '.', or dynamic)",
				      v);
	return jail_config_set_str(&svc->user, v, err);
}

static int parse_ready(jail_service_t *svc, const char *v, jail_error_t *err)
{
	free(svc->ready_file);
	svc->ready_file = NULL;
	memset(&svc->ready_addr, 0, sizeof(svc->ready_addr));
	svc->ready_addrlen = 0;
	if (strcmp(v, "exec") == 0) {
		svc->ready = JAIL_READY_EXEC;
	} else if (strcmp(v, "notify") == 0) {
		svc->ready = JAIL_READY_NOTIFY;
	} else if (strncmp(v, "tcp:", 4) == 0) {
		svc->ready = JAIL_READY_TCP;
		if (parse_host_port(v + 4, &svc->ready_addr, &svc->ready_addrlen, err) < 0)
			return -1;
	} else if (strncmp(v, "file:", 5) == 0) {
		svc->ready = JAIL_READY_FILE;
		svc->ready_file = jail_config_abs_path(v + 5, err);
		if (svc->ready_file == NULL)
			return -1;
	} else {
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not valid (expected exec, notify, tcp:HOST:PORT "
				      "or file:/ABS/PATH)",
				      v);
	}
	return jail_config_set_str(&svc->ready_text, v, err);
}

static int parse_signal(int *dst, const char *v, jail_error_t *err)
{
	int sig = jail_signal_from_name(v);

	if (sig < 0)
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a signal name (expected a name as kill -l "
				      "lists them, like TERM, INT, HUP or SIGQUIT)",
				      v);
	*dst = sig;
	return 0;
}

static int parse_stop_signal(jail_service_t *svc, const char *v, jail_error_t *err)
{
	return parse_signal(&svc->stop_signal, v, err);
}

static int parse_reload_signal(jail_service_t *svc, const char *v, jail_error_t *err)
{
	return parse_signal(&svc->reload_signal, v, err);
}

static int parse_stop_timeout(jail_service_t *svc, const char *v, jail_error_t *err)
{
	size_t nd = strspn(v, "0123456789");
	const char *unit = v + nd;
	uint64_t n = 0, mult;

	if (nd == 0 || nd > 10)
		goto bad;
	for (size_t i = 0; i < nd; i++)
		n = n * 10 + (uint64_t)(v[i] - '0');
	if (*unit == '\0' || strcmp(unit, "s") == 0)
		mult = 1000;
	else if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "min") == 0)
		mult = 60 * 1000;
	else
		goto bad;
	if (n == 0 || n > STOP_TIMEOUT_MAX_MS || n * mult > STOP_TIMEOUT_MAX_MS)
		goto bad;
	svc->stop_timeout_ms = n * mult;
	return 0;
bad:
	return jail_error_fmt(err, EINVAL,
			      "'%s' is not a timeout (expected N, Ns, Nms or Nmin, more than 0 "
			      "and at most 1h)",
			      v);
}

/* state_dir, runtime_dir, logs_dir: one path component. */
static int parse_dir_value(char **dst, const char *v, jail_error_t *err)
{
	size_t n = strlen(v);

	if (n == 0 || n > DIR_VALUE_MAX || !isalnum((unsigned char)v[0]) ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a directory name (expected one path "
				      "component: a letter or digit, then letters, digits, "
				      "'.', '_' or '-', at most %d characters)",
				      v, DIR_VALUE_MAX);
	return jail_config_set_str(dst, v, err);
}

static int parse_state_dir(jail_service_t *svc, const char *v, jail_error_t *err)
{
	return parse_dir_value(&svc->state_dir, v, err);
}

static int parse_runtime_dir(jail_service_t *svc, const char *v, jail_error_t *err)
{
	return parse_dir_value(&svc->runtime_dir, v, err);
}

static int parse_logs_dir(jail_service_t *svc, const char *v, jail_error_t *err)
{
	return parse_dir_value(&svc->logs_dir, v, err);
}

static int parse_binds(jail_strv_t *out, const char *v, bool ro, jail_error_t *err)
{
	cleanup_strv jail_strv_t items = {0};

	jail_strv_clear(out);
	if (jail_split_list(v, &items, err) < 0)
		return -1;
	for (size_t i = 0; i < items.n; i++) {
		cleanup_bind jail_bind_t b = {0};
		cleanup_free char *host = NULL;
		cleanup_free char *item = NULL;
		char *colon = strchr(items.v[i], ':');

		/* The profile's rule first (no ':' in a path, no spaces), then
		 * the one every reader of a bind spec applies. */
		if (colon)
			*colon = '\0';
		host = jail_config_abs_path(items.v[i], err);
		if (colon)
			*colon = ':';
		if (host == NULL ||
		    (colon && (item = jail_config_abs_path(colon + 1, err)) == NULL))
			return jail_error_wrap(
			    err, "'%s' (expected /host/path or /host/path:/jail/path)", items.v[i]);
		free(steal_pointer(&item));
		if (jail_bind_parse(items.v[i], ro, &b, err) < 0)
			return -1;
		item = jail_strdup_printf("%s:%s", b.host, b.jail);
		if (item == NULL)
			return jail_error_set(err, ENOMEM, "bind");
		if (jail_strv_add_unique(out, item, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_bind_ro(jail_service_t *svc, const char *v, jail_error_t *err)
{
	return parse_binds(&svc->bind_ro, v, true, err);
}

static int parse_bind_rw(jail_service_t *svc, const char *v, jail_error_t *err)
{
	return parse_binds(&svc->bind_rw, v, false, err);
}

static int parse_net(jail_service_t *svc, const char *v, jail_error_t *err)
{
	if (strcmp(v, "none") == 0)
		svc->net = JAIL_SERVICE_NET_NONE;
	else if (strcmp(v, "host") == 0)
		svc->net = JAIL_SERVICE_NET_HOST;
	else if (strcmp(v, "private") == 0)
		svc->net = JAIL_SERVICE_NET_PRIVATE;
	else
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not valid (expected none, host or private)", v);
	return 0;
}

static void listen_free_all(jail_service_t *svc)
{
	for (size_t i = 0; i < svc->n_listen; i++)
		jail_listen_clear(&svc->listen[i]);
	free(svc->listen);
	svc->listen = NULL;
	svc->n_listen = 0;
}

static int parse_listen(jail_service_t *svc, const char *v, jail_error_t *err)
{
	cleanup_strv jail_strv_t words = {0};

	listen_free_all(svc);
	if (jail_split_list(v, &words, err) < 0)
		return -1;
	if (words.n == 0)
		return jail_error_fmt(err, EINVAL, "no socket (expected tcp:HOST:PORT ...)");
	svc->listen = calloc(words.n, sizeof(*svc->listen));
	if (svc->listen == NULL)
		return jail_error_set(err, ENOMEM, "listen");
	for (size_t i = 0; i < words.n; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(words.v[i], words.v[j]) == 0)
				return jail_error_fmt(err, EINVAL,
						      "'%s' is listed twice (expected each socket "
						      "once)",
						      words.v[i]);
		if (jail_listen_parse(words.v[i], &svc->listen[i], err) < 0)
			return -1;
		svc->n_listen = i + 1;
	}
	return 0;
}

static int parse_log(jail_service_t *svc, const char *v, jail_error_t *err)
{
	if (strcmp(v, "stdout") == 0)
		svc->log = JAIL_SERVICE_LOG_STDOUT;
	else if (strcmp(v, "relay") == 0)
		svc->log = JAIL_SERVICE_LOG_RELAY;
	else
		return jail_error_fmt(err, EINVAL, "'%s' is not valid (expected stdout or relay)",
				      v);
	return 0;
}

/* Variables jailctl run sets itself, or that would change what the
 * loader in the jail runs before the service's own code. */
static const char *env_refusal(const char *key, size_t len)
{
	if (len >= 7 && strncmp(key, "LISTEN_", 7) == 0)
		return "jailctl run sets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES from listen";
	if (len == 13 && strncmp(key, "NOTIFY_SOCKET", 13) == 0)
		return "jailctl run sets it to its own notify relay";
	if ((len == 10 && strncmp(key, "LD_PRELOAD", 10) == 0) ||
	    (len == 15 && strncmp(key, "LD_LIBRARY_PATH", 15) == 0))
		return "it would load libraries the jail's ld.so does not choose; install them "
		       "in the jail instead";
	return NULL;
}

static int parse_environment(jail_service_t *svc, const char *v, jail_error_t *err)
{
	cleanup_strv jail_strv_t words = {0};

	jail_strv_clear(&svc->environment);
	if (split_words(v, &words, err) < 0)
		return -1;
	for (size_t i = 0; i < words.n; i++) {
		const char *w = words.v[i], *eq = strchr(w, '=');
		size_t klen = eq ? (size_t)(eq - w) : 0;
		const char *why;

		if (klen == 0 || !(isalpha((unsigned char)w[0]) || w[0] == '_') ||
		    strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
			klen)
			return jail_error_fmt(err, EINVAL,
					      "'%s' is not KEY=VALUE (expected KEY of letters, "
					      "digits and '_', not starting with a digit)",
					      w);
		why = env_refusal(w, klen);
		if (why)
			return jail_error_fmt(err, EINVAL, "%.*s may not be set here (%s)",
					      (int)klen, w, why);
		for (size_t j = 0; j < svc->environment.n; j++)
			if (strncmp(svc->environment.v[j], w, klen + 1) == 0)
				return jail_error_fmt(err, EINVAL,
						      "%.*s is set twice (expected each "
						      "variable once)",
						      (int)klen, w);
		if (jail_strv_push(&svc->environment, w, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_workdir(jail_service_t *svc, const char *v, jail_error_t *err)
{
	char *p = jail_config_abs_path(v, err);

	if (p == NULL)
		return -1;
	free(svc->workdir);
	svc->workdir = p;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The key table                                                             */

typedef struct service_key {
	const char *name; /* first: jail_ini_keys_t reads it */
	service_parse_fn parse;
	const char *dflt;   /* the default as text for parse; NULL: zero/none */
	const char *expect; /* for a missing required key; NULL: optional */
} service_key_t;

/* In the order the unknown-key message lists them (the header's order). */
static const service_key_t service_keys[] = {
    {"jail", parse_jail, NULL, "the absolute path of the jail root"},
    {"profile", parse_profile, JAIL_SERVICE_PROFILE, NULL},
    {"exec", parse_exec, NULL, "/ABS/PROGRAM ARGS..., the command inside the jail"},
    {"user", parse_user, NULL, NULL},
    {"ready", parse_ready, "exec", NULL},
    {"stop_signal", parse_stop_signal, "TERM", NULL},
    {"stop_timeout", parse_stop_timeout, "10s", NULL},
    {"reload_signal", parse_reload_signal, "HUP", NULL},
    {"state_dir", parse_state_dir, NULL, NULL},
    {"runtime_dir", parse_runtime_dir, NULL, NULL},
    {"logs_dir", parse_logs_dir, NULL, NULL},
    {"bind_ro", parse_bind_ro, NULL, NULL},
    {"bind_rw", parse_bind_rw, NULL, NULL},
    {"net", parse_net, NULL, NULL},
    {"listen", parse_listen, NULL, NULL},
    {"log", parse_log, NULL, NULL},
    {"environment", parse_environment, NULL, NULL},
    {"workdir", parse_workdir, "/", NULL},
};
#define N_SERVICE_KEYS (sizeof(service_keys) / sizeof(service_keys[0]))

static const service_key_t *service_key(const char *name, size_t *idx)
{
	for (size_t i = 0; i < N_SERVICE_KEYS; i++) {
		if (strcmp(service_keys[i].name, name) == 0) {
			*idx = i;
			return &service_keys[i];
		}
	}
	return NULL;
}

void jail_service_free(jail_service_t *svc)
{
	if (svc == NULL)
		return;
	free(svc->name);
	free(svc->file);
	free(svc->jail);
	free(svc->profile);
	jail_strv_clear(&svc->exec);
	free(svc->user);
	free(svc->ready_text);
	free(svc->ready_file);
	free(svc->state_dir);
	free(svc->runtime_dir);
	free(svc->logs_dir);
	jail_strv_clear(&svc->bind_ro);
	jail_strv_clear(&svc->bind_rw);
	listen_free_all(svc);
	jail_strv_clear(&svc->environment);
	free(svc->workdir);
	free(svc);
}

/* ------------------------------------------------------------------------ */
/* Reading the text                                                          */

/* One logical line: S..E trimmed. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* Parse BUF (NUL-terminated, already through jail_ini_check_text) as the
 * service NAME of PATH into SVC (defaults already set). */
static int service_read(const char *buf, const char *path, const char *name, jail_service_t *svc,
			jail_error_t *err)
{
	cleanup_free char *want = jail_strdup_printf("service:%s", name);
	bool seen[N_SERVICE_KEYS] = {false};
	const char *p = buf;
	int lineno = 0, nsec = 0;

	if (want == NULL)
		return jail_error_set(err, ENOMEM, "service");
	while (*p) {
		const char *s = p, *e = p + strcspn(p, "\n"), *eq, *ke, *vs;
		cleanup_free char *key = NULL;
		cleanup_free char *val = NULL;
		const service_key_t *k;
		size_t idx = 0;

		lineno++;
		p = *e ? e + 1 : e;
		trim(&s, &e);
		if (s == e || *s == ';' || *s == '#')
			continue;
		if (e[-1] == '\\')
			return jail_error_fmt(err, EINVAL,
					      "%s: line %d: ends in '\\' (expected no line "
					      "continuation: one key = value per line)",
					      path, lineno);
		if (*s == '[') {
			const char *ns = s + 1, *ne = e - 1;
			if (*ne != ']' || ne <= ns)
				return jail_error_fmt(err, EINVAL,
						      "%s: line %d: syntax error: '%.*s' (expected "
						      "[section], key = value, or a ; comment)",
						      path, lineno, (int)(e - s), s);
			trim(&ns, &ne);
			if ((size_t)(ne - ns) != strlen(want) ||
			    strncmp(ns, want, (size_t)(ne - ns)) != 0)
				return jail_error_fmt(err, EINVAL,
						      "%s: [%.*s]: unexpected section (expected "
						      "only [%s], matching the file name)",
						      path, (int)(ne - ns), ns, want);
			if (++nsec > 1)
				return jail_error_fmt(err, EINVAL,
						      "%s: line %d: [%s] appears twice (expected "
						      "exactly one section)",
						      path, lineno, want);
			continue;
		}
		eq = memchr(s, '=', (size_t)(e - s));
		if (eq == NULL)
			return jail_error_fmt(err, EINVAL,
					      "%s: line %d: syntax error: '%.*s' (expected "
					      "[section], key = value, or a ; comment)",
					      path, lineno, (int)(e - s), s);
		ke = eq;
		vs = eq + 1;
		trim(&s, &ke);
		trim(&vs, &e);
		key = strndup(s, (size_t)(ke - s));
		val = strndup(vs, (size_t)(e - vs));
		if (key == NULL || val == NULL)
			return jail_error_set(err, ENOMEM, "service");
		for (char *c = key; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (nsec == 0)
			return jail_error_fmt(err, EINVAL,
					      "%s: key '%s' is outside any section (expected it "
					      "below [%s])",
					      path, key, want);
		k = service_key(key, &idx);
		if (k == NULL)
			return jail_ini_unknown_key(path, want, key, JAIL_INI_KEYS(service_keys),
						    err);
		for (const char *c = val; *c; c++)
			if (iscntrl((unsigned char)*c))
				return jail_error_fmt(err, EINVAL,
						      "%s: [%s] %s: contains a control character "
						      "(expected printable text)",
						      path, want, key);
		if (val[0] == '\0')
			return jail_error_fmt(err, EINVAL,
					      "%s: [%s] %s: empty value (expected a value, or "
					      "no %s line for the default)",
					      path, want, key, key);
		if (k->parse(svc, val, err) < 0)
			return jail_error_wrap(err, "%s: [%s] %s", path, want, key);
		seen[idx] = true;
	}
	if (nsec == 0)
		return jail_error_fmt(err, EINVAL, "%s: no [%s] section (expected exactly one)",
				      path, want);
	for (size_t i = 0; i < N_SERVICE_KEYS; i++)
		if (service_keys[i].expect && !seen[i])
			return jail_error_fmt(err, EINVAL, "%s: [%s] %s: not set (expected %s)",
					      path, want, service_keys[i].name,
					      service_keys[i].expect);
	return 0;
}

/* BUF has passed jail_ini_check_text. */
static int service_from_text(const char *buf, const char *path, const char *name,
			     jail_service_t **out, jail_error_t *err)
{
	jail_service_t *svc;

	*out = NULL;
	if (!jail_service_valid_name(name))
		return jail_error_fmt(err, EINVAL,
				      "%s: '%s' is not a valid service name (expected "
				      "services.d/NAME.ini, NAME of lower case letters, digits, "
				      "'_', '.' or '-', at most %d characters)",
				      path, name, JAIL_SERVICE_NAME_MAX);
	svc = calloc(1, sizeof(*svc));
	if (svc == NULL)
		return jail_error_set(err, ENOMEM, "service");
	if (jail_config_set_str(&svc->name, name, err) < 0 ||
	    jail_config_set_str(&svc->file, path, err) < 0)
		goto fail;
	for (size_t i = 0; i < N_SERVICE_KEYS; i++) {
		const service_key_t *k = &service_keys[i];
		if (k->dflt && k->parse(svc, k->dflt, err) < 0) {
			jail_error_wrap(err, "default of %s", k->name);
			goto fail;
		}
	}
	if (service_read(buf, path, name, svc, err) < 0)
		goto fail;
	*out = svc;
	return 0;
fail:
	jail_service_free(svc);
	return -1;
}

int jail_service_parse(const char *buf, size_t len, const char *path, const char *name,
		       jail_service_t **out, jail_error_t *err)
{
	cleanup_free char *copy = malloc(len + 1);

	*out = NULL;
	if (copy == NULL)
		return jail_error_set(err, ENOMEM, "service");
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (jail_ini_check_text(copy, len, path, err) < 0)
		return -1;
	return service_from_text(copy, path, name, out, err);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */

/* DIR opened as trusted, and its services.d: the fd, or -1 with *missing
 * set when services.d does not exist. */
static int open_services_d(const char *dir, char **norm, bool *missing, jail_error_t *err)
{
	cleanup_close int confd = jail_config_open_dir(dir, norm, err);

	*missing = false;
	if (confd < 0)
		return -1;
	return jail_config_open_subdir(confd, *norm, JAIL_SERVICES_SUBDIR, missing, err);
}

int jail_service_load(const char *dir, const char *name, jail_service_t **out, jail_error_t *err)
{
	cleanup_free char *norm = NULL;
	cleanup_free char *fname = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *buf = NULL;
	cleanup_close int sdir = -1;
	bool missing = false;

	*out = NULL;
	if (!jail_service_valid_name(name))
		return jail_error_fmt(err, EINVAL,
				      "'%s' is not a valid service name (expected lower case "
				      "letters, digits, '_', '.' or '-', at most %d characters)",
				      name ? name : "", JAIL_SERVICE_NAME_MAX);
	sdir = open_services_d(dir, &norm, &missing, err);
	if (sdir < 0 && !missing)
		return -1;
	if (sdir < 0)
		return jail_error_fmt(err, ENOENT,
				      "service '%s' not found (expected %s/%s/%s.ini; %s/%s does "
				      "not exist)",
				      name, norm, JAIL_SERVICES_SUBDIR, name, norm,
				      JAIL_SERVICES_SUBDIR);
	fname = jail_strdup_printf("%s.ini", name);
	path = jail_strdup_printf("%s/%s/%s.ini", norm, JAIL_SERVICES_SUBDIR, name);
	if (fname == NULL || path == NULL)
		return jail_error_set(err, ENOMEM, "service");
	if (jail_ini_read_at(sdir, fname, path, &buf, NULL, &missing, err) < 0)
		return -1;
	if (missing)
		return jail_error_fmt(err, ENOENT, "service '%s' not found (expected %s)", name,
				      path);
	return service_from_text(buf, path, name, out, err);
}

int jail_service_list(const char *dir, jail_strv_t *names, jail_strv_t *bad, jail_error_t *err)
{
	cleanup_free char *norm = NULL;
	cleanup_close int sdir = -1;
	cleanup_dir DIR *dh = NULL;
	struct dirent *de;
	bool missing = false;

	sdir = open_services_d(dir, &norm, &missing, err);
	if (sdir < 0)
		return missing ? 0 : -1;
	dh = jail_opendir_fd(sdir, NULL, err);
	if (dh == NULL)
		return jail_error_wrap(err, "open %s/%s", norm, JAIL_SERVICES_SUBDIR);
	while ((errno = 0, de = readdir(dh)) != NULL) {
		size_t len = strlen(de->d_name);
		bool ini = len > 4 && strcmp(de->d_name + len - 4, ".ini") == 0;
		cleanup_free char *name = NULL;

		if (de->d_name[0] == '.')
			continue; /* ., .., hidden files and editor swap files */
		if (ini && (name = strndup(de->d_name, len - 4)) == NULL)
			return jail_error_set(err, ENOMEM, "services");
		if (name && jail_service_valid_name(name)) {
			if (jail_strv_push(names, name, err) < 0)
				return -1;
			continue;
		}
		if (bad) {
			cleanup_free char *msg = jail_strdup_printf(
			    "%s/%s/%s: not NAME.ini with a valid service name (NAME: lower case "
			    "letters, digits, '_', '.' or '-', at most %d characters; ignored)",
			    norm, JAIL_SERVICES_SUBDIR, de->d_name, JAIL_SERVICE_NAME_MAX);
			if (msg == NULL || jail_strv_push(bad, msg, err) < 0)
				return jail_error_set(err, ENOMEM, "services");
		}
	}
	if (errno != 0)
		return jail_error_set(err, errno, "read %s/%s", norm, JAIL_SERVICES_SUBDIR);
	jail_strv_sort(names);
	if (bad)
		jail_strv_sort(bad);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Dynamic users                                                             */

int jail_service_dynamic_uid(const char *name, uid_t *out, jail_error_t *err)
{
	const uint32_t range = JAIL_SERVICE_DYNAMIC_MAX - JAIL_SERVICE_DYNAMIC_MIN + 1;
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
	uint32_t start;

	if (!jail_service_valid_name(name))
		return jail_error_fmt(err, EINVAL, "'%s' is not a valid service name",
				      name ? name : "");
	for (const char *c = name; *c; c++) {
		h ^= (unsigned char)*c;
		h *= 16777619u;
	}
	start = h % range;
	for (uint32_t i = 0; i < range; i++) {
		uid_t id = (uid_t)(JAIL_SERVICE_DYNAMIC_MIN + (start + i) % range);
		errno = 0;
		if (getpwuid(id) != NULL || getgrgid((gid_t)id) != NULL)
			continue;
		*out = id;
		return 0;
	}
	return jail_error_fmt(err, EUSERS,
			      "service %s: no free uid for user = dynamic (every number from %d "
			      "to %d is a user or group in the host's databases)",
			      name, JAIL_SERVICE_DYNAMIC_MIN, JAIL_SERVICE_DYNAMIC_MAX);
}
