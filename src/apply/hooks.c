/* hooks.c - a patch's hooks (hooks.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apply/hooks.h"
#include "apply/link.h"
#include "util/fault.h"
#include "util/xalloc.h"

static const char *const kind_names[HOOK_NKINDS] = {
    [HOOK_PRE_APPLY] = "pre_apply",
    [HOOK_POST_APPLY] = "post_apply",
    [HOOK_PRE_REVERT] = "pre_revert",
    [HOOK_POST_REVERT] = "post_revert",
};

/* The kind a section name stands for, or -1. */
static int section_kind(const char *name)
{
	size_t n = strlen(PATCH_HOOK_PREFIX);

	if (strncmp(name, PATCH_HOOK_PREFIX, n))
		return -1;
	for (int k = 0; k < HOOK_NKINDS; k++)
		if (!strcmp(name + n, kind_names[k]))
			return k;
	return -1;
}

static void add_hook(struct record *rec, int kind, uint64_t addr,
		     const char *name)
{
	rec->hooks =
	    xrealloc(rec->hooks, (rec->nhooks + 1) * sizeof(*rec->hooks));
	rec->hooks[rec->nhooks++] = (struct record_hook){
	    .kind = (uint32_t)kind, .addr = addr, .name = xstrdup(name)};
}

int hooks_collect(const struct patch *p, struct record *rec, struct error *err)
{
	for (size_t i = 0; i < p->nsections; i++) {
		const struct patch_section *s = &p->sections[i];
		int kind = section_kind(s->name);

		if (kind < 0 && !strncmp(s->name, PATCH_HOOK_PREFIX,
					 strlen(PATCH_HOOK_PREFIX)))
			return error_set(err, -EINVAL,
					 "unknown kind of hook section %s",
					 s->name);
		for (size_t k = 0; kind >= 0 && k < s->nrelocs; k++) {
			const struct patch_symbol *y =
			    &p->symbols[s->relocs[k].symbol];

			if (y->kind != PSYM_LOCAL || !y->func ||
			    s->relocs[k].addend)
				return error_set(err, -EINVAL,
						 "hook section %s points at "
						 "%s, not at a function of "
						 "the patch",
						 s->name, y->name);
			add_hook(rec, kind, 0, y->name);
		}
	}
	return 0;
}

void hooks_place(const struct patch *p, const struct layout *lay,
		 const uint64_t *resolved, struct record *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nsections; i++) {
		const struct patch_section *s = &p->sections[i];

		if (section_kind(s->name) < 0)
			continue;
		for (size_t k = 0; k < s->nrelocs; k++)
			rec->hooks[n++].addr = link_symbol_addr(
			    p, lay, resolved, s->relocs[k].symbol);
	}
}

int hooks_run(struct session *s, struct rsys *rs, const struct record *rec,
	      enum record_hook_kind kind, unsigned timeout_ms,
	      struct error *err)
{
	for (size_t i = 0; i < rec->nhooks; i++) {
		const struct record_hook *h = &rec->hooks[i];
		char *what;
		long ret;
		int r;

		if (h->kind != kind)
			continue;
		what = xasprintf("the %s hook %s of patch '%s'",
				 kind_names[kind], h->name, rec->name);
		r = rcall(s, rs, h->addr, what, timeout_ms, &ret, err);
		fault_point("hook run");
		if (!r && kind == HOOK_PRE_APPLY && ret)
			r = error_set(err, -ECANCELED,
				      "%s vetoed the patch: it returned %ld; "
				      "nothing was changed",
				      what, ret);
		free(what);
		if (r)
			return r;
	}
	return 0;
}
