/* A minimal D-Bus client for systemd's manager, over its private socket
 * (/run/systemd/private: root only, peer to peer, so no bus daemon and no
 * Hello).  It marshals the few method calls jail needs, in the D-Bus wire
 * format, waits for the reply and turns a D-Bus error into a jail_error_t.
 * No libsystemd or libdbus: jail's dependencies stay libpam, libcap,
 * libseccomp, libapparmor and iniparser. */
#ifndef JAIL_SDBUS_H
#define JAIL_SDBUS_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_SYSTEMD_PRIVATE "/run/systemd/private"
#define JAIL_SYSTEM_BUS	     "/run/dbus/system_bus_socket"

/* Whether systemd is pid 1 (sd_booted's test: /run/systemd/system exists),
 * seen from the caller's mount namespace. */
bool jail_systemd_booted(void);

/* One unit property of D-Bus type 't' (uint64), e.g. MemoryMax. */
typedef struct jail_unit_prop {
	const char *name;
	uint64_t value;
} jail_unit_prop_t;

/* org.freedesktop.systemd1.Manager.SetUnitProperties(UNIT, RUNTIME,
 * PROPS) on the manager listening at SOCKET (JAIL_SYSTEMD_PRIVATE). */
int jail_systemd_set_unit_properties(const char *socket, const char *unit, bool runtime,
				     const jail_unit_prop_t *props, size_t n, jail_error_t *err);

/* org.freedesktop.systemd1.Manager.KillUnit(UNIT, "all", SIG). */
int jail_systemd_kill_unit(const char *socket, const char *unit, int sig, jail_error_t *err);

/* org.freedesktop.login1.Manager.ReleaseSession(ID), through the system
 * bus at SOCKET (JAIL_SYSTEM_BUS). */
int jail_logind_release_session(const char *socket, const char *id, jail_error_t *err);

/* For the unit tests: marshal a method call to the systemd manager into a
 * malloc'd buffer (*out, *len).  SIG is the body's signature: "sba(sv)"
 * (UNIT, RUNTIME, PROPS), "ssi" (UNIT, "all", SIG), "s" (UNIT: logind's
 * ReleaseSession) or "" (the bus's Hello). */
int jail_sdbus_marshal(uint32_t serial, const char *member, const char *sig, const char *unit,
		       bool runtime, const jail_unit_prop_t *props, size_t n, int signo,
		       uint8_t **out, size_t *len, jail_error_t *err);

/* For the unit tests: parse a reply to SERIAL in BUF (LEN bytes, one whole
 * message).  0 for a method return, -1 with err naming the D-Bus error and
 * its message, 1 when the message is not the reply to SERIAL. */
int jail_sdbus_parse_reply(const uint8_t *buf, size_t len, uint32_t serial, jail_error_t *err);

#endif
