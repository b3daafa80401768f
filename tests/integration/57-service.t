#!/bin/bash
# jailctl run NAME: a service of services.d, in the foreground, as systemd's
# ExecStart= runs it (the systemd side itself is tested on the guest lane,
# 81-service-systemd.t).  The supervisor's $NOTIFY_SOCKET is a real datagram
# socket the test reads (tests/bin/logsink), as systemd would.  Asserted:
#   - the jail is read-only to the service (root or not); its state_dir,
#     logs_dir and runtime_dir are writable, the first two on the host,
#     owned by the service user; user = dynamic gets a uid of its range;
#   - readiness: READY=1 reaches the supervisor from jailctl's own pid
#     (NotifyAccess=main) for exec, notify (the service's READY=1, relayed,
#     MAINPID never), tcp: (after the port accepts) and file: (after the
#     file appears); a service that exits before it is ready says so;
#   - stop: TERM reaches the service as its stop_signal; one that ignores it
#     is killed stop_timeout later; HUP reaches it as its reload_signal;
#   - sockets: `listen =` binds on the host side and the service, with no
#     network but lo (net = none), serves on it with LISTEN_PID its own pid;
#     systemd's socket activation (systemd-socket-activate) passes through;
#     a port already in use refuses the start;
#   - log = relay: a line to /dev/log in the jail reaches the host's syslog;
#   - ps shows the service, enter NAME gets inside;
#   - jailctl SIGKILLed leaves no process of the service;
#   - a symlink planted at the state_dir is refused, never followed;
#   - bad input refused with the reason, nothing left (record, cgroup, dir);
#   - nginx from Debian serves a page through `listen =` with net = none.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
. "$(dirname "$0")/../service-lib.sh"
jail_test_setup
jail_test_private_etc
_sshd_private_dev # a /dev of the test's own, with a syslog sink on /dev/log ($SYSLOG)

LOGSINK=$TOP/tests/bin/logsink
[ -x "$LOGSINK" ] || bail "tests/bin/logsink not built (make unit-tests)"
# The host's cgroup trees and processes are not private to the test, and
# another test may run services beside it: this run's go under a
# cgroup_parent of its own (in jail.ini), and every check looks there only.
CGROUP_PARENT=jail-test-$$-${T##*.}
svc_test_setup --svcd svcuser # $J, jail.ini, services.d; svcd in the jail

run() { "$JAILCTL" --config "$CONF" run "$@"; }
# The services' cgroups (below the parent), their inits and their svcds.
cg_dirs() { find /sys/fs/cgroup -maxdepth 5 -type d -path "*/$CGROUP_PARENT/*" 2>/dev/null | sort; }
cg_dirs >"$T/cg.before"
inits() { cgroup_procs "$CGROUP_PARENT" jail-init | sort | tr '\n' ' '; }
svcds() { cgroup_procs "$CGROUP_PARENT" svcd; }
INITS0=$(inits)
is "$(cat "$T/cg.before") $INITS0" " " "this run's cgroup_parent ($CGROUP_PARENT) is new: no cgroup, no init in it"

# The supervisor's notify socket: every datagram one line in $T/notify.log
NS=$T/notify.sock
"$LOGSINK" "$NS" "$T/notify.log" >"$T/sink.out" 2>&1 &
SINK=$!
wait_for "$T/sink.out" ready 5
# start NAME: `jailctl run NAME` in the background, output in $T/NAME.out
start() {
	: >"$T/notify.log"
	NOTIFY_SOCKET=$NS "$JAILCTL" --config "$CONF" run "$1" >"$T/$1.out" 2>&1 &
	PID=$!
}
stop() { # PID: TERM, then its exit status
	kill -TERM "$1"
	wait "$1"
}

# 1. The basics: directories, read-only jail, readiness by exec, stop.
svc a "exec = /usr/local/bin/svcd touch=/var/lib/a/f touch=/var/log/a/l touch=/run/a/r touch=/usr/bin/planted touch=/tmp/t" \
	"user = svcuser" "state_dir = a" "logs_dir = a" "runtime_dir = a"
start a
wait_for "$T/notify.log" "READY=1" || diag "$(cat "$T/a.out")"
wait_for "$T/a.out" "svcd running"
like "$(cat "$T/a.out")" "touch /var/lib/a/f: ok" 'state_dir is writable'
like "$(cat "$T/a.out")" "touch /var/log/a/l: ok" 'logs_dir is writable'
like "$(cat "$T/a.out")" "touch /run/a/r: ok" 'runtime_dir is writable'
like "$(cat "$T/a.out")" "touch /tmp/t: ok" '/tmp is writable'
like "$(cat "$T/a.out")" "touch /usr/bin/planted: Read-only file system" 'the jail is not (EROFS)'
nok 'nothing was planted in the shared tree' test -e "$J/usr/bin/planted"
is "$(stat -c %U "$T/state/root/a/f" 2>&1)" "svcuser" 'the state file is on the host, owned by the user'
is "$(stat -c '%U %a' "$T/state/root/a" 2>&1)" "svcuser 750" 'state_dir: the user own it, 0750'
ok 'the log file is on the host' test -e "$T/logs/root/a/l"
like "$(cat "$T/notify.log")" "READY=1" 'READY=1 reached the supervisor (ready = exec)'
ps_out=$("$JAILCTL" --config "$CONF" ps 2>&1)
like "$ps_out" "svc:a" 'jailctl ps lists the service'
like "$("$JAILCTL" --config "$CONF" ps --json 2>&1)" '"service": "a"' 'and ps --json names it'
is "$("$JAILCTL" --config "$CONF" enter a -- cat /proc/1/comm 2>&1)" "jail-init" 'jailctl enter a: inside it'
stop $PID
is "$?" 0 'TERM: the service stopped cleanly, jailctl exits 0'
like "$(cat "$T/a.out")" "got TERM" 'the service got TERM'
like "$(cat "$T/notify.log")" "STOPPING=1" 'STOPPING=1 reached the supervisor'
is "$(svc_records)" 0 'no record is left'
is "$(cg_dirs)" "$(cat "$T/cg.before")" 'no cgroup is left'

# 2. ready = notify: the service's own READY=1, relayed; MAINPID dropped.
svc n "exec = /usr/local/bin/svcd sleep=300 notify=READY=1\nSTATUS=hello\nMAINPID=1 fdsend" \
	"ready = notify"
start n
wait_for "$T/notify.log" "READY=1" || diag "$(cat "$T/n.out")"
like "$(cat "$T/notify.log")" "STATUS=hello" 'STATUS= is relayed'
unlike "$(cat "$T/notify.log")" "MAINPID" 'MAINPID= is not (a pid of another namespace)'
wait_for "$T/notify.log" "STATUS=fd"
like "$(cat "$T/notify.log")" "STATUS=fd" 'a message that carried an fd: its text only'
stop $PID
is "$?" 0 'stopped'

# 3. ready = tcp: READY only once the port accepts.
svc t "exec = /usr/local/bin/svcd sleep=400 listen=9101" "net = host" \
	"ready = tcp:127.0.0.1:9101"
start t
wait_for "$T/notify.log" "READY=1" || diag "$(cat "$T/t.out")"
( exec 3<>/dev/tcp/127.0.0.1/9101 && head -1 <&3 ) >"$T/t.conn" 2>&1
like "$(cat "$T/t.conn")" "svcd pid 2 fd" 'ready = tcp: the port accepts when READY=1 arrives'
like "$(cat "$T/t.out")" "ready (ready = tcp:127.0.0.1:9101)" 'jailctl says so'
stop $PID

# 4. ready = file.
svc f "exec = /usr/local/bin/svcd sleep=300 touch=/run/f/up" "runtime_dir = f" \
	"ready = file:/run/f/up"
start f
wait_for "$T/notify.log" "READY=1" || diag "$(cat "$T/f.out")"
ok 'ready = file: READY=1 once the file exists' grep -q "ready (ready = file:/run/f/up)" "$T/f.out"
ok '... and the file was made before' grep -q "touch /run/f/up: ok" "$T/f.out"
stop $PID

# 5. Exits before it is ready: its status, and why.
svc e "exec = /usr/local/bin/svcd exit=3" "ready = notify"
run e >"$T/e.out" 2>&1
is "$?" 3 'a service that exits before READY: its status'
like "$(cat "$T/e.out")" "exited with status 3 before it was ready (ready = notify)" 'and the reason'
is "$(svc_records)" 0 'no record is left'

# 5b. Never ready (systemd's TimeoutStartSec= ends it with TERM): says so.
svc nr "exec = /usr/local/bin/svcd" "ready = notify"
start nr
wait_for "$T/nr.out" "svcd running"
stop $PID
is "$?" 0 'a service stopped before it was ready: stopped cleanly'
like "$(cat "$T/nr.out")" "stopped before it was ready (ready = notify)" 'and jailctl says it never was'
unlike "$(cat "$T/notify.log")" "READY=1" 'no READY=1 reached the supervisor'

# 6. stop_timeout: one that ignores TERM is killed, with everything else.
svc i "exec = /usr/local/bin/svcd ignore-term" "stop_timeout = 500ms"
start i
wait_for "$T/notify.log" "READY=1"
t0=$(date +%s%N)
stop $PID
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 137 'a service ignoring TERM is killed (128+9)'
ok "after stop_timeout, not before ($ms ms)" test "$ms" -ge 450 -a "$ms" -lt 5000
like "$(cat "$T/i.out")" "still running 500 ms after its stop signal" 'and jailctl says why'
is "$(svcds)" "" 'no svcd is left'

# 7. reload_signal: HUP to jailctl reaches the service as USR1.
svc h "exec = /usr/local/bin/svcd" "reload_signal = USR1"
start h
wait_for "$T/h.out" "svcd running"
kill -HUP $PID
wait_for "$T/h.out" "got USR1"
like "$(cat "$T/h.out")" "got USR1" 'HUP to jailctl: the service got its reload_signal'
stop $PID

# 8. listen =: bound on the host side, served with no network (net = none).
svc w "exec = /usr/local/bin/svcd serve" "net = none" "listen = tcp:127.0.0.1:9102"
start w
wait_for "$T/notify.log" "READY=1" || diag "$(cat "$T/w.out")"
( exec 3<>/dev/tcp/127.0.0.1/9102 && head -1 <&3 ) >"$T/w.conn" 2>&1
is "$(cat "$T/w.conn")" "svcd pid 2 fd 3 name tcp-127.0.0.1-9102" \
	'a net = none service serves on the socket jailctl bound (LISTEN_PID = its pid, fd 3)'
devs=$("$JAILCTL" --config "$CONF" enter w -- cat /proc/net/dev 2>&1 | sed -n '3,$p' | awk -F: '{print $1}' | tr -d ' ' | tr '\n' ' ')
is "$devs" "lo " 'inside, no network interface but lo'
svc w2 "exec = /usr/local/bin/svcd serve" "listen = tcp:127.0.0.1:9102"
run w2 >"$T/w2.out" 2>&1
is "$?" 1 'a port already in use: refused'
like "$(cat "$T/w2.out")" "address already in use" 'saying so'
like "$(cat "$T/w2.out")" "127.0.0.1:9102" 'naming the address'
stop $PID

# 9. Socket activation: systemd's LISTEN_FDS pass through, LISTEN_PID rewritten.
svc s "exec = /usr/local/bin/svcd serve" "net = none"
: >"$T/notify.log"
systemd-socket-activate -l 127.0.0.1:9103 --fdname=web \
	"$JAILCTL" --config "$CONF" run s >"$T/s.out" 2>&1 &
SA=$!
sleep 0.3
( exec 3<>/dev/tcp/127.0.0.1/9103 && head -1 <&3 ) >"$T/s.conn" 2>&1
is "$(cat "$T/s.conn")" "svcd pid 2 fd 3 name web" 'systemd-socket-activate: fd 3, its name, LISTEN_PID right'
# systemd-socket-activate execs the command in its own process: $SA is jailctl
kill -TERM $SA 2>/dev/null
wait $SA 2>/dev/null

# 9b. The .socket unit `jailctl unit --socket` prints binds the service's
# own `listen`: the socket systemd passes is used, not bound twice.
svc s2 "exec = /usr/local/bin/svcd env serve" "net = none" "listen = tcp:127.0.0.1:9104"
systemd-socket-activate -l 127.0.0.1:9104 --fdname=web2 \
	"$JAILCTL" --config "$CONF" run s2 >"$T/s2.out" 2>&1 &
SA=$!
sleep 0.3
( exec 3<>/dev/tcp/127.0.0.1/9104 && head -1 <&3 ) >"$T/s2.conn" 2>&1
is "$(cat "$T/s2.conn")" "svcd pid 2 fd 3 name web2" 'socket activation of a service with that listen: systemd'"'"'s socket'
like "$(cat "$T/s2.out")" "LISTEN_FDS=1" '... and only it (no second bind)'
kill -TERM $SA 2>/dev/null
wait $SA 2>/dev/null

# 10. log = relay: /dev/log in the jail reaches the host's syslog.
svc l "exec = /usr/local/bin/svcd syslog=hello-from-the-service" "log = relay"
start l
wait_for "$SYSLOG" "hello-from-the-service" 5
like "$(cat "$SYSLOG")" "hello-from-the-service" 'log = relay: the line reached the host syslog'
like "$(grep hello-from "$SYSLOG")" "jail-init[" '... through the relay'
like "$(grep hello-from "$SYSLOG")" "jail session " '... a jail session line'
like "$(grep hello-from "$SYSLOG")" " service l pid 2 (uid 0)" '... tagged "service NAME" (not "user NAME") and the sender'
unlike "$(grep hello-from "$SYSLOG")" " user l " '... never "user NAME" for a service'
stop $PID

# 11. jailctl SIGKILLed: nothing of the service survives.
svc k "exec = /usr/local/bin/svcd"
start k
wait_for "$T/k.out" "svcd running"
ok 'the service runs: its svcd and jail-init, in the cgroups the checks look at' \
	test -n "$(svcds)" -a -n "$(inits)"
kill -KILL $PID
wait $PID 2>/dev/null
for _ in $(seq 40); do [ -z "$(svcds)" ] && break; sleep 0.05; done
is "$(svcds)" "" 'jailctl killed: no svcd is left'
# (its init, reparented to this host's pid 1, may wait a while to be reaped)
for _ in $(seq 200); do [ "$(inits)" = "$INITS0" ] && break; sleep 0.05; done
is "$(inits)" "$INITS0" '... nor its jail-init'
"$JAILCTL" --config "$CONF" gc >/dev/null 2>&1
is "$(svc_records)" 0 'gc removed its record'

# 12. user = dynamic: a uid of its range, on its state_dir too.
svc d "exec = /usr/local/bin/svcd touch=/var/lib/d/f" "user = dynamic" "state_dir = d"
start d
wait_for "$T/d.out" "svcd running"
duid=$(stat -c %u "$T/state/root/d/f" 2>/dev/null)
ok "user = dynamic: uid $duid in 61184..65519" test "${duid:-0}" -ge 61184 -a "${duid:-0}" -le 65519
stop $PID

# 13. Root in a service still cannot write the jail.
svc r "exec = /usr/local/bin/svcd touch=/etc/planted" "user = root"
start r
wait_for "$T/r.out" "svcd running"
like "$(cat "$T/r.out")" "touch /etc/planted: Read-only file system" 'root in a service: EROFS'
nok 'the jail has no such file' test -e "$J/etc/planted"
stop $PID

# 14. A symlink planted at the state_dir: refused, not followed.
mkdir -p "$T/outside"
chown root:root "$T/outside"
ln -s "$T/outside" "$T/state/root/p"
svc p "exec = /usr/local/bin/svcd" "user = svcuser" "state_dir = p"
run p >"$T/p.out" 2>&1
is "$?" 1 'a symlink at the state_dir: refused'
like "$(cat "$T/p.out")" "symlink" 'saying it is a symlink'
is "$(stat -c %U "$T/outside")" "root" 'its target was not chowned'
# and one planted inside a state_dir the user owns is never chowned
ln -s "$T/outside" "$T/state/root/a/link"
start a
wait_for "$T/a.out" "svcd running"
stop $PID
is "$(stat -c %U "$T/outside")" "root" 'a symlink inside the state_dir is not followed'
is "$(svc_records)" 0 'no record is left'

# 15. Bad input: refused with the reason, nothing made.
cg_dirs >"$T/cg.mid"
run nosuch >"$T/bad" 2>&1
is "$?" 1 'a missing service: refused'
like "$(cat "$T/bad")" "services.d/nosuch.ini" 'naming the file'
svc u "exec = /usr/local/bin/svcd" "colour = blue"
run u >"$T/bad" 2>&1
is "$?" 1 'an unknown key: refused'
like "$(cat "$T/bad")" "colour" 'naming the key'
like "$(cat "$T/bad")" "service:u" 'and the section'
svc v "exec = /usr/local/bin/svcd" "user = nosuchuser" "state_dir = v"
run v >"$T/bad" 2>&1
is "$?" 1 'a user that does not exist: refused'
like "$(cat "$T/bad")" "nosuchuser" 'naming the user'
nok 'and no state dir was made' test -e "$T/state/root/v"
chmod g+w "$CONF/services.d/u.ini"
run u >"$T/bad" 2>&1
is "$?" 1 'a service file writable by its group: refused'
like "$(cat "$T/bad")" "services.d/u.ini" 'naming the file'
chmod g+w "$J"
run a >"$T/bad" 2>&1
is "$?" 1 'a jail that fails the ownership chain: refused'
like "$(cat "$T/bad")" "writable by its group" 'naming the problem'
chmod g-w "$J"
is "$(svc_records)" 0 'the refusals left no record'
is "$(cg_dirs)" "$(cat "$T/cg.mid")" 'and no cgroup'

# 16. nginx from Debian, net = none, serving through `listen =`.
[ -x /usr/sbin/nginx ] || bail "nginx is not installed (tests/deps.sh installs it)"
{
	"$JAILCTL" --config "$CONF" cp "$J" /usr/sbin/nginx >"$T/cp.out" 2>&1 ||
		diag "jailctl cp nginx: $(tail -3 "$T/cp.out")"
	mkdir -p "$T/www" "$T/nginx"
	echo "hello from a jailed nginx" >"$T/www/index.html"
	cat >"$T/nginx/nginx.conf" <<'EOF'
daemon off;
worker_processes 1;
pid /run/web/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
	access_log /var/log/web/access.log;
	client_body_temp_path /tmp/body;
	proxy_temp_path /tmp/proxy;
	fastcgi_temp_path /tmp/fastcgi;
	uwsgi_temp_path /tmp/uwsgi;
	scgi_temp_path /tmp/scgi;
	server { listen 127.0.0.1:8080; root /srv/www; }
}
EOF
	chmod -R a+rX "$T/www" "$T/nginx"
	svc web "exec = /usr/sbin/nginx -c /etc/nginx/nginx.conf -e stderr" "user = www-data" \
		"net = none" "listen = tcp:127.0.0.1:8080" "environment = NGINX=3;" \
		"runtime_dir = web" "logs_dir = web" "ready = file:/run/web/nginx.pid" \
		"bind_ro = $T/nginx:/etc/nginx $T/www:/srv/www"
	start web
	wait_for "$T/notify.log" "READY=1" || diag "$(tail -5 "$T/web.out")"
	is "$(curl -s --max-time 5 http://127.0.0.1:8080/)" "hello from a jailed nginx" \
		'curl from the host gets the page of nginx in a net = none jail'
	wait_for "$T/logs/root/web/access.log" "GET / " 3
	ok 'its access log is in the logs_dir on the host' grep -q "GET / " "$T/logs/root/web/access.log"
	stop $PID
	is "$?" 0 'nginx stopped by TERM: jailctl exits 0'
}

kill $SINK 2>/dev/null
is "$(inits)" "$INITS0" 'no jail-init is left by any service'
userdel svcuser 2>/dev/null
find /sys/fs/cgroup -maxdepth 5 -type d \( -name "$CGROUP_PARENT" -o -path "*/$CGROUP_PARENT/*" \) 2>/dev/null |
	sort -r | while read -r d; do rmdir "$d"; done
is "$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$CGROUP_PARENT" 2>/dev/null)" "" \
	"the host's cgroup trees are as before the test (no $CGROUP_PARENT left)"
done_testing
