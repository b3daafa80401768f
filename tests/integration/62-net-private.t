#!/bin/bash
# net = private (profile "private"): the session's own network namespace,
# connected to the outside through pasta (confine/netpriv.h).  The test runs
# in a network namespace of its own (the "host"), where a second namespace
# behind a veth pair stands in for the internet.  Asserted here:
#   - the session has lo and pasta's interface, and reaches a listener on
#     the "internet" (TCP through pasta);
#   - it does not reach the host's loopback: not at 127.0.0.1 (its own lo),
#     not through the gateway address (pasta's --no-map-gw), not at the
#     host's own address (it is the session's own there);
#   - it sees none of the host's listening sockets (/proc/net/tcp) and
#     cannot connect to the host's abstract unix socket (ECONNREFUSED: the
#     namespace has its own abstract names);
#   - pasta lives in the session's pid namespace, and is gone once the
#     session ends, also when jailctl is killed with SIGKILL;
#   - a missing pasta, or a pasta that fails, refuses the session with a
#     clear error: the command never runs, nothing is left, and never the
#     host's network instead;
#   - a real login through libpam (pam_jail.so) with net = private reaches
#     the internet listener and not the host's loopback; pasta ends with it.
export JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup
# pasta runs in this (the "host's") mount namespace, whose /dev sshd-lib.sh
# made private: it needs the tun device there.
mkdir -p -m 0755 /dev/net && mknod -m 0600 /dev/net/tun c 10 200 || bail "/dev/net/tun"

[ -x /usr/bin/pasta ] || bail "pasta missing: install passt (tests/deps.sh)"
ESC=$TOP/tests/bin/escape
[ -x "$ESC" ] || bail "$ESC not built"

J=$T/jails/np
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
install -D -m 0755 "$ESC" "$J/usr/local/bin/escape" || bail "install the probe"
# Every run carries a marker in its environment, which its jail-init keeps:
# the inits of this test, told from those of tests running beside it.
run() { JAIL_NETPRIV_TEST=$$ "$JAILCTL" --config "$CONF" run "$J" "$@"; }

# --- the internet: namespace inet behind veth0 (10.200.0.1) <-> veth1 (10.200.0.2)
ip netns add inet || bail "ip netns add"
ip link add veth0 type veth peer name veth1 netns inet &&
	ip addr add 10.200.0.1/24 dev veth0 && ip link set veth0 up &&
	ip -n inet addr add 10.200.0.2/24 dev veth1 && ip -n inet link set veth1 up &&
	ip -n inet link set lo up && ip route add default via 10.200.0.2 ||
	bail "veth pair"

# serve PORT ADDR TEXT [netns]: a TCP listener that greets every client.
serve() {
	local ns=()
	[ -n "${4:-}" ] && ns=(ip netns exec "$4")
	"${ns[@]}" python3 - "$1" "$2" "$3" >"$T/serve.$1.$2" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], int(sys.argv[1]))); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall((sys.argv[3] + "\n").encode()); c.close()
EOF
	SERVERS="$SERVERS $!"
	for _ in $(seq 100); do grep -q ready "$T/serve.$1.$2" && return; sleep 0.05; done
	bail "server $1 $2: $(cat "$T/serve.$1.$2")"
}
SERVERS=
serve 8081 10.200.0.2 internet-ok inet
serve 8082 127.0.0.1 host-loopback
serve 8082 10.200.0.2 internet-gateway inet
serve 8083 0.0.0.0 host-any
ABSTRACT=jail-netpriv-$$
python3 - "$ABSTRACT" >"$T/abs.out" 2>&1 <<'EOF' &
import socket, sys
a = socket.socket(socket.AF_UNIX); a.bind("\0" + sys.argv[1]); a.listen(16)
print("ready", flush=True)
while True:
    a.accept()[0].close()
EOF
SERVERS="$SERVERS $!"
for _ in $(seq 100); do grep -q ready "$T/abs.out" && break; sleep 0.05; done

# tcp HOST PORT: what a client inside reads (bash's /dev/tcp), or its error.
TCP='exec 3<>"/dev/tcp/$0/$1" && read -r l <&3 && echo "$l"'

# argv: the NUL-separated command line of pid $1, in $A (builtins only).
argv() { A=; mapfile -t -d '' A 2>/dev/null <"/proc/$1/cmdline"; }
# pasta re-executes itself as passt.avx2 where the CPU has AVX2: by argv.
# A descendant of the session's init, it is in the session's cgroup, below
# this test's $CGROUP_PARENT: only those (another test may run pastas).
pastas() {
	local p
	for p in $(cgroup_procs "$CGROUP_PARENT"); do
		argv "$p"
		[[ "${A[*]}" == "pasta "*"--netns /proc/self/fd/3"* ]] && echo "$p"
	done | sort | tr '\n' ' '
}
# The pids of this test's `sleep SECONDS` (the sessions' cgroups are below
# its $CGROUP_PARENT; another test may run the same command).
sleeps() {
	local p
	for p in $(cgroup_procs "$CGROUP_PARENT" sleep); do
		argv "$p"
		[ "${A[*]}" = "sleep $1" ] && echo "$p"
	done
}
inits() {
	for p in $(pgrep -x jail-init); do
		grep -qz "^JAIL_NETPRIV_TEST=$$\$" "/proc/$p/environ" 2>/dev/null && echo "$p"
	done | sort | tr '\n' ' '
}
PASTA0=$(pastas)
INITS0=$(inits)
is "$PASTA0" "" 'no pasta runs before the test'

# Controls from the host: the listeners answer there.
is "$(bash -c "$TCP" 10.200.0.2 8081 2>&1)" "internet-ok" 'control: the host reaches the internet listener'
is "$(bash -c "$TCP" 127.0.0.1 8082 2>&1)" "host-loopback" "control: the host's loopback listener answers on the host"
ok 'control: the host has listening TCP sockets in /proc/net/tcp' \
	grep -q '^ *[0-9]*: [0-9A-F]*:[0-9A-F]* 00000000:0000 0A' /proc/net/tcp
out=$("$ESC" --abstract "$ABSTRACT" abstract 2>&1)
like "$out" "RESULT abstract ESCAPED" "control: the host's abstract socket accepts a host client"

# --- inside ------------------------------------------------------------------
out=$(run -p private -- cat /proc/net/dev 2>"$T/err")
like "$out" " lo:" 'the session has a loopback'
is "$(printf '%s\n' "$out" | grep -c ':')" 2 "and exactly one other interface (pasta's tap)"
out=$(run -p private -- bash -c "$TCP" 10.200.0.2 8081 2>>"$T/err")
is "$out" "internet-ok" 'the session reaches a listener outside the host (TCP through pasta)'
out=$(run -p private -- bash -c "$TCP" 127.0.0.1 8082 2>&1)
unlike "$out" "host-loopback" "the host's 127.0.0.1:8082 is not reachable at 127.0.0.1"
like "$out" "Connection refused" 'the session has its own loopback: connection refused'
# The gateway (10.200.0.2) listens on 8082 too: the session reaches the
# gateway itself there, not the host's loopback (pasta's --no-map-gw).
out=$(run -p private -- bash -c "$TCP" 10.200.0.2 8082 2>>"$T/err")
is "$out" "internet-gateway" "nor through the gateway address: that is the gateway's port 8082 (--no-map-gw)"
out=$(run -p private -- bash -c "$TCP" 10.200.0.1 8083 2>&1)
unlike "$out" "host-any" "nor at the host's own address (the session's own inside)"
out=$(run -p private -- cat /proc/net/tcp /proc/net/tcp6 2>>"$T/err")
nok 'the session sees no listening TCP socket (none of the host'"'"'s)' \
	grep -q ' 0A ' <<<"$out"
unlike "$out" ":1F93 " "/proc/net/tcp has nothing of the host's port 8083"
out=$(run -p private -- /usr/local/bin/escape --abstract "$ABSTRACT" abstract 2>>"$T/err")
like "$out" "RESULT abstract ECONNREFUSED" "the host's abstract socket @$ABSTRACT is not reachable (own namespace)"
# net = host, for contrast (Landlock off: where the kernel has Landlock's
# abstract socket scoping, it refuses this connect too): the probe escapes.
printf '[profile]\ninclude = default\nlandlock = off\n' >"$CONF/profiles/hostnet.ini"
out=$(run -p hostnet -- /usr/local/bin/escape --abstract "$ABSTRACT" abstract 2>>"$T/err")
like "$out" "RESULT abstract ESCAPED" 'contrast: with net = host (and Landlock off) the same connect succeeds'

# The other way round: an abstract name the session binds first (before a
# host service does) is its own; a host client asking for it does not
# reach the session's server.
install -D -m 0755 "$TOP/tests/bin/svcd" "$J/usr/local/bin/svcd" || bail "install svcd"
SQUAT=jt-squat-$$
hostclient() { # NAME: what a host client connecting to @NAME gets
	python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX)
try:
    s.connect("\0"+sys.argv[1]); print(s.recv(100).decode().strip())
except OSError as e: print(type(e).__name__)' "$1"
}
squat() { # PROFILE: svcd on @$SQUAT in a run of PROFILE; the host client's answer
	# jailctl itself in the background (not a subshell running run()): $! is its pid
	JAIL_NETPRIV_TEST=$$ "$JAILCTL" --config "$CONF" run "$J" -p "$1" -- \
		/usr/local/bin/svcd "abstract=$SQUAT" >"$T/squat.out" 2>&1 &
	local sq=$!
	for _ in $(seq 100); do grep -q "svcd running" "$T/squat.out" && break; sleep 0.05; done
	hostclient "$SQUAT"
	kill -TERM "$sq"
	wait "$sq" 2>/dev/null
	# its pasta (reparented, reaped late by this host's pid 1) gone first
	for _ in $(seq 200); do [ -z "$(pastas)" ] && break; sleep 0.05; done
}
is "$(squat private)" "ConnectionRefusedError" "an abstract name bound in the session is not what host clients reach"
like "$(squat hostnet)" "svcd pid 2 fd" "contrast: with net = host the host client talks to the session's server"

# --- pasta's life --------------------------------------------------------------
run -p private -- sh -c 'echo up >/tmp/x; exec sleep 61.37' 2>>"$T/err" &
JP=$!
for _ in $(seq 100); do [ -n "$(sleeps 61.37)" ] && break; sleep 0.05; done
P=$(pastas)
ok 'a pasta runs during the session' test -n "$P"
P=${P%% *}
SL=$(sleeps 61.37 | head -1)
is "$(readlink "/proc/$P/ns/net")" "$(readlink /proc/self/ns/net)" "pasta runs in the host's network namespace"
isnt_pidns=$(readlink "/proc/$P/ns/pid")
ok "pasta is not in the host's pid namespace" test "$isnt_pidns" != "$(readlink /proc/self/ns/pid)"
ok "pasta's pid namespace is inside the session's (the session's init is its ancestor)" \
	sh -c "grep -q '^NSpid:.*	.*	' /proc/$P/status"
like "$(grep -E '^(Uid|NoNewPrivs|Seccomp):' "/proc/$P/status" | tr '\n' ' ')" \
	"NoNewPrivs:	1 Seccomp:	2" 'pasta runs under no_new_privs and its seccomp filter'
is "$(awk '$1 == "CapBnd:" {print $2}' "/proc/$P/status")" 00000000002015c0 \
	"pasta's bounding set: setgid, setuid, setpcap, net_bind_service, net_admin, sys_admin"
kill "$SL"
wait "$JP"
for _ in $(seq 50); do [ -z "$(pastas)" ] && break; sleep 0.05; done
is "$(pastas)" "" 'pasta is gone after the session ended'

(exec env JAIL_NETPRIV_TEST=$$ "$JAILCTL" --config "$CONF" run "$J" -p private -- sh -c 'exec sleep 61.38' 2>>"$T/err") &
JP=$!
for _ in $(seq 100); do [ -n "$(sleeps 61.38)" ] && break; sleep 0.05; done
ok 'a pasta runs during the second session' test -n "$(pastas)"
kill -KILL "$JP"
wait "$JP" 2>/dev/null
for _ in $(seq 50); do [ -z "$(pastas)" ] && break; sleep 0.1; done
is "$(pastas)" "" 'jailctl SIGKILLed: pasta is gone with the session (the kernel kills its pid namespace)'
"$JAILCTL" --config "$CONF" gc >/dev/null 2>&1

# --- fail closed -----------------------------------------------------------------
# A pasta that fails: no default route on the host, nothing to copy.
ip route del default
out=$(run -p private -- sh -c 'echo RAN' 2>&1)
rc=$?
ok 'pasta failing refuses the session (non-zero exit)' test "$rc" -ne 0
unlike "$out" "RAN" 'the command did not run'
like "$out" "net = private (profile private): /usr/bin/pasta failed (exit status 1)" 'the error names the profile and pasta'
diag "pasta's message: $(printf '%s\n' "$out" | grep pasta | tail -1)"
ip route add default via 10.200.0.2
# A missing pasta (hidden by an empty, non-executable file in this test's
# mount namespace).
: >"$T/nopasta"
chmod 0644 "$T/nopasta"
mount --bind "$T/nopasta" /usr/bin/pasta || bail "hide pasta"
out=$(run -p private -- sh -c 'echo RAN' 2>&1)
rc=$?
ok 'without pasta the session is refused (non-zero exit)' test "$rc" -ne 0
unlike "$out" "RAN" 'the command did not run (never the host network instead)'
like "$out" "net = private needs pasta (package passt): cannot run /usr/bin/pasta" 'the error says what is missing'
umount /usr/bin/pasta
# The init is killed and reaped within 5 ms when it can; under load it dies a little later.
for _ in $(seq 50); do [ -z "$(pastas)$(inits)" ] && break; sleep 0.1; done
is "$(pastas)" "" 'nothing left: no pasta'
is "$(inits)" "$INITS0" 'nothing left: no jail-init'
out=$(run -p private -- bash -c "$TCP" 10.200.0.2 8081 2>>"$T/err")
is "$out" "internet-ok" 'with pasta back the same profile works again'

# net = private in a profile and a service parse; a typo is refused.
printf '[profile]\nnet = privat\n' >"$CONF/profiles/typo.ini"
out=$(run -p typo -- true 2>&1)
like "$out" "'privat' is not valid (expected host, none or private)" 'a bad net value names the three choices'

# --- a login through libpam ----------------------------------------------------------
useradd -M -d /home/np1 -s /bin/bash np1 || bail "useradd np1"
"$JAILCTL" --config "$CONF" adduser -j "$J" -p private -s /bin/sh np1 >>"$T/init.out" 2>&1 ||
	bail "jailctl adduser np1: $(tail -5 "$T/init.out")"
PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"
out=$(JAIL_NETPRIV_TEST=$$ "$TOP/tests/bin/pamdrive" -c "$PAMD" np1 \
	'grep -c : /proc/net/dev; bash -c "exec 3<>/dev/tcp/10.200.0.2/8081 && read -r l <&3 && echo \$l"; bash -c "exec 3<>/dev/tcp/127.0.0.1/8082 && read -r l <&3 && echo \$l" 2>&1' 2>&1)
like "$out" "open_session: Success (0)" 'login (libpam, pam_jail.so) with net = private: the session opens'
like "$out" "$(printf '\n2\n')" 'login: lo and one interface'
like "$out" "internet-ok" 'login: the session reaches the internet listener through pasta'
unlike "$out" "host-loopback" "login: not the host's loopback listener"
like "$out" "Connection refused" "login: 127.0.0.1 is the session's own loopback"
for _ in $(seq 50); do [ -z "$(pastas)" ] && break; sleep 0.1; done
is "$(pastas)" "" 'login: pasta is gone once the session closed'

kill $SERVERS 2>/dev/null
ip netns pids inet | xargs -r kill 2>/dev/null
done_testing
