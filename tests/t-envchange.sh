#!/bin/bash
# t-envchange.sh - what lies outside the source tree changes between
# builds (README, "The build cache" and "Why the match matters"):
#   header    a header outside the tree (an -isystem directory, as a
#             package's) is upgraded after the first patch was built and
#             the program rebuilt: the next patch does not restore the
#             original built against the old header, and is byte-identical
#             to the one built with --no-cache (the fixed function and its
#             caller, not the one printing the header's version string)
#   shadow    the same when a header appears in an include directory
#             searched before the one that had it
#   library   the same for a static library outside the tree the program
#             links
#   tool      the same, and a miss of the object cache, when a program the
#             compiler runs (as) is replaced by another one
#   during    a header that changes while the original is being built:
#             the original is not kept
#   match     the running binary was built against the old header and the
#             rebuild sees the new one: the build is refused, naming the
#             function and both strings; the same for a variable whose size
#             the header sets and for a constant table it fills; a string
#             that differs only in its __DATE__ and __TIME__ is accepted,
#             with a warning
. "$(dirname "$0")/lib.sh"
begin envchange

# The "system" directory: a unique one outside the worktree, removed at
# exit whatever happens.
SYS=$(mktemp -d /tmp/suture-envchange.XXXXXX)
trap 'cleanup; rm -rf "$SYS"' EXIT
# $SYS/bin comes first on PATH and holds nothing, at first.
mkdir -p "$SYS/bin"
export PATH="$SYS/bin:$PATH"
export SUTURE_CACHE_DIR=$WORK/cache
SRC=$WORK/envtest
# $SYS/over comes first in the search path and holds nothing, at first.
FLAGS=(CC=gcc "CFLAGS=-O2 -g -isystem $SYS/over -isystem $SYS/include"
	"LDFLAGS=-L$SYS/lib")

# header VERSION BUFSIZE [LEVELS] - install the "package" header.
header() {
	mkdir -p "$SYS/include/envtest"
	cat >"$SYS/include/envtest/version.h" <<EOT
#define ENVTEST_VERSION "envtest $1 (built for the suture tests)"
#define ENVTEST_BUFSIZE $2
#define ENVTEST_LEVELS ${3:-10, 20, 30, 40}
EOT
}

# library VERSION - build and install the "package" library.
library() {
	mkdir -p "$SYS/lib" "$SYS/libsrc"
	printf 'const char *envlib_version(void) { return "envlib %s"; }\n' \
		"$1" >"$SYS/libsrc/envlib.c"
	gcc -O2 -c -o "$SYS/libsrc/envlib.o" "$SYS/libsrc/envlib.c" &&
		rm -f "$SYS/lib/libenvlib.a" &&
		ar rcs "$SYS/lib/libenvlib.a" "$SYS/libsrc/envlib.o"
}

mkdir -p "$SRC"
cat >"$SRC/Makefile" <<'EOT'
envtest: main.o util.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ main.o util.o -lenvlib
	$(if $(TOUCH),touch $(TOUCH))
%.o: %.c
	$(CC) $(CFLAGS) -c -o $@ $<
clean:
	rm -f envtest *.o
EOT
cat >"$SRC/util.c" <<'EOT'
/* A file no diff changes: its object can come from the cache. */
int twice(int n)
{
	return 2 * n;
}
EOT
cat >"$SRC/main.c" <<'EOT'
#include <stdio.h>
#include <envtest/version.h>

const char *envlib_version(void);
int twice(int n);
char envtest_buf[ENVTEST_BUFSIZE];

/* Never changed by a diff: prints the header's version string. */
__attribute__((noinline)) void banner(void)
{
	puts(ENVTEST_VERSION);
}

/* Never changed either: its code does not show the buffer's size. */
__attribute__((noinline)) char *buffer(void)
{
	return envtest_buf;
}

/* Never changed either: the build's date, which the rebuild expands
 * at SOURCE_DATE_EPOCH. */
__attribute__((noinline)) const char *built(void)
{
	return "built " __DATE__ " at " __TIME__;
}

/* Never changed either: a constant table the header fills. */
__attribute__((noinline)) int level(int i)
{
	static const int levels[] = {ENVTEST_LEVELS};

	return levels[i & 3];
}

/* fix.diff changes this one. */
__attribute__((noinline)) int answer(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += i * 2;
	return s;
}

int main(int argc, char **argv)
{
	banner();
	puts(built());
	snprintf(buffer(), 8, "%d", argc);
	printf("%d %s %s\n", twice(answer(argc) + level(argc)), buffer(),
	       envlib_version());
	return 0;
}
EOT
sed 's/s += i \* 2;/s += i * 3;/' "$SRC/main.c" >"$WORK/main-fixed.c"
diff -u --label a/main.c --label b/main.c "$SRC/main.c" "$WORK/main-fixed.c" \
	>"$WORK/fix.diff"

# sb NAME [OPTIONS...] - suture build -v --keep of fix.diff into
# $WORK/NAME.sut; output in $OUT, status in $RC, scratch dir in $KEPT.
sb() {
	local name=$1
	shift
	rm -f "$WORK/$name.sut"
	run "$SUTURE" build -v --keep --src "$SRC" --patch "$WORK/fix.diff" \
		--binary envtest "$@" -o "$WORK/$name.sut" -- make "${FLAGS[@]}"
	KEPT=$(kept_scratch "$OUT")
	[ -n "$KEPT" ] && ALL_KEPT+=("$KEPT")
}
ALL_KEPT=()

# changed - the functions the last build's report lists as changed.
changed() {
	listed "$OUT" "changed functions:" | sort -u | xargs
}

# outcomes TREE... - the wrapper's cache outcome of util.c's compiles in
# TREEs (orig, patched) of the last build (hit, miss), sorted.
outcomes() {
	cc_outcomes "$KEPT" "$@" | sed -n 's/^\(.*\/\)\{0,1\}util\.c://p' | sort | xargs
}

# rebuild - build the program again from scratch (a new release).
rebuild() {
	make -C "$SRC" clean >/dev/null && build_tree "$SRC" "${FLAGS[@]}"
}

header 1.0.20 64
library 1
build_tree "$SRC" "${FLAGS[@]}" || finish
check_eq "the program runs and prints the header's version" \
	"envtest 1.0.20 (built for the suture tests)" \
	"$("$SRC/envtest" | head -n 1)"

section "header: upgraded between two patch builds"
sb first
check_eq "suture build fix.diff with an empty cache" 0 "$RC"
# main calls answer: GCC's interprocedural register allocation makes a
# caller's code depend on its callee's, so main changes too; banner does
# not.
check_eq "  ... the patch changes answer and its caller" "answer main" \
	"$(changed)"
header 1.0.22 64
rebuild
check_eq "the program, rebuilt after the upgrade, prints the new version" \
	"envtest 1.0.22 (built for the suture tests)" \
	"$("$SRC/envtest" | head -n 1)"
sb second
check_eq "suture build fix.diff for it, with the cache the first left" \
	0 "$RC"
check_match "  ... the cached original is not used: the header changed" \
	"orig: in the build cache .* but built with $SYS/include/envtest/version\\.h, which changed since" \
	"$OUT"
check_nomatch "  ... it is not restored" "orig: restored from" "$OUT"
# Only a tree that was built reports its compiles.
check_match "  ... the original was compiled again" \
	"orig: [1-9][0-9]* compiles" "$OUT"
check_eq "  ... the patch changes answer and its caller (not banner)" \
	"answer main" "$(changed)"
sb second-nc --no-cache
check_eq "the same patch built with --no-cache" 0 "$RC"
check "  ... is byte-identical to the one built with the cache" \
	cmp "$WORK/second.sut" "$WORK/second-nc.sut"
sb third
check_match "the next build restores the original built against the new header" \
	"orig: restored from the build cache" "$OUT"
check "  ... and its patch is byte-identical too" \
	cmp "$WORK/third.sut" "$WORK/second-nc.sut"

section "shadow: a header appears earlier in the search path"
mkdir -p "$SYS/over/envtest"
sed 's/1\.0\.22/1.0.99/' "$SYS/include/envtest/version.h" \
	>"$SYS/over/envtest/version.h"
rebuild
check_eq "the program, rebuilt, prints the version of the new header" \
	"envtest 1.0.99 (built for the suture tests)" \
	"$("$SRC/envtest" | head -n 1)"
sb shadow
check_eq "suture build fix.diff for it" 0 "$RC"
check_match "  ... the cached original is not used: a header would now be found first" \
	"built with $SYS/over/envtest/version\\.h, which changed since" "$OUT"
sb shadow-nc --no-cache
check "  ... the patch is byte-identical to --no-cache" \
	cmp "$WORK/shadow.sut" "$WORK/shadow-nc.sut"
rm -rf "$SYS/over/envtest"
rebuild
sb back
check_match "the header removed again: the original is built again as well" \
	"built with $SYS/over/envtest/version\\.h, which changed since" "$OUT"

section "library: a static library outside the tree upgraded"
library 2
rebuild
check_eq "the program, relinked, prints the new library version" \
	"envlib 2" "$("$SRC/envtest" | sed -n '3s/^[0-9]* [0-9]* //p')"
sb lib
check_eq "suture build fix.diff after the library changed" 0 "$RC"
check_match "  ... the cached original is not used: the library changed" \
	"built with $SYS/lib/libenvlib\\.a, which changed since" "$OUT"
sb lib-nc --no-cache
check "  ... the patch is byte-identical to --no-cache" \
	cmp "$WORK/lib.sut" "$WORK/lib-nc.sut"

section "tool: a program the compiler driver runs appears first on PATH"
sb tool-before
check_match "with nothing changed, the next build restores the original" \
	"orig: restored from the build cache" "$OUT"
check_eq "  ... and takes util.c's object from the cache" "hit" \
	"$(outcomes patched)"
printf '#!/bin/sh\nexec /usr/bin/as "$@"\n' >"$SYS/bin/as"
chmod +x "$SYS/bin/as"
sb tool
check_eq "suture build after an assembler appeared first on PATH" 0 "$RC"
check_match "  ... the cached original is not used: gcc would run another as" \
	"built with $SYS/bin/as, which changed since" "$OUT"
# The trees build at the same time: the one that compiles util.c second
# may find the object the first stored.  A restored tree's log is an old
# build's.
built=(patched)
grep -q "orig: restored" <<<"$OUT" || built+=(orig)
check_match "  ... util.c's object is not taken from the cache either" \
	"miss" "$(outcomes "${built[@]}")"
sb tool-nc --no-cache
check "  ... the patch is byte-identical to --no-cache" \
	cmp "$WORK/tool.sut" "$WORK/tool-nc.sut"

section "during: a header changes while the original is being built"
FLAGS+=("TOUCH=$SYS/include/envtest/version.h")
sb during
check_eq "suture build, with a build that touches the header after compiling" \
	0 "$RC"
check_match "  ... the original is not kept: its objects may have read either" \
	"warning: the original was not stored in the build cache: $SYS/include/envtest/version\\.h changed while the original was being built" \
	"$OUT"
unset 'FLAGS[-1]'

section "match: the binary was built against the old header"
header 1.0.23 64
sb stale-string --no-cache
check_ne "suture build for a binary built with 1.0.22, the tree now sees 1.0.23: refused" \
	0 "$RC"
check_match "  ... naming the function and both strings" \
	'banner refers to "envtest 1\.0\.23 \(built for the suture tes \.\.\." in the rebuild but "envtest 1\.0\.22 \(built for the suture tes \.\.\." in the target' \
	"$OUT"
check_match "  ... and the likely cause" \
	"likely cause: a header or library outside the tree changed" "$OUT"
check_nomatch "  ... no patch written" "." "$(ls "$WORK/stale-string.sut" 2>/dev/null)"
sb stale-cached
check_ne "  ... with the cache as well" 0 "$RC"
check_match "  ... for the same reason" \
	'banner refers to "envtest 1\.0\.23' "$OUT"
header 1.0.22 32
sb stale-size --no-cache
check_ne "the header shrinks a buffer the binary was built with: refused" \
	0 "$RC"
check_match "  ... naming the function, the variable and both sizes" \
	"buffer refers to envtest_buf of 32 bytes in the rebuild but of 64 in the target" \
	"$OUT"
header 1.0.22 64 "10, 20, 35, 40"
sb stale-table --no-cache
check_ne "the header changes a constant table the binary was built with: refused" \
	0 "$RC"
check_match "  ... naming the function, the table and both contents" \
	"level refers to levels[.0-9]* holding \\{0a 00 00 00 14 00 00 00 23 00 00 00 28 00 00 00\\} in the rebuild but levels[.0-9]* holding \\{0a 00 00 00 14 00 00 00 1e 00 00 00 28 00 00 00\\} in the target" \
	"$OUT"
header 1.0.22 64
sb same --no-cache
check_eq "the header as the binary's build saw it: accepted" 0 "$RC"
check_match "  ... having compared the data the functions refer to" \
	"checked [0-9]+ functions and [1-9][0-9]* references to data" "$OUT"
check_match "  ... but for the __DATE__ and __TIME__ string, with a warning" \
	"warning: 1 strings the code refers to differ from the target's only in __DATE__ or __TIME__" \
	"$OUT"
rm -rf "${ALL_KEPT[@]}"
finish
