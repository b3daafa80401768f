#!/bin/bash
# Jailed logins in the host's wtmp and lastlog (lib/session/loginrec.h), through
# Debian's sshd: `last` shows the user, the remote address and the logout,
# concurrent sessions pair correctly, `lastlog` shows the login, and sshd
# logs no lastlog/wtmp/utmp warning for the jailed user (it writes its own
# records to files of the session).  The "host" files are this test's:
# sshd-lib.sh mounts a private tmpfs on /var/log (with empty wtmp and
# lastlog) in the test's mount namespace; the host's are never written.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

"$JAILCTL" --config "$CONF" init "$SSHD_JAIL" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
for p in sleep cat; do
	"$JAILCTL" --config "$CONF" cp "$SSHD_JAIL" "$(command -v $p)" >>"$T/init.out" 2>&1 ||
		bail "jailctl cp $p: $(tail -5 "$T/init.out")"
done
sshd_pam_stack jail
sshd_start default
user_add_jailed jr1 "$SSHD_JAIL"
WTMP=/var/log/wtmp
LASTLOG=/var/log/lastlog
[ -f "$WTMP" ] && [ -f "$LASTLOG" ] || bail "no scratch wtmp/lastlog"
case $(findmnt -n -o SOURCE --target /var/log) in
sshd-test) ;;
*) bail "/var/log is not the test's private tmpfs" ;;
esac

# The session id of the Nth "opened session ... for USER" line (1 = first).
session_id() {
	grep -o "opened session [0-9a-f]* for $1 " "$SYSLOG" | sed -n "${2:-1}p" | awk '{print $3}'
}
closed() { # ID: wait until pam_jail logged the close of session ID
	wait_log "$SYSLOG" "closed session $1 " 10
}
# last(1) of USER in the scratch wtmp.  last skips records stamped later
# than its own time(2), which lags gettimeofday() on this VM: a logout
# written a moment ago shows as "still running" for up to a second.
last_of() {
	sleep 1.1
	last -f "$WTMP" -w -i "$1"
}

# --- a pty login ----------------------------------------------------------------
out=$(tssh jr1 -tt 'echo in-the-jail; grep " /var/log " /proc/self/mountinfo; ls -l /var/log; echo x >>/var/log/wtmp; sleep 0.2; test -s /var/run/utmp && echo utmp-written' 2>&1 | tr -d '\r')
like "$out" "in-the-jail" "ssh -tt: a jailed login"
id1=$(session_id jr1 1)
closed "$id1" || diag "no close of $id1 in: $(cat "$SYSLOG")"
l=$(last_of jr1)
like "$l" "jr1      jail/${id1:0:7} 127.0.0.1" "last: the jailed login with its line (jail/ID, cut by last) and remote address"
like "$(utmpdump "$WTMP" 2>/dev/null | grep "jail/$id1")" "[jail/$id1]" "wtmp: the whole line is jail/ + the session id"
unlike "$l" "still logged in" "last: the logout is paired with the login"
like "$(printf '%s\n' "$l" | grep "jail/${id1:0:7}")" " - " "last: the line shows a logout time"
ll=$(lastlog -u jr1)
like "$ll" "jr1" "lastlog -u jr1: the user"
like "$ll" "127.0.0.1" "lastlog: the remote address"
unlike "$ll" "Never logged in" "lastlog: the login is there"
like "$ll" "jail/" "lastlog: the line"
# sshd's own records went to the session's files.
like "$out" " /var/log rw,nosuid,nodev,noexec" "in the session: /var/log is a tmpfs of the session (nosuid, nodev, noexec)"
like "$out" "utmp-written" "in the session: sshd wrote its utmp entry to the session's /run (/var/run -> /run)"
like "$out" "wtmp" "in the session: sshd's wtmp is there"
like "$out" "Permission denied" "in the session: the user cannot write it (root's)"
is "$(ls -A "$SSHD_JAIL/var/log")" "" "the jail tree's /var/log got nothing (sshd wrote to the session's)"
is "$(ls -A "$SSHD_JAIL/run" 2>/dev/null)" "" "... nor its /run"
sleep 0.5
log=$(grep -iE "lastlog|wtmp|utmp|logout\(\)" "$T/sshd-default.log")
is "$log" "" "sshd logged no lastlog/wtmp/utmp warning for the jailed login"

# --- concurrent sessions of one user pair correctly -------------------------------------
n0=$(grep -c "opened session [0-9a-f]* for jr1 " "$SYSLOG")
tssh_bg jr1 -tt 'sleep 4'
bg1=$SSH_BG
wait_log "$SYSLOG" "opened session" 10
tssh_bg jr1 'sleep 2'
bg2=$SSH_BG
for _ in $(seq 100); do
	[ "$(grep -c "opened session [0-9a-f]* for jr1 " "$SYSLOG")" -ge $((n0 + 2)) ] && break
	sleep 0.1
done
tssh jr1 'true' >/dev/null 2>&1
wait "$bg2" "$bg1" 2>/dev/null
ids=""
for k in 1 2 3; do ids="$ids $(session_id jr1 $((n0 + k)))"; done
for id in $ids; do closed "$id"; done
l=$(last_of jr1)
paired=0
for id in $ids; do
	printf '%s\n' "$l" | grep "jail/${id:0:7} " | grep -v "still" | grep -q " - " && paired=$((paired + 1))
done
is "$paired" 3 "three overlapping sessions: three records, each with its own logout"
is "$(printf '%s\n' "$l" | grep -c "^jr1 ")" 4 "last lists every jailed login of jr1 (4)"
d=$(utmpdump "$WTMP" 2>/dev/null)
is "$(printf '%s\n' "$d" | grep -c '^\[8\]')" "$(printf '%s\n' "$d" | grep -c '^\[7\]')" \
	"wtmp: as many logouts (DEAD_PROCESS) as logins (USER_PROCESS)"

# --- no host record file stays open into the user's processes -----------------------------
# sshd's post-auth child is forked from the process pam_jail ran in and then
# drops to the user: it must hold no fd of the host's wtmp or lastlog (the
# logout is written from a child that enters the host's mount namespace).
n0=$(grep -c "opened session [0-9a-f]* for jr1 " "$SYSLOG")
tssh_bg jr1 'sleep 3'
bg=$SSH_BG
for _ in $(seq 100); do
	[ "$(grep -c "opened session [0-9a-f]* for jr1 " "$SYSLOG")" -gt "$n0" ] && break
	sleep 0.1
done
sleep 0.3
pids=$(ps -u jr1 -o pid=,comm= | awk '$2 == "sshd" { print $1 }')
fds=""
for p in $pids; do
	for f in /proc/"$p"/fd/*; do
		fds="$fds $(readlink "$f" 2>/dev/null)"
	done
done
[ -n "$pids" ] || diag "no sshd process of jr1 found"
like "$fds" "socket:" "the user's sshd process was found and its fds read"
# (An fd opened in another mount namespace reads as a path from its mount:
# "/wtmp", not "/var/log/wtmp".)
unlike "$fds" "wtmp" "sshd's post-auth child (the user's) holds no fd of the host's wtmp"
unlike "$fds" "lastlog" "... nor of its lastlog"
# Ended from outside (jailctl kill): the session's pid namespace is gone
# before pam_jail's close, which still writes the logout.
id=$(session_id jr1 $((n0 + 1)))
"$JAILCTL" --config "$CONF" kill "$id" >/dev/null 2>&1
wait "$bg" 2>/dev/null
closed "$id"
l=$(last_of jr1)
like "$(printf '%s\n' "$l" | grep "jail/${id:0:7} ")" " - " "a session ended by jailctl kill: its logout is in wtmp too"

# --- failing to record is a warning, not a refusal ---------------------------------------
: >"$SYSLOG.before"
mount --bind /dev/null "$WTMP" || bail "bind /dev/null over the scratch wtmp"
out=$(tssh jr1 'echo opened' 2>&1)
umount "$WTMP"
like "$out" "opened" "a wtmp that is not a regular file: the session still opens"
wait_log "$SYSLOG" "not recorded in the host's wtmp/lastlog: /var/log/wtmp is not a regular file" 5
like "$(cat "$SYSLOG")" "not recorded in the host's wtmp/lastlog: /var/log/wtmp is not a regular file" \
	"... and pam_jail logs why it was not recorded"
# A symlink at the file's place is never followed.
mv "$WTMP" "$T/wtmp.real"
echo untouched >"$T/wtmp-target"
ln -s "$T/wtmp-target" "$WTMP"
out=$(tssh jr1 'echo opened' 2>&1)
rm "$WTMP"
mv "$T/wtmp.real" "$WTMP"
like "$out" "opened" "a symlink as wtmp: the session opens"
is "$(cat "$T/wtmp-target")" "untouched" "... and the symlink's target is not written"
wait_log "$SYSLOG" "open /var/log/wtmp: Too many levels of symbolic links" 5
like "$(cat "$SYSLOG")" "open /var/log/wtmp: Too many levels of symbolic links" "... refused by O_NOFOLLOW, logged"

done_testing
