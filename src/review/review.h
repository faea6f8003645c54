/*
 * review.h - what a patch changes in machine code, for a reviewer.
 *
 * For every function the patch replaces, the old code (from the target
 * binary) and the new code (from the patch) as symbolic listings
 * (listing.h), compared line by line: unchanged lines, lines only in the
 * old code ("-"), lines only in the new ("+").  New functions the patch
 * brings are listed whole.  A function that changed only because another
 * was inlined into it, or because the compiler decided differently, shows
 * here whatever the source diff says.
 */
#ifndef SUTURE_REVIEW_REVIEW_H
#define SUTURE_REVIEW_REVIEW_H

#include <stdio.h>

#include "build/target.h"
#include "patchfile/patch.h"

/* review_print - the review of @p against its target @t, to @out; how
 * many functions could not be listed (their code not in @t). */
size_t review_print(const struct patch *p, const struct target *t, FILE *out);

/*
 * review_print_diff - @a and @b as one listing to @out: the longest common
 * subsequence of their lines unmarked, lines only in @a marked '-', only
 * in @b '+'.  Returns the number of marked lines.
 */
struct listing;
size_t review_print_diff(const struct listing *a, const struct listing *b,
			 FILE *out);

#endif
