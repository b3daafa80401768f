#!/bin/bash
# jailctl ps / kill / gc.
# Part 1: against a registry and cgroups made here: a live session (a process
# tree in a real session cgroup), a stale one (init gone, cgroup left over),
# one whose init pid now names another process, and a malformed record.
# Part 2: against real sessions opened by pam_jail through libpam
# (tests/bin/pamdrive, as in 41-pam.t): ps shows them, kill ends one, gc
# cleans up after a session whose monitor and init died without
# close_session.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

CG=$TOP/tests/bin/cgtool
[ -x "$CG" ] || bail "tests/bin/cgtool not built (make unit-tests)"
"$CG" version >/dev/null 2>&1 || bail "no cgroup hierarchy on this host"
PG=jail-test-$$
IDA=aaaaaaaaaaaaaaaa
IDB=bbbbbbbbbbbbbbbb
IDC=cccccccccccccccc
IDD=dddddddddddddddd
VICTIM=
ASH=

cleanup() {
	[ -n "$VICTIM" ] && kill -9 "$VICTIM" 2>/dev/null
	for u in alice:$IDA bob:$IDB; do
		"$CG" destroy "$PG" "${u%%:*}" "${u#*:}" >/dev/null 2>&1
	done
	for d in /sys/fs/cgroup/*/"$PG" "/sys/fs/cgroup/$PG"; do
		[ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null
	done
	sshd_test_cleanup
	jail_test_cleanup
}
trap cleanup EXIT

# ============================ part 1 =========================================
SCONF=$T/sconf
REG=$T/sreg/sessions
mkdir -p "$SCONF" "$T/sreg"
mkdir -m 0700 "$REG"
cat >"$SCONF/jail.ini" <<EOF
[jail]
cgroup_parent = $PG
registry = $REG
EOF
chmod 0644 "$SCONF/jail.ini"
J() { "$JAILCTL" --config "$SCONF" "$@"; }

starttime() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $20}'; }

# record ID USER PID STARTTIME [CGROUP] [REMOTE]
record() {
	printf 'id=%s\nuser=%s\nuid=%s\njail=/srv/jail\nprofile=default\ninit_pid=%s\ninit_starttime=%s\ncgroup=%s\nstart=%s\nremote=%s\nns=0\n' \
		"$1" "$2" 1001 "$3" "$4" "${5:-}" "$(date +%s)" "${6:-}" >"$REG/$1"
	chmod 0600 "$REG/$1"
}

# Session A: live.  Its "init" (sh, then exec sleep 1001) and a background
# job, in a real session cgroup.
"$CG" create "$PG" alice "$IDA" 64M 50 0 0 >/dev/null || bail "cannot create cgroup"
( "$CG" exec "$PG" alice "$IDA" -- sh -c 'sleep 1000 & echo $$ >"$0"; exec sleep 1001' \
	"$T/a.pid"; echo $? >"$T/a.status" ) 2>/dev/null &
ASH=$!
for _ in $(seq 50); do
	[ -s "$T/a.pid" ] && [ "$(cat /proc/"$(cat "$T/a.pid")"/comm 2>/dev/null)" = sleep ] && break
	sleep 0.1
done
AINIT=$(cat "$T/a.pid")
ABG=$(pgrep -x -P "$AINIT" sleep)
[ -n "$ABG" ] || bail "session A's background job not found"
record "$IDA" alice "$AINIT" "$(starttime "$AINIT")" "$PG/alice/$IDA" 192.0.2.7

# Session B: stale, its init long gone, its cgroup left behind.
"$CG" create "$PG" bob "$IDB" max max 0 0 >/dev/null || bail "cannot create cgroup"
GONE=$(sh -c 'echo $$')
record "$IDB" bob "$GONE" 1 "$PG/bob/$IDB"

# Session C: its init pid now names another process (different starttime).
sleep 1002 &
VICTIM=$!
record "$IDC" carol "$VICTIM" $(($(starttime "$VICTIM") + 1000))

# D: malformed.
printf 'id=%s\nuser=dave\n' "$IDD" >"$REG/$IDD"
chmod 0600 "$REG/$IDD"

out=$(J ps 2>"$T/ps.err")
rc=$?
err=$(cat "$T/ps.err")
is "$rc" 0 "ps succeeds"
line=$(printf '%s\n' "$out" | grep "^$IDA")
like "$line" " alice " "ps: live session listed with its user"
like "$line" "/srv/jail" "ps: jail"
like "$line" " default " "ps: profile"
is "$(echo "$line" | awk '{print $5}')" 2 "ps: pid count from the cgroup (init + background job)"
unlike "$(echo "$line" | awk '{print $6}')" "-" "ps: memory from the cgroup"
like "$line" "192.0.2.7" "ps: remote host"
unlike "$out" "$IDB" "ps: stale session (init gone) not listed"
unlike "$out" "$IDC" "ps: session whose pid was reused not listed"
like "$err" "2 stale records" "ps says how many stale records gc would remove"
like "$err" "skipping registry entry: $IDD: missing key" "ps reports the malformed record"

json=$(J ps --json 2>/dev/null)
if perl -MJSON::PP -e 1 2>/dev/null; then
	v=$(printf '%s' "$json" | perl -MJSON::PP -e '
		my $d = decode_json(join "", <STDIN>);
		my $a = $d->{sessions};
		printf "%s %d %d %s %s %d %s\n", $d->{schema}, $d->{version}, scalar(@$a), $a->[0]{id}, $a->[0]{user},
			$a->[0]{pids}, ($a->[0]{memory} > 0 ? "mem" : "nomem");')
	is "$v" "jail.ps 1 1 $IDA alice 2 mem" "ps --json: valid JSON (schema jail.ps, version 1), one session with its fields"
else
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP perl JSON::PP not installed: cannot validate ps --json"
fi
ok "ps --json: python3 -m json.tool parses it" python3 -m json.tool <<<"$json"
# jailctl(8) JSON OUTPUT lists exactly the fields ps writes (one session
# suffices: every field is always there).
JF=$TOP/tests/helpers/json-fields.py
is "$(python3 "$JF" json <<<"$json")" "$(python3 "$JF" man "$TOP/man/jailctl.8" jail.ps)" \
	"ps --json: the fields are those jailctl(8) JSON OUTPUT documents for jail.ps"

# kill C: the record's pid is another process now: it must not be signalled.
out=$(J kill "$IDC" 2>&1)
like "$out" "had already ended" "kill of a session whose pid was reused: nothing killed"
ok "the process that now has that pid is still alive" kill -0 "$VICTIM"
ok "its record is removed" test ! -e "$REG/$IDC"

# kill A: the init and everything in its cgroup.
out=$(J kill "$IDA" 2>&1)
is "$?" 0 "kill of a live session succeeds"
like "$out" "killed session $IDA" "kill says what it did"
wait "$ASH"
is "$(cat "$T/a.status")" 137 "the session init was killed by SIGKILL"
# Gone, or a zombie waiting for the host's (slow) pid 1 to reap it.
state=$(sed 's/.*) //' "/proc/$ABG/stat" 2>/dev/null | awk '{print $1}')
case "${state:-gone}" in gone | Z) res=dead ;; *) res="running ($state)" ;; esac
is "$res" dead "the background job in the session cgroup was killed too"
ok "record removed" test ! -e "$REG/$IDA"
out=$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/$PG/alice*" 2>/dev/null)
is "$out" "" "session cgroup removed in every hierarchy"

out=$(J kill 0123456789abcdef 2>&1)
is "$?" 1 "kill of an unknown session fails"
like "$out" "no session 0123456789abcdef" "and says so"
J kill ../../etc/passwd >/dev/null 2>&1
is "$?" 2 "kill refuses something that is not a session id (usage error)"

# gc: B is stale with a leftover cgroup; D stays malformed (reported, kept).
out=$(J gc 2>"$T/gc.err")
is "$?" 0 "gc succeeds"
like "$out" "removed stale session $IDB (user bob" "gc removes the stale session"
like "$out" "cgroup removed" "gc removes its leftover cgroup"
ok "stale record gone" test ! -e "$REG/$IDB"
out=$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/$PG/bob*" 2>/dev/null)
is "$out" "" "stale cgroup gone"
like "$(cat "$T/gc.err")" "skipping registry entry: $IDD" "gc reports the malformed record"
ok "gc leaves a malformed record for the admin" test -e "$REG/$IDD"
is "$(J gc 2>/dev/null)" "nothing to clean" "second gc has nothing to do"

rm -f "$REG/$IDD"
out=$(J ps 2>&1)
is "$(printf '%s\n' "$out" | wc -l)" 1 "ps with no session prints only its header"
is "$(J ps --json)" '{"schema": "jail.ps", "version": 1, "sessions": []}' "ps --json with no session: an empty sessions array"

# A host where no session ever ran has no registry: not an error.
rmdir "$REG"
out=$(J ps 2>&1)
is "$?" 0 "ps without a registry directory succeeds"
is "$(J gc)" "nothing to clean" "gc without a registry directory has nothing to do"

{ kill -9 "$VICTIM"; wait "$VICTIM"; } 2>/dev/null
VICTIM=
for d in /sys/fs/cgroup/*/"$PG" "/sys/fs/cgroup/$PG"; do [ -d "$d" ] && rmdir "$d"; done
out=$(ls -d /sys/fs/cgroup/*/"$PG" "/sys/fs/cgroup/$PG" 2>/dev/null)
is "$out" "" "nothing left of the test cgroup parent"


# ============================ part 2 =========================================
PAMDRIVE=$TOP/tests/bin/pamdrive
PREG=/run/jail/sessions
# Sleep durations unique to this run: other tests may run sleeps at the same
# time, and pgrep looks at the whole host.
S1=6$$1
S2=6$$2
JR=$T/jails/j1
P() { "$JAILCTL" --config "$CONF" "$@"; }

# A small jail: sh and sleep with their libraries, jailsh at its path.
mkdir -p "$JR"/{etc,home,tmp,proc,dev,run} "$JR"/usr/{bin,lib,lib64,sbin}
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$JR/$l"; done
jail_add_prog "$JR" sh sleep "$SBIN/jailsh"
# u1's shell, on the host and in the jail, is jailsh, as jailctl adduser
# writes them (pam_jail refuses another: sshd, su and login(1) would run it).
useradd -M -d /home/u1 -s "$SBIN/jailsh" u1 || bail "useradd u1"
grep -E '^(root|u1):' /etc/passwd >"$JR/etc/passwd"
grep -E '^(root|tty|u1):' /etc/group >"$JR/etc/group"
install -d -o u1 -g u1 -m 0755 "$JR/home/u1"
chmod -R go-w "$JR"
cat >"$CONF/profiles/pstest.ini" <<EOF
[profile]
description = 42-sessions.t
cgroup = required
memory_max = 200M
pids_max = 64
apparmor = off
landlock = off
EOF
chmod 0644 "$CONF/profiles/pstest.ini"
sshd_write_jail_ini "[user:u1]" "jail = $JR" "profile = pstest" "shell = /bin/sh"
PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"

# start_session TAG: a session running two sleeps; sets SID and DRV (the
# pamdrive pid: it stands for sshd's privileged process).
start_session() {
	local before
	before=$(ls -A "$PREG" 2>/dev/null)
	( "$PAMDRIVE" -c "$PAMD" -r 192.0.2.9 u1 "sleep $S1 & echo started; sleep $S2" \
		>"$T/$1.out" 2>&1; echo $? >"$T/$1.status" ) 2>/dev/null &
	local sub=$!
	SID=
	for _ in $(seq 100); do
		SID=$(ls -A "$PREG" 2>/dev/null | grep -vxF "${before:-none}" | head -n1)
		[ -n "$SID" ] && grep -q started "$T/$1.out" && break
		sleep 0.05
	done
	# The subshell's child (the session init and the user's child are
	# forks of pamdrive with the same command line).
	DRV=$(pgrep -P "$sub" -f pamdrive)
	[ -n "$SID" ] && [ -n "$DRV" ] || bail "session $1 did not start: $(cat "$T/$1.out")"
}

start_session s1
ipid=$(sed -n 's/^init_pid=//p' "$PREG/$SID")
out=$(P ps 2>&1)
line=$(printf '%s\n' "$out" | grep "^$SID")
like "$line" " u1 " "pam session: ps lists it with its user"
like "$line" "$JR" "pam session: ps shows its jail"
like "$line" " pstest " "pam session: ps shows its profile"
n=$(echo "$line" | awk '{print $5}')
ok "pam session: ps counts its processes from the cgroup ($n: monitor, init, shell, sleeps)" \
	test "${n:-0}" -ge 4
like "$line" "192.0.2.9" "pam session: ps shows the remote host (PAM_RHOST)"
if perl -MJSON::PP -e 1 2>/dev/null; then
	v=$(P ps --json | perl -MJSON::PP -e '
		my $a = decode_json(join "", <STDIN>)->{sessions};
		printf "%d %s %s %s %s\n", scalar(@$a), $a->[0]{id}, $a->[0]{profile},
			$a->[0]{cgroup}, ($a->[0]{memory} > 0 ? "mem" : "nomem");')
	is "$v" "1 $SID pstest $CGROUP_PARENT/u1/$SID mem" "pam session: ps --json"
else
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP perl JSON::PP not installed: cannot validate ps --json"
fi

out=$(P kill "$SID" 2>&1)
# ", cgroup removed" when kill removed it; when the session's own opener
# (pamdrive, whose command just died) closed the session first, its
# close_session removed the cgroup: both are fine, test 48 checks it is gone.
like "$out" "killed session $SID (user u1, init $ipid)" "pam session: kill"
for _ in $(seq 100); do [ -s "$T/s1.status" ] && break; sleep 0.05; done
is "$(cat "$T/s1.status" 2>/dev/null)" 137 \
	"pam session: its sshd stand-in (in the session cgroup) was killed with it"
ok "pam session: record removed" test ! -e "$PREG/$SID"
nok "pam session: no sleep of the session left" pgrep -f "sleep ($S1|$S2)"
is "$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$SID" 2>/dev/null)" "" \
	"pam session: its cgroup is gone in every hierarchy"

# A monitor that dies without close_session (sshd crashed), then its init:
# the record and the cgroup stay behind until gc.
start_session s2
ipid=$(sed -n 's/^init_pid=//p' "$PREG/$SID")
kill -9 "$DRV"
kill -9 "$ipid"
for _ in $(seq 100); do pgrep -f "sleep ($S1|$S2)" >/dev/null || break; sleep 0.05; done
ok "crashed session: its record is left behind" test -e "$PREG/$SID"
ok "crashed session: its cgroup is left behind" \
	test -n "$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$SID")"
unlike "$(P ps 2>&1)" "$SID" "crashed session: ps does not list it"
out=$(P gc 2>&1)
like "$out" "removed stale session $SID (user u1, init $ipid gone), cgroup removed" \
	"gc cleans the crashed session"
ok "gc: record gone" test ! -e "$PREG/$SID"
is "$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$SID" 2>/dev/null)" "" "gc: cgroup gone"
is "$(P gc)" "nothing to clean" "gc again: nothing to clean"
is "$(sshd_cgroups_left | while read -r d; do find "$d" -mindepth 2 -type d; done)" "" \
	"no session cgroup of this run left"

done_testing
