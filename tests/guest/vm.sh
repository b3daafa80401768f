#!/bin/bash
# Start, use and stop one throwaway guest (a qcow2 overlay over the cached
# base image: the base is never written).
#
#   tests/guest/vm.sh start RUNDIR [-- EXTRA KERNEL ARGS]   boot, wait for ssh
#   tests/guest/vm.sh ssh RUNDIR [CMD...]                   run a command as root
#   tests/guest/vm.sh reboot RUNDIR [-- EXTRA KERNEL ARGS]  power off, boot the same disk again
#   tests/guest/vm.sh stop RUNDIR                           power off, remove RUNDIR
#
# RUNDIR (made by start) holds the overlay, the qemu pid, the port, the
# serial console log and the ssh key.  The guest's sshd listens on a free
# port of 127.0.0.1 only (user-mode networking).  KVM is used only where the
# CPU shows vmx or svm (the /dev/kvm of these machines cannot run Debian's
# kernel); otherwise qemu's TCG emulation.
set -eu
cd "$(dirname "$0")/../.."
cmd=${1:?usage: vm.sh start|ssh|stop RUNDIR}
R=${2:?usage: vm.sh start|ssh|stop RUNDIR}
shift 2

ssh_opts() {
	echo -i "$R/id_ed25519" -p "$(cat "$R/port")" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes \
		-o ConnectTimeout=10 -o ServerAliveInterval=15 -o ServerAliveCountMax=8
}

qemu_alive() {
	[ -s "$R/qemu.pid" ] && kill -0 "$(cat "$R/qemu.pid")" 2>/dev/null
}

poweroff() {
	if qemu_alive; then
		# shellcheck disable=SC2046
		timeout 20 ssh $(ssh_opts) root@127.0.0.1 'systemctl poweroff' >/dev/null 2>&1 || true
		for _ in $(seq 60); do qemu_alive || break; sleep 1; done
		qemu_alive && kill -9 "$(cat "$R/qemu.pid")" 2>/dev/null
	fi
	rm -f "$R/qemu.pid"
}

case $cmd in
start)
	[ "${1:-}" = -- ] && shift
	command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null ||
		{ echo "guest: qemu-system-x86_64 not found (apt-get install qemu-system-x86 qemu-utils)" >&2; exit 3; }
	IMG=$(tests/guest/image.sh)
	mkdir -p "$R"
	cp "$IMG/id_ed25519" "$R/id_ed25519"
	chmod 0600 "$R/id_ed25519"
	[ -e "$R/disk.qcow2" ] || qemu-img create -q -f qcow2 -F raw -b "$IMG/base.raw" "$R/disk.qcow2"
	if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ]; then
		accel="-accel kvm -cpu host"
	else
		accel="-accel tcg,thread=multi,tb-size=512 -cpu max"
	fi
	echo "$accel" >"$R/accel"
	# A free port on 127.0.0.1: qemu fails to start if another process
	# takes it first; then try the next one.
	for try in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		echo "$port" >"$R/port"
		# shellcheck disable=SC2086
		if qemu-system-x86_64 $accel -m "${JAIL_GUEST_MEM:-3G}" -smp "${JAIL_GUEST_CPUS:-2}" \
			-kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
			-append "root=/dev/vda rw console=ttyS0 $*" \
			-drive "file=$R/disk.qcow2,if=virtio,format=qcow2,cache=unsafe" \
			-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22" \
			-display none -monitor none -serial "file:$R/console.log" \
			-daemonize -pidfile "$R/qemu.pid" 2>"$R/qemu.err"; then
			break
		fi
		[ "$try" = 5 ] && { cat "$R/qemu.err" >&2; exit 1; }
	done
	t0=$(date +%s)
	# shellcheck disable=SC2046
	until ssh $(ssh_opts) root@127.0.0.1 true 2>/dev/null; do
		if ! qemu_alive; then
			echo "guest: qemu exited during boot; console:" >&2
			tail -20 "$R/console.log" >&2
			exit 1
		fi
		if [ $(($(date +%s) - t0)) -gt "${JAIL_GUEST_BOOT_TIMEOUT:-300}" ]; then
			echo "guest: no ssh after ${JAIL_GUEST_BOOT_TIMEOUT:-300} s; console:" >&2
			tail -20 "$R/console.log" >&2
			exit 1
		fi
		sleep 2
	done
	echo "guest: up in $(($(date +%s) - t0)) s ($accel)" >&2
	;;
ssh)
	# shellcheck disable=SC2046
	exec ssh $(ssh_opts) root@127.0.0.1 "$@"
	;;
reboot)
	poweroff
	"$0" start "$R" "$@"
	;;
stop)
	poweroff
	rm -rf "$R"
	;;
*)
	echo "usage: vm.sh start|ssh|reboot|stop RUNDIR" >&2
	exit 2
	;;
esac
exit 0
