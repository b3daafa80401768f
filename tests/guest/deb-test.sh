#!/bin/bash
# The package phase of the guest lane (tests/guest/lane.sh), run as root in a
# FRESH guest (a new overlay of the image: nothing of `make install` in it)
# with only this script and the .deb copied in:
#
#   deb-test.sh ./jail_VERSION_amd64.deb        (TAP on stdout)
#
# The life of the package on a production host, as an admin lives it:
# - the runtime libraries are already there (apt installs offline), the
#   guest has no jail yet;
# - `apt-get install ./jail_*.deb` installs it; it does not touch
#   /etc/pam.d/sshd nor sshd_config; its AppArmor profiles are loaded in
#   enforce mode (dh_apparmor);
# - `jailctl setup sshd`, `jailctl init`, `jailctl adduser` and a real ssh
#   login with a key from the in-jail home (jailctl keys): the session runs
#   under jail's init in a pid namespace, as the user, under the packaged
#   AppArmor profile;
# - a service of services.d under the packaged jail@.service: active, in a
#   pid namespace of its own, under the packaged profile; stops cleanly;
# - `jailctl deluser`, `jailctl setup sshd --undo` (the two sshd files are
#   byte-identical to before), `apt-get purge`: the file list of the guest
#   is the one before the install, and purge did not touch the sshd files.
#
# Nothing of the source tree is here, so the TAP helpers are this file's
# own (tests/lib.sh re-executes into private namespaces, which is exactly
# what this test must not do: it changes the real host).  Each step's time
# is printed as a TAP comment.
set -u
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
DEB=${1:?usage: deb-test.sh ./jail_VERSION_amd64.deb}
case $DEB in /*) ;; *) DEB=$PWD/$DEB ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
W=$HERE/work
rm -rf "$W"
mkdir -m 0700 "$W"

JAILS=/srv/jails
J=$JAILS/pkg
U=jpkguser
SVC=pkgsvc
SVCFILE=/etc/jail/services.d/$SVC.ini

_n=0
_failed=0
_t0=$(date +%s)
_tstep=$_t0
tap_ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
tap_fail() {
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -30 | sed 's/^/#   /'
	return 0
}
# ok NAME CMD...: passes when CMD succeeds (its output shown on failure).
ok() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then tap_ok "$name"; else tap_fail "$name" "$out"; fi
}
is() { # GOT WANT NAME
	if [ "$1" = "$2" ]; then tap_ok "$3"; else tap_fail "$3" "got:  '$1'
want: '$2'"; fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}
# timed NAME: a comment with the time since the previous one (the lane
# prints these as step times).
timed() {
	local now
	now=$(date +%s)
	echo "# time: $1: $((now - _tstep)) s"
	_tstep=$now
}

# The guest's file list: every file, directory and link on the root file
# system (and on /etc, /usr, /var, /srv, /home, /opt, should they be mounts
# of their own) with its type, mode, owner and link target.  Not listed, as
# they change on any host whatever is installed, or are this test's own:
#   /proc /sys /dev /run /tmp /var/tmp  kernel, runtime and scratch files
#   /var/log           logs and the journal (dpkg.log, apt's history, wtmp)
#   /var/cache/apt /var/cache/debconf /var/cache/man /var/cache/ldconfig
#                      caches apt, debconf, man-db and ldconfig rewrite, with
#                      their *-old backups
#   /var/lib/apt /var/lib/dpkg  apt's and dpkg's own databases (that the
#                      package is gone from dpkg's is asserted with dpkg-query)
#   /var/lib/systemd/timers /var/lib/systemd/random-seed  runtime state
#   this script's directory (the .deb, the key, these lists)
file_list() {
	find / /etc /usr /var /srv /home /opt -xdev \
		\( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /var/tmp -o -path /var/log -o -path /var/cache/apt \
		-o -path /var/cache/debconf -o -path /var/cache/man -o -path /var/cache/ldconfig \
		-o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/lib/systemd/timers \
		-o -path /var/lib/systemd/random-seed -o -path "$HERE" \) -prune \
		-o -printf '%p %y %m %u:%g %l\n' 2>/dev/null | sort -u
}
PROFILES=/sys/kernel/security/apparmor/profiles

# --- before: the guest has no jail, has what jail needs -----------------------
for p in libiniparser1 libseccomp2 libcap2 libapparmor1 libpam0g apparmor openssh-server; do
	ok "runtime dependency $p is installed in the image (apt installs offline)" \
		sh -c "dpkg-query -W -f='\${Status}' $p | grep -qx 'install ok installed'"
done
ok 'a fresh guest: no package jail, no /etc/jail, no jailctl, no pam_jail.so' \
	sh -c '! dpkg-query -W -f="\${Status}" jail 2>/dev/null | grep -q installed &&
		[ ! -e /etc/jail ] && [ ! -e /usr/local/sbin/jailctl ] && [ ! -e /usr/sbin/jailctl ] &&
		! ls /usr/lib/*/security/pam_jail.so /usr/local/lib/*/security/pam_jail.so 2>/dev/null | grep -q .'
[ -e /etc/jail ] || [ -e /usr/sbin/jailctl ] && bail "not a fresh guest: jail is already installed"
cp -p /etc/pam.d/sshd "$W/pam.sshd.orig"
cp -p /etc/ssh/sshd_config "$W/sshd_config.orig"
getent group jailed >/dev/null && had_jailed=1 || had_jailed=0
new_backups=""
for f in passwd group shadow gshadow subuid subgid; do
	[ -e "/etc/$f-" ] || new_backups="$new_backups /etc/$f-"
done
file_list >"$W/files.before"
echo "# $(wc -l <"$W/files.before") paths in the file list before the install"
timed "file list before"

# --- apt-get install ./jail_*.deb -----------------------------------------------
# Offline: every dependency is in the image already, so apt installs jail
# alone and fetches nothing.  (--no-download cannot be used: apt 2.6 then
# refuses a local .deb, "Pathname to install is not absolute".)
out=$(cd "$(dirname "$DEB")" && apt-get install -y "./${DEB##*/}" 2>&1)
rc=$?
if [ "$rc" = 0 ]; then tap_ok "apt-get install ./${DEB##*/}"; else
	tap_fail "apt-get install ./${DEB##*/}: exit $rc" "$(printf '%s\n' "$out" | tail -30)"
	bail "the package did not install"
fi
ok 'apt installed jail alone: every dependency was in the image, nothing was fetched' \
	sh -c 'printf "%s\n" "$1" | grep -q "^0 upgraded, 1 newly installed, 0 to remove" &&
		printf "%s\n" "$1" | grep -q "^Need to get 0 B/" || { printf "%s\n" "$1" | tail -20; exit 1; }' sh "$out"
timed "apt-get install"
is "$(dpkg-query -W -f='${Status}' jail 2>&1)" "install ok installed" 'dpkg: jail is installed'
ok '/usr/sbin/jailctl is installed, 0755' sh -c '[ "$(stat -c %a /usr/sbin/jailctl)" = 755 ]'
ok '/usr/sbin/jailsh is installed, 0711' sh -c '[ "$(stat -c %a /usr/sbin/jailsh)" = 711 ]'
ok 'pam_jail.so is in the multiarch security directory' \
	test -f /usr/lib/x86_64-linux-gnu/security/pam_jail.so
ok 'jail@.service is a unit systemd knows' \
	sh -c 'systemctl cat jail@x.service | grep -q "ExecStart=/usr/sbin/jailctl run"'
ok '/run/jail exists (tmpfiles.d)' test -d /run/jail
ok 'the install did not touch /etc/pam.d/sshd' cmp /etc/pam.d/sshd "$W/pam.sshd.orig"
ok 'the install did not touch /etc/ssh/sshd_config' cmp /etc/ssh/sshd_config "$W/sshd_config.orig"

# --- AppArmor: the package's profiles, loaded and enforced ----------------------
aa_files=$(dpkg -L jail | grep -E '^/etc/apparmor\.d/[^/]+$')
aa_names=""
for f in $aa_files; do
	[ -f "$f" ] || continue
	aa_names="$aa_names $(sed -n 's/^[[:space:]]*profile[[:space:]]\+\([^[:space:]]\+\).*/\1/p' "$f" | head -1)"
done
for p in jail-default jail-strict; do
	ok "the package ships AppArmor profile $p in /etc/apparmor.d (found:$aa_names)" \
		sh -c "case ' $aa_names ' in *' $p '*) ;; *) exit 1 ;; esac"
done
for p in $aa_names; do
	ok "AppArmor profile $p (from the package) is loaded in enforce mode" \
		grep -qx "$p (enforce)" "$PROFILES"
done
timed "package checks"

# --- jailctl setup sshd -----------------------------------------------------------
ok 'jailctl setup sshd' jailctl setup sshd
ok 'jailctl setup sshd again: nothing changes (idempotent)' \
	sh -c 'cp /etc/pam.d/sshd "$1/pam.1" && cp /etc/ssh/sshd_config "$1/sshd.1" && jailctl setup sshd &&
		cmp /etc/pam.d/sshd "$1/pam.1" && cmp /etc/ssh/sshd_config "$1/sshd.1"' sh "$W"
ok 'sshd -t accepts the configuration' sshd -t
ok 'pam_jail is the last session line of /etc/pam.d/sshd' \
	sh -c "grep -E '^[[:space:]]*-?session[[:space:]]' /etc/pam.d/sshd | tail -1 | grep -qE '^session[[:space:]]+required[[:space:]]+pam_jail.so'"
ok 'the Match block runs the packaged jailctl for keys' \
	grep -qE '^[[:space:]]*AuthorizedKeysCommand /usr/sbin/jailctl keys' /etc/ssh/sshd_config
ok 'sshd_config has the Match Group jailed block' grep -qx 'Match Group jailed' /etc/ssh/sshd_config
ok 'systemctl reload ssh' systemctl reload ssh
timed "setup sshd"

# --- jailctl init, adduser, a jailed ssh login ------------------------------------
install -d -m 0700 "$JAILS"
# jailsh: pam_jail runs the login through the jail's own jailsh.
ok "jailctl init $J basicshell jailsh" jailctl init "$J" basicshell jailsh
ok "jailctl cp $J /usr/bin/id" jailctl cp "$J" /usr/bin/id
timed "jailctl init"
ok "useradd $U" useradd -M -d "/home/$U" -s /bin/bash "$U"
ok "jailctl adduser -j $J $U" jailctl adduser -j "$J" "$U"
ssh-keygen -q -t ed25519 -N '' -C jail-deb-test -f "$W/id_ed25519" || bail "ssh-keygen"
install -d -m 0700 -o "$U" -g "$U" "$J/home/$U/.ssh"
install -m 0600 -o "$U" -g "$U" "$W/id_ed25519.pub" "$J/home/$U/.ssh/authorized_keys"
is "$(jailctl keys "$U" 2>&1)" "$(cat "$W/id_ed25519.pub")" "jailctl keys $U prints the key of the in-jail home"
out=$(timeout 120 ssh -i "$W/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o BatchMode=yes -o LogLevel=ERROR "$U@127.0.0.1" \
	'echo "comm=$(cat /proc/1/comm)"; echo "user=$(id -un)"; echo "label=$(cat /proc/self/attr/current)"
	test -e /usr/sbin/jailctl && echo tree=host || echo tree=jail' </dev/null 2>"$W/ssh.err")
rc=$?
# (Debian's PAM stack may print the motd first: the lines are found by name.)
field() { sed -n "s/^$1=//p" <<<"$out" | head -1; }
if [ "$rc" = 0 ]; then tap_ok "ssh $U@127.0.0.1 with the key logs in"; else
	tap_fail "ssh $U@127.0.0.1 with the key logs in: exit $rc" "$(tail -5 "$W/ssh.err")
$(journalctl -n 15 --no-pager -o cat 2>&1)"
fi
is "$(field comm)" jail-init 'the session runs under jail-init as pid 1 (a pid namespace of its own)'
is "$(field user)" "$U" "the session runs as $U"
is "$(field label)" "jail-default (enforce)" 'the session is confined by the packaged profile jail-default, enforced'
is "$(field tree)" jail "the session sees the jail's tree, not the host's (/usr/sbin/jailctl absent)"
timed "jailed ssh login"

# --- a jailed service under the packaged jail@.service ------------------------------
made_svcd=0
if [ ! -d /etc/jail/services.d ]; then
	install -d -m 0755 /etc/jail/services.d
	made_svcd=1
fi
printf '[service:%s]\njail = %s\nexec = /bin/sleep infinity\nready = exec\n' "$SVC" "$J" >"$SVCFILE"
chmod 0644 "$SVCFILE"
ok "systemctl start jail@$SVC" timeout 120 systemctl start "jail@$SVC"
is "$(systemctl is-active "jail@$SVC" 2>&1)" active "jail@$SVC is active"
cg=$(systemctl show -p ControlGroup --value "jail@$SVC")
spid=""
for _ in $(seq 50); do
	spid=$(find "/sys/fs/cgroup$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && echo "$p"
	done | head -1)
	[ -n "$spid" ] && break
	sleep 0.2
done
ok "the service's sleep runs in the unit's cgroup ($cg)" test -n "$spid"
if [ -n "$spid" ]; then
	ok "the service runs in a pid namespace of its own" \
		sh -c "[ \"\$(readlink /proc/$spid/ns/pid)\" != \"\$(readlink /proc/1/ns/pid)\" ]"
	is "$(awk '/^NSpid:/{print NF - 1}' "/proc/$spid/status")" 2 'the service has a pid in the host namespace and one in its own'
	is "$(cat "/proc/$spid/attr/current" 2>&1)" "jail-default (enforce)" 'the service is confined by the packaged profile jail-default'
	ok "the service sees the jail's tree, not the host's (no /usr/sbin/jailctl in its root)" \
		test ! -e "/proc/$spid/root/usr/sbin/jailctl"
fi
ok "systemctl stop jail@$SVC" timeout 60 systemctl stop "jail@$SVC"
is "$(systemctl is-active "jail@$SVC" 2>&1)" inactive "jail@$SVC is inactive after stop"
ok 'no process of the service is left' sh -c "[ -z '$spid' ] || ! kill -0 '$spid' 2>/dev/null"
systemctl reset-failed "jail@$SVC" 2>/dev/null
timed "jailed service"

# --- undo: deluser, setup --undo, purge -------------------------------------------
ok "jailctl deluser $U" jailctl deluser "$U"
# logind stops the user's systemd --user manager some seconds after the
# last session; userdel refuses while it runs.
loginctl terminate-user "$U" >/dev/null 2>&1
for _ in $(seq 100); do
	pgrep -u "$U" >/dev/null || break
	sleep 0.2
done
ok "userdel $U" userdel "$U"
# The backups shadow-utils made of the files useradd and userdel changed.
for f in $new_backups; do rm -f "$f"; done
[ "$had_jailed" = 0 ] && getent group jailed >/dev/null && groupdel jailed
rm -f "$SVCFILE"
[ "$made_svcd" = 1 ] && rmdir /etc/jail/services.d
rm -rf "$J"
rmdir "$JAILS"
ok 'jailctl setup sshd --undo' jailctl setup sshd --undo
ok '/etc/pam.d/sshd is byte-identical to before setup' cmp /etc/pam.d/sshd "$W/pam.sshd.orig"
ok 'sshd_config is byte-identical to before setup' cmp /etc/ssh/sshd_config "$W/sshd_config.orig"
ok 'systemctl reload ssh' systemctl reload ssh
timed "deluser, setup --undo"
out=$(apt-get purge -y jail 2>&1)
rc=$?
if [ "$rc" = 0 ]; then tap_ok 'apt-get purge -y jail'; else
	tap_fail "apt-get purge -y jail: exit $rc" "$(printf '%s\n' "$out" | tail -30)"
fi
timed "apt-get purge"
is "$(dpkg-query -W -f='${Status}' jail 2>/dev/null)" "" 'dpkg no longer knows the package jail'
ok 'purge did not touch /etc/pam.d/sshd' cmp /etc/pam.d/sshd "$W/pam.sshd.orig"
ok 'purge did not touch sshd_config' cmp /etc/ssh/sshd_config "$W/sshd_config.orig"
# Not a file: the kernel keeps a profile loaded until it is removed or the
# host reboots; dh_apparmor does not unload on purge.  Reported only.
for p in $aa_names; do
	grep -q "^$p " "$PROFILES" && echo "# after purge the kernel still has AppArmor profile $p loaded (until reboot)"
done
file_list >"$W/files.after"
diff -u "$W/files.before" "$W/files.after" >"$W/files.diff"
# (The test's own leftovers are removed above: the user, the group jailed
# if adduser made it, the backups shadow-utils made, the jail, the
# service file.)
is "$(grep -c '^[-+]/' "$W/files.diff")" 0 "after purge the guest's file list is the one before the install"
grep '^[-+]/' "$W/files.diff" | head -40 | sed 's/^/#   /'
timed "file list after"

echo "# time: package phase: $(($(date +%s) - _t0)) s in all"
echo "1..$_n"
[ "$_failed" = 0 ]
