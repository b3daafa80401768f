#!/bin/bash
# linger (issue 15 part 1): a profile with `linger = yes | DURATION` keeps
# the user's session (namespaces, cgroup, /tmp, processes) after its last
# connection closes, and the user's next login joins it instead of building
# a new one; it ends once it has been empty of user processes for the
# timeout, or at `jailctl kill`.  Driven through the real libpam
# (tests/bin/pamdrive, as 41-pam.t), real namespaces and cgroups.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
REG=/run/jail/sessions
J=$T/jails/j1
JC() { "$JAILCTL" --config "$CONF" "$@"; }

cat >"$CONF/profiles/lingering.ini" <<EOF
[profile]
description = 64-linger.t
cgroup = required
apparmor = off
landlock = optional
linger = 2s
EOF
cat >"$CONF/profiles/plain.ini" <<EOF
[profile]
include = lingering
linger = no
EOF
chmod 0644 "$CONF"/profiles/*.ini

JC init "$J" basicshell extendedshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
for p in sleep nohup ps; do
	f=$(command -v "$p") || bail "no $p on the host"
	[ -e "$J$f" ] || JC cp "$J" "$f" >>"$T/init.out" 2>&1 || bail "jailctl cp $f"
done
add_jailed() { # USER PROFILE
	useradd -M -d "/home/$1" -s /bin/bash "$1" || bail "useradd $1"
	JC adduser -j "$J" -p "$2" -s /bin/sh "$1" >>"$T/init.out" 2>&1 ||
		bail "jailctl adduser $1: $(tail -5 "$T/init.out")"
}
add_jailed lga lingering
add_jailed lgb lingering
add_jailed lgp plain

PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"
drive() { "$PAMDRIVE" -c "$PAMD" "$@" 2>&1; }
# Session ids of USER in the registry (live or not).
sids() { grep -l "^user=$1\$" "$REG"/[0-9a-f]* 2>/dev/null | xargs -r -n1 basename; }
rec() { sed -n "s/^$2=//p" "$REG/$1"; } # ID KEY
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
wait_gone() { # PID SECONDS
	for _ in $(seq $((${2} * 20))); do alive "$1" || return 0; sleep 0.05; done
	return 1
}
BG=$((700000 + $$ % 90000)) # a sleep only this test runs

# --- unknown values are refused, naming the key --------------------------------
printf '[profile]\ninclude = plain\n' >"$CONF/profiles/badlinger.ini"
chmod 0644 "$CONF/profiles/badlinger.ini"
add_jailed lgx badlinger
printf '[profile]\nlinger = 5 minutes\n' >"$CONF/profiles/badlinger.ini"
out=$(drive lgx 'echo RAN')
like "$out" "linger" 'linger = "5 minutes": the session is refused, naming the key'
like "$out" "expected no, yes or an idle timeout" '... and saying what is expected'
unlike "$out" "RAN" '... and nothing ran'
printf '[profile]\ninclude = plain\n' >"$CONF/profiles/badlinger.ini" # jailctl loads every profile

# --- first login: builds the session, leaves a job and a file ------------------
: >"$SYSLOG"
out=$(drive lga "echo pidns=\$(readlink /proc/self/ns/pid); echo one >/tmp/from-first;
	nohup sleep $BG >/dev/null 2>&1 </dev/null & echo job=\$!")
like "$out" "open_session: Success (0)" 'lga first login: open_session succeeds'
like "$out" "close_session: Success (0)" 'lga first login: close_session succeeds'
ns1=$(echo "$out" | sed -n 's/^pidns=//p')
wait_log "$SYSLOG" "left lingering session" 5
like "$(cat "$SYSLOG")" "opened lingering session" 'syslog: the first login opened a lingering session'
like "$(cat "$SYSLOG")" "left lingering session" 'syslog: its close left it lingering'
sid=$(sids lga)
is "$(echo "$sid" | wc -w)" 1 'one record for lga'
is "$(rec "$sid" linger_ms)" 2000 'the record says linger_ms=2000'
ipid=$(rec "$sid" init_pid)
ok 'the init still runs after the connection closed' alive "$ipid"
ok 'the lock file is there' test -f "$REG/.linger.$sid"
job=$(pgrep -f "^sleep $BG\$" | head -1)
ok 'the nohup job of the first login still runs after close' test -n "$job"
json=$(JC ps --json 2>&1)
like "$(printf '%s\n' "$json" | grep -F "\"$sid\"")" '"orphaned": false, "linger": 2, "connections": 0' \
	'ps --json: lingering (2 s), 0 connections, not orphaned'
like "$(JC ps 2>&1 | grep "$sid")" '2s,0conn' 'ps: the LINGER column shows 2s and 0 connections'
unlike "$(JC ps 2>&1)" 'orphaned' 'ps: a lingering session whose opener is gone is not orphaned'
out=$(JC gc 2>&1)
ok 'gc leaves a live lingering session alone' alive "$ipid"
ok '... and its record' test -f "$REG/$sid"

# --- second login of lga: the same session --------------------------------------
: >"$SYSLOG"
out=$(drive lga "echo pidns=\$(readlink /proc/self/ns/pid); cat /tmp/from-first;
	ps -e -o comm= | grep -c '^sleep\$'; grep -E '^(NoNewPrivs|Seccomp|CapBnd):' /proc/self/status;
	echo cg=\$(grep -E '(^0::|:pids:)' /proc/self/cgroup)")
like "$out" "open_session: Success (0)" 'lga second login: open_session succeeds'
wait_log "$SYSLOG" "joined lingering session $sid" 5
like "$(cat "$SYSLOG")" "joined lingering session $sid for lga" 'syslog: the second login joined the session'
is "$(echo "$out" | sed -n 's/^pidns=//p')" "$ns1" 'the second login is in the same pid namespace'
like "$out" "one" '... sees the file the first left in /tmp'
like "$out" "
1
" '... sees the first login'"'"'s nohup job'
like "$out" "NoNewPrivs:	1" 'the joined shell has no_new_privs (jailsh)'
like "$out" "Seccomp:	2" 'the joined shell has a seccomp filter (jailsh)'
like "$out" "CapBnd:	0000000000000000" 'the joined shell has the profile'"'"'s bounding set'
like "$out" "/$CGROUP_PARENT/lga/$sid" 'the joined shell is in the session'"'"'s cgroup'
is "$(sids lga | wc -w)" 1 'still one record for lga'

# --- another user: a session of its own ------------------------------------------
out=$(drive lgb "echo pidns=\$(readlink /proc/self/ns/pid); cat /tmp/from-first 2>&1")
like "$out" "open_session: Success (0)" 'lgb: open_session succeeds'
isnt_ns=$(echo "$out" | sed -n 's/^pidns=//p')
ok 'lgb lands in another pid namespace' test -n "$isnt_ns" -a "$isnt_ns" != "$ns1"
like "$out" "No such file" 'lgb does not see lga'"'"'s /tmp'
sidb=$(sids lgb)
ok 'lgb has its own record' test -n "$sidb" -a "$sidb" != "$sid"

# --- connections are counted while open; the job keeps the session -------------
drive lga "sleep 3" >"$T/conn.out" &
dpid=$!
for _ in $(seq 40); do grep -q "conn" <(JC ps 2>&1 | grep "$sid" | grep 1conn) && break; sleep 0.05; done
like "$(JC ps 2>&1 | grep "$sid")" '2s,1conn' 'ps: one connection while a login is open'
like "$(JC ps --json 2>&1 | grep -F "\"$sid\"")" '"connections": 1' 'ps --json: connections 1'
wait "$dpid"
like "$(cat "$T/conn.out")" "close_session: Success (0)" 'that connection closed'
sleep 2.5
ok 'with the nohup job alive the session outlives its idle timeout' alive "$ipid"

# --- idle timeout: the job ends, the session ends 2 s later, gc cleans -----------
kill "$job"
ok 'the init ends once the session was empty for 2 s' wait_gone "$ipid" 6
out=$(JC gc 2>&1)
like "$out" "removed stale session $sid (user lga" 'gc removes the ended session'"'"'s record'
ok '... and its lock file' test ! -e "$REG/.linger.$sid"
ok '... and its cgroup' test -z "$(find /sys/fs/cgroup -maxdepth 6 -type d -path "*/$CGROUP_PARENT/lga/$sid" 2>/dev/null)"

# --- a new login after the end builds a new session --------------------------------
out=$(drive lga "echo pidns=\$(readlink /proc/self/ns/pid); cat /tmp/from-first 2>&1")
ns3=$(echo "$out" | sed -n 's/^pidns=//p')
# (a namespace's inode number is freed with it and may come back: the
# session id, not the inode, tells the new session from the old one)
sid3=$(sids lga)
ok 'after the end, a login gets a new session (a pid namespace of its own)' \
	test -n "$ns3" -a -n "$sid3" -a "$sid3" != "$sid"
like "$out" "No such file" '... and a fresh /tmp'
is "$(echo "$sid3" | wc -w)" 1 'one record for lga again'
ipid3=$(rec "$sid3" init_pid)

# --- a stale record (the init killed) is replaced by the next login --------------
kill -9 "$ipid3"
wait_gone "$ipid3" 5
out=$(drive lga "echo pidns=\$(readlink /proc/self/ns/pid)")
like "$out" "open_session: Success (0)" 'a login after the init died: open_session succeeds'
sid4=$(sids lga)
is "$(echo "$sid4" | wc -w)" 1 '... the stale record was removed, one record left'
ok '... a new session' test "$sid4" != "$sid3"

# --- a login never joins an init that decided to exit ---------------------------
# The init decides under an exclusive flock of the lock file and exits
# holding it.  Here the test holds it (as the deciding init would) while a
# login arrives; the login waits for its shared lock; the init dies; the
# lock is released: the login must find the init gone and build anew.
ipid4=$(rec "$sid4" init_pid)
flock -x "$REG/.linger.$sid4" -c "sleep 1.5" &
fpid=$!
sleep 0.3
drive lga "echo pidns=\$(readlink /proc/self/ns/pid)" >"$T/race.out" &
rpid=$!
sleep 0.4
ok 'the login waits while the lock is held exclusive' kill -0 "$rpid"
kill -9 "$ipid4"
wait "$fpid"
wait "$rpid"
like "$(cat "$T/race.out")" "open_session: Success (0)" '... then opens a session'
sid5=$(sids lga)
is "$(echo "$sid5" | wc -w)" 1 '... one record: the dead one was removed'
ok '... a new session, not the one whose init exited' test -n "$sid5" -a "$sid5" != "$sid4"
sid4=$sid5

# --- jailctl kill ends a lingering session ----------------------------------------
drive lga "nohup sleep $BG >/dev/null 2>&1 </dev/null &" >/dev/null
ipid4=$(rec "$sid4" init_pid)
job=$(pgrep -f "^sleep $BG\$" | head -1)
ok 'a job runs in the lingering session' test -n "$job"
out=$(JC kill "$sid4" 2>&1)
like "$out" "killed session $sid4" 'jailctl kill ends it'
ok '... the init is gone' wait_gone "$ipid4" 5
ok '... the job is gone' wait_gone "$job" 5
ok '... the record and lock file are gone' test ! -e "$REG/$sid4" -a ! -e "$REG/.linger.$sid4"

# --- linger = no (default): the job dies at close, as before -----------------------
out=$(drive lgp "nohup sleep $((BG + 1)) >/dev/null 2>&1 </dev/null & echo started")
like "$out" "started" 'linger = no: the job started'
sleep 0.3
ok 'linger = no: the job is gone at close' test -z "$(pgrep -f "^sleep $((BG + 1))\$")"
is "$(sids lgp | wc -w)" 0 'linger = no: no record left'
ls -a "$REG" | grep -q '^\.linger\.' && lk=yes || lk=no
is "$lk" "$(test -n "$(sids lgb)" && echo yes || echo no)" 'lock files only for lingering sessions still recorded'

# --- two first logins at once build one session -------------------------------
for s in $(sids lga); do JC kill "$s" >/dev/null 2>&1; done
drive lga "echo pidns=\$(readlink /proc/self/ns/pid); sleep 1" >"$T/par1.out" &
p1=$!
drive lga "echo pidns=\$(readlink /proc/self/ns/pid); sleep 1" >"$T/par2.out" &
p2=$!
wait "$p1" "$p2"
n1=$(sed -n 's/^pidns=//p' "$T/par1.out")
n2=$(sed -n 's/^pidns=//p' "$T/par2.out")
ok 'two simultaneous first logins: both ran' test -n "$n1" -a -n "$n2"
is "$n1" "$n2" '... in one pid namespace (find-or-build is serialised)'
is "$(sids lga | wc -w)" 1 '... one record'
for s in $(sids lga); do JC kill "$s" >/dev/null 2>&1; done

# --- real clients: sshd, tmux and a nohup job across two connections -------------
# The jail gets tmux (jailctl cp: with its libraries); lga's profile lingers
# (2 s), lgp's does not.  Connection 1 starts a detached tmux session and a
# nohup job, then logs out; connection 2 (a new ssh) finds both, attaches
# to the tmux session on a pty and detaches again.
JC cp "$J" "$(command -v tmux)" >>"$T/init.out" 2>&1 || bail "jailctl cp tmux: $(tail -3 "$T/init.out")"
for u in lga lgp; do _user_key "$J/home/$u" "$u"; done
sshd_pam_stack jail
sshd_start default
export TERM=xterm
TM=$((BG + 2))
out=$(tssh lga "tmux new-session -d -s work 'echo pane-of-first; exec sleep $TM' && echo tmux-started;
	nohup sleep $((TM + 1)) >/dev/null 2>&1 </dev/null & echo pidns=\$(readlink /proc/self/ns/pid)" 2>&1)
like "$out" "tmux-started" 'ssh 1 (lingering): tmux session started, detached'
sshns=$(echo "$out" | sed -n 's/^pidns=//p')
sleep 0.5
ssid=$(sids lga)
ok 'after ssh 1 logged out, the tmux server still runs' test -n "$(pgrep -f "^sleep $TM\$")"
ok '... and the nohup job' test -n "$(pgrep -f "^sleep $((TM + 1))\$")"
out=$(tssh lga "echo pidns=\$(readlink /proc/self/ns/pid); tmux has-session -t work && echo has-work;
	tmux capture-pane -p -t work" 2>&1)
is "$(echo "$out" | sed -n 's/^pidns=//p')" "$sshns" 'ssh 2: the same pid namespace'
like "$out" "has-work" 'ssh 2: tmux finds the session of ssh 1'
like "$out" "pane-of-first" 'ssh 2: its pane shows what ssh 1 started'
out=$(tssh lga -tt "tmux attach -t work \\; detach-client" 2>&1 </dev/null | tr -d '\r')
like "$out" "detached" 'ssh 2 -tt: tmux attach on a pty reattaches, then detaches'
for _ in $(seq 100); do JC ps 2>&1 | grep "$ssid" | grep -q 2s,0conn && break; sleep 0.05; done
like "$(JC ps 2>&1 | grep "$ssid")" "2s,0conn" "ps: once the ssh monitors closed, lingering with 0 connections"
pkill -f "^sleep $((TM + 1))\$"
tssh lga "tmux kill-server" >/dev/null 2>&1
ok 'once tmux and the job are gone the session ends after its timeout' \
	wait_gone "$(rec "$ssid" init_pid)" 8

out=$(tssh lgp "tmux new-session -d -s work 'exec sleep $((TM + 2))' && echo tmux-started;
	nohup sleep $((TM + 3)) >/dev/null 2>&1 </dev/null &" 2>&1)
like "$out" "tmux-started" 'ssh (linger = no): tmux session started'
sleep 0.5
ok 'linger = no: the tmux server is gone after logout' test -z "$(pgrep -f "^sleep $((TM + 2))\$")"
ok 'linger = no: the nohup job is gone after logout' test -z "$(pgrep -f "^sleep $((TM + 3))\$")"
like "$(tssh lgp "tmux has-session -t work 2>&1 || echo no-session" 2>&1)" "no-session" \
	'linger = no: a new ssh finds no tmux session'

# --- mosh: mosh-server in the jail outlives the bootstrap ssh --------------------
# mosh's bootstrap: ssh runs `mosh-server new`, which detaches and prints
# its port and key; the ssh then exits (and pam_jail's close runs).  The
# client then talks UDP to the server.  Here mosh-client runs on a pty
# (tests/bin/ptyrun), runs a command in the jailed shell, and exits it.
if command -v mosh-server >/dev/null && command -v mosh-client >/dev/null; then
	JC cp "$J" "$(command -v mosh-server)" >>"$T/init.out" 2>&1 || bail "jailctl cp mosh-server"
	MP=$((60000 + $$ % 1000))
	out=$(tssh lga "echo pidns=\$(readlink /proc/self/ns/pid); mosh-server new -i 127.0.0.1 -p $MP -l LANG=C.UTF-8 2>&1 </dev/null" 2>&1)
	moshns=$(echo "$out" | sed -n 's/^pidns=//p')
	key=$(echo "$out" | sed -n "s/^MOSH CONNECT $MP \\([^ ]*\\).*/\\1/p" | tr -d '\r')
	ok 'mosh: mosh-server started in the jail and printed its key' test -n "$key"
	sleep 0.5
	msrv=$(pgrep -f "^mosh-server new -i 127.0.0.1 -p $MP" | head -1)
	ok 'mosh: the server still runs after the bootstrap ssh ended' test -n "$msrv"
	out=$(LANG=C.UTF-8 MOSH_KEY=$key "$TOP/tests/bin/ptyrun" -t 30 \
		-x '$ ' 'echo mosh-ok-$((6*7)) $(readlink /proc/self/ns/pid)' -x 'mosh-ok-42' 'exit' \
		-- sh -c "stty rows 24 cols 80; exec mosh-client 127.0.0.1 $MP" 2>&1)
	like "$out" "mosh-ok-42 $moshns" 'mosh: a command ran through mosh, in the lingering session'"'"'s pid namespace'
	ok 'mosh: after exit, the server is gone' \
		test -n "$msrv" -a "$(wait_gone "$msrv" 10 && echo gone)" = gone
	# linger = no: the bootstrap's close ends mosh-server with the session
	# (what users saw: "Nothing received from server on UDP port").
	out=$(tssh lgp "mosh-server new -i 127.0.0.1 -p $((MP + 1)) -l LANG=C.UTF-8 2>&1 </dev/null" 2>&1)
	like "$out" "MOSH CONNECT $((MP + 1))" 'linger = no: mosh-server starts...'
	sleep 0.5
	ok '... and is gone once the bootstrap ssh ended' \
		test -z "$(pgrep -f "^mosh-server new -i 127.0.0.1 -p $((MP + 1))")"
else
	for _ in 1 2 3 4 5 6; do skip 'mosh is not installed (apt-get install mosh)'; done
fi

JC kill "$sidb" >/dev/null 2>&1
done_testing
