#!/bin/bash
# jailctl metrics: the Prometheus text format (0.0.4) for node_exporter's
# textfile collector.  Asserted here, against live sessions and refusals
# made through the real libpam (tests/bin/pamdrive, as in 43-pam-refuse.t):
#   - jail_sessions counts the live sessions by jail, profile and kind
#     (two logins and a jailctl run: session; a service: service);
#   - per session: memory (cgroup) and processes, labelled id, user, jail,
#     profile; --no-per-session omits both families;
#   - jail_refused_sessions_total counts each refusal under its reason
#     (jail, config, cgroup), every reason present, 0 when never seen; a
#     nested one (pam_jail twice) is refused inside the jail the first
#     built: not counted there (never written into a jail), a warning;
#   - jail_check_findings matches `jailctl check --json` by severity;
#     --no-check omits it;
#   - a symlink planted at /run/jail/stats: the refusal is the same (the
#     user is told the same reason), the count is not made and not
#     followed, syslog has a warning, a good login still opens; metrics
#     then reports the counters' collector failed (0) and exits 1;
#   - --output FILE replaces FILE atomically (a new inode, mode 0644, no
#     temporary left);
#   - the whole output passes `promtool check metrics` and a grammar check
#     of our own (every sample line is NAME{LABELS} VALUE, every family has
#     HELP and TYPE before its samples, no family twice).
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

PAMDRIVE=$TOP/tests/bin/pamdrive
[ -x "$PAMDRIVE" ] || bail "tests/bin/pamdrive not built (make unit-tests)"
PROMTOOL=$(command -v promtool) || bail "promtool missing: apt install prometheus (tests/deps.sh)"
J=$SSHD_JAIL
STATS=/run/jail/stats
M() { "$JAILCTL" --config "$CONF" metrics "$@"; }

"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
mkdir -p "$T/state" "$T/logs"
write_ini() { sshd_write_jail_ini "state_root = $T/state/root" "logs_root = $T/logs/root" "$@"; }
write_ini
write_profile() { # NAME LINES...
	local n=$1
	shift
	mkdir -p "$CONF/profiles"
	printf '%s\n' "[profile]" "$@" >"$CONF/profiles/$n.ini"
	chmod 0644 "$CONF/profiles/$n.ini"
}
write_profile mtest "cgroup = required" "apparmor = off" "landlock = off"
user_add_jailed u1 "$J" mtest
UINI=$CONF/users.d/u1.ini
grep -q '^profile = mtest$' "$UINI" || bail "jailctl adduser -p mtest: $(cat "$UINI")"
mkdir -p -m 0755 "$CONF/services.d"
printf '[service:web]\njail = %s\nexec = /bin/sleep 120\n' "$J" >"$CONF/services.d/web.ini"
chmod 0644 "$CONF/services.d/web.ini"

PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
	>"$PAMD/jail-test"
printf 'session required %s config=%s\nsession required %s config=%s\n' \
	"$PAM_JAIL" "$CONF" "$PAM_JAIL" "$CONF" >"$PAMD/jail-twice"

# value TEXT NAME{LABELS}: the value of that one sample ("" when absent).
value() { printf '%s\n' "$1" | awk -v k="$2" 'index($0, k " ") == 1 { print $NF }'; }

# grammar FILE: our own check of the exposition format (0.0.4): comment
# lines are HELP or TYPE of a valid name; TYPE comes once per family,
# after its HELP and before its samples; every sample is NAME{LABELS}
# VALUE with label values quoted and escaped as the format allows; a
# family's samples are contiguous.  Prints the first violation.
grammar() {
	perl -ne '
		BEGIN { $name = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/; $lname = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
			$lval = qr/"(?:[^"\\\n]|\\[\\"n])*"/;
			$num = qr/(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN)/; }
		chomp;
		if (/^# HELP ($name) (.*)$/) {
			die "line $.: HELP for $1 twice\n" if $help{$1}++;
			die "line $.: HELP of $1 after its samples\n" if $seen{$1};
			die "line $.: HELP text with a bad escape\n" if $2 =~ /\\[^\\n]/;
			$cur = $1; next;
		}
		if (/^# TYPE ($name) (counter|gauge|histogram|summary|untyped)$/) {
			die "line $.: TYPE for $1 twice\n" if $type{$1}++;
			die "line $.: TYPE of $1 before its HELP\n" unless $help{$1};
			$cur = $1; next;
		}
		die "line $.: a comment that is not HELP or TYPE: $_\n" if /^#/;
		die "line $.: an empty line\n" if /^$/;
		/^($name)(\{(?:$lname=$lval(?:,$lname=$lval)*)?\})? ($num)(?: -?[0-9]+)?$/
			or die "line $.: not a sample: $_\n";
		die "line $.: sample of $1 without HELP and TYPE\n" unless $type{$1} && $help{$1};
		die "line $.: sample of $1 outside its family (current $cur)\n" if $1 ne $cur;
		$seen{$1}++;
		END { print "ok\n" unless $?; }
	' "$1" 2>&1
}

# --- live sessions -----------------------------------------------------------
REG=/run/jail/sessions
nrec() { ls -A "$REG" 2>/dev/null | wc -l; }
PIDS=
"$PAMDRIVE" -c "$PAMD" u1 "sleep 120" >"$T/s1.out" 2>&1 &
PIDS="$PIDS $!"
"$PAMDRIVE" -c "$PAMD" u1 "sleep 120" >"$T/s2.out" 2>&1 &
PIDS="$PIDS $!"
"$JAILCTL" --config "$CONF" run "$J" -p mtest -- sleep 120 >"$T/r1.out" 2>&1 &
PIDS="$PIDS $!"
"$JAILCTL" --config "$CONF" run web >"$T/w.out" 2>&1 &
PIDS="$PIDS $!"
cleanup_live() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=
}
trap 'cleanup_live; sshd_test_cleanup; jail_test_cleanup' EXIT
for _ in $(seq 100); do [ "$(nrec)" = 4 ] && break; sleep 0.1; done
is "$(nrec)" 4 'four live sessions recorded (two logins, a jailctl run, a service)' ||
	diag "$(cat "$T/s1.out" "$T/r1.out" "$T/w.out")"
sleep 0.3 # the sleeps exec'd

out=$(M --no-check 2>"$T/m.err")
is "$?" 0 'jailctl metrics --no-check: exit 0'
is "$(cat "$T/m.err")" "" '... nothing on stderr'
printf '%s\n' "$out" >"$T/m1.prom"
is "$(value "$out" "jail_sessions{jail=\"$J\",profile=\"mtest\",kind=\"session\"}")" 3 \
	'jail_sessions: 3 sessions (2 logins, 1 run) in the jail with profile mtest'
is "$(printf '%s\n' "$out" | grep -c "^jail_sessions{jail=\"$J\",profile=\"[a-z]*\",kind=\"service\"} 1$")" 1 \
	'jail_sessions: 1 service'
is "$(printf '%s\n' "$out" | grep -c '^jail_session_memory_bytes{')" 4 'a memory sample per session'
is "$(printf '%s\n' "$out" | grep -c '^jail_session_processes{')" 4 'a processes sample per session'
bad=0
for id in $(ls -A "$REG"); do
	rec=$(cat "$REG/$id")
	u=$(sed -n 's/^user=//p' <<<"$rec")
	p=$(sed -n 's/^profile=//p' <<<"$rec")
	lab="{id=\"$id\",user=\"$u\",jail=\"$J\",profile=\"$p\"}"
	mem=$(value "$out" "jail_session_memory_bytes$lab")
	np=$(value "$out" "jail_session_processes$lab")
	[ -n "$mem" ] && [ "$mem" -gt 0 ] && [ -n "$np" ] && [ "$np" -ge 2 ] || {
		bad=$((bad + 1))
		diag "session $id ($u): memory '$mem' processes '$np'"
	}
done
is "$bad" 0 'every session: memory > 0 and at least 2 processes (init, sleep), labelled id, user, jail, profile'
is "$(value "$out" jail_sessions_orphaned)" 0 'no orphaned session'
is "$(value "$out" 'jail_metrics_collector_success{collector="sessions"}')" 1 'sessions collector: 1'
out2=$(M --no-check --no-per-session 2>&1)
unlike "$out2" "jail_session_memory_bytes" '--no-per-session: no memory family'
unlike "$out2" "jail_session_processes" '--no-per-session: no processes family'
like "$out2" "jail_sessions{jail=\"$J\",profile=\"mtest\",kind=\"session\"} 3" '... the counts stay'
cleanup_live
for _ in $(seq 100); do [ "$(nrec)" = 0 ] && break; sleep 0.1; done

# --- refusals through PAM ----------------------------------------------------
refuse() { # NAME PAMSERVICE USER
	local out
	out=$("$PAMDRIVE" -c "$PAMD" -s "$2" "$3" "touch $T/ran.$1" 2>&1)
	is "$?" 70 "refusal $1: pam_open_session fails"
	nok "refusal $1: the command never ran" test -e "$T/ran.$1"
}
out=$(M --no-check 2>&1)
for r in config user nested setup jail cgroup state internal; do
	is "$(value "$out" "jail_refused_sessions_total{reason=\"$r\"}")" 0 "before any refusal: $r 0"
done
chmod 0775 "$J"
refuse jail1 jail-test u1
refuse jail2 jail-test u1
chmod 0755 "$J"
sed -i 's/^profile = mtest$/profile = nosuch/' "$UINI"
refuse config jail-test u1
sed -i 's/^profile = nosuch$/profile = mtest/' "$UINI"
# A module argument pam_jail does not know: refused before any user is
# looked at, and counted under config too.
printf 'session required %s config=%s bogus\n' "$PAM_JAIL" "$CONF" >"$PAMD/jail-badarg"
refuse badarg jail-badarg u1
# (reason user, a user unknown to the host, cannot be driven here: pamdrive
# looks the user up before PAM does; tests/unit/test_stats.c counts it.)
: >"$SYSLOG"
refuse nested jail-twice u1
# The second pam_jail runs inside the jail the first one built: the path
# /run/jail/stats there is the jail's, so the refusal is logged, not counted.
wait_log "$SYSLOG" "not counted" 5
like "$(grep 'not counted' "$SYSLOG")" "the caller is inside a jail session" \
	'nested: refused inside the jail, so not counted there, and a warning says so'
mount -t tmpfs -o mode=0755 nocgroup /sys/fs/cgroup || bail "hide /sys/fs/cgroup"
refuse cgroup jail-test u1
umount /sys/fs/cgroup
ls -l "$STATS/refused" | sed 's/^/# /'
out=$(M --no-check 2>&1)
is "$(value "$out" 'jail_refused_sessions_total{reason="jail"}')" 2 'refused: jail 2'
is "$(value "$out" 'jail_refused_sessions_total{reason="config"}')" 2 \
	'refused: config 2 (a missing profile, an unknown module argument)'
is "$(value "$out" 'jail_refused_sessions_total{reason="user"}')" 0 'refused: user 0'
is "$(value "$out" 'jail_refused_sessions_total{reason="nested"}')" 0 'refused: nested 0 (not countable from inside the jail)'
is "$(value "$out" 'jail_refused_sessions_total{reason="cgroup"}')" 1 'refused: cgroup 1'
is "$(value "$out" 'jail_refused_sessions_total{reason="setup"}')" 0 'refused: setup 0'
like "$out" "# TYPE jail_refused_sessions_total counter" 'the refusals are a counter'
st=$(stat -c '%U %a' "$STATS" "$STATS/refused" "$STATS/refused/jail" | tr '\n' ' ')
is "$st" "root 755 root 755 root 644 " 'the counter store: root-owned 0755 directories, 0644 files'

# --- a symlink planted at /run/jail/stats ------------------------------------
mv "$STATS" /run/jail/stats.real
mkdir -p "$T/decoy"
ln -s "$T/decoy" "$STATS"
: >"$SYSLOG"
chmod 0775 "$J"
out=$("$PAMDRIVE" -c "$PAMD" u1 "touch $T/ran.sym" 2>&1)
is "$?" 70 'symlinked stats: a refusal is still a refusal'
like "$out" "conv: jail: session refused: jail $J: $J is writable by its group" \
	'... telling the user the same reason'
nok '... the command never ran' test -e "$T/ran.sym"
chmod 0755 "$J"
wait_log "$SYSLOG" "not counted" 5
like "$(cat "$SYSLOG")" "not counted: count a refused session: $STATS is a symlink" \
	'... syslog warns that it was not counted, naming the symlink'
is "$(ls -A "$T/decoy")" "" '... nothing was made through the symlink'
is "$(wc -c <"/run/jail/stats.real/refused/jail")" 2 '... and the real counter is unchanged (2)'
out=$("$PAMDRIVE" -c "$PAMD" u1 "touch /home/u1/ran.good" 2>&1)
like "$out" "open_session: Success (0)" 'symlinked stats: a good login opens'
ok '... and its command ran in the jail' test -e "$J/home/u1/ran.good"
out=$(M --no-check 2>"$T/m.err")
is "$?" 1 'jailctl metrics with the symlinked stats: exit 1'
like "$(cat "$T/m.err")" "$STATS is a symlink" '... saying why'
is "$(value "$out" 'jail_metrics_collector_success{collector="refused"}')" 0 \
	'... jail_metrics_collector_success{collector="refused"} 0'
unlike "$out" "jail_refused_sessions_total{" '... no refusal samples (not a false 0)'
printf '%s\n' "$out" >"$T/m2.prom"
is "$(grammar "$T/m2.prom")" ok '... the rest is still valid (grammar)'
rm "$STATS"
mv /run/jail/stats.real "$STATS"

# --- check findings ----------------------------------------------------------
out=$(M 2>"$T/m.err")
printf '%s\n' "$out" >"$T/m3.prom"
json=$("$JAILCTL" --config "$CONF" check --json 2>/dev/null)
ncrit=$(grep -c '"severity": "critical"' <<<"$json")
nwarn=$(grep -c '"severity": "warning"' <<<"$json")
is "$(value "$out" 'jail_check_findings{severity="critical"}')" "$ncrit" "check findings: critical = jailctl check's ($ncrit)"
is "$(value "$out" 'jail_check_findings{severity="warning"}')" "$nwarn" "check findings: warning = jailctl check's ($nwarn)"
is "$(value "$out" 'jail_metrics_collector_success{collector="check"}')" 1 'check collector: 1'
unlike "$(M --no-check 2>&1)" "jail_check_findings" '--no-check: no findings family'
like "$out" 'jail_build_info{version="' 'jail_build_info with a version label'
ver=$(head -n1 "$TOP/debian/changelog" | sed 's/^[^(]*(//; s/[-)].*//')
like "$out" "jail_build_info{version=\"$ver\"} 1" \
	"jail_build_info: the package's upstream version ($ver), as jailctl --version says"
is "$("$JAILCTL" --version)" "jailctl $ver" 'jailctl --version: the same version'
dur=$(value "$out" jail_metrics_scrape_duration_seconds)
ok "jail_metrics_scrape_duration_seconds is a positive number ($dur)" \
	perl -e 'exit !($ARGV[0] =~ /^[0-9.e+-]+$/ && $ARGV[0] > 0)' "$dur"
is "$(grep -c '^jail_' "$T/m3.prom" | tr -d ' ')" "$(grep -cv '^#' "$T/m3.prom" | tr -d ' ')" \
	'every metric is named jail_*'

# --- --output ----------------------------------------------------------------
OUTD=$T/textfile
mkdir -p "$OUTD"
echo stale >"$OUTD/jail.prom"
ino0=$(stat -c %i "$OUTD/jail.prom")
ok 'metrics --output FILE' "$JAILCTL" --config "$CONF" metrics --no-check --output "$OUTD/jail.prom"
is "$(stat -c '%a %U' "$OUTD/jail.prom")" "644 root" '... FILE is 0644 root (readable by the collector)'
isnt_ino=$(stat -c %i "$OUTD/jail.prom")
ok '... replaced by rename (a new inode)' test "$ino0" != "$isnt_ino"
is "$(ls -A "$OUTD")" "jail.prom" '... no temporary left beside it'
like "$(head -1 "$OUTD/jail.prom")" "# HELP jail_build_info" '... holding the metrics'
"$JAILCTL" --config "$CONF" metrics --no-check --output "$T/no/such/dir/jail.prom" 2>"$T/o.err"
is "$?" 1 '--output into a missing directory fails'
like "$(cat "$T/o.err")" "$T/no/such/dir/jail.prom" '... naming the path'

# --- the whole format --------------------------------------------------------
for f in m1 m2 m3; do
	is "$(grammar "$T/$f.prom")" ok "$f.prom: the grammar check passes"
done
for f in "$T/m1.prom" "$T/m3.prom" "$OUTD/jail.prom"; do
	out=$("$PROMTOOL" check metrics <"$f" 2>&1)
	is "$?" 0 "promtool check metrics: $(basename "$f") is valid" || diag "$out"
done
# The grammar check catches what it claims to (it is not a tool that
# accepts everything).
printf '# HELP a x\n# TYPE a gauge\na{l="x} 1\n' >"$T/bad1.prom"
like "$(grammar "$T/bad1.prom")" "not a sample" 'grammar: an unterminated label value is caught'
printf 'b 1\n' >"$T/bad2.prom"
like "$(grammar "$T/bad2.prom")" "without HELP and TYPE" 'grammar: a sample without HELP/TYPE is caught'
printf '# HELP c x\n# TYPE c gauge\nc{l="a\\q"} 1\n' >"$T/bad3.prom"
like "$(grammar "$T/bad3.prom")" "not a sample" 'grammar: a bad escape in a label value is caught'

done_testing
