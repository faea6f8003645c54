#!/bin/bash
# t-edge.sh - situations a production process is found in:
#   stopped     a process stopped by SIGSTOP is patched and stays stopped;
#               once continued it runs the new code
#   deleted     the binary was deleted from disk after the process started
#               (an upgrade in progress): apply and revert still work
#   newvar      the patch brings new variables (a file static and an
#               initialised function-local static): they start from their
#               initial values and keep counting between calls
#   fork        the child of a patched process has the patch; parent and
#               child are reverted independently
#   tls         a diff that adds a thread-local variable: build refuses it,
#               saying why (t-tls: existing ones may be used)
#   ld.so       the program was started as `ld-linux-x86-64.so.2 ./calc`
#   static      a statically linked program (IFUNCs inside the binary)
#   signals     real-time signals arriving during apply/revert are not lost
#   parallel    two `suture apply` at once on one process: both end with a
#               clear result and the process runs exactly what status says
#   one command a program compiled and linked by one compiler call with
#               options that take a separate argument (-include FILE):
#               the wrapper splits it into compiles that keep them
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin edge

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
for d in fix string libc newvar; do
	build_patch "$WORK/$d.sut" "$SRC" "$TARGETS/calc/$d.diff" calc \
		"${MAKEARGS[@]}"
done
state_of() { awk '/^State:/ {print $2}' "/proc/$1/status"; }

section "stopped: SIGSTOP, apply, SIGCONT"
start_target S "$SRC/calc" || finish
kill -STOP "$S_PID"
is_stopped() { [ "$(state_of "$1")" = T ]; }
wait_until "the process is stopped" is_stopped "$S_PID"
check "apply to the stopped process" suture apply "$S_PID" "$WORK/fix.sut"
check_eq "it is still stopped after apply" T "$(state_of "$S_PID")"
kill -CONT "$S_PID"
check_feature "$S_PORT" fix new "continued after apply"
check "revert" suture revert "$S_PID"
check_feature "$S_PORT" fix old "after revert"
stop_target "$S_PID"

section "deleted: the binary is gone from disk"
CALC_CALLS=0
cp "$SRC/calc" "$WORK/calc-deployed"
start_target D "$WORK/calc-deployed" || finish
rm "$WORK/calc-deployed"
check_match "maps show the binary as deleted" 'calc-deployed \(deleted\)' \
	"$(cat "/proc/$D_PID/maps")"
check "apply with the binary deleted" suture apply "$D_PID" "$WORK/fix.sut"
check_feature "$D_PORT" fix new "deleted binary, after apply"
check_status "$D_PID" "deleted binary, after apply" fix
check "revert with the binary deleted" suture revert "$D_PID"
check_feature "$D_PORT" fix old "deleted binary, after revert"
check_state "$D_PORT" "deleted binary"
stop_target "$D_PID"

section "newvar: variables the patch brings"
start_target N "$SRC/calc" || finish
check_ask "before: the old greeting" "$N_PORT" "greet ann" "hello, ann"
check "apply newvar.sut" suture apply "$N_PID" "$WORK/newvar.sut"
check_ask "first call: initialised static 101, 3 chars" "$N_PORT" \
	"greet ann" "hello #101 (3), ann"
check_ask "second call: the new variables kept their values" "$N_PORT" \
	"greet robert" "hello #102 (9), robert"
check "revert newvar" suture revert "$N_PID"
check_ask "after revert: the old greeting" "$N_PORT" "greet ann" "hello, ann"
check "apply newvar.sut again" suture apply "$N_PID" "$WORK/newvar.sut"
check_ask "applied again: fresh variables" "$N_PORT" "greet bo" \
	"hello #101 (2), bo"
check "revert newvar again" suture revert "$N_PID"
stop_target "$N_PID"

section "fork: a patched process forks"
# The child inherits the patch; each process is then reverted on its own.
CALC_CALLS=0
start_target F "$SRC/calc" || finish
check "apply to the parent" suture apply "$F_PID" "$WORK/fix.sut"
child=$(ask "$F_PORT" fork)
PIDS+=("$child")
check_match "the parent forked a child" '^[0-9]+$' "$child"
poll test -s "$WORK/F.port.child"
CP=$(cat "$WORK/F.port.child")
check_eq "the child is another process" "$child" "$(ask "$CP" pid)"
check_ask "the child runs the patched code" "$CP" "calc 5" "$(model_sum new 5)"
check_status "$child" "the child" fix
check "revert in the parent" suture revert "$F_PID"
check_ask "the parent runs the old code" "$F_PORT" "calc 5" "$(model_sum old 5)"
check_ask "the child still runs the patched code" "$CP" "calc 5" \
	"$(model_sum new 5)"
check_status "$child" "the child, after the parent's revert" fix
check_status "$F_PID" "the parent, after its revert"
check "revert in the child" suture revert "$child"
check_ask "the child runs the old code" "$CP" "calc 5" "$(model_sum old 5)"
check_status "$child" "the child, after its revert"
stop_target "$child"
stop_target "$F_PID"

section "tls: a new thread-local variable is refused"
check_fails "suture build tls.diff is refused" \
	suture build --src "$SRC" --patch "$TARGETS/calc/tls.diff" \
	--binary calc -o "$WORK/tls.sut" -- make "${MAKEARGS[@]}"
check_match "  ... naming the new variable and why it cannot be added" \
	"adds thread-local variable mine.* \(calc.o\): a live patch cannot add thread-local storage" \
	"$OUT"
check_eq "  ... and writes no patch" no \
	"$([ -e "$WORK/tls.sut" ] && echo yes || echo no)"

section "ld.so: the program started as /lib64/ld-linux-x86-64.so.2 ./calc"
# Then ld.so is the process's main executable and calc is just another
# mapping; apply must find calc by its build-id all the same.
CALC_CALLS=0
LDSO=$(readelf -l "$SRC/calc" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
start_target L "$LDSO" "$SRC/calc" || finish
check_match "the process's executable is the dynamic loader" "ld-linux" \
	"$(readlink "/proc/$L_PID/exe")"
check "apply" suture apply "$L_PID" "$WORK/fix.sut"
check_feature "$L_PORT" fix new "started by ld.so, after apply"
check "revert" suture revert "$L_PID"
check_feature "$L_PORT" fix old "started by ld.so, after revert"
check_state "$L_PORT" "started by ld.so"
stop_target "$L_PID"

section "static: a statically linked program"
# libc is inside the binary; strcmp, strncmp, strchr, strcasecmp are IFUNCs
# there (their symbol is the resolver, the real function is chosen at
# start-up).  A patch must call the chosen function, or be refused.
CALC_CALLS=0
STATIC=$WORK/calc-static
SARGS=(CC=gcc "CFLAGS=-O2 -g" LDFLAGS=-static)
IFUNC_REFUSAL="an indirect function \(IFUNC\) of .* never calls through a PLT entry|refers to indirect function .* \(STT_GNU_IFUNC\), which patches do not support"
calc_build "$STATIC" "${SARGS[@]}"
check_nomatch "the binary is static (no program interpreter)" INTERP \
	"$(readelf -l "$STATIC/calc" 2>&1)"
start_target T "$STATIC/calc" || finish
for d in fix libc; do
	run "$SUTURE" build --src "$STATIC" --patch "$TARGETS/calc/$d.diff" \
		--binary calc -o "$WORK/static-$d.sut" -- make "${SARGS[@]}"
	if [ "$RC" -ne 0 ]; then
		# Only the IFUNC refusals (emit.c) are acceptable here; the
		# target's path has "static" in it, so no looser word will do.
		check_match "static $d: build refused because of an IFUNC" \
			"$IFUNC_REFUSAL" "$OUT"
		continue
	fi
	pass "static $d: suture build"
	check "static $d: apply" suture apply "$T_PID" "$WORK/static-$d.sut"
	check_feature "$T_PORT" "$d" new "static $d applied"
	check "static $d: revert" suture revert "$T_PID"
	check_feature "$T_PORT" "$d" old "static $d reverted"
done
stop_target "$T_PID"

section "signals: real-time signals sent during apply and revert"
# SIGRTMIN is queued, so the target must handle exactly as many as were
# sent; a signal swallowed by a ptrace stop would go missing.
CALC_CALLS=0
start_target G "$SRC/calc" -t || finish
SENT=300
(
	for ((i = 0; i < SENT; i++)); do
		kill -s RTMIN "$G_PID" || exit 1
		if ((i % 20 == 0)); then sleep 0.01; fi
	done
) &
sender=$!
PIDS+=("$sender")
ok=0
for i in 1 2 3 4 5; do
	"$SUTURE" apply "$G_PID" "$WORK/fix.sut" >"$WORK/sig.log" 2>&1 &&
		"$SUTURE" revert "$G_PID" >>"$WORK/sig.log" 2>&1 &&
		ok=$((ok + 1))
done
wait "$sender"
check_eq "the sender sent all $SENT signals" 0 "$?"
check_eq "5 of 5 apply/revert cycles while signals arrive" 5 "$ok"
got() { [ "$(ask "$G_PORT" signals)" = "$SENT" ]; }
poll got
check_eq "the target handled every signal" "$SENT" "$(ask "$G_PORT" signals)"
check_alive "alive after the signals" "$G_PID" "$G_PORT"
check_feature "$G_PORT" fix old "after the signals"
stop_target "$G_PID"

section "parallel: two applies at once"
# The one that loses must say the process is being traced or patched by
# another suture, not blame permissions.
WHY_BUSY="already (being )?traced|another suture|in progress|being patched"
start_target P "$SRC/calc" || finish
"$SUTURE" apply "$P_PID" "$WORK/string.sut" >"$WORK/p1.out" 2>&1 &
p1=$!
"$SUTURE" apply "$P_PID" "$WORK/libc.sut" >"$WORK/p2.out" 2>&1 &
p2=$!
wait "$p1"
rc1=$?
wait "$p2"
rc2=$?
check_alive "alive after two concurrent applies" "$P_PID" "$P_PORT"
check_ne "at least one of them worked" "1 1" "$((rc1 != 0)) $((rc2 != 0))"
want=()
if [ "$rc1" = 0 ]; then want+=(string); else
	check_match "the failed one says why" "$WHY_BUSY" \
		"$(cat "$WORK/p1.out")"
fi
if [ "$rc2" = 0 ]; then want+=(libc); else
	check_match "the failed one says why" "$WHY_BUSY" \
		"$(cat "$WORK/p2.out")"
fi
check_status "$P_PID" "after the concurrent applies" "${want[@]}"
# Which code runs must match what status says: both patches replace
# service_handle (gcc inlines greet and word_is_yes into it), so the one
# applied last, listed last, is the one whose requests show new answers.
last=$(status_names "$P_PID" | tail -n 1)
case $last in
string) check_feature "$P_PORT" string new "string applied last" ;;
libc) check_feature "$P_PORT" libc new "libc applied last" ;;
*) fail "status names the last applied patch" "got '$last'" ;;
esac
check "revert --all" suture revert "$P_PID" --all
check_feature "$P_PORT" string old "after revert --all"
check_feature "$P_PORT" libc old "after revert --all"
check_status "$P_PID" "after revert --all"
section "one command compiles and links"
ONE=(gcc -include calc.h -D CALC_ONE=1 -O2 -g -pthread -o calc1 calc.c util.c server.c)
run bash -c "cd '$SRC' && ${ONE[*]}"
check_eq "the program builds with one command" 0 "$RC"
rm -f "$WORK/one.sut"
check "suture build with that command" \
	"$SUTURE" build --src "$SRC" --patch "$TARGETS/calc/fix.diff" \
	--binary calc1 -o "$WORK/one.sut" -- "${ONE[@]}"
check_match "  ... finds compute changed" '^  compute ' "$OUT"
finish
