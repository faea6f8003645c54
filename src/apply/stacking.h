/*
 * stacking.h - a new patch against the patches already live in the
 * process: whether it may go on top of them, and what of theirs it hides.
 *
 * A patch is refused if a patch of its name is live (unless --replace
 * takes the place of that very build's patch), and a patch built on
 * another (suture build --on) only goes on top of exactly that patch,
 * never as a replacement of it.  A function another live patch already
 * replaced is no refusal (patches may be meant to override) but is said.
 */
#ifndef SUTURE_APPLY_STACKING_H
#define SUTURE_APPLY_STACKING_H

#include <stdbool.h>
#include <stddef.h>

#include "apply/state.h"
#include "patchfile/patchfile.h"
#include "util/error.h"

/*
 * stacking_check - 0 if @p may be applied to process @pid whose live
 * patches are @st (@replace: apply --replace), else a negative errno with
 * @err saying what to do.
 */
int stacking_check(const struct patch *p, struct state *st, pid_t pid,
		   bool replace, struct error *err);

/*
 * stacking_shadowed - "f (patch 'x')" into @out (@len bytes) for the first
 * function of @rec (the new patch's record) that a live patch of @st other
 * than @p's base already replaced; @out is left as it is if none (or with
 * @replace, which takes the place of them all).
 */
void stacking_shadowed(const struct patch *p, const struct state *st,
		       const struct record *rec, bool replace, char *out,
		       size_t len);

#endif
