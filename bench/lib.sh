# bench/lib.sh - helpers of the benchmark parts (sourced after tests/lib.sh).

# sample ID VALUE - record one measurement of figure ID.
sample() {
	[ -n "$2" ] || return 0 # a figure the output did not have
	printf '%s %s\n' "$1" "$2" >>"$WORK/samples.txt"
}

# meta KEY TEXT - a fact about the run (machine, versions), kept in the JSON.
meta() {
	printf '@%s %s\n' "$1" "$2" >>"$WORK/samples.txt"
}

bench_machine() {
	: >"$WORK/samples.txt"
	meta cpus "$(nproc)"
	meta cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
	meta kernel "$(uname -r)"
	meta load "$(cut -d' ' -f1-3 /proc/loadavg)"
	meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	meta commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
}

# now_us VAR - set VAR to the wall clock in µs (bash's EPOCHREALTIME).
# Into a variable, not echoed: `t=$(now_us)` forked a subshell for each
# reading, and the fork after the command (100-300 µs here) counted in
# every interval it closed.
now_us() {
	printf -v "$1" %s "${EPOCHREALTIME/./}"
}

# stopped_us TEXT - the "process stopped for N µs" figure of suture's output.
stopped_us() {
	sed -n 's/.*stopped for \([0-9]*\) µs.*/\1/p' <<<"$1" | head -n 1
}

# aside_us TEXT - the "one thread alone for N µs" figure: the stop of one
# thread that maps (apply) or unmaps (revert) the patch's memory.
aside_us() {
	sed -n 's/.*one thread alone for \([0-9]*\) µs.*/\1/p' <<<"$1" | head -n 1
}

# phases PREFIX TEXT - record each phase of a SUTURE_TIMING=1 line in TEXT
# as figure PREFIX.NAME (µs).
phases() {
	local line
	line=$(sed -n 's/^suture: timing: //p' <<<"$2" | head -n 1)
	[ -n "$line" ] || return 0
	perl -e '
		my ($p, $l) = @ARGV;
		$l =~ s/ \(total [0-9]+ µs\)$//;
		for (split /, /, $l) {
			next unless /^(.*) ([0-9]+) µs$/;
			my ($n, $us) = ($1, $2);
			$n =~ s/[^a-z]+/_/g;
			print "$p.$n $us\n";
		}' "$1" "$line" >>"$WORK/samples.txt"
}

# pause_tree DIR - the pause target built in DIR, and its patch DIR/step.sut.
pause_tree() {
	[ -s "$1/step.sut" ] && return 0
	make_tree pause "$1"
	make -C "$1" CC=gcc "CFLAGS=-O2 -g" >/dev/null 2>&1 &&
		"$SUTURE" build --src "$1" --patch "$TARGETS/pause/step.diff" \
			--binary pause -o "$1/step.sut" -- \
			make CC=gcc "CFLAGS=-O2 -g" >/dev/null
}

# sleep_us N - sleep N microseconds.
sleep_us() {
	sleep "$(($1 / 1000000)).$(printf '%06d' $(($1 % 1000000)))"
}
