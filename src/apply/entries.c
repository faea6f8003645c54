/*
 * entries.c - the code of the functions a patch replaces, as the process
 * has it: it must be executable memory; the padding a short function's
 * trampoline spills into must be padding there too, and with the process
 * stopped the code must still be what apply read before stopping it.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "apply/entries.h"
#include "arch/arch.h"
#include "process/proc.h"
#include "util/xalloc.h"

int entries_padding(const struct patch_func *pf, uint64_t entry,
		    const unsigned char *code, const struct state *st,
		    pid_t pid, struct error *err)
{
	uint64_t from = pf->old_size;

	if (!pf->pad)
		return 0;
	for (size_t k = 0; k < st->n; k++)
		for (size_t j = 0; j < st->v[k].nfuncs; j++)
			if (st->v[k].funcs[j].entry == entry &&
			    from < st->v[k].funcs[j].saved_len)
				from = st->v[k].funcs[j].saved_len;
	if (arch_is_padding(code + from, patch_func_span(pf) - from))
		return 0;
	return error_set(
	    err, -EINVAL,
	    "function %s is %" PRIu64 " bytes long, its trampoline "
	    "needs the padding after it, but the %" PRIu64
	    " bytes there in process %d are not padding (int3, nop "
	    "or zero): other code was put there; the patch cannot "
	    "be applied",
	    pf->name, pf->old_size, pf->pad, pid);
}

int entries_unchanged(const struct rmem *mem, const struct record *rec,
		      const struct patch *p, unsigned char *const *code,
		      struct error *err)
{
	for (size_t i = 0; i < rec->nfuncs; i++) {
		size_t size = patch_func_span(&p->funcs[i]);
		unsigned char *now;
		int r;

		if (!code[i])
			continue;
		now = xmalloc(size);
		r = rmem_read(mem, rec->funcs[i].entry, now, size, err);
		if (!r && memcmp(now, code[i], size))
			r = error_set(err, -EAGAIN,
				      "the code of function %s changed while "
				      "suture prepared",
				      rec->funcs[i].name);
		free(now);
		if (r)
			return r;
	}
	return 0;
}

int entries_executable(const struct proc_maps *maps, const struct record *rec,
		       pid_t pid, struct error *err)
{
	for (size_t i = 0; i < rec->nfuncs; i++) {
		const struct record_func *f = &rec->funcs[i];
		const struct proc_map *m = proc_maps_find(maps, f->entry);

		if (!m || !(m->prot & PROT_EXEC))
			return error_set(err, -EINVAL,
					 "function %s at %#" PRIx64
					 " is not in executable memory of "
					 "process %d",
					 f->name, f->entry, pid);
	}
	return 0;
}
