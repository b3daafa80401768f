#!/bin/bash
# bench/init.sh: `jailctl init` against jailkit's `jk_init` on the same
# sections of jailkit's own jk_init.ini, then `jailctl update` against
# `jk_update` on an up-to-date large jail.  Alternating runs (RUNS each,
# default 5), a fresh jail directory per init run, medians of wall time,
# jail size (du -sb) and the ratios.  Not a test: bench/README.md records
# the figures.
#
# Where the jails go: a fresh ext4 file system in an image file on the disk
# (/var/lib), loop-mounted in a private mount namespace, so that both tools
# write to the same kind of disk file system and neither pays for inodes
# other work on the machine freed just before (ext4 skips recently freed
# inodes one by one when allocating: on a busy shared disk that alone made
# runs 10x slower).  Without loop devices it falls back to a root-owned
# 0755 directory in /var/lib (the jail's parents must be trusted, which
# /var/tmp is not).  Everything is removed at exit.
set -u
cd "$(dirname "$0")/.." || exit 2
JAILCTL=$PWD/jailctl/jailctl
INI=/etc/jailkit/jk_init.ini
RUNS=${RUNS:-5}

[ "$(id -u)" = 0 ] || { echo "bench/init.sh: run as root" >&2; exit 1; }
for t in jk_init jk_update; do
	command -v $t >/dev/null || { echo "bench/init.sh: $t missing (apt-get install jailkit)" >&2; exit 1; }
done
[ -x "$JAILCTL" ] || { echo "bench/init.sh: build first (make all)" >&2; exit 1; }
if [ -z "${JAIL_BENCH_IN_NS:-}" ]; then
	export JAIL_BENCH_IN_NS=1
	exec unshare --mount --propagation private "$0" "$@"
fi

SCRATCH=$(mktemp -d /var/lib/jail-bench.XXXXXX) || exit 1
chmod 0755 "$SCRATCH"
trap 'cd /; umount "$SCRATCH/fs" 2>/dev/null; rm -rf "$SCRATCH"' EXIT
FS="directory on the root file system"
if truncate -s 4G "$SCRATCH/img" && mkfs.ext4 -q -F "$SCRATCH/img" >/dev/null 2>&1 &&
	mkdir -m 0755 "$SCRATCH/fs" && mount -o loop "$SCRATCH/img" "$SCRATCH/fs" 2>/dev/null; then
	FS="fresh ext4 on a loop-mounted image in /var/lib"
	BASE=$SCRATCH/fs
else
	BASE=$SCRATCH
fi
chmod 0755 "$BASE"

now() { date +%s.%N; }
# Seconds elapsed running "$@" (output discarded; a failure aborts).
timed() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1 || { echo "bench/init.sh: failed: $*" >&2; exit 1; }
	t1=$(now)
	calc "$t1 - $t0"
}
# Floating-point arithmetic without bc: calc "EXPR".
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
fmt() { printf '%.3f' "$1"; }

bench_init() {
	local label=$1 label_dir=$2
	shift 2
	local secs="$*" jt="" kt="" js="" ks="" jf="" d
	# Jails are kept until exit: removing one just before building the next
	# makes ext4 skip its recently freed inodes one by one (a cost of the
	# benchmark, not of either tool).
	for i in $(seq "$RUNS"); do
		d=$BASE/$label_dir-jailctl-$i
		mkdir -m 0755 "$d"
		jt="$jt $(timed "$JAILCTL" init -f "$INI" "$d" $secs)"
		js="$js $(du -sb "$d" | cut -f1)"
		jf="$jf $(du -sb --exclude=.jail "$d" | cut -f1)"
		d=$BASE/$label_dir-jk-$i
		mkdir -m 0755 "$d"
		kt="$kt $(timed jk_init -j "$d" -c "$INI" $secs)"
		ks="$ks $(du -sb "$d" | cut -f1)"
	done
	jt=$(echo $jt | tr ' ' '\n' | median)
	kt=$(echo $kt | tr ' ' '\n' | median)
	js=$(echo $js | tr ' ' '\n' | median)
	ks=$(echo $ks | tr ' ' '\n' | median)
	jf=$(echo $jf | tr ' ' '\n' | median)
	printf '%s\n  jk_init %7ss %7.2f MB   jailctl %6ss %7.2f MB (%.2f MB without .jail/)   speedup %5.1fx   size ratio %.4f (%.4f)\n' \
		"init $label" "$(fmt "$kt")" "$(calc "$ks / 1000000")" "$(fmt "$jt")" \
		"$(calc "$js / 1000000")" "$(calc "$jf / 1000000")" "$(calc "$kt / $jt")" \
		"$(calc "$js / $ks")" "$(calc "$jf / $ks")"
	LAST_JAILCTL=$BASE/$label_dir-jailctl-$RUNS
	LAST_JK=$BASE/$label_dir-jk-$RUNS
}

bench_update() {
	local jt="" kt=""
	# Warm both once, then alternate.
	timed "$JAILCTL" update "$LAST_JAILCTL" >/dev/null
	timed jk_update -j "$LAST_JK" >/dev/null
	for i in $(seq "$RUNS"); do
		jt="$jt $(timed "$JAILCTL" update "$LAST_JAILCTL")"
		kt="$kt $(timed jk_update -j "$LAST_JK")"
	done
	jt=$(echo $jt | tr ' ' '\n' | median)
	kt=$(echo $kt | tr ' ' '\n' | median)
	printf '%s\n  jk_update %5ss   jailctl %6ss   speedup %5.1fx\n' \
		"update (up to date, warm) $1" "$(fmt "$kt")" "$(fmt "$jt")" "$(calc "$kt / $jt")"
}

echo "# $RUNS alternating runs each, medians; jails on a $FS; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
bench_init "basicshell sftp" small basicshell sftp
bench_init "basicshell sftp scp ssh netutils extendedshell" large basicshell sftp scp ssh netutils extendedshell
bench_update "(large set)"
