# Services harness for integration tests (`jailctl run NAME` of services.d).
# Source it after tests/lib.sh; call svc_test_setup after jail_test_setup and
# jail_test_private_etc (it writes $CONF, a private /etc's users).
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../service-lib.sh"
#   jail_test_setup
#   jail_test_private_etc
#   svc_test_setup [--svcd] [USER...]  # the jail, jail.ini, services.d, users
#   svc NAME KEY=VALUE...             # write $CONF/services.d/NAME.ini
#   wait_for FILE TEXT [SECONDS]      # until FILE has TEXT (a grep pattern)
#   svc_records                       # how many session records /run/jail holds
#
# After svc_test_setup:
#   $J      the jail, $T/jails/base, made by `jailctl init` (basicshell)
#   $SVCD   tests/bin/svcd (with --svcd: also /usr/local/bin/svcd in $J)
#   $CONF/jail.ini  jail = $J, state_root = $T/state/root,
#           logs_root = $T/logs/root ($T/state and $T/logs exist), and
#           cgroup_parent = $CGROUP_PARENT when the test set it (one unique
#           to the run lets its checks look at its own cgroups and processes
#           only, see cgroup_procs in lib.sh; the test removes it at the end)
#   $CONF/services.d  root-owned, 0755, empty

# svc_test_setup [--svcd] [USER...]: build the services' jail $J with
# `jailctl init` (basicshell), write $CONF/jail.ini (jail, state_root,
# logs_root), make an empty root-owned $CONF/services.d, and add each USER
# as a system user (no home, nologin shell) to the private /etc.  --svcd:
# tests/bin/svcd, the test daemon, is installed in the jail as
# /usr/local/bin/svcd (bails when it is not built).
svc_test_setup() {
	local u svcd=
	SVCD=$TOP/tests/bin/svcd
	J=$T/jails/base
	if [ "${1:-}" = --svcd ]; then
		svcd=1
		shift
		[ -x "$SVCD" ] || bail "tests/bin/svcd not built (make unit-tests)"
	fi
	"$JAILCTL" --config "$CONF" init "$J" basicshell >"$T/init.out" 2>&1 ||
		bail "jailctl init: $(tail -5 "$T/init.out")"
	if [ -n "$svcd" ]; then
		install -D -m 0755 "$SVCD" "$J/usr/local/bin/svcd" || bail "install svcd in $J"
	fi
	mkdir -p "$T/state" "$T/logs"
	cat >"$CONF/jail.ini" <<EOF
[jail]
jail = $J
state_root = $T/state/root
logs_root = $T/logs/root
EOF
	[ -z "${CGROUP_PARENT:-}" ] || echo "cgroup_parent = $CGROUP_PARENT" >>"$CONF/jail.ini"
	mkdir -p -m 0755 "$CONF/services.d"
	for u in "$@"; do
		useradd -M -r -s /usr/sbin/nologin "$u" || bail "useradd $u"
	done
}

# svc NAME KEY=VALUE...: write $CONF/services.d/NAME.ini, section
# [service:NAME], `jail = $J` first unless one KEY=VALUE is a "jail = ...",
# then each KEY=VALUE line as given; mode 0644.
svc() {
	local name=$1 f=$CONF/services.d/$1.ini kv jail="jail = $J"
	shift
	for kv in "$@"; do
		case $kv in "jail = "*) jail= ;; esac
	done
	{
		echo "[service:$name]"
		[ -z "$jail" ] || echo "$jail"
		for kv in "$@"; do echo "$kv"; done
	} >"$f"
	chmod 0644 "$f"
}

# wait_for FILE TEXT [SECONDS]: wait until FILE has TEXT (a grep basic
# regular expression), at most SECONDS (10); false when it never came.
wait_for() {
	local i
	for i in $(seq $((${3:-10} * 20))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# svc_records: the number of session records (/run/jail/sessions), services'
# and logins' alike: 0 once every service is gone.
svc_records() { ls /run/jail/sessions 2>/dev/null | wc -l; }
