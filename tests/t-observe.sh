#!/bin/bash
# t-observe.sh - the target observes nothing.  targets/observe runs probes
# that check themselves all the time (see observe.c): threads blocked in
# read() on a pipe and a socket, accept(), epoll_wait(), nanosleep(),
# clock_nanosleep(), futex, poll() and pthread_cond_wait() must never see
# EINTR, an early return or a changed register; a thread's signal mask and
# pending signals stay as they were (a blocked signal stays pending, no
# handler runs); errno keeps its sentinel; general, vector (ymm, and zmm16-
# 31 and k1-k7 with AVX-512) registers, MXCSR, the x87 control word and the
# direction flag hold their patterns in a spinning thread.  The main thread,
# where suture injects its system calls, waits in poll, nanosleep, futex and
# epoll_wait by turns.  After 50 apply/revert cycles every probe must have
# made progress and counted no violation, the patched function must have
# switched version exactly 100 times, and /proc/PID/task/*/status must show
# the same signal masks and pending sets as before.
. "$(dirname "$0")/lib.sh"
begin observe

CYCLES=${OBSERVE_CYCLES:-50}
MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/observe
make_tree observe "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
start_target O "$SRC/observe" || finish
pid=$O_PID port=$O_PORT
build_patch "$WORK/version.sut" "$SRC" "$TARGETS/observe/version.diff" \
	observe "${MAKEARGS[@]}" || finish

# probe FIELD NAME - iterations (FIELD 2) or violations (3) of probe NAME.
probe() {
	tr ' ' '\n' <<<"$REPORT" | awk -F: -v n="$2" -v f="$1" '$1 == n {print $f}'
}
probes() { tr ' ' '\n' <<<"$REPORT" | cut -d: -f1; }
switches() { ask "$port" switches | cut -d' ' -f1; }
switched() { [ "$(switches)" -ge "$1" ]; }
# signal_state - every thread's mask and pending sets, from /proc.
signal_state() {
	local t
	for t in /proc/"$pid"/task/*; do
		echo "${t##*/} $(grep -E '^(SigPnd|ShdPnd|SigBlk):' "$t/status" |
			tr -s '\t\n' '  ')"
	done
}
has_usr1() { grep -Eq '^ShdPnd:.*[2367abef]..$' "/proc/$pid/status"; }

section "before: the probes run and see nothing"
# SIGUSR1 is blocked in every thread: sent to the process it stays pending
# (shared), and every probe that looks at its pending set must see it.
check_eq "tell the target SIGUSR1 is coming" ok "$(ask "$port" "usr1 1")"
kill -USR1 "$pid"
wait_until "SIGUSR1 is pending in the process" has_usr1
check_eq "tell the target SIGUSR1 is pending now" ok "$(ask "$port" "usr1 2")"
sleep 1
REPORT=$(ask "$port" report)
check_match "the target reports its probes" '^main:[0-9]+:[0-9]+ ' "$REPORT"
before_report=$REPORT
for p in $(probes); do
	n=$(probe 3 "$p")
	if [ "$n" = 0 ]; then
		pass "before patching: $p saw nothing ($(probe 2 "$p") rounds)"
	else
		fail "before patching: $p saw nothing" \
			"$n violations: $(ask "$port" "detail $p")"
	fi
done
sig_before=$(signal_state)
threads_before=$(ask "$port" threads)
check_eq "switches of the patched function before" 0 "$(switches)"

section "$CYCLES apply/revert cycles"
ok=0
pauses=()
t0=$SECONDS
for ((i = 1; i <= CYCLES; i++)); do
	if ! out=$("$SUTURE" apply "$pid" "$WORK/version.sut" 2>&1); then
		echo "$out" >"$WORK/cycle.err"
		break
	fi
	pauses+=("$(sed -n 's/.*stopped for \([0-9]*\) µs.*/\1/p' <<<"$out")")
	want=$((2 * i - 1))
	poll switched "$want" || true
	sleep 0.0$((RANDOM % 3))
	if ! out=$("$SUTURE" revert "$pid" 2>&1); then
		echo "$out" >"$WORK/cycle.err"
		break
	fi
	pauses+=("$(sed -n 's/.*stopped for \([0-9]*\) µs.*/\1/p' <<<"$out")")
	want=$((2 * i))
	poll switched "$want" || true
	sleep 0.0$((RANDOM % 3))
	ok=$i
done
check_eq "$CYCLES of $CYCLES apply/revert cycles worked" "$CYCLES" "$ok" ||
	true
[ "$ok" = "$CYCLES" ] || cat "$WORK/cycle.err"
max=$(printf '%s\n' "${pauses[@]}" | sort -n | tail -n 1)
echo "# $((2 * ok)) stops in $((SECONDS - t0)) s, longest pause ${max:-?} µs"
check_eq "the patched function switched version $((2 * CYCLES)) times" \
	"$((2 * CYCLES))" "$(switches)"
check_match "both versions ran" 'v1=[1-9][0-9]* v2=[1-9]' \
	"$(ask "$port" switches)"

section "after: nothing was seen"
sleep 0.5
REPORT=$(ask "$port" report)
after_report=$REPORT
for p in $(probes); do
	n=$(probe 3 "$p")
	if [ "$n" = 0 ]; then
		pass "$p saw nothing"
	else
		fail "$p saw nothing" \
			"$n violations: $(ask "$port" "detail $p")"
	fi
	b=$(REPORT=$before_report probe 2 "$p") a=$(probe 2 "$p")
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt "$b" ]; then
		pass "$p made progress ($b -> $a rounds)"
	else
		fail "$p made progress" "rounds before: '$b', after: '$a'"
	fi
done
check_eq "every thread's signal mask and pending sets are as before" \
	"$sig_before" "$(signal_state)"
check_eq "the same number of threads" "$threads_before" \
	"$(ask "$port" threads)"
check_match "SIGUSR1 is still pending in the process" '[2367abef]..$' \
	"$(grep ShdPnd "/proc/$pid/status")"
check_alive "the target lives" "$pid" "$port"
check_status "$pid" "after the cycles"
finish
