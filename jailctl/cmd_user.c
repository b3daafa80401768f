/* jailctl adduser, deluser: jail a host user and release one (jailctl keys
 * is in cmd_keys.c).
 *
 * adduser never half-applies: every input is checked before anything is
 * changed, then the steps run in an order where each intermediate state is
 * safe (the host shell becomes jailsh BEFORE users.d/USER.ini exists, so a
 * login in between is refused by jailsh rather than let into the jail
 * without it), and a failing step undoes the earlier ones.
 *
 * Everything inside a jail and in a home is reached through directory fds
 * without following symlinks (lib/tree/home.c, lib/tree/passwd.c). */
#define _GNU_SOURCE
#include "jailctl.h"
#include "config/config.h"
#include "tree/home.h"
#include "tree/passwd.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_SHELL "/bin/bash"

/* ------------------------------------------------------------------------ */
/* usermod                                                                   */

/* Set USER's host login shell with usermod(8), run directly (no shell), with
 * a fixed environment.  usermod edits /etc/passwd with its own locking. */
static int set_host_shell(const char *user, const char *shell, jail_error_t *err)
{
	static const char *const paths[] = {"/usr/sbin/usermod", "/sbin/usermod"};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	const char *prog = NULL;
	pid_t pid;
	int status;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && !prog; i++)
		if (access(paths[i], X_OK) == 0)
			prog = paths[i];
	if (prog == NULL)
		return jail_error_fmt(err, ENOENT,
				      "usermod not found (expected /usr/sbin/usermod, package "
				      "passwd)");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return jail_error_set(err, errno, "fork");
	if (pid == 0) {
		char *const argv[] = {"usermod", "-s", (char *)shell, (char *)user, NULL};
		/* usermod's own messages go to stderr; stdout stays ours (keys). */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execve(prog, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return jail_error_set(err, errno, "wait for usermod");
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char how[64];
		return jail_error_fmt(err, EIO, "usermod -s %s %s failed (%s)", shell, user,
				      jailctl_wait_status(status, how, sizeof(how)));
	}
	return 0;
}

/* The host's current login shell of USER (malloc'd), NULL if unknown. */
static char *host_shell(const char *user)
{
	struct passwd *pw = getpwnam(user);

	return pw && pw->pw_shell ? strdup(pw->pw_shell) : NULL;
}

/* ------------------------------------------------------------------------ */
/* The ssh group ([jail] ssh_group)                                          */

/* Run the shadow tool TOOL (groupadd, gpasswd, groupdel) directly, without a
 * shell, with a fixed environment.  Its stdout (gpasswd's "Adding user ...")
 * is dropped, its stderr is ours.  These tools lock /etc/group and
 * /etc/gshadow themselves. */
static int run_group_tool(const char *tool, char *const argv[], jail_error_t *err)
{
	static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	char prog[64] = "";
	pid_t pid;
	int status;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !prog[0]; i++) {
		snprintf(prog, sizeof(prog), "%s/%s", dirs[i], tool);
		if (access(prog, X_OK) < 0)
			prog[0] = '\0';
	}
	if (!prog[0])
		return jail_error_fmt(err, ENOENT,
				      "%s not found (expected /usr/sbin/%s or /usr/bin/%s, package "
				      "passwd)",
				      tool, tool, tool);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return jail_error_set(err, errno, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execve(prog, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return jail_error_set(err, errno, "wait for %s", tool);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char cmd[256] = "", how[64];
		for (size_t i = 0; argv[i]; i++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s", i ? " " : "",
				 argv[i]);
		return jail_error_fmt(err, EIO, "%s failed (%s)", cmd,
				      jailctl_wait_status(status, how, sizeof(how)));
	}
	return 0;
}

/* Is USER (primary group PRIMARY) a member of GROUP, as sshd's Match Group
 * sees it (primary group or listed member)?  *exists tells whether GROUP
 * exists at all. */
static bool in_group(const char *group, const char *user, gid_t primary, bool *exists)
{
	struct group *gr = getgrnam(group);

	*exists = gr != NULL;
	if (gr == NULL)
		return false;
	if (gr->gr_gid == primary)
		return true;
	for (char **m = gr->gr_mem; m && *m; m++)
		if (strcmp(*m, user) == 0)
			return true;
	return false;
}

/* Whether GROUP has a line in the host's /etc/group: gpasswd edits only
 * that file, while NSS may answer a group from a directory (LDAP). */
static bool in_etc_group(const char *group)
{
	FILE *f = fopen("/etc/group", "re");
	char *line = NULL;
	size_t cap = 0, n = strlen(group);
	bool found = false;

	if (f == NULL)
		return true; /* let gpasswd report it */
	while (!found && getline(&line, &cap, f) > 0)
		found = strncmp(line, group, n) == 0 && line[n] == ':';
	free(line);
	fclose(f);
	return found;
}

/* Put USER in GROUP, creating the group (a system group) if it is missing.
 * *created and *added say what was done, for ssh_group_undo(). */
static int ssh_group_add(const char *group, const char *user, gid_t primary, bool *created,
			 bool *added, jail_error_t *err)
{
	bool exists;

	*created = *added = false;
	if (in_group(group, user, primary, &exists))
		return 0;
	if (!exists) {
		char *const argv[] = {"groupadd", "--system", (char *)group, NULL};
		if (run_group_tool("groupadd", argv, err) < 0)
			return jail_error_wrap(err, "ssh group (jail.ini [jail] ssh_group)");
		*created = true;
	} else if (!in_etc_group(group)) {
		return jail_error_fmt(
		    err, ENOENT,
		    "ssh group (jail.ini [jail] ssh_group): %s is not in /etc/group "
		    "(NSS answers it from elsewhere, a directory): add %s to it "
		    "there, or name a local group",
		    group, user);
	}
	{
		char *const argv[] = {"gpasswd", "-a", (char *)user, (char *)group, NULL};
		if (run_group_tool("gpasswd", argv, err) < 0)
			return jail_error_wrap(err, "ssh group (jail.ini [jail] ssh_group)");
	}
	*added = true;
	return 0;
}

/* Record GROUP among A's supplementary groups (it was just added on the
 * host, after A was read), so the jail's group file lists it as a re-run
 * of adduser would. */
static int acct_note_group(jail_account_t *a, const char *group, jail_error_t *err)
{
	struct group *gr = getgrnam(group);
	gid_t *ng;

	if (gr == NULL)
		return jail_error_fmt(err, ENOENT, "group %s: not found after adding it", group);
	if (gr->gr_gid == a->gid || jail_strv_contains(&a->groups, group))
		return 0;
	ng = realloc(a->group_gids, (a->groups.n + 1) * sizeof(*ng));
	if (ng == NULL)
		return jail_error_set(err, ENOMEM, "adduser");
	a->group_gids = ng;
	ng[a->groups.n] = gr->gr_gid;
	return jail_strv_push(&a->groups, group, err);
}

/* Take USER out of GROUP (the group itself stays).  A user whose primary
 * group it is cannot be taken out: a warning says so. */
static int ssh_group_remove(const char *group, const char *user, gid_t primary, jail_error_t *err)
{
	struct group *gr = getgrnam(group);
	bool listed = false;

	if (gr == NULL)
		return 0;
	for (char **m = gr->gr_mem; m && *m && !listed; m++)
		listed = strcmp(*m, user) == 0;
	if (gr->gr_gid == primary)
		jailctl_warn("deluser", "%s is the primary group of %s: not changed", group, user);
	if (!listed)
		return 0;
	{
		char *const argv[] = {"gpasswd", "-d", (char *)user, (char *)group, NULL};
		return run_group_tool("gpasswd", argv, err);
	}
}

/* ------------------------------------------------------------------------ */
/* users.d                                                                   */

/* Does PATH name an executable file inside the jail, as a process chrooted
 * there would see it (so /bin -> usr/bin symlinks of a merged-/usr jail
 * count)?  RESOLVE_IN_ROOT keeps every symlink inside the jail, and O_PATH
 * opens nothing: this only decides whether to print a warning.  Returns 1,
 * 0, or -1 when the kernel cannot tell (no openat2). */
static int executable_in_jail(int jailfd, const char *path)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	struct stat st;
	int fd = (int)syscall(SYS_openat2, jailfd, path, &how, sizeof(how));
	int ok;

	if (fd < 0)
		return errno == ENOSYS ? -1 : 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
	close(fd);
	return ok;
}

/* Open CONF/users.d for writing (creating it root 0755 if needed only when
 * CREATE); checks it is trusted and writable.  Returns 0 with the fd in
 * *OUT, which is -1 when there is no users.d and not CREATE (the config
 * directory is writable, so adduser could make it), or -1 on error. */
static int open_users_d(const char *confdir, bool create, int *out, jail_error_t *err)
{
	cleanup_close int confd = jail_open_trusted_dir(confdir, err);
	jail_error_t e = {0};
	int fd;

	*out = -1;
	if (confd < 0)
		return jail_error_wrap(err, "configuration directory");
	fd = jail_openat_beneath(confd, "users.d", O_RDONLY | O_DIRECTORY, 0, &e);
	if (fd < 0 && jail_error_is(&e, ENOENT)) {
		if (!create) {
			/* Validation only: the config dir must be writable to create it. */
			if (faccessat(confd, ".", W_OK, AT_EACCESS) < 0)
				return jail_error_set(err, errno, "%s is not writable", confdir);
			return 0;
		}
		*out = jail_mkdirs_beneath(confd, "users.d", 0755, 0, 0, err);
		return *out < 0 ? -1 : 0;
	}
	if (fd < 0)
		return jail_error_fmt(err, e.code, "%s/users.d: %s", confdir, e.msg);
	{
		char name[PATH_MAX];
		snprintf(name, sizeof(name), "%s/users.d", confdir);
		if (jail_check_trusted_fd(fd, name, err) < 0) {
			close(fd);
			return -1;
		}
		if (faccessat(fd, ".", W_OK, AT_EACCESS) < 0) {
			int er = errno;
			close(fd);
			return jail_error_set(err, er, "%s is not writable", name);
		}
	}
	*out = fd;
	return 0;
}

static int remove_users_d_file(const char *confdir, const char *user, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *name = jail_strdup_printf("%s.ini", user);

	if (open_users_d(confdir, false, &fd, err) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (name == NULL)
		return jail_error_set(err, ENOMEM, "users.d");
	if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
		return jail_error_set(err, errno, "remove %s/users.d/%s", confdir, name);
	return 0;
}

/* Is A (an assignment from the config) USER's own users.d file? */
static bool from_users_d(const jail_config_t *cfg, const jail_assign_t *a)
{
	cleanup_free char *prefix = jail_strdup_printf("%s/users.d/", cfg->dir);

	return prefix && strncmp(a->file, prefix, strlen(prefix)) == 0;
}

static const jail_assign_t *find_user(const jail_config_t *cfg, const char *user)
{
	const jail_assign_t *a = NULL;

	if (jail_config_lookup(cfg, user, NULL, &a) == 1)
		return a;
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* adduser                                                                   */

static const char adduser_synopsis[] =
    "[-j JAIL] [-p PROFILE] [-s SHELL] [--move-home] USER | --from FILE";

/* adduser in three phases:
 *   parse     the arguments into adduser_args_t, nothing else;
 *   validate  everything that can be checked before any change, into an
 *             adduser_plan_t (config, host account, jail fd, homes);
 *   apply     the changes in a safe order; each step that changed something
 *             pushes its undo on an undo list, and a failing step runs the
 *             list in reverse. */
typedef struct adduser_args {
	const char *user;
	const char *jail;    /* -j, NULL: earlier adduser's, else [jail] jail */
	const char *profile; /* -p, NULL: earlier adduser's, else the default */
	const char *shell;   /* -s, NULL: earlier adduser's or the profile's */
	const char *from;    /* --from FILE: one user name a line ("-": stdin) */
	bool move_home;
} adduser_args_t;

typedef struct adduser_plan {
	const char *user;
	jail_config_t *cfg;
	bool cfg_shared; /* --from: cfg belongs to the batch */
	bool quiet_tree; /* --from: the jail's programs were checked for an earlier user */
	jail_account_t acct;
	char *jail;
	char *profile;
	char *home; /* normalised, in-jail == host path */
	char *old_shell;
	char *prev_jail;  /* jail of an earlier adduser of this user, if any */
	char *shell;	  /* users.d `shell =`: -s, else the earlier adduser's; NULL: none */
	char *real_shell; /* what jailsh will run: shell, else the profile's (NULL: commands) */
	const char *jailsh;
	bool move_home;
	int jailfd;
	bool home_exists, home_empty;
	int host_home_fd, host_home_parent;
	int homefd; /* the home in the jail, once apply has it */
	jail_acct_snapshot_t snap;
} adduser_plan_t;

#define ADDUSER_PLAN_INIT                                                                          \
	{                                                                                          \
		.jailfd = -1, .host_home_fd = -1, .host_home_parent = -1, .homefd = -1             \
	}

static void plan_clear(adduser_plan_t *p)
{
	if (!p->cfg_shared)
		jail_config_free(p->cfg);
	jail_account_clear(&p->acct);
	free(p->jail);
	free(p->profile);
	free(p->home);
	free(p->old_shell);
	free(p->prev_jail);
	free(p->shell);
	free(p->real_shell);
	if (p->jailfd >= 0)
		close(p->jailfd);
	if (p->host_home_fd >= 0)
		close(p->host_home_fd);
	if (p->host_home_parent >= 0)
		close(p->host_home_parent);
	if (p->homefd >= 0)
		close(p->homefd);
	jail_acct_snapshot_clear(&p->snap);
}

/* ---- parse --------------------------------------------------------------- */

/* Returns -1 to go on, or the exit code of a usage error or of --help. */
static int adduser_parse(int argc, char **argv, adduser_args_t *a)
{
	static const struct option opts[] = {
	    {"jail", required_argument, NULL, 'j'},
	    {"profile", required_argument, NULL, 'p'},
	    {"shell", required_argument, NULL, 's'},
	    {"move-home", no_argument, NULL, 'm'},
	    {"from", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+j:p:s:mh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			a->from = optarg;
			break;
		case 'j':
			a->jail = optarg;
			break;
		case 'p':
			a->profile = optarg;
			break;
		case 's':
			a->shell = optarg;
			break;
		case 'm':
			a->move_home = true;
			break;
		case 'h':
			printf("usage: jailctl adduser %s\n", adduser_synopsis);
			return JAILCTL_OK;
		default:
			return jailctl_usage("adduser", adduser_synopsis);
		}
	}
	if (a->from != NULL) {
		if (optind != argc)
			return jailctl_usage("adduser", adduser_synopsis);
		return -1;
	}
	if (optind != argc - 1)
		return jailctl_usage("adduser", adduser_synopsis);
	a->user = argv[optind];
	return -1;
}

/* ---- validate ------------------------------------------------------------ */

/* Validate, part two: the jail, the profile, the homes, users.d, once the
 * configuration and the host account are known. */
static int adduser_validate_plan(const jailctl_ctx_t *ctx, adduser_plan_t *p, const char *opt_jail,
				 const char *opt_profile, jail_error_t *err)
{
	const jail_config_t *cfg = p->cfg;
	const jail_assign_t *prev;
	jail_profile_t *prof = NULL;
	struct stat st;
	int ufd;

	if (p->acct.uid == 0)
		return jail_error_fmt(err, EPERM, "%s: refusing to jail a user with uid 0",
				      p->user);
	prev = find_user(cfg, p->user);
	if (prev && !from_users_d(cfg, prev))
		return jail_error_fmt(err, EEXIST,
				      "%s is already assigned in %s (edit or remove that section "
				      "instead)",
				      p->user, prev->file);
	if (prev && (p->prev_jail = strdup(prev->jail)) == NULL)
		return jail_error_set(err, ENOMEM, "adduser");
	/* Run again without -s (as pam_jail's refusals advise): the shell
	 * written by the earlier adduser stays. */
	if (p->shell == NULL && prev && prev->shell && (p->shell = strdup(prev->shell)) == NULL)
		return jail_error_set(err, ENOMEM, "adduser");
	/* ... and so do the jail and the profile: "run jailctl adduser USER
	 * again" must repair the user where they are, never move them to the
	 * defaults. */
	if (prev && opt_jail == NULL)
		opt_jail = prev->jail;
	if (prev && opt_profile == NULL)
		opt_profile = prev->profile;
	if (opt_jail == NULL && cfg->default_jail == NULL)
		return jail_error_fmt(err, EINVAL,
				      "no jail given (-j JAIL) and no default ([jail] jail in "
				      "%s/jail.ini)",
				      cfg->dir);
	p->jail = jail_path_normalize(opt_jail ? opt_jail : cfg->default_jail, err);
	if (p->jail == NULL)
		return jail_error_wrap(err, "jail");
	if (strcmp(p->jail, "/") == 0)
		return jail_error_fmt(err, EINVAL, "jail '/': the host root is not a jail");
	if (strpbrk(p->jail, ": \t\n") != NULL)
		return jail_error_fmt(err, EINVAL,
				      "jail '%s': contains ':' or white space (expected a plain "
				      "absolute path)",
				      p->jail);
	p->jailfd = jail_open_trusted_dir(p->jail, err);
	if (p->jailfd < 0)
		return jail_error_wrap(err, "jail %s", p->jail);
	p->profile = strdup(opt_profile ? opt_profile : cfg->default_profile);
	if (p->profile == NULL)
		return jail_error_set(err, ENOMEM, "profile");
	if (jail_profile_load(ctx->config_dir, p->profile, &prof, err) < 0)
		return -1; /* the message names the profile and its file */
	if (prof->spec.commands.n == 0 &&
	    (p->real_shell = strdup(p->shell ? p->shell : prof->shell)) == NULL) {
		jail_profile_free(prof);
		return jail_error_set(err, ENOMEM, "adduser");
	}
	jail_profile_free(prof);

	if (jail_acct_snapshot(p->jailfd, &p->snap, err) < 0)
		return jail_error_wrap(err, "jail %s", p->jail);
	/* A jail passwd line written before the shell key existed (or by hand)
	 * names the real shell: it moves to users.d, the line gets jailsh. */
	if (p->shell == NULL && p->snap.passwd) {
		jail_error_t lerr = {0};
		char *old = NULL;

		if (jail_passwd_text_lookup(p->snap.passwd, p->user, NULL, NULL, NULL, &old,
					    &lerr) == 1 &&
		    old && strcmp(old, p->jailsh) != 0 && jail_valid_shell(old) &&
		    (p->real_shell == NULL || strcmp(old, p->real_shell) != 0)) {
			free(p->real_shell);
			p->real_shell = strdup(old);
			p->shell = old;
			if (p->real_shell == NULL)
				return jail_error_set(err, ENOMEM, "adduser");
			jailctl_warn(
			    "adduser",
			    "%s's shell %s moves from the jail's passwd to users.d/%s.ini (the "
			    "jail's line now names jailsh)",
			    p->user, old, p->user);
		} else {
			free(old);
		}
	}

	p->home = jail_path_normalize(p->acct.home, err);
	if (p->home == NULL)
		return jail_error_wrap(err, "%s's home", p->user);
	if (strcmp(p->home, "/") == 0)
		return jail_error_fmt(
		    err, EINVAL, "%s's home is '/' (expected a home of its own, e.g. /home/%s)",
		    p->user, p->user);
	if (jail_home_check(p->jailfd, p->jail, p->home, p->acct.uid, &p->home_exists,
			    &p->home_empty, err) < 0)
		return -1;

	if (p->move_home) {
		bool missing = false;
		p->host_home_fd =
		    jail_home_open_host(p->home, p->acct.uid, &p->host_home_parent, &missing, err);
		if (p->host_home_fd < 0 && !missing)
			return -1;
		if (p->host_home_fd >= 0) {
			struct stat jst;
			if (p->home_exists && !p->home_empty)
				return jail_error_fmt(err, EEXIST,
						      "%s%s already exists and is not empty "
						      "(--move-home needs an absent or empty home)",
						      p->jail, p->home);
			/* The jail home must not be the host home itself. */
			if (p->home_exists && fstat(p->host_home_fd, &st) == 0 &&
			    jail_stat_beneath(p->jailfd, p->home, &jst, NULL) == 0 &&
			    st.st_dev == jst.st_dev && st.st_ino == jst.st_ino)
				return jail_error_fmt(err, EINVAL,
						      "host home %s is already the jail's home",
						      p->home);
		}
	}

	if (open_users_d(cfg->dir, false, &ufd, err) < 0)
		return -1;
	if (ufd >= 0)
		close(ufd);

	if (p->quiet_tree)
		return 0;
	if (p->real_shell && executable_in_jail(p->jailfd, p->real_shell) == 0)
		jailctl_warn("adduser", "shell %s is not in the jail %s yet", p->real_shell,
			     p->jail);
	if (executable_in_jail(p->jailfd, p->jailsh) == 0)
		jailctl_warn(
		    "adduser",
		    "%s is not in the jail %s yet (logins are refused until it is: jailctl init "
		    "%s jailsh)",
		    p->jailsh, p->jail, p->jail);
	return 0;
}

/* Validate, part one: the arguments themselves, the configuration and the
 * host account.  Nothing is changed before adduser_validate() passes. */
static int adduser_validate(const jailctl_ctx_t *ctx, const adduser_args_t *a, adduser_plan_t *p,
			    jail_config_t *shared, jail_error_t *err)
{
	p->user = a->user;
	p->move_home = a->move_home;
	if (!jail_valid_name(p->user))
		return jail_error_fmt(err, EINVAL,
				      "'%s': not a valid user name (expected lower case letters, "
				      "digits, '_', '-' or '.', at most 32 characters)",
				      p->user);
	if (a->shell) {
		p->shell = jail_path_normalize(a->shell, err);
		if (p->shell == NULL || !jail_valid_shell(p->shell))
			return jail_error_fmt(err, EINVAL,
					      "shell '%s' is not an absolute path of a program "
					      "without ':', ',' or spaces",
					      a->shell);
	}
	if (shared != NULL) {
		p->cfg = shared;
		p->cfg_shared = true;
	} else if (jail_config_load(ctx->config_dir, &p->cfg, err) < 0) {
		return jail_error_wrap(err, "configuration");
	}
	p->jailsh = p->cfg->jailsh_path;
	/* The jail's passwd names jailsh, as the host's does: login(1) runs
	 * whatever shell it finds there (see passwd.h). */
	if (jail_account_from_host(p->user, p->jailsh, &p->acct, err) < 0)
		return -1;
	if (adduser_validate_plan(ctx, p, a->jail, a->profile, err) < 0)
		return -1;
	p->old_shell = host_shell(p->user);
	return 0;
}

static int write_users_d(const char *confdir, const adduser_plan_t *p, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *name = jail_strdup_printf("%s.ini", p->user);
	cleanup_free char *text = NULL;

	if (open_users_d(confdir, true, &fd, err) < 0)
		return jail_error_wrap(err, "users.d");
	text = jail_strdup_printf("; written by jailctl adduser; removed by jailctl deluser\n"
				  "[user:%s]\njail = %s\nprofile = %s\n%s%s%s",
				  p->user, p->jail, p->profile, p->shell ? "shell = " : "",
				  p->shell ? p->shell : "", p->shell ? "\n" : "");
	if (name == NULL || text == NULL)
		return jail_error_set(err, ENOMEM, "users.d");
	if (jail_write_file_beneath(fd, name, text, strlen(text), 0644, 0, 0, err) < 0)
		return jail_error_wrap(err, "%s/users.d", confdir);
	return 0;
}

/* ---- apply --------------------------------------------------------------- */

/* An undo action reverses one applied step, best effort. */
typedef int (*undo_fn)(adduser_plan_t *p, jail_error_t *err);

typedef struct undo_list {
	undo_fn fn[8];
	size_t n;
} undo_list_t;

static void undo_push(undo_list_t *u, undo_fn fn)
{
	if (u->n < sizeof(u->fn) / sizeof(u->fn[0]))
		u->fn[u->n++] = fn;
}

/* Run the list in reverse; each failure is reported and the rest still run. */
static void undo_run(undo_list_t *u, adduser_plan_t *p)
{
	while (u->n > 0) {
		jail_error_t e = {0};
		if (u->fn[--u->n](p, &e) < 0)
			jailctl_msg("adduser", "undo: %s", e.msg);
	}
}

static int undo_group_created(adduser_plan_t *p, jail_error_t *err)
{
	char *const argv[] = {"groupdel", (char *)p->cfg->ssh_group, NULL};
	return run_group_tool("groupdel", argv, err);
}

static int undo_group_added(adduser_plan_t *p, jail_error_t *err)
{
	char *const argv[] = {"gpasswd", "-d", (char *)p->user, (char *)p->cfg->ssh_group, NULL};
	return run_group_tool("gpasswd", argv, err);
}

static int undo_acct(adduser_plan_t *p, jail_error_t *err)
{
	return jail_acct_restore(p->jailfd, &p->snap, err);
}

static int undo_home_created(adduser_plan_t *p, jail_error_t *err)
{
	if (p->homefd >= 0) {
		close(p->homefd);
		p->homefd = -1;
	}
	return jail_remove_tree_beneath(p->jailfd, p->home, err);
}

/* --move-home into an existing, empty home: empty it again. */
static int undo_home_filled(adduser_plan_t *p, jail_error_t *err)
{
	return p->homefd >= 0 ? jail_home_clear(p->homefd, p->home, err) : 0;
}

static int undo_host_shell(adduser_plan_t *p, jail_error_t *err)
{
	return set_host_shell(p->user, p->old_shell, err);
}

static int undo_users_d(adduser_plan_t *p, jail_error_t *err)
{
	return remove_users_d_file(p->cfg->dir, p->user, err);
}

/* The ssh group first: sshd's forwarding lockdown must apply before the
 * user is jailed (users.d), or a login in between could open -L/-R tunnels.
 * The jail's group file then lists it like every other supplementary group
 * of the user. */
static int apply_ssh_group(adduser_plan_t *p, undo_list_t *u, jail_error_t *err)
{
	bool created = false, added = false;
	int rc = ssh_group_add(p->cfg->ssh_group, p->user, p->acct.gid, &created, &added, err);

	if (created)
		undo_push(u, undo_group_created); /* groupdel takes the member too */
	else if (added)
		undo_push(u, undo_group_added);
	if (rc < 0)
		return -1;
	return acct_note_group(&p->acct, p->cfg->ssh_group, err);
}

/* passwd and group lines in the jail (shell: jailsh). */
static int apply_acct(adduser_plan_t *p, undo_list_t *u, jail_error_t *err)
{
	if (jail_acct_add(p->jailfd, &p->acct, err) < 0)
		return jail_error_wrap(err, "jail %s", p->jail);
	undo_push(u, undo_acct);
	return 0;
}

/* The home inside the jail, at the host passwd's path: created (and filled
 * from /etc/skel) or reused; with --move-home the host home is copied in. */
static int apply_home(adduser_plan_t *p, undo_list_t *u, jail_error_t *err)
{
	bool created = !p->home_exists;

	if (created) {
		p->homefd =
		    jail_home_create(p->jailfd, p->home, p->acct.uid, p->acct.gid, 0750, err);
		if (p->homefd < 0)
			return jail_error_wrap(err, "jail %s: home", p->jail);
		undo_push(u, undo_home_created);
	} else {
		p->homefd = jail_openat_beneath(p->jailfd, p->home, O_RDONLY | O_DIRECTORY, 0, err);
		if (p->homefd < 0)
			return jail_error_wrap(err, "jail %s: home", p->jail);
	}
	if (p->move_home && p->host_home_fd >= 0) {
		if (!created)
			undo_push(u, undo_home_filled);
		if (jail_home_move_in(p->host_home_fd, p->homefd, p->home, err) < 0)
			return jail_error_wrap(err, "move home into %s", p->jail);
	} else if (created) {
		if (jail_home_fill_skel(p->homefd, "/etc/skel", p->acct.uid, p->acct.gid, err) < 0)
			return jail_error_wrap(err, "populate %s%s from /etc/skel", p->jail,
					       p->home);
	}
	return 0;
}

/* Host login shell: jailsh, before users.d exists (see top). */
static int apply_host_shell(adduser_plan_t *p, undo_list_t *u, jail_error_t *err)
{
	if (p->old_shell != NULL && strcmp(p->old_shell, p->jailsh) == 0)
		return 0;
	if (set_host_shell(p->user, p->jailsh, err) < 0)
		return -1;
	if (p->old_shell)
		undo_push(u, undo_host_shell);
	return 0;
}

/* users.d/USER.ini: from now on pam_jail jails the user.  The whole
 * configuration must still load with the new file. */
static int apply_users_d(const jailctl_ctx_t *ctx, adduser_plan_t *p, undo_list_t *u,
			 jail_error_t *err)
{
	jail_config_t *check = NULL;

	if (write_users_d(p->cfg->dir, p, err) < 0)
		return -1;
	undo_push(u, undo_users_d);
	if (jail_config_load(ctx->config_dir, &check, err) < 0)
		return jail_error_wrap(err, "configuration after writing users.d/%s.ini", p->user);
	jail_config_free(check);
	return 0;
}

/* After the point of no return: the user is jailed.  A failure here is
 * reported but undoes nothing. */
static int apply_finish(adduser_plan_t *p, jail_error_t *err)
{
	/* --move-home: the host copy goes last, once everything else holds. */
	if (p->move_home && p->host_home_fd >= 0) {
		const char *base = strrchr(p->home, '/') + 1;
		close(p->host_home_fd);
		p->host_home_fd = -1;
		if (jail_remove_tree_beneath(p->host_home_parent, base, err) < 0)
			return jail_error_wrap(
			    err,
			    "%s is jailed and the home was copied to %s%s, but the host "
			    "home %s could not be removed",
			    p->user, p->jail, p->home, p->home);
	}
	/* Moved from another jail: its passwd/group lines go (best effort). */
	if (p->prev_jail && strcmp(p->prev_jail, p->jail) != 0) {
		jail_error_t e2 = {0};
		cleanup_close int ofd = jail_open_trusted_dir(p->prev_jail, &e2);
		if (ofd < 0 || jail_acct_remove(ofd, p->user, &e2) < 0)
			jailctl_warn("adduser",
				     "could not remove %s's lines from the previous jail %s: %s",
				     p->user, p->prev_jail, e2.msg);
	}
	return 0;
}

static int adduser_apply(const jailctl_ctx_t *ctx, adduser_plan_t *p, jail_error_t *err)
{
	undo_list_t undo = {0};

	if (apply_ssh_group(p, &undo, err) < 0 || apply_acct(p, &undo, err) < 0 ||
	    apply_home(p, &undo, err) < 0 || apply_host_shell(p, &undo, err) < 0 ||
	    apply_users_d(ctx, p, &undo, err) < 0) {
		undo_run(&undo, p);
		return -1;
	}
	return apply_finish(p, err);
}

/* ---- --from FILE ----------------------------------------------------------- */

/* adduser --from FILE: the users named in FILE (one name a line; blank
 * lines and '#' comments skipped), each jailed as `jailctl adduser USER`
 * would, with the same options, but with the configuration loaded once, the
 * jail's passwd and group written once per chunk of users instead of once
 * per user, and the configuration checked once at the end.  Every user is
 * all or nothing: one whose validation or any step fails is refused with
 * the reason (its earlier steps undone) and the others go on.
 *
 * Per chunk (open fds stay bounded): validate each user; ssh group, home
 * and host shell per user (each with its undo list, as for one user); then
 * the passwd and group lines of every user left, in one write; then each
 * users.d file (from then on pam_jail jails the user).  The host shell is
 * still jailsh before users.d exists, as for one user. */
#define BATCH_CHUNK 128

typedef struct batch_user {
	adduser_plan_t p;
	undo_list_t undo;
	bool ok;
} batch_user_t;

static void batch_refuse(batch_user_t *b, const char *what, const jail_error_t *e)
{
	undo_run(&b->undo, &b->p);
	b->ok = false;
	jailctl_msg("adduser", "%s: refused%s%s: %s", b->p.user, what ? " at " : "",
		    what ? what : "", e->msg[0] ? e->msg : "failed");
}

/* The names of FILE, in order: valid user names, each once. */
static int batch_read(const char *file, jail_strv_t *names, jail_error_t *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *text = NULL;
	size_t len = 0, lineno = 0;
	char *line, *next;

	fd = strcmp(file, "-") == 0 ? dup(STDIN_FILENO) : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jail_error_set(err, errno, "--from %s", file);
	if (jail_read_all(fd, 64u << 20, &text, &len, err) < 0)
		return jail_error_wrap(err, "--from %s", file);
	if (memchr(text, '\0', len) != NULL)
		return jail_error_fmt(err, EINVAL, "--from %s: holds a NUL byte (expected text)",
				      file);
	for (line = text; line && *line; line = next) {
		char *s = line, *e;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (!jail_valid_name(s))
			return jail_error_fmt(
			    err, EINVAL,
			    "--from %s, line %zu: '%s' is not a valid user name "
			    "(expected one name a line: lower case letters, digits, "
			    "'_', '-' or '.', at most 32 characters)",
			    file, lineno, s);
		for (size_t i = 0; i < names->n; i++)
			if (strcmp(names->v[i], s) == 0)
				return jail_error_fmt(err, EINVAL,
						      "--from %s, line %zu: %s is listed twice",
						      file, lineno, s);
		if (jail_strv_push(names, s, err) < 0)
			return -1;
	}
	return 0;
}

/* The passwd and group lines of every user of B still ok, in one write.
 * On failure every one of them is refused. */
static void batch_write_acct(batch_user_t *b, size_t n)
{
	jail_acct_snapshot_t snap = {0}, now = {0};
	jail_error_t e = {0};
	char *pw = NULL, *gr = NULL;
	int jailfd = -1;

	for (size_t i = 0; i < n && jailfd < 0; i++)
		if (b[i].ok)
			jailfd = b[i].p.jailfd;
	if (jailfd < 0)
		return;
	if (jail_acct_snapshot(jailfd, &snap, &e) == 0) {
		pw = strdup(snap.passwd ? snap.passwd : "");
		gr = strdup(snap.group ? snap.group : "");
		if (pw == NULL || gr == NULL)
			jail_error_set(&e, ENOMEM, "adduser");
	}
	for (size_t i = 0; i < n && pw && gr; i++) {
		char *t;
		if (!b[i].ok)
			continue;
		t = jail_passwd_text_set(pw, &b[i].p.acct, &e);
		free(pw);
		pw = t;
		if (pw == NULL)
			break;
		t = jail_group_text_add(gr, &b[i].p.acct, &e);
		free(gr);
		gr = t;
	}
	if (pw && gr) {
		now.passwd = pw;
		now.passwd_len = strlen(pw);
		now.group = gr;
		now.group_len = strlen(gr);
		/* jail_acct_restore writes both files as the snapshot says. */
		if (jail_acct_restore(jailfd, &now, &e) < 0)
			jail_acct_restore(jailfd, &snap, &(jail_error_t){0});
		else
			jail_error_clear(&e);
	}
	if (e.msg[0] || pw == NULL || gr == NULL) {
		if (!e.msg[0])
			jail_error_set(&e, ENOMEM, "adduser");
		jail_error_wrap(&e, "the jail's passwd and group");
		for (size_t i = 0; i < n; i++)
			if (b[i].ok)
				batch_refuse(&b[i], NULL, &e);
	}
	free(pw);
	free(gr);
	jail_acct_snapshot_clear(&snap);
}

static void batch_chunk(const jailctl_ctx_t *ctx, const adduser_args_t *a, jail_config_t *cfg,
			char **names, size_t n, batch_user_t *b, jail_strv_t *written)
{
	for (size_t i = 0; i < n; i++) {
		adduser_args_t one = *a;
		jail_error_t e = {0};

		b[i] = (batch_user_t){.p = ADDUSER_PLAN_INIT, .ok = true};
		/* The jail's programs warnings: once per chunk, not per user. */
		b[i].p.quiet_tree = i > 0;
		one.user = names[i];
		one.from = NULL;
		if (adduser_validate(ctx, &one, &b[i].p, cfg, &e) < 0) {
			batch_refuse(&b[i], NULL, &e);
			continue;
		}
		/* The per-user snapshot is for a single adduser's undo: the batch
		 * writes the jail's files itself. */
		jail_acct_snapshot_clear(&b[i].p.snap);
		if (apply_ssh_group(&b[i].p, &b[i].undo, &e) < 0 ||
		    apply_home(&b[i].p, &b[i].undo, &e) < 0 ||
		    apply_host_shell(&b[i].p, &b[i].undo, &e) < 0) {
			batch_refuse(&b[i], NULL, &e);
			continue;
		}
		/* The home fd is not needed any more (undo removes by path). */
		if (b[i].p.homefd >= 0 && !b[i].p.move_home) {
			close(b[i].p.homefd);
			b[i].p.homefd = -1;
		}
	}
	batch_write_acct(b, n);
	for (size_t i = 0; i < n; i++) {
		jail_error_t e = {0};
		if (!b[i].ok)
			continue;
		if (write_users_d(cfg->dir, &b[i].p, &e) < 0) {
			jail_error_t e2 = {0};
			if (jail_acct_remove(b[i].p.jailfd, b[i].p.user, &e2) < 0)
				jailctl_msg("adduser", "undo: %s", e2.msg);
			batch_refuse(&b[i], NULL, &e);
			continue;
		}
		if (jail_strv_push(written, b[i].p.user, &e) < 0) {
			/* Out of memory: keep the user jailed, report it. */
			jailctl_msg("adduser", "%s: %s", b[i].p.user, e.msg);
		}
		if (apply_finish(&b[i].p, &e) < 0)
			jailctl_msg("adduser", "%s: %s", b[i].p.user, e.msg);
		printf("jailed %s in %s (profile %s, home %s%s%s)\n", b[i].p.user, b[i].p.jail,
		       b[i].p.profile, b[i].p.jail, b[i].p.home,
		       b[i].p.move_home && b[i].p.host_home_parent >= 0 ? ", moved from the host"
									: "");
	}
	for (size_t i = 0; i < n; i++)
		plan_clear(&b[i].p);
}

static int adduser_batch(const jailctl_ctx_t *ctx, const adduser_args_t *a)
{
	jail_strv_t names = {0}, written = {0};
	jail_config_t *cfg = NULL, *check = NULL;
	jail_error_t err = {0};
	batch_user_t *b = NULL;
	size_t refused = 0;
	int rc = JAILCTL_FAIL;

	if (batch_read(a->from, &names, &err) < 0 ||
	    jail_config_load(ctx->config_dir, &cfg, &err) < 0) {
		jailctl_err("adduser", &err);
		goto out;
	}
	b = calloc(BATCH_CHUNK, sizeof(*b));
	if (b == NULL) {
		jail_error_set(&err, ENOMEM, "adduser");
		jailctl_err("adduser", &err);
		goto out;
	}
	for (size_t i = 0; i < names.n; i += BATCH_CHUNK) {
		size_t n = names.n - i < BATCH_CHUNK ? names.n - i : BATCH_CHUNK;
		batch_chunk(ctx, a, cfg, names.v + i, n, b, &written);
	}
	refused = names.n - written.n;
	/* The whole configuration must still load with the new files; if it
	 * does not, the files written by this run go (those users are then not
	 * jailed: their host shell, jailsh, refuses them). */
	if (written.n > 0 && jail_config_load(ctx->config_dir, &check, &err) < 0) {
		jail_error_wrap(&err, "configuration after writing %zu users.d files", written.n);
		jailctl_err("adduser", &err);
		for (size_t i = 0; i < written.n; i++) {
			jail_error_t e = {0};
			if (remove_users_d_file(cfg->dir, written.v[i], &e) < 0)
				jailctl_msg("adduser", "undo: %s", e.msg);
		}
		jailctl_msg("adduser",
			    "removed the %zu users.d files of this run; their host shell is "
			    "jailsh (jailctl deluser USER resets it)",
			    written.n);
		goto out;
	}
	jail_config_free(check);
	printf("adduser --from %s: %zu jailed, %zu refused\n", a->from, written.n, refused);
	rc = refused ? JAILCTL_FAIL : JAILCTL_OK;
out:
	free(b);
	jail_config_free(cfg);
	jail_strv_clear(&names);
	jail_strv_clear(&written);
	return rc;
}

int cmd_adduser(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	adduser_args_t args = {0};
	adduser_plan_t p = ADDUSER_PLAN_INIT;
	jail_error_t err = {0};
	int rc = adduser_parse(argc, argv, &args);

	if (rc >= 0)
		return rc;
	if (args.from != NULL)
		return adduser_batch(ctx, &args);
	if (adduser_validate(ctx, &args, &p, NULL, &err) < 0 || adduser_apply(ctx, &p, &err) < 0) {
		rc = jailctl_err("adduser", &err);
	} else {
		printf("jailed %s in %s (profile %s, home %s%s%s)\n", p.user, p.jail, p.profile,
		       p.jail, p.home,
		       p.move_home && p.host_home_parent >= 0 ? ", moved from the host" : "");
		rc = JAILCTL_OK;
	}
	plan_clear(&p);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* deluser                                                                   */

static const char deluser_synopsis[] = "[-s SHELL] USER";

int cmd_deluser(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"shell", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *shell = DEFAULT_SHELL, *user;
	jail_config_t *cfg = NULL;
	const jail_assign_t *a;
	jail_error_t err = {0};
	cleanup_close int jailfd = -1;
	cleanup_free char *jail = NULL;
	struct passwd *pw;
	int c, rc = JAILCTL_FAIL;

	while ((c = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			shell = optarg;
			break;
		case 'h':
			printf("usage: jailctl deluser %s\n", deluser_synopsis);
			return JAILCTL_OK;
		default:
			return jailctl_usage("deluser", deluser_synopsis);
		}
	}
	if (optind != argc - 1)
		return jailctl_usage("deluser", deluser_synopsis);
	user = argv[optind];
	if (!jail_valid_name(user)) {
		jail_error_fmt(&err, EINVAL, "'%s': not a valid user name", user);
		goto out;
	}
	if (shell[0] != '/' || strpbrk(shell, ":\n") != NULL) {
		jail_error_fmt(&err, EINVAL, "shell '%s': expected an absolute path without ':'",
			       shell);
		goto out;
	}
	if (jail_config_load(ctx->config_dir, &cfg, &err) < 0) {
		jail_error_wrap(&err, "configuration");
		goto out;
	}
	a = find_user(cfg, user);
	if (a == NULL) {
		jail_error_fmt(&err, ENOENT, "%s is not jailed (no %s/users.d/%s.ini)", user,
			       cfg->dir, user);
		goto out;
	}
	if (!from_users_d(cfg, a)) {
		jail_error_fmt(&err, EPERM,
			       "%s is assigned in %s, not by adduser (remove that section by "
			       "hand)",
			       user, a->file);
		goto out;
	}
	jail = strdup(a->jail);
	if (jail == NULL) {
		jail_error_set(&err, ENOMEM, "deluser");
		goto out;
	}
	/* Open the jail first (nothing changed yet if that fails).  A jail
	 * that no longer exists has no lines to remove: the user is still
	 * released.  One that exists but is not trusted is never written. */
	jailfd = jail_open_trusted_dir(jail, &err);
	if (jailfd < 0) {
		struct stat st;
		if (!jail_error_is(&err, ENOENT) || lstat(jail, &st) == 0) {
			jail_error_wrap(&err, "jail %s", jail);
			goto out;
		}
		jailctl_warn("deluser",
			     "jail %s does not exist any more: no passwd lines to remove", jail);
		jail_error_clear(&err);
	}

	/* users.d first: from then on pam_jail no longer jails the user, and
	 * the host shell still being jailsh only locks them out meanwhile. */
	if (remove_users_d_file(cfg->dir, user, &err) < 0)
		goto out;
	errno = 0;
	pw = getpwnam(user);
	if (pw != NULL && set_host_shell(user, shell, &err) < 0) {
		jail_error_wrap(&err,
				"%s is released (users.d/%s.ini removed) but the host shell "
				"could not be reset",
				user, user);
		goto out;
	}
	if (pw != NULL && ssh_group_remove(cfg->ssh_group, user, pw->pw_gid, &err) < 0) {
		jail_error_wrap(&err, "%s is released, but is still in the group %s", user,
				cfg->ssh_group);
		goto out;
	}
	if (jailfd >= 0 && jail_acct_remove(jailfd, user, &err) < 0) {
		jail_error_wrap(&err,
				"%s is released, but the jail's passwd/group lines remain "
				"(jail %s)",
				user, jail);
		goto out;
	}
	printf("released %s from %s (home kept)\n", user, jail);
	rc = JAILCTL_OK;
out:
	if (rc != JAILCTL_OK)
		jailctl_err("deluser", &err);
	jail_config_free(cfg);
	return rc;
}
