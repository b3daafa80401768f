#!/bin/bash
# bind_rw under Landlock, end to end over real sshd: pam_jail mounts the
# profile's binds and lists the bind_rw targets in the session file; jailsh
# adds them to its Landlock write list (opened beneath the jail root without
# following symlinks) before restricting itself.  Asserts, for a jailed user
# with landlock = optional (Landlock is in this kernel): writes inside a
# bind_rw target (directory, single file, nested) reach the host; a bind_ro
# target refuses (EROFS or EACCES); the rest of the jail tree is read-only
# (EROFS, the session's mounts: 48-readonly.t), and where a mount would allow
# a write outside the home, /tmp, /dev/pts, /dev/shm and the bind_rw (a
# world-writable directory on the session's /run) Landlock refuses it
# (EACCES; the same write works for a user whose profile says landlock =
# off); a bind_rw target that was replaced by a symlink refuses the shell,
# with the reason.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup
sshd_pam_stack jail
sshd_start default

REG=/run/jail/sessions
J=$T/jails/j1
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
install -D -m 0755 "$TOP/tests/bin/try-syscall" "$J/usr/local/bin/try-syscall" ||
	bail "install try-syscall"
# A world-writable (sticky, as jailctl check wants) directory outside the
# home: only Landlock keeps the user out of it, so an EACCES there is
# Landlock's.
install -d -m 1777 "$J/srv/open"
chmod o-w "$J/srv" "$J"

# Host side of the binds.  $T/nest/inner is the mount point of a second
# bind_rw nested in the first: a directory on the host, writable by anyone
# who can write $T/nest.
install -d -m 0777 "$T/rw" "$T/nest" "$T/nest/inner" "$T/inner"
install -d -m 0755 "$T/ro"
echo readonly-data >"$T/ro/file"
echo before >"$T/rwfile"
chmod 0666 "$T/rwfile"

binds() {
	echo "bind_ro = $T/ro:/srv/ro"
	echo "bind_rw = $T/rw:/srv/rw, $T/rwfile:/srv/rwfile, $T/nest:/srv/nest, $T/inner:/srv/nest/inner"
}
{
	printf '[profile]\ninclude = default\nhostname = bindrw\nlandlock = optional\n'
	binds
} >"$CONF/profiles/bindrw.ini"
{
	printf '[profile]\ninclude = default\nhostname = bindrw-nll\nlandlock = off\n'
	binds
} >"$CONF/profiles/bindrw-nll.ini"
chmod 0644 "$CONF"/profiles/*.ini
chmod 0700 "$T/jails" # the jail's parent closed to host users, as README says
ok 'jailctl check accepts a profile with bind_rw and landlock = optional' \
	"$JAILCTL" --config "$CONF" check
user_add_jailed dora "$J" bindrw
user_add_jailed erin "$J" bindrw-nll

# --- the session file carries the targets, not the host paths ------------------
out=$(tssh dora 'cat /run/jail/session' 2>&1)
like "$out" "version=3" 'session file: version 3'
like "$out" "bind_rw=/srv/rw,/srv/rwfile,/srv/nest,/srv/nest/inner" \
	'session file: bind_rw lists the jail-side targets in profile order'
unlike "$out" "$T/rw" 'session file: the host side of a bind is not in it'
unlike "$out" "$T/inner" '... of none of them'
like "$out" "landlock=optional" 'session file: landlock = optional'

# --- writable: bind_rw targets, home, /tmp --------------------------------------
status=$(tssh dora 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status' 2>&1)
like "$status" "NoNewPrivs:	1" 'dora: through jailsh (no_new_privs)'
is "$(tssh dora 'try-syscall write /srv/rw/from-jail' 2>&1)" "OK 3" \
	'bind_rw directory: create a file (Landlock applied)'
ok '... the host sees it' test -f "$T/rw/from-jail"
is "$(stat -c %U "$T/rw/from-jail" 2>&1)" dora '... owned by the jailed user'
is "$(tssh dora 'mkdir -p /srv/rw/a/b && echo deep >/srv/rw/a/b/f && cat /srv/rw/a/b/f' 2>&1)" deep \
	'bind_rw directory: mkdir and write below it'
is "$(cat "$T/rw/a/b/f" 2>&1)" deep '... the host sees the nested file'
is "$(tssh dora 'mv /srv/rw/a/b/f /srv/rw/moved && rm -r /srv/rw/a && ls /srv/rw' 2>&1)" \
	"from-jail
moved" 'bind_rw directory: rename and remove below it'
is "$(tssh dora 'echo after >/srv/rwfile && cat /srv/rwfile' 2>&1)" after \
	'bind_rw single file: writable'
is "$(cat "$T/rwfile")" after '... the host file changed'
is "$(tssh dora 'try-syscall write /srv/nest/outer' 2>&1)" "OK 3" 'bind_rw outer of a nested pair: writable'
is "$(tssh dora 'try-syscall write /srv/nest/inner/in' 2>&1)" "OK 3" 'bind_rw nested target: writable'
ok '... both reach their host directories' test -f "$T/nest/outer" -a -f "$T/inner/in"
is "$(tssh dora 'try-syscall write /home/dora/h' 2>&1)" "OK 3" 'the home is still writable'
is "$(tssh dora 'try-syscall write /tmp/t' 2>&1)" "OK 3" '/tmp is still writable'
is "$(tssh dora 'try-syscall write /dev/shm/s' 2>&1)" "OK 3" '/dev/shm is still writable'

# --- not writable ---------------------------------------------------------------
out=$(tssh dora 'cat /srv/ro/file; try-syscall write /srv/ro/x' 2>&1)
like "$out" "readonly-data" 'bind_ro: readable'
last=$(printf '%s\n' "$out" | tail -n1)
ok "bind_ro: a write fails with EROFS or EACCES (got: $last)" \
	test "$last" = EROFS -o "$last" = EACCES
nok '... and nothing was created on the host' test -e "$T/ro/x"
# The jail tree is read-only in sessions: outside the session's own mounts
# a write fails with EROFS before Landlock is asked (Landlock's own refusal
# is shown below, on the session's /run).
is "$(tssh dora 'try-syscall write /srv/open/x' 2>&1)" "EROFS" \
	'a world-writable directory of the jail tree: EROFS (the tree is read-only)'
nok '... not created' test -e "$J/srv/open/x"
is "$(tssh dora 'try-syscall write /srv/x' 2>&1)" "EROFS" '/srv itself: EROFS'
is "$(tssh dora 'try-syscall write /srv/rwfile-neighbour' 2>&1)" "EROFS" \
	'next to a single-file bind_rw: EROFS (only the file is a writable mount)'
is "$(tssh erin 'try-syscall write /srv/open/erin' 2>&1)" "EROFS" \
	'baseline landlock = off: the world-writable directory of the tree is EROFS too (the mount)'
is "$(tssh erin 'try-syscall write /srv/rw/erin' 2>&1)" "OK 3" \
	'baseline landlock = off: bind_rw writable too'
is "$(tssh erin 'try-syscall write /srv/ro/erin' 2>&1)" EROFS \
	'baseline landlock = off: bind_ro is EROFS (the read-only mount)'

# --- a bind_rw target replaced by a symlink ---------------------------------------
# A live session of dora; then, from outside it, the nested mount point in
# the shared host directory is moved away and replaced by a symlink to the
# world-writable /srv/open.  (Inside the session the mount point is busy;
# from a mount namespace where it is a plain directory, such as the host or
# a session with another profile, it can be renamed.)  Any new jailsh in the
# live session reads bind_rw=.../srv/nest/inner from the session file: it
# must refuse, not follow the link and grant writes to /srv/open.  (The
# session's own jailsh is past its Landlock step once it printed "started",
# before the link is planted.)
ssh_live_session dora 50 "$T/bg.out"
sid=$LIVE_SID
enter() { "$JAILCTL" --config "$CONF" enter "$@"; }
is "$(enter "$sid" --user -- try-syscall write /srv/nest/inner/live 2>&1)" "OK 3" \
	'enter --user in the live session: the nested target is writable'
# Landlock's write list where the mounts would allow a write: root makes a
# world-writable directory on the session's /run tmpfs; the user, in the
# same session through jailsh, is refused by Landlock.
ok 'root in the live session: a world-writable /run/open' enter "$sid" -- mkdir -m 1777 /run/open
is "$(enter "$sid" --user -- try-syscall write /run/open/x 2>&1)" "EACCES" \
	'a world-writable directory on a writable mount outside the writable list: EACCES (Landlock)'
mv "$T/nest/inner" "$T/nest/inner.moved" || bail "mv the mount point"
ln -s /srv/open "$T/nest/inner"
is "$(enter "$sid" -- readlink /srv/nest/inner 2>&1)" /srv/open \
	'inside the session the target is now a symlink to /srv/open'
out=$(enter "$sid" --user -- try-syscall write /srv/nest/inner/evil 2>&1)
like "$out" "jailsh: landlock = optional by profile 'bindrw': landlock: bind_rw target /srv/nest/inner: is or passes through a symlink (not followed); refusing" \
	'jailsh refuses the session: the target is a symlink (reason given)'
unlike "$out" "OK" '... the command did not run'
nok '... nothing was written through the link' test -e "$J/srv/open/evil"
kill "$SSH_BG" 2>/dev/null
wait "$SSH_BG" 2>/dev/null
# A new login with the symlink in place: pam_jail refuses at the mount.
: >"$SYSLOG"
out=$(tssh dora 'echo SHELL-RAN' 2>&1)
unlike "$out" "SHELL-RAN" 'a new login with the symlinked target: no shell'
like "$out" "jail: session refused: " '... the user is told why'
wait_log "$SYSLOG" "refused" 5
like "$(grep -F pam_jail "$SYSLOG")" "mount point /srv/nest/inner in the jail is a symlink" \
	'... refused by pam_jail at the mount, with the reason'
rm "$T/nest/inner"
mv "$T/nest/inner.moved" "$T/nest/inner"
is "$(tssh dora 'try-syscall write /srv/nest/inner/again' 2>&1)" "OK 3" \
	'the link removed: logins work again'

# Baseline for the /run/open refusal above: in a live session of erin
# (landlock = off) the same write works, so that EACCES is Landlock's.
ssh_live_session erin 50 "$T/bg2.out"
sid=$LIVE_SID
ok 'root in a live session of erin: a world-writable /run/open' enter "$sid" -- mkdir -m 1777 /run/open
is "$(enter "$sid" --user -- try-syscall write /run/open/erin 2>&1)" "OK 3" \
	'baseline landlock = off: the world-writable directory on /run is writable'
kill "$SSH_BG" 2>/dev/null
wait "$SSH_BG" 2>/dev/null

for i in $(seq 100); do [ -z "$(ls -A "$REG" 2>/dev/null)" ] && break; sleep 0.05; done
is "$(ls -A "$REG" 2>/dev/null)" "" 'no session record left'

done_testing
