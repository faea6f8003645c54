/*
 * hooks.h - running a patch's hooks (include/suture.h) in the target.
 *
 * The patch file carries a section ".suture.hook.KIND" of pointers to the
 * hook functions of each kind; apply puts their run-time addresses and
 * names in the record, so that a revert (which has only the record) finds
 * them too.  Hooks run through rcall.h, with every thread stopped and none
 * in the code of the patch being changed.
 *
 * Exactly once.  Every kind of hook is called through a runner in the
 * patch's code that calls them all and then sets a flag in the patch's
 * data (the first bytes of its data part, which layout reserves); the
 * pre-apply runner stops at the first hook that vetoes, flag clear.  A
 * thread finishes a runner even if suture dies meanwhile, so the flag
 * always tells whether the hooks ran, and nothing calls them again.
 *
 * A pre hook that ran commits: the apply or revert goes on to the switch
 * and the post hooks, if not by this suture then by the next one
 * (leftover.h), which finds
 *   - a dead patch whose pre-apply flag is set: an apply to finish;
 *   - a live patch whose pre-revert flag is set: a revert to finish;
 *   - a live patch whose post-apply flag is clear, or a dead one whose
 *     post-apply flag is set and post-revert flag clear: post hooks to run.
 * Only a failure suture reports (a hook that vetoes, hangs or crashes, a
 * write that fails) undoes an apply or revert whose pre hooks ran; then
 * their flag is cleared, and the next attempt runs them again.
 *
 * A runner may still be running when the next suture looks (its suture
 * died while a hook ran, and the thread goes on).  Its thread returns into
 * the rescue stub that suture left in the cave, which every stop forbids
 * until the stub is gone (rsyscall_forbid), so the stop waits until the
 * runner is done; state_hooks_settled (state.h) then tells whether a flag
 * changed since the state was read.
 */
#ifndef SUTURE_APPLY_HOOKS_H
#define SUTURE_APPLY_HOOKS_H

#include "apply/layout.h"
#include "apply/record.h"
#include "process/rcall.h"

/* hook_kind_name - "pre_apply", ... for enum record_hook_kind @kind. */
const char *hook_kind_name(int kind);

/*
 * hooks_collect - give @rec the hooks of @p's hook sections (names and
 * kinds), and their runners.  Refuses a hook section that is not an array
 * of pointers to functions of the patch.
 */
int hooks_collect(const struct patch *p, struct record *rec, struct error *err);

/* hooks_gates, hooks_data - the gate slots (for the runners) and the bytes
 * at the start of the data part (for the flags) that @rec's hooks need. */
size_t hooks_gates(const struct record *rec);
size_t hooks_data(const struct record *rec);

/*
 * hooks_place - once the region is laid out at its base and linked with
 * the addresses @resolved: the hooks' addresses, and the runners written
 * into @image from gate slot @slot on.
 */
int hooks_place(const struct patch *p, const struct layout *lay,
		const uint64_t *resolved, struct record *rec,
		unsigned char *image, size_t slot, struct error *err);

/*
 * hooks_run - run @rec's hooks of @kind through their runner (a record of
 * an older suture has none for the pre kinds: those are called one by
 * one).  A pre-apply hook that returns non-zero vetoes the apply:
 * -ECANCELED, naming it and the value.  A hook that hangs or crashes fails
 * with rcall's error, named.
 */
int hooks_run(struct session *s, struct rsys *rs, const struct record *rec,
	      enum record_hook_kind kind, unsigned timeout_ms,
	      struct error *err);

/*
 * hooks_pending - what an interrupted suture left to do for @rec, from its
 * flags in memory: HOOK_PRE_APPLY (finish the apply), HOOK_PRE_REVERT
 * (finish the revert), HOOK_POST_APPLY or HOOK_POST_REVERT (run those
 * hooks); -1 for nothing.  hooks_pending_what - that, as a sentence.
 */
int hooks_pending(const struct rmem *mem, const struct record *rec);
const char *hooks_pending_what(int pending);

/* hooks_forget - clear @rec's flag of @kind: an apply or revert undone
 * after its pre hooks ran is not to be finished. */
int hooks_forget(const struct rmem *mem, const struct record *rec,
		 enum record_hook_kind kind);

#endif
