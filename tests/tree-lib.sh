# Helpers shared by the jail tree tests (10-init.t, 11-init-attacks.t,
# 12-update.t).  Source after lib.sh.

# One line per object under DIR (type, mode, owner, size, mtime, link
# target), then a hash of every regular file: two trees with the same
# listing are byte-identical, timestamps included.
tree_listing() {
	(cd "$1" && find . -printf '%p %y %m %U:%G %s %T@ %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}

# The regular files a jail's manifest lists (absolute in-jail paths).
manifest_files() {
	sed -n 's/^f[os]* //p' "$1/.jail/manifest"
}

# Of the in-jail PATHS on stdin, those that are ELF objects in jail J.
elf_only() {
	perl -e 'my $j = shift; while (my $f = <STDIN>) { chomp $f;
		open(my $h, "<", "$j$f") or next; my $m = ""; read($h, $m, 4);
		print "$f\n" if $m eq "\x7fELF" }' "$1"
}

# The jail's own dynamic loader (as an in-jail path), empty if none.
jail_ldso() {
	for l in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1 /lib/ld-linux.so.2; do
		[ -e "$1$l" ] && { echo "$l"; return; }
	done
}

# check_jail_loads NAME J: every ELF file of J's manifest has all its
# libraries inside J (the jail's own ld.so --list, chrooted: "not found"
# means a missing library), and every ELF program in a bin/sbin directory
# starts inside the jail: run with --version, it must not fail to load
# (exit 127, or "error while loading shared libraries").  Usage errors are
# fine: they prove the program loaded.
check_jail_loads() {
	_name=$1 _j=$2
	_ldso=$(jail_ldso "$_j")
	_elves=$(manifest_files "$_j" | elf_only "$_j")
	_nelf=0 _nprog=0 _bad="" _badprog=""
	if [ -n "$_elves" ] && [ -z "$_ldso" ]; then
		_bad="(no dynamic loader in the jail)"
	fi
	for _f in $_elves; do
		[ -n "$_ldso" ] || break
		_nelf=$((_nelf + 1))
		_out=$(chroot "$_j" "$_ldso" --list "$_f" 2>&1)
		_rc=$?
		case "$_out" in
		*"not found"* | *"cannot open"* | *"No such file"*)
			_bad="$_bad $_f"
			diag "$_f: $(printf '%s' "$_out" | grep -m3 'not found\|cannot\|No such')"
			continue
			;;
		esac
		# ld.so --list of a static binary says so and exits 1.
		if [ $_rc -ne 0 ] && ! printf '%s' "$_out" | grep -q 'not a dynamic executable\|statically linked'; then
			_bad="$_bad $_f(rc=$_rc)"
			diag "$_f: $_out"
		fi
	done
	for _f in $_elves; do
		case "$_f" in */bin/* | */sbin/* | */sftp-server) ;; *) continue ;; esac
		case "$_f" in *.so | *.so.*) continue ;; esac
		[ -x "$_j$_f" ] || continue
		_nprog=$((_nprog + 1))
		_out=$(timeout 5 chroot "$_j" "$_f" --version </dev/null 2>&1)
		_rc=$?
		if [ $_rc -eq 127 ] || [ $_rc -eq 126 ] ||
			printf '%s' "$_out" | grep -q 'error while loading shared libraries'; then
			_badprog="$_badprog $_f(rc=$_rc)"
			diag "$_f: $(printf '%s' "$_out" | head -2)"
		fi
	done
	is "$_bad" "" "$_name: all $_nelf ELF files find every library inside the jail"
	is "$_badprog" "" "$_name: all $_nprog ELF programs in bin/sbin load and run in the jail"
}
