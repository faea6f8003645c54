#!/bin/bash
# t-revstop.sh - a revert stops a process whose only thread is busy as few
# times as it can (issue 16): once for the switch (entries back, commit
# byte clear, the scan for references) and once, alone, to unmap the
# region, a stop that also lets the lock's thread go.
#
# The target is targets/pause with PAUSE_ALONE: its only thread runs a
# tight loop that makes no system call, so each time it is stopped is one
# more voluntary context switch in /proc/PID/task/TID/status (as t-onestop
# counts apply's).  A stop counts one switch for its interrupt and one per
# round trip in it: the revert of before took 6 (the switch; the unmapping
# stop's interrupt, the munmap's entry and exit and the stop after them;
# the lock's release), now 3 (the switch; the interrupt and the end of a
# one-call batch).  A revert that leaves nothing for after its stop (a
# leftover removed in it) lets the lock's thread go in that stop: 2, not 5.
# A revert whose first stop found the thread inside the patch's
# pause_step tries again and takes 3 switches more (6): it is made again
# and not counted (lib.sh's counted), as is apply --replace.
. "$(dirname "$0")/lib.sh"
begin revstop

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/pause
make_tree pause "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/step.sut" "$SRC" "$TARGETS/pause/step.diff" pause \
	"${MAKEARGS[@]}" || finish
SUT=$WORK/step.sut

# memfd_fd PID NAME - the descriptor of PID's memfd NAME, if any.
memfd_fd() {
	local f
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f") in "/memfd:$2 "*) basename "$f" ;; esac
	done
}

section "a revert of a process whose only thread is busy"
start_alone "$SRC/pause" ||
	{ fail "start the pause target alone"; finish; }
AGAIN=("$SUTURE" apply "$A" "$SUT")
for i in 1 2 3; do
	check "apply ($i)" "$SUTURE" apply "$A" "$SUT"
	n=$(counted "$WORK/revert.txt" "$A" "$A" "$SUTURE" revert "$A")
	echo "# revert $i: the thread was stopped with $n context switches"
	check "revert $i: stopped for the switch, then alone to unmap" \
		test "$n" != FAILED -a "$n" -le 3
	check_eq "revert $i: the region is unmapped" "" "$(suture_maps "$A")"
	check_eq "revert $i: no tracer holds the thread any more" 0 \
		"$(status_of TracerPid "$A")"
done
# apply --replace unmaps the replaced region in its switch stop, then
# has nothing left for after it: the lock's thread goes with that stop.
check "apply" "$SUTURE" apply "$A" "$SUT"
one=$(suture_maps "$A" | wc -l)
AGAIN=()
for i in 1 2; do
	n=$(counted "$WORK/replace.txt" "$A" "$A" \
		"$SUTURE" apply --replace "$A" "$SUT")
	echo "# apply --replace $i: the thread was stopped with $n switches"
	check "apply --replace $i: stopped for the memory, then the switch" \
		test "$n" != FAILED -a "$n" -le 3
	check_eq "apply --replace $i: no tracer holds the thread any more" \
		0 "$(status_of TracerPid "$A")"
done
check_eq "the replaced regions are unmapped" "$one" \
	"$(suture_maps "$A" | wc -l)"
check "revert" "$SUTURE" revert "$A"
check_eq "its signal mask is as it was" 0000000000000000 "$(status_of SigBlk "$A")"
check_eq "no signal left pending" 0000000000000000 "$(status_of ShdPnd "$A")"
check "the cave holds the program's bytes again" \
	python3 "$TESTS/cave.py" "$A"
check "the loop runs on" runs "$A"

section "suture killed at each step of a revert"
# unseen - the steps of the unmapping stop no kill has hit yet.
unseen() {
	local s
	for s in "batch set up" "batch done" "region unmapped"; do
		case "$seen|" in *"|$s|"*) ;; *) printf '|%s' "$s" ;; esac
	done
}
seen="" left=0 pass=1
for ((n = 1; n < 200; n++)); do
	"$SUTURE" apply "$A" "$SUT" >"$WORK/apply.txt" 2>&1 ||
		{ fail "apply before step $n" "$(cat "$WORK/apply.txt")"; break; }
	f=$(fd_count "$A")
	rc=$(SUTURE_FAULT=$n "$SUTURE" revert "$A" >"$WORK/op.txt" 2>&1
		echo $?)
	# A revert whose stop found the thread in pause_step tried again:
	# its steps came later than their numbers, and one may have been
	# passed over.  Then all once more (3 passes at most).
	if [ "$rc" -ne 137 ] && [ -n "$(unseen)" ] &&
		[ $((pass++)) -lt 3 ]; then
		echo "# the revert went through at step $n, $(unseen) not hit: again"
		n=0
		continue
	fi
	[ "$rc" -ne 137 ] && break
	step=$(sed -n 's/.*killed at step [0-9]* (\(.*\))$/\1/p' "$WORK/op.txt")
	case $step in
	"batch set up" | "batch done" | "region unmapped") seen="$seen|$step" ;;
	esac
	check "killed at '$step': the loop runs on" runs "$A"
	check_eq "killed at '$step': no tracer holds the thread" 0 \
		"$(status_of TracerPid "$A")"
	check_eq "killed at '$step': the signal mask is as it was" \
		0000000000000000 "$(status_of SigBlk "$A")"
	check_eq "killed at '$step': no signal left pending" \
		0000000000000000 "$(status_of SigPnd "$A")"
	check_eq "killed at '$step': no descriptor left open" "$f" "$(fd_count "$A")"
	# Whatever is still mapped, status shows it: the patch, or what is
	# left to clean up.
	"$SUTURE" status "$A" >"$WORK/status.txt" 2>&1
	if [ -n "$(suture_maps "$A")" ]; then
		grep -q "step" "$WORK/status.txt" ||
			fail "killed at '$step': status shows the region mapped" \
				"$(cat "$WORK/status.txt")"
		grep -q "left to clean up" "$WORK/status.txt" && left=$((left + 1))
	fi
	"$SUTURE" revert --all "$A" >"$WORK/clean.txt" 2>&1
	[ -z "$(suture_maps "$A")" ] ||
		fail "clean up after step $n ($step)" "$(cat "$WORK/clean.txt")"
done
check_eq "the revert then went through" 0 "$rc"
check_eq "suture was killed at each step of the unmapping stop" "" "$(unseen)"
check "some kills left a region status names as left to clean up" \
	test "$left" -gt 0
check_eq "nothing is mapped after the last clean-up" "" "$(suture_maps "$A")"
check "the loop runs on" runs "$A"

section "a leftover removed in the stop: the lock's thread goes with it"
# Killed once the patch is switched off, a revert leaves its region for the
# next command to remove, in that command's stop of every thread: nothing
# is left for after it, so the lock's thread is let go in it.  Its entry
# still jumps into the region (killed before it was put back): that goes
# first, in a short stop of its own (leftover_entries_first), so that no
# thread enters the region while the removal waits for none to be in it.
check "apply" "$SUTURE" apply "$A" "$SUT"
for ((n = 1, tries = 1; tries < 200; n++, tries++)); do
	SUTURE_FAULT=$n "$SUTURE" revert "$A" >"$WORK/op.txt" 2>&1
	rc=$?
	grep -q "(patch uncommitted)" "$WORK/op.txt" && break
	# went through: it tried again, and passed the step over (above)
	[ "$rc" -ne 137 ] && n=0
	"$SUTURE" revert --all "$A" >/dev/null 2>&1
	"$SUTURE" apply "$A" "$SUT" >/dev/null 2>&1
done
check_match "a revert killed once the patch is off leaves it to clean up" \
	"left to clean up" "$("$SUTURE" status "$A" 2>&1)"
AGAIN=(false)
n=$(counted "$WORK/gc.txt" "$A" "$A" "$SUTURE" gc "$A")
echo "# gc: the thread was stopped with $n context switches"
check "gc removed it stopping the thread twice (the entry; interrupt, batch: 3)" \
	test "$n" != FAILED -a "$n" -le 3
check_eq "the region is unmapped" "" "$(suture_maps "$A")"
check_eq "no tracer holds the thread" 0 "$(status_of TracerPid "$A")"
check "the loop runs on" runs "$A"
stop_target "$A"

section "a leaked memfd descriptor, listed before the stop, closed in it"
# A suture killed between memfd_create and close leaks a descriptor named
# memfd:suture:...; revert lists them while the program runs, with the
# lock held, and in its stop closes those that still are suture's.  Made
# here by gdb, with one of the program's own memfds beside it.
start_alone "$SRC/pause" ||
	{ fail "start the pause target alone"; finish; }
gdb -q -p "$A" -batch -ex 'call (int)memfd_create("suture:leak", 0)' \
	-ex 'call (int)memfd_create("other", 0)' >"$WORK/gdb.txt" 2>&1
leak=$(memfd_fd "$A" suture:leak) own=$(memfd_fd "$A" other)
check "gdb left a suture memfd and a memfd of the program's own" \
	test -n "$leak" -a -n "$own"
check "apply" "$SUTURE" apply "$A" "$SUT"
check_eq "apply does not look for them" "$leak" "$(memfd_fd "$A" suture:leak)"
check "revert" "$SUTURE" revert "$A"
check_eq "revert closed the leaked descriptor" "" \
	"$(memfd_fd "$A" suture:leak)"
check_eq "and left the program's own memfd open" "$own" \
	"$(memfd_fd "$A" other)"
check "the loop runs on" runs "$A"
stop_target "$A"

section "a descriptor no longer suture's by the stop stays open"
# The list made before the stop is only a list of candidates: in the
# stop each is read again, and one the program has meanwhile made its own
# (descriptor 100 here, while the revert waits for busy's alt thread
# parked below the patched work()) is not closed.
BSRC=$WORK/busy
make_tree busy "$BSRC"
build_tree "$BSRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/work.sut" "$BSRC" "$TARGETS/busy/work.diff" busy \
	"${MAKEARGS[@]}" || finish
start_target B "$BSRC/busy" || finish
check "apply work.sut" "$SUTURE" apply "$B_PID" "$WORK/work.sut" --timeout 30
check_eq "descriptor 100 is a suture memfd" fd=100 \
	"$(ask "$B_PORT" fd suture:leak)"
check_eq "  ... named so" 100 "$(memfd_fd "$B_PID" suture:leak)"
check_eq "the alt thread parks below the new work()" alt=1 \
	"$(ask "$B_PORT" alt 1)"
parked() { [ "$(stat_field "$B_PORT" alt)" = 1 ]; }
wait_until "it is in the handler" parked
"$SUTURE" revert "$B_PID" --timeout 30 >"$WORK/revert.txt" 2>&1 &
rp=$!
locked() { grep -qv '^TracerPid:[[:space:]]*0$' <(grep -h '^TracerPid:' \
	/proc/"$B_PID"/task/*/status); }
wait_until "revert holds the lock, waiting for work() to be free" locked
sleep 0.3 # the list is made at once after the lock; the revert waits on
check_eq "descriptor 100 becomes the program's own memfd" fd=100 \
	"$(ask "$B_PORT" fd other)"
check_eq "the alt thread leaves" alt=0 "$(ask "$B_PORT" alt 0)"
wait "$rp"
rc=$?
check_eq "the revert went through: $(head -n 1 "$WORK/revert.txt")" 0 "$rc"
check_eq "descriptor 100, the program's, is still open" 100 \
	"$(memfd_fd "$B_PID" other)"
check_alive "the process answers" "$B_PID" "$B_PORT"
stop_target "$B_PID"

section "a sleeping thread unmaps, the busy one sees only the switch"
PAUSE_THREADS=1 PAUSE_BUSY=1 start_target P "$SRC/pause" || finish
poll test "$(ask "$P_PORT" threads)" -gt 1
busy=$(ls "/proc/$P_PID/task" | grep -vx "$P_PID")
check "apply" "$SUTURE" apply "$P_PID" "$SUT"
AGAIN=("$SUTURE" apply "$P_PID" "$SUT")
nb=$(counted "$WORK/revert.txt" "$P_PID" "$busy" "$SUTURE" revert "$P_PID")
echo "# revert stopped the busy thread with $nb context switches"
check "the busy thread was stopped only for the switch" \
	test "$nb" != FAILED -a "$nb" -le 1
check_eq "the region is unmapped" "" "$(suture_maps "$P_PID")"
check_alive "the process answers" "$P_PID" "$P_PORT"
finish
