#!/bin/bash
# Real sshd, real clients: ssh, ssh -tt, sftp, scp, rsync and git over ssh
# against Debian's sshd on 127.0.0.1 in a private mount and network namespace,
# for an unjailed user (the harness itself, and pam_jail leaving her alone)
# and for jailed users (pam_jail + jailsh: what the session sees, its limits,
# and that nothing is left after logout).
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

# --- the harness itself -------------------------------------------------------
ok 'sshd -t accepts the config with the shipped Match block' /usr/sbin/sshd -t -f "$T/sshd-default.conf"
sshd_pam_stack jail
ok 'pam_jail is the last session line of the private pam.d/sshd' \
	sh -c "grep '^session' /etc/pam.d/sshd | tail -1 | grep -qF '$PAM_MODULE config=$CONF'"
sshd_start default
sshd_write_config sftpserver 2223 /usr/lib/openssh/sftp-server
sshd_start sftpserver
user_add_unjailed alice

# --- unjailed user: every client; pam_jail in the stack leaves her alone ------
out=$(tssh alice 'id -un; echo "$HOME"; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; hostname; test -d '"$TOP"' && echo host-fs' 2>&1)
is "$out" "alice
/home/alice
NoNewPrivs:	0
Seccomp:	0
$(hostname)
host-fs" 'ssh alice: a command as alice in her host home, unconfined (host name, host tree)'
is "$(tssh alice 'exit 7' >/dev/null 2>&1; echo $?)" 7 'ssh: the remote exit status comes back'

out=$(tssh alice -tt 'tty; test -t 0 && echo interactive' 2>&1 | tr -d '\r')
like "$out" "/dev/pts/" 'ssh -tt: a pty from the namespace devpts'
like "$out" "interactive" 'ssh -tt: stdin is a terminal'

mkdir -p "$T/up/sub"
head -c 100000 /dev/urandom >"$T/up/blob"
echo hello >"$T/up/sub/hello.txt"

cat >"$T/sftp.batch" <<EOF
put $T/up/blob blob.sftp
ls -l
get blob.sftp $T/blob.sftp.back
EOF
out=$(timeout 60 sftp -F "$SSH_CONFIG" -b "$T/sftp.batch" alice@127.0.0.1 2>&1)
like "$out" "blob.sftp" 'sftp (internal-sftp): ls lists the uploaded file'
ok 'sftp (internal-sftp): put then get round-trips the bytes' cmp "$T/up/blob" "$T/blob.sftp.back"
ok 'sftp (internal-sftp): the file is alice'"'"'s in her home' \
	test "$(stat -c %U /home/alice/blob.sftp)" = alice

out=$(timeout 60 sftp -F "$SSH_CONFIG" -P 2223 -b - alice@127.0.0.1 2>&1 <<EOF
put $T/up/sub/hello.txt hello.sftpserver
ls
get hello.sftpserver $T/hello.sftpserver.back
EOF
)
like "$out" "hello.sftpserver" 'sftp (sftp-server subsystem): ls lists the uploaded file'
ok 'sftp (sftp-server subsystem): put then get round-trips' cmp "$T/up/sub/hello.txt" "$T/hello.sftpserver.back"

ok 'scp -O (legacy scp protocol): upload' timeout 60 scp -O -F "$SSH_CONFIG" "$T/up/blob" alice@127.0.0.1:blob.scp
ok 'scp -O: download' timeout 60 scp -O -F "$SSH_CONFIG" alice@127.0.0.1:blob.scp "$T/blob.scp.back"
ok 'scp -O: the bytes round-trip' cmp "$T/up/blob" "$T/blob.scp.back"
ok 'scp (sftp protocol): upload a tree' timeout 60 scp -r -F "$SSH_CONFIG" "$T/up" alice@127.0.0.1:tree.scp
ok 'scp (sftp protocol): download it' timeout 60 scp -r -F "$SSH_CONFIG" alice@127.0.0.1:tree.scp "$T/tree.scp.back"
ok 'scp (sftp protocol): the tree round-trips' diff -r "$T/up" "$T/tree.scp.back"

ok 'rsync over ssh: upload' timeout 60 rsync -a -e "ssh -F $SSH_CONFIG" "$T/up/" alice@127.0.0.1:rs/
ok 'rsync over ssh: download' timeout 60 rsync -a -e "ssh -F $SSH_CONFIG" alice@127.0.0.1:rs/ "$T/rs.back/"
ok 'rsync over ssh: the tree round-trips' diff -r "$T/up" "$T/rs.back"

ok 'git: a bare repository over ssh' tssh alice 'git init -q --bare repo.git'
ok 'git clone over ssh' timeout 60 git clone -q alice@127.0.0.1:repo.git "$T/clone1"
(cd "$T/clone1" && echo one >f && git add f &&
	git -c user.name=t -c user.email=t@example.org commit -q -m one) >/dev/null 2>&1
ok 'git push over ssh' timeout 60 git -C "$T/clone1" push -q origin HEAD:refs/heads/main
ok 'git clone over ssh sees the pushed commit' timeout 60 git clone -q -b main alice@127.0.0.1:repo.git "$T/clone2"
is "$(cat "$T/clone2/f" 2>&1)" one 'git: pushed content comes back'

# --- logging goes where the tests can see it ------------------------------------
ok 'sshd logged the publickey login' grep -q 'Accepted publickey for alice' "$T/sshd-default.log"
ok 'PAM (pam_unix) logged the session through /dev/log' \
	wait_log "$SYSLOG" 'pam_unix(sshd:session): session opened for user alice'
ok 'the session close is logged too' wait_log "$SYSLOG" 'pam_unix(sshd:session): session closed for user alice'

# --- nothing of alice's is left running --------------------------------------
tssh alice 'sleep 1000 </dev/null >/dev/null 2>&1 & exit 0' >/dev/null 2>&1
# An unjailed user's background job survives logout (no jail to tear down):
# this is the behaviour the jailed tests must NOT show.  (Give the forked
# shell time to exec sleep on a loaded machine.)
for i in $(seq 50); do user_procs alice sleep >/dev/null && break; sleep 0.1; done
sleep 1
ok 'unjailed: a background job outlives the session' user_procs alice sleep
kill -9 $(user_procs alice sleep) 2>/dev/null
for i in $(seq 50); do user_procs alice >/dev/null || break; sleep 0.1; done
nok 'no process of alice is left' user_procs alice

# ============================================================================
# Jailed users
# ============================================================================
J=$T/jails/j1
ok 'jailctl init: a jail with every client' \
	"$JAILCTL" --config "$CONF" init "$J" basicshell extendedshell sftp scp rsync git jailsh
mkdir -p "$J/usr/local/bin" && cp "$TOP/tests/bin/forkloop" "$J/usr/local/bin/forkloop"
# A profile with small limits, to see them enforced.
printf '[profile]\ninclude = default\nmemory_max = 48M\npids_max = 24\nhostname = tight\n' \
	>"$CONF/profiles/tight.ini"
chmod 0644 "$CONF/profiles/tight.ini"
user_add_jailed bob "$J"
user_add_jailed carol "$J" tight
ok 'adduser: the host login shell of bob is jailsh' \
	test "$(getent passwd bob | cut -d: -f7)" = "$SBIN/jailsh"
key=$(cut -d' ' -f2 "$T/id_ed25519.pub")
like "$("$SBIN/jailctl" --config "$CONF" keys bob 2>&1)" "$key" \
	'jailctl keys bob prints the key from the in-jail home'

# --- ssh cmd: what the session sees ---------------------------------------------
out=$(tssh bob 'id -un; echo "$HOME"; pwd; hostname' 2>&1)
is "$out" "bob
/home/bob
/home/bob
jail" 'ssh bob: runs as bob in /home/bob inside the jail, with the profile hostname'
wait_log "$SYSLOG" "opened session" 2
line=$(grep -F pam_jail "$SYSLOG" | grep -F 'opened session' | grep -F ' bob ' | head -1)
like "$line" "$J" 'the session syslog line names the jail'
like "$line" "default" 'the session syslog line names the profile'

status=$(tssh bob 'grep -E "^(NoNewPrivs|Seccomp|CapBnd):" /proc/self/status' 2>&1)
like "$status" "NoNewPrivs:	1" 'jailed: NoNewPrivs 1 (set by jailsh)'
like "$status" "Seccomp:	2" 'jailed: Seccomp 2 (filter loaded by jailsh)'
like "$status" "CapBnd:	0000000000000000" 'jailed: empty capability bounding set (profile caps = none)'

# Only the session's own processes: the session init is pid 1; nothing of
# the host (the listening sshd, the syslog sink, this script) is visible.
procs=$(tssh bob 'for p in /proc/[0-9]*; do echo "${p#/proc/} $(cat $p/comm)"; done' 2>&1)
like "$procs" "1 " 'jailed: a pid 1 of its own (the session init)'
unlike "$procs" "logsink" 'jailed: host processes are not visible (logsink)'
unlike "$procs" "50-ssh.t" 'jailed: this test script is not visible'
n=$(printf '%s\n' "$procs" | grep -c .)
ok "jailed: only the session's processes are visible ($n: init, sshd, shell, cat)" test "$n" -le 6

# No host mounts: the host tree is detached, not just hidden.
mounts=$(tssh bob 'cat /proc/self/mountinfo' 2>&1)
like "$mounts" " / " 'jailed: mountinfo readable'
unlike "$mounts" "/run/jail-tests" 'jailed: the host scratch tmpfs is not mounted in the session'
unlike "$mounts" "/sys/fs/cgroup" 'jailed: no cgroupfs in the session'
unlike "$mounts" "host-etc" 'jailed: no host /etc bind in the session'
out=$(tssh bob 'ls /; test -e '"$TOP"' && echo HOST-TREE; echo end' 2>&1)
unlike "$out" "HOST-TREE" 'jailed: the host tree (this checkout) is not reachable'
like "$out" "end" 'jailed: ls / ran'

# The session's cgroup and its limits.
cg=$(tssh bob 'cat /proc/self/cgroup' 2>&1)
like "$cg" "/$CGROUP_PARENT/bob/" "jailed: in a cgroup under $CGROUP_PARENT/bob"
tssh_bg bob 'sleep 30'
for i in $(seq 50); do user_procs bob sleep >/dev/null && break; sleep 0.1; done
# The session's own cgroup: <hierarchy>/<cgroup_parent>/bob/<session id>/
cgfile() { find /sys/fs/cgroup -maxdepth 8 -path "*/$CGROUP_PARENT/bob/*/*" \( -name "$1" -o -name "$2" \) 2>/dev/null | head -1; }
f=$(cgfile memory.limit_in_bytes memory.max)
is "$(cat "$f" 2>&1)" 1073741824 "cgroup: memory limit of the session = profile default 1G (${f#/sys/fs/cgroup/})"
f=$(cgfile pids.max pids.max)
is "$(cat "$f" 2>&1)" 512 "cgroup: pids.max of the session = profile default 512 (${f#/sys/fs/cgroup/})"
kill "$SSH_BG"
wait "$SSH_BG" 2>/dev/null

out=$(tssh carol 'hostname; tail /dev/zero; echo "rc=$?"' 2>&1)
like "$out" "tight" 'carol: profile tight, its hostname'
like "$out" "rc=137" 'carol: a memory hog is killed (SIGKILL) at memory_max = 48M'
out=$(tssh carol 'forkloop 100; echo "rc=$?"' 2>&1)
like "$out" "fork failed: EAGAIN" 'carol: a fork loop stops at pids.max = 24 (EAGAIN)'
forked=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
ok "carol: it forked fewer than 24 processes (${forked:-none})" test "${forked:-99}" -lt 24

# --- ssh -tt: a pty inside the jail -------------------------------------------------
out=$(tssh bob -tt 'tty; test -t 0 && echo interactive' 2>&1 | tr -d '\r')
like "$out" "/dev/pts/0" 'jailed ssh -tt: pty 0 of the session devpts instance'
like "$out" "interactive" 'jailed ssh -tt: stdin is a terminal'
out=$( (sleep 2; printf 'echo "shell:$0"; exit 3\n') | timeout 60 ssh -F "$SSH_CONFIG" -tt bob@127.0.0.1 2>&1 | tr -d '\r')
like "$out" "shell:-bash" 'jailed ssh -tt without a command: an interactive login shell'

# --- the snippet's Match block: no forwarding for jailed users -----------------------
# ssh -W asks sshd to open a TCP connection (here to sshd itself): sshd's own
# post-auth process would do it, outside jailsh's seccomp and restrictions.
out=$(timeout 30 ssh -F "$SSH_CONFIG" -o LogLevel=INFO -W 127.0.0.1:2223 bob@127.0.0.1 </dev/null 2>&1)
like "$out" "open failed: administratively prohibited" 'jailed: TCP forwarding (ssh -W) is refused by the Match block'
unlike "$out" "SSH-2.0-" 'jailed: nothing was forwarded'
ok 'sshd logged the refused forward' grep -q 'refused local port forward: .* target 127.0.0.1 port 2223' "$T/sshd-default.log"
out=$(timeout 30 ssh -F "$SSH_CONFIG" -W 127.0.0.1:2223 alice@127.0.0.1 </dev/null 2>&1 | head -c 100)
like "$out" "SSH-2.0-OpenSSH" 'unjailed: the same ssh -W works for alice (the refusal is the Match block)'

# --- sftp, scp, rsync, git: the files land in the in-jail home -----------------------
out=$(timeout 60 sftp -F "$SSH_CONFIG" -b - bob@127.0.0.1 2>&1 <<EOF
put $T/up/blob blob.sftp
ls -l
get blob.sftp $T/bob.sftp.back
EOF
)
like "$out" "blob.sftp" 'jailed sftp (internal-sftp): ls lists the uploaded file'
ok 'jailed sftp (internal-sftp): put/get round-trip' cmp "$T/up/blob" "$T/bob.sftp.back"
ok 'jailed sftp: the file is in the in-jail home, owned by bob' \
	test "$(stat -c %U "$J/home/bob/blob.sftp")" = bob
out=$(timeout 60 sftp -F "$SSH_CONFIG" -P 2223 -b - bob@127.0.0.1 2>&1 <<EOF
put $T/up/sub/hello.txt hello.sftpserver
ls
get hello.sftpserver $T/bob.sftpserver.back
EOF
)
like "$out" "hello.sftpserver" 'jailed sftp (sftp-server in the jail): ls lists the uploaded file'
ok 'jailed sftp (sftp-server in the jail): put/get round-trip' cmp "$T/up/sub/hello.txt" "$T/bob.sftpserver.back"
ok 'jailed scp -O: upload' timeout 60 scp -O -F "$SSH_CONFIG" "$T/up/blob" bob@127.0.0.1:blob.scp
ok 'jailed scp -O: download' timeout 60 scp -O -F "$SSH_CONFIG" bob@127.0.0.1:blob.scp "$T/bob.scp.back"
ok 'jailed scp -O: the bytes round-trip' cmp "$T/up/blob" "$T/bob.scp.back"
ok 'jailed scp -O: stored in the in-jail home' cmp "$T/up/blob" "$J/home/bob/blob.scp"
ok 'jailed scp (sftp protocol): upload a tree' timeout 60 scp -r -F "$SSH_CONFIG" "$T/up" bob@127.0.0.1:tree.scp
ok 'jailed scp (sftp protocol): download it' timeout 60 scp -r -F "$SSH_CONFIG" bob@127.0.0.1:tree.scp "$T/bob.tree.back"
ok 'jailed scp (sftp protocol): the tree round-trips' diff -r "$T/up" "$T/bob.tree.back"
ok 'jailed rsync over ssh: upload' timeout 60 rsync -a -e "ssh -F $SSH_CONFIG" "$T/up/" bob@127.0.0.1:rs/
ok 'jailed rsync over ssh: download' timeout 60 rsync -a -e "ssh -F $SSH_CONFIG" bob@127.0.0.1:rs/ "$T/bob.rs.back/"
ok 'jailed rsync over ssh: the tree round-trips' diff -r "$T/up" "$T/bob.rs.back"
ok 'jailed rsync over ssh: stored in the in-jail home' diff -r "$T/up" "$J/home/bob/rs"
ok 'jailed git: a bare repository over ssh' tssh bob 'git init -q --bare repo.git'
ok 'jailed git clone over ssh' timeout 60 git clone -q bob@127.0.0.1:repo.git "$T/bclone1"
(cd "$T/bclone1" && echo two >f && git add f &&
	git -c user.name=t -c user.email=t@example.org commit -q -m two) >/dev/null 2>&1
ok 'jailed git push over ssh' timeout 60 git -C "$T/bclone1" push -q origin HEAD:refs/heads/main
ok 'jailed git clone sees the pushed commit' timeout 60 git clone -q -b main bob@127.0.0.1:repo.git "$T/bclone2"
is "$(cat "$T/bclone2/f" 2>&1)" two 'jailed git: pushed content comes back'
ok 'jailed git: the repository is in the in-jail home' test -d "$J/home/bob/repo.git/objects"

# --- restricted mode: the shipped sftp-only profile ----------------------------------
# With Subsystem sftp-server sshd runs "jailsh -c .../sftp-server": jailsh
# validates it against the profile's commands (and loads the strict seccomp
# allowlist); everything else is refused with a line.  net = none: the
# session has only loopback, sshd outside carries the connection.
user_add_jailed dave "$J" sftp-only
out=$(timeout 60 sftp -F "$SSH_CONFIG" -P 2223 -b - dave@127.0.0.1 2>&1 <<EOF
put $T/up/sub/hello.txt hello.dave
ls
get hello.dave $T/dave.back
EOF
)
like "$out" "hello.dave" 'sftp-only: sftp (sftp-server through jailsh) lists the upload'
ok 'sftp-only: put/get round-trip' cmp "$T/up/sub/hello.txt" "$T/dave.back"
out=$(tssh dave 'id; echo SHELL-RAN' 2>&1)
unlike "$out" "SHELL-RAN" 'sftp-only: ssh dave CMD runs nothing'
like "$out" "restricted to: sftp-server" 'sftp-only: ssh dave CMD is refused with a clear line'
# (the pty echoes what we type: the marker only appears if a shell computed it)
out=$(printf 'echo SHELL-$((6 * 7))\n' | timeout 60 ssh -F "$SSH_CONFIG" -tt dave@127.0.0.1 2>&1 | tr -d '\r')
unlike "$out" "SHELL-42" 'sftp-only: ssh -tt dave (interactive) runs nothing'
like "$out" "interactive login refused" 'sftp-only: the interactive login is refused with a clear line'
nok 'sftp-only: scp -O (scp -t in the jail) is refused' \
	timeout 60 scp -O -F "$SSH_CONFIG" "$T/up/blob" dave@127.0.0.1:blob.scp
nok 'sftp-only: nothing was written by scp -O' test -e "$J/home/dave/blob.scp"

# --- logout: the background job dies, nothing is left ---------------------------
out=$(tssh bob 'sleep 1000 </dev/null >/dev/null 2>&1 & sleep 0.3; kill -0 $! && echo alive' 2>&1)
is "$out" alive 'jailed: a background job is running at logout'
for i in $(seq 50); do user_procs bob >/dev/null || break; sleep 0.1; done
nok 'jailed: the background job was killed at logout' user_procs bob
others=""
for p in $(_sshd_netns_pids); do
	[ "$p" = "$SSHD_SINK_PID" ] && continue
	case " $SSHD_PIDS " in *" $p "*) continue ;; esac
	others="$others $p:$(cat /proc/$p/comm 2>/dev/null)"
done
is "$others" "" 'no session process (init, sshd session, shell) is left'
is "$(for d in $(sshd_cgroups_left); do find "$d" -mindepth 2 -type d; done)" "" \
	'no session cgroup is left (at most the per-user parents)'
is "$(ls -A /run/jail/sessions 2>/dev/null)" "" 'no session record is left'
ok 'the close is logged' wait_log "$SYSLOG" "closed session"

# --- two concurrent sessions do not see each other ------------------------------
tssh_bg bob 'echo A >/tmp/mark-a; sleep 20'
for i in $(seq 50); do user_procs bob sleep >/dev/null && break; sleep 0.1; done
ok 'concurrent sessions: the first one is running' user_procs bob sleep
out=$(tssh bob 'ls /tmp; for p in /proc/[0-9]*; do cat $p/comm; done' 2>&1)
like "$out" "bash" 'concurrent sessions: the second one sees its own processes'
unlike "$out" "mark-a" 'concurrent sessions: the other session'"'"'s /tmp is not visible'
unlike "$out" "sleep" 'concurrent sessions: the other session'"'"'s processes are not visible'
kill "$SSH_BG"
wait "$SSH_BG" 2>/dev/null
for i in $(seq 50); do user_procs bob >/dev/null || break; sleep 0.1; done
nok 'concurrent sessions: both are gone after the clients left' user_procs bob

# --- the unjailed user on the same sshd is untouched ------------------------------
out=$(tssh alice 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; grep -c jail-test /proc/self/cgroup' 2>&1)
is "$out" "NoNewPrivs:	0
Seccomp:	0
0" 'alice after jailed sessions: still unconfined, in no session cgroup'
unlike "$(grep -F pam_jail "$SYSLOG")" "alice" 'pam_jail logged nothing for alice (not jailed: ignored)'

# --- the host was not touched ---------------------------------------------------
ok 'alice exists only in the private /etc, not in the host'"'"'s' \
	sh -c 'grep -q "^alice:" /etc/passwd && test -r "$HOST_ETC/passwd" &&
		! grep -q "^alice:" "$HOST_ETC/passwd"'

done_testing
