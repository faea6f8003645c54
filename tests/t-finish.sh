#!/bin/bash
# t-finish.sh - frames that must finish: apply, apply --replace and revert
# of a function the threads sleep inside nearly all the time.
#
# targets/finish's workers call step() again as soon as it returns, and
# step() waits inside (nanosleep, poll, select or epoll_wait with a
# timeout, or a blocking read that a feeder thread's data ends), so a
# thread is outside it a few instructions per call: a stop at a random
# moment practically never finds one outside (on main `--timeout` ran
# out).  suture must hold each thread where it returns from step() and
# switch then, the program seeing nothing: every result checked by the
# program itself, no wait failing with EINTR (its handlers are installed
# without SA_RESTART) or otherwise, no signal arriving.  Variants: gcc and
# clang, -O0 and -O2, PIE and not, step() in the executable and in a
# shared library; several threads; recursion (inner returns to the same
# address on deeper stacks must not count); a wait longer than --timeout
# (the refusal names the thread and where it was waited for); a signal of
# the program's own arriving meanwhile is delivered; a program handling
# every signal the breakpoint could stop a thread with is sampled
# instead; suture killed while its breakpoint is armed and while the
# thread is trapped; a revert killed after its commit, a thread always
# behind the gate it left.
. "$(dirname "$0")/lib.sh"
begin finish

# stat PORT FIELD - one field of the target's `stats`.
stat() { stat_field "$1" "$2"; }
# all_on PORT N V - each of the N workers' last result was of version V.
all_on() { [ "$(stat "$1" last)" = "$(printf "%${2}s" | tr ' ' "$3")" ]; }
# grows PORT - the workers keep making calls.
grows() {
	local a
	a=$(($(stat "$1" v1) + $(stat "$1" v2) + $(stat "$1" v3)))
	poll more_than "$1" "$a"
}
more_than() {
	[ $(($(stat "$1" v1) + $(stat "$1" v2) + $(stat "$1" v3))) -gt "$2" ]
}

# healthy WHAT PORT - the program saw nothing: no bad result, no failed
# wait, no signal, and its workers go on.
healthy() {
	local s
	s=$(ask "$2" stats)
	check_match "$1: no bad result, EINTR, failed wait or signal" \
		'bad=0 eintr=0 errors=0 sigs=0 ' "$s"
	if grows "$2"; then
		pass "$1: the workers go on"
	else
		fail "$1: the workers go on" "$(ask "$2" stats)"
	fi
}

# cycle WHAT DIR N ENV... - start DIR's finish with N workers and ENV,
# then apply, replace and revert DIR's patches, each switching every
# worker.
cycle() {
	local what=$1 dir=$2 n=$3
	shift 3
	start_env "$dir" FINISH_THREADS="$n" "$@" || return
	check "$what: apply" suture apply "$F_PID" "$dir/step.sut"
	wait_until "$what: every worker runs version 2" all_on "$F_PORT" "$n" 2
	check "$what: apply --replace" \
		suture apply --replace "$F_PID" "$dir/step3.sut"
	wait_until "$what: every worker runs version 3" all_on "$F_PORT" "$n" 3
	check "$what: revert" suture revert "$F_PID"
	wait_until "$what: every worker runs version 1" all_on "$F_PORT" "$n" 1
	healthy "$what" "$F_PORT"
	stop_target "$F_PID"
}

# start_env DIR ENV... - start DIR's finish with ENV (VAR=VALUE words);
# sets F_PID and F_PORT.
start_env() {
	local dir=$1 v rc
	shift
	for v in "$@"; do export "${v?}"; done
	start_target F "$dir/finish"
	rc=$?
	for v in "$@"; do unset "${v%%=*}"; done
	return $rc
}

# variant DIR MAKEARGS... - build targets/finish in DIR and its patches.
variant() {
	local dir=$1 bin=finish
	shift
	case " $* " in *" LIB=1 "*) bin=libstep.so ;; esac
	make_tree finish "$dir"
	build_tree "$dir" "$@" || return 1
	build_patch "$dir/step.sut" "$dir" "$TARGETS/finish/step.diff" "$bin" \
		"$@" || return 1
	build_patch "$dir/step3.sut" "$dir" "$TARGETS/finish/step3.diff" \
		"$bin" "$@"
}

section "gcc -O2 PIE, step() in the executable"
MAIN=$WORK/gcc-O2
variant "$MAIN" CC=gcc "CFLAGS=-O2 -g" || finish
cycle "one thread, nanosleep" "$MAIN" 1
for w in poll select epoll read; do
	cycle "one thread, $w" "$MAIN" 1 FINISH_WAIT=$w
done
cycle "four threads, nanosleep" "$MAIN" 4
cycle "three threads, read" "$MAIN" 3 FINISH_WAIT=read
cycle "two threads, recursion 3 deep" "$MAIN" 2 FINISH_DEPTH=3

section "a wait longer than --timeout"
start_env "$MAIN" FINISH_THREADS=1 FINISH_MS=4000 || finish
poll all_on "$F_PORT" 1 1
check_fails "apply --timeout 1 while the thread sleeps 4 s in step()" \
	suture apply --timeout 1 "$F_PID" "$MAIN/step.sut"
check_match "the refusal names the thread, the function and the return" \
	"function step is in use by thread [0-9]+ \(finish\); still in use after 1\.0 s \(waited for thread [0-9]+ \(finish\) to return from function step to call_step\+0x[0-9a-f]+" \
	"$OUT"
check_eq "nothing was changed" "" "$(suture_maps "$F_PID")"
check "apply with the default timeout waits for it" \
	suture apply "$F_PID" "$MAIN/step.sut"
wait_until "the worker runs version 2" all_on "$F_PORT" 1 2
healthy "long wait" "$F_PORT"
stop_target "$F_PID"

section "a program that handles every signal a breakpoint could use"
# FINISH_CATCH_ALL=1: handlers for SIGURG, SIGWINCH and SIGCHLD too; the
# thread cannot be waited for (a signal sent as suture died would reach
# a handler), so apply samples and times out saying why.
start_env "$MAIN" FINISH_THREADS=1 FINISH_CATCH_ALL=1 || finish
check_fails "apply --timeout 1" \
	suture apply --timeout 1 "$F_PID" "$MAIN/step.sut"
check_match "the refusal says why it could not wait" \
	"could not wait for a thread to return: thread [0-9]+ blocks or handles each of SIGURG, SIGWINCH and SIGCHLD" \
	"$OUT"
healthy "not waited for" "$F_PORT"
stop_target "$F_PID"

section "a signal of the program's own while suture waits"
# The worker sleeps 2 s per call; while suture waits for it (the worker
# traced), a SIGUSR1 sent to it must reach the program's handler (which
# also interrupts that sleep: the program's own EINTR), and apply go on.
start_env "$MAIN" FINISH_THREADS=1 FINISH_MS=2000 || finish
poll all_on "$F_PORT" 1 1
# worker - the TID of the thread asleep in clock_nanosleep (230)
worker() {
	local t
	for t in /proc/"$F_PID"/task/*; do
		[ "$(cut -d' ' -f1 "$t/syscall" 2>/dev/null)" = 230 ] &&
			basename "$t"
	done
}
wtid=$(worker)
traced() { [ "$(awk '/^TracerPid:/ {print $2}' "/proc/$F_PID/task/$wtid/status")" != 0 ]; }
"$SUTURE" apply "$F_PID" "$MAIN/step.sut" >"$WORK/sig.out" 2>&1 &
apid=$!
wait_until "suture traces the worker while it waits" traced
perl -e 'syscall(234, $ARGV[0] + 0, $ARGV[1] + 0, 10) == 0 or die "tgkill: $!"' \
	"$F_PID" "$wtid"
wait "$apid"
check_eq "the apply went through" 0 "$?"
check_eq "the program's handler ran once" 1 "$(stat "$F_PORT" sigs)"
wait_until "the worker runs version 2" all_on "$F_PORT" 1 2
check_eq "no result of no version" 0 "$(stat "$F_PORT" bad)"
stop_target "$F_PID"

section "suture killed while it waits for the frame"
start_env "$MAIN" FINISH_THREADS=2 || finish
armed=0 trapped=0
for ((n = 1; n < 200; n++)); do
	run env SUTURE_FAULT=$n "$SUTURE" apply "$F_PID" "$MAIN/step.sut"
	case $OUT in
	*"(breakpoint armed)"*) armed=$((armed + 1)) ;;
	*"(thread trapped at the end of the frame)"*) trapped=$((trapped + 1)) ;;
	*"fault injection"*) ;;
	*) break ;;
	esac
	# every pass over the return address after suture died is a
	# chance for a breakpoint or a SIGTRAP left behind to kill it
	grows "$F_PORT" && grows "$F_PORT" || break
	[ "$(stat "$F_PORT" sigs)" = 0 ] || break
	alive "$F_PID" || break
	# killed after its commit: the patch is live
	[ "$(status_names "$F_PID")" = step ] && break
done
check_eq "the patch is live at last" step "$(status_names "$F_PID")"
check_ne "suture was killed with its breakpoint armed" 0 "$armed"
check_ne "suture was killed with the thread trapped at the return" 0 \
	"$trapped"
check_alive "the process survived every kill" "$F_PID" "$F_PORT"
wait_until "every worker runs version 2" all_on "$F_PORT" 2 2
healthy "after the kills" "$F_PORT"
check "revert" suture revert "$F_PID"
wait_until "every worker runs version 1" all_on "$F_PORT" 2 1
stop_target "$F_PID"

section "what a revert killed after its commit left, a thread always in its gate"
# call.diff changes call_step(), whose first instructions (sub, call step)
# are moved into its gate: a worker asleep in step() has its return
# address there.  A revert killed just after it cleared the commit byte
# leaves the entry jumping into that gate; the next command must remove
# the region all the same.  Before the entries were put back in a stop of
# their own, every stop found a worker behind the gate, and the removal
# waited out its timeout ("in use by thread ...").
build_patch "$MAIN/call.sut" "$MAIN" "$TARGETS/finish/call.diff" finish \
	CC=gcc "CFLAGS=-O2 -g" || finish
start_env "$MAIN" FINISH_THREADS=2 || finish
check "apply" suture apply "$F_PID" "$MAIN/call.sut"
check_match "a revert killed right after it cleared the commit byte" \
	"killed at step [0-9]+ \(patch uncommitted\)" \
	"$(SUTURE_FAULT="patch uncommitted" "$SUTURE" revert "$F_PID" 2>&1)"
check_match "  ... left the region for the next command to remove" \
	"left to clean up" "$(suture status "$F_PID")"
check "  ... which removes it within 3 s" \
	suture revert "$F_PID" --all --timeout 3
check_match "  ... and says so" "removed 1 leftover" "$OUT"
check_eq "  ... nothing left" "" "$(suture_maps "$F_PID")"
wait_until "every worker runs version 1" all_on "$F_PORT" 2 1
# the same leftover under an apply, which removes it first
check "apply again" suture apply "$F_PID" "$MAIN/call.sut"
check_match "a revert killed at the same step" \
	"killed at step [0-9]+ \(patch uncommitted\)" \
	"$(SUTURE_FAULT="patch uncommitted" "$SUTURE" revert "$F_PID" 2>&1)"
check "  ... then an apply within 3 s" \
	suture apply "$F_PID" "$MAIN/call.sut" --timeout 3
check_match "  ... which removed the leftover first" "removed 1 leftover" "$OUT"
check "  ... and its revert" suture revert "$F_PID"
check_eq "  ... nothing left" "" "$(suture_maps "$F_PID")"
healthy "after the leftover's removal" "$F_PORT"
stop_target "$F_PID"
# A worker asleep 4 s a call below the gate keeps it in use past a
# timeout of 1 s even so: the refusal says the entry was put back.
start_env "$MAIN" FINISH_THREADS=1 FINISH_MS=4000 || finish
check "apply, waiting for the worker's frame" \
	suture apply "$F_PID" "$MAIN/call.sut"
check_match "a revert killed at the same step" \
	"killed at step [0-9]+ \(patch uncommitted\)" \
	"$(SUTURE_FAULT="patch uncommitted" "$SUTURE" revert "$F_PID" 2>&1)"
check_fails "  ... then the removal with --timeout 1, the worker asleep below the gate" \
	suture revert "$F_PID" --all --timeout 1
check_match "  ... says the entry was put back, the rest unchanged" \
	"in use by thread .*nothing was changed but 1 entry that still jumped into what an interrupted suture left, put back first" \
	"$OUT"
check "  ... the next removal waits for its return" \
	suture revert "$F_PID" --all
check_eq "  ... nothing left" "" "$(suture_maps "$F_PID")"
healthy "after the long wait below the gate" "$F_PORT"
stop_target "$F_PID"

section "gcc -O0, not PIE"
DIR=$WORK/gcc-O0
variant "$DIR" CC=gcc "CFLAGS=-O0 -g -fno-pie" LDFLAGS=-no-pie &&
	cycle "gcc -O0 no-pie" "$DIR" 2

section "clang -O2 PIE, step() in libstep.so"
DIR=$WORK/clang-O2-lib
variant "$DIR" CC=clang "CFLAGS=-O2 -g" LIB=1 &&
	cycle "clang -O2 library" "$DIR" 2 FINISH_WAIT=poll

section "clang -O0, not PIE, step() in libstep.so"
DIR=$WORK/clang-O0-lib
variant "$DIR" CC=clang "CFLAGS=-O0 -g -fno-pie" LDFLAGS=-no-pie LIB=1 &&
	cycle "clang -O0 library" "$DIR" 2 FINISH_DEPTH=2

section "gcc -O2, step() in libstep.so"
DIR=$WORK/gcc-O2-lib
variant "$DIR" CC=gcc "CFLAGS=-O2 -g" LIB=1 &&
	cycle "gcc -O2 library" "$DIR" 2 FINISH_WAIT=read

finish
