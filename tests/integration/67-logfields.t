#!/bin/bash
# The key=value fields of pam_jail's and jailctl run's syslog lines
# (pam_jail(8) LOGGING, base/logfields.h), read back from the test's syslog
# sink with a parser written from the documented rule alone:
#   - a login (pamdrive, through the real libpam) logs opened and closed
#     lines whose fields are the session id of the text, the user, the
#     jail, the profile and the remote host (PAM_RHOST), in that order;
#   - refusals carry reason (config, jail) and detail (the text);
#   - a hostile PAM_RHOST (quotes, spaces, "user=root", a newline) forges no
#     field: the user is still the user, the host reads back byte for byte,
#     and the whole line holds no '=' but its fields';
#   - jailctl run logs started, ended (with status) and refused lines with
#     the same fields plus service.
JAIL_TEST_NET=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../sshd-lib.sh"
. "$(dirname "$0")/../pam-lib.sh"
jail_test_setup
sshd_test_setup

# $J, u1 (jailsh its shell on the host and in the jail: pam_jail refuses
# another, sshd, su and login(1) would run it), the stack $PAMD.
pam_test_setup
write_profile lf "hostname = lf" "cgroup = optional" "apparmor = off" "landlock = off"
use_profile lf

# The parser, from pam_jail(8) LOGGING only: the fields begin at the
# line's last " session="; prints them as JSON (a bare - is null).
cat >"$T/fields.py" <<'PY'
import json, re, sys
line = sys.stdin.buffer.read().rstrip(b"\n")
i = line.rfind(b" session=")
if i < 0:
    sys.exit("no fields in: %r" % line)
s, out, keys = line[i:], {}, []
while s:
    m = re.match(rb' ([a-z][a-z0-9_]*)=', s)
    if not m:
        sys.exit("bad field at: %r" % s)
    k, s = m.group(1).decode(), s[m.end():]
    if s.startswith(b'"'):
        v, j = bytearray(), 1
        while s[j:j + 1] != b'"':
            c = s[j:j + 1]
            if not c or c[0] < 0x20 or c[0] == 0x7f:
                sys.exit("raw control or unterminated value: %r" % s)
            if c == b"\\":
                n = s[j + 1:j + 2]
                if n in (b'"', b"\\"):
                    v += n; j += 2
                elif n == b"x" and re.fullmatch(rb"[0-9a-f]{2}", s[j + 2:j + 4]):
                    v.append(int(s[j + 2:j + 4], 16)); j += 4
                else:
                    sys.exit("bad escape: %r" % s[j:])
            else:
                v += c; j += 1
        val, s = bytes(v).decode("utf-8", "surrogateescape"), s[j + 1:]
    else:
        m = re.match(rb'[!#-<>-\[\]-~]+', s)
        if not m:
            sys.exit("bad bare value: %r" % s)
        val, s = m.group(0).decode(), s[m.end():]
        if val == "-":
            val = None
    if s and not s.startswith(b" "):
        sys.exit("junk after a value: %r" % s)
    keys.append(k)
    out[k] = val
out["_keys"] = " ".join(keys)
print(json.dumps(out))
PY
# field LINE KEY: KEY's value in LINE's fields ("null" for -)
field() { python3 "$T/fields.py" <<<"$1" | python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1], "<absent>"); print("null" if v is None else v, end="")' "$2"; }
logline() { grep -F "$1" "$SYSLOG" | tail -1; }

# --- a login: opened and closed ----------------------------------------------------
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" -r 192.0.2.7 u1 "true" 2>&1)
like "$out" "open_session: Success (0)" 'login: the session opens'
wait_log "$SYSLOG" "closed session" 5 || diag "syslog: $(cat "$SYSLOG")"
open=$(logline "opened session")
id=$(grep -o "opened session [0-9a-f]* for u1 " <<<"$open" | awk '{print $3}')
ok 'opened: the text is as before (opened session ID for u1 (jail ..., profile lf, remote 192.0.2.7, init pid N))' \
	grep -qE "opened session [0-9a-f]{16} for u1 \\(jail $J, profile lf, remote 192\\.0\\.2\\.7, init pid [0-9]+\\) session=" <<<"$open"
is "$(field "$open" _keys)" "session user jail profile remote" 'opened: the fields, in order'
is "$(field "$open" session)" "$id" 'opened: session= is the id of the text'
is "$(field "$open" user)" "u1" 'opened: user=u1'
is "$(field "$open" jail)" "$J" 'opened: jail= the jail'
is "$(field "$open" profile)" "lf" 'opened: profile=lf'
is "$(field "$open" remote)" "192.0.2.7" 'opened: remote= PAM_RHOST'
close=$(logline "closed session $id for u1 ")
ok 'closed: the text is as before' grep -qF "closed session $id for u1 (jail $J, profile lf) session=" <<<"$close"
is "$(field "$close" _keys)" "session user jail profile remote" 'closed: the same fields'
is "$(field "$close" session)/$(field "$close" user)/$(field "$close" remote)" "$id/u1/192.0.2.7" \
	'closed: session, user and remote'

# --- no remote host: remote=- ------------------------------------------------------
: >"$SYSLOG"
"$PAMDRIVE" -c "$PAMD" u1 "true" >/dev/null 2>&1
wait_log "$SYSLOG" "closed session" 5
open=$(logline "opened session")
like "$open" " remote=-" 'no PAM_RHOST: a bare remote=-'
is "$(field "$open" remote)" "null" '... which the parser reads as not known'

# --- a hostile PAM_RHOST -----------------------------------------------------------
# One the session record accepts (printable, no space): the session opens.
evil1='x"user=root\"jail=/\\'
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" -r "$evil1" u1 "true" 2>&1)
like "$out" "open_session: Success (0)" 'hostile rhost without spaces: the session opens'
wait_log "$SYSLOG" "closed session" 5
open=$(logline "opened session")
is "$(field "$open" _keys)" "session user jail profile remote" 'hostile rhost: still exactly the five fields'
is "$(field "$open" user)" "u1" 'hostile rhost: user not forged'
is "$(field "$open" jail)/$(field "$open" profile)" "$J/lf" 'hostile rhost: jail and profile not forged'
python3 "$T/fields.py" <<<"$open" >"$T/evil1.json"
ok 'hostile rhost: remote reads back byte for byte' python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["remote"] != sys.argv[2])' "$T/evil1.json" "$evil1"
is "$(tr -cd = <<<"$open" | wc -c)" 5 'hostile rhost: the whole line (text too) holds no = but its five fields'
is "$(grep -oE '(^|[ "])user=[^ ]*' <<<"$open" | tr '\n' ' ')" " user=u1 " 'hostile rhost: a naive user= grep finds u1 only'
close=$(logline "closed session")
is "$(field "$close" user)/$(field "$close" remote)" "u1/$evil1" 'hostile rhost: the closed line too'

# One with spaces, quotes, user=root and a newline: the session record
# refuses it; the refusal line forges nothing either.
evil=$(printf 'x" user=root jail=/ \\" profile=evil\nJan 1 h pam_jail: user=root')
: >"$SYSLOG"
out=$("$PAMDRIVE" -c "$PAMD" -r "$evil" u1 "true" 2>&1)
like "$out" "remote host is not a host name or address" 'hostile rhost with spaces: refused (session record)'
wait_log "$SYSLOG" "refused session" 5
is "$(grep -c . "$SYSLOG")" "$(grep -c 'pam_jail' "$SYSLOG")" 'hostile rhost: every line of the log is pam_jail'"'"'s (no split)'
ref=$(logline "refused session")
is "$(field "$ref" _keys)" "session user jail profile remote reason detail" 'hostile rhost refused: exactly the seven fields'
is "$(field "$ref" user)/$(field "$ref" profile)/$(field "$ref" reason)" "u1/lf/setup" \
	'hostile rhost refused: user and profile not forged, reason=setup'
python3 "$T/fields.py" <<<"$ref" >"$T/evil.json"
ok 'hostile rhost refused: remote reads back byte for byte' python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["remote"] != sys.argv[2])' "$T/evil.json" "$evil"
is "$(grep -oE '(^|[ "])user=[^ ]*' <<<"$ref" | tr '\n' ' ')" " user=u1 " 'hostile rhost refused: a naive user= grep finds u1 only'

# --- refusals: reason and detail ---------------------------------------------------
: >"$SYSLOG"
use_profile nosuch
"$PAMDRIVE" -c "$PAMD" u1 "true" >/dev/null 2>&1
wait_log "$SYSLOG" "refused session" 5
ref=$(logline "refused session")
like "$ref" "refused session - for u1 (jail $J, profile nosuch): " 'refused (profile): the text is as before'
is "$(field "$ref" _keys)" "session user jail profile remote reason detail" 'refused: the fields, reason and detail last'
is "$(field "$ref" reason)" "config" 'refused (missing profile): reason=config'
like "$(field "$ref" detail)" "profile nosuch" 'refused: detail= the text'
is "$(field "$ref" session)/$(field "$ref" user)/$(field "$ref" profile)" "null/u1/nosuch" \
	'refused: no session id yet (-), user and profile'
use_profile lf

: >"$SYSLOG"
chmod 0777 "$J/etc"
"$PAMDRIVE" -c "$PAMD" -r 192.0.2.8 u1 "true" >/dev/null 2>&1
chmod 0755 "$J/etc"
wait_log "$SYSLOG" "refused session" 5
ref=$(logline "refused session")
is "$(field "$ref" reason)" "jail" 'refused (a world-writable /etc in the jail): reason=jail'
like "$(field "$ref" detail)" "$J" 'refused (jail): detail names the jail'
is "$(field "$ref" remote)" "192.0.2.8" 'refused: remote= PAM_RHOST'

# --- jailctl run -------------------------------------------------------------------
: >"$SYSLOG"
"$JAILCTL" --config "$CONF" run "$J" -p lf -- sh -c 'exit 3' 2>"$T/run.err"
is "$?" 3 'run: the command'"'"'s status'
wait_log "$SYSLOG" "ended run" 5 || diag "run: $(cat "$T/run.err") syslog: $(cat "$SYSLOG")"
st=$(logline "started run")
en=$(logline "ended run")
rid=$(grep -o 'started run [0-9a-f]*' <<<"$st" | awk '{print $3}')
like "$st" "jailctl[" 'run: logged by jailctl'
is "$(field "$st" _keys)" "session user jail profile remote service" 'run started: the fields, in order'
is "$(field "$st" session)/$(field "$st" user)/$(field "$st" jail)/$(field "$st" profile)" \
	"$rid/root/$J/lf" 'run started: session, user, jail, profile'
is "$(field "$st" remote)/$(field "$st" service)" "null/null" 'run started: remote - and service - (an ad-hoc command)'
is "$(field "$en" _keys)" "session user jail profile remote service status" 'run ended: with status last'
is "$(field "$en" session)/$(field "$en" status)" "$rid/3" 'run ended: the same session, status=3'
like "$en" "exited with status 3" 'run ended: the text says how'

: >"$SYSLOG"
"$JAILCTL" --config "$CONF" run "$J" -p nosuch -- true 2>/dev/null
is "$?" 1 'run with a missing profile: refused'
wait_log "$SYSLOG" "refused run" 5
ref=$(logline "refused run")
is "$(field "$ref" reason)" "config" 'run refused: reason=config'
like "$(field "$ref" detail)" "nosuch" 'run refused: detail= the text'
is "$(field "$ref" user)/$(field "$ref" jail)" "root/$J" 'run refused: user and jail'

done_testing
