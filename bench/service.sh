#!/bin/bash
# bench/service.sh: a jailed service against its peers (issue 14).
#
#   bench/service.sh [-n RUNS]        (root, after make all; RUNS also from
#                                      the environment, default 15)
#
# Runs in a throwaway private mount and network namespace (only loopback)
# with a private /etc and /run (tests/lib.sh's harness).  One jail built by
# `jailctl init JAIL basicshell`, with bench/readyd (built static) as
# /readyd: a daemon that listens on 127.0.0.1:PORT, sends READY=1 to
# $NOTIFY_SOCKET when it has one and exits 0 on SIGTERM.  For each launcher
# below, RUNS cycles, the launchers taking turns (so that a drift of the
# machine's load hits all alike), each cycle timed by `readyd --bench` (in
# microseconds, CLOCK_MONOTONIC, the port polled every millisecond):
#   start    fork+exec of the launcher to the first accepted TCP connect
#   stop     SIGTERM to the launcher's exit
#   gone     SIGTERM to the first refused connect (the daemon is gone)
#   restart  SIGTERM to the first accepted connect of a new launcher started
#            as soon as the old one exited (stop + start)
# and prints medians and p90 side by side, the ratios of jailctl to bare
# unshare+chroot and to systemd-nspawn; then (c) the supervisor's memory while
# the service runs, (d) the disk a second service on the same tree costs.
#
# Launchers (one line each, @PORT@ replaced):
#   jailctl run JAIL -p service -- /readyd PORT       (ad hoc; SIGTERM to jailctl)
#   jailctl run NAME (services.d)       when `jailctl run --help` knows NAME
#   bwrap --unshare-pid ... --die-with-parent         (SIGTERM to bwrap)
#   unshare --fork --pid --mount --mount-proc chroot  (the baseline; unshare
#            ignores SIGTERM while it waits, so its process group gets it,
#            as a terminal's ^C or systemd's KillMode=control-group would)
#   systemd-nspawn --register=no --keep-unit --as-pid2 --kill-signal=SIGRTMIN+3
#            (its own copy of the tree: nspawn creates mount points in it)
# systemd-run -p RootDirectory= needs systemd as pid 1: measured in the guest
# lane, not here.
. "$(dirname "$0")/lib.sh"
bench_runs_opt "${RUNS:-15}" "$@"

if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
	bench_need_root
	bench_need_built jailctl/jailctl
	bench_need_cmd bwrap unshare cc
	# The runs' cgroup parent (kept between runs, as for sessions): removed
	# with what is below it, which must be empty (no process left).
	BENCH_RMDIR_CGROUPS=1
	bench_unshare jail-bench "$@"
fi

# --- inside the throwaway namespace ------------------------------------------
JAIL_TEST_NET=1
. "$REPO/tests/lib.sh"
TOP=$REPO
JAILCTL=${BENCH_JAILCTL:-$TOP/jailctl/jailctl} # (another jailctl: to try this script)
jail_test_setup
jail_test_private_etc
{
	echo "[jail]"
	echo "profile = default"
	echo "sections = $TOP/templates/sections.ini"
	echo "cgroup_parent = $CGROUP_PARENT"
	echo "state_root = $T/state"
} >"$CONF/jail.ini"
chmod 0644 "$CONF/jail.ini"

# readyd: static, so that the jail needs nothing more; else dynamic, with
# its libraries brought in by `jailctl cp`.
mkdir -m 0755 "$T/bin"
READYD=$T/bin/readyd
J=$T/jails/base
"$JAILCTL" --config "$CONF" init "$J" basicshell >"$T/init.log" 2>&1 ||
	die "jailctl init: $(tail -5 "$T/init.log")"
if [ -z "${READYD_DYNAMIC:-}" ] &&
	cc -static -O2 -Wall -o "$READYD" "$HERE/readyd.c" 2>"$T/cc.log"; then
	READYD_KIND=static
	install -m 0755 "$READYD" "$J/readyd"
else
	cc -O2 -Wall -o "$READYD" "$HERE/readyd.c" 2>>"$T/cc.log" || die "cc readyd.c: $(cat "$T/cc.log")"
	READYD_KIND="dynamic (static glibc unavailable), libraries by jailctl cp"
	# jailctl cp brings its libraries (it lands at its host path, below
	# /run, which the sandboxes cover with a tmpfs: so it goes to / too).
	"$JAILCTL" --config "$CONF" cp "$J" "$READYD" >>"$T/init.log" 2>&1 ||
		die "jailctl cp: $(tail -5 "$T/init.log")"
	install -m 0755 "$READYD" "$J/readyd"
fi
IN_JAIL=/readyd
# nspawn's own copy: it makes its mount points (/run, /tmp, /sys, ...) in
# the tree it is given, and the shared tree must stay as built for (d).
NJ=$T/jails/nspawn
cp -a "$J" "$NJ"

p90() { sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.9); if (i < NR * 0.9) i++; if (i < 1) i = 1; print v[i] }'; }
ms() { awk -v us="$1" 'BEGIN { if (us == "") print "-"; else printf "%.2f", us / 1000 }'; }

# --- the launchers ------------------------------------------------------------
# One line each; @PORT@ becomes the port.  STOP: how readyd --bench sends
# SIGTERM: to the launcher ("main") or to its process group ("group").
JAILCTL_RUN="$JAILCTL --config $CONF run $J -p service -- $IN_JAIL @PORT@"
# A reference row: the same with a profile without cgroup (what the peers
# do: none of them makes a cgroup).
sed 's/^cgroup = .*/cgroup = off/' "$CONF/profiles/service.ini" >"$CONF/profiles/service-nocg.ini"
chmod 0644 "$CONF/profiles/service-nocg.ini"
names=(jailctl "jailctl nocg" bwrap unshare)
cmds=("$JAILCTL_RUN"
	"${JAILCTL_RUN/ -p service / -p service-nocg }"
	"bwrap --unshare-pid --unshare-ipc --unshare-uts --die-with-parent --ro-bind $J / --proc /proc --dev /dev --tmpfs /tmp $IN_JAIL @PORT@"
	"unshare --fork --pid --mount --mount-proc chroot $J $IN_JAIL @PORT@")
stops=(main main main group)
notes=()

# jailctl run NAME (services.d), once jailctl has it (issue 14).
JAILCTL_SVC=
if "$JAILCTL" run --help 2>&1 | grep -qw NAME; then
	# The state directories go to $T/state (jail.ini's state_root).
	mkdir -p -m 0755 "$CONF/services.d"
	for s in bench-a bench-b; do
		port=$([ $s = bench-a ] && echo 7301 || echo 7302)
		cat >"$CONF/services.d/$s.ini" <<-EOF
			[service:$s]
			jail = $J
			profile = service
			exec = $IN_JAIL $port
			ready = notify
			state_dir = $s
			net = host
		EOF
		chmod 0644 "$CONF/services.d/$s.ini"
	done
	# the port is the service file's (7301)
	JAILCTL_SVC="$JAILCTL --config $CONF run bench-a"
	names+=("jailctl NAME")
	cmds+=("$JAILCTL_SVC")
	stops+=(main)
else
	notes+=("jailctl run NAME (services.d): not in this jailctl yet ('jailctl run --help' names no NAME)")
fi

if command -v systemd-nspawn >/dev/null; then
	NSPAWN="systemd-nspawn --register=no --keep-unit -q -D $NJ --as-pid2 --kill-signal=SIGRTMIN+3 $IN_JAIL @PORT@"
	# Try it once: it needs neither systemd as pid 1 nor a system bus with
	# --register=no --keep-unit, but say why when it fails.
	if "$READYD" --bench 7399 main -- ${NSPAWN//@PORT@/7399} >"$T/nspawn-try.out" 2>"$T/nspawn-try.err"; then
		names+=(nspawn)
		cmds+=("$NSPAWN")
		stops+=(main)
	else
		notes+=("systemd-nspawn: skipped, it failed here: $(tail -2 "$T/nspawn-try.err" | tr '\n' ' ')")
	fi
else
	notes+=("systemd-nspawn: skipped, not installed (apt-get install systemd-container)")
fi
notes+=("systemd-run -p RootDirectory=JAIL: needs systemd as pid 1 (here: $(ps -p 1 -o comm=)); measured in the guest lane")

port_of() { [ "${names[$1]}" = "jailctl NAME" ] && echo 7301 || echo $((7100 + $1)); }
cycle() { # K -> appends "start stop gone restart status" to $T/cyc.K
	local k=$1 port cmd
	port=$(port_of "$k")
	cmd=${cmds[$k]//@PORT@/$port}
	# shellcheck disable=SC2086 # the launcher line is split into words
	"$READYD" --bench "$port" "${stops[$k]}" -- $cmd >>"$T/cyc.$k" 2>>"$T/launch.$k.log" ||
		die "${names[$k]}: $(tail -3 "$T/launch.$k.log")"
}

echo "bench/service.sh: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), readyd $READYD_KIND"
echo "cgroups: $(if [ -e /sys/fs/cgroup/cgroup.controllers ]; then echo v2; else echo v1/hybrid; fi); $RUNS cycles per launcher, taking turns, after one warm-up each"
for k in "${!cmds[@]}"; do
	cycle "$k"
	: >"$T/cyc.$k"
done
for i in $(seq "$RUNS"); do
	for k in "${!cmds[@]}"; do cycle "$k"; done
done

col() { awk -v c="$2" '{ print $c }' "$T/cyc.$1"; }
echo
echo "1. start to READY, stop, restart: ms, median / p90 over $RUNS cycles"
printf '   %-14s %15s %15s %15s %15s  %s\n' "" "start" "stop (exit)" "gone" "restart" "how it ended"
declare -A MED
for k in "${!cmds[@]}"; do
	row=()
	for c in 1 2 3 4; do
		m=$(col "$k" $c | median)
		MED[$k.$c]=$m
		row+=("$(ms "$m") / $(ms "$(col "$k" $c | p90)")")
	done
	printf '   %-14s %15s %15s %15s %15s  %s\n' "${names[$k]}" "${row[@]}" \
		"$(col "$k" 5 | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')"
done
for k in "${!cmds[@]}"; do
	case ${names[$k]} in
	unshare) UN=$k ;;
	nspawn) NS=$k ;;
	esac
done
echo
echo "   ratios (medians)            start  stop   gone   restart"
for k in "${!cmds[@]}"; do
	case ${names[$k]} in jailctl*) ;; *) continue ;; esac
	for b in UN NS; do
		[ -n "${!b:-}" ] || continue
		bk=${!b}
		printf '   %-27s %6s %6s %6s %6s\n' "${names[$k]} / ${names[$bk]}" \
			"$(ratio "${MED[$k.1]}" "${MED[$bk.1]}")" "$(ratio "${MED[$k.2]}" "${MED[$bk.2]}")" \
			"$(ratio "${MED[$k.3]}" "${MED[$bk.3]}")" "$(ratio "${MED[$k.4]}" "${MED[$bk.4]}")"
	done
done
echo "   (targets: jailctl to READY within 1.5x of unshare+chroot and faster than nspawn; restart < 200 ms)"
echo "   jailctl nocg: the service profile with cgroup = off, for reference"
echo "   stop = SIGTERM to the launcher, except unshare (to its process group: unshare ignores TERM);"
echo "   bwrap dies of the TERM and its sandbox is SIGKILLed (--die-with-parent), no graceful stop"
for n in "${notes[@]}"; do echo "   $n"; done

# --- 2. supervisor memory ---------------------------------------------------------
# The launcher's processes (itself and its descendants but the daemon) while
# the service runs: VmRSS from /proc/PID/status, Pss and private memory from
# /proc/PID/smaps_rollup (shared pages, libc's, split between their users).
descendants() { # PID -> PID and its descendants
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 } END {
			for (p in parent) { q = p; while (q in parent && q != root) q = parent[q];
				if (q == root) print p } }'
}
kb() { awk -v k="$2:" '$1 == k { print $2 }' "$1" 2>/dev/null; }
start_bg() { # K PORT -> $BGPID, the launcher running, its port accepting
	local cmd=${cmds[$1]//@PORT@/$2}
	# shellcheck disable=SC2086
	setsid $cmd >>"$T/launch.$1.log" 2>&1 &
	BGPID=$!
	"$READYD" --wait "$2" || die "${names[$1]}: not ready on $2"
}
stop_bg() { # K PID
	if [ "${stops[$1]}" = group ]; then kill -TERM -- "-$2"; else kill -TERM "$2"; fi
	wait "$2" 2>/dev/null
}
echo
echo "2. supervisor memory while the service runs (the launcher's processes, the daemon excluded), kB"
printf '   %-14s %-34s %8s %8s %8s\n' "" "processes" "VmRSS" "Pss" "private"
for k in "${!cmds[@]}"; do
	port=$(port_of "$k")
	start_bg "$k" "$port"
	sleep 0.2
	procs=
	rss=0 pss=0 priv=0
	for p in $(descendants "$BGPID"); do
		comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		[ "$comm" = readyd ] && continue
		r=$(kb "/proc/$p/status" VmRSS)
		s=$(kb "/proc/$p/smaps_rollup" Pss)
		v=$(($(kb "/proc/$p/smaps_rollup" Private_Clean) + $(kb "/proc/$p/smaps_rollup" Private_Dirty)))
		procs="$procs $comm"
		rss=$((rss + ${r:-0}))
		pss=$((pss + ${s:-0}))
		priv=$((priv + v))
		case $comm in jailctl | jail-init)
			printf '   %-14s %-34s %8s %8s %8s\n' "" "  $comm" "$r" "$s" "$v" >>"$T/mem.detail" ;;
		esac
	done
	printf '   %-14s %-34s %8s %8s %8s\n' "${names[$k]}" "${procs# }" "$rss" "$pss" "$priv"
	if [ -s "$T/mem.detail" ]; then
		cat "$T/mem.detail"
		: >"$T/mem.detail"
	fi
	stop_bg "$k" "$BGPID"
done
echo "   (target: the supervisor under 1 MiB)"

# --- 3. disk per additional service on the shared tree ------------------------------
tree_state() { # -> "bytes blocks-in-kB listing-digest"
	echo "$(du -sb "$J" | cut -f1) $(du -sk "$J" | cut -f1)" \
		"$(find "$J" -printf '%P %y %s %m %u %T@\n' | sort | md5sum | cut -c1-12)"
}
echo
echo "3. disk: the shared tree ($J) before, with two services on it, after"
before=$(tree_state)
for k in "${!cmds[@]}"; do [ "${names[$k]}" = jailctl ] && JK=$k; done
start_bg "$JK" 7201
PA=$BGPID
one=$(tree_state)
start_bg "$JK" 7202
PB=$BGPID
two=$(tree_state)
stop_bg "$JK" "$PB"
stop_bg "$JK" "$PA"
after=$(tree_state)
printf '   %-40s %12s %10s  %s\n' "" "du -sb" "du -sk" "listing (path type size mode owner mtime)" \
	"before" $before "one ad-hoc service running" $one "two ad-hoc services running" $two "after both stopped" $after
read -r b1 _ <<<"$one"
read -r b2 _ <<<"$two"
echo "   the second service added $((b2 - b1)) bytes to the tree; unchanged after: $([ "$before" = "$after" ] && echo yes || echo NO)"
if [ -n "$JAILCTL_SVC" ]; then
	# The services.d variant: bench-a and bench-b on the same tree, the
	# tree and their state directories ($T/state, jail.ini's state_root).
	svc_start() { # NAME PORT -> $BGPID
		setsid "$JAILCTL" --config "$CONF" run "$1" >>"$T/launch.svc.log" 2>&1 &
		BGPID=$!
		"$READYD" --wait "$2" || die "jailctl run $1: not ready: $(tail -3 "$T/launch.svc.log")"
	}
	state() { echo "$(tree_state) $(du -sb $T/state 2>/dev/null | cut -f1)"; }
	before=$(state)
	svc_start bench-a 7301
	PA=$BGPID
	one=$(state)
	svc_start bench-b 7302
	PB=$BGPID
	two=$(state)
	kill -TERM "$PB" "$PA"
	wait "$PB" "$PA" 2>/dev/null
	after=$(state)
	printf '   %-40s %12s %10s  %-14s %s\n' "services.d" "du -sb" "du -sk" "listing" "state_root, du -sb" \
		"before" $before "bench-a running" $one "bench-a and bench-b running" $two "after both stopped" $after
	read -r b1 _ _ s1 <<<"$one"
	read -r b2 _ _ s2 <<<"$two"
	echo "   the second service added $((b2 - b1)) bytes to the tree and $((s2 - s1)) bytes of state"
fi
echo "   (target: under 1 MB per additional service beyond its own state)"
