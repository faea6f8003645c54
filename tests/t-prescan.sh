#!/bin/bash
# t-prescan.sh - apply's scan for saved contexts, made while the program
# runs so that the stop reads again only the pages written since
# (soft-dirty marks; src/apply/prescan.h).  The target is targets/dirty,
# whose only thread is busy and which notices suture clearing the marks.
#
# On the host: `apply -v` says how the stop's scan went, which depends on
# the kernel (the target reports whether it marks written pages).  The
# stop's scan reads the pages of many runs in one process_vm_readv: a word
# in the last page it reads (the stack's last 8 bytes: dirty top), and one
# right after a page that read stops at (a PROT_NONE page the program
# wrote: dirty guarded), are still found and the apply refused (a gather
# that left out the last run of each mapping let both through, one that
# stopped at the unreadable page the second); so is one in the first word
# it reads (a page mapped below all others: dirty low).  With 8 MiB of
# heap and two CPUs the stop's reads are split between two threads of
# suture (util/sidejob.h): the words of both halves are found (a build
# that dropped either half let low or top through), and with suture on
# one CPU (taskset), where the scan runs on one thread.  In a guest booted with
# Debian's kernel (tests/kernel/checks/prescan.sh, which has
# CONFIG_MEM_SOFT_DIRTY): the stop reads only the pages written since;
# a word written after the first scan, before the stop, is still found and
# the apply refused (with a stop that trusted the first scan for every
# page, the apply went through); revert makes its scan for references to
# the patch's memory so too, and a word pointing into that memory written
# after its first scan keeps the memory mapped (retained), and so does
# `apply --replace` for the memory of the patch it replaces, whose scan
# is made before its stop too; `suture gc -v` then says its stop, too,
# read only the pages written since, and keeps that memory for the word
# the first scan found (skipped, or with a canary that does not hold, the
# gc's stop reads all memory); a second clearing of the marks by another
# tool in between is noticed (the canary) and the stop reads everything,
# and refuses; top and guarded are refused there too, from what the first
# scan kept; a process with pinned memory (io_uring fixed buffers,
# VmPin) gets the whole scan in the stop, named; a page poisoned by
# MADV_HWPOISON cannot be read: the apply is refused, saying so.  A guard
# region (MADV_GUARD_INSTALL, Linux 6.13; glibc may make thread stacks'
# guards so) holds nothing: on the host, a process with one is patched
# (without care, its page counted as unreadable and refused every apply).
. "$(dirname "$0")/lib.sh"
begin prescan

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/dirty
make_tree dirty "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/work.sut" "$SRC" "$TARGETS/dirty/work.diff" dirty \
	"${MAKEARGS[@]}" || finish
# the same fix under another name: a patch that can replace work.sut
BUILD_OPTS=(--name work2)
build_patch "$WORK/work2.sut" "$SRC" "$TARGETS/dirty/work.diff" dirty \
	"${MAKEARGS[@]}" || finish
BUILD_OPTS=()

# start MODE - the target in MODE (targets/dirty/dirty.h); sets P.  The
# log of an earlier run in MODE goes first: its "ready" would otherwise
# pass the poll before the new target has truncated it.
start() {
	rm -f "$WORK/$1.log"
	"$SRC/dirty" "$1" "$WORK/$1.log" &
	P=$!
	PIDS+=("$P")
	poll grep -q ready "$WORK/$1.log"
}

section "the host's kernel"
start plain || { fail "start the target"; finish; }
check "apply -v" "$SUTURE" apply -v "$P" "$WORK/work.sut"
if grep -q '^softdirty 1' "$WORK/plain.log"; then
	check_match "the stop read again only the pages written since" \
		"process $P: scan for saved contexts: [0-9]+ pages? written since the scan before the stop read again, [0-9]+ not" \
		"$OUT"
else
	check_match "no soft-dirty marks, and too little memory to track: the stop read all memory, and -v says why" \
		"process $P: scan for saved contexts: all memory read in the stop: the kernel does not mark the pages written \(soft-dirty: a kernel built without CONFIG_MEM_SOFT_DIRTY\), and there is no write tracker: the process has [0-9]+ kB of anonymous memory" \
		"$OUT"
fi
check "revert" "$SUTURE" revert "$P"
kill "$P"

# wrote_late MODE - pass if the target in MODE set its word at least once
# after suture protected its pages (its log's "late" lines).
wrote_late() {
	check_eq "the target set the word after suture protected its pages" \
		yes "$([ "$(grep -c '^late' "$WORK/$1.log")" -ge 1 ] && echo yes)"
}

# nothing_left FDS - after a suture killed mid-command: no memory of the
# target stays registered (smaps' VmFlags "uw": the kernel unregisters it
# as suture's copy of the descriptor closes) and it holds FDS descriptors.
nothing_left() {
	poll sh -c "! grep -q 'VmFlags.* uw' /proc/$P/smaps"
	check_eq "  ... no memory left registered" 0 \
		"$(grep -c 'VmFlags.* uw' /proc/"$P"/smaps)"
	check_eq "  ... the process holds the descriptors it held" \
		"$1" "$(fd_count "$P")"
}

# tracker_kernel - whether this kernel makes a userfaultfd with
# asynchronous write protection (Linux 6.7): a process of 1 MiB says so in
# apply -v, or names what the kernel lacks.
tracker_kernel() {
	local out
	DIRTY_HEAP_MB=1 start plain || return 1
	out=$("$SUTURE" apply -v "$P" "$WORK/work.sut" 2>&1)
	"$SUTURE" revert "$P" >/dev/null 2>&1
	kill "$P"
	case $out in
	*"no write tracker: userfaultfd: "* | *"no asynchronous write protection"*)
		echo "# this kernel cannot track writes so: $out" | head -1
		return 1 ;;
	esac
}

if ! grep -q '^softdirty 1' "$WORK/plain.log" && tracker_kernel; then
	section "the write tracker: userfaultfd's write protection"
	# 1 MiB of heap: enough for a tracker (wtrack.h's WTRACK_MIN_PAGES)
	DIRTY_HEAP_MB=1 start plain || fail "start the target"
	before=$(fd_count "$P")
	check "apply -v" "$SUTURE" apply -v "$P" "$WORK/work.sut"
	check_match "the stop read again only the pages written since" \
		"process $P: scan for saved contexts: [0-9]+ pages? written since the scan before the stop read again, [0-9]+ not \(userfaultfd's write protection\)" \
		"$OUT"
	check_eq "the process holds the descriptors it held (the tracker's closed in it)" \
		"$before" "$(fd_count "$P")"
	check "revert" "$SUTURE" revert "$P"
	kill "$P"
	# the word set after the first scan (the target notices suture's
	# write protection by a minor fault), in a page the stop must read
	DIRTY_HEAP_MB=1 start late || fail "start the target"
	check_fails "a word written after the first scan: apply refused" \
		"$SUTURE" apply -v --timeout 1 "$P" "$WORK/work.sut"
	check_match "  ... naming it in the heap" \
		"a saved context or return address in memory \(heap" "$OUT"
	check_match "  ... and the stop took the first scan for what was not written" \
		"written since the scan before the stop read again, [0-9]+ not \(userfaultfd's write protection\)" \
		"$OUT"
	wrote_late late
	check_status "$P" "after the refusal"
	kill "$P"
	# revert's tracker: a batch of its own in a stop of one thread
	DIRTY_HEAP_MB=1 start plain || fail "start the target"
	before=$(fd_count "$P")
	check "apply" "$SUTURE" apply "$P" "$WORK/work.sut"
	check "revert -v" "$SUTURE" revert -v "$P"
	check_match "revert's stop, too, read again only the pages written since" \
		"process $P: scan for references: [0-9]+ pages? written since the scan before the stop read again, [0-9]+ not \(userfaultfd's write protection\)" \
		"$OUT"
	check_match "  ... and counts the stop that handed the tracker over" \
		"and one thread alone for [0-9]+ µs to hand over a write tracker" \
		"$OUT"
	check_eq "  ... the process holds the descriptors it held" \
		"$before" "$(fd_count "$P")"
	kill "$P"
	# a word pointing into the patch's memory set after revert's first
	# scan (targets/dirty's revlate: 50 ms into the patched function at
	# revert's write protection, so the stop waits for it to return):
	# the memory stays mapped for it.  Up to 5 targets, as a stop that
	# came first would find nothing to wait for.
	for try in 1 2 3 4 5; do
		DIRTY_HEAP_MB=1 start revlate || fail "start the target"
		run "$SUTURE" apply "$P" "$WORK/work.sut"
		run "$SUTURE" revert -v "$P"
		case $OUT in *" attempts"[\;\)]*) break ;; esac
		[ "$try" = 5 ] || kill "$P"
	done
	poll grep -q '^region word at' "$WORK/revlate.log"
	word=$(sed -n 's/^region word at //p' "$WORK/revlate.log")
	check_match "a word set after revert's first scan keeps the memory mapped" \
		"e.g. at $word \(heap\)" "$OUT"
	check_match "  ... and the stop took the first scan for what was not written" \
		"written since the scan before the stop read again, [0-9]+ not \(userfaultfd's write protection\)" \
		"$OUT"
	kill "$P"
	# the program maps the slot's page anew (alike: the maps cannot tell)
	# and write-protects it with a userfaultfd of its own after setting
	# the word: the stop's check of the tracker's registration notices
	# (EBUSY) and reads everything (without the check, the first attempt's
	# apply went through).  -v tells the last attempt's scan, whose own
	# registration met the program's: either reason names it.
	DIRTY_HEAP_MB=1 start own || fail "start the target"
	check_fails "a page the program write-protects itself: apply refused" \
		"$SUTURE" apply -v --timeout 1 "$P" "$WORK/work.sut"
	check_match "  ... naming the word in that page" \
		"a saved context or return address in memory \(anonymous memory" \
		"$OUT"
	check_match "  ... the stop read everything, saying why" \
		"all memory read in the stop: the write tracker (no longer holds: the program registered memory suture tracks|failed: the program write-protects 0x[0-9a-f]+) with a userfaultfd of its own" \
		"$OUT"
	wrote_late own
	check_status "$P" "after the refusal"
	kill "$P"
	# suture killed at each step around the tracker: the process keeps
	# none of its descriptors, and no memory stays registered
	for at in "batch set up" "batch let go" "batch left" \
		"region written" "trampoline written"; do
		DIRTY_HEAP_MB=1 start plain || fail "start the target"
		before=$(fd_count "$P")
		run env SUTURE_FAULT="$at" "$SUTURE" apply "$P" "$WORK/work.sut"
		check_eq "killed at '$at' (exit status 137)" 137 "$RC"
		nothing_left "$before"
		check "  ... the next apply cleans up and patches" \
			"$SUTURE" apply "$P" "$WORK/work.sut"
		check_status "$P" "  ... then" work
		kill "$P"
	done
	for at in "batch set up" "batch done"; do
		DIRTY_HEAP_MB=1 start plain || fail "start the target"
		before=$(fd_count "$P")
		check "apply" "$SUTURE" apply "$P" "$WORK/work.sut"
		run env SUTURE_FAULT="$at" "$SUTURE" revert "$P"
		check_eq "revert killed at '$at' (its tracker's batch)" 137 "$RC"
		nothing_left "$before"
		check "  ... the next revert goes through" "$SUTURE" revert "$P"
		check_status "$P" "  ... then"
		kill "$P"
	done
fi

# planted MODE WHERE - the word the target in MODE put (dirty.h) is found
# by the stop's scan, which reads the pages of many runs in one gathered
# read: the apply is refused, naming the word's address, in WHERE (as
# refscan_where calls that memory), and nothing is changed.
planted() {
	local at v=$1${DIRTY_HEAP_MB:+ with $DIRTY_HEAP_MB MiB of heap}
	local on=()
	[ -n "$ONE_CPU" ] && on=(taskset -c 0) && v+=", suture on one CPU"
	start "$1" || { fail "$v: start the target"; return; }
	at=$(sed -n 's/^word //p' "$WORK/$1.log")
	check_fails "$v: apply refused" \
		"${on[@]}" "$SUTURE" apply "$P" "$WORK/work.sut" --timeout 0.3
	check_match "$v: the refusal names the word the target put at $at" \
		"return address in memory \($2, at $at\) points 3 bytes into function dirty_work, inside" \
		"$OUT"
	check_status "$P" "$v: after the refusal"
	kill "$P"
}

section "words the stop's gathered read must reach"
planted top stack
planted low "anonymous memory"
planted guarded "anonymous memory"
# more than 1 MiB to read: the reader's buffer grows to 2 MiB on the way
DIRTY_HEAP_MB=8 planted top stack
DIRTY_HEAP_MB=8 planted low "anonymous memory"
# suture on one CPU: no second thread, the scan on one (util/sidejob.h)
ONE_CPU=1 planted top stack
ONE_CPU=1 planted low "anonymous memory"

section "memory no one can read: a guard region holds nothing"
start guard || fail "guard: start the target"
if grep -q '^guard 1' "$WORK/guard.log"; then
	check "a process with a guard region (MADV_GUARD_INSTALL) is patched" \
		"$SUTURE" apply "$P" "$WORK/work.sut" --timeout 0.3
	check "  ... and reverted" "$SUTURE" revert "$P"
else
	echo "# this kernel makes no guard regions (before Linux 6.13): not tried"
fi
kill "$P"

section "in a guest whose kernel marks written pages"
check "scripts/kernel-env makes Debian's kernel ready" "$ROOT/scripts/kernel-env"
[ "$RC" -eq 0 ] && guest prescan.sh "$SRC/dirty" "$WORK/work.sut" \
	"$WORK/work2.sut"
finish
