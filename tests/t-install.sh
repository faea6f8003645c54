#!/bin/bash
# t-install.sh - `make install PREFIX=DIR` gives a suture that works on its
# own, outside the source tree: the user's workflow from the README, with
# relative paths, in a directory under /tmp, with the repository's build/
# nowhere on PATH.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin install

PREFIX=$(mktemp -d /tmp/suture-install.XXXXXX)
USERDIR=$(mktemp -d /tmp/suture-user.XXXXXX)
trap 'cleanup; rm -rf "$PREFIX" "$USERDIR"' EXIT

# -o build/suture: install the binary `make` built (the one the other tests
# ran), never rebuild it from sources someone may be editing right now.
check "make install PREFIX=$PREFIX" \
	make -C "$ROOT" -o build/suture install PREFIX="$PREFIX"
BIN=$PREFIX/bin/suture
check "$BIN is an executable" test -x "$BIN"
check_match "it is a copy, not a link into the tree" '^-' "$(ls -l "$BIN")"
SUTURE=$BIN
check "the installed suture --help" suture --help
check "make install put suture.h under PREFIX/include" \
	cmp "$PREFIX/include/suture.h" "$ROOT/include/suture.h"
# suture deb runs its script from PREFIX/lib/suture: without arguments the
# script itself answers with its usage.
run env -u SUTURE_DEB "$BIN" deb
check_match "the installed suture deb runs its script from PREFIX/lib/suture" \
	'^usage: suture deb --file FILE' "$OUT"

cd "$USERDIR" || finish
make_tree calc service-src
cp "$TARGETS/calc/fix.diff" fix.diff
build_tree service-src CC=clang "CFLAGS=-O2 -g" || finish
start_target C "$USERDIR/service-src/calc" || finish

check "suture build --src ./service-src ... (installed, relative paths)" \
	env PATH=/usr/local/bin:/usr/bin:/bin "$BIN" build --src ./service-src \
	--patch fix.diff --binary calc -o fix.sut -- make CC=clang \
	"CFLAGS=-O2 -g"
check "suture info fix.sut" suture info fix.sut
check_feature "$C_PORT" fix old "installed: before apply"
check "suture apply" suture apply "$C_PID" fix.sut
check_feature "$C_PORT" fix new "installed: after apply"
check_status "$C_PID" "installed: after apply" fix
check "suture revert" suture revert "$C_PID" fix
check_feature "$C_PORT" fix old "installed: after revert"
check_state "$C_PORT" "installed: at the end"
finish
