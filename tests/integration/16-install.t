#!/bin/bash
# make install into another PREFIX than the build's (issue 16): the programs
# have PREFIX/SBINDIR/DATADIR/SYSCONFDIR compiled in, so `make; make install
# PREFIX=/usr` must rebuild for /usr (build/config.mk records the paths the
# objects were built with), never install a jailctl that looks in /usr/local.
# Asserted here, on a copy of the sources built from scratch:
#   - the default build records PREFIX=/usr/local; `make install
#     PREFIX=/usr DESTDIR=D` says the paths changed, recompiles with
#     DATADIR /usr/share/jail and records PREFIX=/usr; a second install
#     compiles nothing;
#   - the installed jailctl has /usr/share/jail/sections.ini compiled in and
#     no /usr/local/share; jailsh is 0711; the unit, the tmpfiles.d entry and
#     the bash completion are where they belong;
#   - no installed text file outside the man pages names /usr/local;
#     jail.ini names the real sections and jailsh paths and sets a default
#     jail;
#   - with the install's /usr laid over the host's (an overlay, in this
#     mount namespace) and its /etc/jail in a private /etc, the installed
#     jailctl, run with no -f and no --config, lists its sections, `init`s
#     the default jail from them, and `adduser USER` without -j jails USER
#     there;
#   - the installed completion offers the subcommands, the sections, the
#     users of users.d.
. "$(dirname "$0")/../lib.sh"
jail_test_setup
jail_test_private_etc

grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	bail "no overlayfs: cannot lay the installed /usr over the host's"

# A copy of the sources (no .git, no build products): this checkout's own
# objects are what the other tests run.
SRC=$T/src
D=$T/dest
mkdir -p "$SRC" "$D"
tar -C "$TOP" --exclude=./.git --exclude=./build --exclude=./tests/guest -cf - . | tar -xf - -C "$SRC" ||
	bail "copy the sources"
make -C "$SRC" clean >/dev/null 2>&1 || bail "make clean in the copy"
JOBS=-j$(nproc)
# The version the build records: debian/changelog's upstream part.
VER=$(head -n1 "$SRC/debian/changelog" | sed 's/^[^(]*(//; s/[-)].*//')

t0=$(date +%s)
ok 'default build (make all)' make -C "$SRC" "$JOBS" all
is "$(cat "$SRC/build/config.mk" 2>&1)" \
	"PREFIX=/usr/local SBINDIR=/usr/local/sbin DATADIR=/usr/local/share/jail SYSCONFDIR=/etc VERSION=$VER" \
	'build/config.mk records the default paths'
out=$(make -C "$SRC" "$JOBS" install DESTDIR="$D" PREFIX=/usr 2>&1)
rc=$?
is "$rc" 0 'make install PREFIX=/usr after the default build succeeds'
like "$out" "build: paths changed (PREFIX=/usr/local SBINDIR=/usr/local/sbin" 'install says the paths changed'
like "$out" "-> PREFIX=/usr SBINDIR=/usr/sbin DATADIR=/usr/share/jail SYSCONFDIR=/etc VERSION=$VER): rebuilding" \
	'... to the install prefix, and rebuilds'
like "$out" "-DJAIL_DATADIR='\"/usr/share/jail\"'" 'objects recompiled with DATADIR /usr/share/jail'
like "$out" "-o lib/config/config.o" 'lib/config/config.o (the compiled-in defaults) recompiled'
is "$(cat "$SRC/build/config.mk" 2>&1)" \
	"PREFIX=/usr SBINDIR=/usr/sbin DATADIR=/usr/share/jail SYSCONFDIR=/etc VERSION=$VER" \
	'build/config.mk records /usr'
out=$(make -C "$SRC" install DESTDIR="$D" PREFIX=/usr 2>&1)
unlike "$out" " -c -o " 'a second install with the same PREFIX compiles nothing'
diag "two builds and two installs: $(($(date +%s) - t0)) s"

# What was installed, and where.
JC=$D/usr/sbin/jailctl
ok 'jailctl in /usr/sbin' test -x "$JC"
is "$(stat -c %a "$D/usr/sbin/jailsh" 2>&1)" 711 'jailsh installed 0711'
ok 'pam_jail.so in the PAM directory' test -f "$D/usr/lib/x86_64-linux-gnu/security/pam_jail.so"
ok 'jailctl has /usr/share/jail/sections.ini compiled in' grep -qa '/usr/share/jail/sections.ini' "$JC"
nok 'jailctl has no /usr/local/share compiled in' grep -qa '/usr/local/share' "$JC"
ok 'sections.ini in /usr/share/jail' test -f "$D/usr/share/jail/sections.ini"
like "$(grep '^ExecStart=' "$D/usr/lib/systemd/system/jail@.service" 2>&1)" \
	"ExecStart=/usr/sbin/jailctl run %i" 'jail@.service in /usr/lib/systemd/system runs /usr/sbin/jailctl'
like "$(cat "$D/usr/lib/tmpfiles.d/jail.conf" 2>&1)" "d /run/jail 0755 root root -" \
	'tmpfiles.d/jail.conf creates /run/jail'
ok 'bash completion installed' test -f "$D/usr/share/bash-completion/completions/jailctl"
ok 'empty users.d and services.d' test -d "$D/etc/jail/users.d" -a -d "$D/etc/jail/services.d"
is "$(ls "$D/etc/jail/profiles" | tr '\n' ' ')" "$(ls "$TOP/profiles" | tr '\n' ' ')" \
	'the shipped profiles in /etc/jail/profiles'
ok 'the AppArmor profiles in /usr/share/jail/apparmor' test -f "$D/usr/share/jail/apparmor/apparmor.jail-default"

# No install path of the default prefix in any installed text file (the man
# pages document the default `make install` and jailsh's PATH inside jails).
is "$(grep -rIl /usr/local "$D" | grep -v "^$D/usr/share/man/" | sed "s|^$D||")" "" \
	'no /usr/local in the installed text files (man pages aside)'
INI=$D/etc/jail/jail.ini
like "$(cat "$INI")" ";sections = /usr/share/jail/sections.ini" 'jail.ini names the real sections.ini'
like "$(cat "$INI")" ";jailsh = /usr/sbin/jailsh" 'jail.ini names the real jailsh'
like "$(grep '^jail = ' "$INI")" "jail = /srv/jails/default" 'jail.ini sets a default jail'

# The installed programs at their real paths: /usr from the install laid
# over the host's, /etc/jail from it in this test's private /etc, a private
# /srv for the default jail.
mount -t overlay jail-test-usr -o "lowerdir=$D/usr:/usr" /usr || bail "overlay over /usr"
cp -a "$D/etc/jail" /etc/jail || bail "install /etc/jail"
chmod -R go-w /etc/jail
[ -d /srv ] || bail "no /srv to mount a private tmpfs on"
mount -t tmpfs -o mode=0755 jail-test-srv /srv || bail "private /srv"
[ -d /home ] || bail "no /home to mount a private tmpfs on"
mount -t tmpfs -o mode=0755 jail-test-home /home || bail "private /home"

out=$(/usr/sbin/jailctl list 2>&1)
like "$out" "basicshell" 'installed jailctl lists the sections (no -f, no --config)'
is "$(/usr/sbin/jailctl list 2>&1 | wc -l)" "$(grep -c '^\[' /usr/share/jail/sections.ini)" \
	'... every section of /usr/share/jail/sections.ini'
ok 'installed jailctl inits the default jail from its sections' \
	/usr/sbin/jailctl init /srv/jails/default basicshell jailsh
ok 'the jail has bash' test -x /srv/jails/default/bin/bash
ok 'the jail has jailsh at /usr/sbin/jailsh' test -f /srv/jails/default/usr/sbin/jailsh
useradd -m -d /home/alice -s /bin/sh alice || bail "useradd alice"
ok 'adduser alice without -j' /usr/sbin/jailctl adduser alice
like "$(cat /etc/jail/users.d/alice.ini 2>&1)" "jail = /srv/jails/default" 'alice jailed in the default jail'
like "$(getent passwd alice)" ":/usr/sbin/jailsh" "alice's host shell is the installed jailsh"

# The installed completion (bash-completion's helpers), with jailctl from
# the overlay in PATH.
if [ -f /usr/share/bash-completion/bash_completion ]; then
	comp() {
		PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c '
			. /usr/share/bash-completion/bash_completion
			. /usr/share/bash-completion/completions/jailctl
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_jailctl jailctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			printf "%s\n" "${COMPREPLY[@]}"' comp "$@"
	}
	is "$(comp jailctl a)" "adduser" 'completion: subcommand'
	like "$(comp jailctl '')" "unit" 'completion: every subcommand'
	is "$(comp jailctl init /srv/jails/default basics)" "basicshell" 'completion: section names'
	is "$(comp jailctl deluser al)" "alice" 'completion: users of users.d'
	is "$(comp jailctl adduser -p sftp)" "sftp-only" 'completion: profiles'
	is "$(comp jailctl --config /nonexistent deluser al)" "" 'completion: --config DIR is honoured'
else
	skip "bash-completion not installed (tests/deps.sh installs it)"
fi

done_testing
