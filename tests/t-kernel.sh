#!/bin/bash
# t-kernel.sh - the kernel back end: Debian's 6.1.0-47-amd64 kernel
# (scripts/kernel-env prepares it) booted under qemu with a busybox
# initramfs, in which suture loads, checks and removes livepatch modules.
#
# A guest run is `guest CHECK FILE.ko...`: tests/kernel/boot makes the
# initramfs (the .ko files in /ko, suture, busybox), the guest runs the
# check script (tests/kernel/checks/) and its ok/FAIL lines count here.
. "$(dirname "$0")/lib.sh"
begin kernel

section "the prepared kernel (scripts/kernel-env)"
check "scripts/kernel-env makes the cache ready" "$ROOT/scripts/kernel-env"
KENV=$("$ROOT/scripts/kernel-env" --path)
[ -f "$KENV/READY" ] || finish

section "test modules, built against $KENV/src"
cp -r "$TESTS/kernel/modules" "$WORK/mod"
check "the test livepatch modules build out of tree" \
	make -s -C "$KENV/src" M="$WORK/mod" modules
run modinfo -F vermagic "$WORK/mod/lp_cmdline.ko"
check_eq "their vermagic names the image's release" \
	"6.1.0-47-amd64 SMP preempt mod_unload modversions" "${OUT% }"
# lp_other: lp_cmdline for another release (the same length, so the file
# stays valid); with modversions the kernel compares no release and
# would load it: only suture's check stops it.
perl -pe 's/vermagic=6\.1\.0-47-amd64 /vermagic=6.1.0-46-amd64 /' \
	"$WORK/mod/lp_cmdline.ko" >"$WORK/mod/lp_other.ko"
run modinfo -F vermagic "$WORK/mod/lp_other.ko"
check_eq "lp_other.ko's vermagic names 6.1.0-46-amd64" \
	"6.1.0-46-amd64 SMP preempt mod_unload modversions" "${OUT% }"

section "refusals on the host, whatever its kernel"
run "$SUTURE" apply kernel "$WORK/mod/plain.ko"
check_eq "an ordinary module is refused" \
	"suture apply: $WORK/mod/plain.ko is not a livepatch module (its modinfo has no livepatch=Y); load ordinary modules with insmod" \
	"$OUT"
run "$SUTURE" apply kernel "$SUTURE"
check_eq "an executable is refused" \
	"suture apply: cannot read $SUTURE as a kernel module: $SUTURE is not a relocatable object for this architecture" \
	"$OUT"
run "$SUTURE" apply kernel "$WORK/mod/lp_cmdline.o"
check_eq "the module's object before modpost (no name) is refused" \
	"suture apply: $WORK/mod/lp_cmdline.o is not a kernel module: its .modinfo has no name" \
	"$OUT"
run "$SUTURE" apply kernel --bogus "$WORK/mod/plain.ko"
check_eq "a usage error exits 2" 2 "$RC"

section "the guest: tests/kernel/checks/sample.sh"
guest -m dummy sample.sh "$WORK"/mod/{lp_cmdline,lp_stack,lp_replace,lp_other}.ko \
	"$WORK"/mod/{plain,sleeper,lp_sleeper}.ko
finish
