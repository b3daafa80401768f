#define _GNU_SOURCE
#include "confine/restrict.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static jail_strv_t allowed;

/* Split + check CMD; returns 0 when accepted. */
static int run(const char *cmd, jail_strv_t *words, jail_error_t *err)
{
	jail_strv_clear(words);
	if (jail_restrict_split(cmd, words, err) < 0)
		return -1;
	return jail_restrict_check(&allowed, words, err);
}

struct row {
	const char *cmd;
	const char *want; /* NULL: accepted; else a substring of the error */
};

static const struct row table[] = {
    /* sftp */
    {"/usr/lib/openssh/sftp-server", NULL},
    {"sftp-server", NULL},
    {"sftp-server -l INFO -f AUTHPRIV", NULL},
    {"sftp-server -R -u 022", NULL},
    {"sftp-server -lDEBUG3 -e", NULL},
    {"sftp-server -d /home/%u", NULL},
    {"sftp-server; sh", "metacharacter ';'"},
    {"sftp-server && sh", "metacharacter '&'"},
    {"sftp-server | sh", "metacharacter '|'"},
    {"sftp-server $(sh)", "metacharacter '$'"},
    {"sftp-server `sh`", "metacharacter '`'"},
    {"sftp-server > /tmp/x", "metacharacter '>'"},
    {"sftp-server < /etc/passwd", "metacharacter '<'"},
    {"sftp-server\nsh", "newline"},
    {"sftp-server\rsh", "control character 0x0d"},
    {"sftp-server '; sh'", "metacharacter ';'"},
    {"sftp-server -x", "option '-x' refused"},
    {"sftp-server /etc", "argument '/etc' refused"},
    {"sftp-server -l", "needs a value"},
    /* scp server mode */
    {"scp -t /home/u/", NULL},
    {"scp -f /home/u/file", NULL},
    {"scp -r -p -t -- /dst", NULL},
    {"scp -v -d -t '/d st/'", NULL},
    {"scp -prt /dst", NULL},
    {"scp -f -- -dashfile", NULL},
    {"scp -f a b c", NULL},
    {"scp -S /bin/sh -t /x", "option '-S' refused"},
    {"scp -o ProxyCommand=sh -t /x", "option '-o' refused"},
    {"scp -t -f /x", "exactly one of -t or -f"},
    {"scp /a /b", "exactly one of -t or -f"},
    {"scp -t", "a path operand is required"},
    {"scp -F /home/u/cfg -f /x", "option '-F' refused"},
    {"scp -3 -t /x", "refused"},
    /* rsync server side */
    {"rsync --server -vlogDtpre.iLsfxCIvu . /d\\ st/", NULL},
    {"rsync --server --sender -vlogDtpre.iLsfxCIvu . /src/x", NULL},
    {"rsync --server -vlogDtprze.iLsfxCIvu --delete --partial . dst", NULL},
    {"rsync --server -logDtpr --partial-dir=.rsync-partial --timeout=30 . dst", NULL},
    {"rsync --server -e 'sh -c id' . /x", "-e runs a program"},
    {"rsync --server -vlogDtpre.iLsfxCIvu -e sh . /x", "-e runs a program"},
    {"rsync --server --rsh=sh . /x", "option '--rsh=sh' refused"},
    {"rsync --server --rsync-path=/bin/sh . /x", "refused"},
    {"rsync --server --daemon .", "option '--daemon' refused"},
    {"rsync --server --config=/home/u/evil.conf --daemon .", "refused"},
    {"rsync --server -M--rsh=sh . /x", "option '-M--rsh=sh' refused"},
    {"rsync --server -slogDtpre.iLsfxCIvu", "refused"},
    {"rsync --server --secluded-args . x", "refused"},
    {"rsync --server . /x --rsh=sh", "refused"},
    {"rsync -av /etc /tmp", "only the server side"},
    {"rsync --daemon --server .", "only the server side"},
    {"rsync --server -- --rsh=sh", "'--' refused"},
    {"rsync --server --server .", "repeated --server"},
    {"rsync --server --RSH=sh .", "refused"},
    /* git */
    {"git-upload-pack '/srv/repo.git'", NULL},
    {"git-receive-pack '/srv/repo.git'", NULL},
    {"git upload-pack '/srv/repo.git'", NULL},
    {"git-upload-pack '--upload-pack=sh'", "looks like an option"},
    {"git-upload-pack --strict /srv/r", "exactly one repository"},
    {"git-upload-pack", "exactly one repository"},
    {"git-upload-pack 'a' 'b'", "exactly one repository"},
    {"git-upload-pack ''", "looks like an option"},
    {"git upload-pack --help", "looks like an option"},
    {"git -c core.sshCommand=sh upload-pack x", "not allowed"},
    {"git status", "not allowed"},
    {"git-upload-archive /srv/r", "not allowed"},
    /* generic */
    {"sh -c id", "command 'sh' is not allowed"},
    {"bash", "command 'bash' is not allowed"},
    {"/home/u/bin/../sh", "not allowed"},
    {"..", "refused"},
    {"", "empty command"},
    {"   ", "empty command"},
    {"'unterminated", "unterminated"},
    {"sftp-server \\", "trailing backslash"},
};

/* The command made printable for a TAP line (no raw newline). */
static const char *shown(const char *cmd)
{
	static char buf[256];
	size_t j = 0;
	for (const char *c = cmd; *c && j + 5 < sizeof(buf); c++) {
		if ((unsigned char)*c < 0x20)
			j += (size_t)snprintf(buf + j, sizeof(buf) - j, "\\x%02x", (unsigned)*c);
		else
			buf[j++] = *c;
	}
	buf[j] = '\0';
	return buf;
}

static void test_table(void)
{
	jail_strv_t w = {0};
	jail_error_t err = {0};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		int rc;
		jail_error_clear(&err);
		rc = run(r->cmd, &w, &err);
		if (r->want == NULL) {
			if (!ok(rc == 0, "accepted: %s", shown(r->cmd)))
				diag("  error: %s", err.msg);
		} else {
			ok(rc < 0 && err.code == EPERM, "refused: %s", shown(r->cmd));
			like(err.msg, r->want, "  message for: %s", shown(r->cmd));
		}
	}
	jail_strv_clear(&w);
}

static void test_split(void)
{
	jail_strv_t w = {0};
	jail_error_t err = {0};

	ok(jail_restrict_split("a  'b c'\t\"d'e\" f\\ g h''i", &w, &err) == 0,
	   "split mixed quoting");
	is_int(w.n, 5, "five words");
	if (w.n == 5) {
		is_str(w.v[1], "b c", "single quotes keep spaces");
		is_str(w.v[2], "d'e", "double quotes keep a single quote");
		is_str(w.v[3], "f g", "backslash escapes a space");
		is_str(w.v[4], "hi", "adjacent quoted parts join");
	}
	jail_strv_clear(&w);
	ok(run("/usr/lib/openssh/sftp-server -e", &w, &err) == 0 &&
	       strcmp(w.v[0], "sftp-server") == 0,
	   "argv[0] becomes the basename");
	jail_strv_clear(&w);
}

static void test_find(void)
{
	jail_error_t err = {0};
	char root[] = "/tmp/jail-restrict-XXXXXX";
	char p[256];
	char *found;
	FILE *f;

	if (mkdtemp(root) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/usr", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/lib", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/lib/openssh", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/lib/openssh/sftp-server", root);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	chmod(p, 0755);
	found = jail_restrict_find(root, "sftp-server", &err);
	is_str(found, "/usr/lib/openssh/sftp-server", "sftp-server found in the fixed PATH");
	free(found);
	chmod(p, 0644);
	found = jail_restrict_find(root, "sftp-server", &err);
	ok(found == NULL && err.code == ENOENT, "non-executable file is not found");
	free(found);
	ok(jail_restrict_find(root, "../sh", &err) == NULL, "a name with a slash is refused");
	unlink(p);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	(void)!system(p);
}

int main(void)
{
	jail_error_t err = {0};
	char *d;

	jail_strv_push(&allowed, "sftp-server", &err);
	jail_strv_push(&allowed, "scp", &err);
	jail_strv_push(&allowed, "rsync", &err);
	jail_strv_push(&allowed, "git-upload-pack", &err);
	jail_strv_push(&allowed, "git-receive-pack", &err);
	d = jail_restrict_describe(&allowed);
	is_str(d, "sftp-server, scp, rsync, git-upload-pack, git-receive-pack",
	       "describe lists the commands");
	free(d);
	test_table();
	test_split();
	test_find();
	jail_strv_clear(&allowed);
	return done_testing();
}
