# debdpkg.bash - what dpkg knows of the installed file (for suture-deb).
#
# installed_package: from FILE (and SYSROOT) sets INSTALLED (the file's
# path here, symlinks resolved inside SYSROOT), BINPKG, VERSION and SRC
# (the binary package that installed it, its version, its source
# package), DPKGPATH (the file's path in the package) and UPSTREAM (VERSION without epoch and Debian revision).  Dies
# naming the cause when dpkg does not know the file as installed.

installed_package() {
	local admin=$SYSROOT/var/lib/dpkg rel owner pkg status src_version
	rel=/${FILE#/}
	INSTALLED=$(cd "$SYSROOT" && realpath -e "./$rel" 2>/dev/null) ||
		die "$FILE does not exist${SYSROOT:+ in $SYSROOT}"
	case $INSTALLED in
	"$SYSROOT"/*) rel=${INSTALLED#"$SYSROOT"} ;;
	/*) [ "$SYSROOT" = / ] || die "$FILE leads out of $SYSROOT" && rel=$INSTALLED ;;
	esac
	# dpkg records files under the path it unpacked them at: /usr-merged
	# systems run /usr/lib/... files that dpkg may know as /lib/...
	owner=$(dpkg-query --admindir="$admin" -S "$rel" 2>/dev/null ||
		dpkg-query --admindir="$admin" -S "${rel#/usr}" 2>/dev/null) ||
		die "no installed package has $rel (dpkg-query -S): suture deb patches files that Debian packages installed"
	# "libexpat1:amd64: /lib/...": the package as dpkg names it (with
	# its architecture when it is Multi-Arch), and as .deb files do.
	pkg=$(head -n 1 <<<"$owner" | sed 's/: .*//; s/,.*//')
	BINPKG=${pkg%%:*}
	DPKGPATH=$(head -n 1 <<<"$owner" | sed 's/^[^ ]*: //')
	status=$(dpkg-query --admindir="$admin" -W -f '${db:Status-Abbrev}' "$pkg")
	[ "${status:0:2}" = ii ] || die "$pkg is not fully installed (dpkg status '$status')"
	VERSION=$(dpkg-query --admindir="$admin" -W -f '${Version}' "$pkg")
	SRC=$(dpkg-query --admindir="$admin" -W -f '${source:Package}' "$pkg")
	# A binNMU (+bN) is built with a changelog entry the source package
	# does not hold: its rebuild would not be the installed file.
	src_version=$(dpkg-query --admindir="$admin" -W -f '${source:Version}' "$pkg")
	[ "$src_version" = "$VERSION" ] ||
		die "$pkg $VERSION was built from $SRC $src_version by a binary-only upload (binNMU), whose changelog entry the source package lacks: suture deb cannot rebuild it"
	UPSTREAM=${VERSION#*:}
	UPSTREAM=${UPSTREAM%-*}
}

# build_id FILE: the GNU build-id of ELF FILE in hex, or nothing.
build_id() {
	readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'
}
