# debroot.bash - the source tree and the build root (for suture-deb).
#
# source_tree: $CACHE/src, SRC at VERSION unpacked by dpkg-source -x (its
# series applied and recorded in .pc/, as dpkg-buildpackage expects);
# sets DSC to its .dsc in scripts/debsrc's download cache.
#
# make_root: $CACHE/root (root-KEY with pins, KEY a hash of them): a
# bookworm root (scripts/mkroot) with this machine's apt sources, the
# tools Debian builds packages with and SRC's Build-Depends, then each
# --pin installed at its version (a downgrade if need be); sets ROOT and
# PROOF (where prove_build keeps what it proved for this root and these
# DEB_BUILD_OPTIONS, "parallel=N" aside).  Both are made under NAME.part
# and renamed when complete.

# cached_dsc: the .dsc of SRC VERSION in scripts/debsrc's cache, or nothing.
cached_dsc() {
	local f
	for f in "${SUTURE_SRC_CACHE:-/var/cache/suture/debian-sources}/$SRC/$VERSION/"*.dsc; do
		[ -f "$f" ] && echo "$f" && return 0
	done
	return 0
}

source_tree() {
	local fetch=$CACHE/fetch
	DSC=$(cached_dsc)
	if [ -z "$DSC" ]; then
		say "fetching the source package $SRC $VERSION"
		"$HERE/debsrc" -v "$VERSION" "$SRC" "$fetch" >&2 ||
			die "cannot fetch $SRC $VERSION from Debian's archive (scripts/debsrc says why, above)"
		rm -rf "$fetch"
		DSC=$(cached_dsc)
		[ -n "$DSC" ] || die "scripts/debsrc left no .dsc for $SRC $VERSION"
	fi
	[ -d "$CACHE/src" ] && return 0
	rm -rf "$CACHE/src.part"
	dpkg-source --no-copy -x "$DSC" "$CACHE/src.part" >"$CACHE/src.log" 2>&1 ||
		die "dpkg-source -x $DSC failed: $(tail -n 5 "$CACHE/src.log")"
	mv "$CACHE/src.part" "$CACHE/src"
}

# in_root DIR COMMAND...: COMMAND run as root in DIR (read-write), with
# /proc and the host's resolv.conf, in a mount namespace of its own.
in_root() {
	local dir=$1
	shift
	unshare -m sh -c 'mount -t proc proc "$1/proc" &&
		mount --bind /etc/resolv.conf "$1/etc/resolv.conf" &&
		shift && exec chroot "$@"' sh "$dir" "$dir" "$@"
}

# root_names: ROOT and PROOF for these pins and build options.
root_names() {
	local key='' opts
	[ ${#PINS[@]} -eq 0 ] ||
		key=-$(printf '%s\n' "${PINS[@]}" | sort | sha256sum | cut -c1-12)
	ROOT=$CACHE/root$key PROOF=$CACHE/proof$key
	opts=$(tr ' ' '\n' <<<"$BUILDOPTS" | grep -v '^parallel=' | sort | xargs)
	[ "$opts" = nocheck ] ||
		PROOF=$PROOF-$(sha256sum <<<"$opts" | cut -c1-12)
}

# root_packages DIR: the Build-Depends and the pins installed in DIR.
root_packages() {
	local part=$1
	# The archives the packages came from: bookworm, its updates and
	# security suites, as this machine uses them (without .sources files
	# here, debootstrap's bookworm line stays).
	cp /etc/apt/sources.list.d/*.sources "$part/etc/apt/sources.list.d/" 2>/dev/null &&
		rm -f "$part/etc/apt/sources.list" "$part/etc/apt/sources.list.d/suture-deb-src.sources"
	cp "$DSC" "$part/tmp/"
	in_root "$part" apt-get update -q &&
		in_root "$part" env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q "/tmp/${DSC##*/}" &&
		{ [ ${#PINS[@]} -eq 0 ] || in_root "$part" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --allow-downgrades "${PINS[@]}"; } &&
		in_root "$part" apt-get clean &&
		rm -f "$part/tmp/${DSC##*/}"
}

# check_pins DIR: each pinned package is installed in DIR at its version.
check_pins() {
	local p have
	for p in "${PINS[@]}"; do
		have=$(dpkg-query --admindir="$1/var/lib/dpkg" -W -f '${Version}' "${p%%=*}" 2>&1 || true)
		[ "$have" = "${p#*=}" ] || die "--pin $p: the root has ${p%%=*} $have"
	done
}

make_root() {
	local part log
	root_names
	[ -d "$ROOT" ] && return 0
	part=$ROOT.part log=$ROOT.log
	rm -rf "$part"
	say "making the build root $ROOT (debootstrap, then the Build-Depends of $SRC; once)"
	"$HERE/mkroot" "$part" build-essential dpkg-dev debhelper fakeroot >&2 ||
		die "scripts/mkroot failed"
	root_packages "$part" >"$log" 2>&1 ||
		die "installing the Build-Depends${PINS[*]:+ and pins} in $part failed; last lines of $log:
$(tail -n 15 "$log")"
	check_pins "$part"
	{ echo "source: $SRC $VERSION"; echo "pins: ${PINS[*]}"; } >>"$part/etc/suture-root"
	mv "$part" "$ROOT"
	rm -f "$log"
}
