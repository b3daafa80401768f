#!/bin/sh
# make bench: every benchmark, side by side with its peers.  Not a test:
# prints figures (medians of several runs) and ratios; bench/README.md keeps
# the recorded ones.
cd "$(dirname "$0")/.." || exit 2
rc=0
for b in bench/init.sh bench/session.sh bench/load.sh bench/service.sh bench/ldap.sh; do
	[ -x "$b" ] || continue
	echo "== $b"
	"$b" || rc=1
done
exit $rc
