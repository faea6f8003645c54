#!/bin/bash
# t-corner.sh - corner cases of `suture build` on targets/corner, each
# either patched right or refused with its own message:
#   -O0 literals  gcc and clang at -O0, lits.diff drops the string literal
#                 of lit_second: only lit_second changes (gcc's lit_first
#                 literal was followed by padding before the dropped one),
#                 the patch applies and works
#   --on a lib    libone.so has exactly one function: one2.diff built --on
#                 one.sut checks it against one.sut's code (refused when
#                 built otherwise), applies over it, reverts in order
#   never leaves  beat.diff changes a heartbeat loop that never returns, a
#                 diff to main changes main: the build warns naming the
#                 function (and apply does time out); other diffs do not
#   too short     tiny.diff changes a 3-byte function: built, its jump
#                 using the padding after it
#   LTO           a tree built with -flto: refused
#   .cold         cold.diff changes what gcc split into cold_fn.cold:
#                 cold_fn and its part are patched together
#   statics       statics.diff gives tick_a a static n, which renumbers
#                 gcc's n.N of tick_b and tick_c: only tick_a changes, its
#                 counter is new, theirs keep counting
. "$(dirname "$0")/lib.sh"
begin corner

D=$TARGETS/corner
MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/corner
make_tree corner "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
NEVER="never leaves it"

section "-O0 literals: only the function that lost its literal changes"
for cc in gcc clang; do
	args=(CC=$cc "CFLAGS=-O0 -g")
	tree=$WORK/o0-$cc
	make_tree corner "$tree"
	build_tree "$tree" "${args[@]}" || continue
	build_patch "$WORK/lits-$cc.sut" "$tree" "$D/lits.diff" corner \
		"${args[@]}" || continue
	check_match "$cc -O0: lit_second is changed" '^  lit_second ' "$OUT"
	check_nomatch "$cc -O0: lit_first and lit_third are not" \
		'^  lit_(first|third) ' "$OUT"
	run suture info "$WORK/lits-$cc.sut"
	check_match "$cc -O0: the patch replaces one function" \
		'replaces 1 function:' "$OUT"
	check_match "  ... lit_second" '^  lit_second +at ' "$OUT"
	start_target L "$tree/corner" || continue
	check_ask "$cc -O0: before, lit 2" "$L_PORT" "lit 2" \
		"second: a literal longer than thirty-two bytes"
	check "$cc -O0: apply" suture apply "$L_PID" "$WORK/lits-$cc.sut"
	check_ask "$cc -O0: applied, lit 2 is gone" "$L_PORT" "lit 2" "-"
	check_ask "$cc -O0: applied, lit 1" "$L_PORT" "lit 1" \
		"first: a short literal"
	check_ask "$cc -O0: applied, lit 3" "$L_PORT" "lit 3" "third"
	check "$cc -O0: revert" suture revert "$L_PID"
	check_ask "$cc -O0: reverted, lit 2 is back" "$L_PORT" "lit 2" \
		"second: a literal longer than thirty-two bytes"
	stop_target "$L_PID"
done

section "--on for a library with one function"
start_target O "$SRC/corner" || finish
build_patch "$WORK/one.sut" "$SRC" "$D/one.diff" libone.so \
	"${MAKEARGS[@]}" || finish
check "suture build --on one.sut --patch one2.diff (libone.so)" \
	suture build --src "$SRC" --on "$WORK/one.sut" --patch "$D/one2.diff" \
	--binary libone.so -o "$WORK/one2.sut" -- make "${MAKEARGS[@]}"
# The report's count is printed with or without --on: it only says the
# library's one function was compared.  That the patch is built on one.sut
# shows in what it records (the -O0 refusal below names the base).
check_match "  ... the rebuilt original's one function checked" \
	'checked 1 functions' "$OUT"
run suture info "$WORK/one2.sut"
check_match "  ... one2.sut is built on one.sut (suture info)" \
	"^built on: patch 'one' \(id [0-9a-f]+\), which must be applied first\$" "$OUT"
check_ask "before: one 5" "$O_PORT" "one 5" 6
check "apply one.sut" suture apply "$O_PID" "$WORK/one.sut"
check_ask "one applied: one 5" "$O_PORT" "one 5" 7
check "apply one2.sut over it" suture apply "$O_PID" "$WORK/one2.sut"
check_ask "one2 applied: one 5" "$O_PORT" "one 5" 8
check "revert one2" suture revert "$O_PID" one2
check_ask "one2 reverted: one 5" "$O_PORT" "one 5" 7
check "revert one" suture revert "$O_PID" one
check_ask "one reverted: one 5" "$O_PORT" "one 5" 6
stop_target "$O_PID"
# Built at -O0, our one_value is not the code one.sut put there.
check_fails "--on one.sut built at -O0 is refused" \
	suture build --src "$SRC" --on "$WORK/one.sut" --patch "$D/one2.diff" \
	--binary libone.so -o "$WORK/one2-O0.sut" -- make CC=gcc "CFLAGS=-O0 -g"
check_match "  ... one_value differs from patch 'one'" \
	"one_value \([^)]*one\.o\): differs at .* in patch 'one'\)" "$OUT"

section "never leaves: a changed loop that never returns, and main"
build_patch "$WORK/beat.sut" "$SRC" "$D/beat.diff" corner "${MAKEARGS[@]}"
check_match "beat.diff: the build warns, naming beat" \
	"warning: function beat \(loop\.o\) is changed, but a thread that runs it $NEVER: its code has no way to return" \
	"$OUT"
check_match "  ... saying what apply will do and what to do instead" \
	"wait for that until --timeout and fail.*Move the change into a function the loop calls" \
	"$OUT"
start_target B "$SRC/corner" || finish
check_fails "  ... and apply does wait until its --timeout" \
	suture apply "$B_PID" "$WORK/beat.sut" --timeout 1
check_match "  ... for beat" "function beat is in use" "$OUT"
stop_target "$B_PID"
# A diff to main (server.c's), made here from the file in the tree.
mkdir -p "$WORK/m/a" "$WORK/m/b"
cp "$SRC/server.c" "$WORK/m/a/"
sed 's/\t\treturn 2;/\t\treturn 3;/' "$SRC/server.c" >"$WORK/m/b/server.c"
(cd "$WORK/m" && diff -u a/server.c b/server.c >main.diff)
check_eq "the diff to main changes server.c" 1 "$?"
build_patch "$WORK/main.sut" "$SRC" "$WORK/m/main.diff" corner \
	"${MAKEARGS[@]}"
check_match "main.diff: the build warns, naming main" \
	"warning: function main \(server\.o\) is changed, but a thread that runs it $NEVER: the main thread leaves main only to exit" \
	"$OUT"

section "too short: a changed function shorter than a trampoline"
# (t-tiny covers these functions; here: one alone in its object, whose
# padding is what the linker put between two objects' code)
build_patch "$WORK/tiny.sut" "$SRC" "$D/tiny.diff" corner "${MAKEARGS[@]}"
run "$SUTURE" info "$WORK/tiny.sut"
check_match "  ... its jump spills into the padding the linker left after it" \
	"tiny .* 3 bytes \(its jump uses the [0-9]+ bytes of padding after it\)" \
	"$OUT"

section "LTO: a tree built with -flto"
LTO=$WORK/lto
LTOARGS=(CC=gcc "CFLAGS=-O2 -g -flto")
make_tree corner "$LTO"
if build_tree "$LTO" "${LTOARGS[@]}"; then
	check_fails "a patch for the -flto build is refused" \
		suture build --src "$LTO" --patch "$D/cold.diff" \
		--binary corner -o "$WORK/lto.sut" -- make "${LTOARGS[@]}"
	check_match "  ... naming the LTO bytecode" \
		"holds LTO bytecode \(-flto\); suture compares machine code, so build without -flto" \
		"$OUT"
fi

section ".cold: a function and its split-off part change together"
build_patch "$WORK/cold.sut" "$SRC" "$D/cold.diff" corner "${MAKEARGS[@]}"
check_match "cold_fn.cold is changed" '^  cold_fn\.cold .*split-off part' \
	"$OUT"
check_match "  ... and cold_fn with it" '^  cold_fn ' "$OUT"
check_nomatch "  ... without a warning that it never returns" "$NEVER" "$OUT"
start_target C "$SRC/corner" || finish
check_ask "before: cold -5" "$C_PORT" "cold -5" 15
check "apply cold.sut" suture apply "$C_PID" "$WORK/cold.sut"
check_ask "applied: cold -5 takes the new cold path" "$C_PORT" "cold -5" 20
check_ask "applied: cold 5 (hot path)" "$C_PORT" "cold 5" 10
check "revert cold.sut" suture revert "$C_PID"
check_ask "reverted: cold -5" "$C_PORT" "cold -5" 15
stop_target "$C_PID"

section "statics: a new local static renumbers gcc's n.N of the others"
build_patch "$WORK/statics.sut" "$SRC" "$D/statics.diff" corner \
	"${MAKEARGS[@]}"
check_match "tick_a is changed" '^  tick_a ' "$OUT"
check_nomatch "  ... tick_b and tick_c are not" '^  tick_[bc] ' "$OUT"
check_nomatch "  ... without a warning that it never returns" "$NEVER" "$OUT"
start_target S "$SRC/corner" || finish
check_ask "before: tick b" "$S_PORT" "tick b" 1
check_ask "before: tick b again" "$S_PORT" "tick b" 2
check_ask "before: tick c" "$S_PORT" "tick c" 1001
check_ask "before: tick a" "$S_PORT" "tick a" -1
check "apply statics.sut" suture apply "$S_PID" "$WORK/statics.sut"
check_ask "applied: tick a has a counter of its own" "$S_PORT" "tick a" 501
check_ask "applied: tick a counts" "$S_PORT" "tick a" 502
check_ask "applied: tick b kept its count" "$S_PORT" "tick b" 3
check_ask "applied: tick c kept its count" "$S_PORT" "tick c" 1002
check "revert statics.sut" suture revert "$S_PID"
check_ask "reverted: tick a" "$S_PORT" "tick a" -1
check_ask "reverted: tick b still counts" "$S_PORT" "tick b" 4
stop_target "$S_PID"
finish
