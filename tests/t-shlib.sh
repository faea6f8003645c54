#!/bin/bash
# t-shlib.sh - patching a shared library in a running program:
# `suture build --binary libfoo.so` for a function of libfoo.so (and a
# string it returns), plus a second patch for the program itself, applied
# together and reverted one by one by name.  The library's call counter
# (a static in libfoo.so) must keep counting.
. "$(dirname "$0")/lib.sh"
begin shlib

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/shlib
make_tree shlib "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
check_match "app loads libfoo.so from its own directory" \
	"libfoo.so => $SRC/libfoo.so" "$(ldd "$SRC/app")"
start_target S "$SRC/app" || finish
pid=$S_PID port=$S_PORT
calls=0

# check_lib old|new WHEN - foo_compute() squares (old) or cubes (new),
# foo_version() tells which; the library's counter carried on.
check_lib() {
	local n
	for n in 3 7; do
		if [ "$1" = old ]; then want=$((n * n)); else want=$((n * n * n)); fi
		check_ask "$2: foo $n is the $1 result" "$port" "foo $n" "$want"
		calls=$((calls + 1))
	done
	if [ "$1" = old ]; then want="foo 1.0"; else want="foo 1.0 (patched)"; fi
	check_ask "$2: version string is the $1 one" "$port" version "$want"
	check_ask "$2: libfoo's call counter kept counting" "$port" calls "$calls"
}
# check_app old|new WHEN - twice() adds one (old) or not (new).
check_app() {
	local want=9
	[ "$1" = new ] && want=8
	check_ask "$2: twice 4 is the $1 result" "$port" "twice 4" "$want"
}

section "before apply"
check_lib old "before apply"
check_app old "before apply"

section "build"
build_patch "$WORK/foo.sut" "$SRC" "$TARGETS/shlib/foo.diff" libfoo.so \
	"${MAKEARGS[@]}"
build_patch "$WORK/app.sut" "$SRC" "$TARGETS/shlib/app.diff" app \
	"${MAKEARGS[@]}"
foo=$(patch_name "$WORK/foo.sut")
app=$(patch_name "$WORK/app.sut")
check_ne "the two patches have different names" "$foo" "$app"
run "$SUTURE" info "$WORK/foo.sut"
check_match "foo.sut is bound to libfoo.so's build-id" \
	"$(build_id "$SRC/libfoo.so")" "$OUT"
check_match "foo.sut replaces foo_compute" foo_compute "$OUT"

section "apply the library patch"
check "suture apply foo.sut" suture apply "$pid" "$WORK/foo.sut"
check_alive "alive after apply" "$pid" "$port"
check_lib new "after apply foo"
check_app old "after apply foo"
check_status "$pid" "after apply foo" "$foo"

section "apply the program patch on top"
check "suture apply app.sut" suture apply "$pid" "$WORK/app.sut"
check_lib new "both applied"
check_app new "both applied"
check_status "$pid" "both applied" "$foo" "$app"

section "revert them one by one"
check "suture revert $foo (the first applied)" suture revert "$pid" "$foo"
check_lib old "after revert foo"
check_app new "after revert foo"
check_status "$pid" "after revert foo" "$app"
check "suture revert $app" suture revert "$pid" "$app"
check_lib old "after revert app"
check_app old "after revert app"
check_status "$pid" "after revert app"
check_alive "alive at the end" "$pid" "$port"

section "a process without libfoo.so"
sleep 300 &
other=$!
PIDS+=("$other")
check_fails "apply foo.sut to a process that does not load libfoo.so" \
	suture apply "$other" "$WORK/foo.sut"
check_match "  ... refused by build-id, naming it" \
	"build-id $(build_id "$SRC/libfoo.so")" "$OUT"
check_eq "  ... and the process runs on" "" \
	"$(alive "$other" || echo gone)"

finish
