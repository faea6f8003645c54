/* inventory.c - functions and variables keyed across builds (inventory.h). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "drift/inventory.h"
#include "util/xalloc.h"

static bool wanted(const struct target *t, const struct target_sym *y,
		   unsigned char type)
{
	if (!y->defined || y->type != type || !y->size || !y->name[0])
		return false;
	return type != STT_FUNC || target_bytes(t, y->value, y->size);
}

static int by_address(const void *a, const void *b)
{
	const struct inventory_item *x = a, *y = b;

	if (x->sym->value != y->sym->value)
		return x->sym->value < y->sym->value ? -1 : 1;
	return strcmp(x->sym->name, y->sym->name);
}

static bool same_key(const struct inventory_item *a,
		     const struct inventory_item *b)
{
	if (strcmp(a->sym->name, b->sym->name))
		return false;
	if (!a->file || !b->file)
		return a->file == b->file;
	return !strcmp(a->file, b->file);
}

/* Number each item among the earlier ones with its key.  Quadratic, as
 * inventory_find's callers are: a few thousand symbols take milliseconds. */
static void number(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++)
		for (size_t j = 0; j < i; j++)
			if (same_key(&inv->v[i], &inv->v[j]))
				inv->v[i].k++;
}

void inventory_make(const struct target *t, unsigned char type,
		    struct inventory *inv)
{
	inv->v = xcalloc(t->nsyms + 1, sizeof(*inv->v));
	inv->n = 0;
	for (size_t i = 0; i < t->nsyms; i++) {
		const struct target_sym *y = &t->syms[i];
		struct inventory_item *it = &inv->v[inv->n];

		if (!wanted(t, y, type))
			continue;
		it->sym = y;
		it->file = y->file >= 0 ? t->files[y->file] : NULL;
		inv->n++;
	}
	qsort(inv->v, inv->n, sizeof(*inv->v), by_address);
	number(inv);
}

void inventory_free(struct inventory *inv)
{
	free(inv->v);
	memset(inv, 0, sizeof(*inv));
}

const struct inventory_item *inventory_find(const struct inventory *inv,
					    const struct inventory_item *like)
{
	for (size_t i = 0; i < inv->n; i++)
		if (inv->v[i].k == like->k && same_key(&inv->v[i], like))
			return &inv->v[i];
	return NULL;
}
