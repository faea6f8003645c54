#!/bin/bash
# t-cache.sh - the build cache of `suture build` (README, "The build
# cache"):
#   cold      the first patch for an original builds both trees and fills
#             the cache
#   warm      a second patch for the same original restores the original
#             (not one compile of it runs) and compiles only the files
#             whose preprocessed source changed; the patch is byte-identical
#             to one built with --no-cache
#   header    a header changed under unchanged .c files: both miss, the
#             patch has the change
#   damaged   truncated and altered entries are detected, removed and
#             rebuilt, never used
#   without   --no-cache stores nothing; a cache that cannot be created is
#             a warning, not a failure; two builds at once share one cache
#   relative  a --cache-dir relative to the working directory is that
#             directory, also for the compiler wrapper
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin cache

FLAGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${FLAGS[@]}" || finish
export SUTURE_CACHE_DIR=$WORK/cache

# sb NAME DIFF [OPTIONS...] - suture build -v --keep of DIFF into
# $WORK/NAME.sut; output in $OUT, status in $RC, scratch dir in $KEPT.
sb() {
	local name=$1 diff=$2
	shift 2
	rm -f "$WORK/$name.sut"
	run "$SUTURE" build -v --keep --src "$SRC" \
		--patch "$TARGETS/calc/$diff" --binary calc "$@" \
		-o "$WORK/$name.sut" -- make "${FLAGS[@]}"
	KEPT=$(kept_scratch "$OUT")
	[ -n "$KEPT" ] && ALL_KEPT+=("$KEPT")
}
ALL_KEPT=()

# outcomes TREE - the wrapper's cache outcome of each compile of TREE in
# the last build, "FILE:OUTCOME" sorted (none: not cached).
outcomes() {
	cc_outcomes "$KEPT" "$1"
}

section "cold: the first patch for an original"
sb cold fix.diff
check_eq "suture build fix.diff with an empty cache" 0 "$RC"
check_match "  ... the original was not in the cache" \
	"orig: not in the build cache" "$OUT"
# The trees build at the same time: a file one of them compiled first is a
# hit in the other.
check_eq "  ... every source file was compiled (a miss in one tree)" \
	"calc.c server.c util.c" \
	"$( (outcomes orig; outcomes patched) | sed -n 's/:miss$//p' |
		sort -u | xargs)"
COLD=$KEPT
check_match "  ... and the original tree was stored" "." \
	"$(ls "$WORK/cache/t" 2>/dev/null)"

section "warm: a second patch for the same original"
sb warm string.diff
check_eq "suture build string.diff with the cache the first left" 0 "$RC"
check_match "  ... the original was restored" \
	"orig: restored from the build cache" "$OUT"
check_match "  ... only the patched tree was built" \
	"building the patched tree" "$OUT"
# Every compiler call appends to the log: the restored one is the cold
# build's, line for line, and nothing was added.
check_eq "  ... and not one compiler call of the original ran" \
	"$(sed "s|$COLD/|SCRATCH/|g" "$COLD/orig.cclog")" \
	"$(sed "s|$KEPT/|SCRATCH/|g" "$KEPT/orig.cclog")"
check_eq "  ... only calc.c (the file the diff changes) was compiled" \
	"calc.c:miss server.c:hit util.c:hit" "$(outcomes patched | xargs)"
check_match "  ... as the verbose report counts" \
	"patched: 3 compiles, 2 from the build cache" "$OUT"
sb nocache string.diff --no-cache
check_eq "the same patch built with --no-cache" 0 "$RC"
check_nomatch "  ... reads nothing from the cache" "build cache" "$OUT"
check "  ... is byte-identical to the one built from the cache" \
	cmp "$WORK/warm.sut" "$WORK/nocache.sut"

section "header: a header changed under unchanged .c files"
sb header inline.diff
check_eq "suture build inline.diff (changes only calc.h)" 0 "$RC"
check_eq "  ... calc.c and util.c, which include it, were compiled again" \
	"calc.c:miss server.c:hit util.c:miss" "$(outcomes patched | xargs)"
check_match "  ... and the patch has the callers in both files" \
	"util\\.c.*calc\\.c|calc\\.c.*util\\.c" \
	"$(sed -n '/^changed functions:/,/^[a-z]/p' <<<"$OUT" | xargs)"
sb header-nc inline.diff --no-cache
check "  ... byte-identical to the patch built without the cache" \
	cmp "$WORK/header.sut" "$WORK/header-nc.sut"

section "damaged: broken entries are rebuilt, not used"
n=0
for f in $(find "$WORK/cache/o" -type f | sort); do
	if ((n++ % 2)); then	# truncate half of them, alter the others
		truncate -s -100 "$f"
	else
		printf '\xff' | dd of="$f" bs=1 seek=2000 conv=notrunc status=none
	fi
done
sb damaged string.diff
check_eq "suture build string.diff with every object entry damaged" 0 "$RC"
check_eq "  ... each was found damaged and compiled again, none used" \
	"calc.c:damaged server.c:damaged util.c:damaged" \
	"$(outcomes patched | xargs)"
check_match "  ... saying so in the build's output" \
	"cache entry .* was damaged" "$(cat "$KEPT/patched.log")"
check "  ... the patch is the one built without the cache" \
	cmp "$WORK/damaged.sut" "$WORK/nocache.sut"
tree=$(find "$WORK/cache/t" -type f | head -n 1)
truncate -s 1000 "$tree"
sb damaged-tree string.diff
check_eq "suture build string.diff with the original's entry truncated" \
	0 "$RC"
check_match "  ... warns that it was damaged" \
	"warning: cache entry .* was damaged" "$OUT"
check_match "  ... and builds the original again" \
	"orig: not in the build cache" "$OUT"
check "  ... the patch is the one built without the cache" \
	cmp "$WORK/damaged-tree.sut" "$WORK/nocache.sut"
sb again string.diff
check_eq "the next build finds every object stored again" \
	"calc.c:hit server.c:hit util.c:hit" "$(outcomes patched | xargs)"
check_match "  ... and the original" "orig: restored from the build cache" \
	"$OUT"

section "without: no cache, a cache that cannot be written, two at once"
before=$(find "$WORK/cache" -type f | wc -l)
sb off fix.diff --no-cache
check_eq "--no-cache: built" 0 "$RC"
check_eq "  ... and stored nothing" "$before" \
	"$(find "$WORK/cache" -type f | wc -l)"
: >"$WORK/not-a-dir"
sb ro fix.diff --cache-dir "$WORK/not-a-dir/cache"
check_eq "a cache directory that cannot be created: built anyway" 0 "$RC"
check_match "  ... with a warning naming it" \
	"warning: cannot create the build cache .*not-a-dir" "$OUT"
check "  ... the same patch" cmp "$WORK/ro.sut" "$WORK/off.sut"
for i in 1 2; do
	"$SUTURE" build --src "$SRC" --patch "$TARGETS/calc/fix.diff" \
		--binary calc --cache-dir "$WORK/shared" -o "$WORK/par$i.sut" \
		-- make "${FLAGS[@]}" >"$WORK/par$i.log" 2>&1 &
done
wait
check "two builds at once into one empty cache: both the same patch" \
	cmp "$WORK/par1.sut" "$WORK/off.sut"
check "  ... the second too" cmp "$WORK/par2.sut" "$WORK/off.sut"
sb after fix.diff --cache-dir "$WORK/shared"
check_match "  ... and the cache they filled is whole" \
	"orig: restored from the build cache" "$OUT"
section "relative: a --cache-dir relative to the working directory"
# The compiler wrapper runs in the build's directories: the path must be
# made absolute before it gets there.
cd "$WORK" || finish
sb rel1 fix.diff --cache-dir relcache
check_eq "suture build with --cache-dir relcache" 0 "$RC"
check_match "  ... the objects are stored in it, in the working directory" \
	"." "$(find "$WORK/relcache/o" -type f 2>/dev/null | head -n 1)"
sb rel2 string.diff --cache-dir relcache
cd "$ROOT" || finish
check_match "  ... and the next build takes them from there" \
	"patched: 3 compiles, 2 from the build cache" "$OUT"
rm -rf "${ALL_KEPT[@]}"
finish
