#!/bin/bash
# t-persist.sh - patches that last (README: suture enable): the enabled-
# patch store, the preload library that gives processes started later their
# enabled patches, and what status and drift say about a process that runs
# a build with an enabled patch it lacks.
#   trust     an unsigned patch is refused by enable (the other-users rule);
#             a signed one is stored
#   at start  with the preload listed, calc started after enable answers
#             the fixed way from its first request; an empty store and a
#             process with no enabled build: nothing happens
#   lacking   without the preload: status and drift (text, --json, exit 1)
#             say the enabled patch is NOT applied; apply --enabled fixes it
#   exec      calc re-execs itself on SIGUSR2 (nginx's binary upgrade):
#             the new image gets the patch; without the preload status and
#             drift say it lacks it; the file on disk replaced by the fixed
#             build: the new image needs and gets nothing, the old process
#             is told the file on disk is now the fixed build, and enable
#             --target on it says so and stores nothing
#   disable   new processes no longer get it
#   static    a static calc with an enabled patch: old code, reported,
#             patched by apply --enabled
#   library   libfoo.so's patch enabled: two programs started after, both
#             mapping it, run its fixed code
#   users     nobody's calc gets the patch from its own suture; a setuid
#             calc (AT_SECURE) and one under a seccomp filter that kills on
#             fork are left alone (the fork could kill it) and reported
#   hang      a suture that never returns: the program starts anyway
#   damage    a corrupted copy, an untrusted signer, a store others may
#             write: refused by name, the process starts and runs normally
#   audit     enable (refused, enabled), disable, and the applies at start
#             (applied, refused) are in the audit trail
#   yama      in a guest with Debian's kernel: with ptrace_scope 1 nobody's
#             program is patched by the suture it starts, which it names
#             as its tracer (PR_SET_PTRACER); with 2 it starts unpatched
# Everything runs in a private mount namespace: /etc, /var, /usr and /dev
# are overlays, so the test's /etc/ld.so.preload, /etc/suture,
# /var/lib/suture, installed suture and /dev/log exist only here.
if [ "${1-}" != --in-private-mounts ]; then
	exec unshare --mount --propagation private -- "$BASH" "$0" \
		--in-private-mounts
fi
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin persist

# row_of PID TEXT - the lines `suture status --all` gave process PID.
row_of() {
	awk -v p="process $1 " 'index($0, p) == 1 { on = 1; print; next }
		/^process |^[0-9]+ process/ { on = 0 } on' <<<"$2"
}

section "a private /etc, /var, /usr and /dev/log; suture installed there"
private_overlay etc var usr dev || finish
syslog_sink || finish
PRELOAD=$ROOT/build/libsuture-preload.so
# The paths the build compiled in (PREFIX): where suture's preload runs
# suture from, and where suture says the preload library is.
BIN=$(strings -a "$PRELOAD" | grep -m1 '/bin/suture$')
LIB=$(suture enable --list | sed -n 's/^at start: .* list[s]* //p')
check_match "suture and the preload name each other's installed paths" \
	'^/.*/bin/suture /.*/libsuture-preload\.so$' "$BIN $LIB"
install -D -m 755 "$SUTURE" "$BIN" && install -D -m 644 "$PRELOAD" "$LIB" ||
	finish
rm -rf /var/lib/suture /etc/suture /etc/ld.so.preload
mkdir -p /etc/suture/keys && chmod 755 /etc/suture /etc/suture/keys

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" || finish
ID=$(suture info "$WORK/fix.sut" | awk '$1 == "id:" {print $2}')
BID=$(build_id "$SRC/calc")
# The installed program the processes run, as a package would put it.
INST=$WORK/inst/calc
install -D -m 755 "$SRC/calc" "$INST"
OLD=$(model_sum old 10) NEW=$(model_sum new 10)

section "trust: what enable takes"
check_fails "enable refuses an unsigned patch" suture enable "$WORK/fix.sut"
check_match "  ... because an enabled patch goes into other users' processes" \
	"refused: patch 'fix' is unsigned, and an enabled patch goes into every process started from its build, other users' included" "$OUT"
check_eq "  ... and stores nothing" "" "$(cat /var/lib/suture/enabled/index 2>/dev/null)"
audit_has "  ... audit: the refusal" \
	"enable patch=fix id=$ID .*signer=unsigned .*result=refused why=.*is unsigned"
check "suture keygen" suture keygen "$WORK/ops" --name ops
install -m 644 "$WORK/ops.pub" /etc/suture/keys/ops.pub
cp "$WORK/fix.sut" "$WORK/fix-signed.sut"
check "suture sign" suture sign "$WORK/fix-signed.sut" --key "$WORK/ops"
check "enable takes the patch signed by a trusted key" \
	suture enable "$WORK/fix-signed.sut"
check_match "  ... and says nothing applies it at start yet" \
	"does not list .*libsuture-preload.so: nothing applies enabled patches when a process starts" "$OUT"
audit_has "  ... audit: enabled, the signer trusted" \
	"enable patch=fix id=$ID .*signer=\"ed25519:.* trusted\" .*result=enabled"
check_eq "the index has its line" "$BID $ID fix" \
	"$(cat /var/lib/suture/enabled/index)"
check "  ... and its copy is the signed file" \
	cmp "$WORK/fix-signed.sut" "/var/lib/suture/enabled/$ID.sut"
check_eq "  ... root's, not writable by others" "0 644 0 755" \
	"$(stat -c '%u %a' /var/lib/suture/enabled/index \
		/var/lib/suture/enabled | tr '\n' ' ' | sed 's/ $//')"

section "at start: the preload library"
check "enable --at-start lists the library in /etc/ld.so.preload" \
	suture enable --at-start
check_eq "  ... once" "$LIB" "$(cat /etc/ld.so.preload)"
start_target A "$INST" || finish
check_ask "calc started after enable answers the fixed way at once" \
	"$A_PORT" "calc 10" "$NEW"
check_status "$A_PID" "started after enable" fix
audit_has "  ... audit: applied from the store at its start" \
	"apply patch=fix id=$ID file=\"/var/lib/suture/enabled/$ID.sut\" .*pid=$A_PID .*result=applied"
run suture status "$A_PID"
check_nomatch "  ... status names no enabled patch it lacks" "NOT applied" "$OUT"
run suture drift "$A_PID"
check_eq "  ... drift against its own file: exit 1 (it is patched)" 1 "$RC"
stop_target "$A_PID"
run /bin/true
check_eq "an unrelated program starts as usual, silent" "0 " "$RC $OUT"
# forks TRACE - the processes a program's start created (strace -f).
forks() { grep -cE '^[0-9]+ +(clone|clone3|fork|vfork)\(' "$1"; }
strace -f -o "$WORK/true.trace" /bin/true
check_eq "  ... and forks nothing: no build of it has an enabled patch" 0 \
	"$(forks "$WORK/true.trace")"
strace -f -o "$WORK/calc.trace" "$INST" 2>/dev/null
check_ne "  ... while calc's start does (it runs suture)" 0 \
	"$(forks "$WORK/calc.trace")"
mv /var/lib/suture/enabled/index "$WORK/index.off"
strace -f -o "$WORK/calc.trace" "$INST" 2>/dev/null
check_eq "with no index calc's start forks nothing" 0 \
	"$(forks "$WORK/calc.trace")"
mv "$WORK/index.off" /var/lib/suture/enabled/index

section "other users: nobody's process, a setuid program"
UDIR=$WORK/users
mkdir -p "$UDIR" && cp "$INST" "$UDIR/calc"
cp "$INST" "$UDIR/calc-suid" && chmod 4755 "$UDIR/calc-suid"
NB=(setpriv --reuid=65534 --regid=65534 --clear-groups)
WORK_SAVED=$WORK
WORK=$UDIR
chmod 777 "$UDIR"
start_target U "${NB[@]}" "$UDIR/calc" || finish
start_target S "${NB[@]}" "$UDIR/calc-suid" || finish
chmod 755 "$UDIR"
WORK=$WORK_SAVED
check_eq "nobody's calc runs as nobody" nobody "$(stat -c %U "/proc/$U_PID")"
check_ask "  ... and got the patch from its own suture at start" "$U_PORT" \
	"calc 10" "$NEW"
check_eq "the setuid calc runs as root for nobody" "65534 0" \
	"$(awk '/^Uid:/ {print $2, $3}' "/proc/$S_PID/status")"
check_match "  ... with the preload library loaded" "libsuture-preload" \
	"$(cat "/proc/$S_PID/maps")"
check_ask "  ... which leaves it alone (AT_SECURE): old code" "$S_PORT" \
	"calc 10" "$OLD"
run suture status "$S_PID"
check_match "  ... and status says it lacks the enabled patch" \
	"enabled patch fix \($ID\) is NOT applied to this process" "$OUT"
stop_target "$U_PID"
stop_target "$S_PID"

section "a seccomp filter: the fork could be fatal, so no fork"
# nofork PROGRAM ARGS... - run PROGRAM under a seccomp filter that kills
# the process on any fork (clone, clone3, fork, vfork), as a unit's
# SystemCallFilter= can.
cat >"$WORK/nofork.c" <<'C'
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#define KILL_ON(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		KILL_ON(SYS_clone), KILL_ON(SYS_clone3), KILL_ON(SYS_fork),
		KILL_ON(SYS_vfork),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(*f), f};

	if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 125;
	execv(argv[1], argv + 1);
	return 126;
}
C
gcc -O2 -o "$WORK/nofork" "$WORK/nofork.c" || finish
start_target K "$WORK/nofork" "$INST" || finish
check_ask "calc under a filter that kills on fork starts: old code" \
	"$K_PORT" "calc 10" "$OLD"
run suture status "$K_PID"
check_match "  ... and status says it lacks the enabled patch" \
	"enabled patch fix \($ID\) is NOT applied to this process" "$OUT"
stop_target "$K_PID"

section "a suture that never returns"
mv "$BIN" "$BIN.real"
printf '#!/bin/sh\nexec sleep 987603\n' >"$BIN" && chmod 755 "$BIN"
start_target Z "$INST" || finish
check_ask "calc starts anyway, when the preload gives up on it: old code" \
	"$Z_PORT" "calc 10" "$OLD"
check_eq "  ... and the hung suture is gone" "" "$(pgrep -f 'sleep 987603')"
stop_target "$Z_PID"
mv "$BIN.real" "$BIN"

section "lacking: a process without the preload"
check "disable --at-start takes the library out" suture disable --at-start
check_eq "  ... and the file, which held nothing else, is gone" \
	"absent" "$(test -e /etc/ld.so.preload && echo present || echo absent)"
start_target B "$INST" || finish
check_ask "without the preload calc runs the old code" "$B_PORT" "calc 10" "$OLD"
run suture status "$B_PID"
check_match "status says the enabled patch is NOT applied, naming the build" \
	"enabled patch fix \($ID\) is NOT applied to this process \(it runs build $BID of $INST\)" "$OUT"
run suture drift "$B_PID"
check_eq "drift exits 1 for it" 1 "$RC"
check_match "  ... with the same line" \
	"enabled patch fix \($ID\) is NOT applied to this process" "$OUT"
check_eq "  ... and drift --json lists it as not applied, a drift" \
	"fix:0 drift:1" "$(json_get "$(suture drift "$B_PID" --json)" '
		join(",", map { "$_->{name}:" . ($_->{applied} ? 1 : 0) }
			@{$j->{enabled}}) . " drift:" . ($j->{drift} ? 1 : 0)')"
run suture status --all
check_match "status --all, no file given, lists it as patchable by the enabled patch" \
	"^  patchable: enabled \(patch 'fix' for $INST\)" "$(row_of "$B_PID" "$OUT")"
check "apply --enabled gives it" suture apply --enabled "$B_PID"
check_ask "  ... calc answers the fixed way" "$B_PORT" "calc 10" "$NEW"
run suture status --all
check_eq "  ... then status --all lists it as applied, no longer patchable" \
	"  applied:   fix ($(basename "$INST"))" "$(row_of "$B_PID" "$OUT" | sed 1d)"
run suture status "$B_PID"
check_nomatch "  ... and status no longer says it lacks it" "NOT applied" "$OUT"
check "a second apply --enabled has nothing to do" suture apply --enabled "$B_PID"
check_match "  ... and says so" "has every enabled patch for what it runs" "$OUT"

section "exec: calc re-execs itself on SIGUSR2, as nginx upgrades"
# upgrade VAR - send SIGUSR2 to $VAR_PID and wait for the new image's port.
upgrade() {
	local pid_var=${1}_PID
	rm -f "$WORK/$1.port"
	kill -USR2 "${!pid_var}"
	if poll test -s "$WORK/$1.port"; then
		printf -v "${1}_PORT" '%s' "$(cat "$WORK/$1.port")"
	else
		fail "the new image of $1 writes its port" "$(cat "$WORK/$1.log")"
		return 1
	fi
}
check "enable --at-start again" suture enable --at-start
start_target C "$INST" || finish
check_ask "calc started with the preload is fixed" "$C_PORT" "calc 10" "$NEW"
upgrade C || finish
check_ask "after its exec the new image is fixed from its first request" \
	"$C_PORT" "calc 10" "$NEW"
check_status "$C_PID" "after the exec" fix
suture disable --at-start >/dev/null
upgrade C || finish
check_ask "an exec without the preload runs the old code" "$C_PORT" \
	"calc 10" "$OLD"
run suture status "$C_PID"
check_match "  ... and status says it lacks the enabled patch" \
	"enabled patch fix \($ID\) is NOT applied to this process" "$OUT"
run suture drift "$C_PID"
check_eq "  ... and drift exits 1" 1 "$RC"

section "the fixed build on disk"
make_tree calc "$WORK/rel"
patch -sp1 -d "$WORK/rel" <"$TARGETS/calc/fix.diff"
build_tree "$WORK/rel" "${MAKEARGS[@]}" || finish
FIXED=$(build_id "$WORK/rel/calc")
check_ne "the fixed release is another build" "$BID" "$FIXED"
# as a package upgrade does: the new file renamed over the old one
cp "$WORK/rel/calc" "$INST.new" && mv "$INST.new" "$INST"
run suture status "$C_PID"
check_match "status of the old process: the file on disk is now the fixed build" \
	"$INST on disk is now build $FIXED \(not the one patch fix was made for\): processes started from it need no patch; restart or keep the patched ones" "$OUT"
suture enable --at-start >/dev/null
upgrade C || finish
check_ask "the upgraded image (the fixed build) answers the fixed way" \
	"$C_PORT" "calc 10" "$NEW"
check_status "$C_PID" "the upgraded image" ""
run suture status "$C_PID"
check_nomatch "  ... and status names no enabled patch for it" "enabled patch" "$OUT"
run suture drift "$C_PID"
check_eq "  ... drift against its own file: exit 0" 0 "$RC"
suture disable fix >/dev/null
run suture enable "$WORK/fix-signed.sut" --target "$INST"
check_eq "enable --target on the fixed file: exit 0" 0 "$RC"
check_match "  ... says the file on disk is now the fixed build" \
	"$INST on disk is now build $FIXED \(not the one patch fix was made for\)" "$OUT"
check_match "  ... and enables nothing" "^nothing enabled$" "$OUT"
check_eq "  ... the index is empty" "" "$(cat /var/lib/suture/enabled/index)"
cp "$SRC/calc" "$INST.new" && mv "$INST.new" "$INST"
check "enable --target on the original file stores it" \
	suture enable "$WORK/fix-signed.sut" --target "$INST"
check_eq "  ... with its path" "$BID $ID fix $INST" \
	"$(cat /var/lib/suture/enabled/index)"
check_fails "enable --target refuses a file of another name" \
	suture enable "$WORK/fix-signed.sut" --target /bin/true
check_match "  ... naming it" "/bin/true is not calc, the file patch 'fix' was made for" "$OUT"

section "disable"
check "disable fix" suture disable fix
audit_has "  ... audit: disabled" "disable patch=fix id=$ID .*result=disabled"
check_match "  ... says what happens to running processes" \
	"processes that have it keep it" "$OUT"
start_target D "$INST" || finish
check_ask "a process started after disable runs the old code" "$D_PORT" \
	"calc 10" "$OLD"
check_status "$D_PID" "after disable" ""
check_fails "disable of what is not enabled" suture disable fix
check_match "  ... names it" "no enabled patch is named or has the id 'fix'" "$OUT"
stop_target "$D_PID"

section "a library: every program that maps it gets its patch at start"
LSRC=$WORK/shlib
make_tree shlib "$LSRC"
build_tree "$LSRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/foo.sut" "$LSRC" "$TARGETS/shlib/foo.diff" libfoo.so \
	"${MAKEARGS[@]}" || finish
suture sign "$WORK/foo.sut" --key "$WORK/ops" >/dev/null
check "enable the patch of libfoo.so" suture enable "$WORK/foo.sut"
cp "$LSRC/app" "$LSRC/other-app"
start_target L "$LSRC/app" || finish
start_target M "$LSRC/other-app" || finish
check_ask "app, started after, runs libfoo's fixed code" "$L_PORT" "foo 3" 27
check_ask "  ... and so does another program mapping it" "$M_PORT" "foo 3" 27
check_status "$M_PID" "the other program" "$(patch_name "$WORK/foo.sut")"
stop_target "$L_PID"
stop_target "$M_PID"
suture disable "$(patch_name "$WORK/foo.sut")" >/dev/null

section "a static program: no dynamic linker, so reported, not patched at start"
SSRC=$WORK/static
calc_build "$SSRC" "${MAKEARGS[@]}" LDFLAGS=-static || finish
BUILD_OPTS=(--name static-fix)
build_patch "$WORK/static.sut" "$SSRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" LDFLAGS=-static || finish
BUILD_OPTS=()
suture sign "$WORK/static.sut" --key "$WORK/ops" >/dev/null
suture enable "$WORK/static.sut" >/dev/null
start_target T "$SSRC/calc" || finish
check_ask "static calc starts as always, old code" "$T_PORT" "calc 10" "$OLD"
run suture status "$T_PID"
check_match "  ... and status says it lacks the enabled patch" \
	"enabled patch static-fix \([0-9a-f]+\) is NOT applied to this process \(it runs build $(build_id "$SSRC/calc") of $SSRC/calc\)" "$OUT"
check "apply --enabled gives it" suture apply --enabled "$T_PID"
check_ask "  ... calc answers the fixed way" "$T_PORT" "calc 10" "$NEW"
stop_target "$T_PID"
suture disable static-fix >/dev/null

section "damage: what the store holds is checked, the process starts anyway"
suture enable "$WORK/fix-signed.sut" >/dev/null
copy=/var/lib/suture/enabled/$ID.sut
# one byte of it inverted
perl -e 'open(my $f, "+<", $ARGV[0]) or die; seek($f, 300, 0); read($f, my $b, 1);
	seek($f, 300, 0); print $f chr(ord($b) ^ 0xff)' "$copy"
start_target E "$INST" || finish
check_ask "with a corrupted copy calc starts and runs the old code" \
	"$E_PORT" "calc 10" "$OLD"
run suture enable --list
check_match "enable --list says the copy is refused" "fix \($ID\) .*REFUSED" "$OUT"
audit_has "  ... audit: refused at its start" \
	"apply patch=fix id=$ID .*pid=$E_PID .*result=refused why="
check_fails "apply --enabled refuses it" suture apply --enabled "$E_PID"
check_match "  ... naming the patch" "enabled patch 'fix' \($ID\)" "$OUT"
stop_target "$E_PID"
cp "$WORK/fix-signed.sut" "$copy"
mv /etc/suture/keys/ops.pub "$WORK/ops.pub.off"
start_target F "$INST" || finish
check_ask "with its signer no longer trusted calc runs the old code" \
	"$F_PORT" "calc 10" "$OLD"
check_fails "apply --enabled refuses it" suture apply --enabled "$F_PID"
check_match "  ... naming the unknown key" "is signed by an unknown key" "$OUT"
stop_target "$F_PID"
mv "$WORK/ops.pub.off" /etc/suture/keys/ops.pub
chmod 777 /var/lib/suture/enabled
start_target G "$INST" || finish
check_ask "with a store others may write calc runs the old code" \
	"$G_PORT" "calc 10" "$OLD"
check_fails "apply --enabled refuses the store" suture apply --enabled "$G_PID"
check_match "  ... naming it" "/var/lib/suture/enabled is writable by group or others" "$OUT"
run suture status "$G_PID"
check_match "status warns that it cannot check the enabled patches" \
	"warning: the enabled patches .* cannot be checked: .*writable by group or others" "$OUT"
chmod 755 /var/lib/suture/enabled
start_target H "$INST" || finish
check_ask "with the store fixed, a process started now is fixed" \
	"$H_PORT" "calc 10" "$NEW"

section "/etc/ld.so.preload: other lines are kept"
printf '/opt/other/libother.so\n' >/etc/ld.so.preload
suture enable --at-start >/dev/null 2>&1
check_eq "enable --at-start adds a line after the others" \
	"/opt/other/libother.so $LIB" "$(tr '\n' ' ' </etc/ld.so.preload | sed 's/ $//')"
suture disable --at-start >/dev/null 2>&1
check_eq "disable --at-start takes out only its own" \
	"/opt/other/libother.so" "$(cat /etc/ld.so.preload)"
rm -f /etc/ld.so.preload

section "Yama: a process that names its suture as its tracer (in a guest)"
# This kernel may lack Yama; Debian's has it.  The guest gets the store
# and the preload set up by its own suture (tests/kernel/checks/yama.sh).
echo "$BIN $LIB" >"$WORK/paths"
check "scripts/kernel-env makes Debian's kernel ready" "$ROOT/scripts/kernel-env"
[ "$RC" -eq 0 ] && guest yama.sh "$INST" "$WORK/fix-signed.sut" \
	"$WORK/ops.pub" "$PRELOAD" "$WORK/paths"

finish
