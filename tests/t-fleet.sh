#!/bin/bash
# t-fleet.sh - patching by what processes run, not by PID (targets/fleet:
# programs alpha and beta share libfleet.so; fix.diff makes fleet_parse
# read hexadecimal, with strtoul, which the library did not import).
#   - libfleet.so is upgraded on disk (to the fixed build) after alpha and
#     beta started, so they map it "(deleted)"; one alpha started after
#     the upgrade runs the new build and must never be chosen;
#   - `suture status --all fix.sut` lists them as patchable, then patched;
#   - `suture apply fix.sut --exe alpha` patches the alphas only, `suture
#     apply fix.sut` then beta (the alphas skipped: applied already), and
#     `suture revert NAME` reverts all; a summary line each;
#   - `--unit NAME.service` chooses a process by its cgroup (a cgroup v2
#     directory made for the test);
#   - a process traced by strace is skipped and named;
#   - a forked worker patched alone warns about its parent;
#   - a child forked after an apply gets its /tmp/perf-PID.map from the
#     next suture command that reads it (status, status --all);
#   - `suture drift` names the patch's call to strtoul as the release
#     does (on main: "<code of patch fix at ...>").
# The cgroup v2 hierarchy: the machine's (findmnt), else one mounted in a
# private mount namespace the script re-executes itself in.
if [ -z "$(findmnt -rno TARGET -t cgroup2 | head -n1)" ] &&
	[ "${1-}" != --in-private-mounts ]; then
	exec unshare --mount --propagation private -- "$BASH" "$0" \
		--in-private-mounts
fi
. "$(dirname "$0")/lib.sh"
begin fleet

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/fleet
REL=$WORK/rel
make_tree fleet "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
make_tree fleet "$REL"
patch -sp1 -d "$REL" <"$TARGETS/fleet/fix.diff"
build_tree "$REL" "${MAKEARGS[@]}" || finish
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/fleet/fix.diff" libfleet.so \
	"${MAKEARGS[@]}" || finish
name=$(patch_name "$WORK/fix.sut")
old_id=$(build_id "$SRC/libfleet.so")

# parse_in PORT - how the process at PORT reads "0x10": 0 (old), 16 (new).
parse_in() {
	case $(ask "$1" who) in
	alpha) ask "$1" "parse 0x10" ;;
	beta) ask "$1" "sum 0x10 0" ;;
	*) echo "<not alpha or beta>" ;;
	esac
}
# check_code WHAT PORT old|new - the process at PORT runs that code.
check_code() {
	local want=0
	[ "$3" = new ] && want=16
	check_eq "$1 runs the $3 fleet_parse" "$want" "$(parse_in "$2")"
}
# live PID - the names of the patches status lists for PID, space-separated.
live() { status_names "$1" | tr '\n' ' ' | sed 's/ $//'; }

start_target A1 "$SRC/alpha" || finish
start_target A2 "$SRC/alpha" || finish
start_target B1 "$SRC/beta" || finish
sleep 1000 &
OTHER=$!
PIDS+=("$OTHER")

section "the library upgraded on disk under the running processes"
cp "$SRC/libfleet.so" "$WORK/libfleet-old.so"
cp "$REL/libfleet.so" "$SRC/libfleet.so.new" &&
	mv -f "$SRC/libfleet.so.new" "$SRC/libfleet.so"
check_ne "the new libfleet.so has another build-id" "$old_id" \
	"$(build_id "$SRC/libfleet.so")"
check_match "alpha maps the old libfleet.so as (deleted)" \
	"libfleet\.so \(deleted\)" "$(cat "/proc/$A1_PID/maps")"
start_target A3 "$SRC/alpha" || finish
check_code "alpha started after the upgrade" "$A3_PORT" new
ALL=("$A1_PID" "$A2_PID" "$B1_PID")

section "status --all FILE: who could get the patch"
run suture status --all "$WORK/fix.sut" --json
js=$OUT
got=$(json_get "$js" 'join " ", sort { $a <=> $b } map { $_->{pid} }
	grep { @{$_->{patchable}} } @{$j->{processes}}')
check_eq "status --all lists the three processes of the old build as patchable" \
	"$(printf '%s\n' "${ALL[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//')" "$got"
check_eq "  ... by the deleted file" "1" \
	"$(json_get "$js" "scalar grep { \$_->{pid} == $B1_PID && \$_->{patchable}[0]{deleted} } @{\$j->{processes}}")"
run suture status --all "$WORK/fix.sut"
check_match "  ... text: beta patchable by fix.sut, module (deleted)" \
	"patchable: .*fix\.sut \(patch '$name' for .*libfleet\.so \(deleted\)\)" "$OUT"

section "apply --exe: only alpha's processes"
run suture apply "$WORK/fix.sut" --exe "$SRC/alpha"
check_eq "suture apply fix.sut --exe alpha: exit 0" 0 "$RC"
check_match "  ... the summary: 2 patched" \
	"^patched 2 processes, 0 failed, 0 skipped$" "$OUT"
check_code "A1" "$A1_PORT" new
check_code "A2" "$A2_PORT" new
check_code "B1 (beta, not chosen)" "$B1_PORT" old
check_eq "the alpha of the new build has no patch" "" "$(live "$A3_PID")"

section "apply by build-id: every process of the old build"
run suture apply "$WORK/fix.sut"
check_eq "suture apply fix.sut: exit 0" 0 "$RC"
check_match "  ... the summary: beta patched, the alphas skipped" \
	"^patched 1 process, 0 failed, 2 skipped \(2 applied already\)$" "$OUT"
check_nomatch "  ... the new build's alpha is no target" \
	"(PID|process) $A3_PID\b" "$OUT"
check_code "B1" "$B1_PORT" new
check_code "A1 (still)" "$A1_PORT" new
check_eq "  ... with the patch once" "$name" "$(live "$A1_PID")"
check_eq "the alpha of the new build still has no patch" "" "$(live "$A3_PID")"
check_eq "sleep, which maps no libfleet.so, has no patch" "" "$(live "$OTHER")"
run suture status --all "$WORK/fix.sut" --json
check_eq "status --all: the three have the patch applied" \
	"$(printf '%s\n' "${ALL[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
	"$(json_get "$OUT" 'join " ", sort { $a <=> $b } map { $_->{pid} }
		grep { grep { $_->{name} eq "'"$name"'" } @{$_->{applied}} }
		@{$j->{processes}}')"

section "drift names the patch's call to strtoul as the release does"
run suture drift "$A1_PID" "$REL/libfleet.so"
check_eq "drift against the fixed release: exit 0 (no difference)" 0 "$RC"
check_nomatch "  ... no call to unnamed patch code" "code of patch" "$OUT"
run suture drift "$A1_PID" "$WORK/libfleet-old.so" --diff
check_match "drift against the old build: the process calls strtoul" \
	"^ -.*(call|jmp)q? strtoul$" "$OUT"

section "revert NAME: every process that has it"
run suture revert "$name"
check_eq "suture revert $name: exit 0" 0 "$RC"
check_match "  ... the summary: 3 reverted" \
	"^reverted in 3 processes, 0 failed, 0 skipped$" "$OUT"
for v in A1 A2 B1; do
	port=${v}_PORT
	check_code "$v after revert" "${!port}" old
done
run suture revert "$name"
check_match "a second revert $name: no process has it" \
	"no process runs a live patch named '$name'" "$OUT"

section "--unit: a process chosen by its systemd unit (cgroup)"
CG=$(findmnt -rno TARGET -t cgroup2 | head -n1)
if [ -z "$CG" ]; then
	CG=$WORK/cgroup2
	mkdir -p "$CG" && mount -t cgroup2 none "$CG"
fi
UNIT=suture-fleet-$$.service
cg_cleanup() {
	[ -d "$CG/$UNIT" ] || return 0
	while read -r p; do echo "$p" >"$CG/cgroup.procs"; done <"$CG/$UNIT/cgroup.procs"
	rmdir "$CG/$UNIT"
}
trap 'cg_cleanup; cleanup' EXIT
mkdir "$CG/$UNIT" && echo "$B1_PID" >"$CG/$UNIT/cgroup.procs"
check_match "beta is in $UNIT" "^0::/$UNIT$" "$(cat "/proc/$B1_PID/cgroup")"
run suture apply "$WORK/fix.sut" --unit "$UNIT"
check_match "suture apply fix.sut --unit $UNIT: beta alone" \
	"^patched 1 process, 0 failed, 0 skipped$" "$OUT"
check_code "B1 (in the unit)" "$B1_PORT" new
check_code "A1 (not in it)" "$A1_PORT" old
run suture revert "$name" --unit "${UNIT%.service}"
check_match "suture revert $name --unit (without .service): beta" \
	"^reverted in 1 process, 0 failed, 0 skipped$" "$OUT"
check_code "B1 after revert" "$B1_PORT" old
cg_cleanup

section "a process traced by another is skipped, and named"
strace -p "$B1_PID" -o /dev/null 2>/dev/null &
TRACER=$!
PIDS+=("$TRACER")
poll grep -q "^TracerPid:[[:space:]]*$TRACER$" "/proc/$B1_PID/status"
run suture apply "$WORK/fix.sut" --exe "$SRC/beta"
check_match "apply --exe beta: beta skipped, naming strace" \
	"^skipped process $B1_PID: process $B1_PID \(beta\) is already being traced by process $TRACER \(strace\)" "$OUT"
check_match "  ... and counted" \
	"^patched 0 processes, 0 failed, 1 skipped \(1 traced by another process\)$" "$OUT"
stop_target "$TRACER"
check_code "B1, skipped" "$B1_PORT" old

section "a worker patched without its parent: a warning"
check_match "A1 forks a worker" '^[0-9]+$' "$(ask "$A1_PORT" fork)"
poll test -s "$WORK/A1.port.child"
W=$(cat "$WORK/A1.port.child")
WPID=$(ask "$W" pid)
PIDS+=("$WPID")
run suture apply "$WPID" "$WORK/fix.sut"
check_match "suture apply WORKER fix.sut warns about the parent" \
	"^warning: process $A1_PID \(alpha\), the parent of $WPID, runs the same code \(.*libfleet\.so \(deleted\)\) and is not patched" "$OUT"
check_code "the worker" "$W" new
check_code "its parent" "$A1_PORT" old
run suture revert "$WPID"
run suture apply "$WORK/fix.sut" --pid "$WPID"
check_match "the build-id form narrowed to the worker warns too" \
	"^warning: process $A1_PID \(alpha\), the parent of $WPID" "$OUT"
run suture revert "$name"

section "a child forked after the apply gets its perf map"
check "suture apply A2 fix.sut" suture apply "$A2_PID" "$WORK/fix.sut"
ours() { grep -F "[suture:$name]" "/tmp/perf-$1.map" 2>/dev/null | sort; }
parent_lines=$(ours "$A2_PID")
check_match "A2's map names fleet_parse" " fleet_parse \[suture:$name\]" "$parent_lines"
for how in "status CHILD" "status --all"; do
	rm -f "$WORK/A2.port.child"
	ask "$A2_PORT" fork >/dev/null
	poll test -s "$WORK/A2.port.child"
	cport=$(cat "$WORK/A2.port.child")
	cpid=$(ask "$cport" pid)
	PIDS+=("$cpid")
	check_code "the child $cpid" "$cport" new
	if [ -e "/tmp/perf-$cpid.map" ]; then
		fail "no map file for the child before a suture command" \
			"$(cat "/tmp/perf-$cpid.map")"
	fi
	if [ "$how" = "status CHILD" ]; then
		run suture status "$cpid"
	else
		run suture status --all
	fi
	check_eq "after suture $how: the child's map has the parent's lines" \
		"$parent_lines" "$(ours "$cpid")"
done
run suture revert "$A2_PID"

finish
