/*
 * rollforward.h - finishing an apply or revert whose pre hooks ran.
 *
 * A pre hook that ran commits its apply or revert (hooks.h): if suture
 * is killed after that and before the switch, the next suture command
 * switches the patch itself, in its own stop of every thread, after the
 * same safety check the interrupted suture made (leftover_forbid), and
 * runs the post hooks.  It works from the record alone:
 *
 *   apply   every entry (and every switch of a replace) that still holds
 *           the bytes the record saved gets its jump, the commit byte is
 *           set, the post-apply hooks run;
 *   revert  every entry that jumps straight to the new code is aimed back
 *           at its gate, the commit byte is cleared, the post-revert hooks
 *           run.
 *
 * What remains is what any interrupted suture leaves (leftover.h): a
 * replace to settle, a dead region to unmap.  An entry that holds neither
 * the saved bytes nor the patch's jump (another tool changed it) stops the
 * apply with a message: the patch cannot be switched on soundly.
 */
#ifndef SUTURE_APPLY_ROLLFORWARD_H
#define SUTURE_APPLY_ROLLFORWARD_H

#include "apply/state.h"
#include "process/rsyscall.h"

/*
 * rollforward_interrupted - with every thread of @s stopped and checked, finish
 * the first apply or revert of @st whose pre hooks ran (not the revert of
 * @busy, which the caller is reverting anyway).  1 if it finished one:
 * the state changed, so the caller starts again; 0 if there was none.
 */
int rollforward_interrupted(struct session *s, struct rsys *rs,
			    const struct rmem *mem, const struct state *st,
			    const struct record *busy, unsigned hook_ms,
			    struct error *err);

#endif
