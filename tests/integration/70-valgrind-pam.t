#!/bin/bash
# pam_jail.so under valgrind, through the real libpam (tests/bin/pamdrive):
# an unjailed user (pam_jail returns PAM_IGNORE), a jailed user (a whole
# session: checks, cgroup, namespaces, init, mounts, pivot_root, record, a
# command, close), and refused sessions (the error paths).  valgrind must
# report no error and no definite leak (--errors-for-leak-kinds=definite:
# a definite leak is an error, exit status 99).  Only libpam's and libc's
# own internals may be suppressed, in tests/valgrind.supp, each with a reason.
#
# What valgrind judges is pamdrive itself, the process that opens and
# closes the session (sshd's monitor in production).  --trace-children=no:
# the user's command is execed natively; the forked session init and the
# command's child are silenced (--child-silent-after-fork): the init never
# exits (it is SIGKILLed at close), so leak accounting means nothing there.
#
# A sanitizer build (make sanitize) cannot run under valgrind: skipped there.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
[ -x "$PAMDRIVE" ] || bail "tests/bin/pamdrive not built (make unit-tests)"
if readelf -d "$PAM_JAIL" "$PAMDRIVE" 2>/dev/null | grep -q 'NEEDED.*lib[at]san'; then
	echo "1..0 # SKIP sanitizer build: valgrind cannot run ASan programs (make check runs this)"
	exit 0
fi
command -v valgrind >/dev/null || bail "valgrind missing (tests/deps.sh installs it)"
sshd_test_setup
REG=/run/jail/sessions

# --- a minimal jail, users, profiles, PAM services (as in 43-pam-refuse.t) ------
J=$T/jails/j1
mkdir -p "$J"/{etc,home,tmp,proc,dev,run} "$J"/usr/{bin,lib,lib64,sbin}
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$J/$l"; done
jail_add_prog "$J" sh touch cat "$SBIN/jailsh"
chmod -R go-w "$J"
useradd -M -d /home/u0 -s /bin/sh u0 || bail "useradd u0"
# u1's shell, on the host and in the jail, is jailsh, as jailctl adduser
# writes them (pam_jail refuses another: sshd, su and login(1) would run it).
useradd -M -d /home/u1 -s "$SBIN/jailsh" u1 || bail "useradd u1"
grep -E '^(root|u1):' /etc/passwd >"$J/etc/passwd"
grep -E '^(root|u1):' /etc/group >"$J/etc/group"
install -d -o u1 -g u1 -m 0755 "$J/home/u1"
printf '[profile]\nhostname = vgtest\ncgroup = required\nmemory_max = 256M\npids_max = 64\ncaps = none\nseccomp = default\napparmor = off\nlandlock = off\n' \
	>"$CONF/profiles/vgtest.ini"
chmod 0644 "$CONF/profiles/vgtest.ini"
sshd_write_jail_ini "[user:u1]" "jail = $J" "profile = vgtest" "shell = /bin/sh"

PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"
echo "session required $PAM_JAIL config=$CONF debug" >"$PAMD/jail-only"

VG=$T/vg # not directly in $T: no sanitizer report scan needed here anyway
mkdir -p "$VG"
# vg NAME PAMDRIVE-ARGS...: pamdrive under valgrind; pamdrive's own output in
# $VG/NAME.out, its status (or valgrind's 99) in $VG/NAME.rc, valgrind's
# report in $VG/NAME.log.
vg() {
	local name=$1
	shift
	timeout 120 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite --track-fds=no \
		--trace-children=no --child-silent-after-fork=yes --num-callers=30 --keep-debuginfo=yes \
		--suppressions="$TOP/tests/valgrind.supp" --gen-suppressions=all \
		--log-file="$VG/$name.log" "$PAMDRIVE" -c "$PAMD" "$@" >"$VG/$name.out" 2>&1
	echo $? >"$VG/$name.rc"
}
# clean NAME WHAT: valgrind found nothing.  With -q its log holds only
# errors and leak records ("==PID==" lines) and its own warnings ("--PID--",
# e.g. a syscall it does not implement: shown, not counted).
clean() {
	grep -E '^==[0-9]+==' "$VG/$1.log" >"$VG/$1.errors"
	ok "$2: valgrind reports no error and no definite leak" test ! -s "$VG/$1.errors"
	sed 's/^/#   /' "$VG/$1.errors" | head -80
	grep -E '^--[0-9]+-- WARNING' "$VG/$1.log" | sort -u | sed 's/^--[0-9]*-- /# valgrind: /'
	return 0
}
# What a session must not leave behind: cgroups, records, inits.
leftovers() {
	find /sys/fs/cgroup -mindepth 3 -maxdepth 5 -type d -path "*/$CGROUP_PARENT/u1/*" 2>/dev/null
	ls -A "$REG" 2>/dev/null
	ns_procs net self jail-init
}
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP $*"
}
T0=$(date +%s)

# --- an unjailed user: PAM_IGNORE -------------------------------------------
vg u0 -s jail-test u0 'echo ran-u0'
is "$(cat "$VG/u0.rc")" 0 'unjailed u0: pamdrive exits 0 under valgrind'
like "$(cat "$VG/u0.out")" "open_session: Success (0)" 'unjailed u0: the session opens (pam_jail ignored it)'
like "$(cat "$VG/u0.out")" "ran-u0" 'unjailed u0: the command ran'
clean u0 'unjailed u0 (PAM_IGNORE)'
vg u0only -s jail-only u0
is "$(cat "$VG/u0only.rc")" 70 'unjailed u0, pam_jail alone: open_session fails (every module ignored)'
clean u0only 'unjailed u0, pam_jail alone'

# --- a jailed user: the whole session ---------------------------------------
vg u1 -s jail-test -r 192.0.2.7 u1 'hostname; cat /etc/passwd >/dev/null; touch /home/u1/vg-was-here'
if grep -q 'unhandled amd64-linux syscall: 434$' "$VG/u1.log"; then
	# valgrind < 3.20 (Debian 12 has 3.19) does not implement pidfd_open: the
	# session is refused when it takes a pidfd of its init.  Everything
	# before (checks, cgroup, namespaces, the init's fork) and the error
	# path that undoes it still run under valgrind and are judged; the rest
	# of the session (mounts, pivot_root, close) is judged by ASan+LSan in
	# make sanitize (41-pam.t, 43-pam-refuse.t, 05-sanitize.t).
	why="valgrind $(valgrind --version | sed 's/valgrind-//') does not implement pidfd_open (syscall 434): make sanitize (ASan+LSan) covers a whole jailed session"
	is "$(cat "$VG/u1.rc")" 70 'jailed u1: refused when valgrind fails pidfd_open of the session init'
	like "$(cat "$VG/u1.out")" "pidfd_open of the session init: Function not implemented" \
		'jailed u1: ... saying so (not some other failure)'
	is "$(leftovers)" "" 'jailed u1: the refused session left no cgroup, record or init'
	for w in 'open_session succeeds' 'the command ran in the session' '... in the jail' \
		'close_session succeeds' 'no record left after close'; do
		skip "jailed u1: $w: $why"
	done
else
	is "$(cat "$VG/u1.rc")" 0 'jailed u1: pamdrive exits 0 under valgrind'
	like "$(cat "$VG/u1.out")" "open_session: Success (0)" 'jailed u1: open_session succeeds'
	like "$(cat "$VG/u1.out")" "vgtest" 'jailed u1: the command ran in the session (profile hostname)'
	ok 'jailed u1: ... in the jail' test -e "$J/home/u1/vg-was-here"
	like "$(cat "$VG/u1.out")" "close_session: Success (0)" 'jailed u1: close_session succeeds'
	is "$(leftovers)" "" 'jailed u1: no cgroup, record or init left after close'
fi
clean u1 'jailed u1'

# --- refused sessions: the error paths ----------------------------------------
sshd_write_jail_ini "[user:u1]" "jail = $J" "profile = missing" "shell = /bin/sh"
vg u1noprof -s jail-test u1 'touch /home/u1/ran-noprof'
sshd_write_jail_ini "[user:u1]" "jail = $J" "profile = vgtest" "shell = /bin/sh"
is "$(cat "$VG/u1noprof.rc")" 70 'refused u1 (profile missing): open_session fails'
like "$(cat "$VG/u1noprof.out")" "jail: session refused:" 'refused u1: the user is told'
like "$(cat "$VG/u1noprof.out")" "profile 'missing' not found" 'refused u1: ... why'
clean u1noprof 'refused u1 (profile missing)'
chmod 0777 "$J/etc"
vg u1bad -s jail-test u1 'touch /home/u1/ran-bad'
chmod 0755 "$J/etc"
is "$(cat "$VG/u1bad.rc")" 70 'refused u1 (jail /etc writable): open_session fails'
like "$(cat "$VG/u1bad.out")" "/etc in jail $J is writable by others" 'refused u1: ... why'
clean u1bad 'refused u1 (jail /etc writable)'
mv "$J$SBIN/jailsh" "$J$SBIN/jailsh.off"
vg u1nosh -s jail-test u1 'true'
mv "$J$SBIN/jailsh.off" "$J$SBIN/jailsh"
is "$(cat "$VG/u1nosh.rc")" 70 'refused u1 (jailsh missing in the jail): open_session fails'
like "$(cat "$VG/u1nosh.out")" "jailsh" 'refused u1: ... why'
is "$(leftovers)" "" 'refused sessions left no cgroup, record or init'
clean u1nosh 'refused u1 (jailsh missing)'

# The verdict can fail: memcheck's exit 99 catches a definite leak.
printf '#include <stdlib.h>\n#include <string.h>\nint main(void) { char *p = malloc(64); memset(p, 1, 64); p = NULL; return p != NULL; }\n' \
	>"$VG/leak.c"
cc -O0 -g -o "$VG/leak" "$VG/leak.c" || bail "cc leak.c"
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	"$VG/leak" >/dev/null 2>&1
is "$?" 99 "control: memcheck's exit 99 catches a definite leak"

diag "valgrind runs took $(($(date +%s) - T0)) s"
done_testing
