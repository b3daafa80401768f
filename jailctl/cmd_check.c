/* jailctl check [--json] [--pam-dir DIR] [--sshd-config FILE] [JAIL...]:
 * audit jails and the configuration; exit 0 when nothing was found, 1 on
 * any finding. */
#define _GNU_SOURCE
#include "jailctl.h"
#include "audit.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_SYNOPSIS "[--json] [--pam-dir DIR] [--sshd-config FILE] [JAIL...]"

static int print_text(const jail_findings_t *f)
{
	for (size_t i = 0; i < f->n; i++) {
		cleanup_free char *path = jail_text_escape(f->v[i].path);
		cleanup_free char *problem = jail_text_escape(f->v[i].problem);
		cleanup_free char *fix = jail_text_escape(f->v[i].fix);

		if (path == NULL || problem == NULL || fix == NULL)
			return -1;
		if (*fix)
			printf("%s: %s (fix: %s)\n", path, problem, fix);
		else
			printf("%s: %s\n", path, problem);
	}
	return 0;
}

static int print_json(const jail_findings_t *f)
{
	printf("[");
	for (size_t i = 0; i < f->n; i++) {
		const jail_finding_t *x = &f->v[i];
		cleanup_free char *jail = x->jail ? jail_json_string(x->jail) : strdup("null");
		cleanup_free char *path = jail_json_string(x->path);
		cleanup_free char *problem = jail_json_string(x->problem);
		cleanup_free char *fix = jail_json_string(x->fix);

		if (jail == NULL || path == NULL || problem == NULL || fix == NULL)
			return -1;
		printf("%s\n  {\"jail\": %s, \"path\": %s, \"problem\": %s, \"fix\": %s, "
		       "\"severity\": \"%s\"}",
		       i ? "," : "", jail, path, problem, fix, jail_severity_name(x->severity));
	}
	printf("%s]\n", f->n ? "\n" : "");
	return 0;
}

int cmd_check(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"pam-dir", required_argument, NULL, 'p'},
	    {"sshd-config", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	jail_audit_opts_t ao = {.config_dir = ctx->config_dir};
	jail_findings_t findings = {0};
	jail_strv_t jails = {0};
	jail_error_t err = {0};
	bool json = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			ao.pam_dir = optarg;
			ao.pam_always = true;
			break;
		case 's':
			ao.sshd_config = optarg;
			break;
		case 'h':
			printf("usage: jailctl check " CHECK_SYNOPSIS "\n"
			       "Audit the configuration, the PAM session stacks, sshd's forwarding "
			       "lockdown for jailed users\n(sshd -T; -f FILE with --sshd-config) "
			       "and JAILs (default: every jail the configuration names).\n"
			       "Prints one finding per line, PATH: PROBLEM (fix: FIX), or a JSON "
			       "array with --json;\nexits 1 when anything was found.\n");
			return JAILCTL_OK;
		default:
			return jailctl_usage("check", CHECK_SYNOPSIS);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (argv[i][0] != '/') {
			fprintf(stderr, "jailctl: check: %s: JAIL must be an absolute path\n",
				argv[i]);
			jail_strv_clear(&jails);
			return jailctl_usage("check", CHECK_SYNOPSIS);
		}
		if (jail_strv_push(&jails, argv[i], &err) < 0) {
			jail_strv_clear(&jails);
			return jailctl_fail(&err);
		}
	}
	ao.jails = &jails;
	if (jail_audit_run(&ao, &findings, &err) < 0) {
		jail_findings_clear(&findings);
		jail_strv_clear(&jails);
		return jailctl_fail(&err);
	}
	rc = json ? print_json(&findings) : print_text(&findings);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = -1;
	if (rc < 0) {
		fprintf(stderr, "jailctl: check: cannot print the findings: %s\n", strerror(errno));
		rc = JAILCTL_FAIL;
	} else {
		if (findings.n && !json)
			fprintf(stderr, "jailctl: check: %zu finding%s\n", findings.n,
				findings.n == 1 ? "" : "s");
		rc = findings.n ? JAILCTL_FAIL : JAILCTL_OK;
	}
	jail_findings_clear(&findings);
	jail_strv_clear(&jails);
	return rc;
}
