#!/bin/bash
# pam_jail.so under valgrind, loaded by the real libpam (tests/bin/pamdrive):
# memcheck must report no error and no definite leak in the process that
# opens and closes the session, for an unjailed user (PAM_IGNORE path), a
# jailed user (the whole open/close) and a refused session (the error path).
# The session init and the user's command are forked children: valgrind
# does not follow them (--trace-children=no); the parent's open and close
# are what pam_jail does inside sshd.
if [ -n "${JAIL_SANITIZE:-}" ]; then
	# ASan-instrumented binaries cannot run under valgrind; this test runs
	# in the plain build (make check), the sanitizer run covers the rest.
	echo "1..0 # SKIP valgrind cannot run the ASan build (runs in make check)"
	exit 0
fi
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

command -v valgrind >/dev/null || bail "valgrind is not installed (tests/deps.sh installs it)"
PAMDRIVE=$TOP/tests/bin/pamdrive
J=$T/jails/v1

printf '[profile]\ndescription = 70-valgrind-pam.t\ncgroup = required\napparmor = off\nlandlock = off\n' \
	>"$CONF/profiles/vg.ini"
chmod 0644 "$CONF/profiles/vg.ini"
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
useradd -M -d /home/v0 -s /bin/sh v0 || bail "useradd v0"
useradd -M -d /home/v1 -s /bin/bash v1 || bail "useradd v1"
"$JAILCTL" --config "$CONF" adduser -j "$J" -p vg -s /bin/sh v1 >>"$T/init.out" 2>&1 ||
	bail "jailctl adduser v1: $(tail -5 "$T/init.out")"

PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"

# vg TAG NAME EXPECTED_EXIT ARGS...: run pamdrive under memcheck; valgrind's
# own verdict is exit 99 (any error or definite leak), distinct from
# pamdrive's (0 ran, 70 open_session failed, 71 close_session failed).
vg() {
	local tag=$1 name=$2 want=$3 rc
	shift 3
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --trace-children=no --child-silent-after-fork=yes \
		--log-file="$T/vg-$tag.log" "$PAMDRIVE" -c "$PAMD" "$@" >"$T/vg-$tag.out" 2>&1
	rc=$?
	is "$rc" "$want" "$name: pamdrive exits $want under memcheck (99 would be a memcheck error)"
	# memcheck's findings are the "==PID==" lines; "--PID--" lines are
	# valgrind's own notes (e.g. syscalls it does not know: openat2, which
	# sends our path resolution down its tested O_NOFOLLOW-walk fallback).
	is "$(grep '^==[0-9]*== ' "$T/vg-$tag.log" | grep -v '^==[0-9]*== *$' | head -20)" "" \
		"$name: memcheck reports nothing"
}

vg unjailed "unjailed user (PAM_IGNORE)" 0 v0 'echo ran'
like "$(cat "$T/vg-unjailed.out")" "ran" "unjailed user: the command ran"

# valgrind 3.19 (Debian 12) does not implement pidfd_open(2): under it the
# session init cannot be watched, pam_jail refuses the session (fail
# closed) and the whole undo path (cgroup, namespaces, init, mounts) runs
# under memcheck. Where valgrind has it, the full open/command/close runs.
# The full jailed path is also covered by ASan/LSan in `make sanitize`.
valgrind -q --trace-children=no "$PAMDRIVE" -c "$PAMD" v1 'true' >"$T/probe.out" 2>&1
if grep -q 'pidfd_open of the session init: Function not implemented' "$T/probe.out"; then
	vg jailed "jailed user, valgrind without pidfd_open (refused, undo path)" 70 v1 'echo ran-in-jail'
	like "$(cat "$T/vg-jailed.out")" "session refused: pidfd_open" \
		"jailed user: refused with the step named, not half-opened"
	unlike "$(cat "$T/vg-jailed.out")" "ran-in-jail" "jailed user: no command ran"
	is "$(find /sys/fs/cgroup -maxdepth 4 -path "*$CGROUP_PARENT/v1/*" -type d 2>/dev/null)" "" \
		"jailed user: no session cgroup left after the refusal"
else
	vg jailed "jailed user (open, command, close)" 0 v1 'echo ran-in-jail'
	like "$(cat "$T/vg-jailed.out")" "ran-in-jail" "jailed user: the command ran in the session"
	like "$(cat "$T/vg-jailed.out")" "close_session: Success" "jailed user: close_session succeeded"
fi

# A refused session: the jail made group-writable.
chmod g+w "$J"
vg refused "refused session (jail writable)" 70 v1 'echo must-not-run'
unlike "$(cat "$T/vg-refused.out")" "must-not-run" "refused session: the command never ran"
chmod g-w "$J"

# The verdict can fail: memcheck's exit 99 catches a definite leak.
printf '#include <stdlib.h>\n#include <string.h>\nint main(void) { char *p = malloc(64); memset(p, 1, 64); p = NULL; return p != NULL; }\n' \
	>"$T/leak.c"
cc -O0 -g -o "$T/leak" "$T/leak.c" || bail "cc leak.c"
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	"$T/leak" >/dev/null 2>&1
is "$?" 99 "control: memcheck's exit 99 catches a definite leak"

done_testing
