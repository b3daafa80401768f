/* jailctl check [--json] [--pam-dir DIR] [--sshd-config FILE] [JAIL...]:
 * audit jails and the configuration; exit 0 when nothing was found, 1 on
 * any finding. */
#define _GNU_SOURCE
#include "jailctl.h"
#include "audit/audit.h"
#include "audit/layers.h"
#include "base/text.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_SYNOPSIS "[--json] [--layers] [--pam-dir DIR] [--sshd-config FILE] [JAIL...]"
/* check --json: {"schema": "jail.check", "version": N, ["layers": {...},] "findings": [...]} */
#define JAILCTL_CHECK_VERSION 1

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

/* ---- --layers: what the kernel enforces (lib/audit/layers.h) ---- */

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_layers_text(const jail_layers_t *l)
{
	printf("kernel: seccomp filter: %s\n", yes_no(l->seccomp_filter));
	printf("kernel: no_new_privs: %s\n", yes_no(l->no_new_privs));
	printf("kernel: user namespaces: max_user_namespaces ");
	if (l->userns_max >= 0)
		printf("%ld", l->userns_max);
	else
		printf("unknown");
	if (l->userns_unprivileged >= 0)
		printf(", unprivileged_userns_clone %d", l->userns_unprivileged);
	printf(" (the seccomp filter refuses new namespaces in sessions)\n");
	if (l->cgroup_version == 0)
		printf("kernel: cgroup: none found\n");
	else
		printf("kernel: cgroup: v%d%s, controllers: %s\n", l->cgroup_version,
		       l->cgroup_hybrid ? " (hybrid)" : "",
		       l->cgroup_controllers[0] ? l->cgroup_controllers : "none");
	if (l->landlock_abi == 0) {
		printf("kernel: landlock: no\n");
	} else {
		printf("kernel: landlock: ABI %d:", l->landlock_abi);
		for (size_t i = 0; i < jail_landlock_nfeatures; i++) {
			const jail_landlock_feature_t *f = &jail_landlock_features[i];
			if (f->abi <= l->landlock_abi)
				printf("%s %s (%s%s)", i ? "," : "", f->what, f->kernel,
				       f->used ? "" : ", not used by jail");
		}
		for (size_t i = 0, n = 0; i < jail_landlock_nfeatures; i++) {
			const jail_landlock_feature_t *f = &jail_landlock_features[i];
			if (f->abi > l->landlock_abi)
				printf("%s %s (%s)", n++ ? "," : "; missing:", f->what, f->kernel);
		}
		if ((size_t)l->landlock_abi > jail_landlock_nfeatures)
			printf(", and what later ABIs add");
		printf("\n");
	}
	printf("kernel: apparmor: %s", l->apparmor ? "enabled" : "not enabled");
	if (l->apparmor)
		printf(", unix socket mediation: %s", l->apparmor_unix < 0
							  ? "unknown (no securityfs features)"
							  : yes_no(l->apparmor_unix == 1));
	printf("\n");
	if (jail_layers_abstract_unix_open(l))
		printf("kernel: abstract unix sockets: the host's are reachable from net = host "
		       "sessions (no Landlock scoping: ABI %d < %d, Linux 6.12; %s)\n",
		       l->landlock_abi, JAIL_LANDLOCK_SCOPE_ABI,
		       !l->apparmor	      ? "no AppArmor"
		       : l->apparmor_unix < 0 ? "AppArmor unix mediation unknown"
					      : "AppArmor does not mediate unix sockets");
	else
		printf("kernel: abstract unix sockets: scoped for jailed sessions (%s)\n",
		       l->landlock_abi >= JAIL_LANDLOCK_SCOPE_ABI ? "Landlock"
								  : "AppArmor unix mediation");
}

static void print_layers_json(const jail_layers_t *l)
{
	cleanup_free char *ctl = jail_json_string(l->cgroup_controllers);

	printf("{\"seccomp_filter\": %s, \"no_new_privs\": %s, ",
	       l->seccomp_filter ? "true" : "false", l->no_new_privs ? "true" : "false");
	if (l->userns_max >= 0)
		printf("\"max_user_namespaces\": %ld, ", l->userns_max);
	else
		printf("\"max_user_namespaces\": null, ");
	if (l->userns_unprivileged >= 0)
		printf("\"unprivileged_userns_clone\": %d, ", l->userns_unprivileged);
	else
		printf("\"unprivileged_userns_clone\": null, ");
	printf("\"cgroup_version\": %d, \"cgroup_hybrid\": %s, \"cgroup_controllers\": %s, ",
	       l->cgroup_version, l->cgroup_hybrid ? "true" : "false", ctl ? ctl : "\"\"");
	printf("\"landlock_abi\": %d, \"apparmor\": %s, \"apparmor_unix\": %s, ", l->landlock_abi,
	       l->apparmor ? "true" : "false",
	       l->apparmor_unix < 0 ? "null"
	       : l->apparmor_unix   ? "true"
				    : "false");
	printf("\"abstract_unix_reachable_from_net_host\": %s}",
	       jail_layers_abstract_unix_open(l) ? "true" : "false");
}

static int print_json(const jail_findings_t *f)
{
	printf("\"findings\": [");
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
	printf("%s]", f->n ? "\n" : "");
	return 0;
}

int cmd_check(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"layers", no_argument, NULL, 'l'},
	    {"pam-dir", required_argument, NULL, 'p'},
	    {"sshd-config", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	jail_audit_opts_t ao = {.config_dir = ctx->config_dir};
	jail_findings_t findings = {0};
	jail_strv_t jails = {0};
	jail_error_t err = {0};
	bool json = false, layers = false;
	jail_layers_t lay;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'l':
			layers = true;
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
			       "object with --json\n(jailctl(8), JSON OUTPUT);\nexits 1 when "
			       "anything was found.\n"
			       "--layers first reports which protection layers this kernel "
			       "enforces\n(kernel: lines; with --json a \"layers\" object).\n");
			return JAILCTL_OK;
		default:
			return jailctl_usage("check", CHECK_SYNOPSIS);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (argv[i][0] != '/') {
			jailctl_msg("check", "%s: JAIL must be an absolute path", argv[i]);
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
	if (layers && jail_layers_probe("/sys", "/proc", &lay, &err) < 0) {
		jail_findings_clear(&findings);
		jail_strv_clear(&jails);
		return jailctl_fail(&err);
	}
	/* The schema (jailctl(8), JSON OUTPUT): fields are only added
	 * within a version; a rename or a removal bumps it.  "layers" only
	 * with --layers. */
	if (json)
		printf("{\"schema\": \"jail.check\", \"version\": %d, ", JAILCTL_CHECK_VERSION);
	if (layers && json) {
		printf("\"layers\": ");
		print_layers_json(&lay);
		printf(",\n");
	} else if (layers) {
		print_layers_text(&lay);
	}
	rc = json ? print_json(&findings) : print_text(&findings);
	if (rc == 0 && json)
		printf("}\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = -1;
	if (rc < 0) {
		jailctl_msg("check", "cannot print the findings: %s", strerror(errno));
		rc = JAILCTL_FAIL;
	} else {
		if (findings.n && !json)
			jailctl_msg("check", "%zu finding%s", findings.n,
				    findings.n == 1 ? "" : "s");
		rc = findings.n ? JAILCTL_FAIL : JAILCTL_OK;
	}
	jail_findings_clear(&findings);
	jail_strv_clear(&jails);
	return rc;
}
