/* libFuzzer harness for the config loader: the input is written as a
 * profile and as jail.ini into a trusted scratch dir (root-owned, under
 * /run: run as root) and loaded through the real path (O_NOFOLLOW open,
 * fstat checks, pre-scan, iniparser via /proc/self/fd, validation).
 * Accepted input must give values inside their documented ranges. */
#define _GNU_SOURCE
#include "config/config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void cleanup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/profiles/f.ini", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/jail.ini", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/profiles", dir);
	rmdir(p);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[128];

	(void)argc;
	(void)argv;
	if (geteuid() != 0) {
		fprintf(stderr, "fuzz_config: run as root (config files must be root-owned)\n");
		exit(1);
	}
	snprintf(dir, sizeof(dir), "/run/jail-fuzz-XXXXXX");
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0)
		exit(1);
	snprintf(p, sizeof(p), "%s/profiles", dir);
	if (mkdir(p, 0755) < 0 || chmod(p, 0755) < 0)
		exit(1);
	atexit(cleanup);
	return 0;
}

static void put(const char *rel, const uint8_t *data, size_t size)
{
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || fchmod(fd, 0644) < 0)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_error_t err = {0};
	jail_profile_t *p = NULL;
	jail_config_t *cfg = NULL;

	put("profiles/f.ini", data, size);
	if (jail_profile_load(dir, "f", &p, &err) == 0) {
		if (p->spec.hostname == NULL || strlen(p->spec.hostname) > 64 ||
		    p->spec.limits.pids_max == 0 || p->spec.limits.memory_max < (1ULL << 20) ||
		    p->spec.tmp_size < (64ULL << 10) || p->spec.limits.io_weight > 10000)
			abort();
		for (size_t i = 0; i < p->spec.commands.n; i++)
			if (strchr(p->spec.commands.v[i], '/'))
				abort();
		for (size_t i = 0; i < p->spec.bind_ro.n; i++)
			if (p->spec.bind_ro.v[i][0] != '/' || strstr(p->spec.bind_ro.v[i], ".."))
				abort();
		if (!jail_valid_shell(p->shell))
			abort(); /* what the session file will carry */
		jail_profile_free(p);
	} else if (err.msg[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	put("jail.ini", data, size);
	if (jail_config_load(dir, &cfg, &err) == 0) {
		for (size_t i = 0; i < cfg->n_users; i++)
			if (cfg->users[i].jail[0] != '/' || strchr(cfg->users[i].name, '/') ||
			    (cfg->users[i].shell && !jail_valid_shell(cfg->users[i].shell)))
				abort();
		for (size_t i = 0; i < cfg->n_groups; i++)
			if (cfg->groups[i].shell && !jail_valid_shell(cfg->groups[i].shell))
				abort();
		jail_config_free(cfg);
	} else if (err.msg[0] == '\0') {
		abort();
	}
	return 0;
}
