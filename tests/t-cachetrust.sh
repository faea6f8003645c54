#!/bin/bash
# t-cachetrust.sh - nobody else can put code in a patch through the build
# cache (README, "Cache trust"):
#   poisoned  another user (nobody) owns the cache directory root's build
#             uses (SUTURE_CACHE_DIR or XDG_CACHE_HOME inherited through
#             sudo -E): between two builds they swap the bytes of a cached
#             object and reseal it with a plain SHA-256.  Refused, naming
#             the directory, its owner and mode; no patch is written
#   forged    an entry in root's own cache resealed with a plain SHA-256
#             (by someone who could write it once but never read the key):
#             refused as not sealed with the cache's key, compiled again;
#             the patch is the one --no-cache builds
#   modes     a group-writable cache (without --shared-cache), a directory
#             above it that anyone may write, a key others can read: each
#             refused, naming the path, owner and mode
#   shared    --shared-cache: a group-writable cache of a group root is in
#             is used (key 0640, the group's); of a group it is not in,
#             refused
# The attacker's change turns "Hello, %s!" (string.diff's new greeting)
# into "PWNED, %s!": a patch holding PWNED ran the attacker's bytes.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin cachetrust

FLAGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${FLAGS[@]}" || finish

# sb NAME [OPTIONS...] - suture build string.diff into $WORK/NAME.sut.
sb() {
	local name=$1
	shift
	rm -f "$WORK/$name.sut"
	run "$SUTURE" build "$@" --src "$SRC" \
		--patch "$TARGETS/calc/string.diff" --binary calc \
		-o "$WORK/$name.sut" -- make "${FLAGS[@]}"
}

# poison DIR - what the attacker does to the object entries under DIR:
# every one holding "Hello, %s!" gets "PWNED, %s!" and a fresh SHA-256 of
# its payload in the header (magic 15 bytes, length 8, digest 32).
poison() {
	find "$1" -type f -path '*/o/*' | perl -MDigest::SHA=sha256 -ne '
		chomp; my $f = $_; local $/; open my $h, "<", $f or next;
		my $b = <$h>; close $h;
		$b =~ s/Hello, %s!/PWNED, %s!/g or next;
		substr($b, 23, 32) = sha256(substr($b, 55));
		open $h, ">", $f or die "$f: $!"; print $h $b; close $h;
		print "$f\n";'
}

sb clean --no-cache
check_eq "suture build string.diff --no-cache (the reference)" 0 "$RC"
check_match "  ... its patch holds the new greeting" "Hello, %s!" \
	"$(strings "$WORK/clean.sut")"

section "poisoned: a cache directory another user owns"
NB=$WORK/nobody
mkdir -p "$NB/cache" "$NB/suture"
chown nobody "$NB/cache" "$NB/suture"
export SUTURE_CACHE_DIR=$NB/cache
sb first
FIRST_RC=$RC
# As nobody: put copies of root's entries in place of the originals,
# then change them.
setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c '
	cd "$1" && [ -d o ] && mv o o.root && cp -r o.root o' sh "$NB/cache"
poisoned=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
	bash -c "$(declare -f poison); poison $NB/cache")
sb second
check_ne "the build after nobody changed the cache: refused" 0 "$RC"
check_match "  ... naming the directory, its owner and mode" \
	"build cache is not safe to use: $NB/cache is owned by nobody \(uid 65534\) with mode 0755, not yours" \
	"$OUT"
check_nomatch "  ... and no patch with the attacker's bytes was written" \
	"PWNED" "$(strings "$WORK/second.sut" 2>/dev/null)"
check_ne "  ... (the first build was refused as well)" 0 "$FIRST_RC"
unset SUTURE_CACHE_DIR
XDG_CACHE_HOME=$NB sb xdg
check_match "the same cache as XDG_CACHE_HOME (sudo -E): refused" \
	"build cache is not safe to use: $NB/suture is owned by nobody" "$OUT"

section "forged: an entry of root's own cache resealed without the key"
export SUTURE_CACHE_DIR=$WORK/cache
sb warm
check_eq "suture build string.diff into root's own cache" 0 "$RC"
check_eq "  ... the cache directory is mode 700" 700 \
	"$(stat -c %a "$WORK/cache")"
check_eq "  ... its key is 32 bytes, mode 600, root's" "32 600 root" \
	"$(stat -c '%s %a %U' "$WORK/cache/.key")"
check_ne "the attacker's change applies to a stored object" "" \
	"$(poison "$WORK/cache")"
sb forged -v --keep
check_eq "suture build string.diff after the forgery" 0 "$RC"
KEPT=$(kept_scratch "$OUT")
check_match "  ... the forged entry is refused as not sealed with the key" \
	"cache entry .* was damaged \(truncated, changed, or not sealed with this cache's key\)" \
	"$(cat "$KEPT/patched.log" 2>&1)"
[ -n "$KEPT" ] && rm -rf "$KEPT"
check_nomatch "  ... and not used" "PWNED" "$(strings "$WORK/forged.sut")"
check_eq "  ... the patch is the one built without the cache" \
	"$(sha256sum <"$WORK/clean.sut")" "$(sha256sum <"$WORK/forged.sut")"

section "modes: who else could write the cache or read its key"
chmod 775 "$WORK/cache"
sb groupw
check_ne "a group-writable cache without --shared-cache: refused" 0 "$RC"
check_match "  ... naming path, owner, mode and the option" \
	"$WORK/cache is owned by root \(uid 0\) with mode 0775, writable by its group \(a shared cache must be asked for: --shared-cache\)" \
	"$OUT"
chmod 700 "$WORK/cache"
chmod 644 "$WORK/cache/.key"
sb keyr
check_ne "a key others can read: refused" 0 "$RC"
check_match "  ... naming the key and its mode" \
	"$WORK/cache/.key is owned by root \(uid 0\) with mode 0644, a key that must be the cache owner's, readable by nobody else \(0600\)" \
	"$OUT"
chmod 600 "$WORK/cache/.key"
mkdir -p "$WORK/open"
chmod 777 "$WORK/open"
SUTURE_CACHE_DIR=$WORK/open/cache sb openparent
check_ne "a cache in a directory anyone may write (not sticky): refused" \
	0 "$RC"
check_match "  ... naming that directory" \
	"$WORK/open is owned by root \(uid 0\) with mode 0777, a directory above the cache that others may write to" \
	"$OUT"
chmod 1777 "$WORK/open"
SUTURE_CACHE_DIR=$WORK/open/cache sb sticky
check_eq "  ... but one that is sticky like /tmp is fine" 0 "$RC"

section "shared: --shared-cache"
mkdir -p "$WORK/shared"
chgrp root "$WORK/shared"
chmod 2770 "$WORK/shared"
SUTURE_CACHE_DIR=$WORK/shared sb shared --shared-cache
check_eq "a cache group-writable by root's group, --shared-cache: built" \
	0 "$RC"
check_eq "  ... its key is readable by the group only (640, group root)" \
	"640 root" "$(stat -c '%a %G' "$WORK/shared/.key" 2>&1)"
SUTURE_CACHE_DIR=$WORK/shared sb shared2 --shared-cache
check_eq "  ... the next build takes the patched objects from it" \
	"$(sha256sum <"$WORK/clean.sut")" "$(sha256sum <"$WORK/shared2.sut")"
# Another member made the key: the group is what is trusted.
chown nobody "$WORK/shared/.key"
SUTURE_CACHE_DIR=$WORK/shared sb shared4 --shared-cache
check_eq "  ... also with a key another member made (owner nobody, 640)" \
	"$(sha256sum <"$WORK/clean.sut")" "$(sha256sum <"$WORK/shared4.sut")"
chgrp nogroup "$WORK/shared"
SUTURE_CACHE_DIR=$WORK/shared sb shared3 --shared-cache
check_ne "a shared cache of a group root is not in: refused" 0 "$RC"
check_match "  ... naming it" \
	"$WORK/shared is owned by root \(uid 0\) with mode 2770, writable by a group you are not in" \
	"$OUT"
finish
