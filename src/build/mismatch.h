/*
 * mismatch.h - explanations verify.c adds to a refusal (ctx->detail) when
 * the rebuilt original does not match the target.
 */
#ifndef SUTURE_BUILD_MISMATCH_H
#define SUTURE_BUILD_MISMATCH_H

#include <stddef.h>

#include "build/pipeline.h"

/*
 * mismatch_listing - the first differing instructions of one function side
 * by side: @a (@alen bytes, as rebuilt) from offset @aoff, @b (@blen bytes,
 * in the target) from @boff.  Offsets are shown from the function start.
 */
void mismatch_listing(struct build_ctx *ctx, const unsigned char *a,
		      size_t alen, size_t aoff, const unsigned char *b,
		      size_t blen, size_t boff);

/*
 * mismatch_cause - the likely cause, seen from orig object @o (one that
 * differs): the DWARF producers of its unit in the target and in the
 * rebuild, the compile command used now, the .comment sections if they
 * differ, and a one-line verdict ("likely cause: ...").
 */
void mismatch_cause(struct build_ctx *ctx, const struct objfile *o);

#endif
