/* jailctl: the admin command line.  A thin front over libjail: it parses
 * arguments, calls the library and turns errors into messages and exit
 * codes. */
#define _GNU_SOURCE
#include "jailctl.h"
#include "config/config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
	const char *name;
	jailctl_cmd_fn fn;
	const char *help;
} commands[] = {
    {"init", cmd_init, "build or extend a jail from command sets"},
    {"update", cmd_update, "bring a jail's copied files up to date with the host"},
    {"check", cmd_check, "audit jails and configuration"},
    {"list", cmd_list, "list the command sets"},
    {"cp", cmd_cp, "copy files with their dependencies into a jail"},
    {"adduser", cmd_adduser, "jail a user"},
    {"deluser", cmd_deluser, "release a jailed user"},
    {"keys", cmd_keys, "print a jailed user's authorized_keys (AuthorizedKeysCommand)"},
    {"ps", cmd_ps, "list live sessions"},
    {"enter", cmd_enter, "run a command inside a live session"},
    {"kill", cmd_kill, "end a live session"},
    {"gc", cmd_gc, "remove records of sessions that are gone"},
    {"run", cmd_run, "run a service inside a jail"},
    {"unit", cmd_unit, "print the systemd units of a service"},
    {"metrics", cmd_metrics, "print Prometheus metrics (sessions, refusals, findings)"},
    {"setup", cmd_setup, "add (--undo: remove) the jail lines of pam.d/sshd and sshd_config"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: jailctl [--config DIR] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nRun 'jailctl COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	jailctl_ctx_t ctx = {.config_dir = JAIL_DEFAULT_CONFIG_DIR, .prog = "jailctl"};
	int c;

	umask(022);
	/* '+': stop at the first non-option, the subcommand. */
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx.config_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return JAILCTL_OK;
		case 'V':
			printf("jailctl %s\n", JAIL_VERSION);
			return JAILCTL_OK;
		default:
			usage(stderr);
			return JAILCTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return JAILCTL_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			char **sub = argv + optind;
			int subc = argc - optind;
			optind = 0; /* full getopt reset for the subcommand */
			return commands[i].fn(&ctx, subc, sub);
		}
	}
	jailctl_msg(NULL, "unknown command '%s'", argv[optind]);
	usage(stderr);
	return JAILCTL_USAGE;
}
