# gated.bash - helpers of the tests/real scripts that live-patch a library
# (sourced after ../lib.sh): a demo program that answers one line per line
# read, and the project's own test programs run as patched processes.

# shellcheck source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

# gate_build: compile gate-shim.c into $WORK/gate-shim.so.
gate_build() {
	run cc -shared -fPIC -O2 -o "$WORK/gate-shim.so" "$HERE/gate-shim.c"
	if [ "$RC" -ne 0 ]; then
		fail "build the gate shim" "$OUT"
		return 1
	fi
}

# lines_start VAR CMD...: run CMD with its stdin a FIFO the test writes and
# its stdout a file; sets VAR_PID, VAR_FD (the FIFO's write end), VAR_OUT.
lines_start() {
	local var=$1 fifo=$WORK/$1.in out=$WORK/$1.out fd pid
	shift
	rm -f "$fifo" "$out"
	mkfifo "$fifo"
	# The output file first: the FIFO's open returns in both processes at
	# once, and lines_ask must find the file the moment this returns.
	"$@" >"$out" 2>&1 <"$fifo" {TEST_LOCK}>&- &
	pid=$!
	PIDS+=("$pid")
	exec {fd}>"$fifo"
	printf -v "${var}_PID" '%s' "$pid"
	printf -v "${var}_FD" '%s' "$fd"
	printf -v "${var}_OUT" '%s' "$out"
}

# lines_ask VAR LINE: send LINE to the program of lines_start VAR and print
# the line it answers ("<no answer>" after 10 s).
lines_ask() {
	local fd out n i
	fd=${1}_FD out=${1}_OUT
	fd=${!fd} out=${!out}
	n=$(wc -l <"$out")
	printf '%s\n' "$2" >&"$fd"
	for ((i = 0; i < 100; i++)); do
		if [ "$(wc -l <"$out")" -gt "$n" ]; then
			tail -n 1 "$out"
			return 0
		fi
		sleep 0.1
	done
	echo "<no answer>"
}

# gate_release GATE: let the program held at GATE go on.  The write blocks
# until the program opens the FIFO, forever if it died before that: the
# timeout only ends such a wait, it asserts nothing.
gate_release() {
	timeout 5 sh -c 'echo x >"$1"' sh "$1"
}

# gated_test DIR SUT NAME PROG [ERE]: run the project's test program PROG (a
# path) in DIR, held before main() by the gate shim; apply SUT to it there,
# check that `suture status` lists exactly patch NAME, release it and check
# that it passes (exit status 0, and with ERE a line of its output matching
# it) while patched.  A program that never reaches the gate (the shim not
# loaded) would run unpatched: that fails.
gated_test() {
	local dir=$1 sut=$2 name=$3 prog=$4 ere=${5-} gate pid log rc i t
	t=$(basename "$prog")
	gate=$WORK/gate.$t
	log=$gate.log
	rm -f "$gate" "$gate.ready"
	mkfifo "$gate"
	(cd "$dir" && SUTURE_TEST_GATE=$gate LD_PRELOAD=$WORK/gate-shim.so \
		exec "$prog" >"$log" 2>&1 {TEST_LOCK}>&-) &
	pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		[ -e "$gate.ready" ] && break
		sleep 0.1
	done
	if [ ! -e "$gate.ready" ]; then
		fail "$t: held before main() by the gate shim" "$(tail -n 20 "$log")"
		gate_release "$gate"
		stop_target "$pid"
		return 1
	fi
	run suture apply "$pid" "$sut"
	if [ "$RC" -ne 0 ]; then
		fail "$t: suture apply before main()" "$OUT"
		gate_release "$gate"
		stop_target "$pid"
		return 1
	fi
	pass "$t: patched before main() ($(head -n 1 <<<"$OUT" | cut -c1-60)...)"
	check_status "$pid" "$t held before main()" "$name"
	gate_release "$gate"
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$t: the project's test passes as a patched process ($(tail -n 1 "$log"))"
	else
		fail "$t: the project's test passes as a patched process" \
			"$(tail -n 20 "$log")
(exit status $rc)"
	fi
	if [ -n "$ere" ]; then
		check_match "$t: its output says so: /$ere/" "$ere" "$(cat "$log")"
	fi
}
