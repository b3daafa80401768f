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
JSH=/usr/local/sbin/jailsh
U=jtu
UID_=4170

# A jailed user, written straight into the private /etc (useradd would also
# touch the host's /var/log/lastlog).
echo "$U:x:$UID_:$UID_:jail test:/home/$U:$JSH" >>/etc/passwd
echo "$U:x:$UID_:" >>/etc/group

# ---- a small clean jail, built by hand ----
build_jail() {
	rm -rf "$J"
	mkdir -p "$J"/{bin,usr/bin,usr/local/sbin,lib,etc,dev/pts,tmp,proc,var/lib,home/$U,.jail}
	chmod 0755 "$J"
	chmod 1777 "$J/tmp"
	chown "$UID_:$UID_" "$J/home/$U"
	cp /usr/bin/true "$J/usr/bin/true"
	cp /bin/dash "$J/bin/sh"
	cp "$JAILSH" "$J$JSH"
	chmod 0755 "$J$JSH"
	printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:%s:%s:jail test:/home/%s:/bin/sh\n' \
		"$U" "$UID_" "$UID_" "$U" >"$J/etc/passwd"
	printf 'root:x:0:\n%s:x:%s:\n' "$U" "$UID_" >"$J/etc/group"
	mknod -m 0666 "$J/dev/null" c 1 3
	mknod -m 0666 "$J/dev/zero" c 1 5
	mknod -m 0666 "$J/dev/urandom" c 1 9
	mknod -m 0666 "$J/dev/tty" c 5 0
	printf '# jail manifest\nd /usr/bin\nf /usr/bin/true\nf /bin/dash\n' >"$J/.jail/manifest"
	cp /bin/dash "$J/bin/dash"
}
build_jail

cat >"$CONF/jail.ini" <<EOF
[jail]
jail = $J
jailsh = $JSH

[user:$U]
jail = $J
EOF
chmod 0644 "$CONF/jail.ini"
# The shipped profiles, when they exist, were copied by jail_test_private_etc.
[ -e "$CONF/profiles/default.ini" ] || { printf '[profile]\n' >"$CONF/profiles/default.ini"; chmod 0644 "$CONF/profiles/default.ini"; }

mkdir -p "$PAM"
printf 'session required pam_unix.so\nsession optional pam_systemd.so\n' >"$PAM/common-session"
good_pam() {
	printf '@include common-session\nsession required pam_limits.so\nsession required pam_jail.so\n' >"$PAM/sshd"
}
good_pam

# check [ARGS]: runs the audit (bounded in time), sets $out, $err, $rc.
check() {
	out=$(timeout 60 "$JAILCTL" --config "$CONF" check --pam-dir "$PAM" "$@" 2>"$T/check.err")
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
clean "clean jail"

# ---- 1. ownership chain ----
chmod g+w "$T"
finding "jail parent group-writable" "$T: writable by its group (mode 0775)" "(fix: chmod go-w $T)"
chmod g-w "$T"
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
ln "$J/usr/bin/true" "$J/var/lib/true-again"
clean "two hard links both inside the jail"
rm "$J/var/lib/true-again"

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

# ---- 4. files that differ from the host ----
echo tampered >>"$J/usr/bin/true"
finding "file differs from host" "$J/usr/bin/true: differs from host /usr/bin/true" "(fix: jailctl update $J)"
cp /usr/bin/true "$J/usr/bin/true"
head -c 100 /usr/bin/true >"$J/usr/bin/true"
finding "truncated copy differs" "$J/usr/bin/true: differs from host /usr/bin/true"
rm "$J/usr/bin/true" && mkfifo "$J/usr/bin/true"
finding "FIFO at a manifest path: reported, never opened" "$J/usr/bin/true: listed in the manifest as a copied file but is not a regular file"
rm "$J/usr/bin/true" && cp /usr/bin/true "$J/usr/bin/true"
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
rm "$J$JSH"
finding "jailsh missing from the jail" "$J$JSH: jailsh is missing from the jail" "(fix: jailctl init $J jailsh)"
cp "$JAILSH" "$J$JSH"
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
	"(fix: add 'session required pam_jail.so' as the last session line)"
printf 'session required pam_jail.so\n@include common-session\n' >"$PAM/sshd"
finding "pam_jail not last" "$PAM/common-session: line 1: session module pam_unix.so comes after pam_jail.so" \
	"$PAM/common-session: line 2: session module pam_systemd.so comes after pam_jail.so" \
	"(fix: move 'session required pam_jail.so' below it"
good_pam
clean "pam restored"

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
