/* libFuzzer harness for dpkg's database as text (lib/tree/dpkg.h): the
 * status parser, the closure of every package (hostile Depends, Provides,
 * cycles) and the .list parser on the same bytes.  Built and run by
 * `make fuzz` like the others; seeds in tests/fuzz/corpus/dpkg. */
#include "tree/dpkg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jail_dpkg_db_t *db = NULL;
	jail_strv_t paths = {0};
	jail_error_t err = {0};

	if (jail_dpkg_parse_list("fuzz.list", (const char *)data, size, false, &paths, &err) == 0) {
		for (size_t i = 0; i < paths.n; i++)
			if (paths.v[i][0] != '/' || jail_dpkg_is_doc(paths.v[i]))
				abort();
	} else if (strncmp(err.msg, "fuzz.list", 9) != 0) {
		abort();
	}
	jail_strv_clear(&paths);
	jail_error_clear(&err);
	if (jail_dpkg_parse_status("fuzz.status", (const char *)data, size, &db, &err) < 0) {
		/* Every error names the input. */
		if (strncmp(err.msg, "fuzz.status", 11) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < db->n && i < 64; i++) {
		jail_strv_t names = {0};
		size_t *pk = NULL, n = 0;

		if (jail_strv_push(&names, db->v[i].name, NULL) == 0 &&
		    jail_dpkg_closure(db, &names, true, NULL, NULL, &pk, &n, &err) == 0) {
			/* Each package at most once, all of them installed. */
			for (size_t k = 0; k < n; k++)
				if (pk[k] >= db->n || !db->v[pk[k]].installed)
					abort();
			if (n > db->n)
				abort();
		}
		jail_error_clear(&err);
		free(pk);
		jail_strv_clear(&names);
	}
	jail_dpkg_db_free(db);
	return 0;
}
