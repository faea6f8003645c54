#!/bin/bash
# t-shadow.sh - shadow data (include/suture.h): reserve.diff needs a new
# field in struct item ("held back" stock) and attaches it as shadow data;
# its post-apply hook gives every item already in memory one, its
# post-revert hook frees them all.  load.diff, stacked on it, reads the same
# shadows and churns its own from many threads at once.  After both are
# reverted the process has exactly the mappings it had before.
. "$(dirname "$0")/lib.sh"
begin shadow

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/store
make_tree store "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/reserve.sut" "$SRC" "$TARGETS/store/reserve.diff" \
	store "${MAKEARGS[@]}" || finish
rm -f "$WORK/load.sut"
check "suture build load.diff --on reserve.sut" \
	"$SUTURE" build --src "$SRC" --on "$WORK/reserve.sut" \
	--patch "$TARGETS/store/load.diff" --binary store \
	-o "$WORK/load.sut" -- make "${MAKEARGS[@]}"

section "a new field as shadow data, set up by a post-apply hook"
start_target S "$SRC/store" || finish
pid=$S_PID port=$S_PORT
bolts=$(ask "$port" "add bolts 100")
before=$(maps_of "$pid")
check "suture apply reserve.sut" suture apply "$pid" "$WORK/reserve.sut"
check_match "the shadow table's page is mapped" 'suture:~shadow' \
	"$(suture_maps "$pid")"
check_ask "the hook held back a tenth of the bolts: 95 is too many" \
	"$port" "take $bolts 95" short
check_ask "90 is fine" "$port" "take $bolts 90" 10
nuts=$(ask "$port" "add nuts 50")
check_ask "a new item has no shadow until asked (nothing held back)" \
	"$port" "take $nuts 46" 4
check_ask "hold 2 of the nuts" "$port" "hold $nuts 2" ok
check_ask "then 3 is too many" "$port" "take $nuts 3" short
check_ask "2 is fine" "$port" "take $nuts 2" 2

section "a stacked patch shares the table"
check "suture apply load.sut (built on reserve)" \
	suture apply "$pid" "$WORK/load.sut"
check_ask "it reads the bolts' shadow" "$port" "held $bolts" 10
check_ask "and the nuts'" "$port" "held $nuts" 2
check_ask "2000 rounds of alloc/get/free from one thread: no error" \
	"$port" "stress 2000" 0
check_eq "still one table" 1 "$(suture_maps "$pid" | grep -c 'suture:~shadow')"

section "revert frees everything"
check "suture revert load" suture revert "$pid" load
check_ask "reserve still holds the bolts back" "$port" "take $bolts 1" short
check "suture revert reserve" suture revert "$pid" reserve
check_eq "no suture mapping left, the table's page neither" "" \
	"$(suture_maps "$pid")"
check_eq "the process has exactly the mappings it had before" "$before" \
	"$(maps_of "$pid")"
check_ask "the old code takes the last bolts" "$port" "take $bolts 10" 0

section "many threads at once"
start_target T "$SRC/store" -t || finish
check "apply reserve.sut to a threaded store" \
	suture apply "$T_PID" "$WORK/reserve.sut"
check "apply load.sut" suture apply "$T_PID" "$WORK/load.sut"
jobs=()
for i in $(seq 8); do
	ask "$T_PORT" "stress 3000" >"$WORK/stress.$i" &
	jobs+=($!)
done
# meanwhile, shadows of items come and go from other threads
for i in $(seq 20); do
	id=$(ask "$T_PORT" "add item$i 50")
	ask "$T_PORT" "hold $id $i" >/dev/null
done
wait "${jobs[@]}"
check_eq "8 threads churning shadow data at once: no error" \
	"0 0 0 0 0 0 0 0" "$(cat "$WORK"/stress.* | tr '\n' ' ' | sed 's/ $//')"
check_ask "the items' shadows are intact" "$T_PORT" "held $id" 20
check "revert load" suture revert "$T_PID" load
check "revert reserve (its hook frees the 20 shadows)" \
	suture revert "$T_PID" reserve
check_eq "no suture mapping left" "" "$(suture_maps "$T_PID")"
check_alive "alive at the end" "$T_PID" "$T_PORT"
finish
