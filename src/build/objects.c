/*
 * objects.c - stage 3: which objects make up the binary, loaded.
 *
 * The wrapper's log says which command linked the binary and from which
 * objects and archives; each object is loaded with the source file its
 * compile command named (the __LINE__ check reads that file).  Objects of
 * the two trees pair up by their path in the tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/normalize.h"
#include "build/pipeline.h"
#include "util/xalloc.h"

/* @abs relative to @root ("" if outside, which a source never is). */
static char *objects_rel(const char *root, const char *abs)
{
	size_t n = strlen(root);

	if (!strncmp(abs, root, n) && abs[n] == '/')
		return xstrdup(abs + n + 1);
	return xstrdup(abs);
}

/* The compile command of object @o: by path, or for an archive member
 * "lib.a(m.o)" by the member's name if only one command made an m.o. */
static const struct cc_cmd *objects_producer(const struct build_tree *t,
					     const struct objfile *o)
{
	const char *paren = strchr(o->key, '(');
	const struct cc_cmd *found = NULL;
	char *abs, *member;
	size_t count = 0;

	if (!paren) {
		abs = xasprintf("%s/%s", t->root, o->key);
		found = cclog_producer(t->cclog, abs);
		free(abs);
		return found;
	}
	member = xasprintf("/%.*s", (int)strlen(paren + 1) - 1, paren + 1);
	for (size_t i = 0; i < t->cclog->n; i++) {
		const struct cc_cmd *c = &t->cclog->cmds[i];
		size_t ol = c->output ? strlen(c->output) : 0;

		if (c->kind == CC_COMPILE && ol > strlen(member) &&
		    !strcmp(c->output + ol - strlen(member), member)) {
			found = c;
			count++;
		}
	}
	free(member);
	return count == 1 ? found : NULL;
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
	ret = cclog_link_set(t->cclog, t->root, ctx->opts->binary, &rels,
			     &nrels, &t->fallback, err);
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
static int objects_annotate(struct build_tree *t, struct error *err)
{
	for (size_t i = 0; i < t->nobjs; i++) {
		struct objfile *o = t->objs[i];
		const struct cc_cmd *c = objects_producer(t, o);
		const char *src = c ? cclog_source(c) : NULL;

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

int objects_load(struct build_ctx *ctx, struct error *err)
{
	int ret;

	for (int i = 0; i < TREE_COUNT; i++) {
		struct build_tree *t = &ctx->tree[i];

		if ((ret = objects_load_tree(ctx, t, err)) ||
		    (ret = objects_annotate(t, err)))
			return ret;
		build_note(ctx, "%s: %zu objects%s", t->label, t->nobjs,
			   t->fallback ? " (no link command for the binary "
					 "was recorded: using every compiled "
					 "object)"
				       : "");
	}
	if (!ctx->tree[TREE_ORIG].nobjs)
		return error_set(err, -ENOENT,
				 "no objects of %s were found in the build "
				 "log; is --binary the path of the linked "
				 "file relative to the source tree?",
				 ctx->opts->binary);
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
