#!/bin/bash
# The guest lane: the integration suite on a production-like host, a Debian
# 12 guest with systemd as pid 1, cgroup v2 and AppArmor, booted under qemu.
#
# Builds or finds the image (tests/guest/image.sh), builds the tree here,
# boots a throwaway overlay of the image (tests/guest/vm.sh), copies the
# built tree to /srv/jail in the guest (not under /root: jails and homes
# must be reachable by users), installs it there with the default PREFIX
# (the one it was built with), loads the shipped
# AppArmor profiles as README tells admins to, runs every integration test
# (tests/guest/in-guest.sh), copies the TAP back and powers the guest off.
#
# Then the package phase: the .deb built here by `make deb` and
# tests/guest/deb-test.sh, alone, go into a FRESH guest (a new overlay of the
# image, nothing of `make install` in it), which installs it with apt, jails
# an ssh login and a service with it, purges it and compares the guest's
# file list with the one before (guest-deb.t).
#
#   JAIL_GUEST_TESTS="tests/integration/NN-x.t ..."  only these tests
#   JAIL_GUEST_TESTS=none    no suite (nor its build): the package phase only
#   JAIL_GUEST_DEB=no        no package phase (nor make deb)
#   JAIL_GUEST_DEB=FILE.deb  the package phase with that .deb (no make deb)
#
# Results go to OUT (default tests/guest/results): one executable file per
# guest test that replays the guest's TAP and exit status, so that prove
# (make check-guest, and .ci/run's closing `make check`) counts them, plus
# guest-lane.t for the lane's own steps.  Where qemu cannot run, guest-lane.t
# is a TAP skip that says why, never a pass.  Every process and file the lane
# makes outside OUT is removed at exit, also when interrupted.
set -u
cd "$(dirname "$0")/../.."
TOP=$PWD
OUT=${1:-tests/guest/results}
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN=$(mktemp -d /tmp/jail-guest.XXXXXX)
lane_start=$(date +%s)
n=0
lane_tap=""
lane_rc=0
phase_t0=$lane_start

# replay FILE RC TAPFILE [ERRFILE]: an executable test that prints TAPFILE
# (and ERRFILE on stderr) and exits RC.
replay() {
	{
		printf '#!/bin/sh\n# Replays TAP from the guest lane (tests/guest/lane.sh).\n'
		[ -n "${4:-}" ] && printf 'sed -n "1,200p" "${0%%.t}.err" >&2\n'
		printf 'sed "1,/^__TAP__\\$/d" "$0"\nexit %s\n__TAP__\n' "$2"
		cat "$3"
	} >"$1"
	chmod 0755 "$1"
}
finish_lane() {
	printf '%s' "$lane_tap" >"$RUN/lane.tap"
	echo "1..$n" >>"$RUN/lane.tap"
	replay "$OUT/guest-lane.t" "$lane_rc" "$RUN/lane.tap"
}
cleanup() {
	tests/guest/vm.sh stop "$RUN/vm" >/dev/null 2>&1
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'lane_tap="${lane_tap}not ok $((n + 1)) - the lane was interrupted
"; n=$((n + 1)); lane_rc=1; finish_lane; exit 130' INT TERM HUP

# step NAME CMD...: one step of the lane as a TAP line, timed.
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo "guest: $name ..." >&2
	"$@" >"$RUN/step.log" 2>&1
	rc=$?
	n=$((n + 1))
	if [ "$rc" = 0 ]; then
		lane_tap="${lane_tap}ok $n - $name ($(($(date +%s) - t0)) s)
"
	else
		lane_tap="${lane_tap}not ok $n - $name (exit $rc after $(($(date +%s) - t0)) s)
$(tail -30 "$RUN/step.log" | sed 's/^/#   /')
"
		lane_rc=1
	fi
	echo "guest: $name: exit $rc in $(($(date +%s) - t0)) s (lane $(($(date +%s) - lane_start)) s)" >&2
	return "$rc"
}

# Where the lane cannot run, say so as a skip.
why=""
if ! command -v qemu-system-x86_64 >/dev/null || ! command -v mmdebstrap >/dev/null; then
	why="qemu-system-x86_64 or mmdebstrap is not installed (apt-get install qemu-system-x86 qemu-utils mmdebstrap)"
elif [ "$(id -u)" != 0 ]; then
	why="the guest image is built as root"
elif [ "$(uname -m)" != x86_64 ]; then
	why="the guest is x86_64 and this machine is $(uname -m)"
fi
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why" >"$RUN/lane.tap"
	replay "$OUT/guest-lane.t" 0 "$RUN/lane.tap"
	echo "guest: skipped: $why" >&2
	exit 0
fi

vm() { tests/guest/vm.sh "$1" "$RUN/vm" "${@:2}"; }
# Built here, on the same Debian 12, with the default PREFIX: compiling
# under emulation took 4 to 7 minutes of the lane's budget.  The guest
# installs the same build with the same PREFIX (make -o all: nothing is
# rebuilt there).
build_tree() {
	make -j"$(nproc)" all test-bins
}
copy_tree() {
	tar --exclude=./.git --exclude=./tests/guest/results --exclude=./tests/fuzz --exclude=./build/deb -c -f - . |
		vm ssh 'rm -rf /srv/jail && mkdir -m 0755 -p /srv/jail && tar -x -C /srv/jail -f -'
}
install_tree() {
	vm ssh 'cd /srv/jail && make -o all install'
}
# README's Install section: the profiles go to /etc/apparmor.d and are
# loaded with apparmor_parser; they must then be enforced.
load_apparmor() {
	vm ssh 'set -e
		for p in /usr/local/share/jail/apparmor/apparmor.*; do
			n=${p##*/apparmor.}
			cp "$p" "/etc/apparmor.d/$n"
			apparmor_parser -r "/etc/apparmor.d/$n"
			grep -qx "$n (enforce)" /sys/kernel/security/apparmor/profiles
		done'
}
run_suite() {
	vm ssh "cd /srv/jail && tests/guest/in-guest.sh ${JAIL_GUEST_TESTS:-}"
}
fetch_results() { # GUEST_DIR LOCAL_DIR
	mkdir -p "$2"
	vm ssh "tar -c -C /srv/jail/$1 ." | tar -x -C "$2"
}
# replay_all DIR PREFIX: one replay file per guest test in DIR.
replay_all() {
	local tap b
	for tap in "$1"/*.tap; do
		[ -e "$tap" ] || continue
		b=${tap##*/}
		b=${b%.tap}
		cp "$1/$b.err" "$OUT/$2$b.err" 2>/dev/null || : >"$OUT/$2$b.err"
		replay "$OUT/$2$b.t" "$(cat "$1/$b.rc" 2>/dev/null || echo 1)" "$tap" err
	done
	[ -e "$1/times" ] && sed "s/^/guest: $2/" "$1/times" >&2
}
# A second boot with AppArmor switched off (apparmor=0): 46-apparmor.t then
# checks that `apparmor = required` refuses and `optional` goes on.
run_apparmor_off() {
	vm ssh 'test "$(cat /sys/module/apparmor/parameters/enabled)" = N' &&
		vm ssh "cd /srv/jail && JAIL_GUEST_OUT=tests/guest/in-guest-results-aa0 tests/guest/in-guest.sh tests/integration/46-apparmor.t"
}

# The package phase.  The .deb is built here, as the tree is (make deb
# builds out of tree, in build/deb/src, with PREFIX=/usr).
build_deb() {
	make deb
}
deb_file() {
	case ${JAIL_GUEST_DEB:-} in *.deb) echo "$JAIL_GUEST_DEB"; return ;; esac
	find build/deb -maxdepth 1 -name 'jail_*_amd64.deb' -printf '%T@ %p\n' | sort -rn | sed -n '1s/^[^ ]* //p'
}
# Only the .deb and the test go in, into a directory the test leaves out of
# its file lists.
copy_deb() {
	local deb
	deb=$(deb_file)
	[ -n "$deb" ] || { echo "no build/deb/jail_*_amd64.deb"; return 1; }
	tar -c -f - -C "${deb%/*}" "${deb##*/}" -C "$TOP/tests/guest" deb-test.sh |
		vm ssh 'rm -rf /root/deb-phase && mkdir -m 0755 /root/deb-phase &&
			tar -x --no-same-owner -C /root/deb-phase -f - && chmod 0644 /root/deb-phase/*.deb'
}
run_deb_test() {
	local deb
	deb=$(deb_file)
	vm ssh "cd /root/deb-phase && timeout -k 10 ${JAIL_GUEST_TEST_TIMEOUT:-900} ./deb-test.sh './${deb##*/}' >deb.tap 2>deb.err; echo \$? >deb.rc"
}
fetch_deb_results() {
	mkdir -p "$RUN/results-deb"
	vm ssh 'cd /root/deb-phase && tar -c -f - deb.tap deb.err deb.rc' | tar -x -C "$RUN/results-deb" &&
		[ -s "$RUN/results-deb/deb.tap" ] || return 1
	replay_all "$RUN/results-deb" guest-
	return 0
}

suite=1
[ "${JAIL_GUEST_TESTS:-}" = none ] && suite=0
deb_phase=1
[ "${JAIL_GUEST_DEB:-yes}" = no ] && deb_phase=0

mkdir -p "$RUN/results"
if step "guest image (tests/guest/image.sh)" tests/guest/image.sh; then
	deb_built=0
	case ${JAIL_GUEST_DEB:-} in
	*.deb) step "package given: $JAIL_GUEST_DEB" test -f "$JAIL_GUEST_DEB" && deb_built=1 ;;
	*) [ "$deb_phase" = 1 ] && step "package builds here (make deb)" build_deb && deb_built=1 ;;
	esac
	if [ "$suite" = 1 ]; then
		if step "tree builds (make all test-bins)" build_tree &&
			step "guest boots to ssh" vm start &&
			step "tree copied to /srv/jail in the guest" copy_tree &&
			step "tree installs in the guest (make install, the same PREFIX)" install_tree &&
			step "shipped AppArmor profiles load in enforce mode" load_apparmor; then
			step "integration suite runs in the guest" run_suite
			fetch_results tests/guest/in-guest-results "$RUN/results"
			replay_all "$RUN/results" guest-
			if step "guest reboots with AppArmor off (apparmor=0)" vm reboot -- apparmor=0; then
				step "46-apparmor.t runs with AppArmor off" run_apparmor_off
				fetch_results tests/guest/in-guest-results-aa0 "$RUN/results-aa0"
				replay_all "$RUN/results-aa0" guest-apparmor0-
			fi
		fi
		step "guest powers off after the suite" vm stop
	fi
	# vm stop removed the overlay: this guest is the image as built.
	if [ "$deb_built" = 1 ] &&
		step "a fresh guest boots (a new overlay, no make install)" vm start &&
		step "the .deb and deb-test.sh copied into the guest" copy_deb; then
		step "package phase runs in the guest (deb-test.sh)" run_deb_test
		step "package phase results copied back (guest-deb.t)" fetch_deb_results
		# The test's own step times (TAP comments), as the lane prints its own.
		sed -n 's/^# time: /guest: deb: /p' "$RUN/results-deb/deb.tap" >&2 2>/dev/null
	fi
fi
step "guest powers off" vm stop
finish_lane
echo "guest: lane done in $(($(date +%s) - lane_start)) s" >&2
exit 0
