#!/bin/bash
# bench/session.sh: what a jailed session costs, measured with a real sshd.
#
#   bench/session.sh [-n RUNS] [-c CONCURRENT]      (root, after make all)
#
# Runs in a throwaway private mount and network namespace with a private /etc
# (the same harness as tests/integration/50-ssh.t: tests/sshd-lib.sh) and
# prints, side by side:
#   1. login latency: `ssh USER@127.0.0.1 true`, jailed vs unjailed, RUNS
#      runs each, alternating; medians and ratio (target <= 1.05)
#   2. session setup alone: jail open+close through libpam (tests/bin/pamdrive)
#      vs bwrap, unshare+chroot and firejail on the same jail (hyperfine)
#   3. memory per idle session: Pss of the session's processes, jailed vs
#      unjailed, and the session cgroup's own memory counter
#   4. CONCURRENT simultaneous jailed logins: failures (target 0)
. "$(dirname "$0")/lib.sh"
RUNS=21
CONC=100
bench_opts n:RUNS:RUNS c:CONC:CONCURRENT -- "$@"

if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
	bench_need_root
	# Test helpers: `make bench` builds only `all`.
	make -s -C "$REPO" tests/bin/logsink tests/bin/pamdrive >/dev/null || exit 1
	bench_need_built jailctl/jailctl jailsh/jailsh pam_jail/pam_jail.so tests/bin/logsink
	bench_need_cmd hyperfine
	bench_unshare jail-bench "$@"
fi

# --- inside the throwaway namespace ------------------------------------------
bench_sshd_start

"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.log" 2>&1 ||
	die "jailctl init: $(cat "$T/init.log")"
user_add_unjailed benchu
user_add_jailed benchj "$J"
# benchk: jailed the same way but not in group `jailed`, so sshd reads its
# key from the host home (AuthorizedKeysFile) instead of running `jailctl
# keys` twice: separates the key lookup from the session's own cost.
useradd -m -s /bin/bash benchk || die "useradd benchk"
"$JAILCTL" --config "$CONF" adduser -j "$J" benchk >/dev/null 2>&1 || die "adduser benchk"
# adduser puts every jailed user in the sshd lockdown group (ssh_group):
# benchk leaves it, on purpose.
gpasswd -d benchk jailed >/dev/null || die "gpasswd -d benchk jailed"
_user_key /home/benchk benchk
tssh benchu true || die "unjailed login failed"
for u in benchj benchk; do
	tssh $u true 2>"$T/err" || die "jailed login of $u failed: $(cat "$T/err")"
done

ms() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e6 }'; }
now() { date +%s%N; }

echo "bench/session.sh: $(uname -r), $(nproc) CPUs, $(/usr/sbin/sshd -V 2>&1 | head -1)"
echo "cgroups: $(if [ -e /sys/fs/cgroup/cgroup.controllers ]; then echo v2; else echo v1/hybrid; fi)"

# --- 1. login latency --------------------------------------------------------
: >"$T/lat.u"
: >"$T/lat.j"
: >"$T/lat.k"
tssh benchu true && tssh benchj true && tssh benchk true # warm the page cache
for i in $(seq "$RUNS"); do
	for who in u j k; do
		t0=$(now)
		tssh "bench$who" true || die "login of bench$who failed (run $i)"
		echo $(($(now) - t0)) >>"$T/lat.$who"
	done
done
mu=$(median <"$T/lat.u")
mj=$(median <"$T/lat.j")
mk=$(median <"$T/lat.k")
echo
echo "1. login latency: ssh USER@127.0.0.1 true, $RUNS runs each, alternating, medians"
printf '   %-46s %10s ms %8s\n' "unjailed" "$(ms "$mu")" "" \
	"jailed, default profile, keys by jailctl keys" "$(ms "$mj")" "$(ratio "$mj" "$mu")" \
	"jailed, default profile, keys from a file" "$(ms "$mk")" "$(ratio "$mk" "$mu")"
echo "   (ratio to unjailed; target <= 1.05)"

# --- 2. session setup alone -----------------------------------------------------
echo
echo "2. session setup alone: set up, run /bin/true, tear down; hyperfine -N, 30 runs each, interleaved"
# firejail refuses --chroot unless its config allows it: allow it in the
# private /etc only.
if [ -f /etc/firejail/firejail.config ]; then
	sed -i 's/^#* *chroot .*/chroot yes/' /etc/firejail/firejail.config
fi
# The peers get a copy of the same jail with the mount points firejail
# insists on (pam_jail makes its own /proc, /dev, /tmp and /run mounts).
P=$T/jails/peers
cp -a "$J" "$P"
mkdir -p "$P"/{proc,dev,tmp,run,sys,root} "$P"/var/{tmp,log,lib}
chmod 1777 "$P/tmp" "$P/var/tmp"
set -- \
	-n "unshare --fork --pid --mount-proc chroot" "unshare --fork --pid --mount-proc chroot $P /bin/true" \
	-n "bwrap --unshare-all" "bwrap --unshare-all --ro-bind $P / --proc /proc --dev /dev /bin/true" \
	-n "firejail --chroot" "firejail --quiet --noprofile --chroot=$P /bin/true"
PAMDRIVE=$TOP/tests/bin/pamdrive
if [ -x "$PAMDRIVE" ]; then
	# A PAM service of its own holding only pam_jail, so the figure is the
	# jail's: open_session (namespaces, cgroup, mounts, pivot_root, session
	# init) and close_session.  The second row also runs the command the way
	# sshd does: fork, drop to the user, exec the login shell (jailsh, which
	# sets no_new_privs and loads seccomp, then execs bash -c /bin/true).
	mkdir -p "$T/pam.d"
	echo "session required $PAM_MODULE config=$CONF" >"$T/pam.d/jailbench"
	# Two reference rows for reading the first: the same driver and libpam
	# with a stack of pam_permit only (what pam_jail's row pays before and
	# after the module: exec, libpam, pam.d, exit), and pam_jail for a user
	# whose profile has no cgroup (the work the peers do: namespaces,
	# mounts, pivot_root; none of them makes a cgroup).
	echo "session required pam_permit.so" >"$T/pam.d/permitbench"
	sed 's/^cgroup = .*/cgroup = off/' "$CONF/profiles/default.ini" >"$CONF/profiles/nocgroup.ini"
	chmod 0644 "$CONF/profiles/nocgroup.ini"
	user_add_jailed benchn "$J" nocgroup
	set -- -n "pam_jail open+close (libpam)" "$PAMDRIVE -c $T/pam.d -s jailbench benchj" \
		-n "pam_jail open+jailsh -c true+close" "$PAMDRIVE -c $T/pam.d -s jailbench benchj /bin/true" \
		-n "  the same, profile without cgroup" "$PAMDRIVE -c $T/pam.d -s jailbench benchn" \
		-n "  pamdrive + libpam, pam_permit only" "$PAMDRIVE -c $T/pam.d -s permitbench benchj" "$@"
else
	echo "   (tests/bin/pamdrive is not built: the libpam rows are missing)"
fi
# "$@" is NAME CMD pairs (as -n NAME CMD).  hyperfine runs all of one
# command's runs before the next command's, and on a loaded machine the load
# drifts between those blocks: so interleave, ROUNDS rounds of 3 runs of each
# command, and take each command's median over all its runs.
names=()
cmds=()
while [ $# -gt 0 ]; do
	names+=("$2")
	cmds+=("$3")
	shift 3
done
ROUNDS=10
for r in $(seq "$ROUNDS"); do
	for k in "${!cmds[@]}"; do
		hyperfine -N --runs 3 --warmup 1 --style none --export-json "$T/hf.json" "${cmds[$k]}" \
			>"$T/hyperfine.log" 2>&1 || {
			cat "$T/hyperfine.log"
			die "hyperfine failed: ${cmds[$k]}"
		}
		# the "times" array of the JSON export, one value (seconds) per line
		tr -d ' \n' <"$T/hf.json" | sed -n 's/.*"times":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' \
			>>"$T/setup.$k"
	done
done
printf '   %-38s %10s %10s\n' "" "median ms" "vs unshare"
base=""
for k in "${!cmds[@]}"; do
	case ${names[$k]} in unshare*) base=$(median <"$T/setup.$k") ;; esac
done
for k in "${!cmds[@]}"; do
	med=$(median <"$T/setup.$k")
	printf '   %-38s %10.2f %10s\n' "${names[$k]}" "$(awk -v s="$med" 'BEGIN { print s * 1000 }')" \
		"$(ratio "$med" "$base")"
done
echo "   (targets: pam_jail within 1.5x of unshare+chroot, faster than bwrap and firejail)"
# pam_jail's own share: its row minus the harness row (same process, same
# libpam, only the module differs).
med_of() { for k in "${!cmds[@]}"; do case ${names[$k]} in "$1"*) median <"$T/setup.$k" ;; esac; done; }
m_open=$(med_of "pam_jail open+close")
m_nocg=$(med_of "  the same, profile without cgroup")
m_harn=$(med_of "  pamdrive + libpam")
m_bwrap=$(med_of "bwrap")
if [ -n "$m_open" ] && [ -n "$m_harn" ]; then
	own=$(awk -v a="$m_open" -v b="$m_harn" 'BEGIN { print a - b }')
	own_nocg=$(awk -v a="$m_nocg" -v b="$m_harn" 'BEGIN { print a - b }')
	printf '   %-38s %10.2f %10s\n' "pam_jail's own open+close (row - harness)" \
		"$(awk -v s="$own" 'BEGIN { print s * 1000 }')" "$(ratio "$own" "$base")" \
		"  the same, without cgroup" "$(awk -v s="$own_nocg" 'BEGIN { print s * 1000 }')" \
		"$(ratio "$own_nocg" "$base")"
	echo "   (without cgroup, whole process vs bwrap: $(ratio "$m_nocg" "$m_bwrap")x)"
fi

# --- 3. memory per idle session ------------------------------------------------
# N idle sessions of each kind at once; the Pss of every process under the
# listening sshd (its own excluded), divided by N: shared pages are split
# between the sessions as they are on a busy host.
idle_pss() { # USER N -> kB per session
	local user=$1 n=$2 i p sum=0 listener kids
	for i in $(seq "$n"); do
		tssh "$user" 'exec sleep 600' </dev/null >/dev/null 2>&1 &
	done
	for i in $(seq 100); do
		[ "$(pgrep -u "$user" -x sleep | wc -l)" -ge "$n" ] && break
		sleep 0.1
	done
	sleep 0.5
	listener=${SSHD_PIDS# }
	listener=${listener%% *}
	# descendants of the listener
	kids=$(ps -e -o pid=,ppid= | awk -v root="$listener" '
		{ parent[$1] = $2 } END {
			for (p in parent) { q = p; while (q in parent && q != root) q = parent[q];
				if (q == root && p != root) print p } }')
	for p in $kids; do
		sum=$((sum + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
	done
	# The session cgroups' own counter (jailed users only): everything charged
	# to the session, page cache and kernel memory included.
	local cg=0 ncg=0 f
	for f in $(find /sys/fs/cgroup -maxdepth 8 -path "*/$CGROUP_PARENT/$user/*" \
		\( -name memory.usage_in_bytes -o -name memory.current \) 2>/dev/null); do
		case $f in */"$user"/memory.*) continue ;; esac # the per-user parent
		cg=$((cg + $(cat "$f")))
		ncg=$((ncg + 1))
	done
	echo "$((sum / n)) $([ "$ncg" -gt 0 ] && echo $((cg / ncg / 1024)))"
	pkill -u "$user" -x sleep
	for i in $(seq 100); do
		pgrep -u "$user" >/dev/null || break
		sleep 0.1
	done
	wait 2>/dev/null # this $(...) subshell's own children: the ssh clients
}
N=10
read -r pu _ < <(idle_pss benchu $N)
read -r pj cgj < <(idle_pss benchj $N)
echo
echo "3. memory per idle session ($N idle 'sleep' sessions of each kind, Pss of sshd's session processes / $N)"
printf '   %-38s %8s kB\n' "unjailed" "$pu" "jailed" "$pj" "jailed - unjailed" "$((pj - pu))"
[ -n "${cgj:-}" ] && printf '   %-38s %8s kB\n' "jailed: session cgroup memory usage" "$cgj"
echo "   (target: under 1024 kB beyond sshd's own)"

# --- 4. concurrent logins ----------------------------------------------------------
echo
echo "4. $CONC concurrent jailed logins (ssh benchj@127.0.0.1 'echo ok')"
mkdir -p "$T/conc"
t0=$(now)
cpids=""
for i in $(seq "$CONC"); do
	(tssh benchj 'echo ok' >"$T/conc/$i.out" 2>"$T/conc/$i.err"; echo $? >"$T/conc/$i.rc") &
	cpids="$cpids $!"
done
# (not a bare `wait`: sshd and the syslog sink are this shell's children too)
wait $cpids
t1=$(now)
okn=0
for i in $(seq "$CONC"); do
	[ "$(cat "$T/conc/$i.rc")" = 0 ] && [ "$(cat "$T/conc/$i.out")" = ok ] && okn=$((okn + 1))
done
printf '   %-38s %8s\n' "succeeded" "$okn / $CONC" "failed" "$((CONC - okn))" "wall time (ms)" "$(ms $((t1 - t0)))"
if [ "$okn" != "$CONC" ]; then
	echo "   first failure:"
	for i in $(seq "$CONC"); do
		if [ "$(cat "$T/conc/$i.rc")" != 0 ]; then
			sed 's/^/     /' "$T/conc/$i.err" | head -3
			break
		fi
	done
fi
for i in $(seq 100); do
	pgrep -u benchj >/dev/null || break
	sleep 0.1
done
left=$(for d in $(sshd_cgroups_left); do find "$d" -mindepth 2 -type d; done | wc -l)
echo "   session cgroups left after logout: $left"
[ "$okn" = "$CONC" ]
