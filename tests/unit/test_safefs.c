/* The safe path layer under attack: planted symlinks, "..", and both
 * resolution branches (openat2 and the openat walk). Runs as root. */
#define _GNU_SOURCE
#include "tap.h"
#include "base/safefs.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/run/jail-unit-safefs-XXXXXX";

static void put(const char *rel, const char *content)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, content, strlen(content)) < 0)
			diag("write %s failed", path);
		close(fd);
	}
}

static int sub(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
}

static void run(bool fallback)
{
	const char *br = fallback ? "walk" : "openat2";
	jail_error_t err = {0};
	struct stat st;
	int jail, fd;
	char buf[64] = {0};

	jail_safefs_force_fallback(fallback);
	jail = sub("jail");

	fd = jail_openat_beneath(jail, "/etc/passwd", O_RDONLY, 0, &err);
	ok(fd >= 0, "%s: a plain file beneath the root opens", br);
	if (fd >= 0) {
		ok(read(fd, buf, sizeof(buf) - 1) > 0 && strcmp(buf, "inside\n") == 0,
		   "%s: and it is the jail's file", br);
		close(fd);
	}

	fd = jail_openat_beneath(jail, "linkdir/secret", O_RDONLY, 0, &err);
	ok(fd < 0 && err.code == ELOOP, "%s: symlinked directory component refused with ELOOP", br);
	if (fd >= 0)
		close(fd);
	fd = jail_openat_beneath(jail, "etc/shadow", O_RDONLY, 0, &err);
	ok(fd < 0 && err.code == ELOOP, "%s: symlink as last component refused with ELOOP", br);
	if (fd >= 0)
		close(fd);
	fd = jail_openat_beneath(jail, "etc/../../outside/secret", O_RDONLY, 0, &err);
	ok(fd < 0 && (err.code == EXDEV || err.code == EINVAL),
	   "%s: '..' escape refused (EXDEV/EINVAL)", br);
	if (fd >= 0)
		close(fd);

	/* Writes through a planted symlink must not touch the outside. */
	ok(jail_write_file_beneath(jail, "linkdir/secret", "pwned", 5, 0644, 0, 0, &err) < 0,
	   "%s: write through symlinked dir refused", br);
	ok(jail_write_file_beneath(jail, "etc/shadow", "pwned", 5, 0644, 0, 0, &err) == 0,
	   "%s: atomic write replaces a symlink at the target, not its target", br);
	ok(jail_stat_beneath(jail, "etc/shadow", &st, &err) == 0 && S_ISREG(st.st_mode),
	   "%s: target is now a regular file in the jail", br);
	fd = sub("outside");
	{
		int s = openat(fd, "secret", O_RDONLY);
		memset(buf, 0, sizeof(buf));
		ok(s >= 0 && read(s, buf, sizeof(buf) - 1) > 0 && strcmp(buf, "host secret\n") == 0,
		   "%s: outside file untouched", br);
		if (s >= 0)
			close(s);
	}
	close(fd);

	/* mkdirs never follows a symlinked component. */
	fd = jail_mkdirs_beneath(jail, "linkdir/new/dir", 0755, 0, 0, &err);
	ok(fd < 0, "%s: mkdirs through a symlink refused", br);
	like(err.msg, "linkdir", "%s: error names the path", br);
	if (fd >= 0)
		close(fd);
	fd = jail_mkdirs_beneath(jail, "/var/lib/x", 0750, 0, 0, &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0750,
	   "%s: mkdirs creates with the exact mode (umask ignored)", br);
	if (fd >= 0)
		close(fd);
	jail_remove_tree_beneath(jail, "var", &err);
	unlinkat(jail, "etc/shadow", 0);
	if (symlinkat("../../outside/secret", jail, "etc/shadow") < 0)
		diag("symlinkat failed");
	close(jail);
}

static void remove_tree(void)
{
	jail_error_t err = {0};
	int root = sub("jail");
	int outside;
	struct stat st;

	/* A symlink to an outside dir inside the tree: removing the tree unlinks
	 * the symlink and never descends into the target. */
	ok(jail_mkdirs_beneath(root, "home/u/sub", 0755, 0, 0, &err) >= 0, "tree for removal");
	if (symlinkat("../../../outside", root, "home/u/sub/escape") < 0)
		diag("symlinkat failed");
	ok(jail_remove_tree_beneath(root, "home/u", &err) == 0, "remove_tree succeeds");
	ok(fstatat(root, "home/u", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
	   "tree is gone");
	outside = sub("outside");
	ok(fstatat(outside, "secret", &st, 0) == 0, "symlink target outside survived");
	close(outside);
	close(root);
}

/* The lowest free descriptor: a leak on an error path shows as a change. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void opendir_fd(void)
{
	jail_error_t err = {0};
	int root = sub("jail");
	int file_fd = -1, before, names = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	d = jail_opendir_fd(root, "jail", &err);
	ok(d != NULL, "opendir_fd: a readable directory fd gives a stream");
	while (d && (de = readdir(d)) != NULL)
		names += strcmp(de->d_name, "etc") == 0 || strcmp(de->d_name, "linkdir") == 0;
	is_int(names, 2, "opendir_fd: the stream lists that directory (linkdir not followed)");
	if (d)
		closedir(d);
	ok(fstat(root, &st) == 0 && S_ISDIR(st.st_mode),
	   "opendir_fd: the caller's fd is still open after closedir");

	file_fd = openat(root, "etc/passwd", O_RDONLY | O_CLOEXEC);
	before = lowest_free_fd();
	errno = 0;
	d = jail_opendir_fd(file_fd, "etc/passwd", &err);
	ok(d == NULL && errno == ENOTDIR && err.code == ENOTDIR,
	   "opendir_fd: a file's fd is refused with ENOTDIR (errno and err)");
	like(err.msg, "opendir etc/passwd", "opendir_fd: the message names the directory");
	is_int(lowest_free_fd(), before, "opendir_fd: no descriptor left open on failure");
	d = jail_opendir_fd(-1, NULL, NULL);
	ok(d == NULL && errno == EBADF, "opendir_fd: a bad fd fails, err may be NULL");
	if (d)
		closedir(d);
	close(file_fd);
	close(root);
}

/* Entries of directory DFD whose name starts with ".jail-tmp.". */
static int count_tmp(int dfd)
{
	DIR *d = jail_opendir_fd(dfd, NULL, NULL);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".jail-tmp.", 10) == 0;
	if (d)
		closedir(d);
	return n;
}

static void tmpfile_api(void)
{
	jail_error_t err = {0};
	int root = sub("jail");
	int dir = -1, rdir = -1;
	char buf[64] = {0};
	struct stat st;

	ok(jail_mkdirs_beneath(root, "tmpt/sub", 0755, 0, 0, &err) >= 0, "tmpfile: scratch dir");
	dir = openat(root, "tmpt", O_PATH | O_DIRECTORY | O_CLOEXEC);
	rdir = openat(root, "tmpt", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (symlinkat("../../outside/secret", dir, "target") < 0)
		diag("symlinkat failed");
	{
		cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
		ok(jail_tmpfile_create(&t, dir, "tmpt/target", &err) == 0 && t.fd >= 0,
		   "tmpfile: created in an O_PATH directory fd");
		ok(write(t.fd, "new\n", 4) == 4, "tmpfile: written");
		is_int(count_tmp(rdir), 1, "tmpfile: one temporary, under its own name");
		ok(jail_tmpfile_commit(&t, "target", &err) == 0 && t.fd == -1,
		   "tmpfile: committed over a planted symlink");
	}
	ok(fstatat(dir, "target", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 07777) == 0600,
	   "tmpfile: the symlink was replaced by the new file (mode 0600), not followed");
	{
		int fd = openat(dir, "target", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		ok(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 4 && strcmp(buf, "new\n") == 0,
		   "tmpfile: the target has the new content");
		if (fd >= 0)
			close(fd);
		snprintf(buf, sizeof(buf), "%s/outside/secret", base);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		memset(buf, 0, sizeof(buf));
		ok(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 &&
		       strcmp(buf, "host secret\n") == 0,
		   "tmpfile: the symlink's target outside is untouched");
		if (fd >= 0)
			close(fd);
	}
	{
		cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
		ok(jail_tmpfile_create(&t, dir, "tmpt/sub", &err) == 0, "tmpfile: another one");
		ok(jail_tmpfile_commit(&t, "sub", &err) < 0 && err.code == EISDIR,
		   "tmpfile: committing over a directory fails (EISDIR)");
		like(err.msg, "rename into tmpt/sub", "tmpfile: the message names the target");
		ok(fstatat(dir, "sub", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode),
		   "tmpfile: the directory is untouched");
	}
	{
		cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
		ok(jail_tmpfile_create(&t, dir, "tmpt/x", &err) == 0, "tmpfile: a third one");
		errno = EINTR;
		jail_tmpfile_abort(&t);
		ok(errno == EINTR && t.fd == -1, "tmpfile: abort keeps errno");
	}
	{
		cleanup_tmpfile jail_tmpfile_t t = JAIL_TMPFILE_INIT;
		ok(jail_tmpfile_create(&t, dir, "tmpt/y", &err) == 0,
		   "tmpfile: a fourth one, left to the cleanup");
	}
	is_int(count_tmp(rdir), 0,
	       "tmpfile: no temporary left after a failed commit, an abort or a scope exit");
	close(rdir);
	close(dir);
	jail_remove_tree_beneath(root, "tmpt", &err);
	close(root);
}

static void trusted(void)
{
	jail_error_t err = {0};
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/jail", base);
	fd = jail_open_trusted_dir(path, &err);
	ok(fd >= 0, "root-owned 0755 chain is trusted");
	if (fd >= 0)
		close(fd);

	chmod(path, 0775);
	fd = jail_open_trusted_dir(path, &err);
	ok(fd < 0 && err.code == EPERM, "group-writable jail refused");
	like(err.msg, "writable by its group", "message says why");
	like(err.msg, path, "message names the path");
	chmod(path, 0755);

	snprintf(path, sizeof(path), "%s/jail/linkdir", base);
	fd = jail_open_trusted_dir(path, &err);
	ok(fd < 0 && err.code == ELOOP, "symlink in the chain refused");
	like(err.msg, "is a symlink", "message says it is a symlink");

	snprintf(path, sizeof(path), "%s/jail", base);
	if (chown(path, 65534, 65534) == 0) {
		fd = jail_open_trusted_dir(path, &err);
		ok(fd < 0 && err.code == EPERM, "jail owned by a non-root uid refused");
		like(err.msg, "owned by uid 65534", "message names the owner");
		if (chown(path, 0, 0) < 0)
			diag("chown back failed");
	}
	fd = jail_open_trusted_dir("/tmp", &err);
	ok(fd < 0, "/tmp (world-writable) is not trusted");
	if (fd >= 0)
		close(fd);
}

/* Report mode: what the walker passes to its callback. */
typedef struct seen {
	int n;
	jail_walk_problem_t problem[8];
	char path[8][512];
} seen_t;

static int collect(void *ctx, const jail_walk_finding_t *f)
{
	seen_t *s = ctx;

	if (s->n < 8) {
		s->problem[s->n] = f->problem;
		snprintf(s->path[s->n], sizeof(s->path[0]), "%s", f->path);
	}
	s->n++;
	return 0;
}

static void walker_modes(void)
{
	jail_error_t err = {0};
	char path[512], top[700], mid[400];
	struct stat st;
	seen_t seen = {0};
	jail_walk_opts_t rep = {.flags = JAIL_WALK_REPORT, .report = collect, .ctx = &seen};
	jail_walk_opts_t mk = {.flags = JAIL_WALK_CREATE, .create_mode = 0700};
	int fd = -2;

	/* A planted symlink component, in the middle of the path. */
	snprintf(path, sizeof(path), "%s/jail/linkdir/secret", base);
	ok(jail_walk_trusted(path, NULL, &fd, &err) < 0 && fd == -1 && err.code == ELOOP,
	   "walk: a symlink component is refused, not followed");
	snprintf(top, sizeof(top), "%s/jail/linkdir is a symlink, expected a real directory", base);
	is_str(err.msg, top, "walk: the message names the symlink component");
	ok(jail_walk_trusted(path, &mk, &fd, &err) < 0 && err.code == ELOOP,
	   "walk: create mode does not replace a symlink either");

	/* A group-writable component above the target. */
	snprintf(mid, sizeof(mid), "%s/walk", base);
	mkdir(mid, 0755);
	snprintf(path, sizeof(path), "%s/walk/a", base);
	mkdir(path, 0755);
	chmod(mid, 0775);
	ok(jail_walk_trusted(path, NULL, &fd, &err) < 0 && err.code == EPERM,
	   "walk: a group-writable component is refused");
	snprintf(top, sizeof(top),
		 "%s is writable by its group (mode 0775), expected not group/world-writable", mid);
	is_str(err.msg, top, "walk: the message names the component, not the target");

	/* Report mode: both problems of one component, and the next one's. */
	if (chown(mid, 65534, 0) == 0 && chmod(path, 0757) == 0) {
		fd = -2;
		ok(jail_walk_trusted(path, &rep, &fd, &err) == 0 && fd >= 0,
		   "report: the walk goes on past untrusted components and opens the target");
		if (fd >= 0)
			close(fd);
		is_int(seen.n, 3, "report: three problems listed");
		ok(seen.problem[0] == JAIL_WALK_NOT_ROOT && strcmp(seen.path[0], mid) == 0,
		   "report: the owner of %s", mid);
		ok(seen.problem[1] == JAIL_WALK_WRITABLE && strcmp(seen.path[1], mid) == 0,
		   "report: the group write bit of %s", mid);
		ok(seen.problem[2] == JAIL_WALK_WRITABLE && strcmp(seen.path[2], path) == 0,
		   "report: the others write bit of %s", path);
		if (chown(mid, 0, 0) < 0)
			diag("chown back failed");
	}
	chmod(mid, 0755);
	chmod(path, 0755);

	/* Report mode stops at a symlink, reported, without an error. */
	seen.n = 0;
	snprintf(path, sizeof(path), "%s/jail/linkdir/x", base);
	fd = -2;
	ok(jail_walk_trusted(path, &rep, &fd, &err) == 0 && fd == -1,
	   "report: a symlink ends the walk without an error");
	snprintf(top, sizeof(top), "%s/jail/linkdir", base);
	ok(seen.n == 1 && seen.problem[0] == JAIL_WALK_SYMLINK && strcmp(seen.path[0], top) == 0,
	   "report: the symlink is the one problem listed");
	seen.n = 0;
	snprintf(path, sizeof(path), "%s/walk/missing", base);
	ok(jail_walk_trusted(path, &rep, &fd, &err) == 0 && fd == -1 && seen.n == 1 &&
	       seen.problem[0] == JAIL_WALK_UNREACHABLE,
	   "report: a missing component is listed as unreachable");

	/* Create mode: missing components made 0755, the last one create_mode. */
	snprintf(path, sizeof(path), "%s/walk/new/sub/last", base);
	ok(jail_walk_trusted(path, NULL, &fd, &err) < 0 && err.code == ENOENT,
	   "walk without create: a missing directory is ENOENT");
	fd = -2;
	ok(jail_walk_trusted(path, &mk, &fd, &err) == 0 && fd >= 0, "create: missing dirs made");
	if (fd >= 0)
		close(fd);
	snprintf(top, sizeof(top), "%s/walk/new/sub", base);
	ok(stat(top, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       (st.st_mode & 07777) == (0755 & ~(mode_t)022),
	   "create: an intermediate directory is root-owned 0755");
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       (st.st_mode & 07777) == 0700,
	   "create: the last one gets create_mode 0700");
	fd = -2;
	ok(jail_walk_trusted(path, &mk, &fd, &err) == 0 && fd >= 0,
	   "create: an existing chain is opened as it is");
	if (fd >= 0)
		close(fd);
	chmod(top, 0777);
	ok(jail_walk_trusted(path, &mk, &fd, &err) < 0 && err.code == EPERM,
	   "create: an existing untrusted component is still refused");
	chmod(top, 0755);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (ownership checks)\n");
		return 0;
	}
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		printf("Bail out! cannot create %s\n", base);
		return 1;
	}
	{
		char p[600];
		snprintf(p, sizeof(p), "%s/jail", base);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/jail/etc", base);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/outside", base);
		mkdir(p, 0755);
		put("jail/etc/passwd", "inside\n");
		put("outside/secret", "host secret\n");
		snprintf(p, sizeof(p), "%s/jail/linkdir", base);
		if (symlink("../outside", p) < 0)
			diag("symlink failed");
		snprintf(p, sizeof(p), "%s/jail/etc/shadow", base);
		if (symlink("../../outside/secret", p) < 0)
			diag("symlink failed");
	}
	run(false);
	run(true);
	remove_tree();
	opendir_fd();
	tmpfile_api();
	trusted();
	umask(022);
	walker_modes();
	{
		jail_error_t err = {0};
		int root = open("/run", O_DIRECTORY | O_RDONLY);
		jail_remove_tree_beneath(root, base + strlen("/run/"), &err);
		close(root);
	}
	return done_testing();
}
