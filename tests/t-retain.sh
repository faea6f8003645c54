#!/bin/bash
# t-retain.sh - stacks that are not threads, and pointers that outlive a
# revert (targets/coro).  A ucontext coroutine is suspended inside the new
# code of co_step, a heap object keeps a pointer to the patch's new
# callback and another to its new string; the revert must leave the
# patch's memory mapped (retained, shown by status), the program must
# resume the coroutine, call the callback and read the string after the
# revert, and once nothing refers to the memory `suture gc` must free it
# (gc -v: its scan was made before its stop too, and says how it went).
# On main, the revert unmapped it and the program died with SIGSEGV.  Then
# apply: a coroutine suspended with a return address 3 bytes into
# first_call (inside the jump apply writes) makes apply wait and refuse;
# without that check the coroutine resumed in the middle of the jump
# (SIGILL).  suture killed at each step of such a revert: the memory stays
# while the coroutine needs it.  gcc and clang, -O0 and -O2, PIE and not, the program and a
# shared library.
. "$(dirname "$0")/lib.sh"
begin retain

# ask_eq WHAT REQUEST EXPECTED - the target at $port answers so.
ask_eq() {
	check_ask "$V: $1" "$port" "$2" "$3"
}

# retained_json FIELD - FIELD of the first retained region in status --json.
retained_json() {
	json_get "$("$SUTURE" status "$pid" --json 2>/dev/null)" \
		"\$j->{retained}[0]{$1} // ''"
}

# cycle - the revert cycle on the running target $pid/$port with $SUT.
cycle() {
	check "$V: suture apply" suture apply "$pid" "$SUT"
	ask_eq "a coroutine is started after the apply" start ok
	ask_eq "it yields inside the patch's new co_step" resume \
		"step 1 halfway (patched)"
	ask_eq "a heap object keeps the new callback" "cb set" ok
	ask_eq "a heap object keeps the new string" "str set" ok
	check "$V: suture revert" suture revert "$pid"
	check_match "$V: revert says the memory stays mapped" \
		"memory of '$name' stays mapped, switched off.*retained: [0-9]+ bytes, [0-9]+ references?, e\.g\. at 0x[0-9a-f]+ \((heap|anonymous memory)\)" \
		"$OUT"
	check_status "$pid" "$V: after revert" # no patch live
	run suture status "$pid"
	check_match "$V: status shows the region as retained" \
		"^retained .*suture gc $pid.*
1\. $name" "$OUT"
	check_match "$V: status gives its size and a reference" \
		"retained: [0-9]+ bytes, [0-9]+ references?, e\.g\. at 0x[0-9a-f]+ \((heap|anonymous memory)\)" \
		"$OUT"
	check_eq "$V: status --json lists it as retained" "$name" \
		"$(retained_json name)"
	check_ne "$V: its region is still mapped" "" "$(suture_maps "$pid")"
	ask_eq "the kept string reads after the revert" "str get" \
		"hello, patched"
	ask_eq "the kept callback runs after the revert" "cb call" \
		"callback patched"
	ask_eq "the coroutine finishes the new co_step (and calls the old one next)" \
		resume "step 1 sum 101"
	ask_eq "then runs the old co_step" resume "step 2 sum 121"
	check_alive "$V: alive after resuming" "$pid" "$port"
	ask_eq "the callback is still the patched one" "cb call" \
		"callback patched"
	check "$V: suture gc -v while it is referenced" suture gc -v "$pid"
	check_match "$V: gc keeps it" "1 earlier patch is still retained" "$OUT"
	check_match "$V: gc -v says how its stop's scan went, made before it too" \
		"process $pid: scan for references: ([0-9]+ pages? written since the scan before the stop read again|all memory read in the stop: )" \
		"$OUT"
	ask_eq "the coroutine ends" resume "step 3 sum 151"
	ask_eq "and is freed" resume "done: step 3 sum 151"
	ask_eq "the heap objects are wiped and freed" drop ok
	check "$V: suture gc once nothing refers to it" suture gc "$pid"
	check_match "$V: gc frees it" \
		"freed the memory of 1 earlier patch that nothing refers to" \
		"$OUT"
	check_eq "$V: no region left in /proc/PID/maps" "" \
		"$(suture_maps "$pid")"
	check_eq "$V: status --json lists nothing retained" "" \
		"$(retained_json name)"
	ask_eq "new calls run the old code" "cb set" ok
	ask_eq "the old callback" "cb call" "callback plain"
	check_alive "$V: alive at the end" "$pid" "$port"
}

# entry_cycle - apply waits for a context inside first_call's first bytes.
entry_cycle() {
	ask_eq "a coroutine yields inside first_call" enter ok
	ask_eq "it is suspended there" resume "in first_call"
	check_fails "$V: apply refused while it is" \
		suture apply "$pid" "$ENTRY" --timeout 0.5
	check_match "$V: the refusal names first_call, the offset and where" \
		"points 3 bytes into function first_call, inside the 5 bytes its jump to the patch overwrites.*nothing was changed" \
		"$OUT"
	check_status "$pid" "$V: after the refusal"
	ask_eq "the coroutine returns through first_call's old code" resume \
		"done: first_call 1"
	check "$V: apply once it has" suture apply "$pid" "$ENTRY"
	ask_eq "a new coroutine" enter ok
	ask_eq "enters the new first_call" resume "in first_call"
	ask_eq "and returns its new value" resume "done: first_call 2"
	check "$V: revert entry" suture revert "$pid"
	check_eq "$V: nothing retained after it" "" "$(suture_maps "$pid")"
}

# killed_cycle - suture killed at each step of the revert, with the
# coroutine in the new code: whatever the step, the next command must keep
# the memory while the coroutine needs it, and free it after.
killed_cycle() {
	local n rc bad="" steps=0
	for ((n = 1; n < 100; n++)); do
		suture apply "$pid" "$SUT" >/dev/null 2>&1 &&
			[ "$(ask "$port" start)" = ok ] &&
			[ "$(ask "$port" resume)" = "step 1 halfway (patched)" ] ||
			{ bad="step $n: could not set up the coroutine"; break; }
		rc=$(SUTURE_FAULT=$n "$SUTURE" revert "$pid" >/dev/null 2>&1; echo $?)
		[ "$rc" = 137 ] || break
		steps=$((steps + 1))
		# what the kill left: a live patch (killed before the switch),
		# a leftover or a retained region; revert --all handles each
		suture revert "$pid" --all >"$WORK/op.txt" 2>&1 ||
			{ bad="step $n: $(cat "$WORK/op.txt")"; break; }
		[ -n "$(suture_maps "$pid")" ] ||
			{ bad="step $n: the memory was unmapped under the coroutine"; break; }
		[ "$(ask "$port" resume)" = "step 1 sum 101" ] &&
			[ "$(ask "$port" resume)" = "step 2 sum 121" ] &&
			[ "$(ask "$port" resume)" = "step 3 sum 151" ] &&
			[ "$(ask "$port" resume)" = "done: step 3 sum 151" ] ||
			{ bad="step $n: the coroutine did not finish"; break; }
		suture gc "$pid" >"$WORK/op.txt" 2>&1
		[ -z "$(suture_maps "$pid")" ] ||
			{ bad="step $n: not freed: $(suture status "$pid")"; break; }
	done
	check_eq "$V: revert killed at each of its $steps steps: memory kept while the coroutine needed it, freed after" \
		"" "$bad"
	check "$V: the revert not killed went through" test "$rc" = 0
	check_alive "$V: alive after the kills" "$pid" "$port"
	# the loop's last revert retained it: let the coroutine finish
	for n in 1 2 3 4; do ask "$port" resume >/dev/null; done
	suture gc "$pid" >/dev/null 2>&1
}

# variant CC OPT PIE KIND [entry [killed]] - build, patch and check one way.
variant() {
	local cc=$1 opt=$2 pie=$3 kind=$4 flags ld="" bin=coro lib=coro
	V="$cc $opt $pie $kind"
	section "$V"
	flags="$opt -g"
	if [ "$pie" = pie ]; then flags="$flags -fPIE"; ld=-pie; else
		flags="$flags -fno-pie"; ld=-no-pie; fi
	[ "$kind" = lib ] && bin=coroso lib=libcoro.so
	local src=$WORK/$cc$opt$pie$kind
	local args=(CC="$cc" "CFLAGS=$flags" "LDFLAGS=$ld")
	make_tree coro "$src"
	build_tree "$src" "${args[@]}" || return
	SUT=$WORK/coro-$cc$opt$pie$kind.sut
	build_patch "$SUT" "$src" "$TARGETS/coro/coro.diff" "$lib" \
		"${args[@]}" || return
	name=$(patch_name "$SUT")
	start_target C "$src/$bin" || return
	pid=$C_PID port=$C_PORT
	cycle
	[ -n "${6-}" ] && killed_cycle
	if [ -n "${5-}" ]; then
		ENTRY=$WORK/entry-$cc$opt$pie$kind.sut
		build_patch "$ENTRY" "$src" "$TARGETS/coro/entry.diff" "$lib" \
			"${args[@]}" && entry_cycle
	fi
	stop_target "$pid"
}

variant gcc -O2 pie exe entry killed
variant clang -O0 nopie exe entry
variant gcc -O0 nopie lib entry
variant clang -O2 pie lib entry
variant gcc -O2 nopie exe
variant clang -O2 nopie exe
variant gcc -O0 pie exe
variant clang -O0 pie lib
finish
