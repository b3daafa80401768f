#!/bin/bash
# pam_jail through the real libpam (pam_start_confdir), the way sshd uses it:
# tests/bin/pamdrive opens the session, forks a child that drops to the user
# and runs the user's login shell with -c CMD, waits, closes the session.
# Real namespaces, real cgroups, real mounts.  pamdrive runs without a
# logind session, so pam_jail uses its own cgroup under cgroup_parent on
# every host: per controller on a cgroup v1 or hybrid host (`N:pids:/P/U/ID`
# in /proc/PID/cgroup), one directory on a pure v2 host (`0::/P/U/ID`).
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
# Private /run (the registry), /dev with a syslog sink on /dev/log ($SYSLOG),
# /etc, /home, the programs in $SBIN, $CONF/jail.ini, a unique $CGROUP_PARENT.
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
REG=/run/jail/sessions
# CGLINE: the /proc/PID/cgroup line (ERE) that names the session's cgroup
# on this host; CGPFX the text before the path; CGDIRS the directories of a
# session's cgroup below /sys/fs/cgroup, with @ for PARENT/USER/ID.
if jail_cg_unified; then
	CGLINE='^0::'
	CGPFX='0::'
	CGDIRS='@'
else
	CGLINE='^[0-9]+:pids:'
	CGPFX=':pids:'
	CGDIRS='pids/@ memory/@'
fi
J=$T/jails/j1

echo host-only >"$T/host-only-marker"

# --- users, profiles, PAM service --------------------------------------------
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
bind_ro = $T/ro:/srv/ro
bind_rw = $T/rw:/srv/rw
EOF
mkdir -p "$T/ro" "$T/rw"
echo readonly-data >"$T/ro/file"
chmod 0777 "$T/rw"
cat >"$CONF/profiles/pamnet.ini" <<EOF
[profile]
include = pamtest
net = none
hostname = pamnet-host
EOF
chmod 0644 "$CONF"/profiles/*.ini

# --- a jail built by jailctl init; jailsh is the built one ($SBIN/jailsh) ----
"$JAILCTL" --config "$CONF" init "$J" basicshell extendedshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
for p in hostname logger sleep ps; do
	f=$(command -v "$p") || bail "no $p on the host"
	[ -e "$J$f" ] || "$JAILCTL" --config "$CONF" cp "$J" "$f" >>"$T/init.out" 2>&1 ||
		bail "jailctl cp $f: $(tail -5 "$T/init.out")"
done
echo in-jail >"$J/etc/jail-marker"
chmod 0644 "$J/etc/jail-marker"

# u1: jailed (pamtest), u3: jailed (pamnet: net = none), both by jailctl
# adduser (host login shell jailsh, /bin/sh in the jail); u0: not jailed.
useradd -M -d /home/u0 -s /bin/sh u0 || bail "useradd u0"
add_jailed() { # USER PROFILE
	useradd -M -d "/home/$1" -s /bin/bash "$1" || bail "useradd $1"
	"$JAILCTL" --config "$CONF" adduser -j "$J" -p "$2" -s /bin/sh "$1" \
		>>"$T/init.out" 2>&1 || bail "jailctl adduser $1: $(tail -5 "$T/init.out")"
}
add_jailed u1 pamtest
add_jailed u3 pamnet
is "$(getent passwd u1 | cut -d: -f7)" "$SBIN/jailsh" 'adduser: the host login shell of u1 is jailsh'

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
# Processes of this test (our network namespace, not zombies) whose command
# line is exactly CMDLINE: other tests may run the same commands meanwhile.
netns_pgrep() {
	local p found=1 argv
	for p in $(ns_procs net self); do
		mapfile -d '' -t argv 2>/dev/null <"/proc/$p/cmdline" || continue
		if [ "${argv[*]}" = "$1" ]; then
			echo "$p"
			found=0
		fi
	done
	return $found
}
BGSLEEP=$((900000 + $$ % 90000))
: >"$SYSLOG.mark"
probe='
ps -e -o pid=,ppid=,comm= | sed "s/^ */ps: /"
echo "init: $(cat /proc/1/comm)"
echo "cmdline1: $(tr "\0" " " </proc/1/cmdline)"
echo "hostname: $(hostname)"
echo "cpus1: $(grep Cpus_allowed_list /proc/1/status)"
echo "cpusself: $(grep Cpus_allowed_list /proc/self/status)"
test -e '"$T"'/host-only-marker && echo "host file visible"
echo "marker: $(cat /etc/jail-marker)"
echo "root: $(ls / | tr "\n" " ")"
grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status
echo "cgroup: $(grep -E "'"$CGLINE"'" /proc/self/cgroup)"
echo "tmp: $(grep " /tmp " /proc/self/mountinfo)"
echo "run: $(grep " /run " /proc/self/mountinfo)"
echo "sys: $(grep " /proc/sys " /proc/self/mountinfo)"
echo "dev: $(ls /dev | tr "\n" " ")"
echo "sessionfile: $(stat -c "%U %a" /run/jail/session) $(grep -E "^(user|profile)=" /run/jail/session | tr "\n" " ")"
echo "seccompfile: $(stat -c "%U %a" /run/jail/seccomp) $(head -c 8 /run/jail/seccomp)"
echo "sessiondir: $(stat -c "%U %a" /run/jail)"
echo "ro: $(cat /srv/ro/file) $(touch /srv/ro/new 2>&1)"
echo "romount: $(grep " /srv/ro " /proc/self/mountinfo)"
touch /srv/rw/from-jail && echo "rw: written"
echo "devlog: $(test -e /dev/log && echo present || echo absent)"
sleep '"$BGSLEEP"' &
kill -0 $! && echo "bg: running"
'
out=$("$PAMDRIVE" -c "$PAMD" -r 192.0.2.7 u1 "$probe" 2>&1)
is "$(echo "$out" | grep -c 'open_session: Success (0)')" 1 'jailed u1: open_session succeeds'
id=$(grep -o 'opened session [0-9a-f]* for u1' "$SYSLOG" | awk '{print $3}')
ipid=$(grep -o 'opened session .* for u1 .*init pid [0-9]*' "$SYSLOG" | awk '{print $NF}')
like "$(cat "$SYSLOG")" "opened session $id for u1 (jail $J, profile pamtest, remote 192.0.2.7, init pid" 'syslog: the opened line names user, jail, profile, id and remote'
[ -n "$id" ] || diag "no session id in: $(cat "$SYSLOG")"
pslist=$(echo "$out" | sed -n 's/^ps: //p' | awk '{print $1, $2, $3}')
[ -n "${SHOW:-}" ] && diag "$out"
is "$(echo "$pslist" | head -2)" "1 0 jail-init
2 0 sh" 'ps -e: pid 1 is the session init, pid 2 the shell (their parents are outside the namespace)'
is "$(echo "$pslist" | awk 'NR > 2 && ($1 <= 2 || $2 < 2 || $1 > 50)' | wc -l)" 0 'ps -e: every other process is a descendant of the shell, with a small pid: only the session'"'"'s'
like "$out" "init: jail-init" '/proc/1 is the session init'
like "$out" "cmdline1: jail-init " 'its command line reads jail-init (not the caller'"'"'s)'
like "$out" "hostname: pamtest-host" 'hostname is the profile'"'"'s'
like "$out" "cpus1: Cpus_allowed_list:" 'the init'"'"'s CPU set is readable'
is "$(echo "$out" | sed -n 's/^cpus1: //p')" "$(echo "$out" | sed -n 's/^cpusself: //p')" \
	'the init, started on another CPU, has the caller'"'"'s CPU set back'
unlike "$out" "host file visible" 'the host file system is gone: a host-only file is absent'
like "$out" "marker: in-jail" '/ is the jail'
like "$out" "root: $(ls "$J" | tr '\n' ' ')" 'ls / is the jail'"'"'s root'
like "$out" "CapBnd:	0000000000000400" 'CapBnd is the profile'"'"'s keep-list (cap_net_bind_service only)'
like "$out" "CapEff:	0000000000000000" 'the user has no effective capabilities'
like "$out" "NoNewPrivs:	1" 'jailsh set no_new_privs'
like "$out" "Seccomp:	2" 'jailsh loaded a seccomp filter'
like "$out" "cgroup: " 'the process is in a cgroup'
like "$out" "$CGPFX/$CGROUP_PARENT/u1/$id" "the process is in the session cgroup (parent/user/id: $CGPFX)"
like "$out" " /tmp rw,nosuid,nodev" '/tmp is nosuid,nodev'
like "$out" "tmpfs tmpfs rw,size=17408k" '/tmp is a tmpfs of tmp_size (17M)'
like "$(echo "$out" | grep '^run:')" "size=3072k,mode=755" '/run is a tmpfs of run_size (3M), 0755'
like "$(echo "$out" | grep '^sys:')" " /proc/sys ro," '/proc/sys is read-only'
like "$out" "dev: fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " '/dev: the minimal set'
like "$out" "sessionfile: root 444 user=u1 profile=pamtest " '/run/jail/session: root-owned 0444, for this user and profile'
like "$out" "seccompfile: root 444 JSECBPF1" '/run/jail/seccomp: the compiled filter, root-owned 0444'
like "$out" "sessiondir: root 755" '/run/jail: root-owned 0755'
like "$out" "ro: readonly-data" 'bind_ro: the host directory is readable in the jail'
like "$out" "Read-only file system" 'bind_ro: writing is refused (read-only mount)'
like "$out" " /srv/ro ro,nosuid,nodev" 'bind_ro: mounted ro,nosuid,nodev'
like "$out" "rw: written" 'bind_rw: the jail writes...'
ok '... through to the host directory' test -e "$T/rw/from-jail"
like "$out" "devlog: absent" 'no /dev/log when the jail did not ask for one'
like "$out" "bg: running" 'a background job runs during the session'
like "$out" "close_session: Success (0)" 'close_session succeeds'
like "$(cat "$SYSLOG")" "closed session $id for u1 (jail $J, profile pamtest)" 'syslog: the closed line'
sleep 0.2
nok 'after close: the background job was killed' netns_pgrep "sleep $BGSLEEP"
# Gone, or a zombie waiting for its parent (the init's exit can outlast
# close_session's bounded WNOHANG poll under load): no running init.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
nok 'after close: no init left' alive "$ipid"
for d in $CGDIRS; do
	d=${d%@}
	nok "after close: no cgroup ${d}PARENT/u1/ID left" test -e "/sys/fs/cgroup/${d}$CGROUP_PARENT/u1/$id"
done
is "$(ls -A "$REG" 2>/dev/null)" "" 'after close: no session record left'

# --- the caller joins the session cgroup whole, and leaves it whole ---------
# pam_jail moves a single-threaded caller by its thread (v1 `tasks`, no RCU
# wait) and a multi-threaded one by cgroup.procs: either way every thread of
# the caller must be in the session cgroup (its children inherit the cgroup
# of the thread that forks) and back where it came from after close.
# CGCTL: the hierarchies to check, each as LABEL=ERE of its line's start.
if jail_cg_unified; then
	CGCTL='v2=0::'
else
	CGCTL='pids=[0-9]*:pids: memory=[0-9]*:memory:'
fi
for c in $CGCTL; do
	eval "origin_${c%%=*}=\$(sed -n 's/^${c#*=}//p' /proc/self/cgroup)"
done
for threads in 1 2; do
	opt=; [ "$threads" = 2 ] && opt=-t
	out=$("$PAMDRIVE" $opt -T -c "$PAMD" u1 2>&1)
	like "$out" "open_session: Success (0)" "$threads thread(s): the session opens"
	like "$out" "threads after open: $threads" "$threads thread(s): the caller has $threads"
	for c in $CGCTL; do
		is "$(echo "$out" | grep -c "after open: ${c#*=}/$CGROUP_PARENT/u1/[0-9a-f]*\$")" "$threads" \
			"$threads thread(s): every thread is in the session's ${c%%=*} cgroup"
	done
	like "$out" "close_session: Success (0)" "$threads thread(s): close_session succeeds"
	for c in $CGCTL; do
		eval "origin=\$origin_${c%%=*}"
		is "$(echo "$out" | grep -c "after close: ${c#*=}$origin\$")" "$threads" \
			"$threads thread(s): after close every thread is back in its ${c%%=*} cgroup ($origin)"
	done
	d=pids/
	jail_cg_unified && d=
	is "$(ls "/sys/fs/cgroup/$d$CGROUP_PARENT/u1" 2>/dev/null | grep -c '^[0-9a-f]\{16\}$')" 0 \
		"$threads thread(s): the session cgroup is removed"
done

# --- a jail that asks for a log socket (jailctl init writes .jail/manifest) -------
install -d -m 0700 "$J/.jail"
printf '# jail manifest v1: written by jailctl, do not edit\nlogsocket 1\n' >"$J/.jail/manifest"
chmod 0600 "$J/.jail/manifest"
out=$("$PAMDRIVE" -c "$PAMD" u1 'test -S /dev/log && echo socket; logger -t jailtest hello-from-the-jail' 2>&1)
like "$out" "socket" 'logsocket 1: /dev/log in the session is a socket'
wait_log "$SYSLOG" hello-from-the-jail 5
like "$(cat "$SYSLOG")" "jailtest: hello-from-the-jail" 'logsocket 1: a line logged in the jail reaches the host syslog'
# The host has no log socket: the session opens without /dev/log (logged).
umount /dev/log || bail "umount /dev/log"
out=$("$PAMDRIVE" -c "$PAMD" u1 'test -e /dev/log && echo devlog-present; echo ran' 2>&1)
mount --bind "$T/log.sock" /dev/log || bail "bind /dev/log again"
like "$out" "open_session: Success (0)" 'logsocket 1 but no host /dev/log: the session still opens'
like "$out" "ran" '... the command runs'
unlike "$out" "devlog-present" '... without /dev/log in the session'
chown u1 "$J/.jail/manifest"
out=$("$PAMDRIVE" -c "$PAMD" u1 'true' 2>&1)
like "$out" "jail manifest .jail/manifest is owned by uid" 'a manifest not owned by root refuses the session'
rm -rf "$J/.jail"

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
for i in $(seq 100); do netns_pgrep "sleep 600" >/dev/null && break; sleep 0.05; done
ok 'the session'"'"'s processes are seen from the host (the check used after close works)' \
	netns_pgrep "sleep 600"
is "$(enter "$sid" -- hostname 2>&1)" pamtest-host 'enter ID -- hostname: the session'"'"'s uts namespace'
out=$(enter "$sid" -- cat /proc/self/status 2>&1)
like "$out" "CapBnd:	0000000000000400" 'enter: the bounding set is the profile'"'"'s'
out=$(enter "$sid" -- ps -e -o pid=,comm= 2>&1)
like "$out" "1 jail-init" 'enter: the session'"'"'s pid namespace (its init is pid 1)'
like "$out" "sleep" 'enter: the session'"'"'s processes are visible'
is "$(echo "$out" | awk '$1 > 50' | wc -l)" 0 'enter: no host process is visible'
like "$(enter "$sid" -- cat /proc/self/cgroup 2>&1)" "$CGPFX/$CGROUP_PARENT/u1/$sid" 'enter: the command runs in the session cgroup'
is "$(enter "$sid" -- cat /etc/jail-marker 2>&1)" in-jail 'enter: the root is the jail'
nok 'enter: the host file system is not reachable' enter "$sid" -- test -e "$T/host-only-marker"
is "$(enter "$sid" -- id -u 2>&1)" 0 'enter without --user: root inside the session'
is "$(enter "$sid" --user -- id -un 2>&1)" u1 'enter --user: the session'"'"'s user'
out=$(enter "$sid" --user -- grep -E "'^(NoNewPrivs|Seccomp|CapBnd):'" /proc/self/status 2>&1)
like "$out" "NoNewPrivs:	1" 'enter --user: through jailsh (no_new_privs)'
like "$out" "Seccomp:	2" 'enter --user: through jailsh (seccomp)'
like "$out" "CapBnd:	0000000000000400" 'enter --user: the profile'"'"'s bounding set'
out=$(enter "$sid" -- sh -c 'echo evil >/proc/sys/kernel/hostname' 2>&1)
like "$out" "Read-only file system" 'enter: even root cannot write /proc/sys (read-only mount)'
is "$(enter "$sid" -- hostname 2>&1)" pamtest-host 'enter: the hostname is unchanged'
out=$(enter 0123456789abcdef -- true 2>&1)
like "$out" "no session 0123456789abcdef" 'enter: an unknown session id is refused'
out=$(enter ../../etc -- true 2>&1)
like "$out" "is neither a session id" 'enter: a malformed session id is refused'
cp -p "$REG/$sid" "$T/record.saved"
kill -TERM "$bgpid"
wait "$bgpid"
like "$(cat "$T/bg.out")" "close_session: Success (0)" 'the background session closes when its shell ends'
is "$(ls -A "$REG" 2>/dev/null)" "" 'its record is gone'
nok 'its processes are gone' netns_pgrep "sleep 600"
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

# --- the compiled seccomp filter's cache --------------------------------------------
# One file per set of profile settings and per module file: a module
# replaced on disk (here: another mtime) never takes a filter compiled by
# the one before.
CACHE=/run/jail/seccomp-cache
cp "$PAM_JAIL" "$T/pam_jail_copy.so"
echo "session required $T/pam_jail_copy.so config=$CONF" >"$PAMD/jail-copy"
"$PAMDRIVE" -c "$PAMD" -s jail-copy u1 >/dev/null 2>&1
n1=$(ls "$CACHE" | wc -l)
is "$(stat -c '%U %a' "$CACHE")" "root 700" 'seccomp cache: a root-only directory'
"$PAMDRIVE" -c "$PAMD" -s jail-copy u1 >/dev/null 2>&1
is "$(ls "$CACHE" | wc -l)" "$n1" 'seccomp cache: the same module and profile reuse their entry'
touch -d '2001-01-01 00:00:00' "$T/pam_jail_copy.so"
out=$("$PAMDRIVE" -c "$PAMD" -s jail-copy u1 'grep Seccomp: /proc/self/status' 2>&1)
like "$out" "Seccomp:	2" 'seccomp cache: after the module file changed, the session is filtered'
is "$(ls "$CACHE" | wc -l)" "$((n1 + 1))" 'seccomp cache: ... by a filter compiled anew (a new entry)'

# libseccomp is opened only to compile a filter, libapparmor never: neither
# is a dependency of the module (each would be loaded into every PAM session
# of the host), and a session whose filter is cached maps neither.
needed=$(readelf -d "$PAM_JAIL" | grep NEEDED)
like "$needed" "libcap.so" 'module dependencies: listed (readelf works here)'
unlike "$needed" "libseccomp" 'module dependencies: not libseccomp'
unlike "$needed" "libapparmor" 'module dependencies: not libapparmor'
sed 's/^apparmor = off/apparmor = optional/' "$CONF/profiles/pamtest.ini" >"$CONF/profiles/pamaa.ini"
add_jailed u7 pamaa
touch -d '2002-02-02 00:00:00' "$T/pam_jail_copy.so" # no cache entry for it yet
out1=$("$PAMDRIVE" -L -c "$PAMD" -s jail-copy u7 2>&1)
like "$out1" "open_session: Success (0)" 'a filter not cached yet: the session opens...'
like "$out1" "/libseccomp.so.2" '... and libseccomp was opened to compile it'
out=$("$PAMDRIVE" -L -c "$PAMD" -s jail-copy u7 'grep Seccomp: /proc/self/status' 2>&1)
like "$out" "Seccomp:	2" 'the filter cached: the session is filtered...'
unlike "$out" "libseccomp" '... and libseccomp was never loaded'
unlike "$out" "libapparmor" 'apparmor = optional: AppArmor looked for without libapparmor'
# A libseccomp replaced on disk (a security update keeps the version number):
# the cached filter is not used, the new library compiles it again.  The
# replacement is a bind mount in this test's private mount namespace.
lib=$(printf '%s\n' "$out1" | sed -n 's/.*loaded: \(.*libseccomp.so.2\)$/\1/p' | head -1)
[ -n "$lib" ] || bail "which libseccomp the module loaded: $out1"
cp "$(readlink -f "$lib")" "$T/libseccomp-new.so"
mount --bind "$T/libseccomp-new.so" "$(readlink -f "$lib")" || bail "bind a new libseccomp"
out=$("$PAMDRIVE" -L -c "$PAMD" -s jail-copy u7 2>&1)
like "$out" "/libseccomp.so.2" 'libseccomp replaced: the filter is compiled again'
out=$("$PAMDRIVE" -L -c "$PAMD" -s jail-copy u7 2>&1)
unlike "$out" "libseccomp" '... and cached again for the new library'
umount "$(readlink -f "$lib")"
# A host libseccomp that cannot be loaded (/dev/null bound over it).  With a
# filter to compile, the session still opens, filtered: pam_jail logs why and
# jailsh compiles the filter with the jail's own copy of the library.  A
# profile that names system calls cannot be checked: refused, saying why.
sed 's/^seccomp = default/seccomp = default\nseccomp_deny = msgget/' \
	"$CONF/profiles/pamtest.ini" >"$CONF/profiles/pamnames.ini"
add_jailed u8 pamnames
mount --bind /dev/null "$(readlink -f "$lib")" || bail "hide libseccomp"
touch -d '2003-03-03 00:00:00' "$T/pam_jail_copy.so" # no cache entry for it
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" -s jail-copy u7 'grep Seccomp: /proc/self/status' 2>&1)
like "$out" "Seccomp:	2" 'libseccomp not loadable on the host: the session is filtered all the same'
wait_log "$SYSLOG" "not precompiled" 5
like "$(cat "$SYSLOG")" "seccomp filter not precompiled (jailsh compiles it): seccomp: cannot load libseccomp.so.2" \
	'... and pam_jail logged why it could not compile the filter'
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" -s jail-copy u8 'echo SHELL-RAN' 2>&1)
like "$out" "open_session: Cannot make/remove an entry for the specified session (14)" \
	'libseccomp not loadable, a profile naming system calls: the session is refused'
unlike "$out" "SHELL-RAN" '... and no shell ran'
wait_log "$SYSLOG" "refused session" 5
like "$(grep 'refused session' "$SYSLOG")" "cannot load libseccomp.so.2" '... with the reason in the log'
umount "$(readlink -f "$lib")"
out=$("$PAMDRIVE" -c "$PAMD" -s jail-copy u8 'echo SHELL-RAN' 2>&1)
like "$out" "SHELL-RAN" 'the same profile with libseccomp back: the session opens'

# --- jailed by a [group:] section ---------------------------------------------------
# pam_jail looks the user's groups up only when no [user:]/users.d entry
# matches and a [group:] section exists: a member of a jailed group is still
# jailed, a non-member is not, and a [user:] entry wins over the group's.
# u5, jailed by the group alone, gets jailsh as its host login shell by hand
# (no jailctl adduser, no usermod): pam_jail refuses any other.
groupadd jgrp || bail "groupadd jgrp"
useradd -M -d /home/u5 -s "$SBIN/jailsh" -G jgrp u5 || bail "useradd u5"
useradd -M -d /home/u6 -s /bin/sh u6 || bail "useradd u6"
usermod -aG jgrp u1 || bail "usermod u1"
cp "$CONF/jail.ini" "$T/jail.ini.saved"
printf '[group:jgrp]\njail = %s\nprofile = pamnet\n' "$J" >>"$CONF/jail.ini"
# A [group:] member without a line in the jail's passwd: refused (login(1)
# would find no user there), the message says how to fix it.
out=$("$PAMDRIVE" -c "$PAMD" u5 'echo SHELL-RAN' 2>&1)
like "$out" "u5 has no line in /etc/passwd of jail $J" '[group:jgrp]: a member with no line in the jail passwd: refused'
unlike "$out" "SHELL-RAN" '[group:jgrp]: ... and nothing ran'
# The admin writes the line, with jailsh as its shell (as jailctl adduser does).
echo "u5:x:$(id -u u5):$(id -g u5)::/home/u5:$SBIN/jailsh" >>"$J/etc/passwd"
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" u5 2>&1)
like "$out" "open_session: Success (0)" '[group:jgrp]: a member (supplementary group) gets a session'
wait_log "$SYSLOG" "opened session" 5
like "$(cat "$SYSLOG")" "for u5 (jail $J, profile pamnet" '[group:jgrp]: ... in the group'"'"'s jail and profile'
out=$("$PAMDRIVE" -c "$PAMD" -s jail-only u6 2>&1)
like "$out" "open_session: Permission denied (6)" '[group:jgrp]: a non-member is not jailed (PAM_IGNORE)'
# jailctl keys resolves the same way (it looks the jail up for the key file).
like "$("$JAILCTL" --config "$CONF" keys u6 2>&1)" "u6 is not jailed" '[group:jgrp]: keys: a non-member is not jailed'
unlike "$("$JAILCTL" --config "$CONF" keys u5 2>&1)" "is not jailed" '[group:jgrp]: keys: a member is jailed (its key file is looked for in the jail)'
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" u1 2>&1)
wait_log "$SYSLOG" "opened session" 5
like "$(cat "$SYSLOG")" "for u1 (jail $J, profile pamtest" '[group:jgrp]: a member with its own users.d entry gets that entry'"'"'s profile'
cp "$T/jail.ini.saved" "$CONF/jail.ini"

done_testing
