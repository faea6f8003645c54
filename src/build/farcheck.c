/*
 * farcheck.c - after emit.c: warn about references to other modules that
 * apply could not rewrite.
 *
 * A 32-bit data reference from the patch's code to another module is
 * rewritten at apply when its field cannot reach the module (farref.h),
 * which for an executable's patch is nearly always the case: the kernel
 * maps libraries far above executables.  A few instruction forms cannot
 * be rewritten with the same meaning (src/arch/x86_64/far.c), and apply
 * then refuses the patch.  The same rewrites are tried here, on a copy of
 * each function with the patch placed at an arbitrary address, so that
 * the author hears of it when building.  Only a warning: the patch still
 * applies where the library is within reach.
 */
#include <stdlib.h>
#include <string.h>

#include "apply/farref.h"
#include "arch/arch.h"
#include "build/pipeline.h"
#include "util/xalloc.h"

/* Where the copy pretends to be: any addresses within reach will do. */
#define FARCHECK_CODE  0x10000000u
#define FARCHECK_THUNK 0x20000000u
#define FARCHECK_SLOT  0x30000000u

/* Try the rewrites of section @si of @p; 0 if all would succeed. */
static int try_section(const struct patch *p, size_t si, struct error *err)
{
	const struct patch_section *s = &p->sections[si];
	struct farref *refs = xcalloc(s->nrelocs + 1, sizeof(*refs));
	unsigned char *code, *thunks;
	size_t n = 0;
	int e;

	for (size_t j = 0; j < s->nrelocs; j++)
		if (farref_candidate(p, si, &s->relocs[j])) {
			refs[n] =
			    (struct farref){&s->relocs[j], FARCHECK_SLOT, n};
			n++;
		}
	code = xmalloc(s->size + 1);
	thunks = xmalloc(n * ARCH_THUNK_MAX + 1);
	memcpy(code, s->data, s->size);
	e = farref_rewrite(p, si, refs, n, code, FARCHECK_CODE, thunks,
			   FARCHECK_THUNK, err);
	free(thunks);
	free(code);
	free(refs);
	return e;
}

void farcheck_warn(const struct build_ctx *ctx)
{
	const struct patch *p = ctx->patch;

	for (size_t i = 0; i < p->nsections; i++) {
		struct error why = {""};

		if ((p->sections[i].flags & PSEC_EXEC) &&
		    !p->sections[i].nobits && try_section(p, i, &why))
			build_warn(ctx,
				   "%s; apply will refuse the patch wherever "
				   "that symbol lies more than 2 GiB from it, "
				   "as a library does from an executable",
				   why.msg);
	}
}
