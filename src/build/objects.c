/*
 * objects.c - stage 3: which objects make up the binary, loaded.
 *
 * The wrapper's log says which command linked the binary and from which
 * objects and archives; each object is loaded with the source file its
 * compile command named (the __LINE__ check reads that file).  Objects of
 * the two trees pair up by their path in the tree.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/normalize.h"
#include "build/pipeline.h"
#include "util/file.h"
#include "util/xalloc.h"

/* @abs relative to @root ("" if outside, which a source never is). */
static char *objects_rel(const char *root, const char *abs)
{
	const char *rel = path_under(abs, root);

	return xstrdup(rel && *rel ? rel : abs);
}

/*
 * The compile commands that made object @o: the one that wrote its path,
 * or for an archive member "lib.a(m.o)" every one that wrote an m.o (the
 * archive does not say from where).  How many, and the last in *found.
 */
static size_t objects_producers(const struct build_tree *t,
				const struct objfile *o,
				const struct cc_cmd **found)
{
	const char *paren = strchr(o->key, '(');
	size_t count = 0;
	char *abs, *member;

	if (!paren) {
		abs = xasprintf("%s/%s", t->root, o->key);
		*found = cclog_producer(t->cclog, abs);
		free(abs);
		return *found != NULL;
	}
	*found = NULL;
	member = xasprintf("/%.*s", (int)strlen(paren + 1) - 1, paren + 1);
	for (size_t i = 0; i < t->cclog->n; i++) {
		const struct cc_cmd *c = &t->cclog->cmds[i];
		size_t ol = c->output ? strlen(c->output) : 0;

		if (c->kind == CC_COMPILE && ol > strlen(member) &&
		    !strcmp(c->output + ol - strlen(member), member)) {
			*found = c;
			count++;
		}
	}
	free(member);
	return count;
}

/* Refuse object @o of @t: no compile of this build made it. */
static int objects_not_made(const struct build_ctx *ctx,
			    const struct build_tree *t, const struct objfile *o,
			    struct error *err)
{
	return error_set(err, -EINVAL,
			 "%s is linked into %s, but no compile of the %s "
			 "copy's build made it: it was not rebuilt from the "
			 "source (a stamp file may say it is built, or it was "
			 "made without the compiler); name the tree's clean "
			 "step with --clean, e.g. --clean 'make distclean'",
			 o->key, ctx->opts->binary, t->label);
}

static int objects_load_tree(struct build_ctx *ctx, struct build_tree *t,
			     struct error *err)
{
	char **rels = NULL;
	size_t nrels = 0;
	int ret;

	if ((ret = cclog_read(t->cclog_path, &t->cclog, err)))
		return ret;
	if (!t->cclog->n)
		return error_set(err, -ENOENT,
				 "the build of the %s tree ran no compiler "
				 "through suture's wrapper; a build that calls "
				 "the compiler by absolute path (CC=/usr/bin/"
				 "gcc) bypasses it, use CC=gcc",
				 t->label);
	ret = cclog_link_set(t->cclog, t->root, ctx->binary, &rels, &nrels,
			     &t->fallback, err);
	for (size_t i = 0; !ret && i < nrels; i++) {
		char *abs = xasprintf("%s/%s", t->root, rels[i]);

		ret = objfile_load(abs, rels[i], &t->objs, &t->nobjs, err);
		free(abs);
	}
	for (size_t i = 0; i < nrels; i++)
		free(rels[i]);
	free(rels);
	return ret;
}

/* Attach source paths and refuse LTO objects. */
static int objects_annotate(const struct build_ctx *ctx, struct build_tree *t,
			    struct error *err)
{
	for (size_t i = 0; i < t->nobjs; i++) {
		struct objfile *o = t->objs[i];
		const struct cc_cmd *c;
		size_t made = objects_producers(t, o, &c);
		const char *src = made == 1 ? cclog_source(c) : NULL;

		/* The copies hold no build products, so an object no compile
		 * of this build made got in some other way than the diff's
		 * compile (a stamp file said a directory was built, a prebuilt
		 * file was linked): the comparison would not see what the
		 * diff does to it. */
		if (!made)
			return objects_not_made(ctx, t, o, err);
		if (o->lto)
			return error_set(err, -ENOTSUP,
					 "%s holds LTO bytecode (-flto); "
					 "suture compares machine code, so "
					 "build without -flto",
					 o->key);
		if (src)
			o->source = objects_rel(t->root, src);
		norm_prepare(o);
	}
	return 0;
}

/*
 * The linker writes each object's local symbols after an STT_FILE symbol
 * naming its source, in link order.  When several objects have the same
 * file name (util.c in two directories) and the target has exactly as many
 * STT_FILE symbols of that name, the k-th object is the k-th file.
 */
static void objects_assign_runs(struct build_ctx *ctx)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];
	const struct build_tree *p = &ctx->tree[TREE_PATCHED];

	for (size_t i = 0; i < t->nobjs; i++) {
		struct objfile *o = t->objs[i];
		size_t k = 0, same = 0, runs;
		int run;

		for (size_t j = 0; o->file_sym && j < t->nobjs; j++) {
			const char *f = t->objs[j]->file_sym;

			if (f && !strcmp(f, o->file_sym)) {
				k += j < i;
				same++;
			}
		}
		if (same < 2)
			continue;
		run = target_file_run(ctx->target, o->file_sym, k, &runs);
		if (runs == same)
			o->file_run = run;
	}
	for (size_t i = 0; i < p->nobjs; i++) {
		const struct objfile *o = build_objpair(ctx, p->objs[i]);

		p->objs[i]->file_run = o ? o->file_run : -1;
	}
}

const char *build_fn_file(const struct objfile *o, const struct obj_symbol *y)
{
	if (y->bind != STB_LOCAL)
		return NULL;
	return o->file_sym ? o->file_sym : "";
}

int build_lookup(const struct build_ctx *ctx, const struct objfile *o,
		 const struct obj_symbol *y, const struct target_sym **out,
		 struct error *err)
{
	const char *file = build_fn_file(o, y);
	int ret = target_lookup(ctx->target, y->name, file,
				file ? o->file_run : -1, out, err);

	/* A weak definition the linker chose stays weak in the target; a
	 * strong one there is another object's, which replaced ours (the
	 * kernel's __weak defaults): the target has no copy of ours. */
	if (!ret && *out && y->bind == STB_WEAK && (*out)->bind == STB_GLOBAL)
		*out = NULL;
	return ret;
}

/* How many compiles of a built tree the object cache answered. */
static void objects_note_cache(const struct build_ctx *ctx,
			       const struct build_tree *t)
{
	size_t compiles = 0, hits = 0;

	if (!ctx->cache || t->cached)
		return;
	for (size_t i = 0; i < t->cclog->n; i++) {
		compiles += t->cclog->cmds[i].kind == CC_COMPILE;
		hits += t->cclog->cmds[i].cache_hit;
	}
	build_note(ctx, "%s: %zu compiles, %zu from the build cache", t->label,
		   compiles, hits);
}

int objects_load(struct build_ctx *ctx, struct error *err)
{
	int ret;

	for (int i = 0; i < TREE_COUNT; i++) {
		struct build_tree *t = &ctx->tree[i];

		if ((ret = objects_load_tree(ctx, t, err)) ||
		    (ret = objects_annotate(ctx, t, err)))
			return ret;
		build_note(ctx, "%s: %zu objects%s", t->label, t->nobjs,
			   t->fallback ? " (no link command for the binary "
					 "was recorded: using every compiled "
					 "object)"
				       : "");
		objects_note_cache(ctx, t);
	}
	/* Both builds must be read the same way, or unrelated objects of
	 * one (other programs of the tree) would be compared with the other's
	 * link set. */
	if (ctx->tree[TREE_ORIG].fallback != ctx->tree[TREE_PATCHED].fallback)
		return error_set(err, -EINVAL,
				 "only the %s build recorded a link command "
				 "for %s; the two builds differ in how they "
				 "were made, so they cannot be compared",
				 ctx->tree[TREE_ORIG].fallback ? "patched"
							       : "original",
				 ctx->binary);
	objects_assign_runs(ctx);
	if (!ctx->tree[TREE_ORIG].nobjs)
		return error_set(err, -ENOENT,
				 "no objects of %s were found in the build "
				 "log; is --binary the path of the linked "
				 "file relative to the source tree?",
				 ctx->binary);
	return 0;
}

struct objfile *build_objpair(const struct build_ctx *ctx,
			      const struct objfile *o)
{
	const struct build_tree *t = &ctx->tree[TREE_ORIG];

	for (size_t i = 0; i < t->nobjs; i++)
		if (!strcmp(t->objs[i]->key, o->key))
			return t->objs[i];
	return NULL;
}
