/* libFuzzer harness for the jail manifest parser (JAIL/.jail/manifest,
 * lib/tree/tree-manifest.c): the file `jailctl update` and `check` trust to
 * say what a previous run installed, so a malformed one must be refused
 * cleanly, never misread.
 *
 *   make tests/fuzz/fuzz_manifest
 *   make fuzz-run FUZZ_SECONDS=60 FUZZ_BINS=tests/fuzz/fuzz_manifest
 *
 * Checks beyond the sanitizers: every error names the input; a parsed
 * manifest is sorted (packages, then sections, then paths, no duplicates: every
 * entry is found again by jail_manifest_find); and it survives a round
 * trip: formatting it, parsing that and formatting again gives the same
 * bytes. */
#include "tree/tree-internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Packages first, then sections, then paths (tree-manifest.c). */
static int rank(char t)
{
	return t == 'p' ? 0 : t == 's' ? 1 : 2;
}

static void check_sorted(const jail_manifest_t *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const jail_manifest_entry_t *e = &m->v[i];

		if (i > 0 && rank(m->v[i - 1].type) > rank(e->type))
			abort(); /* a package after a section, or either after a path */
		if (rank(e->type) == 2 && jail_manifest_find(m, e->path) != e)
			abort(); /* unsorted or duplicated paths */
		if (rank(e->type) < 2 ? strchr(e->path, '/') != NULL : e->path[0] != '/')
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_manifest_t *m = NULL, *m2 = NULL;
	jail_error_t err = {0};
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;

	if (jail_manifest_parse("fuzz.manifest", (const char *)data, size, &m, &err) < 0) {
		if (strncmp(err.msg, "fuzz.manifest", 13) != 0 && err.code != ENOMEM)
			abort(); /* every error names the input */
		return 0;
	}
	check_sorted(m);
	text = jail_manifest_format(m, &len, &err);
	if (text == NULL)
		abort();
	if (jail_manifest_parse("round-trip", text, len, &m2, &err) < 0)
		abort(); /* what we write we must read back */
	check_sorted(m2);
	if (m2->n != m->n || m2->logsocket != m->logsocket)
		abort();
	text2 = jail_manifest_format(m2, &len2, &err);
	if (text2 == NULL || len2 != len || memcmp(text, text2, len) != 0)
		abort();
	free(text);
	free(text2);
	jail_manifest_free(m);
	jail_manifest_free(m2);
	return 0;
}
