#!/bin/bash
# Packages into a jail by name (lib/tree/dpkg.h): `jailctl init JAIL
# --package borgbackup` copies borgbackup and its Depends/Pre-Depends closure
# from dpkg's database, documentation left out, and borg runs in the jail
# (jailctl run) and serves a repository over a real ssh login; a package
# that is not installed is refused by name and nothing is written; a
# section's `packages` key does the same; `jailctl update` follows an
# upgrade (simulated in this mount namespace: a changed file, a new file in
# the .list and a new dependency in the status file).  Then the shipped
# `https` section: git clone and curl over https against a local TLS server
# with a test CA.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
. "$(dirname "$0")/../tree-lib.sh"
jail_test_setup
sshd_test_setup

dpkg-query -W -f='${Status}' borgbackup 2>/dev/null | grep -q "install ok installed" ||
	bail "borgbackup is not installed (tests/deps.sh installs it)"
SECTIONS=$TOP/templates/sections.ini
jc() { "$JAILCTL" --config "$CONF" "$@"; }
run_in() { jc run "$@" 2>>"$T/run.err"; }

# --- init --package ------------------------------------------------------------
J=$SSHD_JAIL
out=$(jc init -f "$SECTIONS" "$J" basicshell jailsh --package borgbackup 2>&1)
is "$?" 0 'init JAIL basicshell jailsh --package borgbackup exits 0'
like "$out" "packages borgbackup: " 'init prints what the packages added'
like "$out" "packages in the closure, " '... the size of the closure, files and bytes'
diag "$(printf '%s\n' "$out" | grep '^packages')"
ok 'the manifest records the package by name' grep -qx 'p borgbackup' "$J/.jail/manifest"
ok 'borg is in the jail' test -x "$J/usr/bin/borg"
ok 'and its Python modules (a dependency: python3-msgpack)' \
	sh -c "ls '$J'/usr/lib/python3/dist-packages/msgpack/__init__.py"
ok 'the host has /usr/share/doc/borgbackup/copyright' test -e /usr/share/doc/borgbackup/copyright
nok 'documentation is left out: no /usr/share/doc/borgbackup/copyright in the jail' \
	test -e "$J/usr/share/doc/borgbackup/copyright"
nok 'no man page either (/usr/share/man/man1/borg.1.gz)' test -e "$J/usr/share/man/man1/borg.1.gz"
is "$(find "$J/usr/share/doc" "$J/usr/share/man" "$J/usr/share/locale" -type f 2>/dev/null | wc -l)" 0 \
	'no file at all under /usr/share/doc, man or locale'
out=$(run_in "$J" -- borg --version)
is "$out" "borg $(dpkg-query -W -f='${Version}' borgbackup | sed 's/-[^-]*$//')" \
	'jailctl run JAIL -- borg --version runs borg inside the jail'
check_jail_loads "package jail" "$J"

# --- refused: a package that is not installed -----------------------------------------
out=$(jc init "$T/jails/nope" --package borgbackup --package no-such-package-xyz 2>&1)
is "$?" 1 'init --package with a package that is not installed exits 1'
like "$out" "package 'no-such-package-xyz' is not installed on this host" 'the error names the package'
nok 'nothing was written: no jail directory' test -e "$T/jails/nope"
before=$(tree_listing "$J")
out=$(jc init "$J" --package no-such-package-xyz 2>&1)
is "$?" 1 'the same into an existing jail exits 1'
is "$(tree_listing "$J")" "$before" '... and leaves it byte-identical'
rc_pkg=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 2>/dev/null | awk '$1 == "rc" {print $2; exit}')
if [ -n "$rc_pkg" ]; then
	out=$(jc init "$T/jails/rc" --package "$rc_pkg" 2>&1)
	like "$out" "package '$rc_pkg' is not installed on this host (dpkg status: deinstall ok config-files)" \
		"a package removed but not purged ($rc_pkg) is refused with its dpkg status"
else
	skip 'no package in state config-files on this host'
fi
out=$(jc init "$T/jails/bad" --package 'Bad/Name' 2>&1)
like "$out" "'Bad/Name' is not a Debian package name" 'an invalid name is refused as such'

# --- --package-docs, and a section's packages key ---------------------------------------
out=$(jc init "$T/jails/docs" --package-docs --package borgbackup 2>&1)
is "$?" 0 'init --package-docs --package borgbackup exits 0'
ok 'with --package-docs the copyright file is there' test -f "$T/jails/docs/usr/share/doc/borgbackup/copyright"
ok 'the manifest records the package with its docs (pd)' grep -qx 'pd borgbackup' "$T/jails/docs/.jail/manifest"
printf '[borg]\ncomment = borg by package\npackages = borgbackup\n\n[badpkg]\npackages = no-such-package-xyz\n' \
	>"$T/pkg.ini"
out=$(jc init -f "$T/pkg.ini" "$T/jails/sec" borg 2>&1)
is "$?" 0 'a section with packages = borgbackup: init exits 0'
ok 'its manifest records the section and the package' \
	sh -c "grep -qx 's borg' '$T/jails/sec/.jail/manifest' && grep -qx 'p borgbackup' '$T/jails/sec/.jail/manifest'"
ok 'borg is installed from the section' test -x "$T/jails/sec/usr/bin/borg"
out=$(jc init -f "$T/pkg.ini" "$T/jails/sec2" badpkg 2>&1)
is "$?" 1 'a section naming a package that is not installed: init exits 1'
like "$out" "no-such-package-xyz" '... naming it'
nok '... writing nothing' test -e "$T/jails/sec2"

# --- borg serve over ssh ------------------------------------------------------------
sshd_pam_stack jail
sshd_start default
user_add_jailed bob "$J"
mkdir -p "$T/data/sub" "$T/borghome"
head -c 200000 /dev/urandom >"$T/data/blob"
echo hello >"$T/data/sub/hello.txt"
export HOME=$T/borghome BORG_BASE_DIR=$T/borghome BORG_RSH="ssh -F $SSH_CONFIG"
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
REPO=ssh://bob@127.0.0.1:$SSHD_PORT/./repo
out=$(timeout 120 borg init -e none "$REPO" 2>&1)
is "$?" 0 'borg init over ssh: borg serve runs in the jail' || diag "$out"
ok 'the repository is in the jailed home' test -f "$J/home/bob/repo/config"
out=$(cd "$T" && timeout 120 borg create "$REPO::a1" data 2>&1)
is "$?" 0 'borg create over ssh' || diag "$out"
like "$(timeout 60 borg list "$REPO" 2>&1)" "a1" 'borg list shows the archive'
mkdir -p "$T/restore"
(cd "$T/restore" && timeout 120 borg extract "$REPO::a1" >/dev/null 2>&1)
ok 'borg extract round-trips the files' diff -r "$T/data" "$T/restore/data"
export HOME=/root
unset BORG_RSH

# --- update follows an upgrade ---------------------------------------------------------
# A changed file: a modified copy bound over the host's (new content and
# mtime), as an upgrade would leave it.
V=/usr/lib/python3/dist-packages/borg/_version.py
grep -qx "$V" /var/lib/dpkg/info/borgbackup.list || bail "$V is not in borgbackup.list"
sed "s/version = '\\([^']*\\)'/version = '\\1+upgraded'/" "$V" >"$T/_version.py"
mount --bind "$T/_version.py" "$V" || bail "bind $V"
# A new file in the package's list and a new dependency in dpkg's status.
nok 'precondition: /etc/debian_version is not in the jail' test -e "$J/etc/debian_version"
nok 'precondition: nano is not in the jail' sh -c "test -e '$J/usr/bin/nano' || test -e '$J/bin/nano'"
{ cat /var/lib/dpkg/info/borgbackup.list; echo /etc/debian_version; } >"$T/borgbackup.list"
mount --bind "$T/borgbackup.list" /var/lib/dpkg/info/borgbackup.list || bail "bind borgbackup.list"
awk '/^Package: /{p = ($2 == "borgbackup")} p && /^Depends: /{$0 = $0 ", nano"} {print}' \
	/var/lib/dpkg/status >"$T/status"
mount --bind "$T/status" /var/lib/dpkg/status || bail "bind dpkg status"
out=$(jc update "$J" 2>&1)
is "$?" 0 'update after the simulated upgrade exits 0'
like "$out" "update $V" 'update replaces the changed file'
like "$out" "add /etc/debian_version" 'update adds the file new in the .list'
like "$out" "add /usr/bin/nano" 'update adds the new dependency (nano)'
ok '... which then is in the jail' test -x "$J/usr/bin/nano"
ok 'the manifest still records the package, once' test "$(grep -c '^p ' "$J/.jail/manifest")" = 1
like "$(run_in "$J" -- borg --version)" "+upgraded" 'borg in the jail runs the upgraded code'
out=$(jc update "$J" 2>&1)
is "$(printf '%s\n' "$out" | grep -c '^\(update\|add\) ')" 0 'a second update has nothing to do'
umount "$V" /var/lib/dpkg/info/borgbackup.list /var/lib/dpkg/status

# --- https: git clone and curl against a local TLS server with a test CA -------------------
H=$T/jails/https
out=$(jc init -f "$SECTIONS" "$H" https 2>&1)
is "$?" 0 'init https exits 0' || diag "$out"
check_jail_loads "https jail" "$H"
ok 'the CA bundle is in the jail' test -s "$H/etc/ssl/certs/ca-certificates.crt"
(
	cd "$T" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj /CN=jail-test-CA &&
		openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >srv.ext &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
			-days 2 -extfile srv.ext
) >"$T/openssl.log" 2>&1 || bail "openssl: $(tail -3 "$T/openssl.log")"
mkdir -p "$T/www"
git init -q --bare "$T/www/repo.git"
git init -q "$T/src"
echo "over https" >"$T/src/hello.txt"
git -C "$T/src" add hello.txt
git -C "$T/src" -c user.name=t -c user.email=t@t commit -qm one
git -C "$T/src" push -q "$T/www/repo.git" HEAD:refs/heads/main
git -C "$T/www/repo.git" symbolic-ref HEAD refs/heads/main
git -C "$T/www/repo.git" update-server-info
PORT=8443
python3 - "$T/www" "$T/srv.pem" "$T/srv.key" "$PORT" >"$T/https.log" 2>&1 <<'EOF' &
import functools, http.server, ssl, sys
root, cert, key, port = sys.argv[1:5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), h)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
EOF
HTTPS_PID=$!
for _ in $(seq 50); do
	curl -s --cacert "$T/ca.pem" "https://127.0.0.1:$PORT/" >/dev/null && break
	sleep 0.1
done
ok 'the test TLS server answers on the host' curl -s --cacert "$T/ca.pem" -o /dev/null "https://127.0.0.1:$PORT/"
cp "$T/ca.pem" "$H/etc/test-ca.pem"
chmod 0644 "$H/etc/test-ca.pem"
out=$(run_in "$H" -- sh -c "GIT_SSL_CAINFO=/etc/test-ca.pem git clone -q https://127.0.0.1:$PORT/repo.git /tmp/r && cat /tmp/r/hello.txt" 2>&1)
is "$out" "over https" 'git clone https://... in the jail (git-remote-https, the test CA)'
out=$(run_in "$H" -- sh -c "git clone -q https://127.0.0.1:$PORT/repo.git /tmp/r 2>&1; echo rc=\$?")
like "$out" "certificate" 'without the test CA, git refuses the server certificate'
like "$out" "rc=128" '... and the clone fails'
out=$(run_in "$H" -- curl -s --cacert /etc/test-ca.pem "https://127.0.0.1:$PORT/repo.git/HEAD")
is "$out" "ref: refs/heads/main" 'curl over https in the jail with --cacert'
out=$(run_in "$H" -- sh -c "curl -s -o /dev/null https://127.0.0.1:$PORT/; echo rc=\$?")
is "$out" "rc=60" "curl with the jail's CA store: the server is not trusted (60), the store was read (not 77)"
kill "$HTTPS_PID" 2>/dev/null
wait "$HTTPS_PID" 2>/dev/null

done_testing
