# debexplain.bash - what differs between the installed file and a rebuild
# that does not reproduce it (for suture-deb), printed on stdout:
#
#   - the sections whose size or content differ, and those only one has;
#   - strings of .rodata and .comment that differ only in a version-looking
#     part (`OpenSSL 3.0.22` against `3.0.20`: a build-dependency's header
#     embeds its version; `GCC: (Debian 12.2.0-14+deb12u1)`: the compiler);
#   - for each such pair, the package of the build root whose version has
#     the rebuild's number, and the version of it the archive has with the
#     installed file's number: the --pin to try.
#
# explain_mismatch INSTALLED REBUILT (uses ROOT).

# sections FILE: "NAME TYPE SIZE" for each section of FILE.
sections() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		awk '$1 != "NULL" { print $1, $2, $5 }'
}

# section_bytes FILE NAME: the contents of section NAME on stdout
# (objcopy writes only to a file it can replace).
section_bytes() {
	local t
	t=$(mktemp)
	objcopy -O binary --only-section="$2" "$1" "$t" 2>/dev/null && cat "$t"
	rm -f "$t"
}

# section_sum FILE NAME: a checksum of section NAME's contents.
section_sum() {
	section_bytes "$1" "$2" | sha256sum | cut -c1-16
}

explain_sections() {
	local a=$1 b=$2 name type size bsize
	while read -r name type size; do
		bsize=$(sections "$b" | awk -v n="$name" '$1 == n { print $3 }')
		if [ -z "$bsize" ]; then
			echo "  section $name: only in the installed file"
		elif [ "$bsize" != "$size" ]; then
			echo "  section $name: 0x$size bytes installed, 0x$bsize rebuilt"
		elif [ "$type" != NOBITS ] && [ "$(section_sum "$a" "$name")" != "$(section_sum "$b" "$name")" ]; then
			echo "  section $name: same size, other content"
		fi
	done < <(sections "$a")
	sections "$b" | while read -r name type size; do
		sections "$a" | awk -v n="$name" '$1 == n { f = 1 } END { exit !f }' ||
			echo "  section $name: only in the rebuild"
	done
}

# strings_of FILE: the strings of FILE's .rodata and .comment, one a line.
strings_of() {
	local s
	for s in .rodata .comment; do
		section_bytes "$1" $s | strings -n 5
	done | sort -u
}

VERSION_RE='[0-9]+([.][0-9]+)+([-+~][0-9A-Za-z.+~]*)?'

# version_pairs A B: "INSTALLED-STRING<TAB>REBUILT-STRING" for strings that
# only one file has and that are the same but for their version numbers.
version_pairs() {
	join -t "$(printf '\t')" \
		<(comm -23 <(strings_of "$1") <(strings_of "$2") | keyed) \
		<(comm -13 <(strings_of "$1") <(strings_of "$2") | keyed) |
		cut -f 2-
}

# keyed: each line prefixed by itself with version numbers blanked, sorted.
keyed() {
	while IFS= read -r l; do
		[[ $l =~ $VERSION_RE ]] || continue
		printf '%s\t%s\n' "$(sed -E "s/$VERSION_RE/#/g" <<<"$l")" "$l"
	done | sort -t "$(printf '\t')" -k 1,1
}

# pin_hint OLD NEW: packages of ROOT at a version containing NEW, and the
# archive's version of each containing OLD.
pin_hint() {
	local old=$1 new=$2 pkg ver cand
	while read -r pkg ver; do
		[[ $ver == *"$new"* ]] || continue
		cand=$(apt-cache madison "${pkg%%:*}" 2>/dev/null | awk -F' [|] ' -v o="$old" 'index($2, o) { print $2; exit }')
		if [ -n "$cand" ]; then
			echo "  the root has ${pkg%%:*} $ver; the archive has $cand: try --pin ${pkg%%:*}=$cand"
		fi
	done < <(dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f '${Package} ${Version}\n')
}

explain_mismatch() {
	local a=$1 b=$2 i r old new
	echo "what differs between the installed file and the rebuild:"
	explain_sections "$a" "$b"
	while IFS=$'\t' read -r i r; do
		echo "  a string differs in a version: \"$i\" installed, \"$r\" rebuilt"
		old=$(grep -oE "$VERSION_RE" <<<"$i" | head -n 1)
		new=$(grep -oE "$VERSION_RE" <<<"$r" | head -n 1)
		pin_hint "$old" "$new"
	done < <(version_pairs "$a" "$b")
}
