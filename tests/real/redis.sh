#!/usr/bin/env bash
# redis.sh - live-patch redis-server built in its own source tree, as a user
# builds it, with a real security fix from Debian's redis (bookworm,
# 5:7.0.15-1~deb12uN).  See tests/real/README.md.
#
# The fix: 0001-Limiting-output-buffer-for-unauthenticated-client-CV.patch
# (CVE-2025-21605).  An unauthenticated client that sends commands and
# never reads the replies makes the server buffer every -NOAUTH reply
# without limit; fixed, checkClientOutputBufferLimits() (src/networking.c)
# disconnects such a client once its output buffer passes 1 KiB.
#
# redis's Makefile compiles its bundled lua without -g, so the data check
# cannot see into those objects: --accept-no-debug (the report and the
# record name them).
#
# The tree is built in place with `make -j2 USE_SYSTEM_JEMALLOC=yes
# BUILD_TLS=yes`, which leaves stamp files (src/.make-prerequisites,
# deps/.make-*) saying the bundled dependencies (hiredis, lua,
# hdr_histogram) are built.  suture's copies leave the dependencies'
# archives out as build products, so a plain `suture build` fails at the
# link; the test checks that it says why and names --clean, then builds
# with --clean 'make distclean' (the one-step fix), applies the patch to
# the running server, shows the fix from a client (raw RESP over bash's
# /dev/tcp), runs redis's own test suite (a few units) against the patched
# server, reverts and shows the unfixed behaviour again.
#
# The source and the built tree are kept in $SUTURE_TEST_CACHE/redis
# (default /var/cache/suture-tests/redis); the running server and the test
# suite only read it (the server's files go to the work directory).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
# shellcheck source=common.bash
source "$HERE/common.bash"

begin real-redis

FIX=Limiting-output-buffer-for-unauthenticated-client
MAKEARGS=(-j2 USE_SYSTEM_JEMALLOC=yes BUILD_TLS=yes)
# Units of redis's own suite that run against an external server, touch
# the networking code the fix changes, and take seconds.
UNITS=(unit/protocol unit/replybufsize unit/info-command unit/keyspace
	unit/pubsub unit/type/string)

# prepare: $CACHE/src/before built in place, $CACHE/src/fix.diff.
prepare() {
	local t0=$SECONDS
	if [ -f "$CACHE/built" ]; then
		pass "source tree built in place, from the cache ($CACHE)"
		return 0
	fi
	rm -rf "$CACHE/src"
	debsrc_fetch redis "$CACHE/src" "$FIX" || return 1
	build_tree "$CACHE/src/before" "${MAKEARGS[@]}" || return 1
	touch "$CACHE/built"
	pass "build redis in its source tree: make ${MAKEARGS[*]} ($((SECONDS - t0)) s)"
}

# rcli ARGS...: redis-cli of the tree against the server, authenticated
# when a password is set.
rcli() {
	"$TREE/src/redis-cli" -h 127.0.0.1 -p "$PORT" ${PASS:+-a "$PASS" --no-auth-warning} "$@"
}

start_redis() {
	local i
	PORT=$(free_port) || { fail "find a free port"; return 1; }
	"$TREE/src/redis-server" --port "$PORT" --bind 127.0.0.1 --save '' \
		--appendonly no --enable-debug-command yes --dir "$WORK" \
		--logfile "$WORK/redis.log" &
	PID=$!
	PIDS+=("$PID")
	for ((i = 0; i < 100; i++)); do
		[ "$(rcli PING 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	fail "start redis-server" "$(cat "$WORK/redis.log")"
	return 1
}

# unauth_flood: with a password set, a client that never authenticates
# sends 1.5 million inline GETs and reads nothing.  Prints "open omem=N"
# (the server still holds the client, N bytes of replies buffered),
# "closed" (the server dropped it) or "error: ..." when CLIENT LIST gave no
# list of clients (it lists at least its own connection): an empty answer
# must not pass for "closed".
unauth_flood() {
	local fd list line
	PASS=
	rcli CONFIG SET requirepass suture-secret >/dev/null
	PASS=suture-secret
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	(yes 'GET x' | head -n 1500000 | sed 's/$/\r/' >&"$fd") 2>/dev/null
	sleep 1
	list=$(rcli CLIENT LIST 2>&1)
	exec {fd}>&-
	rcli CONFIG SET requirepass '' >/dev/null
	PASS=
	if [[ $list != id=* ]]; then
		echo "error: CLIENT LIST said: $(head -n 1 <<<"$list")"
		return
	fi
	line=$(grep ' cmd=get ' <<<"$list")
	if [ -n "$line" ]; then
		echo "open $(grep -o 'omem=[0-9]*' <<<"$line")"
	else
		echo closed
	fi
}

expect_unfixed() {
	local r
	r=$(unauth_flood)
	check "$1: an unauthenticated client that reads no replies stays connected, >= 1 MiB of replies buffered ($r)" \
		awk -v r="$r" 'BEGIN { split(r, a, "[ =]"); exit !(a[1] == "open" && a[3] >= 1048576) }'
}
expect_fixed() {
	check_eq "$1: an unauthenticated client that reads no replies is disconnected" \
		closed "$(unauth_flood)"
}

# runtests WHEN: redis's own tests (tests/ of the after/ tree, which the
# fix's diff also updates) against the running server.
runtests() {
	local t0=$SECONDS args=() u
	for u in "${UNITS[@]}"; do args+=(--single "$u"); done
	run sh -c "cd '$CACHE/src/after' && ./runtest --host 127.0.0.1 --port $PORT --clients 1 ${args[*]}"
	OUT=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$OUT")
	printf '%s\n' "$OUT" >"$WORK/runtest-$1.out"
	if [ "$RC" -eq 0 ] && grep -q 'All tests passed without errors' <<<"$OUT"; then
		pass "$1: redis's own tests pass against it (${UNITS[*]}; $(grep -c '^\[ok\]' <<<"$OUT") ok, $((SECONDS - t0)) s)"
	else
		fail "$1: redis's own tests (${UNITS[*]})" "$(grep -E '^\[(err|exception)\]|Killing|exception' <<<"$OUT" | head -20)
(see $WORK/runtest-$1.out, exit status $RC)"
	fi
}

real_suture
for dep in tclsh pkg-config; do
	command -v "$dep" >/dev/null || fail "$dep is installed (scripts/install-deps)"
done
[ -f /usr/include/jemalloc/jemalloc.h ] || fail "libjemalloc-dev is installed (scripts/install-deps)"
pkg-config --exists openssl || fail "libssl-dev is installed (scripts/install-deps)"
[ "$FAILED" -eq 0 ] || finish

real_cache redis
prepare || finish
TREE=$CACHE/src/before

start_redis || finish
expect_unfixed "unpatched"

section "suture build from the tree as it was built"
t0=$SECONDS
run suture build -v --src "$TREE" --patch "$CACHE/src/fix.diff" \
	--binary src/redis-server --name CVE-2025-21605 -o "$WORK/fix.sut" \
	--clean 'make distclean' --accept-no-debug -- make "${MAKEARGS[@]}"
printf '%s\n' "$OUT" >"$WORK/build.out"
if [ "$RC" -ne 0 ]; then
	fail "suture build --clean 'make distclean' --accept-no-debug ($((SECONDS - t0)) s)" "$OUT"
	finish
fi
pass "suture build --clean 'make distclean' --accept-no-debug ($((SECONDS - t0)) s)"
check_eq "the builder finds exactly checkClientOutputBufferLimits changed" \
	checkClientOutputBufferLimits \
	"$(listed "$OUT" "changed functions:" | xargs)"
run suture info "$WORK/fix.sut" --json
check_eq "the build record names the clean step" "make distclean" \
	"$(json_get "$OUT" '$j->{build}{clean}')"

# Without --clean the stamp files say the dependencies are built, the copies
# have none of their archives, and the link fails: the error must say so.
# redis-cli links the same archives from far fewer objects than the server.
t0=$SECONDS
run suture build -v --src "$TREE" --patch "$CACHE/src/fix.diff" \
	--binary src/redis-cli -o "$WORK/noclean.sut" -- make "${MAKEARGS[@]}" redis-cli
printf '%s\n' "$OUT" >"$WORK/noclean.out"
check_match "without --clean the build fails naming the left-out archive and --clean ($((SECONDS - t0)) s)" \
	"deps/hiredis/libhiredis\.a was a build product in $TREE, left out of the copies; the build did not make it again: stamp files probably say it is built; name the clean step with --clean, e\.g\. --clean 'make distclean'" \
	"$OUT"

section "the running server"
runtests "unpatched"
run suture apply "$PID" "$WORK/fix.sut"
if [ "$RC" -ne 0 ]; then
	fail "suture apply $PID fix.sut" "$OUT"
	finish
fi
pass "suture apply $PID fix.sut: $(head -n 1 <<<"$OUT")"
check "redis-server still runs (same PID $PID)" alive "$PID"
expect_fixed "live-patched"
runtests "live-patched"
check_eq "live-patched: SET/GET still work" "v$PID" \
	"$(rcli SET k "v$PID" >/dev/null && rcli GET k)"

run suture revert "$PID"
check_eq "suture revert $PID" 0 "$RC"
expect_unfixed "reverted"
stop_target "$PID"
finish
