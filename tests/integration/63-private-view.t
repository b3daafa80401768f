#!/bin/bash
# private_view = yes (lib/confine/views.h): two tenants of one jail, pvalice
# and pvbob, homes /home/pvalice and /home/pvbob made by `jailctl adduser`,
# sessions opened through the real libpam (tests/bin/pamdrive, as in
# 41-pam.t).  With the view, pvalice's session lists only her own home
# under /home, cannot stat pvbob's, finds no line for pvbob in /etc/passwd
# nor his name in /etc/group (he is planted in the system group `users`),
# keeps root's and her own line, and writes her home through to the jail.
# The same session without the view sees pvbob (the control: the
# assertions can fail).  The test's mount namespace (the "host" of the
# session) has as many mounts while the session is open as before.  A
# symlink planted as the home, or as the jail's /etc/passwd, refuses the
# session.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
[ -x "$PAMDRIVE" ] || bail "tests/bin/pamdrive not built (make test-bins)"
J=$T/jails/j1
A=pvalice
B=pvbob

"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
for p in stat sleep tr id; do
	f=$(command -v "$p") || bail "no $p on the host"
	[ -e "$J$f" ] || "$JAILCTL" --config "$CONF" cp "$J" "$f" >>"$T/init.out" 2>&1 ||
		bail "jailctl cp $f: $(tail -5 "$T/init.out")"
done

# One profile file, rewritten between the runs (read at every session open).
view_profile() { # yes|no
	cat >"$CONF/profiles/pview.ini" <<EOF
[profile]
description = 63-private-view.t
private_view = $1
EOF
	chmod 0644 "$CONF/profiles/pview.ini"
}
view_profile yes

for u in $A $B; do
	useradd -M -d "/home/$u" -s /bin/bash "$u" || bail "useradd $u"
	"$JAILCTL" --config "$CONF" adduser -j "$J" -p pview -s /bin/sh "$u" \
		>>"$T/init.out" 2>&1 || bail "jailctl adduser $u: $(tail -5 "$T/init.out")"
done
ok "adduser made both homes in the jail" test -d "$J/home/$A" -a -d "$J/home/$B"
echo secret >"$J/home/$B/secret"
chown "$B:" "$J/home/$B/secret"
# pvbob in the system group users (gid 100), beside pvalice.
# (jailctl writes the jail's group; users is not in it unless a member is.)
if grep -q '^users:' "$J/etc/group"; then
	sed -i "s/^users:\([^:]*\):\([0-9]*\):.*/users:\1:\2:$B,$A/" "$J/etc/group"
else
	echo "users:x:100:$B,$A" >>"$J/etc/group"
fi
grep -q "^users:.*:$B,$A\$" "$J/etc/group" || bail "could not put $B and $A in the jail's users group"
grep -q "^$B:" "$J/etc/passwd" || bail "no line for $B in the jail's passwd"

PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"

probe='
echo "ls-home: $(ls /home | tr "\n" " ")"
stat /home/'"$B"' >/dev/null 2>&1; echo "stat-b: $?"
echo "stat-b-err: $(stat /home/'"$B"' 2>&1)"
echo "ls-b: $(ls /home/'"$B"' 2>&1)"
cat /home/'"$B"'/secret 2>/dev/null && echo "b-secret-read"
echo "passwd-b: $(grep -c "^'"$B"':" /etc/passwd)"
echo "passwd-any-b: $(grep -c "'"$B"'" /etc/passwd)"
echo "group-any-b: $(grep -c "'"$B"'" /etc/group)"
echo "passwd-a: $(grep "^'"$A"':" /etc/passwd | cut -d: -f1,6)"
echo "passwd-root: $(grep "^root:" /etc/passwd | cut -d: -f1,3)"
echo "group-users: $(grep "^users:" /etc/group)"
echo "id: $(id -un)"
echo hello >/home/'"$A"'/written && echo "write: ok"
echo "mounts: $(grep -E " /(home|home/[^ ]*|etc/passwd|etc/group) " /proc/self/mountinfo | cut -d" " -f5,6 | tr "\n" ";")"
echo "passwd-mode: $(stat -c "%U %a" /etc/passwd /run/jail/passwd | tr "\n" " ")"
touch /etc/passwd 2>/dev/null && echo "passwd-writable"
'

# --- with the view ---------------------------------------------------------
out=$("$PAMDRIVE" -c "$PAMD" "$A" "$probe" 2>&1)
[ -n "${SHOW:-}" ] && diag "$out"
like "$out" "open_session: Success (0)" "view: $A's session opens"
is "$(echo "$out" | sed -n 's/^ls-home: //p')" "$A " "view: ls /home shows $A only"
like "$out" "stat-b: 1" "view: stat /home/$B fails"
like "$out" "stat-b-err: stat: cannot statx '/home/$B': No such file or directory" \
	"view: ... with ENOENT"
like "$out" "ls-b: ls: cannot access '/home/$B': No such file or directory" \
	"view: ls /home/$B: no such directory"
unlike "$out" "b-secret-read" "view: $B's file cannot be read"
like "$out" "passwd-b: 0" "view: no line for $B in /etc/passwd"
like "$out" "passwd-any-b: 0" "view: $B named nowhere in /etc/passwd"
like "$out" "group-any-b: 0" "view: $B named nowhere in /etc/group (not even in users)"
like "$out" "group-users: users:x:100:$A" "view: users keeps $A as its only member"
like "$out" "passwd-a: $A:/home/$A" "view: $A's own line is there"
like "$out" "passwd-root: root:0" "view: root's line is there"
like "$out" "id: $A" "view: id -un resolves the user through the filtered passwd"
like "$out" "write: ok" "view: $A writes her home..."
is "$(cat "$J/home/$A/written" 2>/dev/null)" hello "... through to the jail's /home/$A"
like "$out" "/home rw,nosuid,nodev,noexec" "view: /home is the view's tmpfs (nosuid,nodev,noexec)"
like "$out" "/home/$A rw,nosuid,nodev" "view: the home is the read-write bind again, on the tmpfs"
like "$out" "/etc/passwd ro,nosuid,nodev,noexec" "view: /etc/passwd is a read-only bind"
like "$out" "/etc/group ro,nosuid,nodev,noexec" "view: /etc/group is a read-only bind"
like "$out" "passwd-mode: root 644 root 644" "view: the copies are root-owned 0644"
unlike "$out" "passwd-writable" "view: /etc/passwd cannot be written"
like "$out" "close_session: Success (0)" "view: close_session succeeds"
is "$(grep -c "^$B:" "$J/etc/passwd")" 1 "view: the jail's own passwd still has $B"

# The test's namespace (the session's host) gains no mount while a view
# session is open: the session signals through its home, in the jail tree.
rm -f "$J/home/$A/ready"
before=$(wc -l </proc/self/mountinfo)
"$PAMDRIVE" -c "$PAMD" "$A" "touch /home/$A/ready; sleep 3" >"$T/bg.out" 2>&1 &
bgpid=$!
for _ in $(seq 50); do
	[ -e "$J/home/$A/ready" ] && break
	sleep 0.1
done
ok "view: the background session is open" test -e "$J/home/$A/ready"
during=$(wc -l </proc/self/mountinfo)
is "$during" "$before" "view: the host's mount table has as many mounts with the session open ($before)"
wait "$bgpid"
is "$(wc -l </proc/self/mountinfo)" "$before" "view: and after it closed"

# --- without the view: the old view (the control) ---------------------------
view_profile no
out=$("$PAMDRIVE" -c "$PAMD" "$A" "$probe" 2>&1)
like "$out" "open_session: Success (0)" "no view: $A's session opens"
is "$(echo "$out" | sed -n 's/^ls-home: //p')" "$A $B " "no view: ls /home shows both tenants"
like "$out" "stat-b: 0" "no view: stat /home/$B succeeds"
like "$out" "passwd-b: 1" "no view: $B's line is in /etc/passwd"
like "$out" "group-users: users:x:100:$B,$A" "no view: users names $B"
like "$out" "write: ok" "no view: $A writes her home"
unlike "$out" "/etc/passwd ro" "no view: /etc/passwd is not a bind"

# --- refusals ------------------------------------------------------------------
view_profile yes
# The jail's /etc/group replaced by a symlink (root did it, or a bug): the
# view does not follow it.
mv "$J/etc/group" "$J/etc/group.real"
ln -s group.real "$J/etc/group"
: >"$SYSLOG.mark"
out=$("$PAMDRIVE" -c "$PAMD" "$A" 'echo ran' 2>&1)
unlike "$out" "open_session: Success" "symlink /etc/group: the session is refused"
unlike "$out" "ran" "symlink /etc/group: nothing ran"
# (the session's own check of the jail's files, lib/session, refuses it
# before the view reads it; the view opens it with no symlink as well)
like "$(cat "$SYSLOG")" "/etc/group in jail $J is a symlink" \
	"symlink /etc/group: syslog names the file"
rm "$J/etc/group"
mv "$J/etc/group.real" "$J/etc/group"

# The home replaced by a symlink to the other tenant's: refused (mount_home's
# rule, kept with the view), never bound.
mv "$J/home/$A" "$J/home/$A.real"
ln -s "$B" "$J/home/$A"
out=$("$PAMDRIVE" -c "$PAMD" "$A" 'echo ran; ls /home' 2>&1)
unlike "$out" "open_session: Success" "symlink home: the session is refused"
unlike "$out" "ran" "symlink home: nothing ran"
like "$(cat "$SYSLOG")" "home /home/$A in the jail is or passes through a symlink" \
	"symlink home: syslog says why"
rm "$J/home/$A"
mv "$J/home/$A.real" "$J/home/$A"

out=$("$PAMDRIVE" -c "$PAMD" "$A" 'ls /home' 2>&1)
like "$out" "open_session: Success (0)" "after the repairs the view session opens again"

done_testing
