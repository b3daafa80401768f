#!/bin/bash
# jailctl init against a hostile tree: symlinks planted inside the jail, a hard
# link to a file outside, untrusted jail roots and parents.  Each attack must
# fail naming the path (or, for the hard link, be harmless), and nothing
# outside the jail may change.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tree-lib.sh"
jail_test_setup

INI=/etc/jailkit/jk_init.ini
SECS="basicshell ssh"

# The "outside": a directory with a sentinel, as an attacker's target.
OUT=$T/outside
mkdir -p "$OUT"
echo "sentinel: do not touch" >"$OUT/sentinel"
echo "outside passwd" >"$OUT/passwd"
touch -d '2001-01-01 00:00:00' "$OUT/sentinel" "$OUT/passwd"
outside_state() { tree_listing "$OUT"; }
OUTSIDE_BEFORE=$(outside_state)

# attack NAME J PATH-IN-MESSAGE [CMD...]: the command (default: init) fails
# with exit 1, its message names the path, nothing outside changed.
attack() {
	_name=$1 _j=$2 _path=$3
	shift 3
	[ $# -gt 0 ] || set -- $JAILCTL init -f "$INI" "$_j" $SECS
	_out=$("$@" 2>&1)
	_rc=$?
	is "$_rc" 1 "$_name: refused (exit 1)"
	like "$_out" "$_path" "$_name: the error names $_path"
	ok "$_name: nothing outside the jail changed" [ "$(outside_state)" = "$OUTSIDE_BEFORE" ]
	is "$(find "$_j" -name '.jail-tmp.*' 2>/dev/null | wc -l)" 0 "$_name: no temporary file left"
}

newjail() { mkdir -p "$1" && chmod 0755 "$1"; }

# --- symlinks planted inside a fresh jail ------------------------------------------
J=$T/j-etc
newjail "$J"
ln -s "$OUT" "$J/etc"
attack 'symlink at JAIL/etc' "$J" "$J/etc: is a symlink (to '$OUT')"
is "$(find "$J" -mindepth 1 | sort | tr '\n' ' ')" "$J/etc " 'JAIL/etc: the jail is left as it was (checked before any write)'

J=$T/j-usrbin
newjail "$J"
mkdir -p "$J/usr"
ln -s "$OUT" "$J/usr/bin"
attack 'symlink at JAIL/usr/bin' "$J" "$J/usr/bin: is a symlink"
ok 'JAIL/usr/bin: the planted symlink is kept (never deleted silently)' [ -L "$J/usr/bin" ]

J=$T/j-lib
newjail "$J"
ln -s "$OUT" "$J/lib"
attack 'symlink at JAIL/lib (host: /lib -> usr/lib)' "$J" "$J/lib: is a symlink to '$OUT', the host's points to 'usr/lib'"

J=$T/j-passwd
newjail "$J"
mkdir -p "$J/etc"
ln -s "$OUT/passwd" "$J/etc/passwd"
attack 'symlink at JAIL/etc/passwd to a file outside' "$J" "$J/etc/passwd: is a symlink (to '$OUT/passwd')"
is "$(cat "$OUT/passwd")" "outside passwd" 'JAIL/etc/passwd: the outside file keeps its content'

J=$T/j-manifest
newjail "$J"
ln -s "$OUT" "$J/.jail"
attack 'symlink at JAIL/.jail (the manifest directory)' "$J" ".jail"

# --- symlinks planted into a jail that init built ------------------------------------
J=$T/j-built
ok 'a jail to attack later builds' $JAILCTL init -f "$INI" "$J" $SECS
mv "$J/usr/bin" "$J/usr/bin.real"
ln -s "$OUT" "$J/usr/bin"
attack 'symlink at JAIL/usr/bin of a built jail' "$J" "$J/usr/bin: is a symlink"
attack 'update with JAIL/usr/bin a symlink' "$J" "$J/usr/bin: is a symlink" $JAILCTL update "$J"
attack 'cp with JAIL/usr/bin a symlink' "$J" "$J/usr/bin: is a symlink" $JAILCTL cp "$J" /usr/bin/id
rm "$J/usr/bin"
mv "$J/usr/bin.real" "$J/usr/bin"
rm "$J/lib"
ln -s "$OUT" "$J/lib"
attack 'symlink swapped at JAIL/lib of a built jail' "$J" "$J/lib: is a symlink to '$OUT'"
rm "$J/lib"
ln -s usr/lib "$J/lib"

# A directory of the jail that a user could write into.
chown 1000:1000 "$J/usr/bin"
attack 'JAIL/usr/bin owned by a user' "$J" "$J/usr/bin: owned by uid 1000"
chown 0:0 "$J/usr/bin"
chmod 0775 "$J/etc"
attack 'JAIL/etc group-writable' "$J" "$J/etc: owned by uid 0 with mode 0775"
chmod 0755 "$J/etc"
ok 'with the tree repaired, init succeeds again' $JAILCTL init -f "$INI" "$J" $SECS

# A hard link to an outside file (same file system) where a copied file goes:
# the copy replaces the name, it never writes through the link.
rm "$J/usr/bin/ls"
ln "$OUT/sentinel" "$J/usr/bin/ls"
out=$($JAILCTL init -f "$INI" "$J" $SECS 2>&1)
is "$?" 0 'hard link planted at JAIL/usr/bin/ls: init succeeds'
ok 'hard link: the outside file is untouched (content and mtime)' [ "$(outside_state)" = "$OUTSIDE_BEFORE" ]
ok 'hard link: JAIL/usr/bin/ls is the host ls again' cmp /usr/bin/ls "$J/usr/bin/ls"
is "$(stat -c %h "$J/usr/bin/ls")" 1 'hard link: the jail file is a file of its own'

# --- untrusted jail roots and parents ------------------------------------------------
J=$T/j-grpw
newjail "$J"
chmod 0775 "$J"
attack 'jail root group-writable' "$J" "$J is writable by its group"
is "$(ls -A "$J")" "" 'group-writable root: nothing written'

mkdir -p "$T/ww"
chmod 0777 "$T/ww"
attack 'parent world-writable' "$T/ww/jail" "$T/ww is writable by others"
ok 'world-writable parent: the jail was not created' [ ! -e "$T/ww/jail" ]

newjail "$T/realjail"
ln -s "$T/realjail" "$T/linkjail"
attack 'jail root is a symlink' "$T/linkjail" "$T/linkjail is a symlink"
is "$(ls -A "$T/realjail")" "" 'symlinked root: its target got nothing'

mkdir -p "$T/linkparent-real"
chmod 0755 "$T/linkparent-real"
ln -s "$T/linkparent-real" "$T/linkparent"
attack 'a parent of the jail is a symlink' "$T/linkparent/jail" "is a symlink"
ok 'symlinked parent: nothing created behind it' [ ! -e "$T/linkparent-real/jail" ]

J=$T/j-user
newjail "$J"
chown 1000:1000 "$J"
attack 'jail root owned by uid 1000' "$J" "$J is owned by uid 1000"

mkdir -p "$T/userparent"
chown 1000:1000 "$T/userparent"
chmod 0755 "$T/userparent"
attack 'parent owned by uid 1000' "$T/userparent/jail" "$T/userparent is owned by uid 1000"
ok 'user-owned parent: the jail was not created' [ ! -e "$T/userparent/jail" ]

# --- the loader cache: a symlink planted at etc/ld.so.cache -------------------------
# (root made the jail; the plant stands for any earlier compromise of its /etc)
J=$T/j-ldcache
newjail "$J"
$JAILCTL init -f "$INI" "$J" $SECS >/dev/null 2>&1
ok 'ld.so.cache: precondition: init wrote a cache' [ -f "$J/etc/ld.so.cache" ] && [ ! -L "$J/etc/ld.so.cache" ]
rm -f "$J/etc/ld.so.cache"
ln -s "$OUT/sentinel" "$J/etc/ld.so.cache"
out=$($JAILCTL update "$J" 2>&1)
is "$?" 0 'ld.so.cache symlink: update exits 0'
unlike "$out" "warning" 'ld.so.cache symlink: update writes the cache (no warning)'
ok 'ld.so.cache symlink: the symlink is replaced by a regular file' [ -f "$J/etc/ld.so.cache" ] && [ ! -L "$J/etc/ld.so.cache" ]
ok 'ld.so.cache symlink: nothing outside the jail changed' [ "$(outside_state)" = "$OUTSIDE_BEFORE" ]
# ldconfig writes into a private tmpfs on .jail, never into the jail itself:
# a symlink planted at its temporary name is not followed either.
ln -s "$OUT/passwd" "$J/.jail/ld.so.cache~"
ln -s "$OUT/passwd" "$J/.jail/ld.so.cache"
$JAILCTL update "$J" >/dev/null 2>&1
is "$?" 0 '.jail plants: update exits 0'
ok '.jail plants: nothing outside the jail changed' [ "$(outside_state)" = "$OUTSIDE_BEFORE" ]
ok '.jail plants: still symlinks (ldconfig did not write there)' [ -L "$J/.jail/ld.so.cache~" ] && [ -L "$J/.jail/ld.so.cache" ]

done_testing
