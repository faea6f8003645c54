#!/bin/bash
# t-stack.sh - two patches replacing the same function: fix.diff, then
# fix2.diff (fix.diff plus a cap on n).  The later one wins; reverting the
# earlier one out of order is refused; reverting the later one brings the
# earlier one's code back; reverting that brings the original back.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin stack

MAKEARGS=(CC=clang "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
start_target C "$SRC/calc" || finish
pid=$C_PID port=$C_PORT


build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}"
build_patch "$WORK/fix2.sut" "$SRC" "$TARGETS/calc/fix2.diff" calc \
	"${MAKEARGS[@]}"
a=$(patch_name "$WORK/fix.sut")
b=$(patch_name "$WORK/fix2.sut")
check_ne "the two patches have different names" "$a" "$b"
check_big old "before apply"

section "apply both"
check "suture apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
check_big fix "fix applied"
check "suture apply fix2.sut on top" suture apply "$pid" "$WORK/fix2.sut"
check_big capped "both applied"
check_feature "$port" fix new "both applied"
check_status "$pid" "both applied" "$a" "$b"
js=$("$SUTURE" status "$pid" --json 2>/dev/null)
check_eq "status --json lists them oldest first" "$a $b" \
	"$(json_get "$js" 'my $p = ref $j eq "ARRAY" ? $j : $j->{patches};
		join " ", map { $_->{name} } @$p' 2>&1)"

section "out-of-order revert"
check_fails "reverting $a under $b is refused" suture revert "$pid" "$a"
check_match "  ... naming the later patch" "$b" "$OUT"
check_big capped "after the refused revert"
check_status "$pid" "after the refused revert" "$a" "$b"

section "revert in order"
check "suture revert (the most recent: $b)" suture revert "$pid"
check_big fix "after reverting $b"
check_status "$pid" "after reverting $b" "$a"
check "suture revert $a" suture revert "$pid" "$a"
check_big old "after reverting both"
check_feature "$port" fix old "after reverting both"
check_status "$pid" "after reverting both"
check_state "$port" "at the end"
check_alive "alive at the end" "$pid" "$port"
finish
