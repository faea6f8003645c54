#!/bin/bash
# t-busy.sh - revert and apply while every thread is below patch code.
#
# Eight workers call work() and tally() without pause; work() sleeps
# inside (through hold()), so once work.diff is applied the workers are
# nearly always stopped below patch code, with stale return addresses into
# tally() in their live frames.  Applying and reverting tally.diff is only
# possible if the safety check unwinds through work()'s patch code with
# the call-frame information the patch carries: the conservative stack
# scan it falls back to without that finds the stale words and never lets
# go.  100 of 100 apply/revert cycles must work, each switching every
# worker (the target checks every result), and the same reverts with the
# patches' CFI ignored (SUTURE_NO_PATCH_CFI=1) must be seen to fail.
# Then 100 replaces (apply --replace) of the patches by each other.
. "$(dirname "$0")/lib.sh"
begin busy

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
CYCLES=${BUSY_CYCLES:-100}
SRC=$WORK/busy
make_tree busy "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
start_target B "$SRC/busy" || finish
pid=$B_PID port=$B_PORT

# stat FIELD - one field of the `stats` reply.
stat() { stat_field "$port" "$1"; }
# all_on FIELD VERSION - every worker's last result of FIELD (lastw,
# lastt) was of VERSION.
all_on() {
	[ "$(stat "$1")" = "$2$2$2$2$2$2$2$2" ]
}
# attempts - the attempts the last suture run reports in $OUT (1 if none).
attempts() {
	local n
	n=$(sed -n 's/.*, \([0-9]*\) attempts).*/\1/p' <<<"$OUT")
	echo "${n:-1}"
}

section "build"
build_patch "$WORK/work.sut" "$SRC" "$TARGETS/busy/work.diff" busy \
	"${MAKEARGS[@]}" || finish
build_patch "$WORK/tally.sut" "$SRC" "$TARGETS/busy/tally.diff" busy \
	"${MAKEARGS[@]}" || finish
run readelf -S "$WORK/tally.sut"
check_match "the patch carries .eh_frame" '\.eh_frame' "$OUT"

section "a thread parked in a signal handler on an alternate stack below work()"
# The alternate stack lies on the thread's own stack, above work()'s frame:
# only the signal frame on it leads to work().  The quick check of the
# stack words from the stack pointer up must notice the signal frame and
# leave the thread to the unwinder, which finds work() below it.
check_eq "the alt thread parks" alt=1 "$(ask "$port" alt 1)"
parked() { [ "$(stat alt)" = 1 ]; }
wait_until "it is in the handler" parked
check_fails "apply work.sut is refused while it is parked" \
	suture apply "$pid" "$WORK/work.sut" --timeout 1
check_match "  ... because work() is in use" "function work .*in use" "$OUT"
check_eq "the alt thread leaves" alt=0 "$(ask "$port" alt 0)"
unparked() { [ "$(stat alt)" = 0 ]; }
wait_until "it left the handler" unparked
check "then apply works" suture apply "$pid" "$WORK/work.sut" --timeout 30
check "and revert" suture revert "$pid" --timeout 30

section "work() patched while the workers sleep outside it"
check_eq "workers sleep outside work()" holding=0 "$(ask "$port" hold 0)"
check "suture apply work.sut" suture apply "$pid" "$WORK/work.sut" \
	--timeout 30
wait_until "every worker's work() is version 2" all_on lastw 2
check_eq "workers now sleep inside work()" holding=1 "$(ask "$port" hold 1)"

section "without the patches' call-frame information"
check "suture apply tally.sut" suture apply "$pid" "$WORK/tally.sut" \
	--timeout 30
wait_until "every worker's tally() is version 2" all_on lastt 2
failed=0
for i in 1 2 3 4 5; do
	run env SUTURE_NO_PATCH_CFI=1 "$SUTURE" revert "$pid" tally --timeout 1
	[ "$RC" -ne 0 ] && failed=$((failed + 1))
done
echo "# without CFI: $failed of 5 reverts failed (1 s timeout each)"
check_eq "without CFI the stack scan refuses every revert" 5 "$failed"
check_match "... because of a stale return address into tally()" \
	"function tally .*in use|code of patch 'tally' is in use" "$OUT"
check "with CFI the same revert works" suture revert "$pid" tally --timeout 30
wait_until "every worker's tally() is version 1 again" all_on lastt 1

section "$CYCLES apply/revert cycles of tally.sut below work()'s patch code"
ok_apply=0 ok_revert=0 switched=0 hist=""
for ((i = 1; i <= CYCLES; i++)); do
	run "$SUTURE" apply "$pid" "$WORK/tally.sut" --timeout 30
	[ "$RC" -eq 0 ] || { echo "# cycle $i apply: $OUT"; continue; }
	ok_apply=$((ok_apply + 1))
	poll all_on lastt 2 && switched=$((switched + 1))
	run "$SUTURE" revert "$pid" tally --timeout 30
	[ "$RC" -eq 0 ] || { echo "# cycle $i revert: $OUT"; continue; }
	ok_revert=$((ok_revert + 1))
	hist="$hist $(attempts)"
	poll all_on lastt 1 && switched=$((switched + 1))
done
echo "# attempts per revert (count x attempts):" \
	"$(tr ' ' '\n' <<<"$hist" | sed '/^$/d' | sort -n | uniq -c |
		awk '{printf " %dx%d", $1, $2}')"
check_eq "$CYCLES of $CYCLES applies worked" "$CYCLES" "$ok_apply"
check_eq "$CYCLES of $CYCLES reverts worked" "$CYCLES" "$ok_revert"
check_eq "every worker switched each time" $((2 * CYCLES)) "$switched"
check_eq "no result of no version" 0 "$(stat errors)"
check_eq "1 + 8 + 1 threads still run" 10 "$(ask "$port" threads)"

section "$CYCLES replaces on the same busy workers"
# work.sut and a cumulative work + tally patch take each other's place: the
# code of the patch replaced is freed, so no worker may be in it.
check_eq "workers sleep outside work()" holding=0 "$(ask "$port" hold 0)"
rm -f "$WORK/both.sut"
check "suture build --patch work.diff --patch tally.diff" \
	"$SUTURE" build --src "$SRC" --patch "$TARGETS/busy/work.diff" \
	--patch "$TARGETS/busy/tally.diff" --binary busy --name both \
	-o "$WORK/both.sut" -- make "${MAKEARGS[@]}"
ok_replace=0 switched=0
for ((i = 1; i <= CYCLES; i++)); do
	if ((i % 2)); then p=both t=2; else p=work t=1; fi
	run "$SUTURE" apply --replace "$pid" "$WORK/$p.sut" --timeout 30
	[ "$RC" -eq 0 ] || { echo "# replace $i: $OUT"; continue; }
	ok_replace=$((ok_replace + 1))
	poll all_on lastt "$t" && all_on lastw 2 && switched=$((switched + 1))
done
check_eq "$CYCLES of $CYCLES replaces worked" "$CYCLES" "$ok_replace"
check_eq "every worker switched each time" "$CYCLES" "$switched"
check_eq "no result of no version" 0 "$(stat errors)"
check_status "$pid" "after the replaces" work
check_eq "one patch's memory is left" 2 "$(suture_maps "$pid" | wc -l)"

section "work() reverted"
check "suture revert work" suture revert "$pid" work --timeout 30
wait_until "every worker's work() is version 1 again" all_on lastw 1
check_status "$pid" "at the end"
check_alive "alive at the end" "$pid" "$port"
finish
