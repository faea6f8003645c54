#!/bin/bash
# t-format.sh - the patch file and `suture info`: the file is an ELF
# relocatable with a CRC-32 trailer (docs/FORMAT.md), `info` shows its name,
# the build-id it is bound to (the binary's own, as readelf sees it) and the
# functions it replaces, in text and JSON; `--name` and repeated `--patch`
# work; damaged files are refused by `info` too.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin format

MAKEARGS=(CC=gcc "CFLAGS=-O0 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
BID=$(build_id "$SRC/calc")
check_match "the target binary has a GNU build-id" '^[0-9a-f]{16,}$' "$BID"
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}"
F=$WORK/fix.sut

section "the file"
check_match "readelf sees an ELF relocatable" 'Type:[[:space:]]+REL' \
	"$(readelf -h "$F" 2>&1)"
check_match "it has a .suture.manifest section" '\.suture\.manifest' \
	"$(readelf -S "$F" 2>&1)"
check_eq "it ends with the SUTCRC32 trailer" SUTCRC32 \
	"$(tail -c 16 "$F" | head -c 8)"
size=$(stat -c %s "$F")
check_eq "the trailer's CRC-32 and length match the bytes before it" \
	"$(perl -MCompress::Zlib -e '
		local $/; open my $f, "<:raw", $ARGV[0] or die; my $d = <$f>;
		my $body = substr($d, 0, length($d) - 16);
		print crc32($body), " ", length($body)' "$F")" \
	"$(perl -e '
		local $/; open my $f, "<:raw", $ARGV[0] or die; my $d = <$f>;
		my ($crc, $len) = unpack("VV", substr($d, -8));
		print "$crc $len"' "$F")"

section "suture info"
run "$SUTURE" info "$F"
info=$OUT
check_eq "suture info exits 0" 0 "$RC"
check_match "info shows the name (default: the diff's name, fix)" \
	'^patch: +fix$' "$info"
check_match "info shows the binary's build-id" "build-id $BID" "$info"
check_match "info shows the target file" 'target: +calc' "$info"
check_match "info lists compute" '^ +compute\b' "$info"
check_match "info lists the static count_vowels with its file" \
	'count_vowels.*calc\.c' "$info"
check_match "info shows the source diff" 'i <= n' "$info"
run "$SUTURE" info --json "$F"
js=$OUT
check_eq "info --json: format 1" 1 "$(json_get "$js" '$j->{format}')"
check_eq "info --json: name" fix "$(json_get "$js" '$j->{name}')"
check_eq "info --json: target build-id" "$BID" \
	"$(json_get "$js" '$j->{target}{build_id}')"
check_eq "info --json: functions" "compute count_vowels" \
	"$(json_get "$js" 'join " ", sort map { $_->{name} } @{$j->{functions}}')"
addr=$(nm "$SRC/calc" | awk '$3 == "compute" {print $1}')
check_eq "info --json: compute's old address is the binary's" \
	"$((16#$addr))" \
	"$(json_get "$js" '(grep { $_->{name} eq "compute" } @{$j->{functions}})[0]{old_addr}')"

section "--name and two --patch"
check "suture build --name both --patch string.diff --patch libc.diff" \
	suture build --src "$SRC" --patch "$TARGETS/calc/string.diff" \
	--patch "$TARGETS/calc/libc.diff" --binary calc --name both \
	-o "$WORK/both.sut" -- make "${MAKEARGS[@]}"
run "$SUTURE" info "$WORK/both.sut"
check_match "info shows the given name" '^patch: +both$' "$OUT"
check_match "it replaces greet" '\bgreet\b' "$OUT"
check_match "it replaces word_is_yes" '\bword_is_yes\b' "$OUT"
check_match "it brings strcasecmp" 'strcasecmp' "$OUT"
check_fails "suture build --name 'bad/name' is refused" \
	suture build --src "$SRC" --patch "$TARGETS/calc/fix.diff" \
	--binary calc --name bad/name -o "$WORK/bad.sut" -- make "${MAKEARGS[@]}"
check_match "  ... naming the bad name" 'bad/name' "$OUT"
start_target C "$SRC/calc" || finish
check "apply both.sut" suture apply "$C_PID" "$WORK/both.sut"
check_feature "$C_PORT" string new "both.sut applied"
check_feature "$C_PORT" libc new "both.sut applied"
check_status "$C_PID" "both.sut applied" both
check "revert both" suture revert "$C_PID" both
check_feature "$C_PORT" string old "both reverted"
check_feature "$C_PORT" libc old "both reverted"

section "damaged files"
cp "$F" "$WORK/bad.sut"
printf 'X' | dd of="$WORK/bad.sut" bs=1 seek=$((size / 3)) conv=notrunc status=none
if cmp -s "$F" "$WORK/bad.sut"; then
	printf 'Y' | dd of="$WORK/bad.sut" bs=1 seek=$((size / 3)) conv=notrunc status=none
fi
check_fails "info on a corrupted file fails" suture info "$WORK/bad.sut"
check_match "  ... saying corrupted" corrupt "$OUT"
head -c $((size / 2)) "$F" >"$WORK/short.sut"
check_fails "info on a truncated file fails" suture info "$WORK/short.sut"
check_match "  ... saying truncated" "truncated|not a suture patch" "$OUT"
check_fails "info on a missing file fails" suture info "$WORK/none.sut"
check_match "  ... naming it" "none.sut" "$OUT"
finish
