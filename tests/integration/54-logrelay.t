#!/bin/bash
# The session's log relay (lib/confine/logrelay.h): jailsh's refusals reach the
# host's syslog from a jail WITHOUT /dev/log (no `logbasics` section),
# through /run/jail/log and the session init, with a prefix the sender
# cannot forge ("jail session ID user NAME pid N (uid U):", pid and uid from
# SCM_CREDENTIALS), one line per datagram, and at most 10 lines a second
# (burst 50) with the drops counted in one report.  Real libpam (pamdrive),
# real pam_jail; the host's syslog is the test's sink ($SYSLOG).
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
[ -x "$PAMDRIVE" ] || bail "tests/bin/pamdrive missing: run make unit-tests"
J=$T/jails/nolog
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
"$JAILCTL" --config "$CONF" cp "$J" "$(command -v logger)" >>"$T/init.out" 2>&1 ||
	bail "jailctl cp logger: $(tail -5 "$T/init.out")"
is "$(grep -c '^logsocket' "$J/.jail/manifest")" 0 "the jail does not ask for /dev/log (no logbasics)"

add_jailed() { # USER PROFILE
	useradd -M -d "/home/$1" -s /bin/bash "$1" || bail "useradd $1"
	"$JAILCTL" --config "$CONF" adduser -j "$J" -p "$2" -s /bin/sh "$1" \
		>>"$T/init.out" 2>&1 || bail "jailctl adduser $1: $(tail -5 "$T/init.out")"
}
add_jailed lr1 default
add_jailed lr2 sftp-only
UID1=$(id -u lr1)
UID2=$(id -u lr2)
PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"

# The session id of the last "opened session ... for USER" line.
session_id() {
	grep -o "opened session [0-9a-f]* for $1 " "$SYSLOG" | tail -1 | awk '{print $3}'
}

# --- the relay socket in the session ----------------------------------------------
out=$("$PAMDRIVE" -c "$PAMD" lr1 'test -e /dev/log && echo devlog; ls -ld /run/jail/log /run/jail' 2>&1)
like "$out" "open_session: Success (0)" "a session in a jail without logbasics opens"
unlike "$out" "devlog" "... without /dev/log in it"
like "$out" "srw-rw-rw- 1 root root " "/run/jail/log: a socket, root's, that the session may send to"
like "$out" "drwxr-xr-x 2 root root" "/run/jail stays root's (0755): the user cannot replace the socket"
unlike "$(cat "$SYSLOG")" "no log relay" "no warning: the relay was set up"

# --- a refusal by jailsh reaches the host --------------------------------------------
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" lr2 'bash -i' 2>&1)
like "$out" "jailsh: " "sftp-only user asking for a shell: jailsh refuses (stderr, for the user)"
like "$out" "restricted to: sftp-server" "... naming the restriction"
wait_log "$SYSLOG" "refused: " 5
id2=$(session_id lr2)
[ -n "$id2" ] || diag "no session id in: $(cat "$SYSLOG")"
line=$(grep -F "refused: " "$SYSLOG" | head -1)
like "$line" "jail-init[" "jailsh's refusal reached the host's syslog through the relay"
like "$line" "jail session $id2 user lr2 pid " "... with the session id and the user"
like "$line" "(uid $UID2): jailsh[" "... with the sender's kernel-verified uid"
like "$line" "refused: " "... and jailsh's reason"
like "$line" "<83>" "... as authpriv.err (<83>), the priority jailsh gave it"
# The pid the kernel reported is jailsh's own (its tag carries getpid()).
kpid=$(printf '%s\n' "$line" | sed -n 's/.* pid \([0-9]*\) (uid .*/\1/p')
tpid=$(printf '%s\n' "$line" | sed -n 's/.*jailsh\[\([0-9]*\)\].*/\1/p')
is "$kpid" "$tpid" "the relay's pid (SCM_CREDENTIALS) is the sender's (jailsh's own pid)"

# --- a forged prefix and control characters ---------------------------------------
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" lr1 "logger -u /run/jail/log --rfc3164 -t 'jail-init[1]: jail session 0000000000000000 user root pid 1 (uid 0)' forged-text; printf '<13>evil\\nsecond-line' | logger -u /run/jail/log --rfc3164 -t multi; echo sent" 2>&1)
like "$out" "sent" "the user's logger ran"
wait_log "$SYSLOG" "forged-text" 5
id1=$(session_id lr1)
line=$(grep -F "forged-text" "$SYSLOG")
like "$line" "jail-init[" "a message from any process of the session is relayed"
# (logger adds the host name, "jail", before its tag.)
ok "a forged prefix comes after the relay's own, which names the real session, user and uid" \
	grep -qE "^<13>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} jail-init\[[0-9]+\]: jail session $id1 user lr1 pid [0-9]+ \(uid $UID1\): jail jail-init\[1\]: jail session 0{16} user root pid 1 \(uid 0\): forged-text\$" "$SYSLOG"
is "$(grep -c "uid 0)" "$SYSLOG" | head -1)" 1 "uid 0 appears only inside the forged text (one line)"
unlike "$(grep -v 'jail session' "$SYSLOG")" "forged-text" "no line without the relay's prefix"

# --- a flood is rate-limited ---------------------------------------------------------
: >"$SYSLOG"
# The flood's duration D, measured in the session: the bucket refills at
# 10 lines a second, so what leaves the session during it is at most the
# burst plus 10 * D lines, and a drop report is sent when the relay can
# send again: at most one per token, so one when the flood is over within
# a refill (this machine) and several when the sender is slower than that
# (an emulated guest), each counting the drops since the last.
out=$("$PAMDRIVE" -c "$PAMD" lr1 's=$(date +%s%N); i=0; while [ $i -lt 300 ]; do i=$((i + 1)); echo $i; done | logger -u /run/jail/log --rfc3164 -t flood; sleep 0.5; echo "flooded in $((($(date +%s%N) - s) / 1000000)) ms"' 2>&1)
like "$out" "flooded in " "300 lines sent from the session"
dms=$(printf '%s\n' "$out" | sed -n 's/^flooded in \([0-9]*\) ms$/\1/p')
[ -n "$dms" ] || bail "no duration from the flood: $out"
wait_log "$SYSLOG" "log relay dropped" 5
sleep 0.3 # a last report, due 0.1 s after the last drop
n=$(grep -c "flood: " "$SYSLOG")
dropped=$(sed -n 's/.*log relay dropped \([0-9]*\) line.*/\1/p' "$SYSLOG" | awk '{s += $1} END {print s + 0}')
reports=$(grep -c 'log relay dropped' "$SYSLOG")
refills=$(((dms + 300) / 100 + 1)) # tokens over the flood, its last report and the wait
ok "a flood of 300 in $dms ms: the burst of 50 (less jailsh's own line) and 10/s more at most relayed ($n <= 50 + $refills)" \
	[ "$n" -ge 45 -a "$n" -le $((50 + refills)) ]
is "$((n + dropped))" 300 "every line is either relayed or counted in a drop report ($n + $dropped)"
ok "the drops are reported, at most once per token ($reports report(s), $refills token(s) in $dms ms + 0.3 s)" \
	[ "$reports" -ge 1 -a "$reports" -le "$refills" ]
if [ "$dms" -lt 600 ]; then
	is "$reports" 1 "a flood over within one refill (0.1 s after the 0.5 s wait): the drops are reported once"
else
	skip "the drops are reported once: the flood took $dms ms here, more than one refill: several reports"
fi
like "$(grep 'log relay dropped' "$SYSLOG")" "jail session $(session_id lr1) user lr1: log relay dropped" \
	"the report names the session and user"

# --- a jail with logbasics: jailsh still goes through the relay (no double line) -------
printf 'logsocket 1\n' >>"$J/.jail/manifest"
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" lr2 'bash -i' 2>&1)
wait_log "$SYSLOG" "jailsh[" 5
sleep 0.3
like "$out" "jailsh: " "with /dev/log in the jail too: jailsh refuses"
is "$(grep -c 'refused: ' "$SYSLOG")" 1 "... and its refusal is logged once"
like "$(grep 'refused: ' "$SYSLOG")" "jail session $(session_id lr2) user lr2 pid" "... through the relay"

# --- the session's last line: read before the init is killed --------------------------
# A line a program sends just before the session ends reaches the host:
# close_session asks the init to end (SIGTERM) and waits (at most 0.2 s)
# until it has read its relay, instead of killing an init that may not
# have run since the send (logger waits for nothing; on a loaded host, such
# as the emulated guest, such lines were lost, and jailsh's refusals past
# its own 0.2 s wait).  Made certain here: the init is stopped before the
# last line is sent and continued only once the SIGTERM is pending on it
# (ShdPnd in its status): an init killed without being asked never runs
# again, and the line is lost.
sigterm_pending() { # PID: SIGTERM (15: bit 14) in its shared pending set
	local k v
	while read -r k v; do
		[ "$k" = ShdPnd: ] && (((0x$v >> 14) & 1)) && return 0
	done <"/proc/$1/status" 2>/dev/null
	return 1
}
caught=0
for i in 1 2; do
	: >"$SYSLOG"
	"$PAMDRIVE" -c "$PAMD" lr1 "while [ ! -e /tmp/go ]; do sleep 0.05; done; logger -u /run/jail/log --rfc3164 -t last last-words-$i" \
		>"$T/last.out" 2>&1 &
	drv=$!
	wait_log "$SYSLOG" "opened session" 5
	ipid=$(sed -n 's/.*opened session .* init pid \([0-9]*\).*/\1/p' "$SYSLOG" | tail -1)
	[ -n "$ipid" ] && kill -STOP "$ipid" || bail "stop the session init ($ipid): $(cat "$T/last.out")"
	touch "/proc/$ipid/root/tmp/go"
	while kill -0 "$drv" 2>/dev/null; do
		if sigterm_pending "$ipid"; then
			kill -CONT "$ipid"
			break
		fi
	done
	wait "$drv"
	wait_log "$SYSLOG" "last-words-$i" 2 && caught=$((caught + 1))
done
like "$(cat "$T/last.out")" "close_session: Success (0)" "a session whose init has not run since its last line: closed"
is "$caught" 2 "that last line still reaches the host (the init is asked to end, 2 sessions)"

# --- the host's syslog daemon restarts (a new socket) during a session ---------------
# The relay's connection is to the old socket: it stops, the session goes on,
# and senders then fail at once instead of filling a queue nobody reads.
: >"$SYSLOG"
"$PAMDRIVE" -c "$PAMD" lr1 'logger -u /run/jail/log --rfc3164 -t r1 before-restart
while [ ! -e /tmp/go ]; do sleep 0.1; done
logger -u /run/jail/log --rfc3164 -t r2 after-restart; echo "first after: $?"
sleep 0.3
logger -u /run/jail/log --rfc3164 --socket-errors=on -t r3 again; echo "second after: $?"
echo session-alive' >"$T/restart.out" 2>&1 &
drv=$!
wait_log "$SYSLOG" "before-restart" 5
like "$(cat "$SYSLOG")" "r1: before-restart" "before the restart: relayed"
kill "$SSHD_SINK_PID"
SYSLOG2=$T/syslog2.txt
"$TOP/tests/bin/logsink" "$T/log2.sock" "$SYSLOG2" >"$T/logsink2.out" 2>&1 &
SINK2=$!
for _ in $(seq 50); do grep -q ready "$T/logsink2.out" 2>/dev/null && break; sleep 0.1; done
umount /dev/log && mount --bind "$T/log2.sock" /dev/log || bail "rebind /dev/log"
sid=$(session_id lr1)
ipid=$(grep -o "opened session $sid .*init pid [0-9]*" "$SYSLOG" | awk '{print $NF}')
ok "the session's init is running" kill -0 "$ipid"
# Tell the session to go on: its /tmp is the init's root's /tmp.
touch "/proc/$ipid/root/tmp/go"
wait "$drv"
out=$(cat "$T/restart.out")
like "$out" "session-alive" "after the restart the session goes on"
like "$out" "second after: 1" "... and once the relay has seen the old socket gone, a sender fails at once"
unlike "$(cat "$SYSLOG2" 2>/dev/null)" "after-restart" "nothing reaches the new socket (the session cannot reach it)"
like "$out" "close_session: Success (0)" "the session closes normally"
kill "$SINK2" 2>/dev/null

done_testing
