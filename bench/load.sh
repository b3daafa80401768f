#!/bin/bash
# bench/load.sh: many jailed ssh sessions at once, against a real sshd.
#
#   bench/load.sh [-n SESSIONS] [-c CONCURRENT] [-u USERS] [-r ROUNDS]
#                                                         (root, after make all)
#
# SESSIONS (default 200) jailed ssh sessions, CONCURRENT (default 50) in
# flight at any time, spread over USERS (default 10) jailed users (so that
# several per-user cgroup parents are used at once), each running a short
# command; and the same number of unjailed sessions the same way on the same
# sshd.  The sessions of each kind are run in ROUNDS (default 2) parts, in
# ABBA order (jailed part, unjailed part, unjailed part, jailed part, ...) so
# that a drift in the machine's load weighs on both kinds alike.  Required: zero failures (a non-zero exit or a wrong output: for a
# jailed session "ok", seccomp mode 2 and mount and pid namespaces that are
# not sshd's), and afterwards zero leaked session inits, session cgroups,
# registry records, namespaces (every mount and pid namespace a jailed
# session reported, looked for under every /proc/*/ns/ of the host; and the
# namespaces held in our network namespace, before vs after) and mounts (our
# mount table and the host's, before vs after).  Prints p50/p99 of the
# per-session wall time (ssh start to exit), jailed vs unjailed.
#
# Runs in a throwaway private mount and network namespace with a private /etc
# (the harness of tests/integration/50-ssh.t, tests/sshd-lib.sh), under
# tests/bin/reaper (a child subreaper, as systemd is for sshd on a real host:
# this VM's pid 1 does not reap orphans).  The host is not touched.
# Exit status: 0 when every session succeeded and nothing leaked.
. "$(dirname "$0")/lib.sh"
N=200
CONC=50
NUSERS=10
ROUNDS=2
bench_opts n:N:SESSIONS c:CONC:CONCURRENT u:NUSERS:USERS r:ROUNDS:ROUNDS -- "$@"
case "$N$CONC$NUSERS$ROUNDS" in *[!0-9]*)
	echo "bench/load.sh: -n, -c, -u and -r take numbers" >&2
	exit 2
	;;
esac
# The harness gives each run 20 uids and gids: the jailed users, their
# groups and the group `jailed`, plus NU unjailed users and their groups.
NU=$(((19 - NUSERS) < 5 ? (19 - NUSERS) : 5))
[ "$NUSERS" -ge 1 ] && [ "$NU" -ge 1 ] || {
	echo "bench/load.sh: -u must be 1 to 18" >&2
	exit 2
}
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le "$N" ] || {
	echo "bench/load.sh: -r must be 1 to SESSIONS" >&2
	exit 2
}
export N CONC NUSERS NU ROUNDS

if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
	bench_need_root
	# Test helpers: `make bench` builds only `all`.
	make -s -C "$REPO" tests/bin/logsink tests/bin/reaper >/dev/null || exit 1
	bench_need_built jailctl/jailctl jailsh/jailsh pam_jail/pam_jail.so
	BENCH_UNDER=("$REPO/tests/bin/reaper")
	bench_unshare jail-load "$@"
fi

# --- inside the throwaway namespace ------------------------------------------
bench_sshd_start
REG=/run/jail/sessions

# sshd's MaxStartups (unauthenticated connections before it starts dropping)
# must be above CONCURRENT or it throttles the run (default 10:30:100).
ms=$(awk '$1 == "MaxStartups" { split($2, a, ":"); print a[1]; exit }' "$T/sshd-default.conf")
[ "${ms:-10}" -gt "$CONC" ] || die "MaxStartups ${ms:-10} in the sshd config would throttle $CONC connections"

"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.log" 2>&1 ||
	die "jailctl init: $(cat "$T/init.log")"
for i in $(seq 0 $((NUSERS - 1))); do user_add_jailed "lj$i" "$J"; done
for i in $(seq 0 $((NU - 1))); do user_add_unjailed "lu$i"; done

CMD='echo ok; grep "^Seccomp:" /proc/self/status; readlink /proc/self/ns/mnt /proc/self/ns/pid'
MY_MNT=$(readlink /proc/self/ns/mnt)
MY_PID=$(readlink /proc/self/ns/pid)
# One session: wall time in microseconds from ssh's start to its exit.
cat >"$T/one.sh" <<'EOF'
#!/bin/bash
# one.sh KIND IDX USER
kind=$1 idx=$2 user=$3
t0=${EPOCHREALTIME/./}
out=$(timeout 120 ssh -F "$SSH_CONFIG" -o ConnectTimeout=60 "$user@127.0.0.1" "$CMD" 2>"$RES/$kind.$idx.err")
rc=$?
t1=${EPOCHREALTIME/./}
printf '%s\n' "$out" >"$RES/$kind.$idx.out"
echo "$rc $((t1 - t0)) $user" >"$RES/$kind.$idx.t"
EOF
chmod 0755 "$T/one.sh"
RES=$T/res
mkdir -p "$RES"
export SSH_CONFIG CMD RES

# Warm up: each user logs in once (not counted).
for i in $(seq 0 $((NUSERS - 1))); do tssh "lj$i" true || die "jailed login of lj$i failed"; done
for i in $(seq 0 $((NU - 1))); do tssh "lu$i" true || die "unjailed login of lu$i failed"; done
for _ in $(seq 100); do [ -z "$(ls -A "$REG" 2>/dev/null)" ] && break; sleep 0.1; done

# --- what must be the same after the run ---------------------------------------
# Processes and the namespaces they hold, in our network namespace: every
# process here was started by this script (sshd, the log sink, this shell).
# (One find over /proc, not a readlink per process: this runs in a loop.)
MYNET=$(readlink /proc/self/ns/net)
MYNET_GLOB=$(printf '%s' "$MYNET" | sed 's/[][*?\\]/\\&/g') # "net:[N]": [ ] are glob syntax
netns_pids() {
	find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -lname "$MYNET_GLOB" 2>/dev/null |
		cut -d/ -f3 | grep -vx -e "$$" -e "$BASHPID"
}
# FILE: the namespaces (mnt, pid, ipc, uts, net, cgroup) those processes
# hold, or the processes themselves ("PID COMM").  The pid list is taken
# first, in a command substitution that has ended (with the find, cut and
# grep it ran) before the list is read: only processes that outlive the
# scan are listed.
netns_snapshot() {
	local p t pids
	pids=$(netns_pids)
	for p in $pids; do
		for t in mnt pid ipc uts net cgroup; do
			readlink "/proc/$p/ns/$t" 2>/dev/null
		done
	done >"$1.tmp"
	sort -u "$1.tmp" >"$1"
}
netns_procs() {
	local p c pids
	pids=$(netns_pids)
	for p in $pids; do
		read -r c 2>/dev/null <"/proc/$p/comm" && echo "$p $c"
	done >"$1.tmp"
	sort "$1.tmp" >"$1"
}
# Mount tables without the mount ids: ours, and the host's (pid 1's).
my_mounts() { awk '{ $1 = ""; $2 = ""; print }' /proc/self/mountinfo | sort; }
host_mounts() { awk '{ $1 = ""; $2 = ""; print }' /proc/1/mountinfo | sort; }
netns_snapshot "$T/ns.before"
netns_procs "$T/procs.before"
grep -q " sshd$" "$T/procs.before" && grep -q " logsink$" "$T/procs.before" ||
	die "the process scan does not see sshd and the log sink: $(cat "$T/procs.before")"
my_mounts >"$T/mounts.before"
host_mounts >"$T/host-mounts.before"

# --- the run -------------------------------------------------------------------
# run KIND PREFIX NUSERS FROM COUNT: sessions FROM..FROM+COUNT-1, CONC at a
# time (xargs keeps CONC in flight); adds the wall time to $RES/KIND.wall.
run() {
	local kind=$1 prefix=$2 nu=$3 from=$4 count=$5 t0 t1
	t0=${EPOCHREALTIME/./}
	for i in $(seq "$from" $((from + count - 1))); do echo "$i $prefix$((i % nu))"; done |
		xargs -P "$CONC" -n 2 "$T/one.sh" "$kind"
	t1=${EPOCHREALTIME/./}
	echo $(($(cat "$RES/$kind.wall" 2>/dev/null || echo 0) + t1 - t0)) >"$RES/$kind.wall"
}
# ROUNDS rounds in ABBA order (jailed first, then unjailed first, ...), so
# that a drift in the machine's load (other work on the host) weighs on
# both kinds alike.
from=0
for r in $(seq 1 "$ROUNDS"); do
	count=$(((N * r / ROUNDS) - from))
	if [ $((r % 2)) = 1 ]; then
		run jailed lj "$NUSERS" "$from" "$count"
		run unjailed lu "$NU" "$from" "$count"
	else
		run unjailed lu "$NU" "$from" "$count"
		run jailed lj "$NUSERS" "$from" "$count"
	fi
	echo "$r $from $count" >>"$RES/rounds"
	from=$((from + count))
done

# check KIND SECCOMP SAME_NS: count failures (exit status or output).
check() {
	local kind=$1 sc=$2 same=$3 fails=0 i rc out mnt pid first=""
	for i in $(seq 0 $((N - 1))); do
		rc=$(cut -d' ' -f1 "$RES/$kind.$i.t" 2>/dev/null)
		out=$(cat "$RES/$kind.$i.out" 2>/dev/null)
		mnt=$(sed -n 3p "$RES/$kind.$i.out" 2>/dev/null)
		pid=$(sed -n 4p "$RES/$kind.$i.out" 2>/dev/null)
		if [ "${rc:-x}" != 0 ] || [ "$(sed -n 1,2p <<<"$out")" != "ok"$'\n'"Seccomp:"$'\t'"$sc" ] ||
			[ -z "$mnt" ] || [ -z "$pid" ] ||
			{ [ "$same" = yes ] && { [ "$mnt" != "$MY_MNT" ] || [ "$pid" != "$MY_PID" ]; }; } ||
			{ [ "$same" = no ] && { [ "$mnt" = "$MY_MNT" ] || [ "$pid" = "$MY_PID" ]; }; }; then
			fails=$((fails + 1))
			[ -z "$first" ] && first="session $i (rc ${rc:-none}): $(head -c 300 "$RES/$kind.$i.err" 2>/dev/null | tr '\n' ' ') output: $(tr '\n' ' ' <<<"$out")"
		fi
	done
	echo "$fails"
	[ -n "$first" ] && echo "   first $kind failure: $first" >&2
	return 0
}
fail_j=$(check jailed 2 no)
fail_u=$(check unjailed 0 yes)

# --- leaks ------------------------------------------------------------------------
# Logout is asynchronous (sshd's monitor closes the session after the
# client has gone, then exits): wait, at most 30 s, until no record is left
# and the processes in our network namespace are those of before.
for _ in $(seq 300); do
	[ -z "$(ls -A "$REG" 2>/dev/null)" ] && netns_procs "$T/procs.now" &&
		cmp -s "$T/procs.now" "$T/procs.before" && break
	sleep 0.1
done
leak_records=$(ls -A "$REG" 2>/dev/null | grep -c .)
leak_cg=$(for d in $(sshd_cgroups_left); do find "$d" -mindepth 2 -type d; done | grep -c .)
netns_procs "$T/procs.after"
comm -13 "$T/procs.before" "$T/procs.after" >"$T/procs.new"
leak_procs=$(grep -c . "$T/procs.new")
leak_inits=$(grep -c ' jail-init$' "$T/procs.new")
[ "$leak_procs" = 0 ] || echo "   new processes in our network namespace: $(tr '\n' ' ' <"$T/procs.new")" >&2
netns_snapshot "$T/ns.after"
leak_ns_here=$(comm -13 "$T/ns.before" "$T/ns.after" | grep -c .)
# Every mount and pid namespace a jailed session reported, anywhere on the
# host.  (Namespace inode numbers are reused once freed: a hit held by a
# process outside this run's network namespace is another program's.)
cat "$RES"/jailed.*.out 2>/dev/null | sed -n '/^\(mnt\|pid\):\[/p' | sort -u >"$T/session-ns"
sessions_ns=$(grep -c . "$T/session-ns")
leak_ns=0
find /proc -mindepth 3 -maxdepth 3 \( -path '/proc/[0-9]*/ns/mnt' -o -path '/proc/[0-9]*/ns/pid' \) \
	-printf '%l %p\n' 2>/dev/null | sort >"$T/host-ns"
while read -r l path; do
	p=${path#/proc/}
	p=${p%%/*}
	if [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$MYNET" ]; then
		leak_ns=$((leak_ns + 1))
		echo "   namespace $l of a session still held by $p ($(cat "/proc/$p/comm" 2>/dev/null))" >&2
	fi
done < <(join "$T/session-ns" "$T/host-ns")
my_mounts >"$T/mounts.after"
leak_mounts=$(diff "$T/mounts.before" "$T/mounts.after" | grep -c '^[<>]')
host_mounts >"$T/host-mounts.after"
leak_host_mounts=$(diff "$T/host-mounts.before" "$T/host-mounts.after" | grep -c '^[<>]')

# --- report -------------------------------------------------------------------------
# pct KIND Q [FROM COUNT]: the Q-th percentile (nearest rank) of the wall
# times (of sessions FROM..FROM+COUNT-1), in ms.
pct() {
	local i
	if [ $# -gt 2 ]; then
		for i in $(seq "$3" $(($3 + $4 - 1))); do cat "$RES/$1.$i.t"; done 2>/dev/null
	else
		cat "$RES/$1".*.t 2>/dev/null
	fi | awk '{ print $2 }' | sort -n |
		awk -v q="$2" '{ v[NR] = $1 } END { r = int(q * NR / 100); if (r < q * NR / 100) r++;
			if (r < 1) r = 1; printf "%.0f", v[r] / 1000 }'
}
ju50=$(pct jailed 50)
ju99=$(pct jailed 99)
uu50=$(pct unjailed 50)
uu99=$(pct unjailed 99)
echo "bench/load.sh: $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(/usr/sbin/sshd -V 2>&1 | head -1)"
echo "cgroups: $(if [ -e /sys/fs/cgroup/cgroup.controllers ]; then echo v2; else echo v1/hybrid; fi); MaxStartups $(awk '$1 == "MaxStartups" { print $2; exit }' "$T/sshd-default.conf")"
echo
echo "$N sessions of each kind, $CONC at a time, in $ROUNDS rounds (ABBA): ssh USER@127.0.0.1 '$CMD'"
echo "jailed: $NUSERS users (profile default), unjailed: $NU users; per-session wall time, ssh start to exit"
printf '   %-22s %9s %7s %9s %9s %9s %8s %10s\n' "" sessions failed "p50 ms" "p99 ms" "max ms" "wall s" "sessions/s"
for k in unjailed jailed; do
	f=$fail_u
	[ "$k" = jailed ] && f=$fail_j
	w=$(cat "$RES/$k.wall")
	printf '   %-22s %9s %7s %9s %9s %9s %8s %10s\n' "$k" "$N" "$f" "$(pct "$k" 50)" "$(pct "$k" 99)" \
		"$(pct "$k" 100)" "$(awk -v us="$w" 'BEGIN { printf "%.1f", us / 1e6 }')" \
		"$(awk -v us="$w" -v n="$N" 'BEGIN { printf "%.2f", n / (us / 1e6) }')"
done
printf '   %-22s %9s %7s %9s %9s\n' "ratio jailed/unjailed" "" "" "$(ratio "$ju50" "$uu50")" "$(ratio "$ju99" "$uu99")"
if [ "$ROUNDS" -gt 1 ]; then
	printf '   p50 ms by round (order):'
	while read -r r from count; do
		if [ $((r % 2)) = 1 ]; then
			printf ' %s: J %s, U %s;' "$r" "$(pct jailed 50 "$from" "$count")" "$(pct unjailed 50 "$from" "$count")"
		else
			printf ' %s: U %s, J %s;' "$r" "$(pct unjailed 50 "$from" "$count")" "$(pct jailed 50 "$from" "$count")"
		fi
	done <"$RES/rounds"
	echo
fi
echo
echo "after the run (the jailed sessions reported $sessions_ns distinct mount and pid namespace inodes):"
printf '   %-58s %s\n' \
	"session inits left (jail-init in our network namespace)" "$leak_inits" \
	"other new processes in our network namespace" "$((leak_procs - leak_inits))" \
	"session cgroups left (below cgroup_parent/USER/)" "$leak_cg" \
	"registry records left" "$leak_records" \
	"session namespaces still held (any /proc/*/ns/{mnt,pid})" "$leak_ns" \
	"namespaces held in our network namespace: new vs before" "$leak_ns_here" \
	"mounts: our mount table, changed lines" "$leak_mounts" \
	"mounts: the host's (pid 1's) mount table, changed lines" "$leak_host_mounts"
checks=0
for v in "$leak_procs" "$leak_cg" "$leak_records" "$leak_ns" "$leak_ns_here" "$leak_mounts" "$leak_host_mounts"; do
	[ "$v" = 0 ] || checks=$((checks + 1))
done
if [ $((fail_j + fail_u + checks)) = 0 ]; then
	echo "result: PASS (0 failed sessions, nothing left behind)"
else
	echo "result: FAIL ($((fail_j + fail_u)) failed sessions, $checks leak check(s) failed)"
	exit 1
fi
