# Helpers of the escape suite (tests/integration/60-escape.t).  Source after
# tests/lib.sh: they print TAP through its counters.
#
#   expect_of TECH COLUMN           expected outcome(s) ("-" = not run), from
#                                   expect-apparmor where ESCAPE_AA names COLUMN
#   techs_for COLUMN [ctty|plain]   the techniques run in COLUMN
#   check_results CONTEXT COLUMN OUTPUT TECH...
#                                   one TAP line per technique: its RESULT
#                                   line in OUTPUT against the expectation
#   check_one CONTEXT TECH EXPECTED OUTPUT   the same with an explicit expectation
#   tap_pass / tap_fail NAME [DIAG...] / tap_skip NAME REASON / tap_todo NAME REASON

ESCAPE_EXPECT=${ESCAPE_EXPECT:-$TOP/tests/escape/expect}

tap_pass() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

tap_fail() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1"
	shift
	for l in "$@"; do printf '#   %s\n' "$l"; done
	_tap_failed=$((_tap_failed + 1))
}

# A technique that could not be exercised: prove counts it as skipped.
tap_skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

# A known limitation (not counted as a failure, shown as TODO by prove).
tap_todo() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1 # TODO $2"
}

_col_index() {
	case $1 in
	base) echo 2 ;;
	default) echo 3 ;;
	strict) echo 4 ;;
	root) echo 5 ;;
	*) bail "escape-lib: unknown column $1" ;;
	esac
}

# ESCAPE_AA: the columns (default, strict) whose sessions an AppArmor
# profile confines on this host (set by the driver where the profile's
# jail-default or jail-strict is loaded in enforce mode).  For those,
# tests/escape/expect-apparmor says where AppArmor refuses first; "=" or no
# line there: the same outcome as without it.
ESCAPE_EXPECT_AA=${ESCAPE_EXPECT_AA:-$TOP/tests/escape/expect-apparmor}
ESCAPE_AA=${ESCAPE_AA:-}

expect_of() {
	local v=""
	case " $ESCAPE_AA " in
	*" $2 "*)
		v=$(awk -v t="$1" -v c="$(_col_index_aa "$2")" \
			'!/^#/ && $1 == t { print $c; exit }' "$ESCAPE_EXPECT_AA")
		;;
	esac
	if [ -n "$v" ] && [ "$v" != = ]; then
		echo "$v"
		return
	fi
	awk -v t="$1" -v c="$(_col_index "$2")" '!/^#/ && $1 == t { print $c; exit }' "$ESCAPE_EXPECT"
}

_col_index_aa() {
	case $1 in
	default) echo 2 ;;
	strict) echo 3 ;;
	*) bail "escape-lib: no AppArmor column $1" ;;
	esac
}

# techs_for COLUMN [ctty|plain]: techniques with an expectation in COLUMN;
# ctty: only those needing a controlling terminal; plain: all the others.
techs_for() {
	awk -v c="$(_col_index "$1")" -v kind="${2:-all}" '
		/^#/ || NF < 5 { next }
		$c == "-" { next }
		kind == "ctty" && $1 !~ /-ctty/ { next }
		kind == "plain" && $1 ~ /-ctty/ { next }
		{ printf "%s ", $1 }' "$ESCAPE_EXPECT"
}

# check_one CONTEXT TECH EXPECTED OUTPUT
check_one() {
	local line outcome detail
	line=$(printf '%s\n' "$4" | tr -d '\r' | grep -m1 "^RESULT $2 " || true)
	outcome=$(printf '%s\n' "$line" | awk '{ print $3 }')
	detail=${line#"RESULT $2 $outcome"}
	_check_line "$1" "$2" "$3" "$outcome" "${detail# }" "$4"
}

# _check_line CONTEXT TECH EXPECTED OUTCOME DETAIL OUTPUT: the TAP line
# (OUTCOME empty: the probe printed no RESULT line for TECH).  No process
# is started unless the check fails: hundreds of checks run per test, and
# a fork costs milliseconds under emulation (the guest lane).
_check_line() {
	local ctx=$1 tech=$2 want=$3 outcome=$4 detail=$5
	if [ -z "$outcome" ]; then
		tap_fail "[$ctx] $tech: expected $want" "no RESULT line for $tech; output was:" \
			"$(printf '%s\n' "$6" | tr -d '\r' | grep -v '^RESULT ' | head -5)"
		return
	fi
	if [ "$outcome" = SKIP ]; then
		tap_skip "[$ctx] $tech: expected $want" "$detail"
		return
	fi
	case "|$want|" in
	*"|$outcome|"*) tap_pass "[$ctx] $tech: $outcome" ;;
	*)
		if [ "$outcome" = ESCAPED ]; then
			tap_fail "[$ctx] $tech: ESCAPED (expected $want)" "the attack worked: $detail"
		else
			tap_fail "[$ctx] $tech: $outcome, expected $want" "detail: $detail"
		fi
		;;
	esac
}

# check_results CONTEXT COLUMN OUTPUT TECH...: one awk pass pairs each
# TECH's expectation (expect_of's rules) with its first RESULT line.
check_results() {
	local ctx=$1 col=$2 out=$3 ca=0 tech want outcome detail
	shift 3
	case " $ESCAPE_AA " in
	*" $col "*) ca=$(_col_index_aa "$col") ;;
	esac
	# (fields split by \037: a tab is IFS white space, and empty fields
	# between tabs would merge)
	while IFS=$'\037' read -r tech want outcome detail; do
		_check_line "$ctx" "$tech" "$want" "$outcome" "$detail" "$out"
	done < <(printf '%s\n' "$out" | tr -d '\r' | awk -v techs="$*" -v c="$(_col_index "$col")" \
		-v ca="$ca" -v ef="$ESCAPE_EXPECT" -v af="$ESCAPE_EXPECT_AA" '
		function load(file, col, min,    l, f) {
			while ((getline l < file) > 0) {
				if (l ~ /^#/ || split(l, f, /[ \t]+/) < min || f[col] == "=")
					continue
				want[f[1]] = f[col]
			}
		}
		BEGIN { load(ef, c, 5); if (ca > 0) load(af, ca, 3) }
		/^RESULT / && !($2 in res) {
			res[$2] = $3
			d = $0
			sub(/^RESULT [^ ]+ [^ ]+ ?/, "", d)
			det[$2] = d
		}
		END {
			n = split(techs, ts, " ")
			for (i = 1; i <= n; i++)
				printf "%s\037%s\037%s\037%s\n", ts[i], want[ts[i]], res[ts[i]], det[ts[i]]
		}')
}

# check_limits CONTEXT OUTPUT PIDS_MAX MEM_MIB: the fork loop stopped below
# pids.max and the memory hog was killed below the memory limit (the
# numbers the probe measured from inside).
check_limits() {
	local ctx=$1 out=$2 pids=$3 mem=$4 n m
	n=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^RESULT forkbomb EAGAIN fork refused after \([0-9]*\) forks.*/\1/p')
	m=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^RESULT memhog KILLED SIGKILL after \([0-9]*\) MiB.*/\1/p')
	if [ -n "$n" ] && [ "$n" -lt "$pids" ]; then
		tap_pass "[$ctx] the fork loop was stopped after $n forks, below pids_max $pids"
	else
		tap_fail "[$ctx] the fork loop was stopped below pids_max $pids" "forks: '${n:-no result}'"
	fi
	if [ -n "$m" ] && [ "$m" -le "$mem" ]; then
		tap_pass "[$ctx] the memory hog was killed at $m MiB, within memory_max $mem MiB"
	else
		tap_fail "[$ctx] the memory hog was killed within memory_max $mem MiB" "MiB: '${m:-no result}'"
	fi
}

# A profile key's value from $CONF/profiles/NAME.ini.
profile_key() {
	awk -F' *= *' -v k="$2" '$1 == k { print $2; exit }' "$CONF/profiles/$1.ini"
}

# A size like 1G, 256M, 512K or bytes, in MiB.
size_mib() {
	case $1 in
	*G) echo $((${1%G} * 1024)) ;;
	*M) echo "${1%M}" ;;
	*K) echo $((${1%K} / 1024)) ;;
	*) echo $(($1 / 1048576)) ;;
	esac
}

# The id of the one live session of USER (jailctl ps).
session_of() {
	"$JAILCTL" --config "$CONF" ps 2>/dev/null | awk -v u="$1" '$2 == u { print $1 }'
}

# wait_session USER COUNT: until USER has COUNT live sessions (10 s).
wait_session() {
	local i
	for i in $(seq 200); do
		[ "$(session_of "$1" | wc -l)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
