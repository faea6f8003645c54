#!/bin/bash
# t-far.sh - a patch that starts to use what lies in other modules: libc's
# stderr, environ and optind, libfar.so's counter, table, function pointer
# variable and function, and libc functions that are IFUNCs no module of
# the process imports (strstr, wcsncmp).  targets/far's probe() checks
# each against what the library itself sees (far.diff) and answers
# "new NAME=1 ..." for every check that held.  data.diff is far.diff
# without the IFUNCs, for gcc's programs: on main, the IFUNCs are refused
# first, and data.diff shows the far data refused too.
#
# gcc reaches such data from an executable with 32-bit fields, meant for
# copies the linker never made for the original program: apply rewrites
# those instructions to go through a slot of the patch.  Every variant is
# patched live, checked, reverted and checked again: gcc and clang, -O0
# and -O2, PIE and not, probe() in the program (app) and in a shared
# library (libprobe.so, in appso).  Then an instruction that cannot be
# rewritten (it stores %rsp itself, sp.diff) is refused, naming it, and
# the process is left as it was; suture build warned of it, and of nothing
# for the other diffs.  Last, thunks count as their function's
# code: a thread spins calling spin_step(), which spin-far.diff makes read
# libfar.so's data through two thunks; twenty times, spin-b.diff (built
# --on it) is applied, its post-apply hook noting the old version's count
# in the stop, and the old version must never count again afterwards.
# And a jump whose field is a plain PC32 (pc32.diff, as older assemblers
# wrote calls) reaches libfar.so through a thunk.
# FAR="gcc:-O2:nopie" tests/run far   runs a subset.
. "$(dirname "$0")/lib.sh"
begin far

CONFIGS=${FAR:-"gcc:-O0:pie gcc:-O0:nopie gcc:-O2:pie gcc:-O2:nopie
	clang:-O0:pie clang:-O0:nopie clang:-O2:pie clang:-O2:nopie"}
DATA="new stderr=1 environ=1 optind=1 counter=1 table=1 hook=1 tail=1"
DATA="$DATA store=1 fptr=1"
ALL="$DATA ifunc=1 ifptr=1"
# probe() checks that environ holds this
export FAR_MARK=here

# stopped_refused TAG PID PORT - a SIGSTOPped process runs no IFUNC
# resolver: apply refused naming the stop, the process still stopped and
# unpatched.
stopped_refused() {
	local out
	stop_process "$2"
	out=$("$SUTURE" apply "$2" "$WORK/$1.sut" 2>&1)
	check_match "$1: stopped, the IFUNC resolver is not run: refused" \
		"needs its resolver run in process $2, which is stopped" "$out"
	check_eq "$1:   ... still stopped" T "$(state_of "$2")"
	kill -CONT "$2"
	check_ask "$1:   ... and the old probe runs" "$3" "probe hello" \
		"old hello"
}

# cycle TAG SRC BINARY PROGRAM DIFF NEW - patch BINARY (app or
# libprobe.so) of the tree SRC with DIFF in a running PROGRAM, check that
# probe answers NEW, revert, check.
cycle() {
	local tag=$1 src=$2 bin=$3 prog=$4 diff=$5 new=$6 pid port name
	build_patch "$WORK/$tag.sut" "$src" "$TARGETS/far/$diff" "$bin" \
		"${ARGS[@]}" || return
	check_nomatch "$tag: suture build foresees no refusal" \
		"cannot be made to go through a slot" "$OUT"
	start_target F "$src/$prog" || return
	pid=$F_PID port=$F_PORT
	check_ask "$tag: before, the old probe" "$port" "probe hello" \
		"old hello"
	name=$(patch_name "$WORK/$tag.sut")
	[ "$diff" = far.diff ] && stopped_refused "$tag" "$pid" "$port"
	check "$tag: suture apply" suture apply "$pid" "$WORK/$tag.sut"
	check_ask "$tag: applied, every check of the new code holds" \
		"$port" "probe hello" "$new"
	check_ask "$tag: and again (libfar's counter read back)" \
		"$port" "probe hello" "$new"
	check_ask "$tag: libfar.so counted the patch's two writes" \
		"$port" counter 20
	check_match "$tag: the new code wrote to libc's stderr" \
		"^far probe hello$" "$(cat "$WORK/F.log")"
	check_status "$pid" "$tag applied" "$name"
	check "$tag: suture revert" suture revert "$pid"
	check_ask "$tag: reverted, the old probe" "$port" "probe hello" \
		"old hello"
	check_ask "$tag: libfar.so's counter kept its value" "$port" \
		counter 20
	check_status "$pid" "$tag reverted"
	check_alive "$tag: alive at the end" "$pid" "$port"
	stop_target "$pid"
}

# one CC OPT PIE - build the tree once, then both variants.
one() {
	local cc=$1 opt=$2 pie=$3 tag=$1$2-$3 src flags="$2 -g -fPIE" ld=-pie
	if [ "$pie" = nopie ]; then
		flags="$opt -g -fno-pie"
		ld=-no-pie
	fi
	ARGS=(CC="$cc" "CFLAGS=$flags" "LDFLAGS=$ld")
	section "$tag: make ${ARGS[*]}"
	src=$WORK/$tag
	make_tree far "$src"
	build_tree "$src" "${ARGS[@]}" || return
	check_nomatch "$tag: the program refers to none of the new data" \
		" (stderr|environ|optind|far_counter|far_table|far_hook)\b" \
		"$(readelf -rW --dyn-syms "$src/app" "$src/appso")"
	check_nomatch "$tag: no module imports strstr or wcsncmp" \
		" (strstr|wcsncmp)\b" \
		"$(readelf -rW "$src"/app* "$src"/lib*.so)"
	cycle "$tag-app" "$src" app app far.diff "$ALL"
	cycle "$tag-so" "$src" libprobe.so appso far.diff "$ALL"
	[ "$cc" = gcc ] &&
		cycle "$tag-data" "$src" app app data.diff "$DATA"
}

for c in $CONFIGS; do
	IFS=: read -r cc opt pie <<<"$c"
	one "$cc" "$opt" "$pie"
done

section "refused: an instruction a thunk cannot move"
ARGS=(CC=gcc "CFLAGS=-O2 -g -fPIE" LDFLAGS=-pie)
SRC=$WORK/refuse
make_tree far "$SRC"
WHY="the reference to 'far_scratch' at \.text\.probe\+0x[0-9a-f]+ \(R_X86_64_PC32\) cannot be made to go through a slot: the instruction 'movq %rsp, .*\(%rip\)' cannot be rewritten to reach it: it uses the stack pointer"
if build_tree "$SRC" "${ARGS[@]}" &&
	build_patch "$WORK/sp.sut" "$SRC" "$TARGETS/far/sp.diff" app \
		"${ARGS[@]}" && start_target R "$SRC/app"; then
	check_match "suture build warns, naming the instruction and why" \
		"warning: $WHY; apply will refuse the patch" "$OUT"
	before=$(suture_maps "$R_PID")
	check_fails "apply sp.diff is refused" suture apply "$R_PID" \
		"$WORK/sp.sut"
	check_match "  ... naming the reference, the instruction and why" \
		"cannot bind a reference that its 32-bit field does not reach: $WHY" \
		"$OUT"
	check_ask "  ... and the process runs the old code" "$R_PORT" \
		"probe hello" "old hello"
	check_eq "  ... with no patch memory left" "$before" \
		"$(suture_maps "$R_PID")"
	check_status "$R_PID" "after the refusal"
fi

section "a thread inside a thunk is inside its function"
SRC=$WORK/spin
make_tree far "$SRC"
if build_tree "$SRC" "${ARGS[@]}" &&
	build_patch "$WORK/spin-far.sut" "$SRC" "$TARGETS/far/spin-far.diff" \
		app "${ARGS[@]}" &&
	BUILD_OPTS=(--on "$WORK/spin-far.sut") &&
	build_patch "$WORK/spin-b.sut" "$SRC" "$TARGETS/far/spin-b.diff" \
		app "${ARGS[@]}" && start_target P "$SRC/app"; then
	BUILD_OPTS=()
	ask "$P_PORT" spin >/dev/null	# starts the spinning thread
	check "apply spin-far.sut" suture apply "$P_PID" "$WORK/spin-far.sut"
	applied=0 late=""
	for ((i = 0; i < 20; i++)); do
		suture apply "$P_PID" "$WORK/spin-b.sut" >/dev/null 2>&1 &&
			applied=$((applied + 1))
		read -r a b mark <<<"$(ask "$P_PORT" spin)"
		[ "$a" = "$mark" ] || late="$late $((a - mark))"
		suture revert "$P_PID" spin-b >/dev/null 2>&1
	done
	check_eq "spin-b.sut applied and reverted 20 times" 20 "$applied"
	check_eq "  ... the old spin_step never ran after a switch" "" "$late"
	check_alive "  ... the process runs on" "$P_PID" "$P_PORT"
fi
BUILD_OPTS=()

section "a jump whose field is a plain PC32"
ARGS=(CC=gcc "CFLAGS=-O2 -g -fno-pie" LDFLAGS=-no-pie)
SRC=$WORK/pc32
make_tree far "$SRC"
# (only the program: a shared library cannot link such a jump)
if build_tree "$SRC" app "${ARGS[@]}" &&
	build_patch "$WORK/pc32.sut" "$SRC" "$TARGETS/far/pc32.diff" app \
		app "${ARGS[@]}" && start_target Q "$SRC/app"; then
	check "apply pc32.sut" suture apply "$Q_PID" "$WORK/pc32.sut"
	check_ask "  ... the jump reaches libfar.so's far_twice" "$Q_PORT" \
		"probe hello" "pc32 42"
	check "revert pc32.sut" suture revert "$Q_PID"
	check_ask "  ... the old probe again" "$Q_PORT" "probe hello" \
		"old hello"
fi

finish
