#!/bin/bash
# t-repro.sh - reproducible builds as a precondition of `suture build`:
#   match     the rebuilt original must be the target: another compiler or
#             a -D define refused with the first differing instructions
#             and the likely cause; the same flags in another directory
#             accepted (other -O flags: t-failures.sh)
#   symbols   a target without debug info, a stripped one with a separate
#             debug file (--debug-file, build id, .gnu_debuglink)
#   record    the environment in the patch: compiler, flags per object,
#             build command, Debian package versions (suture info, --json)
#   same      the same inputs give a byte-identical patch file
#   root      --root: a build pinned in a Debian 12 root (scripts/mkroot,
#             cached in $SUTURE_TEST_ROOT_CACHE) matches a target built
#             there; the host's other compiler is refused
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin repro

FLAGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${FLAGS[@]}" || finish

# sb_target NAME TARGET [SUTURE-OPTIONS...] - suture build of fix.diff from
# $SRC with FLAGS for TARGET, into $WORK/NAME.sut; status in $RC.
sb_target() {
	local name=$1 target=$2
	shift 2
	rm -f "$WORK/$name.sut"
	run suture build --src "$SRC" --patch "$TARGETS/calc/fix.diff" \
		--binary calc --target "$target" "$@" -o "$WORK/$name.sut" \
		-- make "${FLAGS[@]}"
}

# re TEXT - TEXT as an extended regex matching itself (versions have '+').
re() {
	printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'
}

# other DIR MAKEARGS... - calc built in DIR with MAKEARGS.
other() {
	local dir=$WORK/$1
	shift
	calc_build "$dir" "$@"
}

section "match: what the rebuilt original is compared with"
other elsewhere "${FLAGS[@]}"
sb_target elsewhere "$WORK/elsewhere/calc"
check_eq "same flags, built in another directory: accepted" 0 "$RC"
check_match "  ... having checked every function" \
	"checked [1-9][0-9]* functions" "$OUT"

sb_target object "$SRC/util.o"
check_ne "an object file as the target: refused" 0 "$RC"
check_match "  ... naming it a relocatable object, not a program" \
	"util.o is a relocatable object .*not a program or shared library" "$OUT"

other clang CC=clang "CFLAGS=-O2 -g"
sb_target clang "$WORK/clang/calc"
check_ne "target made by clang, rebuilt by gcc: refused" 0 "$RC"
check_match "  ... saying how many functions match" \
	"[0-9]+ of [0-9]+ functions match" "$OUT"
check_match "  ... showing the first differing instructions side by side" \
	"rebuilt +\\| target" "$OUT"
check_match "  ... naming another compiler as the likely cause" \
	"likely cause: another compiler.*clang" "$OUT"
check_eq "  ... and writes no patch" no \
	"$([ -e "$WORK/clang.sut" ] && echo yes || echo no)"

other fortify CC=gcc "CFLAGS=-O2 -g -D_FORTIFY_SOURCE=2"
sb_target fortify "$WORK/fortify/calc"
check_ne "target built with -D_FORTIFY_SOURCE=2: refused" 0 "$RC"
check_match "  ... naming a function that differs" \
	"^  [a-z_]+ \\([a-z]+\\.o\\): differs at" "$OUT"
check_match "  ... pointing at a -D define (DWARF flags are the same)" \
	"likely cause: the same compiler.*-D" "$OUT"

# A function only one side has: a static that -O1 inlines nowhere.
other inl CC=gcc "CFLAGS=-O2 -g -fno-inline"
sb_target inl "$WORK/inl/calc"
check_ne "target built with -fno-inline: refused" 0 "$RC"
check_match "  ... listing a function only one side has" \
	"only in the (target|rebuilt original)" "$OUT"
check_match "  ... and the flag" "only in the target: -fno-inline" "$OUT"

section "symbols: targets without debug info, stripped targets"
other nodebug CC=gcc "CFLAGS=-O2"
FLAGS=(CC=gcc "CFLAGS=-O2")
# (objects without DWARF leave data unchecked: --accept-no-debug, t-nodebug)
sb_target nodebug "$WORK/nodebug/calc" --accept-no-debug
check_eq "a target with a symbol table and no debug info: accepted" 0 "$RC"
FLAGS=(CC=gcc "CFLAGS=-O1")
sb_target nodebug1 "$WORK/nodebug/calc" --accept-no-debug
check_ne "  ... rebuilt with -O1: refused" 0 "$RC"
check_match "  ... saying the target records no producer" \
	"target has no DWARF producer" "$OUT"
FLAGS=(CC=gcc "CFLAGS=-O2 -g")

T=$WORK/elsewhere/calc
objcopy --only-keep-debug "$T" "$WORK/calc.debug"
strip --strip-debug -o "$WORK/calc.nodebug" "$T"
sb_target stripdebug "$WORK/calc.nodebug"
check_eq "strip --strip-debug (symbols kept): accepted" 0 "$RC"
strip --strip-all -o "$WORK/calc.stripped" "$T"
sb_target stripped "$WORK/calc.stripped"
check_ne "strip --strip-all, no debug file: refused" 0 "$RC"
check_match "  ... saying it is stripped and how to help" \
	"stripped.*--debug-file" "$OUT"
sb_target debugfile "$WORK/calc.stripped" --debug-file "$WORK/calc.debug"
check_eq "  ... with --debug-file: accepted" 0 "$RC"
check_eq "  ... the patch is bound to the stripped target's build-id" \
	"$(build_id "$T")" \
	"$(json_get "$(suture info --json "$WORK/debugfile.sut")" \
		'$j->{target}{build_id}')"
sb_target wrongdebug "$WORK/calc.stripped" \
	--debug-file "$WORK/clang/calc"
check_ne "  ... with the debug file of another build: refused" 0 "$RC"
check_match "  ... saying the build id differs" "build id differs" "$OUT"

mkdir -p "$WORK/linked"
cp "$WORK/calc.debug" "$WORK/linked/calc.debug"
objcopy --add-gnu-debuglink="$WORK/linked/calc.debug" \
	"$WORK/calc.stripped" "$WORK/linked/calc"
sb_target linked "$WORK/linked/calc"
check_eq "  ... found by .gnu_debuglink next to it: accepted" 0 "$RC"

id=$(build_id "$T")
bydir=/usr/lib/debug/.build-id/${id:0:2}
if [ "$(id -u)" = 0 ] && [ ! -e "$bydir/${id:2}.debug" ]; then
	mkdir -p "$bydir"
	cp "$WORK/calc.debug" "$bydir/${id:2}.debug"
	sb_target byid "$WORK/calc.stripped"
	rm -f "$bydir/${id:2}.debug"
	rmdir "$bydir" 2>/dev/null
	check_eq "  ... found by build id under /usr/lib/debug: accepted" 0 "$RC"
else
	fail "  ... found by build id (needs root to write /usr/lib/debug)"
fi

section "record: the build environment in the patch"
run suture info "$WORK/elsewhere.sut"
info=$OUT
gccpkg=$(dpkg-query -S "$(readlink -f "$(command -v gcc)")" | cut -d: -f1)
check_match "info names the compiler and its version" \
	"^compiler: .*gcc.*$(gcc -dumpfullversion)" "$info"
check_match "info names the compiler's package $gccpkg and its version" \
	"package: +compiler +$gccpkg $(re "$(dpkg-query -W -f='${Version}' "$gccpkg")")" \
	"$info"
check_match "info names libc6-dev and its version (libc headers)" \
	"libc headers +libc6-dev $(re "$(dpkg-query -W -f='${Version}' libc6-dev)")" \
	"$info"
check_match "info names the package of libc.so.6" \
	"package: +libc.so.6 +libc6 $(re "$(dpkg-query -W -f='${Version}' libc6:amd64)")" \
	"$info"
check_match "info shows the build command" \
	"^build command: make CC=gcc CFLAGS=-O2 -g" "$info"
check_match "info shows each object's compile command" \
	"^object: +calc.o: gcc -O2 -g -pthread -c -o calc.o calc.c" "$info"
js=$(suture info --json "$WORK/elsewhere.sut")
check_eq "info --json: the packages in the build record" libc6-dev \
	"$(json_get "$js" '(grep { $_->{for} eq "libc headers" }
		@{$j->{build}{packages}})[0]{package}')"
check_eq "info --json: one object entry per linked object" 3 \
	"$(json_get "$js" 'scalar @{$j->{build}{objects}}')"

section "same: the same inputs give the same patch file"
# A change that uses __DATE__ and __TIME__: their expansion must not
# depend on when suture build runs.
cp -r "$SRC" "$WORK/stamped"
sed -i 's/"hello, %s"/"hello at " __DATE__ " " __TIME__ ", %s"/' \
	"$WORK/stamped/calc.c"
(cd "$WORK" && diff -u --label a/calc.c --label b/calc.c calc/calc.c \
	stamped/calc.c) >"$WORK/stamp.diff"
check_match "the stamp diff changes greet" "__TIME__" "$(cat "$WORK/stamp.diff")"
for i in 1 2; do
	mkdir -p "$WORK/tmp$i"
	[ "$i" = 2 ] && sleep 1.1
	check "build $i with TMPDIR=tmp$i" env TMPDIR="$WORK/tmp$i" \
		"$SUTURE" build --src "$SRC" --patch "$WORK/stamp.diff" \
		--binary calc -o "$WORK/same$i.sut" -- make "${FLAGS[@]}"
done
check "the two patch files are byte-identical" \
	cmp "$WORK/same1.sut" "$WORK/same2.sut"
check_nomatch "no scratch directory in the patch file" "suture-build\\.|tmp[12]" \
	"$(strings "$WORK/same1.sut")"
host=$(hostname)
check_nomatch "no host name in the patch file" "\\b$host\\b" \
	"$(strings "$WORK/same1.sut")"
check_nomatch "no build time in the patch file" \
	"$(date +%H:%M)|$(date -d '-1 min' +%H:%M)" "$(strings "$WORK/same1.sut")"

section "root: builds pinned in a Debian 12 root file system"
. "$TESTS/root.sh"
if test_root RFS; then
	R=$WORK/rooted
	make_tree calc "$R"
	check "calc built inside the root (scripts/inroot)" \
		sh -c "cd '$R' && '$ROOT/scripts/inroot' '$RFS' make CC=gcc 'CFLAGS=-O2 -g'"
	start_target RT "$R/calc" || finish
	check "a patch built with --root in the same root: accepted" \
		suture build --root "$RFS" --src "$R" --patch \
		"$TARGETS/calc/fix.diff" --binary calc -o "$WORK/rooted.sut" \
		-- make CC=gcc "CFLAGS=-O2 -g"
	check_match "  ... its record names the root" "built in root: $RFS" \
		"$(suture info "$WORK/rooted.sut")"
	check "  ... and it applies" suture apply "$RT_PID" "$WORK/rooted.sut"
	check_feature "$RT_PORT" fix new "rooted applied"
	run suture build --src "$R" --patch "$TARGETS/calc/fix.diff" \
		--binary calc -o "$WORK/host.sut" -- make CC=clang "CFLAGS=-O2 -g"
	check_ne "the same patch on the host with clang: refused" 0 "$RC"
	check_match "  ... by the match check" "does not match" "$OUT"
	run suture build --root "$RFS" --src "$R" --patch \
		"$TARGETS/calc/fix.diff" --binary calc -o "$WORK/noclang.sut" \
		-- make CC=clang "CFLAGS=-O2 -g"
	check_ne "the host's clang is not visible in the root" 0 "$RC"
	run suture build --root "$WORK/no-root" --src "$R" --patch \
		"$TARGETS/calc/fix.diff" --binary calc -- make
	check_ne "--root of a missing directory: refused" 0 "$RC"
	check_match "  ... naming it" "no-root" "$OUT"
	stop_target "$RT_PID"
fi
finish
