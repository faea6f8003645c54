#!/bin/bash
# t-tools.sh - other tools see patched code: /tmp/perf-PID.map names the
# new code of every replaced function at the address `suture status`
# reports, while the patch is applied, and lines other tools wrote in the
# same file survive apply and revert.
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

section "revert"
check "suture revert work" suture revert "$pid" work --timeout 30
check_eq "perf map: work's line is gone, tally's stays" \
	"$foreign
$(grep 'suture:tally' <<<"$want")" "$(cat "$map")"
check "suture revert tally" suture revert "$pid" tally --timeout 30
check_eq "perf map: only the other tool's line is left" "$foreign" \
	"$(cat "$map")"
check_alive "alive at the end" "$pid" "$port"
finish
