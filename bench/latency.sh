# latency.sh - wall time of apply and revert, by phase (issue 6, item 2),
# and against the floors of a command (issue 16: one apply <= 3 ms).
#
# A one-function patch (step.sut) on the pause target without loop
# threads (one thread, blocked in accept).  SUTURE_TIMING=1 makes suture
# print its phases (src/util/phase.h); what the phases do not cover
# (fork and exec, the dynamic linker, exit) is the wall time minus their
# total.  Interleaved with each apply, three floors, each timed the same
# way from this shell: a C program that only exits (starting any
# process), `suture --help` (starting suture: its libraries), and
# bench/floor.c on the target (a program that seizes, stops, reads and
# releases its thread: the least a ptrace-based command costs).  Each
# command runs straight from this shell, its output appended to a file
# emptied before the clock starts: read through `$(...)`, a subshell's
# fork and the pipe counted in the apply's wall time (about 300 µs here)
# and not in the floors'; truncating the file in the timed redirection
# cost 180 µs of ext4 more.

# wall_us CMD... - run CMD (output discarded); its wall time in µs.
wall_us() {
	local t0 t1
	now_us t0
	"$@" >/dev/null 2>&1
	now_us t1
	echo $((t1 - t0))
}

# outside_us WALL TEXT - WALL minus the phase total of a timing line.
outside_us() {
	local total
	total=$(sed -n 's/.*(total \([0-9]*\) µs)$/\1/p' <<<"$2" | head -n 1)
	[ -n "$total" ] && echo $(($1 - total))
}

bench_latency() {
	local i t0 t1 out
	pause_tree "$WORK/pause" || return
	gcc -O2 -o "$WORK/floor" "$BENCH/floor.c" || return
	echo 'int main(void) { return 0; }' >"$WORK/exit0.c"
	gcc -O2 -o "$WORK/exit0" "$WORK/exit0.c" || return
	start_target L "$WORK/pause/pause" || return
	for ((i = 0; i < 2 * RUNS; i++)); do
		sample command.floor.exit "$(wall_us "$WORK/exit0")"
		sample command.floor.help "$(wall_us "$SUTURE" --help)"
		sample command.floor.attach "$(wall_us "$WORK/floor" "$L_PID")"
		: >"$WORK/said"
		now_us t0
		SUTURE_TIMING=1 "$SUTURE" apply "$L_PID" \
			"$WORK/pause/step.sut" >>"$WORK/said" 2>&1
		now_us t1
		out=$(<"$WORK/said")
		sample apply.wall $((t1 - t0))
		sample command.apply.outside "$(outside_us $((t1 - t0)) "$out")"
		sample apply.suture "$(stopped_us "$out")"
		sample apply.aside "$(aside_us "$out")"
		phases apply "$out"
		: >"$WORK/said"
		now_us t0
		SUTURE_TIMING=1 "$SUTURE" revert "$L_PID" >>"$WORK/said" 2>&1
		now_us t1
		out=$(<"$WORK/said")
		sample revert.wall $((t1 - t0))
		sample command.revert.outside \
			"$(outside_us $((t1 - t0)) "$out")"
		sample revert.suture "$(stopped_us "$out")"
		sample revert.aside "$(aside_us "$out")"
		phases revert "$out"
	done
	stop_target "$L_PID"
}
