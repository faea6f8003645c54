# prescan.sh - guest checks of apply's scan for saved contexts made while
# the program runs (t-prescan.sh): on this kernel (CONFIG_MEM_SOFT_DIRTY)
# the stop reads again only the pages written since, and still finds a
# word written after the first scan (/ko/dirty late; for revert's scan
# for references to the patch's memory, /ko/dirty revlate; for the scan of
# `apply --replace` for references to the replaced patch's memory, the
# same target, and then `suture gc`'s scan, which finds the word from its
# first scan), and one whose
# page a second clearing of the marks made look unwritten (/ko/dirty criu,
# and revcriu for revert: the canary shows the marks cleared again and the
# stop reads everything),
# and one a child process writes into a MAP_SHARED page through its own
# mapping, which this process's marks never see (/ko/dirty shared: shared
# mappings are read whole in the stop), and words put before the first
# scan in the stack's last bytes and after a PROT_NONE page (/ko/dirty top,
# guarded: the first scan's gathered read reaches them, the stop keeps
# what it found);
# pinned memory (/ko/dirty pin, io_uring fixed buffers) makes the stop
# read everything; a poisoned page (/ko/dirty poison), which no one can
# read, refuses the apply and says it could not be read.
# /ko/dirty and /ko/work.sut are built on the host.
mkdir -p /tmp

# start MODE - the target in MODE; $P its PID, its log /tmp/MODE.log.
start() {
	rm -f "/tmp/$1.log" # an earlier run's "ready" would pass at once
	/ko/dirty "$1" "/tmp/$1.log" &
	P=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -q ready "/tmp/$1.log" 2>/dev/null && return 0
		sleep 0.2
	done
	fail "the $1 target starts" "$(cat "/tmp/$1.log" 2>&1)"
}

# late MODE WHAT - pass WHAT if the target of MODE wrote its word at least
# once after suture cleared the marks (its log's "late" lines).
late() {
	local n
	n=$(grep -c '^late' "/tmp/$1.log")
	[ "$n" -ge 1 ] && pass "$2 ($n times)" || fail "$2" "$(cat "/tmp/$1.log")"
}

# raced MODE CMD - on a new target in MODE, `suture apply` and then CMD
# (a revert or replace of it), until CMD's first stop found the thread in
# the patch's code (", N attempts"): only then had the target seen CMD's
# clearing of the marks and entered the patch (whose word it sets before
# it leaves it) ahead of the stop; on a slow guest the stop may come first,
# and the target then writes its word after CMD, into nothing.  Up to 5
# targets; CMD is a string (its "$P" the target of each try); $OUT is
# CMD's output, $word the target's word's address.
raced() {
	local mode=$1 cmd=$2 try
	for try in 1 2 3 4 5; do
		start "$mode"
		run suture apply "$P" /ko/work.sut
		[ "$RC" -eq 0 ] && eval "run $cmd" && case $OUT in
			*" attempts"[\;\)]*) break ;;
			esac
		[ "$try" = 5 ] && break # the checks below say what it did
		echo "# try $try: the stop came before the target moved: again"
		kill "$P"
	done
	for try in 1 2 3 4 5 6 7 8 9 10; do
		word=$(sed -n 's/^region word at //p' "/tmp/$mode.log")
		[ -n "$word" ] && break
		sleep 0.2
	done
}

echo "# -- a busy target: only the pages written since are read in the stop"
start plain
check_has_soft() { grep -q "^softdirty 1" /tmp/plain.log && pass "$1" ||
	fail "$1" "$(cat /tmp/plain.log)"; }
check_has_soft "the guest's kernel marks written pages (soft-dirty)"
check "apply -v" suture apply -v "$P" /ko/work.sut
check_has "the stop read again only the pages written since" \
	"written since the scan before the stop read again"
echo "$OUT" | sed -n 's/^/# /p'
check "revert -v" suture revert -v "$P"
check_has "revert's stop, too, read again only the pages written since" \
	"scan for references: "
check_has "  ... (the words of the rest from its scan made before)" \
	"written since the scan before the stop read again"
echo "$OUT" | sed -n 's/^/# /p'
kill "$P"

echo "# -- revert: a word pointing into the patch's memory written after"
echo "#    its first scan, before its stop"
raced revlate 'suture revert -v "$P"'
check_has "the revert's stop took the first scan for what was not written" \
	"written since the scan before the stop read again"
if [ -n "$word" ]; then
	pass "the target set the word after suture cleared the marks"
	check_has "the memory stays mapped, retained for the word in the heap" \
		"e.g. at $word (heap)"
else
	fail "the target set the word after suture cleared the marks" \
		"$(cat /tmp/revlate.log)"
fi
kill "$P"

echo "# -- revert: the word written after its first scan, and then the marks"
echo "#    cleared by another tool, before its stop"
raced revcriu 'suture revert -v "$P"'
check_has "the canary shows the marks cleared again: the stop read everything" \
	"another tool (CRIU?) cleared them meanwhile"
if [ -n "$word" ]; then
	pass "the target set the word and cleared the marks"
	check_has "the memory stays mapped, retained" \
		"note: the memory of 'work' stays mapped"
else
	fail "the target set the word and cleared the marks" \
		"$(cat /tmp/revcriu.log)"
fi
kill "$P"

echo "# -- apply --replace: a word pointing into the replaced patch's memory"
echo "#    written after the replace's first scan, before its stop; then gc"
raced revlate 'suture apply -v --replace "$P" /ko/work2.sut'
check_has "the replace's stop took the first scan for what was not written" \
	"written since the scan before the stop read again"
check_has "the replaced patch's memory stays mapped, retained" \
	"note: the memory of 1 replaced patch stays mapped"
if [ -n "$word" ]; then
	pass "the target set the word after suture cleared the marks"
	check "status" suture status "$P"
	check_has "  ... for the word in the heap" "e.g. at $word (heap)"
else
	fail "the target set the word after suture cleared the marks" \
		"$(cat /tmp/revlate.log)"
fi
check "gc -v" suture gc -v "$P"
check_has "gc's stop, too, read again only the pages written since" \
	"scan for references: "
check_has "  ... (the words of the rest from its scan made before)" \
	"written since the scan before the stop read again"
check_has "gc keeps the memory the word (from gc's first scan) refers to" \
	"1 earlier patch is still retained"
echo "$OUT" | sed -n 's/^/# /p'
kill "$P"

echo "# -- the word is written after the first scan, before the stop"
start late
check_refused "apply is refused" \
	"points 3 bytes into function dirty_work" \
	suture apply -v --timeout 1 "$P" /ko/work.sut
check_has "naming the word in the heap" "a saved context or return address in memory (heap"
check_has "the stop took the first scan for what was not written" \
	"written since the scan before the stop read again"
late late "the target set the word after suture cleared the marks"
kill "$P"

echo "# -- another tool clears the marks between the first scan and the stop"
start criu
check_refused "apply is refused" \
	"points 3 bytes into function dirty_work" \
	suture apply -v --timeout 1 "$P" /ko/work.sut
# -v tells the last stop's scan only: on a slow guest the target may not
# have run between suture's clearing and that stop, so the marks held
echo "$OUT" | sed -n 's/^/# /p'
late criu "the target set the word and cleared the marks"
kill "$P"

echo "# -- another process writes the word into shared memory in between"
start shared
check_refused "apply is refused" \
	"points 3 bytes into function dirty_work" \
	suture apply -v --timeout 1 "$P" /ko/work.sut
check_has "naming the word in the shared page" \
	"a saved context or return address in memory (zero (deleted)"
late shared "the child set the word after suture cleared the marks"
kill "$P"

echo "# -- words put before the first scan, in the last page the stop reads"
echo "#    and right after a PROT_NONE page: kept from the first scan"
for m in top guarded; do
	start "$m"
	check_refused "$m: apply is refused" \
		"points 3 bytes into function dirty_work" \
		suture apply -v --timeout 1 "$P" /ko/work.sut
	check_has "$m: naming the word the target put" \
		"at $(sed -n 's/^word //p' "/tmp/$m.log")) points 3 bytes"
	check_has "$m: the stop took the first scan for what was not written" \
		"written since the scan before the stop read again"
	kill "$P"
done

echo "# -- pinned memory: the kernel may write it without marking its pages"
start pin
check "apply -v" suture apply -v "$P" /ko/work.sut
check_has "the stop read all memory, and -v says why" \
	"all memory read in the stop: the process has 64 kB of memory pinned for the kernel to write into (VmPin: io_uring's fixed buffers, RDMA)"
check "revert" suture revert "$P"
kill "$P"

echo "# -- a page whose memory failed (MADV_HWPOISON): no one can read it"
start poison
if grep -q '^poison 1' /tmp/poison.log; then
	check_refused "apply is refused" \
		"could not be read (anonymous memory, at" \
		suture apply --timeout 1 "$P" /ko/work.sut
	check_has "  ... saying it may hold a return address, not naming one" \
		"): it may hold a saved context or return address inside the 5 bytes of function dirty_work"
else
	fail "the guest's kernel poisons a page (CONFIG_MEMORY_FAILURE)" \
		"$(cat /tmp/poison.log)"
fi
kill "$P"

echo "# -- what the stop's scan costs here (TCG inflates every figure: compare"
echo "#    the lines with each other, not with the host's)"
# scan_us - the stop's scan in the last run's SUTURE_TIMING line, in µs.
scan_us() {
	echo "$OUT" | sed -n 's/.*look for saved contexts (all threads stopped) \([0-9]*\) µs.*/\1/p'
}
for heap in 0 64; do
	for mode in plain pin; do
		DIRTY_HEAP_MB=$heap start $mode
		t=""
		for i in 1 2 3 4 5; do
			run env SUTURE_TIMING=1 suture apply "$P" /ko/work.sut
			t="$t $(scan_us)"
			suture revert "$P" >/dev/null 2>&1
		done
		echo "# $heap MiB of heap, $mode ($([ $mode = plain ] &&
			echo 'written pages only' || echo 'all memory: VmPin')):$t µs"
		kill "$P"
	done
done
