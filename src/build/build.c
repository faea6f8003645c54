/*
 * build.c - the driver of `suture build`: runs the stages of pipeline.h in
 * order and owns the context they share.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/builddir.h"
#include "build/cache.h"
#include "build/pipeline.h"
#include "build/sandbox.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Format a message for @say (opts->note or opts->warn), if it is set. */
static void build_say(const struct build_ctx *ctx,
		      void (*say)(void *arg, const char *msg), const char *fmt,
		      va_list ap)
{
	char *msg;

	if (say && vasprintf(&msg, fmt, ap) >= 0) {
		say(ctx->opts->note_arg, msg);
		free(msg);
	}
}

void build_note(const struct build_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	build_say(ctx, ctx->opts->note, fmt, ap);
	va_end(ap);
}

void build_progress(const struct build_ctx *ctx, bool stage, const char *fmt,
		    ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (ctx->opts->progress && vasprintf(&msg, fmt, ap) >= 0) {
		ctx->opts->progress(ctx->opts->note_arg, msg, stage);
		free(msg);
	}
	va_end(ap);
}

void build_warn(const struct build_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	build_say(ctx, ctx->opts->warn, fmt, ap);
	va_end(ap);
}

void build_detail(struct build_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *line, *old = ctx->detail;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	ctx->detail = xasprintf("%s%s\n", old ? old : "", line);
	free(old);
	free(line);
}

char *const *build_command(const struct build_ctx *ctx)
{
	static char *const default_cmd[] = {"make", NULL};

	if (ctx->opts->command)
		return ctx->opts->command;
	return ctx->bdir ? ctx->bdir->build : default_cmd;
}

/* Resolve the paths the stages use. */
static int build_paths(struct build_ctx *ctx, struct error *err)
{
	char real[PATH_MAX];

	if (!realpath(ctx->opts->src_dir, real))
		return error_set(err, -errno, "cannot open source tree %s: %m",
				 ctx->opts->src_dir);
	ctx->src_real = xstrdup(real);
	if (ctx->opts->target)
		ctx->target_path = xstrdup(ctx->opts->target);
	ctx->tree[TREE_ORIG].label = "orig";
	ctx->tree[TREE_PATCHED].label = "patched";
	return builddir_find(ctx, err);
}

/*
 * Whether the build cache can be used: not inside a --root (the wrapper
 * runs in there and the cache directory is not); a cache that cannot be
 * written is a warning, and the build goes without it.  One that someone
 * else could write is refused (cachetrust.c): what it holds would become
 * code in the patch.
 */
static int build_cache_open(struct build_ctx *ctx, struct error *err)
{
	struct error werr = {{0}};

	if (!ctx->opts->cache_dir)
		return 0;
	if (ctx->opts->root) {
		build_note(ctx, "no build cache with --root");
		return 0;
	}
	if (cache_prepare(ctx->opts->cache_dir, &werr)) {
		build_warn(ctx, "%s; building without the cache", werr.msg);
		return 0;
	}
	ctx->cache = ctx->opts->cache_dir;
	ctx->cache_store = true;
	return cache_open(ctx->cache, ctx->opts->cache_shared, &ctx->cache_mac,
			  err);
}

/* The builds and what they made, up to the loaded objects. */
static int build_trees(struct build_ctx *ctx, struct error *err)
{
	int ret;

	if ((ret = build_cache_open(ctx, err)))
		return ret;
	build_progress(ctx, true, "copying the source tree");
	if ((ret = tree_prepare(ctx, err)) ||
	    (ret = builddir_prepare(ctx, err)) ||
	    (ret = treecache_restore(ctx, err)))
		return ret;
	if ((ret = run_builds(ctx, err)) || (ret = objects_load(ctx, err)))
		return ret;
	treecache_store(ctx);
	if (ctx->cache_store)
		cache_trim(ctx->cache);
	build_progress(ctx, true, "comparing the objects and the target");
	return 0;
}

/* A relocatable object (an object file, a kernel module) is not what a
 * process maps: its sections have no addresses to patch.  target_open
 * reads one because suture kbuild matches kernel modules. */
static int build_loadable(const struct build_ctx *ctx, struct error *err)
{
	if (!ctx->target->relocatable)
		return 0;
	return error_set(err, -EINVAL,
			 "%s is a relocatable object (an object file or a "
			 "kernel module), not a program or shared library "
			 "that a process runs: give the linked binary; for "
			 "a kernel module use suture kbuild",
			 ctx->target_path);
}

int build_run(struct build_ctx *ctx, struct error *err)
{
	int ret;

	/* The target first: a stripped or id-less binary is refused before
	 * minutes of building. */
	if ((ret = build_paths(ctx, err)) ||
	    (ctx->opts->root && (ret = sandbox_check(ctx->opts->root, err))))
		return ret;
	if (!ctx->opts->target && access(ctx->target_path, F_OK) < 0)
		return error_set(err, -ENOENT,
				 "%s does not exist: --binary names the "
				 "linked file relative to the source tree "
				 "(or --build-dir), or give the running "
				 "binary with --target",
				 ctx->target_path);
	if ((ret = target_open(ctx->target_path, &ctx->target, err)) ||
	    (ret = build_loadable(ctx, err)) ||
	    (ret = debugfile_attach(ctx, err)) || (ret = base_load(ctx, err)))
		return ret;
	if ((ret = build_trees(ctx, err)) || (ret = verify_target(ctx, err)) ||
	    (ret = compare_objects(ctx, err)))
		return ret;
	noreturn_warn(ctx);
	if ((ret = data_check(ctx, err)) ||
	    (ret = compare_variables(ctx, err)) || (ret = emit_patch(ctx, err)))
		return ret;
	farcheck_warn(ctx);
	if ((ret = record_info(ctx, err)))
		return ret;
	base_stamp(ctx);
	return 0;
}

void build_ctx_free(struct build_ctx *ctx)
{
	for (int i = 0; i < TREE_COUNT; i++) {
		struct build_tree *t = &ctx->tree[i];

		for (size_t k = 0; k < t->nobjs; k++)
			objfile_free(t->objs[k]);
		free(t->objs);
		cclog_free(t->cclog);
		free(t->root);
		free(t->log_path);
		free(t->cclog_path);
	}
	if (ctx->scratch && !ctx->opts->keep)
		file_remove_tree(ctx->scratch);
	target_close(ctx->target);
	patch_free(ctx->patch);
	patch_free(ctx->base);
	for (size_t i = 0; i < ctx->nbase_diffs; i++)
		free(ctx->base_diffs[i]);
	free(ctx->base_diffs);
	free(ctx->fns);
	free(ctx->scratch);
	free(ctx->tree_key);
	free(ctx->src_real);
	free(ctx->target_path);
	free(ctx->binary);
	builddir_free(ctx->bdir);
	free(ctx->detail);
	for (size_t i = 0; i < ctx->ndata_warnings; i++)
		free(ctx->data_warnings[i]);
	free(ctx->data_warnings);
	free(ctx->data_unchecked);
}
