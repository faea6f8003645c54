/*
 * kbuild.c - the driver of `suture kbuild`: runs the stages of kbuild.h
 * in order and owns the context they share.
 */
#include <limits.h>
#include <stdlib.h>

#include "kbuild/kbuild.h"
#include "util/xalloc.h"

/* The shared engine's context, set up as `suture build` would. */
static void kbuild_engine_init(struct kbuild_ctx *ctx)
{
	struct build_ctx *e = &ctx->engine;
	char real[PATH_MAX];

	ctx->bopts.src_dir = ctx->opts->src;
	ctx->bopts.name = ctx->opts->name;
	ctx->bopts.note = ctx->opts->note;
	ctx->bopts.warn = ctx->opts->warn;
	ctx->bopts.note_arg = ctx->opts->note_arg;
	e->opts = &ctx->bopts;
	e->src_real =
	    xstrdup(realpath(ctx->opts->src, real) ? real : ctx->opts->src);
	e->tree[TREE_ORIG].label = "orig";
	e->tree[TREE_PATCHED].label = "patched";
}

static int kbuild_objects(struct kbuild_ctx *ctx, struct error *err)
{
	int ret;

	if ((ret = kdiff_read(ctx, err)) || (ret = ktree_prepare(ctx, err)))
		return ret;
	build_note(&ctx->engine, "work tree %s (%s)", ctx->work,
		   ctx->mounted ? "overlay" : "copy");
	if ((ret = kmake_build(ctx, TREE_ORIG, err)) ||
	    (ret = ktree_apply(ctx, err)) ||
	    (ret = kmake_build(ctx, TREE_PATCHED, err)))
		return ret;
	return 0;
}

int kbuild_run(struct kbuild_ctx *ctx, struct error *err)
{
	int ret;

	kbuild_engine_init(ctx);
	if ((ret = kbuild_objects(ctx, err)) || (ret = ktarget_find(ctx, err)))
		return ret;
	build_note(&ctx->engine, "the objects are %s's (%s)", ctx->objname,
		   ctx->target);
	if ((ret = kcheck_run(ctx, err)) || (ret = kemit_write(ctx, err)))
		return ret;
	return kmodule_build(ctx, err);
}

void kbuild_ctx_free(struct kbuild_ctx *ctx)
{
	ktree_remove(ctx);
	build_ctx_free(&ctx->engine);
	for (size_t i = 0; i < ctx->nobjs; i++) {
		free(ctx->objs[i].source);
		free(ctx->objs[i].target);
	}
	for (size_t i = 0; i < ctx->nklp; i++) {
		free(ctx->klp[i].section);
		free(ctx->klp[i].objname);
		free(ctx->klp[i].symbol);
	}
	for (size_t i = 0; i < ctx->nfuncs; i++) {
		free(ctx->funcs[i].old_name);
		free(ctx->funcs[i].new_sym);
	}
	for (size_t i = 0; i < ctx->nhooks; i++)
		free(ctx->hooks[i].sym);
	free(ctx->hooks);
	free(ctx->klp);
	free(ctx->funcs);
	free(ctx->objs);
	free(ctx->objname);
	free(ctx->target);
	free(ctx->code_o);
	free(ctx->mod_dir);
	free(ctx->work);
	free(ctx->scratch);
}
