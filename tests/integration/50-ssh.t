#!/bin/bash
# Real sshd, real clients: ssh, ssh -tt, sftp, scp, rsync and git over ssh
# against Debian's sshd on 127.0.0.1 in a private mount and network namespace.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

# --- the harness itself -------------------------------------------------------
ok 'sshd -t accepts the config with the shipped Match block' /usr/sbin/sshd -t -f "$T/sshd-default.conf"
sshd_start default
sshd_write_config sftpserver 2223 /usr/lib/openssh/sftp-server
sshd_start sftpserver
user_add_unjailed alice

# --- unjailed user: every client ----------------------------------------------
out=$(tssh alice 'id -un; echo "$HOME"; cat /proc/self/status | grep ^NoNewPrivs' 2>&1)
is "$out" "alice
/home/alice
NoNewPrivs:	0" 'ssh alice: runs a command as alice in her host home, unconfined'
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
# this is the behaviour the jailed tests must NOT show.
ok 'unjailed: a background job outlives the session' pgrep -u alice -x sleep
pkill -9 -u alice -x sleep
for i in $(seq 50); do pgrep -u alice >/dev/null || break; sleep 0.1; done
nok 'no process of alice is left' pgrep -u alice

# --- the host was not touched ---------------------------------------------------
ok 'alice exists only in the private /etc, not in the host'"'"'s' \
	sh -c 'grep -q "^alice:" /etc/passwd && test -r "$HOST_ETC/passwd" &&
		! grep -q "^alice:" "$HOST_ETC/passwd"'

done_testing
