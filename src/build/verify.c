/*
 * verify.c - stage 5: refuse unless the rebuilt original is the running
 * binary.
 *
 * A patch is the difference between two builds of ours; it is only right
 * for the target if our build of the unpatched tree produces the target's
 * code.  A different compiler, other flags or edited sources would make
 * the patch's assumptions (which functions exist, what their callers
 * expect, how variables are laid out) silently wrong.  So every function
 * of the rebuilt original that the target also has is compared with it,
 * byte for byte except for relocated fields: those hold addresses only the
 * linker knows, and the linker may also rewrite a few instruction bytes
 * next to them (arch_reloc_linker_span).  Because our objects have one
 * section per function and the target's did not, the assembler may have
 * encoded some branches with other lengths; arch_code_equiv() allows
 * that, and nothing else.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "build/pipeline.h"
#include "util/xalloc.h"

/* Functions named in a refusal; the count covers the rest. */
#define VERIFY_SHOW_MAX 10

struct verify_state {
	size_t checked, bad;
};

/* Mark the bytes of [@off, +@size) of @s that the linker fills in. */
static void verify_mask(const struct objfile *o, uint32_t shndx, uint64_t off,
			uint64_t size, bool *mask)
{
	size_t first, n = obj_relocs_in(o, shndx, off, size, &first);
	const struct obj_reloc *r = o->secs[shndx].relocs + first;

	for (size_t i = 0; i < n; i++) {
		size_t before, after, w = arch_reloc_width(r[i].type);
		uint64_t at = r[i].offset - off;

		arch_reloc_linker_span(r[i].type, &before, &after);
		for (uint64_t k = at >= before ? at - before : 0;
		     k < at + w + after && k < size; k++)
			mask[k] = true;
	}
}

/* The first offset where the function differs from the target, or -1. */
static int64_t verify_diff(const struct objfile *o, const struct obj_symbol *y,
			   const struct target *t, const struct target_sym *ts)
{
	const unsigned char *mine = o->secs[y->shndx].data;
	const unsigned char *theirs = target_bytes(t, ts->value, ts->size);
	size_t diff = 0;
	bool *mask;
	int eq;

	if (!mine || !theirs || y->value + y->size > o->secs[y->shndx].size)
		return 0;
	mask = xcalloc(y->size + 1, sizeof(*mask));
	verify_mask(o, y->shndx, y->value, y->size, mask);
	eq = arch_code_equiv(mine + y->value, y->size, mask, theirs, ts->size,
			     &diff);
	free(mask);
	return eq == 1 ? -1 : (int64_t)diff;
}

static void verify_report(struct build_ctx *ctx, struct verify_state *vs,
			  const struct objfile *o, const struct obj_symbol *y,
			  const struct target_sym *ts, int64_t diff)
{
	if (vs->bad++ >= VERIFY_SHOW_MAX)
		return;
	build_detail(ctx,
		     "  %s (%s): first difference at offset %#" PRIx64
		     " (%" PRIu64 " bytes rebuilt, %" PRIu64 " in the target)",
		     y->name, o->key, (uint64_t)diff, y->size, ts->size);
}

static int verify_object(struct build_ctx *ctx, const struct objfile *o,
			 struct verify_state *vs, struct error *err)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct obj_symbol *y = &o->syms[i];
		const struct target_sym *ts;
		int64_t diff;
		int ret;

		if (y->type != STT_FUNC || !obj_sym_defined(o, y))
			continue;
		ret = build_lookup(ctx, o, y, &ts, err);
		if (ret)
			return ret;
		if (!ts)
			continue; /* inlined everywhere or discarded */
		if (base_replaces(ctx, ts->value, y->name))
			continue; /* the base patch's version is running */
		vs->checked++;
		diff = verify_diff(o, y, ctx->target, ts);
		if (diff >= 0)
			verify_report(ctx, vs, o, y, ts, diff);
	}
	return 0;
}

/* The compilers named in the objects' .comment, when the target's differs. */
static void verify_comments(struct build_ctx *ctx)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	const char *tc = ctx->target->comment ? ctx->target->comment : "";

	for (size_t i = 0; i < t->nobjs; i++) {
		const char *oc = t->objs[i]->comment;

		if (oc && !strstr(tc, oc)) {
			build_detail(ctx, "the target was made by: %s", tc);
			build_detail(ctx, "the rebuilt objects by: %s", oc);
			return;
		}
	}
}

int verify_target(struct build_ctx *ctx, struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	struct verify_state vs = {0};
	int ret;

	for (size_t i = 0; i < t->nobjs; i++)
		if ((ret = verify_object(ctx, t->objs[i], &vs, err)))
			return ret;
	ctx->nverified = vs.checked;
	build_note(ctx, "checked %zu functions against %s", vs.checked,
		   ctx->target_path);
	if (vs.bad) {
		if (vs.bad > VERIFY_SHOW_MAX)
			build_detail(ctx, "  ... and %zu more",
				     vs.bad - VERIFY_SHOW_MAX);
		verify_comments(ctx);
		return error_set(err, -EINVAL,
				 "the rebuilt original does not match %s: %zu "
				 "of %zu functions differ (listed below); was "
				 "it built from this tree with the same "
				 "compiler, flags and build command?",
				 ctx->target_path, vs.bad, vs.checked);
	}
	if (!vs.checked)
		return error_set(err, -EINVAL,
				 "none of the functions of the rebuilt "
				 "original is in %s; is it the binary built "
				 "from %s?",
				 ctx->target_path, ctx->opts->binary);
	return 0;
}
