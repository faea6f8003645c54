# yama.sh - guest checks of the preload library under Yama (t-persist.sh):
# with kernel.yama.ptrace_scope 1 a process may be traced only by its
# ancestors, or by the process it names (PR_SET_PTRACER).  The suture the
# preload starts is the program's child, so without that call nobody's
# program could not be patched by its own suture; with it, it is.  With
# ptrace_scope 2 (only CAP_SYS_PTRACE traces) nobody's suture is refused:
# the program still starts, runs its old code, and status says it lacks
# the patch.
# /ko: calc (the installed program), fix-signed.sut, ops.pub, the preload
# library, and paths ("BIN LIB": where the preload runs suture from, and
# where the library is listed).
read -r BIN LIB </ko/paths
mkdir -p "$(dirname "$BIN")" "$(dirname "$LIB")" /etc/suture/keys /tmp/u \
	/var/lib
cp /bin/suture "$BIN" && cp /ko/libsuture-preload.so "$LIB"
cp /ko/ops.pub /etc/suture/keys/ops.pub
cp /ko/calc /tmp/u/calc && chmod 755 /tmp/u/calc && chmod 777 /tmp/u
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >/etc/passwd
echo "nogroup:x:65534:" >/etc/group
ip link set lo up
check "enable the signed patch" suture enable /ko/fix-signed.sut
check "enable --at-start" suture enable --at-start

# calc_as_nobody NAME - calc started as nobody; sets P, its port in PORT.
calc_as_nobody() {
	rm -f "/tmp/u/$1.port"
	su -s /bin/sh nobody -c "exec /tmp/u/calc /tmp/u/$1.port" \
		>"/tmp/u/$1.log" 2>&1 &
	P=$!
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ -s "/tmp/u/$1.port" ] && break
		sleep 0.25
	done
	PORT=$(cat "/tmp/u/$1.port" 2>/dev/null)
	[ -n "$PORT" ] || fail "calc starts as nobody ($1)" "$(cat "/tmp/u/$1.log")"
}

# answer PORT - calc's answer to "calc 10": 45 before the fix, 55 after.
answer() {
	echo "calc 10" | nc 127.0.0.1 "$1" | head -n 1
}

if [ ! -e /proc/sys/kernel/yama/ptrace_scope ]; then
	fail "the guest's kernel has Yama" "$(ls /proc/sys/kernel)"
else
	echo 1 >/proc/sys/kernel/yama/ptrace_scope
	calc_as_nobody one
	check_eq "ptrace_scope 1: nobody's calc got the patch from its own suture" \
		55 "$(answer "$PORT")"
	run suture status "$P"
	case $OUT in
	*"NOT applied"*) fail "  ... status lists it as applied" "$OUT" ;;
	*fix*) pass "  ... status lists it as applied" ;;
	*) fail "  ... status lists it as applied" "$OUT" ;;
	esac
	kill "$P"

	echo 2 >/proc/sys/kernel/yama/ptrace_scope
	calc_as_nobody two
	check_eq "ptrace_scope 2: nobody's calc starts and runs its old code" \
		45 "$(answer "$PORT")"
	run suture status "$P"
	check_has "  ... and status says it lacks the enabled patch" \
		"is NOT applied to this process"
	kill "$P"
	echo 1 >/proc/sys/kernel/yama/ptrace_scope
fi
