#define _GNU_SOURCE
#include "confine/nsinit.h"
#include "base/fdpass.h"
#include "base/fault.h"
#include "confine/logrelay.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* How long the caller waits for the init's report before giving up. */
#define INIT_REPORT_TIMEOUT_MS 10000

static int read_starttime(int proc_dirfd, pid_t pid, uint64_t *out, jail_error_t *err);

static int bring_up_loopback(jail_error_t *err)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (s < 0)
		return jail_error_set(err, errno, "socket for loopback setup");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return jail_error_set(err, errno, "get flags of lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (jail_fault("net-loopback") < 0 || ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return jail_error_set(err, errno, "bring lo up");
	return 0;
}

int jail_ns_unshare(jail_net_t net, const char *hostname, jail_error_t *err)
{
	/* One namespace at a time, so that a failure (e.g. a max_*_namespaces
	 * limit) names the namespace. */
	static const struct {
		int flag;
		const char *name;
	} ns[] = {
	    {CLONE_NEWNS, "mount"}, {CLONE_NEWPID, "pid"}, {CLONE_NEWIPC, "ipc"},
	    {CLONE_NEWUTS, "uts"},  {CLONE_NEWNET, "net"},
	};

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (ns[i].flag == CLONE_NEWNET && net == JAIL_NET_HOST)
			continue;
		if (jail_fault("unshare") < 0 || unshare(ns[i].flag) < 0)
			return jail_error_set(err, errno, "unshare the %s namespace", ns[i].name);
	}
	if (hostname &&
	    (jail_fault("sethostname") < 0 || sethostname(hostname, strlen(hostname)) < 0))
		return jail_error_set(err, errno, "sethostname '%s'", hostname);
	if (net != JAIL_NET_HOST && bring_up_loopback(err) < 0)
		return jail_error_wrap(err, "private network namespace");
	return 0;
}

static const struct {
	const char *name;
	int flag;
} saved_ns[] = {
    {"mnt", CLONE_NEWNS},  {"pid", CLONE_NEWPID}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
};

int jail_ns_save(jail_ns_saved_t *saved, jail_error_t *err)
{
	for (size_t i = 0; i < sizeof(saved_ns) / sizeof(saved_ns[0]); i++) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/self/ns/%s", saved_ns[i].name);
		saved->fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (saved->fd[i] < 0) {
			int e = errno;
			jail_ns_saved_close(saved);
			return jail_error_set(err, e, "open %s", path);
		}
	}
	saved->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (saved->cwd < 0) {
		int e = errno;
		jail_ns_saved_close(saved);
		return jail_error_set(err, e, "open the working directory");
	}
	return 0;
}

int jail_ns_restore(jail_ns_saved_t *saved, jail_error_t *err)
{
	int ret = 0;

	for (size_t i = 0; i < sizeof(saved_ns) / sizeof(saved_ns[0]); i++) {
		if (saved->fd[i] >= 0 && setns(saved->fd[i], saved_ns[i].flag) < 0 && ret == 0)
			ret = jail_error_set(err, errno, "return to the caller's %s namespace",
					     saved_ns[i].name);
	}
	if (saved->cwd >= 0 && fchdir(saved->cwd) < 0 && ret == 0)
		ret = jail_error_set(err, errno, "return to the caller's working directory");
	jail_ns_saved_close(saved);
	return ret;
}

void jail_ns_saved_close(jail_ns_saved_t *saved)
{
	for (size_t i = 0; i < sizeof(saved->fd) / sizeof(saved->fd[0]); i++) {
		if (saved->fd[i] >= 0)
			close(saved->fd[i]);
		saved->fd[i] = -1;
	}
	if (saved->cwd >= 0)
		close(saved->cwd);
	saved->cwd = -1;
}

/* What the init reports once: 0 or an errno, the step that failed, and
 * (on success) the proc mount fd as SCM_RIGHTS. */
struct init_report {
	int code;
	char step[96];
};

static void init_send(int sock, int code, const char *step, int fd)
{
	struct init_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.code = code;
	snprintf(rep.step, sizeof(rep.step), "%s", step);
	(void)jail_fdpass_send(sock, &rep, sizeof(rep), &fd, fd >= 0 ? 1 : 0);
}

/* Drop every capability for good: bounding set, then effective, permitted
 * and inheritable sets, then no_new_privs.  The init only waits and reaps. */
static int init_drop_privileges(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];

	for (int cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}

/* Our argv area is a copy of the caller's ("sshd: alice [priv]"): overwrite
 * it in place, as setproctitle() does, so that the session's ps shows
 * "jail-init" for pid 1.  Cosmetic: any failure leaves it as it was.  The
 * area [arg_start, arg_end) is fields 48 and 49 of /proc/self/stat. */
static void set_cmdline(void)
{
	char buf[2048];
	char *p;
	unsigned long start = 0, end = 0;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL)
		return;
	/* After ')' the fields are 3, 4, ...: skip to field 48. */
	for (int field = 2; field < 48 && p; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %lu %lu", &start, &end) != 2)
		return;
	if (start == 0 || end <= start + sizeof(JAIL_NSINIT_NAME) || end - start > (1UL << 20))
		return;
	/* Make sure this is the argv area: it starts with what cmdline says. */
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, 64);
	close(fd);
	if (n <= 0 || (unsigned long)n > end - start || memcmp(buf, (void *)start, (size_t)n) != 0)
		return;
	memset((void *)start, 0, end - start);
	memcpy((void *)start, JAIL_NSINIT_NAME, sizeof(JAIL_NSINIT_NAME));
}

/* The idle watch of a lingering session (jail_nsinit_t.linger_ms). */
typedef struct idle_watch {
	int lock;      /* our own open of the session's lock file; -1: not lingering */
	int proc;      /* the session's proc mount (ours, made above) */
	int64_t ms;    /* the idle timeout */
	int64_t since; /* monotonic ms since which we have been alone; 0: not alone */
} idle_watch_t;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether process NAME (a /proc entry) runs as root: its real uid, from
 * its status, which anyone may read. */
static bool root_process(int proc, const char *name)
{
	char path[64], buf[1024];
	ssize_t len;
	int fd;
	const char *uid;

	snprintf(path, sizeof(path), "%.32s/status", name);
	fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	uid = strstr(buf, "\nUid:\t");
	return uid && uid[6] == '0' && (uid[7] == '\t' || uid[7] == '\n');
}

/* The user's processes in the namespace: those not running as root (the
 * session's user is never root).  Root's are ours: net = private's pasta,
 * which dies with us, or an administrator's `jailctl enter`.  -1 when
 * unknown. */
static long other_processes(int proc)
{
	int fd = openat(proc, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	long n = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && strcmp(de->d_name, "1") != 0 &&
		    !root_process(proc, de->d_name))
			n++;
	closedir(d);
	return n;
}

/* How long to sleep between checks: -1 (forever) when not lingering. */
static int idle_tick_ms(const idle_watch_t *w)
{
	int64_t t;

	if (w->lock < 0)
		return -1;
	t = w->ms / 4;
	return (int)(t < 100 ? 100 : t > 5000 ? 5000 : t);
}

/* True when the session has ended: alone for W->ms, no connection.  Then
 * we hold the exclusive lock, which our exit releases (after PF_EXITING is
 * set, which a joiner checks once its shared lock is granted). */
static bool idle_expired(idle_watch_t *w)
{
	int64_t now;

	if (w->lock < 0)
		return false;
	now = mono_ms();
	if (other_processes(w->proc) != 0) {
		w->since = 0;
		return false;
	}
	if (w->since == 0) {
		w->since = now;
		return false;
	}
	if (now - w->since < w->ms)
		return false;
	if (flock(w->lock, LOCK_EX | LOCK_NB) < 0) {
		w->since = 0; /* a connection holds it: not idle */
		return false;
	}
	/* Nobody can join now; a user's process that came in between the
	 * count and the lock keeps the session. */
	if (other_processes(w->proc) == 0)
		return true;
	flock(w->lock, LOCK_UN);
	w->since = 0;
	return false;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static void reap_all(void)
{
	/* Every zombie: SIGCHLD coalesces. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* The init's loop with a log relay: poll a signalfd (SIGCHLD, SIGTERM, all
 * blocked) and the relay socket.  Reaping comes first on every wake-up,
 * whatever the relay does, and the relay reads a bounded number of
 * datagrams per wake-up.  Returns (relay closed) only when the signalfd
 * cannot be made: the caller then reaps with sigwaitinfo() as without a
 * relay. */
/* The session's last log lines, then exit (SIGTERM, or an idle lingering
 * session). */
static __attribute__((noreturn)) void relay_exit(jail_logrelay_t *relay)
{
	/* What the session sent before its end is still queued (a datagram
	 * queue holds net.unix.max_dgram_qlen, 512 by default: 8 pumps of
	 * 64). */
	for (int k = 0; k < 8 && relay->sock >= 0; k++)
		jail_logrelay_pump(relay);
	jail_logrelay_tick(relay);
	_exit(0);
}

static void init_relay_loop(const sigset_t *waitset, jail_logrelay_t *relay, idle_watch_t *idle)
{
	int sfd = signalfd(-1, waitset, SFD_CLOEXEC | SFD_NONBLOCK);

	if (sfd < 0) {
		close(relay->host);
		close(relay->sock);
		return;
	}
	for (;;) {
		struct pollfd p[2] = {{.fd = sfd, .events = POLLIN},
				      {.fd = relay->sock, .events = POLLIN}};
		struct signalfd_siginfo si;
		int timeout = min_timeout(jail_logrelay_timeout_ms(relay), idle_tick_ms(idle));

		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 10000000}, NULL);
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGTERM)
				relay_exit(relay);
		}
		reap_all();
		if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			/* Never spin on a broken socket: no relay from now on. */
			close(relay->sock);
			relay->sock = -1;
		} else if (p[1].revents & POLLIN) {
			jail_logrelay_pump(relay);
		}
		jail_logrelay_tick(relay);
		if (idle_expired(idle))
			relay_exit(relay);
	}
}

/* Close every fd but KEEP[0..1] (-1: none). */
static void close_all_but(int a, int b)
{
	unsigned lo = 0;
	int keep[2] = {a < b ? a : b, a < b ? b : a};

	for (int i = 0; i < 2; i++) {
		if (keep[i] < 0)
			continue;
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

static __attribute__((noreturn)) void init_main(int sock, bool die_with_caller,
						const jail_nsinit_t *cfg)
{
	idle_watch_t idle = {.lock = -1, .proc = -1, .ms = 0, .since = 0};
	sigset_t all, waitset;
	jail_logrelay_t relay = JAIL_LOGRELAY_INIT;
	bool relay_on;
	int fsfd, mfd;

	/* Nothing of the caller (sshd's sockets, PAM's files) stays open
	 * here, but our own open of a lingering session's lock file. */
	if (cfg->linger_ms > 0 && cfg->linger_fd >= 0 && cfg->linger_fd != sock) {
		idle.lock = cfg->linger_fd;
		idle.ms = cfg->linger_ms > INT32_MAX ? INT32_MAX : (int64_t)cfg->linger_ms;
	}
	close_all_but(sock, idle.lock);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (die_with_caller) {
		/* SIGKILL when the caller dies (from the parent's namespace, so
		 * it reaches a pid namespace's init); a caller already gone
		 * closed its end of SOCK, which shows as a hang-up. */
		struct pollfd hup = {.fd = sock, .events = 0};

		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
		    (poll(&hup, 1, 0) == 1 && (hup.revents & POLLHUP)))
			_exit(1);
	}
	prctl(PR_SET_NAME, JAIL_NSINIT_NAME, 0, 0, 0);
	set_cmdline();
	/* The relay's timestamps: the host's zone, read before pivot_root. */
	tzset();
	/* Own session: signals for the caller's process group or terminal are
	 * not ours.  cwd "/" so that pivot_root moves it into the jail. */
	setsid();
	if (chdir("/") < 0) {
		init_send(sock, errno, "chdir /", -1);
		_exit(1);
	}

	fsfd = jail_fault("init-proc") < 0 ? -1 : fsopen("proc", FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		init_send(sock, errno, "fsopen proc", -1);
		_exit(1);
	}
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "proc", 0) < 0 ||
	    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		init_send(sock, errno, "create proc instance", -1);
		_exit(1);
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mfd < 0) {
		init_send(sock, errno, "fsmount proc", -1);
		_exit(1);
	}
	close(fsfd);
	if (init_drop_privileges() < 0) {
		init_send(sock, errno, "drop capabilities of the init", -1);
		_exit(1);
	}
	/* A lingering session's init counts the processes of its namespace
	 * in the proc instance it made. */
	if (idle.lock >= 0 && (idle.proc = fcntl(mfd, F_DUPFD_CLOEXEC, 3)) < 0) {
		init_send(sock, errno, "keep the proc mount of a lingering session", -1);
		_exit(1);
	}
	init_send(sock, 0, "", mfd);
	close(mfd);
	/* The caller then hands over the session's log relay, or closes the
	 * channel without (jail_logrelay_give, logrelay.h). */
	relay_on = jail_logrelay_receive(sock, &relay) == 1;
	/* SOCK stays open (the caller has shut its write side): closed by
	 * our exit, which the caller sees (jail_nsinit_stop). */

	sigemptyset(&waitset);
	sigaddset(&waitset, SIGCHLD);
	sigaddset(&waitset, SIGTERM);
	if (relay_on)
		init_relay_loop(&waitset, &relay, &idle); /* returns when it cannot poll */
	for (;;) {
		siginfo_t si;
		int tick = idle_tick_ms(&idle);
		struct timespec ts = {.tv_sec = tick / 1000,
				      .tv_nsec = (long)(tick % 1000) * 1000000};
		int sig = tick < 0 ? sigwaitinfo(&waitset, &si) : sigtimedwait(&waitset, &si, &ts);

		if (sig == SIGTERM)
			_exit(0);
		if (sig == SIGCHLD || sig < 0) {
			/* Reap every zombie: SIGCHLD coalesces. */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
		if (idle_expired(&idle))
			_exit(0);
	}
}

static int recv_report(int sock, int *fd, struct init_report *rep, jail_error_t *err)
{
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	ssize_t n;
	int r;

	*fd = -1;
	do
		r = poll(&pfd, 1, INIT_REPORT_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return jail_error_set(err, errno, "wait for the session init");
	if (r == 0)
		return jail_error_fmt(err, ETIMEDOUT, "the session init did not report in %d ms",
				      INIT_REPORT_TIMEOUT_MS);
	/* An init that failed exits right after its report, maybe with the
	 * log relay we sent it (jail_logrelay_give) still unread: closing a
	 * socket with unread data sets ECONNRESET on ours, which the next
	 * read returns (once) before the report still queued.  Read again. */
	for (int reset = 0;; reset++) {
		n = jail_fdpass_recv(sock, rep, sizeof(*rep), fd, 1, 0);
		if (n >= 0 || errno != ECONNRESET || reset > 0)
			break;
	}
	if (n < 0 && errno == EPROTO)
		return jail_error_fmt(err, EPROTO, "truncated report from the session init");
	if (n < 0)
		return jail_error_set(err, errno, "read the session init's report");
	if (n != (ssize_t)sizeof(*rep)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return jail_error_fmt(err, EPROTO, "the session init exited before reporting");
	}
	rep->step[sizeof(rep->step) - 1] = '\0';
	return 0;
}

/* The init's own set-up (its /proc instance, dropping its capabilities,
 * about 0.25 ms here) can overlap the caller's mounts, but a new child is
 * queued on its parent's CPU: on this 2-vCPU VM it ran only once the caller
 * blocked waiting for its report, a quarter of a millisecond later.  So
 * start it on one of the caller's other CPUs; jail_nsinit_ready() gives it
 * the caller's whole set back (the caller does both, so they cannot come in
 * the wrong order).  Best effort: with one CPU, or on any failure, the init
 * runs where the scheduler put it. */
static bool start_elsewhere(pid_t pid, const cpu_set_t *cpus)
{
	cpu_set_t others = *cpus;
	int me = sched_getcpu();

	if (me < 0 || me >= CPU_SETSIZE || !CPU_ISSET(me, &others) || CPU_COUNT(&others) < 2)
		return false;
	CPU_CLR(me, &others);
	return sched_setaffinity(pid, sizeof(others), &others) == 0;
}

int jail_nsinit_start(jail_nsinit_t *init, jail_error_t *err)
{
	cpu_set_t cpus;
	bool have_cpus;
	int sv[2];
	pid_t pid;

	init->pid = -1;
	init->pidfd = -1;
	init->sock = -1;
	init->chan = -1;
	init->starttime = 0;
	init->moved = false;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return jail_error_set(err, errno, "socketpair for the session init");
	have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
	pid = jail_fault("init-fork") < 0 ? -1 : fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return jail_error_set(err, e, "fork the session init");
	}
	if (pid == 0)
		init_main(sv[1], init->die_with_caller, init);
	init->moved = have_cpus && start_elsewhere(pid, &cpus);
	close(sv[1]);
	init->sock = sv[0];
	init->pid = pid;
	init->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (init->pidfd < 0) {
		jail_error_set(err, errno, "pidfd_open of the session init");
		goto fail;
	}
	if (read_starttime(AT_FDCWD, pid, &init->starttime, err) < 0) {
		jail_error_wrap(err, "session init");
		goto fail;
	}
	return 0;
fail:
	jail_nsinit_kill(init, NULL);
	return -1;
}

int jail_nsinit_ready(jail_nsinit_t *init, int *proc_mfd, jail_error_t *err)
{
	cleanup_close int fd = -1;
	struct init_report rep;
	int r;

	*proc_mfd = -1;
	if (init->sock < 0)
		return jail_error_fmt(err, EINVAL, "no session init to wait for");
	r = recv_report(init->sock, &fd, &rep, err);
	/* Nothing more for the init (its jail_logrelay_receive sees the end of
	 * the channel); kept to see its exit (jail_nsinit_stop). */
	shutdown(init->sock, SHUT_WR);
	init->chan = init->sock;
	init->sock = -1;
	if (init->moved) {
		cpu_set_t cpus;

		if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
			sched_setaffinity(init->pid, sizeof(cpus), &cpus);
		init->moved = false;
	}
	if (r < 0)
		return -1;
	if (rep.code != 0 || fd < 0)
		return jail_error_set(err, rep.code ? rep.code : EPROTO, "session init: %s",
				      rep.step[0] ? rep.step : "no proc mount received");
	*proc_mfd = steal_fd(&fd);
	return 0;
}

int jail_nsinit_signal(jail_nsinit_t *init, jail_error_t *err)
{
	if (init->pidfd >= 0) {
		if (syscall(SYS_pidfd_send_signal, init->pidfd, SIGKILL, NULL, 0) < 0 &&
		    errno != ESRCH)
			return jail_error_set(err, errno, "kill the session init (pid %d)",
					      (int)init->pid);
	} else if (init->pid > 0) {
		if (kill(init->pid, SIGKILL) < 0 && errno != ESRCH)
			return jail_error_set(err, errno, "kill the session init (pid %d)",
					      (int)init->pid);
	}
	return 0;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void jail_nsinit_reap(jail_nsinit_t *init, int timeout_ms)
{
	int64_t deadline = now_us() + (int64_t)timeout_ms * 1000;

	/* Wait on the pidfd (readable once the init has exited), never in
	 * waitpid(): the init's exit waits for every zombie of its namespace,
	 * and the caller's own children there (sshd's post-auth child) are
	 * reaped only by the caller, after we return.  An init not reaped by
	 * the deadline stays a zombie child of the caller, which is harmless:
	 * the caller's own exit hands it to a reaper. */
	while (init->pid > 0) {
		pid_t r = waitpid(init->pid, NULL, WNOHANG | __WALL);
		int64_t left = deadline - now_us();

		if (r == init->pid || (r < 0 && errno != EINTR) || left <= 0)
			break;
		if (init->pidfd >= 0) {
			struct pollfd pfd = {.fd = init->pidfd, .events = POLLIN};
			int ms = (int)((left + 999) / 1000);

			if (poll(&pfd, 1, ms) == 0)
				break; /* timed out: leave it */
		} else {
			nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 500000}, NULL);
		}
	}
	if (init->pidfd >= 0)
		close(init->pidfd);
	if (init->sock >= 0)
		close(init->sock);
	if (init->chan >= 0)
		close(init->chan);
	init->pidfd = -1;
	init->sock = -1;
	init->chan = -1;
	init->pid = -1;
}

void jail_nsinit_stop(jail_nsinit_t *init, int timeout_ms)
{
	int r;

	if (init->chan < 0)
		return;
	if (init->pidfd >= 0)
		r = (int)syscall(SYS_pidfd_send_signal, init->pidfd, SIGTERM, NULL, 0);
	else
		r = init->pid > 0 ? kill(init->pid, SIGTERM) : -1;
	if (r == 0) {
		struct pollfd p = {.fd = init->chan, .events = POLLIN};

		while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
			;
	}
	close(init->chan);
	init->chan = -1;
}

int jail_nsinit_kill(jail_nsinit_t *init, jail_error_t *err)
{
	int ret;

	if (init->pid <= 0 && init->pidfd < 0)
		return 0;
	ret = jail_nsinit_signal(init, err);
	jail_nsinit_reap(init, JAIL_NSINIT_REAP_MS);
	return ret;
}

/* Field 22 of /proc/PID/stat (start time in clock ticks since boot). */
static int read_starttime(int proc_dirfd, pid_t pid, uint64_t *out, jail_error_t *err)
{
	char path[64];
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	char *p, *end;
	unsigned long long v;

	snprintf(path, sizeof(path), "%s%d/stat", proc_dirfd == AT_FDCWD ? "/proc/" : "", (int)pid);
	fd = openat(proc_dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return jail_error_set(err, errno, "open /proc/%d/stat", (int)pid);
	if (jail_read_all(fd, 4096, &buf, NULL, err) < 0)
		return jail_error_wrap(err, "read /proc/%d/stat", (int)pid);
	/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return jail_error_fmt(err, EINVAL, "/proc/%d/stat: unexpected format", (int)pid);
	p++;
	/* After ')' come fields 3 (state) .. ; starttime is field 22. */
	for (int field = 3; field < 22; field++) {
		while (*p == ' ')
			p++;
		p = strchr(p, ' ');
		if (p == NULL)
			return jail_error_fmt(err, EINVAL, "/proc/%d/stat: too few fields",
					      (int)pid);
	}
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return jail_error_fmt(err, EINVAL, "/proc/%d/stat: bad start time", (int)pid);
	*out = v;
	return 0;
}

int jail_nsinit_kill_pid(pid_t pid, uint64_t starttime, bool *gone, jail_error_t *err)
{
	uint64_t now;
	cleanup_close int pidfd = -1;

	*gone = false;
	if (pid <= 0)
		return jail_error_fmt(err, EINVAL, "invalid init pid %d", (int)pid);
	/* pidfd first, then the start time check: the pidfd pins the process
	 * we checked, so a pid reused after the check is never signalled. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		if (errno == ESRCH) {
			*gone = true;
			return 0;
		}
		return jail_error_set(err, errno, "pidfd_open %d", (int)pid);
	}
	/* Any failure to read the start time: the process is gone. */
	if (read_starttime(AT_FDCWD, pid, &now, NULL) < 0 || now != starttime) {
		*gone = true;
		return 0;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return jail_error_set(err, errno, "kill session init %d", (int)pid);
	return 0;
}

int jail_ns_target_open(pid_t pid, uint64_t starttime, uint64_t mnt_inode, jail_ns_target_t *t,
			jail_error_t *err)
{
	char path[64];
	uint64_t now;
	struct stat st;

	*t = (jail_ns_target_t)JAIL_NS_TARGET_INIT;
	if (pid <= 0)
		return jail_error_fmt(err, EINVAL, "invalid init pid %d", (int)pid);
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0) {
		if (errno == ESRCH)
			return jail_error_fmt(err, ESRCH, "the session init (pid %d) is gone",
					      (int)pid);
		return jail_error_set(err, errno, "pidfd_open %d", (int)pid);
	}
	t->pid = pid;
	if (read_starttime(AT_FDCWD, pid, &now, NULL) < 0 || now != starttime) {
		jail_ns_target_close(t);
		return jail_error_fmt(
		    err, ESRCH,
		    "the session init (pid %d) is gone (the pid now names another "
		    "process)",
		    (int)pid);
	}
	if (mnt_inode != 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		if (stat(path, &st) < 0 || (uint64_t)st.st_ino != mnt_inode) {
			jail_ns_target_close(t);
			return jail_error_fmt(
			    err, ESRCH, "pid %d is not in the recorded mount namespace", (int)pid);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	t->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0) {
		int e = errno;
		jail_ns_target_close(t);
		return jail_error_set(err, e, "open %s", path);
	}
	/* Still the same process (the pidfd would fail on a dead one): the
	 * root we opened by pid is the init's. */
	if (syscall(SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0) < 0) {
		jail_ns_target_close(t);
		return jail_error_fmt(err, ESRCH, "the session init (pid %d) is gone", (int)pid);
	}
	return 0;
}

int jail_ns_target_enter(const jail_ns_target_t *t, jail_error_t *err)
{
	if (setns(t->pidfd,
		  CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET) < 0)
		return jail_error_set(err, errno, "enter the namespaces of pid %d", (int)t->pid);
	if (fchdir(t->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return jail_error_set(err, errno, "change root to the session's");
	return 0;
}

void jail_ns_target_close(jail_ns_target_t *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->root_fd >= 0)
		close(t->root_fd);
	t->pidfd = t->root_fd = -1;
	t->pid = -1;
}
