#!/bin/bash
# t-hostile.sh - patch files with a valid checksum but hostile fields, and
# files that are no patch file at all, each refused before the target is
# touched.
#
# The hostile files are made from a real patch (calc + fix.diff) by
# tests/sutedit.py, which changes one field and recomputes the checksum:
# what a crafted file looks like, not a damaged one.  For each: the refusal
# names the field and its value, and the process is untouched (the old
# answers, no suture: mapping in /proc/PID/maps, `status` empty).  Small
# copies of the crafted files go to tests/fuzz/corpus/patch/hostile-*.sut
# (SAVE_CORPUS=1), which the fuzzing corpus replays.
#   fields    old_addr a few bytes into a function, old_size not the
#             function's, absurd old_size, a function listed twice, only
#             `part` entries, R_X86_64_NONE and unknown relocation types,
#             two relocations over one field, a symbol past its section
#   stripped  a stripped target: refused naming the debug file to install;
#             with it installed (by build id, or by .gnu_debuglink),
#             checked against it (and applied)
#   record    a 20 MiB target file name: the record apply would write is
#             larger than status and revert read; 200,000 function entries
#   files     /dev/zero, a FIFO, a 300 MB file for apply, info, review and
#             drift: refused at once
#   smaller   a tracer on a worker thread is named; a build command not on
#             PATH is reported without naming the deleted scratch log
. "$(dirname "$0")/lib.sh"
. "$TESTS/calc.sh"
begin hostile

MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/calc
calc_build "$SRC" "${MAKEARGS[@]}" || finish
build_patch "$WORK/fix.sut" "$SRC" "$TARGETS/calc/fix.diff" calc \
	"${MAKEARGS[@]}" || finish
start_target C "$SRC/calc" -t || finish
pid=$C_PID port=$C_PORT
CORPUS=$TESTS/fuzz/corpus/patch

# craft NAME WHAT CODE - $WORK/NAME.sut: fix.sut with CODE run on WHAT
# (sutedit.py); with SAVE_CORPUS=1 also copied into the corpus.
craft() {
	run python3 "$TESTS/sutedit.py" "$WORK/fix.sut" "$WORK/$1.sut" "$2" "$3"
	[ "$RC" -eq 0 ] || fail "sutedit.py $1" "$OUT"
	if [ "${SAVE_CORPUS:-}" = 1 ]; then
		mkdir -p "$CORPUS"
		cp "$WORK/$1.sut" "$CORPUS/hostile-$1.sut"
	fi
}

# untouched WHAT - the process answers as before, maps no suture region
# and `status` lists no patch.
untouched() {
	check_ask "$1: calc 100 is still the old sum" "$port" "calc 100" \
		"$(model_sum old 100)"
	check_eq "$1: no suture region in /proc/$pid/maps" "" \
		"$(suture_maps "$pid")"
	check_status "$pid" "$1"
}

# fresh - if a case changed or killed the process (a suture without the
# check under test), a new one, so that the next case starts clean.
fresh() {
	if ! alive "$pid" || [ -n "$(suture_maps "$pid")" ]; then
		stop_target "$pid"
		start_target C "$SRC/calc" -t || finish
		pid=$C_PID port=$C_PORT
	fi
}

# refused NAME ERE - apply of $WORK/NAME.sut fails with a message matching
# ERE, and leaves the process untouched.
refused() {
	run suture apply "$pid" "$WORK/$1.sut"
	check_ne "$1: apply refused" 0 "$RC"
	check_match "  ... saying: $2" "$2" "$OUT"
	untouched "$1"
	fresh
}

# The first whole function of the patch: its name, address and size.
js=$(suture info --json "$WORK/fix.sut")
fname=$(json_get "$js" '(grep { !$_->{part} } @{$j->{functions}})[0]{name}')
faddr=$(json_get "$js" '(grep { !$_->{part} } @{$j->{functions}})[0]{old_addr}')
fsize=$(json_get "$js" '(grep { !$_->{part} } @{$j->{functions}})[0]{old_size}')
echo "# first function: $fname at $faddr, $fsize bytes"
first='f = [x for x in m["functions"] if not x.get("part")][0]'

section "fields checked against the target"
craft midfunc manifest "$first; f['old_addr'] += 4; f['old_size'] -= 4"
refused midfunc \
	"function $fname has old_addr 0x[0-9a-f]+, which is not the start of a function .* but $fname\+0x4"
craft size manifest "$first; f['old_size'] += 16"
refused size "function $fname at 0x[0-9a-f]+ has old_size $((fsize + 16)) bytes, but .*symbol table says $fsize"
craft hugesize manifest "$first; f['old_size'] = 1 << 40"
refused hugesize "function $fname: old_size 1099511627776 bytes is larger than any function"
craft twice manifest "$first; m['functions'].append(dict(f))"
refused twice "lists function $fname at 0x[0-9a-f]+ and function $fname at 0x[0-9a-f]+, which is the same address"
craft onlyparts manifest "[x.update(part=True) for x in m['functions']]"
refused onlyparts "replaces no function: its function list has only split-off parts"
craft rnone rela "r[0][2] = 0"
refused rnone "relocation at 0x[0-9a-f]+ in \S+ has type R_X86_64_NONE \(0\), which is not one of the types suture applies"
craft rtype rela "r[0][2] = 200"
refused rtype "has type unknown x86-64 relocation \(200\), which is not one of the types"
craft roverlap rela "w = [x for x in r if x[2] in (2, 4, 9, 41, 42)]; w[1][0] = w[0][0] + 2"
refused roverlap "relocations at 0x[0-9a-f]+ \(R_X86_64_[A-Z0-9_]+\) and 0x[0-9a-f]+ \(R_X86_64_[A-Z0-9_]+\) write the same bytes"
craft symsize symtab "y = [x for x in s if x[1] & 15 == 2 and x[3] not in (0, 0xfff1)][0]; y[5] = 1 << 32"
refused symsize "symbol \S+ \(4294967296 bytes at (0x[0-9a-f]+|0)\) lies outside its section"
run suture info "$WORK/twice.sut"
check_ne "suture info refuses the same file" 0 "$RC"
check_match "  ... with the same message" "which is the same address" "$OUT"

section "a stripped target: the symbols come from its debug file"
strip --strip-all -o "$WORK/calc.stripped" "$SRC/calc"
objcopy --only-keep-debug "$SRC/calc" "$WORK/calc.debug"
id=$(build_id "$SRC/calc")
dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
if start_target S "$WORK/calc.stripped"; then
	run suture apply "$S_PID" "$WORK/fix.sut"
	check_ne "no symbol table, no debug file: apply refused" 0 "$RC"
	check_match "  ... naming the debug file to install" \
		"has no symbol table \(stripped\) and no debug file at $dbg.*install the module's debug file" \
		"$OUT"
	check_eq "  ... nothing mapped" "" "$(suture_maps "$S_PID")"
	if [ "$(id -u)" = 0 ] && [ ! -e "$dbg" ]; then
		mkdir -p "$(dirname "$dbg")"
		cp "$WORK/calc.debug" "$dbg"
		run suture apply "$S_PID" "$WORK/midfunc.sut"
		check_match "with the debug file: old_addr inside a function refused" \
			"function $fname has old_addr 0x[0-9a-f]+, which is not the start of a function .* but $fname\+0x4" \
			"$OUT"
		check "with the debug file: fix.sut applies" \
			suture apply "$S_PID" "$WORK/fix.sut"
		rm -f "$dbg"
		rmdir "$(dirname "$dbg")" 2>/dev/null
		check_ask "  ... and runs" "$S_PORT" "calc 100" \
			"$(model_sum new 100)"
	else
		fail "with the debug file (needs root to write /usr/lib/debug)"
	fi
	stop_target "$S_PID"
fi
mkdir -p "$WORK/linked"
cp "$WORK/calc.debug" "$WORK/linked/calc.debug"
objcopy --add-gnu-debuglink="$WORK/linked/calc.debug" \
	"$WORK/calc.stripped" "$WORK/linked/calc"
if start_target L "$WORK/linked/calc"; then
	run suture apply "$L_PID" "$WORK/midfunc.sut"
	check_match "debug file by .gnu_debuglink: old_addr inside a function refused" \
		"function $fname has old_addr 0x[0-9a-f]+, which is not the start of a function .* but $fname\+0x4" \
		"$OUT"
	check "  ... and fix.sut applies" suture apply "$L_PID" "$WORK/fix.sut"
	check_ask "  ... and runs" "$L_PORT" "calc 100" "$(model_sum new 100)"
	stop_target "$L_PID"
fi

section "the record apply writes must be one status and revert read"
craft bigrecord manifest "m['target']['file'] = 'x' * (20 << 20)"
refused bigrecord "would need a record of [0-9]+ bytes in the process .* target file name of 20971520 bytes.*more than the 16777216 that status and revert read"
rm -f "$CORPUS/hostile-bigrecord.sut"
craft manyfuncs manifest "$first; m['functions'] += [dict(f, name='f%d' % i, part=True) for i in range(200000)]"
refused manyfuncs "lists function \S+ at 0x[0-9a-f]+ and function \S+ at 0x[0-9a-f]+, which is the same address"
rm -f "$CORPUS/hostile-manyfuncs.sut"

section "patch files must be regular files of bounded size"
mkfifo "$WORK/fifo.sut"
truncate -s 300M "$WORK/huge.sut"
for f in /dev/zero "$WORK/fifo.sut"; do
	for cmd in "apply $pid" info review; do
		run suture $cmd "$f"
		check_ne "suture $cmd $f: refused" 0 "$RC"
		check_match "  ... as not a regular file" \
			"$f is a (character device|FIFO), not a regular file" "$OUT"
	done
done
untouched "after /dev/zero and a FIFO"
fresh
run suture info "$WORK/huge.sut"
check_ne "a 300 MB file: refused" 0 "$RC"
check_match "  ... by its size, not read" \
	"huge.sut is 314572800 bytes, more than the 268435456 suture reads" "$OUT"
for f in /dev/zero "$WORK/fifo.sut"; do
	run suture drift "$pid" "$f"
	check_ne "suture drift $pid $f: refused" 0 "$RC"
	check_match "  ... as not a regular file" \
		"$f is a (character device|FIFO), not a regular file" "$OUT"
done

section "smaller: the tracer of a worker thread is named"
exec {hold}<>"/dev/tcp/127.0.0.1/$port"
printf 'hold 1\n' >&"$hold"
held() { [ "$(ask "$port" holding | cut -d' ' -f1)" = holding=1 ]; }
if wait_until "a worker thread waits in compute_held()" held; then
	tid=$(ask "$port" holding | sed 's/.*tid=//')
	cc -O2 -o "$WORK/tracer" "$TARGETS/tracer/tracer.c"
	"$WORK/tracer" "$tid" "$WORK/traced" &
	tracer=$!
	PIDS+=("$tracer")
	wait_until "the tracer holds thread $tid" test -e "$WORK/traced"
	run suture apply "$pid" "$WORK/fix.sut"
	check_ne "apply with a traced worker thread: refused" 0 "$RC"
	check_match "  ... naming the tracer, not this suture" \
		"already being traced by process $tracer \(tracer\)" "$OUT"
	check_nomatch "  ... not as another suture" "another suture" "$OUT"
	stop_target "$tracer"
	ask "$port" release >/dev/null
fi
exec {hold}>&-
untouched "after the traced thread"
fresh

section "smaller: a build command not on PATH"
run suture build --src "$SRC" --patch "$TARGETS/calc/fix.diff" \
	--binary calc -o "$WORK/nocmd.sut" -- no-such-command-xyz
check_ne "suture build with a missing build command: refused" 0 "$RC"
check_match "  ... naming the command" "cannot run no-such-command-xyz" "$OUT"
logs=$(grep -oE '/[^ ;:]+\.log' <<<"$OUT")
gone=""
for l in $logs; do [ -e "$l" ] || gone="$gone $l"; done
check_eq "  ... naming no log file that no longer exists" "" "$gone"

section "the real patch still applies"
check "suture apply fix.sut" suture apply "$pid" "$WORK/fix.sut"
check_ask "calc 100 is the new sum" "$port" "calc 100" "$(model_sum new 100)"
finish
