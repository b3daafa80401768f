#!/bin/bash
# make demo: build a jail, jail the user `enjaulado`, log in with a real ssh
# on 127.0.0.1 and show what the user sees; then run nginx (or the test
# daemon svcd) from the same jail as a service with no network, serving
# 127.0.0.1:80, and stop it.  Run as root after `make all`.
#
# Everything happens in a throwaway private mount and network namespace with
# a private copy of /etc (see tests/sshd-lib.sh): the host's users, PAM,
# sshd, /run, /dev, /home and /opt are never written.  When the namespace is
# gone this script checks that the host is as it was.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || {
		echo "demo: run as root (it creates namespaces, a user and a jail)" >&2
		exit 1
	}
	# The syslog sink and the fallback service are test helpers (`make demo`
	# builds them; here for a run of this script after `make all`).
	for f in logsink svcd; do
		[ -x "$REPO/tests/bin/$f" ] || make -s -C "$REPO" "tests/bin/$f" >/dev/null || exit 1
	done
	for f in jailctl/jailctl jailsh/jailsh pam_jail/pam_jail.so tests/bin/logsink tests/bin/svcd; do
		[ -e "$REPO/$f" ] || {
			echo "demo: $f is not built: run 'make all' first" >&2
			exit 1
		}
	done
	state=$(mktemp /tmp/jail-demo.XXXXXX) || exit 1
	host_sums() { sha256sum /etc/passwd /etc/group /etc/shadow /etc/pam.d/sshd /etc/ssh/sshd_config 2>&1; }
	before=$(host_sums)
	export CGROUP_PARENT=jail-demo-$$ JAIL_DEMO_STATE=$state JAIL_TEST_IN_NS=1
	unshare --mount --net --propagation private "$0" "$@"
	rc=$?
	echo
	echo "=== 8. The host is untouched"
	fail=0
	if [ "$(host_sums)" = "$before" ]; then
		echo "host /etc/passwd, group, shadow, pam.d/sshd, ssh/sshd_config: unchanged"
	else
		echo "demo: the host's /etc changed!" >&2
		fail=1
	fi
	if getent passwd enjaulado >/dev/null; then
		echo "demo: the host has a user enjaulado (it should exist only in the namespace)" >&2
		fail=1
	else
		echo "host: no user enjaulado"
	fi
	left=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$CGROUP_PARENT" 2>/dev/null)
	if [ -n "$left" ]; then
		echo "demo: cgroups left: $left" >&2
		fail=1
	else
		echo "host: no cgroup named $CGROUP_PARENT left"
	fi
	# Every process the demo started lived in its network namespace.
	netns=$(cat "$state" 2>/dev/null)
	procs=""
	if [ -n "$netns" ]; then
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$netns" ] && procs="$procs ${p#/proc/}"
		done
	fi
	if [ -n "$procs" ]; then
		echo "demo: processes left in the demo's namespace:$procs" >&2
		fail=1
	else
		echo "host: no process of the demo left"
	fi
	rm -f "$state"
	[ "$rc" = 0 ] && [ "$fail" = 0 ] && echo && echo "demo: done"
	[ "$rc" = 0 ] && exit "$fail"
	exit "$rc"
fi

# --- inside the throwaway namespace ------------------------------------------
JAIL_TEST_NET=1
. "$HERE/lib.sh"
TOP=$REPO
JAILCTL=$TOP/jailctl/jailctl
JAILSH=$TOP/jailsh/jailsh
PAM_JAIL=$TOP/pam_jail/pam_jail.so
. "$HERE/sshd-lib.sh"
jail_test_setup
readlink /proc/self/ns/net >"$JAIL_DEMO_STATE"
# The jail at the path a newcomer would use, on a private tmpfs over /opt.
# Mode 0700: host users cannot reach into the jail through its host path
# (README, Security); only root (pam_jail, sshd, jailctl) needs to.
mount -t tmpfs -o mode=0700 demo-opt /opt || bail "mount /opt"
SSHD_JAIL=/opt/chroots
sshd_test_setup
sshd_pam_stack jail
sshd_start default
JC="$SBIN/jailctl --config $CONF"

heading() { printf '\n=== %s\n' "$*"; }
run() { # show the command, then run it
	printf '# %s\n' "$*" | sed "s|$SBIN/jailctl --config $CONF|jailctl|"
	"$@"
}
die() {
	echo "demo: $*" >&2
	exit 1
}

heading "0. A throwaway world: private mount and network namespace, private /etc"
echo "sshd $(/usr/sbin/sshd -V 2>&1 | head -1) listening on 127.0.0.1:$SSHD_PORT"
echo "config dir: $CONF  (jailctl --config; pam_jail.so config=)"
echo "pam.d/sshd session stack ends with:"
grep '^session' /etc/pam.d/sshd | tail -2 | sed 's/^/    /'

heading "1. Build a jail: jailctl init"
run $JC init /opt/chroots extendedshell sftp scp rsync jailsh ||
	die "jailctl init failed"
echo "jail: $(du -sh /opt/chroots | cut -f1), $(find /opt/chroots -type f | wc -l) files"

heading "2. Jail a user: jailctl adduser"
useradd -M -d /home/enjaulado -s /bin/bash enjaulado || die "useradd"
run $JC adduser enjaulado || die "jailctl adduser failed"
echo "host passwd:  $(getent passwd enjaulado)"
echo "jail passwd:  $(grep '^enjaulado:' /opt/chroots/etc/passwd)"
echo "$CONF/users.d/enjaulado.ini:"
sed 's/^/    /' "$CONF/users.d/enjaulado.ini"
_user_key /opt/chroots/home/enjaulado enjaulado
echo "(a test key is now in /opt/chroots/home/enjaulado/.ssh/authorized_keys)"

heading "3. The jail tree"
if command -v tree >/dev/null; then
	tree -L 2 --noreport /opt/chroots
else
	(cd /opt/chroots && find . -maxdepth 2 | sort)
fi

heading "4. Audit: jailctl check"
run $JC check --sshd-config "$T/sshd-default.conf" /opt/chroots
rc=$?
if [ "$rc" = 0 ]; then echo "(exit status 0: no findings)"; else echo "(exit status $rc)"; fi

heading "5. ssh enjaulado@127.0.0.1: what the user sees"
# One login runs every command; each output comes under "$ COMMAND".
cmds=("id" "ps -eo pid,ppid,user,comm" "hostname" "ls /"
	'grep -E "NoNewPrivs|Seccomp|CapBnd" /proc/self/status' "cat /proc/self/cgroup")
remote=""
for c in "${cmds[@]}"; do
	remote="$remote echo; echo '\$ $c'; $c;" # (no single quote in cmds)
done
echo "# ssh enjaulado@127.0.0.1 '$(IFS=';'; echo "${cmds[*]}" | sed 's/;/; /g')'"
tssh enjaulado "$remote" 2>&1 | sed 's/^/    /'
[ "${PIPESTATUS[0]}" = 0 ] || die "the ssh login failed"

heading "6. After logout"
for i in $(seq 50); do
	pgrep -u enjaulado >/dev/null || break
	sleep 0.1
done
echo "processes of enjaulado: $(pgrep -u enjaulado | wc -l)"
echo "session records: $(ls /run/jail/sessions 2>/dev/null | wc -l)"
echo "session cgroups under $CGROUP_PARENT: $(for d in $(sshd_cgroups_left); do find "$d" -mindepth 2 -type d; done | wc -l)"
echo "syslog (pam_jail):"
grep -F pam_jail "$SYSLOG" | sed 's/^/    /'

# A service in the same jail tree: read-only to it, net = none, serving
# 127.0.0.1:80 through the socket jailctl binds on the host side.  Its state
# and log directories go to the demo's scratch dir (jail.ini's state_root and
# logs_root), not to the host's /var/lib/jail and /var/log/jail.
heading "7. A jailed service: jailctl run"
sshd_write_jail_ini "state_root = $T/svc/state" "logs_root = $T/svc/logs"
mkdir -p "$T/svc/www" "$T/svc/conf" "$CONF/services.d"
chmod 0755 "$CONF/services.d"
if [ -x /usr/sbin/nginx ]; then
	run $JC cp /opt/chroots /usr/sbin/nginx || die "jailctl cp nginx failed"
	echo "hello from nginx, jailed as www-data with no network, on port 80" >"$T/svc/www/index.html"
	cat >"$T/svc/conf/nginx.conf" <<-'EOF'
		daemon off;
		worker_processes 1;
		pid /run/web/nginx.pid;
		error_log stderr notice;
		events { worker_connections 64; }
		http {
			types { text/html html; }
			access_log /var/log/web/access.log;
			client_body_temp_path /tmp/body;
			proxy_temp_path /tmp/proxy;
			fastcgi_temp_path /tmp/fastcgi;
			uwsgi_temp_path /tmp/uwsgi;
			scgi_temp_path /tmp/scgi;
			server { listen 127.0.0.1:80; root /srv/www; }
		}
	EOF
	chmod -R a+rX "$T/svc/www" "$T/svc/conf"
	svc_exec="/usr/sbin/nginx -c /etc/nginx/nginx.conf -e stderr"
	svc_extra="environment = NGINX=3;
ready       = file:/run/web/nginx.pid
bind_ro     = $T/svc/conf:/etc/nginx $T/svc/www:/srv/www"
else # (tests/deps.sh installs nginx-light; without it, the test daemon)
	install -D -m 0755 "$REPO/tests/bin/svcd" /opt/chroots/usr/local/bin/svcd
	svc_exec="/usr/local/bin/svcd serve"
	svc_extra=""
fi
cat >"$CONF/services.d/web.ini" <<EOF
[service:web]
jail        = /opt/chroots
exec        = $svc_exec
user        = www-data
net         = none
listen      = tcp:127.0.0.1:80
runtime_dir = web
logs_dir    = web
EOF
[ -n "$svc_extra" ] && echo "$svc_extra" >>"$CONF/services.d/web.ini"
chmod 0644 "$CONF/services.d/web.ini"
echo "$CONF/services.d/web.ini:"
sed 's/^/    /' "$CONF/services.d/web.ini"
echo "# jailctl run web &        (in the foreground, as systemd's ExecStart= runs it)"
$JC run web >"$T/svc/run.out" 2>&1 &
svc_pid=$!
for _ in $(seq 100); do
	grep -q "service web: ready" "$T/svc/run.out" && break
	kill -0 $svc_pid 2>/dev/null || break
	sleep 0.1
done
grep -F "service web:" "$T/svc/run.out" | sed 's/^/    /'
grep -q "service web: ready" "$T/svc/run.out" || {
	sed 's/^/    /' "$T/svc/run.out"
	die "the service did not become ready"
}
run $JC ps
if [ -x /usr/sbin/nginx ] && command -v curl >/dev/null; then
	run curl -sS http://127.0.0.1/
else
	echo "# (echo >&3; head -1 <&3) 3<>/dev/tcp/127.0.0.1/80"
	(echo >&3; head -1 <&3) 3<>/dev/tcp/127.0.0.1/80
fi
echo "inside (jailctl enter web): network interfaces: $($JC enter web -- cat /proc/net/dev 2>&1 |
	sed -n '3,$p' | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "inside (jailctl enter web): $($JC enter web -- touch /etc/x 2>&1 | sed 's/^.*touch: //')"
[ -e "$T/svc/logs/web/access.log" ] &&
	echo "on the host: $T/svc/logs/web/access.log: $(wc -l <"$T/svc/logs/web/access.log") request(s)"
echo "# kill -TERM $svc_pid       (jailctl run web: what systemctl stop does)"
kill -TERM $svc_pid
wait $svc_pid
svc_rc=$?
echo "jailctl run web: exit status $svc_rc$([ $svc_rc = 0 ] && echo ', stopped cleanly')"
echo "processes of www-data: $(pgrep -u www-data | wc -l), session records: $(ls /run/jail/sessions 2>/dev/null | wc -l)"
[ "$svc_rc" = 0 ] || die "the service did not stop cleanly"
exit 0
