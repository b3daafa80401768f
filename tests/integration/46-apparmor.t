#!/bin/bash
# AppArmor: every shipped profile compiles (apparmor_parser -Q -K: parse
# and compile, load nothing), and jailsh's runtime policy on this host.
# Without AppArmor in the kernel: `apparmor = required` refuses before the
# command runs, `optional` runs it and logs why it was not confined, `off`
# says nothing.  With AppArmor (the guest lane, tests/guest, loads the
# shipped profiles in enforce mode as README says): the session's shell
# runs under `jail-default (enforce)`; a read the profile denies (the
# jail's /etc/shadow, readable by its mode) fails with EACCES and leaves an
# apparmor="DENIED" audit line in the kernel log; with the profile
# unloaded, `required` refuses the login with the reason (to the user and
# the log) and `optional` logs it and runs the command unconfined.  The
# profile is loaded again (or removed, if this test loaded it) at exit.
. "$(dirname "$0")/../lib.sh"
jail_test_setup
. "$(dirname "$0")/jailsh-session.sh"

SINK=
AA_RESTORE=
cleanup46() {
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null
	case $AA_RESTORE in
	load) apparmor_parser -r "$AA_SRC" >/dev/null 2>&1 ;;
	remove) printf jail-default >/sys/kernel/security/apparmor/.remove 2>/dev/null ;;
	esac
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

# Wait (up to 2 s) until the sink has written something.
wait_log() {
	for _ in $(seq 20); do [ -s "$T/syslog" ] && return; sleep 0.1; done
}

if jail_apparmor_enabled; then
	# ---- jailsh on a kernel with AppArmor ----
	# The profile as README installs it; loaded here from the tree if the
	# host has not loaded it (and removed again at exit).
	AA_SRC=/etc/apparmor.d/jail-default
	[ -f "$AA_SRC" ] || AA_SRC=$TOP/templates/apparmor.jail-default
	if ! jail_apparmor_enforced jail-default; then
		apparmor_parser -r "$AA_SRC" >"$T/aa-load.out" 2>&1 ||
			bail "apparmor_parser -r $AA_SRC: $(cat "$T/aa-load.out")"
		AA_RESTORE=remove
		diag "jail-default was not loaded: loaded from $AA_SRC for this test"
	fi
	ok "jail-default is loaded in enforce mode" jail_apparmor_enforced jail-default
	# The jail's /etc/shadow, readable by its mode: only AppArmor refuses it.
	printf 'root:*:1::::::\n' >"$J/etc/shadow"
	chmod 0644 "$J/etc/shadow"

	write_session apparmor=off
	is "$(jsh 'cat /proc/self/attr/current' 2>&1 </dev/null)" "unconfined" \
		"apparmor = off: the session's process is unconfined"
	is "$(jsh 'try-syscall read /etc/shadow' 2>&1 </dev/null)" "OK 3" \
		"apparmor = off: the jail's /etc/shadow (0644) is readable (the baseline)"

	: >"$T/syslog"
	write_session apparmor=required
	is "$(jsh 'cat /proc/self/attr/current' 2>&1 </dev/null)" "jail-default (enforce)" \
		"apparmor = required: the shell's child runs under jail-default (enforce)"
	out=$(jsh 'cat /proc/$$/attr/apparmor/current; true' 2>&1 </dev/null)
	is "$out" "jail-default (enforce)" "apparmor = required: the shell itself (/proc/PID/attr/apparmor/current)"
	dmesg >/dev/null 2>"$T/dmesg.err" || bail "dmesg: $(cat "$T/dmesg.err")"
	jail_kmsg_mark
	is "$(jsh 'try-syscall read /etc/shadow' 2>&1 </dev/null)" "EACCES" \
		"apparmor = required: reading /etc/shadow is refused (EACCES)"
	denied=$(jail_kmsg_since 'name="/etc/shadow"')
	like "$denied" 'apparmor="DENIED"' '... an apparmor="DENIED" audit line in the kernel log'
	like "$denied" 'profile="jail-default"' '... names the profile'
	like "$denied" 'comm="try-syscall"' '... and the program'
	sleep 0.2
	is "$(cat "$T/syslog" 2>/dev/null)" "" "apparmor = required, applied: jailsh logs nothing"

	# The profile unloaded: `required` refuses, `optional` goes on.
	printf jail-default >/sys/kernel/security/apparmor/.remove 2>"$T/aa-remove.out" ||
		bail "unload jail-default: $(cat "$T/aa-remove.out")"
	[ "$AA_RESTORE" = remove ] && AA_RESTORE= || AA_RESTORE=load
	nok "jail-default unloaded" jail_apparmor_enforced jail-default
	: >"$T/syslog"
	write_session apparmor=required
	out=$(jsh "echo RAN >/home/u/aa-required" 2>&1 </dev/null)
	rc=$?
	is "$rc" 1 "apparmor = required, profile not loaded: jailsh exits 1"
	is "$out" "jailsh: apparmor = required by profile 'test': apparmor: change_onexec to profile 'jail-default': No such file or directory; refusing" \
		"apparmor = required, profile not loaded: the user's refusal line"
	nok "apparmor = required, profile not loaded: the command did not run" test -e "$J/home/u/aa-required"
	wait_log
	like "$(cat "$T/syslog" 2>/dev/null)" "refused: apparmor = required by profile 'test': apparmor: change_onexec to profile 'jail-default': No such file or directory" \
		"apparmor = required, profile not loaded: refusal logged to syslog"
	like "$(cat "$T/syslog" 2>/dev/null)" "session t0000000000000001" "the log line names the session"

	: >"$T/syslog"
	write_session apparmor=optional
	out=$(jsh "echo RAN >/home/u/aa-optional && cat /proc/self/attr/current" 2>&1 </dev/null)
	is "$out" "unconfined" "apparmor = optional, profile not loaded: the command runs (unconfined), nothing on stderr"
	is "$(cat "$J/home/u/aa-optional" 2>&1)" "RAN" "apparmor = optional: the command's effect is there"
	wait_log
	like "$(cat "$T/syslog" 2>/dev/null)" "apparmor = optional, not applied: apparmor: change_onexec to profile 'jail-default': No such file or directory" \
		"apparmor = optional, profile not loaded: logged to syslog"
	like "$(cat "$T/syslog" 2>/dev/null)" "<84>" "apparmor = optional: logged with facility authpriv, level warning"

	if [ "$AA_RESTORE" = load ]; then
		apparmor_parser -r "$AA_SRC" >"$T/aa-load.out" 2>&1
		AA_RESTORE=
		ok "jail-default loaded again (from $AA_SRC)" jail_apparmor_enforced jail-default
		write_session apparmor=required
		is "$(jsh 'cat /proc/self/attr/current' 2>&1 </dev/null)" "jail-default (enforce)" \
			"reloaded: sessions are confined again"
	fi
	done_testing
fi

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
