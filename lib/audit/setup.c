/* jailctl setup sshd, the file half: open each file without following a
 * symlink and only when it is trusted, validate the new sshd_config with
 * sshd -T, keep a backup, replace atomically (audit/setup.h).  The text
 * edits are setup-text.c's. */
#define _GNU_SOURCE
#include "audit/setup.h"
#include "audit/spawn.h"
#include "base/safefs.h"
#include "base/util.h"
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
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

/* Open PATH's directory for an edit by the trusted walk (root-owned, not
 * group/world-writable, no symlink). */
static int setup_open_dir(const char *path, setup_fh_t *f, jail_error_t *err)
{
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
	return 0;
}

/* NAME in DIRFD (PATH in messages) with O_NOFOLLOW: a symlink is refused
 * with ELOOP and says so; a missing file is ENOENT.  A regular file of at
 * most JAIL_SETUP_MAX_FILE bytes, no NUL byte. */
static int setup_read_at(int dirfd, const char *name, const char *path, struct stat *st,
			 char **text, size_t *len, jail_error_t *err)
{
	cleanup_close int fd = -1;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		struct stat lst;
		int e = errno;

		if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
			return jail_error_fmt(err, ELOOP,
					      "%s is a symlink: refused (setup never follows one; "
					      "name the real file instead)",
					      path);
		return jail_error_set(err, e, "open %s", path);
	}
	if (fstat(fd, st) < 0)
		return jail_error_set(err, errno, "stat %s", path);
	if (!S_ISREG(st->st_mode))
		return jail_error_fmt(err, EINVAL, "%s is not a regular file: refused", path);
	if (jail_check_trusted_fd(fd, path, err) < 0)
		return jail_error_wrap(err, "refused");
	if (jail_read_all(fd, JAIL_SETUP_MAX_FILE, text, len, err) < 0)
		return jail_error_wrap(err, "read %s", path);
	if (memchr(*text, '\0', *len))
		return jail_error_fmt(err, EINVAL, "%s holds a NUL byte: not a text file, refused",
				      path);
	return 0;
}

/* The file itself, once its directory is open (and locked): with
 * O_NOFOLLOW, a regular file that passes the same trust rule. */
static int setup_read(setup_fh_t *f, jail_error_t *err)
{
	return setup_read_at(f->dirfd, f->base, f->path, &f->st, &f->text, &f->len, err);
}

/* ------------------------------------------------------------------------
 * One edit at a time
 *
 * Two setups at once would each read the old files, and the second rename
 * would win: the first's edit lost, or worse one file from each.  So an
 * edit holds an exclusive flock(2) on the directory fd of each file it
 * edits, from before it reads them until it has replaced them (closing the
 * fd drops it).  A lock on the directory, not on a lock file: nothing is
 * made in /etc or /run (no file to leave behind, none to plant a symlink
 * at), the directory is the one the trusted walk opened, and it covers
 * every setup that edits a file there whatever the file's name.  Both
 * directories are locked in (st_dev, st_ino) order (no deadlock between
 * two setups naming them the other way round), one lock when they are
 * the same directory (flock locks of two open file descriptions of one
 * directory conflict even in one process). */

static int setup_lock_one(int dirfd, const char *path, jail_error_t *err)
{
	for (int waited = 0;; waited += 50) {
		if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return jail_error_set(err, errno, "lock the directory of %s", path);
		if (waited >= JAIL_SETUP_LOCK_WAIT_MS)
			return jail_error_fmt(err, EBUSY,
					      "another 'jailctl setup sshd' is editing the "
					      "directory of %s (waited %d s for its lock): run "
					      "setup again when it is done",
					      path, JAIL_SETUP_LOCK_WAIT_MS / 1000);
		poll(NULL, 0, 50);
	}
}

static int setup_lock(setup_fh_t *a, setup_fh_t *b, jail_error_t *err)
{
	struct stat sa, sb;

	if (fstat(a->dirfd, &sa) < 0 || fstat(b->dirfd, &sb) < 0)
		return jail_error_set(err, errno, "stat the directories of %s and %s", a->path,
				      b->path);
	if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		return setup_lock_one(a->dirfd, a->path, err);
	if (sa.st_dev > sb.st_dev || (sa.st_dev == sb.st_dev && sa.st_ino > sb.st_ino)) {
		setup_fh_t *t = a;
		a = b;
		b = t;
	}
	if (setup_lock_one(a->dirfd, a->path, err) < 0 ||
	    setup_lock_one(b->dirfd, b->path, err) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------
 * pam_jail already in the session stack, through an include
 *
 * pam_jail refuses every session when it appears twice in the stack, and
 * the admin may have put it in a file the PAM file includes (Debian's
 * common-session, say) rather than in the file itself.  Setup follows
 * `@include NAME` and `session include|substack NAME` from the PAM file,
 * then from the files they name, JAIL_SETUP_INCLUDE_DEPTH levels deep,
 * each NAME in the PAM file's own directory (Linux-PAM's pam.d), opened
 * relative to that directory's fd with O_NOFOLLOW: a symlink there is not
 * followed but refused (setup cannot tell what it would bring in), and so
 * is a NAME with a '/'.  A missing file brings nothing.  Each file is read
 * once (by inode), so that a cycle ends. */

typedef struct inc_walk {
	setup_fh_t *pam;
	dev_t dev[64];
	ino_t ino[64];
	size_t seen;
} inc_walk_t;

static int setup_check_includes(inc_walk_t *w, const char *from, const char *text, size_t len,
				int depth, jail_error_t *err)
{
	jail_setup_pam_scan_t sc = {0};
	int ret = -1;

	if (jail_setup_pam_scan(text, len, &sc, err) < 0)
		return -1;
	for (size_t i = 0; i < sc.n; i++) {
		const char *name = sc.inc[i].name;
		cleanup_free char *path = jail_strdup_printf(
		    "%.*s/%s", (int)(w->pam->base - 1 - w->pam->norm), w->pam->norm, name);
		cleanup_free char *itext = NULL;
		size_t ilen = 0;
		jail_error_t e2 = {0};
		struct stat st;
		bool seen = false;

		if (path == NULL) {
			jail_error_set(err, ENOMEM, "setup");
			goto out;
		}
		if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			jail_error_fmt(
			    err, EINVAL,
			    "%s line %zu includes '%s', not a file of %.*s: setup checks "
			    "that pam_jail.so is not already in the session stack only "
			    "there; add the pam_jail line by hand "
			    "(templates/pam.d-sshd.snippet)",
			    from, sc.inc[i].line, name, (int)(w->pam->base - 1 - w->pam->norm),
			    w->pam->norm);
			goto out;
		}
		if (depth >= JAIL_SETUP_INCLUDE_DEPTH) {
			jail_error_fmt(err, ELOOP,
				       "%s line %zu: includes nested more than %d deep from %s: "
				       "setup does not check them for pam_jail.so; refused",
				       from, sc.inc[i].line, JAIL_SETUP_INCLUDE_DEPTH,
				       w->pam->path);
			goto out;
		}
		if (setup_read_at(w->pam->dirfd, name, path, &st, &itext, &ilen, &e2) < 0) {
			if (jail_error_is(&e2, ENOENT))
				continue;
			if (err)
				*err = e2;
			jail_error_wrap(err,
					"%s line %zu includes %s, which setup must read to know "
					"whether pam_jail.so is already in the session stack",
					from, sc.inc[i].line, name);
			goto out;
		}
		seen = st.st_dev == w->pam->st.st_dev && st.st_ino == w->pam->st.st_ino;
		for (size_t k = 0; !seen && k < w->seen; k++)
			seen = st.st_dev == w->dev[k] && st.st_ino == w->ino[k];
		if (seen)
			continue;
		if (w->seen < sizeof(w->dev) / sizeof(w->dev[0])) {
			w->dev[w->seen] = st.st_dev;
			w->ino[w->seen++] = st.st_ino;
		}
		{
			jail_setup_pam_scan_t is = {0};
			size_t jl;

			if (jail_setup_pam_scan(itext, ilen, &is, err) < 0)
				goto out;
			jl = is.jail_line;
			jail_setup_pam_scan_clear(&is);
			if (jl) {
				jail_error_fmt(
				    err, EEXIST,
				    "%s line %zu already puts pam_jail.so in the session stack "
				    "(%s line %zu includes it): a second pam_jail line in %s "
				    "would make pam_jail refuse every session ('appears twice "
				    "in the session stack'); keep that one and leave %s as it "
				    "is, or remove it and run setup again; nothing changed",
				    path, jl, from, sc.inc[i].line, w->pam->path, w->pam->path);
				goto out;
			}
		}
		if (setup_check_includes(w, path, itext, ilen, depth + 1, err) < 0)
			goto out;
	}
	ret = 0;
out:
	jail_setup_pam_scan_clear(&sc);
	return ret;
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
 * status.  No shell, a fixed environment (audit/spawn.h). */
static int run_sshd_T(const char *sshd, const char *config, char **out, int *status,
		      jail_error_t *err)
{
	char *argv[] = {"sshd", "-T", "-f", (char *)config, NULL};
	cleanup_spawn_out audit_spawn_out_t o = {.max = SETUP_SSHD_OUT_MAX};
	int r = audit_spawn_run(sshd, argv, AUDIT_SPAWN_STDOUT | AUDIT_SPAWN_STDERR,
				SETUP_SSHD_TIMEOUT_MS, &o, status, err);

	if (r < 0)
		return -1;
	if (r > 0)
		return jail_error_fmt(err, ETIMEDOUT, "%s -T -f %s gave no answer for %d s", sshd,
				      config, SETUP_SSHD_TIMEOUT_MS / 1000);
	*out = jail_buf_finish(&o.b, "setup", err);
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
	/* Both directories locked before either file is read, until both are
	 * replaced (setup_fh_free closes the fds). */
	if (setup_open_dir(pam_path, &pf, err) < 0 || setup_open_dir(sshd_path, &sf, err) < 0 ||
	    setup_lock(&pf, &sf, err) < 0 || setup_read(&pf, err) < 0 || setup_read(&sf, err) < 0)
		goto out;
	if (!o->undo) {
		inc_walk_t w = {.pam = &pf};

		if (setup_check_includes(&w, pam_path, pf.text, pf.len, 0, err) < 0)
			goto out;
	}
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
