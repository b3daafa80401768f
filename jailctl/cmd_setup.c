/* jailctl setup sshd [--undo] [--dry-run] [--pam-file FILE] [--sshd-config FILE]
 * [--sshd PATH] [--pam-module MODULE]: make (or undo) the two edits of
 * templates/pam.d-sshd.snippet and templates/sshd_config.snippet.  The
 * editing, the checks and the validation are lib/audit/setup.c's; this
 * file parses options, reads [jail] ssh_group and prints what happened.
 * It never signals sshd: it prints the command that reloads it. */
#define _GNU_SOURCE
#include "jailctl.h"
#include "audit/setup.h"
#include "config/config.h"

#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef JAIL_SBINDIR
#define JAIL_SBINDIR "/usr/local/sbin"
#endif

#define SETUP_SYNOPSIS                                                                             \
	"sshd [--undo] [--dry-run] [--pam-file FILE] [--sshd-config FILE] [--sshd PATH] "          \
	"[--pam-module MODULE]"

/* --dry-run: the change as a unified diff without context (diff -U0). */
static void print_diff(const jail_setup_file_t *f, bool undo)
{
	const jail_setup_edit_t *e = &f->edit;
	size_t k = e->lines.n;

	printf("--- %s\n+++ %s (%s)\n", f->path, f->path,
	       undo ? "jailctl setup sshd --undo" : "jailctl setup sshd");
	if (undo)
		printf("@@ -%zu,%zu +%zu,0 @@\n", e->line, k, e->line - 1);
	else
		printf("@@ -%zu,0 +%zu,%zu @@\n", e->line - 1, e->line, k);
	for (size_t i = 0; i < k; i++)
		printf("%c%s\n", undo ? '-' : '+', e->lines.v[i]);
}

static void report(const jail_setup_file_t *f, bool undo, bool dry_run)
{
	const jail_setup_edit_t *e = &f->edit;
	size_t last = e->line + e->lines.n - 1;

	if (!e->changed) {
		if (undo)
			printf("%s: no jail block: nothing changed\n", f->path);
		else
			printf("%s: already set up (lines %zu-%zu): nothing changed\n", f->path,
			       e->line, last);
		return;
	}
	if (dry_run) {
		print_diff(f, undo);
		return;
	}
	if (!undo) {
		printf("%s: added the jail block at lines %zu-%zu (the previous content is in "
		       "%s)\n",
		       f->path, e->line, last, f->backup);
	} else if (f->exact) {
		printf("%s: removed the jail block (lines %zu-%zu): byte-identical to the file "
		       "before setup again (%s removed)\n",
		       f->path, e->line, last, f->backup);
	} else if (f->no_backup) {
		printf("%s: removed the jail block (lines %zu-%zu); no %s to compare with\n",
		       f->path, e->line, last, f->backup);
	} else {
		printf("%s: removed the jail block (lines %zu-%zu); the file was edited since "
		       "setup and those edits are kept (%s holds it as it was before setup)\n",
		       f->path, e->line, last, f->backup);
	}
}

int cmd_setup(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"undo", no_argument, NULL, 'u'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"pam-file", required_argument, NULL, 'p'},
	    {"sshd-config", required_argument, NULL, 's'},
	    {"sshd", required_argument, NULL, 'S'},
	    {"pam-module", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	jail_setup_opts_t o = {
	    .config_dir = ctx->config_dir,
	    .jailctl = JAIL_SBINDIR "/jailctl",
	};
	jail_setup_result_t r = {0};
	jail_config_t *cfg = NULL;
	jail_error_t err = {0};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o.undo = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'p':
			o.pam_file = optarg;
			break;
		case 's':
			o.sshd_config = optarg;
			break;
		case 'S':
			o.sshd = optarg;
			break;
		case 'm':
			o.module = optarg;
			break;
		case 'h':
			printf(
			    "usage: jailctl setup " SETUP_SYNOPSIS "\n"
			    "Add 'session required pam_jail.so' as the last session line of "
			    "/etc/pam.d/sshd and the\njail Match block to the end of "
			    "/etc/ssh/sshd_config, each between marker comments;\n"
			    "--undo removes exactly those blocks.  The new sshd_config must "
			    "pass 'sshd -T -f'\n(with UsePAM yes) before anything is replaced; "
			    "each file's previous content is\nkept in FILE" JAIL_SETUP_BACKUP_SUFFIX
			    ".  --dry-run prints the change as a diff.  sshd is not reloaded.\n"
			    "Refused, changing nothing, when pam_jail.so is already in the session "
			    "stack\n(in the file or in one it includes) or another setup holds "
			    "the lock for 10 s.\n");
			return JAILCTL_OK;
		default:
			return jailctl_usage("setup", SETUP_SYNOPSIS);
		}
	}
	if (optind + 1 != argc || strcmp(argv[optind], "sshd") != 0) {
		if (optind < argc)
			jailctl_msg("setup", "unknown target '%s' (only sshd)", argv[optind]);
		return jailctl_usage("setup", SETUP_SYNOPSIS);
	}
	if (!o.undo) {
		/* The Match Group is jail.ini's [jail] ssh_group. */
		if (jail_config_load_flags(ctx->config_dir, JAIL_CONFIG_SKIP_PROFILES, &cfg, &err) <
		    0) {
			jail_error_wrap(&err,
					"the configuration in %s does not load (setup reads "
					"[jail] ssh_group from it)",
					ctx->config_dir);
			return jailctl_err("setup", &err);
		}
		o.group = cfg->ssh_group;
	}
	if (jail_setup_sshd(&o, &r, &err) < 0) {
		jail_config_free(cfg);
		jail_setup_result_clear(&r);
		return jailctl_err("setup", &err);
	}
	report(&r.pam, o.undo, o.dry_run);
	report(&r.sshd, o.undo, o.dry_run);
	fflush(stdout); /* the warnings (stderr) after the report */
	if (!o.undo && r.sshd.edit.changed) {
		if (getgrnam(o.group) == NULL)
			jailctl_warn("setup",
				     "group %s does not exist yet: jailctl adduser creates it (and "
				     "puts every user it jails in it)",
				     o.group);
		if (access(o.jailctl, X_OK) < 0)
			jailctl_warn("setup",
				     "%s is not installed: sshd's AuthorizedKeysCommand will fail "
				     "until it is (make install)",
				     o.jailctl);
	}
	if (o.dry_run) {
		if (r.pam.edit.changed || r.sshd.edit.changed)
			printf("dry run: nothing written\n");
	} else if (r.sshd.edit.changed) {
		printf("sshd reads %s only when it starts or gets SIGHUP: reload it yourself, "
		       "e.g. 'systemctl reload ssh' (Debian) or 'kill -HUP $(cat /run/sshd.pid)'; "
		       "%s applies to the next login as it is\n",
		       r.sshd.path, r.pam.path);
	} else if (r.pam.edit.changed) {
		printf("%s applies to the next login; sshd needs no reload\n", r.pam.path);
	}
	jail_config_free(cfg);
	jail_setup_result_clear(&r);
	return JAILCTL_OK;
}
