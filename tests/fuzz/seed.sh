#!/bin/bash
# tests/fuzz/seed.sh - (re)make the seed files of tests/fuzz/corpus/ from
# real builds: the calc test target built with gcc (-g, and -g3 for macros),
# its objects, an archive, a separate debug file, and patches suture builds
# from calc's diffs.  Run from the top of the tree after `make`; it replaces
# only files named seed-*, so other corpus files (hostile-*, or inputs kept
# from fuzzing runs) stay.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
CORPUS=$ROOT/tests/fuzz/corpus
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

tree() { # tree DIR CFLAGS - calc's tree in DIR, built
	mkdir -p "$1"
	cp tests/targets/common/server.[ch] "$1/"
	(cd tests/targets/calc && tar cf - --exclude='*.diff' .) |
		(cd "$1" && tar xf -)
	make -s -C "$1" CC=gcc "CFLAGS=$2" >/dev/null
}

mkdir -p "$CORPUS/patch" "$CORPUS/elf" "$CORPUS/dwarf"
rm -f "$CORPUS"/*/seed-*
tree "$WORK/g" "-O2 -g"
tree "$WORK/g3" "-O2 -g3"
for d in fix newvar string inline; do
	build/suture build --src "$WORK/g" --patch "tests/targets/calc/$d.diff" \
		--binary calc -o "$CORPUS/patch/seed-$d.sut" \
		-- make CC=gcc "CFLAGS=-O2 -g" >/dev/null
done
cp "$WORK/g/calc" "$CORPUS/elf/seed-calc"
strip -o "$CORPUS/elf/seed-calc-stripped" "$WORK/g/calc"
objcopy --only-keep-debug "$WORK/g/calc" "$CORPUS/elf/seed-calc.debug"
cp "$WORK/g/util.o" "$CORPUS/elf/seed-util.o"
ar rcs "$CORPUS/elf/seed-objs.a" "$WORK/g/util.o" "$WORK/g/calc.o"
cp "$WORK/g/util.o" "$CORPUS/dwarf/seed-util.o"
cp "$WORK/g/calc.o" "$CORPUS/dwarf/seed-calc.o"
cp "$WORK/g3/calc" "$CORPUS/dwarf/seed-calc-g3"
ls -l "$CORPUS"/*/seed-*
