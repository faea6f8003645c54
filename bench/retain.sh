# retain.sh - what the scan for references costs (src/apply/refscan.c):
# the coro target (tests/targets/coro) with 0, 256 and 1024 MiB of heap
# written, coro.diff applied and reverted RUNS times each.  Apply scans
# for contexts inside the bytes its jumps overwrite, revert for anything
# that refers to the patch's memory; both while every thread is stopped,
# so the scan is part of the pause.  Figures: the stop (suture's own
# count) and the scan's phase of SUTURE_TIMING.

bench_retain() {
	local dir=$WORK/coro mib i out
	if [ ! -s "$dir/coro.sut" ]; then
		make_tree coro "$dir"
		make -C "$dir" CC=gcc "CFLAGS=-O2 -g" >/dev/null 2>&1
		"$SUTURE" build --src "$dir" --patch "$TARGETS/coro/coro.diff" \
			--binary coro -o "$dir/coro.sut" -- \
			make CC=gcc "CFLAGS=-O2 -g" >/dev/null || return
	fi
	for mib in 0 256 1024; do
		start_target R "$dir/coro" || return
		[ "$mib" -gt 0 ] && ask "$R_PORT" "heap $mib" >/dev/null
		for ((i = 0; i < RUNS; i++)); do
			out=$(SUTURE_TIMING=1 "$SUTURE" apply "$R_PID" \
				"$dir/coro.sut" 2>&1)
			sample "retain.$mib.apply" "$(stopped_us "$out")"
			phases "retain.$mib.apply" "$out"
			out=$(SUTURE_TIMING=1 "$SUTURE" revert "$R_PID" 2>&1)
			sample "retain.$mib.revert" "$(stopped_us "$out")"
			phases "retain.$mib.revert" "$out"
		done
		stop_target "$R_PID"
	done
}
