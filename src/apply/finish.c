/* finish.c - finishing an apply or revert whose pre hooks ran (finish.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "apply/bypass.h"
#include "apply/finish.h"
#include "apply/hooks.h"
#include "util/fault.h"

/* Aim the entry @entry of @r (@name) at @to, unless it jumps there
 * already; it must hold @orig (@len bytes) otherwise. */
static int aim(const struct rmem *mem, const struct record *r, const char *name,
	       uint64_t entry, const unsigned char *orig, size_t len,
	       uint64_t to, struct error *err)
{
	unsigned char have[ARCH_TRAMPOLINE_MAX], jmp[ARCH_TRAMPOLINE_MAX];
	int ret;

	if ((ret = rmem_read(mem, entry, have, len, err)))
		return ret;
	if (arch_trampoline_is(have, entry, to))
		return 0;
	if (memcmp(have, orig, len))
		return error_set(err, -EINVAL,
				 "the entry of %s at %#" PRIx64
				 " was changed by "
				 "something else since an interrupted suture "
				 "ran the pre_apply hooks of patch '%s', so "
				 "the patch cannot be switched on; undo that "
				 "change (or restart the process)",
				 name, entry, r->name);
	if (arch_trampoline_write(jmp, entry, to) < 0)
		return error_set(err, -ERANGE,
				 "the entry of %s at %#" PRIx64
				 " cannot jump to %#" PRIx64,
				 name, entry, to);
	if ((ret = rmem_write(mem, entry, jmp, len, err)))
		return ret;
	fault_point("interrupted apply: entry written");
	return 0;
}

/* Whether @r switches the entry of its function @f (a replace). */
static bool switched(const struct record *r, const struct record_func *f)
{
	for (size_t k = 0; k < r->nswitches; k++)
		if (r->switches[k].entry == f->entry)
			return true;
	return false;
}

static int set_live(const struct rmem *mem, const struct record *r,
		    unsigned char live, struct error *err)
{
	int ret =
	    rmem_write(mem, r->base + record_live_offset(), &live, 1, err);

	if (!ret)
		fault_point(live ? "interrupted apply: committed"
				 : "interrupted revert: uncommitted");
	return ret;
}

static int finish_apply(struct session *s, struct rsys *rs,
			const struct rmem *mem, const struct record *r,
			unsigned hook_ms, struct error *err)
{
	int ret;

	for (size_t k = 0; k < r->nswitches; k++) {
		const struct record_switch *w = &r->switches[k];

		if ((ret = aim(mem, r, "a function it switches", w->entry,
			       w->before, w->len, w->gate, err)))
			return ret;
	}
	for (size_t i = 0; i < r->nfuncs; i++) {
		const struct record_func *f = &r->funcs[i];

		if (!(f->flags & PFUNC_PART) && !switched(r, f) &&
		    (ret = aim(mem, r, f->name, f->entry, f->saved,
			       f->saved_len, record_func_jump(f), err)))
			return ret;
	}
	return set_live(mem, r, 1, err)
		   ?: hooks_run(s, rs, r, HOOK_POST_APPLY, hook_ms, err);
}

static int finish_revert(struct session *s, struct rsys *rs,
			 const struct rmem *mem, const struct record *r,
			 unsigned hook_ms, struct error *err)
{
	return bypass_restore(mem, r, err) ?: set_live(mem, r, 0, err)
		   ?: hooks_run(s, rs, r, HOOK_POST_REVERT, hook_ms, err);
}

int finish_interrupted(struct session *s, struct rsys *rs,
		       const struct rmem *mem, const struct state *st,
		       const struct record *busy, unsigned hook_ms,
		       struct error *err)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].pending_hooks == HOOK_PRE_REVERT &&
		    &st->v[i] != busy)
			return finish_revert(s, rs, mem, &st->v[i], hook_ms,
					     err)
				   ?: 1;
	for (size_t i = 0; i < st->ndead; i++)
		if (st->dead[i].pending_hooks == HOOK_PRE_APPLY)
			return finish_apply(s, rs, mem, &st->dead[i], hook_ms,
					    err)
				   ?: 1;
	return 0;
}
