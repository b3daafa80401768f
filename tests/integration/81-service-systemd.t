#!/bin/bash
# jailctl run as a systemd service's main process (the guest lane: systemd as
# pid 1, cgroup v2).  Asserted here:
# - with Delegate=yes the sandbox's cgroup is a leaf inside the unit's
#   (<unit>/<owner>/<id>), jailctl is in <unit>/supervisor, nothing of a
#   tree of jail's own is made, systemctl status shows the command;
# - the unit's MemoryMax is the unit's memory.max and the kernel applies
#   it to the sandbox: a memory hog inside is OOM-killed at 64M although the
#   service profile allows 1G;
# - systemctl stop leaves no process and no cgroup of the unit;
# - without Delegate=yes jailctl warns, naming the unit and Delegate=yes,
#   and the command still runs (in a cgroup of jail's own, removed after);
# - `jailctl unit` output for a services.d service passes systemd-analyze
#   verify; installed in /etc/systemd/system and started with systemctl it
#   is active;
# - services of services.d (tests/bin/svcd in the jail) through `jailctl
#   unit NAME [--socket|--accept]` units: ready = notify makes systemctl
#   start return only after the service's READY=1 (relayed by jailctl, the
#   MainPID, NotifyAccess=main), reload reaches it as its reload_signal,
#   stop gives it TERM and leaves the unit inactive with nothing behind; a
#   service ignoring TERM is killed stop_timeout later; one never ready is
#   ended by TimeoutStartSec with jailctl's reason in the journal; a .socket
#   unit activates it with systemd's socket as fd 3 (LISTEN_PID right);
#   Accept=yes gives one instance per connection; log = relay reaches the
#   journal tagged.
# The jail and the config live under /srv (the units run in the host's
# mount namespace, not in the test's); removed at exit.  Skipped, with the
# reason, on a host without systemd or cgroup v2.
why=""
if [ ! -d /run/systemd/system ]; then
	why="systemd is not pid 1 here (the guest lane runs this)"
elif [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
	why="no pure cgroup v2 hierarchy here"
fi
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 0
fi
JAIL_TEST_HOST_SYSTEMD=1
. "$(dirname "$0")/../lib.sh"
jail_test_setup
jail_test_host_systemd

host() { nsenter -t 1 -m -- "$@"; }
CGR=/sys/fs/cgroup
UD=jt-81d-$$
UN=jt-81n-$$
UM=jt-81m-$$
SVC=t81-$$
SVCD=$TOP/tests/bin/svcd
[ -x "$SVCD" ] || bail "tests/bin/svcd not built (make test-bins)"
W=""
INSTALLED=()
cleanup81() {
	local u f
	for u in $UD $UN $UM; do
		host systemctl stop "$u.service" >/dev/null 2>&1
		host systemctl reset-failed "$u.service" >/dev/null 2>&1
	done
	for f in "${INSTALLED[@]}"; do
		u=${f##*/}
		case $u in
		*.d) ;;
		*@.service) host systemctl stop "${u%@.service}@*" >/dev/null 2>&1 ;;
		*) host systemctl stop "$u" >/dev/null 2>&1 ;;
		esac
	done
	for f in "${INSTALLED[@]}"; do
		u=${f##*/}
		host systemctl reset-failed "$u" "${u%@.service}@*" >/dev/null 2>&1
		host rm -rf "$f"
	done
	host systemctl daemon-reload >/dev/null 2>&1
	[ -n "$W" ] && host rm -rf "$W"
	jail_test_cleanup
}
trap cleanup81 EXIT

W=$(host mktemp -d /srv/jail-t81.XXXXXX) || bail "mktemp under /srv"
host chmod 0755 "$W"
CONF=$W/conf
J=$W/jail
host mkdir -p "$CONF/profiles" "$CONF/services.d"
host cp "$TOP"/profiles/*.ini "$CONF/profiles/"
host chmod -R go-w "$CONF"
"$JAILCTL" --config "$CONF" init "$J" basicshell >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
for p in sleep head tr; do
	"$JAILCTL" --config "$CONF" cp "$J" "$(command -v $p)" >>"$T/init.out" 2>&1 ||
		bail "jailctl cp $p: $(tail -5 "$T/init.out")"
done
RUN=("$JAILCTL" --config "$CONF" run "$J" -p service --)
own_tree() { find "$CGR/jail" -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort; }
OWN0=$(own_tree)

# --- Delegate=yes: the sandbox inside the unit ----------------------------------
host systemd-run --quiet --unit="$UD" -p Delegate=yes -p MemoryMax=64M -- \
	"${RUN[@]}" sleep 30 || bail "systemd-run $UD"
UCG=$CGR/system.slice/$UD.service
spid=""
for _ in $(seq 100); do
	spid=$(pgrep -f -x 'sleep 30' | while read -r p; do
		grep -qx "0::/system.slice/$UD.service/.*" "/proc/$p/cgroup" 2>/dev/null && echo "$p"
	done | head -1)
	[ -n "$spid" ] && break
	sleep 0.1
done
ok "the unit's cgroup is delegated: trusted.delegate on $UCG" \
	sh -c "getfattr -n trusted.delegate --only-values '$UCG' 2>/dev/null | grep -qx 1 ||
		python3 -c 'import os,sys; sys.exit(os.getxattr(\"$UCG\", \"trusted.delegate\") != b\"1\")'"
isnt_empty=${spid:+yes}
is "$isnt_empty" yes "the service's sleep runs in the unit's cgroup subtree"
scg=$(sed -n 's/^0:://p' "/proc/$spid/cgroup" 2>/dev/null)
like "$scg" "/system.slice/$UD.service/root/" "the sleep is in <unit>/root/<id> (a leaf below the unit): $scg"
ok "that leaf is a session id of 16 hex digits" \
	sh -c "printf '%s\n' '$scg' | grep -qE '^/system.slice/$UD.service/root/[0-9a-f]{16}\$'"
mpid=$(host systemctl show -p MainPID --value "$UD.service")
is "$(sed -n 's/^0:://p' "/proc/$mpid/cgroup" 2>/dev/null)" "/system.slice/$UD.service/supervisor" \
	"jailctl (the unit's main pid $mpid) is in <unit>/supervisor"
is "$(cat "$UCG/cgroup.procs")" "" "no process left in the unit's own cgroup (no internal processes)"
like "$(cat "$UCG/cgroup.subtree_control")" "memory" "memory enabled in the unit's subtree_control"
like "$(cat "$UCG/cgroup.subtree_control")" "pids" "pids enabled in the unit's subtree_control"
is "$(host systemctl show -p MemoryMax --value "$UD.service")" 67108864 "systemctl show: MemoryMax 64M"
is "$(cat "$UCG/memory.max")" 67108864 "the unit's memory.max is 64M, above the sandbox's cgroup"
like "$(host systemctl status --no-pager "$UD.service" 2>&1)" "sleep 30" \
	"systemctl status shows the jailed sleep"
is "$(own_tree)" "$OWN0" "no cgroup of jail's own tree was made"
ok "systemctl stop" host systemctl stop "$UD.service"
left=""
for _ in $(seq 50); do
	left=$( (kill -0 "$spid" 2>/dev/null && echo "sleep $spid"; kill -0 "$mpid" 2>/dev/null &&
		echo "jailctl $mpid"; [ -d "$UCG" ] && echo "$UCG") | tr '\n' ' ')
	[ -z "$left" ] && break
	sleep 0.1
done
is "$left" "" "systemctl stop: no process and no cgroup of the unit left"

# --- the unit's MemoryMax applies to the sandbox ----------------------------------
host systemd-run --quiet --wait --unit="$UM" -p Delegate=yes -p MemoryMax=64M -p MemorySwapMax=0 -- \
	"${RUN[@]}" sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived' \
	>"$T/hog.out" 2>&1
res=$(host systemctl show -p Result --value "$UM.service")
ok "a 200 MB hog under the unit's 64M (the profile allows 1G) fails the unit (Result=$res)" \
	sh -c "printf '%s\n' '$res' | grep -qxE 'oom-kill|exit-code|signal'"
host journalctl -q --no-pager -u "$UM.service" -o cat >"$T/hog.log" 2>&1
nok "the hog did not survive" grep -qx survived "$T/hog.out" "$T/hog.log"
like "$(cat "$T/hog.log")" "killed by the OOM killer" "systemd saw the OOM kill in its unit"
unlike "$(cat "$T/hog.log")" "not delegated" "no delegation warning under Delegate=yes"
host systemctl reset-failed "$UM.service" >/dev/null 2>&1

# --- without Delegate=yes: a warning, and it runs -------------------------------
out=$(host systemd-run --quiet --wait --pipe --unit="$UN" -p MemoryMax=64M -- \
	"${RUN[@]}" sh -c 'echo ran' 2>&1 </dev/null)
rc=$?
is "$rc" 0 "without Delegate=yes: the run succeeds"
like "$out" "ran" "the command ran"
like "$out" "warning: unit $UN.service is not delegated" "a warning names the unit"
like "$out" "set Delegate=yes in the unit" "and says Delegate=yes is needed"
is "$(own_tree)" "$OWN0" "its cgroup of jail's own tree is removed after the run"

# --- jailctl unit, installed and started ------------------------------------------
host sh -c "cat >'$CONF/services.d/$SVC.ini'" <<EOF
[service:$SVC]
jail = $J
profile = service
exec = /usr/bin/sleep 300
ready = exec
stop_timeout = 3s
EOF
host chmod 0644 "$CONF/services.d/$SVC.ini"
"$JAILCTL" --config "$CONF" unit "$SVC" >"$T/unit" 2>"$T/unit.err"
is "$?" 0 "jailctl unit $SVC: exit 0 $(head -3 "$T/unit.err")"
cp "$T/unit" "$T/jail-$SVC.service"
ok "systemd-analyze verify accepts it" systemd-analyze verify --man=no "$T/jail-$SVC.service"
for l in Type=notify NotifyAccess=main "ExecStart=$JAILCTL --config $CONF run $SVC" \
	"ExecReload=/bin/kill -HUP \$MAINPID" KillMode=mixed Delegate=yes Restart=on-failure \
	TimeoutStopSec=8s WantedBy=multi-user.target; do
	ok "the unit has $l" grep -qxF "$l" "$T/unit"
done
es=$(host systemctl show -p ExecStart --value "jail@$SVC.service" 2>&1)
like "$es" "/usr/local/sbin/jailctl run $SVC " \
	"the installed jail@.service template: jail@$SVC runs jailctl run $SVC"
host sh -c "cat >/etc/systemd/system/jail-$SVC.service" <"$T/unit"
INSTALLED+=("/etc/systemd/system/jail-$SVC.service")
host systemctl daemon-reload
ok "systemctl start jail-$SVC" host systemctl start "jail-$SVC.service"
is "$(host systemctl is-active "jail-$SVC.service")" active "the unit is active"
like "$(host systemctl status --no-pager "jail-$SVC.service" 2>&1)" "sleep 300" \
	"systemctl status shows the service's process"
ok "systemctl stop jail-$SVC" host systemctl stop "jail-$SVC.service"

# --- services of svcd under systemd, each through `jailctl unit` ----------------
install -D -m 0755 "$SVCD" "$J/usr/local/bin/svcd"
# svc NAME KEY=VALUE...: services.d/NAME.ini in the jail $J
svc() {
	local name=$1
	shift
	{
		echo "[service:$name]"
		echo "jail = $J"
		for kv in "$@"; do echo "$kv"; done
	} | host sh -c "cat >'$CONF/services.d/$name.ini' && chmod 0644 '$CONF/services.d/$name.ini'"
}
# units NAME [--socket|--accept]: the files `jailctl unit` prints, each after
# its "# /etc/systemd/system/FILE" line, installed there (removed at exit)
units() {
	local f
	rm -rf "$T/units" && mkdir "$T/units"
	"$JAILCTL" --config "$CONF" unit "$@" >"$T/units.out" 2>"$T/units.err" ||
		{ diag "jailctl unit $*: $(cat "$T/units.err")"; return 1; }
	awk -v d="$T/units" '/^# \/etc\/systemd\/system\/[^ ,]+, printed by jailctl unit/ {
		f = $2; sub(/,$/, "", f); sub(/.*\//, "", f); f = d "/" f } { print > f }' "$T/units.out"
	for f in "$T/units"/*; do
		host sh -c "cat >'/etc/systemd/system/${f##*/}'" <"$f"
		INSTALLED+=("/etc/systemd/system/${f##*/}")
	done
	host systemctl daemon-reload
}
jlog() { host journalctl -q --no-pager -o cat -u "$1" 2>&1; }
# wait_log UNIT TEXT [SECONDS]: until the unit's journal has TEXT
wait_log() {
	local i
	for _ in $(seq $((${3:-10} * 5))); do
		jlog "$1" | grep -qF -- "$2" && return 0
		sleep 0.2
	done
	return 1
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# unit_pids UNIT: every process in the unit's cgroup tree
unit_pids() { find "$CGR/system.slice/$1" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -n | tr '\n' ' '; }
# gone UNIT PIDS...: no process of PIDS alive, no cgroup of the unit (waits 5 s)
gone() {
	local u=$1 left p
	shift
	for _ in $(seq 50); do
		left=""
		for p in "$@"; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
		[ -d "$CGR/system.slice/$u" ] && left="$left $CGR/system.slice/$u"
		[ -z "$left" ] && break
		sleep 0.1
	done
	echo "$left"
}
conn() { # PORT [SECONDS]: the first line a connection to 127.0.0.1:PORT gets
	timeout "${2:-20}" bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -1 <&3" 2>&1
}

# ready = notify: systemctl start returns after the service's READY=1,
# relayed by jailctl as the unit's main pid (NotifyAccess=main).
N=t81n-$$
svc "$N" "exec = /usr/local/bin/svcd listen=9181 sleep=1500 notify=READY=1" "ready = notify" \
	"net = host" "reload_signal = USR1"
units "$N"
t0=$(date +%s%N)
host systemctl start "jail-$N.service"
rc=$?
ms=$(ms_since "$t0")
is "$rc" 0 "ready = notify: systemctl start jail-$N succeeds"
ok "systemctl start returned only after READY=1 ($ms ms, the service sleeps 1500 ms first)" \
	test "$ms" -ge 1400
is "$(host systemctl is-active "jail-$N.service")" active "the unit is active as start returns"
like "$(conn 9181 5)" "svcd pid 2 fd 3 name own" "and the service is answering"
mpid=$(host systemctl show -p MainPID --value "jail-$N.service")
is "$(cat "/proc/$mpid/comm" 2>&1)" jailctl "MainPID ($mpid) is jailctl"
is "$(host systemctl show -p NotifyAccess --value "jail-$N.service")" main "NotifyAccess=main"
unlike "$(jlog "jail-$N.service")" "reception only permitted for main PID" \
	"systemd took READY=1 from jailctl (no 'reception only permitted for main PID')"
like "$(jlog "jail-$N.service")" "ready (READY=1)" "jailctl logged the service ready"
ok "systemctl reload jail-$N" host systemctl reload "jail-$N.service"
wait_log "jail-$N.service" "got USR1"
like "$(jlog "jail-$N.service")" "got USR1" "systemctl reload reached the service as its reload_signal (USR1)"
is "$(host systemctl is-active "jail-$N.service")" active "still active after the reload"
pids=$(unit_pids "jail-$N.service")
ok "the unit's processes: $pids" test -n "$pids"
t0=$(date +%s%N)
ok "systemctl stop jail-$N" host systemctl stop "jail-$N.service"
diag "stop took $(ms_since "$t0") ms"
wait_log "jail-$N.service" "got TERM"
like "$(jlog "jail-$N.service")" "got TERM" "systemctl stop: the service got TERM"
is "$(host systemctl is-active "jail-$N.service")" inactive "the unit is inactive (not failed)"
is "$(host systemctl show -p Result --value "jail-$N.service")" success "Result=success"
# shellcheck disable=SC2086
is "$(gone "jail-$N.service" $pids)" "" "no process and no cgroup of the unit left"

# A service that ignores TERM: killed stop_timeout (1s) later.
I=t81i-$$
svc "$I" "exec = /usr/local/bin/svcd ignore-term" "stop_timeout = 1s"
units "$I"
ok "systemctl start jail-$I (ignores TERM)" host systemctl start "jail-$I.service"
pids=$(unit_pids "jail-$I.service")
t0=$(date +%s%N)
host systemctl stop "jail-$I.service"
ms=$(ms_since "$t0")
ok "systemctl stop returned after stop_timeout, within ~2 s ($ms ms)" test "$ms" -ge 900 -a "$ms" -lt 3000
isnt_active=$(host systemctl is-active "jail-$I.service")
ok "the unit is stopped ($isnt_active)" test "$isnt_active" != active
wait_log "jail-$I.service" "after its stop signal"
like "$(jlog "jail-$I.service")" "still running 1" "jailctl says the service outlived its stop signal"
# shellcheck disable=SC2086
is "$(gone "jail-$I.service" $pids)" "" "no process and no cgroup of the unit left"
host systemctl reset-failed "jail-$I.service" >/dev/null 2>&1

# A service that never becomes ready: the unit's TimeoutStartSec (3s) ends it.
X=t81x-$$
svc "$X" "exec = /usr/local/bin/svcd" "ready = notify"
units "$X"
host mkdir -p "/etc/systemd/system/jail-$X.service.d"
# (Restart=no: the unit's Restart=on-failure would start it again)
host sh -c "printf '[Service]\nTimeoutStartSec=3s\nRestart=no\n' >/etc/systemd/system/jail-$X.service.d/t81.conf"
INSTALLED+=("/etc/systemd/system/jail-$X.service.d")
host systemctl daemon-reload
t0=$(date +%s%N)
nok "never ready: systemctl start jail-$X fails" host systemctl start "jail-$X.service"
ms=$(ms_since "$t0")
ok "after TimeoutStartSec=3s ($ms ms)" test "$ms" -ge 2900 -a "$ms" -lt 15000
is "$(host systemctl show -p Result --value "jail-$X.service")" timeout "Result=timeout"
like "$(jlog "jail-$X.service")" "start operation timed out" "systemd says the start timed out"
wait_log "jail-$X.service" "before it was ready"
like "$(jlog "jail-$X.service")" "stopped before it was ready (ready = notify)" \
	"the journal has jailctl's 'stopped before it was ready'"
is "$(gone "jail-$X.service")" "" "no process and no cgroup of the unit left"
nok "no svcd of the unit is left" pgrep -f -x "/usr/local/bin/svcd"
host systemctl reset-failed "jail-$X.service" >/dev/null 2>&1

# Socket activation: jail-NAME.socket holds the listen entry, the first
# connection starts the service, which gets the socket as fd 3.
S=t81s-$$
svc "$S" "exec = /usr/local/bin/svcd serve" "net = none" "listen = tcp:127.0.0.1:9182"
units "$S" --socket
ok "jailctl unit --socket: a socket unit" test -e "$T/units/jail-$S.socket"
ok "systemctl start jail-$S.socket" host systemctl start "jail-$S.socket"
is "$(host systemctl is-active "jail-$S.service")" inactive "the service waits for a connection"
is "$(conn 9182)" "svcd pid 2 fd 3 name jail-$S.socket" \
	"a connection starts the service; it serves systemd's socket (fd 3, LISTEN_PID = its pid 2)"
is "$(host systemctl is-active "jail-$S.service")" active "the service is active"
like "$(jlog "jail-$S.service")" "ready (ready = exec)" "jailctl started it (no second bind of the port)"
pids=$(unit_pids "jail-$S.service")
host systemctl stop "jail-$S.socket" "jail-$S.service"
# shellcheck disable=SC2086
is "$(gone "jail-$S.service" $pids)" "" "stopped: no process and no cgroup left"

# Accept=yes: one instance of jail-NAME@.service per connection.
A=t81a-$$
svc "$A" "exec = /usr/local/bin/svcd env sleep=4000 exit=0" "net = none" "listen = tcp:127.0.0.1:9183"
units "$A" --accept
ok "jailctl unit --accept: a template and a socket unit" \
	test -e "$T/units/jail-$A@.service" -a -e "$T/units/jail-$A.socket"
ok "Accept=yes in the socket unit" grep -qx "Accept=yes" "$T/units/jail-$A.socket"
ok "systemctl start jail-$A.socket" host systemctl start "jail-$A.socket"
timeout 60 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9183 && cat <&3' >"$T/a1" 2>&1 &
c1=$!
timeout 60 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9183 && cat <&3' >"$T/a2" 2>&1 &
c2=$!
for _ in $(seq 100); do
	grep -q NOTIFY_SOCKET "$T/a1" && grep -q NOTIFY_SOCKET "$T/a2" && break
	sleep 0.1
done
insts=$(host systemctl list-units --no-legend --plain --state=active "jail-$A@*" | awk '{print $1}' | sort -u)
is "$(printf '%s\n' "$insts" | grep -c "^jail-$A@")" 2 "two connections, two instances: $(echo $insts)"
wait "$c1" "$c2"
# inetd-style: the connection is the service's stdin and stdout
like "$(cat "$T/a1")" "NOTIFY_SOCKET=/run/jail/notify" "connection 1: the jailed service answered on it"
like "$(cat "$T/a2")" "NOTIFY_SOCKET=/run/jail/notify" "connection 2: its own instance's too"
like "$(cat "$T/a1")" "LISTEN_FDS=
" "no LISTEN_FDS: the connection is stdin/stdout (StandardInput=socket)"
nok "no instance failed (no second bind of the port)" \
	sh -c "nsenter -t 1 -m -- journalctl -q --no-pager -o cat -u 'jail-$A@*' | grep -q 'address already in use'"
for _ in $(seq 50); do
	[ -z "$(host systemctl list-units --no-legend --plain --state=active "jail-$A@*")" ] && break
	sleep 0.2
done
is "$(host systemctl list-units --no-legend --plain --state=active "jail-$A@*")" "" \
	"both instances ended with their service"
host systemctl stop "jail-$A.socket"

# log = relay: /dev/log in the jail reaches the journal, tagged.
L=t81l-$$
svc "$L" "exec = /usr/local/bin/svcd syslog=hello-81-$$" "log = relay"
units "$L"
ok "systemctl start jail-$L (log = relay)" host systemctl start "jail-$L.service"
for _ in $(seq 50); do
	host journalctl -q --no-pager -t jail-init -o cat | grep -q "hello-81-$$" && break
	sleep 0.2
done
line=$(host journalctl -q --no-pager -t jail-init -o cat | grep "hello-81-$$")
like "$line" "hello-81-$$" "the /dev/log line reached the journal as jail-init's"
like "$line" "service $L pid 2" "tagged with the service and the sender"
unlike "$line" "user $L" "not tagged as a user session"
host systemctl stop "jail-$L.service"

done_testing
