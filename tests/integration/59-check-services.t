#!/bin/bash
# jailctl check audits the RUNNING services (lib/audit/running.c): each live
# service's processes, read from /proc, against its profile (CapBnd,
# NoNewPrivs, Seccomp), the host (namespaces) and its mounts ("/" read-only,
# nothing writable but its own).  Real services started with `jailctl run`
# as 57-service.t does; then the configuration is changed under them, for
# real, so that what runs no longer matches what is declared:
#   - a clean service: no finding names it (text and --json), while the
#     findings of the others show the audit did read the running services;
#   - its profile narrowed to caps = none: CapBnd is broader than it;
#   - a seccomp = off service whose profile now says default: Seccomp 0;
#   - a net = host service whose file now says net = none: the host's net
#     namespace;
#   - a bind_rw dropped from the file: the writable mount is named;
#   - the service file removed: a warning that it is gone;
#   - jailctl SIGKILLed: the stale record is a warning, gc's to remove;
#   - root in the service's namespaces by `jailctl enter` (no no_new_privs,
#     no seccomp by design) is not taken for the service.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../service-lib.sh"
jail_test_setup
jail_test_private_etc
svc_test_setup --svcd svcuser # $J, jail.ini, services.d; svcd in the jail
mkdir -p "$T/data"

prof() { # NAME LINE...
	local f=$CONF/profiles/$1.ini
	shift
	printf '%s\n' "[profile]" "$@" >"$f"
	chmod 0644 "$f"
}
declare -A PIDS
start() { # NAME
	"$JAILCTL" --config "$CONF" run "$1" >"$T/$1.out" 2>&1 &
	PIDS[$1]=$!
	wait_for "$T/$1.out" "svcd running" || diag "$1: $(cat "$T/$1.out")"
}
check() { "$JAILCTL" --config "$CONF" check "$@" 2>&1; }
svcpid() { # NAME: the host pid of its svcd
	local id
	id=$(grep -l "^service=$1\$" /run/jail/sessions/* 2>/dev/null | head -1)
	pgrep -x svcd | while read -r p; do
		[ "$(stat -Lc %i /proc/$p/ns/pid)" = "$(stat -Lc %i /proc/$(sed -n 's/^init_pid=//p' "$id")/ns/pid)" ] && echo "$p"
	done
}

# The profiles: the shipped `service`, and copies to change under running services.
prof capsp "include = service"
prof secoff "include = service" "seccomp = off"
svc good "exec = /usr/local/bin/svcd" "user = svcuser" "state_dir = good" "logs_dir = good" \
	"runtime_dir = good" "net = none" "bind_rw = $T/data:/srv/data"
svc capsvc "exec = /usr/local/bin/svcd" "profile = capsp"
svc nosec "exec = /usr/local/bin/svcd" "profile = secoff"
svc hostnet "exec = /usr/local/bin/svcd" "net = host"
svc binds "exec = /usr/local/bin/svcd" "bind_rw = $T/data:/srv/rw"
svc gone "exec = /usr/local/bin/svcd"
for s in good capsvc nosec hostnet binds gone; do start "$s"; done
GOOD=$(svcpid good)
ok "the good service runs (svcd pid $GOOD)" test -n "$GOOD"
like "$(grep CapBnd /proc/$GOOD/status)" "0000000000000400" 'its CapBnd is cap_net_bind_service (the service profile)'

# 1. As started: nothing about any service.
out=$(check)
unlike "$out" "service good" 'as started: no finding about the clean service'
unlike "$out" "(pid " 'as started: no finding about any running service'
unlike "$out" "services.d/good.ini" '... nor about its file'

# 2. Change what they are declared as, under them.
prof capsp "include = service" "caps = none"
prof secoff "include = service" "seccomp = default"
svc hostnet "exec = /usr/local/bin/svcd" "net = none"
svc binds "exec = /usr/local/bin/svcd"
rm -f "$CONF/services.d/gone.ini"
# root entered into the good service: no no_new_privs, no seccomp (by design)
"$JAILCTL" --config "$CONF" enter good -- /usr/local/bin/svcd >"$T/enter.out" 2>&1 &
ENTER=$!
wait_for "$T/enter.out" "svcd running"
entered=$(pgrep -x svcd -P "$ENTER")
[ -n "$entered" ] || entered=$(pgrep -x svcd | while read -r p; do pgrep -P "$ENTER" | grep -qx "$(awk '/^PPid/ { print $2 }' /proc/$p/status)" && echo "$p"; done)
ok "root entered into the good service runs svcd there (pid $entered)" test -n "$entered"
like "$(grep NoNewPrivs /proc/${entered:-0}/status 2>&1)" "NoNewPrivs:	0" \
	'... without no_new_privs (what would be a finding, were it the service)'
out=$(check)
echo "$out" >"$T/check.txt"
P=$(svcpid capsvc)
like "$out" "/proc/$P/status: service capsvc (pid $P): CapBnd 0000000000000400 is broader than profile capsp allows (caps = none): it also holds cap_net_bind_service" \
	'caps narrowed to none: CapBnd broader than the profile, naming the capability'
P=$(svcpid nosec)
like "$out" "/proc/$P/status: service nosec (pid $P): Seccomp is 0, expected 2 (a filter: profile secoff has seccomp = default)" \
	'seccomp off at start, default now: Seccomp 0 reported'
P=$(svcpid hostnet)
like "$out" "/proc/$P/ns/net: service hostnet (pid $P): its net namespace is the host's" \
	'net = host at start, none now: the host net namespace reported'
P=$(svcpid binds)
like "$out" "/proc/$P/mountinfo: service binds (pid $P): /srv/rw is mounted writable" \
	'a bind_rw dropped from the file: the writable mount is named'
like "$out" "services.d/gone.ini: service gone: runs (record " 'a service whose file is gone ...'
like "$out" "but its service file is gone" '... is reported as such'
unlike "$out" "service good" 'still nothing about the clean service'
unlike "$out" "pid ${entered:-none})" 'root entered into it by jailctl enter is not taken for the service'
unlike "$(grep 'service capsvc' "$T/check.txt")" "Seccomp" 'capsvc: only what differs (its seccomp is on)'
unlike "$(grep 'service nosec' "$T/check.txt")" "CapBnd" 'nosec: only what differs (its caps are the profile'"'"'s)'
unlike "$out" "NoNewPrivs" 'every service runs with NoNewPrivs 1'
unlike "$out" "/ is mounted" 'every service sees / read-only'
kill "$ENTER" 2>/dev/null
wait "$ENTER" 2>/dev/null

# 3. --json: the same findings, with severities.
js=$(check --json)
ok '--json is valid JSON' python3 -m json.tool <<<"$js"
is "$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["schema"], d["version"])' <<<"$js")" \
	"jail.check 1" '--json: schema jail.check, version 1'
sev() { # TEXT: the severities of findings whose problem has TEXT
	python3 -c 'import json,sys; print(" ".join(sorted({f["severity"] for f in json.loads(sys.stdin.read())["findings"] if sys.argv[1] in f["problem"]})))' "$1" <<<"$js"
}
is "$(sev "service capsvc (pid")" "critical" '--json: CapBnd broader is critical'
is "$(sev "service nosec (pid")" "critical" '--json: Seccomp 0 is critical'
is "$(sev "service binds (pid")" "critical" '--json: an unexpected writable mount is critical'
is "$(sev "service gone: runs")" "warning" '--json: a service file gone is a warning'
is "$(sev "service good")" "" '--json: nothing about the clean service'
like "$js" "\"jail\": \"$J\"" '--json: the findings name the jail'

# 4. jailctl SIGKILLed: its record is stale until gc.
kill -KILL "${PIDS[gone]}"
wait "${PIDS[gone]}" 2>/dev/null
id=$(grep -l '^service=gone$' /run/jail/sessions/* | head -1)
ipid=$(sed -n 's/^init_pid=//p' "$id")
for _ in $(seq 200); do kill -0 "$ipid" 2>/dev/null || break; sleep 0.05; done
out=$(check)
like "$out" "service gone: stale record ${id##*/}: its init (pid $ipid) is gone (fix: jailctl gc removes it)" \
	'a stale record of a service: a warning, gc to remove it'
"$JAILCTL" --config "$CONF" gc >/dev/null 2>&1
unlike "$(check)" "stale record" 'after gc: no stale record'

for s in good capsvc nosec hostnet binds; do
	kill -TERM "${PIDS[$s]}"
	wait "${PIDS[$s]}"
done
unlike "$(check)" "(pid " 'every service stopped: nothing about running services'
userdel svcuser 2>/dev/null
done_testing
