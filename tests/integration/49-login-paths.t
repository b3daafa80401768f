#!/bin/bash
# Every PAM caller of pam_jail ends in jailsh (issue 11, item 1).  login(1)
# looks the user up again AFTER pam_open_session, in the jail, and runs the
# shell written there; su and runuser take it from the host before.  With
# `session required pam_jail.so` last in each service's stack (the test's
# private /etc/pam.d), a default-profile user and an sftp-only user go
# through login on a pty (tests/bin/ptyrun feeds the password), su - -c,
# su -c and runuser -l -c: the default user's shell runs in the jail with
# Seccomp 2, NoNewPrivs 1 and Landlock; the sftp-only user is refused by
# jailsh ("restricted to"), nothing else runs.  Root choosing the shell
# (su -s, runuser -u) runs that program in the jail session, as the user,
# with the session's bounding set, but not through jailsh: asserted as
# pam_jail(8) documents it.  A second pam_jail in one stack, and a caller
# already inside a session, are refused and leave nothing behind.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

# make sanitize: login, su and runuser are not ASan programs but load the
# ASan build of pam_jail.so: preload the runtime for them, as sshd-lib.sh
# does for sshd (SSHD_ENV, an env prefix; empty in a normal build).
# login authenticates with a password: pam_unix then calls crypt_r, which
# the ASan runtime intercepts and resolves once, at start, where login has
# no libcrypt yet (a call through NULL): for login, libcrypt is preloaded
# too (not for su and runuser, whose environment reaches the jail).
_sshd_asan_env
CALLER=("${SSHD_ENV[@]}")
LOGIN_CALLER=("${SSHD_ENV[@]}")
if [ "${#CALLER[@]}" -gt 0 ]; then
	crypt=$(ldconfig -p | awk '$1 == "libcrypt.so.1" && /x86-64/ { print $NF; exit }')
	LOGIN_CALLER=("${CALLER[@]/#LD_PRELOAD=*/& $crypt}")
fi
PTYRUN=$TOP/tests/bin/ptyrun
PAMDRIVE=$TOP/tests/bin/pamdrive
REG=/run/jail/sessions
J=$T/jails/j1
[ -x "$PTYRUN" ] && [ -x "$PAMDRIVE" ] || bail "tests/bin/ptyrun or pamdrive missing: make unit-tests"

# --- a jail built by jailctl init, two users jailed by jailctl adduser -------
"$JAILCTL" --config "$CONF" init "$J" basicshell extendedshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
echo in-jail >"$J/etc/jail-marker"
chmod 0644 "$J/etc/jail-marker"
# Landlock is shown by the shell's own /proc/self/comm: writable by its mode
# for the process itself, on a read-write mount (the session's /proc), and
# outside the places jailsh's ruleset allows.  (A directory of the jail
# cannot show it: the tree is read-only in sessions, EROFS comes first.)
useradd -M -d /home/ud -s /bin/bash ud || bail "useradd ud"
useradd -M -d /home/us -s /bin/bash us || bail "useradd us"
"$JAILCTL" --config "$CONF" adduser -j "$J" ud >>"$T/init.out" 2>&1 || bail "adduser ud: $(tail -3 "$T/init.out")"
"$JAILCTL" --config "$CONF" adduser -j "$J" -p sftp-only us >>"$T/init.out" 2>&1 || bail "adduser us: $(tail -3 "$T/init.out")"
printf 'ud:Pw-ud-49\nus:Pw-us-49\n' | chpasswd || bail "chpasswd"
is "$(grep '^ud:' "$J/etc/passwd" | cut -d: -f7)" "$SBIN/jailsh" 'the jail passwd names jailsh as the shell of ud'

# pam_jail last in login, su and runuser (su-l and runuser-l include them).
for svc in login su runuser; do
	echo "session required $PAM_MODULE config=$CONF" >>"/etc/pam.d/$svc"
done

# What a shell reports about itself, one line each.  No expected line
# appears literally in the command: on a pty the typed command is echoed.
PROBE='echo "status: $(grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr "\t\n" "  ")"; echo "marker: $(cat /etc/jail-marker 2>&1)"; echo "init: $(cat /proc/1/comm)"; echo "user: $(id -un)"; echo "capbnd: $(grep CapBnd /proc/self/status | cut -f2)"; w=denied; (echo probe >/proc/self/comm) 2>/dev/null && w=allowed; echo "landlock: write $w"; echo "probe-$(echo done)"'

# What a closed or refused session must not leave: cgroups, records, inits.
leftovers() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 5 -type d -path "*/$CGROUP_PARENT/*/*" 2>/dev/null
	ls -A "$REG" 2>/dev/null
	ns_procs net self jail-init
}
# confined NAME OUTPUT: the default user's shell ran in the jail, confined.
confined() {
	like "$2" "status: NoNewPrivs: 1 Seccomp: 2" "$1: NoNewPrivs 1, Seccomp 2 (jailsh ran)"
	like "$2" "landlock: write denied" "$1: Landlock: its own /proc/self/comm (writable by mode, outside the allowed places) is not writable"
	like "$2" "marker: in-jail" "$1: the shell runs in the jail"
	like "$2" "init: jail-init" "$1: in the session's pid namespace"
	like "$2" "user: ud" "$1: as the user"
	like "$2" "probe-done" "$1: the whole probe ran"
}

# --- login(1) on a pty ------------------------------------------------------------
echo "MOTD-49: the message of the day of this test" >/etc/motd
# The password is typed at login's prompt; then the probe at the shell's.
: >"$SYSLOG"
out=$("$PTYRUN" -t 30 -x "Password:" "Pw-ud-49" -x '$ ' "$PROBE; exit" -- "${LOGIN_CALLER[@]}" login ud 2>&1)
confined "login ud (default profile)" "$out"
like "$(cat "$SYSLOG")" "pam_jail(login:session): opened session" 'login ud: pam_jail opened the session from the login service'
is "$(leftovers)" "" 'login ud: nothing left after logout'
rm -f "$J/home/ud/ran.login"
"$PTYRUN" -t 30 -x "Password:" "Pw-ud-49" -x "MOTD-49" "touch /home/ud/ran.login; exit" -- "${LOGIN_CALLER[@]}" login ud >"$T/login-ud.out" 2>&1
ok 'login ud: a command typed once the motd showed reaches the shell (the check below can tell)' test -e "$J/home/ud/ran.login"

rm -f "$J/home/us/ran.login"
# A command typed once login showed the message of the day (pam_motd runs
# before pam_jail): a shell, had one started, would read and run it (the
# same typed to ud's shell runs, below).
out=$("$PTYRUN" -t 30 -x "Password:" "Pw-us-49" -x "MOTD-49" "touch /home/us/ran.login" -- "${LOGIN_CALLER[@]}" login us 2>&1)
like "$out" "jailsh: this account is restricted to: sftp-server; interactive login refused" 'login us (sftp-only): jailsh refuses the interactive login'
unlike "$out" 'us@' 'login us: no shell prompt'
nok 'login us: nothing typed after the login ran' test -e "$J/home/us/ran.login"
is "$(leftovers)" "" 'login us: nothing left'

# --- su and runuser: the shell of the host passwd (jailsh) -------------------------
out=$("${CALLER[@]}" su - ud -c "$PROBE" 2>&1)
confined "su - ud -c" "$out"
out=$("${CALLER[@]}" su ud -c "$PROBE" 2>&1)
confined "su ud -c" "$out"
out=$("${CALLER[@]}" runuser -l ud -c "$PROBE" 2>&1)
confined "runuser -l ud -c" "$out"
for cmd in "su - us -c" "su us -c" "runuser -l us -c"; do
	rm -f "$J/home/us/ran.su"
	out=$("${CALLER[@]}" $cmd "touch /home/us/ran.su" 2>&1)
	like "$out" "this account is restricted to: sftp-server" "$cmd (sftp-only): an arbitrary command refused by jailsh"
	nok "$cmd: the command did not run" test -e "$J/home/us/ran.su"
done
is "$(leftovers)" "" 'su and runuser: nothing left'

# --- root chooses the program: su -s SHELL, runuser -u USER -- CMD ------------------
# pam_jail cannot see the program (it gets no argv) and root can run any
# program unconfined anyway: the program runs in the user's jail session
# (its mount and pid namespaces, its cgroup, its reduced bounding set), as
# the user, but not through jailsh: no no_new_privs, no seccomp filter, no
# Landlock, no `commands`.  pam_jail(8) says so.
BND=$(grep CapBnd /proc/self/status | cut -f2)
for cmd in "su -s /bin/sh ud -c" "runuser -u ud -- /bin/sh -c" "su -s /bin/sh us -c"; do
	u=${cmd#* -s /bin/sh }
	u=${u#runuser -u }
	u=${u%% *}
	out=$("${CALLER[@]}" $cmd "$PROBE" 2>&1)
	like "$out" "marker: in-jail" "$cmd: runs in the jail"
	like "$out" "init: jail-init" "$cmd: in the session's pid namespace"
	like "$out" "user: $u" "$cmd: as the user"
	like "$out" "capbnd: 0000000000000000" "$cmd: with the session's bounding set (host: $BND)"
	like "$out" "status: NoNewPrivs: 0 Seccomp: 0" "$cmd: not through jailsh: no no_new_privs, no seccomp"
	like "$out" "landlock: write allowed" "$cmd: not through jailsh: no Landlock"
done
is "$(leftovers)" "" 'root-chosen programs: nothing left'

# --- a jailed user whose host login shell is not jailsh ---------------------------
# ub is jailed by a [user:] section (no jailctl adduser, so no usermod): the
# admin wrote its jail passwd line and home but left /bin/bash as its host
# login shell.  su and runuser exec that shell inside the jail, where it
# would run without no_new_privs, seccomp, Landlock and `commands =`:
# pam_jail refuses the session (whoever chose the program), nothing runs.
useradd -M -d /home/ub -s /bin/bash ub || bail "useradd ub"
echo "ub:x:$(id -u ub):$(id -g ub)::/home/ub:$SBIN/jailsh" >>"$J/etc/passwd"
install -d -o ub -g ub -m 0755 "$J/home/ub"
cp "$CONF/jail.ini" "$T/jail.ini.saved"
printf '\n[user:ub]\njail = %s\n' "$J" >>"$CONF/jail.ini"
UBWHY="the login shell of ub is /bin/bash, not jailsh ($SBIN/jailsh): it would run in the jail unconfined; set it to $SBIN/jailsh (usermod -s, or loginShell in the directory)"
for cmd in "su - ub -c" "su ub -c" "runuser -l ub -c" "runuser -u ub -- /bin/sh -c"; do
	: >"$SYSLOG"
	rm -f "$J/home/ub/ran" "$T/ran.ub"
	out=$("${CALLER[@]}" $cmd "touch /home/ub/ran $T/ran.ub; echo UB-SHELL-RAN" 2>&1)
	rc=$?
	ok "$cmd (host shell /bin/bash): refused (exit status $rc)" test "$rc" != 0
	like "$out" "jail: session refused: $UBWHY" "$cmd: the user is told why"
	unlike "$out" "UB-SHELL-RAN" "$cmd: no shell ran"
	nok "$cmd: the command did not run, in the jail or on the host" \
		test -e "$J/home/ub/ran" -o -e "$T/ran.ub"
	wait_log "$SYSLOG" "refused session" 5
	like "$(grep 'refused session - for ub' "$SYSLOG")" "(jail $J, profile default): $UBWHY" \
		"$cmd: syslog names the user, the shell and jailsh"
	is "$(leftovers)" "" "$cmd: nothing left (no record, cgroup or init)"
done
# The fix the message names: with jailsh as host shell the same su opens a
# confined session (jailsh runs the assignment's shell, bash by default).
usermod -s "$SBIN/jailsh" ub || bail "usermod -s jailsh ub"
out=$("${CALLER[@]}" su - ub -c 'echo "status: $(grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr "\t\n" "  ")"' 2>&1)
like "$out" "status: NoNewPrivs: 1 Seccomp: 2" 'su - ub -c after usermod -s jailsh: the session opens, through jailsh'
cp "$T/jail.ini.saved" "$CONF/jail.ini"
is "$(leftovers)" "" 'host login shell: nothing left'

# --- pam_jail twice in one stack ------------------------------------------------------
# su-l includes su: a pam_jail line in both runs it twice.  The second
# instance refuses, says why, and ends the session the first one opened.
cp /etc/pam.d/su-l "$T/su-l.saved"
echo "session required $PAM_MODULE config=$CONF" >>/etc/pam.d/su-l
: >"$SYSLOG"
rm -f "$J/home/ud/ran.twice"
out=$("${CALLER[@]}" su - ud -c "touch /home/ud/ran.twice" 2>&1)
rc=$?
ok "su-l with pam_jail in su and su-l: su fails (exit status $rc)" test "$rc" != 0
like "$out" "pam_jail appears twice in the session stack of service su-l; remove the duplicate" 'su-l twice: the user is told why'
nok 'su-l twice: the command did not run' test -e "$J/home/ud/ran.twice"
wait_log "$SYSLOG" "appears twice" 5
like "$(cat "$SYSLOG")" "pam_jail(su-l:session): refused session for ud: pam_jail appears twice in the session stack of service su-l" 'su-l twice: syslog says so'
is "$(leftovers)" "" 'su-l twice: the first session was closed (no record, cgroup or init left)'
cp "$T/su-l.saved" /etc/pam.d/su-l

# The same through libpam directly (a line duplicated in a stack, as in
# sshd's): pamdrive stands in for the caller.
PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\nsession required %s config=%s\n' \
	"$PAM_MODULE" "$CONF" "$PAM_MODULE" "$CONF" >"$PAMD/jail-twice"
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" -s jail-twice ud "touch /home/ud/ran.twice" 2>&1)
is "$?" 70 'a stack with pam_jail twice: pam_open_session fails (pamdrive 70)'
like "$out" "conv: jail: session refused: pam_jail appears twice in the session stack of service jail-twice; remove the duplicate" 'pam_jail twice: the reason'
nok 'pam_jail twice: the command did not run' test -e "$J/home/ud/ran.twice"
wait_log "$SYSLOG" "appears twice" 5
like "$(cat "$SYSLOG")" "pam_jail(jail-twice:session): refused session for ud: pam_jail appears twice" 'pam_jail twice: syslog line'
unlike "$(cat "$SYSLOG")" "No such file or directory" 'pam_jail twice: not the old misleading "open /etc/jail" error'
is "$(ls -A "$REG" 2>/dev/null)" "" 'pam_jail twice: no record left in the registry'
is "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 5 -type d -path "*/$CGROUP_PARENT/ud/*" 2>/dev/null)" "" 'pam_jail twice: no session cgroup left'
is "$(ns_procs net self jail-init)" "" 'pam_jail twice: no session init left'

# --- a caller already inside a jail session ----------------------------------------
# pid 1 is the session init (tests/bin/fake-init names itself jail-init):
# what root in `jailctl enter` running su looks like to pam_jail.
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_MODULE" "$CONF" >"$PAMD/jail-test"
: >"$SYSLOG"
out=$(unshare --pid --fork --mount "$TOP/tests/bin/fake-init" -- "$PAMDRIVE" -c "$PAMD" ud "touch /home/ud/ran.nested" 2>&1)
like "$out" "session refused: the caller (service jail-test) is already inside a jail session (pid 1 is the session init jail-init)" 'caller inside a session (pid 1 jail-init): refused, saying so'
nok 'caller inside a session: the command did not run' test -e "$J/home/ud/ran.nested"
# The session file at /run/jail/session: the other mark of a session.
mkdir -p /run/jail
: >/run/jail/session
out=$("$PAMDRIVE" -c "$PAMD" ud "touch /home/ud/ran.nested" 2>&1)
like "$out" "already inside a jail session (the session file /run/jail/session exists)" 'caller with a session file: refused, saying so'
nok 'caller with a session file: the command did not run' test -e "$J/home/ud/ran.nested"
rm /run/jail/session
wait_log "$SYSLOG" "already inside" 5
like "$(cat "$SYSLOG")" "refused session for ud: the caller (service jail-test) is already inside a jail session" 'caller inside a session: syslog line'
is "$(leftovers)" "" 'nested callers: nothing left'
ok 'without those marks the same stack opens a session' "$PAMDRIVE" -c "$PAMD" ud true

done_testing
