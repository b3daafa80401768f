#!/bin/bash
# The escape suite as a service: the probe of 60-escape.t
# (tests/probe/escape.c, tests/escape/README.md) run by `jailctl run NAME`
# under the shipped `service` profile (profiles/service.ini), once as a
# service user and once as user = root, in a jail built by jailctl init.
# Each technique is checked against tests/escape/expect: the `default`
# column for the service user, the `root` column for root, except where a
# service differs: SVC_DIFF and the comments below say which and why.
# What a service is not (no login): no controlling terminal (*-ctty), no
# jailsh, no home.  What the `service` profile keeps, unlike `default`:
#   - cap_net_bind_service in the bounding set (root's CapEff holds it):
#     no other capability, so af-inet-raw, af-packet, mount, chroot are
#     refused as for `default`;
#   - the host network (net = host): the host's abstract unix sockets are
#     reached only where Landlock cannot scope them (ABI < 6: TODO, as in
#     60-escape.t); path sockets of the host are not in the jail (ENOENT).
# Root in a service, unlike root via `jailctl enter`, runs with
# no_new_privs and the profile's seccomp filter: the root column, plus the
# techniques the filter refuses, expected as for the user.
# Then, as root in the service: / cannot be remounted read-write, the jail
# cannot be written, no host /proc or cgroup to escape through, and the
# jail tree is unchanged after every run.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../service-lib.sh"
. "$(dirname "$0")/../escape/escape-lib.sh"
jail_test_setup
jail_test_private_etc

ESC=$TOP/tests/bin/escape
[ -x "$ESC" ] || bail "tests/bin/escape missing: run make unit-tests"
command -v python3 >/dev/null || bail "python3 missing (tests/deps.sh)"
IN=/usr/local/bin
svc_test_setup escsvc escother # $J, jail.ini, services.d, the two users

# The admin's plants, as in 60-escape.t.
install -d -m 0755 "$J$IN"
install -m 0755 "$ESC" "$J$IN/escape"
install -m 4755 "$ESC" "$J$IN/escape-suid"
install -m 0755 "$ESC" "$J$IN/escape-fcaps"
setcap cap_dac_override,cap_setuid+ep "$J$IN/escape-fcaps" || bail "setcap"
install -m 4755 -o escother -g escother "$ESC" "$J$IN/escape-suid-user"
mknod -m 0666 "$J/etc/escape-null" c 1 3 || bail "mknod"
echo "jail-secret-$$" >"$J/etc/jail-secret"
chmod 0600 "$J/etc/jail-secret"
"$JAILCTL" --config "$CONF" cp "$J" /bin/mount >"$T/cp.out" 2>&1 || bail "jailctl cp mount: $(tail -3 "$T/cp.out")"
# The mount points jailctl run makes where the jail lacks them (0755 root),
# made here so that the snapshot holds them: after it, nothing may change.
install -d -m 0755 "$J/proc" "$J/run" "$J/tmp"
tree_list() { (cd "$J" && find . -xdev -printf '%p %m %u %s %T@\n' | sort); }
tree_list >"$T/tree.before"

# Host fixtures: a marker, host sockets (abstract and path), a host process
# of the service user's uid recording SIGWINCH.
MARKER=$T/host-only-marker
echo host-only >"$MARKER"
chmod 0644 "$MARKER"
ABSTRACT=jail-escsvc-$$
HOSTSOCK=/run/docker.sock
: >"$T/sock.log"
python3 - "$T/sock.log" "$ABSTRACT" "$HOSTSOCK" >"$T/py.out" 2>&1 <<'EOF' &
import os, select, socket, sys
log = open(sys.argv[1], "a", buffering=1)
a = socket.socket(socket.AF_UNIX); a.bind("\0" + sys.argv[2]); a.listen(16)
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[3]); u.listen(16)
os.chmod(sys.argv[3], 0o666)
print("ready", flush=True)
while True:
    for s in select.select([a, u], [], [])[0]:
        c, _ = s.accept()
        log.write("accepted %s\n" % ("abstract" if s is a else "path"))
        c.close()
EOF
PY=$!
for i in $(seq 100); do grep -q ready "$T/py.out" && break; sleep 0.05; done
grep -q ready "$T/py.out" || bail "host socket server: $(cat "$T/py.out")"
install -m 0644 -o escsvc /dev/null "$T/victim.log"
install -m 0644 -o escsvc /dev/null "$T/victim.pid"
setpriv --reuid escsvc --regid escsvc --init-groups bash -c \
	'trap "echo WINCH >>\"$2\"" WINCH; echo $$ >"$1"; while :; do sleep 0.2 & wait $!; done' \
	victim "$T/victim.pid" "$T/victim.log" </dev/null >/dev/null 2>&1 &
VPID=$!
for i in $(seq 100); do [ -s "$T/victim.pid" ] && break; sleep 0.05; done
VICTIM=$(cat "$T/victim.pid")
[ -n "$VICTIM" ] && kill -0 "$VICTIM" || bail "host victim did not start"

ABI=$("$TOP/tests/bin/try-syscall" landlock 2>/dev/null | awk '$1 == "OK" { print $2 }')
ABI=${ABI:-0}
diag "kernel $(uname -r), Landlock ABI $ABI"

pids=$(profile_key service pids_max)
mem=$(size_mib "$(profile_key service memory_max)")
OPTS="--marker $MARKER --hostpid $VICTIM --abstract $ABSTRACT --hostsock $HOSTSOCK
	--secret /etc/jail-secret --suid $IN/escape-suid --fcaps $IN/escape-fcaps
	--suid-user $IN/escape-suid-user --devnode /etc/escape-null --jailsh $IN/escape
	--pids-limit $pids --mem-limit $mem"
OPTS=$(echo $OPTS)

# run_probe NAME USER TECH...: the probe as service NAME, its output.
run_probe() {
	local name=$1 user=$2
	shift 2
	svc "$name" "profile = service" "user = $user" "exec = $IN/escape $OPTS $*"
	timeout 600 "$JAILCTL" --config "$CONF" run "$name" 2>&1 </dev/null
}

# Which techniques, and where the service's outcome differs from the
# column of tests/escape/expect (each with why):
#   *-ctty          not run: a service has no controlling terminal (the
#                   probe's own pty, tiocsti-pty and the like, still runs);
#   unfiltered-mem  not run: it looks for a process of the uid between exec
#                   and its filter (jailsh's window); a service execs under
#                   its filter, there is none to find (the probe says SKIP);
#   link-secret     EROFS, not EXDEV: a service has no home mount, the probe
#                   links into its HOME (/), the read-only tree itself;
#   write-jailsh    there is no jailsh: the target is a file of the tree
#                   (the probe itself for the user, /bin/bash for root:
#                   root opens O_RDWR, and the running probe is ETXTBSY).
# Root in a service runs with no_new_privs and the seccomp filter (root via
# enter has neither): besides the root column, the techniques the filter
# refuses are run and expected as for the user (ROOT_FILTERED); setuid0,
# suid-root and fcaps mean nothing for root (it is uid 0 already, and holds
# cap_net_bind_service, its bounding set).
declare -A SVC_DIFF=([link-secret]=EROFS)
not_service() { case $1 in *-ctty* | unfiltered-mem) return 0 ;; esac; return 1; }
ROOT_FILTERED="keyctl bpf perf userfaultfd io-uring kmod iopl syslog unshare-user clone-newuser
	clone3-newuser af-alg af-vsock af-vsock-high int80-unshare int80-chroot int80-keyctl
	int80-socket-vsock int80-socketcall-vsock x32-getpid x32-unshare tiocsti-pty tiocsti-pty-high
	tioclinux-pty int80-tiocsti int80-getpid abstract kill-init ptrace-child forkbomb memhog"
ROOT_FILTERED=" $(echo $ROOT_FILTERED) "
# AppArmor: the service profile names jail-default (apparmor = optional):
# where it is enforced, tests/escape/expect-apparmor's default column applies.
jail_apparmor_enforced jail-default && ESCAPE_AA=default
diag "AppArmor confines the services: ${ESCAPE_AA:-no}"

# check_svc CONTEXT COLUMN OUTPUT TECH...: check_results, with SVC_DIFF.
check_svc() {
	local ctx=$1 col=$2 out=$3 t plain=
	shift 3
	for t in "$@"; do
		if [ -n "${SVC_DIFF[$t]:-}" ]; then
			check_one "$ctx" "$t" "${SVC_DIFF[$t]}" "$out"
		else
			plain="$plain $t"
		fi
	done
	check_results "$ctx" "$col" "$out" $plain
}

user_techs=" "
for t in $(techs_for default); do not_service "$t" || user_techs="$user_techs$t "; done
if [ "$ABI" -lt 6 ]; then
	user_techs=${user_techs/ abstract / }
	ROOT_FILTERED=${ROOT_FILTERED/ abstract / }
	tap_todo "[service] abstract: EPERM needs Landlock ABI >= 6 (this kernel: $ABI)" \
		"abstract unix sockets are reachable from net = host services without Landlock scoping"
fi
# Root in a service signals its own init (same uid) unless Landlock scopes
# signals (ABI 6): a root service can end its own sandbox, nothing more.
if [ "$ABI" -lt 6 ]; then
	ROOT_FILTERED=${ROOT_FILTERED/ kill-init / }
	tap_todo "[service root] kill-init: EPERM needs Landlock ABI >= 6 (this kernel: $ABI)" \
		"root in a service may signal its own init (its own sandbox only) without Landlock scoping"
fi
root_techs=
for t in $(techs_for root); do not_service "$t" || root_techs="$root_techs $t"; done

# 1. The service user.
out=$(run_probe escuser escsvc $user_techs)
like "$out" "RESULT kill-all OK" '[service escsvc] the probe ran as a service'
check_svc "service escsvc, profile service" default "$out" $user_techs
check_limits "service escsvc" "$out" "$pids" "$mem"

# 2. user = root: the root column ...  Where root via enter (no filter)
# meets a host pid that is not in its namespace (ESRCH), root in a service
# is refused the call itself by its filter first (EPERM); proc-hostpid
# (NOTVISIBLE) shows the pid is not there either.
SVC_DIFF[ptrace-hostpid]=EPERM
SVC_DIFF[vmread-hostpid]=EPERM
OPTS=${OPTS/--jailsh $IN\/escape/--jailsh /bin/bash}
# Root in a service runs under the service's AppArmor profile too (root via
# enter, the root column's origin, under none): where it is enforced,
# AppArmor refuses first what tests/escape/expect-apparmor says, as for the
# user.
if [ -n "${ESCAPE_AA:-}" ]; then
	while read -r t d _; do
		case "$t" in '' | '#'*) continue ;; esac
		[ "$d" = "=" ] || SVC_DIFF[$t]=$d
	done <"$TOP/tests/escape/expect-apparmor"
fi
out=$(run_probe escroot root $root_techs)
check_svc "service root, profile service" root "$out" $root_techs
# ... and what its filter and no_new_privs add to root's column.
out=$(run_probe escroot2 root $ROOT_FILTERED link-secret)
check_svc "service root, filtered" default "$out" $ROOT_FILTERED link-secret
check_limits "service root" "$out" "$pids" "$mem"

sleep 0.3 # the victim's trap runs between its sleeps
is "$(wc -l <"$T/victim.log")" 0 'no kill(-1) or kill(pid) from a service reached the host victim (same uid)'
is "$(wc -l <"$T/sock.log")" 0 'no service connected to a host unix socket (abstract or path)'

# 3. Root in a service, by hand: / stays read-only, the jail unwritten, no
# host /proc or cgroup to go through.  mount(8) copied in by jailctl cp.
svc rootsh "profile = service" "user = root" \
	"exec = /bin/bash -c \"mount -o remount,rw / 2>&1; echo remount=\$?; mount -o remount,bind,rw / 2>&1; echo bindremount=\$?; grep -E '^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / ' /proc/self/mountinfo; grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status; echo x >/etc/planted; echo write=\$?; mkdir /etc/planted.d; echo mkdir=\$?; ls /sys/fs/cgroup; echo cgroupls=\$?; ls /proc/1/root/; echo proc1root=\$?\""
out=$(timeout 60 "$JAILCTL" --config "$CONF" run rootsh 2>&1 </dev/null)
like "$out" "remount=32" '[service root] mount -o remount,rw / fails (mount(8): status 32)'
like "$out" "bindremount=32" '[service root] mount -o remount,bind,rw / fails'
like "$out" "mount: /: permission denied" '[service root] ... refused (EPERM: mount(8) says permission denied)'
like "$out" " / ro,nosuid,nodev," '[service root] mountinfo: / is still ro,nosuid,nodev'
like "$out" "CapBnd:	0000000000000400" '[service root] CapBnd: cap_net_bind_service alone (the service profile)'
like "$out" "NoNewPrivs:	1" '[service root] no_new_privs'
like "$out" "Seccomp:	2" '[service root] a seccomp filter'
like "$out" "Read-only file system" '[service root] writing /etc/planted: EROFS'
like "$out" "write=1" '[service root] ... and the write failed'
like "$out" "mkdir=1" '[service root] mkdir /etc/planted.d fails'
like "$out" "cgroupls=2" '[service root] no cgroup file system (ls /sys/fs/cgroup fails)'
like "$out" "proc1root=2" '[service root] /proc/1/root of its init: refused'
nok '[service root] nothing was planted in the jail' test -e "$J/etc/planted" -o -e "$J/etc/planted.d"
is "$(tree_list | diff "$T/tree.before" - 2>&1)" "" \
	'the jail tree is unchanged after every service (names, modes, owners, sizes, times)'
is "$(svc_records)" 0 'no record is left'

kill "$PY" "$VICTIM" 2>/dev/null
wait "$PY" "$VPID" 2>/dev/null
for _ in $(seq 40); do pgrep -u escsvc >/dev/null || break; sleep 0.05; done
userdel escsvc
userdel escother
done_testing
