/*
 * compare.c - stage 6: which functions the diff changed.
 *
 * Every function of the patched objects is paired with its orig version
 * (globals by name across the link set, statics by name within the object
 * of the same path) and compared with norm_range_equal(): equal bytes and
 * equivalent relocations mean unchanged.  Code comparison catches what
 * reading the diff would miss: a changed static inline from a header, a
 * changed macro, a changed constant table.
 *
 * Two adjustments follow.  GCC's split-off parts (foo.cold) jump back into
 * their parent at fixed offsets, so a parent and its part change together.
 * And a function whose only differences are immediates that are line
 * numbers of unchanged source lines (assert() after an insertion above) is
 * not worth patching; lineonly.c decides that.
 *
 * Writable variables are checked too: a patch binds to the target's
 * existing variables, so a changed initializer or size cannot be expressed
 * and is refused.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/lineonly.h"
#include "build/normalize.h"
#include "build/padroom.h"
#include "build/pipeline.h"
#include "util/xalloc.h"

/* Suffix GCC gives split-off cold parts. */
static const char cold_suffix[] = ".cold";

static bool compare_is_cold(const char *name)
{
	const char *p = strstr(name, cold_suffix);

	/* foo.cold, and older GCC's foo.cold.0 */
	return p && p != name &&
	       (!p[sizeof(cold_suffix) - 1] ||
		p[sizeof(cold_suffix) - 1] == '.');
}

static enum fn_state compare_fn(const struct build_ctx *ctx,
				struct fn_result *f)
{
	const struct obj_symbol *y = &f->obj->syms[f->sym];
	const struct obj_symbol *oy = &f->oobj->syms[f->osym];

	if (norm_range_equal(f->oobj, oy->shndx, oy->value, oy->size, f->obj,
			     y->shndx, y->value, y->size, false, NULL))
		return FN_UNCHANGED;
	return lineonly_check(ctx, f) ? FN_LINE_ONLY : FN_CHANGED;
}

static void compare_object(struct build_ctx *ctx, struct objfile *o)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct obj_symbol *y = &o->syms[i];
		struct fn_result *f;
		int k;

		if (y->type != STT_FUNC || !obj_sym_defined(o, y))
			continue;
		XGROW(ctx->fns, ctx->fns_cap, ctx->nfns);
		f = &ctx->fns[ctx->nfns++];
		*f = (struct fn_result){
		    .obj = o, .sym = (uint32_t)i, .psym = -1};
		f->cold = compare_is_cold(y->name);
		k = build_pair(ctx, o, y, &f->oobj);
		f->osym = k < 0 ? 0 : (uint32_t)k;
		f->state = k < 0 ? FN_NEW : compare_fn(ctx, f);
	}
}

/* Whether @part is the split-off part of @parent ("foo.cold" of "foo"). */
static bool compare_part_of(const char *part, const char *parent)
{
	size_t n = strlen(parent);

	size_t m = sizeof(cold_suffix) - 1;

	return !strncmp(part, parent, n) &&
	       !strncmp(part + n, cold_suffix, m) &&
	       (!part[n + m] || part[n + m] == '.');
}

/* A changed parent changes its cold part and vice versa. */
static void compare_cold_parts(struct build_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nfns; i++) {
		struct fn_result *c = &ctx->fns[i];

		for (size_t k = 0; c->cold && k < ctx->nfns; k++) {
			struct fn_result *p = &ctx->fns[k];

			if (p->obj != c->obj || p == c ||
			    !compare_part_of(c->obj->syms[c->sym].name,
					     p->obj->syms[p->sym].name))
				continue;
			if (c->state == FN_CHANGED && p->state != FN_NEW)
				p->state = FN_CHANGED;
			if (p->state == FN_CHANGED && c->state != FN_NEW)
				c->state = FN_CHANGED;
		}
	}
}

/* Find each changed or unchanged function in the target. */
static int compare_locate(struct build_ctx *ctx, struct error *err)
{
	for (size_t i = 0; i < ctx->nfns; i++) {
		struct fn_result *f = &ctx->fns[i];
		const struct obj_symbol *oy;
		int ret;

		if (!f->oobj)
			continue;
		oy = &f->oobj->syms[f->osym];
		ret = build_lookup(ctx, f->oobj, oy, &f->tsym, err);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A changed function shorter than a trampoline gets one that spills into
 * the padding after it, if that padding is provably unused (padroom.h).
 */
static int fit_trampoline(struct build_ctx *ctx, struct fn_result *f,
			  struct padroom **pr, struct error *err)
{
	struct error why = {""};

	if (f->tsym->size >= arch_trampoline_len())
		return 0;
	if (!*pr)
		*pr = padroom_open(ctx->target);
	if (!padroom_find(*pr, f->tsym, arch_trampoline_len(), &f->pad, &why))
		return 0;
	return error_set(err, -EINVAL,
			 "function %s (%s) changed but is too short for a "
			 "trampoline (%" PRIu64 " bytes, %zu needed) and %s",
			 f->obj->syms[f->sym].name, f->obj->key, f->tsym->size,
			 arch_trampoline_len(), why.msg);
}

/* Decide what goes into the patch; refuse functions too short to patch. */
static int compare_select(struct build_ctx *ctx, struct error *err)
{
	struct padroom *pr = NULL;
	int ret = 0;

	for (size_t i = 0; i < ctx->nfns && !ret; i++) {
		struct fn_result *f = &ctx->fns[i];

		if (f->state == FN_UNCHANGED)
			ctx->nunchanged++;
		f->in_patch =
		    f->state == FN_NEW || (f->state == FN_CHANGED && f->tsym);
		if (f->state == FN_CHANGED && f->tsym && !f->cold)
			ret = fit_trampoline(ctx, f, &pr, err);
	}
	padroom_close(pr);
	return ret;
}

/* Refuse a changed initializer or size of a variable that exists. */
static int compare_data(struct build_ctx *ctx, struct objfile *o,
			struct error *err)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct obj_symbol *y = &o->syms[i];
		const struct obj_symbol *oy;
		struct objfile *oo;
		int k;

		if ((y->type != STT_OBJECT && y->type != STT_TLS) ||
		    !obj_sym_defined(o, y) ||
		    (!obj_sec_data(&o->secs[y->shndx]) && y->bind == STB_LOCAL))
			continue;
		if ((k = build_pair(ctx, o, y, &oo)) < 0)
			continue;
		oy = &oo->syms[k];
		if (oy->size != y->size)
			return error_set(err, -EINVAL,
					 "the size of existing variable %s "
					 "(%s) changes from %" PRIu64
					 " to %" PRIu64
					 " bytes: a layout change a "
					 "live patch cannot make",
					 y->name, o->key, oy->size, y->size);
		if (!norm_range_equal(oo, oy->shndx, oy->value, oy->size, o,
				      y->shndx, y->value, y->size, false, NULL))
			return error_set(
			    err, -EINVAL,
			    "changed initializer of existing data "
			    "%s (%s): the running process keeps "
			    "its current value, so the patch "
			    "cannot change it%s",
			    y->name, o->key,
			    strncmp(o->secs[y->shndx].name, ".data.rel.ro", 12)
				? ""
				: " (it is in .data.rel.ro: a "
				  "const table of pointers is "
				  "bound like a variable)");
	}
	return 0;
}

int compare_objects(struct build_ctx *ctx, struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_PATCHED];
	int ret;

	for (size_t i = 0; i < t->nobjs; i++)
		compare_object(ctx, t->objs[i]);
	compare_cold_parts(ctx);
	if ((ret = compare_locate(ctx, err)))
		return ret;
	return compare_select(ctx, err);
}

int compare_variables(struct build_ctx *ctx, struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_PATCHED];
	int ret;

	for (size_t i = 0; i < t->nobjs; i++)
		if ((ret = compare_data(ctx, t->objs[i], err)))
			return ret;
	/* last: a changed initializer alone is a better reason to give */
	for (size_t i = 0; i < ctx->nfns; i++)
		if (ctx->fns[i].state == FN_CHANGED ||
		    ctx->fns[i].state == FN_NEW)
			return 0;
	return error_set(err, -EINVAL, "the diff changes no code%s",
			 ctx->nfns ? "" : " (no functions were found)");
}

struct fn_result *build_fn(const struct build_ctx *ctx, const struct objfile *o,
			   uint32_t sym)
{
	for (size_t i = 0; i < ctx->nfns; i++)
		if (ctx->fns[i].obj == o && ctx->fns[i].sym == sym)
			return &ctx->fns[i];
	return NULL;
}
