/* farref.c - binding references that do not reach (farref.h). */
#include <errno.h>
#include <inttypes.h>

#include "apply/farref.h"
#include "arch/arch.h"

bool farref_candidate(const struct patch *p, size_t si,
		      const struct patch_reloc *r)
{
	return (p->sections[si].flags & PSEC_EXEC) &&
	       p->symbols[r->symbol].kind != PSYM_LOCAL &&
	       arch_far_candidate(r->type);
}

int farref_bind(const struct patch *p, size_t si, const struct patch_reloc *r,
		unsigned char *code, uint64_t addr, uint64_t slot,
		unsigned char *thunk, uint64_t thunk_addr, uint64_t *insn_off,
		size_t *insn_len, struct error *err)
{
	const struct patch_section *s = &p->sections[si];
	struct arch_far_ref f = {
	    .code = code,
	    .len = s->size,
	    .addr = addr,
	    .off = r->offset,
	    .type = r->type,
	    .addend = r->addend,
	    .slot = slot,
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
	*insn_off = f.insn_off;
	*insn_len = f.insn_len;
	return 0;
}
