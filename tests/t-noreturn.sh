#!/bin/bash
# t-noreturn.sh - a frame whose return address is the first byte after its
# function: settle() (targets/noret) ends with a call to park(), which
# never returns, so the worker thread's return address into settle is
# settle's end.  That frame is in settle: a patch to settle must wait for
# it (here: time out, naming settle and the thread), as the unwinder would
# say; the quick stack check used to miss it and switch at once.  A patch
# to another function applies.  gcc and clang -O2, PIE and not.
. "$(dirname "$0")/lib.sh"
begin noreturn

# call_is_last BIN - settle's last instruction is the call to park, so the
# return address is settle's end (the premise of the test)
call_is_last() {
	local bin=$1 start size
	read -r start size < <(nm -S "$bin" | awk '$4 == "settle" {print $1, $2}')
	objdump -d --no-show-raw-insn --start-address=$((16#$start)) \
		--stop-address=$((16#$start + 16#$size)) "$bin" |
		grep -E '^ +[0-9a-f]+:' | tail -n 1 | grep -q 'call.*<park>'
}

parked() { [ "$(ask "$N_PORT" settled)" = 7 ]; }

for variant in "gcc" "gcc -no-pie" "clang" "clang -no-pie"; do
	set -- $variant
	cflags="-O2 -g" ldflags=""
	[ -n "${2:-}" ] && cflags="$cflags -fno-pie" ldflags=-no-pie
	MAKEARGS=(CC="$1" "CFLAGS=$cflags" "LDFLAGS=$ldflags")
	SRC=$WORK/noret-$1${2:-}
	section "$variant -O2"
	make_tree noret "$SRC"
	build_tree "$SRC" "${MAKEARGS[@]}" || finish
	check "$variant: settle ends with its call to park" call_is_last "$SRC/noret"
	for d in settle next; do
		build_patch "$WORK/$d.sut" "$SRC" "$TARGETS/noret/$d.diff" \
			noret "${MAKEARGS[@]}" || finish
	done
	start_target N "$SRC/noret" || finish
	poll parked
	check_ask "$variant: the worker is parked in settle" "$N_PORT" settled 7
	check_fails "$variant: apply settle.sut while the worker's frame is in settle" \
		suture apply "$N_PID" "$WORK/settle.sut" --timeout 1
	check_match "$variant:   ... times out naming settle and the thread" \
		"function settle is in use by thread [0-9]+" "$OUT"
	check_eq "$variant:   ... nothing applied" "" "$(status_names "$N_PID")"
	check "$variant: apply next.sut (another function)" \
		suture apply "$N_PID" "$WORK/next.sut" --timeout 5
	check_ask "$variant:   ... the new next_one runs" "$N_PORT" "next 1" 3
	check "$variant: revert" suture revert "$N_PID"
	check_ask "$variant:   ... the old next_one runs" "$N_PORT" "next 1" 2
	check_alive "$variant: alive" "$N_PID" "$N_PORT"
	stop_target "$N_PID"
done
finish
