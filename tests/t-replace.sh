#!/bin/bash
# t-replace.sh - suture apply --replace: one cumulative patch takes the
# place of every patch applied to the program, in one stop.  Functions only
# the old patches changed go back to their original code, the old patches'
# memory is freed, and reverting the new patch brings back the original.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin replace

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
start_target C "$SRC/calc" || finish
pid=$C_PID port=$C_PORT

for d in fix fix2 string; do
	build_patch "$WORK/$d.sut" "$SRC" "$TARGETS/calc/$d.diff" calc \
		"${MAKEARGS[@]}"
done
rm -f "$WORK/cum.sut"
check "suture build --patch fix.diff --patch helper.diff (cumulative)" \
	"$SUTURE" build --src "$SRC" --patch "$TARGETS/calc/fix.diff" \
	--patch "$TARGETS/calc/helper.diff" --binary calc --name cum \
	-o "$WORK/cum.sut" -- make "${MAKEARGS[@]}"
rm -f "$WORK/on.sut"
check "suture build cap.diff --on fix.sut (stacked)" \
	"$SUTURE" build --src "$SRC" --on "$WORK/fix.sut" \
	--patch "$TARGETS/calc/cap.diff" --binary calc --name on \
	-o "$WORK/on.sut" -- make "${MAKEARGS[@]}"

greet_at=$(func_addr "$pid" "$SRC/calc" greet)
compute_at=$(func_addr "$pid" "$SRC/calc" compute)
greet_orig=$(mem "$pid" "$greet_at" 16)
compute_orig=$(mem "$pid" "$compute_at" 16)
maps_before=$(maps_of "$pid")

section "three patches, one of them over another, replaced by one"
check "apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
check "apply fix2.sut (replaces compute again)" \
	suture apply "$pid" "$WORK/fix2.sut"
# last: its service_handle (greet inlined) wins over the others'
check "apply string.sut" suture apply "$pid" "$WORK/string.sut"
check_feature "$port" string new "three patches applied"
check "suture apply --replace cum.sut" \
	suture apply --replace "$pid" "$WORK/cum.sut"
check_match "  ... says which patches it replaced" \
	"replaced patch 'fix', 'fix2', 'string'" "$OUT"
check_status "$pid" "after the replace" cum
check_alive "the process lives after the replace" "$pid" "$port"
check_big fix "after the replace (fix2's cap is gone)"
check_feature "$port" fix new "after the replace"
check_feature "$port" helper new "after the replace"
check_feature "$port" string old "after the replace (greet is original)"
check_eq "greet's entry holds its original bytes again" \
	"$greet_orig" "$(mem "$pid" "$greet_at" 16)"
check_eq "only the new patch's memory is left" "" \
	"$(suture_maps "$pid" | grep -v suture:cum)"
check "suture status" suture status "$pid"
check_nomatch "status shows nothing left to clean up" \
	'left to clean up|not freed' "$OUT"

section "revert of the replacing patch goes back to the original"
check "suture revert" suture revert "$pid"
check_big old "after the revert"
check_feature "$port" fix old "after the revert"
check_feature "$port" helper old "after the revert"
check_eq "compute's entry holds its original bytes" \
	"$compute_orig" "$(mem "$pid" "$compute_at" 16)"
check_eq "no suture region left" "" "$(suture_maps "$pid")"

section "a replace by a patch of the same name, and with nothing applied"
check "apply --replace fix.sut with nothing applied" \
	suture apply --replace "$pid" "$WORK/fix.sut"
check_match "  ... says nothing was replaced" "nothing replaced" "$OUT"
check "apply --replace fix.sut over itself" \
	suture apply --replace "$pid" "$WORK/fix.sut"
check_match "  ... replaces the old 'fix'" "replaced patch 'fix'" "$OUT"
check_status "$pid" "fix replaced by fix" fix
check_big fix "fix replaced by fix"

section "refused: a patch built on another cannot replace it"
check "apply on.sut (built on fix) normally" suture apply "$pid" "$WORK/on.sut"
check "revert it" suture revert "$pid"
check_fails "apply --replace on.sut is refused" \
	suture apply --replace "$pid" "$WORK/on.sut"
check_match "  ... saying it is built on 'fix'" "built on patch 'fix'" "$OUT"
check_status "$pid" "after the refusal" fix
check_big fix "after the refusal"

section "1000 replaces back and forth: no memory left behind"
check "revert --all" suture revert "$pid" --all
check "apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
bad=""
for ((i = 0; i < 1000; i++)); do
	if ((i % 2)); then f=fix; else f=cum; fi
	"$SUTURE" apply --replace "$pid" "$WORK/$f.sut" >"$WORK/rep.txt" 2>&1 ||
		{ bad="replace $i ($f): $(cat "$WORK/rep.txt")"; break; }
done
check_eq "1000 replaces went through" "" "$bad"
check_big fix "after 1000 replaces"
check_status "$pid" "after 1000 replaces" fix
check_eq "exactly one suture region (two mappings) is left" 2 \
	"$(suture_maps "$pid" | wc -l)"
check "revert" suture revert "$pid"
check_eq "the process has exactly the mappings it had before any patch" \
	"$maps_before" "$(maps_of "$pid")"
check_eq "no suture region left" "" "$(suture_maps "$pid")"
check_eq "compute's entry holds its original bytes" \
	"$compute_orig" "$(mem "$pid" "$compute_at" 16)"
check_state "$port" "after everything"
finish
