#!/usr/bin/env bash
# meson-serd.sh - live-patch a library built by meson as its users build
# it: Debian's serd (source package serd, bookworm 0.30.16-1, the RDF
# Turtle/NTriples library of the LV2 stack), with a fix of our own
# (serd-integer-digits.diff: serd has no debian/patches).  See
# tests/real/README.md.
#
# The bug: serd_node_new_integer() sizes its buffer with a floating-point
# digit count that is one short for 10^16 and up, so the literal of 10^16
# comes out as "0000000000000000" (the '1' is written one byte before the
# buffer) and that of -10^16 as "10000000000000000".
# Client check (serd-integer.c, a program using libserd): the literals of
# 42, 10^16 and -10^16.
#
#  1. the build directory inside the tree, set up as a user does, with an
#     option and a CFLAGS of the environment: `CFLAGS=-fstack-protector-
#     strong meson setup build -Dbuildtype=debugoptimized && ninja -C
#     build`; `suture build --binary build/libserd-0.so.V` finds build/ and
#     sets up a fresh one in each copy with the same options (checked in
#     the kept scratch directory, CFLAGS included), builds with `ninja -C
#     build`; apply to the running program, revert; then serd's own unit
#     tests (test_node, test_string, ... : the 8 of `meson test --suite
#     unit`) run as patched processes: held before main() by gate-shim.c,
#     patched, released, and they must pass.
#  2. a diff that also changes meson.build: the user's build directory is
#     left alone (a copy of it would regenerate the user's); one that breaks
#     it: the patched copy's failed setup is reported with its log's end.
#  3. refusal: a meson build directory outside the tree.
#
# The source comes from Debian's archive through scripts/debsrc (downloads
# cached in /var/cache/suture/debian-sources); when it cannot be had the
# test FAILS.  Needs meson and ninja (scripts/install-deps).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
# shellcheck source=gated.bash
source "$HERE/gated.bash"

begin real-meson-serd

NAME=serd-integer-digits
FIXDIFF=$HERE/serd-integer-digits.diff
CFLAGS_USER=-fstack-protector-strong

# meson_build SRC [DIR]: set SRC up as its users do, in SRC/build or DIR.
meson_build() {
	local src=$1 dir=${2:-build} t0=$SECONDS
	run sh -c 'cd "$1" && CFLAGS=$2 meson setup "$3" -Dbuildtype=debugoptimized &&
		ninja -C "$3"' sh "$src" "$CFLAGS_USER" "$dir"
	if [ "$RC" -ne 0 ]; then
		fail "meson setup $dir && ninja -C $dir in $src" "$OUT"
		return 1
	fi
	pass "CFLAGS=$CFLAGS_USER meson setup ${dir#"$WORK"/} -Dbuildtype=debugoptimized && ninja in ${src#"$WORK"/} ($((SECONDS - t0)) s)"
}

# demo NAME LIBDIR: serd-integer.c linked against LIBDIR's libserd.
demo() {
	run cc -O2 -I "$WORK/src/before/include" -o "$WORK/$1" "$HERE/serd-integer.c" \
		-L "$2" -lserd-0 -Wl,-rpath,"$2"
	[ "$RC" -eq 0 ] || fail "build serd-integer against $2" "$OUT"
}

expect_unfixed() {
	check_eq "$1: 42 is 2:42" 2:42 "$(lines_ask "$2" 42)"
	check_eq "$1: 10^16 loses its leading digit" 16:0000000000000000 \
		"$(lines_ask "$2" 10000000000000000)"
	check_eq "$1: -10^16 loses its sign" 17:10000000000000000 \
		"$(lines_ask "$2" -10000000000000000)"
}
expect_fixed() {
	check_eq "$1: 42 is 2:42" 2:42 "$(lines_ask "$2" 42)"
	check_eq "$1: 10^16 is whole" 17:10000000000000000 \
		"$(lines_ask "$2" 10000000000000000)"
	check_eq "$1: -10^16 is whole" 18:-10000000000000000 \
		"$(lines_ask "$2" -10000000000000000)"
}

# copy_option SCRATCH NAME: option NAME of the patched copy's build directory.
copy_option() {
	json_get "$(cat "$1/patched/build/meson-info/intro-buildoptions.json")" \
		'join(" ", map { my $v = $_->{value}; ref $v eq "ARRAY" ? @$v : $v }
			grep { $_->{name} eq "'"$2"'" } @$j)'
}

real_suture
command -v meson >/dev/null && command -v ninja >/dev/null ||
	{ fail "meson and ninja installed (scripts/install-deps)"; finish; }
gate_build || finish

debsrc_fetch serd "$WORK/src" || finish
SRC=$WORK/src/before
cp -a "$SRC" "$WORK/src/after"
check "serd-integer-digits.diff applies to after/" \
	patch -d "$WORK/src/after" -p1 --batch -i "$FIXDIFF"

section "control: built from after/"
meson_build "$WORK/src/after" && demo serd-after "$WORK/src/after/build" && {
	lines_start AFTER "$WORK/serd-after"
	expect_fixed "built from after/" AFTER
	stop_target "$AFTER_PID"
}

section "in-tree build directory: meson setup build && ninja -C build"
meson_build "$SRC" || finish
LIB=$(find "$SRC/build" -maxdepth 1 -type f -name 'libserd-0.so.*.*.*' -printf '%f\n')
demo serd-before "$SRC/build"
t0=$SECONDS
run suture build -v --keep --name "$NAME" --src "$SRC" --patch "$FIXDIFF" \
	--binary "build/$LIB" -o "$WORK/fix.sut"
BUILD_OUT=$OUT
if [ "$RC" -ne 0 ]; then
	fail "suture build --binary build/$LIB (default command: ninja -C build)" "$OUT
(exit status $RC)"
	finish
fi
pass "suture build --binary build/$LIB (default command: ninja -C build) ($((SECONDS - t0)) s)"
check_eq "the report names the one changed function" serd_node_new_integer \
	"$(listed "$BUILD_OUT" "changed functions:" | xargs)"
check_match "suture build found the meson build directory" \
	"meson build directory $SRC/build: each copy gets a fresh one at build" "$BUILD_OUT"
S=$(kept_scratch "$BUILD_OUT")
check_eq "the copy is set up with the user's buildtype" debugoptimized "$(copy_option "$S" buildtype)"
check_eq "the copy is set up with the user's CFLAGS (as c_args)" "$CFLAGS_USER" "$(copy_option "$S" c_args)"
# The log says "cc" whether or not that is the wrapper (meson records no
# path, and this meson writes no intro-compilers.json): the sanity check
# meson compiles with the compiler it chose must be in the wrapper's log of
# the copy's setup.
check_match "the copy compiles with the wrapper" "C compiler for the host machine: cc " \
	"$(cat "$S/patched/build/meson-logs/meson-log.txt")"
check "meson's sanity check of that compiler ran through the wrapper" \
	grep -q '"-c","sanitycheckc\.c"' "$S/patched-configure.cclog"
check_eq "the copy compiled through the wrapper (a compile of src/node.c logged)" 1 \
	"$(grep -c '"[^"]*src/node\.c"' "$S/patched.cclog")"
rm -rf "$S"

lines_start SVC "$WORK/serd-before"
pid=$SVC_PID
expect_unfixed "unpatched" SVC
check "suture apply $pid fix.sut" suture apply "$pid" "$WORK/fix.sut"
expect_fixed "live-patched" SVC
check_status "$pid" "live-patched" "$NAME"
check "suture revert $pid" suture revert "$pid"
expect_unfixed "reverted" SVC
stop_target "$pid"

section "a diff that also touches meson.build"
# ninja regenerates a build directory whose meson.build changed; a copy of
# the user's would run meson on the user's tree and build directory (its
# build.ninja names them by absolute path).  The copies' own are set up
# after the diffs are applied, and the user's is left alone.
{
	cat "$FIXDIFF"
	printf -- '--- a/meson.build\n+++ b/meson.build\n@@ -1,2 +1,3 @@\n'
	head -n 2 "$SRC/meson.build" | sed 's/^/ /'
	echo '+# suture test: a comment'
} >"$WORK/fix-meson.diff"
touch "$WORK/marker"
sleep 1
run suture build --name "$NAME" --src "$SRC" --patch "$WORK/fix-meson.diff" \
	--binary "build/$LIB" -o "$WORK/fix2.sut"
check_eq "suture build with meson.build changed succeeds (exit $RC)" 0 "$RC"
check_eq "the user's build directory is left alone (nothing in it is newer)" "" \
	"$(find "$SRC/build" -newer "$WORK/marker" | head -n 5)"

# A diff that breaks meson.build: the patched copy's setup fails, and the
# builder says so with the end of its log.
n=$(wc -l <"$SRC/meson.build")
{
	printf -- '--- a/meson.build\n+++ b/meson.build\n@@ -%d,2 +%d,3 @@\n' $((n - 1)) $((n - 1))
	tail -n 2 "$SRC/meson.build" | sed 's/^/ /'
	echo '+suture_test_no_such_function()'
} >"$WORK/broken-meson.diff"
run suture build --name "$NAME" --src "$SRC" --patch "$WORK/broken-meson.diff" \
	--binary "build/$LIB" -o "$WORK/x.sut"
check_match "a meson.build the diff breaks: the patched copy's setup failure is reported (exit $RC)" \
	"configuring the patched tree's build directory build failed \(meson exited with status 1\)" "$OUT"
check_match "... with the end of its log" "suture_test_no_such_function" "$OUT"

section "serd's unit tests, patched before main()"
# A glob that matches nothing would pass with no test run: count them.
tests=()
for t in "$SRC"/build/test/test_*; do
	[ -x "$t" ] && [ -f "$t" ] && tests+=("$t")
done
check_eq "serd's 8 unit tests were built ($(printf '%s\n' "${tests[@]##*/}" | xargs))" \
	8 "${#tests[@]}"
for t in "${tests[@]}"; do
	gated_test "$SRC/build" "$WORK/fix.sut" "$NAME" "$t"
done

section "refusals"
run sh -c 'cd "$1" && meson setup "$2"' sh "$SRC" "$WORK/serd-out"
run suture build --src "$SRC" --build-dir "$WORK/serd-out" --patch "$FIXDIFF" \
	--binary "$LIB" -o "$WORK/x.sut"
check_match "a meson build directory outside the tree is refused (exit $RC)" \
	"the meson build directory $WORK/serd-out is outside the source tree" "$OUT"

finish
