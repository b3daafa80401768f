#!/bin/bash
# The shipped `editors` section: vi and nano start in a jail built from
# `basicshell editors` without configuration errors.  Each runs on a pty
# (script(1)), the way a user starts it, so it reads its startup files (vim:
# /etc/vim/vimrc, debian.vim, defaults.vim and what those load, on a shell
# script so that filetype, syntax and indent files load too; nano:
# /etc/nanorc and its includes), prints what failed, and is told to quit.
. "$(dirname "$0")/../lib.sh"
jail_test_setup

command -v script >/dev/null || bail "script(1) missing (util-linux)"
J=$T/ed
out=$($JAILCTL init -f "$TOP/templates/sections.ini" "$J" basicshell editors 2>&1)
is "$?" 0 "init basicshell editors exits 0"
# Run as root: nano keeps its history in root's home (from the jail's passwd).
mkdir -p "$J/tmp" "$J/home/ed" "$J/root"
chmod 1777 "$J/tmp"
printf '#!/bin/sh\necho hello\n' >"$J/home/ed/x.sh"

# in_pty CMD...: run CMD chrooted into $J on a pty, with a clean
# environment; the output with escape sequences removed, and CMD's status.
in_pty() {
	env -i TERM=xterm HOME=/home/ed PATH=/usr/bin:/bin LANG=C.UTF-8 \
		timeout 20 script -qec "/usr/sbin/chroot $J $*" /dev/null >"$T/pty.out"
	_rc=$?
	sed 's/\x1b\[[0-9;?>=]*[a-zA-Z]//g; s/\x1b[()][0-9A-B]//g; s/\x1b[=>]//g' "$T/pty.out" | tr -d '\r'
	return $_rc
}

# errors TEXT: the lines of TEXT that look like a configuration error.
errors() {
	printf '%s\n' "$1" | grep -E 'E[0-9]{2,4}:|Failed to source|Error (in|detected)|Mistakes in|No such file|[Cc]an.t open|not found'
}

for vi in vi vim.tiny; do
	[ -e "$J/usr/bin/$vi" ] || { ok "$vi is in the jail" false; continue; }
	out=$(in_pty /usr/bin/$vi -c q /home/ed/x.sh </dev/null)
	rc=$?
	is "$rc" 0 "$vi -c q on a pty exits 0"
	is "$(errors "$out")" "" "$vi starts without a configuration error"
done
# The check can fail: without its runtime, the jail's vim says so (vim.basic
# here; vim.tiny needs no runtime and is checked above all the same).
if [ "$(readlink -f /usr/bin/vi)" != "$(readlink -f /usr/bin/vim.tiny)" ]; then
	mv "$J/usr/share/vim" "$J/usr/share/vim.off" 2>/dev/null
	like "$(errors "$(in_pty /usr/bin/vi -c q /home/ed/x.sh </dev/null)")" "E1187: Failed to source defaults.vim" \
		"without /usr/share/vim, vi reports E1187 (the check sees errors)"
	mv "$J/usr/share/vim.off" "$J/usr/share/vim" 2>/dev/null
fi

# nano: ^X quits an unmodified buffer; its nanorc errors are printed on the
# terminal when it exits.
nano_run() {
	(sleep 1; printf '\030') | in_pty /bin/nano /home/ed/x.sh
}
[ -e "$J/bin/nano" ] || [ -e "$J/usr/bin/nano" ]
is "$?" 0 "nano is in the jail"
out=$(nano_run)
like "$out" "GNU nano" "nano starts on a pty (its title bar)"
is "$(errors "$out")" "" "nano starts without a configuration error"
mv "$J/usr/share/nano" "$J/usr/share/nano.off" 2>/dev/null
like "$(errors "$(nano_run)")" "Error in /etc/nanorc" \
	"without /usr/share/nano, nano reports its nanorc error (the check sees errors)"
mv "$J/usr/share/nano.off" "$J/usr/share/nano" 2>/dev/null

done_testing
