#!/bin/bash
# t-hookkill.sh - every hook runs exactly once per apply and per revert,
# whatever instant suture is killed.  count.diff (targets/store) fixes
# item_take and brings two pre-apply hooks (+1, +2), a post-apply (+10), a
# pre-revert (+100) and a post-revert hook (+1000), each adding its own
# amount to the counter the program reports (stats: adds=N).  SUTURE_FAULT=N
# kills suture at its Nth step (src/util/fault.h); after each kill the next
# suture command finishes or removes what was left.  The sums tell which
# hooks ran how often: an apply adds 13 and goes live, or adds nothing and
# is not live; a revert adds 1100.  slow.diff's pre hooks wait while the
# test holds them: suture is killed just as it set a thread up to run
# them, and the next suture comes while the thread waits in one.  Variants: gcc -O2 (PIE),
# clang -O0 (no PIE).
. "$(dirname "$0")/lib.sh"
begin hookkill

# fault_loop OP - kill suture at step 1, 2, ... of OP (apply or revert of
# count.sut) until it gets through; after each kill the next commands
# must leave the sums of one apply and one revert, every hook once.
fault_loop() {
	local op=$1 n rc killed=0 bad="" base out
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1 # a clean start
	for ((n = 1; n < 200; n++)); do
		base=$(adds)
		if [ "$op" = revert ] && ! out=$("$SUTURE" apply "$pid" "$WORK/count.sut" 2>&1); then
			bad="apply before the revert at step $n: $out"
			break
		fi
		rc=$(SUTURE_FAULT=$n "$SUTURE" "$op" "$pid" \
			$([ "$op" = apply ] && echo "$WORK/count.sut") \
			>"$WORK/op.txt" 2>&1; echo $?)
		[ "$rc" = 137 ] && killed=$((killed + 1))
		alive "$pid" || { bad="process died at step $n"; break; }
		if [ "$op" = apply ]; then
			# the next apply finishes the interrupted one (then
			# says it is applied) or removes it and applies anew
			out=$("$SUTURE" apply "$pid" "$WORK/count.sut" 2>&1) ||
				grep -q "patch 'count' is already applied" <<<"$out" ||
				{ bad="step $n: apply after the kill: $out"; break; }
			[ "$(($(adds) - base))" = 13 ] ||
				{ bad="step $n: applied once, the hooks added $(($(adds) - base)), not 1+2+10 ($(cat "$WORK/op.txt"))"; break; }
			[ "$(patched)" = yes ] || { bad="step $n: applied, but the old item_take runs"; break; }
		fi
		# one revert --all finishes or removes what is left, reverts
		# what is live
		out=$("$SUTURE" revert "$pid" --all 2>&1) ||
			{ bad="step $n: revert --all: $out"; break; }
		[ "$(($(adds) - base))" = 1113 ] ||
			{ bad="step $n: one apply and one revert, the hooks added $(($(adds) - base)), not 1113 ($(cat "$WORK/op.txt"))"; break; }
		[ "$(patched)" = no ] || { bad="step $n: reverted, but the new item_take runs"; break; }
		none_left || { bad="step $n: regions left: $("$SUTURE" status "$pid" 2>&1)"; break; }
		[ "$rc" = 137 ] || break
	done
	check_eq "$variant: $op killed at each of its $killed steps: every hook ran once" "" "$bad"
	check "$variant: $op goes through once suture is not killed ($(head -c 300 "$WORK/op.txt"))" test "$rc" = 0
	check "$variant: $op has fault points ($killed)" test "$killed" -ge 10
}

# none_left - nothing of suture is left in $pid but, at most, one region
# `status` lists as retained: no live patch, no leftover, no invalid
# region.  The scan of a later command may find a stale word pointing into
# the region it removes (once: a return address in a dead part of a
# thread's stack, read because a stale pointer points there; the regions
# of count.sut are mapped at the same address each time, so a word about
# an earlier one counts for the next).  That is no proof of use, nor of
# disuse: the region is kept, marked, and checked again by every later
# command (docs/DESIGN.md, "Stale slots of threads"), which is right.
none_left() {
	local js n
	n=$(suture_maps "$pid" | awk '{ print $5 }' | sort -u | wc -l)
	[ "$n" = 0 ] && return 0
	js=$("$SUTURE" status "$pid" --json 2>/dev/null) &&
		[ "$n" = 1 ] && [ "$(json_get "$js" 'join " ", map { scalar @{$j->{$_}} }
			qw(patches left_to_clean_up replaced_not_freed invalid_regions retained)')" = "0 0 0 0 1" ]
}

# replace_loop - kill suture at each step of apply --replace of count.sut
# over itself (a replace runs the new patch's apply hooks only), then
# revert --all, which reverts the one live count (+1100): the replace's
# hooks ran all once (+13) or none (its pre hooks +3 with no post hook, or
# twice, would show).
replace_loop() {
	local n rc killed=0 bad="" base out
	for ((n = 1; n < 200; n++)); do
		"$SUTURE" revert "$pid" --all >/dev/null 2>&1
		"$SUTURE" apply "$pid" "$WORK/count.sut" >/dev/null 2>&1
		base=$(adds)
		rc=$(SUTURE_FAULT=$n "$SUTURE" apply "$pid" "$WORK/count.sut" \
			--replace >"$WORK/op.txt" 2>&1; echo $?)
		[ "$rc" = 137 ] && killed=$((killed + 1))
		alive "$pid" || { bad="process died at step $n"; break; }
		out=$("$SUTURE" revert "$pid" --all 2>&1) ||
			{ bad="step $n: revert --all: $out"; break; }
		case $(($(adds) - base)) in
		1100 | 1113) ;;
		*) bad="step $n: +$(($(adds) - base)), not 1100 or 1113 ($(cat "$WORK/op.txt"))"; break ;;
		esac
		[ "$(patched)" = no ] || { bad="step $n: reverted, but the new item_take runs"; break; }
		none_left || { bad="step $n: regions left: $("$SUTURE" status "$pid" 2>&1)"; break; }
		[ "$rc" = 137 ] || break
	done
	check_eq "$variant: replace killed at each of its $killed steps: every hook ran once" "" "$bad"
	check "$variant: replace goes through once suture is not killed" test "$rc" = 0
}

# finish_loop OP - kill OP (apply or revert of count.sut) just after its
# pre hooks ran (its first "hook run" step), then kill the suture that
# finishes it (OP again: apply, or revert --all) at each of its own steps;
# a third finishes: the hooks of one OP once, and the fix live after an
# apply, gone after a revert.
finish_loop() {
	local op=$1 n m rc killed=0 bad="" base out want=1100 live=no
	[ "$op" = apply ] && want=13 live=yes
	for ((n = 1; n < 200; n++)); do
		finish_start "$op"
		out=$(SUTURE_FAULT=$n finish_op "$op" 2>&1)
		grep -q "(hook run)" <<<"$out" && break
	done
	for ((m = 1; m < 200; m++)); do
		finish_start "$op"
		base=$(adds)
		SUTURE_FAULT=$n finish_op "$op" >/dev/null 2>&1
		rc=$(SUTURE_FAULT=$m finish_op "$op" >"$WORK/op.txt" 2>&1; echo $?)
		[ "$rc" = 137 ] && killed=$((killed + 1))
		out=$(finish_op "$op" 2>&1) ||
			grep -q "patch 'count' is already applied" <<<"$out" ||
			[ "$op" = revert ] ||
			{ bad="step $m: the third $op: $out"; break; }
		[ "$(($(adds) - base)) $(patched)" = "$want $live" ] ||
			{ bad="step $m: +$(($(adds) - base)), patched: $(patched) ($(cat "$WORK/op.txt"))"; break; }
		[ "$rc" = 137 ] || break
	done
	check_eq "$variant: killed after the pre_$op hooks (step $n), the suture finishing the $op killed at each of its $killed steps: every hook once" "" "$bad"
	check "$variant:   ... which has fault points ($killed)" test "$killed" -ge 3
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1
}

# zero_timeout STEP WANT LIVE CMD... - kill an apply of count.sut at its
# step named STEP, then run suture CMD... with --timeout 0: removing or
# finishing what the killed suture left is work, not waiting, so CMD goes
# through; the hooks add WANT and the fix is live or not (LIVE).  (The
# timeout bounded that work too: an apply failed with an empty message,
# "suture apply: ", when the leftovers took its whole timeout, which once
# failed the third apply of finish_loop under load.)
zero_timeout() {
	local step=$1 want=$2 live=$3 n out rc base got
	shift 3
	for ((n = 1; n < 200; n++)); do
		"$SUTURE" revert "$pid" --all >/dev/null 2>&1
		base=$(adds)
		out=$(SUTURE_FAULT=$n "$SUTURE" apply "$pid" "$WORK/count.sut" 2>&1)
		grep -qF "($step)" <<<"$out" && break
	done
	out=$("$SUTURE" "$@" --timeout 0 2>&1)
	rc=$?
	got="$rc $(($(adds) - base)) $(patched)"
	[ "$rc" = 0 ] || got="$got: $out"
	check_eq "$variant: apply killed at '$step' (step $n), then $1 --timeout 0 goes through, every hook once" \
		"0 $want $live" "$got"
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1
}

# finish_start OP - nothing applied, or count.sut applied for OP revert
finish_start() {
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1
	[ "$1" = apply ] || "$SUTURE" apply "$pid" "$WORK/count.sut" >/dev/null 2>&1
}

# finish_op OP - apply count.sut, or revert --all
finish_op() {
	if [ "$1" = apply ]; then
		"$SUTURE" apply "$pid" "$WORK/count.sut"
	else
		"$SUTURE" revert "$pid" --all
	fi
}

# slow_kill OP [NEXT] - kill suture as it set a thread up to call the pre
# hooks of OP (apply or revert of slow.sut), which the test holds: the
# thread runs them on its own once suture is dead, and waits.  The next
# suture command starts while it waits, and the hooks are let go half a
# second later: that command must wait for them and finish OP, not run
# them again.  It is OP again, or with NEXT "count" an apply of count.sut
# (which must first finish the revert).
slow_kill() {
	local op=$1 next=${2:-} n base out now bad="" file="" names bg
	local want=1100 live=no what=$1
	[ "$op" = apply ] && file=$WORK/slow.sut
	# the step of the first hook call, with the hooks not held
	for ((n = 1; n < 200; n++)); do
		slow_start "$op"
		out=$(SUTURE_FAULT=$n "$SUTURE" "$op" "$pid" $file 2>&1)
		grep -q "(call set up)" <<<"$out" && break
	done
	slow_start "$op"
	base=$(adds)
	set_takes 4242
	out=$(SUTURE_FAULT=$n "$SUTURE" "$op" "$pid" $file 2>&1)
	# from memory: the thread that answers requests may be the held one
	now=$(mem_long "$pid" "$adds_at")
	if [ "$op" = apply ]; then
		"$SUTURE" apply "$pid" "$WORK/slow.sut" >"$WORK/next.txt" 2>&1 &
		want=11 live=yes
	elif [ "$next" = count ]; then
		"$SUTURE" apply "$pid" "$WORK/count.sut" >"$WORK/next.txt" 2>&1 &
		want=1113 live=yes # slow's revert hooks, count's apply hooks
		what="revert, then the apply of count.sut"
	else
		"$SUTURE" revert "$pid" --all >"$WORK/next.txt" 2>&1 &
	fi
	bg=$!
	sleep 0.5
	set_takes 0
	wait "$bg" || grep -q "patch 'slow' is already applied" "$WORK/next.txt" ||
		bad=" the next command: $(cat "$WORK/next.txt")"
	if [ "$next" = count ]; then
		names=$(status_names "$pid" | tr '\n' ' ')
		[ "$names" = "count " ] || bad="$bad; applied: $names"
	fi
	check_eq "$variant: killed as the held pre_$op hooks were to run (step $n): they had not run when the next suture came" \
		"$base (call set up)" "$now $(grep -o "(call set up)" <<<"$out")"
	check_eq "$variant:   ... that suture waited and finished the $what: every hook once" \
		"$want $live" "$(($(adds) - base)) $(patched)$bad"
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1
}

# slow_start OP - nothing applied, or slow.sut applied for OP revert
slow_start() {
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1
	[ "$1" = apply ] || "$SUTURE" apply "$pid" "$WORK/slow.sut" >/dev/null 2>&1
}

# set_takes N - the target's `takes` counter, which holds slow.diff's pre
# hooks while it is 4242, set to N in its memory
set_takes() {
	perl -e 'print pack("Q<", $ARGV[0])' "$1" |
		dd of="/proc/$pid/mem" bs=8 seek="$takes_at" oflag=seek_bytes \
			conv=notrunc status=none
}

# stopped_hooks - a SIGSTOPped process runs no hook: apply and revert of
# count.sut are refused naming the stop, the counter and the code as they
# were once it runs again
stopped_hooks() {
	local base out live=$1
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1
	[ "$live" = yes ] && "$SUTURE" apply "$pid" "$WORK/count.sut" >/dev/null
	base=$(adds)
	stop_process "$pid"
	if [ "$live" = yes ]; then
		out=$("$SUTURE" revert "$pid" count 2>&1)
	else
		out=$("$SUTURE" apply "$pid" "$WORK/count.sut" 2>&1)
	fi
	check_match "$variant: stopped, a patch with hooks refused (live: $live)" \
		"hooks of patch 'count'.* would run in process $pid, which is stopped" "$out"
	check_eq "$variant:   ... and the process is still stopped" T \
		"$(state_of "$pid")"
	kill -CONT "$pid"
	check_eq "$variant:   ... no hook ran, the code is as it was" \
		"0 $live" "$(($(adds) - base)) $(patched)"
	"$SUTURE" revert "$pid" --all >/dev/null 2>&1
}

adds() { stat_field "$port" adds; }
# mem_long PID ADDR - the 8-byte integer at ADDR in PID's memory
mem_long() {
	local h
	h=$(mem "$1" "$2" 8)
	echo $((16#$(sed 's/\(..\)/\1 /g' <<<"$h" | tr ' ' '\n' | tac | tr -d '\n')))
}
# patched - "yes" if item_take refuses a negative amount (count.diff's fix)
patched() {
	local r
	r=$(ask "$port" "take $id -1")
	if [ "$r" = short ]; then
		echo yes
	else
		ask "$port" "take $id 1" >/dev/null # put the stock back
		echo no
	fi
}

for variant in "gcc -O2" "clang -O0 -no-pie"; do
	set -- $variant
	cflags="$2 -g"
	[ -n "${3:-}" ] && cflags="$cflags -fno-pie" ldflags=$3 || ldflags=""
	MAKEARGS=(CC="$1" "CFLAGS=$cflags" "LDFLAGS=$ldflags")
	SRC=$WORK/store-$1
	section "$variant"
	make_tree store "$SRC"
	build_tree "$SRC" "${MAKEARGS[@]}" || finish
	for d in count slow; do
		build_patch "$WORK/$d.sut" "$SRC" "$TARGETS/store/$d.diff" \
			store "${MAKEARGS[@]}" || finish
	done
	start_target S "$SRC/store" -t || finish
	pid=$S_PID port=$S_PORT
	id=$(ask "$port" "add bolts 10")
	adds_at=$(func_addr "$pid" "$SRC/store" store_adds)
	takes_at=$(func_addr "$pid" "$SRC/store" takes)
	fault_loop apply
	fault_loop revert
	replace_loop
	finish_loop apply
	finish_loop revert
	zero_timeout "region written" 13 yes apply "$pid" "$WORK/count.sut"
	zero_timeout "hook run" 1113 no revert "$pid" --all
	slow_kill apply
	slow_kill revert
	slow_kill revert count
	stopped_hooks no
	stopped_hooks yes
	check_alive "$variant: alive at the end" "$pid" "$port"
	stop_target "$pid"
done
finish
