/* farref.c - binding references that do not reach (farref.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "apply/farref.h"
#include "arch/arch.h"

bool farref_candidate(const struct patch *p, size_t si,
		      const struct patch_reloc *r)
{
	/* The target's own symbols are within reach by construction. */
	return (p->sections[si].flags & PSEC_EXEC) &&
	       p->symbols[r->symbol].kind == PSYM_EXTERN &&
	       arch_far_candidate(r->type);
}

/* The field of reference @ref (none if NULL) for arch_far_rewrite. */
static struct arch_far_field field_of(const struct farref *ref)
{
	if (!ref)
		return (struct arch_far_field){.off = UINT64_MAX};
	return (struct arch_far_field){ref->r->offset, ref->r->type,
				       ref->r->addend, ref->slot};
}

static int by_offset(const void *a, const void *b)
{
	const struct farref *x = a, *y = b;

	return x->r->offset < y->r->offset ? -1 : x->r->offset > y->r->offset;
}

int farref_rewrite(const struct patch *p, size_t si, struct farref *refs,
		   size_t n, unsigned char *code, uint64_t addr,
		   unsigned char *thunks, uint64_t thunks_addr,
		   struct error *err)
{
	const struct patch_section *s = &p->sections[si];

	qsort(refs, n, sizeof(*refs), by_offset);
	for (size_t i = 0; i < n;) {
		const struct patch_reloc *r = refs[i].r;
		uint64_t t = refs[i].thunk * ARCH_THUNK_MAX;
		struct arch_far_ref f = {
		    .code = code,
		    .len = s->size,
		    .addr = addr,
		    .field = {field_of(&refs[i]),
			      field_of(i + 1 < n ? &refs[i + 1] : NULL)},
		    .thunk = thunks + t,
		    .thunk_addr = thunks_addr + t,
		};
		struct error why = {""};
		int e;

		if ((e = arch_far_rewrite(&f, &why)))
			return error_set(err, e,
					 "the reference to '%s' at %s+%#" PRIx64
					 " (%s) cannot be made to go through a "
					 "slot: %s",
					 p->symbols[r->symbol].name, s->name,
					 r->offset, arch_reloc_name(r->type),
					 why.msg);
		i += f.nfields;
	}
	return 0;
}
