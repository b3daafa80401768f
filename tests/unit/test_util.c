#define _GNU_SOURCE
#include "tap.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_sizes(void)
{
	jail_error_t err = {0};
	uint64_t v = 0;

	ok(jail_parse_size("512M", &v, &err) == 0 && v == 512ULL << 20, "512M parses");
	ok(jail_parse_size("1g", &v, &err) == 0 && v == 1ULL << 30, "1g parses");
	ok(jail_parse_size("4096", &v, &err) == 0 && v == 4096, "plain bytes parse");
	ok(jail_parse_size("max", &v, &err) == 0 && v == UINT64_MAX, "max is unlimited");
	ok(jail_parse_size("-1M", &v, &err) < 0, "negative size refused");
	like(err.msg, "'-1M' is not a size", "error names the value");
	ok(jail_parse_size("12Q", &v, &err) < 0, "unknown suffix refused");
	ok(jail_parse_size("99999999999999999999T", &v, &err) < 0, "overflow refused");
	ok(jail_parse_size("16777216T", &v, &err) < 0, "multiplication overflow refused");
	ok(jail_parse_size("", &v, &err) < 0, "empty refused");
}

static void test_bools_lists(void)
{
	jail_error_t err = {0};
	jail_strv_t sv = {0};
	bool b = false;

	ok(jail_parse_bool("Yes", &b, &err) == 0 && b, "Yes is true");
	ok(jail_parse_bool("0", &b, &err) == 0 && !b, "0 is false");
	ok(jail_parse_bool("maybe", &b, &err) < 0, "maybe refused");
	like(err.msg, "not a boolean", "bool error says what was expected");
	ok(jail_split_list(" a, b  c,,d ", &sv, &err) == 0 && sv.n == 4,
	   "list split on commas and spaces");
	is_str(sv.v[3], "d", "last item");
	ok(sv.v[4] == NULL, "vector is NULL-terminated");
	ok(jail_strv_add_unique(&sv, "a", &err) == 0 && sv.n == 4, "add_unique skips existing");
	jail_strv_clear(&sv);
}

static void test_names_paths(void)
{
	jail_error_t err = {0};
	char *p;

	ok(jail_valid_name("enjaulado"), "plain user name valid");
	ok(jail_valid_name("_svc-1.x"), "underscore, digit, dash, dot valid");
	ok(!jail_valid_name("Root"), "upper case refused");
	ok(!jail_valid_name("a/b"), "slash refused");
	ok(!jail_valid_name("../x"), "dot-dot refused");
	ok(!jail_valid_name(""), "empty refused");
	p = jail_path_normalize("//opt/./chroots//", &err);
	is_str(p, "/opt/chroots", "path normalized");
	free(p);
	ok(jail_path_normalize("/opt/../etc", &err) == NULL, "dot-dot path refused");
	ok(jail_path_normalize("opt", &err) == NULL, "relative path refused");
}

static void test_errors(void)
{
	jail_error_t err = {0};

	ok(jail_error_set(&err, ENOENT, "open %s", "/x") == -1, "error_set returns -1");
	is_str(err.msg, "open /x: No such file or directory", "strerror appended");
	jail_error_wrap(&err, "init %s", "/jail");
	is_str(err.msg, "init /jail: open /x: No such file or directory", "wrap prefixes context");
	is_int(err.code, ENOENT, "code kept through wrap");
	ok(jail_error_is(&err, ENOENT) && !jail_error_is(&err, EPERM), "error_is tests the code");
	ok(!jail_error_is(NULL, ENOENT), "error_is on no error is false");
	{
		jail_error_t top = {0};

		is_int(jail_error_move(&top, &err), -1, "error_move returns -1");
		ok(jail_error_is(&top, ENOENT) && strcmp(top.msg, err.msg) == 0,
		   "error_move copies code and message");
		is_int(jail_error_move(NULL, &err), -1, "error_move to no error is fine");
	}
}

/* cleanup_pid: a child still running at scope exit is killed and reaped;
 * 0 (handed on) is left alone. */
static void test_cleanups(void)
{
	pid_t child;
	int status;

	{
		cleanup_pid pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		child = pid;
	}
	ok(child > 0 && waitpid(child, &status, WNOHANG) < 0 && errno == ECHILD,
	   "cleanup_pid killed and reaped the child");
	{
		cleanup_pid pid_t pid = 0;
		(void)pid;
	}
	ok(1, "cleanup_pid leaves 0 alone");
	{
		cleanup_dir DIR *d = opendir("/");
		cleanup_strv jail_strv_t sv = {0};
		cleanup_buf jail_buf_t b = {0};

		ok(d != NULL && readdir(d) != NULL, "cleanup_dir holds an open DIR");
		jail_strv_push(&sv, "a", NULL);
		jail_buf_str(&b, "x");
	}
	ok(1, "cleanup_dir, cleanup_strv, cleanup_buf release at scope exit");
}

static void test_buf(void)
{
	jail_error_t err = {0};
	jail_buf_t b = {0};
	char *s;

	s = jail_buf_finish(&b, "empty", &err);
	is_str(s, "", "an empty buffer finishes as an empty string");
	free(s);
	for (int i = 0; i < 1000; i++)
		jail_buf_str(&b, "0123456789");
	jail_buf_add(&b, "xyz", 2);
	is_int(b.len, 10002, "appends grow the buffer");
	s = jail_buf_finish(&b, "big", &err);
	ok(s != NULL && strlen(s) == 10002 && strcmp(s + 10000, "xy") == 0,
	   "content kept across growth, NUL-terminated");
	ok(b.s == NULL, "finish hands ownership over");
	free(s);
	b.oom = true;
	ok(jail_buf_finish(&b, "account files", &err) == NULL && err.code == ENOMEM,
	   "an allocation failure is reported once, at finish");
	like(err.msg, "account files", "and names what was being built");
}

int main(void)
{
	test_buf();
	test_sizes();
	test_bools_lists();
	test_names_paths();
	test_errors();
	test_cleanups();
	return done_testing();
}
