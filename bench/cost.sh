# cost.sh - what a call of a patched function costs (issue 6, item 3).
#
# The target times it itself (`cost N`, tests/targets/pause/cost.c):
# pause_step, its unpatched twin pause_ref (same code) and an empty loop,
# interleaved in one request; the extra cost of a call is step - ref.
# Unpatched, patched, then reverted, on the same process.

COST_CALLS=1000000

# cost_state STATE - 2 x RUNS samples of the three loops as cost.STATE.*
cost_state() {
	local i c
	for ((i = 0; i < 2 * RUNS; i++)); do
		c=($(ask "$C_PORT" "cost $COST_CALLS"))
		sample "cost.$1.step" "${c[0]}"
		sample "cost.$1.ref" "${c[1]}"
		sample "cost.$1.empty" "${c[2]}"
		sample "cost.$1.extra" "$(perl -e "printf '%.3f', ${c[0]} - ${c[1]}")"
	done
}

bench_cost() {
	pause_tree "$WORK/pause" || return
	start_target C "$WORK/pause/pause" || return
	cost_state unpatched
	"$SUTURE" apply "$C_PID" "$WORK/pause/step.sut" >/dev/null
	cost_state patched
	"$SUTURE" revert "$C_PID" >/dev/null
	cost_state reverted
	stop_target "$C_PID"
}
