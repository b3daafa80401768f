/* libFuzzer harness for jailctl setup sshd's text edits (audit/setup.h):
 * whatever the input, add then remove must give back the input byte for
 * byte, a second add must change nothing, and remove on the input itself
 * must either refuse, change nothing, or drop an intact block; the include
 * scan must give non-empty one-line names and lines within the text. */
#include "audit/setup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(jail_setup_target_t t, const jail_strv_t *body, const char *text, size_t len)
{
	jail_setup_edit_t add = {0}, again = {0}, rm = {0};
	jail_error_t err = {0};

	if (jail_setup_add(t, "F", text, len, body, &add, &err) == 0 && add.changed) {
		if (jail_setup_add(t, "F", add.text, add.len, body, &again, &err) < 0 ||
		    again.changed)
			abort(); /* setup is idempotent */
		if (jail_setup_remove("F", add.text, add.len, &rm, &err) < 0 || !rm.changed ||
		    rm.len != len || memcmp(rm.text, text, len) != 0)
			abort(); /* undo gives back the exact bytes */
	}
	jail_setup_edit_clear(&add);
	jail_setup_edit_clear(&again);
	jail_setup_edit_clear(&rm);
	if (jail_setup_remove("F", text, len, &rm, &err) == 0 && rm.changed && rm.len >= len)
		abort(); /* a removed block makes the text shorter */
	jail_setup_edit_clear(&rm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static jail_strv_t pam, sshd;
	jail_error_t err = {0};
	char *text;

	if (pam.n == 0 &&
	    (jail_setup_pam_body("pam_jail.so", "/srv/conf", &pam, &err) < 0 ||
	     jail_setup_sshd_body("/usr/local/sbin/jailctl", NULL, "jailed", &sshd, &err) < 0))
		abort();
	/* The files setup edits hold no NUL (it refuses them). */
	if (memchr(data, '\0', size))
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	{
		jail_setup_pam_scan_t sc = {0};
		size_t lines = 1;

		for (size_t i = 0; i < size; i++)
			lines += text[i] == '\n';
		if (jail_setup_pam_scan(text, size, &sc, &err) == 0) {
			if (sc.jail_line > lines)
				abort();
			for (size_t i = 0; i < sc.n; i++)
				if (sc.inc[i].line == 0 || sc.inc[i].line > lines ||
				    sc.inc[i].name[0] == '\0' || strpbrk(sc.inc[i].name, "\n#"))
					abort();
		}
		jail_setup_pam_scan_clear(&sc);
	}
	check(JAIL_SETUP_PAM, &pam, text, size);
	check(JAIL_SETUP_SSHD, &sshd, text, size);
	free(text);
	return 0;
}
