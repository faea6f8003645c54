# atstart.sh - what the preload library of `suture enable --at-start`
# costs a process's start (docs/DESIGN.md, "Patches that last"), measured
# with hyperfine in a private mount namespace (bench/atstart-ns.sh), so the
# machine's /etc/ld.so.preload and /var/lib/suture are never touched:
#   atstart.true.{none,empty,other}  /bin/true without the library; with
#                                    it and no store; with a store whose
#                                    one patch is for another build
#   atstart.calc.{none,apply}        calc (exiting at once on a usage
#                                    error) without the library; with it
#                                    and calc's fix enabled: the start
#                                    includes suture applying it

bench_atstart() {
	local dir=$WORK/atstart
	if ! command -v hyperfine >/dev/null; then
		echo "# hyperfine not installed (make bench installs it): no atstart figures"
		return 0
	fi
	. "$TESTS/calc.sh"
	calc_build "$dir/calc" CC=gcc "CFLAGS=-O2 -g" || return 0
	build_patch "$dir/fix.sut" "$dir/calc" "$TARGETS/calc/fix.diff" calc \
		CC=gcc "CFLAGS=-O2 -g" || return 0
	unshare --mount --propagation private -- "$BASH" \
		"$BENCH/atstart-ns.sh" "$dir" "$RUNS" >>"$WORK/samples.txt"
}
