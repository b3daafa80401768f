#!/bin/bash
# pam_jail fails closed: each case is a session that must be refused
# (pam_open_session != PAM_SUCCESS), with the reason in a syslog (authpriv)
# line and told to the user, the user's command never run, and nothing left
# behind (cgroup, record, init).  Driven through the real libpam.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
. "$(dirname "$0")/../pam-lib.sh"
jail_test_setup
sshd_test_setup

REG=/run/jail/sessions
# $J, u1 (jailsh its login shell on the host, what sshd, su and runuser
# run, and in the jail's passwd, what login(1) reads), the stack $PAMD.
# bash too: the host-shell cases below show that a session opened with
# /bin/bash as the host login shell would have run it there.
pam_test_setup touch bash
cp "$J/etc/passwd" "$T/passwd.good"
write_profile rtest "hostname = rtest" "cgroup = required" "apparmor = off" "landlock = off"
use_profile rtest

# What a refused session must not leave: session cgroups, records, inits.
leftovers() {
	find /sys/fs/cgroup -mindepth 3 -maxdepth 5 -type d -path "*/$CGROUP_PARENT/u1/*" 2>/dev/null
	ls -A "$REG" 2>/dev/null
	ns_procs net self jail-init # this test's network namespace
}

ok 'a correct session opens (the baseline the refusals depart from)' \
	"$PAMDRIVE" -c "$PAMD" u1 "touch /home/u1/ran.baseline"
ok 'baseline: the command ran in the jail' test -e "$J/home/u1/ran.baseline"

# refused NAME REASON: open a session for u1 whose command would leave a
# marker (in the jail home or, unconfined, in $T); assert the refusal.
refused() {
	local name=$1 reason=$2 out rc
	: >"$SYSLOG"
	out=$("$PAMDRIVE" -c "$PAMD" u1 "touch /home/u1/ran.$name $T/ran.$name" 2>&1)
	rc=$?
	[ -n "${SHOW:-}" ] && diag "$(echo "$out" | grep conv)"
	is "$rc" 70 "$name: pam_open_session fails"
	like "$out" "open_session: Cannot make/remove an entry for the specified session (14)" \
		"$name: PAM_SESSION_ERR"
	like "$out" "conv: jail: session refused: " "$name: the user is told the session is refused"
	like "$out" "$reason" "$name: ... and why"
	if wait_log "$SYSLOG" "refused session" 5; then
		like "$(grep 'pam_jail(jail-test:session): refused session' "$SYSLOG")" "for u1" \
			"$name: syslog: a refusal line for u1"
		like "$(grep 'refused session' "$SYSLOG")" "$reason" "$name: syslog: with the reason"
	else
		nok "$name: syslog: a refusal line (none within 5 s)" true
	fi
	nok "$name: the command never ran" test -e "$J/home/u1/ran.$name" -o -e "$T/ran.$name"
	is "$(leftovers)" "" "$name: no cgroup, record or init left"
}

# --- the jail -----------------------------------------------------------------
use_profile rtest "$T/jails/missing"
refused jail-missing "jail $T/jails/missing: open $T/jails/missing: No such file or directory"
use_profile rtest

chmod 0775 "$J"
refused jail-group-writable "$J is writable by its group (mode 0775)"
chmod 0755 "$J"

chmod 0757 "$T/jails"
refused jail-parent-world-writable "$T/jails is writable by others (mode 0757)"
chmod 0755 "$T/jails"

chown u1 "$J"
refused jail-not-root-owned "$J is owned by uid $(id -u u1), expected root"
chown root "$J"

chmod 0777 "$J/etc"
refused jail-etc-writable "/etc in jail $J is writable by others"
chmod 0755 "$J/etc"

chmod 0775 "$J/usr/bin"
refused jail-bin-target-writable "/bin -> usr/bin in jail $J is writable by its group"
chmod 0755 "$J/usr/bin"

chown u1 "$J/etc/passwd"
refused jail-passwd-user-owned "/etc/passwd in jail $J is owned by uid $(id -u u1)"
chown root "$J/etc/passwd"

# The user's line in the jail's passwd: login(1) runs the shell written
# there, so it must be jailsh, with the host's uid (issue 11: a real shell
# there gave console logins an unconfined bash).
sed -i "s|^\(u1:.*\):[^:]*\$|\1:/bin/sh|" "$J/etc/passwd"
refused jail-passwd-real-shell "the shell of u1 in /etc/passwd of jail $J is /bin/sh, not jailsh ($SBIN/jailsh): login(1) would run it unconfined; run jailctl adduser u1 again"
cp "$T/passwd.good" "$J/etc/passwd"
sed -i "/^u1:/d" "$J/etc/passwd"
refused jail-passwd-no-line "u1 has no line in /etc/passwd of jail $J; run jailctl adduser u1 again"
cp "$T/passwd.good" "$J/etc/passwd"
sed -i "s|^u1:x:[0-9]*:|u1:x:4999:|" "$J/etc/passwd"
refused jail-passwd-other-uid "u1 has uid 4999 in /etc/passwd of jail $J but uid $(id -u u1) on the host"
cp "$T/passwd.good" "$J/etc/passwd"
# The line is read beneath the jail without following a symlink: a passwd
# that is a (root-owned) symlink to a file naming jailsh is still refused.
mv "$J/etc/passwd" "$J/etc/passwd.real"
ln -s passwd.real "$J/etc/passwd"
refused jail-passwd-symlink "/etc/passwd in jail $J is a symlink"
rm "$J/etc/passwd"
mv "$J/etc/passwd.real" "$J/etc/passwd"
ok 'the jail passwd put back: the session opens again' "$PAMDRIVE" -c "$PAMD" u1 true

# --- the host login shell -------------------------------------------------------
# u1 is jailed by a [user:] section, which (unlike jailctl adduser) changes
# nothing on the host: an admin who forgets usermod leaves /bin/bash there.
# sshd, su and runuser exec the HOST passwd's shell inside the jail (pamdrive
# does the same), so bash would run there without no_new_privs, seccomp, the
# LSM policy and `commands =`: the session is refused before anything of it
# exists.  Were it not, the jail's unconfined bash would write
# /home/u1/ran.NAME there.
usermod -s /bin/bash u1 || bail "usermod -s /bin/bash u1"
refused host-shell-bash "the login shell of u1 is /bin/bash, not jailsh ($SBIN/jailsh): it would run in the jail unconfined; set it to $SBIN/jailsh (usermod -s, or loginShell in the directory)"
is "$(grep -c "login shell of u1 is /bin/bash, not jailsh ($SBIN/jailsh)" "$SYSLOG")" 1 \
	'host-shell-bash: one syslog line names the shell and jailsh'
like "$(grep "login shell of u1 is /bin/bash" "$SYSLOG")" " profile=rtest remote=- reason=user detail=" \
	'host-shell-bash: its log fields file it under reason=user'
# The same shell by another spelling is not jailsh either: the path is
# compared as written, since that is what sshd executes.
usermod -s "$SBIN/../sbin/jailsh" u1 || bail "usermod -s $SBIN/../sbin/jailsh u1"
refused host-shell-other-path "the login shell of u1 is $SBIN/../sbin/jailsh, not jailsh ($SBIN/jailsh)"
# An empty shell field: sshd and su run /bin/sh for it.
usermod -s "" u1 || bail "usermod -s '' u1"
refused host-shell-empty "the login shell of u1 is empty, not jailsh ($SBIN/jailsh)"
usermod -s "$SBIN/jailsh" u1 || bail "usermod -s jailsh u1"
ok 'the host login shell back to jailsh: the session opens again' "$PAMDRIVE" -c "$PAMD" u1 true

# The other files root reads in the jail before the user's shell runs.
ln -s /etc/passwd "$J/etc/ld.so.preload"
refused jail-preload-symlink "/etc/ld.so.preload in jail $J is a symlink, expected a file owned by root"
rm "$J/etc/ld.so.preload"

touch "$J/etc/nsswitch.conf"
chmod 0664 "$J/etc/nsswitch.conf"
refused jail-nsswitch-group-writable "/etc/nsswitch.conf in jail $J is writable by its group"
chmod 0644 "$J/etc/nsswitch.conf"

mkdir -p "$J/etc/pam.d"
chown u1 "$J/etc/pam.d"
refused jail-pamd-user-owned "/etc/pam.d in jail $J is owned by uid $(id -u u1)"
chown root "$J/etc/pam.d"

# /etc itself a root-owned symlink inside the jail: its files are not read
# through it (no symlink is followed on the way to them).
mv "$J/etc" "$J/etc.real"
ln -s etc.real "$J/etc"
refused jail-etc-symlink "/etc in jail $J is a symlink: the files root reads there are not opened through one"
rm "$J/etc"
mv "$J/etc.real" "$J/etc"

# --- jailsh -------------------------------------------------------------------
mv "$J$SBIN/jailsh" "$T/jailsh.aside"
refused jailsh-missing "jailsh $SBIN/jailsh is missing from jail $J"
mv "$T/jailsh.aside" "$J$SBIN/jailsh"

chown u1 "$J$SBIN/jailsh"
refused jailsh-user-owned "jailsh $SBIN/jailsh in jail $J must be owned by root"
chown root "$J$SBIN/jailsh"

chmod 0757 "$J/usr/local/sbin"
refused jailsh-dir-writable "/usr/local/sbin in jail $J is writable by others"
chmod 0755 "$J/usr/local/sbin"

# A jailsh that is not the installed one (issue 11: root inside a session
# could replace the jail's copy and strip the next user's confinement):
# another root-owned executable, mode 0711, passes every ownership check
# but is not byte for byte the host's jailsh at the configured path.
mv "$J$SBIN/jailsh" "$T/jailsh.aside"
install -m 0711 -o root -g root /bin/true "$J$SBIN/jailsh"
refused jailsh-replaced "jailsh $J$SBIN/jailsh is not the installed jailsh $SBIN/jailsh ($(stat -c %s /bin/true) bytes, expected $(stat -c %s "$SBIN/jailsh")): it was replaced; run jailctl update $J"
# The same size, one byte different: the content is compared too.
cp "$T/jailsh.aside" "$J$SBIN/jailsh"
printf 'X' | dd of="$J$SBIN/jailsh" bs=1 seek=$(($(stat -c %s "$T/jailsh.aside") / 2)) conv=notrunc status=none
chmod 0711 "$J$SBIN/jailsh"
refused jailsh-one-byte "jailsh $J$SBIN/jailsh is not the installed jailsh $SBIN/jailsh (its content differs): it was replaced; run jailctl update $J"
mv "$T/jailsh.aside" "$J$SBIN/jailsh"
ok 'the jail'"'"'s jailsh put back: the session opens again' "$PAMDRIVE" -c "$PAMD" u1 true

# --- configuration and profiles ----------------------------------------------------
use_profile nosuch
refused profile-missing "nosuch"
use_profile rtest

write_profile broken "hostname = rtest" "no_such_key = 1"
use_profile broken
refused profile-invalid "no_such_key"

write_profile badseccomp "seccomp = default" "seccomp_deny = no_such_syscall_xyz"
use_profile badseccomp
refused seccomp-bad-name "no_such_syscall_xyz"
use_profile rtest

# A broken profile refuses only the users it applies to: another jailed
# user (u2, profile broken) and an unjailed user (u3) in the same
# configuration.  `jailctl check` still reports it.
useradd -M -d /home/u2 -s "$SBIN/jailsh" u2 || bail "useradd u2"
useradd -M -d /home/u3 -s /bin/sh u3 || bail "useradd u3"
sshd_write_jail_ini "[user:u1]" "jail = $J" "profile = rtest" "shell = /bin/sh" \
	"[user:u2]" "jail = $J" "profile = broken"
out=$("$PAMDRIVE" -c "$PAMD" u1 "touch /home/u1/ran.otherbroken" 2>&1)
like "$out" "open_session: Success (0)" "another user's broken profile: u1's session still opens"
ok "another user's broken profile: u1's command ran in the jail" test -e "$J/home/u1/ran.otherbroken"
out=$("$PAMDRIVE" -c "$PAMD" u3 "true" 2>&1)
like "$out" "open_session: Success (0)" "a broken profile: an unjailed user's session opens (pam_jail ignores it)"
out=$("$PAMDRIVE" -c "$PAMD" u2 "touch $T/ran.u2" 2>&1)
like "$out" "jail: session refused: profile broken: $CONF/profiles/broken.ini: [profile] no_such_key: unknown key" "a broken profile: its own user is refused, naming the key"
nok "a broken profile: its user's command never ran" test -e "$T/ran.u2"
like "$("$SBIN/jailctl" --config "$CONF" check 2>&1)" "no_such_key" "a broken profile: jailctl check reports it"
use_profile rtest
# The same for another user's broken users.d file: only users.d/USER.ini of
# the user logging in is read.
mkdir -p "$CONF/users.d"
printf '[user:u2]\njail = %s\nprofile = rtest\nbogus_key = 1\n' "$J" >"$CONF/users.d/u2.ini"
chmod 0644 "$CONF/users.d/u2.ini"
out=$("$PAMDRIVE" -c "$PAMD" u1 "touch /home/u1/ran.otherusersd" 2>&1)
like "$out" "open_session: Success (0)" "another user's broken users.d file: u1's session still opens"
ok "another user's broken users.d file: u1's command ran in the jail" test -e "$J/home/u1/ran.otherusersd"
out=$("$PAMDRIVE" -c "$PAMD" u2 "touch $T/ran.u2d" 2>&1)
like "$out" "jail: session refused: $CONF/users.d/u2.ini" "a broken users.d file: its own user is refused, naming the file"
nok "a broken users.d file: its user's command never ran" test -e "$T/ran.u2d"
like "$("$SBIN/jailctl" --config "$CONF" check 2>&1)" "bogus_key" "a broken users.d file: jailctl check reports it"
rm -f "$CONF/users.d/u2.ini"

chown u1 "$CONF/jail.ini"
refused config-not-root-owned "jail.ini is owned by uid $(id -u u1), expected root"
chown root "$CONF/jail.ini"

# --- kernel features a profile requires ----------------------------------------------
write_profile aareq "apparmor = required" "apparmor_profile = jail-default" "landlock = off"
use_profile aareq
if aa-enabled -q 2>/dev/null; then
	diag "AppArmor is enabled on this host: the apparmor = required refusal cannot be shown"
else
	refused apparmor-required "profile aareq requires AppArmor (apparmor = required) but AppArmor is not enabled in this kernel"
fi
use_profile rtest

# cgroup = required with no cgroup file system: hide /sys/fs/cgroup (in our
# mount namespace only).
mount -t tmpfs -o mode=0755 nocgroup /sys/fs/cgroup || bail "hide /sys/fs/cgroup"
refused cgroup-required-unavailable "cgroup required by profile rtest"
write_profile cgopt "hostname = cgopt" "cgroup = optional" "apparmor = off" "landlock = off"
use_profile cgopt
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" u1 "hostname; touch /home/u1/ran.cgopt" 2>&1)
like "$out" "open_session: Success (0)" 'cgroup = optional and no cgroup: the session opens'
ok 'cgroup = optional: the command ran in the jail' test -e "$J/home/u1/ran.cgopt"
wait_log "$SYSLOG" "no cgroup for the session" 5
like "$(cat "$SYSLOG")" "no cgroup for the session (cgroup = optional)" 'cgroup = optional: the missing cgroup is logged'
umount /sys/fs/cgroup
use_profile rtest

# --- a symlink planted by the user must not redirect a mount ----------------------
# u1 owns /home/u1 in the jail; a bind_rw target beneath it replaced by a
# symlink to /etc must refuse the session, not mount over the host's /etc.
mkdir -p "$T/shared"
chmod 0777 "$T/shared"
write_profile bindr "cgroup = required" "apparmor = off" "landlock = off" \
	"bind_rw = $T/shared:/home/u1/shared"
use_profile bindr
ln -s /etc "$J/home/u1/shared"
chown -h u1 "$J/home/u1/shared"
refused planted-symlink "mount point /home/u1/shared in the jail is a symlink"
ok 'planted symlink: the host /etc is not covered by the bind' test -e /etc/passwd -a ! -e /etc/ran.planted-symlink
rm "$J/home/u1/shared"
out=$("$PAMDRIVE" -c "$PAMD" u1 "touch /home/u1/shared/from-jail" 2>&1)
like "$out" "open_session: Success (0)" 'bind_rw without the planted symlink: the session opens'
ok 'bind_rw: the jail wrote through to the host directory' test -e "$T/shared/from-jail"

done_testing
