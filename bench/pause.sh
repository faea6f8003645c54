# pause.sh - the pause the target sees (issue 6, item 1).
#
# The pause target (tests/targets/pause) runs N threads in a tight loop
# through pause_step, which step.sut patches.  Per run: read and reset the
# gaps, apply, read the gaps (the window holds the whole apply), revert.
# The same window without an apply gives the floor: what the machine
# itself (scheduler, other users) does to the loop meanwhile.  floor.c
# gives the other floor: a stop and release of every thread by ptrace
# with nothing done in between, the least any ptrace-based tool can take.

# threads_up N - the pause target P has its N loop threads (and its own).
threads_up() {
	[ "$(ask "$P_PORT" threads)" -gt "$1" ]
}

# pause_run N RUNS - RUNS applies to a target with N loop threads.
pause_run() {
	local n=$1 runs=$2 i out g t0 t1
	PAUSE_THREADS=$n start_target P "$WORK/pause/pause" || return
	# Wait until every loop thread runs (they start in service_init).
	poll threads_up "$n"
	sleep 0.2
	for ((i = 0; i < runs; i++)); do
		ask "$P_PORT" gaps >/dev/null
		now_us t0
		out=$("$SUTURE" apply "$P_PID" "$WORK/pause/step.sut")
		now_us t1
		g=($(ask "$P_PORT" gaps))
		sample "pause.$n.suture" "$(stopped_us "$out")"
		sample "pause.$n.aside" "$(aside_us "$out")"
		sample "pause.$n.process" $((g[0] / 1000))
		sample "pause.$n.thread" $((g[1] / 1000))
		"$SUTURE" revert "$P_PID" >/dev/null
		# the least any ptrace stop of this process costs, and its parts
		g=($(chrt -f 1 "$WORK/floor" "$P_PID" ||
			"$WORK/floor" "$P_PID"))
		sample "pause.$n.ptrace" "${g[0]}"
		sample "pause.$n.ptrace_stop" "${g[1]}"
		sample "pause.$n.ptrace_regs" "${g[2]}"
		sample "pause.$n.ptrace_detach" "${g[3]}"
		# the floor: a window as long as the apply, nothing done
		ask "$P_PORT" gaps >/dev/null
		sleep_us $((t1 - t0))
		g=($(ask "$P_PORT" gaps))
		sample "pause.$n.floor" $((g[0] / 1000))
	done
	stop_target "$P_PID"
}

# switches PID - the voluntary context switches of PID's main thread.
switches() {
	awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$1/task/$1/status"
}

# alone_run RUNS - RUNS applies and reverts to a process whose only thread
# is busy (PAUSE_ALONE): it sees every stop, the mapping's included, so its
# longest gap is the longest pause of all stops counted; each stop is one
# or more voluntary context switches of the thread, counted for revert.
alone_run() {
	local runs=$1 i out g v pid file=$WORK/alone.gaps
	rm -f "$file"
	PAUSE_ALONE=$file "$WORK/pause/pause" "$WORK/alone.port" \
		>"$WORK/alone.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	poll test -s "$file"
	sleep 0.2
	for ((i = 0; i < runs; i++)); do
		"$WORK/gaps" "$file" >/dev/null
		out=$("$SUTURE" apply "$pid" "$WORK/pause/step.sut")
		g=($("$WORK/gaps" "$file"))
		sample "pause.alone.thread" $((g[1] / 1000))
		sample "pause.alone.suture" "$(stopped_us "$out")"
		sample "pause.alone.aside" "$(aside_us "$out")"
		"$WORK/gaps" "$file" >/dev/null
		v=$(switches "$pid")
		out=$("$SUTURE" revert "$pid")
		g=($("$WORK/gaps" "$file"))
		sample "pause.alone.revert.switches" $(($(switches "$pid") - v))
		sample "pause.alone.revert.thread" $((g[1] / 1000))
		sample "pause.alone.revert.suture" "$(stopped_us "$out")"
		sample "pause.alone.revert.aside" "$(aside_us "$out")"
		# the whole window only (floor prints its parts after it)
		g=($(chrt -f 1 "$WORK/floor" "$pid" || "$WORK/floor" "$pid"))
		sample "pause.alone.ptrace" "${g[0]}"
		# the same with the idle CPUs kept polling, as suture does
		g=($(chrt -f 1 "$WORK/floor" -q "$pid" ||
			"$WORK/floor" -q "$pid"))
		[ -n "${g[0]:-}" ] && sample "pause.alone.ptrace_awake" "${g[0]}"
	done
	# What the switch stop's scan reads on this kernel: only the pages
	# written since the scan before it (soft-dirty marks), or all of
	# them; the pause depends on it.
	out=$("$SUTURE" apply -v "$pid" "$WORK/pause/step.sut" 2>&1)
	meta scan "$(sed -n 's/.*scan for saved contexts: //p' <<<"$out" |
		head -n 1)"
	meta wake "$(sed -n "s/^process $pid: idle CPUs //p" <<<"$out")"
	"$SUTURE" revert "$pid" >/dev/null
	stop_target "$pid"
}

# stops_run N RUNS - the kernel's own stops of a pause target of N threads,
# with no tracer call per thread (bench/stops.c): below ptrace's floor.
stops_run() {
	local k v
	PAUSE_THREADS=$1 "$WORK/stops" "$1" "$2" \
		"$WORK/pause/pause" "$WORK/stops.port" |
		while read -r k v; do
			sample "pause.$1.$k" "$v"
		done
}

bench_pause() {
	local n
	pause_tree "$WORK/pause" || return
	gcc -O2 -o "$WORK/floor" "$BENCH/floor.c" || return
	gcc -O2 -o "$WORK/stops" "$BENCH/stops.c" || return
	gcc -O2 -I"$TARGETS/pause" -o "$WORK/gaps" "$BENCH/gaps.c" || return
	alone_run $((2 * RUNS))
	for n in ${BENCH_THREADS:-1 8 100 1000}; do
		pause_run "$n" $((n == 1 ? 2 * RUNS : RUNS))
		((n < 100)) || stops_run "$n" "$RUNS"
	done
}
