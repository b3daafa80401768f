/* net = private: the sandbox's own network namespace, connected to the
 * outside through pasta (Debian package passt), a user-mode TCP/IP stack.
 *
 * pasta attaches to the namespace from the host's network namespace: it
 * creates a tap interface in it, copies the host's addresses and default
 * route onto it (--config-net) and carries the sandbox's TCP, UDP and ICMP
 * as ordinary sockets of its own on the host.  What it is told, and why:
 *
 *   -t none -u none    no port of the sandbox is published on the host (a
 *                      jailed listener stays inside);
 *   -T none -U none    no port bound on the host's loopback is forwarded to
 *                      the sandbox's loopback;
 *   --no-map-gw        the gateway address is not the host's loopback: the
 *                      host's 127.0.0.1 services are unreachable;
 *   --runas 0          Debian 12's pasta (2023-03-09) drops to nobody when
 *                      started as root, before it opens the namespace and
 *                      /dev/net/tun (0600 here), and then cannot; as root
 *                      it keeps only CAP_SYS_ADMIN and CAP_NET_BIND_SERVICE
 *                      effective, under no_new_privs, its seccomp filter,
 *                      and mount, pid, ipc and uts namespaces of its own on
 *                      an empty root; its bounding set is cut to what it
 *                      keeps and needs to drop the rest before the exec.
 *
 * pasta is started from the sandbox's pid namespace (forked after the init,
 * confine/nsinit.h) but in the host's mount and network namespaces: when
 * the init dies the kernel kills it with everything else of the session,
 * and the namespace (which pasta holds open) goes with it.  It is in the
 * session's cgroup (its memory and one pid count against the session).
 * A jailed user sees it in ps (root's "pasta"), and cannot signal it.
 *
 * The abstract unix socket namespace belongs to the network namespace: the
 * sandbox's is its own. */
#ifndef JAIL_CONFINE_NETPRIV_H
#define JAIL_CONFINE_NETPRIV_H

#include "base/error.h"
#include "confine/nsinit.h"

#ifndef JAIL_PASTA_PATH
#define JAIL_PASTA_PATH "/usr/bin/pasta"
#endif

/* How long pasta may take to configure the namespace. */
#define JAIL_NETPRIV_TIMEOUT_MS 5000

/* Connect the caller's network namespace (its own, from jail_ns_unshare()
 * with JAIL_NET_PRIVATE) to the host's through pasta, and return once
 * pasta has configured it: 0 when the namespace has an interface other
 * than lo, up and with an address.  The caller is root, forked the init
 * already (its next fork lands in the sandbox's pid namespace), and HOST
 * holds its own namespaces (jail_ns_save(): pasta runs in HOST's mount and
 * network namespaces).  Fail closed: -1 when pasta is missing, fails, takes
 * longer than JAIL_NETPRIV_TIMEOUT_MS or leaves no interface configured,
 * with pasta's own message when it printed one; a pasta daemon already
 * started then dies with the sandbox's init, which the caller kills. */
int jail_netpriv_start(const jail_ns_saved_t *host, jail_error_t *err);

#endif
