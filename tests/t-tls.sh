#!/bin/bash
# t-tls.sh - patched code that uses thread-local variables (targets/tls):
# four worker threads each count calls in their own __thread variables;
# count.diff makes tick() also bump the thread's tick_extra and answer in a
# new form.  Every worker checks every answer against its own count, and a
# thread started after apply (`fresh`) does too, so an answer computed
# from another thread's variables, or from none, is an error.  For each
# way the compilers reach TLS (the objects' relocations show which) and
# each place the module's TLS lives in (the executable, also built from
# -fPIC objects whose TLS the linker relaxed; a library linked at start,
# static TLS; a dlopen()ed one, dynamic TLS): apply, every worker
# and a new thread on the new code without error, revert, back to the old
# code, the counters kept.  Refused: initial-exec and TLS descriptor code
# for a library in dynamic TLS (at apply, the process unchanged), and a new
# thread-local variable and another module's (at build).
. "$(dirname "$0")/lib.sh"
begin tls

# stats_are PORT RE - the workers' stats line matches RE.
stats_are() {
	[[ $(ask "$1" stats) =~ $2 ]]
}

# check_version PORT old|new WHEN - every worker and a fresh thread answer
# the old (1) or new (2) way, and no answer was ever wrong.
check_version() {
	local port=$1 v=1 fresh="v1=100 v2=0 errors=0"
	[ "$2" = new ] && v=2 fresh="v1=0 v2=100 errors=0"
	wait_until "$3: every worker gets $2 answers" \
		stats_are "$port" "last=$v$v$v$v\$"
	check_match "$3: no worker saw a wrong answer" "errors=0 " \
		"$(ask "$port" stats)"
	check_ask "$3: a new thread gets 100 $2 answers, all right" "$port" \
		fresh "$fresh"
}

# tls_case NAME BIN PATCHBIN RELOCS MAKEARGS... - build targets/tls's BIN
# with MAKEARGS, check that the patched module's objects use the
# relocation types RELOCS (an ERE each, space-separated), build
# count.diff for PATCHBIN, then apply and revert it in a running BIN.
tls_case() {
	local name=$1 bin=$2 pbin=$3 relocs=$4 src=$WORK/$1 re objs pid port
	shift 4
	section "$name: $bin ($pbin patched), make $*"
	make_tree tls "$src"
	build_tree "$src" "$@" "$bin" || return
	objs=$(cd "$src" && readelf -rW tick*.o)
	for re in $relocs; do
		check_match "$name: tick.c's code uses $re" "$re" "$objs"
	done
	build_patch "$WORK/$name.sut" "$src" "$TARGETS/tls/count.diff" \
		"$pbin" "$@" "$bin" || return
	start_target T "$src/$bin" || return
	pid=$T_PID port=$T_PORT
	check_version "$port" old "$name: before apply"
	check "$name: apply" suture apply "$pid" "$WORK/$name.sut"
	check_version "$port" new "$name: after apply"
	check "$name: revert" suture revert "$pid"
	check_version "$port" old "$name: after revert"
	stop_target "$pid"
}

GCC=(CC=gcc "CFLAGS=-O2 -g")
tls_case exe-gcc prog prog "R_X86_64_TPOFF32 R_X86_64_GOTTPOFF" "${GCC[@]}"
tls_case exe-gcc-O0-nopie prog prog "R_X86_64_TPOFF32 R_X86_64_GOTTPOFF" \
	CC=gcc "CFLAGS=-O0 -g -fno-pie" LDFLAGS=-no-pie
tls_case exe-clang prog prog "R_X86_64_TPOFF32 R_X86_64_GOTTPOFF" \
	CC=clang "CFLAGS=-O2 -g"
# Statically linked: no dynamic linker to list the program, whose own
# link_map and libthread_db's symbols are found in its symbol table.
tls_case exe-static prog prog "R_X86_64_TPOFF32 R_X86_64_GOTTPOFF" \
	CC=gcc "CFLAGS=-O2 -g" LDFLAGS=-static
section "refused: a stripped statically linked program"
strip -o "$WORK/exe-static/prog.stripped" "$WORK/exe-static/prog"
if start_target S "$WORK/exe-static/prog.stripped"; then
	check_fails "apply to the stripped static program is refused" \
		suture apply "$S_PID" "$WORK/exe-static.sut"
	check_match "  ... saying its symbol table is missing" \
		"is statically linked and its symbol table has no _dl_main_map \(stripped\?\)|which has no symbol table \(stripped\) and no debug file at" \
		"$OUT"
	check_version "$S_PORT" old "the stripped static program"
	stop_target "$S_PID"
fi
# Built with -fPIC, the program's objects use the dynamic models, which
# the linker relaxed into local-exec and initial-exec in the binary: the
# rebuilt original must still match it (instruction boundaries differ).
tls_case exe-pic prog prog "R_X86_64_TLSGD R_X86_64_TLSLD" \
	CC=gcc "CFLAGS=-O2 -g -fPIC"
tls_case exe-pic-clang-O0 prog prog "R_X86_64_TLSGD R_X86_64_TLSLD" \
	CC=clang "CFLAGS=-O0 -g -fPIC"
tls_case exe-gnu2 prog prog "R_X86_64_GOTPC32_TLSDESC R_X86_64_TLSDESC_CALL" \
	CC=gcc "CFLAGS=-O2 -g -fPIC -mtls-dialect=gnu2"
tls_case lib-gcc app libtick.so \
	"R_X86_64_TLSGD R_X86_64_TLSLD R_X86_64_DTPOFF32 __tls_get_addr" \
	"${GCC[@]}"
tls_case lib-clang-O0 app libtick.so "R_X86_64_TLSGD R_X86_64_DTPOFF32" \
	CC=clang "CFLAGS=-O0 -g"
tls_case lib-clang-noplt app libtick.so \
	"R_X86_64_TLSGD R_X86_64_GOTPCRELX.*__tls_get_addr" \
	CC=clang "CFLAGS=-O2 -g -fno-plt"
tls_case lib-ie app libtick.so R_X86_64_GOTTPOFF \
	CC=gcc "CFLAGS=-O2 -g -ftls-model=initial-exec"
tls_case lib-gnu2 app libtick.so \
	"R_X86_64_GOTPC32_TLSDESC R_X86_64_TLSDESC_CALL" \
	CC=gcc "CFLAGS=-O2 -g -mtls-dialect=gnu2"
# dlopen(): the library's TLS is dynamic (allocated by each thread on first
# use) unless it needs static TLS (initial-exec code: DF_STATIC_TLS).
tls_case dl-gcc dlapp libtick.so "R_X86_64_TLSGD R_X86_64_TLSLD" "${GCC[@]}"
tls_case dl-ie dlapp libtick.so R_X86_64_GOTTPOFF \
	CC=gcc "CFLAGS=-O2 -g -ftls-model=initial-exec"

# refuse_dynamic DIFF RELOC - DIFF's code reaches tick_count through RELOC,
# which needs static TLS: refused for the dlopen()ed library of dl-gcc
# (dynamic TLS, no block at a fixed offset from the thread pointer), the
# process unchanged; applied to the library of lib-gcc, linked at start.
refuse_dynamic() {
	local diff=$1 reloc=$2
	section "refused: $diff ($reloc) for a library in dynamic TLS"
	build_patch "$WORK/dynamic-$diff.sut" "$WORK/dl-gcc" \
		"$TARGETS/tls/$diff.diff" libtick.so "${GCC[@]}" dlapp
	start_target D "$WORK/dl-gcc/dlapp" || return
	check_fails "apply $diff to the dlopen()ed library is refused" \
		suture apply "$D_PID" "$WORK/dynamic-$diff.sut"
	check_match "  ... naming the variable, the access and dynamic TLS" \
		"reaches thread-local variable 'tick_count' through $reloc, which needs .*static TLS.* dynamic TLS" \
		"$OUT"
	check_eq "  ... and nothing is applied" "" "$(status_names "$D_PID")"
	check_version "$D_PORT" old "$diff: after the refusal"
	stop_target "$D_PID"
	build_patch "$WORK/static-$diff.sut" "$WORK/lib-gcc" \
		"$TARGETS/tls/$diff.diff" libtick.so "${GCC[@]}" app
	start_target L "$WORK/lib-gcc/app" || return
	check "$diff applies to the library linked at start (static TLS)" \
		suture apply "$L_PID" "$WORK/static-$diff.sut"
	check_version "$L_PORT" new "$diff in static TLS"
	stop_target "$L_PID"
}
# ie.diff declares tick_count initial-exec; gnu2.diff builds tick.c with
# TLS descriptors, where the library itself uses general-dynamic code.
refuse_dynamic ie R_X86_64_GOTTPOFF
refuse_dynamic gnu2 R_X86_64_GOTPC32_TLSDESC

# churn NAME BIN - a client asks BIN for `fresh` without pause: a thread is
# created, makes 100 checked calls and ends, again and again, while NAME's
# patch goes in and out ten times; suture reads every thread's TLS
# meanwhile.
churn() {
	local name=$1 bin=$2 c ok=0
	section "thread churn in $name: threads start and end during apply and revert"
	start_target C "$WORK/$name/$bin" || return
	( while :; do ask "$C_PORT" fresh; done ) >"$WORK/churn.log" 2>&1 &
	c=$!
	PIDS+=("$c")
	for ((i = 0; i < 10; i++)); do
		run suture apply "$C_PID" "$WORK/$name.sut" && [ "$RC" -eq 0 ] &&
			run suture revert "$C_PID" && [ "$RC" -eq 0 ] &&
			ok=$((ok + 1))
	done
	kill "$c"
	wait "$c" 2>/dev/null
	check_eq "$name: 10 applies and reverts of 10 succeeded" 10 "$ok"
	check_match "  ... while the client's threads kept answering" \
		"^v1=[0-9]+ v2=[0-9]+ errors=0$" "$(tail -n 1 "$WORK/churn.log")"
	check_eq "  ... none with a wrong answer" "" \
		"$(grep -v '^v1=[0-9]* v2=[0-9]* errors=0$' "$WORK/churn.log" |
			head -3)"
	check_match "  ... and threads saw the new code meanwhile" "v2=[1-9]" \
		"$(cat "$WORK/churn.log")"
	check_version "$C_PORT" old "$name: after the churn"
	stop_target "$C_PID"
}
churn exe-gcc prog
churn dl-gcc dlapp

# refused_build NAME TREE BINARY WHAT PATTERN - suture build of NAME.diff
# for BINARY in TREE is refused with a message matching PATTERN and
# writes no patch.
refused_build() {
	rm -f "$WORK/$1.sut"
	check_fails "suture build $1.diff for $3 is refused" \
		suture build --src "$WORK/$2" --patch "$TARGETS/tls/$1.diff" \
		--binary "$3" -o "$WORK/$1.sut" -- make "${GCC[@]}" "$3"
	check_match "  ... $4" "$5" "$OUT"
	check_eq "  ... and writes no patch" no \
		"$([ -e "$WORK/$1.sut" ] && echo yes || echo no)"
}

section "refused: a new thread-local variable"
refused_build newvar exe-gcc prog \
	"saying a patch cannot add thread-local storage, and why" \
	"adds thread-local variable mine.* \(tick.o\): a live patch cannot add thread-local storage, since the TLS block of every thread was laid out"

section "refused: another module's thread-local variable"
# foreign.diff makes the program (app) read tick_count, libtick.so's.
refused_build foreign lib-gcc app \
	"naming the variable and the module it is not in" \
	"uses thread-local variable tick_count, which .*/app does not define: a patch can use only the thread-local variables of the module it patches"
finish
