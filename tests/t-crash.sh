#!/bin/bash
# t-crash.sh - suture killed at every step of apply, revert and apply
# --replace, and at random moments, never harms the target or leaves it
# half-patched.
#
# The target (targets/chain) runs four threads calling f1 -> f2 -> f3 -> f4
# without pause and checks every result itself: a call chain that mixes
# old and new code of the patch, or a call lost, is counted.  SUTURE_FAULT=N
# makes suture kill itself with SIGKILL at its Nth step (src/util/fault.h);
# the loops go on until suture gets through without reaching N.
. "$(dirname "$0")/lib.sh"
begin crash

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
# Four workers run f1..f4 nearly all the time: a stop finds none of them
# inside only now and then, so the operations that must succeed get time.
T=(--timeout 30)
SRC=$WORK/chain
make_tree chain "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
start_target T "$SRC/chain" -t || finish
pid=$T_PID port=$T_PORT
build_patch "$WORK/v2.sut" "$SRC" "$TARGETS/chain/v2.diff" chain \
	"${MAKEARGS[@]}" || finish
build_patch "$WORK/v3.sut" "$SRC" "$TARGETS/chain/v3.diff" chain \
	"${MAKEARGS[@]}" || finish

runs_version() { # runs_version V - every worker's last call was version V
	[ "$(stat_field "$port" last)" = "$1$1$1$1" ]
}
# live_version - the version the newest live patch makes: 3 for v3, 2 for
# v2, 1 for none (from suture status --json).  The newest decides, as v2
# replaces every function v3 does.
live_version() {
	case $(status_names "$pid" | tail -n 1) in
	v3) echo 3 ;;
	v2) echo 2 ;;
	"") echo 1 ;;
	*) echo "unexpected patches: $(status_names "$pid" | tr '\n' ' ')" ;;
	esac
}
calls_moved() { # calls_moved N - the workers made more than N calls
	[ "$(stat_field "$port" calls)" -gt "$1" ]
}

# after_kill WHAT - the checks after suture died: the process lives, no
# mixed or lost call so far, status reads, and every worker runs the version
# of the patch status says is live.
after_kill() {
	local what=$1 c v bad=""
	alive "$pid" || bad="process died"
	c=$(stat_field "$port" calls)
	poll calls_moved "$c" || bad="$bad; workers stopped making calls"
	[ "$(stat_field "$port" mixed)" = 0 ] || bad="$bad; mixed call chains: $(ask "$port" stats)"
	[ "$(stat_field "$port" lost)" = 0 ] || bad="$bad; lost calls: $(ask "$port" stats)"
	"$SUTURE" status "$pid" >"$WORK/status.txt" 2>&1 ||
		bad="$bad; suture status failed: $(cat "$WORK/status.txt")"
	v=$(live_version)
	poll runs_version "$v" ||
		bad="$bad; status says version $v is live, workers run: $(ask "$port" stats)"
	[ -z "$bad" ] && return 0
	fail "$what" "$bad"
	return 1
}

# clean_slate - revert whatever is applied or left over, back to version 1.
clean_slate() {
	local i
	for i in 1 2 3; do
		"$SUTURE" revert "$pid" --all "${T[@]}" >/dev/null 2>&1
		[ -z "$(suture_maps "$pid")" ] && break
	done
	[ -z "$(suture_maps "$pid")" ] && poll runs_version 1
}

# fault_loop OP - run OP (apply, revert, replace: apply --replace of v3
# over v2, or self-replace: of v3 over v3) with SUTURE_FAULT=1, 2, ... until
# it completes; after each kill check the target, then clean up (which
# removes what the kill left).
fault_loop() {
	local op=$1 n ok=1 killed=0 leftovers=0 base=v2
	local -a cmd=(apply "$pid" "$WORK/v2.sut" "${T[@]}")
	[ "$op" = revert ] && cmd=(revert "$pid" "${T[@]}")
	[ "$op" = replace ] && cmd=(apply --replace "$pid" "$WORK/v3.sut" "${T[@]}")
	[ "$op" = self-replace ] && cmd=(apply --replace "$pid" "$WORK/v3.sut" "${T[@]}") base=v3
	for ((n = 1; n < 200; n++)); do
		[ "$op" != apply ] && { "$SUTURE" apply "$pid" "$WORK/$base.sut" "${T[@]}" >"$WORK/op.txt" 2>&1 ||
			{ fail "apply before the $op with fault $n" "$(cat "$WORK/op.txt")"; ok=0; break; }; }
		# $(...) keeps bash from reporting the kill on the terminal
		rc=$(SUTURE_FAULT=$n "$SUTURE" "${cmd[@]}" >"$WORK/op.txt" 2>&1; echo $?)
		if [ $rc -ne 137 ]; then
			[ $rc -eq 0 ] || { fail "$op with SUTURE_FAULT=$n" "$(cat "$WORK/op.txt")"; ok=0; }
			break
		fi
		killed=$((killed + 1))
		after_kill "$op killed at step $n" || { ok=0; break; }
		grep -Eq 'left to clean up|not freed' "$WORK/status.txt" && leftovers=$((leftovers + 1))
		clean_slate || { fail "clean up after $op killed at step $n" "$(suture status "$pid" 2>&1)"; ok=0; break; }
	done
	[ $ok = 1 ] && pass "$op killed at each of its $killed steps: target fine every time ($leftovers times status showed leftovers)"
	check "$op goes through once suture is not killed" test $rc -eq 0
	[ $killed -ge 5 ] && pass "$op has fault points ($killed)" ||
		fail "$op has fault points" "only $killed"
}

section "suture killed at every step of apply"
fault_loop apply
check_eq "after the apply loop: the patch is live" v2 "$(status_names "$pid")"
wait_until "after the apply loop: every worker runs version 2" runs_version 2
clean_slate

section "apply and revert over what a killed apply left"
# No clean-up in between: the next apply removes the leftovers first and
# must not take a dead trampoline for the function's original bytes.
bad="" steps=0
for ((n = 1; n < 200; n++)); do
	rc=$(SUTURE_FAULT=$n "$SUTURE" apply "$pid" "$WORK/v2.sut" "${T[@]}" >/dev/null 2>&1; echo $?)
	[ "$rc" = 137 ] || break
	steps=$((steps + 1))
	if [ "$(status_names "$pid")" != v2 ] &&
		! "$SUTURE" apply "$pid" "$WORK/v2.sut" "${T[@]}" >"$WORK/op.txt" 2>&1; then
		bad="apply after a kill at step $n: $(cat "$WORK/op.txt")"
		break
	fi
	"$SUTURE" revert "$pid" "${T[@]}" >"$WORK/op.txt" 2>&1 ||
		{ bad="revert after a kill at step $n: $(cat "$WORK/op.txt")"; break; }
	alive "$pid" && poll runs_version 1 ||
		{ bad="after a kill at step $n: $(ask "$port" stats)"; break; }
done
check_eq "killed at each of $steps steps, then applied and reverted: fine" "" "$bad"
check "  ... an apply not killed goes through" test "$rc" = 0
check "  ... and reverts" suture revert "$pid" "${T[@]}"
check_eq "  ... nothing left" "" "$(suture_maps "$pid")"

section "suture killed at every step of revert"
fault_loop revert
check_eq "after the revert loop: no patch is applied" "" "$(status_names "$pid")"
wait_until "after the revert loop: every worker runs version 1" runs_version 1

section "suture killed at every step of a patch replacing itself"
# Its region lies next to the one it replaces and has the same name: what a
# kill leaves (a region mapped, not yet written) must not take its live
# neighbour with it when it is removed.
fault_loop self-replace
clean_slate

section "suture killed at every step of apply --replace"
fault_loop replace
check_eq "after the replace loop: the new patch is live" v3 "$(status_names "$pid")"
wait_until "after the replace loop: every worker runs version 3" runs_version 3
check "after the replace loop: suture status" suture status "$pid"
check_nomatch "after the replace loop: nothing left to clean up" \
	'left to clean up|not freed' "$OUT"
clean_slate

section "black-box: SIGKILL at random moments, 300 applies, replaces and reverts"
bad=0 killed=0
for ((i = 0; i < 300; i++)); do
	case $((i % 3)) in
	0) op=(apply "$pid" "$WORK/v2.sut") ;;
	1) op=(apply --replace "$pid" "$WORK/v3.sut") ;;
	2) op=(revert "$pid") ;;
	esac
	"$SUTURE" "${op[@]}" >/dev/null 2>&1 &
	k=$!
	sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 $k 2>/dev/null
	wait $k 2>/dev/null
	[ $? = 137 ] && killed=$((killed + 1))
	if ! alive "$pid" || [ "$(stat_field "$port" mixed)" != 0 ] || [ "$(stat_field "$port" lost)" != 0 ]; then
		bad=1
		fail "black-box kill $i (${op[*]})" "$(ask "$port" stats)"
		break
	fi
done
[ $bad = 0 ] && pass "300 random kills: the target lives, no mixed or lost call ($(ask "$port" stats))"
check "  ... $killed of them interrupted a running suture" test "$killed" -ge 30
after_kill "after the random kills: target consistent" && pass "after the random kills: target consistent, status reads"
check "after the random kills: suture revert --all cleans up" clean_slate
check "after the random kills: apply works" suture apply "$pid" "$WORK/v2.sut" "${T[@]}"
wait_until "after the random kills: every worker runs version 2" runs_version 2
check "after the random kills: revert works" suture revert "$pid" "${T[@]}"
check_eq "no suture region left" "" "$(suture_maps "$pid")"
check_eq "no mixed call chain at all" 0 "$(stat_field "$port" mixed)"
check_eq "no lost call at all" 0 "$(stat_field "$port" lost)"
finish
