#!/bin/bash
# bench/ldap.sh: login latency of a jailed user from a directory (OpenLDAP
# through nslcd) against a jailed user from /etc/passwd, with a real sshd.
#
#   bench/ldap.sh [-n RUNS]      (root, after make all)
#
# The harness of tests/integration/65-ldap.t (tests/sshd-lib.sh and
# tests/ldap-lib.sh) in a throwaway private mount and network namespace with
# a private /etc (`passwd: files ldap`, `group: files ldap`).  Users:
#   files-unjailed   local user, host shell
#   files-jailed     local user, jailctl adduser (users.d)
#   ldap-jailed      directory user, member of the directory group that
#                    [group:] maps (no users.d entry), shell jailsh in LDAP
#   ldap-adduser     directory user, jailctl adduser (users.d)
# All jailed users are in sshd's Match Group (keys by `jailctl keys`).
# `ssh USER@127.0.0.1 true`: hyperfine -N, RUNS runs each (default 21),
# interleaved in rounds so that load drift hits every user alike; medians.
. "$(dirname "$0")/lib.sh"
bench_runs_opt 21 "$@"

if [ -z "${JAIL_TEST_IN_NS:-}" ]; then
	bench_need_root
	make -s -C "$REPO" tests/bin/logsink >/dev/null || exit 1
	bench_need_built jailctl/jailctl jailsh/jailsh pam_jail/pam_jail.so tests/bin/logsink
	bench_need_cmd hyperfine slapd nslcd
	bench_unshare jail-bench-ldap "$@"
fi

# --- inside the throwaway namespace ------------------------------------------
bench_sshd_harness
. "$REPO/tests/ldap-lib.sh"
jail_test_setup
sshd_test_setup
J=$SSHD_JAIL
G=ldjail
U=$LDAP_UID0
{
	ldap_user benchl $((U + 1)) $((U + 10)) "$SBIN/jailsh"
	ldap_user bencha $((U + 2)) $((U + 10)) "$SBIN/jailsh"
	ldap_group ldusers $((U + 10))
	ldap_group $G $((U + 11)) benchl
} >"$T/users.ldif"
ldap_start "$T/users.ldif"
sshd_write_jail_ini "[group:$G]" "jail = $J"
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.log" 2>&1 ||
	die "jailctl init: $(cat "$T/init.log")"
sed -i "s/^Match Group jailed\$/Match Group jailed,$G/" "$T/sshd-default.conf"
sshd_pam_stack jail
sshd_start default

user_add_unjailed benchu
user_add_jailed benchf "$J"
# benchl: what `jailctl adduser` writes into the jail, without users.d (the
# directory group jails it).
line=$(getent passwd benchl | cut -d: -f3-6) || die "getent passwd benchl"
echo "benchl:x:$line:$SBIN/jailsh" >>"$J/etc/passwd"
echo "ldusers:x:$((U + 10)):" >>"$J/etc/group"
install -d -m 0700 -o benchl -g ldusers "$J/home/benchl" "$J/home/benchl/.ssh"
install -m 0600 -o benchl -g ldusers "$T/id_ed25519.pub" "$J/home/benchl/.ssh/authorized_keys"
"$JAILCTL" --config "$CONF" adduser -j "$J" bencha >"$T/adduser.log" 2>&1 ||
	die "jailctl adduser bencha: $(cat "$T/adduser.log")"
install -d -m 0700 -o bencha -g ldusers "$J/home/bencha/.ssh"
install -m 0600 -o bencha -g ldusers "$T/id_ed25519.pub" "$J/home/bencha/.ssh/authorized_keys"
for u in benchu benchf benchl bencha; do
	tssh $u true 2>"$T/err" || die "login of $u failed: $(cat "$T/err")"
done
[ "$(tssh benchl 'grep ^Seccomp: /proc/self/status')" = "Seccomp:	2" ] || die "benchl is not jailed"

echo "bench/ldap.sh: $(uname -r), $(nproc) CPUs, $(/usr/sbin/sshd -V 2>&1 | head -1), $(/usr/sbin/slapd -VV 2>&1 | grep -o 'slapd [0-9.]*' | head -1)"
ssh_cmd() { echo "ssh -F $SSH_CONFIG -p $SSHD_PORT $1@127.0.0.1 true"; }
ROUNDS=3
per=$(((RUNS + ROUNDS - 1) / ROUNDS))
for r in $(seq $ROUNDS); do
	hyperfine -N -w 1 -r "$per" --export-json "$T/h$r.json" \
		-n files-unjailed "$(ssh_cmd benchu)" -n files-jailed "$(ssh_cmd benchf)" \
		-n ldap-jailed "$(ssh_cmd benchl)" -n ldap-adduser "$(ssh_cmd bencha)" \
		>"$T/h$r.out" 2>&1 || die "hyperfine: $(tail -5 "$T/h$r.out")"
done
echo
echo "login latency: ssh USER@127.0.0.1 true, $((per * ROUNDS)) runs each (hyperfine -N, $ROUNDS interleaved rounds), medians"
declare -A med
while read -r m k; do med[$k]=$m; done < <(hyperfine_medians "$T"/h*.json)
[ -n "${med[files-jailed]:-}" ] || die "no median of files-jailed in $T/h*.json"
declare -A what=(
	[files-unjailed]="local user, not jailed"
	[files-jailed]="local user, jailctl adduser"
	[ldap-jailed]="LDAP user, jailed by [group:] (directory group)"
	[ldap-adduser]="LDAP user, jailctl adduser"
)
for k in files-unjailed files-jailed ldap-jailed ldap-adduser; do
	printf '   %-50s %8.1f ms  %5s\n' "${what[$k]}" "${med[$k]}" "$(ratio "${med[$k]}" "${med[files-jailed]}")"
done
echo "   (ratio to the files-backed jailed user)"

# What the directory adds to one lookup: `id USER` (getpwnam, then
# getgrouplist and a getgrgid per group: what pam_jail's group mapping and
# sshd's Match Group ask).
hyperfine -N -w 3 -r 100 --export-json "$T/id.json" -n files "id benchf" -n ldap "id benchl" \
	>"$T/id.out" 2>&1 || die "hyperfine id: $(tail -5 "$T/id.out")"
echo
echo "NSS lookup alone: id USER, 100 runs each (hyperfine -N), medians"
declare -A idm
while read -r m k; do idm[$k]=$m; done < <(hyperfine_medians "$T/id.json")
printf '   %-50s %8.2f ms\n' "local user (files)" "${idm[files]}"
printf '   %-50s %8.2f ms  (+%.2f ms)\n' "LDAP user (nslcd, slapd on 127.0.0.1)" "${idm[ldap]}" \
	"$(awk -v a="${idm[ldap]}" -v b="${idm[files]}" 'BEGIN { print a - b }')"
