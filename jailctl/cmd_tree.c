/* jailctl init, update, cp, list: the jail tree commands (lib/tree/tree.h). */
#define _GNU_SOURCE
#include "jailctl.h"
#include "audit/affected.h"
#include "base/text.h"
#include "tree/ldcache.h"
#include "config/config.h"
#include "session/registry.h"
#include "tree/sections.h"
#include "tree/tree.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct printer {
	const char *cmd;
	bool verbose;
} printer_t;

/* Actions go to stdout (with -v, or always for update); warnings always to
 * stderr. */
static void print_action(void *arg, const char *action, const char *path, const char *detail)
{
	const printer_t *p = arg;

	if (strcmp(action, "warning") == 0) {
		jailctl_warn(p->cmd, "%s", detail ? detail : path);
		return;
	}
	if (strcmp(action, "packages") == 0) {
		printf("packages %s: %s\n", path, detail ? detail : "");
		return;
	}
	if (!p->verbose)
		return;
	if (detail)
		printf("%s %s %s\n", action, path, detail);
	else
		printf("%s %s\n", action, path);
}

/* After a tree change: the loader cache (lib/tree/ldcache.h).  A failure leaves
 * the jail working, only slower to start programs (and without libraries
 * found through ld.so.conf only): a warning, not an error. */
static void write_ldcache(const char *cmd, const char *jail)
{
	jail_error_t err = {0};

	if (jail_ldcache_write(jail, &err) < 0)
		jailctl_warn(cmd, "no etc/ld.so.cache written: %s", err.msg);
}

static bool is_file(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The shipped sections when running from the build tree:
 * <dir of jailctl>/../templates/sections.ini. */
static char *build_tree_sections(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *path;

	if (n < 0)
		return NULL;
	exe[n] = '\0';
	path = jail_strdup_printf("%s/../templates/sections.ini", dirname(exe));
	if (path && !is_file(path)) {
		free(path);
		return NULL;
	}
	return path;
}

/* -f FILE, else [jail] sections from the configuration, else the installed
 * default, else the build tree's templates/sections.ini. */
static int sections_file(const jailctl_ctx_t *ctx, const char *opt, char **out, jail_error_t *err)
{
	jail_config_t *cfg = NULL;
	jail_error_t e2 = {0};
	const char *def = JAIL_DATADIR "/sections.ini";

	*out = NULL;
	if (opt) {
		*out = strdup(opt);
		return *out ? 0 : jail_error_set(err, ENOMEM, "sections");
	}
	if (jail_config_load(ctx->config_dir, &cfg, &e2) == 0) {
		bool is_default = strcmp(cfg->sections_file, def) == 0;
		if (!is_default || is_file(cfg->sections_file))
			*out = strdup(cfg->sections_file);
		jail_config_free(cfg);
		if (*out)
			return 0;
	} else if (!jail_error_is(&e2, ENOENT) ||
		   strcmp(ctx->config_dir, JAIL_DEFAULT_CONFIG_DIR) != 0) {
		/* A configuration that exists but is wrong is reported, never
		 * silently replaced by defaults. */
		*err = e2;
		return -1;
	} else if (is_file(def)) {
		*out = strdup(def);
		return *out ? 0 : jail_error_set(err, ENOMEM, "sections");
	}
	*out = build_tree_sections();
	if (*out == NULL)
		return jail_error_fmt(err, ENOENT,
				      "no sections file: %s does not exist and no [jail] sections "
				      "is configured (use -f FILE)",
				      def);
	return 0;
}

static int load_sections(const jailctl_ctx_t *ctx, const char *opt, jail_sections_t **out,
			 jail_error_t *err)
{
	cleanup_free char *file = NULL;

	if (sections_file(ctx, opt, &file, err) < 0)
		return -1;
	return jail_sections_load(file, out, err);
}

static const char init_usage[] = "[-f SECTIONS] [-v] [--allow-setuid] [-p|--package NAME]... "
				 "[--package-docs] JAIL [SECTION...]";

int cmd_init(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"allow-setuid", no_argument, NULL, 'S'},
	    {"package", required_argument, NULL, 'p'},
	    {"package-docs", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	printer_t pr = {.cmd = "init"};
	jail_strv_t packages = {0};
	jail_tree_opts_t topts = {.report = print_action, .report_arg = &pr};
	const char *file = NULL;
	jail_sections_t *secs = NULL;
	const jail_section_t **exp = NULL;
	size_t nexp = 0;
	jail_strv_t names = {0};
	jail_error_t err = {0};
	int c, ret = JAILCTL_FAIL;

	while ((c = getopt_long(argc, argv, "f:vp:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'v':
			pr.verbose = true;
			break;
		case 'S':
			topts.allow_setuid = true;
			break;
		case 'p':
			/* Repeatable; a value may also list several names. */
			if (jail_split_list(optarg, &packages, &err) < 0)
				goto out;
			break;
		case 'D':
			topts.package_docs = true;
			break;
		case 'h':
			printf("usage: jailctl init %s\n", init_usage);
			jail_strv_clear(&packages);
			return JAILCTL_OK;
		default:
			jail_strv_clear(&packages);
			return jailctl_usage("init", init_usage);
		}
	}
	/* Sections, packages or both. */
	if (argc - optind < (packages.n ? 1 : 2)) {
		jail_strv_clear(&packages);
		return jailctl_usage("init", init_usage);
	}
	topts.packages = &packages;
	for (int i = optind + 1; i < argc; i++)
		if (jail_strv_add_unique(&names, argv[i], &err) < 0)
			goto out;
	if (names.n > 0 && (load_sections(ctx, file, &secs, &err) < 0 ||
			    jail_sections_expand(secs, &names, &exp, &nexp, &err) < 0))
		goto out;
	if (jail_tree_init(argv[optind], (const jail_section_t *const *)exp, nexp, &topts, &err) <
	    0)
		goto out;
	write_ldcache("init", argv[optind]);
	ret = JAILCTL_OK;
out:
	fflush(stdout);
	if (ret != JAILCTL_OK)
		jailctl_err("init", &err);
	free(exp);
	jail_sections_free(secs);
	jail_strv_clear(&names);
	jail_strv_clear(&packages);
	return ret;
}

static const char update_usage[] = "[-n] [-v] [--prune] JAIL | --affected [--json] JAIL";

/* The name an affected line shows for a record: a service's name
 * (svc:NAME, as ps shows it), else the session's user. */
static const char *record_label(const jail_session_record_t *r)
{
	static char buf[80];

	if (r->service == NULL)
		return r->user;
	snprintf(buf, sizeof(buf), "svc:%s", r->service);
	return buf;
}

/* The registry named by the configuration (the default one when the
 * default configuration directory has no jail.ini).  -1 with *fd -1 on
 * error; 0 with *fd -1 when there is none (no session ever ran). */
static int open_registry(const jailctl_ctx_t *ctx, int *fd, jail_error_t *err)
{
	jail_config_t *cfg = NULL;
	jail_error_t e2 = {0};
	const char *dir = JAIL_REGISTRY_DIR;

	*fd = -1;
	if (jail_config_load(ctx->config_dir, &cfg, &e2) == 0)
		dir = cfg->registry_dir;
	else if (!jail_error_is(&e2, ENOENT) ||
		 strcmp(ctx->config_dir, JAIL_DEFAULT_CONFIG_DIR) != 0)
		return jail_error_move(err, &e2);
	*fd = jail_registry_open(dir, false, &e2);
	jail_config_free(cfg);
	if (*fd >= 0)
		return 0;
	if (jail_error_is(&e2, ENOENT))
		return 0;
	jail_error_move(err, &e2);
	return jail_error_wrap(err, "session registry");
}

/* At most this many stale files per process on a text line, then "+N more". */
#define AFFECTED_FILES_SHOWN 3

static void print_affected_text(const jail_affected_t *a, const char *jail)
{
	for (size_t i = 0; i < a->n; i++) {
		const jail_affected_session_t *s = &a->v[i];
		for (size_t j = 0; j < s->nprocs; j++) {
			const jail_affected_proc_t *p = &s->procs[j];
			size_t shown =
			    p->files.n < AFFECTED_FILES_SHOWN ? p->files.n : AFFECTED_FILES_SHOWN;

			printf("%s  %s  %ld  %s ", s->rec->id, record_label(s->rec), (long)p->pid,
			       p->comm);
			for (size_t k = 0; k < shown; k++)
				printf(" %s", p->files.v[k]);
			if (p->files.n > shown)
				printf(" +%zu more", p->files.n - shown);
			printf("\n");
		}
	}
	if (a->n == 0)
		printf("no running session or service of %s maps a replaced file "
		       "(%zu live sessions/services, %zu processes checked)\n",
		       jail, a->live, a->checked);
	else
		printf("%zu sessions/services, %zu processes map replaced files: restart "
		       "them to use the new ones\n",
		       a->n, a->nprocs);
}

static void print_affected_json(const jail_affected_t *a)
{
	size_t shown = 0;

	printf("[");
	for (size_t i = 0; i < a->n; i++) {
		const jail_affected_session_t *s = &a->v[i];
		for (size_t j = 0; j < s->nprocs; j++) {
			const jail_affected_proc_t *p = &s->procs[j];

			printf("%s\n  {\"id\": ", shown++ ? "," : "");
			jail_json_fputs(stdout, s->rec->id);
			printf(", \"user\": ");
			jail_json_fputs(stdout, s->rec->user);
			printf(", \"name\": ");
			jail_json_fputs(stdout, record_label(s->rec));
			printf(", \"pid\": %ld, \"comm\": ", (long)p->pid);
			jail_json_fputs(stdout, p->comm);
			printf(", \"files\": [");
			for (size_t k = 0; k < p->files.n; k++) {
				printf("%s", k ? ", " : "");
				jail_json_fputs(stdout, p->files.v[k]);
			}
			printf("]}");
		}
	}
	printf("%s]\n", shown ? "\n" : "");
}

/* update --affected JAIL: list, change nothing.  Exit 0 whether or not
 * anything is affected: the list is the answer. */
static int update_affected(const jailctl_ctx_t *ctx, const char *jail, bool json)
{
	jail_affected_t a = {0};
	jail_strv_t notes = {0};
	jail_error_t err = {0};
	int regfd = -1;

	if (open_registry(ctx, &regfd, &err) < 0)
		return jailctl_err("update", &err);
	if (jail_affected_find(regfd, jail, &a, &notes, &err) < 0) {
		if (regfd >= 0)
			close(regfd);
		jail_strv_clear(&notes);
		return jailctl_err("update", &err);
	}
	if (regfd >= 0)
		close(regfd);
	for (size_t i = 0; i < notes.n; i++)
		jailctl_warn("update", "%s", notes.v[i]);
	if (json)
		print_affected_json(&a);
	else
		print_affected_text(&a, jail);
	jail_affected_clear(&a);
	jail_strv_clear(&notes);
	return JAILCTL_OK;
}

int cmd_update(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"prune", no_argument, NULL, 'P'},
	    {"affected", no_argument, NULL, 'A'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	/* update always says what it changes (or would change with -n). */
	printer_t pr = {.cmd = "update", .verbose = true};
	jail_tree_opts_t topts = {.report = print_action, .report_arg = &pr};
	jail_error_t err = {0};
	bool affected = false, json = false;
	int c;

	while ((c = getopt_long(argc, argv, "nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			topts.dry_run = true;
			break;
		case 'v':
			break;
		case 'P':
			topts.prune = true;
			break;
		case 'A':
			affected = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: jailctl update %s\n", update_usage);
			return JAILCTL_OK;
		default:
			return jailctl_usage("update", update_usage);
		}
	}
	if (argc - optind != 1)
		return jailctl_usage("update", update_usage);
	/* --affected only lists; --json only goes with it. */
	if (affected ? topts.dry_run || topts.prune : json)
		return jailctl_usage("update", update_usage);
	if (affected)
		return update_affected(ctx, argv[optind], json);
	if (jail_tree_update(argv[optind], &topts, &err) < 0) {
		fflush(stdout);
		return jailctl_err("update", &err);
	}
	if (!topts.dry_run)
		write_ldcache("update", argv[optind]);
	return JAILCTL_OK;
}

static const char cp_usage[] = "[-v] JAIL PATH...";

int cmd_cp(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	printer_t pr = {.cmd = "cp"};
	jail_tree_opts_t topts = {.report = print_action, .report_arg = &pr};
	jail_strv_t paths = {0};
	jail_error_t err = {0};
	int c, ret = JAILCTL_OK;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			pr.verbose = true;
			break;
		case 'h':
			printf("usage: jailctl cp %s\n", cp_usage);
			return JAILCTL_OK;
		default:
			return jailctl_usage("cp", cp_usage);
		}
	}
	if (argc - optind < 2)
		return jailctl_usage("cp", cp_usage);
	for (int i = optind + 1; i < argc; i++) {
		if (jail_strv_push(&paths, argv[i], &err) < 0) {
			ret = jailctl_err("cp", &err);
			goto out;
		}
	}
	if (jail_tree_cp(argv[optind], &paths, &topts, &err) < 0) {
		fflush(stdout);
		ret = jailctl_err("cp", &err);
	} else {
		write_ldcache("cp", argv[optind]);
	}
out:
	jail_strv_clear(&paths);
	return ret;
}

static const char list_usage[] = "[-f SECTIONS]";

int cmd_list(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *file = NULL;
	jail_sections_t *secs = NULL;
	jail_error_t err = {0};
	int c, width = 0;

	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'h':
			printf("usage: jailctl list %s\n", list_usage);
			return JAILCTL_OK;
		default:
			return jailctl_usage("list", list_usage);
		}
	}
	if (optind != argc)
		return jailctl_usage("list", list_usage);
	if (load_sections(ctx, file, &secs, &err) < 0)
		return jailctl_err("list", &err);
	for (size_t i = 0; i < secs->n; i++) {
		int len = (int)strlen(secs->v[i].name);
		if (len > width)
			width = len;
	}
	for (size_t i = 0; i < secs->n; i++) {
		const char *comment = secs->v[i].comment;
		if (comment && comment[0])
			printf("%-*s  %s\n", width, secs->v[i].name, comment);
		else
			printf("%s\n", secs->v[i].name);
	}
	jail_sections_free(secs);
	return JAILCTL_OK;
}
