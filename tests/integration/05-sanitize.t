#!/bin/bash
# make sanitize must notice a sanitizer error wherever it happens.
#
# Part 1 (every run): lib.sh's guards, on nested test scripts run with
# JAIL_SANITIZE=1 and a fake report: a report fails ok, nok (even though nok
# expects a failure), is, like and unlike, and a report left in a file of
# the test's scratch dir (where sshd's stderr goes) fails the test at exit;
# a clean nested run passes (so these checks can tell).
# Part 2 (sanitizer builds only, skipped otherwise): real errors, built with
# the same flags as everything else: a heap overflow, a signed overflow
# (UBSan), a leak, a heap overflow in a forked child; inside a PAM module
# loaded by libpam under pamdrive (as pam_jail.so is), and a leak in a
# module in the same stack as a real jailed pam_jail session (LeakSanitizer
# still runs after the session moved pamdrive into the jail).  Each must end
# the process with status 86 and a report naming the bug.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

# --- part 1: the guards in lib.sh ------------------------------------------------
# A nested test tree: $N/tests/{lib.sh,sanitize.env} are the real ones, so a
# script in $N/tests/integration/ sources them as a real test does.  Not
# under /run: a nested test mounts a private tmpfs over /run (lib.sh).  /mnt
# gets a tmpfs of this test's own namespace.
[ -d /mnt ] || bail "no /mnt to hold the nested tests"
mount -t tmpfs -o mode=0755 jail-sanitize /mnt || bail "tmpfs on /mnt"
N=/mnt/jail-sanitize-nested
mkdir -p "$N/tests/integration"
ln -s "$TOP/tests/lib.sh" "$TOP/tests/sanitize.env" "$N/tests/"
cat >"$N/fake-report" <<'EOF'
#!/bin/sh
# What ASan prints and does when it finds a bug.
echo "=================================================================" >&2
echo "==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000020" >&2
echo "SUMMARY: AddressSanitizer: heap-buffer-overflow lib/fake.c:12:3 in fake" >&2
exit 86
EOF
chmod 0755 "$N/fake-report"

nested() { # NAME BODY: run BODY as a test script with JAIL_SANITIZE=1
	{
		echo '#!/bin/bash'
		echo '. "$(dirname "$0")/../lib.sh"'
		echo 'jail_test_setup'
		printf '%s\n' "$2"
		echo 'done_testing'
	} >"$N/tests/integration/$1.t"
	chmod 0755 "$N/tests/integration/$1.t"
	env -u JAIL_TEST_IN_NS JAIL_SANITIZE=1 FAKE="$N/fake-report" \
		"$N/tests/integration/$1.t" >"$N/$1.out" 2>&1
	echo $? >"$N/$1.rc"
}

nested clean 'ok "true" true
nok "a plain failure" false
is "$(echo a)" a "is"
like "abc" b "like"
unlike "abc" x "unlike"'
is "$(cat "$N/clean.rc")" 0 'control: a clean nested run passes'
is "$(grep -c '^ok ' "$N/clean.out")" 5 'control: ... all five assertions pass'

nested nok 'nok "expects a failure" "$FAKE"'
is "$(cat "$N/nok.rc")" 1 'nok: a sanitizer death is not the failure it expects'
ok 'nok: ... the line says why' grep -q '^not ok 1 - expects a failure (failed with status 86) (a sanitizer report)' "$N/nok.out"
ok 'nok: ... and shows the report' grep -q 'AddressSanitizer: heap-buffer-overflow' "$N/nok.out"

nested nok86 'nok "expects a failure" sh -c "exit 86"'
is "$(cat "$N/nok86.rc")" 1 'nok: exit status 86 alone (report not captured) fails too'

nested okrep 'ok "succeeds" sh -c "\"\$FAKE\"; exit 0"'
is "$(cat "$N/okrep.rc")" 1 'ok: a command that succeeds but printed a report fails'

nested islike 'out=$("$FAKE" 2>&1)
is "$out" "x" "is"
like "$out" "heap" "like"
unlike "$out" "nothing" "unlike"'
is "$(grep -c '(a sanitizer report)' "$N/islike.out")" 3 'is, like, unlike: a report in the text fails each'

nested ubsan 'ok "ubsan" sh -c "echo \"lib/x.c:10:5: runtime error: signed integer overflow\"; exit 0"'
is "$(cat "$N/ubsan.rc")" 1 'ok: a UBSan runtime error line fails'

nested leftover '"$FAKE" 2>"$T/sshd-default.stderr"
ok "the test itself passes" true'
is "$(cat "$N/leftover.rc")" 1 'cleanup: a report left in a file of $T (sshd'"'"'s stderr) fails the test'
ok 'cleanup: ... naming the file' grep -q '# sanitizer report in .*/sshd-default.stderr' "$N/leftover.out"

nested jailtext 'mkdir -p "$T/jails/j/lib"
printf "==%%d==ERROR: AddressSanitizer: %%s\n" >"$T/jails/j/lib/libasan.so.8"
ok "the runtime'"'"'s own format strings below \$T are not reports" true'
is "$(cat "$N/jailtext.rc")" 0 'cleanup: files below $T (jails with the sanitizer runtime) are not searched'

# --- part 2: real sanitizer errors --------------------------------------------------
CANARY=$TOP/tests/bin/san_canary
PAMCANARY=$TOP/tests/bin/pam_canary.so
[ -x "$CANARY" ] && [ -e "$PAMCANARY" ] || bail "san_canary or pam_canary.so not built (make unit-tests)"
C=$T/canary # not directly in $T: these reports are expected
mkdir -p "$C"
"$CANARY" clean >"$C/probe.out" 2>&1
if [ $? = 77 ]; then
	for i in $(seq 20); do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP not a sanitizer build (make sanitize runs these)"
	done
	done_testing
fi

# The sanitizers' options (exit status 86) even when this sanitizer build
# is run without JAIL_SANITIZE=1.
. "$TOP/tests/sanitize.env"
canary() { # MODE: run it, keep output and status
	"$CANARY" "$1" >"$C/$1.out" 2>&1
	echo $? >"$C/$1.rc"
}
canary clean
is "$(cat "$C/clean.rc")" 0 'control: the canary without an error exits 0'
nok 'control: ... with no report' grep -qE "$JAIL_SAN_PATTERN" "$C/clean.out"
canary heap
is "$(cat "$C/heap.rc")" 86 'heap overflow: exit status 86'
ok 'heap overflow: ASan names it' grep -q 'ERROR: AddressSanitizer: heap-buffer-overflow' "$C/heap.out"
ok 'heap overflow: ... in san_canary.c' grep -q 'in heap_overflow tests/helpers/san_canary.c' "$C/heap.out"
canary ubsan
is "$(cat "$C/ubsan.rc")" 86 'signed overflow: exit status 86 (UBSan does not recover)'
ok 'signed overflow: UBSan names it' grep -q 'san_canary.c:[0-9]*:[0-9]*: runtime error: signed integer overflow' "$C/ubsan.out"
canary leak
is "$(cat "$C/leak.rc")" 86 'leak: exit status 86'
ok 'leak: LeakSanitizer names it' grep -q 'ERROR: LeakSanitizer: detected memory leaks' "$C/leak.out"
canary child
is "$(cat "$C/child.rc")" 86 'heap overflow in a forked child: the parent sees status 86'
ok 'heap overflow in a forked child: a report naming san_canary.c' \
	sh -c 'grep -qE "$1" "$2" && grep -q "san_canary.c" "$2"' - "$JAIL_SAN_PATTERN" "$C/child.out"

# Inside a PAM module, loaded by libpam the way pam_jail.so is.
PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
echo "session required $PAMCANARY" >"$PAMD/canary-none"
echo "session required $PAMCANARY heap" >"$PAMD/canary-heap"
echo "session required $PAMCANARY leak" >"$PAMD/canary-leak"
pamdrive() { # NAME SERVICE USER
	"$TOP/tests/bin/pamdrive" -c "$PAMD" -s "$2" "$3" >"$C/$1.out" 2>&1
	echo $? >"$C/$1.rc"
}
pamdrive pam-none canary-none nobody
is "$(cat "$C/pam-none.rc")" 0 'control: pamdrive through the canary module without an error exits 0'
pamdrive pam-heap canary-heap nobody
is "$(cat "$C/pam-heap.rc")" 86 'heap overflow inside a PAM module under pamdrive: status 86'
ok '... ASan names it, in pam_canary.c' grep -q 'pam_canary.c' "$C/pam-heap.out"
pamdrive pam-leak canary-leak nobody
is "$(cat "$C/pam-leak.rc")" 86 'leak inside a PAM module: status 86 at pamdrive'"'"'s exit'
# (Not by file: pam_end() unloads the module before the exit-time check.)
ok '... LeakSanitizer reports the module'"'"'s 512 bytes' \
	grep -q 'Direct leak of 512 byte(s) in 1 object(s)' "$C/pam-leak.out"

# The same leak next to a real jailed session (pam_jail last, as it must
# be): pamdrive has been moved into the jail, and LeakSanitizer must still
# run at its exit.  A minimal jail, as in 43-pam-refuse.t.
J=$T/jails/j1
mkdir -p "$J"/{etc,home,tmp,proc,dev,run} "$J"/usr/{bin,lib,lib64,sbin}
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$J/$l"; done
jail_add_prog "$J" sh "$SBIN/jailsh"
chmod -R go-w "$J"
# u1's shell, on the host and in the jail, is jailsh, as jailctl adduser
# writes them (pam_jail refuses another: sshd, su and login(1) would run it).
useradd -M -d /home/u1 -s "$SBIN/jailsh" u1 || bail "useradd u1"
grep -E '^(root|u1):' /etc/passwd >"$J/etc/passwd"
grep -E '^(root|u1):' /etc/group >"$J/etc/group"
install -d -o u1 -g u1 -m 0755 "$J/home/u1"
printf '[profile]\nhostname = santest\ncgroup = optional\napparmor = off\nlandlock = off\n' \
	>"$CONF/profiles/santest.ini"
chmod 0644 "$CONF/profiles/santest.ini"
sshd_write_jail_ini "[user:u1]" "jail = $J" "profile = santest" "shell = /bin/sh"
printf 'session required %s\nsession required %s config=%s\n' "$PAMCANARY" "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-none"
printf 'session required %s leak\nsession required %s config=%s\n' "$PAMCANARY" "$PAM_JAIL" \
	"$CONF" >"$PAMD/jail-leak"
pamdrive jail-none jail-none u1
is "$(cat "$C/jail-none.rc")" 0 'control: a jailed session under pamdrive, no error: status 0 (LeakSanitizer ran clean)'
ok 'control: ... the session really opened' grep -q 'open_session: Success' "$C/jail-none.out"
pamdrive jail-leak jail-leak u1
is "$(cat "$C/jail-leak.rc")" 86 'a leak in the stack of a jailed session: status 86 after the session'
ok '... LeakSanitizer reports the module'"'"'s 512 bytes' \
	grep -q 'Direct leak of 512 byte(s) in 1 object(s)' "$C/jail-leak.out"

done_testing
