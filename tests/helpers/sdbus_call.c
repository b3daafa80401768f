/* Tests only: call systemd's manager through libjail's D-Bus client.
 *   sdbus_call set UNIT NAME=VALUE...   SetUnitProperties (runtime)
 *   sdbus_call kill UNIT SIGNO          KillUnit(UNIT, "all", SIGNO)
 * Prints the error and exits 1 when systemd refuses. */
#include "base/sdbus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	jail_error_t err = {0};
	jail_unit_prop_t props[16];
	size_t n = 0;
	const char *sock = getenv("SDBUS_SOCKET") ? getenv("SDBUS_SOCKET") : JAIL_SYSTEMD_PRIVATE;

	if (argc >= 3 && strcmp(argv[1], "set") == 0) {
		for (int i = 3; i < argc && n < 16; i++) {
			char *eq = strchr(argv[i], '=');

			if (eq == NULL)
				return 2;
			*eq = '\0';
			props[n].name = argv[i];
			props[n++].value = strtoull(eq + 1, NULL, 10);
		}
		if (jail_systemd_set_unit_properties(sock, argv[2], true, props, n, &err) < 0) {
			fprintf(stderr, "sdbus_call: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "kill") == 0) {
		if (jail_systemd_kill_unit(sock, argv[2], atoi(argv[3]), &err) < 0) {
			fprintf(stderr, "sdbus_call: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: sdbus_call set UNIT NAME=VALUE... | kill UNIT SIGNO\n");
	return 2;
}
