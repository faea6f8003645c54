/* link.c - relocating a patch into the image of its region. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply/farref.h"
#include "apply/link.h"
#include "arch/arch.h"
#include "util/xalloc.h"

uint64_t link_symbol_addr(const struct patch *p, const struct layout *l,
			  const uint64_t *resolved, uint32_t i)
{
	const struct patch_symbol *s = &p->symbols[i];

	if (s->kind != PSYM_LOCAL)
		return resolved[i];
	return l->base + l->sec_off[s->section] + s->value;
}

/* Fill every reserved GOT slot and far-call stub. */
static void fill_indirections(const struct patch *p, const struct layout *l,
			      const uint64_t *resolved, unsigned char *image)
{
	for (uint32_t i = 0; i < p->nsymbols; i++) {
		uint64_t a = link_symbol_addr(p, l, resolved, i);

		if (l->got_off[i] != LAYOUT_NONE)
			memcpy(image + l->got_off[i], &a, sizeof(a));
		if (l->stub_off[i] != LAYOUT_NONE)
			arch_stub_write(image + l->stub_off[i], a);
	}
}

/* The value relocation @r at run-time address @place wants: the symbol, its
 * GOT slot, for an out-of-reach call the symbol's stub, or what a
 * thread-local reference wants (tls.h). */
static uint64_t reloc_value(const struct patch *p, const struct layout *l,
			    const uint64_t *resolved,
			    const struct patch_reloc *r, uint64_t place)
{
	uint64_t sym = link_symbol_addr(p, l, resolved, r->symbol);

	switch (arch_reloc_class(r->type)) {
	case ARCH_RELOC_GOT:
		return l->base + l->got_off[r->symbol];
	case ARCH_RELOC_CALL:
		if (l->stub_off[r->symbol] != LAYOUT_NONE &&
		    !arch_branch_reaches(place, sym))
			return l->base + l->stub_off[r->symbol];
		return sym;
	case ARCH_RELOC_TLS:
		return tls_value(p, &l->tls, l->base, r);
	default:
		return sym;
	}
}

/* Apply relocation @r of section @si: 0 if done, 1 if its value does not
 * fit a field farref_rewrite() can rewrite (left for it). */
static int relocate_one(const struct patch *p, const struct layout *l,
			const uint64_t *resolved, size_t si,
			const struct patch_reloc *r, unsigned char *image,
			struct error *err)
{
	const struct patch_section *s = &p->sections[si];
	uint64_t off = l->sec_off[si] + r->offset;
	uint64_t place = l->base + off;
	struct error why = {""};
	int e;

	if (arch_reloc_class(r->type) == ARCH_RELOC_UNSUPPORTED)
		return error_set(err, -ENOTSUP,
				 "relocation %s in %s+%#" PRIx64
				 " is not supported",
				 arch_reloc_name(r->type), s->name, r->offset);
	e = arch_reloc_apply(r->type, image + off, place,
			     reloc_value(p, l, resolved, r, place), r->addend,
			     &why);
	if (e == -ERANGE && farref_candidate(p, si, r))
		return 1;
	if (e)
		return error_set(err, -ERANGE,
				 "cannot bind the reference to '%s' "
				 "at %s+%#" PRIx64 ": %s",
				 p->symbols[r->symbol].name, s->name, r->offset,
				 why.msg);
	return 0;
}

/* Apply the relocations of section @si; those whose fields their values
 * do not fit are rewritten after the others (farref.h). */
static int relocate_section(const struct patch *p, const struct layout *l,
			    const uint64_t *resolved, size_t si,
			    unsigned char *image, struct error *err)
{
	const struct patch_section *s = &p->sections[si];
	struct farref *far = xcalloc(s->nrelocs + 1, sizeof(*far));
	struct error why = {""};
	size_t nfar = 0, nth = 0;
	int e = 0;

	for (size_t j = 0; j < s->nrelocs && e >= 0; j++) {
		const struct patch_reloc *r = &s->relocs[j];
		size_t thunk = farref_candidate(p, si, r) ? nth++ : 0;

		e = relocate_one(p, l, resolved, si, r, image, err);
		if (e == 1)
			far[nfar++] = (struct farref){
			    r, l->base + l->got_off[r->symbol], thunk};
	}
	if (e >= 0 && nfar &&
	    (e = farref_rewrite(p, si, far, nfar, image + l->sec_off[si],
				l->base + l->sec_off[si],
				image + l->thunk_off[si],
				l->base + l->thunk_off[si], &why)))
		error_set(err, e,
			  "cannot bind a reference that its 32-bit field does "
			  "not reach: %s",
			  why.msg);
	free(far);
	return e;
}

int link_image(const struct patch *p, const struct layout *l,
	       const uint64_t *resolved, unsigned char *image,
	       struct error *err)
{
	int r;

	memset(image, 0, l->size);
	for (size_t i = 0; i < p->nsections; i++)
		if (!p->sections[i].nobits)
			memcpy(image + l->sec_off[i], p->sections[i].data,
			       p->sections[i].size);
	fill_indirections(p, l, resolved, image);
	if ((r = tls_link(p, &l->tls, l->base, image, err)))
		return r;
	for (size_t i = 0; i < p->nsections; i++)
		if ((r = relocate_section(p, l, resolved, i, image, err)))
			return r;
	return 0;
}
