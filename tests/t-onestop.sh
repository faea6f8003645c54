#!/bin/bash
# t-onestop.sh - the patch's memory is mapped with one stop of one thread
# (issue 16): memfd_create, ftruncate, the mmaps and close run as one
# batch (src/process/rbatch.h), however the process is made up.
#
# The target is targets/pause: with PAUSE_ALONE its only thread runs a
# tight loop that makes no system call, so each time it is stopped is one
# more voluntary context switch in /proc/PID/task/TID/status (a ptrace stop
# puts it to sleep; preemption counts as involuntary).  Mapping with one
# injected call at a time stopped it 14 times per apply; a batch that
# stops at its end, 4 (two for the memory, the switch, the lock's
# release); a quiet batch (rbatch.h), which the thread leaves by itself, 3;
# and with the lock's thread let go in the switch stop, 2.  An apply
# whose switch stop found the thread inside pause_step tries again, 3
# switches more (5): it is made again and not counted (lib.sh's counted).
. "$(dirname "$0")/lib.sh"
begin onestop

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/pause
make_tree pause "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/step.sut" "$SRC" "$TARGETS/pause/step.diff" pause \
	"${MAKEARGS[@]}" || finish
SUT=$WORK/step.sut

# cave PID - the code cave of its program holds the file's bytes.
cave() { python3 "$TESTS/cave.py" "$1"; }

section "a process whose only thread is busy"
start_alone "$SRC/pause" ||
	{ fail "start the pause target alone"; finish; }
AGAIN=("$SUTURE" revert "$A")
n=$(counted "$WORK/apply.txt" "$A" "$A" "$SUTURE" apply "$A" "$SUT")
check "its only thread was stopped once for the memory, once for the switch" \
	test "$n" != FAILED -a "$n" -le 2
echo "# the thread was stopped $n times"
check_match "the patch's memory is mapped" 'memfd:suture:step' \
	"$(suture_maps "$A")"
check_eq "its signal mask is as it was" 0000000000000000 "$(status_of SigBlk "$A")"
check_eq "no signal left pending" 0000000000000000 "$(status_of ShdPnd "$A")"
# The thread left the batch by itself, through the stub in the cave; the
# stop of the switch, in which no thread was there, put the bytes back.
check "the cave holds the program's bytes again" cave "$A"
check "revert" "$SUTURE" revert "$A"
check "the loop runs on" runs "$A"
# Where idle CPUs halt, the switch stop wakes the scan's second thread
# itself (sidejob_watch): it sleeps in a waitid that neither reaps the
# stop (WNOWAIT) nor returns at once (no WNOHANG), which nothing else in
# suture makes.  Only when suture is not on the thread's CPU at the
# interrupt: once in 3 applies.  Where suture keeps them polling (a CPU
# latency request, wakelat.h) the stop's prime wakes it at once: no watch.
# watched [WRAP...] - of 3 applies, how many watched the stop
watched() {
	local n=0
	for i in 1 2 3; do
		"$@" strace -f -o "$WORK/strace.txt" -e trace=waitid \
			"$SUTURE" apply "$A" "$SUT" >/dev/null 2>&1
		"$SUTURE" revert "$A" >/dev/null 2>&1
		grep WNOWAIT "$WORK/strace.txt" | grep -vq WNOHANG &&
			n=$((n + 1))
	done
	echo "$n"
}
n=$(watched without_wakelat)
check "idle CPUs halting, the scan's second thread slept for the stop ($n of 3 applies)" \
	test "$n" -gt 0
if [ -c /dev/cpu_dma_latency ]; then
	check_eq "idle CPUs polling, it did not (applies of 3)" 0 "$(watched)"
fi

section "a mapping that fails in the middle of the batch"
f=$(fd_count "$A")
vm=$(awk '/^VmSize:/ {print $2}' "/proc/$A/status")
# room for the region's first page, not its second
prlimit --pid "$A" --as=$(((vm + 4) * 1024)):
check_fails "apply under RLIMIT_AS one page above the process's size" \
	"$SUTURE" apply "$A" "$SUT"
check_match "refused naming the mapping that failed and why" \
	"cannot map 4096 bytes at 0x[0-9a-f]+ in process $A: Cannot allocate memory" \
	"$OUT"
check_eq "the page mapped before it is unmapped again" "" \
	"$(suture_maps "$A")"
check_eq "no descriptor left open" "$f" "$(fd_count "$A")"
check "the loop runs on" runs "$A"
prlimit --pid "$A" --as="$((vm * 1024))":
check_fails "apply with no room at all" "$SUTURE" apply "$A" "$SUT"
check_eq "nothing mapped" "" "$(suture_maps "$A")"
prlimit --pid "$A" --as=unlimited:
check "applied once the limit is lifted" "$SUTURE" apply "$A" "$SUT"
check "and reverted" "$SUTURE" revert "$A"

section "suture killed during the batch"
seen=0
for ((n = 1; n < 100; n++)); do
	f=$(fd_count "$A")
	rc=$(SUTURE_FAULT=$n "$SUTURE" apply "$A" "$SUT" >"$WORK/op.txt" 2>&1
		echo $?)
	[ "$rc" -ne 137 ] && break
	step=$(sed -n 's/.*killed at step [0-9]* (\(.*\))$/\1/p' "$WORK/op.txt")
	case $step in
	"batch set up" | "batch let go" | "batch left")
		seen=$((seen + 1))
		check "killed at '$step': the loop runs on" runs "$A"
		check_eq "killed at '$step': the signal mask is as it was" \
			0000000000000000 "$(status_of SigBlk "$A")"
		check_eq "killed at '$step': no signal left pending" \
			0000000000000000 "$(status_of SigPnd "$A")"
		check_eq "killed at '$step': none pending for the process" \
			0000000000000000 "$(status_of ShdPnd "$A")"
		check_eq "killed at '$step': no descriptor left open" "$f" \
			"$(fd_count "$A")"
		;;
	esac
	# the check of the cave sees the stub (it is in the program's cave)
	[ "$step" = "batch left" ] && check_fails \
		"killed at '$step': the stub is still in the cave" cave "$A"

	# the next suture removes what the killed one left
	"$SUTURE" revert --all "$A" >"$WORK/clean.txt" 2>&1
	[ -z "$(suture_maps "$A")" ] ||
		fail "clean up after step $n ($step)" "$(cat "$WORK/clean.txt")"
done
check_eq "suture was killed at each step of the batch" 3 "$seen"
check_eq "the apply then went through" 0 "$rc"
check "the stub the killed ones left is gone from the cave" cave "$A"
check "the loop runs on" runs "$A"
check "revert" "$SUTURE" revert "$A"
stop_target "$A"

section "a lone thread slow to stop, running in the kernel"
# Its stop is waited for spinning, and where idle CPUs halt the scan's
# second thread sleeps for it too (sidejob_watch; so without_wakelat
# here); the stop comes only once the kernel has filled 64 MiB, after
# the spin: suture waits as usual, ending the second thread's wait first,
# and the thread's late stop finds no one asleep for it (a hang at
# suture's exit, else).
PAUSE_KERNEL=1 start_alone "$SRC/pause" ||
	{ fail "start the pause target in the kernel"; finish; }
check_eq "it runs" R "$(state_of "$A")"
for i in 1 2 3; do
	check "apply $i" without_wakelat timeout 60 "$SUTURE" apply "$A" "$SUT"
	check "revert $i" without_wakelat timeout 60 "$SUTURE" revert "$A"
done
check "the loop runs on" runs "$A"
check_eq "nothing mapped" "" "$(suture_maps "$A")"
stop_target "$A"
# The same with the server's thread asleep beside it: the busy one, the
# last to stop, is waited for the same way.
PAUSE_KERNEL=1 PAUSE_THREADS=1 PAUSE_BUSY=1 start_target K "$SRC/pause" ||
	finish
for i in 1 2; do
	check "beside an asleep thread: apply $i" \
		timeout 60 "$SUTURE" apply "$K_PID" "$SUT"
	check "beside an asleep thread: revert $i" \
		timeout 60 "$SUTURE" revert "$K_PID"
done
check_alive "the process answers" "$K_PID" "$K_PORT"

section "an apply refused after the mapping"
# busy's alt thread parks in a signal handler below work(), so an apply of
# work.sut maps the patch's memory (quietly: by a sleeping thread) and
# then finds work() in use until it times out: the memory goes again, in
# a stop of the thread that mapped it, which has left the stub since.
BSRC=$WORK/busy
make_tree busy "$BSRC"
build_tree "$BSRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/work.sut" "$BSRC" "$TARGETS/busy/work.diff" busy \
	"${MAKEARGS[@]}" || finish
build_patch "$WORK/tally.sut" "$BSRC" "$TARGETS/busy/tally.diff" busy \
	"${MAKEARGS[@]}" || finish
start_target B "$BSRC/busy" || finish
check_eq "the alt thread parks" alt=1 "$(ask "$B_PORT" alt 1)"
parked() { [ "$(stat_field "$B_PORT" alt)" = 1 ]; }
wait_until "it is in the handler" parked
check_fails "apply is refused while work() is in use" \
	"$SUTURE" apply "$B_PID" "$WORK/work.sut" --timeout 1
check_match "  ... for that reason" "function work .*in use" "$OUT"
check_eq "the patch's memory is unmapped again" "" "$(suture_maps "$B_PID")"
check "the cave holds the program's bytes again" cave "$B_PID"
check_eq "the alt thread leaves" alt=0 "$(ask "$B_PORT" alt 0)"
check "then apply works" "$SUTURE" apply "$B_PID" "$WORK/work.sut" \
	--timeout 30
check "and a second patch in a row" "$SUTURE" apply "$B_PID" \
	"$WORK/tally.sut" --timeout 30
check_eq "both are in its memory" 2 "$(suture_maps "$B_PID" |
	sed -n 's/.*memfd:suture:\([a-z]*\) .*/\1/p' | sort -u | wc -l)"
check "the cave holds the program's bytes again" cave "$B_PID"
check "revert both" "$SUTURE" revert --all "$B_PID" --timeout 30
check "the cave holds the program's bytes again" cave "$B_PID"
check_alive "the process answers" "$B_PID" "$B_PORT"
stop_target "$B_PID"

section "a sleeping thread makes the calls, the busy one does not see them"
PAUSE_THREADS=1 PAUSE_BUSY=1 start_target P "$SRC/pause" || finish
poll test "$(ask "$P_PORT" threads)" -gt 1
busy=$(ls "/proc/$P_PID/task" | grep -vx "$P_PID")
AGAIN=("$SUTURE" revert "$P_PID")
read -r nb ns < <(counted "$WORK/apply.txt" "$P_PID" "$busy $P_PID" \
	"$SUTURE" apply "$P_PID" "$SUT")
echo "# stopped: busy thread $nb times, sleeping thread $ns times"
check "the busy thread was stopped only for the switch" \
	test "$nb" != FAILED -a "$nb" -le 2
check "the sleeping thread made the mapping's calls" test "${ns:-0}" -ge 2
check "revert" "$SUTURE" revert "$P_PID"
check_alive "the process answers" "$P_PID" "$P_PORT"

section "an asleep thread in the way: the busy one is not stopped for it"
# accept.diff changes the loop the leader sleeps in (accept(), forever),
# so the apply is refused after its timeout: a first try, the wait for
# the leader to return (finish.h), a last try.  The threads not running
# are stopped first (session.c, waves), and the first try is refused
# before the busy thread is interrupted; at the last the leader, let go
# by the wait an instant before, may still be running, and so be stopped
# with it.  Interrupted together, the busy thread was stopped at both
# tries, for nothing (2 here).
build_patch "$WORK/accept.sut" "$SRC" "$TARGETS/pause/accept.diff" pause \
	"${MAKEARGS[@]}" || finish
vb=$(switches "$P_PID" "$busy") vs=$(switches "$P_PID" "$P_PID")
check_fails "apply is refused while the accept loop is in use" \
	"$SUTURE" apply "$P_PID" "$WORK/accept.sut" --timeout 0.3
check_match "  ... for that reason" "in use by thread $P_PID" "$OUT"
n=$(($(switches "$P_PID" "$busy") - vb))
check "the busy thread was stopped at most for the last try ($n)" \
	test "$n" -le 1
check "the sleeping thread was stopped" \
	test $(($(switches "$P_PID" "$P_PID") - vs)) -ge 1
check_eq "nothing of the patch is left" "" "$(suture_maps "$P_PID")"
check_alive "the process answers" "$P_PID" "$P_PORT"
finish
