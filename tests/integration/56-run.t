#!/bin/bash
# jailctl run JAIL [-p PROFILE] [-u USER] -- CMD: a command in a sandbox of
# its own, built by the same confinement core as a login (confine/sandbox.h
# and confine/self.h), in the foreground.  Asserted here:
#   - the command runs under the jail-init as pid 1, in the jail, with the
#     profile's user-side layers (NoNewPrivs 1, Seccomp 2, an empty bounding
#     set for the default profile) and the jail read-only (EROFS), /tmp
#     writable;
#   - -u USER runs it as that user (uid and groups), root otherwise;
#   - the exit status is the command's, 128+N when signal N killed it;
#   - TERM sent to jailctl reaches the command (its trap runs);
#   - jailctl killed with SIGKILL takes the init and the command with it;
#   - nothing is left: no cgroup, no init, no record (jailctl gc after
#     a SIGKILL);
#   - bad input (relative jail, no command, unknown profile or user, a
#     login-only restricted profile, a jail that fails the ownership chain)
#     is refused with the reason and builds nothing.
. "$(dirname "$0")/../lib.sh"
jail_test_setup
jail_test_private_etc

J=$T/jails/run
"$JAILCTL" --config "$CONF" init "$J" basicshell >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
run() { "$JAILCTL" --config "$CONF" run "$@"; }
# The host's cgroup trees and processes are not private to the test, and
# another test may run sandboxes beside it: this run's go under a
# cgroup_parent of its own, and every check looks there only.
CGROUP_PARENT=jail-test-$$-${T##*.}
printf '[jail]\ncgroup_parent = %s\n' "$CGROUP_PARENT" >"$CONF/jail.ini"
chmod 0644 "$CONF/jail.ini"

# Sandbox cgroups jailctl made (ids of 16 hex digits under <hierarchy>/
# [<controller>/]$CGROUP_PARENT/<user>/), and the jail-inits alive in them.
cg_ids() {
	find /sys/fs/cgroup -maxdepth 5 -type d -path "*/$CGROUP_PARENT/*/*" 2>/dev/null |
		sed -n 's|.*/\([0-9a-f]\{16\}\)$|\1|p' | sort -u
}
cg_count() { cg_ids | wc -l; }
inits() { cgroup_procs "$CGROUP_PARENT" jail-init | sort | tr '\n' ' '; }
# sleep61: the pids of this test's `sleep 61.25` (builtins: mapfile reads
# the NUL-separated command line).
sleep61() {
	local p a
	for p in $(cgroup_procs "$CGROUP_PARENT" sleep); do
		mapfile -t -d '' a 2>/dev/null <"/proc/$p/cmdline"
		[ "${a[*]}" = "sleep 61.25" ] && echo "$p"
	done
}
CG0=$(cg_count)
CGIDS0=$(cg_ids | tr '\n' ' ')
# What the runs made and left (the killed run's directories, the parent)
# is removed at the end.
cg_dirs() {
	find /sys/fs/cgroup -maxdepth 5 -type d \( -name "$CGROUP_PARENT" -o -path "*/$CGROUP_PARENT/*" \) \
		2>/dev/null | sort
}
INITS0=$(inits)
is "$CG0 $INITS0" "0 " "this run's cgroup_parent ($CGROUP_PARENT) is new: no cgroup, no init in it"

out=$(run "$J" -- cat /proc/1/comm 2>"$T/err")
is "$out" "jail-init" 'pid 1 of the command is the jail-init'
out=$(run "$J" -- sh -c 'echo $$' 2>>"$T/err")
is "$out" "2" 'the command is pid 2 of its own pid namespace'
out=$(run "$J" -- grep -E '^(NoNewPrivs|Seccomp|CapBnd):' /proc/self/status 2>>"$T/err")
like "$out" "NoNewPrivs:	1" 'no_new_privs is set (confine/self.h)'
like "$out" "Seccomp:	2" 'a seccomp filter is installed'
like "$out" "CapBnd:	0000000000000000" "the default profile's bounding set is empty, root or not"
out=$(run "$J" -- sh -c 'touch /usr/bin/planted 2>&1; echo rc=$?' 2>>"$T/err")
like "$out" "Read-only file system" 'root in the sandbox cannot write the jail: EROFS'
like "$out" "rc=1" 'the write failed'
nok 'nothing was planted in the tree' test -e "$J/usr/bin/planted"
out=$(run "$J" -- sh -c 'echo x >/tmp/f && cat /tmp/f' 2>>"$T/err")
is "$out" "x" '/tmp is writable (the sandbox tmpfs)'
nok 'and the tree has no such file' test -e "$J/tmp/f"
out=$(run "$J" -- sh -c 'ls /' 2>>"$T/err")
unlike "$out" "jails" 'the host tree is gone (pivot_root), only the jail is seen'

# Users.
useradd -M -d /nonexistent -s /bin/sh runner || bail "useradd runner"
groupadd -f runnergrp && usermod -a -G runnergrp runner || bail "groupadd"
RU=$(id -u runner)
RG=$(getent group runnergrp | cut -d: -f3)
out=$(run "$J" -u runner -- grep -E '^(Uid|Gid|Groups):' /proc/self/status 2>>"$T/err")
like "$out" "Uid:	$RU	$RU	$RU	$RU" "-u runner runs as runner's uid ($RU), every uid"
like "$(printf '%s\n' "$out" | grep '^Groups:' | tr '\t' ' ') " " $RG " "with runner's supplementary groups ($RG)"
out=$(run "$J" -- grep '^Uid:' /proc/self/status 2>>"$T/err")
like "$out" "Uid:	0	0	0	0" 'without -u: root'

# Exit statuses.
run "$J" -- sh -c 'exit 3' 2>>"$T/err"
is "$?" 3 "the command's exit status is jailctl's"
run "$J" -- sh -c 'kill -USR1 $$' 2>>"$T/err"
is "$?" 138 'killed by SIGUSR1: 128+10'
run "$J" -- /no/such/program 2>"$T/noprog"
is "$?" 127 'a program that does not exist in the jail: 127'
like "$(cat "$T/noprog")" "exec /no/such/program in $J" 'and says so'

# Signal forwarding: TERM to jailctl reaches the command's trap.
# (jailctl itself in the background, not a subshell running it: $! is its pid)
"$JAILCTL" --config "$CONF" run "$J" -- \
	sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' \
	>"$T/fwd.out" 2>>"$T/err" &
JP=$!
for _ in $(seq 50); do grep -q ready "$T/fwd.out" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$JP"
wait "$JP"
is "$?" 7 'TERM sent to jailctl: the command trapped it and exited 7'
like "$(cat "$T/fwd.out")" "got-term" 'the trap ran inside the sandbox'

# jailctl killed outright: nothing of the sandbox survives it.
"$JAILCTL" --config "$CONF" run "$J" -- sh -c 'echo ready; exec sleep 61.25' \
	>"$T/kill.out" 2>>"$T/err" &
JP=$!
for _ in $(seq 50); do grep -q ready "$T/kill.out" 2>/dev/null && break; sleep 0.1; done
ok 'the command runs (sleep 61.25)' test -n "$(sleep61)"
ok '... under its jail-init, in the cgroup the checks look at' test -n "$(inits)"
kill -KILL "$JP"
wait "$JP" 2>/dev/null
for _ in $(seq 50); do [ -z "$(sleep61)" ] && break; sleep 0.1; done
is "$(sleep61)" "" 'jailctl SIGKILLed: the command is gone too (PR_SET_PDEATHSIG)'
for _ in $(seq 50); do [ "$(inits)" = "$INITS0" ] && break; sleep 0.1; done
is "$(inits)" "$INITS0" 'and so is its jail-init'

is "$(inits)" "$INITS0" 'no jail-init is left by any run'
# The SIGKILL above left its (empty) cgroup and its record: jailctl gc
# removes both (the record names the run's opener, jailctl, gone).  Every
# other run removed its own.
is "$(cg_count)" $((CG0 + 1)) 'one cgroup left, the killed one; none of the runs that ended'
is "$(ls /run/jail/sessions | wc -l)" 1 'and one record, the killed one'
out=$("$JAILCTL" --config "$CONF" gc 2>&1)
like "$out" "cgroup removed" 'jailctl gc cleans the killed run up'
is "$(cg_count)" "$CG0" '... its cgroup is gone'
is "$(ls /run/jail/sessions | wc -l)" 0 '... and its record'

# Bad input: refused, with the reason, before anything is made.
CG1=$(cg_count)
run relative/jail -- true 2>"$T/bad"
is "$?" 2 'a relative jail path: usage error (2)'
like "$(cat "$T/bad")" "must be an absolute path" 'and says why'
run "$J" 2>"$T/bad"
is "$?" 2 'no command: usage error (2)'
run "$J" -p nosuch -- true 2>"$T/bad"
is "$?" 1 'an unknown profile: refused (1)'
like "$(cat "$T/bad")" "nosuch" 'naming the profile'
run "$J" -u nosuchuser -- true 2>"$T/bad"
is "$?" 1 'an unknown user: refused (1)'
like "$(cat "$T/bad")" "nosuchuser" 'naming the user'
run "$J" -p sftp-only -- true 2>"$T/bad"
is "$?" 1 'a restricted (login-only) profile: refused'
like "$(cat "$T/bad")" "restricted to commands" 'saying why'
chmod g+w "$J"
run "$J" -- true 2>"$T/bad"
is "$?" 1 'a jail that fails the ownership chain: refused'
like "$(cat "$T/bad")" "writable by its group" 'naming the problem'
chmod g-w "$J"
is "$(cg_count)" "$CG1" 'the refusals made no cgroup'
is "$(inits)" "$INITS0" 'and started no init'
cg_dirs | sort -r | while read -r d; do rmdir "$d"; done
is "$(cg_dirs)" "" "the host's cgroup trees are as before the test (no $CGROUP_PARENT left)"
done_testing
