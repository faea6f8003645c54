/*
 * patchcfi.c - the patch regions' call-frame information for the safety
 * check (patchcfi.h).
 */
#include <stdlib.h>
#include <string.h>

#include "apply/patchcfi.h"
#include "apply/state.h"
#include "util/xalloc.h"

/* Add where @n records' regions keep their .eh_frame to @v. */
static void add_regions(struct unwind_region **v, size_t *nv, size_t *cap,
			const struct record *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		XGROW(*v, *cap, *nv);
		(*v)[(*nv)++] = (struct unwind_region){
		    .base = r[i].base,
		    .size = r[i].size,
		    .eh_offset = r[i].unwind.offset,
		    .eh_size = r[i].unwind.size,
		    .name = r[i].name,
		};
	}
}

int patchcfi_safety_prepare(struct safety *sf, pid_t pid,
			    const struct proc_maps *maps,
			    const struct rmem *mem, const struct modules *mods,
			    struct error *err)
{
	const char *off = getenv("SUTURE_NO_PATCH_CFI");
	struct unwind_region *v = NULL;
	size_t n = 0, cap = 0;
	struct state st;
	int r;

	if ((off && *off && strcmp(off, "0")) ||
	    state_read(maps, mem, &st, NULL))
		return safety_prepare(sf, pid, maps, mem, mods, NULL, 0, err);
	add_regions(&v, &n, &cap, st.v, st.n);
	add_regions(&v, &n, &cap, st.dead, st.ndead);
	add_regions(&v, &n, &cap, st.kept, st.nkept);
	r = safety_prepare(sf, pid, maps, mem, mods, v, n, err);
	free(v);
	state_free(&st);
	return r;
}
