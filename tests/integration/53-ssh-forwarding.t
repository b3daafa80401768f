#!/bin/bash
# Agent and X11 forwarding where the admin enables them for a jailed user
# (the shipped sshd_config block disables both): jailsh keeps SSH_AUTH_SOCK,
# DISPLAY and XAUTHORITY when they have the form sshd gives them in a
# session, and drops them with a reason on stderr otherwise.
#   - jailsh's rule, run directly in a stand-in session
#     (jailsh-session.sh): every accepted and refused form;
#   - real sshd, a Match block allowing agent forwarding for one jailed
#     user, `ssh -A` against an ssh-agent of the test: `ssh-add -l` inside
#     the jailed session lists the key; X11Forwarding with `ssh -X` (a fake
#     client display; xauth in the jail): DISPLAY is localhost:N.0 in the
#     session.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup
. "$(dirname "$0")/jailsh-session.sh"

AGENT_PID=
cleanup53() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	sshd_test_cleanup
	jail_test_cleanup
}
trap cleanup53 EXIT

# ---- jailsh's rule, directly -------------------------------------------------------
jailsh_make_jail
write_session
PY=/usr/bin/python3
[ -x "$PY" ] || bail "python3 missing (to make test sockets)"
mksock() { # PATH OWNER
	"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1" &&
		chown "$2" "$1"
}
install -d -m 0700 -o "$UID_U" -g "$UID_U" "$J/tmp/ssh-good" "$J/tmp/ssh-rootsock"
install -d -m 0777 -o "$UID_U" -g "$UID_U" "$J/tmp/ssh-open"
install -d -m 0755 "$J/tmp/ssh-rootdir"
mksock "$J/tmp/ssh-good/agent.7" "$UID_U"
mksock "$J/tmp/ssh-rootsock/agent.7" 0
mksock "$J/tmp/ssh-open/agent.7" "$UID_U"
mksock "$J/tmp/ssh-rootdir/agent.7" "$UID_U"
mksock "$J/home/u/agent.sock" "$UID_U"
ln -s /tmp/ssh-good/agent.7 "$J/tmp/ssh-good/link"
install -m 0600 -o "$UID_U" -g "$UID_U" /dev/null "$J/home/u/.Xauthority"
install -m 0600 -o "$UID_U" -g "$UID_U" /dev/null "$J/tmp/xauth-u"
install -m 0600 /dev/null "$J/tmp/xauth-root"

# fwd VAR VALUE: run `env` through jailsh with VAR=VALUE; stdout and stderr.
fwd() {
	env -i PATH=/usr/bin:/bin "$1=$2" "$(command -v unshare)" --pid --fork --mount "$FAKEINIT" \
		-r "$J" -u "$UID_U" -g "$UID_U" -- /usr/local/sbin/jailsh -c 'env; echo END' 2>&1 </dev/null
}
keeps() { # VAR VALUE NAME
	local out
	out=$(fwd "$1" "$2")
	like "$out" "$1=$2" "$1=$2 kept: $3"
	unlike "$out" "jailsh: $1 dropped" "... with nothing on stderr"
}
drops() { # VAR VALUE WHY NAME
	local out
	out=$(fwd "$1" "$2")
	unlike "$out" "$1=" "$1=$2 dropped: $4"
	like "$out" "jailsh: $1 dropped: $3" "... with the reason on stderr"
	like "$out" "END" "... and the session goes on"
}
keeps SSH_AUTH_SOCK /tmp/ssh-good/agent.7 "sshd's agent socket form, the user's socket in the user's 0700 directory"
drops SSH_AUTH_SOCK /home/u/agent.sock "not a socket of this session's /tmp" "a socket outside /tmp"
drops SSH_AUTH_SOCK /tmp/ssh-rootsock/agent.7 "a socket not owned by this user" "a socket of root's"
drops SSH_AUTH_SOCK /tmp/ssh-open/agent.7 "its directory is not this user's alone" "in a world-writable directory"
drops SSH_AUTH_SOCK /tmp/ssh-rootdir/agent.7 "its directory is not this user's alone" "in a directory of root's"
drops SSH_AUTH_SOCK /tmp/ssh-good/link "not a socket (lstat)" "a symlink to the socket"
drops SSH_AUTH_SOCK /tmp/ssh-good/../ssh-good/agent.7 'a path with ".."' "a path with .."
drops SSH_AUTH_SOCK /tmp/ssh-good/none "not a socket (lstat)" "a socket that does not exist"
drops SSH_AUTH_SOCK '/tmp/ssh-good/agent.7;x' "unexpected characters or length" "odd characters"
keeps DISPLAY localhost:10.0 "sshd's X11UseLocalhost form"
keeps DISPLAY localhost:10 "... without a screen"
keeps DISPLAY unix:12.0 "the unix: form"
drops DISPLAY :0 "not sshd's X11 form" "a bare local display"
drops DISPLAY evil.example:0 "not sshd's X11 form" "a remote display"
drops DISPLAY localhost:10.0x "not sshd's X11 form" "trailing junk"
drops DISPLAY localhost:123456 "not sshd's X11 form" "a display number of 6 digits"
drops DISPLAY localhost: "not sshd's X11 form" "no display number"
keeps XAUTHORITY /home/u/.Xauthority "the user's file in the home"
keeps XAUTHORITY /tmp/xauth-u "the user's file in /tmp"
drops XAUTHORITY /etc/passwd "not a file under the home or /tmp" "a system file"
drops XAUTHORITY /tmp/xauth-root "not a regular file owned by this user" "root's file in /tmp"
out=$(env -i PATH=/usr/bin:/bin "$(command -v unshare)" --pid --fork --mount "$FAKEINIT" \
	-r "$J" -u "$UID_U" -g "$UID_U" -- /usr/local/sbin/jailsh -c 'echo END' 2>&1 </dev/null)
is "$out" "END" "none of them set: no message"

# ---- real sshd: agent forwarding ---------------------------------------------------------
SJ=$SSHD_JAIL
"$JAILCTL" --config "$CONF" init "$SJ" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
# sshd refuses X11 forwarding without xauth on the host ("No xauth
# program; cannot forward X11"): tests/deps.sh installs it.
XAUTH=$(command -v xauth)
for p in ssh-add env ${XAUTH:+xauth}; do
	"$JAILCTL" --config "$CONF" cp "$SJ" "$(command -v $p)" >>"$T/init.out" 2>&1 ||
		bail "jailctl cp $p: $(tail -5 "$T/init.out")"
done
sshd_pam_stack jail
# A Match for the one user, before the shipped block (sshd takes the first
# value it meets for each keyword).
awk -v m="Match User jfwd
    DisableForwarding no
    AllowAgentForwarding yes
    X11Forwarding yes
    X11UseLocalhost yes
" '!done && /^Match / { printf "%s", m; done = 1 } { print }' "$T/sshd-default.conf" >"$T/sshd-fwd.conf"
grep -q "^Match User jfwd" "$T/sshd-fwd.conf" || bail "no Match block in the sshd config"
sshd_start fwd
user_add_jailed jfwd "$SJ"
user_add_jailed jnofwd "$SJ"
is "$(/usr/sbin/sshd -T -f "$T/sshd-fwd.conf" -C user=jfwd,host=localhost,addr=127.0.0.1 | grep -i '^allowagentforwarding')" \
	"allowagentforwarding yes" "sshd -T: agent forwarding allowed for jfwd"
is "$(/usr/sbin/sshd -T -f "$T/sshd-fwd.conf" -C user=jnofwd,host=localhost,addr=127.0.0.1 | grep -i '^allowagentforwarding')" \
	"allowagentforwarding no" "sshd -T: ... and not for jnofwd (the shipped block)"

eval "$(ssh-agent -s)" >/dev/null || bail "ssh-agent"
AGENT_PID=$SSH_AGENT_PID
ssh-add -q "$T/id_ed25519" 2>/dev/null || bail "ssh-add"
fp=$(ssh-keygen -lf "$T/id_ed25519.pub" | awk '{print $2}')
# (IdentityAgent: the test's client config says none, which would also
# turn agent forwarding off.)
out=$(tssh jfwd -A -o IdentityAgent="$SSH_AUTH_SOCK" 'echo "sock=$SSH_AUTH_SOCK"; ssh-add -l' 2>&1)
like "$out" "sock=/tmp/ssh-" "ssh -A: SSH_AUTH_SOCK reaches the jailed shell (sshd's socket in the session's /tmp)"
like "$out" "$fp" "ssh -A: ssh-add -l inside the jailed session lists the forwarded key"
unlike "$out" "dropped" "ssh -A: jailsh keeps it without a message"
out=$(tssh jnofwd -A -o IdentityAgent="$SSH_AUTH_SOCK" 'echo "sock=${SSH_AUTH_SOCK:-none}"' 2>&1)
like "$out" "sock=none" "the shipped block: no agent for a user it covers"

# ---- real sshd: X11 forwarding (a fake client display: only the variables) ------------
if [ -n "$XAUTH" ]; then
	out=$(DISPLAY=:97 tssh jfwd -X 'echo "display=${DISPLAY:-none}"' 2>&1)
	like "$out" "display=localhost:1" "ssh -X: DISPLAY reaches the jailed shell in sshd's form (localhost:N.0)"
	unlike "$out" "DISPLAY dropped" "ssh -X: jailsh keeps it without a message"
else
	skip "ssh -X: xauth is not installed here: sshd refuses X11 forwarding without it (tests/deps.sh installs it)"
	skip "ssh -X: jailsh keeps DISPLAY: no xauth here"
fi

done_testing
