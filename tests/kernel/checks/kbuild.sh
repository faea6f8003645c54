# kbuild.sh - guest checks of the modules t-kbuild.sh built with suture
# kbuild (run by tests/kernel/boot): each applied with suture apply kernel,
# its effect seen through /proc, reverted, the old behaviour back.
#   cmdline.ko        vmlinux; saved_command_line via a livepatch relocation
#   version.ko        a new function of the patch; built with --replace
#   binfmt_status.ko  the binfmt_misc module and its static `enabled`
#   fdinfo_sympos.ko  seq_show of fs/proc/fd.c (old_sympos 1 of 2)
#   hooks_shadow.ko   suture.h's hooks as klp callbacks (a pre_patch veto
#                     while kernel.panic is 4242), shadow data as klp_shadow_*
ORIG=$(cat /proc/cmdline)
check "apply kernel cmdline.ko (vmlinux, klp reloc)" suture apply kernel /ko/cmdline.ko
check_eq "/proc/cmdline is patched" "suture-patched $ORIG" "$(cat /proc/cmdline)"
check "revert kernel cmdline" suture revert kernel cmdline
check_eq "/proc/cmdline is back" "$ORIG" "$(cat /proc/cmdline)"
check_eq "cmdline is unloaded" "" "$(grep '^cmdline ' /proc/modules)"
V=$(cat /proc/version)
check "apply kernel --replace version.ko (a new function)" suture apply kernel --replace /ko/version.ko
check_eq "/proc/version is patched" "suture-patched $V" "$(cat /proc/version)"
check "revert kernel version" suture revert kernel version
check_eq "/proc/version is back" "$V" "$(cat /proc/version)"
modprobe binfmt_misc
mount -t binfmt_misc none /proc/sys/fs/binfmt_misc
check_eq "binfmt_misc status before" "enabled" "$(cat /proc/sys/fs/binfmt_misc/status)"
check "apply kernel binfmt_status.ko (a module)" suture apply kernel /ko/binfmt_status.ko
check_eq "binfmt_misc status is patched" "enabled (suture)" "$(cat /proc/sys/fs/binfmt_misc/status)"
echo 0 > /proc/sys/fs/binfmt_misc/status
check_eq "the patched code reads the module's static variable" "disabled" "$(cat /proc/sys/fs/binfmt_misc/status)"
echo 1 > /proc/sys/fs/binfmt_misc/status
check "revert kernel binfmt_status" suture revert kernel binfmt_status
check_eq "binfmt_misc status is back" "enabled" "$(cat /proc/sys/fs/binfmt_misc/status)"
check_eq "fdinfo before" "" "$(grep '^suture' /proc/self/fdinfo/0)"
check "apply kernel fdinfo_sympos.ko (old_sympos 1)" \
	suture apply kernel /ko/fdinfo_sympos.ko
check_eq "/proc/self/fdinfo/0 is patched (the right seq_show)" "suture:	1" \
	"$(grep '^suture' /proc/self/fdinfo/0)"
check "revert kernel fdinfo_sympos" suture revert kernel fdinfo_sympos
check_eq "fdinfo is back" "" "$(grep '^suture' /proc/self/fdinfo/0)"
PANIC=$(cat /proc/sys/kernel/panic)
echo 4242 > /proc/sys/kernel/panic
check_refused "apply kernel hooks_shadow.ko: the pre_patch hook vetoes" \
	"(module 'hooks_shadow'): Operation canceled" \
	suture apply kernel /ko/hooks_shadow.ko
echo "$PANIC" > /proc/sys/kernel/panic
run dmesg
check_has "... as the kernel's pre-patch callback" \
	"pre-patch callback failed for object 'vmlinux'"
check_eq "... and the module is not loaded" "" "$(grep '^hooks_shadow ' /proc/modules)"
check "apply kernel hooks_shadow.ko" suture apply kernel /ko/hooks_shadow.ko
check_eq "the post_patch hook's value and a shadow counter are seen" \
	"suture-hooks greeting=42 reads=1 $ORIG" "$(cat /proc/cmdline)"
check_eq "the shadow counter lives on across reads" \
	"suture-hooks greeting=42 reads=2 $ORIG" "$(cat /proc/cmdline)"
check "revert kernel hooks_shadow" suture revert kernel hooks_shadow
check_eq "/proc/cmdline is back" "$ORIG" "$(cat /proc/cmdline)"
run dmesg
check_has "the pre_unpatch hook ran, reading the shadow counter" \
	"suture-hooks: pre_unpatch after 2 reads"
check_has "the post_unpatch hook freed the shadow data" \
	"suture-hooks: post_unpatch, shadow data freed"
