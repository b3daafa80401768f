# A throwaway directory for tests and benchmarks: Debian's OpenLDAP (slapd)
# with a database in $T, and nslcd serving it to NSS.  Source after
# tests/lib.sh and tests/sshd-lib.sh, and call after sshd_test_setup: it
# needs the test's private /etc (nsswitch.conf, nslcd.conf), /run (nslcd's
# socket, /run/nslcd, is compiled in) and network namespace (slapd listens
# on 127.0.0.1 there).  The host's slapd and nslcd, if any, are not used
# and not seen (their sockets are in the host's /run).
#
#   ldap_start [LDIF...]     # slapd + nslcd; base dc=jail,dc=test, then the LDIFs
#   ldap_modify              # ldapmodify as the directory's admin, LDIF on stdin
#   ldap_stop                # both daemons (sshd_test_cleanup ends them anyway)
#
# After ldap_start:
#   $LDAP_BASE   dc=jail,dc=test
#   $LDAP_URI    ldap://127.0.0.1:$LDAP_PORT/
#   $LDAP_UID0   first uid/gid of this run's directory entries (20 of them,
#                unique per run like sshd-lib.sh's local users)
#
# No cache anywhere: nslcd asks slapd at every lookup (its only cache maps
# member DNs to names; memberUid needs none) and no nscd is started, so a
# change in the directory is what the next login sees.
#
# AppArmor: Debian 12's slapd and nslcd ship no AppArmor profile (no
# /etc/apparmor.d/usr.sbin.slapd), so the guest lane runs them unconfined
# like here, with their files under $T.

LDAP_BASE=dc=jail,dc=test
LDAP_PORT=3389
LDAP_URI=ldap://127.0.0.1:$LDAP_PORT/
LDAP_ADMIN=cn=admin,$LDAP_BASE
LDAP_PW=jail-test-secret
LDAP_UID0=$((400000 + ($$ % 10000) * 20))
LDAP_PIDS=""

# ldap_user NAME UID GID SHELL: a posixAccount entry (LDIF, on stdout).
ldap_user() {
	cat <<-EOF
		dn: uid=$1,ou=people,$LDAP_BASE
		objectClass: inetOrgPerson
		objectClass: posixAccount
		uid: $1
		cn: $1 from the directory
		sn: $1
		uidNumber: $2
		gidNumber: $3
		homeDirectory: /home/$1
		loginShell: $4
		gecos: $1 (LDAP)

	EOF
}

# ldap_group NAME GID [MEMBER...]: a posixGroup entry with memberUid values.
ldap_group() {
	local name=$1 gid=$2 m
	shift 2
	printf 'dn: cn=%s,ou=groups,%s\nobjectClass: posixGroup\ncn: %s\ngidNumber: %s\n' \
		"$name" "$LDAP_BASE" "$name" "$gid"
	for m in "$@"; do printf 'memberUid: %s\n' "$m"; done
	echo
}

ldap_start() {
	local d=$T/ldap i f
	for f in /usr/sbin/slapd /usr/sbin/slapadd /usr/bin/ldapmodify /usr/sbin/nslcd \
		/lib/x86_64-linux-gnu/libnss_ldap.so.2; do
		[ -e "$f" ] || bail "$f missing: tests/deps.sh installs slapd ldap-utils nslcd libnss-ldapd"
	done
	[ -d "${HOST_ETC:-}" ] || bail "ldap_start: call sshd_test_setup first"
	mkdir -p -m 0700 "$d/db"
	cat >"$d/slapd.conf" <<-EOF
		include /etc/ldap/schema/core.schema
		include /etc/ldap/schema/cosine.schema
		include /etc/ldap/schema/nis.schema
		include /etc/ldap/schema/inetorgperson.schema
		pidfile $d/slapd.pid
		modulepath /usr/lib/ldap
		moduleload back_mdb
		database mdb
		maxsize 67108864
		suffix "$LDAP_BASE"
		rootdn "$LDAP_ADMIN"
		rootpw $LDAP_PW
		directory $d/db
		index uid,memberUid,cn eq
		index uidNumber,gidNumber eq
		access to * by * read
	EOF
	{
		printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: jail\no: jail tests\n\n' \
			"$LDAP_BASE"
		printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$LDAP_BASE"
		printf 'dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n' "$LDAP_BASE"
		for f in "$@"; do cat "$f"; done
	} >"$d/data.ldif"
	slapadd -q -f "$d/slapd.conf" -l "$d/data.ldif" >"$d/slapadd.log" 2>&1 ||
		bail "slapadd: $(cat "$d/slapadd.log")"
	# -d 0: in the foreground (its pid is ours to end), logging nothing.
	/usr/sbin/slapd -d 0 -f "$d/slapd.conf" -h "$LDAP_URI" >"$d/slapd.log" 2>&1 &
	LDAP_PIDS="$LDAP_PIDS $!"
	disown $!
	for i in $(seq 100); do
		ldapsearch -x -LLL -H "$LDAP_URI" -b "$LDAP_BASE" -s base dn >/dev/null 2>&1 && break
		sleep 0.05
	done
	ldapsearch -x -LLL -H "$LDAP_URI" -b "$LDAP_BASE" -s base dn >/dev/null 2>&1 ||
		bail "slapd did not answer on $LDAP_URI: $(tail -5 "$d/slapd.log")"
	# nslcd: its config in the private /etc, its socket in the private /run.
	cat >/etc/nslcd.conf <<-EOF
		uid nslcd
		gid nslcd
		uri $LDAP_URI
		base $LDAP_BASE
		base passwd ou=people,$LDAP_BASE
		base group ou=groups,$LDAP_BASE
		timelimit 5
		bind_timelimit 5
	EOF
	chmod 0640 /etc/nslcd.conf
	chgrp nslcd /etc/nslcd.conf 2>/dev/null
	mkdir -p -m 0755 /run/nslcd
	chown nslcd:nslcd /run/nslcd
	/usr/sbin/nslcd -n >"$d/nslcd.log" 2>&1 &
	LDAP_PIDS="$LDAP_PIDS $!"
	disown $!
	for i in $(seq 100); do
		[ -S /run/nslcd/socket ] && break
		sleep 0.05
	done
	[ -S /run/nslcd/socket ] || bail "nslcd did not start: $(tail -5 "$d/nslcd.log")"
	# The private nsswitch.conf: the directory after the files.
	sed -i -e 's/^\(passwd\|group\):.*/\1:         files ldap/' /etc/nsswitch.conf
	grep -q '^passwd:.*ldap' /etc/nsswitch.conf || bail "nsswitch.conf: no passwd line"
}

# ldap_modify: an LDIF change (stdin) as the directory's admin.
ldap_modify() {
	ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN" -w "$LDAP_PW" >"$T/ldap/modify.log" 2>&1 ||
		{
			cat "$T/ldap/modify.log" >&2
			return 1
		}
}

ldap_stop() {
	local p i
	for p in $LDAP_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $LDAP_PIDS; do
		for i in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
	done
	LDAP_PIDS=""
}
