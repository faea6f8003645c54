/*
 * revert.h - undoing a patch in a running process (revert.c), and the
 * stops of revert's kind that remove what interrupted sutures left and the
 * regions nothing refers to any more.  Same all-or-nothing promise as
 * apply_patch (apply.h).
 */
#ifndef SUTURE_APPLY_REVERT_H
#define SUTURE_APPLY_REVERT_H

#include <sys/types.h>

#include "apply/result.h"
#include "util/error.h"

/*
 * leftovers_remove - remove what interrupted sutures left in @pid
 * (leftover.h), in a stop of its own; *n gets how many.
 */
int leftovers_remove(pid_t pid, const struct apply_opts *o, size_t *n,
		     struct error *err);

/*
 * retain_gc - in a stop of its own, unmap the retained regions of @pid
 * (retain.h) nothing refers to any more, and remove leftovers; @res
 * counts them (released, retained, cleaned).
 */
int retain_gc(pid_t pid, const struct apply_opts *o, struct apply_result *res,
	      struct error *err);

/*
 * revert_patch - undo the patch called @name in @pid, or the most recently
 * applied one if @name is NULL.  Refused if a patch applied later replaces
 * one of the same functions (it must be reverted first).  Same
 * all-or-nothing promise as apply_patch.
 */
int revert_patch(pid_t pid, const char *name, const struct apply_opts *o,
		 struct apply_result *res, struct error *err);

#endif
