#!/bin/bash
# t-basic.sh - the whole cycle on a single-threaded process: build a patch
# from fix.diff (a global function with a function-local static, and a
# static function), apply it, revert it, apply it again, revert by name.
# Checks answers, state (file static, local static, global, the skeleton's
# request counter), `suture status` text and JSON, and /proc/PID/maps.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin basic

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
start_target C "$SRC/calc" || finish
pid=$C_PID port=$C_PORT

section "before apply"
check_eq "the target has one thread" 1 "$(ask "$port" threads)"
check_feature "$port" fix old "before apply"
check_state "$port" "before apply"
check_status "$pid" "before apply"
check_eq "no suture region mapped before apply" "" "$(suture_maps "$pid")"

# The code of compute() in the process: where it is, its first bytes.
compute_at=$(func_addr "$pid" "$SRC/calc" compute)
orig_bytes=$(mem "$pid" "$compute_at" 16)
check_match "compute's code can be read at $(printf %#x "$compute_at")" \
	'^[0-9a-f]{32}$' "$orig_bytes"

section "build"
tree_sum() { (cd "$SRC" && find . -type f -print0 | sort -z | xargs -0 md5sum); }
before_sum=$(tree_sum)
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}"
name=$(patch_name "$WORK/fix.sut")
check_match "the patch has a name" '^[A-Za-z0-9._-]+$' "$name"
check_eq "suture build left every file of the source tree as it was" \
	"$before_sum" "$(tree_sum)"
check_eq "the running process was not disturbed by the build" pong \
	"$(ask "$port" ping)"

section "apply"
served=$(ask "$port" served)
check "suture apply $pid fix.sut" suture apply "$pid" "$WORK/fix.sut"
check_eq "the skeleton's request counter carried on" \
	$((served + 1)) "$(ask "$port" served)"
check_alive "the process lives after apply" "$pid" "$port"
check_eq "same process (pid request)" "$pid" "$(ask "$port" pid)"
check_feature "$port" fix new "after apply"
check_state "$port" "after apply"
check_status "$pid" "after apply" "$name"
check_match "after apply: /proc/$pid/maps shows the patch region" \
	"suture:$name" "$(suture_maps "$pid")"
check_eq "after apply: still one thread (nothing left behind)" 1 \
	"$(ask "$port" threads)"
js=$("$SUTURE" status "$pid" --json 2>/dev/null)
check_eq "status --json gives compute's address in the process" \
	"$compute_at" "$(json_get "$js" 'my $p = ref $j eq "ARRAY" ? $j : $j->{patches};
		my ($f) = grep { $_->{name} eq "compute" } @{$p->[0]{functions}};
		hex($f->{old})' 2>&1)"
code=$(mem "$pid" "$compute_at" 5)
check_eq "compute now starts with a jmp rel32" e9 "${code:0:2}"
rel=$((16#${code:8:2}${code:6:2}${code:4:2}${code:2:2}))
((rel >= 1 << 31)) && rel=$((rel - (1 << 32)))
dest=$((compute_at + 5 + rel))
inside=no
while read -r range _ _ _ _ path; do
	lo=$((16#${range%-*})) hi=$((16#${range#*-}))
	((dest >= lo && dest < hi)) && inside=$path
done < <(suture_maps "$pid")
check_match "the jmp lands in the patch's region" "suture:$name" "$inside"
check_fails "applying the same patch twice is refused" \
	suture apply "$pid" "$WORK/fix.sut"
check_match "  ... saying it is already applied" "already" "$OUT"
check_feature "$port" fix new "after the refused second apply"

section "revert"
check "suture revert $pid" suture revert "$pid"
check_alive "the process lives after revert" "$pid" "$port"
check_feature "$port" fix old "after revert"
check_state "$port" "after revert"
check_status "$pid" "after revert"
check_eq "compute's first 16 bytes are the original ones again" \
	"$orig_bytes" "$(mem "$pid" "$compute_at" 16)"
check_fails "reverting with nothing applied is an error" \
	suture revert "$pid"
check_match "  ... saying so" "no patch|not applied|nothing" "$OUT"

section "apply again, revert by name"
check "suture apply again after revert" suture apply "$pid" "$WORK/fix.sut"
check_feature "$port" fix new "after the second apply"
check_state "$port" "after the second apply"
check_status "$pid" "after the second apply" "$name"
check_fails "reverting an unknown name is an error" \
	suture revert "$pid" no-such-patch
check_match "  ... naming it" "no-such-patch" "$OUT"
check_feature "$port" fix new "after the refused revert"
check "suture revert $pid $name" suture revert "$pid" "$name"
check_feature "$port" fix old "after revert by name"
check_state "$port" "after revert by name"
check_status "$pid" "after revert by name"
check_eq "same process all along" "$pid" "$(ask "$port" pid)"
finish
