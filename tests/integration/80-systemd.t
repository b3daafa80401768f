#!/bin/bash
# A systemd host (the guest lane, tests/guest/): systemd as pid 1, cgroup v2
# with controllers, logind, and pam_systemd in Debian's sshd stack before
# pam_jail.  Jailed ssh logins through Debian's sshd with the host's logind:
# - the session stays in logind's session-N.scope (the systemd cgroup
#   backend, lib/confine/cgroup-systemd.c), which holds the session's init;
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
if [ -z "$why" ] && grep -q '/session-[^/]*\.scope$' /proc/self/cgroup; then
	# logind refuses a session to a process inside another session.
	why="this test runs inside a login session (run it from a service or systemd-run --scope)"
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
		nsenter -t 1 -m -- userdel -f "$u" >/dev/null 2>&1
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
nsenter -t 1 -m -- userdel -f sd1 >/dev/null 2>&1 # left by an interrupted run
nsenter -t 1 -m -- useradd -M -N -g users -u "$uid" -d /nonexistent -s /usr/sbin/nologin sd1 ||
	bail "useradd sd1 on the host"
HOSTUSERS="sd1"
SCOPES=/sys/fs/cgroup/user.slice/user-$uid.slice
REG=/run/jail/sessions

# The logind session of sd1 ("" if none): its id.
sd_session() {
	nsenter -t 1 -m -- loginctl list-sessions --no-legend 2>/dev/null | awk -v u=sd1 '$3 == u {print $1}' | sort -n | tail -n1
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

# terminate-session ends everything in it.  (Never without an id: loginctl
# would end the caller's own session.)
[ -n "$sid" ] || bail "no logind session for sd1: $(grep -i -E 'pam_systemd|logind' "$SYSLOG" | tail -5)"
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
# bash doubling a string: 2^30 bytes, far beyond memory_max.
out=$(tssh sd1 'bash -c "x=.; for i in \$(seq 30); do x=\$x\$x; done; echo survived"; echo "hog exit $?"' 2>&1)
like "$out" "hog exit 137" "memory.max: a hog far beyond 64M is killed (SIGKILL, exit 137)"
j=$(nsenter -t 1 -m -- journalctl -q --no-pager -b --since=-120s 2>/dev/null | grep -i oom)
like "$j" "oom_memcg=/user.slice/user-$uid.slice/session-" "memory.max: the kernel's OOM killer acted in the session's logind scope"
# A fork loop in a live session (dash: it does not retry a failed fork, as
# bash does for half a minute each time): the scope's pids.max stops it.
# Watched from the host (pids.events), not through the session's output.
timeout 120 ssh -F "$SSH_CONFIG" -p "$SSHD_PORT" sd1@127.0.0.1 \
	'sh -c "for i in \$(seq 60); do sleep 40 & done"; echo "loop exit $?"; sleep 40' \
	</dev/null >"$T/fork.out" 2>&1 &
fork=$!
scope3=""
refused=0
for _ in $(seq 120); do
	sid3=$(sd_session)
	scope3=$SCOPES/session-$sid3.scope
	refused=$(awk '$1 == "max" {print $2}' "$scope3/pids.events" 2>/dev/null)
	[ -n "$sid3" ] && [ "${refused:-0}" -gt 0 ] && break
	sleep 0.5
done
ok "pids.max: forks were refused at the limit (pids.events max ${refused:-none})" \
	[ "${refused:-0}" -gt 0 ]
cur=$(cat "$scope3/pids.current" 2>/dev/null)
ok "pids.max: the scope holds at most 40 tasks (${cur:-none})" [ "${cur:-99}" -le 40 ]
kill "$fork" 2>/dev/null
wait "$fork" 2>/dev/null
diag "fork loop session: $(cat "$T/fork.out")"

# A busy loop under cpu_max = 20: over 3 s of wall time its scope's
# usage_usec grows by about 0.6 s, where unthrottled it would be 3 s.
timeout 60 ssh -F "$SSH_CONFIG" -p "$SSHD_PORT" sd1@127.0.0.1 \
	'echo started; end=$(($(date +%s) + 6)); while [ $(date +%s) -lt $end ]; do :; done' \
	</dev/null >"$T/busy.out" 2>&1 &
busy=$!
wait_log "$T/busy.out" started 20 || bail "the busy loop did not start: $(cat "$T/busy.out")"
sid2=$(sd_session)
scope2=$SCOPES/session-$sid2.scope
u0=$(awk '$1 == "usage_usec" {print $2}' "$scope2/cpu.stat")
sleep 3
u1=$(awk '$1 == "usage_usec" {print $2}' "$scope2/cpu.stat")
used=$(((u1 - u0) / 1000))
ok "cpu.max: 3 s of a busy loop used ${used} ms of CPU (at most 1000 ms at 20%)" [ "$used" -le 1000 ]
ok "cpu.max: the loop was throttled (nr_throttled > 0)" \
	[ "$(awk '$1 == "nr_throttled" {print $2}' "$scope2/cpu.stat")" -gt 0 ]
wait "$busy" 2>/dev/null

# --- the system bus is not reachable from the session ---------------------------
out=$(tssh sd1 'ls -d /run/dbus /run/systemd 2>&1; ls /run' 2>&1)
like "$out" "cannot access '/run/dbus': No such file or directory" "no /run/dbus in the session"
like "$out" "cannot access '/run/systemd': No such file or directory" "no /run/systemd in the session"

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
opened=$(printf '%s\n' "$after" | grep -o 'opened session [0-9a-f]* for sd1 ' | awk '{print $3}')
is "$(printf '%s\n' "$opened" | grep -c .)" 8 "8 logins: pam_jail opened 8 sessions"
unclosed=""
for id in $opened; do
	printf '%s\n' "$after" | grep -q "closed session $id for sd1 " || unclosed="$unclosed $id"
done
is "$unclosed" "" "8 logins: pam_jail closed each of them"
# pam_systemd's open notes about /run/user are the test's doing (its private
# /run does not see the runtime directory logind mounts later on the host);
# anything else from pam_systemd, at logout above all, is a failure.
sd=$(printf '%s\n' "$after" | grep pam_systemd | grep -v -e "runtime directory" -e "Runtime directory" -e XDG_RUNTIME_DIR)
is "$sd" "" "logout: no pam_systemd error (it failed to reach the system bus from inside the jail)"
unlike "$after" "Failed to connect to system bus" "logout: no 'Failed to connect to system bus'"
unlike "$after" "with an error" "logout: pam_jail closed every session without an error"
is "$(sd_session)" "" "logind has no session of sd1 left"
is "$(scopes_left)" "" "no session scope of sd1 left (was: every logout leaked one)"
is "$(sshd_cgroups_left)" "" "no jail cgroup left"
is "$(ls -A "$REG" 2>/dev/null)" "" "no session record left"

# --- jailctl ps and kill on a session in logind's scope -----------------------------
ssh_live_session sd1 60 "$T/live3.out"
sid3=$(sd_session)
ps=$("$JAILCTL" --config "$CONF" ps 2>&1)
like "$ps" "$LIVE_SID" "jailctl ps lists the session"
like "$ps" "sd1" "jailctl ps: its user"
out=$("$JAILCTL" --config "$CONF" kill "$LIVE_SID" 2>&1)
is "$?" 0 "jailctl kill of a session in logind's scope: exit 0 ($out)"
gone=no
for _ in $(seq 100); do
	if ! pgrep -u sd1 -x sleep >/dev/null && [ ! -d "$SCOPES/session-$sid3.scope" ]; then
		gone=yes
		break
	fi
	sleep 0.1
done
is "$gone" yes "jailctl kill: the session's processes are gone, and systemd removed the scope"

# --- jail's own cgroup, when the caller's systemd scope disappears ----------------
# A PAM application alone in a transient scope (as sshd's process is alone
# in logind's scope), with no pam_systemd in its stack: the session gets a
# cgroup of jail's own; joining it empties the scope, which systemd then
# removes.  At close the step back out falls back to the root cgroup, and
# the session's cgroup is removed (it used to stay: "leave ...: No such
# file or directory").
mkdir -p "$T/pam.d"
echo "session required $PAM_MODULE config=$CONF" >"$T/pam.d/jail-sd"
unit=jail-sd-$$.scope
out=$(systemd-run --scope --quiet --collect --unit="$unit" -- \
	"$TOP/tests/bin/pamdrive" -c "$T/pam.d" -s jail-sd sd1 'sleep 3; echo slept' 2>&1)
rc=$?
like "$out" "slept" "pamdrive from a transient scope: the session ran"
is "$rc" 0 "pamdrive: open and close succeeded (exit 0)"
unlike "$(cat "$SYSLOG")" "leave " "no 'leave' error at close"
ok "the transient scope the session left is gone (systemd removed it)" \
	sh -c "! nsenter -t 1 -m -- systemctl is-active --quiet $unit"
ok "jail's own cgroup was used (PARENT made under the v2 root)" [ -n "$(sshd_cgroups_left)" ]
is "$(for d in $(sshd_cgroups_left); do find "$d" -mindepth 1 -type d; done)" "" \
	"the session's own cgroup (PARENT/USER/ID) was removed"

done_testing
