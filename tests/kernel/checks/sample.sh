# sample.sh - guest checks of `suture apply|revert|status kernel` with the
# hand-written livepatch modules of tests/kernel/modules (t-kernel.sh):
# the refusals, load / check / revert / check, stacking, atomic replace,
# and transitions while tasks spin, sleep and read the patched file.
ORIG=$(cat /proc/cmdline)

# lp_loaded NAME - NAME's line in /proc/modules (empty if not loaded)
lp_loaded() {
	grep "^$1 " /proc/modules
}

echo "# -- refusals, before anything is loaded"
umount /sys
check_refused "without /sys/kernel/livepatch, apply is refused" \
	"this kernel has no livepatch support" \
	suture apply kernel /ko/lp_cmdline.ko
check_eq "... and nothing is loaded" "" "$(cat /proc/modules)"
mount -t sysfs sys /sys
check_refused "an ordinary module (no livepatch=Y) is refused" \
	"plain.ko is not a livepatch module" suture apply kernel /ko/plain.ko
check_eq "... and not loaded" "" "$(lp_loaded plain)"
check_refused "a module whose vermagic names 6.1.0-46-amd64 is refused" \
	"was built for kernel 6.1.0-46-amd64, this is 6.1.0-47-amd64" \
	suture apply kernel /ko/lp_other.ko
check_eq "... and not loaded (the kernel itself would take it)" "" \
	"$(cat /proc/modules)"
check_refused "an atomic replace module without --replace is refused" \
	"lp_replace.ko is an atomic replace" \
	suture apply kernel /ko/lp_replace.ko
check_refused "--replace with a module that is no replace is refused" \
	"lp_cmdline.ko is no atomic replace" \
	suture apply kernel --replace /ko/lp_cmdline.ko
check_eq "... and neither is loaded" "" "$(cat /proc/modules)"
run suture status kernel
check_has "status: no livepatch" "kernel 6.1.0-47-amd64: 0 livepatches"

echo "# -- load, check, revert, check"
check "apply kernel lp_cmdline.ko" suture apply kernel /ko/lp_cmdline.ko
check_has "apply reports the finished transition" \
	"applied kernel livepatch 'lp_cmdline' (/ko/lp_cmdline.ko): transition done in"
check_eq "/proc/cmdline shows the patched text" "suture lp_cmdline" \
	"$(cat /proc/cmdline)"
check_eq "sysfs: enabled" 1 "$(cat /sys/kernel/livepatch/lp_cmdline/enabled)"
check_eq "sysfs: transition over" 0 \
	"$(cat /sys/kernel/livepatch/lp_cmdline/transition)"
check_refused "the same module again is refused" \
	"a module named 'lp_cmdline' is already loaded" \
	suture apply kernel /ko/lp_cmdline.ko
run suture status kernel
check_has "status lists it" "1. lp_cmdline: enabled"
check "revert kernel lp_cmdline" suture revert kernel lp_cmdline
check_has "revert reports it" "reverted kernel livepatch 'lp_cmdline'"
check_eq "/proc/cmdline is the original again" "$ORIG" "$(cat /proc/cmdline)"
check_eq "the module is removed" "" "$(lp_loaded lp_cmdline)"
check_refused "revert of a patch not loaded is refused" \
	"no module named 'lp_cmdline' is loaded" \
	suture revert kernel lp_cmdline
check_refused "revert of a module that is no livepatch is refused" \
	"module 'plain' is not a livepatch module" \
	sh -c 'insmod /ko/plain.ko && suture revert kernel plain'
rmmod plain

echo "# -- stacking"
check "apply lp_cmdline" suture apply kernel /ko/lp_cmdline.ko
check "apply lp_stack on top" suture apply kernel /ko/lp_stack.ko
check_eq "the newest patch's code runs" "suture lp_stack" "$(cat /proc/cmdline)"
run suture status kernel
check_has "status: both, oldest first" "2 livepatches, oldest first
1. lp_cmdline: enabled
2. lp_stack: enabled"
run suture status kernel --json
check_has "status --json names both" '"name": "lp_cmdline",'
check_has "... in order" '"name": "lp_stack",'
check_has "... replace null: 6.1 does not show it" '"replace": null'
check_eq "... lp_cmdline first" "lp_cmdline" \
	"$(echo "$OUT" | grep -o '"name": "[a-z_]*"' | head -n 1 | cut -d'"' -f4)"
check "revert the top one" suture revert kernel lp_stack
check_eq "the one below runs again" "suture lp_cmdline" "$(cat /proc/cmdline)"

echo "# -- atomic replace"
check "apply lp_stack again" suture apply kernel /ko/lp_stack.ko
check "apply --replace lp_replace.ko" \
	suture apply kernel --replace /ko/lp_replace.ko
check_has "it says what it replaced" "replaced 2 livepatches (atomic replace)"
check_eq "the replacement runs" "suture lp_replace" "$(cat /proc/cmdline)"
run suture status kernel
check_has "status: the replaced ones disabled, still loaded" \
	"1. lp_cmdline: disabled, module still loaded (suture revert kernel lp_cmdline removes it)
2. lp_stack: disabled, module still loaded (suture revert kernel lp_stack removes it)
3. lp_replace: enabled"
check "revert a replaced one: its module is removed" \
	suture revert kernel lp_cmdline
check_eq "... the replacement still runs" "suture lp_replace" \
	"$(cat /proc/cmdline)"
check "revert lp_stack" suture revert kernel lp_stack
check "revert lp_replace" suture revert kernel lp_replace
check_eq "the original code runs" "$ORIG" "$(cat /proc/cmdline)"
run suture status kernel
check_has "status: none left" "0 livepatches"

echo "# -- a transition that cannot end: a thread waits inside the function"
check "insmod sleeper.ko (its thread waits in sleeper_wait)" \
	insmod /ko/sleeper.ko
check_refused "apply of lp_sleeper (module target) times out, naming the thread" \
	"the transition of patch 'lp_sleeper' did not end within 3 s: 1 task still ran the old code (" \
	suture apply kernel --timeout 3 /ko/lp_sleeper.ko
check_has "... the thread is 'sleeper'" " sleeper)"
check_has "... it was reported while waiting" \
	"transition of 'lp_sleeper': 1 task to switch: "
check_has "... and the transition was reversed" \
	"the transition was reversed and the module removed: the kernel runs the old code"
check_eq "... lp_sleeper is not loaded" "" "$(lp_loaded lp_sleeper)"
check "... nor registered" test ! -e /sys/kernel/livepatch/lp_sleeper
check "rmmod sleeper (its thread leaves sleeper_wait)" rmmod sleeper
check "then lp_sleeper applies (its module not loaded)" \
	suture apply kernel --timeout 3 /ko/lp_sleeper.ko
check "and reverts" suture revert kernel lp_sleeper

echo "# -- transitions with busy tasks"
# Two tasks spinning in user space, twenty asleep in the kernel, and two
# reading /proc/cmdline without pause, which note any text that is
# neither the old nor the new one, and count the new ones.
for i in 1 2; do sh -c 'while :; do :; done' & done
for i in $(seq 20); do sleep 1000 & done
for i in 1 2; do
	ORIG="$ORIG" sh -c 'while :; do
		l=$(cat /proc/cmdline)
		case $l in
		"$ORIG") ;;
		"suture lp_cmdline") echo >>/tmp/seen-new ;;
		*) echo "$l" >>/tmp/bad ;;
		esac
	done' &
done
ok_cycles=0
for i in 1 2 3 4 5; do
	suture apply kernel /ko/lp_cmdline.ko >/tmp/apply.out 2>&1 &&
		[ "$(cat /proc/cmdline)" = "suture lp_cmdline" ] &&
		sleep 0.2 &&
		suture revert kernel lp_cmdline >/tmp/revert.out 2>&1 &&
		[ "$(cat /proc/cmdline)" = "$ORIG" ] &&
		ok_cycles=$((ok_cycles + 1))
done
cat /tmp/apply.out /tmp/revert.out | sed 's/^/# /'
check_eq "5 apply / revert cycles among 24 busy tasks" 5 "$ok_cycles"
kill $(jobs -p) 2>/dev/null
check_eq "the readers saw only the old and the new text" "" \
	"$(cat /tmp/bad 2>/dev/null)"
check "... and the new one" test -s /tmp/seen-new

echo "# -- image modules (boot -m)"
check "modprobe dummy: an image module put in by boot -m" modprobe dummy
check "... loaded" test -d /sys/module/dummy
