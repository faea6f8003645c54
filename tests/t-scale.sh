#!/bin/bash
# t-scale.sh - size and leaks.
#   big     targets/scale: 500 generated functions (gen.pl), about 1 MB of
#           code, and a generated diff that changes every one of them.
#           Apply and revert must switch all 500 (the target counts each
#           function's version bit and checksums the rest of every result,
#           which must not change); the pause is printed.
#   cycles  1000 apply/revert cycles on one calc process: afterwards its
#           /proc/PID/maps has as many lines and as many mapped bytes as
#           before, as many descriptors, as many threads, and it still
#           behaves (old code, then new code on one more apply).
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin scale

NFUNCS=${SCALE_FUNCS:-500}
STEPS=${SCALE_STEPS:-60}
CYCLES=${SCALE_CYCLES:-1000}
# -O1 without -g: gcc takes minutes over these functions at -O2 -g.
MAKEARGS=(-j2 CC=gcc "CFLAGS=-O1")

# mapped_bytes - the total size of the /proc/PID/maps lines on stdin.
mapped_bytes() {
	local range rest sum=0
	while read -r range rest; do
		sum=$((sum + 16#${range#*-} - 16#${range%-*}))
	done
	echo "$sum"
}

section "big: $NFUNCS functions, all changed"
SRC=$WORK/scale
make_tree scale "$SRC"
t0=$SECONDS
perl "$TARGETS/scale/gen.pl" "$SRC" "$NFUNCS" "$STEPS" 0
mkdir -p "$WORK/diff/a" "$WORK/diff/b"
cp "$SRC"/f[0-9]*.c "$WORK/diff/a/"
perl "$TARGETS/scale/gen.pl" "$WORK/diff/b" "$NFUNCS" "$STEPS" 1
rm -f "$WORK/diff/b/scale.h" "$WORK/diff/b/table.c"
(cd "$WORK/diff" && diff -ruN a b >"$WORK/all.diff")
check_eq "the generated diff changes $NFUNCS functions" "$NFUNCS" \
	"$(grep -c '^+	return (x << 1) | 1;' "$WORK/all.diff")"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
echo "# generated and built in $((SECONDS - t0)) s"
code=$(size -A "$SRC/scale" | awk '$1 == ".text" {print $2}')
echo "# .text of the target: $code bytes"
check "the target has over 1 MB of code" test "$code" -gt 1000000
start_target B "$SRC/scale" || finish
before=$(ask "$B_PORT" "sum 7")
check_match "all $NFUNCS functions give version 0" \
	"^n=$NFUNCS v0=$NFUNCS v1=0 hash=" "$before"
hash=${before##*hash=}
t0=$SECONDS
# without -g the data-layout check needs --accept-no-debug (not the subject)
BUILD_OPTS=(--accept-no-debug)
build_patch "$WORK/all.sut" "$SRC" "$WORK/all.diff" scale "${MAKEARGS[@]}" || finish
BUILD_OPTS=()
echo "# suture build took $((SECONDS - t0)) s; patch file $(stat -c %s "$WORK/all.sut") bytes"
check_match "suture build lists $NFUNCS changed functions" \
	"^$NFUNCS\$" "$(grep -cE '^  sf_[0-9]+ ' <<<"$OUT")"
check "apply $NFUNCS functions" suture apply "$B_PID" "$WORK/all.sut"
echo "# apply: ${OUT##*: }"
check_match "  ... says $NFUNCS functions" "$NFUNCS functions replaced" "$OUT"
check_eq "after apply all $NFUNCS functions give version 1, same hashes" \
	"n=$NFUNCS v0=0 v1=$NFUNCS hash=$hash" "$(ask "$B_PORT" "sum 7")"
region=$(suture_maps "$B_PID" | mapped_bytes)
echo "# patch region: $region bytes"
check "the region holds the new code (over 1 MB)" test "$region" -gt 1000000
check "revert $NFUNCS functions" suture revert "$B_PID"
echo "# revert: ${OUT##*: }"
check_eq "after revert all give version 0 again" "$before" \
	"$(ask "$B_PORT" "sum 7")"
check_eq "no suture region left" "" "$(suture_maps "$B_PID")"
check "apply again" suture apply "$B_PID" "$WORK/all.sut"
check_eq "all give version 1 again" \
	"n=$NFUNCS v0=0 v1=$NFUNCS hash=$hash" "$(ask "$B_PORT" "sum 7")"
check "revert again" suture revert "$B_PID"
check_alive "alive" "$B_PID" "$B_PORT"
stop_target "$B_PID"

section "cycles: $CYCLES apply/revert cycles on one process"
CSRC=$WORK/calc
calc_build "$CSRC" CC=gcc "CFLAGS=-O2 -g" || finish
build_patch "$WORK/fix.sut" "$CSRC" "$TARGETS/calc/fix.diff" calc \
	CC=gcc "CFLAGS=-O2 -g" || finish
start_target C "$CSRC/calc" -t || finish
# footprint - maps lines, mapped bytes, descriptors, threads of calc.
footprint() {
	echo "maps=$(wc -l <"/proc/$C_PID/maps")" \
		"bytes=$(mapped_bytes <"/proc/$C_PID/maps")" \
		"fds=$(ls "/proc/$C_PID/fd" | wc -l)" \
		"threads=$(ls "/proc/$C_PID/task" | wc -l)"
}
# One apply/revert first, so that whatever the first one sets up for good
# (nothing should) is not counted as a leak.
suture apply "$C_PID" "$WORK/fix.sut" >/dev/null && suture revert "$C_PID" >/dev/null
ask "$C_PORT" ping >/dev/null
fp0=$(footprint)
maps0=$(cat "/proc/$C_PID/maps")
t0=$SECONDS
ok=0
for ((i = 0; i < CYCLES; i++)); do
	"$SUTURE" apply "$C_PID" "$WORK/fix.sut" >"$WORK/cycle.out" 2>&1 &&
		"$SUTURE" revert "$C_PID" >>"$WORK/cycle.out" 2>&1 || break
	ok=$((ok + 1))
done
echo "# $ok cycles in $((SECONDS - t0)) s"
check_eq "$CYCLES of $CYCLES cycles worked" "$CYCLES" "$ok"
[ "$ok" = "$CYCLES" ] || cat "$WORK/cycle.out"
ask "$C_PORT" ping >/dev/null
check_eq "the same maps lines, mapped bytes, descriptors and threads" \
	"$fp0" "$(footprint)"
[ "$fp0" = "$(footprint)" ] ||
	diff <(echo "$maps0") "/proc/$C_PID/maps" | head -n 20
check_eq "no suture region left" "" "$(suture_maps "$C_PID")"
CALC_CALLS=0
check_feature "$C_PORT" fix old "after $CYCLES cycles"
check "one more apply" suture apply "$C_PID" "$WORK/fix.sut"
check_feature "$C_PORT" fix new "after one more apply"
check "one more revert" suture revert "$C_PID"
check_alive "alive after $CYCLES cycles" "$C_PID" "$C_PORT"
finish
