/* farref.c - binding references that do not reach (farref.h). */
#include <errno.h>
#include <inttypes.h>

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

/* The field of reference @ref for arch_far_rewrite. */
static struct arch_far_field field_of(const struct farref *ref)
{
	if (!ref->r)
		return (struct arch_far_field){.off = UINT64_MAX};
	return (struct arch_far_field){ref->r->offset, ref->r->type,
				       ref->r->addend, ref->slot};
}

int farref_bind(const struct patch *p, size_t si, const struct farref refs[2],
		unsigned char *code, uint64_t addr, unsigned char *thunk,
		uint64_t thunk_addr, size_t *n, struct error *err)
{
	const struct patch_section *s = &p->sections[si];
	const struct patch_reloc *r = refs[0].r;
	struct arch_far_ref f = {
	    .code = code,
	    .len = s->size,
	    .addr = addr,
	    .field = {field_of(&refs[0]), field_of(&refs[1])},
	    .thunk = thunk,
	    .thunk_addr = thunk_addr,
	};
	struct error why = {""};
	int e;

	if ((e = arch_far_rewrite(&f, &why)))
		return error_set(err, e,
				 "cannot bind the reference to '%s' at "
				 "%s+%#" PRIx64 ", which is out of reach of "
				 "its 32-bit field (%s): %s",
				 p->symbols[r->symbol].name, s->name, r->offset,
				 arch_reloc_name(r->type), why.msg);
	*n = f.nfields;
	return 0;
}
