# build.sh - how long `suture build` takes against a plain clean build
# (issue 6, item 4; issue 11, "Speed and feedback"), on real programs
# fetched with scripts/debsrc (downloads cached in
# /var/cache/suture/debian-sources): mosquitto (tests/real/README.md) and,
# when its source can be fetched, redis.
#
# mosquitto: the original is CVE-2023-0809's "before" tree.  First patch:
# that fix; second patch for the same original: the CVE-2023-28366 fix
# (its diff applies to this tree with line offsets).  Per run: a fresh copy
# of the original is built as a user would (the plain clean build, timed),
# then suture builds the two patches from it, one after the other.  The
# build cache (README, "The build cache") is emptied at the start of every
# run, so the first patch finds nothing in it (it costs one build of the
# original plus the compiles the diff changes: the target is 1.3x the
# plain build) and the second finds what the first left.  28366 changes a
# header that 75 of the broker's files include, which must all compile
# again; so each run then empties the cache once more and builds the two
# patches in the other order (28366 first, 0809 second: a diff of one .c
# file, the case where almost every object comes from the cache).
#
# Every figure has a twin ID.cpu: the CPU time (user + system, children
# included) of the same command.  On a machine shared with other work the
# wall-clock ratio moves with the load; the CPU ratio much less.

MQ_MAKE=(make -j2 WITH_TLS=no WITH_CJSON=no WITH_DOCS=no WITH_WEBSOCKETS=no
	WITH_SRV=no "CFLAGS=-Wall -g -O2 -Wconversion -Wextra")

# mq_fetch - $WORK/mq/{0809,28366}/ with before/ and fix.diff.
mq_fetch() {
	local fix
	for fix in 0809 28366; do
		[ -s "$WORK/mq/$fix/fix.diff" ] && continue
		timeout 600 "$ROOT/scripts/debsrc" mosquitto "$WORK/mq/$fix" \
			"CVE-2023-$fix.patch" >/dev/null 2>&1 ||
			return 1
	done
}

# timed_s ID CMD... - run CMD (output discarded), sample its seconds as
# ID and its CPU seconds as ID.cpu.
timed_s() {
	local id=$1 TIMEFORMAT='%R %U %S' t wall user sys
	shift
	t=$({ time "$@" >/dev/null 2>&1; } 2>&1) ||
		{ echo "# failed: $*"; return 1; }
	read -r wall user sys <<<"$t"
	sample "$id" "$wall"
	sample "$id.cpu" "$(perl -e "printf '%.2f', $user + $sys")"
}

# mq_patch OUT DIFF - suture build of DIFF against the built original,
# with the cache in $WORK/mq/cache.
mq_patch() {
	"$SUTURE" build --src "$WORK/mq/orig" --patch "$2" \
		--cache-dir "$WORK/mq/cache" --binary src/mosquitto -o "$1" \
		-- "${MQ_MAKE[@]}"
}

# mq_pair FIRST SECOND ID - empty the cache, build the patches FIRST then
# SECOND (0809 or 28366), as figures ID.first and ID.second.
mq_pair() {
	rm -rf "$WORK/mq/cache"
	timed_s "$3.first" mq_patch "$WORK/mq/$1.sut" \
		"$WORK/mq/$1/fix.diff" &&
		timed_s "$3.second" mq_patch "$WORK/mq/$2.sut" \
			"$WORK/mq/$2/fix.diff"
}

bench_build_mosquitto() {
	local i
	mq_fetch || { echo "# mosquitto source not available: no build figures"; return; }
	for ((i = 0; i < BUILD_RUNS; i++)); do
		rm -rf "$WORK/mq/orig"
		cp -a "$WORK/mq/0809/before" "$WORK/mq/orig"
		timed_s build.plain make -C "$WORK/mq/orig" "${MQ_MAKE[@]:1}" ||
			return
		mq_pair 0809 28366 build || return
		mq_pair 28366 0809 build.swap || return
	done
	rm -rf "$WORK/mq/cache"
}

# redis as issue 11 builds it (Debian 12's source, system jemalloc, TLS);
# the fix: CVE-2025-32023 (src/hyperloglog.c).  Its release.h holds the
# build's time (unless SOURCE_DATE_EPOCH is set: suture sets 0 when it is
# not) and the commit of any git repository around the tree (here
# suture's own): both pinned, or the rebuilt original never matches.
RD_MAKE=(env SOURCE_DATE_EPOCH=0 GIT_DIR=/nonexistent make -j2
	USE_SYSTEM_JEMALLOC=yes BUILD_TLS=yes)
RD_FIX=CVE-2025-32023

# rd_patch - the first patch for redis, with an empty cache.  The source is
# a pristine copy at the path the plain build ran in (so __FILE__ and the
# prefix map agree), the running binary the plain build's: what is timed
# is the build, whatever state the user's tree is in.
rd_patch() {
	rm -rf "$WORK/rd/cache"
	"$SUTURE" build --src "$WORK/rd/orig" --patch "$WORK/rd/fix/fix.diff" \
		--target "$WORK/rd/built/src/redis-server" \
		--cache-dir "$WORK/rd/cache" --binary src/redis-server \
		-o "$WORK/rd/fix.sut" -- "${RD_MAKE[@]}"
}

# The plain build, then the first patch, as build.redis.plain and
# build.redis.first (and their .cpu twins).
bench_build_redis() {
	local i
	if ! [ -s "$WORK/rd/fix/fix.diff" ] &&
		! timeout 600 "$ROOT/scripts/debsrc" redis "$WORK/rd/fix" \
			"$RD_FIX" >/dev/null 2>&1; then
		echo "# redis source not available: no redis build figures"
		return
	fi
	for ((i = 0; i < BUILD_RUNS; i++)); do
		rm -rf "$WORK/rd/orig" "$WORK/rd/built"
		cp -a "$WORK/rd/fix/before" "$WORK/rd/orig"
		timed_s build.redis.plain "${RD_MAKE[@]}" -C "$WORK/rd/orig" ||
			return
		mv "$WORK/rd/orig" "$WORK/rd/built"
		cp -a "$WORK/rd/fix/before" "$WORK/rd/orig"
		timed_s build.redis.first rd_patch || return
	done
	rm -rf "$WORK/rd/cache" "$WORK/rd/orig" "$WORK/rd/built"
}

# BENCH_BUILD_PROGRAMS: which programs (default "mosquitto redis").
bench_build() {
	local p
	for p in ${BENCH_BUILD_PROGRAMS:-mosquitto redis}; do
		"bench_build_$p"
	done
}
