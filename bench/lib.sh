# bench/lib.sh: what the bench scripts share: the run count option, the
# checks before they start, the throwaway namespace they run in, the real
# sshd harness of the tests, medians and ratios.  Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"         # $HERE (bench/), $REPO, $BENCH (bench/NAME.sh)
#   bench_runs_opt 21 "$@"             # -n RUNS, the only option: $RUNS, exported
#   (or: N=200 C=5; bench_opts n:N:SESSIONS c:C:CONCURRENT -- "$@")
#   if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
#   	bench_need_root
#   	make -s -C "$REPO" tests/bin/logsink >/dev/null || exit 1
#   	bench_need_built jailctl/jailctl pam_jail/pam_jail.so
#   	bench_need_cmd hyperfine slapd
#   	bench_unshare jail-bench-NAME "$@" # never returns
#   fi
#   bench_sshd_harness                 # inside: tests/lib.sh, tests/sshd-lib.sh
#   (or bench_sshd_start: the harness, sshd with pam_jail started, $J)
#   die MESSAGE                        # "bench/NAME.sh: MESSAGE", exit 1
#   median <FILE                       # of numbers, one a line
#   ratio A B [DIGITS]                 # A / B (2 digits), n/a when B is 0
#   hyperfine_medians JSON...          # "MEDIAN_MS NAME" a command
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BENCH=bench/$(basename "$0")

die() {
	echo "$BENCH: $*" >&2
	exit 1
}

# bench_opts L:VAR:WORD... -- "$@": each option -L sets VAR (exported) to
# its argument; another option: "usage: bench/NAME.sh [-L WORD]...", exit 2.
bench_opts() {
	local o s v letters="" usage="" OPTIND=1
	local -a specs=()
	while [ "$1" != -- ]; do
		specs+=("$1")
		letters+=${1%%:*}:
		usage+=" [-${1%%:*} ${1##*:}]"
		shift
	done
	shift
	while getopts "$letters" o; do
		[ "$o" != "?" ] || {
			echo "usage: $BENCH$usage" >&2
			exit 2
		}
		for s in "${specs[@]}"; do
			[ "${s%%:*}" != "$o" ] && continue
			v=${s#*:}
			printf -v "${v%%:*}" %s "$OPTARG"
		done
	done
	for s in "${specs[@]}"; do
		v=${s#*:}
		export "${v%%:*}"
	done
}

# bench_runs_opt DEFAULT "$@": for a bench whose one option is -n RUNS:
# $RUNS (DEFAULT unless -n), exported; a usage line and exit 2 on another.
bench_runs_opt() {
	RUNS=$1
	shift
	bench_opts n:RUNS:RUNS -- "$@"
	case $RUNS in '' | *[!0-9]* | 0) die "-n takes a whole number of runs, 1 or more" ;; esac
}

# bench_need_root: exit unless root.
bench_need_root() { [ "$(id -u)" = 0 ] || die "run as root"; }

# bench_need_built FILE...: exit unless each FILE (under the repository)
# exists, naming the first one that does not.
bench_need_built() {
	local f
	for f in "$@"; do
		[ -e "$REPO/$f" ] || die "$f is not built: run 'make all'"
	done
}

# bench_need_cmd CMD...: exit unless each CMD is on PATH or in /usr/sbin.
bench_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] ||
			die "$c missing (tests/deps.sh installs it)"
	done
}

# bench_unshare PREFIX "$@": run this script again in a private mount and
# network namespace (JAIL_TEST_IN_NS=1, CGROUP_PARENT=PREFIX-PID), then exit
# with its status: 1 when a cgroup of that parent is left behind.
#   BENCH_UNDER=(CMD...)   run unshare under CMD (e.g. tests/bin/reaper)
#   BENCH_RMDIR_CGROUPS=1  first remove that parent's empty cgroups (a bench
#                          that keeps the parent between runs, as jailctl
#                          does): only one with a process left is a leak
bench_unshare() {
	local rc left d
	export JAIL_TEST_IN_NS=1 CGROUP_PARENT=$1-$$
	shift
	${BENCH_UNDER[@]+"${BENCH_UNDER[@]}"} unshare --mount --net --propagation private "$0" "$@"
	rc=$?
	if [ -n "${BENCH_RMDIR_CGROUPS:-}" ]; then
		for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -name "$CGROUP_PARENT" 2>/dev/null); do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	fi
	left=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$CGROUP_PARENT" 2>/dev/null)
	if [ -n "$left" ]; then
		echo "$BENCH: cgroups left${BENCH_RMDIR_CGROUPS:+ (not empty)}: $left" >&2
		rc=1
	fi
	exit $rc
}

# bench_sshd_harness: inside the namespace, tests/lib.sh and
# tests/sshd-lib.sh with this repository's programs (their $TOP is a
# tests/integration script's); then call jail_test_setup, sshd_test_setup.
bench_sshd_harness() {
	JAIL_TEST_NET=1
	. "$REPO/tests/lib.sh"
	TOP=$REPO
	JAILCTL=$TOP/jailctl/jailctl
	JAILSH=$TOP/jailsh/jailsh
	PAM_JAIL=$TOP/pam_jail/pam_jail.so
	. "$REPO/tests/sshd-lib.sh"
}

# bench_sshd_start: bench_sshd_harness, then the common start: jail_test_setup,
# sshd_test_setup, pam_jail in sshd's PAM stack, sshd on its default
# configuration; $J is its jail ($SSHD_JAIL, not built yet).
bench_sshd_start() {
	bench_sshd_harness
	jail_test_setup
	sshd_test_setup
	sshd_pam_stack jail
	sshd_start default
	J=$SSHD_JAIL
}

# median: the median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ratio A B [DIGITS]: A / B with DIGITS (2) decimals; n/a when A is empty
# or B is not > 0.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (a != "" && b > 0) printf "%." d "f", a / b; else print "n/a" }'; }

# hyperfine_medians JSON...: hyperfine --export-json files (rounds of the
# same commands): for each command, in the order of the first file, the
# median of all its runs in all the files, in ms: "MEDIAN_MS NAME" a line.
hyperfine_medians() {
	python3 - "$@" <<'PY'
import json, statistics, sys
times = {}
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
for k, v in times.items():
    print("%.6f %s" % (statistics.median(v) * 1000, k))
PY
}
