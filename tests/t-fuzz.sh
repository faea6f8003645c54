#!/bin/bash
# t-fuzz.sh - replay the fuzzing corpus (tests/fuzz/corpus/NAME/*) through
# each libFuzzer harness (tests/fuzz/fuzz-NAME.c), built by `make fuzzers`
# with clang under AddressSanitizer and UndefinedBehaviorSanitizer.  Not a
# fuzzing run (that is `make fuzz`): every file is read once, and any
# memory error, leak or undefined behaviour fails the test.  The corpus
# holds real files (seed-*, tests/fuzz/seed.sh), crafted hostile patch
# files (hostile-*) and inputs that once crashed a reader (found-*).
. "$(dirname "$0")/lib.sh"
begin fuzz

section "build the harnesses"
run make -C "$ROOT" -j2 fuzzers
if [ "$RC" -ne 0 ]; then
	fail "make fuzzers (clang with libFuzzer, ASan and UBSan)" "$OUT"
	finish
fi
pass "make fuzzers"

for src in "$TESTS"/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	files=("$TESTS/fuzz/corpus/$name"/*)
	section "fuzz-$name: ${#files[@]} corpus files"
	# -runs=1 per file, in one process; leaks are reported too.
	run env ASAN_OPTIONS=detect_leaks=1 \
		"$ROOT/build/fuzz/fuzz-$name" "${files[@]}"
	check_eq "fuzz-$name reads all ${#files[@]} corpus files without a sanitizer report" \
		0 "$RC"
	[ "$RC" -ne 0 ] &&
		grep -E 'Running:|ERROR|SUMMARY|runtime error' <<<"$OUT" | tail -n 20
	check_eq "  ... and says it executed each of them" "${#files[@]}" \
		"$(grep -c '^Executed ' <<<"$OUT")"
done
finish
