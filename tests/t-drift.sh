#!/bin/bash
# t-drift.sh - suture drift: how a running process differs from a binary.
# A fresh process against its own binary; after fix.diff against the
# original (exactly the replaced functions, naming the patch) and against
# releases built from the patched source (fix.diff only: no drift at all;
# fix.diff + helper.diff: the function the patch did not bring); a stacked
# patch; revert; --json with the same facts; --diff; the refusals.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin drift

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
# The releases: the same tree with the diffs applied, built the same way.
release() { # DIR DIFF...
	local dir=$1 d
	shift
	make_tree calc "$dir"
	for d in "$@"; do
		patch -sp1 -d "$dir" <"$TARGETS/calc/$d.diff" || return 1
	done
	build_tree "$dir" "${MAKEARGS[@]}"
}
release "$WORK/rel-fix" fix || finish
release "$WORK/rel-both" fix helper || finish
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" || finish
rm -f "$WORK/helper.sut"
check "suture build helper.diff --on fix.sut" suture build --src "$SRC" \
	--on "$WORK/fix.sut" --patch "$TARGETS/calc/helper.diff" \
	--binary calc -o "$WORK/helper.sut" -- make "${MAKEARGS[@]}"
start_target C "$SRC/calc" || finish
pid=$C_PID port=$C_PORT

# drift_json PID [BINARY] - the --json report; PERL - a fact from it.
drift_json() { "$SUTURE" drift "$@" --json 2>/dev/null; }
# names KIND - the names listed under functions.KIND of the last JSON.
names() {
	json_get "$JS" "join ' ', sort map { \$_->{name} } @{\$j->{functions}{$1}}"
}
# differ_lines - the names listed under "differ:" in the text output $OUT.
differ_lines() {
	sed -n '/^differ:/,/^[a-z]/p' <<<"$OUT" | awk '/^  /{print $1}' | sort |
		tr '\n' ' ' | sed 's/ $//'
}
# replaced - the functions `suture status` says the live patches of $pid
# replaced (not split-off parts), sorted, unique.
replaced() {
	json_get "$("$SUTURE" status "$pid" --json)" '
		join " ", sort keys %{{ map { $_->{name} => 1 }
			grep { !$_->{part} } map { @{$_->{functions}} }
			@{$j->{patches}} }}'
}
# patch_funcs FILE - the functions a patch file replaces, sorted.
patch_funcs() {
	json_get "$("$SUTURE" info --json "$1")" '
		join " ", sort map { $_->{name} } grep { !$_->{part} }
			@{$j->{functions}}'
}

section "a fresh process"
run suture drift "$pid"
check_eq "drift against its own file: exit 0" 0 "$RC"
check_match "  ... no function differs" ' 0 differ, 0 only in the binary, 0 only in the process' "$OUT"
check_match "  ... no patch" '^patches: +none' "$OUT"
run suture drift "$pid" "$SRC/calc"
check_eq "drift against the binary it runs: exit 0" 0 "$RC"
check_match "  ... the same build-id, said so" 'the same build' "$OUT"
run suture drift "$pid" "$WORK/rel-fix/calc"
check_eq "drift against the fixed release: exit 1" 1 "$RC"
check_match "  ... the release has another build-id" \
	"build-id $(build_id "$WORK/rel-fix/calc")" "$OUT"
fresh_vs_fix=$(differ_lines)
check_match "  ... compute differs, running the module's own code" \
	"^  compute +runs the module's own code" "$OUT"

section "a fresh process without ASLR"
# main tests service_init's GOT slot (`cmpq $0, SLOT(%rip)`): the file
# holds service_init's link-time address there, the process its run-time
# one.  Under ASLR that address's bytes read as a short string in about
# 1 start in 50; without ASLR the PIE is at the same place each time and
# for this build they always do ("0]UUUU").  drift named the slot by the
# string read from the process, by nothing from the file: main differed.
# slot_text PID - the string service_init's GOT slot in PID reads as.
slot_text() {
	local fn slot base
	fn=$(nm "$SRC/calc" | awk '$3 == "service_init" { sub(/^0+/, "", $1); print $1 }')
	slot=$(readelf -rW "$SRC/calc" |
		awk -v a="$fn" '$3 == "R_X86_64_RELATIVE" && $4 == a { print $1 }')
	base=$(awk -v f="$SRC/calc" '$6 == f { print $1; exit }' /proc/$1/maps)
	perl -e 'no warnings; open(my $m, "<", "/proc/$ARGV[0]/mem") or exit;
		sysseek($m, hex($ARGV[1]) + hex($ARGV[2]), 0);
		sysread($m, my $b, 8) == 8 or exit;
		print $1 if $b =~ /^([\x20\x21\x23-\x7e]+)\0/' \
		"$1" "${base%%-*}" "$slot"
}
# (a failure to start it, say a personality(2) a seccomp filter refuses,
# is counted; the other sections go on)
if start_target N setarch -R "$SRC/calc"; then
	check_ne "premise: the slot main tests reads as a string in the process" \
		"" "$(slot_text "$N_PID")"
	run suture drift "$N_PID"
	check_eq "drift against its own file: exit 0" 0 "$RC"
	check_match "  ... no function differs" \
		' 0 differ, 0 only in the binary, 0 only in the process' "$OUT"
	stop_target "$N_PID"
fi

section "after apply fix.sut"
check "suture apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
want=$(replaced)
check_match "status names the replaced functions" 'compute' "$want"
run suture drift "$pid"
check_eq "drift against its own file: exit 1" 1 "$RC"
check_eq "  ... exactly the replaced functions differ" "$want" "$(differ_lines)"
check_match "  ... compute runs patch 'fix'" "^  compute +runs patch 'fix' \(1\.\)" "$OUT"
check_match "  ... the patch is listed" '^patches: +1\. fix$' "$OUT"
check_nomatch "  ... no entry jumps elsewhere than its record says" \
	'does not jump' "$OUT"
run suture drift "$pid" "$WORK/rel-fix/calc"
check_eq "drift against the release built from fix.diff: exit 0" 0 "$RC"
check_match "  ... every function identical" \
	'functions: +[0-9]+ identical, 0 differ, 0 only in the binary, 0 only in the process' "$OUT"
check_ne "  ... which was not so before the apply" "" "$fresh_vs_fix"
run suture drift "$pid" "$WORK/rel-both/calc"
check_eq "drift against the release with helper.diff too: exit 1" 1 "$RC"
# The release inlines digest into service_handle, as the patched build
# does: what differs is exactly what helper.sut replaces.
helper_funcs=$(patch_funcs "$WORK/helper.sut")
check_match "helper.sut replaces digest" digest "$helper_funcs"
check_eq "  ... exactly what helper.sut replaces differs" "$helper_funcs" \
	"$(differ_lines)"
check_match "  ... running the module's own code (no patch brought it)" \
	"^  digest +runs the module's own code" "$OUT"
check_eq "  ... digest_step is the only function only in the binary" \
	digest_step \
	"$(sed -n '/^only in the binary/,/^[a-z]/p' <<<"$OUT" | awk '/^  /{print $1}')"
JS=$(drift_json "$pid" "$WORK/rel-both/calc")
check_eq "  ... --json: the same functions differ" "$helper_funcs" \
	"$(names differ)"
check_eq "  ... --json: digest runs the module's code" module \
	"$(json_get "$JS" '(grep { $_->{name} eq "digest" } @{$j->{functions}{differ}})[0]{runs}')"
check_eq "  ... --json: digest_step only in the binary" digest_step \
	"$(names only_in_binary)"
check_eq "  ... --json: drift is true" 1 "$(json_get "$JS" '$j->{drift} ? 1 : 0')"

section "stacked: helper.sut on fix.sut"
check "suture apply helper.sut" suture apply "$pid" "$WORK/helper.sut"
want=$(replaced)
run suture drift "$pid"
check_eq "drift against its own file: the functions both replaced" \
	"$want" "$(differ_lines)"
check_match "  ... digest runs patch 'helper' (2.)" \
	"^  digest +runs patch 'helper' \(2\.\)" "$OUT"
check_match "  ... compute still runs patch 'fix' (1.)" \
	"^  compute +runs patch 'fix' \(1\.\)" "$OUT"
check_match "  ... both patches, in order, with the base" \
	'^patches: +1\. fix, 2\. helper \(on fix\)$' "$OUT"
JS=$(drift_json "$pid")
check_eq "  ... --json lists the same functions" "$want" "$(names differ)"
check_eq "  ... --json: the patches and their seq" "1 fix 2 helper" \
	"$(json_get "$JS" 'join " ", map { "$_->{seq} $_->{name}" } @{$j->{patches}}')"
# What really happens against the release with both diffs: the patch's
# digest calls its new helper digest_step inside the patch region, which
# the record does not name, so exactly that call differs, and
# digest_step counts as only in the binary.
run suture drift "$pid" "$WORK/rel-both/calc" --diff
check_eq "drift --diff against the release with both diffs: exit 1" 1 "$RC"
check_match "  ... service_handle and digest run patch 'helper'" \
	"^  digest +runs patch 'helper'" "$OUT"
marked=$(grep -E '^ [-+] ' <<<"$OUT")
check_match "  ... the process calls the patch's unnamed helper" \
	"^ - +[0-9a-f]+ +callq? <code of patch helper at 0x[0-9a-f]+>" "$marked"
check_match "  ... where the release calls digest_step" \
	"^ \+ +[0-9a-f]+ +callq? digest_step$" "$marked"
check_eq "  ... and nothing else differs in their code" "" \
	"$(grep -vE 'callq? (<code of patch helper at 0x[0-9a-f]+>|digest_step)$' <<<"$marked")"
check_match "  ... digest_step listed as only in the binary" \
	'^  digest_step' "$OUT"

section "after revert --all"
check "suture revert --all" suture revert "$pid" --all
run suture drift "$pid"
check_eq "drift against its own file: exit 0 again" 0 "$RC"
check_match "  ... no patch" '^patches: +none' "$OUT"
run suture drift "$pid" "$WORK/rel-fix/calc"
check_eq "drift against the fixed release: the same functions differ as before the apply" \
	"$fresh_vs_fix" "$(differ_lines)"
check_alive "the process was not disturbed" "$pid" "$port"

section "refused"
run suture drift 999999999
check_eq "a PID that does not exist: exit 2" 2 "$RC"
check_match "  ... saying so" 'no process with PID' "$OUT"
run suture drift "$pid" "$SRC/calc.c"
check_eq "a binary that is no ELF file: exit 2" 2 "$RC"
cat >"$WORK/other.c" <<'C'
int other_function(int x) { return x * 3; }
int main(int argc, char **argv) { return other_function(argc); }
C
gcc -O2 -g -o "$WORK/other" "$WORK/other.c"
run suture drift "$pid" "$WORK/other"
check_eq "another program: exit 2" 2 "$RC"
check_match "  ... no function in common" 'no function in common' "$OUT"
run suture drift
check_eq "no PID: usage, exit 2" 2 "$RC"
NB=(setpriv --reuid=65534 --regid=65534 --clear-groups)
UDIR=$(mktemp -d /tmp/suture-drift.XXXXXX)
trap 'cleanup; rm -rf "$UDIR"' EXIT
cp "$SUTURE" "$UDIR/" && chmod 755 "$UDIR" "$UDIR/suture"
run "${NB[@]}" "$UDIR/suture" drift "$pid"
check_eq "another user's process: exit 2" 2 "$RC"
check_match "  ... saying it may not be read" \
	"another user|not permitted|permission" "$OUT"
finish
