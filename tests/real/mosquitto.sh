#!/usr/bin/env bash
# mosquitto.sh - live-patch a real program nobody here wrote: Debian's MQTT
# broker mosquitto (source package mosquitto, bookworm 2.0.11-1.2+deb12uN),
# with real fixes from its debian/patches series.  See tests/real/README.md.
#
#  1. CVE-2023-0809.patch (security): the broker must reject any first
#     packet that is not a CONNECT before reading its body.  Unfixed, a
#     client that sends a PUBLISH header announcing a 256 MiB body makes the
#     broker allocate it and wait for the body (memory exhaustion with a few
#     connections).  One line of packet__read() in lib/packet_mosq.c, which
#     the broker compiles as src/packet_mosq.o (libmosquitto compiles the
#     same source with other defines as lib/packet_mosq.o).
#     Client check: send "30 80 80 80 01" (PUBLISH, 2 MiB body follows) on
#     a fresh connection; unfixed the connection stays open, fixed it is
#     closed at once.  Also: the broker's VmSize after announcing 256 MiB.
#  2. CVE-2023-28366.patch (security): the broker leaks memory when a
#     client sends many QoS 2 PUBLISHes with a duplicate packet id and never
#     answers the PUBRECs.  Fixed, it allows one duplicate (DUP set) and
#     closes the connection on the second.
#     A bigger patch: 10 changed functions in 6 files (lib/packet_mosq.c,
#     src/context.c, src/database.c, ...), a new static function
#     context__cleanup_out_packets, a changed prototype
#     (db__message_store_find), `bool dup` -> `uint8_t dup` in a struct
#     (same size), and two functions in which only __LINE__ moves.
#     Client check: the answers to three identical QoS 2 PUBLISHes.
#  3. (only with MOSQUITTO_FIXES=all or =0015)
#     0015-Fix-QoS-1-QoS-2-publish-incorrectly-returning-no-sub.patch (the
#     fix of a regression that the CVE-2024-8376 security update brought):
#     a QoS 1 PUBLISH from an MQTT 5 client to a topic that has subscribers
#     is acknowledged with reason 0x10 "no matching subscribers".  Only the
#     body of sub__messages_queue() in src/subs.c changes (16 lines
#     inserted, so the assert() inlined into sub__clean_session() moves).
#     Client check: the PUBACK reason code, 10 unfixed, 00 fixed.
#
# Each fix: build the before tree as a user would (the same make flags are
# handed to `suture build`), run the broker, see the unfixed behaviour from a
# client, `suture build`, `suture apply` to the running process, see the
# fixed behaviour on the same process (and that publish/subscribe still
# works), `suture revert`, see the unfixed behaviour again.
#
# The source comes from Debian's archive through scripts/debsrc (downloads
# cached in /var/cache/suture/debian-sources); when it cannot be had the
# test FAILS.
#
# Environment: MOSQUITTO_FIXES="0809 28366" (the default; "all" adds 0015)
# selects the fixes.

# The broker runs as another user (it drops root for "nobody"), so the
# default policy wants a trusted signature: the test's key is trusted in
# its own /etc/suture, which only its private mount namespace sees.
if [ "${1-}" != --in-private-mounts ]; then
	exec unshare --mount --propagation private -- "$BASH" "$0" \
		--in-private-mounts
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
# shellcheck source=mqtt-lib.bash
source "$HERE/mqtt-lib.bash"
# shellcheck source=common.bash
source "$HERE/common.bash"

begin real-mosquitto
private_overlay etc || finish
mkdir -p /etc/suture/keys && chmod 755 /etc/suture /etc/suture/keys
KEY=$WORK/ops
"$SUTURE" keygen "$KEY" --name "mosquitto test" >/dev/null &&
	cp "$KEY.pub" /etc/suture/keys/ || { fail "a trusted test key"; finish; }

PKG=mosquitto
FIXES=${MOSQUITTO_FIXES:-0809 28366}
[ "$FIXES" = all ] && FIXES="0809 28366 0015"
# Only what builds with gcc and libc: no TLS, no cJSON, no docs (xsltproc),
# no websockets, no SRV lookups.  -O2 -g as Debian builds (and the upstream
# Makefile's own warnings); not stripped (plain `make`, not `make install`).
MAKEFLAGS_MQ=(WITH_TLS=no WITH_CJSON=no WITH_DOCS=no WITH_WEBSOCKETS=no
	WITH_SRV=no "CFLAGS=-Wall -g -O2 -Wconversion -Wextra")

# --- the broker ----------------------------------------------------------
# start_broker VAR BINARY: run BINARY with a config listening on 127.0.0.1;
# sets VAR_PID and VAR_PORT.  Tries another port if the one picked was
# taken meanwhile.
start_broker() {
	local var=$1 bin=$2 port pid i try conf log
	conf=$WORK/$var.conf
	log=$WORK/$var.log
	for ((try = 0; try < 5; try++)); do
		port=$(free_port) || { fail "find a free port"; return 1; }
		printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$conf"
		"$bin" -c "$conf" >"$log" 2>&1 &
		pid=$!
		PIDS+=("$pid")
		for ((i = 0; i < 100; i++)); do
			if grep -q 'running' "$log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				printf -v "${var}_PID" '%s' "$pid"
				printf -v "${var}_PORT" '%s' "$port"
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_target "$pid"
		grep -q 'Address already in use' "$log" || break
	done
	fail "start $bin" "$(cat "$log")"
	return 1
}

vmsize_kb() {
	awk '/^VmSize:/ {print $2}' "/proc/$1/status"
}

# grows_on_big_packet PID PORT: print how many MiB the broker's address
# space grows while a client's first packet announces a 256 MiB body
# (polled for up to 3 s, so that a loaded machine does not hide it).
grows_on_big_packet() {
	local pid=$1 port=$2 before now grow=0 fd i
	before=$(vmsize_kb "$pid")
	mqtt_big_first_packet "$port" fd || { echo "noconnect"; return; }
	for ((i = 0; i < 30; i++)); do
		sleep 0.1
		now=$(vmsize_kb "$pid")
		grow=$(((now - before) / 1024))
		[ "$grow" -ge 200 ] && break
	done
	exec {fd}>&-
	sleep 0.2
	echo "$grow"
}

# expect_unfixed_0809 / expect_fixed_0809 WHEN PID PORT
expect_unfixed_0809() {
	local grow
	check_eq "$1: a first packet that is not CONNECT is read on (connection stays open)" \
		open "$(mqtt_first_packet_probe "$3")"
	grow=$(grows_on_big_packet "$2" "$3")
	check "$1: announcing a 256 MiB first packet grows the broker by >= 200 MiB (got ${grow} MiB)" \
		test "${grow:-0}" -ge 200 2>/dev/null
}
expect_fixed_0809() {
	local grow
	check_eq "$1: a first packet that is not CONNECT closes the connection" \
		closed "$(mqtt_first_packet_probe "$3")"
	grow=$(grows_on_big_packet "$2" "$3")
	check "$1: announcing a 256 MiB first packet does not grow the broker (got ${grow} MiB)" \
		test "${grow:-999}" -lt 16 2>/dev/null
}
expect_unfixed_0015() {
	check_eq "$1: MQTT 5 QoS 1 PUBACK says 'no matching subscribers' (0x10) though delivered" \
		"10 delivered" "$(mqtt5_puback_reason "$3" "suture/real/$RANDOM")"
}
expect_fixed_0015() {
	check_eq "$1: MQTT 5 QoS 1 PUBACK says success (0x00), message delivered" \
		"00 delivered" "$(mqtt5_puback_reason "$3" "suture/real/$RANDOM")"
}

expect_unfixed_28366() {
	check_eq "$1: the same QoS 2 PUBLISH (DUP, never released) is acknowledged three times" \
		"[50 02 00 01][50 02 00 01][50 02 00 01]" "$(mqtt_qos2_dup "$3")"
}
expect_fixed_28366() {
	check_eq "$1: the second duplicate of a QoS 2 PUBLISH closes the connection" \
		"[50 02 00 01][50 02 00 01][closed]" "$(mqtt_qos2_dup "$3")"
}

check_pubsub() {
	check "$1: publish/subscribe works (MQTT 3.1.1, QoS 0)" \
		mqtt_pubsub "$3" "suture/real/t$RANDOM" "payload-$RANDOM"
}

# --- one fix, end to end --------------------------------------------------
# live_patch ID PATCH NAME CHANGED NEW LINEONLY
#   ID: 0809, 28366 or 0015 (selects expect_unfixed_ID / expect_fixed_ID)
#   NAME: the patch's name (--name)
#   CHANGED: the functions the builder must find changed (sorted, spaces)
#   NEW: the new functions
#   LINEONLY: the functions where only __LINE__ constants change
live_patch() {
	local id=$1 patch=$2 name=$3 changed=$4 new=$5 lineonly=$6 dir t0 t1 pid port
	dir=$WORK/$id
	section "$patch"
	debsrc_fetch "$PKG" "$dir" "$patch" || return 1

	# The user's running service: built in its source tree.
	cp -a "$dir/before" "$dir/service-src"
	t0=$SECONDS
	build_tree "$dir/service-src" -j2 "${MAKEFLAGS_MQ[@]}" || return 1
	pass "build the unfixed broker ($((SECONDS - t0)) s)"
	check "the broker binary keeps its symbol table" \
		sh -c "readelf -S '$dir/service-src/src/mosquitto' | grep -q '\.symtab'"

	# Control: the broker built from after/ is what "fixed" looks like.
	cp -a "$dir/after" "$dir/after-src"
	if build_tree "$dir/after-src" -j2 "${MAKEFLAGS_MQ[@]}" &&
		start_broker AFTER "$dir/after-src/src/mosquitto"; then
		"expect_fixed_$id" "broker built from after/" "$AFTER_PID" "$AFTER_PORT"
		stop_target "$AFTER_PID"
	fi
	rm -rf "$dir/after-src"

	start_broker MQ "$dir/service-src/src/mosquitto" || return 1
	pid=$MQ_PID
	port=$MQ_PORT
	"expect_unfixed_$id" "unpatched" "$pid" "$port"
	check_pubsub "unpatched" "$pid" "$port"

	t0=$SECONDS
	run suture build -v --name "$name" --src "$dir/service-src" \
		--patch "$dir/fix.diff" --binary src/mosquitto \
		-o "$dir/fix.sut" -- make -j2 "${MAKEFLAGS_MQ[@]}"
	t1=$SECONDS
	printf '%s\n' "$OUT" >"$dir/build.out"
	if [ "$RC" -ne 0 ]; then
		fail "suture build $patch ($((t1 - t0)) s)" "$OUT
(exit status $RC)"
		return 1
	fi
	pass "suture build $patch ($((t1 - t0)) s)"
	printf '%s\n' "$OUT" | grep -v '^suture build:' | sed 's/^/    | /'
	check_eq "the builder finds exactly these functions changed" \
		"$changed" "$(listed "$OUT" "changed functions:" | sort | xargs)"
	check_eq "the builder finds these new functions: ${new:-none}" \
		"$new" "$(listed "$OUT" "new functions:" | sort | xargs)"
	check_eq "the builder finds only __LINE__ constants changed in: ${lineonly:-nothing}" \
		"$lineonly" "$(listed "$OUT" "only __LINE__" | sort | xargs)"

	check_fails "the unsigned patch is refused for the broker (another user's process)" \
		suture apply "$pid" "$dir/fix.sut"
	check_match "  ... saying it needs a trusted signature" \
		"is unsigned, and process $pid .* needs a signature by a trusted key" "$OUT"
	check "suture sign fix.sut with the trusted key" \
		suture sign "$dir/fix.sut" --key "$KEY"
	run suture apply "$pid" "$dir/fix.sut"
	if [ "$RC" -ne 0 ]; then
		fail "suture apply $pid fix.sut" "$OUT
(exit status $RC$( ((RC > 128)) && echo ", killed by signal $((RC - 128))"))"
		return 1
	fi
	pass "suture apply $pid fix.sut: $(head -n 1 <<<"$OUT")"
	check "the broker still runs (same PID $pid)" alive "$pid"
	"expect_fixed_$id" "live-patched" "$pid" "$port"
	check_pubsub "live-patched" "$pid" "$port"
	run suture status "$pid"
	check_eq "suture status exits 0" 0 "$RC"
	check_match "suture status lists $name" "$name" "$OUT"
	check_status "$pid" "live-patched" "$name"

	run suture revert "$pid"
	if [ "$RC" -ne 0 ]; then
		fail "suture revert $pid" "$OUT
(exit status $RC$( ((RC > 128)) && echo ", killed by signal $((RC - 128))"))"
		return 1
	fi
	pass "suture revert $pid: $(head -n 1 <<<"$OUT")"
	check "the broker still runs after revert (same PID $pid)" alive "$pid"
	"expect_unfixed_$id" "reverted" "$pid" "$port"
	check_pubsub "reverted" "$pid" "$port"
	run suture status "$pid"
	check_nomatch "suture status no longer lists $name as applied" "$name" "$(sed "/^retained/,$ d" <<<"$OUT")"

	# Apply again: the final state is the fixed one.
	check "suture apply again after revert" suture apply "$pid" "$dir/fix.sut"
	"expect_fixed_$id" "re-applied" "$pid" "$port"
	check_pubsub "re-applied" "$pid" "$port"
	stop_target "$pid"
}

real_suture

for f in $FIXES; do
	case $f in
	0809) live_patch 0809 CVE-2023-0809.patch CVE-2023-0809 packet__read "" "" ;;
	28366) live_patch 28366 CVE-2023-28366.patch CVE-2023-28366 \
		"context__cleanup context__init db__message_insert db__message_reconnect_reset db__message_store_find db__message_write_inflight_out_single handle__publish packet__queue persist__client_messages_save persist__restore" \
		context__cleanup_out_packets "db__message_store db__messages_delete_list" ;;
	0015) live_patch 0015 0015-Fix-QoS-1-QoS-2-publish-incorrectly-returning-no-sub.patch \
		mosquitto-0015 sub__messages_queue "" sub__clean_session ;;
	*) fail "unknown fix '$f' in MOSQUITTO_FIXES" ;;
	esac
done

finish
