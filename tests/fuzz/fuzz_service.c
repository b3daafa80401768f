/* libFuzzer harness for the services.d parser: the input is parsed as
 * services.d/web.ini by jail_service_parse (what jail_service_load does
 * after its file checks).  Accepted input must give values inside their
 * documented ranges; a refusal must say why. */
#define _GNU_SOURCE
#include "config/service.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An absolute path with no ".." component. */
static int bad_path(const char *p)
{
	size_t n = strlen(p);

	return p[0] != '/' || strstr(p, "/../") || (n >= 3 && strcmp(p + n - 3, "/..") == 0);
}

static void check(const jail_service_t *s)
{
	if (s->jail == NULL || bad_path(s->jail) || strcmp(s->jail, "/") == 0)
		abort();
	if (s->exec.n == 0 || s->exec.v[0][0] != '/' || s->exec.v[s->exec.n] != NULL)
		abort();
	if (s->profile == NULL || s->workdir == NULL || bad_path(s->workdir))
		abort();
	if (s->user && (s->dynamic_user || strchr(s->user, '/')))
		abort();
	if (s->stop_timeout_ms == 0 || s->stop_timeout_ms > 3600 * 1000)
		abort();
	if (jail_signal_name(s->stop_signal) == NULL || jail_signal_name(s->reload_signal) == NULL)
		abort();
	if ((s->ready == JAIL_READY_TCP) != (s->ready_addrlen > 0))
		abort();
	if ((s->ready == JAIL_READY_FILE) != (s->ready_file != NULL))
		abort();
	for (const char *d = s->state_dir; d && *d; d++)
		if (*d == '/')
			abort();
	for (size_t i = 0; i < s->n_listen; i++) {
		const jail_listen_t *l = &s->listen[i];
		if (l->text == NULL || l->addrlen == 0 || l->addrlen > sizeof(l->addr))
			abort();
		if (l->addr.ss_family == AF_UNIX &&
		    strlen(((const struct sockaddr_un *)&l->addr)->sun_path) >=
			sizeof(((struct sockaddr_un *)0)->sun_path))
			abort();
	}
	for (size_t i = 0; i < s->environment.n; i++) {
		const char *e = s->environment.v[i];
		if (strchr(e, '=') == NULL || strncmp(e, "LD_PRELOAD=", 11) == 0 ||
		    strncmp(e, "LISTEN_", 7) == 0 || strncmp(e, "NOTIFY_SOCKET=", 14) == 0)
			abort();
	}
	for (size_t i = 0; i < s->bind_ro.n; i++)
		if (bad_path(s->bind_ro.v[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_error_t err = {0};
	jail_service_t *s = NULL;

	if (jail_service_parse((const char *)data, size, "/etc/jail/services.d/web.ini", "web", &s,
			       &err) == 0) {
		check(s);
		jail_service_free(s);
	} else if (err.msg[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	return 0;
}
