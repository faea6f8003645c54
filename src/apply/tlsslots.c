/*
 * tlsslots.c - the slots a patch's thread-local references go through,
 * and the values of those references (tls.h).  The slots are read-only
 * once linked: a module's id and static offset never change while it is
 * loaded, and a variable's offset in its block is fixed at link time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "apply/layout.h"
#include "apply/tls.h"
#include "arch/arch.h"
#include "util/xalloc.h"

#define TLS_PAIR_SIZE 16 /* tls_index: {module id, offset} */

static uint64_t take(uint64_t *pos, uint64_t size)
{
	uint64_t at = (*pos + 15) & ~(uint64_t)15;

	*pos = at + size;
	return at;
}

/* Reserve the slot of form @f for symbol @sym, if it has none yet. */
static void plan_reloc(struct tls_layout *t, enum arch_tls_form f, uint32_t sym,
		       uint64_t *pos)
{
	if (f == ARCH_TLS_GOTTPOFF && t->tp_off[sym] == LAYOUT_NONE)
		t->tp_off[sym] = take(pos, 8);
	if (f == ARCH_TLS_GD && t->gd_off[sym] == LAYOUT_NONE)
		t->gd_off[sym] = take(pos, TLS_PAIR_SIZE);
	if (f == ARCH_TLS_LD && t->ld_off == LAYOUT_NONE)
		t->ld_off = take(pos, TLS_PAIR_SIZE);
	if (f == ARCH_TLS_DESC && t->desc_off[sym] == LAYOUT_NONE)
		t->desc_off[sym] = take(pos, ARCH_TLSDESC_SIZE);
	if (f == ARCH_TLS_DESC && t->fn_off == LAYOUT_NONE)
		t->fn_off = take(pos, ARCH_TLSDESC_FN_MAX);
}

void tls_plan(const struct patch *p, struct tls_layout *t, uint64_t *pos)
{
	memset(t, 0, sizeof(*t));
	t->tp_off = xmalloc(p->nsymbols * sizeof(*t->tp_off));
	t->gd_off = xmalloc(p->nsymbols * sizeof(*t->gd_off));
	t->desc_off = xmalloc(p->nsymbols * sizeof(*t->desc_off));
	for (size_t i = 0; i < p->nsymbols; i++)
		t->tp_off[i] = t->gd_off[i] = t->desc_off[i] = LAYOUT_NONE;
	t->ld_off = t->fn_off = LAYOUT_NONE;
	for (size_t i = 0; i < p->nsections; i++)
		for (size_t j = 0; j < p->sections[i].nrelocs; j++) {
			const struct patch_reloc *r = &p->sections[i].relocs[j];

			if (arch_reloc_class(r->type) != ARCH_RELOC_TLS)
				continue;
			t->used = true;
			plan_reloc(t, arch_reloc_tls(r->type), r->symbol, pos);
		}
}

void tls_layout_free(struct tls_layout *t)
{
	free(t->tp_off);
	free(t->gd_off);
	free(t->desc_off);
	memset(t, 0, sizeof(*t));
}

/* Offset of @sym's variable from the thread pointer (static TLS only). */
static uint64_t tpoff(const struct patch *p, const struct tls_layout *t,
		      uint32_t sym)
{
	return (uint64_t)arch_tls_tpoff(t->mod.offset, p->symbols[sym].value);
}

static void put_pair(unsigned char *at, uint64_t a, uint64_t b)
{
	memcpy(at, &a, sizeof(a));
	memcpy(at + sizeof(a), &b, sizeof(b));
}

/* Fill the slots of symbol @i. */
static void fill_symbol(const struct patch *p, const struct tls_layout *t,
			uint64_t base, uint32_t i, unsigned char *image)
{
	uint64_t v;

	if (t->tp_off[i] != LAYOUT_NONE) {
		v = tpoff(p, t, i);
		memcpy(image + t->tp_off[i], &v, sizeof(v));
	}
	if (t->gd_off[i] != LAYOUT_NONE)
		put_pair(image + t->gd_off[i], t->mod.modid,
			 p->symbols[i].value);
	if (t->desc_off[i] != LAYOUT_NONE)
		put_pair(image + t->desc_off[i], base + t->fn_off,
			 tpoff(p, t, i));
}

/* Refuse relocation @r unless it can be bound in this process. */
static int check_reloc(const struct patch *p, const struct tls_layout *t,
		       const struct patch_section *s,
		       const struct patch_reloc *r, struct error *err)
{
	enum arch_tls_form f = arch_reloc_tls(r->type);
	const struct patch_symbol *y = &p->symbols[r->symbol];

	if (y->kind != PSYM_TARGET)
		return error_set(err, -EINVAL,
				 "%s at %s+%#" PRIx64 " refers to '%s', which "
				 "is not a thread-local variable of the "
				 "patched module",
				 arch_reloc_name(r->type), s->name, r->offset,
				 y->name);
	if (t->mod.is_static ||
	    !(f == ARCH_TLS_TPOFF || f == ARCH_TLS_GOTTPOFF ||
	      f == ARCH_TLS_DESC || f == ARCH_TLS_DESC_CALL))
		return 0;
	return error_set(
	    err, -ENOTSUP,
	    "the patch reaches thread-local variable '%s' through %s, which "
	    "needs the module's TLS block at a fixed offset from each thread "
	    "pointer (static TLS), but the process's dynamic linker gave the "
	    "module dynamic TLS (it was loaded by dlopen): build the patched "
	    "module's code with -ftls-model=global-dynamic (and "
	    "-mtls-dialect=gnu), as the module itself was",
	    y->name, arch_reloc_name(r->type));
}

int tls_link(const struct patch *p, const struct tls_layout *t, uint64_t base,
	     unsigned char *image, struct error *err)
{
	int ret;

	if (!t->used)
		return 0;
	for (size_t i = 0; i < p->nsections; i++)
		for (size_t j = 0; j < p->sections[i].nrelocs; j++) {
			const struct patch_reloc *r = &p->sections[i].relocs[j];

			if (arch_reloc_class(r->type) == ARCH_RELOC_TLS &&
			    (ret = check_reloc(p, t, &p->sections[i], r, err)))
				return ret;
		}
	for (uint32_t i = 0; i < p->nsymbols; i++)
		fill_symbol(p, t, base, i, image);
	if (t->ld_off != LAYOUT_NONE)
		put_pair(image + t->ld_off, t->mod.modid, 0);
	if (t->fn_off != LAYOUT_NONE)
		arch_tlsdesc_static_fn(image + t->fn_off);
	return 0;
}

uint64_t tls_value(const struct patch *p, const struct tls_layout *t,
		   uint64_t base, const struct patch_reloc *r)
{
	uint32_t i = r->symbol;

	switch (arch_reloc_tls(r->type)) {
	case ARCH_TLS_TPOFF:
		return tpoff(p, t, i);
	case ARCH_TLS_GOTTPOFF:
		return base + t->tp_off[i];
	case ARCH_TLS_GD:
		return base + t->gd_off[i];
	case ARCH_TLS_LD:
		return base + t->ld_off;
	case ARCH_TLS_DTPOFF:
		return p->symbols[i].value;
	case ARCH_TLS_DESC:
		return base + t->desc_off[i];
	case ARCH_TLS_DESC_CALL:
		break;
	}
	return 0;
}
