/* jailctl setup sshd, the file half: open each file without following a
 * symlink and only when it is trusted, validate the new sshd_config with
 * sshd -T, keep a backup, replace atomically (audit/setup.h).  The text
 * edits are setup-text.c's. */
#define _GNU_SOURCE
#include "audit/setup.h"
#include "base/safefs.h"
#include "base/util.h"
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SETUP_SSHD_OUT_MAX    (256u << 10)
#define SETUP_SSHD_TIMEOUT_MS 30000

/* ------------------------------------------------------------------------
 * The files */

typedef struct setup_fh {
	const char *path;
	char *norm;
	const char *base; /* in NORM */
	int dirfd;
	struct stat st;
	char *text;
	size_t len;
} setup_fh_t;

static void setup_fh_free(setup_fh_t *f)
{
	free(f->norm);
	free(f->text);
	if (f->dirfd >= 0)
		close(f->dirfd);
	*f = (setup_fh_t){.dirfd = -1};
}

/* Open PATH for an edit: its directory by the trusted walk (root-owned,
 * not group/world-writable, no symlink), the file itself with O_NOFOLLOW;
 * it must be a regular file that passes the same trust rule. */
static int setup_open(const char *path, setup_fh_t *f, jail_error_t *err)
{
	cleanup_close int fd = -1;
	char *slash;

	*f = (setup_fh_t){.path = path, .dirfd = -1};
	if (path[0] != '/')
		return jail_error_fmt(err, EINVAL, "%s: expected an absolute path", path);
	f->norm = jail_path_normalize(path, err);
	if (f->norm == NULL)
		return -1;
	slash = strrchr(f->norm, '/');
	if (slash[1] == '\0')
		return jail_error_fmt(err, EINVAL, "%s: expected a file", path);
	f->base = slash + 1;
	*slash = '\0';
	f->dirfd = jail_open_trusted_dir(*f->norm ? f->norm : "/", err);
	*slash = '/';
	if (f->dirfd < 0)
		return jail_error_wrap(err, "%s: its directory", path);
	fd = openat(f->dirfd, f->base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		struct stat lst;
		int e = errno;

		if (fstatat(f->dirfd, f->base, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(lst.st_mode))
			return jail_error_fmt(err, ELOOP,
					      "%s is a symlink: refused (setup never follows one; "
					      "name the real file instead)",
					      path);
		return jail_error_set(err, e, "open %s", path);
	}
	if (fstat(fd, &f->st) < 0)
		return jail_error_set(err, errno, "stat %s", path);
	if (!S_ISREG(f->st.st_mode))
		return jail_error_fmt(err, EINVAL, "%s is not a regular file: refused", path);
	if (jail_check_trusted_fd(fd, path, err) < 0)
		return jail_error_wrap(err, "refused");
	if (jail_read_all(fd, JAIL_SETUP_MAX_FILE, &f->text, &f->len, err) < 0)
		return jail_error_wrap(err, "read %s", path);
	if (memchr(f->text, '\0', f->len))
		return jail_error_fmt(err, EINVAL, "%s holds a NUL byte: not a text file, refused",
				      path);
	return 0;
}

/* DATA into a new temporary beside F's file, with F's owner and mode,
 * fsync'ed.  T must be committed or aborted. */
static int setup_write_tmp(setup_fh_t *f, jail_tmpfile_t *t, const char *data, size_t len,
			   jail_error_t *err)
{
	if (jail_tmpfile_create(t, f->dirfd, f->path, err) < 0)
		return -1;
	if (jail_write_all(t->fd, data, len, err) < 0 ||
	    fchown(t->fd, f->st.st_uid, f->st.st_gid) < 0 ||
	    fchmod(t->fd, f->st.st_mode & 07777) < 0 || fsync(t->fd) < 0) {
		int e = errno;
		jail_tmpfile_abort(t);
		return jail_error_set(err, e, "write a temporary file for %s", f->path);
	}
	return 0;
}

static int setup_commit(setup_fh_t *f, jail_tmpfile_t *t, const char *base, jail_error_t *err)
{
	if (jail_tmpfile_commit(t, base, err) < 0)
		return -1;
	if (fsync(f->dirfd) < 0)
		return jail_error_set(err, errno, "fsync the directory of %s", f->path);
	return 0;
}

static int setup_replace(setup_fh_t *f, const char *base, const char *data, size_t len,
			 jail_error_t *err)
{
	cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;

	if (setup_write_tmp(f, &t, data, len, err) < 0)
		return -1;
	return setup_commit(f, &t, base, err);
}

/* Run `SSHD -T -f CONFIG` (extended test mode: validates and prints the
 * effective configuration); *out gets stdout and stderr, *status the wait
 * status.  No shell, a fixed environment. */
static int run_sshd_T(const char *sshd, const char *config, char **out, int *status,
		      jail_error_t *err)
{
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	cleanup_buf jail_buf_t b = {0};
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return jail_error_set(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return jail_error_set(err, e, "fork");
	}
	if (pid == 0) {
		char *argv[] = {"sshd", "-T", "-f", (char *)config, NULL};
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(pfd[1], STDOUT_FILENO) < 0 ||
		    dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(126);
		execve(sshd, argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		char chunk[8192];
		ssize_t n;
		int r = poll(&p, 1, SETUP_SSHD_TIMEOUT_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(pfd[0]);
			return jail_error_fmt(err, ETIMEDOUT, "%s -T -f %s gave no answer for %d s",
					      sshd, config, SETUP_SSHD_TIMEOUT_MS / 1000);
		}
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len + (size_t)n <= SETUP_SSHD_OUT_MAX)
			jail_buf_add(&b, chunk, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return jail_error_set(err, errno, "waitpid");
	*out = jail_buf_finish(&b, "setup", err);
	return *out ? 0 : -1;
}

/* CONFIG (the new sshd_config, written beside the real one as TMPNAME)
 * must pass sshd -T; with NEED_PAM, with UsePAM yes. */
static int setup_validate_sshd(const char *sshd, const char *config, const char *target,
			       bool need_pam, jail_error_t *err)
{
	cleanup_free char *out = NULL;
	const char *p;
	int status = 0;

	if (run_sshd_T(sshd, config, &out, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *s = out;
		while (*s == '\n' || *s == '\r')
			s++;
		return jail_error_fmt(err, EINVAL,
				      "%s: '%s -T -f' rejects the new configuration (%s status %d"
				      "%s%.*s): %s left unchanged",
				      target, sshd, WIFEXITED(status) ? "exit" : "signal",
				      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				      *s ? ": " : "", (int)strcspn(s, "\r\n"), s, target);
	}
	if (!need_pam)
		return 0;
	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncasecmp(p, "usepam ", 7) != 0)
			continue;
		if (strncasecmp(p + 7, "yes", 3) == 0 && (p[10] == '\n' || p[10] == '\0'))
			return 0;
		return jail_error_fmt(err, EINVAL,
				      "%s: UsePAM is no (sshd -T): pam_jail.so confines jailed "
				      "users in PAM's session phase, which sshd runs only with "
				      "UsePAM yes; set it, then run setup again",
				      target);
	}
	return jail_error_fmt(err, EINVAL,
			      "%s: sshd -T prints no UsePAM setting (sshd built without PAM?): "
			      "pam_jail.so cannot confine ssh logins",
			      target);
}

/* A module named without a path must be in a directory Linux-PAM loads
 * from: a `required` line whose module is missing fails every session. */
static int setup_check_module(const char *module, jail_error_t *err)
{
	static const char *const dirs[] = {
#if defined(__x86_64__)
		"/usr/lib/x86_64-linux-gnu/security",
		"/lib/x86_64-linux-gnu/security",
#elif defined(__aarch64__)
		"/usr/lib/aarch64-linux-gnu/security",
		"/lib/aarch64-linux-gnu/security",
#endif
		"/usr/lib64/security",
		"/lib64/security",
		"/usr/lib/security",
		"/lib/security",
	};
	struct stat st;

	if (module[0] == '/') {
		if (stat(module, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		return jail_error_fmt(err, ENOENT,
				      "PAM module %s is not a regular file: a 'session "
				      "required' line naming it would refuse every ssh login",
				      module);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cleanup_free char *p = jail_strdup_printf("%s/%s", dirs[i], module);
		if (p == NULL)
			return jail_error_set(err, ENOMEM, "setup");
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	return jail_error_fmt(err, ENOENT,
			      "%s is not installed in a PAM module directory (%s, ...): "
			      "a 'session required' line naming it would refuse every ssh login; "
			      "install it (make install) or name it by its absolute path",
			      module, dirs[0]);
}

static int setup_file_init(jail_setup_file_t *rf, const char *path, jail_error_t *err)
{
	rf->path = strdup(path);
	rf->backup = jail_strdup_printf("%s%s", path, JAIL_SETUP_BACKUP_SUFFIX);
	if (rf->path == NULL || rf->backup == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	return 0;
}

void jail_setup_result_clear(jail_setup_result_t *r)
{
	jail_setup_file_t *fs[] = {&r->pam, &r->sshd};

	for (size_t i = 0; i < 2; i++) {
		free(fs[i]->path);
		free(fs[i]->backup);
		jail_setup_edit_clear(&fs[i]->edit);
	}
	*r = (jail_setup_result_t){0};
}

/* Undo: compare the result with BACKUP; remove BACKUP when they are equal. */
static int setup_undo_backup(setup_fh_t *f, jail_setup_file_t *rf, jail_error_t *err)
{
	cleanup_free char *bname = jail_strdup_printf("%s%s", f->base, JAIL_SETUP_BACKUP_SUFFIX);
	cleanup_free char *btext = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t blen = 0;

	if (bname == NULL)
		return jail_error_set(err, ENOMEM, "setup");
	fd = openat(f->dirfd, bname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rf->no_backup = true;
		return 0;
	}
	if (jail_read_all(fd, JAIL_SETUP_MAX_FILE, &btext, &blen, NULL) < 0) {
		rf->no_backup = true;
		return 0;
	}
	rf->exact = blen == rf->edit.len && memcmp(btext, rf->edit.text, blen) == 0;
	if (rf->exact) {
		if (unlinkat(f->dirfd, bname, 0) < 0)
			return jail_error_set(err, errno, "remove %s", rf->backup);
		rf->backup_removed = true;
	}
	return 0;
}

int jail_setup_sshd(const jail_setup_opts_t *o, jail_setup_result_t *r, jail_error_t *err)
{
	const char *pam_path = o->pam_file ? o->pam_file : JAIL_SETUP_PAM_FILE;
	const char *sshd_path = o->sshd_config ? o->sshd_config : JAIL_SETUP_SSHD_CONFIG;
	const char *sshd = o->sshd ? o->sshd : JAIL_SETUP_SSHD_BIN;
	const char *module = o->module ? o->module : "pam_jail.so";
	const char *group = o->group ? o->group : JAIL_DEFAULT_SSH_GROUP;
	cleanup_strv jail_strv_t pam_body = {0}, sshd_body = {0};
	cleanup_tmpfile jail_tmpfile_t stmp = JAIL_TMPFILE_INIT;
	setup_fh_t pf = {.dirfd = -1}, sf = {.dirfd = -1};
	bool have_sshd;
	int ret = -1;

	*r = (jail_setup_result_t){0};
	if (setup_file_init(&r->pam, pam_path, err) < 0 ||
	    setup_file_init(&r->sshd, sshd_path, err) < 0)
		goto out;
	have_sshd = access(sshd, X_OK) == 0;
	if (!o->undo) {
		if (!have_sshd) {
			jail_error_fmt(err, ENOENT,
				       "%s is not installed (openssh-server): the new "
				       "sshd_config cannot be validated",
				       sshd);
			goto out;
		}
		if (jail_setup_pam_body(module, o->config_dir, &pam_body, err) < 0 ||
		    jail_setup_sshd_body(o->jailctl, o->config_dir, group, &sshd_body, err) < 0)
			goto out;
	}
	if (setup_open(pam_path, &pf, err) < 0 || setup_open(sshd_path, &sf, err) < 0)
		goto out;
	if (o->undo) {
		if (jail_setup_remove(pam_path, pf.text, pf.len, &r->pam.edit, err) < 0 ||
		    jail_setup_remove(sshd_path, sf.text, sf.len, &r->sshd.edit, err) < 0)
			goto out;
	} else {
		if (jail_setup_add(JAIL_SETUP_PAM, pam_path, pf.text, pf.len, &pam_body,
				   &r->pam.edit, err) < 0 ||
		    jail_setup_add(JAIL_SETUP_SSHD, sshd_path, sf.text, sf.len, &sshd_body,
				   &r->sshd.edit, err) < 0)
			goto out;
		if (r->pam.edit.changed && setup_check_module(module, err) < 0)
			goto out;
	}
	/* The new sshd_config, beside the real one (its Include lines are
	 * relative to that directory), validated before anything is replaced;
	 * setup validates the live one when it does not change it, for UsePAM. */
	if (r->sshd.edit.changed) {
		cleanup_free char *tpath = NULL;

		if (setup_write_tmp(&sf, &stmp, r->sshd.edit.text, r->sshd.edit.len, err) < 0)
			goto out;
		tpath =
		    jail_strdup_printf("%.*s/%s", (int)(sf.base - 1 - sf.norm), sf.norm, stmp.name);
		if (tpath == NULL) {
			jail_error_set(err, ENOMEM, "setup");
			goto out;
		}
		if (have_sshd && setup_validate_sshd(sshd, tpath, sshd_path, !o->undo, err) < 0)
			goto out;
	} else if (!o->undo && setup_validate_sshd(sshd, sshd_path, sshd_path, true, err) < 0) {
		goto out;
	}
	if (o->dry_run) {
		ret = 0;
		goto out;
	}
	if (!o->undo) {
		cleanup_free char *pb =
		    jail_strdup_printf("%s%s", pf.base, JAIL_SETUP_BACKUP_SUFFIX);
		cleanup_free char *sb =
		    jail_strdup_printf("%s%s", sf.base, JAIL_SETUP_BACKUP_SUFFIX);

		if (pb == NULL || sb == NULL) {
			jail_error_set(err, ENOMEM, "setup");
			goto out;
		}
		if (r->pam.edit.changed) {
			if (setup_replace(&pf, pb, pf.text, pf.len, err) < 0)
				goto out;
			r->pam.backup_written = true;
		}
		if (r->sshd.edit.changed) {
			if (setup_replace(&sf, sb, sf.text, sf.len, err) < 0)
				goto out;
			r->sshd.backup_written = true;
		}
	}
	if (r->sshd.edit.changed) {
		if (setup_commit(&sf, &stmp, sf.base, err) < 0)
			goto out;
		r->sshd.written = true;
	}
	if (r->pam.edit.changed) {
		if (setup_replace(&pf, pf.base, r->pam.edit.text, r->pam.edit.len, err) < 0) {
			/* Put sshd_config back: both or neither. */
			if (r->sshd.written &&
			    setup_replace(&sf, sf.base, sf.text, sf.len, NULL) == 0)
				r->sshd.written = false;
			goto out;
		}
		r->pam.written = true;
	}
	if (o->undo) {
		if (r->pam.edit.changed && setup_undo_backup(&pf, &r->pam, err) < 0)
			goto out;
		if (r->sshd.edit.changed && setup_undo_backup(&sf, &r->sshd, err) < 0)
			goto out;
	}
	ret = 0;
out:
	jail_tmpfile_abort(&stmp);
	setup_fh_free(&pf);
	setup_fh_free(&sf);
	return ret;
}
