#!/bin/bash
# jailctl check: a clean jail passes silently; each planted problem is found
# (exit 1) with its path and its fix; the walker never follows a symlink and
# never opens a FIFO.
. "$(dirname "$0")/../lib.sh"
[ -x "$JAILCTL" ] || bail "jailctl/jailctl is not built"
jail_test_setup
jail_test_private_etc

J=$T/jail
PAM=$T/pam.d
# A jail's parents: some directory above it closed to host users (README:
# the parent root:root 0700).  /run/jail-tests is this namespace's own.
chmod 0700 /run/jail-tests
JSH=/usr/local/sbin/jailsh
U=jtu
UID_=4170

# A host user, written straight into the private /etc (useradd would also
# touch the host's /var/log/lastlog).
echo "$U:x:$UID_:$UID_:jail test:/home/$U:/bin/sh" >>/etc/passwd
echo "$U:x:$UID_:" >>/etc/group

printf '[jail]\njail = %s\njailsh = %s\n' "$J" "$JSH" >"$CONF/jail.ini"
chmod 0644 "$CONF/jail.ini"

# ---- the jail: built by jailctl init, the user jailed by jailctl adduser ----
"$JAILCTL" --config "$CONF" init -f "$TOP/templates/sections.ini" "$J" basicshell >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(cat "$T/init.out")"
# jailsh is not installed on this host, so init's jailsh section would skip
# it: put the built one where the configuration says.
mkdir -p "$J$(dirname "$JSH")"
install -m 0711 "$JAILSH" "$J$JSH" # execute-only, as make install does
"$JAILCTL" --config "$CONF" adduser "$U" >"$T/adduser.out" 2>&1 ||
	bail "jailctl adduser: $(cat "$T/adduser.out")"
mkdir -p "$J/var/lib" "$J/proc"
mkdir -m 1777 "$J/tmp"
# A file init copied from the host (listed 'f' in the manifest).
MF=$(grep -m1 '^f /usr/bin/' "$J/.jail/manifest" | cut -c3-)
cp "$J/.jail/manifest" "$T/manifest.orig"
[ -n "$MF" ] && [ -f "$J$MF" ] || bail "no copied file in the manifest"

mkdir -p "$PAM"
printf 'session required pam_unix.so\nsession optional pam_systemd.so\n' >"$PAM/common-session"
good_pam() {
	printf '@include common-session\nsession required pam_limits.so\nsession required pam_jail.so\n' >"$PAM/sshd"
}
good_pam

# sshd: a private sshd_config with the shipped block, for `sshd -T` (which
# wants its privilege separation directory: on the test's private /run).
mkdir -p -m 0755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -C check-test -f "$T/ssh_host_key" || bail "ssh-keygen"
SSHD_CONF=$T/sshd_config
sshd_conf() { # write $SSHD_CONF: base settings, then the shipped snippet unless "bare"
	printf 'HostKey %s\nUsePAM yes\nPasswordAuthentication yes\n' "$T/ssh_host_key" >"$SSHD_CONF"
	[ "${1:-}" = bare ] || cat "$TOP/templates/sshd_config.snippet" >>"$SSHD_CONF"
}
sshd_conf

# check [ARGS]: runs the audit (bounded in time), sets $out, $err, $rc.
check() {
	out=$(timeout 60 "$JAILCTL" --config "$CONF" check --pam-dir "$PAM" --sshd-config "$SSHD_CONF" "$@" 2>"$T/check.err")
	rc=$?
	err=$(cat "$T/check.err")
}

# finding NAME NEEDLE...: the audit exits 1 and prints every NEEDLE.
finding() {
	_fname=$1
	shift
	check
	is "$rc" 1 "$_fname: exit 1"
	for _n in "$@"; do
		like "$out" "$_n" "$_fname: reports '$_n'"
	done
}

clean() {
	check
	is "$rc" 0 "$1: exit 0"
	is "$out$err" "" "$1: no output"
}

# ---- clean ----
is "$(getent passwd "$U" | cut -d: -f7)" "$JSH" "adduser made jailsh the host login shell"
clean "a jail built by jailctl init, a user jailed by jailctl adduser"

# ---- 1. ownership chain ----
chmod g+w "$T"
finding "jail parent group-writable" "$T: writable by its group (mode 0775)" "(fix: chmod go-w $T)"
chmod g-w "$T"
# Host users must not reach into the jail through its host path.
chmod 0755 /run/jail-tests
finding "every parent searchable by others" \
	"$T: host users can reach the jail $J through this directory (mode 0755) and every one above it: they can run the jail's programs" \
	"(fix: chmod 0700 $T (only root needs to search it"
check --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print([x["severity"] for x in json.load(sys.stdin)])')" \
	"['warning']" "a jail reachable by host users is a warning"
chmod 0711 /run/jail-tests
finding "0711 above the jail: still searchable by others" "$T: host users can reach the jail $J"
chmod 0750 /run/jail-tests
clean "0750 root:root above the jail: closed to host users"
chgrp "$UID_" /run/jail-tests
finding "0750 with a user's group above the jail" "$T: host users can reach the jail $J"
chgrp 0 /run/jail-tests
chmod 0700 /run/jail-tests
clean "0700 above the jail"
chown "$UID_" "$J"
finding "jail root not root-owned" "$J: owned by uid $UID_ ($U), not root" "(fix: chown root:root $J)"
chown 0 "$J"

# ---- 2. the walk ----
mkdir "$J/var/lib/shared" && chmod 0775 "$J/var/lib/shared"
finding "group-writable dir" "$J/var/lib/shared: directory writable by its group (mode 0775) and not sticky" \
	"(fix: chmod go-w $J/var/lib/shared, or chmod 1777"
rmdir "$J/var/lib/shared"

echo data >"$J/var/lib/ww" && chmod 0646 "$J/var/lib/ww"
finding "world-writable file" "$J/var/lib/ww: world-writable file (mode 0646)" "(fix: chmod o-w $J/var/lib/ww)"
rm "$J/var/lib/ww"

cp /usr/bin/true "$J/usr/bin/sux" && chmod 4755 "$J/usr/bin/sux"
finding "setuid file" "$J/usr/bin/sux: setuid file (mode 4755)" "(fix: chmod ug-s $J/usr/bin/sux"
chmod 2755 "$J/usr/bin/sux"
finding "setgid file" "$J/usr/bin/sux: setgid file (mode 2755)"
rm "$J/usr/bin/sux"

cp /usr/bin/true "$J/usr/bin/capped" && setcap cap_net_raw+ep "$J/usr/bin/capped"
finding "file capability" "$J/usr/bin/capped: has file capabilities" "(fix: setcap -r $J/usr/bin/capped)"
rm "$J/usr/bin/capped"

mknod "$J/dev/sda" b 8 0
finding "extra device node" "$J/dev/sda: block device node 8:0" "(fix: rm $J/dev/sda)"
rm "$J/dev/sda"
rm "$J/dev/null" && mknod -m 0666 "$J/dev/null" c 1 1
finding "allowed name, wrong device" "$J/dev/null: device node is char 1:1, expected char 1:3"
rm "$J/dev/null" && mknod -m 0666 "$J/dev/null" c 1 3

echo outside >"$T/outside"
ln "$T/outside" "$J/var/lib/hardlink"
finding "hard link to a file outside" "$J/var/lib/hardlink: hard link to a file outside the jail (2 links, 1 inside the jail)" \
	"(fix: rm $J/var/lib/hardlink"
rm "$J/var/lib/hardlink"
echo inside >"$J/var/lib/one" && ln "$J/var/lib/one" "$J/var/lib/two"
clean "two hard links both inside the jail"
rm "$J/var/lib/one" "$J/var/lib/two"

mkfifo "$J/var/lib/fifo"
finding "FIFO outside /dev /run /tmp homes" "$J/var/lib/fifo: FIFO outside /dev, /run, /tmp and homes" "(fix: rm $J/var/lib/fifo)"
rm "$J/var/lib/fifo"

chmod 1777 "$J/var/lib" # a sticky shared dir is fine, what users put in it too
mkfifo "$J/var/lib/userfifo" && echo x >"$J/var/lib/userfile" && chmod 0666 "$J/var/lib/userfile"
clean "sticky world-writable dir and its contents"
rm "$J/var/lib/userfifo" "$J/var/lib/userfile"
chmod 0755 "$J/var/lib"
chmod 0777 "$J/tmp"
finding "tmp writable but not sticky" "$J/tmp: directory writable by others (mode 0777) and not sticky"
chmod 1777 "$J/tmp"

# Homes are the user's business for writability, not for privileges.
mkfifo "$J/home/$U/fifo"
echo x >"$J/home/$U/ww" && chmod 0666 "$J/home/$U/ww"
mkdir "$J/home/$U/shared" && chmod 0777 "$J/home/$U/shared"
clean "home: FIFO, world-writable file and dir are the user's business"
cp /usr/bin/true "$J/home/$U/suid" && chmod 4755 "$J/home/$U/suid"
finding "setuid file in a home" "$J/home/$U/suid: setuid file"
rm -rf "$J/home/$U/"{fifo,ww,shared,suid}
# Deep in the tree: a setuid file below /usr/lib and a setgid file the user
# left deep in the home are both found, critical.
mkdir -p "$J/usr/lib/jail-deep/a/b/c" "$J/home/$U/.local/share/x/y"
cp /usr/bin/true "$J/usr/lib/jail-deep/a/b/c/helper" && chmod 4755 "$J/usr/lib/jail-deep/a/b/c/helper"
cp /usr/bin/true "$J/home/$U/.local/share/x/y/tool"
chown -R "$UID_:$UID_" "$J/home/$U/.local" # before chmod: chown clears setgid
chmod 2755 "$J/home/$U/.local/share/x/y/tool"
finding "setuid deep below /usr/lib, setgid deep in a home" \
	"$J/usr/lib/jail-deep/a/b/c/helper: setuid file (mode 4755)" \
	"$J/home/$U/.local/share/x/y/tool: setgid file (mode 2755)" \
	"(fix: chmod ug-s $J/home/$U/.local/share/x/y/tool"
check --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(sorted(x["severity"] for x in json.load(sys.stdin)))')" \
	"['critical', 'critical']" "both are critical"
rm -rf "$J/usr/lib/jail-deep" "$J/home/$U/.local"
clean "deep setuid and setgid files removed"

# A setuid file init kept on request is still reported, as a warning.
printf '[suid]\ncomment = test\npaths_w_setuid = /usr/bin/chfn\n' >"$T/suid.ini"
"$JAILCTL" --config "$CONF" init -f "$T/suid.ini" --allow-setuid "$J" suid >"$T/init.out" 2>&1 ||
	bail "jailctl init --allow-setuid: $(cat "$T/init.out")"
finding "setuid file kept by init --allow-setuid" \
	"$J/usr/bin/chfn: setuid file (mode 4755), kept on request by jailctl init --allow-setuid" \
	"(fix: remove it from paths_w_setuid if it is not needed)"
check --json
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print([x["severity"] for x in json.load(sys.stdin)])')" \
	"['warning']" "a setuid file kept on request is a warning"
chmod u-s "$J/usr/bin/chfn"
finding "kept setuid file stripped: differs from the manifest" "$J/usr/bin/chfn: differs from host /usr/bin/chfn: mode differs"
rm "$J/usr/bin/chfn"
cp "$T/manifest.orig" "$J/.jail/manifest"
clean "setuid file removed"

# ---- 3. system dirs ----
chmod o+w "$J/etc"
finding "jail /etc writable" "$J/etc: directory writable by others (mode 0757): pam_jail refuses sessions" "(fix: chmod go-w $J/etc)"
chmod o-w "$J/etc"
chown "$UID_" "$J/usr/bin"
finding "jail /usr/bin owned by a user" "$J/usr/bin: owned by uid $UID_ ($U), not root" "(fix: chown root:root $J/usr/bin)"
chown 0 "$J/usr/bin"
chmod g+w "$J/etc/passwd"
finding "jail /etc/passwd group-writable" "$J/etc/passwd: file writable by its group (mode 0664)"
chmod g-w "$J/etc/passwd"

ln -s usr/lib "$J/lib64" && chown -h "$UID_" "$J/lib64"
finding "top-level system symlink owned by a user" "$J/lib64: symlink owned by uid $UID_ ($U), not root: pam_jail refuses sessions" \
	"(fix: chown -h root:root $J/lib64)"
rm "$J/lib64"
mv "$J/etc/nsswitch.conf" "$T/nsswitch.conf" && ln -s ../usr/share/nsswitch.conf "$J/etc/nsswitch.conf"
finding "critical /etc file is a symlink" "$J/etc/nsswitch.conf: is a symlink: pam_jail refuses sessions"
rm "$J/etc/nsswitch.conf" && mv "$T/nsswitch.conf" "$J/etc/nsswitch.conf"
# Something only pam_jail's own checks know (a file where /lib should be a
# directory) is still reported, through those checks.
mv "$J/lib" "$T/lib.saved" && touch "$J/lib"
finding "what pam_jail refuses is a finding" "$J: pam_jail would refuse sessions: /lib in jail $J is not a directory"
rm "$J/lib" && mv "$T/lib.saved" "$J/lib"
clean "system dirs restored"

# ---- 4. files that differ from the host ----
echo tampered >>"$J$MF"
finding "file differs from host" "$J$MF: differs from host $MF: size differs" "(fix: jailctl update $J)"
cp -p "$MF" "$J$MF"
clean "copy restored"
printf 'X' | dd of="$J$MF" bs=1 seek=200 conv=notrunc status=none && touch -r "$MF" "$J$MF"
finding "same size and mtime, one byte differs" "$J$MF: differs from host $MF: content differs"
cp -p "$MF" "$J$MF"
rm "$J$MF" && mkfifo "$J$MF"
finding "FIFO at a manifest path: reported, never blocks" "$J$MF: differs from host $MF: not a regular file"
rm "$J$MF"
finding "copied file removed from the jail" "$J$MF: differs from host $MF: missing or not reachable in the jail"
cp -p "$MF" "$J$MF"
cp "$J/.jail/manifest" "$T/manifest.good"
echo "f /usr/bin/jail-test-gone-from-host" >>"$J/.jail/manifest"
cp -p "$MF" "$J/usr/bin/jail-test-gone-from-host"
finding "copied file gone from the host" \
	"$J/usr/bin/jail-test-gone-from-host: copied from host /usr/bin/jail-test-gone-from-host, which is gone" \
	"(fix: jailctl update --prune $J)"
rm "$J/usr/bin/jail-test-gone-from-host"
echo "garbage line" >>"$J/.jail/manifest"
finding "malformed manifest" "$J/.jail/manifest: the manifest cannot be used" "malformed manifest line"
cp "$T/manifest.good" "$J/.jail/manifest"
clean "jail restored"

# ---- 5. passwd / group ----
cp "$J/etc/passwd" "$T/passwd.good"
sed -i "s/^$U:x:$UID_:/$U:x:4242:/" "$J/etc/passwd"
finding "passwd uid mismatch" "$J/etc/passwd: jailed user $U has uid 4242, the host has $UID_" "(fix: jailctl adduser $U)"
cp "$T/passwd.good" "$J/etc/passwd"
sed -i 's/^root:x:/root:$6$salt$hash:/' "$J/etc/passwd"
finding "password hash in passwd" "$J/etc/passwd: user root has a password hash (line 1)" "(fix: set the password field to x"
cp "$T/passwd.good" "$J/etc/passwd"
echo "toor:x:0:0::/root:/bin/sh" >>"$J/etc/passwd"
finding "second uid 0" "$J/etc/passwd: user toor has uid 0"
cp "$T/passwd.good" "$J/etc/passwd"
sed -i "/^$U:/d" "$J/etc/passwd"
finding "jailed user missing from the jail's passwd" "$J/etc/passwd: no entry for jailed user $U (fix: jailctl adduser $U)"
cp "$T/passwd.good" "$J/etc/passwd"
printf 'root:x:0:\n' >"$J/etc/group"
finding "primary group missing" "$J/etc/group: no group $U (gid $UID_), the primary group of jailed user $U"
printf 'root:x:0:\n%s:x:%s:\n' "$U" "$UID_" >"$J/etc/group"
printf 'root:*:19000:0:99999:7:::\n%s:$y$j9T$x$y:19000::::::\n' "$U" >"$J/etc/shadow"
finding "shadow with a hash in the jail" "$J/etc/shadow: holds a password hash for $U"
rm "$J/etc/shadow"

# ---- jailsh ----
usermod -s /bin/bash "$U" 2>/dev/null || sed -i "s|^\($U:.*:\)$JSH\$|\1/bin/bash|" /etc/passwd
finding "host shell is not jailsh" "/etc/passwd: the host login shell of jailed user $U is /bin/bash, not jailsh ($JSH)" \
	"(fix: usermod -s $JSH $U"
sed -i "s|^\($U:.*:\)/bin/bash\$|\1$JSH|" /etc/passwd
# The jail's passwd must name jailsh too: login(1) runs that shell.
sed -i "s|^\($U:.*:\)$JSH\$|\1/bin/bash|" "$J/etc/passwd"
finding "jail passwd shell is not jailsh" "$J/etc/passwd: the shell of jailed user $U is /bin/bash, not jailsh ($JSH)" \
	"(fix: jailctl adduser $U)"
cp "$T/passwd.good" "$J/etc/passwd"
rm "$J$JSH"
finding "jailsh missing from the jail" "$J$JSH: jailsh is missing from the jail" "(fix: jailctl init $J jailsh)"
cp "$JAILSH" "$J$JSH"
chmod 0750 "$J$JSH"
finding "jailsh not executable by everyone" "$J$JSH: jailsh is not executable by everyone (mode 0750)" "(fix: chmod a+x $J$JSH)"
chmod 0755 "$J$JSH"
finding "jailsh readable by others" "$J$JSH: jailsh is readable by others (mode 0755)" "(fix: chmod 0711 $J$JSH)"
chmod 0711 "$J$JSH"
mv "$J/usr/local/sbin" "$J/usr/local/sbin.real" && ln -s sbin.real "$J/usr/local/sbin"
finding "jailsh reached through a symlink" "$J/usr/local/sbin: is a symlink or not a directory on the way to jailsh $JSH"
rm "$J/usr/local/sbin" && mv "$J/usr/local/sbin.real" "$J/usr/local/sbin"
clean "jailsh restored"

# ---- 6. config files ----
chmod g+w "$CONF/jail.ini"
finding "config file group-writable" "$CONF/jail.ini: writable by its group (mode 0664)" "(fix: chmod go-w $CONF/jail.ini)"
chmod g-w "$CONF/jail.ini"
ln -s /etc/passwd "$CONF/users.d/evil.ini"
finding "config symlink" "$CONF/users.d/evil.ini: is a symlink" "(fix: replace $CONF/users.d/evil.ini with a root-owned regular file)"
rm "$CONF/users.d/evil.ini"
chown "$UID_" "$CONF/profiles"
finding "config dir owned by a user" "$CONF/profiles: owned by uid $UID_ ($U), not root"
chown 0 "$CONF/profiles"
printf '[jail]\nbogus = 1\n' >"$CONF/users.d/bad.ini"
chmod 0644 "$CONF/users.d/bad.ini"
finding "config that does not load" "$CONF: the configuration does not load"
rm "$CONF/users.d/bad.ini"
clean "config restored"

# ---- 7. PAM ----
printf '@include common-session\nsession required pam_limits.so\n' >"$PAM/sshd"
finding "pam_jail missing" "$PAM/sshd: pam_jail.so is not in the session stack" \
	"(fix: run 'jailctl setup sshd --pam-file $PAM/sshd' (it adds 'session required pam_jail.so' as the last session line))"
printf 'session required pam_jail.so\n@include common-session\n' >"$PAM/sshd"
finding "pam_jail not last" "$PAM/common-session: line 1: session module pam_unix.so comes after pam_jail.so" \
	"$PAM/common-session: line 2: session module pam_systemd.so comes after pam_jail.so" \
	"(fix: move 'session required pam_jail.so' below it"
good_pam
clean "pam restored"

# Every service that reaches pam_jail is audited, not only sshd.
printf 'session required pam_env.so\nsession required pam_jail.so\n' >"$PAM/su"
clean "su with pam_jail last: no finding"
printf '@include su\nsession required pam_jail.so\n' >"$PAM/su-l"
finding "su-l includes su and adds its own pam_jail" \
	"$PAM/su-l: pam_jail.so is in the session stack of service su-l 2 times ($PAM/su line 2, $PAM/su-l line 2)" \
	"(fix: keep one pam_jail.so line in the stack of su-l: remove $PAM/su-l line 2)"
printf '@include su\n' >"$PAM/su-l"
clean "su-l through su only: no finding"
printf 'session required pam_jail.so\nsession optional pam_motd.so motd=/run/motd.dynamic\n' >"$PAM/login"
finding "login with a module after pam_jail" \
	"$PAM/login: line 2: session module pam_motd.so comes after pam_jail.so ($PAM/login line 1) in the session stack of login" \
	"(fix: move 'session required pam_jail.so' below it"
rm "$PAM/login"
printf '@include common-session\nsession optional pam_mail.so\n' >"$PAM/cron"
clean "a service without pam_jail is none of the audit's business"
printf 'session required pam_unix.so\nsession required pam_jail.so\n' >"$PAM/common-session"
printf '@include common-session\n' >"$PAM/sshd"
finding "pam_jail in common-session: a service including it with a module after it" \
	"$PAM/cron: line 2: session module pam_mail.so comes after pam_jail.so ($PAM/common-session line 2) in the session stack of cron"
check
unlike "$out" "$PAM/sshd" "sshd through common-session: pam_jail last there, no finding for sshd"
rm "$PAM/cron" "$PAM/su" "$PAM/su-l"
printf 'session required pam_unix.so\nsession optional pam_systemd.so\n' >"$PAM/common-session"
good_pam
clean "pam restored"

# ---- sshd: the forwarding lockdown applies to every jailed user ----
like ",$(getent group jailed | cut -d: -f4)," ",$U," "adduser put $U in group jailed (the snippet's Match Group)"
gpasswd -d "$U" jailed >/dev/null
finding "a jailed user outside group jailed" \
	"$SSHD_CONF: jailed user $U is not in group jailed, whose Match block locks ssh forwarding down: sshd gives $U allowtcpforwarding yes, allowstreamlocalforwarding yes, allowagentforwarding yes" \
	"(fix: usermod -aG jailed $U"
gpasswd -a "$U" jailed >/dev/null
clean "the jailed user back in group jailed"
sshd_conf bare
finding "an sshd_config without the Match block" \
	"$SSHD_CONF: ssh forwarding is not locked down for group jailed: sshd gives jailed user $U (member of jailed) allowtcpforwarding yes" \
	"(fix: run 'jailctl setup sshd --sshd-config $SSHD_CONF' (it appends the jail block of templates/sshd_config.snippet, Match Group jailed"
# A Match before the jail block that already decided wins (sshd keeps the
# first value it obtains): the lockdown is overridden for that user.
# (AllowTcpForwarding yes alone would not do it: the block's DisableForwarding
# yes overrides every forwarding option, and the check knows that.)
{
	printf 'HostKey %s\nMatch User %s\n\tAllowTcpForwarding yes\n' "$T/ssh_host_key" "$U"
	cat "$TOP/templates/sshd_config.snippet"
} >"$SSHD_CONF"
clean "an earlier Match User with AllowTcpForwarding yes: DisableForwarding yes still wins"
{
	printf 'HostKey %s\nMatch User %s\n\tDisableForwarding no\n\tAllowTcpForwarding yes\n' "$T/ssh_host_key" "$U"
	cat "$TOP/templates/sshd_config.snippet"
} >"$SSHD_CONF"
finding "an earlier Match User with DisableForwarding no, AllowTcpForwarding yes" \
	"$SSHD_CONF: ssh forwarding is not locked down for group jailed: sshd gives jailed user $U (member of jailed) allowtcpforwarding yes"
sshd_conf
# [user:] sections and [group:] members are jailed users too; adduser did
# not put them in the group.
echo "ghu:x:4171:4171::/home/ghu:$JSH" >>/etc/passwd
echo "ghu:x:4171:" >>/etc/group
echo "gmember:x:4172:4172::/home/gmember:$JSH" >>/etc/passwd
echo "gmember:x:4172:" >>/etc/group
echo "sftpers:x:4173:gmember" >>/etc/group
cp "$CONF/jail.ini" "$T/jail.ini.good"
printf '[user:ghu]\njail = %s\n[group:sftpers]\njail = %s\n' "$J" "$J" >>"$CONF/jail.ini"
check
is "$rc" 1 "[user:] and [group:] users outside group jailed: exit 1"
like "$out" "$SSHD_CONF: jailed user ghu is not in group jailed" "a [user:] section's user is named"
like "$out" "$SSHD_CONF: jailed user gmember is not in group jailed" "a [group:] section's member is named"
unlike "$out" "jailed user $U is not" "a user in the group is not named"
# Users are asked in classes (the answers to sshd's Match Group lines): a
# block re-opening forwarding for sftpers, above the jail block, must catch
# gmember and not $U, although both are in group jailed.
gpasswd -a ghu jailed >/dev/null && gpasswd -a gmember jailed >/dev/null
{
	printf 'HostKey %s\nMatch Group sftpers,!nosuchgroup\n\tDisableForwarding no\n\tAllowTcpForwarding yes\n' "$T/ssh_host_key"
	cat "$TOP/templates/sshd_config.snippet"
} >"$SSHD_CONF"
check
like "$out" "ssh forwarding is not locked down for group jailed: sshd gives jailed user gmember (member of jailed) allowtcpforwarding yes" \
	"an earlier Match Group block re-opening forwarding: its member is named"
unlike "$out" "user $U (member" "... the jailed user outside that group is not"
unlike "$out" "user ghu (member" "... nor the other one"
{
	printf 'HostKey %s\nMatch Group sftpers,!jailed\n\tDisableForwarding no\n\tAllowTcpForwarding yes\n' "$T/ssh_host_key"
	cat "$TOP/templates/sshd_config.snippet"
} >"$SSHD_CONF"
check
unlike "$out" "not locked down" "a negated pattern (sftpers,!jailed) matches no jailed user: nothing open"
sshd_conf
gpasswd -d ghu jailed >/dev/null && gpasswd -d gmember jailed >/dev/null
cp "$T/jail.ini.good" "$CONF/jail.ini"
clean "jail.ini restored"
# sshd itself missing: a finding, not a silent pass.
mkdir -m 0755 "$T/empty-sbin"
mount --bind "$T/empty-sbin" /usr/sbin
finding "sshd not installed" "/usr/sbin/sshd: sshd is not installed: whether ssh forwarding is locked down for jailed users (sshd_config Match Group jailed) cannot be checked"
umount /usr/sbin
# sshd cannot answer (no privilege separation directory): said, with sshd's reason.
rmdir /run/sshd
finding "sshd -T failing" "$SSHD_CONF: sshd -T fails for jailed user $U: Missing privilege separation directory: /run/sshd: whether ssh forwarding"
mkdir -m 0755 /run/sshd
clean "sshd restored"

# ---- the walker never follows a symlink, never leaves the jail ----
ln -s / "$J/var/lib/hostroot"
ln -s / "$J/home/$U/escape"
ln -s /etc "$J/home/$U/etc"
ln -s ../../../.. "$J/home/$U/up"
start=$SECONDS
clean "symlinks to / inside the jail are not followed"
ok "the audit with symlinks to / finished quickly" test $((SECONDS - start)) -lt 20
unlike "$out" "/etc/shadow" "no host path reported through the symlinks"
# A finding planted in the host tree must not show up through the symlink.
cp /usr/bin/true "$T/host-suid" && chmod 4755 "$T/host-suid"
ln -s "$T" "$J/var/lib/scratch"
clean "a setuid file reachable only through a symlink is not reported"
rm -f "$T/host-suid" "$J/var/lib/hostroot" "$J/var/lib/scratch" "$J/home/$U/"{escape,etc,up}

# Mount points are not entered (/proc of the host mounted in the jail).
mount -t proc proc "$J/proc"
clean "a mounted /proc is not walked"
umount "$J/proc"

# ---- JSON ----
chmod o+w "$J/etc"
cp /usr/bin/true "$J/usr/bin/sux" && chmod 4755 "$J/usr/bin/sux"
evil=$(printf '%s/var/lib/evil\nname\377' "$J")
cp /usr/bin/true "$evil" && chmod 4755 "$evil"
check --json
is "$rc" 1 "json: exit 1"
n=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d))')
is "$n" 3 "json: valid JSON with the three findings"
keys=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(set(k for x in d for k in x)))')
is "$keys" "['fix', 'jail', 'path', 'problem', 'severity']" "json: objects have jail, path, problem, fix, severity"
jails=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(set(x["jail"] for x in d))')
is "$jails" "{'$J'}" "json: findings name their jail"
evilname=$(printf '%s' "$out" | python3 -c 'import json,sys,os; d=json.load(sys.stdin); print([os.fsencode(x["path"]) for x in d if "evil" in x["path"]][0])')
is "$evilname" "b'$J/var/lib/evil\\nname\\xff'" "json: a non-UTF-8 file name with a newline round-trips"
check
is "$(printf '%s\n' "$out" | wc -l)" 3 "text: one line per finding, a newline in a name cannot split it"
like "$out" "$J/var/lib/evil\\x0aname\\xff: setuid file" "text: control and invalid bytes escaped"
chmod o-w "$J/etc"
rm -f "$J/usr/bin/sux" "$evil"
check --json
is "$rc" 0 "json clean: exit 0"
is "$out" "[]" "json clean: an empty array"

# ---- --layers: what this kernel enforces, computed here independently ----
exp_abi=$(python3 -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); l.syscall.restype = ctypes.c_long
print(max(l.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1)), 0))')
[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && exp_aa=yes || exp_aa=no
exp_aa_unix=no
for f in /sys/kernel/security/apparmor/features/network*/af_unix; do
	{ [ -d "$f" ] || [ "$(cat "$f" 2>/dev/null)" = yes ]; } && exp_aa_unix=yes
done
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	exp_cg="v2, controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
else
	exp_cg="v1$([ -f /sys/fs/cgroup/unified/cgroup.controllers ] && echo ' (hybrid)'), controllers: $(awk '!/^#/ && $2 != 0 && $4 == 1 {printf "%s%s", s, $1; s=" "}' /proc/cgroups)"
fi
diag "this kernel: Landlock ABI $exp_abi, AppArmor $exp_aa (unix mediation $exp_aa_unix), cgroup $exp_cg"
check --layers
kl=$(printf '%s\n' "$out" | grep '^kernel: ')
is "$(printf '%s\n' "$kl" | grep -c '')" 7 "--layers: seven kernel: lines"
like "$kl" "kernel: seccomp filter: $([ -e /proc/sys/kernel/seccomp/actions_avail ] && echo yes || echo no)" \
	"--layers: seccomp filter mode as /proc/sys/kernel/seccomp says"
like "$kl" "kernel: no_new_privs: $(grep -q '^NoNewPrivs:' /proc/self/status && echo yes || echo no)" \
	"--layers: no_new_privs as /proc/self/status says"
like "$kl" "kernel: user namespaces: max_user_namespaces $(cat /proc/sys/user/max_user_namespaces)" \
	"--layers: max_user_namespaces"
is "$(printf '%s\n' "$kl" | grep '^kernel: cgroup: ')" "kernel: cgroup: $exp_cg" \
	"--layers: the cgroup version and controllers of /sys/fs/cgroup and /proc/cgroups"
if [ "$exp_abi" = 0 ]; then
	is "$(printf '%s\n' "$kl" | grep '^kernel: landlock: ')" "kernel: landlock: no" "--layers: no Landlock"
else
	like "$kl" "kernel: landlock: ABI $exp_abi: file system access (5.13)" "--layers: Landlock ABI $exp_abi"
	if [ "$exp_abi" -ge 6 ]; then
		unlike "$kl" "missing:" "--layers: ABI $exp_abi lacks nothing jail knows"
	else
		like "$kl" "missing: " "--layers: ABI $exp_abi: what is missing is named"
		like "$kl" "abstract unix socket and signal scoping (6.12)" "--layers: ... scoping among it"
	fi
fi
if [ "$exp_aa" = yes ]; then
	like "$kl" "kernel: apparmor: enabled, unix socket mediation: $exp_aa_unix" \
		"--layers: AppArmor enabled, unix mediation $exp_aa_unix"
else
	is "$(printf '%s\n' "$kl" | grep '^kernel: apparmor: ')" "kernel: apparmor: not enabled" \
		"--layers: AppArmor not enabled"
fi
if [ "$exp_abi" -lt 6 ] && [ "$exp_aa_unix" = no ]; then
	exp_reach=true
	like "$kl" "kernel: abstract unix sockets: the host's are reachable from net = host sessions" \
		"--layers: says plainly that host abstract sockets are reachable from net = host"
else
	exp_reach=false
	like "$kl" "kernel: abstract unix sockets: scoped for jailed sessions" \
		"--layers: abstract sockets scoped"
fi
is "$(printf '%s\n' "$out" | grep -vc '^kernel: ')" 0 "--layers on a clean setup: no finding lines"
is "$rc" 0 "--layers: the layer lines are not findings (exit 0)"
check --layers --json
is "$rc" 0 "--layers --json: exit 0"
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["layers"]
print(l["landlock_abi"], l["apparmor"], l["apparmor_unix"], l["cgroup_version"], l["abstract_unix_reachable_from_net_host"], d["findings"])')" \
	"$exp_abi $([ $exp_aa = yes ] && echo True || echo False) $([ $exp_aa = yes ] && { [ $exp_aa_unix = yes ] && echo True || echo False; } || echo False) $([ -f /sys/fs/cgroup/cgroup.controllers ] && echo 2 || echo 1) $([ $exp_reach = true ] && echo True || echo False) []" \
	"--layers --json: an object with the same facts and the findings array"
check --json
is "$out" "[]" "without --layers, --json stays the findings array"

# ---- explicit jails, usage ----
mkdir -p "$T/other"
check "$T/other"
is "$rc" 0 "an explicit empty jail with a trusted chain: exit 0"
check "$T/nonexistent"
is "$rc" 1 "a missing jail: exit 1"
like "$out" "$T/nonexistent: does not exist" "a missing jail is reported"
check relative/jail
is "$rc" 2 "a relative JAIL: usage error"
check --bogus
is "$rc" 2 "an unknown option: usage error"

done_testing
