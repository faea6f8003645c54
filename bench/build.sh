# build.sh - how long `suture build` takes against a plain clean build
# (issue 6, item 4), on the real program of the test suite: mosquitto
# (tests/real/README.md), fetched with fetch-and-prepare.sh (downloads
# cached in ~/.cache/debian-sources).
#
# The original is CVE-2023-0809's "before" tree.  First patch: that fix;
# second patch for the same original: the CVE-2023-28366 fix (its diff
# applies to this tree with line offsets).  Per run: a fresh copy of the
# original is built as a user would (the plain clean build, timed), then
# suture builds the two patches from it, one after the other.

MQ_MAKE=(make -j2 WITH_TLS=no WITH_CJSON=no WITH_DOCS=no WITH_WEBSOCKETS=no
	WITH_SRV=no "CFLAGS=-Wall -g -O2 -Wconversion -Wextra")

# mq_fetch - $WORK/mq/{0809,28366}/ with before/ and before-after.diff.
mq_fetch() {
	local tool=/work/shared/tools/fetch-and-prepare.sh fix
	[ -x "$ROOT/../shared/tools/fetch-and-prepare.sh" ] &&
		tool=$ROOT/../shared/tools/fetch-and-prepare.sh
	for fix in 0809 28366; do
		[ -s "$WORK/mq/$fix/before-after.diff" ] && continue
		timeout 600 "${FETCH_PREPARE:-$tool}" -p -f mosquitto \
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

# mq_patch OUT DIFF - suture build of DIFF against the built original.
mq_patch() {
	"$SUTURE" build --src "$WORK/mq/orig" --patch "$2" \
		--binary src/mosquitto -o "$1" -- "${MQ_MAKE[@]}"
}

bench_build() {
	local i
	mq_fetch || { echo "# mosquitto source not available: no build figures"; return; }
	for ((i = 0; i < BUILD_RUNS; i++)); do
		rm -rf "$WORK/mq/orig"
		cp -a "$WORK/mq/0809/before" "$WORK/mq/orig"
		timed_s build.plain make -C "$WORK/mq/orig" "${MQ_MAKE[@]:1}" ||
			return
		timed_s build.first mq_patch "$WORK/mq/0809.sut" \
			"$WORK/mq/0809/before-after.diff"
		timed_s build.second mq_patch "$WORK/mq/28366.sut" \
			"$WORK/mq/28366/before-after.diff"
	done
}
