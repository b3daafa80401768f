/* jailctl unit NAME [--socket | --accept]: print the systemd units that run
 * the service services.d/NAME.ini with `jailctl run NAME`.
 *
 *   jail-NAME.service   Type=notify with NotifyAccess=main: jailctl itself
 *                       sends READY=1 once the service's `ready` rule holds
 *                       (notify, exec, tcp:, file: alike), so one Type fits
 *                       every service; KillMode=mixed (SIGTERM to jailctl,
 *                       which stops the service its way, then SIGKILL to
 *                       the whole unit), Delegate=yes (the sandbox's cgroup
 *                       inside the unit's: its limits apply, systemctl
 *                       status shows the processes), TimeoutStopSec the
 *                       service's stop_timeout + 5 s (jailctl's own SIGKILL
 *                       comes first).
 *   --socket            and jail-NAME.socket with the service's `listen`
 *                       entries (ListenStream=/ListenDatagram=): systemd
 *                       binds them and passes them in as LISTEN_FDS.
 *   --accept            an inetd-style pair instead: jail-NAME.socket with
 *                       Accept=yes (stream entries only) and the template
 *                       jail-NAME@.service, one instance per connection
 *                       with the connection on stdin/stdout.
 *
 * Each unit is printed after a "# FILE" line naming where it goes
 * (/etc/systemd/system/...).  templates/jail@.service is the generic
 * version, installed with `make install`, for `systemctl enable --now
 * jail@NAME` when the defaults fit. */
#define _GNU_SOURCE
#include "jailctl.h"
#include "config/config.h"
#include "config/service.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define UNIT_SYNOPSIS "NAME [--socket | --accept]"
#define UNIT_DIR      "/etc/systemd/system"
/* systemd's stop timeout beyond the service's: jailctl's SIGKILL first. */
#define UNIT_STOP_MARGIN_MS 5000

/* A path that needs no quoting or escaping on an ExecStart= line or in a
 * Listen*= value: no blank, quote, backslash, '%', '$' or ';'. */
static bool unit_safe(const char *s)
{
	return s[0] == '/' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789/._-+@:,=") == strlen(s);
}

static void print_service(const jail_service_t *svc, const char *self, const char *config,
			  bool accept)
{
	uint64_t stop = svc->stop_timeout_ms + UNIT_STOP_MARGIN_MS;

	printf("# %s/jail-%s%s.service, printed by jailctl unit %s\n", UNIT_DIR, svc->name,
	       accept ? "@" : "", svc->name);
	printf("[Unit]\n");
	printf("Description=jail service %s%s\n", svc->name, accept ? " (connection %i)" : "");
	printf("Documentation=man:jailctl(8)\n");
	printf("After=network.target\n");
	if (!accept)
		printf("\n");
	else
		printf("Requires=jail-%s.socket\n\n", svc->name);
	printf("[Service]\n");
	printf("Type=notify\n");
	printf("NotifyAccess=main\n");
	if (config)
		printf("ExecStart=%s --config %s run %s\n", self, config, svc->name);
	else
		printf("ExecStart=%s run %s\n", self, svc->name);
	printf("ExecReload=/bin/kill -HUP $MAINPID\n");
	printf("KillMode=mixed\n");
	printf("Delegate=yes\n");
	if (stop % 1000 == 0)
		printf("TimeoutStopSec=%llus\n", (unsigned long long)(stop / 1000));
	else
		printf("TimeoutStopSec=%llums\n", (unsigned long long)stop);
	if (accept) {
		printf("StandardInput=socket\n");
		printf("StandardOutput=socket\n");
		printf("StandardError=journal\n");
	} else {
		printf("Restart=on-failure\n");
		printf("\n[Install]\n");
		printf("WantedBy=multi-user.target\n");
	}
}

/* The part of a `listen` word after "tcp:", "udp:" or "unix:". */
static const char *listen_addr(const jail_listen_t *l)
{
	const char *colon = strchr(l->text, ':');

	return colon ? colon + 1 : l->text;
}

/* Before anything is printed: every entry can go in the socket unit. */
static int check_sockets(const jail_service_t *svc, bool accept)
{
	if (svc->n_listen == 0) {
		jailctl_msg("unit", "%s: no `listen` entries for a socket unit", svc->file);
		return -1;
	}
	for (size_t i = 0; i < svc->n_listen; i++) {
		const char *addr = listen_addr(&svc->listen[i]);

		if (addr[0] == '\0' || strpbrk(addr, " \t\n\\\"'%$;")) {
			jailctl_msg("unit", "%s: listen '%s' cannot be written in a socket unit",
				    svc->file, svc->listen[i].text);
			return -1;
		}
		if (accept && svc->listen[i].type == SOCK_DGRAM) {
			jailctl_msg("unit",
				    "%s: listen '%s' is a datagram socket: --accept (Accept=yes) "
				    "takes stream sockets only",
				    svc->file, svc->listen[i].text);
			return -1;
		}
	}
	return 0;
}

/* "tcp:0.0.0.0:80" -> ListenStream=0.0.0.0:80; udp: ListenDatagram=;
 * unix:/PATH -> ListenStream=/PATH. */
static void print_socket(const jail_service_t *svc, bool accept)
{
	printf("# %s/jail-%s.socket, printed by jailctl unit %s --%s\n", UNIT_DIR, svc->name,
	       svc->name, accept ? "accept" : "socket");
	printf("[Unit]\n");
	printf("Description=jail service %s, its sockets\n", svc->name);
	printf("Documentation=man:jailctl(8)\n\n");
	printf("[Socket]\n");
	for (size_t i = 0; i < svc->n_listen; i++)
		printf("%s=%s\n",
		       svc->listen[i].type == SOCK_DGRAM ? "ListenDatagram" : "ListenStream",
		       listen_addr(&svc->listen[i]));
	if (accept)
		printf("Accept=yes\n");
	printf("\n[Install]\n");
	printf("WantedBy=sockets.target\n");
}

int cmd_unit(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", no_argument, NULL, 's'},
	    {"accept", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_service jail_service_t *svc = NULL;
	jail_error_t err = {0};
	bool sock = false, accept = false;
	char self[PATH_MAX];
	const char *config = NULL;
	ssize_t n;
	int c;

	while ((c = getopt_long(argc, argv, "sah", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = true;
			break;
		case 'a':
			accept = sock = true;
			break;
		case 'h':
			printf("usage: jailctl unit %s\n", UNIT_SYNOPSIS);
			return JAILCTL_OK;
		default:
			return jailctl_usage("unit", UNIT_SYNOPSIS);
		}
	}
	if (optind + 1 != argc)
		return jailctl_usage("unit", UNIT_SYNOPSIS);
	if (!jail_service_valid_name(argv[optind])) {
		jailctl_msg("unit",
			    "'%s' is not a service name ([a-z0-9][a-z0-9_.-]*, at most %d bytes)",
			    argv[optind], JAIL_SERVICE_NAME_MAX);
		return JAILCTL_FAIL;
	}
	if (jail_service_load(ctx->config_dir, argv[optind], &svc, &err) < 0)
		return jailctl_err("unit", &err);
	if (sock && check_sockets(svc, accept) < 0)
		return JAILCTL_FAIL;
	/* ExecStart= names this very jailctl, and the config directory it was
	 * given when that is not the default. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		jailctl_msg("unit", "readlink /proc/self/exe: %s",
			    strerror(n < 0 ? errno : EINVAL));
		return JAILCTL_FAIL;
	}
	self[n] = '\0';
	if (strcmp(ctx->config_dir, JAIL_DEFAULT_CONFIG_DIR) != 0)
		config = ctx->config_dir;
	if (!unit_safe(self) || (config && !unit_safe(config))) {
		jailctl_msg("unit",
			    "%s: not an absolute path a unit can name without quoting (blanks, "
			    "quotes, '%%', '$', ';' or '\\')",
			    !unit_safe(self) ? self : config);
		return JAILCTL_FAIL;
	}
	print_service(svc, self, config, accept);
	if (sock) {
		printf("\n");
		print_socket(svc, accept);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		jailctl_msg("unit", "write: %s", strerror(errno));
		return JAILCTL_FAIL;
	}
	return JAILCTL_OK;
}
