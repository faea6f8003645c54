#!/bin/bash
# t-kbuild.sh - `suture kbuild` on Debian's 6.1 kernel (the prepared cache of
# scripts/kernel-env): livepatch modules built from tests/kernel/diffs and
# checked as files, then booted (tests/kernel/boot, the kernel back end's
# harness, with tests/kernel/checks/kbuild.sh): applied, seen, reverted.
#   cmdline.diff   vmlinux, a static function; saved_command_line (not
#                  exported) becomes a livepatch relocation, seq_puts (exported)
#                  stays a plain one; the prepared tree is left untouched
#   version.diff   a new static function of the patch called by the patched
#                  one, linux_proc_banner as a livepatch relocation, --replace
#   fdinfo-sympos.diff  seq_show of fs/proc/fd.c, whose name vmlinux has
#                  twice: old_sympos 1
#   binfmt-status.diff  the binfmt_misc module: klp_object "binfmt_misc", its
#                  static `enabled` as .klp.sym.binfmt_misc.enabled,0
#   hooks-shadow.diff  suture.h's four hooks as the klp_object's callbacks,
#                  its shadow calls as klp_shadow_* (GFP_ATOMIC)
# Refused, by their messages: a Node layout change (binfmt-layout.diff), an
# __init-only change (cmdline-init.diff), a function with alternatives
# (meminfo.diff), an untraceable one (kstrtobool-notrace.diff), a header
# change, names of suture.h not mapped (suture_shadow_alloc), and a module whose code differs from the rebuilt
# original (a copy of binfmt_misc.ko with one byte changed).
. "$(dirname "$0")/lib.sh"
begin kbuild

DIFFS=$TESTS/kernel/diffs
KERNEL=${SUTURE_KERNEL_CACHE:-/var/cache/suture/kernel}/6.1.170-3
if [ -x "$ROOT/scripts/kernel-env" ]; then
	"$ROOT/scripts/kernel-env" && KERNEL=$("$ROOT/scripts/kernel-env" --path)
fi
if [ ! -f "$KERNEL/READY" ]; then
	fail "the prepared kernel cache $KERNEL (scripts/kernel-env makes it)"
	finish
fi

# kbuild DIFF OUT [ARGS...] - run suture kbuild; output in $OUT.
kbuild() {
	local d=$1 o=$2
	shift 2
	run "$SUTURE" kbuild --kernel "$KERNEL" --diff "$DIFFS/$d" -o "$o" \
		--scratch "$WORK" "$@"
}

# built WHAT KO - pass if the last kbuild succeeded and wrote KO.
built() {
	if [ "$RC" -eq 0 ] && [ -s "$2" ]; then
		pass "$1"
	else
		fail "$1" "$OUT"
	fi
}

section "vmlinux: fs/proc/cmdline.c"
stamp=$(stat -c %Y "$KERNEL/src/fs/proc/cmdline.c")
kbuild cmdline.diff "$WORK/cmdline.ko"
built "cmdline.diff builds a module" "$WORK/cmdline.ko"
check_match "the rebuilt original was checked against vmlinux" \
	"checked [2-9][0-9]* functions of the rebuilt original against .*/vmlinux" "$OUT"
check_match "cmdline_proc_show is patched in vmlinux" \
	"patched: cmdline_proc_show \(vmlinux\)" "$OUT"
check_eq "modinfo says livepatch=Y" "Y" \
	"$(modinfo -F livepatch "$WORK/cmdline.ko" 2>&1)"
check_eq "modinfo's vermagic is the running kernel's" \
	"6.1.0-47-amd64 SMP preempt mod_unload modversions " \
	"$(modinfo -F vermagic "$WORK/cmdline.ko" 2>&1)"
secs=$(readelf -SW "$WORK/cmdline.ko")
check_match "a .klp.rela.vmlinux section, SHF_RELA_LIVEPATCH (o)" \
	'\.klp\.rela\.vmlinux\.\.text\.suture\.0 +RELA .* AIo ' "$secs"
syms=$(readelf -sW "$WORK/cmdline.ko")
check_match "saved_command_line is a livepatch symbol (SHN_LIVEPATCH)" \
	'OS \[0xff20\] \.klp\.sym\.vmlinux\.saved_command_line,0$' "$syms"
check_nomatch "saved_command_line is no plain undefined symbol" \
	' UND saved_command_line$' "$syms"
check_match "seq_puts (exported) is a plain undefined symbol" \
	' UND seq_puts$' "$syms"
check_match "the livepatch relocation is the PC32 load of the variable" \
	'R_X86_64_PC32 .*\.klp\.sym\.vmlinux\.saved_command_line,0 - 4' \
	"$(readelf -rW "$WORK/cmdline.ko")"
check_eq "the prepared tree is untouched" \
	"$stamp no-object" "$(stat -c %Y "$KERNEL/src/fs/proc/cmdline.c") $(
		[ -e "$KERNEL/src/fs/proc/cmdline.o" ] && echo object ||
			echo no-object)"
check_eq "the scratch directory is removed" "" \
	"$(ls -d "$WORK"/suture-kbuild.* 2>/dev/null)"

section "vmlinux: a new function (fs/proc/version.c), --replace"
kbuild version.diff "$WORK/version.ko" --replace --keep
built "version.diff builds a module" "$WORK/version.ko"
check_match "only version_proc_show is replaced" \
	"^  patched: version_proc_show \(vmlinux\)$" "$OUT"
check_nomatch "the new function is no klp_func" "patched: suture_mark" "$OUT"
syms=$(readelf -sW "$WORK/version.ko")
check_match "the new function is in the module" \
	' FUNC +GLOBAL +DEFAULT +[0-9]+ suture_mark__suture[0-9]+$' "$syms"
check_match "linux_proc_banner is a livepatch symbol" \
	'\.klp\.sym\.vmlinux\.linux_proc_banner,0$' "$syms"
main=$(cat "$WORK"/suture-kbuild.*/module/suture_klp_main.c 2>&1)
check_match "--replace sets the patch's replace flag" \
	'\.replace = true,' "$main"
check_match "the klp_object is vmlinux's (NULL name)" \
	'\.name = NULL, \.funcs = suture_funcs' "$main"

section "vmlinux: a static name defined twice (seq_show of fs/proc/fd.c)"
mkdir -p "$WORK/fd"
run "$SUTURE" kbuild --kernel "$KERNEL" --diff "$DIFFS/fdinfo-sympos.diff" \
	-o "$WORK/fdinfo_sympos.ko" --scratch "$WORK/fd" --keep
built "fdinfo-sympos.diff builds a module" "$WORK/fdinfo_sympos.ko"
check_eq "vmlinux has two seq_show, fd.c's first by address" \
	"2 $(nm "$KERNEL/vmlinux" | awk '$3 == "seq_show" {print $1}' | sort | head -1)" \
	"$(nm "$KERNEL/vmlinux" | awk '$3 == "seq_show"' | wc -l) $(
		nm "$KERNEL/vmlinux" | awk '$3 == "seq_show" {print $1}' |
			sort | head -1)"
check_match "the klp_func names it with old_sympos 1" \
	'old_name = "seq_show", \.old_sympos = 1,' \
	"$(cat "$WORK"/fd/suture-kbuild.*/module/suture_klp_main.c 2>&1)"

section "a module: fs/binfmt_misc.c"
kbuild binfmt-status.diff "$WORK/binfmt_status.ko"
built "binfmt-status.diff builds a module" "$WORK/binfmt_status.ko"
check_match "the rebuilt original was checked against binfmt_misc.ko" \
	"checked [0-9]+ functions of the rebuilt original against .*/fs/binfmt_misc.ko" \
	"$OUT"
check_match "bm_status_read is patched in binfmt_misc" \
	"patched: bm_status_read \(binfmt_misc\)" "$OUT"
check_match "the static variable is bound in the module by livepatch" \
	'OS \[0xff20\] \.klp\.sym\.binfmt_misc\.enabled,0$' \
	"$(readelf -sW "$WORK/binfmt_status.ko")"
check_match "its relocation section names the module" \
	'\.klp\.rela\.binfmt_misc\.\.text\.suture\.[0-9]+ +RELA' \
	"$(readelf -SW "$WORK/binfmt_status.ko")"

section "hooks and shadow data (suture.h): fs/proc/cmdline.c"
mkdir -p "$WORK/hk"
run "$SUTURE" kbuild --kernel "$KERNEL" --diff "$DIFFS/hooks-shadow.diff" \
	-o "$WORK/hooks_shadow.ko" --scratch "$WORK/hk" --keep
built "hooks-shadow.diff builds a module" "$WORK/hooks_shadow.ko"
check_match "only cmdline_proc_show is replaced (the hooks are no klp_func)" \
	"^  patched: cmdline_proc_show \(vmlinux\)$" "$OUT"
main=$(cat "$WORK"/hk/suture-kbuild.*/module/suture_klp_main.c 2>&1)
check_match "the klp_object has all four callbacks" \
	'#define SUTURE_CALLBACKS \{ \.pre_patch = suture_pre_patch, \.post_patch = suture_post_patch, \.pre_unpatch = suture_pre_unpatch, \.post_unpatch = suture_post_unpatch, \}' \
	"$main"
check_match "... and uses them" '\.callbacks = SUTURE_CALLBACKS' "$main"
check_match "pre_patch returns the veto as an errno" \
	'if \(\(r = __suture_klp_pre_apply_cmdline_veto__suture[0-9]+\(\)\)\)'$'\n''.*return r < 0 \? r : -ECANCELED;' \
	"$main"
syms=$(readelf -sW "$WORK/hooks_shadow.ko")
for cb in pre_patch post_patch pre_unpatch post_unpatch; do
	check_match "the module has the callback suture_$cb" \
		" FUNC +LOCAL +DEFAULT +[0-9]+ suture_$cb$" "$syms"
done
check_match "the post_revert hook's wrapper is in the module" \
	' FUNC +GLOBAL +DEFAULT +[0-9]+ __suture_klp_post_revert_cmdline_cleanup__suture[0-9]+$' \
	"$syms"
# 6.1's GFP_ATOMIC is __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM, 0xa20:
# the 4th argument (ecx) of each klp_shadow_get_or_alloc call (two).
dis=$(objdump -dr "$WORK/hooks_shadow.ko" |
	grep -B8 'R_X86_64_PLT32.klp_shadow_get_or_alloc-0x4')
check_eq "each klp_shadow_get_or_alloc call passes GFP_ATOMIC" "2 2" \
	"$(grep -c 'klp_shadow_get_or_alloc-0x4' <<<"$dis") $(
		grep -c 'mov  *\$0xa20,%ecx' <<<"$dis")"
for f in klp_shadow_get klp_shadow_get_or_alloc klp_shadow_free \
	klp_shadow_free_all; do
	check_match "$f (exported) is a plain undefined symbol" " UND $f$" \
		"$syms"
done

section "refusals"
kbuild binfmt-layout.diff "$WORK/layout.ko"
check_match "a new field of Node is refused" \
	"changes the layout or type of 1 piece of data.*|type typedef Node \(fs/binfmt_misc.c\): 'long unsigned int suture_uses @24' added" \
	"$OUT"
check_eq "... and writes no module" "1 absent" \
	"$RC $([ -e "$WORK/layout.ko" ] && echo present || echo absent)"
kbuild cmdline-init.diff "$WORK/init.ko"
check_match "an __init-only change is refused" \
	"function proc_cmdline_init \(fs/proc/cmdline.o\) is __init code" "$OUT"
kbuild meminfo.diff "$WORK/meminfo.ko"
check_match "a function with alternatives is refused, naming them" \
	"function meminfo_proc_show \(fs/proc/meminfo.o\) has entries in \.altinstructions" \
	"$OUT"
kbuild kstrtobool-notrace.diff "$WORK/notrace.ko"
check_match "a function without __fentry__ (lib/ is built without it) is refused" \
	"function kstrtobool \(lib/kstrtox.o\) cannot be traced" "$OUT"
printf -- '--- a/include/linux/x.h\n+++ b/include/linux/x.h\n@@ -1 +1 @@\n-a\n+b\n' \
	>"$WORK/header.diff"
run "$SUTURE" kbuild --kernel "$KERNEL" --diff "$WORK/header.diff" \
	-o "$WORK/h.ko"
check_match "a header change is refused" \
	"the diff changes include/linux/x.h: suture kbuild compares only" "$OUT"
# suture_diff NAME - a diff adding a call of suture.h's NAME to cmdline.c.
suture_diff() {
	printf -- '--- a/fs/proc/cmdline.c\n+++ b/fs/proc/cmdline.c\n@@ -8,2 +8,3 @@\n {\n+\t%s(m, 1, 4);\n \tseq_puts(m, saved_command_line);\n' \
		"$1" >"$WORK/$1.diff"
	run "$SUTURE" kbuild --kernel "$KERNEL" --diff "$WORK/$1.diff" \
		-o "$WORK/$1.ko"
}
suture_diff suture_shadow_alloc
check_match "suture_shadow_alloc is refused by name (klp_shadow_alloc warns)" \
	"the diff uses suture_shadow_alloc of suture.h, which suture kbuild does not map onto livepatch \(klp_shadow_alloc warns where suture.h returns NULL; use suture_shadow_get_or_alloc\)" \
	"$OUT"
suture_diff SUTURE_NO_SUCH_HOOK
check_match "an unknown SUTURE_ name is refused by name" \
	"the diff uses SUTURE_NO_SUCH_HOOK of suture.h, which suture kbuild does not map onto livepatch: " \
	"$OUT"

# A modules directory whose binfmt_misc.ko has one byte of bm_status_read
# changed: the opcode after its __fentry__ call becomes int3.
mods=$WORK/modules
mkdir -p "$mods/kernel/fs"
cp "$KERNEL/modules/kernel/fs/binfmt_misc.ko" "$mods/kernel/fs/"
ko=$mods/kernel/fs/binfmt_misc.ko
read -r val ndx < <(readelf -sW "$ko" |
	awk '$8 == "bm_status_read" {print $2, $7}')
secoff=$(readelf -SW "$ko" | sed 's/\[ */[/' |
	awk -v n="[$ndx]" '$1 == n {print $5}')
off=$((0x$secoff + 0x$val + 5))
printf '\xcc' | dd of="$ko" bs=1 seek="$off" conv=notrunc status=none
kbuild binfmt-status.diff "$WORK/tampered.ko" --modules "$mods"
check_match "a module that is not the rebuilt original is refused" \
	"the rebuilt original does not match $mods/kernel/fs/binfmt_misc.ko: .* 1 differ" \
	"$OUT"
check_match "... naming the function" "bm_status_read \(fs/binfmt_misc.o\): differs at" \
	"$OUT"

section "the modules in the booted kernel"
# tests/kernel/boot is the kernel back end's harness (qemu, busybox,
# suture apply/revert kernel); it comes with that back end.
if [ -x "$TESTS/kernel/boot" ]; then
	run "$TESTS/kernel/boot" -m binfmt_misc "$WORK/boot" \
		"$TESTS/kernel/checks/kbuild.sh" "$WORK/cmdline.ko" \
		"$WORK/version.ko" "$WORK/binfmt_status.ko" \
		"$WORK/fdinfo_sympos.ko" "$WORK/hooks_shadow.ko"
	printf '%s\n' "$OUT" | grep -E '^(ok|FAIL) - |^    \|' | sed 's/^/  guest: /'
	check_match "all guest checks pass" "# guest done: 30 passed, 0 failed" \
		"$OUT"
else
	echo "# boot check skipped: tests/kernel/boot is not in this tree"
fi

finish
