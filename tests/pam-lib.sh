# pam_jail through the real libpam (tests/bin/pamdrive), without sshd, for
# integration tests.  Source it after tests/lib.sh and tests/sshd-lib.sh
# (it uses $SBIN, $CONF and sshd_write_jail_ini); call pam_test_setup after
# sshd_test_setup.
#
#   JAIL_TEST_NET=1
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../sshd-lib.sh"
#   . "$(dirname "$0")/../pam-lib.sh"
#   jail_test_setup
#   sshd_test_setup
#   pam_test_setup [PROG...]          # $J, user u1, the pam.d stack $PAMD
#   write_profile NAME LINE...        # $CONF/profiles/NAME.ini
#   use_profile PROFILE [JAIL]        # jail.ini: [user:u1] in JAIL ($J), PROFILE
#   "$PAMDRIVE" -c "$PAMD" u1 CMD     # a session of u1 running CMD
#
# After pam_test_setup:
#   $J         a hand-made jail, $T/jails/j1: /bin /lib /lib64 /sbin links to
#              usr/, sh, jailsh ($SBIN/jailsh) and each PROG with their
#              libraries, /etc/passwd and /etc/group with root and u1,
#              /home/u1 (u1's, 0755); nothing writable by group or others
#   u1         a host user (no home on the host) whose login shell is jailsh,
#              on the host and in the jail's passwd, as jailctl adduser
#              writes them
#   $PAMD      a pam.d directory ($T/pam.d): service jail-test is
#              `session required pam_permit.so` then pam_jail
#              (config=$CONF); `other` is empty
#   $PAMDRIVE  tests/bin/pamdrive

PAMDRIVE=$TOP/tests/bin/pamdrive

# pam_test_setup [PROG...]: make $J, u1 and $PAMD as above; each PROG (a
# name on PATH or a path) is copied into the jail besides sh and jailsh.
pam_test_setup() {
	local l
	J=$T/jails/j1
	mkdir -p "$J"/{etc,home,tmp,proc,dev,run} "$J"/usr/{bin,lib,lib64,sbin}
	for l in bin lib lib64 sbin; do ln -s "usr/$l" "$J/$l"; done
	jail_add_prog "$J" sh "$@" "$SBIN/jailsh"
	chmod -R go-w "$J"
	useradd -M -d /home/u1 -s "$SBIN/jailsh" u1 || bail "useradd u1"
	grep -E '^(root|u1):' /etc/passwd >"$J/etc/passwd"
	grep -E '^(root|u1):' /etc/group >"$J/etc/group"
	install -d -o u1 -g u1 -m 0755 "$J/home/u1"

	PAMD=$T/pam.d
	mkdir -p "$PAMD"
	echo "# nothing" >"$PAMD/other"
	printf 'session required pam_permit.so\nsession required %s config=%s\n' "$PAM_JAIL" "$CONF" \
		>"$PAMD/jail-test"
}

# write_profile NAME LINE...: $CONF/profiles/NAME.ini, [profile] then each
# LINE ("key = value"); mode 0644.
write_profile() {
	local n=$1 l
	shift
	{
		echo "[profile]"
		for l in "$@"; do echo "$l"; done
	} >"$CONF/profiles/$n.ini"
	chmod 0644 "$CONF/profiles/$n.ini"
}

# use_profile PROFILE [JAIL]: jail.ini assigns u1 to JAIL ($J) with
# PROFILE, and shell = /bin/sh (jailsh runs the assignment's shell: the
# jail has sh, not bash).
use_profile() { sshd_write_jail_ini "[user:u1]" "jail = ${2:-$J}" "profile = $1" "shell = /bin/sh"; }
