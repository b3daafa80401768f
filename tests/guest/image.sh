#!/bin/bash
# Build (or find cached) the guest image: a Debian 12 root file system from
# Debian's packages with systemd as pid 1, cgroup v2, AppArmor, sshd and
# every package tests/deps.sh names, as an ext4 disk image plus the kernel
# and initrd to boot it with.  Prints (alone on stdout: everything else
# goes to stderr) the cache directory that holds
# base.raw, vmlinuz, initrd.img and the root ssh key (id_ed25519).
#
# The cache lives outside the checkout (JAIL_GUEST_CACHE, default
# /var/cache/jail-guest), one directory per hash of this script and the
# package list, so a change to either builds a new image; older images are
# removed once the new one is complete.  Nothing half-built is ever used: the
# image is made in a temporary directory and renamed into place.
set -eu
cd "$(dirname "$0")/../.."
CACHE=${JAIL_GUEST_CACHE:-/var/cache/jail-guest}
SUITE=bookworm
MIRROR=${JAIL_GUEST_MIRROR:-http://deb.debian.org/debian}
SECURITY=${JAIL_GUEST_SECURITY:-http://deb.debian.org/debian-security}
# What a production host runs, then what the build and the tests need,
# then what only guest tests use: PostgreSQL for 82-postgres-systemd.t (its
# own cluster service is masked and its cluster removed below: the test
# runs postgres in a jail, under a unit of its own).
GUEST_ONLY_PKGS="postgresql-15 postgresql-client-15"
GUEST_PKGS="linux-image-amd64 initramfs-tools systemd systemd-sysv udev dbus libpam-systemd
apparmor apparmor-utils openssh-server openssh-client openssh-sftp-server kmod iproute2 ca-certificates
$(tests/deps.sh --list)
$GUEST_ONLY_PKGS"
PKGS=$(printf '%s\n' $GUEST_PKGS | sort -u | tr '\n' ',' | sed 's/,$//')
KEY=$( (cat "$0"; echo "$PKGS $SUITE $MIRROR $SECURITY") | sha256sum | cut -c1-16)
DIR=$CACHE/$KEY
if [ -e "$DIR/complete" ]; then
	echo "$DIR"
	exit 0
fi
for t in mmdebstrap mkfs.ext4 ssh-keygen; do
	command -v "$t" >/dev/null || { echo "guest image: $t not found (apt-get install mmdebstrap e2fsprogs openssh-client)" >&2; exit 1; }
done
mkdir -p "$CACHE"
chmod 0700 "$CACHE"
TMP=$(mktemp -d "$CACHE/.build.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP
t0=$(date +%s)
ssh-keygen -q -t ed25519 -N '' -C jail-guest -f "$TMP/id_ed25519"
ROOTFS=$TMP/rootfs
# The hooks run on this machine with the new root as $1.
# The archive may be served from a snapshot whose Release files are past
# their Valid-Until date (this machine's apt is configured the same way).
mmdebstrap --variant=minbase --include="$PKGS" \
	--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
	--customize-hook='echo jail-guest >"$1/etc/hostname"' \
	--customize-hook='printf "127.0.0.1 localhost\n127.0.1.1 jail-guest\n" >"$1/etc/hosts"' \
	--customize-hook='echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$1/etc/fstab"' \
	--customize-hook='mkdir -p -m 0700 "$1/root/.ssh"' \
	--customize-hook="cp '$TMP/id_ed25519.pub' \"\$1/root/.ssh/authorized_keys\"" \
	--customize-hook='printf "[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n" >"$1/etc/systemd/network/10-guest.network"' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service' \
	--customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer systemd-networkd-wait-online.service' \
	--essential-hook='printf "%s\n" "slapd slapd/no_configuration boolean true" "libnss-ldapd libnss-ldapd/nsswitch multiselect" | chroot "$1" debconf-set-selections' \
	--customize-hook='chroot "$1" systemctl mask postgresql.service slapd.service nslcd.service prometheus.service' \
	--customize-hook='rm -rf "$1/etc/postgresql/15/main" "$1/var/lib/postgresql/15/main"' \
	--customize-hook='printf "UseDNS no\n" >"$1/etc/ssh/sshd_config.d/guest.conf"' \
	--customize-hook='mkdir -p "$1/etc/systemd/journald.conf.d" && printf "[Journal]\nStorage=volatile\n" >"$1/etc/systemd/journald.conf.d/guest.conf"' \
	"$SUITE" "$ROOTFS" \
	"deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main" >&2
t1=$(date +%s)
cp -L "$ROOTFS/vmlinuz" "$TMP/vmlinuz"
cp -L "$ROOTFS/initrd.img" "$TMP/initrd.img"
mkfs.ext4 -q -F -L jail-guest -d "$ROOTFS" "$TMP/base.raw" 8G >&2
rm -rf "$ROOTFS"
t2=$(date +%s)
echo "guest image: packages $((t1 - t0)) s, disk $((t2 - t1)) s" >&2
touch "$TMP/complete"
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
# Only the newest image is kept.
for old in "$CACHE"/*; do
	[ "$old" = "$DIR" ] || rm -rf "$old"
done
echo "$DIR"
