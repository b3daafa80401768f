#!/bin/bash
# jailctl update and cp: what differs from the host (size, mtime, mode, or
# only the content) is listed by -n and rewritten by update, removed files
# come back, new libraries are added, --prune removes only manifest files
# whose host file is gone.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tree-lib.sh"
jail_test_setup

INI=/etc/jailkit/jk_init.ini
J=$T/jail
ok 'init basicshell ssh' $JAILCTL init -f "$INI" "$J" basicshell ssh

out=$($JAILCTL update "$J" 2>&1)
is "$?" 0 'update of a fresh jail exits 0'
is "$out" "" 'update of a fresh jail has nothing to do'

# --- tampering inside the jail -------------------------------------------------------
printf 'junk' >>"$J/usr/bin/ls"                        # size differs
printf 'X' | dd of="$J/usr/bin/cat" bs=1 seek=1000 conv=notrunc status=none
touch -r /usr/bin/cat "$J/usr/bin/cat"                  # same size and mtime: only bytes differ
rm "$J/usr/bin/grep"                                    # removed
chmod 4755 "$J/usr/bin/bash"                            # setuid injected
touch -d '2001-01-01' "$J/usr/bin/date"                 # only the mtime differs
rm "$J/usr/bin/echo"
ln -s /etc/shadow "$J/usr/bin/echo"                     # a manifest file replaced by a symlink
shadow_before=$(tree_listing /etc | grep -F ' ./shadow')
is "$(stat -c %s "$J/usr/bin/cat")" "$(stat -c %s /usr/bin/cat)" 'tamper: cat has the host size'
is "$(stat -c %Y "$J/usr/bin/cat")" "$(stat -c %Y /usr/bin/cat)" 'tamper: cat has the host mtime'
nok 'tamper: cat bytes differ from the host' cmp -s /usr/bin/cat "$J/usr/bin/cat"

before=$(tree_listing "$J")
out=$($JAILCTL update -n "$J" 2>&1)
is "$?" 0 'update -n exits 0'
like "$out" "update /usr/bin/ls" 'update -n lists a file whose size differs'
like "$out" "update /usr/bin/cat" 'update -n lists a file whose content alone differs'
like "$out" "add /usr/bin/grep" 'update -n lists a removed file'
like "$out" "update /usr/bin/bash" 'update -n lists a file whose mode differs'
like "$out" "update /usr/bin/date" 'update -n lists a file whose mtime differs'
like "$out" "update /usr/bin/echo" 'update -n lists a file replaced by a symlink'
is "$(printf '%s\n' "$out" | grep -c '')" 6 'update -n lists exactly those six'
ok 'update -n changes nothing' [ "$(tree_listing "$J")" = "$before" ]

out=$($JAILCTL update "$J" 2>&1)
is "$?" 0 'update exits 0'
is "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" \
	"add /usr/bin/grep update /usr/bin/bash update /usr/bin/cat update /usr/bin/date update /usr/bin/echo update /usr/bin/ls " \
	'update says what it rewrote'
for f in ls cat grep bash date echo; do
	ok "update: /usr/bin/$f has the host bytes again" cmp "/usr/bin/$f" "$J/usr/bin/$f"
	is "$(stat -c '%a %Y %U' "$J/usr/bin/$f")" "$(stat -c '%a %Y' "/usr/bin/$f") root" \
		"update: /usr/bin/$f has the host mode and mtime, root-owned"
done
ok 'update: the symlink was replaced by a file, not followed' [ -f "$J/usr/bin/echo" ] && [ ! -L "$J/usr/bin/echo" ]
is "$(tree_listing /etc | grep -F ' ./shadow')" "$shadow_before" 'update: the host /etc/shadow is untouched'
like "$(chroot "$J" /bin/bash -c 'echo ok | grep ok')" "ok" 'the restored programs run'
after=$(tree_listing "$J")
out=$($JAILCTL update "$J" 2>&1)
is "$out" "" 'a second update has nothing to do'
ok 'a second update changes nothing' [ "$(tree_listing "$J")" = "$after" ]

# --- cp, a changed host file, new libraries --------------------------------------------
H=$T/hostbin
mkdir -p "$H"
cp -p /usr/bin/true "$H/tool"
cp -p /usr/bin/true "$H/gone"
out=$($JAILCTL cp -v "$J" "$H/tool" "$H/gone" 2>&1)
is "$?" 0 'cp of two host files exits 0'
like "$out" "add $H/tool" 'cp -v reports the copy'
ok 'cp: the file is in the jail at the same path' cmp "$H/tool" "$J$H/tool"
ok 'cp: recorded in the manifest' grep -qx "f $H/tool" "$J/.jail/manifest"
is "$(stat -c '%a %U' "$J$H")" "755 root" 'cp: parent directories are created 0755 root'

# The host tool becomes rsync, which needs libraries the jail does not have.
cp -p /usr/bin/rsync "$H/tool"
popt=$(ldd /usr/bin/rsync | awk '/libpopt/ {print $3}')
ok 'precondition: rsync needs libpopt, which the jail lacks' [ -n "$popt" ] && [ ! -e "$J$popt" ]
out=$($JAILCTL update -n "$J" 2>&1)
like "$out" "update $H/tool" 'update -n: the changed host file'
like "$out" "add /usr/lib/x86_64-linux-gnu/libpopt.so" 'update -n: a newly needed library'
out=$($JAILCTL update "$J" 2>&1)
is "$?" 0 'update with new libraries exits 0'
like "$(chroot "$J" "$H/tool" --version 2>&1)" "rsync  version" 'update: the changed tool runs in the jail with its new libraries'

# --- prune ------------------------------------------------------------------------
echo "user data" >"$J/usr/bin/user-file"                # not in the manifest
mkdir -p "$J/home/someone"
echo "home data" >"$J/home/someone/file"
rm "$H/gone"
out=$($JAILCTL update "$J" 2>&1)
is "$?" 0 'update with a host file gone exits 0'
like "$out" "missing $H/gone" 'update reports the file gone from the host'
ok 'without --prune the jail keeps it' [ -f "$J$H/gone" ]
before=$(tree_listing "$J")
out=$($JAILCTL update -n --prune "$J" 2>&1)
is "$out" "remove $H/gone" 'update -n --prune lists only what it would remove'
ok 'update -n --prune changes nothing' [ "$(tree_listing "$J")" = "$before" ]
out=$($JAILCTL update --prune "$J" 2>&1)
is "$?" 0 'update --prune exits 0'
is "$out" "remove $H/gone" 'update --prune says what it removed'
ok '--prune: the file is gone from the jail' [ ! -e "$J$H/gone" ]
nok '--prune: and from the manifest' grep -q "$H/gone" "$J/.jail/manifest"
ok '--prune: the other copied file stays' [ -f "$J$H/tool" ]
is "$(cat "$J/usr/bin/user-file")" "user data" '--prune: a file not in the manifest survives'
is "$(cat "$J/home/someone/file")" "home data" '--prune: a home survives'
ok '--prune: manifest directories stay' [ -d "$J$H" ]

# --- errors ------------------------------------------------------------------------
mkdir -p "$T/nomanifest"
out=$($JAILCTL update "$T/nomanifest" 2>&1)
is "$?" 1 'update of a jail without a manifest: exit 1'
like "$out" "no manifest" 'update without a manifest says so'
out=$($JAILCTL update "$T/nosuchjail" 2>&1)
is "$?" 1 'update of a missing jail: exit 1'
like "$out" "$T/nosuchjail" 'update of a missing jail names it'
$JAILCTL update >/dev/null 2>&1
is "$?" 2 'update without a jail: usage, exit 2'
chmod 0644 "$J/.jail/manifest"
chmod 0777 "$J/.jail"
out=$($JAILCTL update "$J" 2>&1)
is "$?" 1 'a world-writable manifest directory is refused'
like "$out" ".jail is writable by others" 'the refusal names .jail'

done_testing
