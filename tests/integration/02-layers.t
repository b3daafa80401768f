#!/bin/bash
# libjail's layers (lib/README.md): the include rules hold, the checker can
# tell when they do not, and pam_jail.so, loaded into sshd, carries no code
# of the tree or audit layers (it links lib/libjail-core.a only).
. "$(dirname "$0")/../lib.sh"
jail_test_setup

ok 'every #include respects the layers (tests/layers.sh)' "$TOP/tests/layers.sh"

# The checker fails on a violation and names it: a copy of it over a tree
# with a base file that includes a tree header, a confine header that
# includes config, and an unqualified include.
mkdir -p "$T/l/tests" "$T/l/lib/base" "$T/l/lib/confine" "$T/l/lib/tree"
cp "$TOP/tests/layers.sh" "$T/l/tests/"
printf '#include "base/util.h"\n#include "tree/tree.h"\n' >"$T/l/lib/base/bad.c"
printf '#include "config/config.h"\n' >"$T/l/lib/confine/bad.h"
printf '#include "util.h"\n' >"$T/l/lib/tree/bad.c"
printf '#include "base/util.h"\n' >"$T/l/lib/tree/good.c"
out=$("$T/l/tests/layers.sh" 2>&1)
rc=$?
is "$rc" 1 'layers.sh fails on a tree that breaks the rules'
like "$out" 'lib/base/bad.c:2: base may not include tree/tree.h' 'names a base file including tree'
like "$out" 'lib/confine/bad.h:1: confine may not include config/config.h' 'names a confine header including config'
like "$out" 'lib/tree/bad.c:1: include "util.h" is not qualified' 'names an unqualified include'
unlike "$out" 'good.c' 'an allowed include is not reported'
is "$(printf '%s\n' "$out" | wc -l)" 3 'exactly the three violations'

# pam_jail.so: no symbol defined by a tree or audit object is in it.  The
# module is built with -g and not stripped, so nm lists its local symbols
# too (everything but the PAM entry points is hidden).
command -v nm >/dev/null || bail 'nm (binutils) is needed'
nm --defined-only "$PAM_JAIL" | awk '{print $3}' | sort -u >"$T/pam.syms"
nm --defined-only "$TOP"/lib/tree/*.o "$TOP"/lib/audit/*.o 2>/dev/null |
	awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u >"$T/upper.syms"
ok 'the tree and audit layers define functions (the check has something to look for)' \
	test "$(wc -l <"$T/upper.syms")" -gt 50
ok 'pam_jail.so holds the session layer (nm sees its symbols)' grep -qx jail_session_open "$T/pam.syms"
ok 'pam_jail.so holds base functions' grep -qx jail_open_trusted_dir "$T/pam.syms"
both=$(comm -12 "$T/pam.syms" "$T/upper.syms" | head -5 | tr '\n' ' ')
is "$both" "" 'pam_jail.so holds no function of lib/tree or lib/audit'
ok 'jailctl does hold tree functions (the same nm check finds them there)' \
	sh -c "nm --defined-only '$JAILCTL' | awk '{print \$3}' | grep -qx jail_manifest_read"
ok 'pam_jail.so links the core archive only (Makefile)' \
	sh -c "make -C '$TOP' -n -B pam_jail/pam_jail.so 2>/dev/null | grep -- '-o pam_jail/pam_jail.so' | grep -q 'lib/libjail-core.a' && ! make -C '$TOP' -n -B pam_jail/pam_jail.so 2>/dev/null | grep -- '-o pam_jail/pam_jail.so' | grep -q 'lib/libjail.a'"
done_testing
