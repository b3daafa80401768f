#!/bin/bash
# Users from a directory: a real OpenLDAP (slapd) and nslcd serving its users
# and groups through NSS (`passwd: files ldap`) in the test's private
# namespaces (tests/ldap-lib.sh), a real sshd and ssh client (as 50-ssh.t).
#
# The directory group `ldjail` is mapped by jail.ini's [group:ldjail] and is
# also the ssh lockdown group (ssh_group, sshd's Match Group): membership is
# the directory's to manage.  Its members' login shell in the directory is
# jailsh (sshd runs the HOST login shell, i.e. the directory's, inside the
# jail).  The jail holds each member's passwd line and home, as `jailctl
# adduser` would write them; pam_jail refuses a member without them.
#
#   ann   member of ldjail                       -> jailed (no users.d entry)
#   ben   not a member, shell /bin/bash          -> the host's shell
#   cy    not a member, then added in LDAP       -> jailed at the next login
#   eve   added in LDAP, nothing in the jail     -> refused, never unconfined
#   dee   jailctl adduser (passwd line from NSS) -> jailed, users.d entry
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
. "$(dirname "$0")/../ldap-lib.sh"
jail_test_setup
t_start=$(date +%s)
sshd_test_setup
J=$SSHD_JAIL
G=ldjail
U=$LDAP_UID0
uid_ann=$((U + 1)) uid_ben=$((U + 2)) uid_cy=$((U + 3)) uid_dee=$((U + 4)) uid_eve=$((U + 5))
gid_users=$((U + 10)) gid_jail=$((U + 11))
{
	ldap_user ann $uid_ann $gid_users "$SBIN/jailsh"
	ldap_user ben $uid_ben $gid_users /bin/bash
	ldap_user cy $uid_cy $gid_users /bin/bash
	ldap_user dee $uid_dee $gid_users "$SBIN/jailsh"
	ldap_user eve $uid_eve $gid_users "$SBIN/jailsh"
	ldap_group ldusers $gid_users
	ldap_group $G $gid_jail ann
} >"$T/users.ldif"
ldap_start "$T/users.ldif"

# --- NSS answers from the directory, the host's files do not know them ----------
is "$(getent passwd ann)" "ann:*:$uid_ann:$gid_users:ann (LDAP):/home/ann:$SBIN/jailsh" \
	'getent passwd ann: the directory entry, through nslcd'
like "$(getent group $G)" "$G:*:$gid_jail:ann" "getent group $G: the directory group"
is "$(id -Gn ann)" "ldusers $G" 'id -Gn ann: primary and directory group'
nok 'ann is not in the private /etc/passwd' grep -q '^ann:' /etc/passwd
nok 'nor in the host'"'"'s /etc/passwd' grep -q '^ann:' "$HOST_ETC/passwd"
nok 'the host'"'"'s nsswitch.conf names no ldap' grep -q ldap "$HOST_ETC/nsswitch.conf"

# --- the jail, the mapping, sshd's Match Group -----------------------------------
sshd_write_jail_ini "ssh_group = $G" "" "[group:$G]" "jail = $J"
ok 'jailctl init' "$JAILCTL" --config "$CONF" init "$J" basicshell extendedshell jailsh
sed -i "s/^Match Group jailed\$/Match Group $G/" "$T/sshd-default.conf"
ok "sshd_config: Match Group $G" grep -qx "Match Group $G" "$T/sshd-default.conf"
sshd_pam_stack jail
sshd_start default

# key HOME USER: the test key in HOME/.ssh (sshd-lib.sh's _user_key wants a
# personal group; the directory users have ldusers).
key() {
	install -d -m 0700 -o "$2" -g ldusers "$1/.ssh" &&
		install -m 0600 -o "$2" -g ldusers "$T/id_ed25519.pub" "$1/.ssh/authorized_keys"
}

# What an admin (or configuration management) writes into the jail for a
# directory member, as jailctl adduser does: the passwd line from NSS with
# jailsh as its shell, the groups, a home with the key.  No users.d entry.
provision() {
	local u=$1 line
	line=$(getent passwd "$u" | cut -d: -f3-6) || return 1
	echo "$u:x:$line:$SBIN/jailsh" >>"$J/etc/passwd"
	grep -q '^ldusers:' "$J/etc/group" || echo "ldusers:x:$gid_users:" >>"$J/etc/group"
	if grep -q "^$G:" "$J/etc/group"; then
		sed -i "s/^\($G:.*[^:]\)\$/\1,$u/; s/^\($G:x:[0-9]*:\)\$/\1$u/" "$J/etc/group"
	else
		echo "$G:x:$gid_jail:$u" >>"$J/etc/group"
	fi
	install -d -m 0750 -o "$u" -g ldusers "$J/home/$u"
	key "$J/home/$u" "$u"
}
ok 'the jail is provisioned for ann' provision ann
ok 'the jail is provisioned for cy (not yet a member)' provision cy
for u in ben cy; do
	install -d -m 0755 -o $u -g ldusers /home/$u
	key /home/$u $u
done

# --- ann: jailed by the directory group ----------------------------------------------
out=$(tssh ann 'id -un; id -gn; hostname; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; test -e '"$TOP"' && echo HOST-TREE; echo end' 2>&1)
is "$out" "ann
ldusers
jail
NoNewPrivs:	1
Seccomp:	2
end" "ssh ann (member of $G in LDAP): jailed by [group:$G], under jailsh"
line=$(grep -F pam_jail "$SYSLOG" | grep -F 'opened session' | grep -F ' ann ' | head -1)
like "$line" "$J" 'pam_jail logged the session of ann in the jail'
nok 'ann has no users.d entry (the group alone jails her)' test -e "$CONF/users.d/ann.ini"

# --- ben: not a member, the host's shell -------------------------------------------
out=$(tssh ben 'id -un; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; test -e '"$TOP"' && echo HOST-TREE' 2>&1)
is "$out" "ben
NoNewPrivs:	0
Seccomp:	0
HOST-TREE" 'ssh ben (not a member): the host shell, unconfined, sees the host tree'
unlike "$(grep -F pam_jail "$SYSLOG")" " ben " 'pam_jail logged nothing for ben'

# --- cy: added to the group in the directory, nothing changed on the host --------
out=$(tssh cy 'test -e '"$TOP"' && echo HOST-TREE; grep ^Seccomp: /proc/self/status' 2>&1)
is "$out" "HOST-TREE
Seccomp:	0" 'cy before: not jailed'
sum_before=$(cd / && find /etc "$CONF" "$J" -xdev -type f -print0 2>/dev/null | sort -z |
	xargs -0 sha256sum 2>/dev/null | sha256sum)
ok "ldapmodify: cy joins $G, her directory shell becomes jailsh" ldap_modify <<EOF
dn: cn=$G,ou=groups,$LDAP_BASE
changetype: modify
add: memberUid
memberUid: cy

dn: uid=cy,ou=people,$LDAP_BASE
changetype: modify
replace: loginShell
loginShell: $SBIN/jailsh
EOF
out=$(tssh cy 'id -un; hostname; grep ^Seccomp: /proc/self/status; test -e '"$TOP"' && echo HOST-TREE; echo end' 2>&1)
is "$out" "cy
jail
Seccomp:	2
end" 'cy at the next login: jailed (no cache between the directory and the login)'
sum_after=$(cd / && find /etc "$CONF" "$J" -xdev -type f -print0 2>/dev/null | sort -z |
	xargs -0 sha256sum 2>/dev/null | sha256sum)
is "$sum_after" "$sum_before" 'no file of the host (/etc, the config, the jail) changed for that'

# --- eve: a member with nothing in the jail is refused, not let through --------------
ok "ldapmodify: eve joins $G" ldap_modify <<EOF
dn: cn=$G,ou=groups,$LDAP_BASE
changetype: modify
add: memberUid
memberUid: eve
EOF
install -d -m 0755 -o eve -g ldusers /home/eve
key /home/eve eve
out=$(tssh eve 'echo SHELL-RAN' 2>&1)
unlike "$out" "SHELL-RAN" 'eve (member, not provisioned): no shell at all'
# sshd asks `jailctl keys eve` (Match Group): no in-jail home, no key.
ok 'eve: refused at the key (no home in the jail), logged by sshd' \
	wait_log "$T/sshd-default.log" "Failed publickey for eve" 5

# --- dee: jailctl adduser for a directory user -------------------------------------
out=$("$JAILCTL" --config "$CONF" adduser -j "$J" dee 2>&1)
rc=$?
is "$rc" 1 'adduser dee (not in the directory ssh group): refused'
like "$out" "$G is not in /etc/group (NSS answers it from elsewhere, a directory): add dee to it there" \
	'adduser dee: the directory group is named, and where to add dee (gpasswd is not run)'
diag "adduser dee: $(printf "%s" "$out" | tr "\n" " ")"
nok 'adduser dee refused: no users.d entry' test -e "$CONF/users.d/dee.ini"
nok 'adduser dee refused: no passwd line in the jail' grep -q '^dee:' "$J/etc/passwd"
ok "ldapmodify: dee joins $G" ldap_modify <<EOF
dn: cn=$G,ou=groups,$LDAP_BASE
changetype: modify
add: memberUid
memberUid: dee
EOF
ok 'jailctl adduser dee (a directory user)' "$JAILCTL" --config "$CONF" adduser -j "$J" dee
want=$(getent passwd dee | cut -d: -f1,3-6)
is "$(grep '^dee:' "$J/etc/passwd" | cut -d: -f1,3-7)" "$want:$SBIN/jailsh" \
	"the jail's passwd line of dee is NSS's (getent), with jailsh"
like "$(grep "^$G:" "$J/etc/group")" "dee" "the jail's $G line lists dee"
ok 'dee has a users.d entry' test -f "$CONF/users.d/dee.ini"
key "$J/home/dee" dee
out=$(tssh dee 'id -un; pwd; grep ^Seccomp: /proc/self/status' 2>&1)
is "$out" "dee
/home/dee
Seccomp:	2" 'ssh dee: jailed, in the in-jail home'

# --- jailctl check: nothing to say about the directory users -----------------------
# (it sees them through NSS: the host shell, sshd's Match Group coverage, the
# jail's passwd lines); eve, a member with no line in the jail, is reported.
out=$("$JAILCTL" --config "$CONF" check --sshd-config "$T/sshd-default.conf" --pam-dir /etc/pam.d "$J" 2>&1)
for u in ann cy dee; do
	is "$(printf '%s\n' "$out" | grep -wF "$u")" "" "jailctl check: no finding names $u"
done
like "$out" "no entry for jailed user eve (fix: jailctl adduser eve)" \
	'jailctl check: eve, a directory member missing from the jail, is reported'
printf '%s\n' "$out" | sed 's/^/# check: /'

# sshd runs the directory's login shell inside the jail: one that is not
# jailsh would run without jailsh's seccomp and no_new_privs.  pam_jail
# refuses the login; check reports it.
ok 'ldapmodify: ann'"'"'s directory shell becomes /bin/bash' ldap_modify <<EOF
dn: uid=ann,ou=people,$LDAP_BASE
changetype: modify
replace: loginShell
loginShell: /bin/bash
EOF
is "$(getent passwd ann | cut -d: -f7)" /bin/bash 'getent passwd ann: the directory shell /bin/bash, at once (no cache)'
: >"$SYSLOG"
out=$(tssh ann 'echo SHELL-RAN; test -e '"$TOP"' && echo HOST-TREE' 2>&1)
rc=$?
out=$(printf '%s\n' "$out" | tr -d '\r')
ANNWHY="the login shell of ann is /bin/bash, not jailsh ($SBIN/jailsh): it would run in the jail unconfined; set it to $SBIN/jailsh (usermod -s, or loginShell in the directory)"
is "$rc" 254 'ssh ann, directory shell /bin/bash: refused (sshd: PAM session not opened)'
is "$(printf '%s\n' "$out" | grep '^jail: session refused: ')" "jail: session refused: $ANNWHY" \
	'ssh ann, directory shell /bin/bash: the client gets the one-line reason'
unlike "$out" "SHELL-RAN" 'ssh ann, directory shell /bin/bash: no shell ran (in the jail or on the host)'
wait_log "$SYSLOG" "refused session" 5
like "$(grep -F 'pam_jail(sshd:session): refused session - for ann ' "$SYSLOG")" "(jail $J, profile default): $ANNWHY" \
	'ssh ann: syslog names the directory shell and jailsh, before any session id was made'
is "$(grep -rl 'user=ann$' /run/jail/sessions 2>/dev/null | wc -l)" 0 'ssh ann: no session record'
is "$(find /sys/fs/cgroup -maxdepth 8 -path "*/$CGROUP_PARENT/ann/*" -type d 2>/dev/null | wc -l)" 0 \
	'ssh ann: no session cgroup'
out=$("$JAILCTL" --config "$CONF" check --sshd-config "$T/sshd-default.conf" --pam-dir /etc/pam.d "$J" 2>&1)
like "$out" "the host login shell of jailed user ann is /bin/bash, not jailsh ($SBIN/jailsh): pam_jail refuses the login" \
	'jailctl check: a directory member whose directory shell is not jailsh is reported'
like "$out" "loginShell $SBIN/jailsh in the directory" 'jailctl check: ... the fix names the directory'"'"'s loginShell'

diag "65-ldap.t: $(($(date +%s) - t_start)) s"
done_testing
