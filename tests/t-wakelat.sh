#!/bin/bash
# t-wakelat.sh - while suture holds a process, idle CPUs are kept quick to
# wake (process/wakelat.h): a CPU latency request of 0 µs, which the kernel
# reports in /dev/cpu_dma_latency, from the lock to the release, and none
# once suture is done or killed.  slow.diff's pre hooks (targets/store)
# wait while the test holds them (the target's `takes` at 4242): suture
# holds the process meanwhile, and the test reads the request then.
. "$(dirname "$0")/lib.sh"
begin wakelat

QOS=/dev/cpu_dma_latency

# qos - the CPU latency the kernel holds idle CPUs to now (µs)
qos() { od -An -td4 "$QOS" | tr -d ' '; }
# qos_zero - the request of 0 µs is in force
qos_zero() { [ "$(qos)" = 0 ]; }

# set_takes N - the target's `takes` counter, which holds slow.diff's pre
# hooks while it is 4242, set to N in its memory
set_takes() {
	perl -e 'print pack("Q<", $ARGV[0])' "$1" |
		dd of="/proc/$pid/mem" bs=8 seek="$takes_at" oflag=seek_bytes \
			conv=notrunc status=none
}

# held OP... - run `suture OP...` with the pre hooks held, in the
# background ($bg); whether the request showed within 1.5 s (the hooks
# may run 2 s before suture gives up on them)
held() {
	local i
	set_takes 4242
	"$SUTURE" "$@" >"$WORK/op.txt" 2>&1 &
	bg=$!
	for ((i = 0; i < 150; i++)); do
		qos_zero && return 0
		sleep 0.01
	done
	return 1
}

# patched - "yes" if item_take refuses a negative amount (the fix)
patched() {
	if [ "$(ask "$port" "take $id -1")" = short ]; then
		echo yes
	else
		ask "$port" "take $id 1" >/dev/null # the stock back
		echo no
	fi
}

SRC=$WORK/store
make_tree store "$SRC"
build_tree "$SRC" CC=gcc "CFLAGS=-O2 -g" || finish
build_patch "$WORK/slow.sut" "$SRC" "$TARGETS/store/slow.diff" store \
	CC=gcc "CFLAGS=-O2 -g" || finish
start_target S "$SRC/store" -t || finish
pid=$S_PID port=$S_PORT
id=$(ask "$port" "add bolts 10")
takes_at=$(func_addr "$pid" "$SRC/store" takes)

if [ ! -e "$QOS" ]; then
	# a kernel without the interface: suture says what it could not do
	out=$("$SUTURE" apply -v "$pid" "$WORK/slow.sut" 2>&1)
	check_match "no $QOS: apply -v says idle CPUs may halt" \
		"process $pid: idle CPUs may halt while its threads are held" \
		"$out"
	stop_target "$pid"
	finish
fi
base=$(qos)
check "no other program holds a request of 0 µs (the kernel's: $base)" \
	test "$base" != 0

section "apply, and revert killed"
held apply "$pid" "$WORK/slow.sut"
check "held in the apply's pre hook, suture keeps idle CPUs polling" \
	test "$(qos)" = 0
set_takes 0
check "the apply goes through ($(head -c 200 "$WORK/op.txt"))" wait "$bg"
check_eq "  ... and then the request is gone" "$base" "$(qos)"
check_eq "  ... the fix runs" yes "$(patched)"
held revert "$pid"
check "held in the revert's pre hook, the request again" test "$(qos)" = 0
{ kill -9 "$bg" && wait "$bg"; } 2>/dev/null
check_eq "suture killed there: the kernel ended its request" "$base" "$(qos)"
set_takes 0
check "the next revert finishes the killed one" "$SUTURE" revert "$pid" --all
check_eq "  ... the old code runs" no "$(patched)"
check_eq "  ... and no request is left" "$base" "$(qos)"

section "apply -v says so"
out=$("$SUTURE" apply -v "$pid" "$WORK/slow.sut" 2>&1)
check_match "apply -v names the request" \
	"process $pid: idle CPUs kept polling while its threads were held" "$out"
"$SUTURE" revert "$pid" --all >/dev/null 2>&1
# a file mounted over the device is no device: no request, and -v says so
out=$(without_wakelat "$SUTURE" apply -v "$pid" "$WORK/slow.sut" 2>&1)
check_match "with a plain file over $QOS, apply -v says idle CPUs may halt" \
	"process $pid: idle CPUs may halt while its threads are held" "$out"
"$SUTURE" revert "$pid" --all >/dev/null 2>&1
check_alive "alive at the end" "$pid" "$port"
stop_target "$pid"
finish
