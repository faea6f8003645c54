#!/bin/bash
# t-matrix.sh - the calc target built with gcc and clang, at -O0, -O2 and
# -O3, as PIE and not, each patched with all.diff (every kind of change at
# once: global and static functions with their state, string literal,
# static inline in a header, new helper, new libc import, switch, cloned
# function), checked before,
# after apply and after revert.
#
# A fourth field "hard" adds Debian's hardening flags (stack protector,
# -fcf-protection's endbr64 at every function entry, _FORTIFY_SOURCE's
# __*_chk calls, full RELRO with immediate binding).
# MATRIX="gcc:-O0:pie clang:-O3:nopie" tests/run matrix   runs a subset.
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin matrix

FEATURES=(fix string inline helper libc switch clone)
CONFIGS=${MATRIX:-"gcc:-O0:pie gcc:-O0:nopie gcc:-O2:pie gcc:-O2:nopie
	clang:-O0:pie clang:-O0:nopie clang:-O2:pie clang:-O2:nopie
	gcc:-O3:nopie clang:-O3:pie gcc:-O1:pie
	gcc:-O2:pie:hard clang:-O2:pie:hard"}
HARD_CFLAGS="-fstack-protector-strong -fstack-clash-protection -fcf-protection
	-D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security"
HARD_LDFLAGS="-Wl,-z,relro -Wl,-z,now"

# pie_of BINARY - "pie" or "nopie", from the ELF type.
pie_of() {
	case $(readelf -h "$1" | awk '/Type:/ {print $2}') in
	DYN) echo pie ;;
	EXEC) echo nopie ;;
	*) echo unknown ;;
	esac
}

# one CC OPT PIE [hard] - the whole cycle for one configuration.
one() {
	local cc=$1 opt=$2 pie=$3 tag=$1$2-$3${4:+-$4} src pid port name
	local flags="$opt -g" ld=""
	if [ "$pie" = pie ]; then
		flags="$flags -fPIE"
		ld=-pie
	else
		flags="$flags -fno-pie"
		ld=-no-pie
	fi
	if [ "${4:-}" = hard ]; then
		flags=$(echo $flags $HARD_CFLAGS)
		ld=$(echo $ld $HARD_LDFLAGS)
	fi
	local args=(CC="$cc" "CFLAGS=$flags" "LDFLAGS=$ld")
	section "$tag: make ${args[*]}"
	src=$WORK/$tag
	CALC_CALLS=0
	calc_build "$src" "${args[@]}" || return
	check_eq "$tag: the binary is $pie" "$pie" "$(pie_of "$src/calc")"
	start_target C "$src/calc" || return
	pid=$C_PID port=$C_PORT
	for f in "${FEATURES[@]}"; do
		check_feature "$port" "$f" old "$tag before"
	done
	build_patch "$WORK/$tag.sut" "$src" "$TARGETS/calc/all.diff" calc \
		"${args[@]}" || { stop_target "$pid"; return; }
	name=$(patch_name "$WORK/$tag.sut")
	check "$tag: suture apply" suture apply "$pid" "$WORK/$tag.sut"
	check_alive "$tag: alive after apply" "$pid" "$port"
	for f in "${FEATURES[@]}"; do
		check_feature "$port" "$f" new "$tag applied"
	done
	check_state "$port" "$tag applied"
	check_status "$pid" "$tag applied" "$name"
	check "$tag: suture revert" suture revert "$pid"
	check_alive "$tag: alive after revert" "$pid" "$port"
	for f in "${FEATURES[@]}"; do
		check_feature "$port" "$f" old "$tag reverted"
	done
	check_state "$port" "$tag reverted"
	check_status "$pid" "$tag reverted"
	stop_target "$pid"
}

for c in $CONFIGS; do
	IFS=: read -r cc opt pie hard <<<"$c"
	one "$cc" "$opt" "$pie" "$hard"
done
finish
