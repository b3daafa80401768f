#!/bin/sh
# Run every test through prove: unit test binaries and integration scripts.
# Ends with prove's closing lines ("Result: PASS" or "Result: FAIL").
cd "$(dirname "$0")/.." || exit 2
# make sanitize: the sanitizers' options for every test (exit status 86).
[ "${JAIL_SANITIZE:-0}" = 1 ] && . tests/sanitize.env
set --
for t in tests/unit/test_*; do
	case "$t" in *.c|*.d|*.o) continue ;; esac
	[ -x "$t" ] && set -- "$@" "$t"
done
for t in tests/integration/*.t; do
	[ -e "$t" ] && set -- "$@" "$t"
done
# .ci/run: the guest lane's results (tests/guest/lane.sh), counted here too.
if [ -n "${JAIL_GUEST_RESULTS:-}" ]; then
	for t in "$JAIL_GUEST_RESULTS"/*.t; do
		[ -e "$t" ] && set -- "$@" "$t"
	done
fi
exec prove --exec '' ${PROVE_FLAGS:-} "$@"
