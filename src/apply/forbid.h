/*
 * forbid.h - the code no thread may be in when a patch switches on or off
 * (safety.h), from its record: what apply and revert forbid, and what a
 * suture finishing an interrupted apply or revert forbids (leftover.h).
 */
#ifndef SUTURE_APPLY_FORBID_H
#define SUTURE_APPLY_FORBID_H

#include "apply/state.h"
#include "process/safety.h"

/*
 * forbid_old_code - switching @rec on: the functions it replaces, whole
 * (split-off parts included), and the versions of them that live patches
 * of @st applied before it run: a thread still running that code would
 * return into code that is no longer the current one.  For a replacing
 * patch (record.h: switches), all the code of the earlier patches of its
 * module, which go.
 */
void forbid_old_code(struct safety *sf, const struct record *rec,
		     const struct state *st);

/* forbid_new_code - switching @rec off: its functions, then all its code
 * (gates and helpers included). */
void forbid_new_code(struct safety *sf, const struct record *rec);

#endif
