# common.bash - the preamble every tests/real script shares (sourced after
# ../lib.sh, after `begin`).

# real_suture: one suture binary for the whole run (a `make` elsewhere may
# relink build/suture while a real test runs for minutes): copy $SUTURE into
# $WORK and use the copy.  Ends the script if there is none.
real_suture() {
	if [ ! -x "$SUTURE" ]; then
		fail "$SUTURE exists (run make first)"
		finish
	fi
	cp "$SUTURE" "$WORK/suture" && SUTURE=$WORK/suture
}

# real_cache NAME: $SUTURE_TEST_CACHE/NAME (default /var/cache/suture-tests),
# where a test keeps a tree it built once, created and locked for this run
# (two runs at once would build into it together); sets CACHE.  Ends the
# script if it cannot be written.
real_cache() {
	CACHE=${SUTURE_TEST_CACHE:-/var/cache/suture-tests}/$1
	if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
		fail "$CACHE can be written (set SUTURE_TEST_CACHE to a writable directory)"
		finish
	fi
	exec {CACHE_LOCK}>"$CACHE.lock"
	flock "$CACHE_LOCK"
}

# debsrc_fetch PKG DIR [PATCH]: scripts/debsrc PKG DIR [PATCH] (DIR/before,
# DIR/after, DIR/fix.diff), counted as a check that names the version it
# got.  Returns 1 (after counting a failure) if the source cannot be had.
debsrc_fetch() {
	local what="fetch $1 from Debian's archive${3:+ with $3}"
	run timeout 600 "$ROOT/scripts/debsrc" "$@"
	if [ "$RC" -ne 0 ]; then
		fail "$what (scripts/debsrc)" "$OUT"
		return 1
	fi
	pass "$what: $(awk '/^version:/ {print $2}' "$2/INFO")${3:+, before/after}"
}
