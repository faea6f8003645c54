/*
 * hooks.h - running a patch's hooks (include/suture.h) in the target.
 *
 * The patch file carries a section ".suture.hook.KIND" of pointers to the
 * hook functions of each kind; apply puts their run-time addresses and
 * names in the record, so that a revert (which has only the record) finds
 * them too.  Hooks run through rcall.h, with every thread stopped and none
 * in the code of the patch being changed.
 *
 * Exactly once.  Pre-apply and pre-revert hooks are called one by one
 * (a pre-apply hook's value can veto); they only check, as suture may die
 * after them and before the change.  Post-apply and post-revert hooks are
 * called through a runner in the patch's code that calls them all and then
 * sets a flag in the patch's data (the first bytes of its data part, which
 * layout reserves): the thread finishes the runner even if suture dies
 * meanwhile, so the flag always tells whether they ran.  A live patch
 * whose post-apply flag is clear, or a dead one whose post-apply flag is
 * set and post-revert flag clear (a revert interrupted after its switch),
 * has hooks left to run, which the next suture runs (leftover.h).
 */
#ifndef SUTURE_APPLY_HOOKS_H
#define SUTURE_APPLY_HOOKS_H

#include "apply/layout.h"
#include "apply/rcall.h"
#include "apply/record.h"

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
 * hooks_run - run @rec's hooks of @kind (pre: one by one; post: through
 * their runner).  A pre-apply hook that returns non-zero vetoes the apply:
 * -ECANCELED, naming it and the value.  A hook that hangs or crashes fails
 * with rcall's error, named.
 */
int hooks_run(struct session *s, struct rsys *rs, const struct record *rec,
	      enum record_hook_kind kind, unsigned timeout_ms,
	      struct error *err);

/*
 * hooks_pending - the kind of hooks of @rec (HOOK_POST_APPLY or
 * HOOK_POST_REVERT) an interrupted suture left to run, from its flags in
 * memory; -1 for none.
 */
int hooks_pending(const struct rmem *mem, const struct record *rec);

#endif
