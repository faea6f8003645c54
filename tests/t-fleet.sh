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
#   - a forked worker patched alone warns about its parent, also on a
#     kernel without PROCMAP_QUERY (targets/noquery); the worker's own
#     worker about both (the second's build-id known from the first);
#   - a child forked after an apply gets its /tmp/perf-PID.map from the
#     next suture command that reads it (status, status --all, a revert
#     of its parent);
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
# A name of its own: `suture revert NAME` reverts it in every process of
# the machine, and other tests' patches are called "fix".
BUILD_OPTS=(--name "fleet-$$")
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/fleet/fix.diff" libfleet.so \
	"${MAKEARGS[@]}" || finish
BUILD_OPTS=()
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
# codes V... - "V=old" or "V=new" for each process named V (V_PORT set).
codes() {
	local v port out=()
	for v in "$@"; do
		port=${v}_PORT
		case $(parse_in "${!port}") in
		0) out+=("$v=old") ;;
		16) out+=("$v=new") ;;
		*) out+=("$v=?") ;;
		esac
	done
	echo "${out[*]}"
}
# live PID - the names of the patches status lists for PID, space-separated.
live() { status_names "$1" | tr '\n' ' ' | sed 's/ $//'; }
# need WHAT CMD... - a precondition: counts a failure only if CMD fails.
need() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 || fail "$what" "\$ $*"
}

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
need "the new libfleet.so has another build-id" \
	test "$old_id" != "$(build_id "$SRC/libfleet.so")"
need "alpha maps the old libfleet.so as (deleted)" \
	grep -q "libfleet\.so (deleted)" "/proc/$A1_PID/maps"
start_target A3 "$SRC/alpha" || finish
need "alpha started after the upgrade runs the new code" \
	test "$(codes A3)" = A3=new
ALL=("$A1_PID" "$A2_PID" "$B1_PID")

section "drift names the patch's call to strtoul as the release does"
check "suture apply A1 fix.sut (by PID)" suture apply "$A1_PID" "$WORK/fix.sut"
run suture drift "$A1_PID" "$REL/libfleet.so"
check_eq "drift against the fixed release: exit 0 (no difference)" 0 "$RC"
check_match "  ... both functions identical" " 2 identical, 0 differ" "$OUT"
run suture drift "$A1_PID" "$WORK/libfleet-old.so" --diff
check_match "drift against the old build: the process calls strtoul" \
	"^ -.*(call|jmp)q? strtoul$" "$OUT"
run suture revert "$A1_PID"

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
check_eq "  ... the alphas run the new code, beta (not chosen) the old" \
	"A1=new A2=new B1=old" "$(codes A1 A2 B1)"
check_eq "  ... the alpha of the new build got no patch" \
	"A1:$name A3:" "A1:$(live "$A1_PID") A3:$(live "$A3_PID")"

section "apply by build-id: every process of the old build"
run suture apply "$WORK/fix.sut"
check_eq "suture apply fix.sut: exit 0" 0 "$RC"
check_match "  ... the summary: beta patched, the alphas skipped" \
	"^patched 1 process, 0 failed, 2 skipped \(2 applied already\)$" "$OUT"
check_eq "  ... all of the old build run the new code" \
	"A1=new A2=new B1=new" "$(codes A1 A2 B1)"
check_eq "  ... the patch once in A1; none in the new build's alpha (not named), nor sleep" \
	"A1:$name A3: sleep: named:0" \
	"A1:$(live "$A1_PID") A3:$(live "$A3_PID") sleep:$(live "$OTHER") named:$(grep -cE "(PID|process) $A3_PID\b" <<<"$OUT")"
run suture status --all "$WORK/fix.sut" --json
check_eq "status --all: the three have the patch applied" \
	"$(printf '%s\n' "${ALL[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
	"$(json_get "$OUT" 'join " ", sort { $a <=> $b } map { $_->{pid} }
		grep { grep { $_->{name} eq "'"$name"'" } @{$_->{applied}} }
		@{$j->{processes}}')"

section "revert NAME: every process that has it"
before=$(codes A1 A2 B1)
run suture revert "$name"
check_eq "suture revert $name: exit 0" 0 "$RC"
check_match "  ... the summary: 3 reverted" \
	"^reverted in 3 processes, 0 failed, 0 skipped$" "$OUT"
check_eq "  ... new code before, old code after" \
	"A1=new A2=new B1=new -> A1=old A2=old B1=old" \
	"$before -> $(codes A1 A2 B1)"
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
need "beta is in $UNIT" grep -qx "0::/$UNIT" "/proc/$B1_PID/cgroup"
run suture apply "$WORK/fix.sut" --unit "$UNIT"
check_match "suture apply fix.sut --unit $UNIT: beta alone" \
	"^patched 1 process, 0 failed, 0 skipped$" "$OUT"
check_eq "  ... beta (in the unit) runs the new code, the alphas the old" \
	"A1=old A2=old B1=new" "$(codes A1 A2 B1)"
run suture revert "$name" --unit "${UNIT%.service}"
check_match "suture revert $name --unit (without .service): beta" \
	"^reverted in 1 process, 0 failed, 0 skipped$" "$OUT"
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
need "beta, skipped, runs the old code" test "$(codes B1)" = B1=old

section "suture itself is never a target"
# This suture maps the old libfleet.so (a copy of the same build), and
# --exe names its own program: it alone would be the target.
run env LD_PRELOAD="$WORK/libfleet-old.so" "$SUTURE" apply "$WORK/fix.sut" \
	--exe "$SUTURE"
check_match "apply FILE from a suture that maps the module: not a target" \
	"^suture apply: no process chosen by --exe, --unit or --pid runs the module|suture itself is never a target" "$OUT"
run env LD_PRELOAD="$WORK/libfleet-old.so" "$SUTURE" status --all \
	"$WORK/fix.sut" --json
check_eq "  ... status --all lists the three, not itself" \
	"$(printf '%s\n' "${ALL[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
	"$(json_get "$OUT" 'join " ", sort { $a <=> $b } map { $_->{pid} }
		grep { @{$_->{patchable}} } @{$j->{processes}}')"

section "a worker patched without its parent: a warning"
ask "$A1_PORT" fork >/dev/null
need "A1 forks a worker" poll test -s "$WORK/A1.port.child"
W=$(cat "$WORK/A1.port.child")
WPID=$(ask "$W" pid)
PIDS+=("$WPID")
run suture apply "$WPID" "$WORK/fix.sut"
check_match "suture apply WORKER fix.sut warns about the parent" \
	"^warning: process $A1_PID \(alpha\), the parent of $WPID, runs the same code \(.*libfleet\.so \(deleted\)\) and is not patched" "$OUT"
W_PORT=$W
need "the worker runs the new code, its parent the old" \
	test "$(codes W A1)" = "W=new A1=old"
run suture revert "$WPID"
run suture apply "$WORK/fix.sut" --pid "$WPID"
check_match "the build-id form narrowed to the worker warns too" \
	"^warning: process $A1_PID \(alpha\), the parent of $WPID" "$OUT"
run suture revert "$name"
# The ancestors' modules come from the kernel's PROCMAP_QUERY where it has
# one (Linux 6.11), else from their maps and files: the same warning.
gcc -O2 -o "$WORK/noquery" "$TARGETS/noquery/noquery.c"
run "$WORK/noquery" "$SUTURE" apply "$WPID" "$WORK/fix.sut"
check_match "without PROCMAP_QUERY (a kernel before 6.11): the same warning" \
	"^warning: process $A1_PID \(alpha\), the parent of $WPID, runs the same code \(.*libfleet\.so \(deleted\)\) and is not patched" "$OUT"
run suture revert "$WPID"
# The worker's own worker: two ancestors map the library; the second's
# build-id is the one the walk has from the first, not asked again.
rm -f "$WORK/A1.port.child" # the worker's child writes the same name
ask "$W" fork >/dev/null
need "the worker forks a worker" poll test -s "$WORK/A1.port.child"
GWPID=$(ask "$(cat "$WORK/A1.port.child")" pid)
PIDS+=("$GWPID")
run suture apply "$GWPID" "$WORK/fix.sut"
check_match "a worker's worker patched alone: a warning about its parent" \
	"^warning: process $WPID \(alpha\), the parent of $GWPID, runs the same code \(.*libfleet\.so \(deleted\)\)" "$OUT"
check_match "  ... and one about the ancestor above it" \
	"^warning: process $A1_PID \(alpha\), the ancestor of $GWPID, runs the same code \(.*libfleet\.so \(deleted\)\)" "$OUT"
run suture revert "$GWPID"

section "a child forked after the apply gets its perf map"
need "suture apply A2 fix.sut" suture apply "$A2_PID" "$WORK/fix.sut"
ours() { grep -F "[suture:$name]" "/tmp/perf-$1.map" 2>/dev/null | sort; }
parent_lines=$(ours "$A2_PID")
need "A2's map names fleet_parse" grep -q " fleet_parse " <<<"$parent_lines"
for how in "status CHILD" "status --all" "revert A2 (the parent)"; do
	rm -f "$WORK/A2.port.child"
	ask "$A2_PORT" fork >/dev/null
	poll test -s "$WORK/A2.port.child"
	cport=$(cat "$WORK/A2.port.child")
	cpid=$(ask "$cport" pid)
	PIDS+=("$cpid")
	C_PORT=$cport
	need "the child runs the new code" test "$(codes C)" = C=new
	if [ -e "/tmp/perf-$cpid.map" ]; then
		fail "no map file for the child before a suture command" \
			"$(cat "/tmp/perf-$cpid.map")"
	fi
	case $how in
	"status CHILD") run suture status "$cpid" ;;
	"status --all") run suture status --all ;;
	*) run suture revert "$A2_PID" ;;
	esac
	check_eq "after suture $how: the child's map has the parent's lines" \
		"$parent_lines" "$(ours "$cpid")"
done

section "a user who may not open map_files: a replaced library is said, not passed over"
# As in t-failures: what nobody needs goes to a directory under /tmp.
NB=(setpriv --reuid=65534 --regid=65534 --clear-groups)
UDIR=$(mktemp -d /tmp/suture-fleet.XXXXXX)
trap 'cg_cleanup; cleanup; rm -rf "$UDIR"' EXIT
cp "$SUTURE" "$SRC/alpha" "$WORK/fix.sut" "$UDIR/"
cp "$WORK/libfleet-old.so" "$UDIR/libfleet.so"
chmod 777 "$UDIR"
chmod 755 "$UDIR/suture" "$UDIR/alpha" "$UDIR/libfleet.so"
chmod 644 "$UDIR/fix.sut"
WORK_SAVED=$WORK
WORK=$UDIR
start_target N "${NB[@]}" "$UDIR/alpha" || finish
WORK=$WORK_SAVED
cp "$REL/libfleet.so" "$UDIR/new.so" && chmod 755 "$UDIR/new.so" &&
	mv -f "$UDIR/new.so" "$UDIR/libfleet.so"
need "nobody's alpha maps the old libfleet.so (deleted)" \
	grep -q "$UDIR/libfleet.so (deleted)" "/proc/$N_PID/maps"
run "${NB[@]}" "$UDIR/suture" apply "$UDIR/fix.sut"
check_match "nobody's apply FILE names the process it cannot know" \
	"^note: process $N_PID \(alpha\) maps $UDIR/libfleet\.so \(deleted\), which suture could not open" "$OUT"
run "${NB[@]}" "$UDIR/suture" status --all "$UDIR/fix.sut"
check_match "  ... and so does status --all" \
	"^  unknown: +maps $UDIR/libfleet\.so \(deleted\), which suture could not open" "$OUT"

finish
