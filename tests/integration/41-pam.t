#!/bin/bash
# pam_jail through the real libpam (pam_start_confdir), the way sshd uses it:
# tests/bin/pamdrive opens the session, forks a child that drops to the user
# and runs the user's login shell with -c CMD, waits, closes the session.
# Real namespaces, real cgroups (v1 here), real mounts.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
# Private /run (the registry), /dev with a syslog sink on /dev/log ($SYSLOG),
# /etc, /home, the programs in $SBIN, $CONF/jail.ini, a unique $CGROUP_PARENT.
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
REG=/run/jail/sessions
J=$T/jails/j1

# --- a jail, by hand: programs with their libraries, jailsh at its path ------
jail_add_prog() { # JAIL PROG...
	local d=$1 p f x
	shift
	for p in "$@"; do
		f=$(command -v "$p") || bail "no $p on the host"
		for x in "$f" $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$d$x" ] && continue
			mkdir -p "$d$(dirname "$x")"
			cp -L "$x" "$d$x" || bail "copy $x"
		done
	done
}
# Merged /usr like the host: bin, lib, lib64, sbin are root-owned symlinks
# (pam_jail checks their targets inside the jail).
mkdir -p "$J"/{etc,home,tmp,proc,dev,run} "$J"/usr/{bin,lib,lib64,sbin}
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$J/$l"; done
jail_add_prog "$J" sh bash cat ls ps hostname sleep grep sed id stat df wc head tr touch env \
	"$SBIN/jailsh"
echo in-jail >"$J/etc/jail-marker"
echo host-only >"$T/host-only-marker"
chmod -R go-w "$J"

# --- users, profiles, PAM service --------------------------------------------
# u1: jailed, login shell /bin/sh (what pam_jail alone does, without jailsh)
# u3: jailed with net = none; u0: not jailed.
for u in u0 u1 u3; do
	useradd -M -d "/home/$u" -s /bin/sh "$u" || bail "useradd $u"
done
grep -E '^(root|u1|u3):' /etc/passwd >"$J/etc/passwd"
grep -E '^(root|tty|u1|u3):' /etc/group >"$J/etc/group"
for u in u1 u3; do
	install -d -o "$u" -g "$u" -m 0755 "$J/home/$u"
done
cat >"$CONF/profiles/pamtest.ini" <<EOF
[profile]
description = 41-pam.t
hostname = pamtest-host
cgroup = required
memory_max = 300M
pids_max = 64
caps = cap_net_bind_service
seccomp = default
apparmor = off
landlock = off
tmp_size = 17M
run_size = 3M
EOF
cat >"$CONF/profiles/pamnet.ini" <<EOF
[profile]
include = pamtest
net = none
hostname = pamnet-host
EOF
chmod 0644 "$CONF"/profiles/*.ini
sshd_write_jail_ini "[user:u1]" "jail = $J" "profile = pamtest" \
	"[user:u3]" "jail = $J" "profile = pamnet"

PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
# Only pam_jail: an unjailed user gets PAM_IGNORE from it, and libpam turns
# "every module ignored" into PAM_PERM_DENIED (6).
echo "session required $PAM_JAIL config=$CONF debug" >"$PAMD/jail-only"
# A stack where another module decides, as in sshd's.
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"

# --- the module itself --------------------------------------------------------
ok 'dlopen(RTLD_NOW) of pam_jail.so; only the two session entry points exported' \
	"$TOP/tests/bin/dlopen_pam" "$PAM_JAIL"
syms=$(nm -D --defined-only "$PAM_JAIL" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sort | tr '\n' ' ')
is "$syms" "pam_sm_close_session pam_sm_open_session " 'nm -D: pam_sm_open_session and pam_sm_close_session are the only exported symbols'

# --- an unjailed user ---------------------------------------------------------
out=$("$PAMDRIVE" -c "$PAMD" -s jail-only u0 'echo ran' 2>&1)
like "$out" "open_session: Permission denied (6)" 'unjailed user, pam_jail alone: PAM_IGNORE (libpam: no module decided)'
unlike "$out" "ran" 'unjailed user, pam_jail alone: the session was not opened, nothing ran'
like "$(cat "$SYSLOG")" "pam_jail(jail-only:session): u0 is not jailed" 'unjailed user: debug line, no refusal'
out=$("$PAMDRIVE" -c "$PAMD" u0 "hostname; test -e $T/host-only-marker && echo host-view; grep CapBnd /proc/self/status; grep -c . /proc/self/cgroup >/dev/null; cat /proc/self/cgroup" 2>&1)
like "$out" "open_session: Success (0)" 'unjailed user in a full stack: the session opens'
like "$out" "$(hostname)" 'unjailed user: the host name'
like "$out" "host-view" 'unjailed user: the host file system'
like "$out" "CapBnd:	$(grep CapBnd /proc/self/status | cut -f2)" 'unjailed user: the bounding set untouched'
unlike "$out" "$CGROUP_PARENT" 'unjailed user: no session cgroup'
unlike "$(cat "$SYSLOG")" "for u0" 'unjailed user: no session line in syslog'

# --- a jailed session -----------------------------------------------------------
: >"$SYSLOG.mark"
probe='
ps -e -o pid=,ppid=,comm= | sed "s/^ */ps: /"
echo "init: $(cat /proc/1/comm)"
echo "hostname: $(hostname)"
test -e '"$T"'/host-only-marker && echo "host file visible"
echo "marker: $(cat /etc/jail-marker)"
echo "root: $(ls / | tr "\n" " ")"
grep -E "^(CapBnd|CapEff|NoNewPrivs)" /proc/self/status
echo "cgroup: $(grep -E "^[0-9]+:pids:" /proc/self/cgroup)"
echo "tmp: $(grep " /tmp " /proc/self/mountinfo)"
echo "run: $(grep " /run " /proc/self/mountinfo)"
echo "sys: $(grep " /proc/sys " /proc/self/mountinfo)"
echo "dev: $(ls /dev | tr "\n" " ")"
echo "sessionfile: $(stat -c "%U %a" /run/jail/session) $(grep -E "^(user|profile)=" /run/jail/session | tr "\n" " ")"
sleep 987654 &
echo "bg: $(ps -e -o comm= | grep -c "^sleep$")"
'
out=$("$PAMDRIVE" -c "$PAMD" -r 192.0.2.7 u1 "$probe" 2>&1)
is "$(echo "$out" | grep -c 'open_session: Success (0)')" 1 'jailed u1: open_session succeeds'
id=$(grep -o 'opened session [0-9a-f]* for u1' "$SYSLOG" | awk '{print $3}')
ipid=$(grep -o 'opened session .* for u1 .*init pid [0-9]*' "$SYSLOG" | awk '{print $NF}')
like "$(cat "$SYSLOG")" "opened session $id for u1 (jail $J, profile pamtest, remote 192.0.2.7, init pid" 'syslog: the opened line names user, jail, profile, id and remote'
[ -n "$id" ] || diag "no session id in: $(cat "$SYSLOG")"
pslist=$(echo "$out" | sed -n 's/^ps: //p' | awk '{print $1, $2, $3}')
is "$(echo "$pslist" | head -2)" "1 0 jail-init
2 0 sh" 'ps -e: pid 1 is the session init, pid 2 the shell (their parents are outside the namespace)'
is "$(echo "$pslist" | awk 'NR > 2 && ($1 <= 2 || $2 < 2 || $1 > 50)' | wc -l)" 0 'ps -e: every other process is a descendant of the shell, with a small pid: only the session'"'"'s'
like "$out" "init: jail-init" '/proc/1 is the session init'
like "$out" "hostname: pamtest-host" 'hostname is the profile'"'"'s'
unlike "$out" "host file visible" 'the host file system is gone: a host-only file is absent'
like "$out" "marker: in-jail" '/ is the jail'
like "$out" "root: bin dev etc home lib lib64 proc run sbin tmp usr " 'ls / is the jail'"'"'s root'
like "$out" "CapBnd:	0000000000000400" 'CapBnd is the profile'"'"'s keep-list (cap_net_bind_service only)'
like "$out" "CapEff:	0000000000000000" 'the user has no effective capabilities'
like "$out" "cgroup: " 'the process is in a pids cgroup'
like "$out" ":pids:/$CGROUP_PARENT/u1/$id" 'the process is in the session cgroup (parent/user/id)'
like "$out" " /tmp rw,nosuid,nodev" '/tmp is nosuid,nodev'
like "$out" "tmpfs tmpfs rw,size=17408k" '/tmp is a tmpfs of tmp_size (17M)'
like "$(echo "$out" | grep '^run:')" "size=3072k,mode=755" '/run is a tmpfs of run_size (3M), 0755'
like "$(echo "$out" | grep '^sys:')" " /proc/sys ro," '/proc/sys is read-only'
like "$out" "dev: fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " '/dev: the minimal set'
like "$out" "sessionfile: root 444 user=u1 profile=pamtest " '/run/jail/session: root-owned 0444, for this user and profile'
like "$out" "bg: 1" 'a background job runs during the session'
like "$out" "close_session: Success (0)" 'close_session succeeds'
like "$(cat "$SYSLOG")" "closed session $id for u1 (jail $J, profile pamtest)" 'syslog: the closed line'
sleep 0.2
nok 'after close: the background job was killed' pgrep -f 'sleep 987654'
nok 'after close: no init left' test -e "/proc/$ipid"
nok 'after close: no pids cgroup left' test -e "/sys/fs/cgroup/pids/$CGROUP_PARENT/u1/$id"
nok 'after close: no memory cgroup left' test -e "/sys/fs/cgroup/memory/$CGROUP_PARENT/u1/$id"
is "$(ls -A "$REG" 2>/dev/null)" "" 'after close: no session record left'

# --- jailctl enter: a live session seen from the inside ---------------------------
"$PAMDRIVE" -c "$PAMD" u1 'echo started; sleep 600' >"$T/bg.out" 2>&1 &
bgpid=$!
for i in $(seq 100); do
	[ -n "$(ls -A "$REG" 2>/dev/null)" ] && grep -q started "$T/bg.out" && break
	sleep 0.05
done
sid=$(ls -A "$REG" 2>/dev/null)
is "$(echo "$sid" | grep -cE '^[0-9a-f]{16}$')" 1 'a background session is recorded in the registry'
enter() { "$JAILCTL" --config "$CONF" enter "$@"; }
is "$(enter "$sid" -- hostname 2>&1)" pamtest-host 'enter ID -- hostname: the session'"'"'s uts namespace'
out=$(enter "$sid" -- cat /proc/self/status 2>&1)
like "$out" "CapBnd:	0000000000000400" 'enter: the bounding set is the profile'"'"'s'
out=$(enter "$sid" -- ps -e -o pid=,comm= 2>&1)
like "$out" "1 jail-init" 'enter: the session'"'"'s pid namespace (its init is pid 1)'
like "$out" "sleep" 'enter: the session'"'"'s processes are visible'
is "$(echo "$out" | awk '$1 > 50' | wc -l)" 0 'enter: no host process is visible'
like "$(enter "$sid" -- cat /proc/self/cgroup 2>&1)" ":pids:/$CGROUP_PARENT/u1/$sid" 'enter: the command runs in the session cgroup'
is "$(enter "$sid" -- cat /etc/jail-marker 2>&1)" in-jail 'enter: the root is the jail'
nok 'enter: the host file system is not reachable' enter "$sid" -- test -e "$T/host-only-marker"
is "$(enter "$sid" -- id -u 2>&1)" 0 'enter without --user: root inside the session'
out=$(enter "$sid" -- sh -c 'echo evil >/proc/sys/kernel/hostname' 2>&1)
like "$out" "Read-only file system" 'enter: even root cannot write /proc/sys (read-only mount)'
is "$(enter "$sid" -- hostname 2>&1)" pamtest-host 'enter: the hostname is unchanged'
out=$(enter 0123456789abcdef -- true 2>&1)
like "$out" "no session 0123456789abcdef" 'enter: an unknown session id is refused'
out=$(enter ../../etc -- true 2>&1)
like "$out" "is not a session id" 'enter: a malformed session id is refused'
cp -p "$REG/$sid" "$T/record.saved"
kill -TERM "$bgpid"
wait "$bgpid"
like "$(cat "$T/bg.out")" "close_session: Success (0)" 'the background session closes when its shell ends'
is "$(ls -A "$REG" 2>/dev/null)" "" 'its record is gone'
out=$(enter "$sid" -- true 2>&1)
like "$out" "no session $sid" 'enter: a closed session cannot be entered'
cp -p "$T/record.saved" "$REG/$sid"
out=$(enter "$sid" -- true 2>&1)
like "$out" "the session init (pid " 'enter: a stale record (its init is gone) is refused...'
like "$out" "is gone" '... saying the init is gone'
rm -f "$REG/$sid"

# --- net = none -------------------------------------------------------------------
out=$("$PAMDRIVE" -c "$PAMD" u3 'hostname; grep -c : /proc/net/dev; bash -c "exec 3<>/dev/tcp/127.0.0.1/9" 2>&1' 2>&1)
like "$out" "pamnet-host" 'net = none: the profile hostname'
like "$out" "$(printf '\n1\n')" 'net = none: one interface in /proc/net/dev (lo)'
like "$out" "Connection refused" 'net = none: lo is up (connect to 127.0.0.1 is refused, not unreachable)'

done_testing
