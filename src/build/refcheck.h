/*
 * refcheck.h - the second half of verify.c's check: what a function
 * refers to (refcheck.c).
 */
#ifndef SUTURE_BUILD_REFCHECK_H
#define SUTURE_BUILD_REFCHECK_H

#include <stddef.h>

#include "build/pipeline.h"

/* What refcheck_function() compared, summed over functions. */
struct refcheck_count {
	size_t checked; /* references compared */
	size_t stamps;	/* strings that differ only in __DATE__ and
			   __TIME__ expansions: accepted */
};

/*
 * refcheck_function - whether function @y of rebuilt object @o refers to
 * the same things as the target's copy @ts of it (whose @theirs code
 * arch_code_equiv() found equivalent): string literals and other
 * read-only data by content, variables by size and initial value.  Adds
 * to @n what it compared.  On a difference returns false and *@why gets
 * "refers to A in the rebuild but B in the target" (a new string,
 * contents shortened).
 */
bool refcheck_function(const struct build_ctx *ctx, const struct objfile *o,
		       const struct obj_symbol *y, const struct target_sym *ts,
		       const unsigned char *theirs, struct refcheck_count *n,
		       char **why);

#endif
