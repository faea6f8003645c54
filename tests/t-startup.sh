#!/bin/bash
# t-startup.sh - what the dynamic linker does before suture's main
# (docs/DESIGN.md, "The command's fixed cost"): it loads the C library
# alone.  The other libraries are linked in (the Makefile), and
# libthread_db is loaded only by an apply whose patch uses thread-local
# storage (src/apply/tdload.h; t-tls applies such patches).  Nettle's
# constructor, which asks the CPU its features (three CPUID traps in a
# VM), is linked out: Nettle asks at its first hash.
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

# cpuids CMD... - how many times CMD calls Nettle's CPUID wrapper (gdb).
cpuids() {
	gdb -q -batch -ex 'dprintf _nettle_cpuid,"cpuid-call\n"' -ex run \
		--args "$@" 2>&1 | grep -c '^cpuid-call$'
}

section "Nettle's CPU features, asked when first needed"
if [ -z "$(nm "$SUTURE" | grep -w _nettle_cpuid)" ]; then
	echo "# skipped: this suture's Nettle has no fat build (no CPUID)"
else
	check_eq "suture --help asks nothing" 0 "$(cpuids "$SUTURE" --help)"
	rm -f "$WORK/key2" "$WORK/key2.pub"
	check_ne "suture keygen (a hash) asks, at its first hash" 0 \
		"$(cpuids "$SUTURE" keygen "$WORK/key2")"
	check "  ... and wrote the key" test -s "$WORK/key2"
fi

finish
