#!/bin/bash
# t-progress.sh - how `suture build` spends a first patch, and what it says
# meanwhile (README, "Build time and progress"):
#   first     with an empty cache the original builds first, then the
#             patched tree takes the original's object of every file the
#             diff did not change: its wrapper log shows each unchanged
#             file compiled zero times (a cache hit), the changed one once
#   nocache   --no-cache does the same through a private cache in the
#             scratch directory: the user's cache stays empty, nothing is
#             left behind, and the patch is byte-identical to the cached one
#   depfiles  the same for compiles that write a dependency file (-MMD),
#             which the patched tree gets too, naming its own paths
#   terminal  on a pseudo-terminal (script(1)) one status line names the
#             stage and each tree's compiler calls, as many as its log
#             holds, and is erased before the report
#   plain     not a terminal: nothing is added without -v; with -v one
#             line per stage, no status line
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin progress

FLAGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${FLAGS[@]}" || finish
DIFF=$TARGETS/calc/fix.diff # changes calc.c only
export SUTURE_CACHE_DIR=$WORK/cache

# sb NAME [OPTIONS...] - suture build of fix.diff into $WORK/NAME.sut;
# stdout in $OUT, stderr in $ERR, status in $RC, a --keep scratch in $KEPT.
sb() {
	local name=$1
	shift
	rm -f "$WORK/$name.sut"
	"$SUTURE" build --src "$SRC" --patch "$DIFF" --binary calc "$@" \
		-o "$WORK/$name.sut" -- make "${FLAGS[@]}" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"
	RC=$?
	OUT=$(cat "$WORK/$name.out")
	ERR=$(cat "$WORK/$name.err")
	KEPT=$(kept_scratch "$ERR")
}

# outcomes TREE - the wrapper's cache outcome of each compile of TREE in
# the kept scratch directory, "FILE:OUTCOME" sorted (none: not cached).
outcomes() {
	cc_outcomes "$KEPT" "$1" | xargs
}

# count TREE - "N compiler calls[, M objects reused]" from TREE's log.
count() {
	local n h
	n=$(wc -l <"$KEPT/$1.cclog")
	h=$(grep -c '"cache":"hit"' "$KEPT/$1.cclog")
	if [ "$h" -eq 1 ]; then
		echo "$n compiler calls, 1 object reused"
	elif [ "$h" -gt 1 ]; then
		echo "$n compiler calls, $h objects reused"
	else
		echo "$n compiler calls"
	fi
}

section "first: the first patch, with an empty cache"
sb first -v --keep
check_eq "suture build fix.diff with an empty cache" 0 "$RC"
check_eq "  ... the original compiled every file" \
	"calc.c:miss server.c:miss util.c:miss" "$(outcomes orig)"
check_eq "  ... the patched tree compiled only calc.c, the changed file" \
	"calc.c:miss server.c:hit util.c:hit" "$(outcomes patched)"
check_match "  ... the objects reused are the original's: built before" \
	"the original tree built in .*building the patched tree" \
	"$(tr "\n" " " <<<"$ERR")"
ORIG_COUNT=$(count orig)
PATCHED_COUNT=$(count patched)
check_match "  ... -v says what each tree's log holds" \
	"the patched tree built in [0-9.]+ s \($PATCHED_COUNT\)" "$ERR"
check_match "  ... the original's too" \
	"the original tree built in [0-9.]+ s \($ORIG_COUNT\)" "$ERR"
FIRST_KEPT=$KEPT

section "nocache: --no-cache shares objects through a private cache"
export SUTURE_CACHE_DIR=$WORK/user-cache
sb nocache --no-cache --keep
check_eq "suture build --no-cache fix.diff" 0 "$RC"
check_eq "  ... the patched tree compiled only calc.c" \
	"calc.c:miss server.c:hit util.c:hit" "$(outcomes patched)"
check "  ... the patch is byte-identical to the one built with the cache" \
	cmp "$WORK/first.sut" "$WORK/nocache.sut"
check "  ... the user's cache directory was not even created" \
	test ! -e "$WORK/user-cache"
rm -rf "$KEPT" "$FIRST_KEPT"
mkdir -p "$WORK/tmp"
# An empty TMPDIR afterwards proves nothing if suture does not work there:
# a kept build must be under it.
TMPDIR=$WORK/tmp sb intmp --no-cache --keep
check_eq "suture build --no-cache --keep with TMPDIR set" 0 "$RC"
check_match "  ... works under TMPDIR (kept $KEPT)" "^$WORK/tmp/[^/]+\$" "$KEPT"
check "  ... and its scratch directory is there" test -d "$KEPT"
rm -rf "$WORK/tmp"
mkdir -p "$WORK/tmp"
TMPDIR=$WORK/tmp sb nocache2 --no-cache
check_eq "suture build --no-cache without --keep" 0 "$RC"
check_eq "  ... leaves nothing behind (private cache and scratch dir)" \
	"" "$(ls -A "$WORK/tmp")"
check "  ... and gives the same patch again" \
	cmp "$WORK/first.sut" "$WORK/nocache2.sut"

section "depfiles: compiles that also write a dependency file (-MMD)"
# As redis's and automake's makefiles compile; the forced include names
# the tree by its absolute path, so that the file lists the scratch path.
DEPFLAGS=(CC=gcc 'CFLAGS=-O2 -g -MMD -include $(CURDIR)/calc.h')
DSRC=$WORK/calc-dep
calc_build "$DSRC" "${DEPFLAGS[@]}" || finish
rm -rf "$WORK/user-cache"
sb_dep() {
	local name=$1
	shift
	"$SUTURE" build --src "$DSRC" --patch "$DIFF" --binary calc "$@" \
		-o "$WORK/$name.sut" -- make "${DEPFLAGS[@]}" \
		>"$WORK/$name.out" 2>&1
	RC=$?
	KEPT=$(kept_scratch "$(cat "$WORK/$name.out")")
}
sb_dep dep --keep
check_eq "suture build of a tree compiled with -MMD" 0 "$RC"
check_eq "  ... the patched tree compiled only calc.c" \
	"calc.c:miss server.c:hit util.c:hit" "$(outcomes patched)"
check_eq "  ... and got util.o's dependency file, naming its own tree" \
	"util.o: util.c $KEPT/patched/calc.h calc.h" \
	"$(xargs <"$KEPT/patched/util.d" 2>&1)"
check_eq "  ... as the original's compile wrote it for the original's" \
	"util.o: util.c $KEPT/orig/calc.h calc.h" \
	"$(xargs <"$KEPT/orig/util.d" 2>&1)"
rm -rf "$KEPT"
TMPDIR=$WORK/tmp sb_dep dep-nc --no-cache
check "  ... the patch is byte-identical to --no-cache's" \
	cmp "$WORK/dep.sut" "$WORK/dep-nc.sut"

section "terminal: a status line on a pseudo-terminal"
mkdir -p "$WORK/tty"
# One run with --keep (which prints notes, as -v does) for the counts,
# one on the terminal without -v.
sb counts --no-cache --keep
ORIG_COUNT=$(count orig)
PATCHED_COUNT=$(count patched)
rm -rf "$KEPT"
TTY=$(script -q -e -c "stty cols 200; TMPDIR='$WORK/tmp' '$SUTURE' build \
	--no-cache --src '$SRC' --patch '$DIFF' --binary calc \
	-o '$WORK/tty.sut' -- make ${FLAGS[*]@Q}" /dev/null </dev/null |
	tr -d '\n')
RC=$?
ESC=$'\033'
CR=$'\r'
check "suture build on a terminal" cmp "$WORK/first.sut" "$WORK/tty.sut"
check_match "  ... names the copy as the first stage" \
	"^$CR$ESC\[Ksuture build: copying the source tree$CR" "$TTY"
check_match "  ... counts the original's compiler calls, all of them" \
	"$ESC\[Ksuture build: building the original tree: $ORIG_COUNT$CR" \
	"$TTY"
check_match "  ... then the patched tree's, with the objects reused" \
	"$ESC\[Ksuture build: building the patched tree: $PATCHED_COUNT$CR" \
	"$TTY"
check_match "  ... names the comparison" \
	"$ESC\[Ksuture build: comparing the objects and the target$CR" "$TTY"
check_match "  ... and erases the line before the report" \
	"$CR$ESC\[Kchecked [0-9]+ functions of the rebuilt original" "$TTY"
check_nomatch "  ... which stays as it was (no stage line without -v)" \
	"suture build: [^$CR]*$CR$CR" "$TTY"

section "plain: stderr not a terminal"
TMPDIR=$WORK/tmp sb quiet --no-cache
check_eq "suture build without -v, stderr to a file" 0 "$RC"
check_eq "  ... adds nothing to stderr" "" "$ERR"
TMPDIR=$WORK/tmp sb verbose --no-cache -v
check_eq "suture build -v, stderr to a file" 0 "$RC"
check_eq "  ... one line per stage, in order" \
	"copying the source tree|building the original tree: make ...|the original tree built|building the patched tree: make ...|the patched tree built|reading the objects|comparing the objects and the target" \
	"$(sed -n 's/^suture build: \(copying.*\|building.*\|reading.*\|comparing.*\|the [a-z]* tree built\).*/\1/p' <<<"$ERR" | paste -sd '|')"
check_nomatch "  ... and no status line" "$CR" "$ERR"
finish
