#!/bin/bash
# t-sign.sh - signed patches, the apply policy, the audit trail and least
# privilege (README: Signed patches, Least privilege):
#   keys      suture keygen writes KEY (0600) and KEY.pub in their format
#   policy    unsigned: applied to root's own process, refused for nobody's;
#             signed by an unknown key: refused naming its fingerprint;
#             signed by a key of /etc/suture/keys (suture sign, and suture
#             build --sign): applied; a changed byte of the patch or of its
#             signature: refused as a bad signature; a keys directory
#             others may write: refused naming it; own-processes = trusted
#             refuses the unsigned patch for one's own process
#   info      suture info shows the signer and whether it is trusted
#   audit     the syslog lines of applies, reverts and refusals; the
#             user's name from /etc/passwd when nsswitch.conf asks it
#             first, from the name service when it does not, or when the
#             file lacks the user
#   privilege the target's own user (nobody), and a user holding only
#             CAP_SYS_PTRACE, apply and revert; without the capability the
#             refusal names it
# Everything runs in a private mount namespace: /etc and /dev are overlays,
# so the test's /etc/suture and its syslog socket at /dev/log exist only
# here (suture reads no other configuration directory, by design).
if [ "${1-}" != --in-private-mounts ]; then
	exec unshare --mount --propagation private -- "$BASH" "$0" \
		--in-private-mounts
fi
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin sign

section "a private /etc/suture and /dev/log"
private_overlay etc dev || finish
mkdir -p /etc/suture/keys && chmod 755 /etc/suture /etc/suture/keys
syslog_sink || finish

section "keys"
# The unprivileged users need the files outside the checkout.
UDIR=$(mktemp -d /tmp/suture-sign.XXXXXX)
trap 'cleanup; rm -rf "$UDIR"' EXIT
chmod 755 "$UDIR"
check "suture keygen writes a key pair" \
	suture keygen "$UDIR/ops" --name "ops team <ops@example.org>"
check_eq "  ... the secret key is mode 0600" 600 "$(stat -c %a "$UDIR/ops")"
check_eq "  ... the public key is mode 0644" 644 "$(stat -c %a "$UDIR/ops.pub")"
check_match "  ... in its documented format" \
	'^suture-ed25519 [A-Za-z0-9+/]{43}= ops team <ops@example.org>$' \
	"$(cat "$UDIR/ops.pub")"
check_match "  ... and the secret's" \
	'^suture-ed25519-secret [A-Za-z0-9+/]{43}= ops team' "$(cat "$UDIR/ops")"
fpr=$(sed -n 's/.*key \(ed25519:[0-9a-f]*\).*/\1/p' <<<"$OUT")
check_match "  ... and says its fingerprint" '^ed25519:[0-9a-f]{32}$' "$fpr"
check_fails "keygen does not overwrite a key" suture keygen "$UDIR/ops"
stranger=$(suture keygen "$UDIR/stranger" --name mallory |
	sed -n 's/.*key \(ed25519:[0-9a-f]*\).*/\1/p')
chmod 644 "$UDIR/stranger"
check_fails "a secret key others may read is refused" \
	suture sign "$WORK/none.sut" --key "$UDIR/stranger"
check_match "  ... saying so" "secret key $UDIR/stranger may be read by group or others" "$OUT"
chmod 600 "$UDIR/stranger"

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
cp "$SRC/calc" "$UDIR/calc" && chmod 755 "$UDIR/calc"
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}"
cp "$WORK/fix.sut" "$UDIR/unsigned.sut"
cp "$WORK/fix.sut" "$UDIR/signed.sut"
cp "$WORK/fix.sut" "$UDIR/stranger.sut"
check "suture sign signs a patch" \
	suture sign "$UDIR/signed.sut" --key "$UDIR/ops"
check_match "  ... naming the key" "with key $fpr \\(ops team" "$OUT"
suture sign "$UDIR/stranger.sut" --key "$UDIR/stranger" >/dev/null
# RFC 8032's first test key: its public key, hence its fingerprint, is the
# RFC's whatever library suture signs with (keys outlive a change of it).
rfc_pub=d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
printf 'suture-ed25519-secret %s rfc8032\n' "$(echo 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60 |
	xxd -r -p | base64)" >"$UDIR/rfc" && chmod 600 "$UDIR/rfc"
cp "$WORK/fix.sut" "$UDIR/rfc.sut"
check "a patch signed with RFC 8032's test key" \
	suture sign "$UDIR/rfc.sut" --key "$UDIR/rfc"
check_match "  ... names the fingerprint of the RFC's public key" \
	"with key ed25519:$(echo $rfc_pub | xxd -r -p | sha256sum | cut -c1-32) \\(rfc8032" \
	"$OUT"
chmod 644 "$UDIR"/*.sut
cp "$UDIR/calc" "$UDIR/calc-root"
cp "$SUTURE" "$UDIR/suture" && chmod 755 "$UDIR/suture"

# Targets: root's calc and nobody's calc, both from $UDIR.
NB=(setpriv --reuid=65534 --regid=65534 --clear-groups)
start_target R "$UDIR/calc-root" || finish
start_target T "$UDIR/calc-root" -t || finish	# a thread per request
WORK_SAVED=$WORK
WORK=$UDIR
chmod 777 "$UDIR"
start_target U "${NB[@]}" "$UDIR/calc" || finish
chmod 755 "$UDIR"
WORK=$WORK_SAVED
check_eq "the second target runs as nobody" nobody "$(stat -c %U "/proc/$U_PID")"

# untouched PID PORT WHEN - old code, no suture region.
untouched() {
	check_ask "$3: the target still gives the old sum" "$2" "calc 5" \
		"$(model_sum old 5)"
	check_eq "$3: no suture region in the target" "" "$(suture_maps "$1")"
}

section "policy: unsigned patches"
check "root applies an unsigned patch to root's own process" \
	suture apply "$R_PID" "$UDIR/unsigned.sut"
check_ask "  ... which runs the new code" "$R_PORT" "calc 5" "$(model_sum new 5)"
id=$(suture info "$UDIR/unsigned.sut" | sed -n 's/^id: *//p')
audit_has "  ... audit: the apply, patch, id, signer, PID, exe, user, result" \
	"suture\\[[0-9]+\\]: apply patch=fix id=$id " "signer=unsigned" \
	"pid=$R_PID exe=\"$UDIR/calc-root\" user=root\\(0\\) result=applied"
check "  ... and reverts it" suture revert "$R_PID"
audit_has "  ... audit: the revert" \
	"revert patch=fix id=$id .*pid=$R_PID .*result=reverted"
check_fails "root's unsigned patch for nobody's process is refused" \
	suture apply "$U_PID" "$UDIR/unsigned.sut"
check_match "  ... naming the cause: unsigned, another user's process" \
	"patch 'fix' is unsigned, and process $U_PID \\(calc\\) needs a signature by a trusted key: it belongs to another user \\(uid 65534" "$OUT"
check_match "  ... and what to do" "suture sign FILE --key KEY" "$OUT"
untouched "$U_PID" "$U_PORT" "after the refusal"
audit_has "  ... audit: the refusal" \
	"apply patch=fix .*signer=unsigned pid=$U_PID .*result=refused why=\"refused: patch 'fix' is unsigned"
check "nobody applies the unsigned patch to their own process" \
	"${NB[@]}" "$UDIR/suture" apply "$U_PID" "$UDIR/unsigned.sut"
check_ask "  ... which runs the new code" "$U_PORT" "calc 5" "$(model_sum new 5)"
audit_has "  ... audit: user nobody" \
	"apply patch=fix .*pid=$U_PID .*user=nobody\\(65534\\) result=applied"
check "  ... and reverts it" "${NB[@]}" "$UDIR/suture" revert "$U_PID"

section "policy: signed patches"
check_match "info shows the signer, untrusted for now" \
	"^signer: +$fpr \\(ops team <ops@example.org>\\), not a trusted key here" \
	"$(suture info "$UDIR/signed.sut")"
check_fails "a patch signed by a key not in /etc/suture/keys is refused" \
	suture apply "$U_PID" "$UDIR/signed.sut"
check_match "  ... naming the key's fingerprint" \
	"is signed by an unknown key, $fpr \\(ops team" "$OUT"
untouched "$U_PID" "$U_PORT" "after the refusal"
install -m 644 "$UDIR/ops.pub" /etc/suture/keys/ops.pub
check_match "info: now a trusted key" \
	"^signer: +$fpr \\(ops team <ops@example.org>\\), a trusted key" \
	"$(suture info "$UDIR/signed.sut")"
js=$(suture info --json "$UDIR/signed.sut")
check_eq "info --json: the signer's fingerprint, name, trusted" \
	"$fpr|ops team <ops@example.org>|1" \
	"$(json_get "$js" 'join "|", map { $j->{signer}{$_} } qw(fingerprint name trusted)')"
check_eq "info --json: null signer for an unsigned patch" null \
	"$(json_get "$(suture info --json "$UDIR/unsigned.sut")" \
		'exists $j->{signer} && !defined $j->{signer} ? "null" : "?"')"
check_fails "a patch signed by another unknown key is still refused" \
	suture apply "$U_PID" "$UDIR/stranger.sut"
check_match "  ... naming that key's fingerprint" \
	"signed by an unknown key, $stranger \\(mallory\\)" "$OUT"
audit_has "  ... audit: the refusal names the signer" \
	"apply patch=fix .*signer=\"$stranger \\(mallory\\) untrusted\" pid=$U_PID .*result=refused"
check "root applies the trusted-signed patch to nobody's process" \
	suture apply "$U_PID" "$UDIR/signed.sut"
check_ask "  ... which runs the new code" "$U_PORT" "calc 5" "$(model_sum new 5)"
audit_has "  ... audit: the signer, trusted" \
	"apply patch=fix id=$id .*signer=\"$fpr \\(ops team <ops@example.org>\\) trusted\" pid=$U_PID .*result=applied"
check_fails "apply --replace of it by the unsigned patch is refused" \
	suture apply "$U_PID" "$UDIR/unsigned.sut" --replace
check_match "  ... as unsigned" "patch 'fix' is unsigned" "$OUT"
audit_has "  ... audit: a refused replace" \
	"replace patch=fix .*signer=unsigned pid=$U_PID .*result=refused"
check "apply --replace by the signed patch" \
	suture apply "$U_PID" "$UDIR/signed.sut" --replace
audit_has "  ... audit: the replace" \
	"replace patch=fix .*trusted\" pid=$U_PID .*result=applied"
check "  ... and reverts it" suture revert "$U_PID"
run suture apply "$R_PID,$U_PID" "$UDIR/unsigned.sut"
check_eq "one apply to root's and nobody's process: exit status 1" 1 "$RC"
check_match "  ... nobody's refused" "process $U_PID \\(calc\\) needs a signature" "$OUT"
check_ask "  ... root's patched" "$R_PORT" "calc 5" "$(model_sum new 5)"
untouched "$U_PID" "$U_PORT" "  ... nobody's"
check "  ... root's reverted" suture revert "$R_PID"

section "bad signatures"
sz=$(stat -c %s "$UDIR/signed.sut")
# flip FILE OFFSET - change one byte of FILE.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
for what in "its code:200" "the signature:$((sz - 60))" "the key's name:$((sz - 18))"; do
	cp "$UDIR/signed.sut" "$UDIR/bad.sut"
	flip "$UDIR/bad.sut" "${what##*:}"
	check_fails "a signed patch with a byte of ${what%%:*} changed is refused" \
		suture apply "$U_PID" "$UDIR/bad.sut"
	check_match "  ... as a bad signature" "bad.sut has a bad signature: its contents are not what key" "$OUT"
done
untouched "$U_PID" "$U_PORT" "after the bad signatures"
audit_has "  ... audit: the refusal" \
	"apply patch=\\? .*file=\"$UDIR/bad.sut\" .*pid=$U_PID .*result=refused why=\".*bad signature"
head -c "$(stat -c %s "$UDIR/unsigned.sut")" "$UDIR/signed.sut" \
	>"$UDIR/stripped.sut"
check_fails "the signature cut off: refused as unsigned" \
	suture apply "$U_PID" "$UDIR/stripped.sut"
check_match "  ... as unsigned" "patch 'fix' is unsigned" "$OUT"

section "the configuration must be root's alone"
chmod 777 /etc/suture/keys
check_fails "a keys directory others may write: refused" \
	suture apply "$U_PID" "$UDIR/signed.sut"
check_match "  ... naming it" "/etc/suture/keys is writable by group or others" "$OUT"
chmod 755 /etc/suture/keys
chown 65534 /etc/suture/keys/ops.pub
check_fails "a key file of another user: refused" \
	suture apply "$U_PID" "$UDIR/signed.sut"
check_match "  ... naming it" "/etc/suture/keys/ops.pub belongs to uid 65534, not root" "$OUT"
chown 0 /etc/suture/keys/ops.pub
untouched "$U_PID" "$U_PORT" "after the unsafe configurations"
printf '# ours\nown-processes = trusted\n' >/etc/suture/policy
check_fails "own-processes = trusted: an unsigned patch for root's own process is refused" \
	suture apply "$R_PID" "$UDIR/unsigned.sut"
check_match "  ... naming the rule" "patch 'fix' is unsigned, .*/etc/suture/policy says own-processes = trusted" "$OUT"
untouched "$R_PID" "$R_PORT" "after the refusal"
printf 'other-users = sometimes\n' >/etc/suture/policy
check_fails "a policy line not understood: refused" \
	suture apply "$R_PID" "$UDIR/signed.sut"
check_match "  ... naming the line" "/etc/suture/policy line 1 is not understood" "$OUT"
rm /etc/suture/policy
check_fails "SUTURE_* or XDG variables do not loosen the policy" \
	env SUTURE_ETC=/tmp XDG_CONFIG_HOME=/tmp SUTURE_POLICY=/dev/null \
	"$SUTURE" apply "$U_PID" "$UDIR/unsigned.sut"
check_match "  ... still unsigned and refused" "patch 'fix' is unsigned" "$OUT"

section "suture build --sign"
check_fails "build --sign with a key that is not there fails before building" \
	suture build --src "$SRC" --patch "$TARGETS/calc/fix.diff" --binary calc \
	-o "$UDIR/never.sut" --sign "$UDIR/nokey" -- make "${MAKEARGS[@]}"
check_match "  ... naming the key" "suture build: cannot open $UDIR/nokey" "$OUT"
check_eq "  ... and writes no patch" no "$([ -e "$UDIR/never.sut" ] && echo yes || echo no)"
BUILD_OPTS=(--sign "$UDIR/ops")
build_patch "$UDIR/built.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}"
BUILD_OPTS=()
check_match "  ... says it signed it" "signed $UDIR/built.sut with key $fpr" "$OUT"
chmod 644 "$UDIR/built.sut"
check_match "  ... info shows the signer" "^signer: +$fpr \\(ops team" \
	"$(suture info "$UDIR/built.sut")"

section "least privilege"
# A dedicated operator (uid 64999, in no group) patches root's threaded
# calc with the signed patch.  CAP_SYS_PTRACE grants ptrace access; the
# target's /proc/PID/mem is mode 0600 of root, so opening it needs
# CAP_DAC_OVERRIDE too.  Each missing one is named.
# op CAPS - setpriv for the operator holding exactly CAPS ("" for none).
op() {
	local c=${1:+,+${1//,/,+}}
	echo setpriv --reuid=64999 --regid=64999 --clear-groups \
		--inh-caps=-all$c --ambient-caps=-all$c --bounding-set=-all$c
}
read -ra OP <<<"$(op sys_ptrace,dac_override)"
read -ra PT <<<"$(op sys_ptrace)"
read -ra NOCAP <<<"$(op "")"
check_eq "the operator holds CAP_SYS_PTRACE and CAP_DAC_OVERRIDE alone" \
	0000000000080002 \
	"$("${OP[@]}" awk '/^CapEff/ {print $2}' /proc/self/status)"
check_eq "  ... as uid 64999" 64999 "$("${OP[@]}" id -u)"
check "the operator applies the signed patch to root's process" \
	"${OP[@]}" "$UDIR/suture" apply "$T_PID" "$UDIR/built.sut"
for n in 5 100; do
	check_ask "  ... which runs the new code (calc $n)" "$T_PORT" "calc $n" \
		"$(model_sum new "$n")"
done
audit_has "  ... audit: the operator's uid" \
	"apply patch=fix .*pid=$T_PID .*user=\\?\\(64999\\) result=applied"
check "  ... shows it in status" "${OP[@]}" "$UDIR/suture" status "$T_PID"
check_match "  ... which names it" "1\\. fix" "$OUT"
check "  ... replaces it (apply --replace)" \
	"${OP[@]}" "$UDIR/suture" apply "$T_PID" "$UDIR/built.sut" --replace
check_ask "  ... still the new code" "$T_PORT" "calc 5" "$(model_sum new 5)"
check "  ... and reverts it" "${OP[@]}" "$UDIR/suture" revert "$T_PID"
for n in 5 100; do
	check_ask "  ... the old code is back (calc $n)" "$T_PORT" "calc $n" \
		"$(model_sum old "$n")"
done
check_eq "  ... and no suture region is left" "" "$(suture_maps "$T_PID")"
audit_has "  ... audit: the revert" \
	"revert patch=fix .*signer=unrecorded pid=$T_PID .*user=\\?\\(64999\\) result=reverted"
# A thread held inside compute_held(), which busy.diff replaces: suture
# would wait for it to return with a hardware breakpoint whose signal
# (F_SETOWN) the kernel sends only for root or the target's own user.
BUILD_OPTS=(--sign "$UDIR/ops")
build_patch "$UDIR/busy.sut" "$SRC" "$TARGETS/calc/busy.diff" calc \
	"${MAKEARGS[@]}"
BUILD_OPTS=()
chmod 644 "$UDIR/busy.sut"
ask "$T_PORT" "hold 1" >"$WORK/held" &
held=$!
is_holding() { ask "$T_PORT" holding | grep -q '^holding=1'; }
wait_until "a request is held inside compute_held()" is_holding
tid=$(ask "$T_PORT" holding | sed -n 's/.*tid=//p')
check_fails "the operator's apply waiting for a thread is refused" \
	"${OP[@]}" "$UDIR/suture" apply "$T_PID" "$UDIR/busy.sut" --timeout 2
check_match "  ... naming the thread and why it cannot wait" \
	"thread $tid is inside a function the patch replaces: suture waits for it with a hardware breakpoint whose signal the kernel delivers only from root or the process's own user \\(uid 0\\), and suture runs as uid 64999" "$OUT"
ask "$T_PORT" release >/dev/null
wait "$held"
check_eq "  ... the held request is answered" 1 "$(grep -c . "$WORK/held")"
check_ask "  ... and the process runs the old code" "$T_PORT" "calc 5" \
	"$(model_sum old 5)"
check_fails "the operator's unsigned patch for root's process is refused" \
	"${OP[@]}" "$UDIR/suture" apply "$T_PID" "$UDIR/unsigned.sut"
check_match "  ... by the policy" "patch 'fix' is unsigned" "$OUT"
check_fails "with CAP_SYS_PTRACE alone the operator is refused" \
	"${PT[@]}" "$UDIR/suture" apply "$T_PID" "$UDIR/built.sut"
check_match "  ... naming CAP_DAC_OVERRIDE and /proc/PID/mem" \
	"holds CAP_SYS_PTRACE, but the process's /proc/PID/mem is mode 0600 of its owner \\(uid 0\\) and opening it needs CAP_DAC_OVERRIDE too" "$OUT"
check_fails "without capabilities the operator is refused" \
	"${NOCAP[@]}" "$UDIR/suture" apply "$T_PID" "$UDIR/built.sut"
check_match "  ... naming the missing capability and the owner" \
	"belongs to user root \\(uid 0\\) and suture runs as uid 64999 without CAP_SYS_PTRACE" "$OUT"
untouched "$T_PID" "$T_PORT" "after the refusals"
audit_has "  ... audit: the failure" \
	"apply patch=fix .*pid=$T_PID .*user=\\?\\(64999\\) result=failed why=\".*without CAP_SYS_PTRACE"

section "audit: the user's name, as the name service gives it"
# suture reads /etc/passwd itself when nsswitch.conf asks "files" first,
# and getpwuid otherwise (src/trust/username.h).  /etc is this test's
# overlay: both files may be changed here.  nss-systemd names root and
# nobody whatever the password file says.
cp /etc/passwd "$WORK/passwd" && cp /etc/nsswitch.conf "$WORK/nsswitch"
{
	echo 'toor:x:0:0:another name of uid 0:/root:/bin/bash'
	grep -v '^nobody:' "$WORK/passwd"
} >/etc/passwd
echo 'passwd: files systemd' >/etc/nsswitch.conf
# audit_user WHAT NAME UID [USER...] - USER (root if none) applies the
# unsigned patch to its own process and reverts it; the line names NAME.
audit_user() {
	local what=$1 name=$2 uid=$3 pid=$R_PID
	shift 3
	[ "$uid" = 0 ] || pid=$U_PID
	: >"$LOG"
	check "$what: the apply" "$@" "$UDIR/suture" apply "$pid" \
		"$UDIR/unsigned.sut"
	audit_has "  ... audit: user=$name($uid)" \
		"apply patch=fix .*pid=$pid .*user=$name\\($uid\\) result=applied"
	"$@" "$UDIR/suture" revert "$pid" >/dev/null
}
if [ "$(getent passwd 65534 | cut -d: -f1)" != nobody ]; then
	echo "# skipped: no name service names nobody without /etc/passwd"
	echo "# (nss-systemd, package libnss-systemd)"
else
	audit_user "files first" toor 0
	audit_user "a user the password file lacks" nobody 65534 "${NB[@]}"
	echo 'passwd: systemd files' >/etc/nsswitch.conf
	audit_user "another source first" root 0
fi
cp "$WORK/passwd" /etc/passwd && cp "$WORK/nsswitch" /etc/nsswitch.conf
finish
