#!/bin/bash
# t-failures.sh - what must be refused, with a clear message, leaving the
# target running and answering as before:
#   busy      a thread is inside a replaced function: apply --timeout 1
#             fails naming the function and the thread, and works once the
#             thread has left; the same for revert
#   file      a corrupted, truncated, padded, empty or foreign patch file
#   build-id  a patch built for another build of the program
#   pid       no such process, a zombie, a thread id, suture itself, the
#             calling shell, a process traced by someone else, bad numbers
#   cli       missing or malformed arguments
#   users     an unprivileged user patches their own process but not
#             root's
#   build     a diff changing a variable's initializer, a diff changing no
#             code, a diff that does not apply, a build that does not
#             reproduce the running binary, a wrong --binary
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin failures

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
start_target C "$SRC/calc" -t || finish
pid=$C_PID port=$C_PORT
build_patch "$WORK/busy.sut" "$SRC" "$TARGETS/calc/busy.diff" calc \
	"${MAKEARGS[@]}"
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}"
busy=$(patch_name "$WORK/busy.sut")

# untouched WHEN - the target is as it was: answers, old code, no patch.
untouched() {
	check_alive "$1: the target still runs" "$pid" "$port"
	check_feature "$port" fix old "$1"
	check_status "$pid" "$1"
	check_eq "$1: no suture region in the target" "" "$(suture_maps "$pid")"
}
holding() { ask "$port" holding | sed -n 's/^holding=\([0-9]*\).*/\1/p'; }
is_holding() { [ "$(holding)" = "$1" ]; }

section "busy: a thread waits inside compute_held()"
ask "$port" "hold 4" >"$WORK/held1" &
held=$!
wait_until "a request is held inside compute_held" is_holding 1
tid=$(ask "$port" holding | sed -n 's/.*tid=//p')
check_fails "apply --timeout 1 fails while a thread is inside" \
	suture apply "$pid" "$WORK/busy.sut" --timeout 1
check_match "  ... naming the function" "compute_held" "$OUT"
check_match "  ... naming the thread ($tid)" "\\b$tid\\b" "$OUT"
check_eq "the held request is still held" 1 "$(holding)"
check_ask "other requests are answered meanwhile" "$port" "calc 5" \
	"$(model_sum old 5)"
CALC_CALLS=$((CALC_CALLS + 1))
untouched "after the refused apply"

section "pid: a thread id instead of the process id"
check_fails "apply to thread $tid is refused" \
	suture apply "$tid" "$WORK/busy.sut"
check_match "  ... saying it is a thread of $pid" "thread of process $pid" "$OUT"

section "busy: the thread leaves, apply works"
check_ask "release the held request" "$port" release released
wait "$held"
check_eq "the held request got the old answer" 9 "$(cat "$WORK/held1")"
check "apply --timeout 1 works now" \
	suture apply "$pid" "$WORK/busy.sut" --timeout 1
ask "$port" "hold 4" >"$WORK/held2" &
held=$!
wait_until "a new request is held, in the new code" is_holding 1
check_fails "revert --timeout 1 fails while a thread is in the new code" \
	suture revert "$pid" --timeout 1
check_match "  ... naming the function" "compute_held" "$OUT"
check_status "$pid" "after the refused revert" "$busy"
check_ask "release it" "$port" release released
wait "$held"
check_eq "it got the new answer" 10 "$(cat "$WORK/held2")"
check "revert works now" suture revert "$pid" --timeout 1
ask "$port" "hold 4" >"$WORK/held3" &
held=$!
poll is_holding 1
ask "$port" release >/dev/null
wait "$held"
check_eq "after revert the old answer again" 9 "$(cat "$WORK/held3")"
untouched "after the busy tests"

section "file: damaged patch files are refused before anything happens"
size=$(stat -c %s "$WORK/fix.sut")
cp "$WORK/fix.sut" "$WORK/corrupt.sut"
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N1 "$WORK/corrupt.sut" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 0x55)))" |
	dd of="$WORK/corrupt.sut" bs=1 seek="$off" conv=notrunc status=none
check_eq "one byte differs in corrupt.sut" 1 \
	"$(cmp -l "$WORK/fix.sut" "$WORK/corrupt.sut" | wc -l)"
check_fails "apply corrupt.sut is refused" \
	suture apply "$pid" "$WORK/corrupt.sut"
check_match "  ... as corrupted" "corrupt" "$OUT"
untouched "after corrupt.sut"
head -c $((size - 100)) "$WORK/fix.sut" >"$WORK/truncated.sut"
check_fails "apply truncated.sut is refused" \
	suture apply "$pid" "$WORK/truncated.sut"
check_match "  ... as truncated" "truncated" "$OUT"
untouched "after truncated.sut"
{ cat "$WORK/fix.sut"; echo junk; } >"$WORK/padded.sut"
check_fails "apply padded.sut (bytes added) is refused" \
	suture apply "$pid" "$WORK/padded.sut"
check_match "  ... as truncated or padded" "truncated|padded|not a suture" "$OUT"
: >"$WORK/empty.sut"
check_fails "apply an empty file is refused" \
	suture apply "$pid" "$WORK/empty.sut"
check_match "  ... as not a patch" "not a suture patch|truncated|empty" "$OUT"
check_fails "apply the program binary as a patch is refused" \
	suture apply "$pid" "$SRC/calc"
check_match "  ... as not a patch" "not a suture patch" "$OUT"
check_fails "apply a missing file is refused" \
	suture apply "$pid" "$WORK/no-such.sut"
check_match "  ... naming it" "no-such.sut" "$OUT"
untouched "after the damaged files"

section "build-id: a patch for another build of the program"
OTHER=$WORK/calc-O1
calc_build "$OTHER" CC=gcc "CFLAGS=-O1 -g"
check_ne "the -O1 build has another build-id" "$(build_id "$SRC/calc")" \
	"$(build_id "$OTHER/calc")"
start_target O "$OTHER/calc"
check_fails "apply the -O2 patch to the -O1 process is refused" \
	suture apply "$O_PID" "$WORK/fix.sut"
check_match "  ... because of the build-id" "build-id" "$OUT"
check_match "  ... giving the patch's build-id" "$(build_id "$SRC/calc")" "$OUT"
check_ask "the -O1 process still runs its own code" "$O_PORT" "calc 5" \
	"$(model_sum old 5)"
check_status "$O_PID" "the -O1 process"
stop_target "$O_PID"

section "pid: processes that cannot be patched"
sleep 0 &
gone=$!
wait "$gone"
check_fails "apply to an exited process ($gone)" \
	suture apply "$gone" "$WORK/fix.sut"
check_match "  ... no such process" "no process" "$OUT"
check_fails "status of an exited process" suture status "$gone"
check_match "  ... no such process" "no process" "$OUT"
check_fails "revert in an exited process" suture revert "$gone"
check_match "  ... no such process" "no process" "$OUT"

# A child that exits only once its parent has become `sleep` (which never
# reaps it), so it is sure to stay a zombie.
bash -c 'p=$$
	(while [ "$(cat /proc/$p/comm)" != sleep ]; do sleep 0.01; done) &
	echo $! >"$1"
	exec sleep 300' zombie "$WORK/zombie" &
PIDS+=($!)
poll test -s "$WORK/zombie"
zombie=$(cat "$WORK/zombie")
wait_until "process $zombie is a zombie" \
	grep -q '^State:.*Z' "/proc/$zombie/status"
check_fails "apply to a zombie" suture apply "$zombie" "$WORK/fix.sut"
check_match "  ... saying it is a zombie" "zombie" "$OUT"

check_fails "apply to the calling shell (bash, not calc)" \
	suture apply "$$" "$WORK/fix.sut"
check_match "  ... because it lacks the binary" "build-id" "$OUT"
check_eq "the shell lives on" ok "$(echo ok)"
run bash -c 'exec "$1" apply $$ "$2"' self "$SUTURE" "$WORK/fix.sut"
check_ne "apply to suture's own PID fails" 0 "$RC"
check_match "  ... saying it is suture itself" "itself" "$OUT"
for bad in 0 -3 abc 12x; do
	check_fails "apply to PID '$bad' is refused" \
		suture apply "$bad" "$WORK/fix.sut"
	check_match "  ... naming it" "$bad|usage" "$OUT"
done

cc -o "$WORK/tracer" "$TARGETS/tracer/tracer.c"
"$WORK/tracer" "$pid" "$WORK/traced" >"$WORK/tracer.log" 2>&1 &
tracer=$!
PIDS+=("$tracer")
if wait_until "a tracer holds the target" test -e "$WORK/traced"; then
	check_fails "apply to a traced process is refused" \
		suture apply "$pid" "$WORK/fix.sut"
	check_match "  ... naming the tracer" "traced by process $tracer" "$OUT"
fi
stop_target "$tracer"
poll bash -c "grep -q '^TracerPid:[[:space:]]*0$' /proc/$pid/status"
untouched "after the bad PIDs"

section "cli: bad arguments are usage errors (exit status 2)"
for args in "apply $pid" "apply" "revert" "status" "info" "frobnicate" \
	"apply $pid $WORK/fix.sut --timeout abc" \
	"apply $pid $WORK/fix.sut --timeout -1" \
	"build --patch $TARGETS/calc/fix.diff --binary calc"; do
	# shellcheck disable=SC2086
	run "$SUTURE" $args
	check_eq "suture $args: exit status 2" 2 "$RC"
	check_match "  ... with a usage or a reason" "usage|abc|-1|unknown|--src" "$OUT"
done
untouched "after the bad arguments"

section "users: a user patches their own process, not root's"
# Everything the unprivileged user needs goes to a directory under /tmp,
# since the checkout may sit where nobody cannot look.
NB=(setpriv --reuid=65534 --regid=65534 --clear-groups)
UDIR=$(mktemp -d /tmp/suture-nobody.XXXXXX)
trap 'cleanup; rm -rf "$UDIR"' EXIT
cp "$SUTURE" "$SRC/calc" "$WORK/fix.sut" "$UDIR/"
chmod 755 "$UDIR" "$UDIR/suture" "$UDIR/calc"
chmod 644 "$UDIR/fix.sut"
WORK_SAVED=$WORK
WORK=$UDIR
chmod 777 "$UDIR"
start_target U "${NB[@]}" "$UDIR/calc"
WORK=$WORK_SAVED
check_eq "the target runs as nobody" nobody "$(stat -c %U "/proc/$U_PID")"
check "nobody applies a patch to their own process" \
	"${NB[@]}" "$UDIR/suture" apply "$U_PID" "$UDIR/fix.sut"
check_ask "  ... which runs the new code" "$U_PORT" "calc 5" \
	"$(model_sum new 5)"
check "nobody reverts it" "${NB[@]}" "$UDIR/suture" revert "$U_PID"
check_ask "  ... and the old code is back" "$U_PORT" "calc 5" \
	"$(model_sum old 5)"
stop_target "$U_PID"
check_fails "nobody cannot patch root's process" \
	"${NB[@]}" "$UDIR/suture" apply "$pid" "$UDIR/fix.sut"
check_match "  ... and is told it belongs to another user" \
	"another user|not permitted|permission" "$OUT"
untouched "after the user tests"

section "build: refusals"
tree_sum() { (cd "$SRC" && find . -type f -print0 | sort -z | xargs -0 md5sum); }
sum0=$(tree_sum)
sb() { # sb DIFF [BINARY] [MAKEARGS...] - suture build, expected to fail
	local d=$1 b=${2:-calc}
	shift
	[ $# -gt 0 ] && shift
	[ $# -eq 0 ] && set -- "${MAKEARGS[@]}"
	rm -f "$WORK/refused.sut"
	check_fails "suture build $(basename "$d") --binary $b is refused" \
		suture build --src "$SRC" --patch "$d" --binary "$b" \
		-o "$WORK/refused.sut" -- make "$@"
	check_eq "  ... and writes no patch file" no \
		"$([ -e "$WORK/refused.sut" ] && echo yes || echo no)"
}
sb "$TARGETS/calc/initvar.diff"
check_match "  ... naming the variable" "max_items" "$OUT"
check_match "  ... and the initializer" "initiali[sz]er" "$OUT"
sb "$TARGETS/calc/comment.diff"
check_match "  ... saying no code changes" "no code|nothing|no function" "$OUT"
sb "$TARGETS/shlib/foo.diff"
check_match "  ... saying the diff does not apply" "patch|apply|foo.c" "$OUT"
sb "$TARGETS/calc/fix.diff" calc CC=gcc "CFLAGS=-O1 -g"
check_match "  ... saying the rebuild does not match the binary" \
	"does not match|differ" "$OUT"
check_match "  ... counting the functions that match" \
	"[0-9]+ of [0-9]+ functions match, [1-9][0-9]* differ" "$OUT"
check_match "  ... with the first differing instructions of one" \
	"^ +[0-9a-f]+: +[a-z]+.*\\| +[0-9a-f]+: +[a-z]+" "$OUT"
check_match "  ... naming the flags from the DWARF producers" \
	"likely cause: other compiler flags: only in the target: -O2; only in the rebuild: -O1" \
	"$OUT"
sb "$TARGETS/calc/fix.diff" no-such-binary
check_match "  ... naming the missing binary" "no-such-binary" "$OUT"
check_eq "the refused builds left the source tree as it was" "$sum0" \
	"$(tree_sum)"
untouched "at the end"
finish
