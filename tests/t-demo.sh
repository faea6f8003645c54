#!/bin/bash
# t-demo.sh - examples/demo/run works (so the demo cannot rot): it exits 0,
# the narration shows the leak, the fix taking effect in the same process
# and the revert, and it leaves no process behind.
. "$(dirname "$0")/lib.sh"
begin demo

run "$ROOT/examples/demo/run"
printf '%s\n' "$OUT" >"$WORK/demo.out"
check_eq "examples/demo/run exits 0" 0 "$RC"
check_match "it shows the leak before the patch" \
	'item 3 -> INTERNAL gateway key' "$OUT"
check_match "it applies the patch" "applied 'item-bounds'" "$OUT"
check_match "the client's connection sees the fix" \
	"same connection.*item 3 -> error: no product '3'" "$OUT"
check_match "it says the leak is gone" 'the leak is gone' "$OUT"
check_match "status lists the patch" 'item-bounds' \
	"$(sed -n '/suture status shows/,/Reverting/p' <<<"$OUT")"
check_match "after revert the leak is back" 'leaks again' "$OUT"
check_nomatch "nothing unexpected" 'UNEXPECTED|demo failed' "$OUT"
left=""
for p in /proc/[0-9]*; do
	case $(readlink "$p/exe" 2>/dev/null) in
	"$ROOT"/examples/demo/work/*) left="$left ${p#/proc/}" ;;
	esac
done
check_eq "the demo left no process running" "" "$left"
finish
