#!/bin/bash
# t-lineonly.sh - a function whose code differs only in constants is left
# out of a patch ("only __LINE__ constants changed") only when each constant
# is proven a moved __LINE__: with gcc and clang, -O0 and -O2, a literal
# changed from the number of one blank line to another (alone, and next to
# another change), from one "}" line to another, and one changed while an
# inserted line shifts it onto the same blank line are all patched, and the
# process answers the fixed way; assert()s (one in a helper inlined into two
# callers, one in a header's static inline) below an insertion are still
# reported line-only and not patched;
# without -g (and --accept-no-debug) they are patched, with a warning.
. "$(dirname "$0")/lib.sh"
begin lineonly

# section_fns TITLE - the function names listed under "TITLE:" in $OUT
# (suture build's report), one a line.
section_fns() {
	awk -v t="$1:" '$0 == t {on = 1; next} /^[^ ]/ {on = 0}
		on {print $1}' <<<"$OUT" | sort | tr '\n' ' '
}

CHANGED="changed functions"
LINEONLY="only __LINE__ constants changed (not patched)"

# check_listed TITLE NAME - pass if the report in $OUT lists function NAME
# under "TITLE:" (clang may change a caller too: not listed is what counts).
check_listed() {
	check_match "  ... $2 is listed under \"$1\"" "(^| )$2( |\$)" \
		"$(section_fns "$1")"
}

# patched DIFF NAME... - suture build of DIFF lists each NAME as changed and
# no function as __LINE__-only; the patch is applied to the running target.
patched() {
	local d=$1 out n
	shift
	build_patch "$WORK/$TAG-$d.sut" "$SRC" "$TARGETS/lines/$d.diff" lines \
		CC="$CC" "CFLAGS=$OPT -g" || return 1
	out=$OUT
	for n in "$@"; do
		check_listed "$CHANGED" "$n"
	done
	check_nomatch "  ... nothing is called __LINE__-only" "__LINE__" "$out"
	check "  ... suture apply" suture apply "$PID" "$WORK/$TAG-$d.sut"
}

# replaced FILE - the functions patch FILE replaces (suture info).
replaced() {
	suture info "$1" | awk '/^replaces /{on = 1; next} /^[^ ]/{on = 0}
		on {print $1}' | sort | tr '\n' ' '
}

# lookalike - a line inserted above lucky's "n == 33" moves the blank line
# 33 to 34, and the diff changes the constant to 34: it is patched, while
# the asserts below are __LINE__-only.
lookalike() {
	build_patch "$WORK/$TAG-lookalike.sut" "$SRC" \
		"$TARGETS/lines/lookalike.diff" lines CC="$CC" \
		"CFLAGS=$OPT -g" || return
	check_listed "$CHANGED" lucky
	check_listed "$LINEONLY" mul
	check "  ... suture apply" suture apply "$PID" "$WORK/$TAG-lookalike.sut"
	check_ask "  lucky changed" "$T_PORT" "lucky 34" 1
	check "  revert" suture revert "$PID"
}

# line_shift - a true __LINE__ shift: word changes and grows a line; the
# asserts below are reported __LINE__-only and left out of the patch.
line_shift() {
	build_patch "$WORK/$TAG-shift.sut" "$SRC" "$TARGETS/lines/shift.diff" \
		lines CC="$CC" "CFLAGS=$OPT -g" || return
	check_listed "$CHANGED" word
	check_listed "$LINEONLY" mul
	check_listed "$LINEONLY" thrice
	# the helper with the assert, where it is a function of its own
	check_match "  ... so is the inlined helper's assert" \
		"check_pos|twice" "$(section_fns "$LINEONLY")"
	check_nomatch "  the patch does not replace them" \
		"(^| )(mul|thrice|twice|check_pos)( |\$)" \
		"$(replaced "$WORK/$TAG-shift.sut")"
	check "  ... suture apply" suture apply "$PID" "$WORK/$TAG-shift.sut"
	check_ask "  word changed" "$T_PORT" word fancy
	check_ask "  mul unchanged" "$T_PORT" "mul 3" 21
	check "  revert" suture revert "$PID"
}

# header_shift - the same in a header: a line inserted above the assert of
# lines.h's static inline half(), and mul changed.  Where half's code went
# (half itself at -O0, service_handle at -O2) is __LINE__-only.
header_shift() {
	build_patch "$WORK/$TAG-hshift.sut" "$SRC" \
		"$TARGETS/lines/hshift.diff" lines CC="$CC" "CFLAGS=$OPT -g" ||
		return
	check_listed "$CHANGED" mul
	check_match "  ... half's assert is __LINE__-only where it was compiled" \
		"(^| )(half|service_handle)( |\$)" "$(section_fns "$LINEONLY")"
	check_nomatch "  the patch does not replace it" \
		"(^| )(half|service_handle)( |\$)" \
		"$(replaced "$WORK/$TAG-hshift.sut")"
	check "  ... suture apply" suture apply "$PID" "$WORK/$TAG-hshift.sut"
	check_ask "  mul changed" "$T_PORT" "mul 3" 24
	check_ask "  half unchanged" "$T_PORT" "half 9" 4
	check "  revert" suture revert "$PID"
}

for CC in gcc clang; do
	for OPT in -O0 -O2; do
		TAG=$CC$OPT
		section "$CC $OPT -g"
		SRC=$WORK/$TAG
		make_tree lines "$SRC"
		build_tree "$SRC" CC="$CC" "CFLAGS=$OPT -g" || continue
		start_target T "$SRC/lines" || continue
		PID=$T_PID

		check_ask "before: lucky 50 is not lucky" "$T_PORT" "lucky 50" 0
		patched blank lucky
		check_ask "  the constant between blank lines 33 and 50 changed" \
			"$T_PORT" "lucky 50" 1
		check "  revert" suture revert "$PID"

		patched blankplus lucky word
		check_ask "  lucky changed" "$T_PORT" "lucky 50" 1
		check_ask "  word changed" "$T_PORT" "word" fancy
		check "  revert" suture revert "$PID"

		patched brace brace
		check_ask "  the constant between \"}\" lines 38 and 49 changed" \
			"$T_PORT" "brace 49" 1
		check "  revert" suture revert "$PID"

		lookalike
		line_shift
		header_shift
		stop_target "$PID"
	done
done

section "gcc -O2 without -g: nothing is proven, the asserts are patched"
SRC=$WORK/nodebug
make_tree lines "$SRC"
build_tree "$SRC" CC=gcc CFLAGS=-O2 || finish
start_target T "$SRC/lines" || finish
rm -f "$WORK/nodebug.sut"
check "suture build shift.diff --accept-no-debug" suture build --src "$SRC" \
	--patch "$TARGETS/lines/shift.diff" --binary lines --accept-no-debug \
	-o "$WORK/nodebug.sut" -- make CC=gcc CFLAGS=-O2
check_listed "$CHANGED" mul
check_listed "$CHANGED" thrice
check_match "  ... saying why" \
	"warning: mul \(lines.c\) differs only in constants, but without line information \(build with -g\) they cannot be proven" \
	"$OUT"
check_nomatch "  ... and calling nothing __LINE__-only" \
	"^only __LINE__ constants changed" "$OUT"
check "  ... suture apply" suture apply "$T_PID" "$WORK/nodebug.sut"
check_ask "  word changed" "$T_PORT" word fancy
check_ask "  mul still multiplies" "$T_PORT" "mul 3" 21
finish
