/* forbid.c - the code no thread may be in when a patch switches (forbid.h). */
#include <stdlib.h>
#include <string.h>

#include "apply/forbid.h"
#include "util/xalloc.h"

/* The live patches of @st before @rec that replace @rec's function @f. */
static void forbid_versions(struct safety *sf, const struct record *rec,
			    const struct record_func *f, const struct state *st)
{
	for (size_t j = 0; j < st->n; j++)
		for (size_t k = 0; k < st->v[j].nfuncs; k++) {
			const struct record_func *o = &st->v[j].funcs[k];
			char *what;

			if (st->v[j].seq >= rec->seq || o->entry != f->entry ||
			    !o->new_size)
				continue;
			what = xasprintf("function %s (as patched by '%s')",
					 f->name, st->v[j].name);
			safety_add(sf, o->new_addr, o->new_addr + o->new_size,
				   what);
			free(what);
		}
}

/* The earlier patches of @rec's module, which a replacing @rec removes. */
static void forbid_replaced(struct safety *sf, const struct record *rec,
			    const struct state *st)
{
	for (size_t i = 0; rec->nswitches && i < st->n; i++) {
		const struct record *o = &st->v[i];
		char *what;

		if (o->seq >= rec->seq ||
		    o->build_id_len != rec->build_id_len ||
		    memcmp(o->build_id, rec->build_id, o->build_id_len))
			continue;
		what = xasprintf("the code of patch '%s', which is being "
				 "replaced",
				 o->name);
		safety_add(sf, o->base, o->base + o->size, what);
		free(what);
	}
}

void forbid_old_code(struct safety *sf, const struct record *rec,
		     const struct state *st)
{
	for (size_t i = 0; i < rec->nfuncs; i++) {
		const struct record_func *f = &rec->funcs[i];
		char *what = xasprintf("function %s", f->name);

		safety_add(sf, f->entry, f->entry + f->old_size, what);
		free(what);
		forbid_versions(sf, rec, f, st);
	}
	forbid_replaced(sf, rec, st);
}

void forbid_new_code(struct safety *sf, const struct record *rec)
{
	const struct record_part *text = &rec->parts[RECORD_PART_TEXT];
	char *what;

	/* Per function first, for a precise message; then all the code. */
	for (size_t i = 0; i < rec->nfuncs; i++) {
		const struct record_func *f = &rec->funcs[i];

		what = xasprintf("function %s (as patched by '%s')", f->name,
				 rec->name);
		safety_add(sf, f->new_addr, f->new_addr + f->new_size, what);
		free(what);
	}
	what = xasprintf("the code of patch '%s'", rec->name);
	safety_add(sf, rec->base + text->offset,
		   rec->base + text->offset + text->size, what);
	free(what);
}
