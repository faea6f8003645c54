/* stacking.c - a new patch against the live ones (stacking.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "apply/stacking.h"

/* A patch built on another was made from that patch's source state: it is
 * only right on top of exactly that patch. */
static int check_base(const struct patch *p, struct state *st, pid_t pid,
		      bool replace, struct error *err)
{
	struct record *base;

	if (!p->on[0])
		return 0;
	if (replace)
		return error_set(err, -EINVAL,
				 "patch '%s' is built on patch '%s' (suture "
				 "build --on), so it cannot replace it; build "
				 "one cumulative patch with --patch A --patch "
				 "B to replace all",
				 p->name, p->on);
	if (!(base = state_find(st, p->on)))
		return error_set(err, -ENOENT,
				 "patch '%s' is built on patch '%s', which is "
				 "not applied to process %d; apply '%s' first",
				 p->name, p->on, pid, p->on);
	if (strcmp(base->id, p->on_id))
		return error_set(err, -EINVAL,
				 "patch '%s' is built on patch '%s' (id %s), "
				 "but process %d runs another patch of that "
				 "name (id %s)",
				 p->name, p->on, p->on_id, pid,
				 base->id[0] ? base->id : "unknown");
	return 0;
}

int stacking_check(const struct patch *p, struct state *st, pid_t pid,
		   bool replace, struct error *err)
{
	struct record *old;

	/* a patch of the same name that --replace replaces is no conflict */
	if ((old = state_find(st, p->name)) &&
	    !(replace && old->build_id_len == p->build_id_len &&
	      !memcmp(old->build_id, p->build_id, old->build_id_len)))
		return error_set(err, -EEXIST,
				 "patch '%s' is already applied to process %d "
				 "(seq %" PRIu64 "); revert it first",
				 p->name, pid, old->seq);
	return check_base(p, st, pid, replace, err);
}

void stacking_shadowed(const struct patch *p, const struct state *st,
		       const struct record *rec, bool replace, char *out,
		       size_t len)
{
	if (replace)
		return; /* it replaces them all */
	for (size_t i = 0; i < st->n; i++) {
		const struct record *r = &st->v[i];

		if (!strcmp(r->name, p->on))
			continue;
		for (size_t j = 0; j < r->nfuncs; j++)
			for (size_t k = 0; k < rec->nfuncs; k++)
				if (!(rec->funcs[k].flags & PFUNC_PART) &&
				    r->funcs[j].entry == rec->funcs[k].entry) {
					snprintf(out, len, "%s (patch '%s')",
						 r->funcs[j].name, r->name);
					return;
				}
	}
}
