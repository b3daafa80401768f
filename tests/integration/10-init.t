#!/bin/bash
# jailctl init and list: jails from every shipped section and from jailkit's
# own jk_init.ini, every installed program started inside its jail, re-runs
# byte-identical, setuid handling, and bad input that changes nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tree-lib.sh"
jail_test_setup

SECTIONS=$TOP/templates/sections.ini
JK_INI=/etc/jailkit/jk_init.ini

# --- list ----------------------------------------------------------------------
out=$($JAILCTL list -f "$SECTIONS" 2>&1)
is "$?" 0 'list -f templates/sections.ini exits 0'
names=$(printf '%s\n' "$out" | awk '{print $1}')
missing=""
for s in uidbasics netbasics logbasics basicshell interactiveshell extendedshell editors \
	netutils terminfo locale sftp scp rsync git ssh jailsh; do
	printf '%s\n' "$names" | grep -qx "$s" || missing="$missing $s"
done
is "$missing" "" 'list: every section the issue requires is shipped'
is "$($JAILCTL list -f "$JK_INI" | grep '^basicshell ' | tr -s ' ')" \
	"basicshell bash based shell with several basic utilities" \
	"list -f jk_init.ini: a 'name  comment' line per section of jailkit's file"
is "$($JAILCTL list -f "$JK_INI" | grep -c '')" "$(grep -c '^\[' "$JK_INI")" 'list: one line per section'
is "$($JAILCTL list -f "$JK_INI" | grep '^rsync')" "rsync" 'list: a section without a comment is its name alone'
out=$($JAILCTL list -f "$T/nonexistent.ini" 2>&1)
rc=$?
is "$rc" 1 'list with a missing sections file exits 1'
like "$out" "$T/nonexistent.ini" 'list: the error names the missing file'

# The sections file comes from the configuration when -f is not given.
CONF=$T/conf
mkdir -p "$CONF"
chmod 0755 "$CONF"
printf '[jail]\nsections = %s\n' "$JK_INI" >"$CONF/jail.ini"
chmod 0644 "$CONF/jail.ini"
like "$($JAILCTL --config "$CONF" list 2>&1)" "midnightcommander" \
	'list without -f: the [jail] sections file of --config DIR'
ok 'init without -f: the configured sections file' $JAILCTL --config "$CONF" init "$T/cfgjail" rsync
ok 'init without -f: installed from it' [ -x "$T/cfgjail/usr/bin/rsync" ]
printf '[jail]\nsections = %s\nbogus = 1\n' "$JK_INI" >"$CONF/jail.ini"
out=$($JAILCTL --config "$CONF" list 2>&1)
is "$?" 1 'a broken configuration is reported, not replaced by defaults'
like "$out" "bogus" 'the configuration error names the key'

# --- every shipped section, each in its own jail ------------------------------------
for s in $names; do
	J=$T/sec-$s
	out=$($JAILCTL init -f "$SECTIONS" "$J" "$s" 2>&1)
	rc=$?
	is "$rc" 0 "init $s: exits 0"
	[ $rc -eq 0 ] || { diag "$out"; continue; }
	ok "init $s: the manifest records the section" grep -qx "s $s" "$J/.jail/manifest"
	check_jail_loads "init $s" "$J"
done

# --- all shipped sections in one jail: the named programs really run ---------------
ALL=$T/all
out=$($JAILCTL init -f "$SECTIONS" "$ALL" $names 2>&1)
is "$?" 0 'init with every shipped section at once exits 0'
is "$(chroot "$ALL" /bin/bash --version 2>&1 | head -1 | cut -c1-13)" "GNU bash, ver" 'bash --version runs in the jail'
like "$(chroot "$ALL" ls --version 2>&1)" "GNU coreutils" 'ls --version runs in the jail'
is "$(chroot "$ALL" /bin/sh -c 'exit 0'; echo $?)" 0 "/bin/sh -c 'exit 0' runs in the jail"
like "$(chroot "$ALL" ssh -V 2>&1)" "OpenSSH" 'ssh -V runs in the jail'
like "$(chroot "$ALL" rsync --version 2>&1)" "rsync  version" 'rsync --version runs in the jail'
like "$(chroot "$ALL" git --version 2>&1)" "git version" 'git --version runs in the jail'
out=$(chroot "$ALL" /usr/lib/openssh/sftp-server -h 2>&1)
rc=$?
is "$rc" 1 'sftp-server -h exits 1 (usage), not 127'
like "$out" "usage: sftp-server" 'sftp-server loads in the jail (prints its usage)'
like "$(chroot "$ALL" /bin/bash -c 'echo hello | sed s/hello/bye/ | tr a-z A-Z')" "BYE" 'a pipeline of jailed tools runs'

# --- jailkit's own jk_init.ini, unchanged -----------------------------------------
JK=$T/jk
out=$($JAILCTL init -f "$JK_INI" "$JK" basicshell sftp scp ssh rsync 2>&1)
is "$?" 0 "init -f jk_init.ini basicshell sftp scp ssh rsync exits 0"
check_jail_loads "jk_init.ini jail" "$JK"
like "$(chroot "$JK" ssh -V 2>&1)" "OpenSSH" 'jk_init.ini jail: ssh -V runs'
like "$(chroot "$JK" rsync --version 2>&1)" "rsync  version" 'jk_init.ini jail: rsync --version runs'
is "$(stat -c '%F %t,%T %a %U' "$JK/dev/null")" "character special file 1,3 666 root" \
	'devices: /dev/null recreated with the host numbers and mode, root-owned'
is "$(grep '^root:' "$JK/etc/passwd")" "$(grep '^root:' /etc/passwd)" 'users: the host root line in the jail passwd'
is "$(grep -c '' "$JK/etc/group")" 1 'groups: only the listed group in the jail group file'
is "$(readlink "$JK/bin")" "$(readlink /bin)" 'a host parent symlink (/bin) is recreated as the same symlink'
is "$(readlink "$JK/lib64/ld-linux-x86-64.so.2" 2>/dev/null || readlink "$JK/usr/lib64/ld-linux-x86-64.so.2")" \
	"$(readlink /usr/lib64/ld-linux-x86-64.so.2)" 'a symlink to the loader keeps its target'
is "$(stat -c '%a %U:%G' "$JK" "$JK/.jail" "$JK/.jail/manifest" | tr '\n' ' ')" \
	"755 root:root 700 root:root 600 root:root " 'jail root 0755, .jail 0700, manifest 0600, all root'
is "$(find "$JK" -name '.jail-tmp.*' | wc -l)" 0 'no temporary file left behind'
out=$($JAILCTL init -v -f "$JK_INI" "$T/jkv" ssh 2>&1)
like "$out" "add /usr/bin/ssh" 'init -v prints each action'
like "$out" "add /lib -> usr/lib" 'init -v shows symlinks with their target'

# A jail built by jailkit is taken over: same files, so nothing conflicts.
mkdir -m 0755 "$T/byjk"
jk_init -j "$T/byjk" -c "$JK_INI" ssh >/dev/null 2>&1
ok 'precondition: jk_init built a jail' [ -x "$T/byjk/usr/bin/ssh" ]
out=$($JAILCTL init -f "$JK_INI" "$T/byjk" ssh 2>&1)
is "$?" 0 'init over a jail built by jk_init with the same section exits 0'
ok 'init over a jailkit jail writes a manifest' grep -qx 'f /usr/bin/ssh' "$T/byjk/.jail/manifest"
ok "jailkit's own files are kept (ld.so.cache)" [ -f "$T/byjk/etc/ld.so.cache" ]

# --- idempotent: a second run changes nothing, not even a timestamp -----------------
before=$(tree_listing "$JK")
sleep 1.1
out=$($JAILCTL init -v -f "$JK_INI" "$JK" basicshell sftp scp ssh rsync 2>&1)
is "$?" 0 'second init exits 0'
is "$(printf '%s\n' "$out" | grep -c '^\(add\|update\) ')" 0 'second init -v reports no action'
after=$(tree_listing "$JK")
ok 'second init leaves the tree byte-identical (sizes, modes, mtimes, hashes)' [ "$before" = "$after" ]
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -10 | sed 's/^/# /'
# --- the loader cache (lib/ldcache.h) ----------------------------------------------
unlike "$out" "warning" 'init prints no warning (the loader cache was written)'
is "$(stat -c '%F %a %U:%G' "$JK/etc/ld.so.cache")" "regular file 644 root:root" \
	'init writes etc/ld.so.cache, root 0644'
like "$(ldconfig -p -C "$JK/etc/ld.so.cache")" "libc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6" \
	'the cache maps libc.so.6 to its path in the jail'
like "$(chroot "$JK" /bin/bash -c 'LD_DEBUG=libs /bin/true' 2>&1)" "search cache=/etc/ld.so.cache" \
	'the jail'"'"'s loader finds libraries through the cache'
# A subset of sections: nothing is removed, the manifest keeps everything.
out=$($JAILCTL init -f "$JK_INI" "$JK" ssh 2>&1)
ok 'init with fewer sections removes nothing' [ "$(tree_listing "$JK")" = "$after" ]

# --- file modes and owners --------------------------------------------------------
h=$(stat -c %a /usr/bin/bash)
is "$(stat -c '%a %U:%G %Y' "$JK/usr/bin/bash")" "$h root:root $(stat -c %Y /usr/bin/bash)" \
	'a copied file keeps its mode and mtime, owned by root'
ok 'a copied file has the host bytes' cmp /usr/bin/bash "$JK/usr/bin/bash"

# --- setuid ----------------------------------------------------------------------
is "$(stat -c %A /usr/bin/passwd | cut -c4)" "s" 'host /usr/bin/passwd is setuid (precondition)'
out=$($JAILCTL cp -v "$JK" /usr/bin/passwd 2>&1)
is "$?" 0 'cp /usr/bin/passwd exits 0'
is "$(stat -c %a "$JK/usr/bin/passwd")" "$(printf '%o' $((0$(stat -c %a /usr/bin/passwd) & 0777)))" \
	'cp: the setuid bit is stripped'
like "$out" "strip-setuid /usr/bin/passwd" 'cp -v says the setuid bit was stripped'
ok 'cp: recorded in the manifest' grep -qx 'f /usr/bin/passwd' "$JK/.jail/manifest"

# File capabilities (Debian's ping has cap_net_raw instead of a setuid bit).
like "$(getcap /usr/bin/ping)" "cap_net_raw" 'host /usr/bin/ping has file capabilities (precondition)'
is "$(getcap "$ALL/usr/bin/ping")" "" 'file capabilities are not copied (netutils: ping)'

cat >"$T/suid.ini" <<'EOF'
[pw]
comment = setuid passwd, ping with its capabilities
paths_w_setuid = /usr/bin/passwd, /usr/bin/ping
EOF
J=$T/suid
out=$($JAILCTL init -f "$T/suid.ini" "$J" pw 2>&1)
rc=$?
is "$rc" 1 'paths_w_setuid without --allow-setuid: exit 1'
like "$out" "--allow-setuid" 'paths_w_setuid refusal says how to allow it'
like "$out" "jailctl: init: " 'errors start with jailctl: init:'
ok 'paths_w_setuid refusal creates nothing' [ ! -e "$J" ]
out=$($JAILCTL init --allow-setuid -f "$T/suid.ini" "$J" pw 2>&1)
is "$?" 0 'paths_w_setuid with --allow-setuid: exit 0'
is "$(stat -c %a "$J/usr/bin/passwd")" "$(stat -c %a /usr/bin/passwd)" '--allow-setuid keeps the setuid bit'
ok 'the manifest marks the kept setuid bit' grep -qx 'fs /usr/bin/passwd' "$J/.jail/manifest"
like "$(getcap "$J/usr/bin/ping")" "cap_net_raw" '--allow-setuid keeps file capabilities of paths_w_setuid'
like "$(chroot "$J" ping -V 2>&1)" "iputils" 'the kept ping runs in the jail'

# --- bad input: clear error, exit code, no change ------------------------------------
before=$(tree_listing "$JK")
out=$($JAILCTL init -f "$JK_INI" "$JK" basicshell nosuchsection 2>&1)
is "$?" 1 'unknown section: exit 1'
like "$out" "nosuchsection" 'unknown section: the error names it'
ok 'unknown section: the jail is unchanged' [ "$(tree_listing "$JK")" = "$before" ]
out=$($JAILCTL init -f "$JK_INI" "$T/newjail" nosuchsection 2>&1)
ok 'unknown section: a new jail is not even created' [ ! -e "$T/newjail" ]
out=$($JAILCTL init -f "$T/missing.ini" "$T/newjail" basicshell 2>&1)
is "$?" 1 'missing sections file: exit 1'
like "$out" "$T/missing.ini" 'missing sections file: the error names it'
ok 'missing sections file: nothing created' [ ! -e "$T/newjail" ]
printf '[a]\npaths = /bin/true\nbogus = 1\n' >"$T/bad.ini"
out=$($JAILCTL init -f "$T/bad.ini" "$T/newjail" a 2>&1)
is "$?" 1 'unknown key in the sections file: exit 1'
like "$out" "bogus" 'unknown key: the error names it'
printf '[a]\npaths = /bin/true\nusers = nosuchuser\n' >"$T/nouser.ini"
out=$($JAILCTL init -f "$T/nouser.ini" "$T/newjail" a 2>&1)
is "$?" 1 'a user missing on the host: exit 1'
like "$out" "nosuchuser" 'a user missing on the host: the error names it'
ok 'a user missing on the host: nothing created' [ ! -e "$T/newjail" ]
printf '[a]\npaths = /usr/bin/nosuchprogram, nosuchcommand, /usr/bin/true\n' >"$T/miss.ini"
out=$($JAILCTL init -v -f "$T/miss.ini" "$T/missjail" a 2>&1)
is "$?" 0 'paths missing on the host are skipped (jailkit lists alternatives): exit 0'
like "$out" "missing /usr/bin/nosuchprogram" 'init -v reports the skipped path'
ok 'the present path is installed' [ -x "$T/missjail/usr/bin/true" ]
out=$($JAILCTL cp "$JK" /usr/bin/nosuchprogram 2>&1)
is "$?" 1 'cp of a path missing on the host: exit 1 (it was named explicitly)'
like "$out" "/usr/bin/nosuchprogram: not found on the host" 'cp: the error names the path'
# A file system that fills up half way: init fails, says why, and leaves
# no partial file: every file in the jail is whole (the host's bytes).
mkdir -p "$T/small"
mount -t tmpfs -o size=3M,mode=0755 small "$T/small"
out=$($JAILCTL init -f "$JK_INI" "$T/small/jail" basicshell 2>&1)
is "$?" 1 'init on a full file system: exit 1'
like "$out" "No space left on device" 'init on a full file system: says why'
is "$(find "$T/small/jail" -name '.jail-tmp.*' | wc -l)" 0 'init on a full file system: no temporary file left'
partial=""
for f in $(cd "$T/small/jail" && find . -type f ! -path ./.jail/manifest ! -path ./etc/passwd ! -path ./etc/group | cut -c2-); do
	cmp -s "$f" "$T/small/jail$f" || partial="$partial $f"
done
is "$partial" "" 'init on a full file system: every file written is whole'
ok 'init on a full file system: what was written is recorded in a manifest' [ -s "$T/small/jail/.jail/manifest" ]
unrecorded=""
for f in $(manifest_files "$T/small/jail"); do
	[ -f "$T/small/jail$f" ] || unrecorded="$unrecorded $f"
done
is "$unrecorded" "" 'init on a full file system: the manifest lists only what was written'
umount "$T/small"

$JAILCTL init >/dev/null 2>&1
is "$?" 2 'init without arguments: usage, exit 2'
$JAILCTL init -f "$JK_INI" "$T/x" >/dev/null 2>&1
is "$?" 2 'init without a section: usage, exit 2'
out=$($JAILCTL init -f "$JK_INI" / basicshell 2>&1)
is "$?" 1 'init / is refused'

done_testing
