#!/bin/bash
# jailctl setup sshd [--undo] on copies of Debian's real /etc/pam.d/sshd and
# /etc/ssh/sshd_config (the private /etc of sshd-lib.sh).  Asserted here:
#   - before: jailctl check points its pam and sshd findings at setup;
#   - --dry-run prints the diff and writes nothing;
#   - setup: pam_jail is the last session line, the Match block is at the
#     end, sshd -t passes, owner and mode kept, the old content in
#     FILE.jail.bak, no temporary left; check is then clean of both;
#   - a real sshd started with that very sshd_config and pam.d jails a
#     jailed user at ssh login (keys served by jailctl keys);
#   - a second setup changes nothing (same inode, same bytes);
#   - --undo gives back the files byte-identical (cmp) and removes the
#     backups; a second --undo is a no-op;
#   - refused, changing nothing: a symlink planted at either file, a file
#     not owned by root, a config sshd -t rejects, UsePAM no, an altered
#     block (setup and undo);
#   - refused, changing nothing (files byte-identical): pam_jail already in
#     a file pam.d/sshd @includes (common-session), by --dry-run too; that
#     file a symlink out of pam.d (not followed);
#   - two setups at once: one adds the blocks, the other waits for its
#     lock and finds them (one block per file, both valid); a setup that
#     cannot get the lock within 10 s fails saying so, changing nothing;
#   - the admin's edits around the block survive undo, the backup stays.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
jail_test_setup
sshd_test_setup

PAMF=/etc/pam.d/sshd
SSHC=/etc/ssh/sshd_config
PORT=2230
# sshd -t needs host keys where Debian's sshd_config looks for them (the
# private /etc; a guest image may have none).
ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || ssh-keygen -A >/dev/null 2>&1 || bail "ssh-keygen -A"
cp -p "$PAMF" "$T/pam.orig"
cp -p "$SSHC" "$T/sshd.orig"
grep -q '^UsePAM yes' "$T/sshd.orig" || bail "the host's sshd_config is not Debian's (no UsePAM yes)"
setup() { "$SBIN/jailctl" --config "$CONF" setup sshd --pam-module "$PAM_MODULE" "$@"; }
same() { cmp -s "$PAMF" "$T/pam.orig" && cmp -s "$SSHC" "$T/sshd.orig"; }
no_leftovers() { ! ls -A /etc/ssh /etc/pam.d | grep -q -e '\.jail-tmp\.' -e '\.jail\.bak$'; }

J=$SSHD_JAIL
"$JAILCTL" --config "$CONF" init "$J" basicshell jailsh >"$T/init.out" 2>&1 ||
	bail "jailctl init: $(tail -5 "$T/init.out")"
user_add_jailed bob "$J"

# --- before: check points at setup ----------------------------------------
out=$("$SBIN/jailctl" --config "$CONF" check 2>&1)
like "$out" "$PAMF: pam_jail.so is not in the session stack: jailed users' sessions are not confined (fix: run 'jailctl setup sshd' (it adds" \
	'check before setup: the missing pam_jail line names jailctl setup sshd as the fix'
like "$out" "ssh forwarding is not locked down for group jailed" 'check before setup: forwarding is open'
like "$out" "(fix: run 'jailctl setup sshd' (it appends the jail block" \
	'check before setup: the forwarding finding names jailctl setup sshd as the fix'

# --- dry run ---------------------------------------------------------------
out=$(setup --dry-run 2>&1)
rc=$?
is "$rc" 0 'setup --dry-run exits 0'
like "$out" "+++ $PAMF (jailctl setup sshd)" 'dry run: a diff of pam.d/sshd'
like "$out" "+session required $PAM_MODULE config=$CONF" 'dry run: the pam_jail line, config= (not the default dir)'
like "$out" "+	AuthorizedKeysCommand /usr/local/sbin/jailctl --config $CONF keys %u" \
	'dry run: AuthorizedKeysCommand runs the installed jailctl with this config dir'
like "$out" "dry run: nothing written" 'dry run: says nothing was written'
ok 'dry run: both files unchanged' same
ok 'dry run: no backup, no temporary left' no_leftovers

# --- setup -----------------------------------------------------------------
ino_p=$(stat -c %i "$PAMF")
out=$(setup 2>&1)
rc=$?
is "$rc" 0 'setup exits 0'
like "$out" "$PAMF: added the jail block at lines" 'setup reports the pam.d edit'
like "$out" "$SSHC: added the jail block at lines" 'setup reports the sshd_config edit'
like "$out" "reload it yourself, e.g. 'systemctl reload ssh'" 'setup prints the reload command, does not reload'
is "$(grep -E '^-?session' "$PAMF" | tail -1)" "session required $PAM_MODULE config=$CONF" \
	'pam.d/sshd: pam_jail is the last session line'
is "$(grep -c pam_jail "$PAMF")" 1 'pam.d/sshd: one pam_jail line'
is "$(tail -1 "$SSHC")" "# END jail" 'sshd_config: the block ends the file'
like "$(cat "$SSHC")" "# BEGIN jail (jailctl setup sshd) sum=" 'sshd_config: the BEGIN marker with its sum'
like "$(sed -n '/^# BEGIN jail/,$p' "$SSHC")" "Match Group jailed
	DisableForwarding yes" 'sshd_config: the Match block of the snippet inside the markers'
ok 'sshd -t accepts the new sshd_config' /usr/sbin/sshd -t -f "$SSHC"
is "$(stat -c '%u:%g:%a' "$PAMF") $(stat -c '%u:%g:%a' "$SSHC")" \
	"$(stat -c '%u:%g:%a' "$T/pam.orig") $(stat -c '%u:%g:%a' "$T/sshd.orig")" 'owner and mode kept'
ok 'pam.d/sshd was replaced (new inode: written beside and renamed)' test "$(stat -c %i "$PAMF")" != "$ino_p"
ok 'backup of pam.d/sshd: the old bytes' cmp "$PAMF.jail.bak" "$T/pam.orig"
ok 'backup of sshd_config: the old bytes' cmp "$SSHC.jail.bak" "$T/sshd.orig"
nok 'no temporary file left' sh -c "ls -A /etc/ssh /etc/pam.d | grep -q '\.jail-tmp\.'"
out=$("$SBIN/jailctl" --config "$CONF" check 2>&1)
unlike "$out" "pam_jail.so is not in the session stack" 'check after setup: no pam finding'
unlike "$out" "not locked down" 'check after setup: forwarding locked down for bob'
out=$(/usr/sbin/sshd -T -C user=bob,host=localhost,addr=127.0.0.1 -f "$SSHC" 2>&1)
like "$out" "disableforwarding yes" 'sshd -T for bob: disableforwarding yes'
like "$out" "authorizedkeyscommand /usr/local/sbin/jailctl --config $CONF keys %u" \
	'sshd -T for bob: keys from jailctl keys'

# --- a real sshd with exactly these files jails bob ---------------------------
_sshd_asan_env
"${SSHD_ENV[@]}" /usr/sbin/sshd -D -f "$SSHC" -o Port=$PORT -o ListenAddress=127.0.0.1 \
	-o HostKey="$T/ssh_host_ed25519_key" -o PidFile="$T/sshd-setup.pid" -o LogLevel=VERBOSE \
	-E "$T/sshd-setup.log" >>"$T/sshd-setup.stderr" 2>&1 &
SSHD_PIDS="$SSHD_PIDS $!"
for i in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done
out=$(tssh -p $PORT bob 'echo "$USER $HOME"; grep ^NoNewPrivs: /proc/self/status; test -d '"$TOP"' && echo host-fs; echo end' 2>&1)
is "$out" "bob /home/bob
NoNewPrivs:	1
end" 'ssh bob through the set-up sshd: logged in by jailctl keys, confined, no host tree'
ok 'sshd logged the publickey login of bob' grep -q 'Accepted publickey for bob' "$T/sshd-setup.log"
sshd_stop

# --- idempotent --------------------------------------------------------------
cp -p "$PAMF" "$T/pam.set"
cp -p "$SSHC" "$T/sshd.set"
ino_p=$(stat -c %i "$PAMF")
ino_s=$(stat -c %i "$SSHC")
out=$(setup 2>&1)
rc=$?
is "$rc" 0 'second setup exits 0'
like "$out" "$PAMF: already set up (lines" 'second setup: pam.d says already set up'
like "$out" "$SSHC: already set up (lines" 'second setup: sshd_config says already set up'
unlike "$out" "reload" 'second setup: nothing to reload'
ok 'second setup: same bytes' sh -c "cmp -s $PAMF $T/pam.set && cmp -s $SSHC $T/sshd.set"
is "$(stat -c %i "$PAMF") $(stat -c %i "$SSHC")" "$ino_p $ino_s" 'second setup: the files were not even rewritten'

# --- an altered block is refused, by setup and by undo -------------------------
sed -i 's/^\tPermitTunnel no$/\tPermitTunnel yes/' "$SSHC"
cp -p "$SSHC" "$T/sshd.alt"
out=$(setup 2>&1)
rc=$?
is "$rc" 1 'altered block: setup refuses'
like "$out" "the jail block was altered since jailctl setup sshd wrote it" 'altered block: says so, with the lines'
out=$(setup --undo 2>&1)
rc=$?
is "$rc" 1 'altered block: undo refuses'
like "$out" "$SSHC lines" 'altered block: undo names the file and lines'
ok 'altered block: sshd_config and pam.d untouched' sh -c "cmp -s $SSHC $T/sshd.alt && cmp -s $PAMF $T/pam.set"
cp -p "$T/sshd.set" "$SSHC"

# --- undo: byte-identical ----------------------------------------------------
out=$(setup --undo 2>&1)
rc=$?
is "$rc" 0 'undo exits 0'
like "$out" "$PAMF: removed the jail block (lines" 'undo reports pam.d'
like "$out" "byte-identical to the file before setup again" 'undo says the files are as before'
ok 'undo: pam.d/sshd byte-identical to Debian'"'"'s' cmp "$PAMF" "$T/pam.orig"
ok 'undo: sshd_config byte-identical to Debian'"'"'s' cmp "$SSHC" "$T/sshd.orig"
is "$(stat -c '%u:%g:%a' "$PAMF") $(stat -c '%u:%g:%a' "$SSHC")" \
	"$(stat -c '%u:%g:%a' "$T/pam.orig") $(stat -c '%u:%g:%a' "$T/sshd.orig")" 'undo: owner and mode kept'
ok 'undo: the backups are gone, no temporary left' no_leftovers
out=$(setup --undo 2>&1)
like "$out" "$SSHC: no jail block: nothing changed" 'second undo: nothing to do'
ok 'second undo: files unchanged' same

# --- refusals that change nothing ------------------------------------------------
refused() { # NAME NEEDLE [setup args]
	local name=$1 needle=$2
	shift 2
	out=$(setup "$@" 2>&1)
	rc=$?
	is "$rc" 1 "$name: refused"
	like "$out" "$needle" "$name: says why"
}
mv "$PAMF" /etc/pam.d/sshd.real
ln -s sshd.real "$PAMF"
refused 'a symlink planted at pam.d/sshd' "$PAMF is a symlink: refused"
ok 'symlink at pam.d/sshd: still a symlink, its target untouched' \
	sh -c "test -L $PAMF && cmp -s /etc/pam.d/sshd.real $T/pam.orig"
ok 'symlink at pam.d/sshd: sshd_config untouched, nothing left behind' \
	sh -c "cmp -s $SSHC $T/sshd.orig && ! ls -A /etc/ssh /etc/pam.d | grep -q -e jail-tmp -e jail.bak"
rm "$PAMF"
mv /etc/pam.d/sshd.real "$PAMF"

mv "$SSHC" "$T/sshd.real"
ln -s "$T/sshd.real" "$SSHC"
refused 'a symlink planted at sshd_config' "$SSHC is a symlink: refused"
ok 'symlink at sshd_config: its target and pam.d untouched' \
	sh -c "test -L $SSHC && cmp -s $T/sshd.real $T/sshd.orig && cmp -s $PAMF $T/pam.orig"
rm "$SSHC"
mv "$T/sshd.real" "$SSHC"
ok 'nothing left by the symlink refusals' no_leftovers

chown 1000 "$SSHC"
refused 'sshd_config owned by uid 1000' "$SSHC is owned by uid 1000"
chown 0 "$SSHC"
ok 'not root-owned: both files unchanged' same

chmod g+w /etc/ssh
refused 'a group-writable /etc/ssh' "/etc/ssh is writable by its group"
chmod g-w /etc/ssh
ok 'group-writable directory: both files unchanged' same

refused 'a PAM module that does not exist' "PAM module $T/nonexistent/pam_jail.so is not a regular file" \
	--pam-module "$T/nonexistent/pam_jail.so"
ok 'missing PAM module: both files unchanged, nothing left' sh -c "cmp -s $PAMF $T/pam.orig && cmp -s $SSHC $T/sshd.orig && ! ls -A /etc/ssh /etc/pam.d | grep -q -e jail-tmp -e jail.bak"

echo 'NoSuchDirective yes' >>"$SSHC"
cp -p "$SSHC" "$T/sshd.bad"
refused 'a config sshd -t rejects' "rejects the new configuration"
like "$out" "Bad configuration option: NoSuchDirective" 'sshd -t rejects: sshd'"'"'s own reason is quoted'
ok 'sshd -t rejects: sshd_config not installed, pam.d untouched' \
	sh -c "cmp -s $SSHC $T/sshd.bad && cmp -s $PAMF $T/pam.orig"
ok 'sshd -t rejects: no backup, no temporary left' no_leftovers
cp -p "$T/sshd.orig" "$SSHC"

sed -i 's/^UsePAM yes/UsePAM no/' "$SSHC"
cp -p "$SSHC" "$T/sshd.nopam"
refused 'UsePAM no' "UsePAM is no"
ok 'UsePAM no: nothing changed' sh -c "cmp -s $SSHC $T/sshd.nopam && cmp -s $PAMF $T/pam.orig"
cp -p "$T/sshd.orig" "$SSHC"

# --- pam_jail already in an included file ------------------------------------
CS=/etc/pam.d/common-session
[ -f "$CS" ] && grep -q '^@include common-session' "$PAMF" || bail "no $CS @included by $PAMF"
cp -p "$CS" "$T/cs.orig"
echo "session optional $PAM_MODULE" >>"$CS"
cp -p "$CS" "$T/cs.jail"
n=$(wc -l <"$CS")
inc=$(grep -n '^@include common-session' "$PAMF" | cut -d: -f1)
refused 'pam_jail in common-session (@include), --dry-run' \
	"$CS line $n already puts pam_jail.so in the session stack ($PAMF line $inc includes it)" --dry-run
refused 'pam_jail in common-session (@include)' \
	"$CS line $n already puts pam_jail.so in the session stack ($PAMF line $inc includes it)"
ok 'pam_jail in common-session: pam.d/sshd, sshd_config, common-session byte-identical' \
	sh -c "cmp -s $PAMF $T/pam.orig && cmp -s $SSHC $T/sshd.orig && cmp -s $CS $T/cs.jail"
ok 'pam_jail in common-session: no backup, no temporary left' no_leftovers
rm "$CS"
ln -s "$T/cs.orig" "$CS"
refused 'common-session a symlink out of pam.d' "$PAMF line $inc includes common-session, which setup must read"
like "$out" "$CS is a symlink: refused" 'symlinked include: not followed, says so'
ok 'symlinked include: both files and the link unchanged' \
	sh -c "cmp -s $PAMF $T/pam.orig && cmp -s $SSHC $T/sshd.orig && test -L $CS"
rm "$CS"
cp -p "$T/cs.orig" "$CS"

# --- one setup at a time ---------------------------------------------------------
setup >"$T/c1.out" 2>&1 &
p1=$!
setup >"$T/c2.out" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
is "$r1 $r2" "0 0" 'two setups at once: both exit 0'
is "$(grep -c '^# BEGIN jail' "$PAMF") $(grep -c '^# BEGIN jail' "$SSHC")" "1 1" \
	'two setups at once: one block in each file'
is "$(cat "$T/c1.out" "$T/c2.out" | grep -c 'added the jail block') $(cat "$T/c1.out" "$T/c2.out" | grep -c 'already set up')" \
	"2 2" 'two setups at once: one added both blocks, the other waited and found them'
is "$(grep -c pam_jail "$PAMF")" 1 'two setups at once: one pam_jail line'
ok 'two setups at once: sshd -t accepts the result' /usr/sbin/sshd -t -f "$SSHC"
ok 'two setups at once: the backups hold the old bytes' \
	sh -c "cmp -s $PAMF.jail.bak $T/pam.orig && cmp -s $SSHC.jail.bak $T/sshd.orig"
ok 'undo after the two setups' setup --undo
ok 'undo after the two setups: byte-identical, nothing left' sh -c "cmp -s $PAMF $T/pam.orig && cmp -s $SSHC $T/sshd.orig"
ok 'undo after the two setups: no backup, no temporary left' no_leftovers

# Another holds the lock past the 10 s setup waits: this shell, by flock(1)
# on its own open of /etc/pam.d (an open file description of its own, as
# another setup's).
exec 9</etc/pam.d
flock -n 9 || bail "flock /etc/pam.d"
t0=$(date +%s)
refused 'pam.d locked by another for over 10 s' "another 'jailctl setup sshd' is editing the directory of $PAMF (waited 10 s"
t1=$(date +%s)
exec 9<&-
ok "the locked setup waited about 10 s ($((t1 - t0)) s)" test $((t1 - t0)) -ge 9 -a $((t1 - t0)) -le 20
ok 'locked: both files unchanged, nothing left' sh -c "cmp -s $PAMF $T/pam.orig && cmp -s $SSHC $T/sshd.orig && ! ls -A /etc/ssh /etc/pam.d | grep -q -e jail-tmp -e jail.bak"

# --- the admin's edits survive undo ----------------------------------------------
ok 'setup again' setup
echo '# admin: added after setup' >>"$SSHC"
sed -i '1i # admin: a first line' "$PAMF"
out=$(setup --undo 2>&1)
is "$?" 0 'undo after admin edits exits 0'
like "$out" "the file was edited since setup and those edits are kept ($SSHC.jail.bak holds it" \
	'undo after edits: says the backup was kept'
is "$(cat "$SSHC")" "$(cat "$T/sshd.orig")
# admin: added after setup" 'undo after edits: sshd_config is the original plus the admin'"'"'s line'
is "$(cat "$PAMF")" "# admin: a first line
$(cat "$T/pam.orig")" 'undo after edits: pam.d/sshd is the original plus the admin'"'"'s line'
ok 'undo after edits: the backups stay' test -f "$SSHC.jail.bak" -a -f "$PAMF.jail.bak"
ok 'the real /etc was never written' cmp "$HOST_ETC/ssh/sshd_config" "$T/sshd.orig"

done_testing
