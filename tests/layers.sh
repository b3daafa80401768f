#!/bin/sh
# libjail's layers (lib/README.md): every #include "LAYER/..." in a file of
# lib/LAYER/ or of a program must name a layer that file may use.
#   base    <- confine <- config <- session     (pam_jail.so, jailsh)
#   base    <- tree
#   audit and jailctl: any layer
# Prints each violation as FILE:LINE: LAYER may not include HEADER and exits
# 1; exits 0 when there is none.  make lint and 02-layers.t run it.
cd "$(dirname "$0")/.." || exit 2
allowed() {
	case $1 in
	base) echo "base" ;;
	confine) echo "base confine" ;;
	config) echo "base confine config" ;;
	session | pam_jail | jailsh) echo "base confine config session" ;;
	tree) echo "base tree" ;;
	audit | jailctl) echo "base confine config session tree audit" ;;
	*) return 1 ;;
	esac
}
rc=0
for f in lib/*/*.[ch] jailctl/*.[ch] jailsh/*.[ch] pam_jail/*.[ch]; do
	[ -e "$f" ] || continue
	case $f in lib/*) layer=${f#lib/} layer=${layer%%/*} ;; *) layer=${f%%/*} ;; esac
	ok=$(allowed "$layer") || {
		echo "$f: lib/$layer is not a layer (base confine config session tree audit)"
		rc=1
		continue
	}
	# shellcheck disable=SC2034
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' >"${TMPDIR:-/tmp}/jail-layers.$$"
	while read -r line hdr; do
		case $hdr in
		*/*) want=${hdr%%/*} ;;
		*) # unqualified: only a program's own header next to it
			case $f in lib/*)
				echo "$f:$line: include \"$hdr\" is not qualified (LAYER/$hdr)"
				rc=1
				;;
			esac
			continue
			;;
		esac
		case " $ok " in
		*" $want "*) ;;
		*)
			echo "$f:$line: $layer may not include $hdr (allowed: $ok)"
			rc=1
			;;
		esac
	done <"${TMPDIR:-/tmp}/jail-layers.$$"
	rm -f "${TMPDIR:-/tmp}/jail-layers.$$"
done
exit $rc
