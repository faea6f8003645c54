#!/bin/bash
# t-startup.sh - what the dynamic linker does before suture's main
# (docs/DESIGN.md, "The command's fixed cost"): it loads the C library
# alone.  The other libraries are linked in (the Makefile), and
# libthread_db is loaded only by an apply whose patch uses thread-local
# storage (src/apply/tdload.h; t-tls applies such patches).
. "$(dirname "$0")/lib.sh"
begin startup

# loaded CMD... - the shared objects the dynamic linker loads while CMD
# runs (from LD_DEBUG=files), one name a line.
loaded() {
	env LD_DEBUG=files "$@" 2>&1 >/dev/null |
		sed -n 's/.*[[:space:]]file=\([^ ]*\) .*/\1/p' | sort -u
}

section "shared objects"
check "suture --help runs" "$SUTURE" --help
check_eq "suture --help loads the C library alone" "libc.so.6" \
	"$(loaded "$SUTURE" --help)"
check_eq "suture keygen (Nettle at work) loads no more" "libc.so.6" \
	"$(loaded "$SUTURE" keygen "$WORK/key")"
check "  ... and wrote the key" test -s "$WORK/key"

finish
