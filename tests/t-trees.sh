#!/bin/bash
# t-trees.sh - `suture build` from trees as they are after the user's build
# (README, "What the scratch copies contain"); small trees written here.
#   stamp     a Makefile whose stamp file (lib/.built) says lib/ is built:
#             the copies leave lib/libhelp.a out as a build product, the
#             stamp stays, make does not rebuild it and the link fails;
#             the error names the archive and --clean.  With
#             --clean 'make distclean' the patch is built, and the build
#             record names the clean step
#   bypass    one object of the link set is compiled by /usr/bin/gcc (not
#             through suture's wrapper): refused naming the object
# tests/real/redis.sh and tests/real/expat.sh do the same on real trees.
. "$(dirname "$0")/lib.sh"
begin trees

# tree DIR: a program (main.c) and a library (lib/help.c), both built by
# the Makefile that the caller writes.
tree() {
	mkdir -p "$1/lib"
	cat >"$1/main.c" <<'EOF'
#include <stdio.h>
int help_answer(void);
int main(void)
{
	printf("%d\n", help_answer());
	return 0;
}
EOF
	cat >"$1/lib/help.c" <<'EOF'
int help_answer(void)
{
	return 41;
}
EOF
	printf 'libhelp.a: help.o\n\tar rcs $@ help.o\nclean:\n\trm -f help.o libhelp.a\n' \
		>"$1/lib/Makefile"
	mkdir -p "$WORK/b/lib"
	sed 's/41/42/' "$1/lib/help.c" >"$WORK/b/lib/help.c"
	cp "$1/lib/help.c" "$WORK/a.c"
	(cd "$WORK" && diff -u a.c b/lib/help.c |
		sed -e '1s|.*|--- a/lib/help.c|' -e '2s|.*|+++ b/lib/help.c|') >"$WORK/fix.diff"
}

# sbuild DIR [OPTIONS...]: suture build of DIR's prog with fix.diff.
sbuild() {
	local dir=$1
	shift
	run suture build --src "$dir" --patch "$WORK/fix.diff" --binary prog \
		-o "$WORK/$(basename "$dir").sut" "$@" -- make CFLAGS="-O2 -g"
}

section "stamp"
S=$WORK/stamp
tree "$S"
cat >"$S/Makefile" <<'EOF'
all: prog
lib/.built:
	$(MAKE) -C lib CFLAGS="$(CFLAGS)"
	touch $@
prog: main.o lib/.built
	$(CC) -o $@ main.o lib/libhelp.a
distclean:
	$(MAKE) -C lib clean
	rm -f lib/.built prog main.o
EOF
build_tree "$S" CFLAGS="-O2 -g" || finish
check_eq "the program built in place says 41" 41 "$("$S/prog")"
sbuild "$S"
check_match "without --clean: the error names the left-out archive, the stamp and --clean" \
	"lib/libhelp\.a was a build product in $S, left out of the copies; the build did not make it again: stamp files probably say it is built; name the clean step with --clean, e\.g\. --clean 'make distclean'" \
	"$OUT"
sbuild "$S" --clean 'make distclean'
check_eq "with --clean 'make distclean' the patch is built" 0 "$RC"
check_match "it changes help_answer" '^  help_answer +lib/help\.c' "$OUT"
run suture info "$WORK/stamp.sut" --json
check_eq "the build record names the clean step" "make distclean" \
	"$(json_get "$OUT" '$j->{build}{clean}')"
sbuild "$S" --clean 'exit 3'
check_match "a failing clean step refuses the build" \
	"the clean step \(--clean 'exit 3'\) failed in the orig copy \(exit status 3\)" "$OUT"

section "bypass"
B=$WORK/bypass
tree "$B"
cat >"$B/Makefile" <<'EOF'
all: prog
lib/help.o: lib/help.c
	/usr/bin/gcc $(CFLAGS) -c -o $@ lib/help.c
prog: main.o lib/help.o
	$(CC) -o $@ main.o lib/help.o
EOF
build_tree "$B" CFLAGS="-O2 -g" || finish
sbuild "$B"
check_match "an object compiled without suture's wrapper is refused, named" \
	"lib/help\.o is linked into prog, but no compile of the (orig|patched) copy's build made it" \
	"$OUT"
finish
