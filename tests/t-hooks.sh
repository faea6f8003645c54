#!/bin/bash
# t-hooks.sh - hooks (include/suture.h) run inside the target: units.diff
# keeps quantities in tenths, and its post-apply hook converts the items
# already in memory (its post-revert hook converts them back); its pre-apply
# hook vetoes the patch if an item is called "frozen"; a hook that hangs or
# crashes is abandoned and the apply undone.  suture killed at every step
# of apply and revert: the conversion still happens exactly once each way.
. "$(dirname "$0")/lib.sh"
begin hooks

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/store
make_tree store "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
for d in units hang crash; do
	build_patch "$WORK/$d.sut" "$SRC" "$TARGETS/store/$d.diff" store \
		"${MAKEARGS[@]}" || finish
done
start_target S "$SRC/store" -t || finish
pid=$S_PID port=$S_PORT
adds() { stat_field "$port" adds; }

section "a hook that transforms the live state"
id=$(ask "$port" "add bolts 10")
check_eq "an item with 10 bolts" 10 "$(ask "$port" "qty $id")"
check "suture apply units.sut" suture apply "$pid" "$WORK/units.sut"
check_eq "the post-apply hook converted it: still 10 bolts" 10 \
	"$(ask "$port" "qty $id")"
check_eq "... exactly once" 1 "$(ask "$port" conversions)"
check_eq "the new code works in tenths: take 3 leaves 7" 7 \
	"$(ask "$port" "take $id 3")"
check "suture status" suture status "$pid"
check_match "status lists the hooks" \
	'hook: +to_tenths \(post_apply\)' "$OUT"
adds0=$(adds)
check "suture revert" suture revert "$pid"
check_eq "the post-revert hook converted it back: 7 bolts" 7 \
	"$(ask "$port" "qty $id")"
check_eq "the pre-revert hook ran once (adds +1000)" $((adds0 + 1000)) \
	"$(adds)"

section "a pre-apply hook vetoes (another process, with a frozen item)"
start_target V "$SRC/store" || finish
vid=$(ask "$V_PORT" "add nails 3")
frozen=$(ask "$V_PORT" "add frozen 5")
check_fails "apply units.sut with a frozen item is refused" \
	suture apply "$V_PID" "$WORK/units.sut"
check_match "  ... naming the hook and its value" \
	"pre_apply hook refuse_frozen of patch 'units' vetoed the patch: it returned 7" \
	"$OUT"
check_eq "  ... nothing applied" "" "$(status_names "$V_PID")"
check_eq "  ... no suture region left" "" "$(suture_maps "$V_PID")"
check_ask "  ... the data untouched" "$V_PORT" "qty $vid" 3
check_ask "  ... the frozen item too" "$V_PORT" "qty $frozen" 5

section "a hook that hangs, a hook that crashes"
check_fails "apply hang.sut (its post-apply hook spins) with a 0.3 s hook timeout" \
	suture apply "$pid" "$WORK/hang.sut" --hook-timeout 0.3
check_match "  ... naming the hook and the timeout" \
	"post_apply hooks of patch 'hang' \(spin\) did not return within 300 ms" \
	"$OUT"
check_alive "  ... the process lives" "$pid" "$port"
check_eq "  ... the patch was undone" "" "$(status_names "$pid")"
check_eq "  ... its memory freed" "" "$(suture_maps "$pid")"
check_eq "  ... the old code runs (take -1 adds stock)" 8 \
	"$(ask "$port" "take $id -1")"
check_fails "apply crash.sut (its pre-apply hook writes to address 0)" \
	suture apply "$pid" "$WORK/crash.sut"
check_match "  ... naming the hook and the signal" \
	"pre_apply hooks of patch 'crash' \(crash\) crashed \(Segmentation fault\)" \
	"$OUT"
check_alive "  ... the process lives" "$pid" "$port"
check_eq "  ... nothing applied" "" "$(status_names "$pid")"
check_eq "  ... the data untouched" 8 "$(ask "$port" "qty $id")"

# fault_loop OP - kill suture at step 1, 2, ... of OP (apply or revert of
# units.sut); after each kill, revert --all, and the item must hold 8 bolts:
# every conversion ran exactly as often as its inverse.
fault_loop() {
	local op=$1 n rc killed=0 bad=""
	for ((n = 1; n < 100; n++)); do
		if [ "$op" = revert ] &&
			! "$SUTURE" apply "$pid" "$WORK/units.sut" >"$WORK/op.txt" 2>&1; then
			bad="apply before the revert at step $n: $(cat "$WORK/op.txt")"
			break
		fi
		if [ "$op" = apply ]; then
			rc=$(SUTURE_FAULT=$n "$SUTURE" apply "$pid" "$WORK/units.sut" >"$WORK/op.txt" 2>&1; echo $?)
		else
			rc=$(SUTURE_FAULT=$n "$SUTURE" revert "$pid" >"$WORK/op.txt" 2>&1; echo $?)
		fi
		[ "$rc" = 137 ] && killed=$((killed + 1))
		alive "$pid" || { bad="process died at step $n"; break; }
		# one revert --all removes leftovers, runs hooks left to run
		# and reverts what is live
		"$SUTURE" revert "$pid" --all >"$WORK/clean.txt" 2>&1 ||
			{ bad="step $n: revert --all: $(cat "$WORK/clean.txt")"; break; }
		[ -z "$(suture_maps "$pid")" ] || { bad="step $n: regions left: $(suture status "$pid")"; break; }
		[ "$(ask "$port" "qty $id")" = 8 ] ||
			{ bad="step $n: the item holds $(ask "$port" "qty $id") bolts"; break; }
		[ "$rc" = 137 ] || break
	done
	check_eq "$op killed at each of its $killed steps: converted exactly once each way" "" "$bad"
	check "$op goes through once suture is not killed" test "$rc" = 0
	check "$op has fault points ($killed)" test "$killed" -ge 10
}

section "suture killed at every step of apply and revert"
fault_loop apply
fault_loop revert
check_alive "alive at the end" "$pid" "$port"
finish
