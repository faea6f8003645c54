#!/bin/bash
# t-buildhang.sh - a build command that never ends (README, "--build-timeout"):
#   timeout   calc's Makefile runs two sleeps that would take 11 days:
#             `suture build --build-timeout 3` stops after 3 s, names the
#             command, how long it ran and the process it was waiting for,
#             kills every process the build started and removes its scratch
#             directory
#   signal    the same build without a limit, and suture is sent SIGTERM:
#             the build's process group goes with it
#   options   --build-timeout refuses what is not a number of seconds
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin buildhang

FLAGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${FLAGS[@]}" || finish
# The hang: an extra prerequisite of calc, built in both copies.  One sleep
# in the background (a process the build does not wait for) and one in the
# foreground; their lengths mark them as this test's.
cat >>"$SRC/Makefile" <<'MK'
calc: hang
hang:
	sleep 987601 & sleep 987602; true
MK
export SUTURE_CACHE_DIR=$WORK/cache

# ours - the pids of this test's sleeps still running.
ours() { pgrep -f '^sleep 98760[12]$' | xargs; }

section "timeout: --build-timeout 3"
run "$SUTURE" build -v --build-timeout 3 --src "$SRC" \
	--patch "$TARGETS/calc/fix.diff" --binary calc -o "$WORK/fix.sut" \
	-- make "${FLAGS[@]}"
check_ne "suture build of a tree whose make hangs: fails" 0 "$RC"
check_match "  ... naming the command and how long it ran" \
	"the build command make ran for [0-9]+ s without finishing \(--build-timeout 3\)" \
	"$OUT"
check_match "  ... and the process it was waiting for" \
	"the process it was waiting for: \`sleep 98760[12]\` \(pid [0-9]+, running for [0-9]+ s\)" \
	"$OUT"
check_eq "  ... every process of the build was killed" "" "$(ours)"
scratch=$(printf '%s\n' "$OUT" | sed -n 's/^suture build: scratch directory: //p')
check_ne "  ... its scratch directory was named" "" "$scratch"
check_eq "  ... and removed" "gone" \
	"$([ -n "$scratch" ] && [ ! -e "$scratch" ] && echo gone)"
check_eq "  ... no patch written" "none" \
	"$([ -e "$WORK/fix.sut" ] || echo none)"

section "signal: suture stopped while the build hangs"
"$SUTURE" build --build-timeout 0 --src "$SRC" \
	--patch "$TARGETS/calc/fix.diff" --binary calc -o "$WORK/sig.sut" \
	-- make "${FLAGS[@]}" >"$WORK/sig.out" 2>&1 &
spid=$!
PIDS+=("$spid")
wait_until "the build's sleeps are running" pgrep -f '^sleep 98760[12]$'
kill -TERM "$spid"
wait "$spid"
check_eq "suture build sent SIGTERM: ends by it" $((128 + 15)) "$?"
check_eq "  ... and the build's processes went with it" "" "$(ours)"

section "options"
run "$SUTURE" build --build-timeout 3x --src "$SRC" \
	--patch "$TARGETS/calc/fix.diff" --binary calc -- make
check_eq "--build-timeout 3x: refused" 1 "$RC"
check_match "  ... saying what it wants" \
	"--build-timeout wants whole seconds \(0: no limit, at most 30 days\), not '3x'" \
	"$OUT"
finish
