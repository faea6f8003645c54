#!/bin/bash
# t-fanout.sh - what the benchmarks brought (issue 6): `suture apply
# PID,PID,... FILE` and `suture revert PID,PID,...` (each process its own
# transaction, spread over workers; one failing leaves the others
# patched), SUTURE_TIMING=1's phase line, and trampolines that jump
# straight to the new code while a patch is live (src/apply/bypass.h),
# back to the original bytes after revert.  One command keeps the files
# of its processes open for the next ones (src/process/modcache.h): each
# process is still judged by its own file, also when another build was
# installed at the same path, or the file was written in place meanwhile.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin fanout

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" || finish
pids=() ports=()
for i in 1 2 3 4 5; do
	start_target "C$i" "$SRC/calc" || finish
	v=C${i}_PID p=C${i}_PORT
	pids+=("${!v}") ports+=("${!p}")
done
list=$(IFS=,; echo "${pids[*]}")

# answers VERSION - every process answers `calc 5` as VERSION's code does.
answers() {
	local p want
	want=$(model_sum "$1" 5)
	for p in "${ports[@]}"; do
		[ "$(ask "$p" "calc 5")" = "$want" ] || return 1
	done
}

section "several PIDs"
check "suture apply PID,PID,... on 5 processes" suture apply "$list" "$WORK/fix.sut"
check_eq "one 'applied' line per process" 5 "$(grep -c "^applied 'fix' to PID" <<<"$OUT")"
check_match "a summary line with the time per process" \
	'^applied to 5 of 5 processes in [0-9]+ ms \([0-9.]+ ms per process, [0-9]+ workers?\)' "$OUT"
check "every process runs the new code" answers new
check "suture revert PID,PID,... --jobs 1" suture revert "$list" --jobs 1
check_match "revert summary, one worker" '^reverted from 5 of 5 processes .*1 worker\)' "$OUT"
check "every process runs the old code again" answers old

section "one PID fails, the others are patched"
stop_target "${pids[4]}"
check_fails "apply to 4 live processes and a dead one fails" \
	suture apply "$list" "$WORK/fix.sut"
check_match "it names the dead process" "process ${pids[4]}|PID ${pids[4]}" "$OUT"
check_match "the summary counts 4 of 5" '^applied to 4 of 5 processes' "$OUT"
unset 'ports[4]'
check "the 4 live processes run the new code" answers new
check "revert them" suture revert "$(IFS=,; echo "${pids[*]:0:4}")"
check "and they run the old code again" answers old
check_fails "a PID named twice is a usage error" suture apply "${pids[0]},${pids[0]}" "$WORK/fix.sut"
check_match "saying so" "named twice" "$OUT"
check_fails "an item that is no PID is a usage error" suture apply "${pids[0]},x" "$WORK/fix.sut"
check_match "saying which" "'x' is not a process ID" "$OUT"

section "one command, processes of two builds started from one path"
# The first process's files stay open for the second, by the inode its map
# names: the second runs another file, another build, and is refused.
ALT=$WORK/calc-O1
calc_build "$ALT" CC=gcc "CFLAGS=-O1 -g" || finish
alt_id=$(build_id "$ALT/calc")
mkdir -p "$WORK/deploy"
cp "$SRC/calc" "$WORK/deploy/calc"
start_target D1 "$WORK/deploy/calc" || finish
cp "$ALT/calc" "$WORK/deploy/calc.new"
mv "$WORK/deploy/calc.new" "$WORK/deploy/calc" # an upgrade
start_target D2 "$WORK/deploy/calc" || finish
for order in "$D1_PID,$D2_PID" "$D2_PID,$D1_PID"; do
	run suture apply --jobs 1 "$order" "$WORK/fix.sut"
	check_match "apply --jobs 1 $order: the first build's process is patched" \
		"^applied 'fix' to PID $D1_PID:" "$OUT"
	check_match "  ... the other build's is refused, by its own build-id" \
		"process $D2_PID does not map the binary this patch was built for .*it maps: $WORK/deploy/calc \(build-id $alt_id\)" "$OUT"
	run suture revert "$D1_PID"
done
stop_target "$D1_PID"
stop_target "$D2_PID"

section "one command, a file written in place between two processes"
# Both map one inode (started through ld.so, which maps the program as
# any library: it may be written while mapped).  While suture waits for
# the first, the file becomes the other build; the second is judged by the
# file as it is then, not as the first process's turn found it.
build_patch "$WORK/busy.sut" "$SRC" "$TARGETS/calc/busy.diff" calc \
	"${MAKEARGS[@]}" || finish
LDSO=$(readelf -l "$SRC/calc" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
cp "$SRC/calc" "$WORK/deploy/calc-inplace"
start_target E1 "$LDSO" "$WORK/deploy/calc-inplace" -t || finish
start_target E2 "$LDSO" "$WORK/deploy/calc-inplace" || finish
ask "$E1_PORT" "hold 4" >/dev/null &
is_held() { ask "$E1_PORT" holding | grep -q '^holding=1 '; }
wait_until "a thread of E1 waits inside compute_held" is_held
"$SUTURE" apply --jobs 1 --timeout 3 "$E1_PID,$E2_PID" "$WORK/busy.sut" \
	>"$WORK/inplace.out" 2>&1 &
sut=$!
traced() { grep -q "^TracerPid:[[:space:]]*$sut\$" "/proc/$E1_PID/status"; }
wait_until "suture works on E1 (its files are open)" traced
cat "$ALT/calc" >"$WORK/deploy/calc-inplace" # the same inode
wait "$sut"
OUT=$(cat "$WORK/inplace.out")
check_match "E2 is refused: its file is the other build now" \
	"process $E2_PID does not map the binary this patch was built for .*calc-inplace \(build-id $alt_id\)" "$OUT"
check_nomatch "  ... and nothing was applied" "^applied '" "$OUT"
stop_target "$E1_PID"
stop_target "$E2_PID"

section "timing, and the trampoline while live"
pid=${pids[0]}
at=$(func_addr "$pid" "$SRC/calc" compute)
orig=$(mem "$pid" "$at" 5)
run env SUTURE_TIMING=1 "$SUTURE" apply "$pid" "$WORK/fix.sut"
check_match "SUTURE_TIMING=1: a timing line with the stop's phases" \
	'^suture: timing: .*mapping \(one thread stopped\) [0-9]+ µs, .*stop and check [0-9]+ µs, .*detach [0-9]+ µs.*\(total [0-9]+ µs\)' "$OUT"
check_match "  ... from main's first line (start-up) to its last (clean up)" \
	'^suture: timing: start-up [0-9]+ µs, .*, clean up [0-9]+ µs \(total [0-9]+ µs\)$' "$OUT"
new=$(json_get "$("$SUTURE" status "$pid" --json)" '
	my $p = ref $j eq "ARRAY" ? $j : $j->{patches};
	my ($f) = grep { $_->{name} eq "compute" } @{$p->[0]{functions}};
	hex($f->{new})')
want=$(perl -e 'printf "e9%s", unpack("H*", pack("l<", $ARGV[0] - $ARGV[1] - 5))' "$new" "$at")
check_eq "live: compute's entry jumps straight to its new code" "$want" "$(mem "$pid" "$at" 5)"
run env SUTURE_TIMING=1 "$SUTURE" revert "$pid"
check_match "revert's timing: the target's check and the audit line apart" \
	'^suture: timing: start-up [0-9]+ µs, check target [0-9]+ µs, .*, audit [0-9]+ µs, report [0-9]+ µs, .*clean up [0-9]+ µs \(total [0-9]+ µs\)$' "$OUT"
run suture apply "$pid" "$WORK/fix.sut"
run suture revert "$pid"
check_nomatch "no timing line without SUTURE_TIMING" 'timing' "$OUT"
check_eq "reverted: compute's entry bytes are the original ones" "$orig" "$(mem "$pid" "$at" 5)"
finish
