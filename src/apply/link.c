/* link.c - relocating a patch into the image of its region. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply/farref.h"
#include "apply/link.h"
#include "arch/arch.h"
#include "util/xalloc.h"

/* A reference whose field its value did not fit, rewritten once the
 * section's other relocations are applied (farref.h). */
struct link_far {
	const struct patch_reloc *r;
	size_t thunk; /* its thunk's number in the section (layout.h) */
};

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
 * GOT slot, or for an out-of-reach call the symbol's stub. */
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
	default:
		return sym;
	}
}

static int far_cmp(const void *a, const void *b)
{
	const struct link_far *x = a, *y = b;

	return x->r->offset < y->r->offset ? -1 : x->r->offset > y->r->offset;
}

/* Reference @far of @l's patch as farref_bind wants it (none if NULL). */
static struct farref far_ref(const struct layout *l, const struct link_far *far)
{
	if (!far)
		return (struct farref){NULL, 0};
	return (struct farref){far->r, l->base + l->got_off[far->r->symbol]};
}

/*
 * Rewrite the @n references of section @si that did not fit, in address
 * order: one instruction may hold two (a displacement and an immediate),
 * which farref_bind takes together.
 */
static int rewrite_far(const struct patch *p, const struct layout *l, size_t si,
		       unsigned char *image, struct link_far *far, size_t n,
		       struct error *err)
{
	uint64_t sec = l->sec_off[si];

	qsort(far, n, sizeof(*far), far_cmp);
	for (size_t i = 0, took; i < n; i += took) {
		struct farref refs[2] = {
		    far_ref(l, &far[i]),
		    far_ref(l, i + 1 < n ? &far[i + 1] : NULL)};
		uint64_t t = l->thunk_off[si] + far[i].thunk * ARCH_THUNK_MAX;
		int e;

		if ((e = farref_bind(p, si, refs, image + sec, l->base + sec,
				     image + t, l->base + t, &took, err)))
			return e;
	}
	return 0;
}

/* Apply relocation @r of section @si: 0 if done, 1 if its value does not
 * fit a field farref_bind() can rewrite (left for rewrite_far). */
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

/* Apply the relocations of section @si. */
static int relocate_section(const struct patch *p, const struct layout *l,
			    const uint64_t *resolved, size_t si,
			    unsigned char *image, struct error *err)
{
	const struct patch_section *s = &p->sections[si];
	struct link_far *far = xcalloc(s->nrelocs + 1, sizeof(*far));
	size_t nfar = 0, nth = 0;
	int e = 0;

	for (size_t j = 0; j < s->nrelocs && e >= 0; j++) {
		const struct patch_reloc *r = &s->relocs[j];
		size_t thunk = farref_candidate(p, si, r) ? nth++ : 0;

		e = relocate_one(p, l, resolved, si, r, image, err);
		if (e == 1)
			far[nfar++] = (struct link_far){r, thunk};
	}
	if (e >= 0)
		e = rewrite_far(p, l, si, image, far, nfar, err);
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
	for (size_t i = 0; i < p->nsections; i++)
		if ((r = relocate_section(p, l, resolved, i, image, err)))
			return r;
	return 0;
}
