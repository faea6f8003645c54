# lib.sh - helpers shared by the test scripts (sourced, bash only).
#
# A test script sources this file, calls `begin NAME`, then runs checks;
# each check prints one line, "ok - what" or "FAIL - what" (with the
# evidence indented below), and counts.  `finish` prints the script's totals
# as "# result: P passed, F failed", which tests/run adds up, and exits
# non-zero if anything failed.  Processes started with start_target are
# killed when the script exits, however it exits.

TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$TESTS/.." && pwd)
SUTURE=${SUTURE:-$ROOT/build/suture}
TARGETS=$TESTS/targets
# suture build's cache: the suite's own, not the user's ~/.cache/suture.
export SUTURE_CACHE_DIR=${SUTURE_CACHE_DIR:-$TESTS/work/build-cache}

PASSED=0
FAILED=0
PIDS=()		# processes to kill at exit
OUT=""		# output (stdout+stderr) of the last `run`
RC=0		# exit status of the last `run`

# begin NAME - start a test script: fresh work directory $WORK, exit trap.
begin() {
	TEST_NAME=$1
	WORK=$TESTS/work/$1
	mkdir -p "$TESTS/work"
	# Two runs of one script in the same checkout would share $WORK (and
	# its port files): the second waits for the first.
	exec {TEST_LOCK}>"$TESTS/work/$1.lock"
	if ! flock -n "$TEST_LOCK"; then
		echo "# waiting for another run of $1 in this checkout"
		flock "$TEST_LOCK"
	fi
	rm -rf "$WORK"
	mkdir -p "$WORK"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	echo "# $TEST_NAME"
}

# section TEXT - a heading in the output, to group checks.
section() {
	echo "# -- $*"
}

# cleanup - kill whatever the script started (the EXIT trap).
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	PIDS=()
}

# finish - print the totals line and exit with the script's status.
finish() {
	echo "# result: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}

# private_overlay DIR... - each /DIR (etc, dev) becomes an overlay whose
# changes live on a tmpfs of this test's private mount namespace, so a
# test's /etc/suture (trusted keys, policy) or /dev/log is seen by nobody
# else.  The script must run under `unshare --mount --propagation private`
# (see t-sign.sh); returns 1 after counting a failure otherwise.
private_overlay() {
	local d
	if [ "$(findmnt -no PROPAGATION /)" != private ]; then
		fail "a private mount namespace" "$(findmnt -o TARGET,PROPAGATION /)"
		return 1
	fi
	# upper layers on a tmpfs: overlayfs takes none on some file systems
	mkdir -p "$WORK/ov" && mount -t tmpfs tmpfs "$WORK/ov" || return 1
	for d in "$@"; do
		mkdir -p "$WORK/ov/$d-up" "$WORK/ov/$d-work"
		mount -t overlay overlay -o "lowerdir=/$d,upperdir=$WORK/ov/$d-up,workdir=$WORK/ov/$d-work" "/$d" ||
			{ fail "overlay on /$d"; return 1; }
	done
}

# syslog_sink - receive what suture logs through syslog(3) (its audit
# trail) in $LOG, one line per datagram: targets/logsink bound at /dev/log,
# which must be the script's own (private_overlay dev).  Counts a check.
syslog_sink() {
	gcc -O2 -o "$WORK/logsink" "$TARGETS/logsink/logsink.c" || return 1
	LOG=$WORK/syslog
	: >"$LOG"
	"$WORK/logsink" /dev/log "$LOG" &
	PIDS+=($!)
	wait_until "the syslog socket is bound" test -S /dev/log
}

# log_lines ERE... - the log's lines matching every ERE (in turn).
log_lines() {
	local lines re
	lines=$(cat "$LOG")
	for re in "$@"; do
		lines=$(grep -E -- "$re" <<<"$lines")
	done
	[ -n "$lines" ] && printf '%s\n' "$lines"
}
# audit_has WHAT ERE... - such a line arrives (the receiver writes each
# datagram after suture sent it: poll).
audit_has() {
	local what=$1
	shift
	if poll log_lines "$@"; then pass "$what"; else
		fail "$what" "no line matching $* in:
$(tail -n 5 "$LOG")"
	fi
}

pass() {
	PASSED=$((PASSED + 1))
	echo "ok - $1"
}

# fail WHAT [EVIDENCE] - count a failure and show the evidence, indented.
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL - $1"
	if [ -n "${2-}" ]; then
		printf '%s\n' "$2" | head -n 40 | sed 's/^/    | /'
	fi
}

# run CMD... - run a command, keeping its output in $OUT and status in $RC.
run() {
	OUT=$("$@" 2>&1)
	RC=$?
	return 0
}

# check WHAT CMD... - pass if CMD exits 0 (its output is shown on failure).
check() {
	local what=$1
	shift
	run "$@"
	if [ "$RC" -eq 0 ]; then
		pass "$what"
	else
		fail "$what" "\$ $*
$OUT
(exit status $RC)"
	fi
}

# check_fails WHAT CMD... - pass if CMD exits non-zero; output in $OUT.
check_fails() {
	local what=$1
	shift
	run "$@"
	if [ "$RC" -ne 0 ]; then
		pass "$what"
	else
		fail "$what" "\$ $*
$OUT
(exit status 0, expected failure)"
	fi
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" == "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: '$2'
     got: '$3'"
	fi
}

# check_ne WHAT UNEXPECTED ACTUAL
check_ne() {
	if [ "$2" != "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected anything but: '$2'"
	fi
}

# check_match WHAT ERE TEXT - TEXT matches the extended regex (grep -Ei).
check_match() {
	if printf '%s\n' "$3" | grep -Eiq -- "$2"; then
		pass "$1"
	else
		fail "$1" "no match for /$2/ in:
$3"
	fi
}

# check_nomatch WHAT ERE TEXT - TEXT does not match.
check_nomatch() {
	if printf '%s\n' "$3" | grep -Eiq -- "$2"; then
		fail "$1" "unexpected match for /$2/ in:
$3"
	else
		pass "$1"
	fi
}

# check_ask WHAT PORT REQUEST EXPECTED - the service answers REQUEST so.
check_ask() {
	check_eq "$1" "$4" "$(ask "$2" "$3")"
}

# ask PORT REQUEST - send one line to 127.0.0.1:PORT, print the reply line.
# Fails (status 1, prints "<no reply>") if the service does not answer in 30 s.
ask() {
	local port=$1 fd line
	shift
	if ! exec {fd}<>"/dev/tcp/127.0.0.1/$port"; then
		echo "<no connection>"
		return 1
	fi 2>/dev/null
	printf '%s\n' "$*" >&"$fd"
	if IFS= read -r -t 30 line <&"$fd"; then
		exec {fd}>&-
		printf '%s\n' "$line"
		return 0
	fi
	exec {fd}>&-
	echo "<no reply>"
	return 1
}

# make_tree TARGET DIR - assemble a target's source tree in DIR: its own
# files plus the shared server skeleton, without the diffs.
make_tree() {
	rm -rf "$2"
	mkdir -p "$2"
	cp "$TARGETS/common/server.c" "$TARGETS/common/server.h" "$2/"
	(cd "$TARGETS/$1" && tar cf - --exclude='*.diff' .) | (cd "$2" && tar xf -)
}

# build_tree DIR MAKEARGS... - run make in DIR with the given arguments
# (the same ones the test later hands to `suture build`); output on failure.
build_tree() {
	local dir=$1
	shift
	run make -C "$dir" "$@"
	if [ "$RC" -ne 0 ]; then
		fail "build $dir with: make $*" "$OUT"
		return 1
	fi
	return 0
}

# start_target VAR BINARY [ARGS...] - start BINARY ARGS... PORTFILE in the
# background and wait until it has written its port.  Sets VAR_PID and
# VAR_PORT.  Returns 1 (after counting a failure) if it does not come up.
start_target() {
	local var=$1 bin=$2 portfile pid i
	shift 2
	portfile=$WORK/$var.port
	rm -f "$portfile"
	if [ -n "${TEST_LOCK:-}" ]; then	# the target must not hold the lock
		"$bin" "$@" "$portfile" >"$WORK/$var.log" 2>&1 {TEST_LOCK}>&- &
	else
		"$bin" "$@" "$portfile" >"$WORK/$var.log" 2>&1 &
	fi
	pid=$!
	PIDS+=("$pid")
	for ((i = 0; i < 300; i++)); do
		if [ -s "$portfile" ]; then
			printf -v "${var}_PID" '%s' "$pid"
			printf -v "${var}_PORT" '%s' "$(cat "$portfile")"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "start $bin" "$(cat "$WORK/$var.log" 2>/dev/null)"
	return 1
}

# stop_target PID - kill a process started by start_target and reap it.
stop_target() {
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# state_of PID - its state letter (R, S, T, Z, ...), empty once gone.
state_of() { awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# all_stopped PID - every thread of PID is in a group stop (state T).
all_stopped() {
	[ "$(sed 's/.*) \(.\).*/\1/' /proc/"$1"/task/*/stat 2>/dev/null |
		sort -u)" = T ]
}

# stop_process PID - SIGSTOP PID and wait until every thread has stopped:
# the signal takes effect as each thread next runs, and a suture started
# before that finds a process that is running, not stopped.
stop_process() {
	kill -STOP "$1" && poll all_stopped "$1"
}

# alive PID - the process exists and is not a zombie.
alive() {
	local st
	st=$(state_of "$1")
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# check_alive WHAT PID PORT - the process still runs and answers `ping`.
check_alive() {
	if alive "$2" && [ "$(ask "$3" ping)" = pong ]; then
		pass "$1"
	else
		fail "$1" "process $2 (port $3) is gone or does not answer ping; log:
$(tail -n 20 "$WORK"/*.log 2>/dev/null)"
	fi
}

# suture ARGS... - run build/suture (or $SUTURE).
suture() {
	"$SUTURE" "$@"
}

# json_get JSON PERLEXPR - evaluate PERLEXPR with $j the decoded JSON text;
# prints the result, or fails (status 1) if JSON does not parse.
json_get() {
	printf '%s' "$1" | perl -MJSON::PP -e '
		local $/; my $t = <STDIN>;
		my $j = eval { JSON::PP->new->allow_nonref->decode($t) };
		if (!defined $j && $@) { print STDERR "bad JSON: $@"; exit 1 }
		my $r = eval $ARGV[0]; die $@ if $@;
		print defined $r ? "$r\n" : "\n";' "$2"
}

# build_id FILE - the GNU build-id of an ELF file, in hex.
build_id() {
	readelf -n "$1" 2>/dev/null | awk '/Build ID:/ {print $3; exit}'
}

# wait_until WHAT CMD... - poll CMD (every 0.1 s, at most 30 s) until it
# succeeds; counts a failure if it never does.  Used to wait for progress
# (a counter moving), never to measure how long something takes.
wait_until() {
	local what=$1
	shift
	if poll "$@"; then
		pass "$what"
	else
		fail "$what" "condition never became true in 30 s: $*"
		return 1
	fi
}

# poll CMD... - the same without counting: status 0 once CMD succeeds,
# 1 if it has not after 30 s.
poll() {
	local i
	for ((i = 0; i < 300; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# build_patch OUT SRC DIFF BINARY MAKEARGS... - `suture build` a patch from
# DIFF for BINARY of the tree SRC, built with `make MAKEARGS...`; counts as
# a check.  Returns non-zero if no patch file came out.  Options of suture
# build that the test is not about (--accept-no-debug) go in the array
# BUILD_OPTS, which the check's name shows.
BUILD_OPTS=()
build_patch() {
	local out=$1 src=$2 diff=$3 bin=$4
	shift 4
	rm -f "$out"
	check "suture build ${BUILD_OPTS[*]}${BUILD_OPTS[*]:+ }$(basename "$diff") -> $(basename "$out") ($*)" \
		"$SUTURE" build "${BUILD_OPTS[@]}" --src "$src" --patch "$diff" \
		--binary "$bin" -o "$out" -- make "$@"
	[ "$RC" -eq 0 ] && [ -s "$out" ]
}

# listed OUT HEADING - the function names listed under HEADING (a line
# starting with it, e.g. "changed functions:") in suture build's report
# OUT, one per line.
listed() {
	printf '%s\n' "$1" | awk -v h="$2" '
		index($0, h) == 1 { on = 1; next }
		on && /^  / { print $1; next }
		{ on = 0 }'
}

# kept_scratch OUT - the scratch directory that suture build --keep says,
# in its output OUT, it kept.
kept_scratch() {
	printf '%s\n' "$1" | sed -n 's/^suture build: kept scratch directory //p'
}

# cc_outcomes SCRATCH TREE... - the compiler wrapper's cache outcome of each
# compile of a .c file in the logs of TREEs (orig, patched) of a kept
# scratch directory: "FILE:OUTCOME" (hit, miss; none: not cached) a line,
# sorted.  A tree that was not built has no log and adds nothing.
cc_outcomes() {
	local dir=$1 t
	shift
	for t in "$@"; do
		[ -s "$dir/$t.cclog" ] && cat "$dir/$t.cclog"
	done | perl -MJSON::PP -ne '
		my $j = decode_json($_);
		my ($src) = grep { /\.c$/ } @{$j->{argv}};
		print "$src:", $j->{cache} // "none", "\n" if $src;' | sort
}

# free_port - a TCP port on 127.0.0.1 that nothing listens on, below the
# ephemeral range (32768-) so that no outgoing connection holds it.
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# patch_name FILE - the name a patch file gives itself (suture info --json).
patch_name() {
	json_get "$("$SUTURE" info --json "$1" 2>/dev/null)" '$j->{name}' 2>/dev/null
}

# status_names PID - names of the patches applied to PID, one line each,
# from `suture status PID --json`; status 1 if that fails or is not JSON.
status_names() {
	local js
	js=$("$SUTURE" status "$1" --json 2>/dev/null) || return 1
	json_get "$js" '
		my $p = ref $j eq "ARRAY" ? $j : ($j->{patches} // []);
		join("\n", map { $_->{name} } @$p)' | sed '/^$/d'
	return "${PIPESTATUS[0]}"
}

# check_status PID WHEN NAME... - `suture status PID` (text and --json)
# lists exactly the patches NAME... (none if no NAME is given).
check_status() {
	local pid=$1 when=$2 want got text
	shift 2
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	run "$SUTURE" status "$pid"
	text=$OUT
	if [ "$RC" -ne 0 ]; then
		fail "$when: suture status $pid" "$text"
	else
		local n missing=""
		for n in "$@"; do
			grep -qF -- "$n" <<<"$text" || missing="$missing $n"
		done
		if [ -z "$missing" ]; then
			pass "$when: suture status names ${*:-no patch}"
		else
			fail "$when: suture status names $*" "missing:$missing
$text"
		fi
	fi
	if got=$(status_names "$pid"); then
		check_eq "$when: suture status --json lists ${*:-no patch}" \
			"$want" "$(sort <<<"$got")"
	else
		fail "$when: suture status $pid --json gives JSON" \
			"$("$SUTURE" status "$pid" --json 2>&1)"
	fi
}

# stat_field PORT NAME - field NAME of the `stats` reply of the target at
# PORT (space-separated NAME=VALUE pairs).
stat_field() {
	ask "$1" stats | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# maps_of PID - PID's mappings (range, permissions, file), without the
# fields that change on their own.
maps_of() {
	awk '{print $1, $2, $6}' "/proc/$1/maps"
}

# func_addr PID BINARY FUNC - the run-time address of FUNC (a symbol of
# BINARY, as nm shows it) in process PID, in decimal.
func_addr() {
	local bias=0 start
	if ! readelf -h "$2" | grep -q 'Type:.*EXEC'; then	# PIE or library
		start=$(awk -v f="$(readlink -f "$2")" \
			'$6 == f && $3 == "00000000" {print $1; exit}' \
			"/proc/$1/maps" | cut -d- -f1)
		bias=$((16#$start))
	fi
	echo $((bias + 16#$(nm "$2" | awk -v f="$3" '$3 == f {print $1; exit}')))
}

# mem PID ADDR N - N bytes of process PID's memory at ADDR, in hex.
mem() {
	dd if="/proc/$1/mem" bs="$3" count=1 skip="$2" iflag=skip_bytes \
		status=none | od -An -tx1 | tr -d ' \n'
}

# switches PID TID - the voluntary context switches of thread TID: one
# per stop's interrupt and one per round trip in it (t-onestop, t-revstop).
switches() {
	awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$1/task/$2/status"
}

# counted OUT PID TIDS CMD... - run CMD (a suture command on PID; its
# output in OUT) and print how many times it stopped each thread of TIDS
# (a list): its voluntary context switches, one number per thread.  Only
# a command whose first stop found no thread in the way is counted.  One
# whose stop found a busy thread inside code it replaces (a few
# instructions of the loop: where the interrupts land decides how often,
# not suture) tried again (", N attempts" in OUT), and stopped that thread
# more for each try: the stop, and the two that hold it where it returns
# (src/process/finish.h; 6 switches for t-revstop's revert, not 3).  Such
# a command is run again, after the command in the array AGAIN (which
# makes it possible again; (false) if nothing can), up to 5 times:
# RETRIED if every try was retried, FAILED if a command failed.
AGAIN=()
counted() {
	local out=$1 pid=$2 tids=($3) try i v
	shift 3
	for try in 1 2 3 4 5; do
		if [ "$try" -gt 1 ] && [ ${#AGAIN[@]} -gt 0 ]; then
			"${AGAIN[@]}" >"$out.again" 2>&1 || { echo FAILED; return; }
		fi
		v=()
		for i in "${!tids[@]}"; do
			v[i]=$(switches "$pid" "${tids[i]}")
		done
		"$@" >"$out" 2>&1 || { echo FAILED; return; }
		for i in "${!tids[@]}"; do
			v[i]=$(($(switches "$pid" "${tids[i]}") - v[i]))
		done
		grep -q ' attempts[;)]' "$out" || { echo "${v[*]}"; return; }
		echo "# tried again (${v[*]} switches), not counted:" \
			"$(head -n 1 "$out")" >&2
	done
	echo RETRIED
}

# cpu PID - its CPU time in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# runs PID - its CPU time grows (on a loaded machine it may take a
# while): its loop goes on.
runs() {
	local c i
	c=$(cpu "$1")
	for ((i = 0; i < 100; i++)); do
		sleep 0.1
		[ "$(cpu "$1")" -gt "$c" ] && return 0
	done
	echo "state $(state_of "$1"), CPU time $c ticks, still $(cpu "$1")"
	return 1
}

# status_of NAME PID - the value of line NAME of its status file (SigBlk,
# TracerPid, ...).
status_of() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$2/status"; }

# without_wakelat CMD... - run CMD where suture can make no CPU latency
# request (process/wakelat.h): an empty file mounted over
# /dev/cpu_dma_latency in a mount namespace of CMD's own, so that idle
# CPUs halt while suture holds a process, as where it may not open the
# device.
without_wakelat() {
	: >"$WORK/no-wakelat"
	unshare -m sh -c 'if [ -e /dev/cpu_dma_latency ]; then
		mount --bind "$0" /dev/cpu_dma_latency || exit 125
	fi
	exec "$@"' "$WORK/no-wakelat" "$@"
}

# fd_count PID - how many descriptors it has open.
fd_count() { ls "/proc/$1/fd" | wc -l; }

# start_alone BIN - start the pause target BIN (targets/pause) with
# PAUSE_ALONE: its only thread busy in a loop that makes no system call
# (t-onestop, t-revstop); sets A.
start_alone() {
	rm -f "$WORK/alone.gaps"
	PAUSE_ALONE=$WORK/alone.gaps "$1" "$WORK/alone.port" \
		>"$WORK/alone.log" 2>&1 &
	A=$!
	PIDS+=("$A")
	poll test -s "$WORK/alone.gaps"
}

# suture_maps PID - the lines of /proc/PID/maps that suture's regions make.
suture_maps() {
	grep -F 'suture:' "/proc/$1/maps" 2>/dev/null
}

# guest [-m MODULE]... CHECK FILE... - boot Debian's kernel under qemu
# (tests/kernel/boot; the FILEs in the guest's /ko), run CHECK
# (tests/kernel/checks/) in the guest, count its ok/FAIL lines.
guest() {
	local opts=() line done=0 check dir
	while [ "$1" = -m ]; do
		opts+=(-m "$2")
		shift 2
	done
	check=$1
	shift
	dir=$WORK/guest-$(basename "$check" .sh)
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass "guest: ${line#ok - }" ;;
		"FAIL - "*) fail "guest: ${line#FAIL - }" ;;
		"# guest done"*) done=1 && echo "$line" ;;
		*) echo "$line" ;;
		esac
	done < <("$TESTS/kernel/boot" "${opts[@]}" "$dir" \
		"$TESTS/kernel/checks/$check" "$@")
	[ $done = 1 ] || fail "the guest ran $check to its end" \
		"$(tail -n 30 "$dir/console.log")"
}
