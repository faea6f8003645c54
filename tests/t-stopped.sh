#!/bin/bash
# t-stopped.sh - a process stopped by SIGSTOP executes not one instruction
# of its own because of suture, and stays stopped.
#
# targets/finish's ticker writes a line (tick()'s version) every
# millisecond it runs, from its main thread, the thread suture keeps
# seized as its lock.  Stopped with SIGSTOP, it is patched (apply, revert,
# apply --replace): its output must not grow by a byte while suture
# works, it must still be in state T afterwards, and once continued it
# must write the new version.  With TICK_INSIDE=1 it waits inside tick():
# a stopped process cannot leave the function, so apply must refuse at
# once saying the process is stopped, rather than retry (on main it ran
# for the whole retry time, writing lines).  And a process stopped while
# suture waits for its thread to leave a function: refused, left stopped.
# Variants: gcc -O2 PIE and clang -O0 without PIE (the ticker), step() in
# libstep.so built by clang -O2 (stopped with its workers inside it).
. "$(dirname "$0")/lib.sh"
begin stopped

# tree TAG CC CFLAGS [LDFLAGS [LIB=1]] - build targets/finish into
# $WORK/TAG and the three patches; sets SRC and MAKEARGS.
tree() {
	SRC=$WORK/$1
	MAKEARGS=(CC="$2" "CFLAGS=$3" "LDFLAGS=${4:-}" ${5:+"$5"})
	make_tree finish "$SRC"
	build_tree "$SRC" "${MAKEARGS[@]}" || finish
	build_patch "$SRC/tick.sut" "$SRC" "$TARGETS/finish/tick.diff" \
		ticker "${MAKEARGS[@]}" || finish
	build_patch "$SRC/tick3.sut" "$SRC" "$TARGETS/finish/tick3.diff" \
		ticker "${MAKEARGS[@]}" || finish
	build_patch "$SRC/step.sut" "$SRC" "$TARGETS/finish/step.diff" \
		"$([ -n "${5:-}" ] && echo libstep.so || echo finish)" \
		"${MAKEARGS[@]}" || finish
}

is_stopped() { [ "$(state_of "$1")" = T ]; }
lines() { wc -l <"$LOG"; }
last_line() { tail -n 1 "$LOG"; }
# writes V - the last line the ticker wrote is V (polled after SIGCONT)
writes() { [ "$(last_line)" = "$1" ]; }

# start NAME [ENV...] - start the ticker, its output in $LOG; sets $pid.
start() {
	local name=$1
	shift
	LOG=$WORK/$name.log
	env "$@" "$SRC/ticker" >"$LOG" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait_until "$name: the ticker runs" writes 1
}

# stop - SIGSTOP the ticker and wait until it is stopped.
stop() {
	kill -STOP "$pid"
	wait_until "the ticker is stopped" is_stopped "$pid"
	before=$(lines)
}

# stop_inside - stop as stop does, inside tick(): its one system call
# there is nanosleep (clock_nanosleep, 230, or 35); between two calls the
# ticker writes its line, where a stop would find it outside the function
# (and an apply then rightly goes through).  Continued and stopped again
# until so, 20 times at most.
stop_inside() {
	local i nr
	for ((i = 0; i < 20; i++)); do
		kill -STOP "$pid"
		poll is_stopped "$pid"
		nr=$(cut -d' ' -f1 "/proc/$pid/syscall")
		[ "$nr" = 230 ] || [ "$nr" = 35 ] && break
		kill -CONT "$pid"
	done
	check_match "the ticker is stopped inside tick() (system call $nr)" \
		'^(230|35)$' "$nr"
	before=$(lines)
}

# unchanged WHAT - nothing was written since stop, the ticker is still
# stopped.
unchanged() {
	check_eq "$1: not a line written while stopped" "$before" "$(lines)"
	check_eq "$1: still stopped (state T)" T "$(state_of "$pid")"
}

# runs_version WHAT V - after SIGCONT the ticker writes version V.
runs_version() {
	kill -CONT "$pid"
	wait_until "$1: continued, it writes version $2" writes "$2"
}

# ticker_cases TAG - the ticker of $SRC stopped outside and inside tick()
ticker_cases() {
	section "$1: apply, revert, apply --replace to a stopped process"
	start outside
	stop
	check "apply to the stopped process" suture apply "$pid" "$SRC/tick.sut"
	unchanged "apply"
	runs_version "apply" 2
	stop
	check "revert on the stopped process" suture revert "$pid"
	unchanged "revert"
	runs_version "revert" 1
	check "apply again" suture apply "$pid" "$SRC/tick.sut"
	stop
	check "apply --replace on the stopped process" \
		suture apply --replace "$pid" "$SRC/tick3.sut"
	unchanged "replace"
	runs_version "replace" 3
	stop_target "$pid"

	section "$1: a stopped process waiting inside tick(): refused at once"
	start inside TICK_INSIDE=1
	stop_inside
	check_fails "apply while it waits inside tick()" \
		suture apply --timeout 5 "$pid" "$SRC/tick.sut"
	check_match "the refusal says it is stopped and what to do" \
		"process $pid is stopped.*kill -CONT $pid" "$OUT"
	check_match "and names the function" "tick" "$OUT"
	unchanged "refused apply"
	runs_version "refused apply" 1
	check "apply once it runs (waits for tick() to return)" \
		suture apply "$pid" "$SRC/tick.sut"
	wait_until "it writes version 2" writes 2
	stop_inside
	check_fails "revert while it waits inside the patched tick()" \
		suture revert --timeout 5 "$pid"
	check_match "the refusal says it is stopped" "process $pid is stopped" "$OUT"
	unchanged "refused revert"
	runs_version "refused revert" 2
	check_alive_ticker() { alive "$pid" && writes 2; }
	wait_until "the ticker lives on" check_alive_ticker
	stop_target "$pid"
}

for v in "gcc-O2-pie gcc -O2 -g" "clang-O0-nopie clang -O0 -g -fno-pie -no-pie"; do
	set -- $v
	tree "$1" "$2" "$3 $4 ${5:-}" "${6:-}"
	ticker_cases "$1"
done

section "a library: stopped with its workers inside step() in libstep.so"
tree lib-clang clang "-O2 -g" "" LIB=1
FINISH_MS=3000 start_target L "$SRC/finish" || finish
pid=$L_PID
kill -STOP "$pid"
wait_until "it is stopped" is_stopped "$pid"
check_fails "apply to step() in libstep.so while stopped" \
	suture apply --timeout 5 "$pid" "$SRC/step.sut"
check_match "the refusal says it is stopped" "process $pid is stopped" "$OUT"
check_eq "nothing was changed" "" "$(suture_maps "$pid")"
check_eq "still stopped" T "$(state_of "$pid")"
kill -CONT "$pid"
check "apply once it runs again" suture apply "$pid" "$SRC/step.sut"
stop_target "$pid"

SRC=$WORK/gcc-O2-pie
section "stopped while suture waits for a thread to leave step()"
# targets/finish's worker sleeps 3 s inside step(): suture waits for it,
# then the process is stopped; apply must end saying so, not wait on.
FINISH_MS=3000 start_target F "$SRC/finish" || finish
pid=$F_PID
waits() { [ "$(stat_field "$F_PORT" v1)" -ge 1 ]; }
wait_until "the worker made a call" waits
"$SUTURE" apply "$pid" "$SRC/step.sut" >"$WORK/apply.out" 2>&1 &
apid=$!
traced_threads() { grep -l '^TracerPid:[[:space:]]*[1-9]' /proc/"$pid"/task/*/status 2>/dev/null | wc -l; }
two_traced() { [ "$(traced_threads)" -ge 2 ]; }
wait_until "suture holds the lock and waits for the worker" two_traced
kill -STOP "$pid"
wait "$apid"
check_eq "apply fails" 1 "$?"
check_match "saying the process is stopped" \
	"process $pid is stopped.*kill -CONT $pid" "$(cat "$WORK/apply.out")"
wait_until "it is stopped" is_stopped "$pid"
check_eq "every thread stopped" T \
	"$(cat /proc/"$pid"/task/*/stat | sed 's/.*) \(.\).*/\1/' | sort -u)"
check_eq "nothing was changed" "" "$(suture_maps "$pid")"
kill -CONT "$pid"
check "apply once it runs again" suture apply "$pid" "$SRC/step.sut"
check_eq "no wait failed other than by the program's SIGCONT handler" \
	0 "$(stat_field "$F_PORT" errors)"
stop_target "$pid"

finish
