/* libFuzzer harness for the restricted-command parser (confine/restrict.c):
 * the splitter and the per-program checks that stand between a jailed
 * user's SSH_ORIGINAL_COMMAND (or `jailsh -c CMD`) and execve().  The most
 * attacker-facing input of the project.
 *
 *   make tests/fuzz/fuzz_restrict
 *   make fuzz-run FUZZ_SECONDS=60 FUZZ_BINS=tests/fuzz/fuzz_restrict
 *
 * Seeds: tests/fuzz/corpus/restrict (what ssh clients send for sftp, scp,
 * rsync and git, and the refusals of tests/unit/test_restrict.c).
 *
 * Besides memory errors it checks what restrict.h promises:
 *  - a refusal says why (an errno and a message);
 *  - an accepted split has 1..JAIL_RESTRICT_WORDS_MAX words, and no word
 *    holds a shell metacharacter or a control character, quoted or not
 *    (but a tab: a separator outside quotes, a literal inside them or after
 *    a backslash);
 *  - an accepted check leaves a listed basename (no '/') in argv[0]; the
 *    server-side programs keep their shape (rsync --server first, git-*
 *    exactly one repository that is not an option, sftp-server no operand
 *    that is not an option value);
 *  - with only sftp-server listed, nothing else is ever accepted. */
#include "confine/restrict.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const all_programs[] = {
    "sftp-server",	  "scp", "rsync", "git", "git-upload-pack", "git-receive-pack",
    "git-upload-archive", "ls"};

static bool refused_char(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f || strchr(";|&$`<>()", c) != NULL;
}

static void check_refusal(const jail_error_t *err)
{
	if (err->code == 0 || err->msg[0] == '\0')
		abort();
}

static int split(const char *cmd, jail_strv_t *words)
{
	jail_error_t err = {0};

	if (jail_restrict_split(cmd, words, &err) < 0) {
		check_refusal(&err);
		return -1;
	}
	if (words->n == 0 || words->n > JAIL_RESTRICT_WORDS_MAX)
		abort();
	for (size_t i = 0; i < words->n; i++)
		for (const char *c = words->v[i]; *c; c++)
			if (refused_char((unsigned char)*c))
				abort();
	return 0;
}

static bool is_git_service(const char *s)
{
	return strcmp(s, "git-upload-pack") == 0 || strcmp(s, "git-receive-pack") == 0 ||
	       strcmp(s, "git-upload-archive") == 0;
}

/* What an accepted command must look like whatever the parser's details. */
static void check_accepted(const jail_strv_t *allowed, const jail_strv_t *w)
{
	const char *prog = w->v[0];

	if (strchr(prog, '/') != NULL || !jail_strv_contains(allowed, prog))
		abort();
	if (strcmp(prog, "rsync") == 0 && (w->n < 2 || strcmp(w->v[1], "--server") != 0))
		abort();
	if (is_git_service(prog) && (w->n != 2 || w->v[1][0] == '-'))
		abort();
	if (strcmp(prog, "git") == 0 &&
	    (w->n != 3 || w->v[2][0] == '-' ||
	     (strcmp(w->v[1], "upload-pack") != 0 && strcmp(w->v[1], "receive-pack") != 0 &&
	      strcmp(w->v[1], "upload-archive") != 0)))
		abort();
	if (strcmp(prog, "scp") == 0 && w->n < 3)
		abort(); /* scp, -t or -f, at least one operand */
}

static void run_check(const char *cmd, const char *const *progs, size_t nprogs)
{
	cleanup_strv jail_strv_t allowed = {0};
	cleanup_strv jail_strv_t words = {0};
	jail_error_t err = {0};

	for (size_t i = 0; i < nprogs; i++)
		if (jail_strv_push(&allowed, progs[i], NULL) < 0)
			return;
	if (split(cmd, &words) < 0)
		return;
	if (jail_restrict_check(&allowed, &words, &err) < 0) {
		check_refusal(&err);
		return;
	}
	check_accepted(&allowed, &words);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sftp_only[] = {"sftp-server"};
	char *cmd;

	/* The command arrives as a C string (an environment variable or an
	 * argv element): it ends at the first NUL. */
	if (size > JAIL_RESTRICT_CMD_MAX + 16)
		return 0;
	cmd = malloc(size + 1);
	if (cmd == NULL)
		return 0;
	memcpy(cmd, data, size);
	cmd[size] = '\0';
	run_check(cmd, all_programs, sizeof(all_programs) / sizeof(all_programs[0]));
	run_check(cmd, sftp_only, 1);
	free(cmd);
	return 0;
}
