#!/bin/bash
# t-nodebug.sh - without debug information the data-layout check cannot
# see a renumbered enum or a changed variable type, so suture build refuses
# such a build by default, naming the objects and what to do; with
# --accept-no-debug it builds the patch, says the check was skipped, and
# the patch records it (suture info, text and JSON).  A patch built with -g
# records no skipped object, even with an object that #ifdef emptied.
. "$(dirname "$0")/lib.sh"
begin nodebug

MAKEARGS=(CC=gcc "CFLAGS=-O2")
SRC=$WORK/store
make_tree store "$SRC"
build_tree "$SRC" "${MAKEARGS[@]}" || finish

# sb DIFF OPTION... - suture build of store/DIFF.diff with OPTION...
sb() {
	local d=$1
	shift
	rm -f "$WORK/$d.sut"
	run suture build --src "$SRC" --patch "$TARGETS/store/$d.diff" \
		--binary store -o "$WORK/$d.sut" "$@" -- make "${MAKEARGS[@]}"
}

for d in enum vartype; do
	section "$d.diff, built without -g"
	sb "$d"
	check_ne "refused by default" 0 "$RC"
	check_match "  ... because 3 objects have no debug information, named" \
		"3 objects of the link set have no debug information \((server|store|cfg)\.o, (server|store|cfg)\.o, (server|store|cfg)\.o\)" \
		"$OUT"
	check_match "  ... saying what to do" \
		"Build with -g \(in CFLAGS\), or pass --accept-no-debug" "$OUT"
	check_match "  ... listing store.o below" "^  store\.o$" "$OUT"
	check "  ... and no patch file is written" test ! -e "$WORK/$d.sut"

	sb "$d" --accept-no-debug
	check_eq "accepted with --accept-no-debug" 0 "$RC"
	check_match "  ... saying the data check was skipped for store.o" \
		"warning: data check skipped for store\.o: no debug information" \
		"$OUT"
	run suture info "$WORK/$d.sut"
	check_match "  ... suture info shows it" \
		"^data: +check skipped for store\.o: no debug information \(accepted with --accept-no-debug\)" \
		"$OUT"
	js=$(suture info --json "$WORK/$d.sut" 2>/dev/null)
	check_eq "  ... and the record lists the three objects" \
		"cfg.o server.o store.o" \
		"$(json_get "$js" 'join " ", sort @{$j->{build}{data_check}{unchecked_objects}}')"
done

section "built with -g"
MAKEARGS=(CC=gcc "CFLAGS=-O2 -g")
SRC=$WORK/store-g
make_tree store "$SRC"
# plus a file that preprocessing empties (as mosquitto's tls_mosq.c without
# WITH_TLS): its object has no DWARF and nothing to check.
printf '#ifdef NEVER_DEFINED\nint never;\n#endif\n' >"$SRC/empty.c"
MAKEARGS+=("OBJS=server.o store.o cfg.o empty.o")
build_tree "$SRC" "${MAKEARGS[@]}" || finish
sb fix
check_eq "fix.diff is built (an object emptied by #ifdef needs no -g)" 0 "$RC"
js=$(suture info --json "$WORK/fix.sut" 2>/dev/null)
check_eq "  ... recording no unchecked object" 0 \
	"$(json_get "$js" 'scalar @{$j->{build}{data_check}{unchecked_objects}}')"
run suture info "$WORK/fix.sut"
check_nomatch "  ... and suture info says no check was skipped" \
	"check skipped" "$OUT"
finish
