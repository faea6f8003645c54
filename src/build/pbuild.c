/*
 * pbuild.c - growing a struct patch (pbuild.h).
 */
#include <string.h>
#include <stdlib.h>

#include "build/pbuild.h"
#include "util/xalloc.h"

void pbuild_init(struct pbuild *b)
{
	memset(b, 0, sizeof(*b));
	b->p = xcalloc(1, sizeof(*b->p));
	b->strings = (struct pbuild_pool){".rodata.str", -1, 0};
	b->consts = (struct pbuild_pool){".rodata.cst", -1, 0};
}

struct patch *pbuild_take(struct pbuild *b)
{
	struct patch *p = b->p;

	b->p = NULL;
	return p;
}

void pbuild_free(struct pbuild *b)
{
	patch_free(b->p);
	free(b->reloc_cap);
	b->p = NULL;
	b->reloc_cap = NULL;
}

uint32_t pbuild_section(struct pbuild *b, const char *name, uint32_t flags,
			bool nobits, uint64_t align, uint64_t size,
			const unsigned char *data)
{
	struct patch *p = b->p;
	size_t old_cap = b->sec_cap;
	struct patch_section *s;

	XGROW(p->sections, b->sec_cap, p->nsections);
	if (b->sec_cap != old_cap) {
		b->reloc_cap =
		    xrealloc(b->reloc_cap, b->sec_cap * sizeof(size_t));
		memset(b->reloc_cap + old_cap, 0,
		       (b->sec_cap - old_cap) * sizeof(size_t));
	}
	s = &p->sections[p->nsections];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->flags = flags;
	s->nobits = nobits;
	s->align = align ? align : 1;
	s->size = size;
	if (!nobits) {
		s->data = xcalloc(1, size);
		if (data)
			memcpy(s->data, data, size);
	}
	return (uint32_t)p->nsections++;
}

static bool pbuild_same_symbol(const struct patch_symbol *a,
			       const struct patch_symbol *b)
{
	if (a->kind != b->kind || strcmp(a->name, b->name))
		return false;
	switch (a->kind) {
	case PSYM_LOCAL:
		return a->section == b->section && a->value == b->value;
	case PSYM_TARGET:
		return a->value == b->value;
	case PSYM_EXTERN:
		return a->weak == b->weak;
	}
	return false;
}

uint32_t pbuild_symbol(struct pbuild *b, const struct patch_symbol *y)
{
	struct patch *p = b->p;

	for (size_t i = 0; i < p->nsymbols; i++)
		if (pbuild_same_symbol(&p->symbols[i], y))
			return (uint32_t)i;
	XGROW(p->symbols, b->sym_cap, p->nsymbols);
	p->symbols[p->nsymbols] = *y;
	p->symbols[p->nsymbols].name = xstrdup(y->name);
	return (uint32_t)p->nsymbols++;
}

void pbuild_reloc(struct pbuild *b, uint32_t sec, uint64_t offset,
		  uint32_t type, uint32_t sym, int64_t addend)
{
	struct patch_section *s = &b->p->sections[sec];

	XGROW(s->relocs, b->reloc_cap[sec], s->nrelocs);
	s->relocs[s->nrelocs++] = (struct patch_reloc){
	    .offset = offset, .type = type, .symbol = sym, .addend = addend};
}

void pbuild_func(struct pbuild *b, const char *name, const char *file,
		 uint64_t old_addr, uint64_t old_size, uint64_t pad,
		 uint32_t new_symbol, uint32_t flags)
{
	struct patch *p = b->p;

	XGROW(p->funcs, b->func_cap, p->nfuncs);
	p->funcs[p->nfuncs++] = (struct patch_func){
	    .name = xstrdup(name),
	    .file = file ? xstrdup(file) : NULL,
	    .old_addr = old_addr,
	    .old_size = old_size,
	    .pad = pad,
	    .new_symbol = new_symbol,
	    .flags = flags,
	};
}

/* An earlier copy of the item in the pool, or -1. */
static int64_t pbuild_pool_find(const struct patch_section *s,
				const unsigned char *bytes, uint64_t len,
				uint64_t align)
{
	for (uint64_t off = 0; off + len <= s->size; off += align)
		if (!memcmp(s->data + off, bytes, len))
			return (int64_t)off;
	return -1;
}

uint64_t pbuild_pool_add(struct pbuild *b, struct pbuild_pool *pool,
			 const unsigned char *bytes, uint64_t len,
			 uint64_t align, uint32_t *sym)
{
	struct patch_section *s;
	int64_t found;
	uint64_t off;

	if (align == 0)
		align = 1;
	if (pool->sec < 0) {
		pool->sec =
		    pbuild_section(b, pool->name, 0, false, align, 0, NULL);
		pool->sym = pbuild_symbol(
		    b, &(struct patch_symbol){.name = (char *)pool->name,
					      .kind = PSYM_LOCAL,
					      .section = (uint32_t)pool->sec});
	}
	*sym = pool->sym;
	s = &b->p->sections[pool->sec];
	if ((found = pbuild_pool_find(s, bytes, len, align)) >= 0)
		return (uint64_t)found;
	off = (s->size + align - 1) & ~(align - 1);
	s->data = xrealloc(s->data, off + len);
	memset(s->data + s->size, 0, off - s->size);
	memcpy(s->data + off, bytes, len);
	s->size = off + len;
	if (align > s->align)
		s->align = align;
	return off;
}
