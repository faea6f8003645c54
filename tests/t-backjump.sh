#!/bin/bash
# t-backjump.sh - a function that branches back into its own first five
# bytes, past a byte no decoder takes (targets/backjump: count_up).  Its
# gate (the way to the old code while the patch is not committed) would
# run the old code with the patch's jump over those bytes, and the branch
# would land in the middle of the jump; so suture builds none for a
# function whose code it cannot decode whole.  Shown where it matters:
# suture killed right after writing the jump, before the commit, leaves
# the program running count_up through that jump.  Without the care the
# gate was built, and the program died at its next count.
. "$(dirname "$0")/lib.sh"
begin backjump

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/backjump
make_tree backjump "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/backjump/fix.diff" backjump \
	"${MAKEARGS[@]}" || finish

# the premise: count_up holds a byte objdump cannot decode, and a branch
# to count_up + 2 after it
listing=$(objdump -d --no-show-raw-insn "$SRC/backjump" |
	sed -n '/<count_up>:/,/ret/p')
check_match "count_up holds an undecodable byte" '\(bad\)' "$listing"
check_match "  ... and, after it, a branch back to its third byte" \
	'jl +[0-9a-f]+ <count_up\+0x2>' "$listing"

# killed_at WHAT - start the target, kill an apply at its fault point
# WHAT (SUTURE_FAULT=1, 2, ... until one names it); P, P_PORT the target.
killed_at() {
	local n out
	for ((n = 1; n < 100; n++)); do
		start_target P "$SRC/backjump" || return 1
		out=$(SUTURE_FAULT=$n "$SUTURE" apply "$P_PID" "$WORK/fix.sut" 2>&1)
		grep -q "killed at step $n ($1)" <<<"$out" && return 0
		stop_target "$P_PID"
		grep -q "killed at step" <<<"$out" || break
	done
	echo "no fault point '$1': $out"
	return 1
}

section "suture killed between the jump and the commit"
if killed_at "trampoline written"; then
	pass "an apply killed right after it wrote count_up's jump"
	got=$(ask "$P_PORT" "count 5")
	case $got in
	5 | 6) pass "count_up through its jump answers ($got)" ;;
	*) fail "count_up through its jump answers" "got '$got'" ;;
	esac
	check_alive "  ... and the program lives" "$P_PID" "$P_PORT"
	check "the next apply finishes the work" \
		"$SUTURE" apply "$P_PID" "$WORK/fix.sut"
	check_ask "  ... the new count_up runs" "$P_PORT" "count 5" 6
	check "revert" "$SUTURE" revert "$P_PID"
	check_ask "  ... the old count_up runs" "$P_PORT" "count 5" 5
	stop_target "$P_PID"
else
	fail "find the apply's fault point 'trampoline written'"
fi
finish
