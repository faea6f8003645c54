/*
 * padroom.h - room for a trampoline after a function shorter than one.
 *
 * Compilers align functions, so a short function is usually followed by
 * padding up to the next one.  The trampoline may spill into it if no code
 * can be there: no symbol starts in it, its bytes are all padding (int3,
 * nops, zeros), no call-frame information (.eh_frame) covers it, no
 * relocation, no direct branch or pc-relative operand of the target's
 * code and no word of its data points into it.  Then the padding is part of
 * what apply overwrites, checks and forbids, and revert puts back.
 */
#ifndef SUTURE_BUILD_PADROOM_H
#define SUTURE_BUILD_PADROOM_H

#include <stddef.h>
#include <stdint.h>

#include "build/target.h"
#include "util/error.h"

/* What is known of a target's code, for any number of functions. */
struct padroom;

/* padroom_open - look at @t (which must outlive the result). */
struct padroom *padroom_open(const struct target *t);
void padroom_close(struct padroom *pr);

/*
 * padroom_find - the padding after function @y of the target that a
 * trampoline of @need bytes at its entry may use: 0 with *pad the bytes
 * from its end to the next symbol (all of them are checked; at least
 * @need - @y->size; at most PATCH_PAD_MAX).  -ENOSPC when it cannot be
 * used, with a message (to follow "too short for a trampoline (N bytes, M
 * needed) and ") saying why and where the nearest free bytes of @need are
 * in its section.
 */
int padroom_find(struct padroom *pr, const struct target_sym *y, size_t need,
		 uint64_t *pad, struct error *err);

#endif
