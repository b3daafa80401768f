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
	netutils terminfo locale sftp scp rsync git ssh jailsh python3 https; do
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
# --- the loader cache (lib/tree/ldcache.h) ----------------------------------------------
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
# --- a file system that fills up: complete with its manifest, or rolled back ------
# A tmpfs too small (in blocks or in inodes) for what a run adds, so that
# the failure lands at different points: while copying, creating links and
# directories, writing passwd/group, the manifest's directory and the
# manifest itself.  What each case needs is measured here first, on a
# roomy tmpfs, so the cases hold on any host.
SMALL=$T/small
mkdir -p "$SMALL"
fs_used() { df --output="$1" "$SMALL" | tail -1 | tr -d ' '; }
# Every object with type, mode, owner, size, mtime and link target, then a
# hash of every regular file.  Directory sizes and mtimes are left out: a
# rolled-back run added entries and removed them again.
small_listing() {
	(cd "$1" && find . \( -type d -printf '%p d %m %U:%G\n' \) -o \
		-printf '%p %y %m %U:%G %s %T@ %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}
mount -t tmpfs -o size=256M,mode=0755 small "$SMALL"
$JAILCTL init -f "$JK_INI" "$SMALL/jail" basicshell >/dev/null 2>&1
new_kb=$(fs_used used) new_ino=$(fs_used iused)
umount "$SMALL"
mount -t tmpfs -o size=256M,mode=0755 small "$SMALL"
$JAILCTL init -f "$JK_INI" "$SMALL/jail" ssh >/dev/null 2>&1
base_kb=$(fs_used used) base_ino=$(fs_used iused)
touch -d '2001-01-01 00:00:00' "$SMALL/jail/usr/lib/x86_64-linux-gnu/libc.so.6"
$JAILCTL init -f "$JK_INI" "$SMALL/jail" basicshell >/dev/null 2>&1
full_kb=$(fs_used used) full_ino=$(fs_used iused)
umount "$SMALL"
diag "basicshell: new ${new_kb}k/$new_ino inodes; ssh ${base_kb}k/$base_ino, +basicshell ${full_kb}k/$full_ino"

# A new jail: every failing init leaves nothing at all.  Inodes, counting
# the tmpfs root and the etc/ld.so.cache written after the manifest:
# new_ino-2 fails on the manifest, -3 on .jail, -4 and -5 on group and
# passwd, -6 in the tree.
for opt in size=1M size=2M size=3M size=5M size=$((new_kb * 3 / 4))k \
	nr_inodes=$((new_ino / 2)) nr_inodes=$((new_ino - 6)) nr_inodes=$((new_ino - 5)) \
	nr_inodes=$((new_ino - 3)) nr_inodes=$((new_ino - 2)); do
	mount -t tmpfs -o "$opt,mode=0755" small "$SMALL"
	out=$($JAILCTL init -f "$JK_INI" "$SMALL/jail" basicshell 2>&1)
	is "$?" 1 "new jail, full file system ($opt): init exits 1"
	like "$out" "No space left on device" "new jail, full file system ($opt): says why"
	is "$(cd "$SMALL" && find . -mindepth 1 | head -5)" "" \
		"new jail, full file system ($opt): nothing is left, not even the jail directory"
	case $opt in
	nr_inodes=$((new_ino - 2))) like "$out" ".jail/manifest" \
		"new jail ($opt): the failure was writing the manifest" ;;
	nr_inodes=$((new_ino - 3))) like "$out" "create .jail" \
		"new jail ($opt): the failure was creating the manifest's directory" ;;
	esac
	umount "$SMALL"
done
# One inode more: the tree and its manifest are complete, only the loader
# cache (written after, and not needed to run) is missing: a warning.
mount -t tmpfs -o "nr_inodes=$((new_ino - 1)),mode=0755" small "$SMALL"
out=$($JAILCTL init -f "$JK_INI" "$SMALL/jail" basicshell 2>&1)
is "$?" 0 'new jail, room for the tree but not the loader cache: init exits 0'
like "$out" "warning: no etc/ld.so.cache written" '... and warns about the cache'
ok '... the manifest is written' grep -qx 'f /usr/bin/bash' "$SMALL/jail/.jail/manifest"
umount "$SMALL"

# An existing jail (ssh) extended by basicshell, which adds files and
# replaces one (libc.so.6, whose mtime was changed in the jail): every
# failing init leaves the tree and the manifest as they were.  Replacements
# are staged beside their targets until the end, so the inode limit is
# raised one by one from just below the final count until init succeeds:
# the last failures land on the manifest.
existing_case() {
	mount -t tmpfs -o size=256M,mode=0755 small "$SMALL"
	$JAILCTL init -f "$JK_INI" "$SMALL/jail" ssh >/dev/null 2>&1
	touch -d '2001-01-01 00:00:00' "$SMALL/jail/usr/lib/x86_64-linux-gnu/libc.so.6"
	before=$(small_listing "$SMALL/jail")
	mount -o "remount,$1" "$SMALL"
	out=$($JAILCTL init -f "$JK_INI" "$SMALL/jail" basicshell 2>&1)
	rc=$?
	after=$(small_listing "$SMALL/jail")
	umount "$SMALL"
}
existing_fails() {
	is "$rc" 1 "existing jail, full file system ($1): init exits 1"
	like "$out" "No space left on device" "existing jail, full file system ($1): says why"
	ok "existing jail, full file system ($1): tree and manifest as before" [ "$before" = "$after" ]
	[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -5 | sed 's/^/# /'
}
for opt in size=$((base_kb + (full_kb - base_kb) / 4))k size=$((base_kb + (full_kb - base_kb) / 2))k \
	size=$((full_kb - 8))k nr_inodes=$((base_ino + (full_ino - base_ino) / 2)); do
	existing_case "$opt"
	existing_fails "$opt"
done
n=$((full_ino - 3)) on_manifest=""
while [ $n -le $((full_ino + 8)) ]; do
	existing_case "nr_inodes=$n"
	[ $rc -eq 0 ] && break
	existing_fails "nr_inodes=$n"
	case $out in *.jail/manifest*) on_manifest=$n ;; esac
	n=$((n + 1))
done
is "$rc" 0 "existing jail: with enough inodes ($n) init succeeds"
ok "existing jail: one of the limits failed on the manifest (nr_inodes=$on_manifest)" [ -n "$on_manifest" ]

# cp and update follow the same rule.  update replaces two files that
# differ (ssh, then libc.so.6): room for one, not both.
mount -t tmpfs -o size=256M,mode=0755 small "$SMALL"
$JAILCTL init -f "$JK_INI" "$SMALL/jail" ssh >/dev/null 2>&1
touch -d '2001-01-01 00:00:00' "$SMALL/jail/usr/bin/ssh" "$SMALL/jail/usr/lib/x86_64-linux-gnu/libc.so.6"
before=$(small_listing "$SMALL/jail")
mount -o "remount,size=$(($(fs_used used) + ($(stat -c %s /usr/lib/x86_64-linux-gnu/libc.so.6) + 1023) / 1024 + 64))k" "$SMALL"
out=$($JAILCTL update "$SMALL/jail" 2>&1)
is "$?" 1 'update, full file system: exits 1'
like "$out" "No space left on device" 'update, full file system: says why'
after=$(small_listing "$SMALL/jail")
ok 'update, full file system: tree and manifest as before (ssh not replaced alone)' [ "$before" = "$after" ]
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -5 | sed 's/^/# /'
mount -o "remount,size=$(($(fs_used used) + 512))k" "$SMALL"
out=$($JAILCTL cp "$SMALL/jail" /usr/bin/true /usr/bin/bash 2>&1)
is "$?" 1 'cp, full file system: exits 1'
like "$out" "No space left on device" 'cp, full file system: says why'
after=$(small_listing "$SMALL/jail")
ok 'cp, full file system: tree and manifest as before (true not kept alone)' [ "$before" = "$after" ]
umount "$SMALL"

$JAILCTL init >/dev/null 2>&1
is "$?" 2 'init without arguments: usage, exit 2'
$JAILCTL init -f "$JK_INI" "$T/x" >/dev/null 2>&1
is "$?" 2 'init without a section: usage, exit 2'
out=$($JAILCTL init -f "$JK_INI" / basicshell 2>&1)
is "$?" 1 'init / is refused'

done_testing
