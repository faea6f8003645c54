# root.sh - the Debian 12 root file system the --root tests build in
# (sourced after lib.sh).  Making one takes a minute or two and needs root
# and the network, so it is made once by scripts/mkroot and kept in
# $SUTURE_TEST_ROOT_CACHE (default /var/cache/suture-test-root), under a
# name that changes with the package list, so a changed list makes a new
# root and `make check` is fast from the second run on.

ROOT_PACKAGES="gcc make libc6-dev"

# test_root VAR - set VAR to the cached root, making it if needed; counts
# a failure and returns 1 if it cannot be had.
test_root() {
	local cache=${SUTURE_TEST_ROOT_CACHE:-/var/cache/suture-test-root}
	local key dir
	key=$(printf '%s\n' $ROOT_PACKAGES | sort | md5sum | cut -c1-12)
	dir=$cache/bookworm-$key
	mkdir -p "$cache" 2>/dev/null
	if [ ! -d "$dir" ]; then
		# Two runs at once make it once.
		(
			flock 9
			[ -d "$dir" ] || "$ROOT/scripts/mkroot" "$dir" $ROOT_PACKAGES
		) 9>"$cache/.lock" >"$WORK/mkroot.log" 2>&1
	fi
	if [ -x "$dir/bin/sh" ]; then
		pass "a Debian 12 root with $ROOT_PACKAGES ($dir)"
		printf -v "$1" '%s' "$dir"
		return 0
	fi
	fail "a Debian 12 root with $ROOT_PACKAGES (scripts/mkroot $dir)" \
		"$(tail -n 20 "$WORK/mkroot.log" 2>/dev/null)"
	return 1
}
