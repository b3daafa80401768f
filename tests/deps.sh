#!/bin/sh
# Install the Debian packages the build and the tests need, when run as root
# and something is missing.  Does nothing otherwise.
PKGS="build-essential pkg-config libpam0g-dev libcap-dev libseccomp-dev libapparmor-dev
libiniparser-dev openssh-server openssh-client rsync git jailkit bubblewrap firejail
apparmor iproute2 procps util-linux clang libclang-rt-14-dev valgrind cppcheck clang-format
hyperfine file strace nano vim-tiny iputils-ping wget less bzip2 xz-utils netbase
ncurses-bin libcap2-bin python3 mandoc xauth nginx-light borgbackup curl ca-certificates
openssl passt tmux mosh
debhelper lintian dh-apparmor bash-completion dpkg-dev fakeroot"
# --list: print the package list (the guest image installs the same).
if [ "${1:-}" = --list ]; then
	echo $PKGS
	exit 0
fi
# --guest: what the guest lane needs on this machine instead.
if [ "${1:-}" = --guest ]; then
	PKGS="qemu-system-x86 qemu-utils mmdebstrap e2fsprogs openssh-client python3"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Packages with a daemon (nginx) must not start it on this host: the tests
# run their own, in jails.  policy-rc.d (invoke-rc.d's veto) for the install.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d &&
		policy=/usr/sbin/policy-rc.d
fi
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null
rc=$?
[ -n "$policy" ] && rm -f "$policy"
exit $rc
