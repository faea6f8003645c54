#!/usr/bin/env bash
# cmake-cjson.sh - live-patch a library built by CMake as its users build
# it: Debian's cJSON (source package cjson, bookworm 1.7.15-1+deb12uN) with
# the security fix CVE-2025-57052.patch of its debian/patches series.  See
# tests/real/README.md.
#
# The bug: decode_array_index_from_pointer() in cJSON_Utils.c checks
# pointer[0] instead of pointer[position] against '9', so a JSON pointer
# token such as "1:" is read as the index 1*10 + (':' - '0') = 20 instead
# of being rejected (with larger characters, an index far past the array).
# Client check (cjson-pointer.c, a program using libcjson_utils): "/1:" in
# [0..29] finds 20 unfixed, nothing fixed; "/7" finds 7 either way.
#
#  1. in-tree build directory: `cmake -S . -B build -DCMAKE_BUILD_TYPE=
#     RelWithDebInfo -DENABLE_CJSON_UTILS=On && cmake --build build`;
#     `suture build --binary build/libcjson_utils.so.V` finds build/ and
#     configures a fresh one in each copy with the same cache entries
#     (checked in the kept scratch directory), builds with `cmake --build`;
#     apply to the running program, revert; then the project's own tests
#     that use cJSON_Utils (json_patch_tests, old_utils_tests,
#     misc_utils_tests) run as patched processes: held before main() by
#     gate-shim.c, patched, released, and they must pass.
#  2. out-of-tree build directory (cmake -S SRC -B DIR -G Ninja):
#     --build-dir DIR; the copies keep the generator, and the wrapper maps
#     their build directory back to DIR in the debug information.
#  3. refusals: an in-source build, a --build-dir that is none, and a
#     build directory whose compiler is not the one the wrapper would run.
#
# The source comes from Debian's archive through scripts/debsrc (downloads
# cached in /var/cache/suture/debian-sources); when it cannot be had the
# test FAILS.  Needs cmake (scripts/install-deps).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
# shellcheck source=gated.bash
source "$HERE/gated.bash"

begin real-cmake-cjson

FIX=CVE-2025-57052.patch
NAME=cjson-CVE-2025-57052
OPTS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DENABLE_CJSON_UTILS=On)

# cmake_build SRC DIR ARGS...: configure DIR for SRC with ARGS and build it.
cmake_build() {
	local src=$1 dir=$2 t0=$SECONDS
	shift 2
	run cmake -S "$src" -B "$dir" "$@"
	[ "$RC" -eq 0 ] && run cmake --build "$dir" -j2
	if [ "$RC" -ne 0 ]; then
		fail "cmake -S $src -B $dir $* && cmake --build $dir" "$OUT"
		return 1
	fi
	pass "cmake -S ${src#"$WORK"/} -B ${dir#"$WORK"/} $* && cmake --build ($((SECONDS - t0)) s)"
}

# demo NAME LIBDIR: cjson-pointer.c linked against LIBDIR's libraries.
demo() {
	run cc -O2 -I "$WORK/src/before" -o "$WORK/$1" "$HERE/cjson-pointer.c" \
		-L "$2" -lcjson_utils -lcjson -Wl,-rpath,"$2"
	[ "$RC" -eq 0 ] || fail "build cjson-pointer against $2" "$OUT"
}

expect_unfixed() {
	check_eq "$1: pointer /1: is read as index 20" 20 "$(lines_ask "$2" /1:)"
	check_eq "$1: pointer /7 finds 7" 7 "$(lines_ask "$2" /7)"
}
expect_fixed() {
	check_eq "$1: pointer /1: is rejected" none "$(lines_ask "$2" /1:)"
	check_eq "$1: pointer /7 finds 7" 7 "$(lines_ask "$2" /7)"
}

# sut_build WHAT OUT ARGS...: suture build ARGS, kept in $BUILD_OUT.
sut_build() {
	local what=$1 t0=$SECONDS
	shift
	run suture build -v --name "$NAME" --patch "$WORK/src/fix.diff" "$@"
	BUILD_OUT=$OUT
	if [ "$RC" -ne 0 ]; then
		fail "$what" "$OUT
(exit status $RC)"
		return 1
	fi
	pass "$what ($((SECONDS - t0)) s)"
	check_match "the report names the one changed function" \
		'^decode_array_index_from_pointer(\.constprop\.[0-9]+)?$' \
		"$(listed "$OUT" "changed functions:")"
}

# comp_dir OBJ: the DW_AT_comp_dir of OBJ's first compilation unit.
comp_dir() {
	readelf --debug-dump=info "$1" 2>/dev/null |
		sed -n 's/.*DW_AT_comp_dir.*: //p' | head -n 1
}

# live PROG SUT: apply SUT to the running demo PROG, check, revert.
live() {
	local pid
	lines_start SVC "$WORK/$1"
	pid=$SVC_PID
	expect_unfixed "unpatched" SVC
	check "suture apply $pid $(basename "$2")" suture apply "$pid" "$2"
	expect_fixed "live-patched" SVC
	check_status "$pid" "live-patched" "$NAME"
	check "suture revert $pid" suture revert "$pid"
	expect_unfixed "reverted" SVC
	stop_target "$pid"
}

real_suture
command -v cmake >/dev/null || { fail "cmake installed (scripts/install-deps)"; finish; }
gate_build || finish

debsrc_fetch cjson "$WORK/src" "$FIX" || finish
SRC=$WORK/src/before

section "control: built from after/"
cmake_build "$WORK/src/after" "$WORK/after-build" "${OPTS[@]}" -DENABLE_CJSON_TEST=Off &&
	demo pointer-after "$WORK/after-build" && {
	lines_start AFTER "$WORK/pointer-after"
	expect_fixed "built from after/" AFTER
	stop_target "$AFTER_PID"
}

section "in-tree build directory: cmake -S . -B build"
cmake_build "$SRC" "$SRC/build" "${OPTS[@]}" || finish
LIB=$(cd "$SRC/build" && ls libcjson_utils.so.*.*.*)
demo pointer "$SRC/build"
# The build command as a user in a hurry gives it (the out-of-tree case
# below takes the default, cmake --build DIR).
if sut_build "suture build --binary build/$LIB -- cmake --build build --target cjson_utils" \
	--keep --src "$SRC" --binary "build/$LIB" -o "$WORK/fix.sut" \
	-- cmake --build build --target cjson_utils; then
	check_match "suture build found the CMake build directory" \
		"CMake build directory $SRC/build: each copy gets a fresh one at build" "$BUILD_OUT"
	S=$(kept_scratch "$BUILD_OUT")
	cache=$S/patched/build/CMakeCache.txt
	check_eq "the copy's build directory is its own (CMAKE_HOME_DIRECTORY)" \
		"$S/patched" "$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")"
	check_eq "the copy is configured with the user's options" \
		"CMAKE_BUILD_TYPE:STRING=RelWithDebInfo ENABLE_CJSON_UTILS:BOOL=On" \
		"$(grep -E '^(CMAKE_BUILD_TYPE|ENABLE_CJSON_UTILS):' "$cache" | xargs)"
	check_eq "the copy compiles with the wrapper" \
		"$S/bin/cc" "$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache")"
	rm -rf "$S"
	# The same build again: the original comes back from the build cache
	# (its key sees the configure command with the user's paths, not the
	# random scratch copy's), and the patch is the first one byte for byte
	# (its record names the wrapper CMake calls by path as "cc").
	run suture build -v --name "$NAME" --patch "$WORK/src/fix.diff" \
		--src "$SRC" --binary "build/$LIB" -o "$WORK/fix2.sut" \
		-- cmake --build build --target cjson_utils
	check_match "a second build restores the original from the build cache" \
		"orig: restored from the build cache" "$OUT"
	check "the second patch is the first byte for byte" \
		cmp "$WORK/fix.sut" "$WORK/fix2.sut"
	live pointer "$WORK/fix.sut"

	section "the project's tests, patched before main()"
	for t in json_patch_tests old_utils_tests misc_utils_tests; do
		gated_test "$SRC/build/tests" "$WORK/fix.sut" "$NAME" "$SRC/build/tests/$t"
	done
fi

section "out-of-tree build directory: cmake -S SRC -B DIR -G Ninja, --build-dir DIR"
OB=$WORK/cjson-build
if cmake_build "$SRC" "$OB" -G Ninja "${OPTS[@]}" -DENABLE_CJSON_TEST=Off &&
	demo pointer-out "$OB" &&
	sut_build "suture build --build-dir DIR --binary $LIB" --keep \
		--src "$SRC" --build-dir "$OB" --binary "$LIB" -o "$WORK/fix-out.sut"; then
	# CMake compiles in the build directory: the debug information names
	# it (DW_AT_comp_dir), and the wrapper maps the copy's back to DIR.
	S=$(kept_scratch "$BUILD_OUT")
	obj=CMakeFiles/cjson_utils.dir/cJSON_Utils.c.o
	check_eq "the rebuilt object's compilation directory is the user's build directory" \
		"$(comp_dir "$OB/$obj")" "$(comp_dir "$S/patched/.suture-build/$obj")"
	check_eq "the copy's build directory has the user's generator" Ninja \
		"$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$S/patched/.suture-build/CMakeCache.txt")"
	rm -rf "$S"
	live pointer-out "$WORK/fix-out.sut"
fi

section "refusals"
cp -a "$SRC" "$WORK/insrc" && rm -rf "$WORK/insrc/build"
run cmake -S "$WORK/insrc" -B "$WORK/insrc" "${OPTS[@]}"
run suture build --src "$WORK/insrc" --patch "$WORK/src/fix.diff" --binary "$LIB" -o "$WORK/x.sut"
check_match "an in-source build is refused (exit $RC)" \
	"is itself a CMake build directory \(an in-source build\)" "$OUT"
run suture build --src "$SRC" --build-dir "$SRC/tests" --patch "$WORK/src/fix.diff" \
	--binary "$LIB" -o "$WORK/x.sut"
check_match "a --build-dir that is no build directory is refused (exit $RC)" \
	"tests is not a CMake or meson build directory" "$OUT"
# A compiler called cc that is not the cc on PATH: the wrapper would run
# another compiler.
mkdir -p "$WORK/othercc" && ln -sf "$(command -v clang)" "$WORK/othercc/cc"
run cmake -S "$SRC" -B "$WORK/clang-build" -DCMAKE_C_COMPILER="$WORK/othercc/cc" "${OPTS[@]}"
run suture build --src "$SRC" --build-dir "$WORK/clang-build" --patch "$WORK/src/fix.diff" \
	--binary "$LIB" -o "$WORK/x.sut"
check_match "a build directory whose compiler is not the wrapper's is refused (exit $RC)" \
	"compiles with $WORK/othercc/cc, but the compiler wrapper would run the first cc on PATH" "$OUT"

finish
