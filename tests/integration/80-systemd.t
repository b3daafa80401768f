#!/bin/bash
# A systemd host (the guest lane, tests/guest/): systemd as pid 1, cgroup v2
# with controllers, logind, and pam_systemd in Debian's sshd stack before
# pam_jail.  Jailed ssh logins through Debian's sshd with the host's logind:
# - the session stays in logind's session-N.scope (the systemd cgroup
#   backend, lib/cgroup-systemd.c), which holds the session's init;
# - the profile's limits are set on the scope through systemd
#   (SetUnitProperties: systemctl show and the scope's files agree), and
#   the kernel enforces them: a memory hog is killed, a fork loop stops at
#   pids.max, a busy loop is throttled to cpu.max, io.weight is written;
# - `loginctl terminate-session` ends everything in the session;
# - logout: pam_systemd logs no error (pam_jail releases the logind
#   session from the host, since pam_systemd's close runs inside the jail
#   where the system bus is not), logind forgets the session, and no
#   scope or cgroup of the session is left, after many logins;
# - the system bus is not reachable from inside the session.
# The test user exists in the test's private /etc (sshd) and, for logind,
# in the host's passwd (the guest's: it is removed at exit).  Skipped, with
# the reason, on a host without systemd, cgroup v2 or logind.
why=""
if [ ! -d /run/systemd/system ]; then
	why="systemd is not pid 1 here (the guest lane runs this)"
elif [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
	why="no pure cgroup v2 hierarchy here"
elif [ ! -S /run/dbus/system_bus_socket ] || ! command -v loginctl >/dev/null; then
	why="no system bus or loginctl here"
elif ! grep -rqs pam_systemd /etc/pam.d/common-session; then
	why="pam_systemd is not in /etc/pam.d/common-session"
fi
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 0
fi
JAIL_TEST_NET=1
JAIL_TEST_HOST_SYSTEMD=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup
jail_test_host_systemd

HOSTUSERS=""
cleanup80() {
	local u
	for u in $HOSTUSERS; do
		nsenter -t 1 -m -- loginctl terminate-user "$u" >/dev/null 2>&1
		nsenter -t 1 -m -- userdel "$u" >/dev/null 2>&1
	done
	sshd_test_cleanup
	jail_test_cleanup
}
trap cleanup80 EXIT

"$JAILCTL" --config "$CONF" init "$SSHD_JAIL" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
for p in sleep cat head tail seq ls; do
	"$JAILCTL" --config "$CONF" cp "$SSHD_JAIL" "$(command -v $p)" >>"$T/init.out" 2>&1 ||
		bail "jailctl cp $p: $(tail -5 "$T/init.out")"
done
cat >"$CONF/profiles/sdlimits.ini" <<EOF
[profile]
description = limits for the systemd backend test
net = host
cgroup = required
memory_max = 64M
pids_max = 40
cpu_max = 20
io_weight = 50
caps = none
seccomp = default
apparmor = optional
landlock = optional
EOF
chmod 0644 "$CONF/profiles/sdlimits.ini"
sshd_pam_stack jail
grep -q pam_systemd /etc/pam.d/common-session || bail "no pam_systemd in the test's common-session"
sshd_start default
user_add_jailed sd1 "$SSHD_JAIL" sdlimits
# logind resolves the user in the host's passwd.
uid=$(id -u sd1)
nsenter -t 1 -m -- useradd -M -N -g users -u "$uid" -d /nonexistent -s /usr/sbin/nologin sd1 ||
	bail "useradd sd1 on the host"
HOSTUSERS="sd1"
SCOPES=/sys/fs/cgroup/user.slice/user-$uid.slice
REG=/run/jail/sessions

# The logind session of sd1 ("" if none): its id.
sd_session() {
	nsenter -t 1 -m -- loginctl list-sessions --no-legend 2>/dev/null | awk -v u=sd1 '$3 == u {print $1}' | head -n1
}
scopes_left() {
	find "$SCOPES" -maxdepth 1 -name 'session-*.scope' 2>/dev/null
}

# --- a live session sits in logind's scope, with the profile's limits ---------
ssh_live_session sd1 60 "$T/live.out"
sid=$(sd_session)
ok "logind knows the jailed session (loginctl list-sessions)" [ -n "$sid" ]
scope=$SCOPES/session-$sid.scope
ok "its scope exists: $scope" [ -d "$scope" ]
init=$(sed -n 's/^init_pid *= *//p' "$REG/$LIVE_SID" 2>/dev/null)
[ -n "$init" ] || init=$("$JAILCTL" --config "$CONF" ps 2>/dev/null | awk -v s="$LIVE_SID" '$1 == s {print $0}' | grep -o 'init [0-9]*' | awk '{print $2}')
like "$(cat "$scope/cgroup.procs")" "$(pgrep -u sd1 -x sleep | head -n1)" "the session's processes are in logind's scope"
is "$(sshd_cgroups_left)" "" "no cgroup of jail's own (cgroup_parent) for a logind session"
show=$(nsenter -t 1 -m -- systemctl show -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec -p IOWeight -p MemorySwapMax "session-$sid.scope")
like "$show" "MemoryMax=67108864" "systemd has the scope's MemoryMax (memory_max = 64M)"
like "$show" "TasksMax=40" "systemd has the scope's TasksMax (pids_max = 40)"
like "$show" "CPUQuotaPerSecUSec=200ms" "systemd has the scope's CPU quota (cpu_max = 20)"
like "$show" "IOWeight=50" "systemd has the scope's IOWeight (io_weight = 50)"
like "$show" "MemorySwapMax=0" "systemd has MemorySwapMax=0 (no swap beyond memory_max)"
is "$(cat "$scope/memory.max")" "67108864" "the kernel's memory.max of the scope"
is "$(cat "$scope/pids.max")" "40" "the kernel's pids.max of the scope"
is "$(cat "$scope/cpu.max")" "20000 100000" "the kernel's cpu.max of the scope"
like "$(cat "$scope/io.weight" 2>/dev/null)" "default 50" "the kernel's io.weight of the scope"

# terminate-session ends everything in it.
nsenter -t 1 -m -- loginctl terminate-session "$sid"
gone=no
for _ in $(seq 100); do
	if ! pgrep -u sd1 >/dev/null && [ ! -d "$scope" ]; then
		gone=yes
		break
	fi
	sleep 0.1
done
is "$gone" yes "loginctl terminate-session: no process of sd1 left, the scope is gone (10 s)"
ok "loginctl terminate-session: the ssh client ended" timeout 10 tail --pid="$SSH_BG" -f /dev/null
ok "the session's init is gone" [ -z "$init" -o ! -d "/proc/$init" ]

# --- the kernel enforces the limits --------------------------------------------
out=$(tssh sd1 'head -c 200M /dev/zero | tail -c 1 >/dev/null; echo "tail exit $?"' 2>&1)
like "$out" "tail exit 137" "memory.max: a 200 MB hog is killed (SIGKILL, exit 137)"
out=$(tssh sd1 'for i in $(seq 60); do sleep 5 & done 2>/dev/null; sleep 0.5; ls /proc | grep -c "^[0-9]"; wait' 2>/dev/null)
ok "pids.max: a fork loop stops at 40 tasks (saw ${out:-none})" [ -n "$out" ] && [ "$out" -le 40 ] && [ "$out" -ge 20 ]
out=$(tssh sd1 'cat /proc/self/cgroup' 2>&1)
# A busy loop for 3 s of wall time under cpu_max = 20: the scope's usage_usec
# grows by about 0.6 s, far below the 3 s it would use unthrottled.
ssh_live_session sd1 30 "$T/live2.out"
sid2=$(sd_session)
scope2=$SCOPES/session-$sid2.scope
u0=$(awk '$1 == "usage_usec" {print $2}' "$scope2/cpu.stat")
tssh sd1 'end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do :; done' >/dev/null 2>&1
u1=$(awk '$1 == "usage_usec" {print $2}' "$scope2/cpu.stat")
used=$(((u1 - u0) / 1000))
ok "cpu.max: a 3 s busy loop used ${used} ms of CPU (at most 1200 ms at 20%)" [ "$used" -le 1200 ]
like "$(cat "$scope2/cpu.stat")" "nr_throttled" "cpu.stat counts throttling"
ok "cpu.max: the loop was throttled (nr_throttled > 0)" [ "$(awk '$1 == "nr_throttled" {print $2}' "$scope2/cpu.stat")" -gt 0 ]
kill "$SSH_BG" 2>/dev/null
wait "$SSH_BG" 2>/dev/null

# --- the system bus is not reachable from the session ---------------------------
out=$(tssh sd1 'ls -d /run/dbus /run/systemd 2>&1; ls /run' 2>&1)
like "$out" "/run/dbus: No such file or directory" "no /run/dbus in the session"
like "$out" "/run/systemd: No such file or directory" "no /run/systemd in the session"

# --- logout: clean, and nothing left after many logins ----------------------------
: >"$SYSLOG.mark"
before=$(wc -l <"$SYSLOG")
for i in $(seq 8); do
	tssh sd1 true || diag "login $i failed"
done
for _ in $(seq 100); do
	[ -z "$(sd_session)" ] && [ -z "$(scopes_left)" ] && break
	sleep 0.1
done
after=$(tail -n +"$((before + 1))" "$SYSLOG")
is "$(printf '%s\n' "$after" | grep -c 'closed session .* for sd1 ')" 8 "8 logins: pam_jail closed 8 sessions"
unlike "$after" "pam_systemd" "logout: no pam_systemd message (it used to fail: no system bus in the jail)"
unlike "$after" "Failed to connect to system bus" "logout: no 'Failed to connect to system bus'"
unlike "$after" "with an error" "logout: pam_jail closed every session without an error"
is "$(sd_session)" "" "logind has no session of sd1 left"
is "$(scopes_left)" "" "no session scope of sd1 left (was: every logout leaked one)"
is "$(sshd_cgroups_left)" "" "no jail cgroup left"
is "$(ls -A "$REG" 2>/dev/null)" "" "no session record left"

done_testing
