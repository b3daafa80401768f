#!/bin/bash
# jailctl unit NAME [--socket | --accept]: the systemd units of a service of
# services.d.  Asserted here (no systemd needed; systemd-analyze verify runs
# where it is installed, and the guest lane's 81-service-systemd.t starts a
# printed unit under real systemd):
#   - the service unit has every line the service needs: Type=notify,
#     NotifyAccess=main, ExecStart= this jailctl with --config and run NAME,
#     ExecReload, KillMode=mixed, Delegate=yes, Restart=on-failure,
#     TimeoutStopSec = stop_timeout + 5 s, WantedBy=multi-user.target;
#   - --socket adds jail-NAME.socket with the `listen` entries
#     (ListenStream=, ListenDatagram=, a unix path);
#   - --accept prints the template jail-NAME@.service (one instance per
#     connection on stdin/stdout, no Restart=) and a socket with Accept=yes;
#   - systemd-analyze verify accepts each printed unit;
#   - refused, with the reason and nothing on stdout: a missing service, a
#     bad name, --socket without `listen`, --accept with a datagram socket.
. "$(dirname "$0")/../lib.sh"
jail_test_setup
jail_test_private_etc

mkdir -p "$CONF/services.d" "$T/jails/web"
chmod 0755 "$CONF/services.d"
svc() { # NAME BODY
	printf '[service:%s]\njail = %s\nexec = /bin/sleep 100\n%s\n' "$1" "$T/jails/web" "$2" \
		>"$CONF/services.d/$1.ini"
	chmod 0644 "$CONF/services.d/$1.ini"
}
svc web 'stop_timeout = 10s
ready = notify'
svc sock 'stop_timeout = 1500ms
listen = tcp:127.0.0.1:8080 udp:127.0.0.1:5353 unix:/run/sock.sock'
svc inetd 'listen = tcp:0.0.0.0:7777'
unit() { "$JAILCTL" --config "$CONF" unit "$@"; }

# systemd-analyze verify on the units in DIR (named as printed).
verify() { # DIR FILE...
	local d=$1
	shift
	(cd "$d" && systemd-analyze verify --man=no "$@")
}
# split OUT DIR: the units of OUT into DIR, each under the name its "# PATH"
# line gives.
split() {
	mkdir -p "$2"
	awk -v d="$2" '/^# \/etc\/systemd\/system\// { n = $2; sub(".*/", "", n); sub(",", "", n); f = d "/" n; next } f { print > f }' "$1"
}

out=$(unit web 2>"$T/err")
is "$?" 0 "jailctl unit web: exit 0 $(head -2 "$T/err")"
printf '%s\n' "$out" >"$T/web.out"
for l in "[Unit]" "Description=jail service web" "After=network.target" "[Service]" \
	Type=notify NotifyAccess=main "ExecStart=$JAILCTL --config $CONF run web" \
	"ExecReload=/bin/kill -HUP \$MAINPID" KillMode=mixed Delegate=yes Restart=on-failure \
	TimeoutStopSec=15s "[Install]" WantedBy=multi-user.target; do
	ok "the service unit has '$l'" grep -qxF "$l" "$T/web.out"
done
like "$(head -1 "$T/web.out")" "# /etc/systemd/system/jail-web.service" "it says where it goes"
nok "no socket unit without --socket" grep -q '^\[Socket\]' "$T/web.out"

out=$(unit sock --socket 2>"$T/err")
is "$?" 0 "--socket: exit 0 $(head -2 "$T/err")"
printf '%s\n' "$out" >"$T/sock.out"
ok "stop_timeout 1500ms: TimeoutStopSec=6500ms" grep -qxF TimeoutStopSec=6500ms "$T/sock.out"
for l in "[Socket]" ListenStream=127.0.0.1:8080 ListenDatagram=127.0.0.1:5353 \
	ListenStream=/run/sock.sock WantedBy=sockets.target; do
	ok "the socket unit has '$l'" grep -qxF "$l" "$T/sock.out"
done
nok "no Accept=yes without --accept" grep -q '^Accept=' "$T/sock.out"
like "$out" "# /etc/systemd/system/jail-sock.socket" "the socket unit says where it goes"

out=$(unit inetd --accept 2>"$T/err")
is "$?" 0 "--accept: exit 0 $(head -2 "$T/err")"
printf '%s\n' "$out" >"$T/inetd.out"
like "$out" "# /etc/systemd/system/jail-inetd@.service" "--accept: the service is a template jail-inetd@.service"
for l in "Description=jail service inetd (connection %i)" Accept=yes ListenStream=0.0.0.0:7777 \
	StandardInput=socket StandardOutput=socket Type=notify Delegate=yes KillMode=mixed; do
	ok "--accept: '$l'" grep -qxF "$l" "$T/inetd.out"
done
nok "--accept: no Restart= for per-connection instances" grep -q '^Restart=' "$T/inetd.out"

if command -v systemd-analyze >/dev/null; then
	split "$T/web.out" "$T/u1"
	ok "systemd-analyze verify: jail-web.service" verify "$T/u1" jail-web.service
	split "$T/sock.out" "$T/u2"
	ok "systemd-analyze verify: jail-sock.service and jail-sock.socket" \
		verify "$T/u2" jail-sock.socket jail-sock.service
	split "$T/inetd.out" "$T/u3"
	ok "systemd-analyze verify: jail-inetd.socket with jail-inetd@.service" \
		verify "$T/u3" jail-inetd.socket
else
	for _ in 1 2 3; do skip "systemd-analyze is not installed"; done
fi

# Refusals.
out=$(unit nosuch 2>"$T/err")
is "$?" 1 "a missing service: exit 1"
like "$(cat "$T/err")" "$CONF/services.d/nosuch.ini" "the error names the file"
is "$out" "" "and nothing is printed on stdout"
out=$(unit ../web 2>"$T/err")
is "$?" 1 "a bad name: exit 1"
like "$(cat "$T/err")" "is not a service name" "and says so"
out=$(unit web --socket 2>"$T/err")
is "$?" 1 "--socket without listen: exit 1"
like "$(cat "$T/err")" "no \`listen\` entries" "and says so"
is "$out" "" "nothing printed"
out=$(unit sock --accept 2>"$T/err")
is "$?" 1 "--accept with a udp listen: exit 1"
like "$(cat "$T/err")" "datagram socket" "and says so"
is "$out" "" "nothing printed"
unit >/dev/null 2>&1
is "$?" 2 "no NAME: usage, exit 2"

done_testing
