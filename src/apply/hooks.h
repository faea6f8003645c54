/*
 * hooks.h - running a patch's hooks (include/suture.h) in the target.
 *
 * The patch file carries a section ".suture.hook.KIND" of pointers to the
 * hook functions of each kind; apply puts their run-time addresses and
 * names in the record, so that a revert (which has only the record) finds
 * them too.  A hook runs through rcall.h, with every thread stopped and
 * none in the code of the patch being changed.
 */
#ifndef SUTURE_APPLY_HOOKS_H
#define SUTURE_APPLY_HOOKS_H

#include "apply/layout.h"
#include "apply/rcall.h"
#include "apply/record.h"

/*
 * hooks_collect - give @rec the hooks of @p's hook sections (names and
 * kinds: addresses come with hooks_place, once the region is laid out and
 * linked with the addresses @resolved).  Refuses a hook section that is not
 * an array of pointers to functions of the patch.
 */
int hooks_collect(const struct patch *p, struct record *rec, struct error *err);
void hooks_place(const struct patch *p, const struct layout *lay,
		 const uint64_t *resolved, struct record *rec);

/*
 * hooks_run - run @rec's hooks of @kind, in order.  A pre-apply hook that
 * returns non-zero vetoes the apply: -ECANCELED, naming it and the value.
 * A hook that hangs or crashes fails with rcall's error, named.
 */
int hooks_run(struct session *s, struct rsys *rs, const struct record *rec,
	      enum record_hook_kind kind, unsigned timeout_ms,
	      struct error *err);

#endif
