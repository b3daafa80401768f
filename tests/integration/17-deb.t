#!/bin/bash
# make deb: the Debian package (debian/, issue 16), built out of tree with
# dpkg-buildpackage in build/deb/src, lintian-clean.  Asserted here:
#   - make deb succeeds and leaves build/deb/jail_VERSION_ARCH.deb (VERSION
#     from debian/changelog); lintian reports no error and no warning;
#   - the files: jailctl, jailsh 0711 (rwx--x--x), pam_jail.so in the
#     multiarch security directory, the man pages, sections.ini and the
#     templates under /usr/share/jail, /etc/jail with the profiles and empty
#     users.d and services.d, the AppArmor profiles in /etc/apparmor.d,
#     jail@.service in /usr/lib/systemd/system, the tmpfiles.d entry, the
#     bash completion; nothing under /usr/local;
#   - conffiles: exactly jail.ini, the profiles and the AppArmor profiles;
#   - no text file of the package names /usr/local, no binary a /usr/local
#     install path; jail.ini sets a default jail;
#   - the maintainer scripts load the AppArmor profiles and create /run/jail
#     (tmpfiles), never touch PAM or sshd, enable or start no unit, and
#     purge removes /run/jail only with rmdir (only when empty);
#   - dpkg -i, -r, -P with /etc, /usr and /var overlays (this mount
#     namespace only: the host's stay untouched): install creates /run/jail
#     (0755) and /run/jail/sessions (0700) and jailctl runs; remove keeps
#     jail.ini and what the admin made (users.d, services.d files, a jail,
#     a session record); purge removes the conffiles and the AppArmor
#     profiles and keeps the admin's files; an install and purge with
#     nothing of the admin's leave /etc, /usr, /run and /srv as they were
#     (a file list diff).
. "$(dirname "$0")/../lib.sh"
jail_test_setup

for tool in dpkg-buildpackage dh dh_apparmor lintian fakeroot git; do
	command -v "$tool" >/dev/null || bail "$tool missing (tests/deps.sh installs it)"
done
git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1 ||
	bail "$TOP is not a git checkout (make deb copies the files git lists)"

V=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
A=$(dpkg --print-architecture)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
DEB=$TOP/build/deb/jail_${V}_${A}.deb

t0=$(date +%s)
ok 'make deb' make -C "$TOP" deb
diag "make deb: $(($(date +%s) - t0)) s"
[ -f "$DEB" ] || bail "make deb left no $DEB"
ok "build/deb/jail_${V}_${A}.deb" test -f "$DEB"
is "$(grep -E '^[EW]: ' "$TOP/build/deb/lintian.log")" "" 'make deb: lintian reports no E: or W: line'
out=$(lintian "$DEB" 2>&1)
is "$(printf '%s\n' "$out" | grep -E '^[EW]: ')" "" 'lintian on the .deb: no E: or W: line'

# Contents (dpkg-deb -c: mode, owner, size, date, time, path).
C=$(dpkg-deb -c "$DEB")
has() { # PATH [MODE]: the package holds ./PATH (with MODE, ls -l style)
	local line
	line=$(printf '%s\n' "$C" | awk -v p="./$1" '$6 == p')
	[ -n "$line" ] && { [ -z "${2:-}" ] || [ "${line%% *}" = "$2" ]; }
}
ok 'jailctl in /usr/sbin, 0755' has usr/sbin/jailctl -rwxr-xr-x
ok 'jailsh in /usr/sbin, 0711 (rwx--x--x)' has usr/sbin/jailsh -rwx--x--x
ok "pam_jail.so in /usr/lib/$MA/security" has "usr/lib/$MA/security/pam_jail.so" -rw-r--r--
for m in man5/jail.ini.5 man5/jail-service.5 man8/jailctl.8 man8/jailsh.8 man8/pam_jail.8; do
	ok "man page $m" has "usr/share/man/$m.gz"
done
ok 'sections.ini in /usr/share/jail' has usr/share/jail/sections.ini
ok 'the sshd snippets in /usr/share/jail' has usr/share/jail/sshd_config.snippet
ok '/etc/jail/jail.ini' has etc/jail/jail.ini -rw-r--r--
ok 'users.d directory' has etc/jail/users.d/ drwxr-xr-x
ok 'services.d directory' has etc/jail/services.d/ drwxr-xr-x
ok 'AppArmor profile jail-default in /etc/apparmor.d' has etc/apparmor.d/jail-default
ok 'AppArmor profile jail-strict in /etc/apparmor.d' has etc/apparmor.d/jail-strict
ok 'jail@.service in /usr/lib/systemd/system' has usr/lib/systemd/system/jail@.service
ok 'tmpfiles.d entry' has usr/lib/tmpfiles.d/jail.conf
ok 'bash completion for jailctl' has usr/share/bash-completion/completions/jailctl
is "$(printf '%s\n' "$C" | awk '{ print $6 }' | grep '^\./usr/local')" "" 'nothing under /usr/local'
want_conf=$( (
	echo /etc/apparmor.d/jail-default
	echo /etc/apparmor.d/jail-strict
	echo /etc/jail/jail.ini
	for p in "$TOP"/profiles/*.ini; do echo "/etc/jail/profiles/${p##*/}"; done
) | sort)
is "$(dpkg-deb -I "$DEB" conffiles | sort)" "$want_conf" 'conffiles: jail.ini, the profiles, the AppArmor profiles'

# The files themselves.
X=$T/x
dpkg-deb -x "$DEB" "$X" || bail "dpkg-deb -x"
dpkg-deb -e "$DEB" "$X/DEBIAN" || bail "dpkg-deb -e"
is "$(grep -rIl /usr/local "$X" | sed "s|^$X||")" "" 'no text file in the package names /usr/local'
is "$(grep -ral -e /usr/local/sbin/jail -e /usr/local/share -e /usr/local/lib/systemd "$X" | sed "s|^$X||")" "" \
	'no binary has a /usr/local install path'
like "$(grep '^ExecStart=' "$X/usr/lib/systemd/system/jail@.service")" "/usr/sbin/jailctl run %i" \
	'jail@.service runs /usr/sbin/jailctl'
like "$(cat "$X/usr/lib/tmpfiles.d/jail.conf")" "d /run/jail 0755 root root -" 'tmpfiles.d creates /run/jail'
like "$(grep '^jail = ' "$X/etc/jail/jail.ini")" "jail = /srv/jails/default" 'jail.ini sets a default jail'
ok 'jailctl has /usr/share/jail/sections.ini compiled in' grep -qa /usr/share/jail/sections.ini "$X/usr/sbin/jailctl"

# Maintainer scripts.
# Their code: comment lines (which may name what they leave alone) aside.
S=$(cat "$X"/DEBIAN/preinst "$X"/DEBIAN/postinst "$X"/DEBIAN/prerm "$X"/DEBIAN/postrm 2>/dev/null |
	grep -v '^[[:space:]]*#')
like "$(cat "$X/DEBIAN/postinst")" 'apparmor_parser -r -T -W "$APP_PROFILE"' 'postinst loads the AppArmor profiles'
like "$(cat "$X/DEBIAN/postinst")" 'APP_PROFILE="/etc/apparmor.d/jail-default"' '... jail-default among them'
like "$(cat "$X/DEBIAN/postinst")" 'systemd-tmpfiles ${DPKG_ROOT:+--root="$DPKG_ROOT"} --create jail.conf' \
	'postinst creates /run/jail (systemd-tmpfiles)'
unlike "$S" "pam.d" 'no maintainer script mentions pam.d'
unlike "$S" "sshd" 'no maintainer script mentions sshd or sshd_config'
unlike "$S" "systemctl" 'no maintainer script runs systemctl'
unlike "$S" "deb-systemd" 'no maintainer script enables a unit (deb-systemd-helper/invoke)'
like "$(cat "$X/DEBIAN/postrm")" "rmdir /run/jail 2>/dev/null || true" 'purge removes /run/jail when empty'
unlike "$(cat "$X/DEBIAN/postrm")" "rm -r" 'postrm removes no tree (rm -r)'
unlike "$S" "/srv" 'no maintainer script touches /srv (the jails)'
unlike "$S" "users.d" 'no maintainer script touches users.d'

# Install, remove, purge: on overlays of /etc, /usr and /var.
for d in etc usr var; do
	mkdir -p "$T/ovl/up/$d" "$T/ovl/work/$d"
	mount -t overlay "jail-test-$d" \
		-o "lowerdir=/$d,upperdir=$T/ovl/up/$d,workdir=$T/ovl/work/$d" "/$d" ||
		bail "overlay over /$d"
done
[ -d /srv ] || bail "no /srv to mount a private tmpfs on"
mount -t tmpfs -o mode=0755 jail-test-srv /srv || bail "private /srv"
listing() { find /etc /usr /run /srv -xdev 2>/dev/null | grep -v "^/run/jail-tests" | sort; }
listing >"$T/before"

ok 'dpkg -i' dpkg -i "$DEB"
is "$(stat -c '%a %U' /run/jail /run/jail/sessions 2>&1 | tr '\n' ' ')" "755 root 700 root " \
	'postinst made /run/jail 0755 and /run/jail/sessions 0700 (tmpfiles)'
like "$(/usr/sbin/jailctl --help 2>&1)" "usage: jailctl" 'the installed jailctl runs'
echo '[user:alice]' >/etc/jail/users.d/alice.ini
echo '[service]' >/etc/jail/services.d/web.ini
mkdir -p /srv/jails/default/bin
: >/run/jail/sessions/0123456789abcdef
ok 'dpkg -r' dpkg -r jail
nok 'remove: jailctl gone' test -e /usr/sbin/jailctl
ok 'remove: jail.ini (a conffile) kept' test -f /etc/jail/jail.ini
ok 'remove: users.d/alice.ini kept' test -f /etc/jail/users.d/alice.ini
ok 'remove: services.d/web.ini kept' test -f /etc/jail/services.d/web.ini
ok 'remove: the jail kept' test -d /srv/jails/default/bin
ok 'dpkg -P' dpkg -P jail
nok 'purge: jail.ini gone' test -e /etc/jail/jail.ini
nok 'purge: profiles gone' test -e /etc/jail/profiles
nok 'purge: the AppArmor profiles gone' test -e /etc/apparmor.d/jail-default -o -e /etc/apparmor.d/jail-strict
ok 'purge: users.d/alice.ini kept' test -f /etc/jail/users.d/alice.ini
ok 'purge: services.d/web.ini kept' test -f /etc/jail/services.d/web.ini
ok 'purge: the jail kept' test -d /srv/jails/default/bin
ok 'purge: /run/jail kept while a session record is in it' test -f /run/jail/sessions/0123456789abcdef
rm -rf /etc/jail /srv/jails /run/jail
is "$(listing | diff "$T/before" - 2>&1)" "" 'install, remove and purge, admin files removed: as before'
ok 'dpkg -i again' dpkg -i "$DEB"
ok 'dpkg -P right away' dpkg -P jail
is "$(listing | diff "$T/before" - 2>&1)" "" 'install then purge: /etc, /usr, /run and /srv as before'

done_testing
