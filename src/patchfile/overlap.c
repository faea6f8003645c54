/*
 * overlap.c - entries of a patch that collide (overlap.h).  Each list is
 * sorted (a copy: the patch keeps its order, which apply follows) and
 * neighbours compared, so a file of many entries costs n log n, not n^2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "patchfile/overlap.h"
#include "util/xalloc.h"

/* A range of bytes and the entry it came from. */
struct span {
	uint64_t lo, len;
	size_t idx;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Sort @v (@n spans); the index in @v of the first span that starts before
 * its predecessor ends, or 0 if none does. */
static size_t first_collision(struct span *v, size_t n, bool same_start)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), span_cmp);
	for (size_t i = 1; i < n; i++)
		if (v[i].lo - v[i - 1].lo < v[i - 1].len ||
		    (same_start && v[i].lo == v[i - 1].lo))
			return i;
	return 0;
}

int overlap_relocs(const struct patch_section *s, struct error *err)
{
	struct span *v = xcalloc(s->nrelocs + 1, sizeof(*v));
	size_t n = 0, i;
	int ret = 0;

	/* markers that write nothing (width 0) cannot collide */
	for (size_t k = 0; k < s->nrelocs; k++)
		if (arch_reloc_width(s->relocs[k].type))
			v[n++] = (struct span){
			    s->relocs[k].offset,
			    arch_reloc_width(s->relocs[k].type), k};
	if ((i = first_collision(v, n, false)))
		ret = error_set(
		    err, -EINVAL,
		    "section %s: relocations at %#" PRIx64 " (%s) and %#" PRIx64
		    " (%s) write the same bytes; a patch "
		    "file has one relocation per field",
		    s->name, v[i - 1].lo,
		    arch_reloc_name(s->relocs[v[i - 1].idx].type), v[i].lo,
		    arch_reloc_name(s->relocs[v[i].idx].type));
	free(v);
	return ret;
}

int overlap_funcs(const struct patch *p, struct error *err)
{
	struct span *v = xcalloc(p->nfuncs + 1, sizeof(*v));
	size_t i;
	int ret = 0;

	for (size_t k = 0; k < p->nfuncs; k++)
		v[k] = (struct span){p->funcs[k].old_addr, p->funcs[k].old_size,
				     k};
	if ((i = first_collision(v, p->nfuncs, true))) {
		const struct patch_func *a = &p->funcs[v[i - 1].idx],
					*b = &p->funcs[v[i].idx];

		ret = error_set(
		    err, -EINVAL,
		    "patch %s lists function %s at %#" PRIx64
		    " and function %s at %#" PRIx64
		    ", which %s; each function of the target "
		    "is replaced once",
		    p->name, a->name, a->old_addr, b->name, b->old_addr,
		    a->old_addr == b->old_addr ? "is the same address"
					       : "overlap");
	}
	free(v);
	return ret;
}
