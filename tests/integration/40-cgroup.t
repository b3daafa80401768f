#!/bin/bash
# Session cgroups for real: limits written, a memory hog OOM-killed at the
# memory limit, a fork loop stopped at pids.max, destroy kills and removes
# everything.  Runs against the host's hierarchy (v1 on a hybrid host, v2 on
# a pure v2 host) and against the other version where the host has one with
# controllers.  A hybrid host's v2 tree without controllers still gets the
# real v2 mechanics (create, join, cgroup.kill, rmdir, limits refused); the
# v2 limits part is then reported as a TAP skip, not a pass.
. "$(dirname "$0")/../lib.sh"
jail_test_setup

CG=$TOP/tests/bin/cgtool
[ -x "$CG" ] || bail "tests/bin/cgtool not built (make unit-tests)"
P=jail-test-$$
ID=0123456789abcdef
BG=

cleanup() {
	[ -n "$BG" ] && kill -9 "$BG" 2>/dev/null
	for r in "${ROOTS[@]}"; do
		CGTOOL_ROOT=$r "$CG" destroy "$P" alice "$ID" >/dev/null 2>&1
		for d in "$r"/*/"$P" "$r/$P"; do
			[ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null
		done
	done
	jail_test_cleanup
}
ROOTS=()
trap cleanup EXIT

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP $*"
}

# run_suite ROOT: everything against the hierarchy under ROOT.
run_suite() {
	local root=$1 ver ctrls mem pids cpu f st out
	export CGTOOL_ROOT=$root
	ROOTS+=("$root")
	read -r ver ctrls < <("$CG" version)
	diag "hierarchy under $root: cgroup v$ver ($ctrls)"
	if [ "$ver" = 1 ]; then
		mem=$root/memory/$P/alice/$ID
		pids=$root/pids/$P/alice/$ID
		cpu=$root/cpu/$P/alice/$ID
	else
		mem=$root/$P/alice/$ID
		pids=$mem
		cpu=$mem
	fi

	ok "v$ver: create session cgroup $P/alice/$ID" "$CG" create "$P" alice "$ID" 64M 50 50 0
	if [ "$ver" = 1 ]; then
		is "$(cat "$mem/memory.limit_in_bytes")" 67108864 "v1: memory.limit_in_bytes"
		if [ -e "$mem/memory.memsw.limit_in_bytes" ]; then
			is "$(cat "$mem/memory.memsw.limit_in_bytes")" 67108864 \
				"v1: memory.memsw.limit_in_bytes = memory limit"
		else
			diag "no memory.memsw.limit_in_bytes (swap accounting off)"
		fi
		is "$(cat "$pids/pids.max")" 50 "v1: pids.max"
		is "$(cat "$cpu/cpu.cfs_period_us")" 100000 "v1: cpu.cfs_period_us"
		is "$(cat "$cpu/cpu.cfs_quota_us")" 50000 "v1: cpu.cfs_quota_us (50%)"
	else
		is "$(cat "$mem/memory.max")" 67108864 "v2: memory.max"
		if [ -e "$mem/memory.swap.max" ]; then
			is "$(cat "$mem/memory.swap.max")" 0 "v2: memory.swap.max = 0"
		fi
		is "$(cat "$mem/pids.max")" 50 "v2: pids.max"
		is "$(cat "$mem/cpu.max")" "50000 100000" "v2: cpu.max"
		like "$(cat "$root/$P/cgroup.subtree_control")" memory "v2: memory enabled in the parent"
	fi
	nok "v$ver: creating the same session twice is refused" \
		"$CG" create "$P" alice "$ID" 64M 50 50 0

	# A member process, joined the way pam_jail joins: the process joins
	# itself.  A subshell waits for it and records how it ended.
	( "$CG" exec "$P" alice "$ID" -- sleep 1000; echo $? >"$T/bg.status" ) 2>/dev/null &
	BGSH=$!
	BG=
	for _ in $(seq 50); do
		BG=$(head -n1 "$pids/cgroup.procs" 2>/dev/null)
		[ -n "$BG" ] && grep -q "$P/alice/$ID" /proc/$BG/cgroup 2>/dev/null && break
		sleep 0.1
	done
	out=$(cat /proc/$BG/cgroup)
	if [ "$ver" = 1 ]; then
		like "$out" "memory:/$P/alice/$ID" "v1: the joined process is in the memory cgroup"
		like "$out" "pids:/$P/alice/$ID" "v1: the joined process is in the pids cgroup"
	else
		like "$out" "0::/$P/alice/$ID" "v2: the joined process is in the session cgroup"
	fi
	like "$("$CG" stats "$P" alice "$ID")" "procs=1 " "stats count the member"

	# Memory hog: tail keeps the whole newline-free stream in memory.
	"$CG" exec "$P" alice "$ID" -- sh -c 'head -c 512M /dev/zero | tail >/dev/null' 2>/dev/null
	st=$?
	is "$st" 137 "v$ver: memory hog killed by SIGKILL (exit 137) at the memory limit"
	if [ "$ver" = 1 ]; then
		f=$(grep '^oom_kill ' "$mem/memory.oom_control" | awk '{print $2}')
	else
		f=$(grep '^oom_kill ' "$mem/memory.events" | awk '{print $2}')
	fi
	ok "v$ver: the kernel counted an OOM kill in the session cgroup (oom_kill=$f)" \
		test "${f:-0}" -ge 1
	ok "v$ver: the other member survived the OOM kill" kill -0 "$BG"

	# Fork loop: 50 pids, 2 in use (sleep + perl): exactly 48 children.
	out=$("$CG" exec "$P" alice "$ID" -- perl -e '
		$n = 0;
		while ($n < 1000) {
			$p = fork();
			if (!defined $p) { print "$n $!\n"; exit 0 }
			if ($p == 0) { close STDOUT; sleep 30; exit 0 }
			$n++;
		}
		print "$n no limit\n";')
	is "$out" "48 Resource temporarily unavailable" \
		"v$ver: fork loop stops at pids.max with EAGAIN after 48 children"
	like "$("$CG" stats "$P" alice "$ID")" "procs=49 " "stats: sleep + 48 children"

	ok "v$ver: destroy kills and removes the session" "$CG" destroy "$P" alice "$ID"
	wait "$BGSH"
	is "$(cat "$T/bg.status")" 137 "v$ver: the member process was killed by SIGKILL"
	BG=
	out=$(pgrep -f 'sleep 30' | while read -r p; do grep -l "$P" /proc/$p/cgroup 2>/dev/null; done)
	is "$out" "" "v$ver: no forked child left"
	out=$(find "$root" -maxdepth 4 -mindepth 1 -type d -path "*/$P/*" 2>/dev/null)
	is "$out" "" "v$ver: nothing left under the test parent $P"
	nok "v$ver: the session cannot be opened any more" "$CG" stats "$P" alice "$ID"
	for d in "$root"/*/"$P" "$root/$P"; do [ -d "$d" ] && rmdir "$d"; done
	unset CGTOOL_ROOT
}

# run_v2_bare ROOT: a real cgroup v2 hierarchy without controllers (the
# hybrid host's unified tree): no limit can be enforced there, so a limit is
# refused (fail closed); the rest (create, join, cgroup.kill, rmdir) is the
# kernel's real v2 behaviour.
run_v2_bare() {
	local root=$1 d out
	export CGTOOL_ROOT=$root
	ROOTS+=("$root")
	d=$root/$P/alice/$ID
	out=$("$CG" create "$P" alice "$ID" 64M max 0 0 2>&1)
	like "$out" "memory_max is set but cgroup v2 under $root has no memory controller" \
		"v2 without controllers: a memory limit is refused (fail closed)"
	ok "v2 without controllers: nothing created for the refused session" test ! -e "$d"
	ok "v2 (real, no controllers): create an unlimited session cgroup" \
		"$CG" create "$P" alice "$ID" max max 0 0
	is "$(cat "$root/$P/cgroup.subtree_control")" "" \
		"v2: no controller enabled where none is available"
	( "$CG" exec "$P" alice "$ID" -- sh -c 'sleep 1000 & sleep 1000 & exec sleep 1001'
		echo $? >"$T/v2.status" ) 2>/dev/null &
	BGSH=$!
	for _ in $(seq 50); do
		[ "$(wc -l <"$d/cgroup.procs" 2>/dev/null)" = 3 ] && break
		sleep 0.1
	done
	BG=$(head -n1 "$d/cgroup.procs")
	local members
	members=$(cat "$d/cgroup.procs")
	like "$(cat "/proc/$BG/cgroup")" "0::/$P/alice/$ID" "v2: the joined process is in the session cgroup"
	like "$("$CG" stats "$P" alice "$ID")" "procs=3 " "v2: stats count the session's 3 processes"
	ok "v2: destroy (cgroup.kill) kills and removes the session" "$CG" destroy "$P" alice "$ID"
	wait "$BGSH"
	is "$(cat "$T/v2.status")" 137 "v2: the session's main process was killed by SIGKILL"
	out=
	for p in $members; do
		st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $1}')
		case "${st:-gone}" in gone | Z) ;; *) out="$out $p:$st" ;; esac
	done
	is "$out" "" "v2: its background children were killed too"
	out=$(find "$root/$P" -mindepth 1 -type d 2>/dev/null)
	is "$out" "" "v2: nothing left under the test parent"
	rmdir "$root/$P"
	BG=
	unset CGTOOL_ROOT
}

read -r hostver _ < <("$CG" version) || bail "no cgroup hierarchy: $("$CG" version 2>&1)"
run_suite /sys/fs/cgroup

# The other version.
if [ "$hostver" = 1 ]; then
	u=/sys/fs/cgroup/unified
	if [ -s "$u/cgroup.controllers" ]; then
		run_suite "$u"
	elif [ -e "$u/cgroup.controllers" ]; then
		run_v2_bare "$u"
		skip "real cgroup v2 limits: $u has no controllers on this hybrid host (all are" \
			"bound to v1); the v2 limit writer is tested on a fake tree in tests/unit/test_cgroup"
	else
		skip "real cgroup v2 test: this host has no cgroup v2 hierarchy"
	fi
else
	skip "real cgroup v1 test: this host is pure cgroup v2 (no v1 controllers mounted)"
fi

done_testing
