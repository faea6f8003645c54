/*
 * kmake.c - building the objects a diff touches with the kernel's make.
 *
 * `make TARGET.o` in the prepared tree compiles one object with exactly the
 * flags of the kernel build (the config's, objtool's pass included), so the
 * rebuilt original can be compared with the running kernel.  KCFLAGS adds
 * -ffunction-sections -fdata-sections: each function and variable in its
 * own section is what lets the comparison and the patch take functions one
 * by one; the code inside a function does not change (verify checks it).
 * It also puts SCRATCH/include on the include path, where the kernel's
 * suture.h (include/suture-klp.h) is: no kernel header has that name, so
 * the objects that do not include it are built as before.
 *
 * Each build's objects and sources are copied into scratch/orig or
 * scratch/patched, the layout the shared engine expects of a tree (an
 * object at ROOT/KEY, its source at ROOT/SOURCE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/normalize.h"
#include "kbuild/kbuild.h"
#include "util/file.h"
#include "util/xalloc.h"

/* SCRATCH/include/suture.h: the kernel's. */
static int kmake_header(struct kbuild_ctx *ctx, struct error *err)
{
	char *dir = xasprintf("%s/include", ctx->scratch);
	char *path = xasprintf("%s/suture.h", dir);
	int ret = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		ret = error_set(err, -errno, "cannot create %s: %m", dir);
	else
		ret = file_write_atomic(path, suture_klp_h_text,
					strlen(suture_klp_h_text), err);
	free(path);
	free(dir);
	return ret;
}

/* Copy @rel of the work tree to the same path under @root. */
static int kmake_keep(struct kbuild_ctx *ctx, const char *root, const char *rel,
		      struct error *err)
{
	char *from = xasprintf("%s/%s", ctx->work, rel);
	char *to = xasprintf("%s/%s", root, rel);
	char *argv[] = {"install", "-D", "-m", "0644", from, to, NULL};
	int ret = kbuild_run_tool(ctx, argv, ctx->scratch,
				  "keeping a built object", err);

	free(from);
	free(to);
	return ret;
}

static int kmake_load(struct build_tree *t, const struct kobj *k,
		      struct error *err)
{
	char *path = xasprintf("%s/%s", t->root, k->target);
	size_t before = t->nobjs;
	int ret = objfile_load(path, k->target, &t->objs, &t->nobjs, err);

	free(path);
	for (size_t i = before; !ret && i < t->nobjs; i++) {
		t->objs[i]->source = xstrdup(k->source);
		norm_prepare(t->objs[i]);
	}
	return ret;
}

static int kmake_run(struct kbuild_ctx *ctx, const char *label,
		     struct error *err)
{
	char **argv = xcalloc(ctx->nobjs + 5, sizeof(*argv));
	char *what = xasprintf("building the %s objects with the kernel's "
			       "make",
			       label);
	char *kcflags = xasprintf("KCFLAGS=-ffunction-sections -fdata-sections "
				  "-I%s/include",
				  ctx->scratch);
	size_t n = 0;
	int ret;

	argv[n++] = "make";
	argv[n++] = "-j2";
	argv[n++] = kcflags;
	for (size_t i = 0; i < ctx->nobjs; i++)
		argv[n++] = ctx->objs[i].target;
	ret = kbuild_run_tool(ctx, argv, ctx->work, what, err);
	free(argv);
	free(what);
	free(kcflags);
	return ret;
}

int kmake_build(struct kbuild_ctx *ctx, enum build_tree_id which,
		struct error *err)
{
	struct build_tree *t = &ctx->engine.tree[which];
	int ret;

	t->root = xasprintf("%s/%s", ctx->scratch, t->label);
	t->cclog = xcalloc(1, sizeof(*t->cclog));
	if ((ret = kmake_header(ctx, err)) ||
	    (ret = kmake_run(ctx, t->label, err)))
		return ret;
	for (size_t i = 0; !ret && i < ctx->nobjs; i++) {
		const struct kobj *k = &ctx->objs[i];

		if (!(ret = kmake_keep(ctx, t->root, k->target, err)) &&
		    !(ret = kmake_keep(ctx, t->root, k->source, err)))
			ret = kmake_load(t, k, err);
	}
	return ret;
}
