#!/bin/bash
# Fault injection: every setup step of pam_jail made to fail in turn.
#
# tests/bin/pam_jail_faults.so is pam_jail built with -DJAIL_FAULT_INJECTION
# (lib/base/fault.h): JAIL_FAULT=POINT (or POINT:N, the N-th time a point in a
# loop is reached) makes that step fail with EIO, through the step's own
# error path.  For every point found in lib/*/*.c, and every time it is
# reached, a login through the real libpam (pamdrive) must be refused:
#   - pam_open_session fails, the user is told why, a syslog (authpriv) line
#     "refused session" carries a reason that names the step (one reason
#     per step: no two faults give the same line);
#   - the user's command never ran (its marker files do not exist);
#   - nothing is left: no session cgroup (not even the per-user directory),
#     no registry record, no process of the attempt (the session init
#     included), no mount and no hostname change in the caller's namespace
#     (made shared here, so that a mount done before the session's private
#     propagation would show up in it).
# Then POINT:(N+1) must open a normal session (the point is reached exactly
# the expected number of times), and so must a run without JAIL_FAULT.
#
# The production module must carry no hook at all: no JAIL_FAULT string, no
# point names, no jail_fault symbol.
#
# Faults after pivot_root (detach-root, caps-bounding) leave the CALLER
# (pamdrive here, sshd's privileged monitor in production) inside the jail's
# mount namespace with the old root still stacked (detach-root): that cannot
# be undone, but it is the caller's own private namespace, which dies with
# it (sshd's monitor exits when pam_open_session fails); the host keeps
# nothing, as the checks below show for every point.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
FAULTS_SO=$TOP/tests/bin/pam_jail_faults.so
[ -x "$PAMDRIVE" ] || bail "tests/bin/pamdrive missing: run make unit-tests"
[ -f "$FAULTS_SO" ] || bail "tests/bin/pam_jail_faults.so missing: run make unit-tests"
REG=/run/jail/sessions
J=$T/jails/j1
# Every process of an attempt carries this in its environment (the session
# init is forked, never exec'd, from pamdrive): what to look for afterwards.
TAG="JAIL_FAULTS_TEST_RUN=$T"

# --- the production module has no hook ---------------------------------------------
POINTS=$(grep -oh 'jail_fault("[^"]*")' "$TOP"/lib/*/*.c | sed 's/^jail_fault("\(.*\)")$/\1/' | sort -u)
[ -n "$POINTS" ] || bail "no jail_fault() point in lib/*/*.c"
prod_strings=$(strings -a "$PAM_JAIL")
faults_strings=$(strings -a "$FAULTS_SO")
unlike "$prod_strings" "JAIL_FAULT" 'pam_jail.so: no JAIL_FAULT string (no environment hook)'
like "$faults_strings" "JAIL_FAULT" 'pam_jail_faults.so: has the JAIL_FAULT hook (the check above can fail)'
leaked=""
for p in $POINTS; do
	case $p in *-*) printf '%s\n' "$prod_strings" | grep -qxF -- "$p" && leaked="$leaked $p" ;; esac
done
is "$leaked" "" 'pam_jail.so: no fault point name'
is "$(nm "$PAM_JAIL" | grep -c jail_fault)" 0 'pam_jail.so: no jail_fault symbol'
ok 'pam_jail_faults.so: has the jail_fault symbol' sh -c "nm '$FAULTS_SO' | grep -q jail_fault"

# --- the jail, the user, the profile ----------------------------------------------
mkdir -p "$J"/{etc,home,tmp,proc,dev,run,srv/ro1,srv/ro2,srv/rw1} "$J"/usr/{bin,lib,lib64,sbin}
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$J/$l"; done
jail_add_prog "$J" sh touch "$SBIN/jailsh"
# The jail asks for a log socket: the /dev/log bind is one of the steps.
install -d -m 0700 "$J/.jail"
printf '# jail manifest v1: written by jailctl, do not edit\nlogsocket 1\n' >"$J/.jail/manifest"
chmod 0600 "$J/.jail/manifest"
chmod -R go-w "$J"
# u1's shell, on the host and in the jail, is jailsh, as jailctl adduser
# writes them (pam_jail refuses another: sshd, su and login(1) would run it).
useradd -M -d /home/u1 -s "$SBIN/jailsh" u1 || bail "useradd u1"
grep -E '^(root|u1):' /etc/passwd >"$J/etc/passwd"
grep -E '^(root|u1):' /etc/group >"$J/etc/group"
install -d -o u1 -g u1 -m 0755 "$J/home/u1"
mkdir -p "$T/ro1" "$T/ro2" "$T/rw1"
chmod 0777 "$T/rw1"

# Every optional step on: net = none (net unshare, loopback), a hostname,
# a required cgroup with every limit (one hierarchy per controller on v1),
# two read-only binds and a read-write one.
{
	echo "[profile]"
	echo "hostname = faults"
	echo "net = none"
	echo "cgroup = required"
	echo "memory_max = 256M"
	echo "pids_max = 128"
	echo "cpu_max = 50"
	echo "caps = none"
	echo "seccomp = default"
	echo "apparmor = off"
	echo "landlock = off"
	echo "tmp_size = 8M"
	echo "run_size = 1M"
	echo "bind_ro = $T/ro1:/srv/ro1, $T/ro2:/srv/ro2"
	echo "bind_rw = $T/rw1:/srv/rw1"
} >"$CONF/profiles/faults.ini"
chmod 0644 "$CONF/profiles/faults.ini"
sshd_write_jail_ini "[user:u1]" "jail = $J" "profile = faults" "shell = /bin/sh"

PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$FAULTS_SO" "$CONF" \
	>"$PAMD/jail-test"

# --- what "nothing left" means ---------------------------------------------------
# Make the caller's mounts shared: a mount done in pamdrive's new namespace
# before it makes / private would then propagate back here.
mount --make-rshared / || bail "make / rshared"
mkdir -p "$T/probe-mnt"
MOUNTS0=$(cat /proc/self/mountinfo)
HOST0=$(hostname)
# The mount check can fail: a mount in a new namespace that was not made
# private shows up here.
unshare -m --propagation unchanged mount -t tmpfs faults-probe "$T/probe-mnt"
like "$(cat /proc/self/mountinfo)" "faults-probe" \
	"the mount check can fail: a mount in a child namespace not yet private shows up in ours"
umount "$T/probe-mnt"
is "$(cat /proc/self/mountinfo)" "$MOUNTS0" '... and once unmounted, the mount table is as before'
# Processes of an attempt still alive (zombies are dead and awaiting reaping).
tagged_procs() {
	local f p
	for f in $(grep -lzxF -- "$TAG" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f%/environ}
		grep -q '^State:.*Z' "$p/status" 2>/dev/null || echo "${p#/proc/}"
	done
}
leftovers() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -path "*/$CGROUP_PARENT/*" \
		! -path "*/$CGROUP_PARENT/sshd-faults" 2>/dev/null
	ls -A "$REG" 2>/dev/null
	tagged_procs
}
run() { # JAIL_FAULT-VALUE NAME: pamdrive with the faults module; sets $out $rc
	: >"$SYSLOG"
	out=$(env "$TAG" ${1:+JAIL_FAULT="$1"} "$PAMDRIVE" -c "$PAMD" u1 \
		"touch /home/u1/ran.$2 $T/ran.$2; export -p >/home/u1/env.$2" 2>&1)
	rc=$?
}

# --- baseline: the faults module works without a fault -----------------------------------
run "" control
is "$rc" 0 'control (no JAIL_FAULT): the session opens and the command succeeds'
ok 'control: the command ran in the jail' test -e "$J/home/u1/ran.control"
is "$(leftovers)" "" 'control: nothing left after close'
# The cgroup hierarchies a session uses (the parent directories stay).
NHIER=$(sshd_cgroups_left | wc -l)
[ "$NHIER" -ge 1 ] || bail "the control session made no cgroup"
diag "cgroup hierarchies per session: $NHIER"
# The process check can fail: a live session's init carries the tag.
mkfifo -m 0666 "$T/rw1/fifo"
env "$TAG" "$PAMDRIVE" -c "$PAMD" u1 "read x </srv/rw1/fifo" >"$T/live.out" 2>&1 &
live=$!
for i in $(seq 100); do
	[ -n "$(for p in $(tagged_procs); do grep -x jail-init "/proc/$p/comm"; done 2>/dev/null)" ] && break
	sleep 0.05
done
is "$(for p in $(tagged_procs); do cat "/proc/$p/comm"; done 2>/dev/null | sort | tr '\n' ' ')" \
	"jail-init pamdrive " 'the process check can fail: it sees a live session (pamdrive and its init)'
timeout 10 sh -c "echo done >'$T/rw1/fifo'"
wait "$live"
is "$?" 0 'the live session ends normally'
is "$(leftovers)" "" 'the live session: nothing left after close'
run "nosuch-point" env
is "$rc" 0 'JAIL_FAULT naming no point: the session opens'
ok 'JAIL_FAULT naming no point: the command ran' test -e "$J/home/u1/ran.env"
unlike "$(cat "$J/home/u1/env.env" 2>/dev/null)" "JAIL_FAULT" \
	"JAIL_FAULT is not in the session user's environment"
unlike "$(cat "$J/home/u1/env.env" 2>/dev/null)" "JAIL_FAULTS_TEST_RUN" \
	"the caller's environment is not the session user's"

# --- the steps, in order, and what each refusal must say -------------------------------
# REASON[point:N]: text the refusal reason must contain; COUNT[point]: how
# many times a session reaches the point ("1+" : at least once, only the
# first is tried: the bounding set drops one capability per hit).
declare -A REASON COUNT
expect() { # POINT N REASON
	REASON[$1:$2]=$3
	case ${COUNT[$1]:-0} in 1+) ;; *) [ "$2" -gt "${COUNT[$1]:-0}" ] && COUNT[$1]=$2 ;; esac
}
for n in $(seq "$NHIER"); do
	expect cgroup-create "$n" "cgroup required by profile faults: create cgroup /sys/fs/cgroup/"
	expect cgroup-join "$n" "cgroup required by profile faults: join pid "
done
n=0
for ns in mount pid ipc uts net; do
	expect unshare $((n += 1)) "unshare the $ns namespace: Input/output error"
done
expect sethostname 1 "sethostname 'faults': Input/output error"
expect net-loopback 1 "private network namespace: bring lo up: Input/output error"
expect init-fork 1 "fork the session init: Input/output error"
expect init-proc 1 "session init: fsopen proc: Input/output error"
M="mounts in jail $J"
expect mount-private 1 "$M: make / private: Input/output error"
expect mount-jail 1 "$M: bind the jail root: Input/output error"
expect mount-jail-ro 1 "$M: set mount flags of the jail root: Input/output error"
expect mount-proc 1 "$M: mount /proc: Input/output error"
# /proc entries masked or made read-only: those this kernel has.
n=0
for e in sys sysrq-trigger irq bus fs; do
	[ -e "/proc/$e" ] && expect mount-proc-ro $((n += 1)) "$M: bind /proc/$e: Input/output error"
done
[ "$n" -gt 0 ] || bail "no /proc/sys?"
n=0
for e in kcore keys kmsg timer_list sched_debug latency_stats timer_stats config.gz; do
	[ -e "/proc/$e" ] && expect mount-proc-mask $((n += 1)) "$M: bind /dev/null on /proc/$e: Input/output error"
done
MASKDIRS=0
for e in acpi scsi asound; do
	[ -d "/proc/$e" ] && expect mount-proc-maskdir $((MASKDIRS += 1)) "$M: mask /proc/$e: Input/output error"
done
n=0
for d in null zero full random urandom tty; do
	expect mknod-dev $((n += 1)) "$M: /dev: mknod /dev/$d: Input/output error"
done
expect mount-dev 1 "$M: /dev: mount /dev: Input/output error"
expect mount-devpts 1 "$M: /dev: mount /dev/pts: Input/output error"
expect mount-ptmx 1 "$M: /dev: bind /dev/pts/ptmx: Input/output error"
expect mount-shm 1 "$M: /dev: mount /dev/shm: Input/output error"
expect mount-log 1 "$M: /dev: bind the host's /dev/log: Input/output error"
expect mount-tmpfs 1 "$M: mount /tmp: Input/output error"
expect session-file 1 "$M: create /run/jail/session: Input/output error"
expect session-seccomp 1 "$M: create /run/jail/seccomp: Input/output error"
expect mount-tmpfs 2 "$M: mount /run: Input/output error"
expect mount-home 1 "$M: bind home /home/u1: Input/output error"
expect mount-bind 1 "$M: bind_ro: host path $T/ro1: Input/output error"
expect mount-bind 2 "$M: bind_ro: host path $T/ro2: Input/output error"
expect mount-bind 3 "$M: bind_rw: host path $T/rw1: Input/output error"
expect registry-write 1 "session record: write session record "
expect pivot-root 1 "jail $J: pivot_root into the jail: Input/output error"
expect detach-root 1 "jail $J: detach the host root: Input/output error"
COUNT[caps-bounding]=1+
expect caps-bounding 1 "capability bounding set: drop cap_chown from the bounding set: Input/output error"

# A kernel without the masked /proc directories never reaches that point.
if [ "$MASKDIRS" = 0 ]; then
	diag "this kernel has none of /proc/acpi, /proc/scsi, /proc/asound: mount-proc-maskdir is only shown never to fire"
	COUNT[mount-proc-maskdir]=0
fi

is "$(printf '%s\n' "${!COUNT[@]}" | sort)" "$POINTS" \
	'every jail_fault() point in lib/*/*.c has a test here, and no test names a point that does not exist'

# --- every point, every hit: refused, and nothing left --------------------------------
declare -A SEEN
dup=""
refused() { # POINT N
	local name="$1:$2" reason=${REASON[$1:$2]} line id norm
	run "$name" "$1.$2"
	is "$rc" 70 "$name: pam_open_session fails"
	like "$out" "conv: jail: session refused: " "$name: the user is told the session is refused"
	like "$out" "$reason" "$name: ... and why"
	if wait_log "$SYSLOG" "refused session" 5; then
		line=$(grep 'pam_jail_faults(jail-test:session): refused session' "$SYSLOG")
		like "$line" "for u1 (jail $J, profile faults): " "$name: syslog: a refusal line for u1"
		like "$line" "$reason" "$name: syslog: with the reason"
		# One line per step: the reason without the session id must be new.
		id=$(printf '%s\n' "$line" | sed -n 's/.*refused session \([^ ]*\) for.*/\1/p')
		norm=$(printf '%s\n' "$line" | sed 's/.*(jail [^)]*): //')
		[ -n "$id" ] && [ "$id" != - ] && norm=${norm//$id/ID}
		norm=${norm:-(no reason)}
		[ -n "${SEEN[$norm]:-}" ] && dup="$dup $name=${SEEN[$norm]}"
		SEEN[$norm]=$name
		[ -n "${SHOW:-}" ] && diag "$norm"
	else
		nok "$name: syslog: a refusal line (none within 5 s)" true
	fi
	nok "$name: the command never ran" test -e "$J/home/u1/ran.$1.$2" -o -e "$T/ran.$1.$2"
	is "$(leftovers)" "" "$name: no cgroup, record or process left"
	is "$(cat /proc/self/mountinfo)" "$MOUNTS0" "$name: no mount left in (or propagated to) the caller's namespace"
	is "$(hostname)" "$HOST0" "$name: the caller's hostname is unchanged"
}
for p in $POINTS; do
	c=${COUNT[$p]}
	[ "$c" = 1+ ] && c=1
	for n in $(seq "$c"); do
		refused "$p" "$n"
	done
	[ "${COUNT[$p]}" = 1+ ] && continue
	# One past the last hit: the point is not reached again, the session opens.
	run "$p:$((c + 1))" "$p.past"
	is "$rc" 0 "$p:$((c + 1)): reached only $c time(s), the session opens"
	ok "$p:$((c + 1)): the command ran" test -e "$J/home/u1/ran.$p.past"
	is "$(leftovers)" "" "$p:$((c + 1)): nothing left after close"
done
is "$dup" "" 'every fault gives a reason of its own'

# --- and without a fault, still a normal session ---------------------------------------
run "" control2
is "$rc" 0 'control after the faults: the session opens'
ok 'control after the faults: the command ran in the jail' test -e "$J/home/u1/ran.control2"
is "$(leftovers)" "" 'control after the faults: nothing left'

# --- through the real sshd: a few steps, before, in and after the pivot ------------------
# sshd's privileged monitor calls pam_open_session; JAIL_FAULT is in sshd's
# environment (kept across its re-exec per connection), never in the user's.
# A refused session must put the monitor back in its own namespaces: sshd
# then forks the session child, which tells the user why and exits 254.
# u1 is not in group `jailed`: the key is in the host home.
_user_key /home/u1 u1
PAM_MODULE=$FAULTS_SO
sshd_pam_stack jail
# sshd rewrites its environment area (setproctitle): its processes are
# found by cgroup instead.  The listener goes into a cgroup of its own in the
# hierarchy sessions use; a monitor leaves it only for its session's cgroup
# (gone once the session is undone, see leftovers) and comes back to it.
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	MARK=/sys/fs/cgroup/$CGROUP_PARENT/sshd-faults
else
	MARK=/sys/fs/cgroup/pids/$CGROUP_PARENT/sshd-faults
fi
mkdir -p "$MARK" || bail "mkdir $MARK"
mark_procs() { cat "$MARK/cgroup.procs"; }
# ssh_run FAULT NAME: sshd with JAIL_FAULT=FAULT, one login; sets $out $rc.
ssh_run() {
	: >"$SYSLOG"
	export JAIL_FAULT=$1
	sshd_start default
	unset JAIL_FAULT
	echo "${SSHD_PIDS##* }" >"$MARK/cgroup.procs" || bail "move sshd into $MARK"
	out=$(tssh u1 "echo SHELL-RAN; touch /home/u1/ran.$2 $T/ran.$2; export -p" 2>&1)
	rc=$?
	out=$(printf '%s\n' "$out" | tr -d '\r')
	sshd_stop
	# The connection's monitor may still be closing the session (it is in
	# the session's cgroup until then).
	for i in $(seq 100); do
		[ -z "$(mark_procs)" ] && [ -z "$(leftovers)" ] && break
		sleep 0.1
	done
}
ssh_run nosuch-point ssh.control
is "$rc" 0 'sshd, no fault: the login works'
like "$out" "SHELL-RAN" 'sshd, no fault: the command ran'
unlike "$out" "JAIL_FAULT" "sshd: JAIL_FAULT of sshd's environment is not in the user's"
is "$(leftovers)" "" 'sshd, no fault: nothing left after logout'
is "$(mark_procs)" "" 'sshd, no fault: no process of sshd left'
for p in unshare:1 init-proc mount-proc mount-bind:3 registry-write pivot-root detach-root caps-bounding; do
	ssh_run "$p" "ssh.${p%%:*}"
	[ "${p#*:}" = "$p" ] && k=$p:1 || k=$p
	is "$rc" 254 "sshd, $p: the login is refused (PAM session not opened)"
	unlike "$out" "SHELL-RAN" "sshd, $p: no shell ran"
	nok "$p: the command never ran" test -e "$J/home/u1/ran.ssh.${p%%:*}" -o -e "$T/ran.ssh.${p%%:*}"
	like "$out" "jail: session refused: " "sshd, $p: the client is told"
	like "$out" "${REASON[$k]}" "sshd, $p: ... why"
	wait_log "$SYSLOG" "refused session" 5
	like "$(grep 'pam_jail_faults(sshd:session): refused session' "$SYSLOG")" "${REASON[$k]}" \
		"sshd, $p: syslog: the refusal and its reason"
	is "$(leftovers)" "" "sshd, $p: no cgroup or record left"
	is "$(mark_procs)" "" "sshd, $p: no process of sshd left"
	is "$(cat /proc/self/mountinfo)" "$MOUNTS0" "sshd, $p: no mount left in sshd's namespace"
done

done_testing
