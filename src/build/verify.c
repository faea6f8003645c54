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
#include "build/mismatch.h"
#include "build/pipeline.h"
#include "build/refcheck.h"
#include "util/xalloc.h"

/* Functions named in a refusal, each way; the count covers the rest. */
#define VERIFY_SHOW_MAX 10

struct verify_state {
	size_t checked, bad, missing;
	const struct objfile *first_bad; /* for the likely cause */
	/* What the functions refer to (refcheck.c): references compared,
	 * functions that differ only there, the first difference. */
	struct refcheck_count refs;
	size_t bad_refs;
	char *first_ref;
};

/*
 * Whether the function differs from the target; *mine_off and
 * *theirs_off get where the first difference starts in each.
 */
static bool verify_differs(const struct objfile *o, const struct obj_symbol *y,
			   const unsigned char *theirs, uint64_t theirs_size,
			   size_t *mine_off, size_t *theirs_off)
{
	const unsigned char *mine = o->secs[y->shndx].data;
	bool *mask;
	int eq;

	*mine_off = *theirs_off = 0;
	if (!mine || !theirs || y->value + y->size > o->secs[y->shndx].size)
		return true;
	mask = xcalloc(y->size + 1, sizeof(*mask));
	obj_reloc_mask(o, y->shndx, y->value, y->size, mask);
	eq = arch_code_equiv(mine + y->value, y->size, mask, theirs,
			     theirs_size, mine_off, theirs_off);
	free(mask);
	return eq != 1;
}

/* The same instructions: do they refer to the same data?  Counts and
 * lists the function if not. */
static void verify_refs(struct build_ctx *ctx, struct verify_state *vs,
			const struct objfile *o, const struct obj_symbol *y,
			const struct target_sym *ts,
			const unsigned char *theirs)
{
	char *why;

	if (refcheck_function(ctx, o, y, ts, theirs, &vs->refs, &why))
		return;
	vs->bad_refs++;
	if (vs->bad++ < VERIFY_SHOW_MAX)
		build_detail(ctx, "  %s (%s): %s", y->name, o->key, why);
	if (!vs->first_ref)
		vs->first_ref = xasprintf("%s %s", y->name, why);
	free(why);
}

/* Compare with @c, the code that runs there (base_running): the target's
 * own, or a base patch's. */
static void verify_function(struct build_ctx *ctx, struct verify_state *vs,
			    const struct objfile *o, const struct obj_symbol *y,
			    const struct target_sym *ts,
			    const struct base_code *c)
{
	size_t moff, toff;

	vs->checked++;
	if (!verify_differs(o, y, c->bytes, c->size, &moff, &toff)) {
		/* What a base patch's code refers to is linked elsewhere:
		 * only the target's own code has fields to follow, and
		 * only once linked (a kernel module's are not). */
		if (c->bytes && c->own && !ctx->target->relocatable)
			verify_refs(ctx, vs, o, y, ts, c->bytes);
		return;
	}
	if (!vs->first_bad)
		vs->first_bad = o;
	if (vs->bad++ >= VERIFY_SHOW_MAX)
		return;
	build_detail(ctx,
		     "  %s (%s): differs at +%#zx (%" PRIu64
		     " bytes rebuilt, %" PRIu64 " in %s)",
		     y->name, o->key, moff, y->size, c->size, c->where);
	if (o->secs[y->shndx].data && c->bytes)
		mismatch_listing(ctx, o->secs[y->shndx].data + y->value,
				 y->size, moff, c->bytes, c->size, toff);
}

static int verify_object(struct build_ctx *ctx, const struct objfile *o,
			 struct verify_state *vs, struct error *err)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct obj_symbol *y = &o->syms[i];
		const struct target_sym *ts;
		struct base_code c;
		int ret;

		if (y->type != STT_FUNC || !obj_sym_defined(o, y))
			continue;
		ret = build_lookup(ctx, o, y, &ts, err);
		if (ret)
			return ret;
		if (!ts)
			continue; /* presence_check reports it */
		if (base_running(ctx, ts, y->name, &c))
			verify_function(ctx, vs, o, y, ts, &c);
	}
	return 0;
}

/* The refusal when the code is the same but what it refers to is not:
 * the build sees other headers or libraries than the binary's did. */
static int verify_refuse_refs(struct build_ctx *ctx, struct verify_state *vs,
			      struct error *err)
{
	build_detail(ctx,
		     "likely cause: a header or library outside the "
		     "tree changed since %s was built (a package "
		     "upgrade?); build the patch where the binary's "
		     "own versions are (--root), or rebuild and restart "
		     "the program",
		     ctx->target_path);
	return error_set(err, -EINVAL,
			 "the rebuilt original does not match %s: %s; %zu of "
			 "%zu functions refer to other data than the "
			 "target's (listed below)",
			 ctx->target_path, vs->first_ref, vs->bad, vs->checked);
}

/* The refusal: counts in the message, the lists and the cause below. */
static int verify_refuse(struct build_ctx *ctx, struct verify_state *vs,
			 struct error *err)
{
	if (vs->bad > VERIFY_SHOW_MAX)
		build_detail(ctx, "  ... and %zu more that differ",
			     vs->bad - VERIFY_SHOW_MAX);
	if (vs->missing > VERIFY_SHOW_MAX)
		build_detail(ctx, "  ... and %zu more in only one of them",
			     vs->missing - VERIFY_SHOW_MAX);
	if (vs->first_ref && vs->bad == vs->bad_refs && !vs->missing)
		return verify_refuse_refs(ctx, vs, err);
	if (vs->first_bad)
		mismatch_cause(ctx, vs->first_bad);
	else
		mismatch_cause(ctx, ctx->tree[TREE_ORIG].objs[0]);
	return error_set(err, -EINVAL,
			 "the rebuilt original does not match %s: %zu of %zu "
			 "functions match, %zu differ, %zu are in only one "
			 "of them (listed below); was it built from this "
			 "tree with the same compiler, flags and build "
			 "command?",
			 ctx->target_path, vs->checked - vs->bad, vs->checked,
			 vs->bad, vs->missing);
}

int verify_target(struct build_ctx *ctx, struct error *err)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	struct verify_state vs = {0};
	int ret;

	for (size_t i = 0; i < t->nobjs; i++)
		if ((ret = verify_object(ctx, t->objs[i], &vs, err))) {
			free(vs.first_ref);
			return ret;
		}
	vs.missing = presence_check(ctx, VERIFY_SHOW_MAX);
	ctx->nverified = vs.checked;
	build_note(ctx,
		   "checked %zu functions and %zu references to data against "
		   "%s",
		   vs.checked, vs.refs.checked, ctx->target_path);
	if (vs.refs.stamps)
		build_warn(ctx,
			   "%zu strings the code refers to differ from the "
			   "target's only in __DATE__ or __TIME__ (the rebuild "
			   "expands them at SOURCE_DATE_EPOCH); patched code "
			   "that prints them prints the rebuild's",
			   vs.refs.stamps);
	if (!vs.checked)
		return error_set(err, -EINVAL,
				 "none of the functions of the rebuilt "
				 "original is in %s; is it the binary built "
				 "from %s?",
				 ctx->target_path, ctx->opts->binary);
	ret = vs.bad || vs.missing ? verify_refuse(ctx, &vs, err) : 0;
	free(vs.first_ref);
	return ret;
}
