/* jailctl run, the part that runs: a sandbox of its own (confine/sandbox.h,
 * with jailctl as its caller and die_with_caller), the command forked into
 * it, and jailctl supervising it from outside its pid namespace.
 *
 * The supervisor is one poll loop over a signalfd, the service's notify
 * socket and the command's exec pipe:
 *   - TERM and INT stop it: the service's stop_signal (TERM for an ad-hoc
 *     command) is sent, and when it still runs stop_timeout later the init
 *     is killed, which takes every process of the pid namespace with it;
 *     HUP sends the reload_signal; USR1 and USR2 are forwarded;
 *   - readiness (services): READY=1 on the notify socket (ready = notify),
 *     the exec itself (exec), a TCP connect from inside (tcp:) or a file
 *     that appears in the jail (file:), probed at growing intervals
 *     (5 ms to 100 ms); once ready, jailctl says READY=1 to its own
 *     supervisor ($NOTIFY_SOCKET, systemd's Type=notify) as the main pid;
 *   - the service's own sd_notify messages are filtered
 *     (confine/notify.h: READY, RELOADING, STOPPING, STATUS, WATCHDOG,
 *     EXTEND_TIMEOUT_USEC, never MAINPID or fds) and relayed upward;
 *   - the command's exit ends the run: the sandbox is torn down (init
 *     killed, record removed, cgroup removed) and its status is jailctl's.
 * If jailctl itself dies, the init dies with it (PR_SET_PDEATHSIG) and so
 * does everything in the sandbox; `jailctl gc` removes the record. */
#define _GNU_SOURCE
#include "base/logfields.h"
#include "confine/listen.h"
#include "confine/logrelay.h"
#include "confine/mounts.h"
#include "confine/notify.h"
#include "confine/sandbox.h"
#include "confine/seccomp.h"
#include "confine/self.h"
#include "jailctl.h"
#include "run.h"
#include "session/registry.h"
#include "session/service-dirs.h"
#include "session/session.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define RUN_PATH       "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define PROBE_FIRST_MS 5
#define PROBE_MAX_MS   100
#define RUN_ENV_MAX    (16 + 256) /* ours, then the service's environment */

static const int handled[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};

typedef struct runner {
	run_plan_t *plan;
	const char *what; /* "service web" or the command's name, for messages */
	jail_sandbox_t sb;
	jail_strv_t warnings;
	jail_strv_t rw; /* jail-side paths Landlock leaves writable */
	char id[JAIL_SESSION_ID_LEN + 1];
	int regfd;
	bool record_written;
	int notify_fd; /* the service's NOTIFY_SOCKET, inside (-1: none) */
	pid_t pid;     /* the command, as the host sees it */
	bool exec_done, ready, stopping;
	int64_t deadline; /* when a stop turns into a kill (0: none) */
	int64_t probe_at; /* next readiness probe (0: none) */
	int probe_ms;
} runner_t;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void run_log(const run_plan_t *plan, const char *name, const char *id, int prio, const char *token,
	     const char *detail, int status, const char *fmt, ...)
{
	jail_logfields_t f;
	char text[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	jail_logfields_init(&f);
	jail_logfields_add(&f, "session", id && id[0] ? id : NULL);
	jail_logfields_add(&f, "user", plan ? plan->user : NULL);
	jail_logfields_add(&f, "jail", plan ? plan->jail : NULL);
	jail_logfields_add(&f, "profile", plan && plan->prof ? plan->prof->name : NULL);
	jail_logfields_add(&f, "remote", NULL);
	jail_logfields_add(&f, "service", plan && plan->svc ? plan->svc->name : name);
	if (token) {
		jail_logfields_add(&f, "reason", token);
		jail_logfields_add(&f, "detail", detail);
	}
	if (status >= 0)
		jail_logfields_add_int(&f, "status", status);
	/* openlog(LOG_NDELAY) before the sandbox: the socket is the host's
	 * /dev/log even where the sandbox's mount namespace is ours now. */
	openlog("jailctl", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	syslog(prio, "%s%s", text, jail_logfields_str(&f));
}

static void say_up(runner_t *r, const char *msg)
{
	jail_error_t e2 = {0};

	if (r->plan->notify_up > 0 &&
	    jail_notify_send(r->plan->notify_up, msg, strlen(msg), &e2) < 0)
		jailctl_warn("run", "%s: notify the supervisor: %s", r->what, e2.msg);
}

/* The sandbox's step 6: the service's directories and notify socket, its
 * /dev/log, and the run's record in the registry. */
static int before_pivot(void *arg, int root_fd, const jail_ns_saved_t *host, jail_error_t *err)
{
	runner_t *r = arg;
	const run_plan_t *pl = r->plan;
	jail_session_record_t rec;

	(void)host;
	if (pl->svc) {
		if (jail_service_dirs_mount(pl->svc, pl->cfg->state_root, pl->cfg->logs_root,
					    pl->uid, pl->gid, root_fd, &r->warnings, err) < 0)
			return jail_error_wrap(err, "service %s", pl->svc->name);
		r->notify_fd = jail_notify_bind(root_fd, pl->uid, pl->gid, err);
		if (r->notify_fd < 0)
			return jail_error_wrap(err, "service %s: notify socket", pl->svc->name);
		/* log = relay: /dev/log is the session's relay (logrelay.h). */
		if (pl->svc->log == JAIL_SERVICE_LOG_RELAY) {
			cleanup_close int dev =
			    openat(root_fd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (dev < 0 || symlinkat(JAIL_LOGRELAY_PATH, dev, "log") < 0)
				return jail_error_set(err, errno, "service %s: /dev/log",
						      pl->svc->name);
		}
	}
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, r->id, sizeof(rec.id));
	rec.user = (char *)pl->user;
	rec.uid = pl->uid;
	rec.jail = (char *)pl->jail;
	rec.profile = pl->prof->name;
	rec.service = pl->svc ? pl->svc->name : NULL;
	if (jail_registry_write_sandbox(r->regfd, &rec, &r->sb, err) < 0)
		return -1;
	r->record_written = true;
	return 0;
}

/* KEY=VALUE into ENV (at most RUN_ENV_MAX entries), cut at 4 KiB. */
static void env_add(char **envp, size_t *n, char *buf, size_t size, const char *fmt, ...)
    JAIL_PRINTF(5, 6);
static void env_add(char **envp, size_t *n, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (*n + 1 >= RUN_ENV_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	envp[(*n)++] = buf;
	envp[*n] = NULL;
}

/* The command's process, inside the sandbox (pid 2 of its pid namespace):
 * become the user, confine itself, exec.  EXEC_FD (close-on-exec) gets
 * errno when the exec fails.  Never returns. */
static __attribute__((noreturn)) void child(runner_t *r, const sigset_t *old, int lifeline,
					    int exec_fd)
{
	const run_plan_t *pl = r->plan;
	const jail_sandbox_spec_t *spec = &pl->prof->spec;
	jail_self_t self = {
	    .apparmor = spec->apparmor,
	    .apparmor_profile = spec->apparmor_profile,
	    .landlock = spec->landlock,
	    .bind_rw = &r->rw,
	    .seccomp = spec->seccomp,
	    .seccomp_allow = &spec->seccomp_allow,
	    .seccomp_deny = &spec->seccomp_deny,
	    .seccomp_blob = JAIL_SECCOMP_BLOB_PATH,
	};
	static char bufs[16][4200];
	char *envp[RUN_ENV_MAX + 1] = {NULL};
	jail_self_result_t res;
	jail_error_t err = {0};
	const char *term = getenv("TERM"), *wd_usec = getenv("WATCHDOG_USEC");
	size_t n = 0, b = 0;
	int e;

	if (pl->uid != 0 && jail_become_user(pl->uid, pl->gid, pl->groups, pl->ngroups, &err) < 0) {
		jailctl_msg("run", "%s: %s", r->what, err.msg);
		_exit(126);
	}
	/* Dies with jailctl, like the init: set after the change of user
	 * (which clears it); a jailctl already gone closed LIFELINE's write
	 * end. */
	{
		struct pollfd hup = {.fd = lifeline, .events = 0};

		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
		    (poll(&hup, 1, 0) == 1 && (hup.revents & POLLHUP)))
			_exit(126);
		close(lifeline);
	}
	if (chdir(pl->workdir) < 0) {
		jailctl_msg("run", "%s: workdir %s: %s", r->what, pl->workdir, strerror(errno));
		_exit(126);
	}
	if (jail_self_confine(&self, &res, &err) < 0) {
		jailctl_msg("run", "%s: profile %s: %s; refusing", r->what, pl->prof->name,
			    err.msg);
		_exit(126);
	}
	env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "USER=%s", pl->user);
	env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "LOGNAME=%s", pl->user);
	env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "HOME=/");
	env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "PATH=" RUN_PATH);
	env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "TERM=%s",
		term && strlen(term) < 64 ? term : "dumb");
	if (r->notify_fd >= 0)
		env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "NOTIFY_SOCKET=%s", JAIL_NOTIFY_PATH);
	/* systemd's watchdog, for the service's own pid */
	if (wd_usec && strlen(wd_usec) < 24 && pl->notify_up > 0) {
		env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "WATCHDOG_USEC=%s", wd_usec);
		env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "WATCHDOG_PID=%ld", (long)getpid());
	}
	if (pl->n_listen > 0) {
		char *names = bufs[b++];
		size_t off = 0;

		for (size_t i = 0; i < pl->n_listen && off < 4000; i++)
			off += (size_t)snprintf(names + off, 4000 - off, "%s%s", i ? ":" : "",
						pl->listen_names[i]);
		env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "LISTEN_FDNAMES=%s", names);
		env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "LISTEN_FDS=%zu", pl->n_listen);
		/* the service's pid as it sees it, in its pid namespace */
		env_add(envp, &n, bufs[b++], sizeof(bufs[0]), "LISTEN_PID=%ld", (long)getpid());
	}
	for (size_t i = 0; pl->env && i < pl->env->n && n + 1 < RUN_ENV_MAX; i++) {
		envp[n++] = pl->env->v[i];
		envp[n] = NULL;
	}
	if (jail_listen_fds_install(pl->listen_fds, pl->n_listen) < 0) {
		jailctl_msg("run", "%s: LISTEN_FDS: %s", r->what, strerror(errno));
		_exit(126);
	}
	/* Nothing else of jailctl's crosses the exec. */
	syscall(SYS_close_range, 3 + (unsigned)pl->n_listen, ~0U, CLOSE_RANGE_CLOEXEC);
	sigprocmask(SIG_SETMASK, old, NULL);
	execvpe(pl->argv[0], pl->argv, envp);
	e = errno; /* before the message, which may change it */
	jailctl_msg("run", "%s: exec %s in %s: %s", r->what, pl->argv[0], pl->jail, strerror(e));
	if (write(exec_fd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(e == ENOENT ? 127 : 126);
}

static void became_ready(runner_t *r)
{
	const jail_service_t *svc = r->plan->svc;

	r->ready = true;
	r->probe_at = 0;
	if (svc == NULL)
		return;
	say_up(r, "READY=1");
	jailctl_msg("run", "%s: ready (ready = %s)", r->what, svc->ready_text);
}

/* One readiness probe of a tcp: or file: service. */
static void probe(runner_t *r)
{
	const jail_service_t *svc = r->plan->svc;
	int ok = 0;

	if (svc->ready == JAIL_READY_TCP)
		ok = jail_ready_tcp((const struct sockaddr *)&svc->ready_addr, svc->ready_addrlen);
	else if (svc->ready == JAIL_READY_FILE)
		ok = jail_ready_file(svc->ready_file);
	if (ok == 1) {
		became_ready(r);
		return;
	}
	r->probe_ms = r->probe_ms * 2 > PROBE_MAX_MS ? PROBE_MAX_MS : r->probe_ms * 2;
	r->probe_at = now_ms() + r->probe_ms;
}

/* OUT (LEN bytes, lines joined by '\n') without the line LINE. */
static size_t drop_line(char *out, size_t len, const char *line)
{
	size_t ll = strlen(line), i = 0;

	while (i < len) {
		char *nl = memchr(out + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - out) : len;

		if (end - i == ll && memcmp(out + i, line, ll) == 0) {
			size_t cut = nl ? end + 1 - i : end - i;

			if (!nl && i > 0) /* the last line: its separator goes too */
				i--, cut++;
			memmove(out + i, out + i + cut, len - i - cut);
			len -= cut;
			continue;
		}
		i = end + 1;
	}
	return len;
}

/* A datagram on the service's notify socket. */
static void relay_notify(runner_t *r)
{
	char in[4096], out[4096];
	unsigned seen = 0;
	pid_t sender = 0;
	jail_error_t e2 = {0};
	ssize_t len = jail_notify_recv(r->notify_fd, in, sizeof(in), &sender, &e2);
	size_t olen;

	if (len < 0) {
		jailctl_warn("run", "%s: notify socket: %s", r->what, e2.msg);
		return;
	}
	if (len == 0)
		return;
	olen = jail_notify_filter(in, (size_t)len, out, sizeof(out), &seen);
	/* READY=1 is the service's to say only with ready = notify; jailctl
	 * says it itself for the other kinds. */
	if ((seen & JAIL_NOTIFY_READY) && r->plan->svc->ready != JAIL_READY_NOTIFY) {
		olen = drop_line(out, olen, "READY=1");
		seen &= ~JAIL_NOTIFY_READY;
	}
	if (olen > 0 && r->plan->notify_up > 0 &&
	    jail_notify_send(r->plan->notify_up, out, olen, &e2) < 0)
		jailctl_warn("run", "%s: notify the supervisor: %s", r->what, e2.msg);
	if ((seen & JAIL_NOTIFY_READY) && !r->ready) {
		r->ready = true;
		jailctl_msg("run", "%s: ready (READY=1)", r->what);
	}
}

/* A signal jailctl received. */
static void on_signal(runner_t *r, int sig)
{
	const jail_service_t *svc = r->plan->svc;
	int stop_sig = svc ? svc->stop_signal : SIGTERM;
	uint64_t timeout = svc ? svc->stop_timeout_ms : 10000;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		kill(r->pid, sig == SIGTERM ? stop_sig : SIGINT);
		if (!r->stopping) {
			r->stopping = true;
			r->deadline = now_ms() + (int64_t)timeout;
			say_up(r, "STOPPING=1");
		}
		break;
	case SIGHUP:
		kill(r->pid, svc ? svc->reload_signal : SIGHUP);
		break;
	default:
		kill(r->pid, sig);
		break;
	}
}

/* Supervise the command to its end; its wait status in *STATUS.  -1 when
 * jailctl cannot watch it any more (it is then killed with the sandbox). */
static int supervise(runner_t *r, int sigfd, int *exec_fd, int *status)
{
	const jail_service_t *svc = r->plan->svc;

	r->probe_ms = PROBE_FIRST_MS;
	for (;;) {
		struct pollfd fds[3] = {
		    {.fd = sigfd, .events = POLLIN},
		    {.fd = r->notify_fd, .events = POLLIN},
		    {.fd = *exec_fd, .events = POLLIN},
		};
		int64_t now = now_ms(), wake = -1;
		int timeout;

		if (r->probe_at > 0)
			wake = r->probe_at;
		if (r->deadline > 0 && (wake < 0 || r->deadline < wake))
			wake = r->deadline;
		timeout = wake < 0 ? -1 : (wake <= now ? 0 : (int)(wake - now));
		if (poll(fds, 3, timeout) < 0 && errno != EINTR) {
			jailctl_msg("run", "%s: poll: %s", r->what, strerror(errno));
			return -1;
		}
		if (fds[2].revents) {
			int e = 0;
			ssize_t n = read(*exec_fd, &e, sizeof(e));

			close(*exec_fd);
			*exec_fd = -1;
			if (n == 0) {
				r->exec_done = true;
				if (svc && svc->ready == JAIL_READY_EXEC)
					became_ready(r);
				else if (svc && svc->ready != JAIL_READY_NOTIFY)
					r->probe_at = now_ms() + r->probe_ms;
			}
		}
		if (fds[1].revents & POLLIN)
			relay_notify(r);
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				if (si.ssi_signo != SIGCHLD)
					on_signal(r, (int)si.ssi_signo);
		}
		if (waitpid(r->pid, status, WNOHANG) == r->pid)
			return 0;
		now = now_ms();
		if (r->probe_at > 0 && now >= r->probe_at && !r->ready)
			probe(r);
		if (r->deadline > 0 && now >= r->deadline) {
			jailctl_msg("run",
				    "%s: still running %" PRIu64
				    " ms after its stop signal: killing the sandbox",
				    r->what, svc ? svc->stop_timeout_ms : 10000);
			r->deadline = 0;
			jail_sandbox_kill(&r->sb, NULL);
		}
	}
}

static int push_dir(jail_strv_t *sv, const char *top, const char *name, jail_error_t *err)
{
	cleanup_free char *path = NULL;

	if (name == NULL)
		return 0;
	path = jail_strdup_printf("%s/%s", top, name);
	if (path == NULL)
		return jail_error_set(err, ENOMEM, "%s/%s", top, name);
	return jail_strv_push(sv, path, err);
}

/* The jail-side targets of the spec's bind_rw entries and the service's
 * directories: what Landlock leaves writable. */
static int writable(runner_t *r, jail_error_t *err)
{
	const jail_sandbox_spec_t *spec = &r->plan->prof->spec;
	const jail_service_t *svc = r->plan->svc;

	for (size_t i = 0; i < spec->bind_rw.n; i++) {
		cleanup_bind jail_bind_t b = {0};

		if (jail_bind_parse(spec->bind_rw.v[i], false, &b, err) < 0 ||
		    jail_strv_push(&r->rw, b.jail, err) < 0)
			return -1;
	}
	if (svc == NULL)
		return 0;
	if (push_dir(&r->rw, JAIL_SERVICE_STATE_JAIL, svc->state_dir, err) < 0 ||
	    push_dir(&r->rw, JAIL_SERVICE_LOGS_JAIL, svc->logs_dir, err) < 0 ||
	    push_dir(&r->rw, JAIL_SERVICE_RUNTIME_JAIL, svc->runtime_dir, err) < 0)
		return -1;
	return 0;
}

static void print_warnings(runner_t *r)
{
	for (size_t i = 0; i < r->warnings.n; i++)
		jailctl_warn("run", "%s", r->warnings.v[i]);
	jail_strv_clear(&r->warnings);
}

int run_execute(run_plan_t *plan)
{
	runner_t r;
	cleanup_free char *blob = NULL;
	cleanup_free char *what = NULL;
	cleanup_ns_saved jail_ns_saved_t own = JAIL_NS_SAVED_INIT;
	jail_sandbox_params_t p;
	jail_error_t err = {0};
	sigset_t set, old;
	size_t blob_len = 0;
	int ret = JAILCTL_FAIL, status = 0;
	int lifeline[2] = {-1, -1}, exec_pipe[2] = {-1, -1};
	int sigfd = -1;

	memset(&r, 0, sizeof(r));
	r.plan = plan;
	r.regfd = -1;
	r.notify_fd = -1;
	r.pid = -1;
	jail_sandbox_init(&r.sb);
	what =
	    plan->svc ? jail_strdup_printf("service %s", plan->svc->name) : strdup(plan->argv[0]);
	if (what == NULL) {
		jailctl_msg("run", "out of memory");
		return JAILCTL_FAIL;
	}
	r.what = what;
	if (writable(&r, &err) < 0 || jail_session_id_new(r.id, &err) < 0)
		goto out_err;
	r.regfd = jail_registry_open(plan->cfg->registry_dir, true, &err);
	if (r.regfd < 0) {
		jail_error_wrap(&err, "session registry");
		goto out_err;
	}

	memset(&p, 0, sizeof(p));
	p.spec = &plan->prof->spec;
	p.name = plan->prof->name;
	p.root = plan->jail;
	p.id = r.id;
	/* a service's cgroup and log lines carry its name */
	p.owner = plan->svc ? plan->svc->name : plan->user;
	p.owner_is_service = plan->svc != NULL;
	p.uid = plan->uid;
	p.cgroup_parent = plan->cfg->cgroup_parent;
	p.die_with_caller = true;
	p.before_pivot = before_pivot;
	p.arg = &r;
	p.warnings = &r.warnings;
	if (jail_sandbox_check_lsms(&p, &err) < 0)
		goto out_err;
	jail_sandbox_seccomp_blob(&p, &blob, &blob_len);
	p.seccomp_data = blob;
	p.seccomp_len = blob_len;

	/* Signals wait until the command exists: then they are its. */
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&set, handled[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		jailctl_msg("run", "signalfd: %s", strerror(errno));
		goto out_unblock;
	}
	/* Our own namespaces, to return to once the sandbox is gone (its pid
	 * namespace, where our children would go, dies with its init). */
	if (jail_ns_save(&own, &err) < 0) {
		jailctl_err("run", &err);
		goto out_unblock;
	}
	/* the host's /dev/log, connected before the namespaces change */
	openlog("jailctl", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	if (jail_sandbox_open(&r.sb, &p, &err) < 0) {
		print_warnings(&r);
		jailctl_msg("run", "%s: jail %s: %s", r.what, plan->jail, err.msg);
		run_log(plan, NULL, r.id, LOG_ERR,
			strstr(err.msg, "cgroup") ? "cgroup"
			: strncmp(err.msg, "jail ", 5) == 0 || strstr(err.msg, " in jail ")
			    ? "jail"
			    : "setup",
			err.msg, -1, "refused run %s of %s as %s (jail %s, profile %s): %s", r.id,
			r.what, plan->user, plan->jail, plan->prof->name, err.msg);
		if (r.record_written && jail_registry_remove(r.regfd, r.id, NULL) == 0)
			r.record_written = false;
		goto out_unblock;
	}
	print_warnings(&r);
	if (pipe2(lifeline, O_CLOEXEC) < 0 || pipe2(exec_pipe, O_CLOEXEC) < 0) {
		jailctl_msg("run", "pipe: %s", strerror(errno));
		r.pid = -1;
	} else {
		r.pid = fork();
	}
	if (r.pid == 0) {
		close(lifeline[1]);
		close(exec_pipe[0]);
		child(&r, &old, lifeline[0], exec_pipe[1]);
	}
	/* The init and the command are in the sandbox's cgroup now: jailctl
	 * steps back out to supervise from its own (under a systemd unit with
	 * Delegate=yes, the unit's supervisor leaf). */
	if (r.pid > 0 && r.sb.cg && jail_cgroup_leave(r.sb.cg, &err) < 0)
		jailctl_warn("run", "leave the sandbox's cgroup: %s", err.msg);
	if (r.pid < 0) {
		jailctl_msg("run", "fork: %s", strerror(errno));
		run_log(plan, NULL, r.id, LOG_ERR, "internal", strerror(errno), -1,
			"run %s of %s failed: fork: %s", r.id, r.what, strerror(errno));
	} else {
		run_log(plan, NULL, r.id, LOG_INFO, NULL, NULL, -1,
			"started run %s of %s as %s (jail %s, profile %s, init pid %d)", r.id,
			r.what, plan->user, plan->jail, plan->prof->name, (int)r.sb.init.pid);
		close(exec_pipe[1]);
		exec_pipe[1] = -1;
		if (supervise(&r, sigfd, &exec_pipe[0], &status) == 0) {
			char how[64];

			ret = jailctl_exit_code(status);
			/* A service ended by the stop signal it was asked to stop
			 * with stopped cleanly (as systemd counts it). */
			if (plan->svc && r.stopping && WIFSIGNALED(status) &&
			    WTERMSIG(status) == plan->svc->stop_signal)
				ret = JAILCTL_OK;
			if (plan->svc && !r.ready && !r.stopping)
				jailctl_msg("run", "%s %s before it was ready (ready = %s)", r.what,
					    jailctl_wait_status(status, how, sizeof(how)),
					    plan->svc->ready_text);
			else if (plan->svc && !r.ready)
				jailctl_msg("run", "%s: stopped before it was ready (ready = %s)",
					    r.what, plan->svc->ready_text);
			run_log(plan, NULL, r.id, ret == JAILCTL_OK ? LOG_INFO : LOG_NOTICE, NULL,
				NULL, ret, "ended run %s of %s as %s (jail %s, profile %s): %s",
				r.id, r.what, plan->user, plan->jail, plan->prof->name,
				jailctl_wait_status(status, how, sizeof(how)));
		}
	}
	if (jail_registry_end_sandbox(r.regfd, r.id, &r.record_written, &r.sb, &err) < 0) {
		jailctl_msg("run", "%s: jail %s: teardown: %s", r.what, plan->jail, err.msg);
		run_log(
		    plan, NULL, r.id, LOG_ERR, "state", err.msg, -1,
		    "ended run %s of %s as %s (jail %s, profile %s) with an error: teardown: %s",
		    r.id, r.what, plan->user, plan->jail, plan->prof->name, err.msg);
		if (ret == JAILCTL_OK)
			ret = JAILCTL_FAIL;
	}
	if (jail_ns_restore(&own, &err) < 0)
		jailctl_warn("run", "back to the host's namespaces: %s", err.msg);
out_unblock:
	sigprocmask(SIG_SETMASK, &old, NULL);
	goto out;
out_err:
	jailctl_err("run", &err);
	run_log(plan, NULL, r.id, LOG_ERR, r.regfd < 0 && r.id[0] ? "state" : "setup", err.msg, -1,
		"refused run %s of %s as %s (jail %s, profile %s): %s", r.id[0] ? r.id : "-",
		r.what, plan->user, plan->jail, plan->prof->name, err.msg);
out:
	for (int i = 0; i < 2; i++) {
		if (lifeline[i] >= 0)
			close(lifeline[i]);
		if (exec_pipe[i] >= 0)
			close(exec_pipe[i]);
	}
	if (sigfd >= 0)
		close(sigfd);
	if (r.notify_fd >= 0)
		close(r.notify_fd);
	if (r.regfd >= 0)
		close(r.regfd);
	jail_sandbox_free(&r.sb);
	jail_strv_clear(&r.rw);
	jail_strv_clear(&r.warnings);
	return ret;
}
