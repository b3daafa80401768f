#!/bin/bash
# bench/guest.sh: bench/session.sh inside the guest lane's Debian 12 guest
# (systemd, cgroup v2, AppArmor; tests/guest/), once as booted and once
# with cgroup2 remounted with favordynmods.  EMULATED under qemu TCG unless
# the CPU offers vmx/svm: absolute times are not a real host's; the ratios
# within one run are what to read.  Not part of make bench (it boots a VM).
#
#   bench/guest.sh [session.sh arguments, default: -n 11 -c 10]
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- -n 11 -c 10
R=$(mktemp -d /tmp/jail-bench-guest.XXXXXX)
trap 'tests/guest/vm.sh stop "$R/vm" >/dev/null 2>&1; rm -rf "$R"' EXIT
make -j"$(nproc)" all test-bins >/dev/null
tests/guest/vm.sh start "$R/vm"
tar --exclude=./.git --exclude=./tests/guest/results --exclude=./tests/fuzz -c -f - . |
	tests/guest/vm.sh ssh "$R/vm" 'mkdir -m 0755 -p /srv/jail && tar -x -C /srv/jail -f - && cd /srv/jail && make -o all install >/dev/null'
echo "== guest ($(cat "$R/vm/accel")), cgroup2 as booted: $(tests/guest/vm.sh ssh "$R/vm" 'findmnt -n -o OPTIONS /sys/fs/cgroup')"
tests/guest/vm.sh ssh "$R/vm" "cd /srv/jail && systemd-run --scope --quiet --collect bench/session.sh $*"
tests/guest/vm.sh ssh "$R/vm" 'mount -o remount,favordynmods /sys/fs/cgroup'
echo "== guest, cgroup2 with favordynmods: $(tests/guest/vm.sh ssh "$R/vm" 'findmnt -n -o OPTIONS /sys/fs/cgroup')"
tests/guest/vm.sh ssh "$R/vm" "cd /srv/jail && systemd-run --scope --quiet --collect bench/session.sh $*"
