#!/bin/bash
# t-layers.sh - scripts/layers, the check of the sources' layering from their
# `#include "..."` lines: the tree has no include cycle and src/process/
# includes nothing above it; and in scratch copies of src/ with one include
# added each, it names the cycle (as the chain of includes) or the
# forbidden include and exits 1.  The added includes are the ones the
# tree had before the layer was split out (safety.c reading the patch
# state, revert.c including apply.h).
. "$(dirname "$0")/lib.sh"
begin layers

LAYERS=$ROOT/scripts/layers

# scratch NAME FILE LINE - a copy of src/ in $WORK/NAME with LINE added
# after the first #include of FILE; prints the copy's path.
scratch() {
	local dir=$WORK/$1
	cp -r "$ROOT/src" "$dir" &&
		sed -i "0,/^#include/s||$3\n&|" "$dir/$2" &&
		grep -qF "$3" "$dir/$2" && echo "$dir"
}

section "the tree"
check "scripts/layers passes on src/" "$LAYERS"
check_eq "and prints nothing" "" "$OUT"
check "src/process/ exists and holds the process control" \
	test -f "$ROOT/src/process/session.c" -a -f "$ROOT/src/process/rsyscall.c"

section "safety.c reading the patch state again"
D=$(scratch state process/safety.c '#include "apply/state.h"')
check_fails "refused" "$LAYERS" "$D"
check_match "the forbidden include named" \
	'^layers: process/safety\.c includes apply/state\.h: process/ may include only process/, util/, arch/$' \
	"$OUT"
CYCLE=$(printf '%s\n' "$OUT" | grep '^layers: include cycle: ')
check_match "the circle hooks -> rcall -> rsyscall -> safety -> state -> hooks" \
	'^layers: include cycle: apply/hooks\.h -> process/rcall\.h -> process/rsyscall\.h, process/rsyscall\.c -> process/safety\.h, process/safety\.c -> apply/state\.h, apply/state\.c -> apply/hooks\.h$' \
	"$CYCLE"

section "revert.c including apply.h again"
D=$(scratch revert apply/revert.c '#include "apply/apply.h"')
check_fails "refused" "$LAYERS" "$D"
check_eq "the circle apply <-> revert, and nothing else" \
	"layers: include cycle: apply/apply.c -> apply/revert.h, apply/revert.c -> apply/apply.h" \
	"$OUT"

section "a .c and its .h are one node"
# Neither header includes the other: only the .c files close the circle.
D=$(scratch procmem process/proc.c '#include "process/rmem.h"')
check_fails "refused" "$LAYERS" "$D"
check_eq "proc and rmem name each other through their .c files" \
	"layers: include cycle: process/proc.c -> process/rmem.h, process/rmem.c -> process/proc.h" \
	"$OUT"

section "forbidden includes without a cycle"
D=$(scratch patch process/rmem.c '#include "patchfile/patch.h"')
check_fails "patchfile/ from process/ refused" "$LAYERS" "$D"
check_eq "named, and nothing else" \
	"layers: process/rmem.c includes patchfile/patch.h: process/ may include only process/, util/, arch/" \
	"$OUT"
D=$(scratch hookapi process/rcall.c '#include "suture.h"')
check_fails "include/suture.h from process/ refused" "$LAYERS" "$D"
check_match "named" '^layers: process/rcall\.c includes suture\.h: ' "$OUT"
D=$(scratch down apply/region.c '#include "process/seccomp.h"')
check "apply/ including a process/ header is fine" "$LAYERS" "$D"

section "usage"
check_fails "a directory that does not exist refused" \
	"$LAYERS" "$WORK/no-such-src"
check_match "with the usage" 'usage: scripts/layers \[SRCDIR\]' "$OUT"
finish
