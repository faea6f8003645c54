#!/bin/bash
# t-on.sh - a stacked patch: cap.diff written on top of fix.diff, built with
# `suture build --on fix.sut`.  It applies only on top of that exact patch,
# the patch it is built on cannot be reverted under it, and reverting it
# brings fix.sut's code back.  Also a cumulative patch (two --patch).
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin on

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
start_target C "$SRC/calc" || finish
pid=$C_PID port=$C_PORT


build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" || finish
check "suture build --on fix.sut --patch cap.diff" suture build --src "$SRC" \
	--on "$WORK/fix.sut" --patch "$TARGETS/calc/cap.diff" --binary calc \
	-o "$WORK/cap.sut" -- make "${MAKEARGS[@]}"
check_match "  ... it changes compute" compute "$OUT"
run suture info "$WORK/cap.sut"
check_match "suture info says what it is built on" "built on: patch 'fix'" "$OUT"
check_match "suture info shows fix.diff and cap.diff" \
	"source diff 2: cap.diff" "$OUT"

section "order"
check_fails "apply cap.sut without fix.sut is refused" \
	suture apply "$pid" "$WORK/cap.sut"
check_match "  ... naming the patch it needs" "built on patch 'fix'.*not applied" "$OUT"
check_big old "after the refused apply"
check "apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
check_big fix "fix applied"
check "apply cap.sut on top" suture apply "$pid" "$WORK/cap.sut"
check_big capped "cap applied on fix"
check_feature "$port" fix new "cap applied on fix (vowels from fix)"
check_status "$pid" "both applied" fix cap
check_fails "revert fix under cap is refused" suture revert "$pid" fix
check_match "  ... naming cap" "cap" "$OUT"
check_big capped "after the refused revert"
check "revert cap" suture revert "$pid" cap
check_big fix "cap reverted: fix's code is back"
check "revert fix" suture revert "$pid"
check_big old "all reverted"
check_status "$pid" "all reverted"

section "only that exact patch will do"
build_patch "$WORK/fix-again.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" || finish
check_eq "building fix.diff again gives the same patch id" \
	"$(suture info "$WORK/fix.sut" | sed -n 's/^id: *//p')" \
	"$(suture info "$WORK/fix-again.sut" | sed -n 's/^id: *//p')"
# Another patch that calls itself "fix": fix2.diff under the same name.
check "build fix2.diff under the name fix" suture build --src "$SRC" \
	--patch "$TARGETS/calc/fix2.diff" --name fix --binary calc \
	-o "$WORK/fix-other.sut" -- make "${MAKEARGS[@]}"
check "apply that other 'fix'" suture apply "$pid" "$WORK/fix-other.sut"
check_fails "cap.sut on the other 'fix' is refused" \
	suture apply "$pid" "$WORK/cap.sut"
check_match "  ... because it is another patch of that name" \
	"another patch of that name" "$OUT"
check "revert the other 'fix'" suture revert "$pid"

section "an independent patch over the same function is applied, with a note"
build_patch "$WORK/fix2.sut" "$SRC" "$TARGETS/calc/fix2.diff" calc \
	"${MAKEARGS[@]}" || finish
check "apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
check "apply fix2.sut (built from the original, not on fix)" \
	suture apply "$pid" "$WORK/fix2.sut"
check_match "  ... saying that its version of compute wins over fix's" \
	"note: it also replaces .*patch 'fix'.*not built on" "$OUT"
check "revert --all" suture revert "$pid" --all
check_big old "after revert --all"

section "a stacked patch may not copy a variable its base added"
build_patch "$WORK/newvar.sut" "$SRC" "$TARGETS/calc/newvar.diff" calc \
	"${MAKEARGS[@]}" || finish
run suture build --src "$SRC" --on "$WORK/newvar.sut" \
	--patch "$TARGETS/calc/newvar-on.diff" --binary calc \
	-o "$WORK/newvar-on.sut" -- make "${MAKEARGS[@]}"
check_eq "building on newvar.sut a change that uses its new variable: refused" \
	1 "$RC"
check_match "  ... naming the variable and the patch that added it" \
	"greet_chars.*added by patch 'newvar'" "$OUT"
check_eq "  ... and no patch file is written" no \
	"$([ -e "$WORK/newvar-on.sut" ] && echo yes || echo no)"

section "cumulative: fix.diff and cap.diff in one patch"
check "suture build --patch fix.diff --patch cap.diff" suture build \
	--src "$SRC" --patch "$TARGETS/calc/fix.diff" \
	--patch "$TARGETS/calc/cap.diff" --binary calc --name both \
	-o "$WORK/both.sut" -- make "${MAKEARGS[@]}"
check "apply both.sut" suture apply "$pid" "$WORK/both.sut"
check_big capped "both applied"
check_feature "$port" fix new "both applied"
check "revert both" suture revert "$pid"
check_big old "both reverted"
check_alive "the process lives" "$pid" "$port"
finish
