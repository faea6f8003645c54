#!/bin/bash
# t-odd.sh - odd targets (targets/odd): each one is either patched or
# refused with a clear message, and no process is harmed.
#   churn     threads that start and exit without pause (pthread_create +
#             join in a loop, no connections involved) while suture
#             attaches, 30 apply/revert cycles
#   1000      a process with 1000 threads: apply and revert switch every
#             one of them (each calls the patched function on `poke`)
#   fork+exec a process that forks and execs all the time: forked children
#             run the patched code, exec'd images never do, and `suture
#             status` on an exec'd child shows no patch
#   stopped   a multi-threaded process stopped with SIGSTOP (with threads
#             being created when it stopped): apply, revert and apply
#             again, every thread stays stopped; SIGCONT runs the patch
#   debugger  strace -p and gdb -p hold the process: clear refusal naming
#             the tracer, debugger and process fine, then patchable
#   seccomp   a filter makes memfd_create or mmap fail with EPERM: apply
#             fails saying so and leaves the process unpatched, without a
#             stray descriptor or mapping; a filter that kills the process
#             on memfd_create must not be triggered, nor one that kills
#             on mmap of a descriptor (which a batch of calls only knows
#             as it runs)
#   exiting   the process exits on its own, or is killed, in the middle of
#             apply: suture reports it, never hangs or crashes
#   vfork     a thread waits for its vfork child (state D), which no
#             interrupt stops: the other threads are let go at once (the
#             process answers while suture waits for that one), apply
#             refuses naming it; then applies once the wait is over
# (t-edge covers a stopped single-threaded process and the fork child's
# patch; t-threads per-connection thread churn; t-failures a traced
# process with a tracer of its own.)
. "$(dirname "$0")/lib.sh"
begin odd

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/odd
make_tree odd "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/answer.sut" "$SRC" "$TARGETS/odd/answer.diff" odd \
	"${MAKEARGS[@]}" || finish
name=$(patch_name "$WORK/answer.sut")

grows() { # grows PORT FIELD - FIELD moves (polled)
	local a
	a=$(stat_field "$1" "$2")
	poll test_gt "$1" "$2" "$a"
}
test_gt() { [ "$(stat_field "$1" "$2")" -gt "$3" ]; }
pause_of() { sed -n 's/.*stopped for \([0-9]*\) µs (\([0-9]*\) threads[;)].*/\1 µs, \2 threads/p' <<<"$1"; }
# fds PID - PID's descriptors other than sockets: what suture could leave
# behind (a memfd, a file); the test's own connections close at their own
# pace, so counting them made the check race with the target under load.
fds() { find "/proc/$1/fd" -mindepth 1 -printf '%l\n' 2>/dev/null |
	grep -vc '^socket:'; }

section "churn: threads start and exit without pause"
start_target C "$SRC/odd" -t || finish
check_eq "start 3 threads that each spawn and join threads" ok \
	"$(ask "$C_PORT" "churn 3")"
grows "$C_PORT" churned
ok=0
for ((i = 1; i <= 30; i++)); do
	"$SUTURE" apply "$C_PID" "$WORK/answer.sut" >"$WORK/churn.log" 2>&1 &&
		"$SUTURE" revert "$C_PID" >>"$WORK/churn.log" 2>&1 &&
		ok=$((ok + 1))
done
check_eq "30 of 30 apply/revert cycles while threads come and go" 30 "$ok"
[ "$ok" = 30 ] || cat "$WORK/churn.log"
check "apply once more" suture apply "$C_PID" "$WORK/answer.sut"
wait_until "short-lived threads run the new code" grows "$C_PORT" v2
check "revert" suture revert "$C_PID"
v2=$(stat_field "$C_PORT" v2)
wait_until "after revert short-lived threads run the old code" \
	grows "$C_PORT" v1
sleep 0.2
check_eq "  ... and no more version-2 results" "$v2" "$(stat_field "$C_PORT" v2)"
check_eq "no thread saw a wrong result, no thread failed to start" "0 0" \
	"$(stat_field "$C_PORT" bad) $(stat_field "$C_PORT" errors)"
echo "# $(stat_field "$C_PORT" churned) threads came and went"
check_alive "alive after the churn" "$C_PID" "$C_PORT"
check_status "$C_PID" "after the churn"
stop_target "$C_PID"

section "1000 threads"
start_target K "$SRC/odd" -t || finish
check_eq "start 1000 threads" 1000 "$(ask "$K_PORT" "threads 1000")"
check_eq "every thread runs the old code" "v1=1000 v2=0 bad=0 of=1000" \
	"$(ask "$K_PORT" poke)"
check "apply to 1000 threads" suture apply "$K_PID" "$WORK/answer.sut"
echo "# apply: $OUT"
check_match "  ... reports the pause and 1001 threads" \
	'stopped for [0-9]+ µs \(100[1-9] threads[;)]' "$OUT"
echo "# apply to 1000 threads: process stopped for $(pause_of "$OUT")"
check_eq "every thread runs the new code" "v1=0 v2=1000 bad=0 of=1000" \
	"$(ask "$K_PORT" poke)"
check "revert from 1000 threads" suture revert "$K_PID"
echo "# revert from 1000 threads: process stopped for $(pause_of "$OUT")"
check_eq "every thread runs the old code again" \
	"v1=1000 v2=0 bad=0 of=1000" "$(ask "$K_PORT" poke)"
check_alive "alive with its 1000 threads" "$K_PID" "$K_PORT"
check_match "still 1001+ threads" '^10[0-9][0-9]$' "$(ask "$K_PORT" threads)"
stop_target "$K_PID"

section "fork+exec: children forked and exec'd all the time"
start_target F "$SRC/odd" -t || finish
check_eq "start forking" ok "$(ask "$F_PORT" forker)"
wait_until "forked children run" grows "$F_PORT" fork1
wait_until "exec'd children run" grows "$F_PORT" exec1
check "apply while it forks" suture apply "$F_PID" "$WORK/answer.sut"
wait_until "forked children run the patched code" grows "$F_PORT" fork2
wait_until "exec'd children still run" grows "$F_PORT" exec1
check_eq "no exec'd child ever ran the patched code" 0 \
	"$(stat_field "$F_PORT" exec2)"
check_eq "spawn a long-lived exec'd child" ok \
	"$(pid=$(ask "$F_PORT" "spawn-exec $WORK/E.port") &&
		echo "$pid" >"$WORK/E.pid" && echo ok)"
E_PID=$(cat "$WORK/E.pid")
PIDS+=("$E_PID")
poll test -s "$WORK/E.port"
E_PORT=$(cat "$WORK/E.port")
check_eq "the exec'd child is that process" "$E_PID" "$(ask "$E_PORT" pid)"
check_eq "the exec'd child runs the old code" 1 "$(ask "$E_PORT" answer)"
check_status "$E_PID" "the exec'd child of a patched process"
check_eq "  ... and has no suture region" "" "$(suture_maps "$E_PID")"
check_eq "the parent runs the new code" 2 "$(ask "$F_PORT" answer)"
check "revert while it forks" suture revert "$F_PID"
f2=$(stat_field "$F_PORT" fork2)
wait_until "after revert forked children run the old code" \
	grows "$F_PORT" fork1
sleep 0.2
check_eq "  ... and no more patched ones" "$f2" "$(stat_field "$F_PORT" fork2)"
check_eq "no child failed or gave a wrong answer" 0 "$(stat_field "$F_PORT" errors)"
check_eq "still no exec'd child ran the patched code" 0 \
	"$(stat_field "$F_PORT" exec2)"
check_alive "alive after fork+exec" "$F_PID" "$F_PORT"
stop_target "$E_PID"
stop_target "$F_PID"

section "stopped: SIGSTOP with threads being created"
start_target S "$SRC/odd" -t || finish
check_eq "start 50 threads" 50 "$(ask "$S_PORT" "threads 50")"
check_eq "start thread churn" ok "$(ask "$S_PORT" "churn 1")"
kill -STOP "$S_PID"
wait_until "every thread is stopped" all_stopped "$S_PID"
check "apply to the stopped process" suture apply "$S_PID" "$WORK/answer.sut"
check_eq "it is still stopped after apply" T "$(state_of "$S_PID")"
check "every thread is still stopped after apply" \
	all_stopped "$S_PID"
check "revert while stopped" suture revert "$S_PID"
check "every thread is still stopped after revert" \
	all_stopped "$S_PID"
check "apply again while stopped" suture apply "$S_PID" "$WORK/answer.sut"
check "every thread is still stopped" all_stopped "$S_PID"
check_status "$S_PID" "stopped, after apply" "$name"
kill -CONT "$S_PID"
check_eq "after SIGCONT every thread runs the new code" \
	"v1=0 v2=50 bad=0 of=50" "$(ask "$S_PORT" poke)"
wait_until "short-lived threads run the new code" grows "$S_PORT" v2
check_eq "  ... with no wrong result" 0 "$(stat_field "$S_PORT" bad)"
check "revert" suture revert "$S_PID"
check_alive "alive" "$S_PID" "$S_PORT"
stop_target "$S_PID"

section "debugger: strace -p holds the process"
start_target D "$SRC/odd" -t || finish
strace -f -p "$D_PID" -o "$WORK/strace.out" 2>"$WORK/strace.err" &
st=$!
PIDS+=("$st")
traced_by() { grep -q "^TracerPid:[[:space:]]*$1\$" "/proc/$D_PID/status"; }
if wait_until "strace attached" traced_by "$st"; then
	check_fails "apply under strace is refused" \
		suture apply "$D_PID" "$WORK/answer.sut"
	check_match "  ... naming strace as the tracer" \
		"traced by process $st|strace" "$OUT"
	check "strace still runs" kill -0 "$st"
	lines=$(wc -l <"$WORK/strace.out")
	check_eq "the process answers under strace, old code" 1 \
		"$(ask "$D_PORT" answer)"
	more_lines() { [ "$(wc -l <"$WORK/strace.out")" -gt "$lines" ]; }
	poll more_lines
	check_match "strace still records the process's system calls" \
		'accept|read|write' "$(tail -n +"$((lines + 1))" "$WORK/strace.out")"
	check_status "$D_PID" "under strace"
	kill -INT "$st"   # strace detaches and exits
	wait "$st"
	wait_until "strace detached: no tracer any more" traced_by 0
	check "apply works once strace is gone" \
		suture apply "$D_PID" "$WORK/answer.sut"
	check_eq "  ... new code" 2 "$(ask "$D_PORT" answer)"
	check "revert" suture revert "$D_PID"
fi
check_alive "alive after strace" "$D_PID" "$D_PORT"

section "debugger: gdb -p holds the process"
gdb -q -p "$D_PID" -batch -ex continue >"$WORK/gdb.out" 2>&1 &
gd=$!
PIDS+=("$gd")
gdb_running() { traced_by "$gd" && [ "$(ask "$D_PORT" ping)" = pong ]; }
if wait_until "gdb attached and continued the process" gdb_running; then
	check_fails "apply under gdb is refused" \
		suture apply "$D_PID" "$WORK/answer.sut"
	check_match "  ... naming gdb as the tracer" "traced by process $gd|gdb" \
		"$OUT"
	check "gdb still runs" kill -0 "$gd"
	check_eq "the process answers under gdb, old code" 1 \
		"$(ask "$D_PORT" answer)"
	check_status "$D_PID" "under gdb"
	kill -INT "$gd"   # gdb stops the process, ends its batch, detaches
	wait "$gd"
	wait_until "gdb detached" traced_by 0
	check_nomatch "gdb saw no crash of the process" \
		'SIGSEGV|SIGILL|SIGBUS|SIGTRAP|Inferior 1 .*exited' \
		"$(cat "$WORK/gdb.out")"
	running() { [ "$(state_of "$D_PID")" != T ]; }
	poll running
	check "apply works once gdb is gone" \
		suture apply "$D_PID" "$WORK/answer.sut"
	check_eq "  ... new code" 2 "$(ask "$D_PORT" answer)"
	check "revert" suture revert "$D_PID"
fi
check_alive "alive after gdb" "$D_PID" "$D_PORT"
stop_target "$D_PID"

section "seccomp: the process may not map memory"
# mode WHY - what apply must say for each filter
for mode in memfd mmap both; do
	case $mode in
	memfd) why='memfd_create.*(not permitted|EPERM)|seccomp' ;;
	*) why='(map|memfd_create).*(not permitted|EPERM)|seccomp' ;;
	esac
	start_target X "$SRC/odd" || continue
	check_eq "$mode: the filter is installed" ok \
		"$(ask "$X_PORT" "seccomp $mode")"
	check_match "$mode: /proc says seccomp filter mode" '^Seccomp:[[:space:]]+2' \
		"$(cat "/proc/$X_PID/status")"
	fd0=$(fds "$X_PID")
	maps0=$(wc -l <"/proc/$X_PID/maps")
	check_fails "$mode: apply fails" suture apply "$X_PID" "$WORK/answer.sut"
	check_match "$mode: ... saying what the process may not do" "$why" "$OUT"
	check_alive "$mode: the process lives" "$X_PID" "$X_PORT"
	check_eq "$mode: ... and runs the old code" 1 "$(ask "$X_PORT" answer)"
	check_status "$X_PID" "$mode: after the refused apply"
	check_eq "$mode: no suture region" "" "$(suture_maps "$X_PID")"
	check_eq "$mode: no descriptor left behind" "$fd0" "$(fds "$X_PID")"
	check_eq "$mode: no mapping left behind" "$maps0" \
		"$(wc -l <"/proc/$X_PID/maps")"
	check_fails "$mode: a second apply fails the same way" \
		suture apply "$X_PID" "$WORK/answer.sut"
	check_match "$mode: ... with the same message" "$why" "$OUT"
	check_alive "$mode: the process still lives" "$X_PID" "$X_PORT"
	stop_target "$X_PID"
done

section "seccomp: memfd_create kills the process"
start_target X "$SRC/odd" || finish
check_eq "kill-memfd: the filter is installed" ok \
	"$(ask "$X_PORT" "seccomp kill-memfd")"
run "$SUTURE" apply "$X_PID" "$WORK/answer.sut"
echo "# apply said (status $RC): $OUT"
check_alive "kill-memfd: the process survives apply" "$X_PID" "$X_PORT"
if alive "$X_PID"; then
	if [ "$RC" = 0 ]; then
		check_eq "kill-memfd: applied, new code" 2 "$(ask "$X_PORT" answer)"
	else
		check_match "kill-memfd: the refusal names seccomp" seccomp "$OUT"
		check_eq "kill-memfd: ... and the old code runs" 1 \
			"$(ask "$X_PORT" answer)"
	fi
fi
stop_target "$X_PID"

section "seccomp: mmap of a descriptor kills the process"
# The batch of calls (src/process/rbatch.h) fills in the memfd's number only
# as it runs: a filter that looks at it is judged call by call instead,
# with the real number, and the mmap is never made.
start_target X "$SRC/odd" || finish
check_eq "kill-mmap-fd: the filter is installed" ok \
	"$(ask "$X_PORT" "seccomp kill-mmap-fd")"
fd0=$(fds "$X_PID")
check_fails "kill-mmap-fd: apply fails" suture apply "$X_PID" "$WORK/answer.sut"
check_match "kill-mmap-fd: ... naming the filter and the call" \
	"seccomp filter that forbids mmap \(it would kill the process\)" "$OUT"
check_alive "kill-mmap-fd: the process lives" "$X_PID" "$X_PORT"
check_eq "kill-mmap-fd: ... and runs the old code" 1 "$(ask "$X_PORT" answer)"
check_eq "kill-mmap-fd: no suture region" "" "$(suture_maps "$X_PID")"
check_eq "kill-mmap-fd: no descriptor left behind" "$fd0" "$(fds "$X_PID")"
stop_target "$X_PID"

section "seccomp: userfaultfd kills the process"
# The write tracker's calls end the mapping's batch as calls it may leave
# out (src/process/wtrack.h): a filter that forbids one drops them all.
# With 1 MiB of heap the process is big enough for a tracker where the
# kernel has no soft-dirty marks (this machine's).
start_target X "$SRC/odd" || finish
check_eq "kill-uffd: 1 MiB of heap" ok "$(ask "$X_PORT" "heap 1")"
check_eq "kill-uffd: the filter is installed" ok \
	"$(ask "$X_PORT" "seccomp kill-uffd")"
fd0=$(fds "$X_PID")
check "kill-uffd: apply works" suture apply -v "$X_PID" "$WORK/answer.sut"
case $OUT in
*"(soft-dirty marks)"*)
	echo "# the kernel marks written pages: no tracker asked for" ;;
*"no write tracker: userfaultfd: "* | *"no asynchronous write protection"*)
	echo "# this kernel cannot track writes with a userfaultfd" ;;
*)
	check_match "kill-uffd: ... without a tracker, saying why" \
		"no write tracker: the process did not make one \(its seccomp filters forbid it" \
		"$OUT" ;;
esac
check_alive "kill-uffd: the process lives" "$X_PID" "$X_PORT"
check_eq "kill-uffd: ... and runs the new code" 2 "$(ask "$X_PORT" answer)"
check_eq "kill-uffd: no descriptor left behind" "$fd0" "$(fds "$X_PID")"
check "kill-uffd: revert" suture revert "$X_PID"
stop_target "$X_PID"

section "vfork: a thread in an uninterruptible wait"
# Before, every thread stayed stopped until the vfork child exited (4 s),
# then the patch applied.
start_target U "$SRC/odd" -t || finish
check_eq "a thread vforks a child that sleeps 4 s" ok \
	"$(ask "$U_PORT" "vfork-wait 4000")"
in_d() { grep -ls '^State:[[:space:]]*D' /proc/"$U_PID"/task/*/status; }
wait_until "the thread waits for it in state D" in_d
d_tid=$(in_d | head -n 1 | cut -d/ -f5)
"$SUTURE" apply --timeout 1 "$U_PID" "$WORK/answer.sut" >"$WORK/u.out" 2>&1 &
su=$!
held_by_suture() {
	grep -q "^TracerPid:[[:space:]]*$su\$" "/proc/$U_PID/task/$d_tid/status"
}
wait_until "suture has seized that thread" held_by_suture
check_eq "the process answers meanwhile (version 1)" 1 \
	"$(ask "$U_PORT" answer)"
# (a zombie suture, ended and not yet waited for, does not count)
running() { grep -q '^State:[[:space:]]*[^Z]' "/proc/$1/status" 2>/dev/null; }
check "  ... while suture still waits for that thread" running "$su"
wait "$su"
check_ne "apply fails" 0 "$?"
check_match "it names the thread and its wait" \
	"^suture apply: thread $d_tid \(odd\) of process $U_PID is in an uninterruptible wait \(in the kernel's [a-z_0-9.]+\), where no tracer can stop it until the wait ends; the other threads were let go meanwhile; still in use after 1\.0 s; nothing was changed" \
	"$(cat "$WORK/u.out")"
check_eq "not patched" 1 "$(ask "$U_PORT" answer)"
check_status "$U_PID" "after the refusal"
check "once the wait is over, apply" suture apply "$U_PID" "$WORK/answer.sut"
check_eq "  ... patched" 2 "$(ask "$U_PORT" answer)"
check "revert" suture revert "$U_PID"
check_alive "alive" "$U_PID" "$U_PORT"
stop_target "$U_PID"

section "exiting: the process exits or is killed during apply"
# A target with 200 threads (so that stopping them takes a while) exits on
# its own 0-39 ms after the request, or is killed with SIGKILL 0-39 ms
# after apply starts.  suture must end (within 20 s) with a status of its
# own, not a signal, and on failure say the process is gone.
GONE='no process|exited|vanished|gone|died|terminated|killed|zombie'
for how in exits killed; do
	ended=0 clean=0 applied=0 refused=0 bad="" hung=""
	for ((i = 0; i < 12; i++)); do
		start_target Z "$SRC/odd" -t || break
		ask "$Z_PORT" "threads 200" >/dev/null
		ms=$((i * 37 % 40))
		if [ "$how" = exits ]; then
			ask "$Z_PORT" "exit-after $ms" >/dev/null
			timeout 20 "$SUTURE" apply "$Z_PID" "$WORK/answer.sut" \
				>"$WORK/z.out" 2>&1
			rc=$?
		else
			timeout 20 "$SUTURE" apply "$Z_PID" "$WORK/answer.sut" \
				>"$WORK/z.out" 2>&1 &
			ap=$!
			sleep "0.0$(printf %02d "$ms")"
			kill -9 "$Z_PID"
			wait "$ap"
			rc=$?
		fi
		stop_target "$Z_PID"
		out=$(cat "$WORK/z.out")
		if [ "$rc" -lt 124 ]; then
			ended=$((ended + 1))
		else
			hung="$hung
after ${ms} ms: status $rc (124: still running after 20 s): $out"
		fi
		if [ "$rc" = 0 ]; then
			applied=$((applied + 1)) clean=$((clean + 1))
		elif [ "$rc" -lt 124 ] && grep -Eqi "$GONE" <<<"$out"; then
			refused=$((refused + 1)) clean=$((clean + 1))
		elif [ "$rc" -lt 124 ]; then
			bad="$bad
after ${ms} ms: status $rc: $out"
		fi
	done
	echo "# $how: $applied applied before the end, $refused reported the process gone"
	if [ "$ended" = 12 ]; then
		pass "$how: 12 of 12 applies ended by themselves (no hang, no crash)"
	else
		fail "$how: 12 of 12 applies ended by themselves (no hang, no crash)" \
			"only $ended did:$hung"
	fi
	if [ -z "$bad" ]; then
		pass "$how: every failed apply said the process was gone"
	else
		fail "$how: every failed apply said the process was gone" \
			"messages that do not:$bad"
	fi
done
finish
