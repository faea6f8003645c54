#!/usr/bin/env bash
# expat.sh - live-patch an autotools/libtool library built in its own source
# tree: Debian's expat (bookworm, 2.5.0-1+deb12uN), `./buildconf.sh &&
# ./configure && make` in place, with a real security fix from its
# debian/patches.  See tests/real/README.md.
#
# The fix: CVE-2024-45490.patch.  XML_ParseBuffer() accepted a negative
# length; fixed, it fails with XML_ERROR_INVALID_ARGUMENT.  One function of
# lib/xmlparse.c.
#
# A tree built in place by libtool holds .lo and .la files (text, naming
# the objects in .libs/) next to the objects.  suture's copies leave all of
# them out as build products, so make rebuilds the library; if the .lo/.la
# were copied without their objects, make would take them as up to date and
# the link would fail on a missing ../lib/.libs/libexpat.so.
#
# Two builds from the same tree:
#  1. the shared library lib/.libs/libexpat.so.1.8.10, patched into a
#     running process that uses it (a small program of this test that calls
#     XML_ParseBuffer(parser, -1, XML_FALSE) for every line it reads): the
#     call is accepted unpatched, rejected patched, accepted again after
#     revert;
#  2. expat's own test program tests/runtests (the library code is linked
#     into it), started held in a constructor before main (gate-shim.c, an
#     LD_PRELOAD library that waits on a FIFO), patched there, released: it
#     must pass all its checks with the patched code.
#
# The source and the built tree are kept in $SUTURE_TEST_CACHE/expat
# (default /var/cache/suture-tests/expat).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
# shellcheck source=gated.bash
source "$HERE/gated.bash"

begin real-expat

FIX=CVE-2024-45490
BUILD_LIB=(make -C expat -j2)
BUILD_TESTS=(sh -c 'make -C expat -j2 && make -C expat/tests -j2 runtests')

# prepare: the source fetched and built in place, once.  (scripts/debsrc
# takes the newest version the mirror serves: it may lag the index.)
prepare() {
	local t0=$SECONDS
	if [ -f "$CACHE/built" ]; then
		pass "source tree built in place, from the cache ($CACHE)"
		return 0
	fi
	rm -rf "$CACHE/src"
	debsrc_fetch expat "$CACHE/src" "$FIX" || return 1
	run sh -c "cd '$CACHE/src/before/expat' && ./buildconf.sh && ./configure && make -j2 && make -j2 -C tests runtests"
	if [ "$RC" -ne 0 ]; then
		fail "build expat in its source tree" "$OUT"
		return 1
	fi
	touch "$CACHE/built"
	pass "build expat in its source tree: ./buildconf.sh && ./configure && make, and tests/runtests ($((SECONDS - t0)) s)"
}

# The program that uses the library: one XML_ParseBuffer(-1) per line read.
write_negparse() {
	cat >"$WORK/negparse.c" <<'EOF'
#include <expat.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[64];

	while (fgets(line, sizeof(line), stdin)) {
		XML_Parser p = XML_ParserCreate(NULL);
		void *buf = XML_GetBuffer(p, 16);
		enum XML_Status s;

		memcpy(buf, "<a>", 3);
		s = XML_ParseBuffer(p, -1, XML_FALSE);
		if (s == XML_STATUS_ERROR)
			printf("rejected: %s\n",
			       XML_ErrorString(XML_GetErrorCode(p)));
		else
			printf("accepted\n");
		fflush(stdout);
		XML_ParserFree(p);
	}
	return 0;
}
EOF
	gcc -I "$EXPAT/lib" -o "$WORK/negparse" "$WORK/negparse.c" \
		-L "$EXPAT/lib/.libs" -lexpat
}

# sbuild NAME BINARY CMD...: suture build from the tree as built.
sbuild() {
	local name=$1 bin=$2 t0=$SECONDS s tree
	shift 2
	run suture build -v --keep --src "$CACHE/src/before" --patch "$CACHE/src/fix.diff" \
		--binary "$bin" --name "$name" -o "$WORK/$name.sut" -- "$@"
	printf '%s\n' "$OUT" >"$WORK/$name.out"
	s=$(kept_scratch "$OUT")
	if [ "$RC" -ne 0 ]; then
		fail "suture build --binary $bin ($((SECONDS - t0)) s)" "$OUT"
		[ -n "$s" ] && rm -rf "$s"
		return 1
	fi
	pass "suture build --binary $bin ($((SECONDS - t0)) s)"
	check_match "the builder lists XML_ParseBuffer as changed" \
		'^XML_ParseBuffer$' "$(listed "$OUT" "changed functions:")"
	check_match "the original's objects were read" \
		'orig: [1-9][0-9]* objects' "$OUT"
	# objects.c prints that for every build.  That the copies built
	# libtool's objects again (their .lo/.la were left out with them) shows
	# in each tree's wrapper log: xmltok.c is not in the diff, only its
	# missing object makes make compile it in the patched copy.  An
	# original restored from the build cache built nothing.
	for tree in orig patched; do
		if [ "$tree" = orig ] &&
			grep -q '^suture build: orig: restored from the build cache' <<<"$OUT"; then
			continue
		fi
		check_eq "$tree: libtool's objects were built again (xmlparse.c and xmltok.c compiled)" \
			"xmlparse.c xmltok.c" \
			"$(cc_outcomes "$s" "$tree" |
				sed -n 's#^\(.*/\)\{0,1\}\(xml\(parse\|tok\)\.c\):.*#\2#p' | sort -u | xargs)"
	done
	rm -rf "$s"
}

real_suture
for dep in autoreconf aclocal libtoolize; do
	command -v "$dep" >/dev/null || fail "$dep is installed (scripts/install-deps: autoconf automake libtool)"
done
[ "$FAILED" -eq 0 ] || finish

real_cache expat
prepare || finish
EXPAT=$CACHE/src/before/expat
LIB=$(readlink "$EXPAT/lib/.libs/libexpat.so.1")
write_negparse || { fail "compile the test's program"; finish; }
gate_build || finish

section "the shared library in a running process"
lines_start NP env LD_LIBRARY_PATH="$EXPAT/lib/.libs" "$WORK/negparse"
PID=$NP_PID
# Asked first: once it answers, env has become negparse.
check_eq "unpatched: XML_ParseBuffer accepts a negative length" accepted "$(lines_ask NP x)"
check_eq "the program uses the tree's library" "$EXPAT/lib/.libs/$LIB" \
	"$(awk '$6 ~ /libexpat/ { print $6; exit }' "/proc/$PID/maps")"
sbuild lib "expat/lib/.libs/$LIB" "${BUILD_LIB[@]}" || finish
run suture apply "$PID" "$WORK/lib.sut"
check_eq "suture apply $PID lib.sut: $(head -n 1 <<<"$OUT")" 0 "$RC"
check_eq "live-patched: XML_ParseBuffer rejects a negative length" \
	"rejected: invalid argument" "$(lines_ask NP x)"
check_status "$PID" "live-patched" lib
run suture revert "$PID"
check_eq "suture revert $PID" 0 "$RC"
check_eq "reverted: XML_ParseBuffer accepts a negative length again" accepted "$(lines_ask NP x)"
exec {NP_FD}>&-
stop_target "$PID"

section "expat's own test program, patched before main"
sbuild runtests expat/tests/runtests "${BUILD_TESTS[@]}" || finish
gated_test "$EXPAT/tests" "$WORK/runtests.sut" runtests "$EXPAT/tests/runtests" \
	'^100%: Checks: [0-9]+, Failed: 0$'
finish
