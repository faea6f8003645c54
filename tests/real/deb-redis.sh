#!/usr/bin/env bash
# deb-redis.sh - `suture deb`: Debian's own redis-server binary, installed
# from the archive at its older bookworm version, patched in its running
# processes with a fix of the newer bookworm-security version, built by
# suture from Debian's source packages.  See tests/real/README.md.
#
# The machine that runs redis is a root of its own ("the deployed
# machine", $CACHE/deployed: debootstrap bookworm with redis-server, which
# bookworm serves at 5:7.0.15-1~deb12u7), not this host: the host's
# packages stay as they are, and nothing else needs to stop while the test
# runs.  Two redis-servers run in it (bubblewrap, scripts/inroot), one
# TCP port each; both run the one /usr/bin/redis-check-rdb file that
# /usr/bin/redis-server links to.
#
# The fix: CVE-2026-25243.patch, one of the five patches that
# 5:7.0.15-1~deb12u10 (bookworm-security) adds to the series.  RESTORE of
# a legacy zipmap hash whose field length takes 5 bytes although it is
# below 254 is accepted unfixed (OK) and refused fixed ("Bad data format",
# zipmapValidateIntegrity()).  Shown over raw RESP on each server before,
# after `suture apply PID,PID` and after `suture revert PID,PID`, then
# by build-id (`suture apply FILE`, `suture revert NAME`).
#
# And the refusal: built with DEB_BUILD_OPTIONS=noopt (as if the original
# had been built with other flags), the rebuild's build-id differs; suture
# deb says so, names the sections that differ and builds no patch.
#
# Costs: cold, two debootstraps, the Build-Depends, three full builds of
# redis and the noopt one; warm (roots and proofs cached under
# /var/cache/suture/deb and $CACHE), suture build's two builds.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
# shellcheck source=common.bash
source "$HERE/common.bash"

begin real-deb-redis

OLD=5:7.0.15-1~deb12u7
NEW=5:7.0.15-1~deb12u10
FIX=CVE-2026-25243
# RESTORE payload of that patch's test "zipmap - 5 bytes length encoding
# for a small field" (tests/integration/corrupt-dump.tcl).
PAYLOAD='\x09\x11\x01\xfe\x04\x00\x00\x00\x01\x00\xff\x00\x04\x00\x76\x61\x6c\x31\xff\x09\x00\xf9\xd5\xa4\xf7\x7d\x00\x3f\x1b'

# deployed: $CACHE/deployed, bookworm with redis-server at $OLD, made once.
deployed() {
	local t0=$SECONDS have
	DEPLOYED=$CACHE/deployed
	if [ ! -d "$DEPLOYED" ]; then
		rm -rf "$DEPLOYED.tmp"
		run "$ROOT/scripts/mkroot" "$DEPLOYED.tmp" redis-server
		if [ "$RC" -ne 0 ]; then
			fail "scripts/mkroot: the deployed machine with redis-server" "$OUT"
			return 1
		fi
		mv "$DEPLOYED.tmp" "$DEPLOYED"
		pass "the deployed machine: debootstrap bookworm with redis-server ($((SECONDS - t0)) s)"
	fi
	have=$(dpkg-query --admindir="$DEPLOYED/var/lib/dpkg" -W -f '${Version}' redis-tools)
	check_eq "the deployed machine has redis-tools $OLD from bookworm" "$OLD" "$have"
}

# start_redis VAR: a redis-server of the deployed machine; sets VAR_PID
# and VAR_PORT.
start_redis() {
	local var=$1 port pid i
	port=$(free_port) || { fail "find a free port"; return 1; }
	(cd "$WORK" && exec "$ROOT/scripts/inroot" "$DEPLOYED" /usr/bin/redis-server \
		--port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir /tmp \
		{TEST_LOCK}>&- {CACHE_LOCK}>&-) >"$WORK/$var.log" 2>&1 &
	PIDS+=("$!")
	for ((i = 0; i < 100; i++)); do
		pid=$(pgrep -f "^/usr/bin/redis-server 127.0.0.1:$port") && break
		sleep 0.1
	done
	[ -n "$pid" ] || { fail "start redis-server in the deployed machine" "$(cat "$WORK/$var.log")"; return 1; }
	PIDS+=("$pid")
	printf -v "${var}_PID" '%s' "$pid"
	printf -v "${var}_PORT" '%s' "$port"
	for ((i = 0; i < 100; i++)); do
		[ "$(resp "$port" '*1\r\n$4\r\nPING\r\n' 2>/dev/null)" = +PONG ] && return 0
		sleep 0.1
	done
	fail "redis-server $var answers PING" "$(cat "$WORK/$var.log")"
	return 1
}

# resp PORT REQUEST: the first line of the reply to REQUEST (RESP, printf
# escapes) from the server at PORT.
resp() {
	local fd line
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
	# shellcheck disable=SC2059
	printf "$2" >&"$fd"
	IFS= read -r line <&"$fd"
	exec {fd}>&-
	echo "${line%$'\r'}"
}

# restore PORT KEY: RESTORE KEY 0 PAYLOAD; the server's answer.
restore() {
	resp "$1" "*4\r\n\$7\r\nRESTORE\r\n\$${#2}\r\n$2\r\n\$1\r\n0\r\n\$29\r\n$PAYLOAD\r\n"
}

# check_restore WHEN WANT: both servers answer WANT to the crafted RESTORE.
check_restore() {
	local when=$1 want=$2 v
	for v in A B; do
		local port=${v}_PORT
		check_eq "$when: redis-server $v answers the crafted RESTORE with '$want'" \
			"$want" "$(restore "${!port}" "k$RANDOM")"
	done
}

real_suture
# The copy of suture in $WORK finds its script by this, not next to it.
export SUTURE_DEB=$ROOT/scripts/suture-deb
real_cache deb-redis
deployed || finish

section "two redis-servers of the deployed machine"
start_redis A || finish
start_redis B || finish
exe=$(readlink -f "$DEPLOYED/usr/bin/redis-server")
for v in A B; do
	pid=${v}_PID
	check_eq "redis-server $v (pid ${!pid}) runs the deployed machine's redis-check-rdb" \
		"$(stat -c %d:%i "$exe")" "$(stat -L -c %d:%i "/proc/${!pid}/exe")"
done
check_restore unpatched +OK

section "suture deb --to $NEW --only $FIX"
# suture apply reads the symbols of the stripped file from the debug
# file that suture deb installs: start without it.
DEBUG=/usr/lib/debug/.build-id/$(build_id "$exe" | sed 's/^../&\//').debug
rm -f "$DEBUG"
t0=$SECONDS
run "$SUTURE" deb --sysroot "$DEPLOYED" --file /usr/bin/redis-server --to "$NEW" \
	--only "$FIX" -o "$WORK/fix.sut" -- -v
printf '%s\n' "$OUT" >"$WORK/deb.out"
check_eq "suture deb builds the patch ($((SECONDS - t0)) s)" 0 "$RC"
[ "$RC" -eq 0 ] || { fail "suture deb's output" "$(tail -n 30 <<<"$OUT")"; finish; }
check_match "it names the installed package, its version and source" \
	"/usr/bin/redis-server is redis-tools $OLD, from source redis" "$OUT"
check_match "the rebuild has the installed file's build-id" \
	"the rebuild reproduces $DEPLOYED/usr/bin/redis-check-rdb: build-id $(build_id "$exe")" "$OUT"
check_match "the builder lists zipmapValidateIntegrity as changed" \
	'^zipmapValidateIntegrity$' "$(listed "$OUT" "changed functions:")"
check_match "it installs the rebuild's debug file for the stripped file" \
	"installed the debug file of /usr/bin/redis-check-rdb at $DEBUG" "$OUT"
check_eq "the debug file has the installed file's build-id" \
	"$(build_id "$exe")" "$(build_id "$DEBUG")"

section "one apply, both processes"
run "$SUTURE" apply "$A_PID,$B_PID" "$WORK/fix.sut"
check_eq "suture apply $A_PID,$B_PID fix.sut: $(head -n 1 <<<"$OUT")" 0 "$RC"
check_restore patched "-ERR Bad data format"
check_status "$A_PID" "patched, server A" "$(patch_name "$WORK/fix.sut")"
check_status "$B_PID" "patched, server B" "$(patch_name "$WORK/fix.sut")"
run "$SUTURE" revert "$A_PID,$B_PID"
check_eq "suture revert $A_PID,$B_PID" 0 "$RC"
check_restore reverted +OK

section "by what they run: status --all FILE, apply FILE, revert NAME"
# The operator's walk-through (README): no PID typed.  The servers run in
# the deployed root; suture finds them by the build-id they map.
run "$SUTURE" status --all "$WORK/fix.sut"
for v in A B; do
	pid=${v}_PID
	check_match "status --all fix.sut lists redis-server $v as patchable" \
		"^  patchable: $WORK/fix.sut" \
		"$(grep -A1 "^process ${!pid} " <<<"$OUT" | sed 1d)"
done
run "$SUTURE" apply "$WORK/fix.sut"
check_match "suture apply fix.sut (no PID): both servers, by build-id" \
	"^patched 2 processes, 0 failed" "$OUT"
check_restore "patched by build-id" "-ERR Bad data format"
run "$SUTURE" revert "$(patch_name "$WORK/fix.sut")"
check_eq "suture revert NAME: from every process that has it" 0 "$RC"
check_restore "reverted by name" +OK

section "refusals of --to and --only"
run "$SUTURE" deb --sysroot "$DEPLOYED" --file /usr/bin/redis-server --to "$NEW" \
	--only CVE-1999-0000 -o "$WORK/none.sut"
check_match "--only a patch $NEW does not add: refused, listing those it adds" \
	"--only CVE-1999-0000: not among the patches $NEW adds: .*$FIX.patch" "$OUT"
run "$SUTURE" deb --sysroot "$DEPLOYED" --file /etc/hostname --to "$NEW"
check_match "a file no package installed: refused" \
	"no installed package has /etc/hostname" "$OUT"
# bookworm's bash is a binary-only rebuild (5.2.15-2+bN of source 5.2.15-2).
run "$SUTURE" deb --sysroot "$DEPLOYED" --file /usr/bin/bash --to "$NEW"
check_match "a binNMU's file: refused, naming the source version" \
	"bash 5\.2\.15-2\+b[0-9]+ was built from bash 5\.2\.15-2 by a binary-only upload \(binNMU\)" "$OUT"
run "$SUTURE" deb --sysroot "$DEPLOYED" --file /usr/bin/redis-server --to "$NEW" \
	--patch "$WORK/fix.sut"
check_match "--patch and --to together: refused" \
	"give the fix as --patch DIFF or as --to VERSION, one of them" "$OUT"

section "a rebuild that does not reproduce the installed file is refused"
run "$SUTURE" deb --sysroot "$DEPLOYED" --file /usr/bin/redis-server --to "$NEW" \
	--only "$FIX" --build-options "nocheck noopt" -o "$WORK/noopt.sut"
check_ne "suture deb --build-options 'nocheck noopt' fails" 0 "$RC"
check_match "it says the rebuild does not reproduce the installed file" \
	"does not reproduce $DEPLOYED/usr/bin/redis-check-rdb" "$OUT"
check_match "it names a section whose size differs" \
	'section \.text: 0x[0-9a-f]+ bytes installed, 0x[0-9a-f]+ rebuilt' "$OUT"
check "no patch file is written" test ! -e "$WORK/noopt.sut"
finish
