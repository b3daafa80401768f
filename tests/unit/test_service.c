/* services.d: the parser (every key, its defaults and its bad values, each
 * error naming file, section and key), word splitting, listen, signals,
 * dynamic uids, the trusted loading and listing of files, and the audit of
 * services.d.  Runs as root in a scratch dir under /run (the config dir
 * must be a trusted, root-owned chain). */
#define _GNU_SOURCE
#include "tap.h"
#include "audit/audit.h"
#include "config/service.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define PATH "/etc/jail/services.d/web.ini"
#define SEC  "[service:web]"

static char base[64];
static char conf[128];
static char jail[128];

static const char *full =
    "; a comment\n"
    "# another\n"
    "[service:web]\n"
    "jail          = /srv/jails//base/\n"
    "profile       = web-prof\n"
    "exec          = /usr/sbin/nginx -g \"daemon off;\" 'a b' x\"y z\"w \"\"\n"
    "user          = www-data\n"
    "ready         = tcp:127.0.0.1:8080\n"
    "stop_signal   = SIGQUIT\n"
    "stop_timeout  = 1500ms\n"
    "reload_signal = usr1\n"
    "state_dir     = web\n"
    "runtime_dir   = web.run\n"
    "logs_dir      = Web_logs-1\n"
    "bind_ro       = /etc/nginx, /srv/www:/var/www\n"
    "bind_rw       = /srv/up:/var/up\n"
    "net           = none\n"
    "listen        = tcp:0.0.0.0:80 tcp:[::1]:443 udp:127.0.0.1:53 unix:/run/web.sock\n"
    "log           = relay\n"
    "environment   = LANG=C.UTF-8 'GREETING=hello world' EMPTY= A_1=x=y\n"
    "workdir       = /var/www/\n";

static jail_service_t *parse(const char *text, jail_error_t *err)
{
	jail_service_t *svc = NULL;

	jail_error_clear(err);
	if (jail_service_parse(text, strlen(text), PATH, "web", &svc, err) < 0)
		return NULL;
	return svc;
}

/* The error of TEXT ("" when it parses). */
static const char *parse_err(const char *text)
{
	static jail_error_t err;
	jail_service_t *svc = parse(text, &err);

	if (svc) {
		jail_service_free(svc);
		return "";
	}
	return err.msg;
}

/* The error of a minimal valid file with KEY = VALUE added. */
static const char *key_err(const char *key, const char *value)
{
	static char text[2048];

	snprintf(text, sizeof(text), "[service:web]\n%s%s%s = %s\n",
		 strcmp(key, "jail") ? "jail = /srv/j\n" : "",
		 strcmp(key, "exec") ? "exec = /bin/true\n" : "", key, value);
	return parse_err(text);
}

static void test_full(void)
{
	jail_error_t err = {0};
	cleanup_service jail_service_t *s = parse(full, &err);
	const struct sockaddr_in *in;
	const struct sockaddr_in6 *in6;
	const struct sockaddr_un *un;
	char buf[64];

	if (!ok(s != NULL, "the full example parses"))
		diag("%s", err.msg);
	if (s == NULL)
		return;
	is_str(s->name, "web", "name");
	is_str(s->file, PATH, "file");
	is_str(s->jail, "/srv/jails/base", "jail normalised");
	is_str(s->profile, "web-prof", "profile");
	is_int(s->exec.n, 6, "exec: 6 words");
	is_str(s->exec.v[0], "/usr/sbin/nginx", "exec[0]");
	is_str(s->exec.v[2], "daemon off;", "exec: \"...\" keeps ';' and the blank");
	is_str(s->exec.v[3], "a b", "exec: '...' quotes");
	is_str(s->exec.v[4], "xy zw", "exec: a quoted part inside a word");
	is_str(s->exec.v[5], "", "exec: \"\" is an empty word");
	ok(s->exec.v[6] == NULL, "exec is NULL-terminated");
	is_str(s->user, "www-data", "user");
	ok(!s->dynamic_user, "not dynamic");
	is_int(s->ready, JAIL_READY_TCP, "ready tcp");
	is_str(s->ready_text, "tcp:127.0.0.1:8080", "ready_text");
	in = (const struct sockaddr_in *)&s->ready_addr;
	is_int(in->sin_family, AF_INET, "ready_addr AF_INET");
	is_int(ntohs(in->sin_port), 8080, "ready port");
	is_int(s->ready_addrlen, sizeof(struct sockaddr_in), "ready_addrlen");
	is_int(s->stop_signal, SIGQUIT, "stop_signal SIGQUIT");
	is_int(s->stop_timeout_ms, 1500, "stop_timeout 1500ms");
	is_int(s->reload_signal, SIGUSR1, "reload_signal usr1");
	is_str(s->state_dir, "web", "state_dir");
	is_str(s->runtime_dir, "web.run", "runtime_dir");
	is_str(s->logs_dir, "Web_logs-1", "logs_dir");
	is_int(s->bind_ro.n, 2, "bind_ro: 2");
	is_str(s->bind_ro.v[0], "/etc/nginx:/etc/nginx", "bind_ro host=jail");
	is_str(s->bind_ro.v[1], "/srv/www:/var/www", "bind_ro host:jail");
	is_str(s->bind_rw.v[0], "/srv/up:/var/up", "bind_rw");
	is_int(s->net, JAIL_SERVICE_NET_NONE, "net none");
	is_int(s->n_listen, 4, "4 listen sockets");
	is_str(s->listen[0].text, "tcp:0.0.0.0:80", "listen[0] text");
	is_int(s->listen[0].type, SOCK_STREAM, "tcp is a stream");
	in6 = (const struct sockaddr_in6 *)&s->listen[1].addr;
	is_int(in6->sin6_family, AF_INET6, "listen[1] v6");
	inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
	is_str(buf, "::1", "listen[1] ::1");
	is_int(ntohs(in6->sin6_port), 443, "listen[1] port");
	is_int(s->listen[2].type, SOCK_DGRAM, "udp is a datagram socket");
	un = (const struct sockaddr_un *)&s->listen[3].addr;
	is_int(un->sun_family, AF_UNIX, "listen[3] unix");
	is_str(un->sun_path, "/run/web.sock", "listen[3] path");
	is_int(s->log, JAIL_SERVICE_LOG_RELAY, "log relay");
	is_int(s->environment.n, 4, "4 variables");
	is_str(s->environment.v[1], "GREETING=hello world", "quoted variable");
	is_str(s->environment.v[2], "EMPTY=", "empty value");
	is_str(s->environment.v[3], "A_1=x=y", "'=' in a value");
	is_str(s->workdir, "/var/www", "workdir normalised");
}

static void test_defaults(void)
{
	jail_error_t err = {0};
	cleanup_service jail_service_t *s =
	    parse("[service:web]\njail = /srv/j\nexec = /bin/sleep 1\n", &err);

	if (!ok(s != NULL, "a minimal file parses"))
		return;
	is_str(s->profile, "service", "default profile service");
	ok(s->user == NULL && !s->dynamic_user, "default user root (NULL)");
	is_int(s->ready, JAIL_READY_EXEC, "default ready exec");
	is_str(s->ready_text, "exec", "default ready text");
	is_int(s->stop_signal, SIGTERM, "default stop TERM");
	is_int(s->stop_timeout_ms, 10000, "default 10s");
	is_int(s->reload_signal, SIGHUP, "default reload HUP");
	is_str(s->workdir, "/", "default workdir /");
	is_int(s->net, JAIL_SERVICE_NET_PROFILE, "default net: the profile's");
	is_int(s->log, JAIL_SERVICE_LOG_STDOUT, "default log stdout");
	ok(s->state_dir == NULL && s->runtime_dir == NULL && s->logs_dir == NULL,
	   "no dirs by default");
	ok(s->n_listen == 0 && s->environment.n == 0 && s->bind_ro.n == 0, "no lists by default");

	jail_service_free(steal_pointer(&s));
	s = parse("[service:web]\njail=/j\nexec=/x\nuser=dynamic\nready=notify\n"
		  "stop_timeout=2min\nnet=host\n",
		  &err);
	ok(s && s->dynamic_user && s->user == NULL, "user = dynamic");
	ok(s && s->ready == JAIL_READY_NOTIFY, "ready notify");
	ok(s && s->stop_timeout_ms == 120000, "2min");
	ok(s && s->net == JAIL_SERVICE_NET_HOST, "net host");
	jail_service_free(steal_pointer(&s));
	s = parse("[service:web]\njail=/j\nexec=/x\nnet=private\n", &err);
	ok(s && s->net == JAIL_SERVICE_NET_PRIVATE, "net private");
	jail_service_free(steal_pointer(&s));
	s = parse("[service:web]\njail=/j\nexec=/x\nready=file:/run/web//ready\nstop_timeout=3\n",
		  &err);
	ok(s && s->ready == JAIL_READY_FILE && strcmp(s->ready_file, "/run/web/ready") == 0,
	   "ready file, normalised");
	ok(s && s->stop_timeout_ms == 3000, "a bare number is seconds");
}

/* Every bad value names the file, the section, the key and what was
 * expected (EXPECT). */
static void test_bad_values(void)
{
	static const struct {
		const char *key, *value, *expect;
	} bad[] = {
	    {"jail", "srv/j", "absolute path"},
	    {"jail", "/srv/../etc", ".."},
	    {"jail", "/", "below /"},
	    {"jail", "/a:b", "without ':'"},
	    {"profile", "Bad", "profile name"},
	    {"profile", "../x", "profile name"},
	    {"exec", "bin/true", "absolute path"},
	    {"exec", "/bin/echo \"unterminated", "unterminated \" quote"},
	    {"exec", "/bin/echo 'x", "unterminated ' quote"},
	    {"exec", "\"\"", "absolute path"},
	    {"user", "Root", "user name"},
	    {"user", "a b", "user name"},
	    {"ready", "socket", "expected exec, notify"},
	    {"ready", "tcp:localhost:80", "numeric IPv4"},
	    {"ready", "tcp:127.0.0.1:0", "PORT 1 to 65535"},
	    {"ready", "tcp:127.0.0.1:65536", "PORT 1 to 65535"},
	    {"ready", "tcp:[::1:80", "HOST:PORT"},
	    {"ready", "file:relative", "absolute path"},
	    {"stop_signal", "TERMINATE", "signal name"},
	    {"stop_signal", "15", "signal name"},
	    {"reload_signal", "SIG", "signal name"},
	    {"stop_timeout", "0", "more than 0"},
	    {"stop_timeout", "61min", "at most 1h"},
	    {"stop_timeout", "3601s", "at most 1h"},
	    {"stop_timeout", "10h", "Nmin"},
	    {"stop_timeout", "-1", "N, Ns"},
	    {"stop_timeout", "99999999999999999999", "timeout"},
	    {"state_dir", "a/b", "one path"},
	    {"state_dir", "..", "one path"},
	    {"runtime_dir", ".hidden", "one path"},
	    {"logs_dir", "x1234567890123456789012345678901234567890123456789012345678901234",
	     "at most 64"},
	    {"bind_ro", "relative", "absolute"},
	    {"bind_ro", "/srv/x:/proc/x", "/proc"},
	    {"bind_rw", "/srv/x:/", "jail path"},
	    {"net", "bridge", "none, host or private"},
	    {"listen", "tcp:1.2.3.4", "HOST:PORT"},
	    {"listen", "tcp:host:80", "numeric IPv4"},
	    {"listen", "sctp:1.2.3.4:9", "tcp:HOST:PORT, udp:HOST:PORT or unix:"},
	    {"listen", "unix:run/x", "absolute path"},
	    {"listen", "tcp:127.0.0.1:80 tcp:127.0.0.1:80", "listed twice"},
	    {"log", "syslog", "stdout or relay"},
	    {"environment", "NOEQUALS", "KEY=VALUE"},
	    {"environment", "1A=x", "KEY=VALUE"},
	    {"environment", "A-B=x", "KEY=VALUE"},
	    {"environment", "LISTEN_FDS=3", "sets LISTEN_FDS"},
	    {"environment", "NOTIFY_SOCKET=/x", "notify relay"},
	    {"environment", "LD_PRELOAD=/x.so", "ld.so"},
	    {"environment", "LD_LIBRARY_PATH=/x", "ld.so"},
	    {"environment", "A=1 A=2", "set twice"},
	    {"environment", "'A=1", "unterminated"},
	    {"workdir", "var/www", "absolute path"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *msg = key_err(bad[i].key, bad[i].value);
		char want[128];

		snprintf(want, sizeof(want), PATH ": " SEC " %s: ", bad[i].key);
		if (!ok(strstr(msg, want) == msg && strstr(msg, bad[i].expect),
			"%s = %s: refused naming file, section, key and '%s'", bad[i].key,
			bad[i].value, bad[i].expect))
			diag("  got '%s'", msg);
	}
	like(key_err("environment", "LISTEN_FDS=3"), "LISTEN_FDS may not be set here",
	     "the refused variable is named");
}

static void test_structure(void)
{
	const char *m;
	char big[200];

	m = key_err("colour", "blue");
	like(m, PATH ": " SEC " colour: unknown key (expected one of: jail, profile, exec, user,",
	     "unknown key: file, section, key and the known keys");
	like(m, "environment, workdir)", "the list ends with the last key");
	like(parse_err("[service:www]\njail=/j\nexec=/x\n"),
	     PATH ": [service:www]: unexpected section (expected only [service:web]",
	     "a section not matching the file name");
	like(parse_err("[service:web]\njail=/j\nexec=/x\n[other]\nx=1\n"), "[other]: unexpected",
	     "a second, other section");
	like(parse_err("[service:web]\njail=/j\n[service:web]\nexec=/x\n"), "appears twice",
	     "the section twice");
	like(parse_err("[service:web]\njail=/j\njail=/k\nexec=/x\n"), "jail is set twice",
	     "a key twice");
	like(parse_err("; nothing\n"), "no [service:web] section", "no section");
	like(parse_err("jail=/j\n[service:web]\n"), "outside any section",
	     "a key before the section");
	like(parse_err("[service:web]\nexec=/x\n"), SEC " jail: not set (expected", "jail missing");
	like(parse_err("[service:web]\njail=/j\n"), SEC " exec: not set (expected", "exec missing");
	like(parse_err("[service:web]\njail=/j\nexec=/x\njust words\n"), "line 4: syntax error",
	     "a line without '='");
	like(parse_err("[service:web\n"), "line 1: syntax error", "an unclosed section");
	like(parse_err("[service:web]\njail=/j\nexec=/x \\\n"), "line continuation",
	     "a continuation line");
	like(key_err("exec", "/bin/echo\ta"), SEC " exec: contains a control character",
	     "a control character");
	like(key_err("workdir", ""), SEC " workdir: empty value", "an empty value");
	{
		jail_service_t *s = NULL;
		jail_error_t err = {0};
		const char t[] = "[service:web]\njail=/j\nexec=/x\0";
		ok(jail_service_parse(t, sizeof(t) - 1, PATH, "web", &s, &err) < 0 &&
		       strstr(err.msg, "NUL"),
		   "jail_service_parse refuses a NUL inside LEN");
	}
	ok(parse_err("[service:web]\r\njail = /j\r\nexec = /x\r\n")[0] == '\0',
	   "CRLF line ends are accepted");
	ok(parse_err("[service:web]\nJAIL = /j\nExec = /x\n")[0] == '\0',
	   "keys fold case, as iniparser's");
	snprintf(big, sizeof(big), "unix:/%0120d", 0);
	like(key_err("listen", big), "too long for a unix socket", "a unix path too long");
	{
		jail_service_t *s = NULL;
		jail_error_t err = {0};
		ok(jail_service_parse("", 0, PATH, "Web", &s, &err) < 0 &&
		       strstr(err.msg, "not a valid service name"),
		   "a bad NAME is refused");
	}
}

static void test_names_signals(void)
{
	ok(jail_service_valid_name("web"), "web is a name");
	ok(jail_service_valid_name("0x.a_b-c"), "digits, '.', '_', '-'");
	ok(!jail_service_valid_name("Web"), "no upper case");
	ok(!jail_service_valid_name(".web"), "no leading dot");
	ok(!jail_service_valid_name("-web"), "no leading dash");
	ok(!jail_service_valid_name("a.ini"), "not ending in .ini");
	ok(!jail_service_valid_name("a/b"), "no slash");
	ok(!jail_service_valid_name(""), "not empty");
	ok(jail_service_valid_name(
	       "a123456789012345678901234567890123456789012345678901234567890123"),
	   "64 characters");
	ok(!jail_service_valid_name(
	       "a1234567890123456789012345678901234567890123456789012345678901234"),
	   "not 65");
	is_int(jail_signal_from_name("TERM"), SIGTERM, "TERM");
	is_int(jail_signal_from_name("SIGTERM"), SIGTERM, "SIGTERM");
	is_int(jail_signal_from_name("hup"), SIGHUP, "hup");
	is_int(jail_signal_from_name("SIGKILL"), SIGKILL, "SIGKILL");
	is_int(jail_signal_from_name("WINCH"), SIGWINCH, "WINCH");
	is_int(jail_signal_from_name("NOPE"), -1, "unknown name");
	is_int(jail_signal_from_name("9"), -1, "numbers are not names");
	is_str(jail_signal_name(SIGTERM), "TERM", "name of SIGTERM");
	is_str(jail_signal_name(SIGUSR2), "USR2", "name of SIGUSR2");
	ok(jail_signal_name(1000) == NULL, "no name for 1000");
}

static void test_listen(void)
{
	jail_listen_t l;
	jail_error_t err = {0};
	const struct sockaddr_in *in = (const struct sockaddr_in *)&l.addr;

	ok(jail_listen_parse("tcp:127.0.0.1:8080", &l, &err) == 0 && l.type == SOCK_STREAM &&
	       in->sin_family == AF_INET && ntohs(in->sin_port) == 8080 &&
	       in->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && l.addrlen == sizeof(*in),
	   "tcp v4");
	jail_listen_clear(&l);
	ok(l.text == NULL, "clear frees the text");
	ok(jail_listen_parse("tcp:[::]:80", &l, &err) == 0 && l.addr.ss_family == AF_INET6 &&
	       l.addrlen == sizeof(struct sockaddr_in6),
	   "tcp v6 [::]");
	jail_listen_clear(&l);
	ok(jail_listen_parse("udp:0.0.0.0:53", &l, &err) == 0 && l.type == SOCK_DGRAM, "udp");
	is_str(l.text, "udp:0.0.0.0:53", "text as written");
	jail_listen_clear(&l);
	ok(jail_listen_parse("unix:/run/x.sock", &l, &err) == 0 && l.addr.ss_family == AF_UNIX &&
	       l.addrlen == offsetof(struct sockaddr_un, sun_path) + strlen("/run/x.sock") + 1,
	   "unix with its length");
	jail_listen_clear(&l);
	ok(jail_listen_parse("tcp:[::1]80", &l, &err) < 0, "v6 without ':' refused");
	ok(jail_listen_parse("tcp:1.2.3.4:+80", &l, &err) < 0, "a signed port refused");
	ok(jail_listen_parse("tcp:1.2.3:80", &l, &err) < 0, "a short v4 refused");
	ok(jail_listen_parse("tcp::80", &l, &err) < 0, "no host refused");
	ok(jail_listen_parse("tcp:[fe80::1%eth0]:80", &l, &err) < 0, "scope ids refused");
	ok(jail_listen_parse("unix:@abstract", &l, &err) < 0, "abstract sockets refused");
	like(err.msg, "'unix:@abstract'", "the message names the word");
	ok(l.text == NULL, "nothing left on failure");
}

static void test_dynamic(void)
{
	uid_t a = 0, b = 0, c = 0;
	jail_error_t err = {0};

	ok(jail_service_dynamic_uid("web", &a, &err) == 0, "dynamic uid of web");
	ok(a >= JAIL_SERVICE_DYNAMIC_MIN && a <= JAIL_SERVICE_DYNAMIC_MAX, "in range (%u)",
	   (unsigned)a);
	ok(jail_service_dynamic_uid("web", &b, &err) == 0 && a == b, "stable");
	ok(jail_service_dynamic_uid("db", &c, &err) == 0 && c != a, "another name, another uid");
	ok(getpwuid(a) == NULL && getgrgid(a) == NULL, "not taken on the host");
	ok(jail_service_dynamic_uid("Bad", &c, &err) < 0, "a bad name refused");
}

/* ---- files: the trusted loader, the list, the audit ---- */

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", conf, rel);
	unlink(p);
	f = fopen(p, "w");
	if (f == NULL) {
		printf("Bail out! cannot write %s\n", p);
		exit(255);
	}
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static void mkdir_at(const char *p)
{
	if (mkdir(p, 0755) < 0 || chmod(p, 0755) < 0) {
		printf("Bail out! mkdir %s: %s\n", p, strerror(errno));
		exit(255);
	}
}

static const char *load_err(const char *name)
{
	static jail_error_t err;
	jail_service_t *s = NULL;

	jail_error_clear(&err);
	if (jail_service_load(conf, name, &s, &err) == 0) {
		jail_service_free(s);
		return "";
	}
	return err.msg;
}

static void test_files(void)
{
	char p[512], text[512];
	cleanup_strv jail_strv_t names = {0};
	cleanup_strv jail_strv_t bad = {0};
	jail_error_t err = {0};
	cleanup_service jail_service_t *s = NULL;

	ok(jail_service_list(conf, &names, &bad, &err) == 0 && names.n == 0 && bad.n == 0,
	   "no services.d: an empty list");
	like(load_err("web"), "services.d does not exist", "no services.d: load says so");
	snprintf(p, sizeof(p), "%s/services.d", conf);
	mkdir_at(p);
	snprintf(text, sizeof(text), "[service:web]\njail = %s\nexec = /bin/true\n", jail);
	put("services.d/web.ini", text, 0644);
	ok(jail_service_load(conf, "web", &s, &err) == 0, "web loads");
	if (s)
		ok(strstr(s->file, "/services.d/web.ini") != NULL, "file is the path");
	jail_service_free(steal_pointer(&s));
	ok(jail_service_load(conf, "nope", &s, &err) < 0 && jail_error_is(&err, ENOENT) &&
	       strstr(err.msg, "services.d/nope.ini"),
	   "a missing service is ENOENT naming the path");
	ok(jail_service_load(conf, "../x", &s, &err) < 0 && strstr(err.msg, "valid service name"),
	   "a bad name is refused before any path is made");
	put("services.d/web.ini", text, 0664);
	like(load_err("web"), "writable by its group", "a group-writable file is refused");
	put("services.d/web.ini", text, 0644);
	snprintf(p, sizeof(p), "%s/services.d/link.ini", conf);
	unlink(p);
	if (symlink("web.ini", p) < 0)
		diag("symlink: %s", strerror(errno));
	like(load_err("link"), "is a symlink", "a symlinked file is refused");
	unlink(p);
	put("services.d/db.ini", "[service:web]\njail=/j\nexec=/x\n", 0644);
	like(load_err("db"), "services.d/db.ini: [service:web]: unexpected section",
	     "a file holding another service's section");
	put("services.d/Bad.ini", "", 0644);
	put("services.d/notes.txt", "", 0644);
	put("services.d/.web.ini.swp", "", 0644);
	ok(jail_service_list(conf, &names, &bad, &err) == 0, "list");
	ok(names.n == 2 && strcmp(names.v[0], "db") == 0 && strcmp(names.v[1], "web") == 0,
	   "names sorted, bad ones left out");
	ok(bad.n == 2 && strstr(bad.v[0], "Bad.ini") && strstr(bad.v[1], "notes.txt"),
	   "bad file names described, hidden files skipped");
	snprintf(p, sizeof(p), "%s/services.d/Bad.ini", conf);
	unlink(p);
	snprintf(p, sizeof(p), "%s/services.d/notes.txt", conf);
	unlink(p);
	snprintf(p, sizeof(p), "%s/services.d", conf);
	chmod(p, 0775);
	jail_strv_clear(&names);
	ok(jail_service_list(conf, &names, NULL, &err) < 0 && strstr(err.msg, "services.d"),
	   "a group-writable services.d is refused");
	chmod(p, 0755);
}

static char *findings_text(const jail_findings_t *f)
{
	jail_buf_t b = {0};

	for (size_t i = 0; i < f->n; i++) {
		jail_buf_str(&b, jail_severity_name(f->v[i].severity));
		jail_buf_str(&b, ": ");
		jail_buf_str(&b, f->v[i].path);
		jail_buf_str(&b, ": ");
		jail_buf_str(&b, f->v[i].problem);
		jail_buf_str(&b, "\n");
	}
	return jail_buf_finish(&b, "findings", NULL);
}

static size_t count_sev(const jail_findings_t *f, jail_severity_t sev)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].severity == sev;
	return n;
}

static void test_audit(void)
{
	jail_findings_t f = {0};
	jail_error_t err = {0};
	cleanup_free char *t = NULL;
	char text[512];

	mkdir_at(jail);
	snprintf(text, sizeof(text), "%s/profiles", conf);
	mkdir_at(text);
	put("profiles/service.ini", "[profile]\ncgroup = required\n", 0644);
	put("profiles/login.ini", "[profile]\ncommands = sftp-server\n", 0644);
	put("profiles/loose.ini", "[profile]\ncgroup = off\nseccomp = off\n", 0644);
	snprintf(text, sizeof(text), "[service:web]\njail = %s\nexec = /bin/true\n", jail);
	put("services.d/web.ini", text, 0644);
	put("services.d/db.ini",
	    "[service:db]\njail = /nonexistent/jail\nexec = /x\n"
	    "user = no-such-user-x\n",
	    0644);
	snprintf(text, sizeof(text),
		 "[service:sftp]\njail = %s\nexec = /x\nprofile = login\nuser = dynamic\n", jail);
	put("services.d/sftp.ini", text, 0644);
	snprintf(text, sizeof(text), "[service:loose]\njail = %s\nexec = /x\nprofile = loose\n",
		 jail);
	put("services.d/loose.ini", text, 0644);
	put("services.d/broken.ini", "[service:broken]\nexec = /x\n", 0644);
	put("services.d/gone.ini", "[service:gone]\njail=/j\nexec=/x\nprofile = absent\n", 0644);
	put("services.d/README", "", 0644);

	ok(jail_audit_services(conf, &f, &err) == 0, "the audit runs");
	t = findings_text(&f);
	diag("%s", t ? t : "");
	like(t, "critical: ", "there are critical findings");
	like(t, "broken.ini: service broken does not load", "a file that does not load");
	like(t, "jail: not set", "with the parser's message");
	like(t, "service db: its jail cannot be used", "a missing jail");
	like(t, "service db: user no-such-user-x does not exist on the host", "an unknown user");
	like(t, "service sftp: profile login restricts commands", "a login profile");
	like(t, "service gone: profile absent does not load", "a missing profile");
	like(t, "service loose: profile loose has cgroup = off", "cgroup off: a warning");
	like(t, "service loose: profile loose has seccomp = off", "seccomp off: a warning");
	like(t, "README: not NAME.ini", "a stray file");
	ok(strstr(t, "service web") == NULL, "the good service has no finding");
	is_int(count_sev(&f, JAIL_SEV_WARNING), 3, "3 warnings (cgroup, seccomp, README)");
	jail_findings_clear(&f);

	/* jail_audit_run shows them too (what jailctl check prints). */
	{
		jail_audit_opts_t o = {.config_dir = conf, .pam_dir = "/nonexistent"};
		cleanup_free char *t2 = NULL;
		ok(jail_audit_run(&o, &f, &err) == 0, "the whole audit runs");
		t2 = findings_text(&f);
		like(t2, "service db: user no-such-user-x", "jail_audit_run includes services.d");
		jail_findings_clear(&f);
	}
}

static void cleanup(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (base[0] && system(cmd) != 0)
		diag("cannot remove %s", base);
}

int main(void)
{
	test_full();
	test_defaults();
	test_bad_values();
	test_structure();
	test_names_signals();
	test_listen();
	test_dynamic();
	if (geteuid() != 0) {
		ok(0, "the file tests need root (config files must be root-owned)");
		return done_testing();
	}
	snprintf(base, sizeof(base), "/run/jail-svc-XXXXXX");
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create a scratch dir under /run\n");
		return 255;
	}
	snprintf(conf, sizeof(conf), "%s/conf", base);
	snprintf(jail, sizeof(jail), "%s/jail", base);
	mkdir_at(conf);
	test_files();
	test_audit();
	cleanup();
	return done_testing();
}
