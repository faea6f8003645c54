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
#     into it), started held in a constructor before main (an LD_PRELOAD
#     shim of this test that waits on a FIFO), patched there, released: it
#     must pass all its checks with the patched code.
#
# The source and the built tree are kept in $SUTURE_TEST_CACHE/expat
# (default /var/cache/suture-tests/expat).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

begin real-expat

FIX=CVE-2024-45490
CACHE=${SUTURE_TEST_CACHE:-/var/cache/suture-tests}/expat
BUILD_LIB=(make -C expat -j2)
BUILD_TESTS=(sh -c 'make -C expat -j2 && make -C expat/tests -j2 runtests')

# fetch: $CACHE/src/{before,after,fix.diff}.  The newest version the index
# lists first; a mirror may not serve it yet (or any more), then the next.
fetch() {
	local v
	for v in $(apt-cache showsrc expat 2>/dev/null |
		awk '/^Package: / { ok = ($2 == "expat") } ok && /^Version: / { print $2 }' |
		sort -u | sort -r -V); do
		run timeout 600 "$ROOT/scripts/debsrc" -v "$v" expat "$CACHE/src" "$FIX"
		[ "$RC" -eq 0 ] && return 0
	done
	run timeout 600 "$ROOT/scripts/debsrc" expat "$CACHE/src" "$FIX"
	[ "$RC" -eq 0 ]
}

# prepare: the source fetched and built in place, once.
prepare() {
	local t0=$SECONDS
	if [ -f "$CACHE/built" ]; then
		pass "source tree built in place, from the cache ($CACHE)"
		return 0
	fi
	rm -rf "$CACHE/src"
	if ! fetch; then
		fail "fetch expat with $FIX from Debian's archive (scripts/debsrc)" "$OUT"
		return 1
	fi
	pass "fetch expat $(awk '/^version:/ {print $2}' "$CACHE/src/INFO"), before/after $FIX"
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
	cat >"$WORK/gate.c" <<'EOF'
/* Hold the process in a constructor, before main, until a byte can be
 * read from the FIFO $GATE. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void wait_at_gate(void)
{
	const char *gate = getenv("GATE");
	char c;
	int fd = gate ? open(gate, O_RDONLY) : -1;

	if (fd >= 0) {
		(void)!read(fd, &c, 1);
		close(fd);
	}
}
EOF
	gcc -I "$EXPAT/lib" -o "$WORK/negparse" "$WORK/negparse.c" \
		-L "$EXPAT/lib/.libs" -lexpat &&
		gcc -shared -fPIC -o "$WORK/gate.so" "$WORK/gate.c"
}

# ask: one call in the running negparse; prints its answer.
ask() {
	local n i
	n=$(wc -l <"$WORK/np.out")
	echo >&"$NP_IN"
	for ((i = 0; i < 100; i++)); do
		[ "$(wc -l <"$WORK/np.out")" -gt "$n" ] && break
		sleep 0.1
	done
	tail -n 1 "$WORK/np.out"
}

# sbuild NAME BINARY CMD...: suture build from the tree as built.
sbuild() {
	local name=$1 bin=$2 t0=$SECONDS
	shift 2
	run suture build -v --src "$CACHE/src/before" --patch "$CACHE/src/fix.diff" \
		--binary "$bin" --name "$name" -o "$WORK/$name.sut" -- "$@"
	printf '%s\n' "$OUT" >"$WORK/$name.out"
	if [ "$RC" -ne 0 ]; then
		fail "suture build --binary $bin ($((SECONDS - t0)) s)" "$OUT"
		return 1
	fi
	pass "suture build --binary $bin ($((SECONDS - t0)) s)"
	check_match "the builder lists XML_ParseBuffer as changed" \
		'^  XML_ParseBuffer ' "$(printf '%s\n' "$OUT" | sed -n '/^changed functions:/,/^[^ ]/p')"
	check_match "both copies built libtool's objects again" \
		'orig: [1-9][0-9]* objects' "$OUT"
}

if [ ! -x "$SUTURE" ]; then
	fail "$SUTURE exists (run make first)"
	finish
fi
cp "$SUTURE" "$WORK/suture" && SUTURE=$WORK/suture
for dep in autoreconf aclocal libtoolize; do
	command -v "$dep" >/dev/null || fail "$dep is installed (scripts/install-deps: autoconf automake libtool)"
done
[ "$FAILED" -eq 0 ] || finish

if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
	fail "$CACHE can be written (set SUTURE_TEST_CACHE to a writable directory)"
	finish
fi
exec {LOCK}>"$CACHE.lock"
flock "$LOCK"
prepare || finish
EXPAT=$CACHE/src/before/expat
LIB=$(readlink "$EXPAT/lib/.libs/libexpat.so.1")
write_negparse || { fail "compile the test's program and shim"; finish; }

section "the shared library in a running process"
mkfifo "$WORK/np.in"
LD_LIBRARY_PATH=$EXPAT/lib/.libs "$WORK/negparse" <"$WORK/np.in" >"$WORK/np.out" &
PID=$!
PIDS+=("$PID")
exec {NP_IN}>"$WORK/np.in"
check_eq "the program uses the tree's library" "$EXPAT/lib/.libs/$LIB" \
	"$(awk '$6 ~ /libexpat/ { print $6; exit }' "/proc/$PID/maps")"
check_eq "unpatched: XML_ParseBuffer accepts a negative length" accepted "$(ask)"
sbuild lib "expat/lib/.libs/$LIB" "${BUILD_LIB[@]}" || finish
run suture apply "$PID" "$WORK/lib.sut"
check_eq "suture apply $PID lib.sut: $(head -n 1 <<<"$OUT")" 0 "$RC"
check_eq "live-patched: XML_ParseBuffer rejects a negative length" \
	"rejected: invalid argument" "$(ask)"
run suture revert "$PID"
check_eq "suture revert $PID" 0 "$RC"
check_eq "reverted: XML_ParseBuffer accepts a negative length again" accepted "$(ask)"
exec {NP_IN}>&-

section "expat's own test program, patched before main"
sbuild runtests expat/tests/runtests "${BUILD_TESTS[@]}" || finish
mkfifo "$WORK/gate"
(cd "$EXPAT/tests" && GATE=$WORK/gate LD_PRELOAD=$WORK/gate.so exec ./runtests) \
	>"$WORK/runtests.out" 2>&1 &
PID=$!
PIDS+=("$PID")
run suture apply "$PID" "$WORK/runtests.sut"
check_eq "suture apply $PID runtests.sut (held before main): $(head -n 1 <<<"$OUT")" 0 "$RC"
run suture status "$PID"
check_match "suture status lists the patch" runtests "$OUT"
echo go >"$WORK/gate"
wait "$PID"
RC=$?
check_eq "the patched runtests exits 0" 0 "$RC"
check_match "the patched runtests passes every check" \
	'^100%: Checks: [0-9]+, Failed: 0$' "$(cat "$WORK/runtests.out")"
finish
