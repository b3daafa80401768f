#!/bin/bash
# AppArmor: every shipped profile compiles (apparmor_parser -Q -K: parse
# and compile, load nothing), and jailsh's runtime policy on this kernel,
# which has no AppArmor: `apparmor = required` refuses before the command
# runs, `optional` runs it and logs why it was not confined, `off` says
# nothing.
. "$(dirname "$0")/../lib.sh"
jail_test_setup
. "$(dirname "$0")/jailsh-session.sh"

SINK=
cleanup46() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null
	jail_test_cleanup
}
trap cleanup46 EXIT

command -v apparmor_parser >/dev/null || bail "apparmor_parser missing (tests/deps.sh installs apparmor)"
n=0
for f in "$TOP"/templates/apparmor.*; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	ok "apparmor_parser -Q -K compiles $(basename "$f")" apparmor_parser -Q -K "$f"
	name=$(basename "$f")
	name=${name#apparmor.}
	like "$(cat "$f")" "profile $name " "$(basename "$f") defines profile $name"
done
[ "$n" -ge 1 ]
is "$?" 0 "at least one AppArmor profile is shipped"
# Every shipped jail profile names a shipped AppArmor profile (the key's
# default, jail-default, when it has none), and every shipped AppArmor
# profile is named by some jail profile: strict uses jail-strict.
used=" "
for f in "$TOP"/profiles/*.ini; do
	p=$(basename "$f" .ini)
	aa=$(sed -n 's/^apparmor_profile *= *//p' "$f")
	aa=${aa:-jail-default}
	used="$used$aa "
	ok "profiles/$p.ini: apparmor_profile $aa is shipped as templates/apparmor.$aa" \
		[ -f "$TOP/templates/apparmor.$aa" ]
done
is "$(sed -n 's/^apparmor_profile *= *//p' "$TOP/profiles/strict.ini")" "jail-strict" \
	"profiles/strict.ini uses the AppArmor profile jail-strict"
for f in "$TOP"/templates/apparmor.*; do
	aa=${f##*/apparmor.}
	like "$used" " $aa " "templates/apparmor.$aa is used by a shipped jail profile"
done
printf 'profile broken {\n  /foo rwz,\n}\n' >"$T/broken"
nok "apparmor_parser -Q -K rejects a broken profile (the check can fail)" \
	apparmor_parser -Q -K "$T/broken"

# ---- jailsh on a kernel without AppArmor ----
jailsh_make_jail
LOGSINK=$TOP/tests/bin/logsink
[ -x "$LOGSINK" ] || bail "tests/bin/logsink not built (make unit-tests)"
"$LOGSINK" "$J/dev/log" "$T/syslog" >"$T/sink.out" 2>&1 &
SINK=$!
for _ in $(seq 50); do grep -q ready "$T/sink.out" 2>/dev/null && break; sleep 0.1; done
chmod 0666 "$J/dev/log"

if [ -d /sys/kernel/security/apparmor ] && grep -q Y /sys/module/apparmor/parameters/enabled 2>/dev/null; then
	bail "AppArmor is enabled here; this test asserts the behaviour without it"
fi

# Wait (up to 2 s) until the sink has written something.
wait_log() {
	for _ in $(seq 20); do [ -s "$T/syslog" ] && return; sleep 0.1; done
}

write_session apparmor=required
out=$(jsh "echo RAN >/home/u/aa-required" 2>&1 </dev/null)
rc=$?
is "$rc" 1 "apparmor = required without AppArmor: jailsh exits 1"
like "$out" "jailsh: apparmor = required by profile 'test': AppArmor is not enabled in this kernel; cannot confine with profile 'jail-default'; refusing" \
	"apparmor = required: the refusal line"
[ -e "$J/home/u/aa-required" ]
is "$?" 1 "apparmor = required: the command did not run"
wait_log
like "$(cat "$T/syslog" 2>/dev/null)" "refused: apparmor = required" "apparmor = required: refusal logged to syslog"
like "$(cat "$T/syslog" 2>/dev/null)" "session t0000000000000001" "the log line names the session"

: >"$T/syslog"
write_session apparmor=optional
out=$(jsh "echo RAN >/home/u/aa-optional && echo RAN" 2>&1 </dev/null)
is "$out" "RAN" "apparmor = optional without AppArmor: the command runs, nothing on stderr"
is "$(cat "$J/home/u/aa-optional" 2>&1)" "RAN" "apparmor = optional: the command's effect is there"
wait_log
like "$(cat "$T/syslog" 2>/dev/null)" "apparmor = optional, not applied: AppArmor is not enabled in this kernel" \
	"apparmor = optional: logged to syslog (authpriv)"
like "$(cat "$T/syslog" 2>/dev/null)" "<84>" "apparmor = optional: logged with facility authpriv, level warning"

: >"$T/syslog"
write_session apparmor=off
out=$(jsh "echo RAN" 2>&1 </dev/null)
is "$out" "RAN" "apparmor = off: the command runs"
sleep 0.2
is "$(cat "$T/syslog" 2>/dev/null)" "" "apparmor = off: nothing logged"

done_testing
