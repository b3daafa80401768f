# Real-sshd harness for integration tests, the demo and the session benchmark.
# Source it after tests/lib.sh.  Everything happens inside the test's private
# mount AND network namespace: the host's users, /etc, PAM, sshd, /run, /dev,
# /home and /var/log are never written.
#
#   JAIL_TEST_NET=1                       # before jail_test_setup: unshare --mount --net
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../sshd-lib.sh"
#   jail_test_setup
#   sshd_test_setup                       # private /etc /run /dev /home /var/log, syslog sink,
#                                         # binaries in /usr/local/sbin, keys, $CONF/jail.ini
#   sshd_write_config [NAME PORT SFTP]    # $T/sshd-NAME.conf (SFTP: internal-sftp or a path)
#   sshd_pam_stack jail|nojail            # private /etc/pam.d/sshd: Debian's, + pam_jail LAST
#   sshd_start [NAME]                     # /usr/sbin/sshd -D in the background, waits for it
#   user_add_unjailed NAME                # useradd -m, key in ~/.ssh/authorized_keys
#   user_add_jailed NAME JAIL [PROFILE]   # useradd + jailctl adduser, key in the in-jail home
#   tssh [-p PORT] USER [ssh args...]     # ssh with the test's client config and key
#   tssh_bg USER [ssh args...]            # the same in the background: kill $SSH_BG ends it
#   wait_log FILE TEXT [SECONDS]          # wait until FILE contains TEXT
#
# After sshd_test_setup:
#   $CONF        the test's config dir (jail.ini written here)
#   $SSH_CONFIG  client config (-F) for ssh, sftp, scp, rsync -e, GIT_SSH_COMMAND
#   $SSHD_PORT   port of the default sshd (2222)
#   $SYSLOG      everything written to /dev/log, one line per message
#   $CGROUP_PARENT  cgroup_parent of this run (unique unless set before), see
#                sshd_cgroups_left
#   $SSHD_JAIL   the default jail in jail.ini ($T/jails/j1 unless set before)
#   $HOST_ETC    the host's real /etc, bound read-only (to verify it is untouched)
#   $SBIN        /usr/local/sbin (a private tmpfs holding jailctl and jailsh)
#   $PAM_MODULE  the copied pam_jail.so

SSHD_PORT=2222
SBIN=/usr/local/sbin
SSHD_PIDS=""
SSHD_SINK_PID=""

# Mount a fresh private tmpfs on a host directory (inside our namespace only).
_sshd_tmpfs() { # DIR MODE
	mount -t tmpfs -o "mode=$2,nosuid,size=64m" "sshd-test" "$1" || bail "mount tmpfs on $1"
}

# A private /run: sshd needs /run/sshd (its privilege separation directory),
# writes /run/sshd.pid-like state and utmp, pam_motd writes /run/motd.dynamic,
# and pam_jail keeps its session registry under /run/jail.  None of that may
# reach the host's /run.  The scratch tmpfs at /run/jail-tests (which holds
# $T) is re-attached on top of the new /run through our working directory:
# `mount -c` passes "." to the kernel uncanonicalised, so it still names the
# hidden mount.
_sshd_private_run() {
	(cd /run/jail-tests &&
		_sshd_tmpfs /run 0755 &&
		mkdir -p /run/jail-tests &&
		mount -c --rbind . /run/jail-tests) || bail "private /run"
	[ -d "$T" ] || bail "private /run: lost $T"
	mkdir -p -m 0755 /run/sshd /run/lock
	: >/run/utmp
}

# A private /dev: the host has no /dev/log here, and we must not create one
# there; we also want ptys from a devpts instance of our own.  Device nodes
# are created (not bound) so /dev/ptmx can be the usual symlink to pts/ptmx
# of the new devpts instance.
_sshd_private_dev() {
	_sshd_tmpfs /dev 0755
	mknod -m 0666 /dev/null c 1 3
	mknod -m 0666 /dev/zero c 1 5
	mknod -m 0666 /dev/full c 1 7
	mknod -m 0666 /dev/random c 1 8
	mknod -m 0666 /dev/urandom c 1 9
	mknod -m 0666 /dev/tty c 5 0
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	mkdir -m 0755 /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts ||
		bail "mount devpts"
	ln -s pts/ptmx /dev/ptmx
	mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm || bail "mount /dev/shm"
	# syslog: a socket of our own on /dev/log; every line lands in $SYSLOG.
	SYSLOG=$T/syslog.txt
	: >"$SYSLOG"
	"$TOP/tests/bin/logsink" "$T/log.sock" "$SYSLOG" >"$T/logsink.out" 2>&1 &
	SSHD_SINK_PID=$!
	disown "$SSHD_SINK_PID"
	local i
	for i in $(seq 100); do
		grep -q ready "$T/logsink.out" 2>/dev/null && break
		sleep 0.05
	done
	grep -q ready "$T/logsink.out" || bail "logsink did not start: $(cat "$T/logsink.out")"
	: >/dev/log
	mount --bind "$T/log.sock" /dev/log || bail "bind /dev/log"
}

sshd_test_setup() {
	[ -n "${T:-}" ] || bail "sshd_test_setup: call jail_test_setup first"
	[ "${JAIL_TEST_NET:-0}" = 1 ] || bail "sshd tests need JAIL_TEST_NET=1 before jail_test_setup"
	[ -x /usr/sbin/sshd ] || bail "openssh-server is not installed (tests/deps.sh)"
	[ -x "$TOP/tests/bin/logsink" ] || bail "tests/bin/logsink missing: run make unit-tests"
	trap 'sshd_test_cleanup; jail_test_cleanup' EXIT
	_sshd_private_run
	# The host's /etc, read-only, for "the host was not touched" checks.
	HOST_ETC=$T/host-etc
	mkdir -p "$HOST_ETC"
	mount --bind /etc "$HOST_ETC" && mount -o remount,bind,ro "$HOST_ETC" || bail "bind host /etc"
	export HOST_ETC
	jail_test_private_etc
	# Test users get uids/gids of their own (20 per run, from 100000 up):
	# other test runs on the same host create users too, and `pgrep -u NAME`
	# must only ever see this run's processes.
	SSHD_UID_MIN=$((100000 + ($$ % 10000) * 20))
	sed -i -e "/^[#[:space:]]*[UG]ID_M\(IN\|AX\)[[:space:]]/d" /etc/login.defs
	printf 'UID_MIN %s\nUID_MAX %s\nGID_MIN %s\nGID_MAX %s\n' "$SSHD_UID_MIN" \
		$((SSHD_UID_MIN + 19)) "$SSHD_UID_MIN" $((SSHD_UID_MIN + 19)) >>/etc/login.defs
	_sshd_private_dev
	# useradd -m writes homes, lastlog and faillog; sshd writes wtmp, btmp
	# and lastlog; mail spools: all private.
	_sshd_tmpfs /home 0755
	_sshd_tmpfs /var/log 0755
	: >/var/log/wtmp
	: >/var/log/btmp
	: >/var/log/lastlog
	: >/var/log/faillog
	[ -d /var/mail ] && _sshd_tmpfs /var/mail 2775
	# The programs at their installed paths, on a private tmpfs: the jailed
	# users' host login shell is jailsh, which must exist on the host (sshd
	# checks it) and at the same path inside the jail, where the session's
	# own /run and /tmp tmpfs would hide anything under them.
	# AuthorizedKeysCommand needs a root-owned, non-writable path chain.
	_sshd_tmpfs "$SBIN" 0755
	install -m 0755 "$JAILCTL" "$SBIN/" || bail "install jailctl"
	install -m 0711 "$JAILSH" "$SBIN/" || bail "install jailsh" # as make install does
	mkdir -m 0755 "$T/lib"
	install -m 0644 "$PAM_JAIL" "$T/lib/pam_jail.so"
	PAM_MODULE=$T/lib/pam_jail.so
	# Keys: host key for sshd, one user key for every test user.
	ssh-keygen -q -t ed25519 -N '' -C sshd-test -f "$T/ssh_host_ed25519_key" || bail "ssh-keygen"
	ssh-keygen -q -t ed25519 -N '' -C jail-test -f "$T/id_ed25519" || bail "ssh-keygen"
	SSH_CONFIG=$T/ssh_config
	cat >"$SSH_CONFIG" <<-EOF
		Host *
		    Port $SSHD_PORT
		    IdentityFile $T/id_ed25519
		    IdentitiesOnly yes
		    IdentityAgent none
		    StrictHostKeyChecking no
		    UserKnownHostsFile /dev/null
		    GlobalKnownHostsFile /dev/null
		    BatchMode yes
		    LogLevel ERROR
		    ConnectTimeout 10
		    ServerAliveInterval 5
		    ServerAliveCountMax 4
	EOF
	chmod 0600 "$SSH_CONFIG"
	# Unique per run: cgroups live in the real (shared) cgroupfs.
	CGROUP_PARENT=${CGROUP_PARENT:-jail-test-$$-${T##*.}}
	SSHD_JAIL=${SSHD_JAIL:-$T/jails/j1}
	sshd_write_jail_ini
	sshd_write_config default "$SSHD_PORT" internal-sftp
	sshd_pam_stack nojail
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	export GIT_SSH_COMMAND="ssh -F $SSH_CONFIG"
}

# $CONF/jail.ini: this run's jail defaults.  Extra lines (e.g. [user:] or
# [group:] sections) can be passed as arguments.
sshd_write_jail_ini() {
	{
		echo "[jail]"
		echo "jail = $SSHD_JAIL"
		echo "profile = default"
		echo "sections = $TOP/templates/sections.ini"
		echo "cgroup_parent = $CGROUP_PARENT"
		echo "jailsh = $SBIN/jailsh"
		for l in "$@"; do echo "$l"; done
	} >"$CONF/jail.ini"
	chmod 0644 "$CONF/jail.ini"
}

# sshd_write_config NAME PORT SFTP: $T/sshd-NAME.conf with the shipped Match
# block for jailed users (paths pointed at this run's programs and config).
sshd_write_config() {
	local name=${1:-default} port=${2:-$SSHD_PORT} sftp=${3:-internal-sftp}
	{
		cat <<-EOF
			Port $port
			ListenAddress 127.0.0.1
			HostKey $T/ssh_host_ed25519_key
			PidFile $T/sshd-$name.pid
			UsePAM yes
			KbdInteractiveAuthentication no
			PasswordAuthentication no
			PubkeyAuthentication yes
			AuthorizedKeysFile .ssh/authorized_keys
			PermitRootLogin no
			PrintMotd no
			UseDNS no
			LogLevel VERBOSE
			MaxStartups 300:30:400
			Subsystem sftp $sftp
		EOF
		sed -e "s|/usr/local/sbin/jailctl keys|$SBIN/jailctl --config $CONF keys|" \
			"$TOP/templates/sshd_config.snippet"
	} >"$T/sshd-$name.conf"
	chmod 0644 "$T/sshd-$name.conf"
}

# The private /etc/pam.d/sshd: Debian's stack as shipped, plus (jail) the
# shipped snippet's line LAST, with the module by absolute path and this
# run's config directory.
sshd_pam_stack() {
	[ -f "$T/pam.d-sshd.orig" ] || cp /etc/pam.d/sshd "$T/pam.d-sshd.orig"
	cp "$T/pam.d-sshd.orig" /etc/pam.d/sshd
	if [ "$1" = jail ]; then
		grep '^session' "$TOP/templates/pam.d-sshd.snippet" |
			sed -e "s|pam_jail.so|$PAM_MODULE|" -e "s|config=/etc/jail|config=$CONF|" \
				>>/etc/pam.d/sshd
	fi
}

# _sshd_asan_env: set SSHD_ENV (a command prefix, possibly empty) that
# preloads the ASan runtime when the PAM module under test is a sanitizer
# build (make sanitize): sshd is not built with ASan, and an ASan-instrumented
# library can only be dlopen()ed into a process whose first library is the
# ASan runtime.  Leak checking is off for sshd itself (its own allocations
# are not ours to judge).  A prefix (env ...) rather than a wrapper function,
# so that `$!` of a backgrounded sshd is sshd's pid.
_sshd_asan_env() {
	local need lib
	SSHD_ENV=()
	need=$(readelf -d "$PAM_MODULE" 2>/dev/null | sed -n 's/.*NEEDED.*\[\(libasan\.so[.0-9]*\)\]/\1/p')
	[ -n "$need" ] || return 0
	lib=$(ldconfig -p | awk -v n="$need" '$1 == n && /x86-64/ { print $NF; exit }')
	[ -n "$lib" ] || bail "sanitizer build: $need not found by ldconfig"
	SSHD_ENV=(env "LD_PRELOAD=$lib" "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
}

# sshd_start [NAME]: start sshd -D with $T/sshd-NAME.conf; log in $T/sshd-NAME.log.
sshd_start() {
	local name=${1:-default} port i
	port=$(awk '$1 == "Port" { print $2; exit }' "$T/sshd-$name.conf")
	/usr/sbin/sshd -t -f "$T/sshd-$name.conf" || bail "sshd -t -f $T/sshd-$name.conf"
	# -E: sshd's log; its stderr (and AuthorizedKeysCommand's) to a file too.
	_sshd_asan_env
	"${SSHD_ENV[@]}" /usr/sbin/sshd -D -f "$T/sshd-$name.conf" -E "$T/sshd-$name.log" \
		>>"$T/sshd-$name.stderr" 2>&1 &
	SSHD_PIDS="$SSHD_PIDS $!"
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	bail "sshd $name did not listen on $port: $(tail -5 "$T/sshd-$name.log")"
}

sshd_stop() {
	local p
	for p in $SSHD_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	SSHD_PIDS=""
}

_user_key() { # HOME_DIR USER
	install -d -m 0700 -o "$2" -g "$2" "$1/.ssh"
	install -m 0600 -o "$2" -g "$2" "$T/id_ed25519.pub" "$1/.ssh/authorized_keys"
}

user_add_unjailed() {
	useradd -m -s /bin/bash "$1" || bail "useradd $1"
	_user_key "/home/$1" "$1"
}

# user_add_jailed NAME JAIL [PROFILE]: a host user jailed by jailctl adduser
# (which puts it in group `jailed`, the snippet's Match Group: the forwarding
# tests rely on adduser alone for that), with the test key in the IN-JAIL
# home (what `jailctl keys` serves to sshd).
user_add_jailed() {
	local name=$1 jail=$2 profile=${3:-}
	useradd -M -d "/home/$name" -s /bin/bash "$name" || bail "useradd $name"
	"$JAILCTL" --config "$CONF" adduser -j "$jail" ${profile:+-p "$profile"} "$name" \
		>"$T/adduser-$name.log" 2>&1 || bail "jailctl adduser $name: $(cat "$T/adduser-$name.log")"
	_user_key "$jail/home/$name" "$name"
}

# tssh [-p PORT] USER [ARGS...]: ssh USER@127.0.0.1 with the test's config, cut at
# TSSH_TIMEOUT seconds (60).
tssh() {
	local port=$SSHD_PORT
	if [ "$1" = -p ]; then
		port=$2
		shift 2
	fi
	local user=$1
	shift
	timeout "${TSSH_TIMEOUT:-60}" ssh -F "$SSH_CONFIG" -p "$port" "$user@127.0.0.1" "$@"
}

# tssh_bg USER [ARGS...]: the same, in the background, stdin/out/err to
# /dev/null; $SSH_BG is the pid of timeout(1), which passes a SIGTERM on to
# ssh: `kill $SSH_BG` ends the client, and sshd then closes the session.
tssh_bg() {
	local user=$1
	shift
	timeout 60 ssh -F "$SSH_CONFIG" -p "$SSHD_PORT" "$user@127.0.0.1" "$@" </dev/null >/dev/null 2>&1 &
	SSH_BG=$!
}

# ssh_live_session USER SECONDS OUT: a jailed ssh session of USER that lives
# SECONDS in the background (its output in OUT).  Returns once it runs and
# the registry ($REG) holds it: sets SSH_BG (ssh's pid) and LIVE_SID (the
# session id, for jailctl enter/kill).  Bails out otherwise.
ssh_live_session() {
	local before i
	before=$(ls -A "$REG" 2>/dev/null)
	timeout $(($2 + 10)) ssh -F "$SSH_CONFIG" -p "$SSHD_PORT" "$1@127.0.0.1" \
		"echo started; sleep $2" </dev/null >"$3" 2>&1 &
	SSH_BG=$!
	wait_log "$3" started 20 || bail "the background session of $1 did not start: $(cat "$3")"
	LIVE_SID=
	for i in $(seq 100); do
		LIVE_SID=$(ls -A "$REG" 2>/dev/null | grep -vxF "${before:-none}" | head -n1)
		[ -n "$LIVE_SID" ] && break
		sleep 0.05
	done
	[ -n "$LIVE_SID" ] || bail "the background session of $1 was not recorded"
}

# wait_log FILE TEXT [SECONDS]: true once FILE contains TEXT (fixed string).
wait_log() {
	local i n=$((${3:-5} * 20))
	for i in $(seq "$n"); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Every cgroup directory of this run, in any hierarchy (v1 controllers and v2).
sshd_cgroups_left() {
	find /sys/fs/cgroup -maxdepth 6 -type d -name "$CGROUP_PARENT" 2>/dev/null
}

# Pids of processes (other than this shell) in our network namespace: all of
# them were started by this test.
_sshd_netns_pids() {
	local p
	for p in $(ns_procs net self); do
		[ "$p" = $$ ] || [ "$p" = "$BASHPID" ] || echo "$p"
	done
}

sshd_test_cleanup() {
	local d p pids
	sshd_stop
	# Anything we started still running (sessions, stray clients), then the sink.
	pids=$(_sshd_netns_pids)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	# Cgroups left behind (a test failed): empty them, remove them deepest first.
	if [ -n "${CGROUP_PARENT:-}" ]; then
		for d in $(sshd_cgroups_left); do
			find "$d" -depth -type d 2>/dev/null | while read -r c; do
				for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
				for p in $(seq 20); do
					rmdir "$c" 2>/dev/null && break
					sleep 0.05
				done
			done
		done
	fi
	return 0
}
