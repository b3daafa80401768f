#!/bin/bash
# bench/scale.sh: 10,000 users jailed in one shared jail (issue 15, part 4).
#
#   bench/scale.sh [-u USERS] [-n RUNS]      (root, after make all)
#
# Runs in a throwaway private mount and network namespace with a private /etc
# copy (tests/lib.sh jail_test_private_etc, via tests/sshd-lib.sh): the
# host's /etc, /home, /run and /var/log are never written.
#
# The USERS (10,000) host accounts are written straight into the PRIVATE
# /etc copy (passwd, shadow, group, gshadow lines appended in one go), as a
# batch import from a user directory would: 10,000 runs of useradd(8) would
# take minutes and measure useradd, not jail.  Then, one shared jail:
#   1. adduser throughput: one `jailctl adduser` per user for a sample, and
#      `jailctl adduser --from FILE` for the rest
#   2. jailed ssh login latency vs unjailed (bench/session.sh's method:
#      `ssh USER@127.0.0.1 true`, RUNS runs each, alternating, medians) with
#      10, 1,000 and USERS jailed users in the jail (target: ratio <= 1.05)
#   3. `jailctl check` over the whole configuration and jail
#   4. `jailctl ps` with 200 live sessions (tests/bin/pamdrive)
#   5. disk per jailed user beyond the home's own files (target < 100 kB)
#   6. `jailctl update` of the shared tree with 50 live sessions: each still
#      runs a command afterwards
. "$(dirname "$0")/lib.sh"
NUSERS=10000
RUNS=15
bench_opts u:NUSERS:USERS n:RUNS:RUNS -- "$@"

if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
	bench_need_root
	make -s -C "$REPO" tests/bin/logsink tests/bin/pamdrive >/dev/null || exit 1
	bench_need_built jailctl/jailctl jailsh/jailsh pam_jail/pam_jail.so
	bench_unshare jail-scale "$@"
fi

# --- inside the throwaway namespace ------------------------------------------
bench_sshd_start
PAMDRIVE=$TOP/tests/bin/pamdrive
# The session tmpfs of sshd-lib is 64 MB: 10,000 homes need more.
mount -o remount,size=1g /home
C() { "$JAILCTL" --config "$CONF" "$@"; }
now() { date +%s%N; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e6 }'; }
name() { printf 's%05d' "$1"; }

C init "$J" basicshell jailsh >"$T/init.log" 2>&1 || die "jailctl init: $(cat "$T/init.log")"
user_add_unjailed benchu
user_add_jailed benchj "$J"
tssh benchu true || die "unjailed login failed"
tssh benchj true || die "jailed login failed"

echo "bench/scale.sh: $(uname -r), $(nproc) CPUs, $(/usr/sbin/sshd -V 2>&1 | head -1), $NUSERS users"

# --- 0. the host accounts: a batch import into the private /etc ---------------
# uids of their own, away from the tests' (100000 + 20 per run).
UID0=400000
EXTRA=20 # host users jailed one by one at the end, at full scale
t0=$(now)
# Users 1..999 and the EXTRA ones are plain accounts (shell /bin/bash): the
# adduser of each changes its host shell (usermod) and adds it to the ssh
# group (gpasswd), as for any existing user.  Users 1000..NUSERS are
# imported provisioned for the jail, as a hosting panel creating jailed
# accounts would: host shell jailsh and member of the ssh group `jailed`
# from the start, so their adduser has no host account to change.
awk -v n=$((NUSERS + EXTRA)) -v last=$NUSERS -v u0=$UID0 -v d="$(($(date +%s) / 86400))" \
	-v dir="$T/import" -v jsh="$SBIN/jailsh" '
	BEGIN {
		for (i = 1; i <= n; i++) {
			u = sprintf("s%05d", i); id = u0 + i
			sh = (i >= 1000 && i <= last) ? jsh : "/bin/bash"
			if (i >= 1000 && i <= last)
				m = m "," u
			printf "%s:x:%d:%d::/home/%s:%s\n", u, id, id, u, sh >(dir ".passwd")
			printf "%s:!:%d:0:99999:7:::\n", u, d >(dir ".shadow")
			printf "%s:x:%d:\n", u, id >(dir ".group")
			printf "%s:!::\n", u >(dir ".gshadow")
		}
		print substr(m, 2) >(dir ".members")
	}' || die "import"
for f in passwd shadow group gshadow; do
	cat "$T/import.$f" >>"/etc/$f" || die "import $f"
done
# the members of `jailed` (made by benchj's adduser), in group and gshadow
m=$(cat "$T/import.members")
[ -z "$m" ] || sed -i -e "s/^\(jailed:[^:]*:[^:]*:.*[^:]\)\$/\1,$m/" -e "s/^\(jailed:[^:]*:[^:]*:\)\$/\1$m/" \
	/etc/group /etc/gshadow || die "import: members of jailed"
t1=$(now)
echo
echo "0. host accounts: $((NUSERS + EXTRA)) written into the private /etc in one go: $(ms $((t1 - t0))) ms"
echo "   (a batch import's way; /etc/passwd now $(wc -l </etc/passwd) lines)"

# --- login latency at N jailed users ---------------------------------------------
# login_stage LABEL: RUNS alternating jailed/unjailed logins, medians, ratio.
login_stage() {
	local i who t0 mu mj
	: >"$T/lat.u"
	: >"$T/lat.j"
	tssh benchu true && tssh benchj true || die "login failed before stage $1"
	for i in $(seq "$RUNS"); do
		for who in u j; do
			t0=$(now)
			tssh "bench$who" true || die "login of bench$who failed ($1, run $i)"
			echo $(($(now) - t0)) >>"$T/lat.$who"
		done
	done
	mu=$(median <"$T/lat.u")
	mj=$(median <"$T/lat.j")
	printf '   %-34s %9s ms %9s ms %7s\n' "$1" "$(ms "$mu")" "$(ms "$mj")" "$(ratio "$mj" "$mu" 3)"
	echo "$1 $mu $mj" >>"$T/stages"
}
jailed_count() { grep -c ":$SBIN/jailsh\$" "$J/etc/passwd"; }

# --- 1. adduser, one call per user ----------------------------------------------
# Up to 10 jailed users (benchj + 9), then a sample of 200 one by one.
for i in $(seq 1 9); do
	C adduser -j "$J" "$(name "$i")" >/dev/null 2>"$T/add.err" || die "adduser $(name "$i"): $(cat "$T/add.err")"
done
echo
echo "2. login latency (ssh USER@127.0.0.1 true, $RUNS runs each, alternating, medians)"
printf '   %-34s %12s %12s %7s\n' "jailed users in the jail" "unjailed" "jailed" "ratio"
login_stage "$(jailed_count) jailed users"
SAMPLE=200
t0=$(now)
for i in $(seq 10 $((9 + SAMPLE))); do
	C adduser -j "$J" "$(name "$i")" >/dev/null 2>"$T/add.err" || die "adduser $(name "$i"): $(cat "$T/add.err")"
done
t_single=$(($(now) - t0))
# --- batch: up to 1,000, then up to NUSERS ----------------------------------------
batch() { # FROM TO -> ns
	local t0
	seq "$1" "$2" | awk '{ printf "s%05d\n", $1 }' >"$T/batch.txt"
	t0=$(now)
	C adduser -j "$J" --from "$T/batch.txt" >"$T/batch.out" 2>"$T/batch.err" ||
		die "adduser --from: $(tail -5 "$T/batch.err")"
	echo $(($(now) - t0))
}
n1=$((1000 - 1 - 9 - SAMPLE)) # benchj + 9 + SAMPLE already jailed
t_b1=$(batch $((10 + SAMPLE)) $((9 + SAMPLE + n1)))
login_stage "$(jailed_count) jailed users"
n2=$((NUSERS - 1000 + 1)) # up to NUSERS jailed users, benchj included
t_b2=$(batch $((10 + SAMPLE + n1)) $((9 + SAMPLE + n1 + n2)))
login_stage "$(jailed_count) jailed users"
# One by one again, at full scale.
t0=$(now)
for i in $(seq $((NUSERS + 1)) $((NUSERS + EXTRA))); do
	C adduser -j "$J" "$(name "$i")" >/dev/null 2>"$T/add.err" || die "adduser $(name "$i"): $(cat "$T/add.err")"
done
t_single_full=$(($(now) - t0))
echo "   (target: ratio <= 1.05 at every size)"

echo
echo "1. adduser throughput"
printf '   %-52s %10s %12s\n' "" "ms/user" "users/s"
row() { printf '   %-52s %10s %12s\n' "$1" "$(awk -v t="$2" -v n="$3" 'BEGIN { printf "%.2f", t / n / 1e6 }')" \
	"$(awk -v t="$2" -v n="$3" 'BEGIN { printf "%.1f", n / (t / 1e9) }')"; }
row "one 'jailctl adduser' per user, $SAMPLE users at 10..210" "$t_single" "$SAMPLE"
row "adduser --from FILE, $n1 users (210 -> 1000)" "$t_b1" "$n1"
row "adduser --from FILE, $n2 users (1000 -> $NUSERS)" "$t_b2" "$n2"
row "one 'jailctl adduser' per user, $EXTRA users at $NUSERS" "$t_single_full" "$EXTRA"
echo "   (whole --from batch to $NUSERS: $(ms $((t_b1 + t_b2))) ms)"

# --- 3. jailctl check ------------------------------------------------------------------
echo
echo "3. jailctl check over the whole configuration ($(ls "$CONF/users.d" | wc -l) users.d files) and the jail"
# The sshd_config this run's sshd uses (it holds the shipped Match Group
# jailed block): jailctl check then runs one sshd -T per class of users
# instead of one per user.
SSHDC=$T/sshd-default.conf
t0=$(now)
C check --sshd-config "$SSHDC" >"$T/check.out" 2>&1
crc=$?
t1=$(now)
printf '   %-38s %10s ms (exit %s, %s findings)\n' "jailctl check" "$(ms $((t1 - t0)))" "$crc" \
	"$(wc -l <"$T/check.out")"
t0=$(now)
C check --sshd-config "$SSHDC" "$J" >/dev/null 2>&1
t1=$(now)
printf '   %-38s %10s ms\n' "jailctl check JAIL" "$(ms $((t1 - t0)))"
head -5 "$T/check.out" | sed 's/^/     /'

# --- 5. disk per user ------------------------------------------------------------------
echo
echo "5. disk per jailed user beyond the home's own files"
nj=$(jailed_count)
ud_files=$(find "$CONF/users.d" -type f | wc -l)
ud_bytes=$(du -s --apparent-size -B1 "$CONF/users.d" | cut -f1)
ud_alloc=$(du -s -B1 "$CONF/users.d" | cut -f1)
pw_bytes=$(($(stat -c %s "$J/etc/passwd") + $(stat -c %s "$J/etc/group")))
h=$J/home/s00500
home_alloc=$(du -s -B1 "$h" | cut -f1)
home_bytes=$(du -s --apparent-size -B1 "$h" | cut -f1)
home_files=$(find "$h" | wc -l)
printf '   %-46s %10s %10s\n' "" "bytes" "allocated" \
	"users.d file ($ud_files files)" "$((ud_bytes / ud_files))" "$((ud_alloc / ud_files))" \
	"jail passwd+group lines ($nj users)" "$((pw_bytes / nj))" "-" \
	"home skeleton (/etc/skel, $home_files entries)" "$home_bytes" "$home_alloc"
tot=$((ud_alloc / ud_files + pw_bytes / nj + home_alloc))
echo "   total per user: $((tot / 1024)) kB allocated on $(stat -f -c %T "$J") (target < 100 kB; CageFS ~8 MB)"
echo "   (host accounts: passwd/shadow/group lines the host has anyway; no mount per user)"

# --- 4. jailctl ps with 200 live sessions ----------------------------------------------
PREG=/run/jail/sessions
PAMD=$T/pam.d
mkdir -p "$PAMD"
echo "# nothing" >"$PAMD/other"
echo "session required $PAM_MODULE config=$CONF" >"$PAMD/jailscale"
# Every session's command reads its stdin, a fifo this script holds open
# for writing on fd 9: closing fd 9 ends them all (EOF), with no signal.
mkfifo "$T/hold"
open_sessions() { # FIRST COUNT CMD: a live session of each user FIRST..
	local i u
	exec 9<>"$T/hold"
	for i in $(seq "$1" $(($1 + $2 - 1))); do
		u=$(name "$i")
		"$PAMDRIVE" -c "$PAMD" -s jailscale "$u" "$3" <"$T/hold" >"$T/pd.$u" 2>&1 9>&- &
		echo $! >>"$T/pd.pids"
	done
}
nsessions() { ls -A "$PREG" 2>/dev/null | wc -l; }
wait_sessions() { # COUNT
	local i
	for i in $(seq 1200); do
		[ "$(nsessions)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
close_sessions() {
	exec 9>&-
	for p in $(cat "$T/pd.pids"); do wait "$p" 2>/dev/null; done
	: >"$T/pd.pids"
	for i in $(seq 300); do
		[ "$(nsessions)" = 0 ] && break
		sleep 0.1
	done
}
: >"$T/pd.pids"
echo
echo "4. jailctl ps with 200 live sessions (tests/bin/pamdrive, 200 users)"
t0=$(now)
open_sessions 10 200 'read x'
wait_sessions 200 || die "200 sessions did not start ($(nsessions)): $(cat "$T"/pd.s0001* | head -3)"
t1=$(now)
printf '   %-38s %10s ms\n' "200 sessions opened (concurrently)" "$(ms $((t1 - t0)))"
: >"$T/ps.t"
for r in 1 2 3 4 5; do
	t0=$(now)
	C ps >"$T/ps.out" 2>&1 || die "jailctl ps: $(head -3 "$T/ps.out")"
	echo $(($(now) - t0)) >>"$T/ps.t"
done
printf '   %-38s %10s ms (%s sessions listed, median of 5)\n' "jailctl ps" \
	"$(ms "$(median <"$T/ps.t")")" "$(grep -c ' s0' "$T/ps.out")"
t0=$(now)
C ps --json >/dev/null 2>&1
printf '   %-38s %10s ms\n' "jailctl ps --json" "$(ms $(($(now) - t0)))"
close_sessions
echo "   closed: $(nsessions) sessions left"

# --- 6. jailctl update with 50 live sessions ------------------------------------------
echo
echo "6. jailctl update of the shared tree with 50 live sessions"
# Each session runs a command (ls of the jail's /) every 0.2 s and prints
# ok or FAIL, until its stdin (the fifo) closes.
open_sessions 300 50 'while :; do if /bin/ls / >/dev/null; then echo ok; else echo FAIL; fi; read -t 0.2 x; [ $? -gt 128 ] || exit 0; done'
wait_sessions 50 || die "50 sessions did not start ($(nsessions))"
sleep 1
count_ok() { grep -c '^ok' "$1"; }
# Something for update to do: files of the tree made older than the host's.
for f in ls cat sleep bash; do
	[ -f "$J/usr/bin/$f" ] && touch -d '2000-01-01' "$J/usr/bin/$f"
done
t0=$(now)
C update "$J" >"$T/update.out" 2>&1
urc=$?
t1=$(now)
for f in "$T"/pd.s003[0-4]*; do count_ok "$f"; done >"$T/ok.at"
sleep 1.5
# Each session ran a command after the update: its ok count grew since.
for f in "$T"/pd.s003[0-4]*; do count_ok "$f"; done >"$T/ok.after"
grown=$(paste "$T/ok.at" "$T/ok.after" | awk '$2 > $1 { n++ } END { print n + 0 }')
fails=$(grep -l FAIL "$T"/pd.s003[0-4]* 2>/dev/null | wc -l)
live=$(nsessions)
printf '   %-38s %10s ms (exit %s, %s lines: %s)\n' "jailctl update" "$(ms $((t1 - t0)))" "$urc" \
	"$(wc -l <"$T/update.out")" "$(tail -1 "$T/update.out")"
printf '   %-38s %10s\n' "sessions live after the update" "$live / 50" \
	"sessions that ran a command after it" "$grown / 50" \
	"sessions with a failed command" "$fails"
close_sessions
[ "$urc" = 0 ] && [ "$fails" = 0 ] && [ "$grown" = 50 ]
