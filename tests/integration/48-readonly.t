#!/bin/bash
# The jail tree is read-only, nosuid and nodev inside every session; only
# the session's own mounts are writable: the user's home, /tmp, /run,
# /dev/pts, /dev/shm and the profile's bind_rw, all nosuid,nodev (/dev is a
# nosuid,noexec tmpfs holding only the session's device nodes).  The host's
# mount of the tree stays writable for jailctl.  Asserted over real sshd, for
# the jailed user (through jailsh) and for root inside the session
# (`jailctl enter ID` without --user: no capability, no seccomp, no
# no_new_privs):
#   - mountinfo: / ro,nosuid,nodev; the writable mounts are exactly the
#     session's own, each nosuid (and nodev but for /dev and the pty ones);
#   - writes to /usr/bin, /etc/passwd, the jail's jailsh and /var/tmp fail
#     with EROFS; writes to the home, /tmp, /dev/shm, a bind_rw (and /run
#     for root) succeed;
#   - nosuid: a setuid file in the home does not change the euid (root
#     running a copy setuid to the user stays root; the user running a
#     setuid-root copy stays the user), a file with capabilities runs
#     without them instead of being refused;
#   - nodev: a device node (/dev/null's numbers) planted in the home and in
#     the tree from the host side cannot be opened (EACCES);
#   - bind_rw targets missing from the jail are still created;
#   - the home is resolved without symlinks: a home that is, or passes
#     through, a symlink refuses the session with the reason; a missing home,
#     or one the user does not own, opens the session with a warning and no
#     writable home.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup
sshd_pam_stack jail
sshd_start default

PAMDRIVE=$TOP/tests/bin/pamdrive
TRY=$TOP/tests/bin/try-syscall
[ -x "$PAMDRIVE" ] && [ -x "$TRY" ] || bail "tests/bin/pamdrive or try-syscall missing: run make unit-tests"
command -v setcap >/dev/null || bail "setcap missing (libcap2-bin)"
REG=/run/jail/sessions
J=$T/jails/j1
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
install -D -m 0755 "$TRY" "$J/usr/local/bin/try-syscall" || bail "install try-syscall"
install -d -m 1777 "$J/var/tmp" # world-writable in the tree: read-only in sessions

# bind_rw targets that the jail does not have: pam_jail creates their mount
# points in the jail (the directory and the single file), as it did before
# the tree was read-only.
install -d -m 0777 "$T/rw"
echo before >"$T/rwfile"
chmod 0666 "$T/rwfile"
printf '[profile]\ninclude = default\nbind_rw = %s:/srv/new/rw, %s:/srv/new/rwfile\n' \
	"$T/rw" "$T/rwfile" >"$CONF/profiles/ro.ini"
chmod 0644 "$CONF/profiles/ro.ini"
nok 'before the first session the jail has no /srv/new (the bind targets are missing)' \
	test -e "$J/srv/new"

user_add_jailed r1 "$J" ro
R1=$(id -u r1)
JSH=$(getent passwd r1 | cut -d: -f7) # jailsh: the same path in the jail
ok "the jail's jailsh is at the host login shell's path ($JSH)" test -x "$J$JSH"

# Planted from the host side, as root, in the user's home and in the tree.
H=$J/home/r1
install -m 4755 -o root -g root "$TRY" "$H/suid-root"
install -m 4755 -o r1 -g r1 "$TRY" "$H/suid-r1"
install -m 0755 "$TRY" "$H/fcaps"
setcap cap_setuid,cap_dac_override+ep "$H/fcaps" || bail "setcap"
mknod -m 0666 "$H/null-node" c 1 3 || bail "mknod in the home"
mknod -m 0666 "$J/etc/null-node" c 1 3 || bail "mknod in the tree"
install -m 4755 -o r1 -g r1 "$TRY" "$J/usr/local/bin/suid-r1"

# --- mountinfo, as the user -------------------------------------------------------
mi=$(tssh r1 'cat /proc/self/mountinfo' 2>&1)
opts() { printf '%s\n' "$mi" | awk -v m="$1" '$5 == m { print $6 }'; }
# The per-mount flags come first, in this order: ro|rw, nosuid, nodev, noexec.
is "$(opts / | cut -d, -f1-3)" ro,nosuid,nodev 'mountinfo: / is ro,nosuid,nodev'
is "$(opts /home/r1 | cut -d, -f1-3)" rw,nosuid,nodev 'mountinfo: the home is rw,nosuid,nodev'
for m in /tmp /run /dev/shm /srv/new/rw /srv/new/rwfile; do
	is "$(opts "$m" | cut -d, -f1-3)" rw,nosuid,nodev "mountinfo: $m is rw,nosuid,nodev"
done
for m in /dev /dev/pts /dev/ptmx; do
	is "$(opts "$m" | cut -d, -f1-3)" rw,nosuid,noexec "mountinfo: $m is rw,nosuid,noexec (device nodes)"
done
# /var/log: the root-owned tmpfs with empty wtmp/lastlog/btmp for sshd's
# own records (pam_jail writes the host's, see 52-ssh-records.t).
is "$(opts /var/log | cut -d, -f1-4)" rw,nosuid,nodev,noexec 'mountinfo: /var/log (session records) is rw,nosuid,nodev,noexec'
is "$(printf '%s\n' "$mi" | awk '$6 ~ /^rw/ { print $5 }' | sort | tr '\n' ' ')" \
	"/dev /dev/ptmx /dev/pts /dev/shm /home/r1 /proc /run /srv/new/rw /srv/new/rwfile /tmp /var/log " \
	'the writable mounts are exactly the session'"'"'s own (and /proc)'
is "$(printf '%s\n' "$mi" | awk '$6 !~ /nosuid/ { print $5 }')" "" 'every mount is nosuid'
# /proc's masks are read-only binds of /dev/null (nodev would make them
# unreadable); which exist depends on the kernel.
is "$(printf '%s\n' "$mi" | awk '$6 !~ /nodev/ && !($4 == "/null" && $5 ~ "^/proc/" && $6 ~ /^ro,/) { print $5 }' |
	sort | tr '\n' ' ')" "/dev /dev/ptmx /dev/pts " \
	'nodev everywhere but /dev and the ptys (and the read-only /dev/null masks of /proc)'
ok 'the missing bind_rw targets were created in the jail (directory and file)' \
	test -d "$J/srv/new/rw" -a -f "$J/srv/new/rwfile"
is "$(stat -c '%U %a' "$J/srv/new" "$J/srv/new/rw" "$J/srv/new/rwfile" | tr '\n' ' ')" \
	"root 755 root 755 root 644 " '... root-owned, 0755 directories and a 0644 file'

# --- the jailed user: writes -------------------------------------------------------
try_user() { tssh r1 "try-syscall $*" 2>&1; }
is "$(try_user write /usr/bin/planted)" EROFS 'user: create a file in /usr/bin: EROFS'
is "$(try_user write /etc/passwd)" EROFS 'user: truncate /etc/passwd: EROFS'
is "$(try_user write "$JSH")" EROFS "user: truncate the jail's jailsh ($JSH): EROFS"
is "$(try_user write /var/tmp/x)" EROFS 'user: /var/tmp is read-only too: EROFS'
like "$(tssh r1 'echo x >/etc/passwd' 2>&1)" "Read-only file system" \
	'user: the shell says "Read-only file system" for /etc/passwd'
is "$(try_user write /home/r1/f)" "OK 3" 'user: the home is writable'
is "$(try_user write /tmp/f)" "OK 3" 'user: /tmp is writable'
is "$(try_user write /dev/shm/f)" "OK 3" 'user: /dev/shm is writable'
is "$(try_user write /srv/new/rw/f)" "OK 3" 'user: the bind_rw directory is writable'
ok '... the host sees the file' test -f "$T/rw/f"
is "$(try_user write /srv/new/rwfile)" "OK 3" 'user: the bind_rw file is writable'
is "$(try_user write /run/f)" EACCES 'user: /run is the session'"'"'s but root'"'"'s (0755): EACCES, not EROFS'

# --- the jailed user: nosuid, nodev --------------------------------------------------
# Where the shipped AppArmor profile confines the session (the profile
# says apparmor = optional, jail-default), it runs programs from the home
# only if the user owns them: these root-owned files are refused by it
# first (EACCES, an audit line), and the home's nosuid (mountinfo above)
# cannot be seen through them.
if jail_apparmor_enforced jail-default; then
	for f in suid-root fcaps; do
		jail_kmsg_mark
		is "$(tssh r1 "./$f euid" 2>&1)" "bash: line 1: ./$f: Permission denied" \
			"user: a root-owned $f in the home: AppArmor (jail-default) refuses to run it"
		out=$(jail_kmsg_since "name=\"/home/r1/$f\"")
		like "$out" 'apparmor="DENIED" operation="exec"' '... an apparmor="DENIED" exec line in the kernel log'
		like "$out" 'profile="jail-default"' '... of the profile jail-default'
	done
else
	is "$(tssh r1 './suid-root euid' 2>&1)" "OK $R1" \
		'user: a setuid-root file in the home runs with the user'"'"'s euid'
	is "$(tssh r1 './fcaps euid; grep CapEff /proc/self/status' 2>&1)" "OK $R1
CapEff:	0000000000000000" \
		'user: a file with capabilities in the home runs, without them (nosuid ignores file capabilities; no_new_privs alone refuses the exec)'
fi
is "$(try_user read /home/r1/null-node)" EACCES 'user: a device node in the home cannot be opened (nodev): EACCES'
is "$(try_user read /etc/null-node)" EACCES 'user: a device node in the tree cannot be opened (nodev): EACCES'
is "$(try_user read /dev/null)" "OK 3" "user: the session's own /dev/null opens"

# --- root inside a live session: jailctl enter (no --user) ---------------------------
ssh_live_session r1 80 "$T/bg.out"
sid=$LIVE_SID
enter() { "$JAILCTL" --config "$CONF" enter "$sid" -- "$@" 2>&1; }
is "$(enter try-syscall euid)" "OK 0" 'root via enter: euid 0'
is "$(enter grep CapEff /proc/self/status)" "CapEff:	0000000000000000" 'root via enter: no capability'
mi=$(enter cat /proc/self/mountinfo)
is "$(opts / | cut -d, -f1-3)" ro,nosuid,nodev 'root via enter: / is ro,nosuid,nodev'
is "$(opts /home/r1 | cut -d, -f1-3)" rw,nosuid,nodev 'root via enter: the home is rw,nosuid,nodev'
is "$(enter try-syscall write /usr/bin/planted-root)" EROFS 'root: create a file in /usr/bin: EROFS'
is "$(enter try-syscall open-rw /etc/passwd)" EROFS 'root: open /etc/passwd for writing: EROFS'
is "$(enter try-syscall open-rw "$JSH")" EROFS "root: open the jail's jailsh for writing: EROFS"
is "$(enter try-syscall write /var/tmp/x)" EROFS 'root: /var/tmp: EROFS'
like "$(enter sh -c ': >>/etc/passwd')" "Read-only file system" \
	'root: the shell says "Read-only file system" for /etc/passwd'
like "$(enter mkdir /usr/bin/dir)" "Read-only file system" 'root: mkdir in /usr/bin: Read-only file system'
is "$(enter try-syscall open-rw /etc/null-node)" EACCES 'root: a device node in the tree cannot be opened (nodev): EACCES'
# Root in the session holds no capability once its command runs: the home
# (0750) must let it in for the device node to be what refuses.
chmod o+x "$H"
is "$(enter try-syscall open-rw /home/r1/null-node)" EACCES 'root: a device node in the home cannot be opened (nodev): EACCES'
is "$(enter /home/r1/suid-r1 euid)" "OK 0" 'root: a file in the home setuid to the user does not change the euid (nosuid)'
is "$(enter /usr/local/bin/suid-r1 euid)" "OK 0" '... nor one in the tree'
# (Not the home: root without CAP_DAC_OVERRIDE is refused by its mode.)
for f in /tmp/root-f /run/root-f /dev/shm/root-f /srv/new/rw/root-f; do
	is "$(enter try-syscall write "$f")" "OK 3" "root: $f is writable"
done
nok 'nothing was created in the tree' test -e "$J/usr/bin/planted" -o -e "$J/usr/bin/planted-root" \
	-o -e "$J/usr/bin/dir" -o -e "$J/var/tmp/x"
is "$(cut -d: -f1 "$J/etc/passwd" | grep -x r1)" r1 "the jail's /etc/passwd is intact"
# The host's mount of the tree is not the session's: jailctl (and root on
# the host) still write there while the session is live.
ok 'the host side of the tree stays writable during the session' \
	sh -c "touch '$J/usr/bin/host-write' && rm '$J/usr/bin/host-write'"
kill "$SSH_BG" 2>/dev/null
wait "$SSH_BG" 2>/dev/null

# --- the home: missing, a symlink, under a symlink ------------------------------------
# Through libpam (no ssh key to serve for these homes).
PAMD=$T/pam.d
mkdir -p "$PAMD"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_MODULE" "$CONF" \
	>"$PAMD/jail-test"
# r2: the home was never made in the jail (or was removed).
user_add_jailed r2 "$J" ro
rm -rf "$J/home/r2"
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" r2 'echo RAN; try-syscall write /home/r2/f; try-syscall write /tmp/f' 2>&1)
like "$out" "open_session: Success" 'a home missing from the jail: the session opens'
like "$out" "RAN
ENOENT
OK 3" '... with no home (ENOENT) and /tmp writable'
wait_log "$SYSLOG" "does not exist in the jail" 5
like "$(grep pam_jail "$SYSLOG")" "for r2: home /home/r2 does not exist in the jail: no writable home in the session" \
	'... and a warning in the log'
nok '... nothing was created for it in the tree' test -e "$J/home/r2"

# r5: the home is not the user's (root's, as a pw_dir naming a system
# directory of the jail would be): not made writable.
user_add_jailed r5 "$J" ro
chown root:root "$J/home/r5"
chmod 0777 "$J/home/r5" # so that only the mount can refuse the write
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" r5 'echo RAN; try-syscall write /home/r5/f' 2>&1)
like "$out" "RAN
EROFS" 'a home the user does not own: the session opens, the home stays read-only (EROFS)'
wait_log "$SYSLOG" "not made writable" 5
like "$(grep pam_jail "$SYSLOG")" "for r5: home /home/r5 in the jail is owned by uid 0, not by the user (uid $(id -u r5)): not made writable" \
	'... with a warning in the log'

# r3: the home is a symlink (to another directory of the jail).
user_add_jailed r3 "$J" ro
mv "$J/home/r3" "$J/home/r3.real"
ln -s r3.real "$J/home/r3"
# r4: a component above the home is a symlink.
useradd -M -d /hl/r4 -s /bin/bash r4 || bail "useradd r4"
"$JAILCTL" --config "$CONF" adduser -j "$J" -p ro r4 >"$T/adduser-r4.log" 2>&1 ||
	bail "jailctl adduser r4: $(cat "$T/adduser-r4.log")"
mv "$J/hl" "$J/hl.real"
ln -s hl.real "$J/hl"
for u in r3 r4; do
	home=$(getent passwd "$u" | cut -d: -f6)
	: >"$SYSLOG"
	out=$("$PAMDRIVE" -c "$PAMD" "$u" "echo SHELL-RAN" 2>&1)
	unlike "$out" "SHELL-RAN" "$u: a home that is or passes through a symlink ($home): no shell"
	like "$out" "conv: jail: session refused: " "$u: ... the user is told"
	wait_log "$SYSLOG" "refused session" 5
	like "$(grep 'refused session' "$SYSLOG")" \
		"mounts in jail $J: home $home in the jail is or passes through a symlink (symlinks are never followed)" \
		"$u: ... refused by pam_jail with the reason"
done
ok 'nothing was mounted or written through the links' test -z "$(ls -A "$J/home/r3.real" | grep -v '^\.')"

for i in $(seq 100); do [ -z "$(ls -A "$REG" 2>/dev/null)" ] && break; sleep 0.05; done
is "$(ls -A "$REG" 2>/dev/null)" "" 'no session record left'

done_testing
