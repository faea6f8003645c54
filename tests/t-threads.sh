#!/bin/bash
# t-threads.sh - a process whose four worker threads call the patched
# function fill() without pause, checking every record it returns.  Apply
# and revert must switch every thread to the other version (no record may
# be inconsistent, no thread may die), repeatedly.  Then thread churn: calc
# in -t mode makes a thread per connection while two clients connect as
# fast as they can; patching must not lose or garble a single answer.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin threads

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/workers
make_tree threads "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
start_target W "$SRC/workers" || finish
pid=$W_PID port=$W_PORT

# stat FIELD - one field of the `stats` reply.
stat() { stat_field "$port" "$1"; }
# all_on VERSION - every worker's last record was of VERSION.
all_on() {
	[ "$(stat last)" = "$1$1$1$1" ]
}
# moves FIELD - FIELD grows (polled; gives up after 30 s).
moves() {
	local a b i
	a=$(stat "$1")
	for ((i = 0; i < 300; i++)); do
		b=$(stat "$1")
		[ "$b" -gt "$a" ] && return 0
		sleep 0.1
	done
	return 1
}
# check_on VERSION OTHER WHEN - every worker runs VERSION: all last saw it,
# its counter moves, OTHER's counter has stopped, no inconsistent record.
check_on() {
	local v=$1 o=$2 when=$3 frozen
	wait_until "$when: every worker's last record is version $v" all_on "$v"
	frozen=$(stat "v$o")
	wait_until "$when: version $v records keep coming" moves "v$v"
	check_eq "$when: no more version $o records" \
		"$frozen" "$(stat "v$o")"
	check_eq "$when: no inconsistent record" 0 "$(stat errors)"
	check_eq "$when: 1 + 4 threads still run" 5 "$(ask "$port" threads)"
}

section "before apply"
check_on 1 2 "before apply"

section "build"
build_patch "$WORK/version.sut" "$SRC" "$TARGETS/threads/version.diff" \
	workers "${MAKEARGS[@]}"
name=$(patch_name "$WORK/version.sut")

section "apply while the workers run"
check "suture apply (default timeout)" suture apply "$pid" "$WORK/version.sut"
check_alive "alive after apply" "$pid" "$port"
check_on 2 1 "after apply"
check_status "$pid" "after apply" "$name"

section "revert while the workers run"
check "suture revert" suture revert "$pid" "$name"
check_alive "alive after revert" "$pid" "$port"
check_on 1 2 "after revert"
check_status "$pid" "after revert"

section "five more apply/revert cycles under load"
ok=0
for i in 1 2 3 4 5; do
	"$SUTURE" apply "$pid" "$WORK/version.sut" >"$WORK/cycle.log" 2>&1 &&
		poll all_on 2 &&
		"$SUTURE" revert "$pid" "$name" >>"$WORK/cycle.log" 2>&1 &&
		poll all_on 1 &&
		ok=$((ok + 1))
done
check_eq "5 of 5 apply/revert cycles worked" 5 "$ok"
[ "$ok" = 5 ] || cat "$WORK/cycle.log"
check_eq "no inconsistent record in all the cycles" 0 "$(stat errors)"
check_alive "alive after the cycles" "$pid" "$port"
check_on 1 2 "after the cycles"
check_status "$pid" "after the cycles"
stop_target "$pid"

section "churn: threads come and go while patching"
CSRC=$WORK/calc
calc_build "$CSRC" "${MAKEARGS[@]}" || finish
start_target C "$CSRC/calc" -t || finish
build_patch "$WORK/fix.sut" "$CSRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" || finish
OLD=$(model_sum old 5) NEW=$(model_sum new 5)
# hammer FILE - ask `calc 5` on a new connection, again and again.
hammer() {
	while :; do
		ask "$C_PORT" "calc 5" >>"$1"
	done
}
hammer "$WORK/answers1" &
h1=$!
hammer "$WORK/answers2" &
h2=$!
PIDS+=("$h1" "$h2")
says() { [ "$(ask "$C_PORT" "calc 5")" = "$1" ]; }
ok=0
rm -f "$WORK/churn.log"
for i in 1 2 3 4 5; do
	echo "# cycle $i" >>"$WORK/churn.log"
	"$SUTURE" apply "$C_PID" "$WORK/fix.sut" >>"$WORK/churn.log" 2>&1 &&
		poll says "$NEW" &&
		"$SUTURE" revert "$C_PID" >>"$WORK/churn.log" 2>&1 &&
		poll says "$OLD" &&
		ok=$((ok + 1))
done
kill "$h1" "$h2"
wait "$h1" "$h2" 2>/dev/null
check_eq "5 of 5 apply/revert cycles under thread churn" 5 "$ok"
[ "$ok" = 5 ] || cat "$WORK/churn.log"
cat "$WORK/answers1" "$WORK/answers2" >"$WORK/answers"
total=$(wc -l <"$WORK/answers")
check_match "the clients got answers ($total)" '^[1-9]' "$total"
check_eq "every answer is the old or the new sum" "" \
	"$(grep -vxE "$OLD|$NEW" "$WORK/answers" | sort | uniq -c | head -n 5)"
check_match "some answers came from the new code" "^$NEW\$" \
	"$(cat "$WORK/answers")"
check_alive "alive after the churn" "$C_PID" "$C_PORT"
check_status "$C_PID" "after the churn"
stop_target "$C_PID"

section "many threads: 150 threads blocked in the process"
# Built at -O0 so fix.diff replaces compute and count_vowels only, not
# service_handle, which every held thread has on its stack.
MSRC=$WORK/calc-O0
calc_build "$MSRC" CC=gcc "CFLAGS=-O0 -g" || finish
start_target M "$MSRC/calc" -t || finish
build_patch "$WORK/fix-O0.sut" "$MSRC" "$TARGETS/calc/fix.diff" calc \
	CC=gcc "CFLAGS=-O0 -g" || finish
held=()
for ((i = 0; i < 150; i++)); do
	ask "$M_PORT" "hold $i" >"$WORK/held.$i" &
	held+=($!)
done
is_holding() { [ "$(ask "$M_PORT" holding | sed 's/ .*//')" = "holding=$1" ]; }
wait_until "150 requests are held" is_holding 150
# With this many threads the quick check runs on a side thread of suture
# (sidecheck.h): a thread inside compute_held must still be found there.
build_patch "$WORK/busy-O0.sut" "$MSRC" "$TARGETS/calc/busy.diff" calc \
	CC=gcc "CFLAGS=-O0 -g" || finish
check_fails "apply of compute_held with 150 threads inside it is refused" \
	suture apply "$M_PID" "$WORK/busy-O0.sut" --timeout 1
check_match "  ... naming the function" "compute_held is in use" "$OUT"
check_eq "  ... and no patch applied" "" "$(suture_maps "$M_PID")"
check "apply with 150 threads blocked" suture apply "$M_PID" "$WORK/fix-O0.sut"
check_ask "the new code runs" "$M_PORT" "calc 5" "$(model_sum new 5)"
check "revert with 150 threads blocked" suture revert "$M_PID"
check_ask "the old code runs" "$M_PORT" "calc 5" "$(model_sum old 5)"
for ((i = 0; i < 150; i++)); do
	ask "$M_PORT" release >/dev/null
done
wait "${held[@]}"
bad=""
for ((i = 0; i < 150; i++)); do
	[ "$(cat "$WORK/held.$i")" = $((2 * i + 1)) ] || bad="$bad $i"
done
check_eq "every held request got its answer" "" "$bad"
check_alive "alive after the crowd" "$M_PID" "$M_PORT"
finish
