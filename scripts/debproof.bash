# debproof.bash - the proof that the build root rebuilds the installed
# file exactly (for suture-deb).
#
# prove_build: PROOF/ (complete or absent), made once per root: the source
# tree copied to Debian's build path /build/reproducible-path/SRC-UPSTREAM
# and built there in ROOT by dpkg-buildpackage -b, as Debian's buildds
# build it.  It keeps the rebuilt FILE from BINPKG's .deb (rebuilt), the
# debug file for its build-id from BINPKG-dbgsym (debug), the path of the
# unstripped file in the build tree (rel: suture build's --binary), the
# build log and the build's .buildinfo (the root's packages).  Then, on
# every run, the rebuilt file's build-id must equal the installed file's:
# a build-id covers every byte the link wrote, debug information included,
# so equal ids mean this root and this source make the installed binary.
# Otherwise it dies saying what differs (debexplain.bash).  Sets REL, and
# installs the debug file under /usr/lib/debug/.build-id, where suture
# apply finds the symbols of the stripped file.

BUILDPATH=/build/reproducible-path
# Where suture apply looks for debug files (apply/dbgfile.c).
DEBUG_ROOT=${SUTURE_DEB_DEBUG_ROOT:-/usr/lib/debug}

prove_build() {
	local want got
	[ -d "$PROOF" ] || proof_make
	want=$(build_id "$INSTALLED")
	got=$(cat "$PROOF/build-id")
	[ -n "$want" ] || die "$INSTALLED has no build-id: the rebuild cannot be proven to be it"
	if [ "$want" != "$got" ]; then
		explain_mismatch "$INSTALLED" "$PROOF/rebuilt" >&2
		die "the rebuild of $SRC $VERSION in $ROOT does not reproduce $INSTALLED (build-id $got, installed $want): no patch is built from a build that is not the installed one"
	fi
	REL=$(cat "$PROOF/rel")
	say "the rebuild reproduces $INSTALLED: build-id $want ($SRC-$UPSTREAM/$REL)"
	install_debug "$want"
}

# install_debug ID: the proven debug file where suture apply, gdb and
# perf look for the symbols of a stripped file, as installing the
# -dbgsym package would put it; a file already there is kept if it has
# the build-id (any such file describes the same bytes).
install_debug() {
	local id=$1 at
	at=$DEBUG_ROOT/.build-id/${id:0:2}/${id:2}.debug
	[ "$(build_id "$at" 2>/dev/null)" = "$id" ] && return 0
	install -D -m 644 "$PROOF/debug" "$at" ||
		die "cannot install the debug file at $at"
	say "installed the debug file of $DPKGPATH at $at (for suture apply and gdb)"
}

proof_make() {
	local part=$PROOF.part dir=$SRC-$UPSTREAM t0=$SECONDS
	rm -rf "$part"
	mkdir -p "$part/build"
	cp -a "$CACHE/src" "$part/build/$dir"
	say "proving the build: dpkg-buildpackage -b in $ROOT at $BUILDPATH/$dir (once per root)"
	(cd / && "$HERE/inroot" -b "$part/build=$BUILDPATH" "$ROOT" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent \
		LC_ALL=C.UTF-8 "DEB_BUILD_OPTIONS=$BUILDOPTS" \
		sh -c "cd '$dir' && dpkg-buildpackage -b -uc -us") \
		>"$part/build.log" 2>&1 ||
		die "dpkg-buildpackage failed in $ROOT; last lines of $part/build.log:
$(tail -n 15 "$part/build.log")"
	proof_extract "$part" "$part/build/$dir"
	# What the root had, as Debian records a build.
	cp "$part/build/"*.buildinfo "$part/buildinfo" 2>/dev/null || true
	rm -rf "$part/build" "$part/x"
	echo "$((SECONDS - t0))" >"$part/seconds"
	mv "$part" "$PROOF"
}

# proof_extract PART TREE: rebuilt, debug, build-id and rel from the
# packages and the tree that dpkg-buildpackage made.
proof_extract() {
	local part=$1 tree=$2 deb dbg id f
	deb=$(find "$part/build" -maxdepth 1 -name "${BINPKG}_*.deb" | head -n 1)
	[ -n "$deb" ] || die "the rebuild made no package $BINPKG (see $part/build.log)"
	mkdir -p "$part/x"
	dpkg-deb -x "$deb" "$part/x/pkg"
	[ -f "$part/x/pkg/$DPKGPATH" ] || die "the rebuilt $BINPKG has no $DPKGPATH"
	cp "$part/x/pkg/$DPKGPATH" "$part/rebuilt"
	id=$(build_id "$part/rebuilt")
	echo "$id" >"$part/build-id"
	dbg=$(find "$part/build" -maxdepth 1 -name "${BINPKG}-dbgsym_*.*deb" | head -n 1)
	[ -n "$dbg" ] || die "the rebuild made no $BINPKG-dbgsym package: suture needs the symbols of the stripped $FILE"
	dpkg-deb -x "$dbg" "$part/x/dbg"
	f=$part/x/dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
	[ -f "$f" ] || die "$BINPKG-dbgsym has no debug file for build-id $id"
	cp "$f" "$part/debug"
	# The unstripped file in the build tree: the one with that build-id,
	# outside debian/ (where the packages were staged, stripped).
	while IFS= read -r -d '' f; do
		if [ "$(build_id "$f")" = "$id" ]; then
			echo "${f#"$tree"/}" >"$part/rel"
			return 0
		fi
	done < <(find "$tree" -path "$tree/debian" -prune -o -type f -perm -u+x -print0)
	die "no file of the build tree has the rebuilt $DPKGPATH's build-id $id"
}
