# latency.sh - wall time of apply and revert, by phase (issue 6, item 2).
#
# A one-function patch (step.sut) on the pause target without loop
# threads (one thread, blocked in accept).  SUTURE_TIMING=1 makes suture
# print its phases (src/util/phase.h).

bench_latency() {
	local i t0 t1 out
	pause_tree "$WORK/pause" || return
	start_target L "$WORK/pause/pause" || return
	for ((i = 0; i < 2 * RUNS; i++)); do
		t0=$(now_us)
		out=$(SUTURE_TIMING=1 "$SUTURE" apply "$L_PID" \
			"$WORK/pause/step.sut" 2>&1)
		t1=$(now_us)
		sample apply.wall $((t1 - t0))
		sample apply.suture "$(stopped_us "$out")"
		sample apply.aside "$(aside_us "$out")"
		phases apply "$out"
		t0=$(now_us)
		out=$(SUTURE_TIMING=1 "$SUTURE" revert "$L_PID" 2>&1)
		t1=$(now_us)
		sample revert.wall $((t1 - t0))
		sample revert.suture "$(stopped_us "$out")"
		sample revert.aside "$(aside_us "$out")"
		phases revert "$out"
	done
	stop_target "$L_PID"
}
