/* libFuzzer harness for the audit's parsers and escapers.  The first input
 * byte picks the target:
 *   0: jail_json_string must round-trip: decoding its output (standard JSON
 *      escapes, \udcXX back to the raw byte) gives the input bytes again, and
 *      the output holds no raw control character.
 *   1: jail_text_escape output holds no control character, no DEL and only
 *      valid UTF-8.
 *   2: the passwd, group and shadow checks on arbitrary text (no crash, no
 *      leak, every finding has a path, problem and fix).
 *   3: the PAM session stack parser on an arbitrary service file. */
#define _GNU_SOURCE
#include "audit/audit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the JSON string literal J (as jail_json_string writes it) into
 * raw bytes; lone \udcXX become byte XX, \u00XX byte XX. */
static char *json_decode(const char *j, size_t *len)
{
	size_t n = strlen(j), o = 0;
	char *out = malloc(n + 1);

	if (out == NULL || n < 2 || j[0] != '"' || j[n - 1] != '"')
		abort();
	for (size_t i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)j[i];
		if (c < 0x20 || c == '"')
			abort(); /* raw control character or quote in the output */
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		switch (j[++i]) {
		case '"':
			out[o++] = '"';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u': {
			unsigned v = 0;
			for (int k = 1; k <= 4; k++) {
				int h = hexval(j[i + k]);
				if (h < 0)
					abort();
				v = v * 16 + (unsigned)h;
			}
			i += 4;
			if (v >= 0xdc80 && v <= 0xdcff)
				out[o++] = (char)(v & 0xff);
			else if (v < 0x20)
				out[o++] = (char)v;
			else
				abort(); /* nothing else is written as \u */
			break;
		}
		default:
			abort();
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}

static void check_findings(const jail_findings_t *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].path == NULL || f->v[i].problem == NULL || f->v[i].fix == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	jail_findings_t f = {0};
	jail_error_t err = {0};

	if (size < 1)
		return 0;
	s = strndup((const char *)data + 1, size - 1); /* stops at a NUL */
	if (s == NULL)
		return 0;
	switch (data[0] & 3) {
	case 0: {
		char *j = jail_json_string(s);
		size_t len;
		char *back = j ? json_decode(j, &len) : NULL;
		if (j == NULL || len != strlen(s) || memcmp(back, s, len) != 0)
			abort();
		free(back);
		free(j);
		break;
	}
	case 1: {
		char *t = jail_text_escape(s);
		if (t == NULL)
			abort();
		for (const unsigned char *p = (const unsigned char *)t; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				abort();
		/* A round trip through the JSON escaper must not need any
		 * surrogate escape: the text form is valid UTF-8. */
		char *j = jail_json_string(t);
		if (j == NULL || strstr(j, "\\udc") != NULL)
			abort();
		free(j);
		free(t);
		break;
	}
	case 2: {
		const jail_host_user_t users[] = {
		    {.name = "alice",
		     .uid = 1001,
		     .gid = 1001,
		     .home = "/home/alice",
		     .group = "alice"},
		    {.name = "bob", .uid = 1002, .gid = 100, .home = "/home/bob", .group = NULL},
		};
		if (jail_audit_passwd_text("/j", "/j/etc/passwd", s, users, 2, &f, &err) < 0 ||
		    jail_audit_group_text("/j", "/j/etc/group", s, users, 2, &f, &err) < 0 ||
		    jail_audit_shadow_text("/j", "/j/etc/shadow", s, &f, &err) < 0)
			abort();
		check_findings(&f);
		break;
	}
	case 3: {
		jail_pam_stack_t st = {0};
		/* A directory of its own for each input, removed after it: a
		 * run leaves nothing in /tmp (libFuzzer may end with _exit). */
		char dir[] = "/tmp/fuzz_audit.XXXXXX";
		char path[64];
		FILE *fp;

		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/svc", dir);
		fp = fopen(path, "w");
		if (fp == NULL)
			abort();
		fwrite(data + 1, 1, size - 1, fp);
		fclose(fp);
		if (jail_pam_session_stack(dir, "svc", &st, &f, &err) < 0)
			abort();
		/* The whole directory's audit: svc as a service that may reach
		 * pam_jail (duplicates, order) and as the required one. */
		if (jail_audit_pam_dir(dir, "svc", &f, &err) < 0 ||
		    jail_audit_pam_dir(dir, "sshd", &f, &err) < 0)
			abort();
		if (unlink(path) < 0 || rmdir(dir) < 0)
			abort();
		for (size_t i = 0; i < st.n; i++)
			if (st.v[i].module == NULL || st.v[i].control == NULL || !st.v[i].module[0])
				abort();
		check_findings(&f);
		jail_pam_stack_clear(&st);
		break;
	}
	default:
		break;
	}
	jail_findings_clear(&f);
	free(s);
	return 0;
}
