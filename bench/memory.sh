# memory.sh - what a patch adds to the target, and that revert gives it
# back (issue 6, item 7): mappings (lines of /proc/PID/maps), VmSize and
# Rss, before / applied / reverted, for the one-function patch and for
# calc's two-function fix.

# vm PID FIELD - a /proc/PID/status field in kB.
vm() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
nmaps() { wc -l <"/proc/$1/maps"; }

# memory_of ID BINARY PATCH - RUNS apply/revert cycles, deltas as mem.ID.*
memory_of() {
	local id=$1 i m0 v0 r0
	start_target M "$2" || return
	for ((i = 0; i < RUNS; i++)); do
		m0=$(nmaps "$M_PID") v0=$(vm "$M_PID" VmSize) r0=$(vm "$M_PID" VmRSS)
		"$SUTURE" apply "$M_PID" "$3" >/dev/null
		sample "mem.$id.maps" $(($(nmaps "$M_PID") - m0))
		sample "mem.$id.vmsize" $(($(vm "$M_PID" VmSize) - v0))
		sample "mem.$id.rss" $(($(vm "$M_PID" VmRSS) - r0))
		"$SUTURE" revert "$M_PID" >/dev/null
		sample "mem.$id.maps_reverted" $(($(nmaps "$M_PID") - m0))
		sample "mem.$id.vmsize_reverted" $(($(vm "$M_PID" VmSize) - v0))
	done
	stop_target "$M_PID"
}

bench_memory() {
	pause_tree "$WORK/pause" || return
	memory_of step "$WORK/pause/pause" "$WORK/pause/step.sut"
	if [ ! -s "$WORK/calc/fix.sut" ]; then
		make_tree calc "$WORK/calc"
		make -C "$WORK/calc" CC=gcc "CFLAGS=-O2 -g" >/dev/null 2>&1
		"$SUTURE" build --src "$WORK/calc" --patch "$TARGETS/calc/fix.diff" \
			--binary calc -o "$WORK/calc/fix.sut" -- \
			make CC=gcc "CFLAGS=-O2 -g" >/dev/null || return
	fi
	memory_of calc "$WORK/calc/calc" "$WORK/calc/fix.sut"
}
