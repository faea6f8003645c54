# debdpkg.bash - what dpkg knows of the installed file (for suture-deb).
#
# installed_package: from FILE (and SYSROOT) sets INSTALLED (the file's
# path here, symlinks resolved inside SYSROOT), BINPKG, VERSION and SRC
# (the binary package that installed it, its version, its source
# package), DPKGPATH (the file's path in the package) and UPSTREAM (VERSION without epoch and Debian revision).  Dies
# naming the cause when dpkg does not know the file as installed.

installed_package() {
	local admin=$SYSROOT/var/lib/dpkg rel owner status
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
	BINPKG=$(head -n 1 <<<"$owner" | sed 's/: .*//; s/,.*//')
	DPKGPATH=$(head -n 1 <<<"$owner" | sed 's/^[^ ]*: //')
	status=$(dpkg-query --admindir="$admin" -W -f '${db:Status-Abbrev}' "$BINPKG")
	[ "${status:0:2}" = ii ] || die "$BINPKG is not fully installed (dpkg status '$status')"
	VERSION=$(dpkg-query --admindir="$admin" -W -f '${Version}' "$BINPKG")
	SRC=$(dpkg-query --admindir="$admin" -W -f '${source:Package}' "$BINPKG")
	UPSTREAM=${VERSION#*:}
	UPSTREAM=${UPSTREAM%-*}
}

# build_id FILE: the GNU build-id of ELF FILE in hex, or nothing.
build_id() {
	readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'
}
