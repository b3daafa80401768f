#!/bin/bash
# jailctl update --affected JAIL: the processes of the jail's live sessions
# that still map a file `jailctl update` replaced (renamed a new file over).
# Real sessions opened by pam_jail through libpam (tests/bin/pamdrive, as in
# 41-pam.t and 42-sessions.t) in a jail built by jailctl init:
#   A (u1) runs tail in a loop; B (u2) runs sleep, and a copy of sleep in
#   its /tmp whose file it then removes (a deleted mapping, but not on the
#   jail tree: not the update's).
# The host's tail is swapped (a bind mount in this test's mount namespace),
# jailctl update replaces the jail's copy; --affected lists A's tail with
# /usr/bin/tail, not B; once the tail is restarted nothing is listed.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
[ -x "$PAMDRIVE" ] || bail "tests/bin/pamdrive not built (make unit-tests)"
PREG=/run/jail/sessions
J=$T/jails/j1
S=7$$1 # a sleep duration unique to this run
SIDS=

cleanup() {
	local s
	for s in $SIDS; do "$JAILCTL" --config "$CONF" kill "$s" >/dev/null 2>&1; done
	sshd_test_cleanup
	jail_test_cleanup
}
trap cleanup EXIT

"$JAILCTL" --config "$CONF" init "$J" basicshell extendedshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
cat >"$CONF/profiles/afftest.ini" <<EOF
[profile]
description = 58-affected.t
cgroup = required
memory_max = 200M
pids_max = 64
apparmor = off
landlock = off
EOF
chmod 0644 "$CONF/profiles/afftest.ini"
for u in u1 u2; do
	useradd -M -d "/home/$u" -s /bin/bash "$u" || bail "useradd $u"
	"$JAILCTL" --config "$CONF" adduser -j "$J" -p afftest -s /bin/sh "$u" \
		>>"$T/init.out" 2>&1 || bail "jailctl adduser $u: $(tail -5 "$T/init.out")"
done
PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"
A() { "$JAILCTL" --config "$CONF" update --affected "$@"; }

out=$(A "$J" 2>&1)
is "$?" 0 'no session at all: exit 0'
like "$out" "no running session or service of $J maps a replaced file" 'no session: says so'
is "$(A --json "$J")" "[]" 'no session: --json prints []'

# start_session TAG USER CMD: sets SID (its record) once CMD said "started".
start_session() {
	local before sub
	before=$(ls -A "$PREG" 2>/dev/null)
	( "$PAMDRIVE" -c "$PAMD" "$2" "$3" >"$T/$1.out" 2>&1; echo $? >"$T/$1.status" ) \
		2>/dev/null &
	SID=
	for _ in $(seq 100); do
		SID=$(ls -A "$PREG" 2>/dev/null | grep -vxF "${before:-none}" | head -n1)
		[ -n "$SID" ] && grep -q started "$T/$1.out" && break
		sleep 0.05
	done
	[ -n "$SID" ] && grep -q started "$T/$1.out" || bail "session $1 did not start: $(cat "$T/$1.out")"
	SIDS="$SIDS $SID"
}
# sess_pids SID COMM: host pids of the session's processes named COMM (in
# the pid namespace of its init).
sess_pids() {
	local init
	init=$(sed -n 's/^init_pid=//p' "$PREG/$1")
	[ -n "$init" ] && [ -e "/proc/$init/ns/pid" ] || return 1
	ns_procs pid "$init" "$2"
}

start_session a u1 'echo started; while :; do tail -f /dev/null; done'
SA=$SID
start_session b u2 "cp /bin/sleep /tmp/mysleep && /tmp/mysleep $S & sleep $S & sleep 0.3; rm /tmp/mysleep; echo started; wait"
SB=$SID
TAIL=$(sess_pids "$SA" tail)
ok 'session A runs one tail' test -n "$TAIL" -a "$(echo "$TAIL" | wc -w)" = 1
ok "session B runs the removed copy of sleep" grep -q '/tmp/mysleep (deleted)' \
	"/proc/$(sess_pids "$SB" mysleep)/maps"

out=$(A "$J" 2>&1)
is "$?" 0 'sessions, nothing replaced yet: exit 0'
like "$out" "no running session or service of $J maps a replaced file (2 live" \
	'nothing replaced yet: nothing listed (a deleted file in /tmp is not the update'"'"'s)'

# The host's tail changes (here: in this mount namespace only).
cp -p /usr/bin/tail "$T/tail.new" && printf 'x' >>"$T/tail.new" &&
	mount --bind "$T/tail.new" /usr/bin/tail || bail "swap the host's tail"
ino_before=$(stat -c %i "$J/usr/bin/tail")
out=$("$JAILCTL" --config "$CONF" update "$J" 2>&1)
is "$out" "update /usr/bin/tail" 'update replaces the jail'"'"'s tail'
ok 'by a new inode (a rename over the old one)' test "$(stat -c %i "$J/usr/bin/tail")" != "$ino_before"
like "$(cat "/proc/$TAIL/maps")" "/usr/bin/tail (deleted)" 'the running tail maps the deleted old file'

out=$(A "$J" 2>"$T/aff.err")
is "$?" 0 'affected: exit 0'
printf '%s\n' "$out" | sed 's/^/# /'
is "$(cat "$T/aff.err")" "" 'affected: nothing on stderr'
is "$(printf '%s\n' "$out" | grep -c "^$SA  u1  $TAIL  tail  /usr/bin/tail\$")" 1 \
	"affected: session A's tail, its user, pid $TAIL and the replaced file, one line"
unlike "$out" "$SB" 'affected: session B (nothing of the jail replaced) is not listed'
unlike "$out" "/bin/sh" "affected: A's shell (its files were not replaced) is not listed"
like "$out" "1 sessions/services, 1 processes map replaced files" 'affected: the summary'
is "$(printf '%s\n' "$out" | wc -l)" 2 'affected: one line and the summary'
ln -s "$J" "$T/jail-link"
is "$(A "$T/jail-link" | head -n1)" "$SA  u1  $TAIL  tail  /usr/bin/tail" \
	'affected: another path to the same jail finds the same session'
if perl -MJSON::PP -e 1 2>/dev/null; then
	v=$(A --json "$J" | perl -MJSON::PP -e '
		my $a = decode_json(join "", <STDIN>);
		printf "%d %s %s %d %s %s\n", scalar(@$a), $a->[0]{id}, $a->[0]{user},
			$a->[0]{pid}, $a->[0]{comm}, join(",", @{$a->[0]{files}});')
	is "$v" "1 $SA u1 $TAIL tail /usr/bin/tail" 'affected --json: valid JSON with the same fields'
else
	skip 'perl JSON::PP not installed: cannot validate --json'
fi

# Restart the tail: the loop starts a new one, which maps the new file.
kill "$TAIL"
NEW=
for _ in $(seq 100); do
	NEW=$(sess_pids "$SA" tail)
	[ -n "$NEW" ] && [ "$NEW" != "$TAIL" ] && break
	sleep 0.05
done
ok 'a new tail runs in session A' test -n "$NEW" -a "$NEW" != "$TAIL"
out=$(A "$J" 2>&1)
is "$?" 0 'after the restart: exit 0'
like "$out" "no running session or service of $J maps a replaced file (2 live" \
	'after the restart: nothing listed'

# Bad input: nothing listed, the reason given.
A -n "$J" >/dev/null 2>&1
is "$?" 2 '--affected with -n: usage error'
"$JAILCTL" --config "$CONF" update --json "$J" >/dev/null 2>&1
is "$?" 2 '--json without --affected: usage error'
out=$(A "$T/no-such-jail" 2>&1)
is "$?" 1 'a jail that does not exist: exit 1'
like "$out" "jail $T/no-such-jail" 'and the error names it'

done_testing
