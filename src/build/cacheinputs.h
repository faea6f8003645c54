/*
 * cacheinputs.h - what a built original read outside its tree
 * (cacheinputs.c), for the build cache's entry of it (treecache.c).
 */
#ifndef SUTURE_BUILD_CACHEINPUTS_H
#define SUTURE_BUILD_CACHEINPUTS_H

#include "build/cache.h"
#include "build/cachedeps.h"
#include "build/pipeline.h"

/* cacheinputs_start - mark the start of the orig tree's build (before its
 * key is computed): an input changed after it makes the build unfit to
 * keep. */
void cacheinputs_start(const struct build_ctx *ctx);

/*
 * cacheinputs_list - the files outside the scratch directory that the orig
 * tree's build just read (@log its wrapper log), into @d, sorted; items of
 * kind 'x' are the scratch directory's own and not dependencies.  -EAGAIN
 * with a sentence when some of it cannot be known, or changed since
 * cacheinputs_start(): then the original must not be kept.
 */
int cacheinputs_list(const struct build_ctx *ctx, const struct cclog *log,
		     struct cachedeps *d, struct error *err);

/* cacheinputs_changed - the first file a "dep:PATH" record of @e names
 * whose cache_dep_id() is no longer the one recorded, or NULL. */
const char *cacheinputs_changed(const struct build_ctx *ctx,
				const struct cache_entry *e);

#endif
