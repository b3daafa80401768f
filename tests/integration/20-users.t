#!/bin/bash
# jailctl adduser / deluser / keys against real users (useradd in a private
# /etc), a hand-built minimal jail, and a tmpfs over /home (this mount
# namespace only).  Every refused input must leave nothing changed; the
# --move-home symlink plant must not touch anything outside.
. "$(dirname "$0")/../lib.sh"
jail_test_setup
jail_test_private_etc

[ -d /home ] || bail "no /home to mount a private tmpfs on"
mount -t tmpfs -o mode=0755 jail-test-home /home

# jailsh's path is also its path inside the jail: stage the built binary at
# a path that does not depend on where the checkout lives (a checkout under
# /tmp would put it below the jail's sticky /tmp, which jailctl rightly
# refuses to write into).
install -D -m 0711 "$JAILSH" "$T/sbin/jailsh"
JAILSH=$T/sbin/jailsh

J=$T/jail
mkdir -p "$J/etc" "$J/bin"
chmod 0755 "$J" "$J/etc" "$J/bin"
cat >"$CONF/jail.ini" <<EOF
[jail]
jail = $J
jailsh = $JAILSH
EOF
chmod 0644 "$CONF/jail.ini"

mkdir -m 0755 "$T/outside"
echo 'root secret' >"$T/outside/secret"
mkdir -m 0755 "$T/outside/dir"
echo 'precious' >"$T/outside/dir/file"

useradd -m -d /home/alice -s /bin/sh alice || bail "useradd alice"
useradd -m -d /home/bob -s /bin/sh bob || bail "useradd bob"
useradd -m -d /home/carol -s /bin/sh carol || bail "useradd carol"
useradd -M -d /home/dave -s /bin/sh dave || bail "useradd dave"

jc() { "$JAILCTL" --config "$CONF" "$@"; }
shell_of() { getent passwd "$1" | cut -d: -f7; }
# Everything adduser could touch, in one string.
state() {
	cat "$J/etc/passwd" "$J/etc/group" 2>/dev/null
	ls -A "$CONF/users.d"
	getent passwd alice bob carol dave gina
	getent group jailed jailfresh
	find "$J" "$CONF" /home -printf '%p %m %u %s\n' 2>/dev/null | sort
}

# --- adduser ------------------------------------------------------------------
nok "no group jailed before the first adduser" getent group jailed
out=$(jc adduser alice 2>&1)
is "$?" 0 "adduser alice succeeds"
like "$out" "jailed alice in $J" "  says what it did"
like "$out" "warning: shell /bin/bash is not in the jail" "  warns the shell is not in the jail yet"
ok "users.d/alice.ini written" test -f "$CONF/users.d/alice.ini"
is "$(grep -v '^;' "$CONF/users.d/alice.ini")" "[user:alice]
jail = $J
profile = default" "  with user section, jail and profile"
is "$(stat -c '%U %a' "$CONF/users.d/alice.ini")" "root 644" "  root-owned 0644"
uid=$(id -u alice)
gid=$(id -g alice)
is "$(grep '^alice:' "$J/etc/passwd")" "alice:x:$uid:$gid::/home/alice:$JAILSH" \
	"jail passwd line with jailsh as the shell (login(1) reads it after the session opens)"
like "$(cat "$J/etc/group")" "alice:x:$gid:" "jail group line for the primary group"
is "$(stat -c '%U %a' "$J/etc/passwd")" "root 644" "jail passwd root-owned 0644"
is "$(stat -c '%U:%G %a' "$J/home/alice")" "alice:alice 750" "home in the jail owned by alice"
is "$(stat -c '%U %a' "$J/home")" "root 755" "  its parent root-owned 0755"
ok "home populated from /etc/skel" cmp /etc/skel/.bashrc "$J/home/alice/.bashrc"
is "$(stat -c %U "$J/home/alice/.profile")" alice "  skel files owned by alice"
is "$(shell_of alice)" "$JAILSH" "host login shell is jailsh"
# The group the sshd_config block matches ([jail] ssh_group, default jailed):
# created when missing (a system group), the user added to it.
ok "group jailed created" getent group jailed
ok "  as a system group" test "$(getent group jailed | cut -d: -f3)" -lt 1000
like ",$(getent group jailed | cut -d: -f4)," ",alice," "  alice is a member (sshd's Match Group jailed applies)"
like " $(id -nG alice) " " jailed " "  id -nG alice lists jailed"
ok "host home left alone without --move-home" test -f /home/alice/.bashrc

# Idempotent re-run.
before=$(state)
ok "adduser alice again succeeds" jc adduser alice
is "$(grep -c '^alice:' "$J/etc/passwd")" 1 "  still one passwd line"
is "$(state)" "$before" "  nothing else changed"

# A jail passwd line from before the shell key (the real shell in it):
# adduser run again moves that shell to users.d and writes jailsh.
sed -i "s|^\(alice:.*\):[^:]*\$|\1:/usr/bin/zsh|" "$J/etc/passwd"
out=$(jc adduser alice 2>&1)
is "$?" 0 "adduser alice again over an old jail passwd line"
like "$out" "alice's shell /usr/bin/zsh moves from the jail's passwd to users.d/alice.ini" "  says the shell moved"
like "$(cat "$CONF/users.d/alice.ini")" "shell = /usr/bin/zsh" "  the old real shell is kept in users.d"
is "$(grep '^alice:' "$J/etc/passwd" | cut -d: -f7)" "$JAILSH" "  the jail line names jailsh"
sed -i '/^shell = /d' "$CONF/users.d/alice.ini"

# Profile and shell options.
ok "adduser -p strict -s /bin/sh bob" jc adduser -p strict -s /bin/sh bob
like "$(cat "$CONF/users.d/bob.ini")" "profile = strict" "  profile recorded"
like "$(cat "$CONF/users.d/bob.ini")" "shell = /bin/sh" "  shell recorded in users.d"
like "$(grep '^bob:' "$J/etc/passwd")" ":/home/bob:$JAILSH" "  the jail passwd still names jailsh"
# Run again without -s (what pam_jail's refusals advise): the shell stays.
sed -i "s|^\(bob:.*\):[^:]*\$|\1:/bin/sh|" "$J/etc/passwd"
ok "adduser -p strict bob again, without -s" jc adduser -p strict bob
like "$(cat "$CONF/users.d/bob.ini")" "shell = /bin/sh" "  the recorded shell stays"
like "$(grep '^bob:' "$J/etc/passwd")" ":/home/bob:$JAILSH" "  a jail passwd line with a real shell is rewritten to jailsh"
is "$(grep -c '^bob:' "$J/etc/passwd")" 1 "  one line"

# Moving a user to another jail takes their lines out of the first one.
mkdir -p -m 0755 "$T/j3/etc"
ok "adduser -j J3 bob (moving jails)" jc adduser -j "$T/j3" -p strict -s /bin/sh bob
like "$(cat "$CONF/users.d/bob.ini")" "jail = $T/j3" "  users.d points to the new jail"
ok "  bob in the new jail's passwd" grep -q '^bob:' "$T/j3/etc/passwd"
nok "  bob gone from the old jail's passwd" grep -q '^bob:' "$J/etc/passwd"
# Run again with neither -j nor -p (what pam_jail's refusals advise): the
# user is repaired where they are, not moved to the default jail/profile.
sed -i "s|^\(bob:.*\):[^:]*\$|\1:/bin/sh|" "$T/j3/etc/passwd"
ok "adduser bob again, without -j or -p" jc adduser bob
like "$(cat "$CONF/users.d/bob.ini")" "jail = $T/j3" "  bob stays in the jail he was in (not the default)"
like "$(cat "$CONF/users.d/bob.ini")" "profile = strict" "  ... with his profile (not the default)"
like "$(grep '^bob:' "$T/j3/etc/passwd")" ":/home/bob:$JAILSH" "  ... and his jail passwd line is repaired"
nok "  ... and nothing was added to the default jail" grep -q '^bob:' "$J/etc/passwd"
ok "adduser -j J bob (back)" jc adduser -j "$J" -p strict -s /bin/sh bob

# --- refused inputs change nothing ---------------------------------------------
refused() { # NAME EXPECTED-MESSAGE jailctl-args...
	local name=$1 msg=$2
	shift 2
	local before after out rc
	before=$(state)
	out=$(jc "$@" 2>&1)
	rc=$?
	is "$rc" 1 "$name: exit 1"
	like "$out" "$msg" "$name: says why"
	after=$(state)
	is "$after" "$before" "$name: nothing changed"
}
refused "unknown user" "adduser: nosuchuser: no such user on the host" adduser nosuchuser
refused "bad name" "adduser: 'Bad/Name': not a valid user name" adduser Bad/Name
refused "uid 0" "refusing to jail a user with uid 0" adduser root
refused "missing jail" "jail $T/nojail" adduser -j "$T/nojail" dave
like "$(jc adduser -j "$T/nojail" dave 2>&1)" "No such file or directory" "missing jail: errno shown"
mkdir -m 0755 "$T/badjail" "$T/badjail/etc"
chmod 0777 "$T/badjail"
refused "jail writable by others" "$T/badjail is writable by others" adduser -j "$T/badjail" dave
chmod 0755 "$T/badjail"
chmod 0775 "$T/badjail/etc"
refused "jail /etc writable by its group" "/etc in the jail is writable by its group" \
	adduser -j "$T/badjail" dave
rmdir "$T/badjail/etc"
refused "jail without /etc" "/etc does not exist in the jail" adduser -j "$T/badjail" dave
refused "jail = /" "the host root is not a jail" adduser -j / dave
refused "missing profile" "profile 'nosuch' not found" adduser -p nosuch dave
refused "bad profile name" "'../x' is not a valid profile name" adduser -p ../x dave
refused "relative shell" "shell 'bash' is not an absolute path" adduser -s bash dave
printf '[user:dave]\njail = %s\n' "$J" >>"$CONF/jail.ini"
refused "user assigned in jail.ini" "dave is already assigned in $CONF/jail.ini [user:dave]" adduser dave
sed -i '/^\[user:dave\]/,$d' "$CONF/jail.ini"

# No default jail and no -j.
mkdir -m 0755 "$T/conf2" "$T/conf2/profiles"
cp "$CONF"/profiles/*.ini "$T/conf2/profiles/"
before=$(state)
out=$("$JAILCTL" --config "$T/conf2" adduser dave 2>&1)
is "$?" 1 "no jail configured: exit 1"
like "$out" "no jail given (-j JAIL) and no default" "no jail configured: says so"
is "$(state)" "$before" "no jail configured: nothing changed"

# users.d on a read-only mount.
mount --bind "$CONF/users.d" "$CONF/users.d"
mount -o remount,bind,ro "$CONF/users.d"
refused "users.d not writable" "users.d is not writable: Read-only file system" adduser dave
umount "$CONF/users.d"

# A symlink planted at JAIL/home pointing outside.
mkdir -m 0755 "$T/j2" "$T/j2/etc"
ln -s "$T/outside" "$T/j2/home"
refused "symlink at JAIL/home" "component 'home' is a symlink (refused" adduser -j "$T/j2" dave
is "$(ls "$T/outside")" "dir
secret" "symlink at JAIL/home: nothing created outside"
# A home that exists in the jail but belongs to someone else.
rm "$T/j2/home"
mkdir -p -m 0755 "$T/j2/home/dave"
refused "home owned by another uid" "$T/j2/home/dave exists and is owned by uid 0" \
	adduser -j "$T/j2" dave

is "$(jc adduser 2>&1; echo "rc=$?")" "usage: jailctl adduser [-j JAIL] [-p PROFILE] [-s SHELL] [--move-home] USER | --from FILE
rc=2" "no USER: usage, exit 2"
is "$(jc adduser --bogus x >/dev/null 2>&1; echo $?)" 2 "unknown option: exit 2"

# --- a step failing after changes were made is undone ---------------------------
# usermod fails on a held /etc/passwd lock: passwd lines and the new home,
# already written, must be taken back.
before=$(state)
sleep 60 &
lockpid=$!
echo "$lockpid" >/etc/passwd.lock
out=$(jc adduser -j "$T/j2" -s /bin/sh carol 2>&1)
is "$?" 1 "usermod failing: exit 1"
like "$out" "usermod -s $JAILSH carol failed" "usermod failing: says which step"
rm -f /etc/passwd.lock
kill "$lockpid" 2>/dev/null
wait "$lockpid" 2>/dev/null
is "$(state)" "$before" "usermod failing: passwd lines, home and group membership undone"
ok "usermod failing: no home left in the jail" test ! -e "$T/j2/home/carol"
unlike ",$(getent group jailed | cut -d: -f4)," ",carol," "usermod failing: carol not left in group jailed"
# The same with a group that adduser had to create: it is removed again.
cp "$CONF/jail.ini" "$T/jail.ini.saved"
echo "ssh_group = jailfresh" >>"$CONF/jail.ini"
before=$(state)
sleep 60 &
lockpid=$!
echo "$lockpid" >/etc/passwd.lock
out=$(jc adduser -j "$T/j2" -s /bin/sh carol 2>&1)
is "$?" 1 "usermod failing, ssh_group to create: exit 1"
rm -f /etc/passwd.lock
kill "$lockpid" 2>/dev/null
wait "$lockpid" 2>/dev/null
is "$(state)" "$before" "usermod failing, ssh_group to create: everything undone"
nok "  the group adduser created is gone" getent group jailfresh
cp "$T/jail.ini.saved" "$CONF/jail.ini"

# An untrusted /etc/skel fails after passwd was written: undone too.
chmod 0777 /etc/skel
before=$(state)
out=$(jc adduser -j "$T/j2" carol 2>&1)
is "$?" 1 "untrusted /etc/skel: exit 1"
like "$out" "/etc/skel is writable by others" "untrusted /etc/skel: says why"
is "$(state)" "$before" "untrusted /etc/skel: everything undone"
chmod 0755 /etc/skel

# --- --move-home never follows a symlink ---------------------------------------
echo 'my notes' >/home/carol/notes.txt
mkdir /home/carol/sub
echo 'deep' >/home/carol/sub/file
ln -s "$T/outside/secret" /home/carol/evil-file
ln -s "$T/outside/dir" /home/carol/evil-dir
ln -s "$T/outside/dir" /home/carol/sub/evil-dir2
mkfifo /home/carol/fifo
chown -R -h carol:carol /home/carol
carol_mode=$(stat -c %a /home/carol)
out=$(jc adduser --move-home carol 2>&1)
is "$?" 0 "adduser --move-home carol succeeds"
like "$out" "moved from the host" "  says the home was moved"
is "$(cat "$T/outside/secret")" "root secret" "outside file untouched"
is "$(cat "$T/outside/dir/file")" "precious" "outside directory untouched"
is "$(stat -c %U "$T/outside/secret")" root "  outside file still root's"
ok "symlink to a file recreated as a symlink" test -L "$J/home/carol/evil-file"
is "$(readlink "$J/home/carol/evil-file")" "$T/outside/secret" "  with the same target"
ok "symlink to a dir recreated as a symlink" test -L "$J/home/carol/evil-dir"
ok "nested symlink recreated as a symlink" test -L "$J/home/carol/sub/evil-dir2"
is "$(stat -c %U "$J/home/carol/evil-dir")" carol "  owned by carol"
is "$(cat "$J/home/carol/notes.txt")" "my notes" "regular file moved"
is "$(cat "$J/home/carol/sub/file")" "deep" "nested file moved"
is "$(stat -c %U "$J/home/carol/sub/file")" carol "  ownership kept"
ok "FIFO recreated" test -p "$J/home/carol/fifo"
ok "host home removed" test ! -e /home/carol
is "$(stat -c '%U %a' "$J/home/carol")" "carol $carol_mode" "jail home owned by carol, host mode"
is "$(shell_of carol)" "$JAILSH" "carol's host shell is jailsh"

# A device node in the host home: refused mid-copy, and the copy undone,
# whether the jail home was created for it or existed (empty) before.
useradd -m -d /home/gina -s /bin/sh gina
# Created device first: tmpfs lists newest first, so the files are copied
# before the device node is met (the undo has something to undo).
mknod /home/gina/null c 1 3
echo 'data' >/home/gina/data
mkdir /home/gina/sub
echo 'more' >/home/gina/sub/more
before=$(state)
out=$(jc adduser --move-home gina 2>&1)
is "$?" 1 "device node in the host home: refused"
like "$out" "/home/gina/null is a device node (refused" "  says which file"
is "$(state)" "$before" "  partial copy and passwd lines undone, host home intact"
mkdir -m 0750 "$J/home/gina"
chown gina:gina "$J/home/gina"
before=$(state)
out=$(jc adduser --move-home gina 2>&1)
is "$?" 1 "device node, existing empty jail home: refused"
is "$(state)" "$before" "  the existing home is emptied again, nothing else changed"
rm /home/gina/null
echo 'x' >"$J/home/gina/already"
out=$(jc adduser --move-home gina 2>&1)
is "$?" 1 "--move-home into a non-empty jail home: refused"
like "$out" "$J/home/gina already exists and is not empty" "  says why"

# A host home that is a symlink is refused.
useradd -M -d /home/erin -s /bin/sh erin
mkdir -m 0700 "$T/erinhome"
chown erin "$T/erinhome"
ln -s "$T/erinhome" /home/erin
before=$(state)
out=$(jc adduser --move-home erin 2>&1)
is "$?" 1 "symlinked host home: refused"
like "$out" "host home /home/erin is a symlink" "symlinked host home: says why"
is "$(state)" "$before" "symlinked host home: nothing changed"
ok "adduser --move-home without a host home falls back to skel" jc adduser --move-home dave
ok "  dave's home has skel" test -f "$J/home/dave/.bashrc"

# --- a real jail built by jailctl init: the lines work inside it ----------------
useradd -m -d /home/hank -s /bin/sh hank
groupadd hankgrp
usermod -a -G hankgrp hank
R=$T/real
ok "jailctl init a real jail (basicshell)" jc init -f "$TOP/templates/sections.ini" "$R" basicshell
ok "jailctl cp id and jailsh into it" jc cp "$R" /usr/bin/id "$JAILSH"
out=$(jc adduser -j "$R" hank 2>&1)
is "$?" 0 "adduser into the real jail"
unlike "$out" "warning" "  no warning: bash (through the jail's /bin symlink) and jailsh are there"
is "$(chroot "$R" /usr/bin/id hank)" \
	"uid=$(id -u hank)(hank) gid=$(id -g hank)(hank) groups=$(id -g hank)(hank),$(getent group hankgrp | cut -d: -f3)(hankgrp),$(getent group jailed | cut -d: -f3)(jailed)" \
	"inside the jail, id resolves hank, his group and supplementary group"
is "$(env -i HOME=/home/hank /usr/sbin/chroot --userspec=hank:hank "$R" /bin/bash -c 'cd && pwd && ls -A && id -un')" \
	"/home/hank
.bash_logout
.bashrc
.profile
hank" "as hank inside the jail: the home at the host path, with skel"
ok "deluser hank" jc deluser hank
nok "  inside the jail, hank is gone" chroot "$R" /usr/bin/id hank

# --- keys -----------------------------------------------------------------------
mkdir -m 0700 "$J/home/alice/.ssh"
echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJhc2U alice@test' >"$J/home/alice/.ssh/authorized_keys"
chmod 0600 "$J/home/alice/.ssh/authorized_keys"
chown -R alice:alice "$J/home/alice/.ssh"
out=$(jc keys alice 2>/dev/null)
is "$?" 0 "keys alice: exit 0"
is "$out" "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJhc2U alice@test" "keys alice: prints the file"

keys_refused() { # NAME EXPECTED-MESSAGE USER
	local out err rc
	out=$(jc keys "$3" 2>"$T/keys.err")
	rc=$?
	err=$(cat "$T/keys.err")
	is "$rc" 1 "$1: exit 1"
	is "$out" "" "$1: nothing on stdout"
	like "$err" "$2" "$1: reason on stderr"
}
chown bob "$J/home/alice/.ssh/authorized_keys"
keys_refused "authorized_keys owned by another user" "authorized_keys is owned by uid $(id -u bob)" alice
chown alice "$J/home/alice/.ssh/authorized_keys"
chmod 0620 "$J/home/alice/.ssh/authorized_keys"
keys_refused "group-writable authorized_keys" "writable by group or others" alice
chmod 0600 "$J/home/alice/.ssh/authorized_keys"
mv "$J/home/alice/.ssh/authorized_keys" "$J/home/alice/.ssh/real_keys"
echo 'ssh-ed25519 AAAAoutside root-key' >"$T/outside/keys"
ln -s "$T/outside/keys" "$J/home/alice/.ssh/authorized_keys"
keys_refused "symlinked authorized_keys" "authorized_keys is a symlink (refused" alice
rm "$J/home/alice/.ssh/authorized_keys"
ln -s real_keys "$J/home/alice/.ssh/authorized_keys"
keys_refused "relative symlink inside .ssh" "is a symlink" alice
rm "$J/home/alice/.ssh/authorized_keys"
mv "$J/home/alice/.ssh" "$J/home/alice/ssh.real"
ln -s ssh.real "$J/home/alice/.ssh"
keys_refused "symlinked .ssh" ".ssh is a symlink" alice
rm "$J/home/alice/.ssh"
mv "$J/home/alice/ssh.real" "$J/home/alice/.ssh"
mv "$J/home/alice/.ssh/real_keys" "$J/home/alice/.ssh/authorized_keys"
chmod 0777 "$J/home/alice"
keys_refused "world-writable home" "home/alice is writable by group or others" alice
chmod 0750 "$J/home/alice"
ok "keys alice works again" jc keys alice
useradd -m -d /home/frank -s /bin/sh frank
mkdir -m 0700 /home/frank/.ssh
echo 'ssh-ed25519 AAAAfrank' >/home/frank/.ssh/authorized_keys
keys_refused "not jailed" "frank is not jailed" frank
keys_refused "unknown user" "nosuchuser: no such user" nosuchuser
keys_refused "dave without keys" "No such file or directory" dave

# Jailed through a group: keys work too.
groupadd sftpusers
usermod -a -G sftpusers frank
printf '[group:sftpusers]\njail = %s\n' "$J" >>"$CONF/jail.ini"
mkdir -p -m 0755 "$J/home"
mkdir -m 0750 "$J/home/frank"
mkdir -m 0700 "$J/home/frank/.ssh"
echo 'ssh-ed25519 AAAAfrank-in-jail' >"$J/home/frank/.ssh/authorized_keys"
chown -R frank:frank "$J/home/frank"
is "$(jc keys frank 2>&1)" "ssh-ed25519 AAAAfrank-in-jail" "group-jailed user: in-jail keys, not the host's"
sed -i '/^\[group:sftpusers\]/,$d' "$CONF/jail.ini"

# --- deluser ----------------------------------------------------------------------
out=$(jc deluser alice 2>&1)
is "$?" 0 "deluser alice succeeds"
ok "users.d/alice.ini removed" test ! -e "$CONF/users.d/alice.ini"
is "$(grep -c '^alice:' "$J/etc/passwd")" 0 "alice's jail passwd line removed"
unlike "$(cat "$J/etc/group")" "alice:" "alice's personal group removed from the jail"
is "$(shell_of alice)" /bin/bash "host shell back to /bin/bash"
ok "home kept" test -f "$J/home/alice/.bashrc"
ok "other users untouched" grep -q '^bob:' "$J/etc/passwd"
unlike ",$(getent group jailed | cut -d: -f4)," ",alice," "alice taken out of group jailed"
like ",$(getent group jailed | cut -d: -f4)," ",bob," "  bob still in it"
ok "  the group itself stays" getent group jailed
ok "deluser -s /bin/sh carol" jc deluser -s /bin/sh carol
is "$(shell_of carol)" /bin/sh "  host shell set to -s"
before=$(state)
out=$(jc deluser alice 2>&1)
is "$?" 1 "deluser of a user not jailed: exit 1"
like "$out" "jailctl: deluser: alice is not jailed" "  says so"
is "$(state)" "$before" "  nothing changed"
printf '[user:alice]\njail = %s\n' "$J" >>"$CONF/jail.ini"
out=$(jc deluser alice 2>&1)
is "$?" 1 "deluser of a user assigned in jail.ini: exit 1"
like "$out" "not by adduser (remove that section by hand)" "  says what to do"
sed -i '/^\[user:alice\]/,$d' "$CONF/jail.ini"
is "$(jc deluser 2>&1; echo "rc=$?")" "usage: jailctl deluser [-s SHELL] USER
rc=2" "deluser without USER: usage, exit 2"

# A user whose jail was deleted can still be released; an untrusted jail is
# never written to, so deluser refuses then.
mkdir -p -m 0755 "$T/j4/etc"
ok "adduser -j J4 dave" jc adduser -j "$T/j4" dave
chmod 0777 "$T/j4"
before=$(state)
out=$(jc deluser dave 2>&1)
is "$?" 1 "deluser with an untrusted jail: exit 1"
like "$out" "jail $T/j4: $T/j4 is writable by others" "  says why"
is "$(state)" "$before" "  nothing changed"
rm -rf "$T/j4"
out=$(jc deluser dave 2>&1)
is "$?" 0 "deluser with the jail gone: released anyway"
like "$out" "warning: jail $T/j4 does not exist any more" "  with a warning"
ok "  users.d/dave.ini removed" test ! -e "$CONF/users.d/dave.ini"
is "$(shell_of dave)" /bin/bash "  host shell reset"

# Re-adding after deluser works and keeps the existing home.
echo 'kept' >"$J/home/alice/mine"
chown alice "$J/home/alice/mine"
ok "adduser alice after deluser" jc adduser alice
is "$(cat "$J/home/alice/mine")" kept "  existing home kept, not re-populated"


# --- adduser --from FILE ----------------------------------------------------------
# Many users in one run: each all or nothing, a refused user named with the
# reason, the others added; the jail's passwd/group written once.
for u in f1 f2 f3 g1 g2; do
	useradd -M -d "/home/$u" -s /bin/sh "$u" || bail "useradd $u"
done
printf '# users to jail\nf1\n\n  f2  \nf3\n' >"$T/good.list"
out=$(jc adduser --from "$T/good.list" 2>&1)
is "$?" 0 "adduser --from: a good file succeeds"
like "$out" "adduser --from $T/good.list: 3 jailed, 0 refused" "  says how many"
for u in f1 f2 f3; do
	ok "  $u: users.d/$u.ini" test -f "$CONF/users.d/$u.ini"
	is "$(grep "^$u:" "$J/etc/passwd" | cut -d: -f1,7)" "$u:$JAILSH" "  $u: jail passwd line names jailsh"
	like "$(grep "^$u:" "$J/etc/group")" "$u:x:$(id -g "$u"):" "  $u: jail group line"
	is "$(stat -c %U "$J/home/$u")" "$u" "  $u: home in the jail"
	is "$(shell_of "$u")" "$JAILSH" "  $u: host shell jailsh"
	like ",$(getent group jailed | cut -d: -f4)," ",$u," "  $u: member of jailed"
done
ok "  the configuration loads with them (adduser f2 again repairs in place)" jc adduser f2
# users.d files are what a single adduser writes
is "$(grep -v '^;' "$CONF/users.d/f2.ini")" "[user:f2]
jail = $J
profile = default" "  users.d/f2.ini as adduser f2 writes it"

out=$(printf 'f3\n' | jc adduser --from - 2>&1)
like "$out" "adduser --from -: 1 jailed, 0 refused" "adduser --from -: names from stdin (a re-run repairs f3)"

# One bad line among good ones: a user the host does not have, and root.
printf 'g1\nnosuch\nroot\ng2\n' >"$T/mixed.list"
jpw_before=$(grep -E '^(nosuch|root):' "$J/etc/passwd")
jailed_before=$(getent group jailed)
out=$(jc adduser --from "$T/mixed.list" 2>&1)
is "$?" 1 "adduser --from with bad lines: exit 1"
like "$out" "nosuch: refused: " "  the unknown user is refused"
like "$out" "nosuch" "  naming it"
like "$out" "root: refused: root: refusing to jail a user with uid 0" "  root refused with the reason"
like "$out" "2 jailed, 2 refused" "  the others added"
for u in g1 g2; do
	ok "  $u: users.d/$u.ini" test -f "$CONF/users.d/$u.ini"
	ok "  $u: jail passwd line" grep -q "^$u:" "$J/etc/passwd"
	is "$(shell_of "$u")" "$JAILSH" "  $u: host shell jailsh"
done
ok "  nosuch: no users.d file" test ! -e "$CONF/users.d/nosuch.ini"
ok "  root: no users.d file" test ! -e "$CONF/users.d/root.ini"
is "$(grep -E '^(nosuch|root):' "$J/etc/passwd")" "$jpw_before" "  no jail passwd line written for them"
ok "  no home made for them" test ! -e "$J/home/nosuch" -a ! -e "$J/root"
is "$(shell_of root)" "$(getent passwd root | cut -d: -f7)" "  root's host shell unchanged"
unlike ",$(getent group jailed | cut -d: -f4)," ",root," "  root not added to jailed"

# A user whose home the jail cannot hold (its parent there, /etc/passwd, is
# a file): refused with the reason, nothing of it written, the others of
# the file still added.
useradd -M -d /etc/passwd/longhome -s /bin/sh longhome || bail "useradd longhome"
useradd -M -d /home/h1 -s /bin/sh h1 || bail "useradd h1"
printf 'longhome\nh1\n' >"$T/apply.list"
out=$(jc adduser --from "$T/apply.list" 2>&1)
is "$?" 1 "adduser --from with a user whose home fails: exit 1"
like "$out" "longhome: refused: $J/etc/passwd/longhome: component 'passwd' is not a directory" \
	"  that user refused, with the reason"
like "$out" "1 jailed, 1 refused" "  the other added"
ok "  h1 jailed" test -f "$CONF/users.d/h1.ini"
ok "  longhome: no users.d file" test ! -e "$CONF/users.d/longhome.ini"
nok "  longhome: no jail passwd line" grep -q "^longhome:" "$J/etc/passwd"
is "$(shell_of longhome)" /bin/sh "  longhome: host shell unchanged"
unlike ",$(getent group jailed | cut -d: -f4)," ",longhome," "  longhome: not added to jailed"

# A file that is not a list of names is refused whole.
before=$(state)
printf 'i1\nnot a name\n' >"$T/bad.list"
out=$(jc adduser --from "$T/bad.list" 2>&1)
is "$?" 1 "adduser --from with an invalid name: exit 1"
like "$out" "line 2: 'not a name' is not a valid user name" "  names the line"
printf 'g1\ng1\n' >"$T/twice.list"
out=$(jc adduser --from "$T/twice.list" 2>&1)
like "$out" "line 2: g1 is listed twice" "adduser --from: a name listed twice is refused"
is "$(state)" "$before" "  nothing changed"
out=$(jc adduser --from "$T/good.list" f1 2>&1)
is "$?" 2 "adduser --from FILE USER: usage error"

done_testing
