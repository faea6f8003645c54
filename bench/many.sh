# many.sh - one patch, many processes (issue 6, item 6): `suture apply
# PID,PID,... FILE` on 10, 100 and 1000 processes of the pause target
# (one thread each), with the default workers (one per CPU); total wall
# time and time per process, then the same for revert.  With 1000
# processes also one command per process (issue 16: 1000 single-process
# commands <= 4 s): `suture apply PID FILE` for each in turn, one after
# the other as a script would run them (BENCH_CMD_RUNS times, default 3),
# each batch reverted by one `revert PID,PID,...` afterwards.

# many_start N - start N pause targets; their PIDs, comma-separated, in LIST.
many_start() {
	local i pids=()
	mkdir -p "$WORK/many"
	rm -f "$WORK/many/"*.port
	for ((i = 0; i < $1; i++)); do
		"$WORK/pause/pause" "$WORK/many/$i.port" >/dev/null 2>&1 \
			{TEST_LOCK}>&- &
		PIDS+=($!)
		pids+=($!)
	done
	LIST=$(IFS=,; echo "${pids[*]}")
	BATCH=("${pids[@]}")
	poll many_ready "$1"
}

# many_commands - one `suture apply PID FILE` per process of BATCH, in
# turn; the total as many.commands (ms), per command too.
many_commands() {
	local r pid t0 t1 ok
	for ((r = 0; r < ${BENCH_CMD_RUNS:-3}; r++)); do
		ok=0
		now_us t0
		for pid in "${BATCH[@]}"; do
			"$SUTURE" apply "$pid" "$WORK/pause/step.sut" \
				>/dev/null 2>&1 && ok=$((ok + 1))
		done
		now_us t1
		[ "$ok" = "${#BATCH[@]}" ] ||
			echo "# commands: $ok of ${#BATCH[@]} applied"
		sample many.commands $(((t1 - t0) / 1000))
		sample many.commands_per_command \
			"$(perl -e "printf '%.3f', ($t1 - $t0) / 1000 / ${#BATCH[@]}")"
		"$SUTURE" revert "$LIST" >/dev/null
	done
}

many_ready() {
	[ "$(ls "$WORK/many" | grep -c '\.port$')" -ge "$1" ]
}

bench_many() {
	local n i t0 t1 ok
	pause_tree "$WORK/pause" || return
	for n in ${BENCH_PROCS:-10 100 1000}; do
		many_start "$n" || { echo "# could not start $n processes"; return; }
		for ((i = 0; i < RUNS; i++)); do
			now_us t0
			ok=$("$SUTURE" apply "$LIST" "$WORK/pause/step.sut" |
				grep -c "^applied 'step'")
			now_us t1
			[ "$ok" = "$n" ] || echo "# apply: $ok of $n processes"
			sample "many.$n.apply" $(((t1 - t0) / 1000))
			sample "many.$n.apply_per_process" \
				"$(perl -e "printf '%.3f', ($t1 - $t0) / 1000 / $n")"
			now_us t0
			"$SUTURE" revert "$LIST" >/dev/null
			now_us t1
			sample "many.$n.revert" $(((t1 - t0) / 1000))
		done
		[ "$n" = 1000 ] && many_commands
		cleanup
	done
}
