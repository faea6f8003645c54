#!/bin/bash
# t-data.sh - suture build refuses a patch that changes data the running
# process holds: a struct member added, an enum value added, a variable's
# type changed, a variable removed; each refusal names the type or the
# variable and shows both layouts.  A type that only untouched code uses may
# change; a code-only fix of the same service is accepted and applied.
. "$(dirname "$0")/lib.sh"
begin data

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/store
make_tree store "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish

# refused DIFF WHAT ERE... - suture build of DIFF fails, and its output
# matches every ERE.
refused() {
	local d=$1 what=$2 re
	shift 2
	rm -f "$WORK/$d.sut"
	check_fails "$what ($d.diff) is refused" \
		"$SUTURE" build --src "$SRC" --patch "$TARGETS/store/$d.diff" \
		--binary store -o "$WORK/$d.sut" -- make "${MAKEARGS[@]}"
	for re in "$@"; do
		check_match "  ... output matches /$re/" "$re" "$OUT"
	done
	check "  ... and no patch file is written" test ! -e "$WORK/$d.sut"
}

section "refused"
refused member "a member added to struct item" \
	"struct item \(store.c\): 'unsigned int flags @32' added" \
	'old: struct item\(32 bytes\) \{ int id @0; enum item_state state @4; qty_t qty @8; char\[16\] name @16 \}' \
	'new: struct item\(40 bytes\) .*; unsigned int flags @32 \}' \
	'variable items \(store.c\)' 'old: struct item\[32\], 1024 bytes' 'shadow data'
refused enum "a value added to enum item_state" \
	"enum item_state \(store.c\): 'ITEM_HELD=2' added" \
	'old: .*ITEM_GONE=2' 'new: .*ITEM_GONE=3'
refused vartype "a variable's type changed" \
	'variable takes \(store.c\): its type or size changed' \
	'old: long unsigned int, 8 bytes' 'new: long int, 8 bytes'
refused vargone "a variable removed" 'variable takes \(store.c\) disappeared'

section "accepted"
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/store/fix.diff" store \
	"${MAKEARGS[@]}"
build_patch "$WORK/unrelated.sut" "$SRC" "$TARGETS/store/unrelated.diff" \
	store "${MAKEARGS[@]}"
check_match "a type only untouched code uses may change (struct audit)" \
	'changed functions:' "$OUT"
build_patch "$WORK/widen.sut" "$SRC" "$TARGETS/store/widen.diff" store \
	"${MAKEARGS[@]}"
check_match "a bool member become an unsigned char is stored alike: accepted, with a warning" \
	"warning: type struct cfg: '_Bool strict @8' became 'unsigned char strict @8'; stored alike" \
	"$OUT"
js=$("$SUTURE" info --json "$WORK/fix.sut" 2>/dev/null)
types=$(json_get "$js" '$j->{build}{data_check}{types}' 2>/dev/null)
vars=$(json_get "$js" '$j->{build}{data_check}{variables}' 2>/dev/null)
check_match "the patch records how many types were checked ($types)" \
	'^[1-9][0-9]*$' "$types"
check_match "... and how many variables ($vars)" '^[1-9][0-9]*$' "$vars"
run "$SUTURE" info "$WORK/fix.sut"
check_match "suture info shows the data check" \
	"data: +$types types and $vars variables" "$OUT"

section "-g3: a changed macro the patched file uses is named"
SRC3=$WORK/store-g3
make_tree store "$SRC3"
build_tree "$SRC3" CC=gcc "CFLAGS=-O2 -g3" || finish
build_patch "$WORK/macro.sut" "$SRC3" "$TARGETS/store/macro.diff" store \
	CC=gcc "CFLAGS=-O2 -g3"
check_match "suture build warns about QTY_MAX" \
	"warning: macro QTY_MAX: 'QTY_MAX 1000000' -> 'QTY_MAX 500000' \(used in store.c\)" \
	"$OUT"
js=$("$SUTURE" info --json "$WORK/macro.sut" 2>/dev/null)
check_match "the patch records it" "QTY_MAX 500000" \
	"$(json_get "$js" 'join "\n", @{$j->{build}{data_check}{warnings}}')"
build_patch "$WORK/macro-g.sut" "$SRC" "$TARGETS/store/macro.diff" store \
	"${MAKEARGS[@]}"
check_nomatch "without -g3 nothing is said" "warning: macro" "$OUT"

section "the accepted fix, live"
start_target S "$SRC/store" || finish
pid=$S_PID port=$S_PORT
id=$(ask "$port" "add bolts 10")
check_eq "take -5 of the old code adds stock" 15 "$(ask "$port" "take $id -5")"
check "suture apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
check_eq "take -5 is refused now" short "$(ask "$port" "take $id -5")"
check_eq "the items kept their data" 10 "$(ask "$port" "take $id 5")"
check_eq "state of the item" busy "$(ask "$port" "state $id")"
check "suture revert" suture revert "$pid"
check_ask "cfg reads the bool member" "$port" cfg 7
check "suture apply widen.sut (a bool become a byte)" \
	suture apply "$pid" "$WORK/widen.sut"
check_ask "  ... reads the same value as a level" "$port" cfg 7
check "suture revert" suture revert "$pid"
check_alive "alive at the end" "$pid" "$port"
finish
