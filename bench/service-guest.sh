#!/bin/bash
# bench/service-guest.sh: a jailed service under real systemd, in the guest
# lane's Debian 12 guest (tests/guest/): `jailctl run NAME` as a Type=notify
# unit (the one `jailctl unit NAME` prints) against systemd's own sandbox,
# `systemd-run -p RootDirectory=JAIL` with comparable settings, on the same
# jail tree, both running bench/readyd (static: READY=1 on $NOTIFY_SOCKET
# once it listens).  EMULATED under qemu TCG unless the CPU offers vmx/svm:
# absolute times are not a real host's; read the ratio.  Not part of make
# bench (it boots a VM).
#
#   bench/service-guest.sh [-n RUNS]     (default 11; JAIL_GUEST_CACHE as
#                                         for tests/guest/vm.sh)
#
# Each cycle, the two taking turns: start (`systemctl start` /
# `systemd-run`, which return once systemd has READY=1: Type=notify) and
# stop (`systemctl stop`, which returns once the unit's processes are gone),
# in milliseconds, wall clock around systemctl; medians and p90 printed.
# systemd-run's side: Type=notify, NotifyAccess=all (readyd is its main
# pid anyway), RootDirectory=, MountAPIVFS=, PrivateTmp=, PrivateDevices=,
# PrivateIPC=, ProtectSystem=strict, ProtectHome=, ProtectKernelTunables=,
# ProtectKernelModules=, ProtectKernelLogs=, ProtectControlGroups=,
# ProtectHostname=, NoNewPrivileges=, RestrictSUIDSGID=,
# CapabilityBoundingSet=CAP_NET_BIND_SERVICE, SystemCallFilter=@system-service,
# a pid namespace is not available to it (systemd has none for services);
# no network restriction (the service profile shares the host's network).
#   --in-guest RUNS    the measuring part, run in the guest by the above
. "$(dirname "$0")/lib.sh"
cd "$REPO" || exit 1
if [ "${1:-}" != --in-guest ]; then
	bench_runs_opt 11 "$@"
	R=$(mktemp -d /tmp/jail-bench-svcguest.XXXXXX)
	trap 'tests/guest/vm.sh stop "$R/vm" >/dev/null 2>&1; rm -rf "$R"' EXIT
	make -j"$(nproc)" all test-bins >/dev/null || exit 1
	cc -static -O2 -Wall -o bench/readyd bench/readyd.c || exit 1
	tests/guest/vm.sh start "$R/vm" || exit 1
	tar --exclude=./.git --exclude=./tests/guest/results --exclude=./tests/fuzz -c -f - . |
		tests/guest/vm.sh ssh "$R/vm" 'rm -rf /srv/jail && mkdir -m 0755 -p /srv/jail && tar -x -C /srv/jail -f - && cd /srv/jail && make -o all install >/dev/null'
	rm -f bench/readyd
	echo "== guest ($(cat "$R/vm/accel")), $RUNS cycles each"
	tests/guest/vm.sh ssh "$R/vm" "cd /srv/jail && bench/service-guest.sh --in-guest $RUNS"
	exit $?
fi

# ---- in the guest ----
RUNS=${2:-11}
JAILCTL=$PWD/jailctl/jailctl
W=$(mktemp -d /srv/bench-svc.XXXXXX)
chmod 0755 "$W"
CONF=$W/conf
J=$W/jail
PORT=9190
UJ=jail-bsvc.service
US=bench-sdrun.service
cleanup() {
	systemctl stop "$UJ" "$US" >/dev/null 2>&1
	systemctl reset-failed "$UJ" "$US" >/dev/null 2>&1
	rm -f "/etc/systemd/system/$UJ"
	systemctl daemon-reload
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$CONF/profiles" "$CONF/services.d"
cp profiles/*.ini "$CONF/profiles/"
"$JAILCTL" --config "$CONF" init "$J" basicshell >/dev/null || exit 1
install -m 0755 bench/readyd "$J/readyd"
cat >"$CONF/services.d/bsvc.ini" <<EOF
[service:bsvc]
jail = $J
profile = service
exec = /readyd $PORT
ready = notify
EOF
chmod -R go-w "$CONF"
"$JAILCTL" --config "$CONF" unit bsvc >"/etc/systemd/system/$UJ" || exit 1
systemctl daemon-reload

SDRUN=(systemd-run --quiet --unit="$US" -p Type=notify -p NotifyAccess=all -p TimeoutStartSec=30
	-p RootDirectory="$J" -p MountAPIVFS=yes -p PrivateTmp=yes -p PrivateDevices=yes
	-p PrivateIPC=yes -p ProtectSystem=strict -p ProtectHome=yes
	-p ProtectKernelTunables=yes -p ProtectKernelModules=yes -p ProtectKernelLogs=yes
	-p ProtectControlGroups=yes -p ProtectHostname=yes -p NoNewPrivileges=yes
	-p RestrictSUIDSGID=yes -p CapabilityBoundingSet=CAP_NET_BIND_SERVICE
	-p SystemCallFilter=@system-service -- /readyd "$PORT")
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
up() { exec 3<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null && exec 3<&-; }
: >"$W/jailctl.t"
: >"$W/sdrun.t"
for i in $(seq "$RUNS"); do
	t=$(date +%s%N)
	systemctl start "$UJ" || { echo "start $UJ failed" >&2; exit 1; }
	s=$(ms "$t")
	up || { echo "$UJ: not listening after start" >&2; exit 1; }
	t=$(date +%s%N)
	systemctl stop "$UJ"
	echo "$s $(ms "$t")" >>"$W/jailctl.t"
	t=$(date +%s%N)
	"${SDRUN[@]}" || { echo "systemd-run failed: $(journalctl -q -n 5 -u "$US" -o cat)" >&2; exit 1; }
	s=$(ms "$t")
	up || { echo "$US: not listening after start" >&2; exit 1; }
	t=$(date +%s%N)
	systemctl stop "$US"
	echo "$s $(ms "$t")" >>"$W/sdrun.t"
	systemctl reset-failed "$US" >/dev/null 2>&1
	[ "$i" = 1 ] && { : >"$W/jailctl.t"; : >"$W/sdrun.t"; } # the first: warm-up
done
# stat FILE COLUMN: "median p90"
stat() { cut -d' ' -f"$2" "$1" | sort -n | awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.9+0.999)]; printf "%d %d", m, p}'; }
printf '%-44s %14s %14s\n' "launcher ($(($(wc -l <"$W/jailctl.t"))) runs, ms)" "start median/p90" "stop median/p90"
for x in jailctl sdrun; do
	read -r sm sp <<<"$(stat "$W/$x.t" 1)"
	read -r tm tp <<<"$(stat "$W/$x.t" 2)"
	name="jailctl run bsvc (jailctl unit, Type=notify)"
	[ $x = sdrun ] && name="systemd-run -p RootDirectory= (Type=notify)"
	printf '%-44s %9s/%-5s %9s/%-5s\n' "$name" "$sm" "$sp" "$tm" "$tp"
	eval "${x}_s=$sm ${x}_t=$tm"
done
# shellcheck disable=SC2154
awk -v a="$jailctl_s" -v b="$sdrun_s" -v c="$jailctl_t" -v d="$sdrun_t" \
	'BEGIN { printf "ratio jailctl / systemd-run: start %.2f, stop %.2f\n", a / b, c / d }'
