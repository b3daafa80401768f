#!/bin/bash
# The escape suite (tests/escape/README.md): a static probe copied into a
# real jail and run from inside real jailed sessions, as the jailed user,
# under the `default` and `strict` profiles: through Debian's sshd
# (`ssh user@127.0.0.1`, and `ssh -tt` for the terminal attacks) and through
# libpam (tests/bin/pamdrive under script(1), with host fds leaked into it).
# Every technique must fail, and each TAP line asserts how (the outcome the
# probe observed against tests/escape/expect).  The same probe run on the host
# as the same user, unconfined, shows the attacks are live here ("base").
# Then root inside a session (jailctl enter), two sessions of one user,
# ssh forwarding with the shipped sshd snippet, and races against jailctl.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
. "$(dirname "$0")/../escape/escape-lib.sh"
jail_test_setup
sshd_test_setup
# One ssh run of the probe runs some 80 techniques (each under its own
# 60 s alarm): 2 s here, 50 s in the emulated guest of the lane, where
# tssh's default of 60 s would cut it short under load.
TSSH_TIMEOUT=600

ESC=$TOP/tests/bin/escape
PAMDRIVE=$TOP/tests/bin/pamdrive
[ -x "$ESC" ] && [ -x "$PAMDRIVE" ] || bail "tests/bin/escape or pamdrive missing: run make unit-tests"
command -v python3 >/dev/null || bail "python3 missing (tests/deps.sh)"
command -v script >/dev/null || bail "script(1) missing (util-linux)"
J=$T/jails/j1
IN=/usr/local/bin # where the probe lives inside the jail
jailctl() { "$JAILCTL" --config "$CONF" "$@"; }

# Every probe technique has an expectation, and only those.
is "$("$ESC" list | cut -f1 | sort | tr '\n' ' ')" \
	"$(awk '!/^#/ && NF >= 5 { print $1 }' "$ESCAPE_EXPECT" | sort | tr '\n' ' ')" \
	'tests/escape/expect has one line for every technique of the probe'
n_tech=$("$ESC" list | wc -l)
ok "the probe has at least 30 techniques ($n_tech)" test "$n_tech" -ge 30
is "$(awk '!/^#/ && NF >= 3 { print $1 }' "$ESCAPE_EXPECT_AA" | while read -r t; do
	awk -v t="$t" '!/^#/ && NF >= 5 && $1 == t { f = 1 } END { if (!f) print t }' "$ESCAPE_EXPECT"
done)" "" 'tests/escape/expect-apparmor names only techniques of tests/escape/expect'

# --- the jail: built by jailctl init; the admin plants the rest ---------------
jailctl init "$J" basicshell jailsh >"$T/init.out" 2>&1 || bail "jailctl init: $(tail -5 "$T/init.out")"
install -d -m 0755 "$J$IN"
install -m 0755 "$ESC" "$J$IN/escape"
# `jailctl init` strips setuid bits; an admin can still plant a setuid-root
# file or one with file capabilities by hand: they must grant nothing.
install -m 4755 "$ESC" "$J$IN/escape-suid"
install -m 0755 "$ESC" "$J$IN/escape-fcaps"
setcap cap_dac_override,cap_setuid+ep "$J$IN/escape-fcaps" || bail "setcap"
# The tree is nosuid and nodev in sessions: a copy setuid to another user
# (e2, see below) and a device node with /dev/null's numbers planted by the
# admin must do nothing there (for root via enter too, who has no
# no_new_privs).
mknod -m 0666 "$J/etc/escape-null" c 1 3 || bail "mknod"
echo "jail-secret-$$" >"$J/etc/jail-secret"
chmod 0600 "$J/etc/jail-secret"
# A profile whose bounding set keeps CAP_SYS_CHROOT, for the double chroot
# done by a process that really holds it.
printf '[profile]\ninclude = default\ncaps = cap_sys_chroot\n' >"$CONF/profiles/chrootcap.ini"
# And one without Landlock, for the race against a starting jailsh.
printf '[profile]\ninclude = default\nlandlock = off\n' >"$CONF/profiles/nolandlock.ini"
chmod 0644 "$CONF/profiles/chrootcap.ini" "$CONF/profiles/nolandlock.ini"

sshd_pam_stack jail
sshd_start default
user_add_jailed e1 "$J" default
user_add_jailed e2 "$J" strict
user_add_jailed e3 "$J" chrootcap
user_add_jailed e5 "$J" nolandlock
install -m 4755 -o e2 -g e2 "$ESC" "$J$IN/escape-suid-user"
JSH=$(getent passwd e1 | cut -d: -f7) # jailsh: the same path in the jail
declare -A USER_OF=([default]=e1 [strict]=e2)

# libpam path: the same module, through a service of our own.
PAMD=$T/pam.d
mkdir -p "$PAMD"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_MODULE" "$CONF" \
	>"$PAMD/jail-test"

# --- host-side fixtures ---------------------------------------------------------
MARKER=$T/host-only-marker
echo host-only >"$MARKER"
chmod 0644 "$MARKER"
install -m 0755 "$ESC" "$T/escape-host" # the base run's copy, reachable by e1
# Host unix sockets: a daemon socket at /run/docker.sock (this test's
# private /run) and an abstract one; every accepted connection is logged.
ABSTRACT=jail-escape-$$
HOSTSOCK=/run/docker.sock
: >"$T/sock.log"
python3 - "$T/sock.log" "$ABSTRACT" "$HOSTSOCK" >"$T/py.out" 2>&1 <<'EOF' &
import os, select, socket, sys
log = open(sys.argv[1], "a", buffering=1)
a = socket.socket(socket.AF_UNIX); a.bind("\0" + sys.argv[2]); a.listen(16)
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[3]); u.listen(16)
os.chmod(sys.argv[3], 0o666)
print("ready", flush=True)
while True:
    for s in select.select([a, u], [], [])[0]:
        c, _ = s.accept()
        log.write("accepted %s\n" % ("abstract" if s is a else "path"))
        c.close()
EOF
disown $! # stopped with every process of the test's network namespace
for i in $(seq 100); do grep -q ready "$T/py.out" && break; sleep 0.05; done
grep -q ready "$T/py.out" || bail "host socket server: $(cat "$T/py.out")"
# A host process of the jailed user's uid, outside any jail, that records
# every SIGWINCH it gets (kill(-1) and kill(pid) from the jail must not).
install -m 0644 -o e1 /dev/null "$T/victim.log"
install -m 0644 -o e1 /dev/null "$T/victim.pid"
setpriv --reuid e1 --regid e1 --init-groups bash -c \
	'trap "echo WINCH >>\"$2\"" WINCH; echo $$ >"$1"; while :; do sleep 0.2 & wait $!; done' \
	victim "$T/victim.pid" "$T/victim.log" </dev/null >/dev/null 2>&1 &
disown $!
for i in $(seq 100); do [ -s "$T/victim.pid" ] && break; sleep 0.05; done
VICTIM=$(cat "$T/victim.pid")
[ -n "$VICTIM" ] && kill -0 "$VICTIM" || bail "host victim did not start"

ABI=$("$TOP/tests/bin/try-syscall" landlock 2>/dev/null | awk '$1 == "OK" { print $2 }')
ABI=${ABI:-0}
diag "kernel $(uname -r), Landlock ABI $ABI, fs.protected_hardlinks=$(cat /proc/sys/fs/protected_hardlinks)"
# AppArmor: where the shipped profiles are loaded in enforce mode (the guest
# lane loads them as README says), the jailed user's sessions of `default`
# and `strict` run under jail-default and jail-strict, and AppArmor refuses
# some attacks before the layer tests/escape/expect names:
# tests/escape/expect-apparmor says which and how.  Root via enter runs no
# jailsh, so no AppArmor profile: its column is the same on every host.
ESCAPE_AA=
jail_apparmor_enforced jail-default && ESCAPE_AA="$ESCAPE_AA default"
jail_apparmor_enforced jail-strict && ESCAPE_AA="$ESCAPE_AA strict"
diag "AppArmor confines the sessions of: ${ESCAPE_AA:-none}"
# aa_tag PROFILE: ", AppArmor jail-PROFILE" in a TAP context where it applies.
aa_tag() { case " $ESCAPE_AA " in *" $1 "*) echo ", AppArmor jail-$1" ;; esac; }

# --- base: the same attacks on the host, unconfined, as e1 --------------------------
base_techs=$(techs_for base)
out=$(cd "$T" && setpriv --reuid e1 --regid e1 --init-groups env -i PATH=/usr/bin:/bin HOME="$T" \
	"$T/escape-host" --marker "$MARKER" --hostpid "$VICTIM" --abstract "$ABSTRACT" \
	--hostsock "$HOSTSOCK" --suid "$J$IN/escape-suid" --fcaps "$J$IN/escape-fcaps" \
	--suid-user "$J$IN/escape-suid-user" --devnode "$J/etc/escape-null" \
	$base_techs 2>&1 </dev/null)
check_results "base, host, unconfined" base "$out" $base_techs
sleep 0.3 # the victim's trap runs between its sleeps
base_winch=$(wc -l <"$T/victim.log")
base_accepts=$(wc -l <"$T/sock.log")
ok 'base: kill(-1) and kill(pid) from the unconfined user reach the host victim (its trap works)' \
	test "$base_winch" -ge 1
ok 'base: the host sockets accept the unconfined user (abstract and path)' \
	sh -c "grep -q 'accepted abstract' '$T/sock.log' && grep -q 'accepted path' '$T/sock.log'"

# --- a second session of e1 that other sessions must not reach ----------------------
# Its shell records SIGWINCH in the home (on disk: the host can read it).
# Plain ssh, not tssh: its 60 s timeout would end the session before
# the test does (sshd closes a session whose connection is gone).
ssh -F "$SSH_CONFIG" e1@127.0.0.1 "exec -a victimA-$$ bash -c 'trap \"echo WINCH >>\$HOME/victimA.log\" WINCH; while :; do sleep 0.2 & wait \$!; done'" \
	</dev/null >"$T/sessA.out" 2>&1 &
SESSA_CLIENT=$!
for i in $(seq 200); do
	VICTIM_A=$(pgrep -f "^victimA-$$" | head -1)
	[ -n "$VICTIM_A" ] && break
	sleep 0.05
done
[ -n "$VICTIM_A" ] || bail "session A did not start: $(cat "$T/sessA.out")"
SESSA_ID=$(session_of e1)

# --- the jailed user, both profiles, ssh and libpam ---------------------------------
for prof in default strict; do
	u=${USER_OF[$prof]}
	pids=$(profile_key "$prof" pids_max)
	mem=$(size_mib "$(profile_key "$prof" memory_max)")
	opts="--marker $MARKER --hostpid $VICTIM --abstract $ABSTRACT --hostsock $HOSTSOCK
		--secret /etc/jail-secret --suid $IN/escape-suid --fcaps $IN/escape-fcaps
		--suid-user $IN/escape-suid-user --devnode /etc/escape-null --jailsh $JSH
		--pids-limit $pids --mem-limit $mem"
	opts=$(echo $opts)
	plain=$(techs_for "$prof" plain)
	ctty=$(techs_for "$prof" ctty)
	if [ "$prof" = default ] && [ "$ABI" -lt 6 ]; then
		# Without Landlock scoping a net = host session shares the abstract
		# socket namespace with the host: a known limitation, not hidden.
		plain=${plain/abstract /}
		tap_todo "[ssh $prof] abstract: EPERM needs Landlock ABI >= 6 (this kernel: $ABI)" \
			"abstract unix sockets are reachable from net = host sessions without Landlock scoping"
	fi

	out=$(tssh "$u" "$IN/escape $opts $plain" 2>&1 </dev/null)
	check_results "ssh $prof$(aa_tag "$prof")" "$prof" "$out" $plain
	check_limits "ssh $prof" "$out" "$pids" "$mem"

	out=$(tssh "$u" -tt "$IN/escape $opts $ctty" 2>&1 </dev/null)
	check_results "ssh -tt $prof$(aa_tag "$prof")" "$prof" "$out" $ctty

	# libpam, with a controlling terminal from script(1) and two host fds
	# leaked into the session (a directory and a file): jailsh closes them.
	out=$(script -qec "$PAMDRIVE -c $PAMD $u '$IN/escape $opts $plain $ctty'" /dev/null \
		7<"$T" 8>>"$T/leak" </dev/null 2>&1)
	like "$out" "open_session: Success (0)" "[pam $prof] the libpam session opened"
	check_results "pam $prof$(aa_tag "$prof")" "$prof" "$out" $plain $ctty
	check_limits "pam $prof" "$out" "$pids" "$mem"
	unlike "$out" "7->" "[pam $prof] the leaked host fd 7 (a directory) did not reach the session"
done

sleep 0.3
is "$(wc -l <"$T/victim.log")" "$base_winch" \
	'no kill(-1) or kill(pid) from any jailed session reached the host victim (same uid)'
is "$(wc -l <"$T/sock.log")" "$base_accepts" \
	'no jailed session connected to a host unix socket (abstract or path)'

# --- another session of the same user ---------------------------------------------
out=$(tssh e1 "$IN/escape --hostpid $VICTIM_A kill-hostpid proc-hostpid ptrace-hostpid vmread-hostpid" 2>&1 </dev/null)
check_results "other session of e1$(aa_tag default)" default "$out" kill-hostpid proc-hostpid ptrace-hostpid vmread-hostpid
ok 'session A is still running after every other session of e1 ran kill(-1)' kill -0 "$VICTIM_A"
nok 'session A'"'"'s shell got no signal from the other sessions of e1' test -s "$J/home/e1/victimA.log"
kill -WINCH "$VICTIM_A"
ok 'control: session A'"'"'s trap works (a WINCH from the host is recorded)' \
	wait_log "$J/home/e1/victimA.log" WINCH 5

# --- root inside a session: jailctl enter --------------------------------------------
root_techs=$(techs_for root)
out=$(jailctl enter "$SESSA_ID" -- "$IN/escape" --marker "$MARKER" --hostpid "$VICTIM" \
	--suid-user "$IN/escape-suid-user" --devnode /etc/escape-null --jailsh "$JSH" $root_techs \
	7<"$T" 8>>"$T/leak" </dev/null 2>&1)
check_results "root via enter, default" root "$out" $root_techs
out=$(jailctl enter "$SESSA_ID" -- grep CapEff /proc/self/status 2>&1)
like "$out" "CapEff:	0000000000000000" '[root via enter, default] no capability at all (empty bounding set)'
# The tree root uid 0 stands in: read-only, nosuid, nodev (write-*, devnode
# and suid-user above show each at work); what it may write is the
# session's own.
out=$(jailctl enter "$SESSA_ID" -- grep -E '^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / ' /proc/self/mountinfo 2>&1)
like "$out" " / ro,nosuid,nodev," '[root via enter, default] mountinfo: / is ro,nosuid,nodev'
nok '[root via enter, default] nothing was written into the tree' \
	sh -c "ls -A '$J/usr/bin' | grep -q escape-probe"
out=$(jailctl enter --user "$SESSA_ID" -- "$IN/escape" --marker "$MARKER" chroot-escape fds 7<"$T" 2>&1)
check_results "user via enter --user, default$(aa_tag default)" default "$out" chroot-escape fds

# (Ended by jailctl kill at the end: it must outlive the test, 500 s in the
# emulated guest.)
ssh -F "$SSH_CONFIG" e3@127.0.0.1 'exec sleep 3600' </dev/null >/dev/null 2>&1 &
SESSC_CLIENT=$!
wait_session e3 1 || bail "no session for e3"
SESSC_ID=$(session_of e3)
out=$(jailctl enter "$SESSC_ID" -- grep CapEff /proc/self/status 2>&1)
like "$out" "CapEff:	0000000000040000" '[root via enter, caps = cap_sys_chroot] holds CAP_SYS_CHROOT and nothing else'
out=$(jailctl enter "$SESSC_ID" -- "$IN/escape" --marker "$MARKER" chroot-escape dotdot host-marker 2>&1)
check_one "root with CAP_SYS_CHROOT" chroot-escape NOTVISIBLE "$out"
check_one "root with CAP_SYS_CHROOT" dotdot NOTVISIBLE "$out"
check_one "root with CAP_SYS_CHROOT" host-marker NOTVISIBLE "$out"
out=$(tssh e3 "$IN/escape --marker $MARKER chroot-escape" 2>&1 </dev/null)
check_one "ssh chrootcap (the user)" chroot-escape EPERM "$out"

# --- ssh forwarding, with the shipped sshd snippet (DisableForwarding) ----------------
fwd() { timeout 15 ssh -F "$SSH_CONFIG" -o LogLevel=INFO -o ExitOnForwardFailure=yes "$@" </dev/null 2>&1; }
for u in e1 e2; do
	# -L to a host daemon's socket: the channel opens when a client connects.
	rm -f "$T/fwd.sock"
	timeout 15 ssh -F "$SSH_CONFIG" -o LogLevel=INFO -N -L "$T/fwd.sock:$HOSTSOCK" "$u@127.0.0.1" \
		</dev/null >"$T/fwd.out" 2>&1 &
	fpid=$!
	for i in $(seq 100); do [ -S "$T/fwd.sock" ] && break; sleep 0.05; done
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5); print("got", s.recv(10))' \
		"$T/fwd.sock" >"$T/fwd.client" 2>&1
	wait_log "$T/fwd.out" "open failed" 5
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	# sshd answers a refused direct-streamlocal channel with "connect
	# failed" (serverloop.c), unlike direct-tcpip: its log says why.
	like "$(cat "$T/fwd.out")" "open failed" \
		"[ssh $u] -L local.sock:$HOSTSOCK (streamlocal): the channel does not open"
	wait_log "$T/sshd-default.log" "refused streamlocal port forward" 5
	like "$(grep 'refused streamlocal port forward' "$T/sshd-default.log" | tail -1)" "target $HOSTSOCK" \
		"[ssh $u] -L streamlocal: sshd logged the refusal (refused streamlocal port forward)"
	like "$(cat "$T/fwd.client")" "got b''" "[ssh $u] -L streamlocal: the local client gets nothing (EOF)"
	out=$(fwd -W "127.0.0.1:$SSHD_PORT" "$u@127.0.0.1")
	like "$out" "administratively prohibited" "[ssh $u] -W 127.0.0.1:$SSHD_PORT (tcp): refused"
	out=$(fwd -N -R "$T/rfwd-$u.sock:$HOSTSOCK" "$u@127.0.0.1")
	like "$out" "remote port forwarding failed for listen path" "[ssh $u] -R path:$HOSTSOCK (streamlocal): refused"
	nok "[ssh $u] -R streamlocal: no socket was created" test -e "$T/rfwd-$u.sock"
	out=$(fwd -N -R "0:127.0.0.1:$SSHD_PORT" "$u@127.0.0.1")
	like "$out" "remote port forwarding failed for listen port" "[ssh $u] -R 0:host:port (tcp): refused"
done
is "$(wc -l <"$T/sock.log")" "$base_accepts" 'no forwarding reached the host daemon socket'

# --- a second channel of the same connection: jailsh before its filter ---------------
# Channels multiplexed over one ssh connection share the session: sshd's
# post-auth child forks and execs jailsh for each, and jailsh runs without
# a seccomp filter until it has loaded one.  The user's first channel
# watches for such a process of its own uid and opens its /proc/PID/mem for
# writing (open+pwrite: no ptrace syscall for seccomp to refuse).
# The probe watches for RACE_SECS: 4 s, or four logins where a login is
# slower than a second (the emulated guest: some 5 s), so that channels
# start while it watches.  A channel once the master is gone (the probe
# done) would be a new connection, outside the race: the loop stops there.
t0=$(date +%s%N)
tssh e1 true >/dev/null 2>&1
login_ms=$((($(date +%s%N) - t0) / 1000000))
RACE_SECS=$((login_ms * 4 / 1000))
[ "$RACE_SECS" -lt 4 ] && RACE_SECS=4
[ "$RACE_SECS" -gt 60 ] && RACE_SECS=60
diag "a login takes $login_ms ms here: each race watches for $RACE_SECS s"
race_channels() { # USER: the race-mem result line
	local u=$1 ctl=$T/ctl-$1 mpid i
	rm -f "$ctl"
	ssh -F "$SSH_CONFIG" -o ControlMaster=yes -o ControlPath="$ctl" "$u@127.0.0.1" \
		"$IN/escape race-mem $RACE_SECS" </dev/null >"$T/racemem.out" 2>&1 &
	mpid=$!
	for i in $(seq 600); do [ -S "$ctl" ] && break; sleep 0.05; done
	sleep 0.3
	for i in $(seq 30); do
		kill -0 "$mpid" 2>/dev/null || break
		timeout 10 ssh -F "$SSH_CONFIG" -o ControlMaster=no -o ControlPath="$ctl" "$u@127.0.0.1" true \
			</dev/null >/dev/null 2>&1
	done
	wait "$mpid"
	tr -d '\r' <"$T/racemem.out" | grep '^RESULT race-mem'
}
# check_race CONTEXT EXPECTED OUTPUT: like check_one, but a run that never
# caught a starting jailsh proves nothing and is a skip.
check_race() {
	case $3 in
	*jailsh*) check_one "$1" race-mem "$2" "$3" ;;
	*ESCAPED*) check_one "$1" race-mem "$2" "$3" ;;
	*) tap_skip "[$1] race-mem: expected $2" "no starting jailsh caught: $3" ;;
	esac
}
out=$(race_channels e1)
check_race "ssh default, more channels" EACCES "$out"
# jailsh is installed execute-only (0711, as make install does): not
# readable by the user, so the kernel marks it non-dumpable from exec on.
is "$(stat -c %a "$J/usr/local/sbin/jailsh")" 711 'jailsh in the jail is execute-only (0711), as installed'
out=$(race_channels e5)
check_race "ssh landlock = off, jailsh 0711, more channels" EACCES "$out"
# Made readable by hand (not as shipped): without Landlock (or Yama
# ptrace_scope >= 1) the window between exec and the filter is open; jailctl
# check reports a readable jailsh.
chmod 0755 "$J/usr/local/sbin/jailsh"
out=$(race_channels e5)
case $out in
*ESCAPED*)
	tap_todo "[ssh landlock = off, jailsh 0755, more channels] race-mem: ${out#RESULT race-mem }" \
		"KNOWN HOLE when jailsh is readable: a jailsh between exec and its filter is dumpable; see tests/escape/README.md"
	;;
*) check_race "ssh landlock = off, jailsh 0755, more channels" EACCES "$out" ;;
esac
chmod 0711 "$J/usr/local/sbin/jailsh"

# --- jailctl races: a tree the user writes ------------------------------------------
# keys: ~/.ssh/authorized_keys (in the jail) swapped with a symlink to a
# root-only host file, then ~/.ssh swapped with a symlink to a host
# directory, by the user from inside a session, while root runs
# `jailctl keys` 200 times (what sshd's AuthorizedKeysCommand does).
install -d -m 0755 "$T/outside"
echo "ssh-ed25519 OUTSIDE-SECRET-$$ outside" >"$T/outside/authorized_keys"
chmod 0600 "$T/outside/authorized_keys"
keys_race() { # NAME A B TARGET
	local name=$1 a=$2 b=$3 target=$4 k=0 refused=0 leaked=0 i rpid
	# The racer stops by itself after 4 s, after an even number of swaps.
	tssh e1 "ln -sfn $target $b && exec $IN/escape race-swap $a $b 4" </dev/null >"$T/race.out" 2>&1 &
	rpid=$!
	for i in $(seq 100); do [ -L "$J$b" ] || [ -L "$J$a" ] && break; sleep 0.05; done
	for i in $(seq 200); do
		out=$(jailctl keys e1 2>&1)
		case $out in
		*OUTSIDE-SECRET*) leaked=$((leaked + 1)) ;;
		"$(cat "$T/id_ed25519.pub")") k=$((k + 1)) ;;
		*) refused=$((refused + 1)) ;;
		esac
	done
	wait "$rpid"
	diag "keys race ($name): $k served the key, $refused refused, $leaked leaked; $(tr -d '\r' <"$T/race.out")"
	is "$leaked" 0 "jailctl keys x200 racing $name: never printed the outside file"
	ok "jailctl keys x200 racing $name: the race was real (the key served and refused both seen)" \
		test "$k" -gt 0 -a "$refused" -gt 0
	rm -f "$J$b"
}
keys_race "~/.ssh/authorized_keys <-> symlink to a root-only host file" \
	/home/e1/.ssh/authorized_keys /home/e1/.ssh/ak-evil "$T/outside/authorized_keys"
keys_race "~/.ssh <-> symlink to a host directory" /home/e1/.ssh /home/e1/.ssh-evil "$T/outside"
is "$(jailctl keys e1 2>&1)" "$(cat "$T/id_ed25519.pub")" 'after the races jailctl keys serves the real key'
# A hard link of a root-owned jail file into ~/.ssh (which keys would
# accept: root-owned files are allowed) is refused: from the tree, because
# the home is a mount of its own in the session (EXDEV); from a root-owned
# file the admin left in the home, by protected_hardlinks (EPERM).
install -m 0600 -o root -g root /dev/null "$J/home/e1/root-owned"
out=$(tssh e1 "ln /etc/passwd ~/.ssh/ak-hard; ln /etc/jail-secret ~/.ssh/ak-hard2" 2>&1 </dev/null)
like "$out" "ln: failed to create hard link" 'hard links of root-owned jail files into ~/.ssh are refused...'
like "$out" "Invalid cross-device link" '... with EXDEV (the tree and the home are different mounts)'
out=$(tssh e1 "ln ~/root-owned ~/.ssh/ak-hard3" 2>&1 </dev/null)
like "$out" "Operation not permitted" 'a root-owned file in the home: refused with EPERM (fs.protected_hardlinks)'
nok '... and none was created' sh -c "ls '$J/home/e1/.ssh/' | grep -q ak-hard"
rm -f "$J/home/e1/root-owned"

# adduser --move-home: the host home of a not-yet-jailed user, who races a
# symlink to a root-only host directory (and file) in and out of it while
# root moves it into the jail.  The outside target is never read into the
# jail, modified or deleted.
install -d -m 0700 "$T/outside-mh"
echo "PRECIOUS-$$" >"$T/outside-mh/precious"
chmod 0600 "$T/outside-mh/precious"
before=$(stat -c '%i %s %Y' "$T/outside-mh" "$T/outside-mh/precious")
useradd -m -s /bin/bash v || bail "useradd v"
moved=0 refused=0 leaks=0
# Ten rounds at least, more (up to 40) until one move has completed: the
# racer wins most rounds, and a slow adduser (a sanitizer build) can lose
# ten in a row (seen in CI), which would leave the race's control unmet.
for round in $(seq 40); do
	[ "$round" -gt 10 ] && [ "$moved" -ge 1 ] && break
	rm -rf /home/v "$J/home/v"
	install -d -m 0750 -o v -g v /home/v /home/v/sub
	echo data | install -m 0644 -o v -g v /dev/stdin /home/v/sub/file
	echo data | install -m 0644 -o v -g v /dev/stdin /home/v/f
	ln -s "$T/outside-mh" /home/v/sub-evil && chown -h v:v /home/v/sub-evil
	ln -s "$T/outside-mh/precious" /home/v/f-evil && chown -h v:v /home/v/f-evil
	setpriv --reuid v --regid v --init-groups "$T/escape-host" race-swap /home/v/sub /home/v/sub-evil 20 >/dev/null 2>&1 &
	r1=$!
	setpriv --reuid v --regid v --init-groups "$T/escape-host" race-swap /home/v/f /home/v/f-evil 20 >/dev/null 2>&1 &
	r2=$!
	sleep 0.05
	if jailctl adduser --move-home -j "$J" v >"$T/mh.out" 2>&1; then
		moved=$((moved + 1))
	else
		refused=$((refused + 1))
	fi
	kill "$r1" "$r2" 2>/dev/null
	wait "$r1" "$r2" 2>/dev/null
	grep -rqs "PRECIOUS" "$J/home/v" /home/v && leaks=$((leaks + 1))
	jailctl deluser -s /bin/bash v >/dev/null 2>&1
done
diag "adduser --move-home race: $moved moved, $refused refused in $((moved + refused)) rounds; last: $(tail -1 "$T/mh.out")"
is "$(stat -c '%i %s %Y' "$T/outside-mh" "$T/outside-mh/precious" 2>&1)" "$before" \
	'adduser --move-home x10-40 with racing symlinks: the outside directory and file are untouched'
is "$(cat "$T/outside-mh/precious" 2>&1)" "PRECIOUS-$$" '... the outside file still has its content'
is "$leaks" 0 '... and its content never landed in the jail home (or the host home)'
ok '... and the moves really ran (at least one completed)' test "$moved" -gt 0

# update --prune and init: the user swaps a directory of the home with a
# symlink to a host directory meanwhile; jailctl must not follow it, and
# must not prune the user's files.
install -d -m 0755 "$T/outside-up"
echo keep >"$T/outside-up/file"
install -d -m 0755 -o e2 -g e2 "$J/home/e2/sub"
echo mine | install -m 0644 -o e2 -g e2 /dev/stdin "$J/home/e2/sub/mine"
before=$(stat -c '%i %s %Y %n' "$T/outside-up" "$T/outside-up/file")
tssh e2 "ln -sfn $T/outside-up /home/e2/sub-evil && exec $IN/escape race-swap /home/e2/sub /home/e2/sub-evil 6" \
	</dev/null >"$T/race.out" 2>&1 &
rpid=$!
for i in $(seq 100); do [ -L "$J/home/e2/sub-evil" ] || [ -L "$J/home/e2/sub" ] && break; sleep 0.05; done
fails=0
for i in 1 2 3; do
	jailctl update --prune "$J" >"$T/up.out" 2>&1 || fails=$((fails + 1))
	jailctl init "$J" basicshell >"$T/up.out" 2>&1 || fails=$((fails + 1))
done
wait "$rpid"
diag "update/init race: $(tr -d '\r' <"$T/race.out")"
is "$fails" 0 'jailctl update --prune and init x3 while the user races a symlink in the home: all succeed'
is "$(stat -c '%i %s %Y %n' "$T/outside-up" "$T/outside-up/file")" "$before" '... the outside directory is untouched'
is "$(cat "$J/home/e2/sub/mine" 2>&1)" mine '... and the user'"'"'s files in the home were not pruned'

# --- clean up: sessions end, nothing of them is left ------------------------------
# A session's command outlives its ssh client (sshd waits for it): the
# admin ends it with jailctl kill, as in production.
ok 'jailctl kill ends session A' jailctl kill "$SESSA_ID"
ok 'jailctl kill ends the chrootcap session' jailctl kill "$SESSC_ID"
wait "$SESSA_CLIENT" "$SESSC_CLIENT" 2>/dev/null
for i in $(seq 200); do [ -z "$(ls -A /run/jail/sessions 2>/dev/null)" ] && break; sleep 0.05; done
for i in $(seq 100); do
	[ -z "$(for d in $(sshd_cgroups_left); do find "$d" -mindepth 2 -type d; done)" ] && break
	sleep 0.05
done
is "$(ls -A /run/jail/sessions 2>/dev/null)" "" 'every session closed: no record left'
left=$(for d in $(sshd_cgroups_left); do find "$d" -mindepth 2 -type d; done)
is "$left" "" 'no session cgroup left (PARENT/USER/SESSION, any hierarchy)'

done_testing
