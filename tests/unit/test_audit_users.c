/* The audit's table of the host's users and groups (lib/audit/users.c)
 * gives, for every user and group, the answers of getpwnam(), getpwuid(),
 * getgrouplist() + getgrgid(), getgrnam() and getgrgid(): on this host's
 * databases, then (root) on a planted passwd/group of 3,000 users with
 * the corner cases (duplicate names and gids, a member listed twice, a
 * member whose primary group lists them, a primary gid with no group,
 * members that do not exist) bind-mounted over /etc in a private mount
 * namespace. */
#define _GNU_SOURCE
#include "tap.h"
#include "audit/audit-internal.h"
#include "base/util.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#define SHOW_MAX 5 /* mismatches shown per assertion */

static void nss_groups(const char *name, gid_t gid, jail_strv_t *out)
{
	int n = 4096;
	gid_t *gids = calloc((size_t)n, sizeof(*gids));

	if (gids == NULL || getgrouplist(name, gid, gids, &n) < 0) {
		printf("Bail out! getgrouplist %s\n", name);
		exit(255);
	}
	for (int i = 0; i < n; i++) {
		struct group *gr = getgrgid(gids[i]);
		if (gr)
			jail_strv_add_unique(out, gr->gr_name, NULL);
	}
	free(gids);
}

static bool same_strv(const jail_strv_t *a, const jail_strv_t *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static void compare(const char *label, size_t min_users)
{
	audit_users_t t;
	jail_error_t err = {0};
	jail_strv_t users = {0}, groups = {0};
	struct passwd *pw;
	struct group *gr;
	size_t bad_pw = 0, bad_uid = 0, bad_groups = 0, bad_gr = 0, bad_gid = 0;
	const audit_pw_t *none = NULL;

	setpwent();
	while ((pw = getpwent()) != NULL)
		jail_strv_push(&users, pw->pw_name, NULL);
	endpwent();
	setgrent();
	while ((gr = getgrent()) != NULL)
		jail_strv_push(&groups, gr->gr_name, NULL);
	endgrent();
	if (!ok(audit_users_load(&t, &err) == 0, "%s: table loaded", label)) {
		diag("%s", err.msg);
		return;
	}
	ok(users.n >= min_users && t.n_pw_enum == users.n, "%s: %zu users enumerated (>= %zu)",
	   label, t.n_pw_enum, min_users);
	ok(t.n_gr == groups.n, "%s: %zu groups enumerated", label, t.n_gr);

	for (size_t i = 0; i < users.n; i++) {
		const audit_pw_t *tp = NULL;
		jail_strv_t want = {0}, got = {0};
		uid_t uid;
		gid_t gid;
		char *dir, *shell;
		const audit_pw_t *tu;

		pw = getpwnam(users.v[i]);
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		dir = strdup(pw->pw_dir);
		shell = strdup(pw->pw_shell);
		if (audit_users_pw(&t, users.v[i], &tp, &err) < 0 || tp == NULL ||
		    strcmp(tp->name, users.v[i]) != 0 || tp->uid != uid || tp->gid != gid ||
		    strcmp(tp->dir, dir) != 0 || strcmp(tp->shell, shell) != 0) {
			if (bad_pw++ < SHOW_MAX)
				diag("getpwnam(%s) differs", users.v[i]);
		}
		pw = getpwuid(uid);
		tu = audit_users_pwuid(&t, uid);
		if (pw == NULL || tu == NULL || strcmp(pw->pw_name, tu->name) != 0) {
			if (bad_uid++ < SHOW_MAX)
				diag("getpwuid(%u): %s, table %s", (unsigned)uid,
				     pw ? pw->pw_name : "-", tu ? tu->name : "-");
		}
		nss_groups(users.v[i], gid, &want);
		if (tp == NULL || audit_users_groups(&t, tp, &got, &err) < 0 ||
		    !same_strv(&want, &got)) {
			if (bad_groups++ < SHOW_MAX)
				diag("groups of %s: NSS %zu (%s...), table %zu (%s...)", users.v[i],
				     want.n, want.n ? want.v[0] : "", got.n, got.n ? got.v[0] : "");
		}
		jail_strv_clear(&want);
		jail_strv_clear(&got);
		free(dir);
		free(shell);
	}
	ok(bad_pw == 0, "%s: getpwnam of every user (%zu differ)", label, bad_pw);
	ok(bad_uid == 0, "%s: getpwuid of every user's uid (%zu differ)", label, bad_uid);
	ok(bad_groups == 0,
	   "%s: getgrouplist + getgrgid of every user, same names in the same order "
	   "(%zu differ)",
	   label, bad_groups);

	for (size_t i = 0; i < groups.n; i++) {
		const audit_gr_t *tg = audit_users_gr(&t, groups.v[i]);
		const audit_gr_t *tgid;
		size_t k = 0;
		bool same;

		gr = getgrnam(groups.v[i]);
		same = tg && gr->gr_gid == tg->gid;
		for (; same && gr->gr_mem[k]; k++)
			same = tg->mem[k] && strcmp(tg->mem[k], gr->gr_mem[k]) == 0;
		same = same && tg->mem[k] == NULL;
		if (!same && bad_gr++ < SHOW_MAX)
			diag("getgrnam(%s) differs", groups.v[i]);
		gr = getgrgid(gr->gr_gid);
		tgid = gr ? audit_users_grgid(&t, gr->gr_gid) : NULL;
		if ((gr == NULL || tgid == NULL || strcmp(gr->gr_name, tgid->name) != 0) &&
		    bad_gid++ < SHOW_MAX)
			diag("getgrgid of group %s differs", groups.v[i]);
	}
	ok(bad_gr == 0, "%s: getgrnam of every group, gid and members (%zu differ)", label, bad_gr);
	ok(bad_gid == 0, "%s: getgrgid of every group's gid (%zu differ)", label, bad_gid);
	ok(audit_users_pw(&t, "no-such-user.audit", &none, &err) == 0 && none == NULL,
	   "%s: an unknown user is unknown", label);
	ok(audit_users_gr(&t, "no-such-group.audit") == NULL, "%s: an unknown group is unknown",
	   label);
	audit_users_free(&t);
	jail_strv_clear(&users);
	jail_strv_clear(&groups);
}

/* 3,000 users in 40 groups, plus the corner cases. */
static void plant(const char *dir)
{
	char path[256];
	FILE *pw, *gr;

	snprintf(path, sizeof(path), "%s/passwd", dir);
	pw = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/group", dir);
	gr = fopen(path, "w");
	if (pw == NULL || gr == NULL) {
		printf("Bail out! cannot write %s\n", dir);
		exit(255);
	}
	fprintf(pw, "root:x:0:0:root:/root:/bin/bash\n");
	fprintf(gr, "root:x:0:\n");
	for (int i = 0; i < 3000; i++)
		fprintf(pw, "u%d:x:%d:%d::/home/u%d:/bin/sh\n", i, 20000 + i,
			i % 7 == 0 ? 30000 + i % 40 : 40000, i);
	/* dup twice: the first counts; nogrp's primary gid has no group */
	fprintf(pw, "dup:x:29998:30001::/home/dup1:/bin/sh\n"
		    "dup:x:29999:30002::/home/dup2:/bin/bash\n"
		    "nogrp:x:29997:39999::/home/nogrp:/bin/sh\n");
	fprintf(gr, "users:x:40000:\n");
	for (int g = 0; g < 40; g++) {
		fprintf(gr, "g%d:x:%d:", g, 30000 + g);
		for (int i = g; i < 3000; i += 40 + g % 3)
			fprintf(gr, "%su%d", i == g ? "" : ",", i);
		/* u0 listed twice in g1; u7 (primary 30007) listed in g7; ghost */
		fprintf(gr, "%s\n", g == 1 ? ",u0,u0,ghost,dup,nogrp" : "");
	}
	/* a second group with gid 30003: getgrgid gives g3 */
	fprintf(gr, "alias3:x:30003:u5,u6\nempty:x:30100:\n");
	if (fclose(pw) != 0 || fclose(gr) != 0) {
		printf("Bail out! cannot write %s\n", dir);
		exit(255);
	}
}

/* Names the enumeration did not list are asked of NSS by name: load the
 * table, then put a passwd with 5,000 more users in place (the table's
 * index grows past its first size) and ask for them. */
static void late_users(const char *dir)
{
	audit_users_t t;
	jail_error_t err = {0};
	char path[256];
	size_t bad = 0, bad_groups = 0, before;
	FILE *f;

	if (!ok(audit_users_load(&t, &err) == 0, "late: table loaded"))
		return;
	before = t.n_pw;
	snprintf(path, sizeof(path), "%s/passwd2", dir);
	f = fopen(path, "w");
	for (int i = 0; f && i < 5000; i++)
		fprintf(f, "late%d:x:%d:%d::/home/late%d:/bin/sh\n", i, 50000 + i, 30000 + i % 40,
			i);
	if (f == NULL || fclose(f) != 0 || mount(path, "/etc/passwd", NULL, MS_BIND, NULL) < 0) {
		ok(0, "late: second passwd bind-mounted: %s", strerror(errno));
		audit_users_free(&t);
		return;
	}
	for (int i = 0; i < 5000; i++) {
		char name[32];
		const audit_pw_t *pw = NULL;
		jail_strv_t want = {0}, got = {0};

		snprintf(name, sizeof(name), "late%d", i);
		if (audit_users_pw(&t, name, &pw, &err) < 0 || pw == NULL ||
		    pw->uid != (uid_t)(50000 + i) || pw->gid != (gid_t)(30000 + i % 40)) {
			if (bad++ < SHOW_MAX)
				diag("late user %s not found or wrong", name);
			continue;
		}
		nss_groups(name, pw->gid, &want);
		if (pw->groups_known || audit_users_groups(&t, pw, &got, &err) < 0 ||
		    !same_strv(&want, &got))
			bad_groups++;
		jail_strv_clear(&want);
		jail_strv_clear(&got);
	}
	ok(bad == 0 && t.n_pw == before + 5000,
	   "late: 5,000 users not enumerated found by name through NSS (%zu wrong)", bad);
	ok(bad_groups == 0, "late: their groups from getgrouplist (%zu differ)", bad_groups);
	ok(audit_users_pw(&t, "u5", &(const audit_pw_t *){NULL}, &err) == 0 &&
	       audit_users_pwuid(&t, 20005) != NULL,
	   "late: enumerated users still found after the index grew");
	umount("/etc/passwd");
	unlink(path);
	audit_users_free(&t);
}

static int bind_over(const char *dir, const char *name)
{
	char src[256], dst[256];

	snprintf(src, sizeof(src), "%s/%s", dir, name);
	snprintf(dst, sizeof(dst), "/etc/%s", name);
	return mount(src, dst, NULL, MS_BIND, NULL);
}

int main(void)
{
	char dir[] = "/tmp/test_audit_users.XXXXXX";

	compare("host", 1);
	if (geteuid() != 0) {
		printf("ok %d # SKIP the planted passwd/group need root (mount namespace)\n",
		       ++tap_n);
		return done_testing();
	}
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 255;
	}
	plant(dir);
	if (!ok(unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		    bind_over(dir, "passwd") == 0 && bind_over(dir, "group") == 0,
		"planted passwd and group bind-mounted over /etc in a private mount namespace"))
		diag("%s", strerror(errno));
	else {
		compare("planted", 3003);
		late_users(dir);
	}
	umount("/etc/passwd");
	umount("/etc/group");
	{
		char p[300];
		snprintf(p, sizeof(p), "%s/passwd", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/group", dir);
		unlink(p);
	}
	rmdir(dir);
	return done_testing();
}
