/*
 * bdrun.c - configuring the copies' build directories (see builddir.h).
 *
 * The configure runs as the builds do: in the copy's root, with the
 * wrapper first on PATH, inside --root if given.  Its compiler calls
 * (CMake's and meson's compiler checks) go to a log of their own,
 * SCRATCH/LABEL-configure.cclog, so that the build's log holds the build
 * only, and they bypass the object cache (run.c's run_configure gives it
 * that environment).  The user's paths in the
 * configuration (a cache entry naming a file of the build directory, say)
 * are mapped to the copy's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/builddir.h"
#include "build/cache.h"
#include "build/pipeline.h"
#include "build/spawn.h"
#include "util/file.h"
#include "util/xalloc.h"

/* @s with @from (a whole path: followed by '/' or the end of a path
 * component) replaced by @to.  A new string. */
static char *bdrun_subst(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), len = 0;
	char *out = NULL;
	FILE *f = open_memstream(&out, &len);

	while (*s) {
		if (!strncmp(s, from, fl) && strchr("/;:= \"", s[fl])) {
			fputs(to, f);
			s += fl;
		} else {
			fputc(*s++, f);
		}
	}
	fclose(f);
	return out;
}

/* The build directory of copy @t, a new string. */
static char *bdrun_dir(const struct build_ctx *ctx, const struct build_tree *t)
{
	return xasprintf("%s/%s", t->root, ctx->bdir->rel);
}

/* Configure argument @i for copy @t: the user's build directory, then
 * the user's tree, mapped to the copy's.  A new string. */
static char *bdrun_arg(const struct build_ctx *ctx, const struct build_tree *t,
		       size_t i)
{
	char *dir = bdrun_dir(ctx, t);
	char *a = bdrun_subst(ctx->bdir->args[i], ctx->bdir->user, dir);
	char *b = bdrun_subst(a, ctx->src_real, t->root);

	free(a);
	free(dir);
	return b;
}

int builddir_prepare(struct build_ctx *ctx, struct error *err)
{
	int ret = 0;

	for (int i = 0; ctx->bdir && i < TREE_COUNT && !ret; i++) {
		char *dir = bdrun_dir(ctx, &ctx->tree[i]), *path, *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		for (size_t k = 0; k < ctx->bdir->nargs; k++)
			fprintf(f, "%s\n", ctx->bdir->args[k]);
		fclose(f);
		path = xasprintf("%s/suture-configure.txt", dir);
		cache_mkdirs(path);
		ret = file_write_atomic(path, text, len, err);
		free(path);
		free(text);
		free(dir);
	}
	return ret;
}

/* Run the configure of @t with @env and explain its failure. */
static int bdrun_spawn(struct build_ctx *ctx, const struct build_tree *t,
		       char **argv, char *const *env, struct error *err)
{
	char *log = xasprintf("%s/%s-configure.log", ctx->scratch, t->label);
	pid_t pid;
	int ret = build_spawn(ctx, argv, t->root, env, log, &pid, err);

	if (!ret && (ret = spawn_wait(pid, argv[0], log, err)) > 0) {
		char *tail = spawn_log_tail(log, 25, 3000);

		build_detail(ctx, "last lines of %s%s:\n%s", log,
			     ctx->opts->keep ? "" : " (--keep keeps it)", tail);
		free(tail);
		ret = error_set(err, -EINVAL,
				"configuring the %s tree's build directory %s "
				"failed (%s exited with status %d)",
				t->label, ctx->bdir->rel, argv[0], ret);
	}
	free(log);
	return ret;
}

int builddir_configure(struct build_ctx *ctx, const struct build_tree *t,
		       const char *bindir, char *const *env, struct error *err)
{
	const struct builddir *b = ctx->bdir;
	char *wrapper, **argv;
	int ret;

	if (!b)
		return 0;
	wrapper = xasprintf("%s/%s", bindir, b->compiler);
	if (access(wrapper, F_OK) < 0) {
		free(wrapper);
		return error_set(err, -ENOTSUP,
				 "the build directory %s compiles with %s, a "
				 "name the compiler wrapper does not stand for "
				 "(cc, gcc, clang and their versioned names): "
				 "configure it with one of those",
				 b->user, b->compiler_path);
	}
	free(wrapper);
	argv = xcalloc(b->nargs + 1, sizeof(*argv));
	for (size_t i = 0; i < b->nargs; i++)
		argv[i] = bdrun_arg(ctx, t, i);
	build_note(ctx, "configuring the %s tree's build directory %s: %s ...",
		   t->label, b->rel, argv[0]);
	ret = bdrun_spawn(ctx, t, argv, env, err);
	strv_free(argv);
	return ret;
}

char *builddir_prefix_map(const struct build_ctx *ctx,
			  const struct build_tree *t)
{
	if (!ctx->bdir || strcmp(ctx->bdir->rel, BUILDDIR_OUTSIDE))
		return NULL;
	return xasprintf("%s/%s=%s", t->root, BUILDDIR_OUTSIDE,
			 ctx->bdir->user);
}
