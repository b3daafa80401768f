#!/bin/bash
# Run in the guest by tests/guest/lane.sh, from the tree's top: every
# integration test (or those named), each under a timeout, its TAP, stderr
# and exit status kept in tests/guest/in-guest-results/ for the lane to
# copy back.  Unit tests and fuzzers run on the development host only.
cd "$(dirname "$0")/../.." || exit 2
R=${JAIL_GUEST_OUT:-tests/guest/in-guest-results}
rm -rf "$R"
mkdir -p "$R"
[ $# -gt 0 ] || set -- tests/integration/*.t
# Not run here, and reported as skips: pam_jail.so under valgrind checks
# jail's own memory handling, which does not depend on the host, and takes
# about 3 minutes under emulation (make sanitize runs it on the host).
# 17-deb builds the Debian package, minutes under emulation; the lane
# installs the package built on the host instead.  16-install compiles the
# tree twice (two prefixes): the same minutes, and what it checks (the
# build and install steps) does not depend on the host it runs on.
# 10-init and 14-packages build jail trees from this Debian's own files with
# code that touches no systemd, cgroup or AppArmor: 8 minutes of emulation
# for what the development host's run already shows (the package phase
# builds a jail in the guest with the packaged jailctl).
SKIP=${JAIL_GUEST_SKIP-70-valgrind-pam 16-install 17-deb 10-init 14-packages}
skip_reason() {
	case $1 in
	17-deb) echo "make deb builds on the development host; the guest lane installs that .deb" ;;
	16-install) echo "two full builds, minutes under emulation; the build does not depend on the host" ;;
	10-init | 14-packages) echo "tree building touches no systemd, cgroup or AppArmor: run on the development host" ;;
	*) echo "valgrind runs on the development host (make sanitize), not under emulation" ;;
	esac
}
for t in "$@"; do
	b=${t##*/}
	b=${b%.t}
	case " $SKIP " in
	*" $b "*)
		echo "1..0 # SKIP $(skip_reason "$b")" >"$R/$b.tap"
		: >"$R/$b.err"
		echo 0 >"$R/$b.rc"
		echo "$b: skipped" | tee -a "$R/times"
		continue
		;;
	esac
	t0=$(date +%s)
	# Each test in a transient scope of its own, as a service would be, not
	# in root's ssh session (logind gives no session to a process inside
	# another one, and a test must never end the lane's own session).  Not
	# named jail-test-*: tests look for that name in /proc/PID/cgroup.
	systemd-run --scope --quiet --collect --unit="lane-$b-$$" -- \
		timeout -k 10 "${JAIL_GUEST_TEST_TIMEOUT:-900}" "$t" >"$R/$b.tap" 2>"$R/$b.err" </dev/null
	rc=$?
	echo "$rc" >"$R/$b.rc"
	[ "$rc" = 124 ] && echo "not ok - $b: timed out after ${JAIL_GUEST_TEST_TIMEOUT:-900} s in the guest" >>"$R/$b.tap"
	echo "$b: exit $rc in $(($(date +%s) - t0)) s" | tee -a "$R/times"
done
