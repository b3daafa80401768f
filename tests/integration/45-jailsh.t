#!/bin/bash
# jailsh for real: inside a stand-in session (pid + mount namespace, pid 1
# named jail-init, pivot_root into a minimal jail, a root-owned session
# file), run as an unprivileged user.  Asserts the session check, the clean
# environment, NoNewPrivs and Seccomp in /proc/self/status, each denied
# syscall against a baseline run of the same probe without jailsh (so the
# denial is the filter's doing), the strict allowlist with real programs,
# restricted mode end to end with rsync and sftp, and Landlock (with
# bind_rw targets, and their refusals).
. "$(dirname "$0")/../lib.sh"
jail_test_setup
. "$(dirname "$0")/jailsh-session.sh"

LISTENER=
cleanup45() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	jail_test_cleanup
}
trap cleanup45 EXIT

jailsh_make_jail
write_session

# ---- the session check ----
out=$("$JAILSH" -c true 2>&1 </dev/null)
rc=$?
is "$rc" 1 "outside a session: jailsh exits 1"
like "$out" "jailsh: not inside a jail session; refusing" "outside a session: the refusal line"
like "$out" "pid 1 is" "outside a session: says pid 1 is not jail-init"

# A trusted session file on the host does not make the host a session: pid 1
# is not jail-init.  /run is the host's directory (only the mount namespace
# is private): create the mount point only if missing and remove it after.
made_run_jail=
if [ ! -d /run/jail ]; then
	mkdir /run/jail
	made_run_jail=1
fi
mount -t tmpfs -o mode=0755 jail-test-run /run/jail
cp "$J/run/jail/session" /run/jail/session
out=$("$JAILSH" -c 'echo RAN' 2>&1 </dev/null)
unlike "$out" "RAN" "host with a session file but host init: command does not run"
like "$out" "not inside a jail session" "host with a session file: refused"
umount /run/jail
[ -z "$made_run_jail" ] || rmdir /run/jail

out=$(jsh 'echo RAN' 2>&1 </dev/null)
is "$out" "RAN" "inside the session: a normal command runs"

mv "$J/run/jail/session" "$T/session.saved"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
rc=$?
is "$rc" 1 "no session file: exit 1"
like "$out" "jailsh: not inside a jail session; refusing" "no session file: refusal line"
unlike "$out" "RAN" "no session file: the command did not run"
mv "$T/session.saved" "$J/run/jail/session"

chmod 0446 "$J/run/jail/session"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "not inside a jail session; refusing" "session file writable by others: refused"
like "$out" "writable by group or others" "session file writable by others: reason given"
chmod 0464 "$J/run/jail/session"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "writable by group or others" "session file writable by its group: refused"
chmod 0444 "$J/run/jail/session"
chown "$UID_U" "$J/run/jail/session"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "not owned by root" "session file owned by the user: refused"
unlike "$out" "RAN" "session file owned by the user: the command did not run"
chown 0 "$J/run/jail/session"
chmod 0777 "$J/run/jail"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "not inside a jail session; refusing" "session dir writable by others: refused"
chmod 0755 "$J/run/jail"
mv "$J/run/jail/session" "$J/run/jail/real"
ln -s real "$J/run/jail/session"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "not inside a jail session; refusing" "session file as a symlink: refused"
rm "$J/run/jail/session"
mv "$J/run/jail/real" "$J/run/jail/session"
printf 'version=3\nbogus=1\n' >"$T/bad"
install -m 0444 -o 0 -g 0 "$T/bad" "$J/run/jail/session"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "unknown key 'bogus'" "malformed session file: refused with the parser's reason"
write_session

# jailsh validates the session file's shell itself, with the rule the
# configuration uses (lib/base/util.c), and needs no ini parser for it: no
# iniparser symbol is undefined in jailsh (the library itself may stay
# NEEDED in a sanitizer build, whose link keeps every -l it is given; the
# normal build's as-needed link drops it, so ldd shows it too).
unlike "$(nm -D --undefined-only "$JAILSH" 2>&1)" "iniparser_" "jailsh calls no function of the configuration's ini parser"
if [ "${JAIL_SANITIZE:-0}" != 1 ]; then
	unlike "$(ldd "$JAILSH")" "libiniparser" "jailsh does not link the configuration's ini parser"
fi

# ---- status, environment, fds ----
out=$(jsh 'grep -E "^(NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status' 2>&1 </dev/null)
like "$out" "NoNewPrivs:	1" "NoNewPrivs: 1 under jailsh"
like "$out" "Seccomp:	2" "Seccomp: 2 (filter mode) under jailsh"
like "$out" "Seccomp_filters:	2" "two filter layers (base + raw) under the default policy"
out=$(base 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status' 2>&1 </dev/null)
like "$out" "Seccomp:	0" "baseline without jailsh: no seccomp (the filter is jailsh's)"

out=$(env -i PATH=/evil TERM=xterm LANG=C.UTF-8 BASH_ENV=/tmp/evil LD_PRELOAD=/tmp/evil.so \
	FOO=bar "$(command -v unshare)" --pid --fork --mount "$FAKEINIT" -r "$J" -u "$UID_U" \
	-g "$UID_U" -- /usr/local/sbin/jailsh -c env 2>/dev/null </dev/null | sort)
like "$out" "PATH=/usr/local/bin:/usr/bin:/bin" "env: PATH reset to the sane default"
like "$out" "HOME=/home/u" "env: HOME from the jail's passwd"
like "$out" "USER=u" "env: USER"
like "$out" "LOGNAME=u" "env: LOGNAME"
like "$out" "SHELL=/bin/bash" "env: SHELL is the real shell"
like "$out" "TERM=xterm" "env: TERM kept"
like "$out" "LANG=C.UTF-8" "env: LANG kept"
unlike "$out" "BASH_ENV" "env: BASH_ENV dropped"
unlike "$out" "LD_PRELOAD" "env: LD_PRELOAD dropped"
unlike "$out" "FOO=" "env: unknown variables dropped"

out=$( (exec 7</etc/hostname 9>"$T/fd9" && jsh 'ls /proc/self/fd') 2>&1 </dev/null | tr '\n' ' ')
is "$out" "0 1 2 3 " "fds above 2 closed (only ls's own directory fd 3 is open)"

out=$(sess -a -jailsh -- /usr/local/sbin/jailsh 2>&1 <<<'echo "argv0=$0"; shopt -q login_shell && echo LOGIN; pwd')
like "$out" "argv0=-bash" "login: argv[0] -jailsh gives the real shell as -bash"
like "$out" "LOGIN" "login: bash runs as a login shell"
like "$out" "/home/u" "login: starts in the home directory"

out=$(sess -a -jailsh -u "$UID_LOOP" -g "$UID_LOOP" -- /usr/local/sbin/jailsh 2>&1 </dev/null)
like "$out" "user 'loop' does not match the session's user 'u'" "a user other than the session's: refused"
write_session user=loop shell=/usr/local/sbin/jailsh
out=$(sess -a -jailsh -u "$UID_LOOP" -g "$UID_LOOP" -- /usr/local/sbin/jailsh 2>&1 </dev/null)
like "$out" "is jailsh itself; refusing to loop" "session shell is jailsh: refused, no loop"
write_session user=loop shell=/usr/bin/../local/sbin/jailsh
out=$(sess -a -jailsh -u "$UID_LOOP" -g "$UID_LOOP" -- /usr/local/sbin/jailsh 2>&1 </dev/null)
like "$out" "is jailsh itself; refusing to loop" "session shell is jailsh by another path: refused"
# The shell jailsh runs is the session file's, not the jail passwd's (which
# names jailsh itself, so that login(1) runs jailsh).
write_session shell=/usr/bin/sh
out=$(jsh 'echo "argv0=$0 SHELL=$SHELL"' 2>&1 </dev/null)
is "$out" "argv0=sh SHELL=/usr/bin/sh" "the session file's shell runs (sh), with SHELL set to it"
write_session shell=/usr/bin/nonexistent
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "shell '/usr/bin/nonexistent' of user 'u': No such file or directory; refusing" "a session shell missing from the jail: refused"
unlike "$out" "RAN" "a session shell missing from the jail: nothing ran"
write_session

# ---- the default filter, call by call, against a baseline ----
# probe NAME BASELINE EXPECTED: the probe without jailsh gives BASELINE (so
# the call is reachable), under jailsh it gives EXPECTED.
# When the kernel itself refuses the call with EXPECTED (a sysctl), the run
# under jailsh cannot show the filter: that check is a skip, with the reason.
probe() {
	local b j
	b=$(base "try-syscall $1" 2>&1 </dev/null | head -1)
	j=$(jsh "try-syscall $1" 2>&1 </dev/null | head -1)
	like "$b" "$2" "baseline $1: $2${4:+ ($4)}"
	if [ "$2" = "$3" ]; then
		skip "under jailsh $1: the kernel refuses it with $3 already ($4): the filter cannot be seen"
	else
		is "$j" "$3" "under jailsh $1: $3"
	fi
}
# The baselines that depend on the host, computed from its settings:
# - bpf (BPF_MAP_CREATE, zeroed attr): EINVAL once the attr is checked.
#   kernel.unprivileged_bpf_disabled != 0 refuses unprivileged callers with
#   EPERM before that up to Linux 6.4; from 6.5 map_create() checks the
#   attr first (commit "bpf: move unprivileged checks into map_create()").
# - perf_event_open (a task clock, user space only): allowed up to
#   kernel.perf_event_paranoid 2; Debian's and Ubuntu's kernels add level 3
#   (their default), which refuses every unprivileged call with EACCES.
# - memfd_secret: ENOSYS unless the kernel has secretmem enabled
#   (CONFIG_SECRETMEM, and secretmem.enable=1 on the command line before
#   Linux 6.5): /sys/module/secretmem/parameters/enable says Y.
kver=$(uname -r | awk -F. '{ printf "%d%03d", $1, $2 }')
bpf_sysctl=$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || echo 0)
if [ "$bpf_sysctl" != 0 ] && [ "$kver" -lt 6005 ]; then
	bpf_base=EPERM bpf_why="kernel.unprivileged_bpf_disabled=$bpf_sysctl on Linux $(uname -r) < 6.5"
else
	bpf_base=EINVAL bpf_why="kernel.unprivileged_bpf_disabled=$bpf_sysctl on Linux $(uname -r)"
fi
perf_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
if [ "$perf_paranoid" -ge 3 ] && grep -qiE 'debian|ubuntu' /proc/version; then
	perf_base=EACCES
else
	perf_base=OK
fi
perf_why="kernel.perf_event_paranoid=$perf_paranoid"
if [ "$(cat /sys/module/secretmem/parameters/enable 2>/dev/null)" = Y ]; then
	secret_base=OK secret_why="secretmem enabled"
else
	secret_base=ENOSYS secret_why="secretmem not enabled in this kernel"
fi
probe unshare-user OK EPERM
probe unshare-files OK EPERM
probe clone-newuser OK EPERM
probe clone3-newuser OK ENOSYS
probe keyctl OK EPERM
probe add_key OK EPERM
probe request_key ENOKEY EPERM
probe bpf "$bpf_base" EPERM "$bpf_why"
probe perf_event_open "$perf_base" EPERM "$perf_why"
probe userfaultfd OK EPERM
probe io_uring_setup OK EPERM
probe ptrace OK EPERM
probe process_vm_readv OK EPERM
probe open_tree OK EPERM
probe landlock OK EPERM
probe memfd_secret "$secret_base" EPERM "$secret_why"
probe personality-aslr OK EPERM
probe tiocsti ENOTTY EPERM
probe tiocsti-high ENOTTY EPERM
probe tioclinux ENOTTY EPERM
probe tioclinux-high ENOTTY EPERM
probe int80-unshare OK EPERM
probe int80-keyctl OK EPERM
probe int80-tiocsti ENOTTY EPERM
probe "nr 467" E ENOSYS
j=$(jsh 'try-syscall personality-query' 2>&1 </dev/null)
like "$j" "OK" "under jailsh: personality query still allowed"
j=$(jsh 'try-syscall tcgets' 2>&1 </dev/null)
is "$j" "ENOTTY" "under jailsh: other ioctls reach the kernel (TCGETS -> ENOTTY)"
j=$(jsh 'try-syscall int80-getpid' 2>&1 </dev/null)
like "$j" "OK" "under jailsh: 32-bit syscalls via int 0x80 work when allowed"
j=$(jsh 'try-syscall fork' 2>&1 </dev/null)
like "$j" "OK" "under jailsh: fork works"
j=$(jsh 'try-syscall msgget' 2>&1 </dev/null)
like "$j" "OK" "default policy: SysV msgget allowed"
b=$(base 'try-syscall x32-getpid; echo "rc=$?"' 2>&1 </dev/null)
diag "baseline x32 getpid: $(echo $b) (OK, or ENOSYS on kernels without the x32 ABI)"
unlike "$b" "rc=159" "baseline x32 getpid is not killed (the kill is the filter's)"
j=$(jsh 'try-syscall x32-getpid; echo "rc=$?"' 2>&1 </dev/null)
like "$j" "rc=159" "under jailsh an x32 syscall kills the process (SIGSYS, 128+31)"
unlike "$j" "OK" "under jailsh x32 getpid does not return"
j=$(jsh 'try-syscall x32-unshare; echo "rc=$?"' 2>&1 </dev/null)
like "$j" "rc=159" "under jailsh x32 unshare kills the process"

# Profile edits: seccomp_allow lifts a denial, seccomp_deny adds one.
write_session allow=ptrace deny=msgget
is "$(jsh 'try-syscall ptrace' 2>&1 </dev/null)" "OK 0" "seccomp_allow=ptrace: ptrace allowed"
is "$(jsh 'try-syscall msgget' 2>&1 </dev/null)" "EPERM" "seccomp_deny=msgget: msgget denied"
write_session deny=no_such_call
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "seccomp_deny: unknown system call 'no_such_call'" "unknown syscall name: refused"
unlike "$out" "RAN" "unknown syscall name: nothing ran"

# ---- the compiled filter pam_jail writes beside the session file ----
# A blob compiled with deny=msgget next to a session file without it: the
# denial proves jailsh installed the file and did not compile its own.
BLOB=$J/run/jail/seccomp
"$TOP/tests/bin/seccomp_blob" default deny=msgget >"$T/blob" || bail "seccomp_blob"
write_session
install -m 0444 -o root -g root "$T/blob" "$BLOB"
is "$(jsh 'try-syscall msgget' 2>&1 </dev/null)" "EPERM" "a blob beside the session: jailsh installs it (its deny=msgget applies)"
is "$(jsh 'try-syscall unshare-user' 2>&1 </dev/null)" "EPERM" "a blob: the default rules apply too"
like "$(jsh 'grep Seccomp_filters /proc/self/status' 2>&1 </dev/null)" "Seccomp_filters:	2" "a blob: its two programs are loaded"
chown 4242 "$BLOB"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "/run/jail/seccomp: not owned by root (uid 4242)" "a blob not owned by root: refused"
unlike "$out" "RAN" "a blob not owned by root: nothing ran"
chown root "$BLOB"
chmod 0666 "$BLOB"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "/run/jail/seccomp: writable by group or others (mode 0666)" "a world-writable blob: refused"
unlike "$out" "RAN" "a world-writable blob: nothing ran"
head -c 100 "$T/blob" >"$BLOB"
chmod 0444 "$BLOB"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "seccomp blob: truncated" "a truncated blob: refused"
unlike "$out" "RAN" "a truncated blob: nothing ran"
rm -f "$BLOB"
ln -s /run/jail/session "$BLOB"
out=$(jsh 'echo RAN' 2>&1 </dev/null)
like "$out" "/run/jail/seccomp: Too many levels of symbolic links" "a blob that is a symlink: not followed, refused"
unlike "$out" "RAN" "a blob that is a symlink: nothing ran"
rm -f "$BLOB"
like "$(jsh 'try-syscall msgget' 2>&1 </dev/null)" "OK" "no blob: jailsh compiles the session file's filter (msgget allowed by default)"

# ---- strict: an allowlist real programs work under ----
write_session seccomp=strict
out=$(jsh 'ls /etc && cat /etc/hostname && id -un' 2>&1 </dev/null)
like "$out" "passwd" "strict: ls works"
like "$out" "jail-test" "strict: cat works"
like "$out" "u" "strict: id works"
out=$(jsh 'grep Seccomp_filters /proc/self/status' 2>&1 </dev/null)
like "$out" "Seccomp_filters:	3" "strict: three layers (allowlist + base + raw)"
is "$(jsh 'try-syscall unshare-user' 2>&1 </dev/null)" "EPERM" "strict: unshare denied"
is "$(jsh 'try-syscall keyctl' 2>&1 </dev/null)" "EPERM" "strict: keyctl denied"
is "$(jsh 'try-syscall msgget' 2>&1 </dev/null)" "EPERM" "strict: msgget (not allowlisted) denied"
is "$(jsh 'try-syscall clone3-newuser' 2>&1 </dev/null)" "ENOSYS" "strict: clone3 ENOSYS"
is "$(jsh 'try-syscall tiocsti-high' 2>&1 </dev/null)" "EPERM" "strict: TIOCSTI with high bits denied"

# Real transfers through jailsh: a fake ssh that starts a session and runs
# jailsh -c "CMD" the way sshd does.
cat >"$T/rsh" <<EOF
#!/bin/bash
while [ "\${1#-}" != "\$1" ]; do shift; done   # ssh options
shift                                          # host
exec unshare --pid --fork --mount "$FAKEINIT" -r "$J" -u $UID_U -g $UID_U -- /usr/local/sbin/jailsh -c "\$*"
EOF
cat >"$T/sftp-server" <<EOF
#!/bin/bash
exec unshare --pid --fork --mount "$FAKEINIT" -r "$J" -u $UID_U -g $UID_U -- /usr/local/sbin/jailsh -c /usr/lib/openssh/sftp-server
EOF
chmod 0755 "$T/rsh" "$T/sftp-server"
mkdir -p "$T/src/sub"
echo one >"$T/src/a"
echo two >"$T/src/sub/b"
echo three >"$T/put-me"
chmod -R a+rX "$T/src" "$T/put-me"

transfer_tests() { # $1 = label
	rm -rf "$J/home/u/dst" "$J/home/u/put-me" "$T/back"
	ok "$1: rsync push through jailsh" rsync -a -e "$T/rsh" "$T/src/" x:/home/u/dst/
	is "$(cat "$J/home/u/dst/sub/b" 2>&1)" "two" "$1: rsync pushed file arrived"
	ok "$1: rsync pull through jailsh" rsync -a -e "$T/rsh" x:/home/u/dst/ "$T/back/"
	is "$(cat "$T/back/a" 2>&1)" "one" "$1: rsync pulled file arrived"
	ok "$1: sftp put through jailsh" sftp -b - -D "$T/sftp-server" <<<"put $T/put-me /home/u/put-me"
	is "$(cat "$J/home/u/put-me" 2>&1)" "three" "$1: sftp put file arrived"
	out=$(sftp -b - -D "$T/sftp-server" <<<"ls /home/u" 2>&1)
	like "$out" "put-me" "$1: sftp ls through jailsh"
	rm -f "$T/scp-back"
	ok "$1: scp -O (legacy) push through jailsh" scp -O -S "$T/rsh" "$T/put-me" x:/home/u/scp-in
	is "$(cat "$J/home/u/scp-in" 2>&1)" "three" "$1: scp pushed file arrived"
	ok "$1: scp -O pull through jailsh" scp -O -S "$T/rsh" x:/home/u/scp-in "$T/scp-back"
	is "$(cat "$T/scp-back" 2>&1)" "three" "$1: scp pulled file arrived"
}
write_session seccomp=strict
transfer_tests "strict"

# git over the fake ssh: a bare repository in the jail, clone and push.
git init -q --bare "$J/home/u/repo.git"
chown -R "$UID_U:$UID_U" "$J/home/u/repo.git"
git_tests() {
	rm -rf "$T/clone"
	ok "$1: git clone through jailsh" env GIT_SSH="$T/rsh" git clone -q x:/home/u/repo.git "$T/clone"
	(cd "$T/clone" && echo hello >f && git add f && git -c user.name=t -c user.email=t@t commit -qm c) >/dev/null 2>&1
	ok "$1: git push through jailsh" env GIT_SSH="$T/rsh" git -C "$T/clone" push -q origin HEAD:refs/heads/main
	is "$(git --git-dir="$J/home/u/repo.git" log --format=%s main 2>&1)" "c" "$1: pushed commit is in the jail's repository"
}
git_tests "strict"

# ---- restricted mode ----
write_session commands=rsync,sftp-server,scp,git-upload-pack,git-receive-pack
out=$(sess -a -jailsh -- /usr/local/sbin/jailsh 2>&1 </dev/null)
rc=$?
is "$rc" 1 "restricted: interactive login exits 1"
like "$out" "jailsh: this account is restricted to: rsync, sftp-server, scp, git-upload-pack, git-receive-pack; interactive login refused" \
	"restricted: interactive login refused with the list"
out=$(jsh 'id' 2>&1 </dev/null)
like "$out" "command 'id' is not allowed for this account" "restricted: a command not in the list is refused"
out=$(jsh 'sftp-server; sh' 2>&1 </dev/null)
like "$out" "shell metacharacter ';'" "restricted: 'sftp-server; sh' refused"
out=$(jsh "rsync --server -e 'sh -c id' . /tmp" 2>&1 </dev/null)
like "$out" "rsync: option '-e' refused" "restricted: rsync -e injection refused"
out=$(jsh 'scp -S /bin/sh -t /tmp' 2>&1 </dev/null)
like "$out" "option '-S' refused" "restricted: scp -S refused"
out=$(jsh "git-upload-pack '--upload-pack=touch /tmp/pwned'" 2>&1 </dev/null)
like "$out" "looks like an option" "restricted: git option injection refused"
[ -e "$J/tmp/pwned" ]
is "$?" 1 "restricted: the injected command never ran"
transfer_tests "restricted"
rm -rf "$J/home/u/repo.git"
git init -q --bare "$J/home/u/repo.git"
chown -R "$UID_U:$UID_U" "$J/home/u/repo.git"
git_tests "restricted"

# ---- Landlock ----
LL_ABI=$(base 'try-syscall landlock' 2>/dev/null </dev/null)
case $LL_ABI in
"OK "[1-9]*) LL_ABI=${LL_ABI#OK } ;;
*) bail "landlock probe: $LL_ABI (this test needs Landlock)" ;;
esac
diag "Landlock ABI $LL_ABI"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0jail-test-abstract-'$$'")
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
' >"$T/listener.out" 2>&1 &
LISTENER=$!
for _ in $(seq 50); do grep -q ready "$T/listener.out" 2>/dev/null && break; sleep 0.1; done

write_session landlock=off
is "$(jsh 'try-syscall write /srv/open/x' 2>&1 </dev/null)" "OK 3" "landlock off: a world-writable dir outside home is writable"
is "$(jsh "try-syscall abstract jail-test-abstract-$$" 2>&1 </dev/null)" "OK 0" "landlock off: abstract socket outside reachable"
is "$(sess -s -- /usr/local/sbin/jailsh -c 'try-syscall kill 2' 2>&1 </dev/null)" "OK 0" \
	"landlock off: can signal a same-user process outside"
rm -f "$J/srv/open/x"
write_session landlock=required
is "$(jsh 'try-syscall write /srv/open/x' 2>&1 </dev/null)" "EACCES" "landlock: write outside home, /tmp fails (EACCES)"
[ -e "$J/srv/open/x" ]
is "$?" 1 "landlock: the file was not created"
is "$(jsh 'try-syscall write /home/u/ll-ok' 2>&1 </dev/null)" "OK 3" "landlock: home is writable"
is "$(jsh 'try-syscall write /tmp/ll-ok' 2>&1 </dev/null)" "OK 3" "landlock: /tmp is writable"
is "$(jsh 'try-syscall write /dev/null' 2>&1 </dev/null)" "OK 3" "landlock: /dev/null is writable"
is "$(jsh 'try-syscall read /etc/passwd' 2>&1 </dev/null)" "OK 3" "landlock: the jail is readable"
is "$(jsh 'echo hi > /dev/null && cat /etc/hostname' 2>&1 </dev/null)" "jail-test" "landlock: shell redirections to /dev/null work"
# Scoping abstract sockets and signals to the session is Landlock ABI 6.
if [ "$LL_ABI" -ge 6 ]; then
	is "$(jsh "try-syscall abstract jail-test-abstract-$$" 2>&1 </dev/null)" "EPERM" \
		"landlock (ABI 6+): abstract socket outside the session refused"
	is "$(sess -s -- /usr/local/sbin/jailsh -c 'try-syscall kill 2' 2>&1 </dev/null)" "EPERM" \
		"landlock (ABI 6+): signal to a same-user process outside refused"
else
	skip "landlock (ABI 6+): abstract socket scoping: this kernel has Landlock ABI $LL_ABI"
	skip "landlock (ABI 6+): signal scoping: this kernel has Landlock ABI $LL_ABI"
fi

# bind_rw targets (the session file's bind_rw key): writable under Landlock,
# each opened beneath the jail root without following symlinks.  A real
# bind mount of a host directory stands for pam_jail's.
install -d -m 0777 "$T/bindsrc"
mkdir -p "$J/srv/bind"
mount --bind "$T/bindsrc" "$J/srv/bind" || bail "bind $T/bindsrc"
write_session landlock=required bind_rw=/srv/bind
is "$(jsh 'try-syscall write /srv/bind/x' 2>&1 </dev/null)" "OK 3" "landlock + bind_rw: the target is writable"
ok "landlock + bind_rw: the file is in the host directory" test -f "$T/bindsrc/x"
is "$(jsh 'try-syscall write /srv/open/x' 2>&1 </dev/null)" "EACCES" "landlock + bind_rw: elsewhere still EACCES"
mkfifo -m 0666 "$J/srv/fifo"
ln -s /srv/open "$J/srv/lnk"
ln -s /srv "$J/srv2"
check_refused() { # SESSION-ARGS... -- NEEDLE NAME
	local args=() needle name out
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	needle=$2 name=$3
	write_session "${args[@]}"
	out=$(jsh 'try-syscall write /srv/open/refused; echo RAN' 2>&1 </dev/null)
	like "$out" "$needle" "$name: refused with the reason"
	unlike "$out" "RAN" "$name: nothing ran"
}
check_refused landlock=required bind_rw=/srv/missing -- \
	"jailsh: landlock = required by profile 'test': landlock: bind_rw target /srv/missing: does not exist; refusing" \
	"bind_rw target missing"
check_refused landlock=required bind_rw=/srv/bind,/srv/fifo -- \
	"bind_rw target /srv/fifo: not a directory or a regular file" "bind_rw target a fifo"
check_refused landlock=required bind_rw=/srv/lnk -- \
	"bind_rw target /srv/lnk: is or passes through a symlink (not followed)" "bind_rw target a symlink"
check_refused landlock=optional bind_rw=/srv/lnk -- \
	"jailsh: landlock = optional by profile 'test': landlock: bind_rw target /srv/lnk: is or passes through a symlink" \
	"bind_rw target a symlink, landlock = optional (no downgrade to no Landlock)"
check_refused landlock=required bind_rw=/srv2/bind -- \
	"bind_rw target /srv2/bind: is or passes through a symlink" "bind_rw target below a symlinked directory"
nok "no refused run wrote through a link" test -e "$J/srv/open/refused"
write_session landlock=off bind_rw=/srv/missing
is "$(jsh 'echo RAN' 2>&1 </dev/null)" "RAN" "landlock = off: bind_rw targets are not looked at"
rm -f "$J/srv/fifo" "$J/srv/lnk" "$J/srv2"
umount "$J/srv/bind"

write_session landlock=required seccomp=strict
transfer_tests "strict+landlock"

done_testing
