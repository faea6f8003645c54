# debfix.bash - the fix as a diff (for suture-deb).
#
# fix_diff: with --patch, that diff.  With --to VERSION, the patches that
# VERSION's debian/patches/series adds to the installed version's (--only:
# just the one named, exactly or by a unique part of its name), applied
# in series order to the installed version's tree: the diff of the result.
# Refused, naming the cause: another upstream tarball (the difference is
# then more than the series), an entry of both series whose patch changed,
# an entry VERSION dropped, no new entry.  Sets FIXDIFF and FIXDESC.
#
# fix_name: the patch's default name.

fix_diff() {
	if [ -n "$DIFF" ]; then
		FIXDIFF=$DIFF FIXDESC=$DIFF
		return 0
	fi
	local todir=$CACHE_TOP/$SRC/${TO//:/_} todsc entries
	todsc=$(VERSION=$TO cached_dsc)
	if [ -z "$todsc" ]; then
		"$HERE/debsrc" -v "$TO" "$SRC" "$todir/fetch" >&2 ||
			die "cannot fetch $SRC $TO from Debian's archive (scripts/debsrc says why, above)"
		rm -rf "$todir/fetch"
		todsc=$(VERSION=$TO cached_dsc)
	fi
	same_upstream "$DSC" "$todsc"
	rm -rf "$CACHE/to"
	dpkg-source --no-copy --skip-patches -x "$todsc" "$CACHE/to" >/dev/null 2>&1 ||
		die "dpkg-source cannot unpack $todsc"
	entries=$(new_entries "$CACHE/src" "$CACHE/to")
	[ -n "$entries" ] || die "$SRC $TO adds no patch to $VERSION's debian/patches/series: nothing to build"
	if [ -n "$ONLY" ]; then
		entries=$(pick_entry "$entries")
	fi
	FIXDIFF=$CACHE/fix-${TO//:/_}${ONLY:+-$ONLY}.diff
	series_diff "$entries" >"$FIXDIFF"
	FIXDESC="$(tr '\n' ' ' <<<"$entries")from $SRC $TO"
}

# same_upstream DSC1 DSC2: both name the same upstream tarballs.
same_upstream() {
	local a b
	a=$(orig_tarballs "$1") b=$(orig_tarballs "$2")
	[ "$a" = "$b" ] ||
		die "$SRC $VERSION and $TO are built from other upstream tarballs ($(tr '\n' ' ' <<<"${a%% *}")against $(tr '\n' ' ' <<<"${b%% *}")): their difference is more than debian/patches; give the fix with --patch"
}

# orig_tarballs DSC: "SHA256 NAME" of each upstream tarball it names.
orig_tarballs() {
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
		on && $3 ~ /\.orig(-[A-Za-z0-9-]+)?\.tar\./ { print $3, $1 }' "$1" | sort
}

# series TREE: its series entries, one a line, without options.
series() {
	sed -e 's/#.*//' -e 's/[[:space:]].*//' "$1/debian/patches/series" 2>/dev/null | grep -v '^$' || true
}

# new_entries OLD NEW: NEW's series entries that OLD's lacks, in order;
# dies on an entry both have with other contents, or one NEW dropped.
new_entries() {
	local old=$1 new=$2 e
	while read -r e; do
		grep -qxF "$e" <(series "$new") ||
			die "$SRC $TO drops debian/patches/$e of $VERSION: the fix would not be its difference of patches; give the fix with --patch"
		cmp -s "$old/debian/patches/$e" "$new/debian/patches/$e" ||
			die "$SRC $TO changes debian/patches/$e of $VERSION: give the fix with --patch"
	done < <(series "$old")
	series "$new" | grep -vxF -f <(series "$old") || true
}

# pick_entry ENTRIES: the entry --only names.
pick_entry() {
	local e n
	e=$(grep -xF -- "$ONLY" <<<"$1" || grep -F -- "$ONLY" <<<"$1" || true)
	n=$(grep -c . <<<"$e" || true)
	[ "$n" = 1 ] && echo "$e" && return 0
	[ "$n" = 0 ] && die "--only $ONLY: not among the patches $TO adds: $(tr '\n' ' ' <<<"$1")"
	die "--only $ONLY names several patches: $(tr '\n' ' ' <<<"$e")"
}

# series_diff ENTRIES: the installed tree against it plus ENTRIES (from
# TO's debian/patches, with their -pN), as a diff for patch -p1.
series_diff() {
	local w=$CACHE/fixwork e level rc=0
	rm -rf "$w" && mkdir -p "$w"
	cp -a "$CACHE/src" "$w/a" && cp -a "$CACHE/src" "$w/b"
	while read -r e; do
		level=$(awk -v e="$e" '$1 == e { for (i = 2; i <= NF; i++) if ($i ~ /^-p[0-9]$/) print substr($i, 3) }' \
			"$CACHE/to/debian/patches/series")
		patch -d "$w/b" -s -N -p"${level:-1}" <"$CACHE/to/debian/patches/$e" >&2 ||
			die "debian/patches/$e of $TO does not apply to $SRC $VERSION"
	done <<<"$1"
	(cd "$w" && diff -ruN --exclude=.pc --exclude=debian a b) || rc=$?
	[ "$rc" = 1 ] || die "the patches $(tr '\n' ' ' <<<"$1")change no file outside debian/ (diff status $rc)"
	rm -rf "$w"
}

fix_name() {
	local n
	if [ -n "$DIFF" ]; then
		n=$(basename "$DIFF")
		n=${n%.diff}
		n=${n%.patch}
	else
		n=$SRC-${TO#*:}${ONLY:+-$ONLY}
	fi
	n=$(tr -c 'A-Za-z0-9._\n-' _ <<<"$n")
	echo "${n:0:64}"
}
