#!/bin/bash
# t-features.sh - one patch per kind of change, applied to one running
# single-threaded process, each checked before apply, after apply and after
# revert while the others must keep their old behaviour:
#   string  a changed string literal
#   inline  a changed static inline function in a header, inlined into
#           callers in two files (both must change)
#   helper  a new function the fixed code calls
#   libc    a call to a libc function the program never imported
#   switch  a changed and an added case of a switch (a jump or value table)
#   clone   a static function gcc cloned (weight.constprop.0)
#   newfile a new source file (and Makefile line) with a new function
# compute()'s state (file static, function-local static, global) is checked
# to carry on through all of it.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin features

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
FEATURES=(string inline helper libc switch clone)
calc_build "$SRC" "${MAKEARGS[@]}" || finish

section "preconditions: what the original binary lacks"
check_nomatch "the original does not import strcasecmp" ' strcasecmp' \
	"$(nm -D "$SRC/calc")"
check_nomatch "the original has no digest_step" ' digest_step$' \
	"$(nm "$SRC/calc")"

start_target C "$SRC/calc" || finish
pid=$C_PID port=$C_PORT

section "build one patch per feature"
for f in "${FEATURES[@]}"; do
	build_patch "$WORK/$f.sut" "$SRC" "$TARGETS/calc/$f.diff" calc \
		"${MAKEARGS[@]}"
done
run "$SUTURE" info "$WORK/inline.sut"
check_match "inline.sut replaces percent's code (calc.c)" \
	'percent|service_handle' "$OUT"
check_match "inline.sut replaces draw_bar (util.c)" 'draw_bar' "$OUT"
run "$SUTURE" info "$WORK/libc.sut"
check_match "libc.sut refers to strcasecmp" 'strcasecmp' "$OUT"

for f in "${FEATURES[@]}"; do
	section "$f"
	name=$(patch_name "$WORK/$f.sut")
	for g in "${FEATURES[@]}" fix; do
		check_feature "$port" "$g" old "before $f"
	done
	check "suture apply $f.sut" suture apply "$pid" "$WORK/$f.sut"
	check_alive "alive after applying $f" "$pid" "$port"
	check_feature "$port" "$f" new "after apply $f"
	for g in "${FEATURES[@]}" fix; do
		[ "$g" = "$f" ] || check_feature "$port" "$g" old "after apply $f"
	done
	check_state "$port" "after apply $f"
	check_status "$pid" "after apply $f" "$name"
	check "suture revert $f" suture revert "$pid" "$name"
	check_alive "alive after reverting $f" "$pid" "$port"
	check_feature "$port" "$f" old "after revert $f"
	check_state "$port" "after revert $f"
	check_status "$pid" "after revert $f"
done

section "newfile: a diff that adds a source file and its Makefile line"
build_patch "$WORK/newfile.sut" "$SRC" "$TARGETS/calc/newfile.diff" calc \
	"${MAKEARGS[@]}"
check_eq "its build record lists extra_bonus (extra.c) as new" \
	"extra_bonus extra.c" \
	"$(json_get "$("$SUTURE" info --json "$WORK/newfile.sut")" \
		'join " ", map { "$_->{name} $_->{file}" } @{$j->{build}{new}}' 2>&1)"
bonus() { # sum of i % 3 for i < n
	local i r=0
	for ((i = 0; i < $1; i++)); do r=$((r + i % 3)); done
	echo "$r"
}
check "apply newfile.sut" suture apply "$pid" "$WORK/newfile.sut"
for a in 5 40; do
	check_ask "newfile applied: calc $a adds the new file's bonus" "$port" \
		"calc $a" "$(($(model_sum old "$a") + $(bonus "$a")))"
	CALC_CALLS=$((CALC_CALLS + 1))
done
check "revert newfile" suture revert "$pid"
check_feature "$port" fix old "newfile reverted"
check_state "$port" "newfile reverted"

section "all applied, then revert --all"
# Built from the same tree independently, these patches may share a
# function (service_handle, where gcc inlines the small ones), and then the
# last applied wins there (t-stack.sh covers stacking); what must hold is
# that --all takes every one of them away.
names=()
for f in "${FEATURES[@]}"; do
	check "suture apply $f.sut (stacked)" suture apply "$pid" "$WORK/$f.sut"
	names+=("$(patch_name "$WORK/$f.sut")")
done
check_status "$pid" "all applied" "${names[@]}"
check_feature "$port" clone new "all applied, the last one"
check "suture revert --all" suture revert "$pid" --all
for f in "${FEATURES[@]}"; do
	check_feature "$port" "$f" old "all reverted"
done
check_status "$pid" "all reverted"
check_state "$port" "at the end"
check_alive "alive at the end" "$pid" "$port"
finish
