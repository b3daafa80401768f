# Sourced by 45-jailsh.t and 46-apparmor.t (after lib.sh and jail_test_setup):
# a minimal jail and a stand-in session without PAM, so jailsh can be run for
# real as an unprivileged user inside a pid + mount namespace whose pid 1 is
# named jail-init (tests/bin/fake-init) and whose root is the jail
# (pivot_root, as pam_jail does).
#
#   jailsh_make_jail                  build $J (bash, coreutils, rsync, git,
#                                     sftp-server, scp, the probe, jailsh)
#   write_session [KEY=VALUE...]      write $J/run/jail/session (root, 0444)
#   sess [fake-init opts] -- PROG...  run PROG in a new session as user u
#   jsh CMD                           sess -- jailsh -c CMD
#   base CMD                          the same command without jailsh (bash -c)

FAKEINIT=$TOP/tests/bin/fake-init
PROBE=$TOP/tests/bin/try-syscall
J=$T/jail
UID_U=4242
UID_LOOP=4243

[ -x "$FAKEINIT" ] && [ -x "$PROBE" ] || bail "tests/bin/fake-init or try-syscall not built (make unit-tests)"
[ -x "$JAILSH" ] || bail "jailsh not built (make all)"

# Copy a host program (dereferenced) and the libraries ldd names into $J.
jail_copy() {
	src=$1
	dst=${2:-$1}
	mkdir -p "$J$(dirname "$dst")"
	cp -L "$src" "$J$dst"
	ldd "$src" 2>/dev/null | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]*ld-linux/{print $1}' |
		while read -r lib; do
			[ -e "$J$lib" ] && continue
			mkdir -p "$J$(dirname "$lib")"
			cp -L "$lib" "$J$lib"
		done
}

jailsh_make_jail() {
	mkdir -p "$J"/usr/bin "$J"/usr/sbin "$J"/usr/lib "$J"/usr/lib64 "$J"/usr/local/sbin \
		"$J"/etc "$J"/proc "$J"/dev/pts "$J"/dev/shm "$J"/tmp "$J"/run/jail "$J"/home \
		"$J"/srv/open
	ln -s usr/bin "$J/bin"
	ln -s usr/sbin "$J/sbin"
	ln -s usr/lib "$J/lib"
	ln -s usr/lib64 "$J/lib64"
	for p in bash ls cat grep id env true sleep rm mkdir; do
		jail_copy "/usr/bin/$p"
	done
	jail_copy /usr/bin/dash /usr/bin/sh
	jail_copy /usr/bin/rsync
	jail_copy /usr/bin/scp
	jail_copy /usr/lib/openssh/sftp-server
	jail_copy /usr/bin/git
	for g in git-upload-pack git-receive-pack; do
		ln -s git "$J/usr/bin/$g"
	done
	jail_copy "$PROBE" /usr/bin/try-syscall
	jail_copy "$JAILSH" /usr/local/sbin/jailsh
	cat >"$J/etc/passwd" <<-EOF
		root:x:0:0:root:/root:/bin/bash
		u:x:$UID_U:$UID_U:test user:/home/u:/usr/local/sbin/jailsh
		loop:x:$UID_LOOP:$UID_LOOP:another user:/home/u:/usr/local/sbin/jailsh
	EOF
	cat >"$J/etc/group" <<-EOF
		root:x:0:
		u:x:$UID_U:
		loop:x:$UID_LOOP:
	EOF
	printf 'passwd: files\ngroup: files\n' >"$J/etc/nsswitch.conf"
	echo jail-test >"$J/etc/hostname"
	mkdir -m 0700 "$J/home/u"
	chown "$UID_U:$UID_U" "$J/home/u"
	chmod 1777 "$J/tmp" "$J/dev/shm"
	chmod 0777 "$J/srv/open"
	for d in null zero full random urandom tty; do
		: >"$J/dev/$d"
		mount --bind "/dev/$d" "$J/dev/$d"
	done
	chmod -R go-w "$J/usr" "$J/etc"
	chmod 0755 "$J" "$J/run" "$J/run/jail"
}

# write_session [seccomp=..] [allow=..] [deny=..] [apparmor=..] [landlock=..]
#               [bind_rw=..] [commands=..] [user=..] [profile=..] [shell=..]
# (shell: the real shell jailsh runs, /bin/bash unless given; the jail's
# passwd names jailsh, as jailctl adduser writes it)
write_session() {
	local seccomp=default allow= deny= apparmor=off landlock=off bind_rw= commands= user=u
	local profile=test shell=/bin/bash kv
	for kv in "$@"; do
		case $kv in
		seccomp=*) seccomp=${kv#*=} ;;
		allow=*) allow=${kv#*=} ;;
		deny=*) deny=${kv#*=} ;;
		apparmor=*) apparmor=${kv#*=} ;;
		landlock=*) landlock=${kv#*=} ;;
		bind_rw=*) bind_rw=${kv#*=} ;;
		commands=*) commands=${kv#*=} ;;
		user=*) user=${kv#*=} ;;
		profile=*) profile=${kv#*=} ;;
		shell=*) shell=${kv#*=} ;;
		*) bail "write_session: bad argument $kv" ;;
		esac
	done
	rm -f "$J/run/jail/session"
	cat >"$J/run/jail/session" <<-EOF
		version=3
		id=t0000000000000001
		user=$user
		jail=$J
		profile=$profile
		seccomp=$seccomp
		seccomp_allow=$allow
		seccomp_deny=$deny
		apparmor=$apparmor
		apparmor_profile=jail-default
		landlock=$landlock
		bind_rw=$bind_rw
		commands=$commands
		hostname=jail
		shell=$shell
	EOF
	chown 0:0 "$J/run/jail/session"
	chmod 0444 "$J/run/jail/session"
}

# sess [fake-init options] -- PROGRAM [ARG...]: as user u unless -u given.
sess() {
	unshare --pid --fork --mount "$FAKEINIT" -r "$J" -u "$UID_U" -g "$UID_U" "$@"
}

jsh() {
	sess -- /usr/local/sbin/jailsh -c "$1"
}

base() {
	sess -- /bin/bash -c "$1"
}
