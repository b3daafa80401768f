#!/bin/bash
# PostgreSQL from Debian (15) as a jailed Type=notify service under real
# systemd (the guest lane: systemd as pid 1, PostgreSQL in its image).
# The jail: `jailctl init` of a section naming postgres and initdb (copied
# with their libraries) and the postgres account (`users`/`groups`: its
# passwd and group lines), /usr/share/postgresql/15, the extension
# libraries and the time zones bound read-only; services.d/pg.ini runs a
# start script (initdb on first start, then postgres) as user postgres,
# ready = notify, its data in the state_dir.  Asserted, through the unit
# `jailctl unit pg` prints, installed in /etc/systemd/system:
# - systemctl start returns only when postgres accepts connections (one
#   pg_isready and one psql right after it, no retry);
# - the data is on the host in state_root/pg/data (PG_VERSION 15);
# - a table survives systemctl restart;
# - systemctl stop is a clean shutdown ("database system is shut down"),
#   and the next start does no recovery;
# - systemctl reload reaches postgres (SIGHUP, in its log in the journal);
# - systemctl status shows postgres's processes in the unit's cgroup.
# The jail, config and state live under /srv (the unit runs in the host's
# mount namespace); removed at exit with the unit.  Skipped, with the
# reason, on a host without systemd as pid 1 or without PostgreSQL 15.
PGBIN=/usr/lib/postgresql/15/bin
why=""
if [ ! -d /run/systemd/system ]; then
	why="systemd is not pid 1 here (the guest lane runs this)"
elif [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
	why="no pure cgroup v2 hierarchy here"
elif [ ! -x "$PGBIN/postgres" ] || ! command -v pg_isready >/dev/null; then
	why="PostgreSQL 15 is not installed (the guest image has it)"
fi
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 0
fi
JAIL_TEST_HOST_SYSTEMD=1
. "$(dirname "$0")/../lib.sh"
jail_test_setup
jail_test_host_systemd

host() { nsenter -t 1 -m -- "$@"; }
CGR=/sys/fs/cgroup
U=jail-pg.service
UF=/etc/systemd/system/$U
PORT=5433
W=""
cleanup82() {
	host systemctl stop "$U" >/dev/null 2>&1
	host systemctl reset-failed "$U" >/dev/null 2>&1
	host rm -f "$UF"
	host rm -rf "$UF.d"
	host systemctl daemon-reload >/dev/null 2>&1
	[ -n "$W" ] && host rm -rf "$W"
	jail_test_cleanup
}
trap cleanup82 EXIT

# The image's own cluster service must not be in the way (image.sh masks it
# and removes its cluster); nothing may listen on our port.
host systemctl stop postgresql.service >/dev/null 2>&1
nok "nothing listens on 127.0.0.1:$PORT before the test" pg_isready -q -h 127.0.0.1 -p "$PORT"
[ -e "$UF" ] && bail "$UF exists already"
id postgres >/dev/null 2>&1 || bail "no postgres user on this host"

W=$(host mktemp -d /srv/jail-t82.XXXXXX) || bail "mktemp under /srv"
host chmod 0755 "$W"
CONF=$W/conf
J=$W/jail
host mkdir -p "$CONF/profiles" "$CONF/services.d"
host cp "$TOP"/profiles/*.ini "$CONF/profiles/"
# The shipped sections and one for PostgreSQL: its programs (and, found by
# jailctl, their libraries) and its account, as passwd and group lines.
host sh -c "cat '$TOP/templates/sections.ini' - >'$CONF/sections.ini'" <<EOF

[postgres]
comment = PostgreSQL 15's server and initdb, and the postgres account
paths = $PGBIN/postgres, $PGBIN/initdb
users = postgres
groups = postgres
includesections = basicshell
EOF
host sh -c "cat >'$CONF/jail.ini'" <<EOF
[jail]
jail = $J
state_root = $W/state
logs_root = $W/logs
EOF
# initdb when the data directory is empty, then the server (its log on
# stderr: the journal), on the runtime_dir's socket and 127.0.0.1:$PORT.
host sh -c "cat >'$W/pg-start'" <<EOF
#!/bin/sh
set -e
D=/var/lib/pg/data
if [ ! -e "\$D/PG_VERSION" ]; then
	$PGBIN/initdb -D "\$D" -U postgres --auth=trust -E UTF8 --locale=C
fi
exec $PGBIN/postgres -D "\$D" -k /run/postgresql -c listen_addresses=127.0.0.1 -p $PORT
EOF
host sh -c "cat >'$CONF/services.d/pg.ini'" <<EOF
[service:pg]
jail = $J
profile = service
exec = /usr/local/bin/pg-start
user = postgres
ready = notify
stop_signal = INT
stop_timeout = 60s
state_dir = pg
runtime_dir = postgresql
net = host
bind_ro = $W/pg-start:/usr/local/bin/pg-start /usr/share/postgresql/15 /usr/lib/postgresql/15/lib /usr/share/zoneinfo
EOF
host chmod 0755 "$W/pg-start"
host chmod -R go-w "$CONF"
host chmod 0644 "$CONF/jail.ini" "$CONF/sections.ini" "$CONF/services.d/pg.ini"

"$JAILCTL" --config "$CONF" init -f "$CONF/sections.ini" "$J" postgres >"$T/init.out" 2>&1
is "$?" 0 "jailctl init of the postgres section $(tail -3 "$T/init.out" | tr '\n' ' ')"
ok "postgres and initdb are in the jail" test -x "$J$PGBIN/postgres" -a -x "$J$PGBIN/initdb"
like "$(cat "$J/etc/passwd" 2>&1)" "
postgres:x:$(id -u postgres):$(id -g postgres):" \
	"the jail's passwd has the host's postgres line (sections: users = postgres)"
like "$(cat "$J/etc/group" 2>&1)" "
postgres:x:$(id -g postgres):" "and its group has postgres's group"

"$JAILCTL" --config "$CONF" unit pg >"$T/unit" 2>"$T/unit.err"
is "$?" 0 "jailctl unit pg $(head -3 "$T/unit.err")"
ok "the unit is Type=notify" grep -qx Type=notify "$T/unit"
ok "the unit is Delegate=yes" grep -qx Delegate=yes "$T/unit"
host sh -c "cat >'$UF'" <"$T/unit"
# initdb and the first start, under emulation in the guest lane, can take
# longer than systemd's default 90 s.
host mkdir -p "$UF.d"
host sh -c "printf '[Service]\nTimeoutStartSec=600s\n' >'$UF.d/t82.conf'"
host systemctl daemon-reload

# jlog INVOCATION: the journal of one run of the unit (the service's
# output, and systemd's own lines about it)
jlog() { host journalctl -q --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$1" + "INVOCATION_ID=$1" 2>&1; }
# wait_log INVOCATION TEXT [SECONDS]
wait_log() {
	for _ in $(seq $((${3:-15} * 5))); do
		jlog "$1" | grep -qF -- "$2" && return 0
		sleep 0.2
	done
	return 1
}
inv() { host systemctl show -p InvocationID --value "$U"; }
psql_c() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "$1" 2>&1; }

# 1. The first start: initdb, then the server; start returns when it is up.
t0=$(date +%s)
host systemctl start "$U"
rc=$?
is "$rc" 0 "systemctl start $U (initdb and the first start: $(($(date +%s) - t0)) s)"
I1=$(inv)
is "$(pg_isready -h 127.0.0.1 -p "$PORT" 2>&1)" "127.0.0.1:$PORT - accepting connections" \
	"pg_isready right after start returned: accepting connections (no retry)"
is "$(psql_c 'select 1')" 1 "psql from the host gets an answer at once"
is "$(host systemctl is-active "$U")" active "the unit is active"
like "$(jlog "$I1")" "ready (READY=1)" "postgres's own READY=1 was relayed by jailctl"
like "$(jlog "$I1")" "database system is ready to accept connections" "postgres's log is in the journal"
unlike "$(host journalctl -q --no-pager -o cat -u "$U")" "reception only permitted for main PID" \
	"systemd took READY=1 from jailctl (NotifyAccess=main)"
is "$(cat "$W/state/pg/data/PG_VERSION" 2>&1)" 15 "the data is in the state_dir on the host: state_root/pg/data"
is "$(stat -c %U "$W/state/pg/data" 2>&1)" postgres "owned by postgres"
nok "nothing of it was written in the jail" test -e "$J/var/lib/pg/data"

# 2. Its processes: in the unit's cgroup, shown by systemctl status.
st=$(host systemctl status --no-pager -l "$U" 2>&1)
like "$st" "$PGBIN/postgres -D /var/lib/pg/data" "systemctl status shows the postmaster"
like "$st" "postgres: checkpointer" "and its checkpointer"
like "$st" "supervisor" "and jailctl's supervisor leaf"
ckp=$(pgrep -f -x "postgres: checkpointer " | head -1)
[ -z "$ckp" ] && ckp=$(pgrep -f "postgres: checkpointer" | head -1)
like "$(sed -n 's/^0:://p' "/proc/$ckp/cgroup" 2>&1)" "/system.slice/$U/pg/" \
	"the checkpointer ($ckp) is in the unit's cgroup (Delegate=yes)"
is "$(stat -c %U "/proc/$ckp" 2>&1)" postgres "running as postgres"
pids=$(find "$CGR/system.slice/$U" -name cgroup.procs -exec cat {} + 2>/dev/null | tr '\n' ' ')

# 3. reload: SIGHUP reaches postgres.
ok "systemctl reload $U" host systemctl reload "$U"
wait_log "$I1" "received SIGHUP, reloading configuration files"
like "$(jlog "$I1")" "received SIGHUP, reloading configuration files" \
	"systemctl reload reached postgres (its log says so)"
is "$(host systemctl is-active "$U")" active "still active after the reload"

# 4. Data survives a restart; the stop before it is a clean shutdown.
is "$(psql_c 'create table t82 (x int); insert into t82 values (82); select x from t82')" 82 \
	"a table created and filled"
ok "systemctl restart $U" host systemctl restart "$U"
I2=$(inv)
is "$(psql_c 'select x from t82')" 82 "the table survived the restart"
wait_log "$I1" "database system is shut down"
like "$(jlog "$I1")" "database system is shut down" "the restart's stop was a clean shutdown"
like "$(jlog "$I2")" "database system was shut down at" "the next start found a clean shutdown"
unlike "$(jlog "$I2")" "not properly shut down" "no 'not properly shut down'"
unlike "$(jlog "$I2")" "automatic recovery" "no automatic recovery"
nok "no initdb at the second start" grep -q "creating directory" <<<"$(jlog "$I2")"

# 5. systemctl stop: clean, nothing left; the next start does no recovery.
pids="$pids $(find "$CGR/system.slice/$U" -name cgroup.procs -exec cat {} + 2>/dev/null | tr '\n' ' ')"
ok "systemctl stop $U" host systemctl stop "$U"
wait_log "$I2" "database system is shut down"
like "$(jlog "$I2")" "received fast shutdown request" "postgres got its stop_signal (INT: fast shutdown)"
like "$(jlog "$I2")" "database system is shut down" "systemctl stop: a clean shutdown"
is "$(host systemctl is-active "$U")" inactive "the unit is inactive (not failed)"
is "$(host systemctl show -p Result --value "$U")" success "Result=success"
left=""
for _ in $(seq 50); do
	left=""
	for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
	[ -d "$CGR/system.slice/$U" ] && left="$left $CGR/system.slice/$U"
	[ -z "$left" ] && break
	sleep 0.1
done
is "$left" "" "no process and no cgroup of the unit left"
nok "nothing listens on $PORT any more" pg_isready -q -h 127.0.0.1 -p "$PORT"
ok "systemctl start again" host systemctl start "$U"
I3=$(inv)
is "$(psql_c 'select x from t82')" 82 "the data is there"
unlike "$(jlog "$I3")" "automatic recovery" "no recovery after systemctl stop"
like "$(jlog "$I3")" "database system was shut down at" "the server found a clean shutdown"
ok "systemctl stop" host systemctl stop "$U"

done_testing
