#!/bin/bash
# t-patchfile.sh - the patch file reader against damaged and hostile files.
#
# A real patch (calc + fix.diff) is the seed.  tests/fuzz/patchfile-damage.c,
# built by make with AddressSanitizer and UndefinedBehaviorSanitizer, checks
# that every one-byte change and every truncation is refused.  (Hostile
# files with a recomputed checksum: tests/fuzz/fuzz-patch.c, `make fuzz`,
# and its corpus replayed by t-fuzz.sh.)  Then suture itself gets a few
# hostile files, and the build record is checked to be in .suture.build,
# not in the manifest (an older file's, in its manifest, still read; one
# in both refused).
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin patchfile

SRC=$WORK/calc
calc_build "$SRC" CC=gcc "CFLAGS=-O2 -g" || finish
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	CC=gcc "CFLAGS=-O2 -g" || finish

section "reader under sanitizers"
FUZZ=$ROOT/build/fuzz/patchfile-damage
run make -C "$ROOT" -j2 build/fuzz/patchfile-damage
if [ "$RC" -ne 0 ]; then
	fail "make build/fuzz/patchfile-damage (clang, ASan, UBSan)" "$OUT"
	finish
fi
run env ASAN_OPTIONS=detect_leaks=1 "$FUZZ" "$WORK/fix.sut"
printf '%s\n' "$OUT" | grep -E '^(ok|FAIL) - '
PASSED=$((PASSED + $(grep -c '^ok - ' <<<"$OUT")))
FAILED=$((FAILED + $(grep -c '^FAIL - ' <<<"$OUT")))
check_eq "the harness ran to the end without a sanitizer report" 0 "$RC"
[ "$RC" -ne 0 ] && printf '%s\n' "$OUT" | tail -n 30

section "suture info on hostile files"
# A valid checksum over garbage: the reader must refuse, not crash.
head -c 4000 /dev/urandom >"$WORK/garbage"
perl -MCompress::Zlib -e '
	local $/; open my $f, "<", $ARGV[0] or die; my $b = <$f>;
	print $b, "SUTCRC32", pack("V", crc32($b)), pack("V", length $b);' \
	"$WORK/garbage" >"$WORK/garbage.sut"
run "$SUTURE" info "$WORK/garbage.sut"
check_eq "garbage with a checksum trailer: refused" 1 "$RC"
check_match "  ... because it is malformed, not for its checksum" \
	"malformed|not a 64-bit ELF" "$OUT"
: >"$WORK/empty.sut"
run "$SUTURE" info "$WORK/empty.sut"
check_eq "empty file: refused" 1 "$RC"
check_match "  ... saying it is not a patch" "not a suture patch" "$OUT"
run "$SUTURE" info "$WORK/no-such-file.sut"
check_eq "missing file: refused" 1 "$RC"
check_match "  ... naming it" "no-such-file" "$OUT"

section "the build record, apart from the manifest"
# docs/FORMAT.md: .suture.build holds it, so that apply never parses it.
objcopy --dump-section .suture.manifest="$WORK/manifest.json" \
	"$WORK/fix.sut" /dev/null
check "the manifest is JSON" python3 -c 'import json, sys
json.load(open(sys.argv[1]))' "$WORK/manifest.json"
check_fails "  ... without the build record" grep -q '"build"' \
	"$WORK/manifest.json"
check_match "the file has a .suture.build section" "\.suture\.build" \
	"$(readelf -SW "$WORK/fix.sut")"
run "$SUTURE" info "$WORK/fix.sut"
check_match "suture info shows the diff from it" \
	"^--- source diff 1: fix\.diff" "$OUT"
# A file written before .suture.build (the fuzz corpus's seed) keeps its
# record in the manifest.
run "$SUTURE" info "$TESTS/fuzz/corpus/patch/seed-fix.sut"
check_match "an older file: its record read from the manifest" \
	"^--- source diff 1: fix\.diff" "$OUT"
# Both: which one would info show?  Neither: refused.
run python3 "$TESTS/sutedit.py" "$WORK/fix.sut" "$WORK/both.sut" manifest \
	"m['build'] = {'tool': 'another record'}"
run "$SUTURE" info "$WORK/both.sut"
check_eq "a record both in the manifest and in .suture.build: refused" 1 \
	"$RC"
check_match "  ... saying so" \
	"a build record both in the manifest and in \.suture\.build" "$OUT"
finish
