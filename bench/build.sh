# build.sh - how long `suture build` takes against a plain clean build
# (issue 6, item 4), on the real program of the test suite: mosquitto
# (tests/real/README.md), fetched with scripts/debsrc (downloads cached in
# /var/cache/suture/debian-sources).
#
# The original is CVE-2023-0809's "before" tree.  First patch: that fix;
# second patch for the same original: the CVE-2023-28366 fix (its diff
# applies to this tree with line offsets).  Per run: a fresh copy of the
# original is built as a user would (the plain clean build, timed), then
# suture builds the two patches from it, one after the other.  The build
# cache (README, "The build cache") is emptied at the start of every run,
# so the first patch finds nothing in it and the second finds what the
# first left.  28366 changes a header that 75 of the broker's files
# include, which must all compile again; so each run then empties the
# cache once more and builds the two patches in the other order (28366
# first, 0809 second: a diff of one .c file, the case where almost every
# object comes from the cache).

MQ_MAKE=(make -j2 WITH_TLS=no WITH_CJSON=no WITH_DOCS=no WITH_WEBSOCKETS=no
	WITH_SRV=no "CFLAGS=-Wall -g -O2 -Wconversion -Wextra")

# mq_fetch - $WORK/mq/{0809,28366}/ with before/ and fix.diff.
mq_fetch() {
	local fix
	for fix in 0809 28366; do
		[ -s "$WORK/mq/$fix/fix.diff" ] && continue
		timeout 600 "$ROOT/scripts/debsrc" mosquitto \
			"CVE-2023-$fix.patch" "$WORK/mq/$fix" >/dev/null 2>&1 ||
			return 1
	done
}

# timed_s ID CMD... - run CMD (output discarded), sample its seconds.
timed_s() {
	local id=$1 t0 t1
	shift
	t0=$(now_us)
	"$@" >/dev/null 2>&1 || { echo "# failed: $*"; return 1; }
	t1=$(now_us)
	sample "$id" "$(perl -e "printf '%.2f', ($t1 - $t0) / 1e6")"
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

bench_build() {
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
