#!/bin/bash
# t-tiny.sh - functions shorter than the 5-byte jump (targets/tiny): t1 (1
# byte, ret), t2 (2, jmp rel8), t3 (3) and t4 (4) are followed by padding;
# n3 (3 bytes) is followed at once by n3_next; tlast is the last code of
# .text.  gcc and clang, -O2 and -Os, PIE and not, the functions in the
# program or in libtiny.so.  A worker calls them all without pause and
# keeps their last results, counting any that is neither the old nor the
# new one.
#   room.diff    changes t1..t4: built (the manifest records each pad),
#                `info` and `review` name the padding, applied (all four
#                answer the new way at once, the entries jump, `drift`
#                lists them as the patch's), reverted (function and padding
#                bytes back as they were, the old answers).  On main the
#                build is refused as too short.
#   packed.diff  changes n3: refused, naming n3_next and the nearest free
#                bytes
#   last.diff    changes tlast: refused as the last code of its section
#   code.diff, cfi.diff, rel.diff  change r_code, r_cfi, r_rel (refs.c,
#                assembly), whose padding an instruction, an FDE, a pointer
#                (a relocation; in a program that is not PIE a word of
#                data) reaches: each refused for its reason
#   a ret written into t4's padding in the running process: apply
#                refused, the process unchanged
#   gcc -O2 PIE program and clang -Os library: suture killed at every step
#                of applying room.sut: all four old or all four new after
#                each kill (drift agrees), every byte back after `revert
#                --all`
# TINY="CC OPT pie|nopie exe|lib" runs one variant.
. "$(dirname "$0")/lib.sh"
begin tiny

OLD="t1=0 t2=1 t3=41 t4=42 n3=41 last=41 bad=0"
NEW="t1=1 t2=2 t3=42 t4=43 n3=41 last=41 bad=0"
TOO_SHORT="changed but is too short for a trampoline \(3 bytes, 5 needed\) and"
NEAREST="the nearest free bytes of 5 in \.text are 0x[0-9a-f]+\.\.0x[0-9a-f]+ \([0-9]+ bytes, -?[0-9]+ from its entry\)"

# sym BIN NAME - "ADDR SIZE" of NAME in BIN, in decimal
sym() {
	local a s
	read -r a s < <(nm -S "$1" | awk -v f="$2" '$4 == f {print $1, $2; exit}')
	[ -n "$s" ] && echo $((16#$a)) $((16#$s))
}

# sizes BIN - the sizes of t1 t2 t3 t4 (the premise: 1 2 3 4)
sizes() {
	local f a s out=""
	for f in t1 t2 t3 t4; do
		read -r a s < <(sym "$1" "$f")
		out="$out${out:+ }$s"
	done
	echo "$out"
}

# packed BIN - n3 ends where n3_next starts
packed() {
	local a s b
	read -r a s < <(sym "$1" n3)
	read -r b _ < <(sym "$1" n3_next)
	[ $((a + s)) -eq "$b" ]
}

# last BIN - tlast ends where .text ends
last() {
	local a s addr size
	read -r a s < <(sym "$1" tlast)
	read -r addr size < <(readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\]//' |
		awk '$1 == ".text" {print $3, $5}')
	[ $((a + s)) -eq $((16#$addr + 16#$size)) ]
}

# span PID BIN - the bytes of t1..t4 and the padding after each (16 each)
span() {
	local f
	for f in t1 t2 t3 t4; do
		mem "$1" "$(func_addr "$1" "$2" "$f")" 16
	done
}

# jumps PID BIN - every one of t1..t4 starts with a jmp rel32 (e9)
jumps() {
	local f
	for f in t1 t2 t3 t4; do
		[ "$(mem "$1" "$(func_addr "$1" "$2" "$f")" 1)" = e9 ] || return 1
	done
}

# poke PID ADDR HEX - write the byte HEX at ADDR of process PID
poke() {
	printf '%b' "\\x$3" | dd of="/proc/$1/mem" bs=1 seek="$2" oflag=seek_bytes \
		conv=notrunc status=none
}

# refused DIFF FUNC WHY - DIFF (changing the 3-byte FUNC of refs.c) is
# refused for WHY (an ERE), naming the nearest free bytes
refused() {
	check_fails "$name: $1.diff is refused" "$SUTURE" build --src "$src" \
		--patch "$TARGETS/tiny/$1.diff" --binary "$bin" \
		-o "$WORK/$1.sut" -- make "${MAKEARGS[@]}"
	check_match "$name:   ... $2's padding: $3" \
		"function $2 \(refs\.o\) $TOO_SHORT $3; $NEAREST" "$OUT"
}

variant() {
	local cc=$1 opt=$2 pie=$3 kind=$4 cflags ldflags before at byte
	name="$cc $opt $pie $kind"
	cflags="$opt -g" ldflags=""
	[ "$pie" = nopie ] && cflags="$cflags -fno-pie" ldflags=-no-pie
	MAKEARGS=(CC="$cc" "CFLAGS=$cflags" "LDFLAGS=$ldflags")
	[ "$kind" = lib ] && MAKEARGS+=(LIB=1)
	src=$WORK/$cc$opt-$pie-$kind
	bin=tiny
	[ "$kind" = lib ] && bin=libtiny.so
	section "$name"
	make_tree tiny "$src"
	build_tree "$src" "${MAKEARGS[@]}" || return
	check_eq "$name: t1..t4 are 1, 2, 3 and 4 bytes" "1 2 3 4" \
		"$(sizes "$src/$bin")"
	check "$name: n3 is followed at once by n3_next" packed "$src/$bin"
	check "$name: tlast is the last code of .text" last "$src/$bin"

	check_fails "$name: packed.diff is refused" "$SUTURE" build --src "$src" \
		--patch "$TARGETS/tiny/packed.diff" --binary "$bin" \
		-o "$WORK/packed.sut" -- make "${MAKEARGS[@]}"
	check_match "$name:   ... n3_next follows it at once, nearest free bytes named" \
		"function n3 \(packed\.o\) $TOO_SHORT n3_next follows it at once; $NEAREST" "$OUT"
	check_fails "$name: last.diff is refused" "$SUTURE" build --src "$src" \
		--patch "$TARGETS/tiny/last.diff" --binary "$bin" \
		-o "$WORK/last.sut" -- make "${MAKEARGS[@]}"
	check_match "$name:   ... as the last code of its section" \
		"function tlast \(last\.o\) $TOO_SHORT it is the last code of its section; $NEAREST" "$OUT"

	refused code "r_code" "code of the program branches or points into the bytes after it"
	refused cfi "r_cfi" "call-frame information \(\.eh_frame\) covers the bytes after it"
	if [ "$pie$kind" = nopieexe ]; then
		refused rel "r_rel" "a word of the program's data holds an address in the bytes after it"
	else
		refused rel "r_rel" "a relocation refers to the bytes after it"
	fi

	build_patch "$WORK/room.sut" "$src" "$TARGETS/tiny/room.diff" "$bin" \
		"${MAKEARGS[@]}" || return
	run "$SUTURE" info "$WORK/room.sut"
	check_match "$name: info names t1's padding" \
		"t1 .* 1 bytes \(its jump uses the [0-9]+ bytes of padding after it\)" "$OUT"
	run "$SUTURE" review "$WORK/room.sut"
	check_match "$name: review shows t4 spilling into its padding" \
		"=== t4: 4 -> [0-9]+ bytes \(shorter than a jump: it spills into the [0-9]+ bytes of padding after it\)" \
		"$OUT"

	start_target T "$src/tiny" || return
	poll_state "$OLD"
	check_ask "$name: the old functions run" "$T_PORT" state "$OLD"
	before=$(span "$T_PID" "$src/$bin")
	at=$(($(func_addr "$T_PID" "$src/$bin" t4) + 4))
	byte=$(mem "$T_PID" "$at" 1)
	poke "$T_PID" "$at" c3
	check_fails "$name: apply with a ret written into t4's padding" \
		suture apply "$T_PID" "$WORK/room.sut"
	check_match "$name:   ... refused: not padding in the process" \
		"function t4 is 4 bytes long, its trampoline needs the padding after it, but the [0-9]+ bytes there in process $T_PID are not padding" \
		"$OUT"
	check_ask "$name:   ... the old functions still run" "$T_PORT" state "$OLD"
	poke "$T_PID" "$at" "$byte"
	check "$name: apply room.sut" suture apply "$T_PID" "$WORK/room.sut"
	poll_state "$NEW"
	check_ask "$name:   ... all four answer the new way" "$T_PORT" state "$NEW"
	check "$name:   ... each entry jumps" jumps "$T_PID" "$src/$bin"
	run "$SUTURE" drift "$T_PID" "$src/$bin"
	check_match "$name:   ... drift says t2 runs the patch" \
		"t2 +runs patch 'room'" "$OUT"
	check "$name: revert" suture revert "$T_PID"
	poll_state "$OLD"
	check_ask "$name:   ... the old answers" "$T_PORT" state "$OLD"
	check_eq "$name:   ... function and padding bytes as before" \
		"$before" "$(span "$T_PID" "$src/$bin")"
	[ -n "$KILLS" ] && killed "$before"
	check_alive "$name: alive" "$T_PID" "$T_PORT"
	stop_target "$T_PID"
}

# killed BYTES - apply room.sut with suture killed at step 1, 2, ... until
# it goes through: after each kill the four functions answer all the old
# or all the new way, never a mix (and while old, `drift` finds none of
# them changed, even with the entries jumping to their gates), and once
# `revert --all` has cleaned up, the functions and their padding hold
# BYTES again
killed() {
	local n rc got bad="" steps=0
	for ((n = 1; n < 100; n++)); do
		rc=$(SUTURE_FAULT=$n "$SUTURE" apply "$T_PID" "$WORK/room.sut" >/dev/null 2>&1; echo $?)
		[ "$rc" = 137 ] || break
		steps=$((steps + 1))
		sleep 0.1
		got=$(ask "$T_PORT" state)
		[ "$got" = "$OLD" ] || [ "$got" = "$NEW" ] ||
			{ bad="killed at step $n: $got"; break; }
		# the old code, through the gates of a patch not yet
		# committed: drift sees the original code
		[ "$got" = "$OLD" ] && "$SUTURE" drift "$T_PID" "$src/$bin" 2>&1 |
			grep -E "^  t[1-4] " >"$WORK/drift.txt" &&
			{ bad="killed at step $n, old code runs, drift says: $(cat "$WORK/drift.txt")"; break; }
		"$SUTURE" revert "$T_PID" --all >"$WORK/op.txt" 2>&1
		[ -z "$(suture_maps "$T_PID")" ] ||
			"$SUTURE" revert "$T_PID" --all >>"$WORK/op.txt" 2>&1
		[ "$(span "$T_PID" "$src/$bin")" = "$1" ] ||
			{ bad="after a kill at step $n and revert: $(cat "$WORK/op.txt")"; break; }
	done
	check_eq "$name: suture killed at each of $steps steps of apply: all old or all new, every byte back" "" "$bad"
	check "$name:   ... it has steps" test "$steps" -ge 5
	check "$name:   ... an apply not killed goes through" test "$rc" = 0
	poll_state "$NEW"
	check_ask "$name:   ... all four answer the new way" "$T_PORT" state "$NEW"
	check "$name:   ... and revert" suture revert "$T_PID"
}

# poll_state WANT - wait until the worker's results have come round
poll_state() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(ask "$T_PORT" state)" = "$1" ] && return 0
		sleep 0.1
	done
	return 0
}

# TINY="gcc -O2 pie exe" runs that variant alone (with the kills)
if [ -n "${TINY:-}" ]; then
	# shellcheck disable=SC2086 # the four words of the variant
	KILLS=1 variant $TINY
	finish
fi
for cc in gcc clang; do
	for opt in -O2 -Os; do
		for pie in pie nopie; do
			for kind in exe lib; do
				KILLS=
				[ "$cc$opt$pie$kind" = gcc-O2pieexe ] && KILLS=1
				[ "$cc$opt$pie$kind" = clang-Osnopielib ] && KILLS=1
				variant "$cc" "$opt" "$pie" "$kind"
			done
		done
	done
done
finish
