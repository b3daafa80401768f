/* The jail tree writer on a fixture host tree (opts.host_root): symlinked
 * host parents, recursive directories, "#!" interpreters, emptydirs, users,
 * the manifest format, idempotence, setuid, conflicts, planted symlinks with
 * the openat walk forced, update and prune.  Runs as root (the jail root
 * must be root-owned). */
#define _GNU_SOURCE
#include "tap.h"
#include "base/safefs.h"
#include "tree/tree-internal.h"
#include "tree/tree.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

static char base[] = "/run/jail-unit-tree-XXXXXX";
static char host[256];
static jail_strv_t reports;

static void on_report(void *arg, const char *action, const char *path, const char *detail)
{
	char *line =
	    jail_strdup_printf("%s %s%s%s", action, path, detail ? " " : "", detail ? detail : "");
	(void)arg;
	if (line) {
		jail_strv_push(&reports, line, NULL);
		free(line);
	}
}

static bool reported(const char *line)
{
	return jail_strv_contains(&reports, line);
}

static char *P(const char *rel)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, 512, "%s/%s", base, rel);
	return b;
}

static void put(const char *rel, const char *content, mode_t mode)
{
	int fd = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, content, strlen(content)) < 0)
		diag("cannot write %s", P(rel));
	if (fd >= 0) {
		fchmod(fd, mode);
		close(fd);
	}
}

/* A real ELF file without dependencies (Debian's ldconfig is static-pie) as
 * the fixture's /bin/sh: the resolver must see an ELF interpreter. */
static void put_static_elf(const char *rel)
{
	int in = open("/sbin/ldconfig", O_RDONLY);
	int out = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in < 0 || out < 0)
		diag("cannot copy /sbin/ldconfig to %s", P(rel));
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

static void mkd(const char *rel, mode_t mode)
{
	if (mkdir(P(rel), mode) < 0 && errno != EEXIST)
		diag("cannot mkdir %s", P(rel));
	chmod(P(rel), mode);
}

static void lnk(const char *target, const char *rel)
{
	if (symlink(target, P(rel)) < 0)
		diag("cannot symlink %s", P(rel));
}

static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	char *buf = NULL;

	if (fd < 0)
		return strdup("(missing)");
	if (jail_read_all(fd, 1 << 20, &buf, NULL, NULL) < 0)
		buf = strdup("(unreadable)");
	close(fd);
	return buf;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static char *link_of(const char *path)
{
	static char buf[512];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void add(jail_strv_t *v, const char *s)
{
	jail_strv_push(v, s, NULL);
}

static void free_section(jail_section_t *s)
{
	jail_strv_clear(&s->paths);
	jail_strv_clear(&s->paths_w_owner);
	jail_strv_clear(&s->paths_w_setuid);
	jail_strv_clear(&s->emptydirs);
	jail_strv_clear(&s->devices);
	jail_strv_clear(&s->users);
	jail_strv_clear(&s->groups);
}

static int init1(const char *jail, jail_section_t *s, bool allow_setuid, jail_error_t *err)
{
	jail_tree_opts_t o = {.host_root = host, .report = on_report, .allow_setuid = allow_setuid};
	const jail_section_t *v[] = {s};

	jail_strv_clear(&reports);
	jail_error_clear(err);
	return jail_tree_init(jail, v, 1, &o, err);
}

static void make_host(void)
{
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};

	snprintf(host, sizeof(host), "%s/host", base);
	mkd("host", 0755);
	mkd("host/usr", 0755);
	mkd("host/usr/bin", 0755);
	mkd("host/usr/lib", 0755);
	mkd("host/etc", 0755);
	mkd("host/dev", 0755);
	mkd("host/tmp", 01777);
	mkd("host/data", 0755);
	mkd("host/data/sub", 0750);
	lnk("usr/bin", "host/bin");  /* relative, like Debian's merged /usr */
	lnk("/usr/lib", "host/lib"); /* absolute: resolved inside the host root */
	put_static_elf("host/usr/bin/sh");
	put("host/usr/bin/tool", "#!/bin/sh\necho tool\n", 0755);
	put("host/usr/bin/suid", "setuid program\n", 04755);
	put("host/usr/lib/libx.so.1.2", "library\n", 0644);
	lnk("libx.so.1.2", "host/usr/lib/libx.so.1");
	put("host/etc/conf", "conf\n", 0640);
	utimes(P("host/etc/conf"), tv);
	put("host/etc/ld.so.conf", "", 0644);
	put("host/etc/passwd",
	    "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n", 0644);
	put("host/etc/group", "root:x:0:\nalice:x:1000:\n", 0644);
	put("host/data/a", "a\n", 0644);
	put("host/data/sub/b", "b\n", 0600);
	lnk("a", "host/data/lnk");
	lnk("/etc/conf", "host/data/abs");
	mkd("outside", 0755);
	put("outside/sentinel", "sentinel\n", 0644);
}

static const char expected_manifest[] = "# jail manifest v1: written by jailctl, do not edit\n"
					"logsocket 1\n"
					"s one\n"
					"l /bin\n"
					"d /data\n"
					"f /data/a\n"
					"l /data/abs\n"
					"l /data/lnk\n"
					"d /data/sub\n"
					"f /data/sub/b\n"
					"d /dev\n"
					"d /etc\n"
					"f /etc/conf\n"
					"l /lib\n"
					"d /tmp\n"
					"d /usr\n"
					"d /usr/bin\n"
					"f /usr/bin/sh\n"
					"f /usr/bin/tool\n"
					"d /usr/lib\n"
					"l /usr/lib/libx.so.1\n"
					"f /usr/lib/libx.so.1.2\n"
					"d /var\n"
					"d /var/empty\n";

static void test_init(jail_section_t *one)
{
	jail_error_t err = {0};
	char *s;
	struct stat st1, st2, mst1, mst2;
	char J[512];

	snprintf(J, sizeof(J), "%s", P("jail"));

	ok(init1(J, one, false, &err) == 0, "init into a missing jail root succeeds");
	if (err.msg[0])
		diag("%s", err.msg);
	is_int(mode_of(J) & 07777, 0755, "the jail root is created 0755");
	is_str(link_of(P("jail/bin")), "usr/bin", "host /bin -> usr/bin is recreated as is");
	is_str(link_of(P("jail/lib")), "/usr/lib", "an absolute host symlink is recreated as is");
	s = slurp(P("jail/usr/bin/tool"));
	is_str(s, "#!/bin/sh\necho tool\n", "a requested script is copied to its real path");
	free(s);
	ok(S_ISREG(mode_of(P("jail/usr/bin/sh"))), "its #! interpreter comes along");
	is_int(mode_of(P("jail/usr/bin/tool")) & 07777, 0755, "the mode is kept");
	s = slurp(P("jail/usr/lib/libx.so.1.2"));
	is_str(s, "library\n", "a symlink's target is copied");
	free(s);
	is_str(link_of(P("jail/usr/lib/libx.so.1")), "libx.so.1.2", "the symlink itself too");
	ok(S_ISREG(mode_of(P("jail/data/sub/b"))), "a directory is copied recursively");
	is_int(mode_of(P("jail/data/sub")) & 07777, 0750, "a copied directory keeps its mode");
	is_int(mode_of(P("jail/data/sub/b")) & 07777, 0600, "a file inside keeps its mode");
	is_str(link_of(P("jail/data/abs")), "/etc/conf", "a symlink in a directory is kept");
	s = slurp(P("jail/etc/conf"));
	is_str(s, "conf\n", "an absolute symlink's target (inside the host root) is copied");
	free(s);
	ok(stat(P("jail/etc/conf"), &st1) == 0 && st1.st_mtime == 1000000000,
	   "the mtime is preserved");
	is_int(mode_of(P("jail/tmp")) & 07777, 01777,
	       "emptydirs /tmp: sticky 1777 like the host's");
	is_int(mode_of(P("jail/var/empty")) & 07777, 0755,
	       "emptydirs missing on the host: created 0755");
	s = slurp(P("jail/etc/passwd"));
	is_str(s, "root:x:0:0:root:/root:/bin/bash\n", "users: only the listed passwd line");
	free(s);
	s = slurp(P("jail/etc/group"));
	is_str(s, "root:x:0:\n", "groups: only the listed group line");
	free(s);
	ok(S_ISREG(mode_of(P("jail/dev/log"))), "need_logsocket: /dev/log placeholder created");
	s = slurp(P("jail/.jail/manifest"));
	is_str(s, expected_manifest,
	       "the manifest lists everything, sorted, in the documented format");
	free(s);
	ok(reported("add /usr/bin/tool"), "the report callback hears each action");
	ok(reported("add /bin -> usr/bin"), "links are reported with their target");

	{
		int fd = open(J, O_PATH | O_DIRECTORY);
		jail_manifest_t *m = NULL;
		const jail_manifest_entry_t *e;
		const char *why = "unset";
		if (!ok(jail_manifest_read(fd, &m, &err) == 0, "jail_manifest_read reads it back"))
			diag("%s", err.msg);
		ok(m && m->logsocket, "manifest: logsocket");
		e = m ? jail_manifest_find(m, "/usr/bin/tool") : NULL;
		ok(e && e->type == 'f' && e->flags == 0, "manifest: find a file entry");
		ok(m && jail_manifest_find(m, "/nope") == NULL, "manifest: find a missing path");
		is_int(e ? jail_tree_compare_file(fd, host, e, &why, &err) : -2, 0,
		       "compare_file: a fresh copy is identical to the host");
		put("jail/usr/bin/tool", "#!/bin/sh\necho TOOL\n", 0755);
		ok(stat(P("host/usr/bin/tool"), &st1) == 0, "host stat");
		{
			struct timespec ts[2] = {st1.st_mtim, st1.st_mtim};
			utimensat(AT_FDCWD, P("jail/usr/bin/tool"), ts, 0);
		}
		is_int(e ? jail_tree_compare_file(fd, host, e, &why, &err) : -2, 1,
		       "compare_file: same size and mtime, other bytes: differs");
		is_str(why, "content differs", "compare_file says why");
		jail_manifest_free(m);
		close(fd);
	}

	/* Idempotence: the file is rewritten once (it was tampered with), then a
	 * further run touches nothing: same inode, same manifest mtime. */
	ok(init1(J, one, false, &err) == 0, "re-run init succeeds");
	ok(reported("update /usr/bin/tool"), "re-run rewrites the tampered file");
	stat(P("jail/usr/bin/tool"), &st1);
	stat(P("jail/.jail/manifest"), &mst1);
	usleep(20000);
	ok(init1(J, one, false, &err) == 0, "third run succeeds");
	{
		size_t actions = 0;
		for (size_t i = 0; i < reports.n; i++)
			if (strncmp(reports.v[i], "missing ", 8) != 0)
				actions++;
		is_int(actions, 0, "third run reports no action");
	}
	stat(P("jail/usr/bin/tool"), &st2);
	stat(P("jail/.jail/manifest"), &mst2);
	ok(st1.st_ino == st2.st_ino && st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec,
	   "an identical file is not rewritten (same inode)");
	ok(mst1.st_ino == mst2.st_ino && mst1.st_mtim.tv_sec == mst2.st_mtim.tv_sec &&
	       mst1.st_mtim.tv_nsec == mst2.st_mtim.tv_nsec,
	   "an unchanged manifest is not rewritten");
}

static void test_setuid(void)
{
	jail_section_t s = {.name = "suid"};
	jail_section_t k = {.name = "keep"};
	jail_error_t err = {0};
	char *m;

	add(&s.paths, "/usr/bin/suid");
	ok(init1(P("jsuid"), &s, false, &err) == 0, "setuid file in paths: init succeeds");
	is_int(mode_of(P("jsuid/usr/bin/suid")) & 07777, 0755, "setuid bit stripped");
	ok(reported("strip-setuid /usr/bin/suid"), "stripping is reported");

	add(&k.paths_w_setuid, "/usr/bin/suid");
	ok(init1(P("jkeep"), &k, false, &err) < 0, "paths_w_setuid without allow_setuid: refused");
	is_int(err.code, EPERM, "refused with EPERM");
	like(err.msg, "--allow-setuid", "the message says how to allow it");
	ok(mode_of(P("jkeep")) == 0, "refused before the jail root was created");
	ok(init1(P("jkeep"), &k, true, &err) == 0, "with allow_setuid: init succeeds");
	is_int(mode_of(P("jkeep/usr/bin/suid")) & 07777, 04755, "the setuid bit is kept");
	m = slurp(P("jkeep/.jail/manifest"));
	like(m, "\nfs /usr/bin/suid\n", "the manifest flags the kept setuid bit");
	free(m);
	free_section(&s);
	free_section(&k);
}

/* cap_net_raw=ep, as Debian's ping has it (vfs_cap_data revision 2). */
static const char net_raw_caps[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20};

static bool has_caps(const char *path)
{
	char buf[64];

	return getxattr(path, "security.capability", buf, sizeof(buf)) > 0;
}

static void test_caps(void)
{
	jail_section_t p = {.name = "plain"};
	jail_section_t k = {.name = "keep"};
	jail_error_t err = {0};
	char buf[64];
	ssize_t n;

	put("host/usr/bin/capped", "needs raw sockets\n", 0755);
	if (setxattr(P("host/usr/bin/capped"), "security.capability", net_raw_caps,
		     sizeof(net_raw_caps), 0) < 0) {
		ok(1, "# SKIP file capabilities not supported here");
		return;
	}
	add(&p.paths, "/usr/bin/capped");
	ok(init1(P("jcap"), &p, false, &err) == 0, "a file with capabilities: init succeeds");
	ok(!has_caps(P("jcap/usr/bin/capped")), "file capabilities are not copied");
	/* Someone adds capabilities to the jail copy: it differs, a re-run
	 * rewrites it without them. */
	ok(setxattr(P("jcap/usr/bin/capped"), "security.capability", net_raw_caps,
		    sizeof(net_raw_caps), 0) == 0,
	   "capabilities added to the jail copy");
	ok(init1(P("jcap"), &p, false, &err) == 0 && reported("update /usr/bin/capped"),
	   "a re-run sees the added capabilities and rewrites the file");
	ok(!has_caps(P("jcap/usr/bin/capped")), "the rewritten file has none");

	add(&k.paths_w_setuid, "/usr/bin/capped");
	ok(init1(P("jcapk"), &k, true, &err) == 0,
	   "paths_w_setuid with allow_setuid: init succeeds");
	n = getxattr(P("jcapk/usr/bin/capped"), "security.capability", buf, sizeof(buf));
	ok(n == (ssize_t)sizeof(net_raw_caps) &&
	       memcmp(buf, net_raw_caps, sizeof(net_raw_caps)) == 0,
	   "paths_w_setuid keeps the host's file capabilities");
	ok(init1(P("jcapk"), &k, true, &err) == 0 && reports.n == 0,
	   "a re-run finds the kept capabilities identical");
	free_section(&p);
	free_section(&k);
}

static void test_owner(void)
{
	jail_section_t o = {.name = "owner"};
	jail_error_t err = {0};
	struct stat st;
	char *m;

	mkd("host/var", 0755);
	mkd("host/var/spool", 0755);
	mkd("host/var/spool/box", 0770);
	put("host/var/spool/box/mail", "mail\n", 0660);
	if (chown(P("host/var/spool/box"), 1000, 1000) < 0 ||
	    chown(P("host/var/spool/box/mail"), 1000, 1000) < 0)
		diag("chown failed");
	add(&o.paths_w_owner, "/var/spool/box");
	ok(init1(P("jown"), &o, false, &err) == 0, "paths_w_owner: init succeeds");
	ok(stat(P("jown/var/spool/box/mail"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000,
	   "paths_w_owner: a file keeps the host owner");
	ok(stat(P("jown/var/spool/box"), &st) == 0 && st.st_uid == 1000 &&
	       (st.st_mode & 07777) == 0770,
	   "paths_w_owner: the directory keeps owner and mode");
	ok(stat(P("jown/var/spool"), &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0755,
	   "paths_w_owner: parents stay root-owned");
	m = slurp(P("jown/.jail/manifest"));
	like(m, "\nfo /var/spool/box/mail\n", "the manifest flags the kept owner");
	free(m);
	ok(init1(P("jown"), &o, false, &err) == 0,
	   "paths_w_owner: a re-run into the user-owned "
	   "directory is allowed (it is the requested owner)");
	free_section(&o);
}

static void test_conflicts(jail_section_t *one)
{
	jail_error_t err = {0};
	char *s;

	mkd("jc", 0755);
	mkd("jc/usr", 0755);
	mkd("jc/usr/bin", 0755);
	mkd("jc/usr/bin/tool", 0755);
	ok(init1(P("jc"), one, false, &err) < 0, "a directory where a file goes: refused");
	like(err.msg, P("jc/usr/bin/tool: is a directory, expected a regular file"),
	     "the message names the path and both types");
	ok(mode_of(P("jc/etc")) == 0, "refused before anything was written");

	/* Planted symlinks with the openat() walk forced instead of openat2. */
	jail_safefs_force_fallback(true);
	mkd("jw", 0755);
	lnk(P("outside"), "jw/etc");
	ok(init1(P("jw"), one, false, &err) < 0, "walk: symlink at JAIL/etc refused");
	like(err.msg, P("jw/etc: is a symlink"), "walk: the message names JAIL/etc");
	mkd("jw2", 0755);
	mkd("jw2/usr", 0755);
	lnk(P("outside"), "jw2/usr/bin");
	ok(init1(P("jw2"), one, false, &err) < 0, "walk: symlink at JAIL/usr/bin refused");
	like(err.msg, P("jw2/usr/bin: is a symlink"), "walk: the message names JAIL/usr/bin");
	s = slurp(P("outside/sentinel"));
	is_str(s, "sentinel\n", "walk: the outside sentinel is untouched");
	free(s);
	ok(mode_of(P("outside/tool")) == 0 && mode_of(P("outside/passwd")) == 0 &&
	       mode_of(P("outside/conf")) == 0,
	   "walk: nothing was written into the outside directory");
	{
		/* A manifest path behind a planted directory symlink: the walk
		 * refuses to cross it, so the jail copy counts as different. */
		int fd = open(P("jail"), O_PATH | O_DIRECTORY);
		jail_manifest_entry_t e = {.type = 'f', .path = "/data/sub/b"};
		const char *why = NULL;
		rename(P("jail/data/sub"), P("jail/data/sub.real"));
		mkd("outside/sub", 0755);
		put("outside/sub/b", "b\n", 0600);
		lnk(P("outside/sub"), "jail/data/sub");
		is_int(jail_tree_compare_file(fd, host, &e, &why, &err), 1,
		       "walk: compare_file does not follow a planted directory symlink");
		unlink(P("jail/data/sub"));
		rename(P("jail/data/sub.real"), P("jail/data/sub"));
		close(fd);
	}
	jail_safefs_force_fallback(false);
}

static void test_update(void)
{
	jail_tree_opts_t o = {.host_root = host, .report = on_report};
	jail_error_t err = {0};
	char *s, *m;
	jail_strv_t paths = {0};
	struct stat st;

	/* Tamper with a file, same size and mtime. */
	stat(P("host/etc/conf"), &st);
	put("jail/etc/conf", "CONF\n", 0640);
	{
		struct timespec ts[2] = {st.st_mtim, st.st_mtim};
		utimensat(AT_FDCWD, P("jail/etc/conf"), ts, 0);
	}
	o.dry_run = true;
	jail_strv_clear(&reports);
	ok(jail_tree_update(P("jail"), &o, &err) == 0, "update -n succeeds");
	ok(reported("update /etc/conf"), "update -n reports a same-size, same-mtime edit");
	is_int(reports.n, 1, "and nothing else");
	s = slurp(P("jail/etc/conf"));
	is_str(s, "CONF\n", "update -n changes nothing");
	free(s);
	o.dry_run = false;
	jail_strv_clear(&reports);
	ok(jail_tree_update(P("jail"), &o, &err) == 0, "update succeeds");
	s = slurp(P("jail/etc/conf"));
	is_str(s, "conf\n", "update restores the host bytes");
	free(s);

	/* cp: strict about missing paths. */
	add(&paths, "/nonexistent");
	ok(jail_tree_cp(P("jail"), &paths, &o, &err) < 0, "cp of a missing host path fails");
	like(err.msg, "/nonexistent: not found on the host", "cp names the missing path");
	jail_strv_clear(&paths);

	/* prune */
	unlink(P("host/data/a"));
	jail_strv_clear(&reports);
	ok(jail_tree_update(P("jail"), &o, &err) == 0, "update with a host file gone");
	ok(reported("missing /data/a gone from the host (--prune removes it from the jail)"),
	   "update reports the file gone from the host");
	ok(S_ISREG(mode_of(P("jail/data/a"))), "without prune the jail keeps it");
	put("jail/data/mine", "user file\n", 0644);
	o.prune = true;
	jail_strv_clear(&reports);
	ok(jail_tree_update(P("jail"), &o, &err) == 0, "update --prune succeeds");
	ok(reported("remove /data/a"), "prune reports the removal");
	ok(mode_of(P("jail/data/a")) == 0, "prune removed the file");
	ok(S_ISLNK(mode_of(P("jail/data/lnk"))),
	   "prune kept the (now dangling) link the host still has");
	ok(S_ISREG(mode_of(P("jail/data/mine"))), "prune kept a file not in the manifest");
	m = slurp(P("jail/.jail/manifest"));
	ok(strstr(m, "f /data/a\n") == NULL, "prune dropped it from the manifest");
	ok(strstr(m, "l /data/lnk\n") != NULL, "the rest of the manifest stays");
	free(m);
}

static void test_manifest_format(void)
{
	jail_manifest_t *m = NULL, *m2 = NULL;
	jail_error_t err = {0};
	char *text;
	size_t len;
	static const char good[] = "# comment\n\nlogsocket 1\nf /a b\nd /x\nfos /odd\\nname\\\\x\n"
				   "s sec\nf /a b\n";

	ok(jail_manifest_parse("m", good, strlen(good), &m, &err) == 0, "parse a manifest");
	ok(m && m->n == 4, "duplicates dropped (4 entries)");
	ok(m && m->v[0].type == 's', "sections sort first");
	ok(m && jail_manifest_find(m, "/a b") != NULL, "a path with a space");
	{
		const jail_manifest_entry_t *e = m ? jail_manifest_find(m, "/odd\nname\\x") : NULL;
		ok(e && e->type == 'f' && e->flags == (JAIL_MF_KEEP_OWNER | JAIL_MF_KEEP_SETUID),
		   "escaped newline and backslash, and both flags");
	}
	text = m ? jail_manifest_format(m, &len, &err) : NULL;
	ok(text && jail_manifest_parse("m2", text, len, &m2, &err) == 0 && m2->n == m->n &&
	       m2->logsocket,
	   "format then parse round-trips");
	like(text, "fos /odd\\nname\\\\x\n", "format escapes newline and backslash");
	free(text);
	jail_manifest_free(m);
	jail_manifest_free(m2);

	{
		static const char *const bad[] = {
		    "f /ok\nx /a\n", "f relative\n", "logsocket 2\n", "f\n", "fz /a\n", "f /a\\q\n",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			m = NULL;
			ok(jail_manifest_parse("bad", bad[i], strlen(bad[i]), &m, &err) < 0 &&
			       m == NULL,
			   "malformed manifest %zu refused", i);
		}
		m = NULL;
		jail_manifest_parse("bad", bad[0], strlen(bad[0]), &m, &err);
		like(err.msg, "bad:2: malformed manifest line", "the error names file and line");
	}
}

int main(void)
{
	jail_section_t one = {.name = "one"};
	char cmd[600];

	test_manifest_format();
	if (geteuid() != 0) {
		printf("ok %d # SKIP the tree tests need root (root-owned jail roots)\n", ++tap_n);
		return done_testing();
	}
	if (mkdtemp(base) == NULL || chmod(base, 0755) < 0) {
		ok(0, "mkdtemp %s", base);
		return done_testing();
	}
	make_host();
	add(&one.paths, "/bin/tool");
	add(&one.paths, "tool"); /* bare name: the host PATH, inside the fixture */
	add(&one.paths, "/etc/conf");
	add(&one.paths, "/data/");
	add(&one.paths, "/lib/libx.so.1");	/* through the absolute /lib link */
	add(&one.paths, "/usr/lib/libx.so.1*"); /* a glob */
	add(&one.paths, "/usr/bin/missing-on-host");
	add(&one.emptydirs, "/tmp");
	add(&one.emptydirs, "/var/empty");
	add(&one.users, "root");
	add(&one.groups, "root");
	one.need_logsocket = true;

	test_init(&one);
	test_setuid();
	test_owner();
	test_caps();
	test_conflicts(&one);
	test_update();

	free_section(&one);
	jail_strv_clear(&reports);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		diag("cleanup of %s failed", base);
	return done_testing();
}
