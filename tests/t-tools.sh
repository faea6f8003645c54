#!/bin/bash
# t-tools.sh - other tools see patched code: /tmp/perf-PID.map names the
# new code of every replaced function at the address `suture status`
# reports, while the patch is applied, and lines other tools wrote in the
# same file survive apply and revert, the file goes with the last patch,
# and apply/revert remove suture's files of processes that are gone (only
# those: not a live process's, not one with another tool's line), at most
# once in 10 seconds (a stamp file: a newer stale map waits for the next);
# `suture gdb` makes gdb's backtraces name patched functions and unwind
# through them.
. "$(dirname "$0")/lib.sh"
begin tools

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/busy
make_tree busy "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
start_target B "$SRC/busy" || finish
pid=$B_PID port=$B_PORT
map=/tmp/perf-$pid.map
trap 'rm -f "$map"; cleanup' EXIT

build_patch "$WORK/work.sut" "$SRC" "$TARGETS/busy/work.diff" busy \
	"${MAKEARGS[@]}" || finish
build_patch "$WORK/tally.sut" "$SRC" "$TARGETS/busy/tally.diff" busy \
	"${MAKEARGS[@]}" || finish

# Another JIT's line, there before suture.
foreign="7f0000001000 40 some_jit_function"
printf '%s\n' "$foreign" >"$map"

section "apply"
check "suture apply work.sut" suture apply "$pid" "$WORK/work.sut" \
	--timeout 30
check "suture apply tally.sut" suture apply "$pid" "$WORK/tally.sut" \
	--timeout 30
js=$("$SUTURE" status "$pid" --json)
want=$(json_get "$js" 'join("\n", map { my $p = $_; map {
	sprintf("%x %x %s [suture:%s]", hex($_->{new}), $_->{size},
		$_->{name}, $p->{name}) } @{$p->{functions}} } @{$j->{patches}})')
check_eq "perf map: the other tool's line, then one line per new function" \
	"$foreign
$want" "$(cat "$map")"

section "gdb"
# Workers sleep in hold(), called from work()'s patch code.
check_eq "workers sleep inside work()" holding=1 "$(ask "$port" hold 1)"
work_new=$(json_get "$js" 'my ($f) = grep { $_->{name} eq "work" }
	map { @{$_->{functions}} } @{$j->{patches}}; hex($f->{new})')
work_end=$(json_get "$js" 'my ($f) = grep { $_->{name} eq "work" }
	map { @{$_->{functions}} } @{$j->{patches}};
	hex($f->{new}) + $f->{size}')
run gdb -q -batch -p "$pid" -ex "thread apply all bt"
check_nomatch "plain gdb cannot name the patched work()" \
	'#[0-9]+ +0x[0-9a-f]+ in work \(\)' "$OUT"
run "$SUTURE" gdb "$pid" -batch -ex "thread apply all bt"
bt=$OUT
check_match "suture gdb: backtraces name the patched work()" \
	'#[0-9]+ +0x[0-9a-f]+ in work \(\)' "$bt"
# frames "in work ()" at an address of the patch's work(), followed by
# worker(): gdb unwound through patch code with the patch's CFI
named=$(perl -ne 'BEGIN { ($lo, $hi) = splice @ARGV, 0, 2 }
	$n++ if $prev && / in worker /;
	$prev = / (0x[0-9a-f]+) in work \(\)/ && hex($1) >= $lo && hex($1) < $hi;
	END { print $n + 0 }' "$work_new" "$work_end" <<<"$bt")
check "suture gdb: frames in the new work() unwind to worker() ($named threads)" \
	test "$named" -ge 1
check_eq "suture gdb removed its symbol files" "" \
	"$(ls -d /tmp/suture-gdb.* 2>/dev/null)"
rm -rf "$WORK/sym" && mkdir -p "$WORK/sym"
run "$SUTURE" symbols "$pid" "$WORK/sym"
check_eq "suture symbols: one gdb command per patch" \
	"add-symbol-file $WORK/sym/work.debug
add-symbol-file $WORK/sym/tally.debug" "$OUT"
run objdump -d "$WORK/sym/work.debug"
check_match "objdump -d shows work() at its address in the process" \
	"^0*$(printf %x "$work_new") <work>:" "$OUT"
check_eq "the symbol file holds work()'s code as the process has it" \
	"$(mem "$pid" "$work_new" $((work_end - work_new)))" \
	"$(objcopy -O binary --only-section=.text "$WORK/sym/work.debug" \
		"$WORK/work.text" &&
		head -c $((work_end - work_new)) "$WORK/work.text" |
		od -An -tx1 | tr -d ' \n')"
check_eq "workers sleep outside work() again" holding=0 "$(ask "$port" hold 0)"

section "revert"
check "suture revert work" suture revert "$pid" work --timeout 30
check_eq "perf map: work's line is gone, tally's stays" \
	"$foreign
$(grep 'suture:tally' <<<"$want")" "$(cat "$map")"
check "suture revert tally" suture revert "$pid" tally --timeout 30
check_eq "perf map: only the other tool's line is left" "$foreign" \
	"$(cat "$map")"

section "perf map clean-up"
# Without the other tool's line, the last revert leaves nothing: the file
# goes.  Then stale files of other processes, next to the live one.
rm -f "$map"
check "suture apply work.sut (no other tool)" suture apply "$pid" \
	"$WORK/work.sut" --timeout 30
check "suture revert work" suture revert "$pid" work --timeout 30
check_eq "the last patch reverted: the map file is removed" "removed" \
	"$([ -e "$map" ] || echo removed)"
check "suture apply work.sut again" suture apply "$pid" "$WORK/work.sut" \
	--timeout 30
line="7f0000002000 10 gone_function [suture:old]"
dead=$(sh -c 'echo $$')
dead2=$(sh -c 'echo $$')
dead3=$(sh -c 'echo $$')
sleep 987700 &
live=$!
PIDS+=("$live")
sleep 987701 &
reused=$!
PIDS+=("$reused")
STALE=(/tmp/perf-$dead.map /tmp/perf-$dead2.map /tmp/perf-$dead3.map
	/tmp/perf-$live.map
	/tmp/perf-$reused.map)
trap 'rm -f "$map" "${STALE[@]}"; cleanup' EXIT
printf '%s\n' "$line" >"/tmp/perf-$dead.map"
: >"/tmp/perf-$dead3.map" # what suture left before it removed files
printf '%s\n%s\n' "$foreign" "$line" >"/tmp/perf-$dead2.map"
printf '%s\n' "$line" >"/tmp/perf-$live.map"
printf '%s\n' "$line" >"/tmp/perf-$reused.map"
touch -d 2000-01-01 "/tmp/perf-$reused.map"
# the user's last sweep long ago: this command's is due
stamp=/tmp/.suture-perfsweep-$(id -u)
touch -d 2000-01-01 "$stamp"
check "suture apply tally.sut (then sweeps /tmp)" suture apply "$pid" \
	"$WORK/tally.sut" --timeout 30
check_eq "the patched process's map is kept, both patches in it" 2 \
	"$(grep -c 'suture:\(work\|tally\)' "$map")"
check_eq "suture's map of a process that is gone: removed" "removed" \
	"$([ -e "/tmp/perf-$dead.map" ] || echo removed)"
check_eq "an empty one of a process that is gone: removed" "removed" \
	"$([ -e "/tmp/perf-$dead3.map" ] || echo removed)"
check_eq "one with another tool's line: kept" "$foreign
$line" "$(cat "/tmp/perf-$dead2.map" 2>&1)"
check_eq "one written after its (running) process started: kept" "$line" \
	"$(cat "/tmp/perf-$live.map" 2>&1)"
check_eq "one older than the process that now has its PID: removed" \
	"removed" "$([ -e "/tmp/perf-$reused.map" ] || echo removed)"

# A map gone stale after that sweep waits for the next one, 10 s later.
dead4=$(sh -c 'echo $$')
STALE+=(/tmp/perf-$dead4.map)
printf '%s\n' "$line" >"/tmp/perf-$dead4.map"
check "suture revert --all" suture revert "$pid" --all --timeout 30
check_eq "  ... and the map file is removed" "removed" \
	"$([ -e "$map" ] || echo removed)"
check_eq "a stale map, the last sweep seconds ago: no sweep, it stays" \
	"$line" "$(cat "/tmp/perf-$dead4.map" 2>&1)"
touch -d 2000-01-01 "$stamp"
check "suture apply work.sut (the last sweep long ago)" suture apply \
	"$pid" "$WORK/work.sut" --timeout 30
check_eq "  ... swept: the stale map is removed" "removed" \
	"$([ -e "/tmp/perf-$dead4.map" ] || echo removed)"
check "suture revert --all" suture revert "$pid" --all --timeout 30
# A fresh stamp of another user's (one made to stop the sweeps) is not
# trusted: the sweep runs.
if [ "$(id -u)" = 0 ]; then
	dead5=$(sh -c 'echo $$')
	STALE+=(/tmp/perf-$dead5.map)
	printf '%s\n' "$line" >"/tmp/perf-$dead5.map"
	rm -f "$stamp"
	touch "$stamp"
	chown nobody "$stamp"
	check "suture apply work.sut (a fresh stamp, nobody's)" suture \
		apply "$pid" "$WORK/work.sut" --timeout 30
	check_eq "  ... swept all the same: the stale map is removed" \
		"removed" "$([ -e "/tmp/perf-$dead5.map" ] || echo removed)"
	rm -f "$stamp"
	check "suture revert --all" suture revert "$pid" --all --timeout 30
fi
check_alive "alive at the end" "$pid" "$port"
finish
