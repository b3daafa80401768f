#!/bin/bash
# Crashes around a jailed ssh session, over a real sshd:
#  (a) sshd's session processes are SIGKILLed mid-session (the privileged
#      monitor that called pam_open_session, and its post-auth child):
#      close_session never runs, so the session init and a background job
#      live on as orphans.  `jailctl ps` names the session orphaned,
#      `jailctl gc` ends it (kill, cgroup, record) and says so; nothing of it
#      survives (no process in its cgroup, pid or mount namespace).  A live
#      session next to it is left alone.
#  (b) the listening sshd is killed: sessions are not orphaned (their
#      monitors live on, as after an sshd restart), gc leaves them alone.
#  (c) the session init is SIGKILLed by hand from the host: the kernel kills
#      the whole pid namespace, sshd notices, close_session removes the
#      record and the cgroup; nothing survives, gc has nothing left to do.
#
# What gc decides (the owner_pid/owner_starttime of the registry record, the
# process that opened the session): a session whose init is gone is stale
# (record and cgroup removed); a session whose init is alive but whose
# opener is gone is orphaned (ended as `jailctl kill` would); a session whose
# opener is alive is live, never touched.
#
# The test runs under tests/bin/reaper, a child subreaper standing in for
# systemd: the killed sshd's children are reaped at once (this machine's
# pid 1 does not reap them, which would leave zombies in the session's pid
# namespace for the checks below to see).
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
[ -x "$TOP/tests/bin/reaper" ] || bail "tests/bin/reaper not built (make unit-tests)"
if [ -z "${JAIL_TEST_REAPED:-}" ]; then
	export JAIL_TEST_REAPED=1
	exec "$TOP/tests/bin/reaper" "$0" "$@"
fi
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup
sshd_pam_stack jail
sshd_start default

J=$SSHD_JAIL
REG=/run/jail/sessions
JC() { "$JAILCTL" --config "$CONF" "$@"; }
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.log" 2>&1 ||
	bail "jailctl init: $(cat "$T/init.log")"
user_add_jailed bob "$J"
# Sleep durations unique to this run (pgrep looks at the whole host).
SL=7${$}0
SA=7${$}1
SB=7${$}2
SC=7${$}3

# until SECONDS CMD...: poll CMD every 50 ms for at most SECONDS.
until_ok() {
	local n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	"$@"
}
alive() { [ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
gone() { ! alive "$1"; }
# Pids whose namespace NS (pid, mnt) is inode INO, zombies included (one
# find reads every link: a readlink per process is seconds under emulation).
procs_in_ns() {
	local f
	for f in $(find /proc/[0-9]*/ns/"$1" -maxdepth 0 -lname "$1:\\[$2\\]" 2>/dev/null); do
		f=${f#/proc/}
		echo "${f%%/*}"
	done
}
ns_empty() { [ -z "$(procs_in_ns "$1" "$2")" ]; }
cg_dirs() { find /sys/fs/cgroup -maxdepth 8 -type d -name "$1" 2>/dev/null; }
no_cg() { [ -z "$(cg_dirs "$1")" ]; }
cg_procs() { # SID: processes listed in the session's cgroup(s), deduplicated
	local d
	for d in $(cg_dirs "$1"); do cat "$d/cgroup.procs" 2>/dev/null; done | sort -u | grep -c .
}
field() { sed -n "s/^$2=//p" "$REG/$1" 2>/dev/null; }
new_record() { ls -A "$REG" 2>/dev/null | grep -vxF -e "${1:-none}" -e "${2:-none}" | head -1; }

# start_session TAG COMMAND: a jailed ssh session of bob in the background
# (client pid in CLI_TAG); waits (30 s at most) for "started" and its record; sets SID,
# INIT, MON (the recorded opener), PIDNS and MNTNS of the init.
start_session() {
	local tag=$1 cmd=$2 known
	known=$(ls -A "$REG" 2>/dev/null | tr '\n' ' ')
	timeout 60 ssh -F "$SSH_CONFIG" bob@127.0.0.1 "$cmd" </dev/null >"$T/$tag.out" 2>"$T/$tag.err" &
	eval "CLI_$tag=$!"
	SID=
	for _ in $(seq 600); do
		SID=$(ls -A "$REG" 2>/dev/null | while read -r f; do
			case " $known " in *" $f "*) ;; *) echo "$f" ;; esac
		done | head -1)
		[ -n "$SID" ] && grep -q started "$T/$tag.out" && break
		sleep 0.05
	done
	[ -n "$SID" ] && grep -q started "$T/$tag.out" ||
		bail "session $tag did not start: $(cat "$T/$tag.out" "$T/$tag.err")"
	INIT=$(field "$SID" init_pid)
	MON=$(field "$SID" owner_pid)
	PIDNS=$(readlink "/proc/$INIT/ns/pid" | tr -dc 0-9)
	MNTNS=$(readlink "/proc/$INIT/ns/mnt" | tr -dc 0-9)
	[ -n "$INIT" ] && [ -n "$PIDNS" ] && [ -n "$MNTNS" ] || bail "session $tag: no init"
}

# ============================================================================
# A live session that must survive everything below except its own logout.
start_session L "echo started; exec sleep $SL"
LSID=$SID
LINIT=$INIT
LMON=$MON

# ============================================================================
# (a) sshd's session processes killed mid-session
start_session A "sleep $SA </dev/null >/dev/null 2>&1 & echo started; exec sleep $SB"
ASID=$SID
AINIT=$INIT
AMON=$MON
APIDNS=$PIDNS
AMNTNS=$MNTNS
ok 'the record names the opener: sshd'"'"'s privileged monitor, parent of the init' \
	test "$AMON" = "$(awk '/^PPid:/ {print $2}' "/proc/$AINIT/status")"
like "$(tr '\0' ' ' <"/proc/$AMON/cmdline")" "sshd: bob [priv]" \
	'the opener is the [priv] monitor that ran pam_open_session'
ACHILD=$(pgrep -P "$AMON" | grep -vx "$AINIT")
like "$(tr '\0' ' ' <"/proc/$ACHILD/cmdline" 2>/dev/null)" "sshd: bob" \
	"the monitor's other child is the post-auth sshd ($ACHILD)"
is "$(readlink "/proc/$ACHILD/ns/pid" | tr -dc 0-9)" "$APIDNS" \
	'the post-auth sshd is inside the session pid namespace'
bg=$(pgrep -f "^sleep $SA\$")
is "$(readlink "/proc/${bg:-0}/ns/pid")" "pid:[$APIDNS]" 'the background job runs in the session pid namespace'
n=$(cg_procs "$ASID")
ok "before the crash the session cgroup holds its processes ($n)" test "$n" -ge 4

kill -9 "$AMON" "$ACHILD"
cli=$CLI_A
until_ok 20 gone "$cli"
wait "$cli"
is "$?" 255 'the ssh client sees the connection die (exit 255)'
ok 'the monitor is gone' until_ok 10 gone "$AMON"
ok 'the post-auth sshd is gone' until_ok 10 gone "$ACHILD"
ok 'close_session never ran: the record is still there' test -e "$REG/$ASID"
ok 'orphan: the session init still runs' alive "$AINIT"
ok 'orphan: the background job still runs' pgrep -f "^sleep $SA\$"
ok 'orphan: the login command still runs' pgrep -f "^sleep $SB\$"
is "$(awk '/^PPid:/ {print $2}' "/proc/$AINIT/status")" "$PPID" \
	'the kernel reparented the orphaned init to the nearest subreaper (tests/bin/reaper)'

out=$(JC ps 2>"$T/ps.err")
err=$(cat "$T/ps.err")
like "$out" "$ASID" 'ps still lists the orphaned session (its init runs)'
like "$err" "session $ASID is orphaned: the process that opened it (pid $AMON) is gone, its init $AINIT still runs" \
	'ps says it is orphaned, naming the dead opener and the live init'
like "$err" "1 orphaned session (opener gone, init alive); 'jailctl gc' ends them" \
	'ps counts orphaned sessions and points to gc'
unlike "$err" "$LSID" 'ps: the live session is not called orphaned'
json=$(JC ps --json 2>/dev/null)
like "$(printf '%s\n' "$json" | grep -F "\"$ASID\"")" '"orphaned": true' 'ps --json: orphaned true'
like "$(printf '%s\n' "$json" | grep -F "\"$LSID\"")" '"orphaned": false' 'ps --json: live session orphaned false'
like "$(printf '%s\n' "$json" | grep -F "\"$ASID\"")" "\"owner_pid\": $AMON" 'ps --json: owner_pid'

out=$(JC gc 2>&1)
is "$?" 0 'gc succeeds'
like "$out" "ended orphaned session $ASID (user bob, opener $AMON gone, init $AINIT killed), cgroup removed" \
	'gc ends the orphaned session and says what it did'
unlike "$out" "$LSID" 'gc leaves the live session alone'
is "$(printf '%s\n' "$out" | grep -c .)" 1 'gc reports exactly one session'
ok 'afterwards: the init is gone' until_ok 10 gone "$AINIT"
ok 'afterwards: no process in the session pid namespace (zombies included)' until_ok 10 ns_empty pid "$APIDNS"
ok 'afterwards: the mount namespace is held by no process (/proc/*/ns/mnt)' until_ok 10 ns_empty mnt "$AMNTNS"
nok 'afterwards: no background job' pgrep -f "^sleep ($SA|$SB)\$"
is "$(cg_dirs "$ASID")" "" 'afterwards: no cgroup directory of the session in any hierarchy'
ok 'afterwards: no record' test ! -e "$REG/$ASID"
is "$(JC gc 2>&1)" "nothing to clean" 'gc again: nothing to clean'

ok 'the live session is untouched: its init runs' alive "$LINIT"
ok 'the live session is untouched: its record is there' test -e "$REG/$LSID"
ok 'the live session is untouched: its command runs' pgrep -f "^sleep $SL\$"

# ============================================================================
# (b) the listening sshd dies (a restart): sessions are not orphaned
listener=${SSHD_PIDS# }
listener=${listener%% *}
kill -9 "$listener"
wait "$listener" 2>/dev/null
SSHD_PIDS=
ok 'listener killed: the live session'"'"'s monitor lives on' alive "$LMON"
out=$(JC gc 2>&1)
is "$out" "nothing to clean" 'gc after the listener died: nothing to clean (the opener is alive)'
ok 'the live session still runs' alive "$LINIT"
unlike "$(JC ps 2>&1)" "orphaned" 'ps: no orphaned session'
sshd_start default
# Its logout still works: the client goes, the monitor closes the session.
kill "$CLI_L"
wait "$CLI_L" 2>/dev/null
ok 'logout after the restart: close_session removed the record' until_ok 10 test ! -e "$REG/$LSID"
ok 'logout after the restart: the init is gone' until_ok 10 gone "$LINIT"
is "$(cg_dirs "$LSID")" "" 'logout after the restart: no cgroup left'
nok 'logout after the restart: no command left' pgrep -f "^sleep $SL\$"

# ============================================================================
# (c) the session init killed by hand from the host
start_session C "sleep $SC </dev/null >/dev/null 2>&1 & echo started; exec sleep $SB"
CSID=$SID
CINIT=$INIT
CMON=$MON
CPIDNS=$PIDNS
CMNTNS=$MNTNS
kill -9 "$CINIT"
until_ok 20 gone "$CLI_C"
wait "$CLI_C"
rc=$?
ok "the ssh client's session ends (exit $rc)" test "$rc" -ne 0
ok 'sshd noticed: close_session removed the record' until_ok 10 test ! -e "$REG/$CSID"
ok 'the monitor exits after closing' until_ok 10 gone "$CMON"
ok 'close_session is logged for the session' wait_log "$SYSLOG" "closed session $CSID for bob" 5
ok 'nothing survives: no process in the session pid namespace' until_ok 10 ns_empty pid "$CPIDNS"
ok 'nothing survives: its mount namespace is held by no process' until_ok 10 ns_empty mnt "$CMNTNS"
nok 'nothing survives: no background job' pgrep -f "^sleep $SC\$"
is "$(cg_dirs "$CSID")" "" 'nothing survives: no cgroup directory of the session'
is "$(JC gc 2>&1)" "nothing to clean" 'gc: close_session already cleaned up'

# ============================================================================
is "$(ls -A "$REG" 2>/dev/null)" "" 'no session record is left'
is "$(for d in $(sshd_cgroups_left); do find "$d" -mindepth 2 -type d; done)" "" \
	'no session cgroup of this run is left'
nok 'no process of bob is left' user_procs bob

done_testing
