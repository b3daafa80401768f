# Shared helpers for integration tests (TAP).  Source from a tests/integration/*.t
# script.  Integration tests run as root inside a private mount namespace, in a
# scratch directory that is removed at exit; they never touch the host's /etc.
#
#   . "$(dirname "$0")/../lib.sh"
#   jail_test_setup          # re-exec in a private mount ns, make $T (scratch)
#   ok 'name' cmd args...    # passes when the command succeeds
#   nok 'name' cmd args...   # passes when the command fails
#   is "$got" "$want" 'name'
#   like "$haystack" "needle" 'name'
#   done_testing

TOP=$(cd "$(dirname "$0")/../.." && pwd)
JAILCTL=$TOP/jailctl/jailctl
JAILSH=$TOP/jailsh/jailsh
PAM_JAIL=$TOP/pam_jail/pam_jail.so
_tap_n=0
_tap_failed=0

# make sanitize (JAIL_SANITIZE=1): a sanitizer report fails the test that
# provoked it, whatever that test expected.  Every sanitizer exits 86
# (tests/sanitize.env); ok/nok/is/like/unlike fail on output that holds a
# report, and nok on exit status 86; at exit, jail_test_cleanup searches the
# files directly in $T (sshd's stderr, logs) and fails the test on a report.
if [ "${JAIL_SANITIZE:-0}" = 1 ]; then
	. "$TOP/tests/sanitize.env"
fi
# _san_text TEXT: true when TEXT holds a sanitizer report (sanitize runs only).
_san_text() {
	[ "${JAIL_SANITIZE:-0}" = 1 ] || return 1
	printf '%s\n' "$1" | grep -aqE "$JAIL_SAN_PATTERN"
}
_san_fail() { # NAME TEXT
	echo "not ok $_tap_n - $1 (a sanitizer report)"
	printf '%s\n' "$2" | grep -aE -A12 "$JAIL_SAN_PATTERN" | head -16 | sed "s/^/#   /"
	_tap_failed=$((_tap_failed + 1))
}

ok() {
	_name=$1; shift
	_tap_n=$((_tap_n + 1))
	if "$@" >"$T/.out" 2>&1; then
		if _san_text "$(cat "$T/.out")"; then
			_san_fail "$_name" "$(cat "$T/.out")"
			return
		fi
		echo "ok $_tap_n - $_name"
	else
		echo "not ok $_tap_n - $_name"
		sed 's/^/#   /' "$T/.out" | head -20
		_tap_failed=$((_tap_failed + 1))
	fi
}

nok() {
	_name=$1; shift
	_tap_n=$((_tap_n + 1))
	if "$@" >"$T/.out" 2>&1; then
		echo "not ok $_tap_n - $_name (command succeeded, expected failure)"
		sed 's/^/#   /' "$T/.out" | head -20
		_tap_failed=$((_tap_failed + 1))
	else
		_rc=$?
		if [ "${JAIL_SANITIZE:-0}" = 1 ] && { [ "$_rc" = "$JAIL_SAN_EXIT" ] ||
			_san_text "$(cat "$T/.out")"; }; then
			_san_fail "$_name (failed with status $_rc)" "$(cat "$T/.out")"
			return
		fi
		echo "ok $_tap_n - $_name"
	fi
}

is() {
	_tap_n=$((_tap_n + 1))
	if _san_text "$1"; then
		_san_fail "$3" "$1"
	elif [ "$1" = "$2" ]; then
		echo "ok $_tap_n - $3"
	else
		echo "not ok $_tap_n - $3"
		printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

like() {
	_tap_n=$((_tap_n + 1))
	if _san_text "$1"; then
		_san_fail "$3" "$1"
		return
	fi
	case "$1" in
	*"$2"*) echo "ok $_tap_n - $3" ;;
	*)
		echo "not ok $_tap_n - $3"
		printf '#   %s\n' "does not contain: $2" "got:" 
		printf '%s\n' "$1" | head -20 | sed 's/^/#     /'
		_tap_failed=$((_tap_failed + 1))
		;;
	esac
}

unlike() {
	_tap_n=$((_tap_n + 1))
	if _san_text "$1"; then
		_san_fail "$3" "$1"
		return
	fi
	case "$1" in
	*"$2"*)
		echo "not ok $_tap_n - $3"
		printf '#   must not contain: %s\n' "$2"
		printf '%s\n' "$1" | head -20 | sed 's/^/#     /'
		_tap_failed=$((_tap_failed + 1))
		;;
	*) echo "ok $_tap_n - $3" ;;
	esac
}

diag() { printf '# %s\n' "$*"; }

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

bail() { echo "Bail out! $*"; exit 255; }

# skip REASON: a TAP skip (a check that cannot apply on this host).
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP $*"
}

# Host facts, for tests that must hold with exact expectations on every
# host (the development machine: cgroup v1-hybrid, no AppArmor; the guest
# lane, tests/guest: pure cgroup v2, AppArmor enforcing).
#
# jail_cg_unified: true where /sys/fs/cgroup is a cgroup v2 root with
# controllers (pure v2: a session is one directory, the line
# `0::/PARENT/USER/ID` in /proc/PID/cgroup); false on v1 and hybrid hosts
# (a directory per controller, `N:pids:/PARENT/USER/ID`).
jail_cg_unified() { [ -e /sys/fs/cgroup/cgroup.controllers ]; }
# jail_apparmor_enabled: AppArmor is enabled in this kernel.
jail_apparmor_enabled() {
	[ -d /sys/kernel/security/apparmor ] &&
		grep -qx Y /sys/module/apparmor/parameters/enabled 2>/dev/null
}
# jail_kmsg_mark, then jail_kmsg_since TEXT: the kernel log lines (dmesg)
# logged since the mark that hold TEXT, waiting up to 3 s for one: where
# the audit lines of AppArmor go when no auditd runs.
jail_kmsg_mark() { _kmsg_mark=$(dmesg 2>/dev/null | wc -l); }
jail_kmsg_since() {
	local out= i
	for i in $(seq 30); do
		out=$(dmesg 2>/dev/null | tail -n "+$((${_kmsg_mark:-0} + 1))" | grep -F -- "$1")
		[ -n "$out" ] && break
		sleep 0.1
	done
	printf '%s\n' "$out"
}
# jail_apparmor_enforced NAME: the AppArmor profile NAME is loaded in
# enforce mode (jailsh then confines sessions with it).
jail_apparmor_enforced() {
	jail_apparmor_enabled &&
		grep -qxF "$1 (enforce)" /sys/kernel/security/apparmor/profiles 2>/dev/null
}

# jail_add_prog JAIL PROG...: copy each program (a name on PATH or a path)
# and the libraries ldd lists into the hand-made jail JAIL, at the same
# paths (for tests that build a small jail without jailctl init).
jail_add_prog() { # JAIL PROG...
	local d=$1 p f x
	shift
	for p in "$@"; do
		f=$(command -v "$p") || bail "no $p on the host"
		for x in "$f" $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$d$x" ] && continue
			mkdir -p "$d$(dirname "$x")"
			cp -L "$x" "$d$x" || bail "copy $x"
		done
	done
}

# Re-exec in a private mount namespace (and network namespace with only
# loopback when JAIL_TEST_NET=1), then create the scratch dir $T under a
# root-owned 0755 base (jail roots must have a trusted parent chain).
# Pids of the living processes whose NS namespace (net, pid, mnt, ...) is
# that of process REF (a pid, or self), named COMM when given, the shell
# running the loop left out (a $(...) around it is a process).  Builtins only
# ([ -ef ] compares the nsfs inodes, read takes stat and comm): in the guest
# lane's emulation a fork costs 30-50 ms, and one readlink per process of
# /proc made every "nothing left" check take seconds.
ns_procs() { # NS REF [COMM]
	local p
	for p in /proc/[0-9]*; do
		[ "$p" = "/proc/$BASHPID" ] && continue
		[ "$p/ns/$1" -ef "/proc/$2/ns/$1" ] || continue
		_proc_live_named "$p" "${3:-}" && echo "${p#/proc/}"
	done
}

# True when /proc/PID (P) is alive (not a zombie, not gone) and, when COMM
# is not empty, named COMM.  Builtins only (ns_procs, cgroup_procs).
_proc_live_named() { # P COMM
	local st c
	st=
	read -r st 2>/dev/null <"$1/stat" || return 1
	st=${st##*) }
	[ "${st%% *}" = Z ] && return 1
	[ -z "$2" ] && return 0
	c=
	read -r c 2>/dev/null <"$1/comm"
	[ "$c" = "$2" ]
}

# Pids of the living processes in a cgroup below one named PARENT (a path
# component of a line of their /proc/PID/cgroup, any hierarchy, v1 or v2),
# named COMM when given, the shell running the loop left out: what a test
# whose jail.ini sets cgroup_parent = PARENT (unique to the run) started in
# a sandbox, whatever runs on the host beside it.  Zombies are left out, as
# ns_procs does.  Builtins only, as ns_procs.
cgroup_procs() { # PARENT [COMM]
	local p l hit
	for p in /proc/[0-9]*; do
		[ "$p" = "/proc/$BASHPID" ] && continue
		hit=
		while read -r l; do
			case "$l/" in *"/$1/"*) hit=1 && break ;; esac
		done 2>/dev/null <"$p/cgroup"
		[ -n "$hit" ] || continue
		_proc_live_named "$p" "${2:-}" && echo "${p#/proc/}"
	done
}

# Pids of the living processes of USER (a name of the test's /etc, or a
# uid; the effective uid, as pgrep -u), named COMM when given, that this
# test started: in its network namespace (with JAIL_TEST_NET=1 only) or in a
# cgroup below $CGROUP_PARENT (when set).  What `pgrep -u USER [-x COMM]`
# finds, without the processes of other tests running beside it: every
# test's private /etc gives its users the same uids.  False when none.
# Builtins but for the two lists and id(1) for a name.
user_procs() { # USER [COMM]
	local uid=$1 p k r e x found=1 net= cg=
	local -A seen=()
	case $uid in '' | *[!0-9]*) uid=$(id -u -- "$1" 2>/dev/null) || return 1 ;; esac
	[ "${JAIL_TEST_NET:-0}" = 1 ] && net=$(ns_procs net self "${2:-}")
	[ -n "${CGROUP_PARENT:-}" ] && cg=$(cgroup_procs "$CGROUP_PARENT" "${2:-}")
	for p in $net $cg; do
		[ "$p" = $$ ] || [ -n "${seen[$p]:-}" ] && continue
		seen[$p]=1
		e=
		while read -r k r e x; do
			[ "$k" = Uid: ] && break
			e=
		done 2>/dev/null <"/proc/$p/status"
		[ "$e" = "$uid" ] || continue
		echo "$p"
		found=0
	done
	return $found
}

jail_test_setup() {
	[ "$(id -u)" = 0 ] || bail "integration tests must run as root"
	if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
		export JAIL_TEST_IN_NS=1
		if [ "${JAIL_TEST_NET:-0}" = 1 ]; then
			exec unshare --mount --net --propagation private "$0" "$@"
		fi
		exec unshare --mount --propagation private "$0" "$@"
	fi
	[ "${JAIL_TEST_NET:-0}" = 1 ] && ip link set lo up
	# The host's /run is a tmpfs this namespace shares with the host: a mount
	# is private, but a directory made there stays after the test.  So no
	# file is made there: libmount would make /run/mount for its utab at the
	# first mount (point it where nothing can be created: our mounts have no
	# user-space options to record), and the scratch tmpfs goes on a private
	# /run of its own.  Everything the test creates disappears with the
	# namespace.
	export LIBMOUNT_UTAB=/proc/jail-tests-no-utab/utab
	# JAIL_TEST_HOST_SYSTEMD=1: keep the host's /run reachable (fd 8) for
	# jail_test_host_systemd.
	if [ "${JAIL_TEST_HOST_SYSTEMD:-0}" = 1 ]; then
		exec 8</run || bail "open the host's /run"
	fi
	mount -t tmpfs -o mode=0755,nosuid,nodev jail-tests-run /run || bail "private /run"
	mkdir -p -m 0755 /run/jail-tests /run/lock
	mount -t tmpfs -o mode=0755 jail-tests /run/jail-tests || bail "scratch tmpfs"
	T=$(mktemp -d /run/jail-tests/t.XXXXXX)
	chmod 0755 "$T"
	trap 'jail_test_cleanup' EXIT
}

jail_test_cleanup() {
	_san_rc=0
	# make sanitize: a report in one of the test's own files (sshd's stderr,
	# where pam_jail.so inside sshd writes; logs) fails the test.  Only the
	# files directly in $T: jails below it hold the sanitizer runtimes,
	# whose text must not be searched.
	if [ "${JAIL_SANITIZE:-0}" = 1 ] && [ -n "${T:-}" ] && [ -d "$T" ]; then
		for _f in "$T"/* "$T"/.out; do
			[ -f "$_f" ] && [ ! -L "$_f" ] || continue
			if grep -aqE "$JAIL_SAN_PATTERN" "$_f" 2>/dev/null; then
				echo "# sanitizer report in $_f:"
				grep -aE -A12 "$JAIL_SAN_PATTERN" "$_f" | head -16 | sed "s/^/#   /"
				_san_rc=1
			fi
		done
	fi
	cd /
	umount -l /run/jail-tests 2>/dev/null || true
	[ "$_san_rc" = 0 ] || exit 1
}

# jail_test_host_systemd: the host's systemd and system bus in the test's
# private /run (/run/systemd and /run/dbus bound from the host's, kept open
# on fd 8 since jail_test_setup, which needs JAIL_TEST_HOST_SYSTEMD=1): for
# tests of pam_systemd, logind and the systemd cgroup backend, on a host
# where systemd is pid 1.  Call it after the last mount over /run.
jail_test_host_systemd() {
	local d
	for d in systemd dbus; do
		mkdir -p "/run/$d" && mount -c --rbind "/proc/self/fd/8/$d" "/run/$d" &&
			[ -n "$(ls -A "/run/$d")" ] ||
			bail "bind the host's /run/$d"
	done
}

# Bind a private copy of the whole /etc over /etc (inside this mount
# namespace only): useradd/usermod rename files inside /etc, which a bind
# mount of single files would refuse.  The host's /etc is never written.
# Also prepares a test config directory $CONF (= $T/conf) with the shipped
# profiles, trusted (root-owned, not group/world-writable).
jail_test_private_etc() {
	mkdir -p "$T/etc"
	cp -a /etc/. "$T/etc/"
	mount --bind "$T/etc" /etc
	CONF=$T/conf
	mkdir -p "$CONF/users.d" "$CONF/profiles"
	cp "$TOP"/profiles/*.ini "$CONF/profiles/" 2>/dev/null || true
	chmod -R go-w "$CONF"
	chmod 0755 "$CONF" "$CONF/users.d" "$CONF/profiles"
}
