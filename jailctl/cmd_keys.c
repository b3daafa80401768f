/* jailctl keys USER: print a jailed user's authorized_keys for sshd.
 *
 * sshd runs this as AuthorizedKeysCommand (as root) at every login, twice,
 * so it stays small: it loads only USER's assignment (no profile), opens the
 * file through directory fds from the jail root without following a symlink,
 * applies sshd's StrictModes checks on the way, and copies it to stdout. */
#define _GNU_SOURCE
#include "jailctl.h"
#include "config/config.h"
#include "base/safefs.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_MAX_BYTES (1024 * 1024)

/* sshd StrictModes, inside the jail: each directory from the jail root
 * down to ~/.ssh and the file itself owned by root or the user and not
 * writable by group or others; no symlink anywhere. */
static int keys_check(int fd, const char *what, uid_t uid, jail_error_t *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return jail_error_set(err, errno, "stat %s", what);
	if (st.st_uid != 0 && st.st_uid != uid)
		return jail_error_fmt(err, EPERM,
				      "%s is owned by uid %u (expected the user or root)", what,
				      (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return jail_error_fmt(err, EPERM, "%s is writable by group or others (mode %04o)",
				      what, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int keys_open(int jailfd, const char *jail, const char *home, uid_t uid, jail_error_t *err)
{
	cleanup_free char *rel = jail_strdup_printf("%s/.ssh/authorized_keys", home);
	cleanup_close int cur = -1;
	char *p, *next;
	char what[PATH_MAX];

	if (rel == NULL)
		return jail_error_set(err, ENOMEM, "keys");
	cur = fcntl(jailfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return jail_error_set(err, errno, "dup");
	p = rel;
	while (*p == '/')
		p++;
	for (;;) {
		int nfd;
		bool last;

		next = strchr(p, '/');
		if (next)
			*next = '\0';
		last = next == NULL;
		snprintf(what, sizeof(what), "%s/%s", jail, rel + (rel[0] == '/'));
		nfd = openat(cur, p,
			     (last ? O_RDONLY | O_NONBLOCK | O_NOCTTY : O_RDONLY | O_DIRECTORY) |
				 O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int e = errno;
			struct stat st;
			if ((e == ELOOP || e == ENOTDIR) &&
			    fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				return jail_error_fmt(
				    err, ELOOP, "%s is a symlink (refused: never followed)", what);
			return jail_error_set(err, e, "open %s", what);
		}
		close(cur);
		cur = nfd;
		if (keys_check(cur, what, uid, err) < 0)
			return -1;
		if (last)
			break;
		*next = '/';
		p = next + 1;
	}
	{
		struct stat st;
		if (fstat(cur, &st) < 0)
			return jail_error_set(err, errno, "stat %s", what);
		if (!S_ISREG(st.st_mode))
			return jail_error_fmt(err, EINVAL, "%s is not a regular file", what);
	}
	return steal_fd(&cur);
}

int cmd_keys(const jailctl_ctx_t *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *user;
	jail_config_t *cfg = NULL;
	const jail_assign_t *a = NULL;
	jail_error_t err = {0};
	cleanup_close int jailfd = -1;
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	cleanup_free char *home = NULL;
	size_t len = 0;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int c, rc = JAILCTL_FAIL;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("usage: jailctl keys USER\n");
			return JAILCTL_OK;
		default:
			return jailctl_usage("keys", "USER");
		}
	}
	if (optind != argc - 1)
		return jailctl_usage("keys", "USER");
	user = argv[optind];
	if (!jail_valid_name(user)) {
		jail_error_fmt(&err, EINVAL, "'%s': not a valid user name", user);
		goto out;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		jail_error_fmt(&err, ENOENT, "%s: no such user on the host", user);
		goto out;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	home = jail_path_normalize(pw->pw_dir, &err);
	if (home == NULL) {
		jail_error_wrap(&err, "%s's home", user);
		goto out;
	}
	/* Only this user's assignment (jail.ini, users.d/USER.ini): sshd runs
	 * this twice per login, and the keys depend on no profile. */
	if (jail_config_load_for_user(ctx->config_dir, user, &cfg, &err) < 0) {
		jail_error_wrap(&err, "configuration");
		goto out;
	}
	switch (jail_config_resolve(cfg, user, gid, &a, &err)) {
	case 1:
		break;
	case 0:
		jail_error_fmt(&err, ENOENT, "%s is not jailed", user);
		goto out;
	default:
		goto out;
	}
	jailfd = jail_open_trusted_dir(a->jail, &err);
	if (jailfd < 0) {
		jail_error_wrap(&err, "jail %s", a->jail);
		goto out;
	}
	fd = keys_open(jailfd, a->jail, home, uid, &err);
	if (fd < 0)
		goto out;
	if (jail_read_all(fd, KEYS_MAX_BYTES, &buf, &len, &err) < 0) {
		jail_error_wrap(&err, "read %s%s/.ssh/authorized_keys", a->jail, home);
		goto out;
	}
	if (jail_write_all(STDOUT_FILENO, buf, len, &err) < 0)
		goto out;
	rc = JAILCTL_OK;
out:
	if (rc != JAILCTL_OK)
		jailctl_err("keys", &err);
	jail_config_free(cfg);
	return rc;
}
