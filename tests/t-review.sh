#!/bin/bash
# t-review.sh - suture review: the old machine code of every function a
# patch replaces next to its new code, with symbols, so a reviewer sees
# what will run: a changed string literal, a function that changed only
# because a static inline in a header did, new functions.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin review

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
for d in string inline helper; do
	build_patch "$WORK/$d.sut" "$SRC" "$TARGETS/calc/$d.diff" calc \
		"${MAKEARGS[@]}" || finish
done

section "a changed string literal"
check "suture review string.sut" suture review "$WORK/string.sut"
check_match "  ... names the patch and its target" \
	"^patch string for $SRC/calc: 2 functions replaced" "$OUT"
check_match "  ... lists greet" '^=== greet[: ]' "$OUT"
check_match "  ... the old literal, marked -" '^ - .*"hello, %s"' "$OUT"
check_match "  ... the new literal, marked +" '^ \+ .*"Hello, %s!"' "$OUT"
# unmarked: both sides name the call alike
check_match "  ... calls by name" '^ {3} *[0-9a-f]+  (call[q]?|jmp) snprintf' "$OUT"
marked=$(grep -c '^ [-+]' <<<"$OUT")
all=$(grep -c '^ [ +-] ' <<<"$OUT")
check "  ... marks only what changed ($marked of $all lines)" \
	test "$marked" -gt 0 -a "$marked" -lt $((all / 4))

# differing NAME TEXT - how many instructions review's output TEXT says
# differ in NAME's block
differing() {
	awk -v f="=== $1:" 'index($0, f) == 1 { on = 1; next } /^===/ { on = 0 }
		on && /instructions? differ/ { gsub(/[^0-9]/, ""); print }' <<<"$2"
}

section "what the source diff does not say"
run "$SUTURE" review "$WORK/inline.sut"
check_eq "suture review inline.sut" 0 "$RC"
inline=$OUT
check "inline.diff touches calc.h only, yet percent's code changed" \
	test "$(differing percent "$inline")" -gt 0
check "  ... and draw_bar's, in util.c" \
	test "$(differing draw_bar "$inline")" -gt 0
run "$SUTURE" review "$WORK/helper.sut"
check_eq "suture review helper.sut" 0 "$RC"
check_match "a new function is listed whole" \
	'^=== new function digest_step' "$OUT"

section "refused"
check_fails "review against another binary" \
	suture review "$WORK/string.sut" --target /bin/true
check_match "  ... saying the build differs" "build-id differs" "$OUT"
check_fails "review of a file that is no patch" \
	suture review "$SRC/calc.c"
check_match "  ... saying so" "is not a suture patch" "$OUT"
finish
