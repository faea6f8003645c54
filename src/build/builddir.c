/*
 * builddir.c - finding the user's CMake or meson build directory, reading
 * its configuration and refusing what the copies cannot reproduce (see
 * builddir.h; bdrun.c configures the copies).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/builddir.h"
#include "build/pipeline.h"
#include "util/file.h"
#include "util/xalloc.h"

/* PATH inside a root (--root), as run.c gives the builds. */
static const char builddir_root_path[] = "/usr/local/bin:/usr/bin:/bin";

static bool builddir_has(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool ok = access(path, F_OK) == 0;

	free(path);
	return ok;
}

enum builddir_kind builddir_kind(const char *dir)
{
	if (builddir_has(dir, "CMakeCache.txt"))
		return BUILDDIR_CMAKE;
	if (builddir_has(dir, "meson-private/coredata.dat") ||
	    builddir_has(dir, "meson-info"))
		return BUILDDIR_MESON;
	return BUILDDIR_NONE;
}

static const char *builddir_name(enum builddir_kind k)
{
	return k == BUILDDIR_CMAKE ? "CMake" : "meson";
}

void builddir_push(struct builddir *b, char *arg)
{
	b->args = xrealloc(b->args, (b->nargs + 2) * sizeof(*b->args));
	b->args[b->nargs++] = arg;
	b->args[b->nargs] = NULL;
}

void builddir_free(struct builddir *b)
{
	if (!b)
		return;
	strv_free(b->args);
	strv_free(b->build);
	free(b->user);
	free(b->rel);
	free(b->compiler);
	free(b->compiler_path);
	free(b);
}

/* The innermost build directory inside @src holding @binary (relative to
 * @src), or NULL.  A new string. */
static char *builddir_search(const char *src, const char *binary)
{
	char *dir = xasprintf("%s/%s", src, binary);
	size_t sl = strlen(src);
	char *slash;

	while ((slash = strrchr(dir, '/')) && (size_t)(slash - dir) > sl) {
		*slash = '\0';
		if (builddir_kind(dir))
			return dir;
	}
	free(dir);
	return NULL;
}

/* The first @name on the wrapper's PATH (the root's, under it), a real
 * path, or NULL: the compiler the wrapper would run. */
static char *builddir_which(const struct build_ctx *ctx, const char *name)
{
	const char *root = ctx->opts->root ? ctx->opts->root : "";
	char *path = xstrdup(ctx->opts->root ? builddir_root_path
					     : getenv("PATH") ?: "");
	char *save = NULL, *found = NULL;

	for (char *d = strtok_r(path, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s%s/%s", root, d, name);

		if (access(cand, X_OK) == 0)
			found = realpath(cand, NULL);
		/* The wrapper passes over ccache's symlinks (ccwrap.c). */
		if (found && !strcmp(strrchr(found, '/'), "/ccache")) {
			free(found);
			found = NULL;
		}
		free(cand);
	}
	free(path);
	return found;
}

/* The wrapper runs the first compiler of the configured name on PATH:
 * refuse if that is not the compiler the user's build directory names. */
static int builddir_check_compiler(const struct build_ctx *ctx,
				   const struct builddir *b, struct error *err)
{
	const char *cp = b->compiler_path;
	char *user = NULL, *found = builddir_which(ctx, b->compiler);
	int ret = 0;

	if (strchr(cp, '/')) {
		char *p = xasprintf("%s%s", ctx->opts->root ?: "", cp);

		user = realpath(p, NULL);
		free(p);
	} else {
		user = builddir_which(ctx, cp);
	}
	if (!user || !found || strcmp(user, found))
		ret =
		    error_set(err, -EINVAL,
			      "the build directory %s compiles with %s, but "
			      "the compiler wrapper would run the first %s on "
			      "PATH (%s): the rebuild would not use the same "
			      "compiler; put %s's directory first on PATH",
			      b->user, cp, b->compiler, found ?: "none", cp);
	free(user);
	free(found);
	return ret;
}

/* Where the build directory is, for --build-dir @dir or the binary. */
static int builddir_locate(struct build_ctx *ctx, struct builddir *b,
			   struct error *err)
{
	const char *dir = ctx->opts->build_dir;

	if (!dir) {
		b->user = builddir_search(ctx->src_real, ctx->opts->binary);
		if (b->user)
			b->rel = xstrdup(b->user + strlen(ctx->src_real) + 1);
		return 0;
	}
	if (!(b->user = realpath(dir, NULL)))
		return error_set(err, -errno,
				 "cannot open build directory %s: %m", dir);
	if (!builddir_kind(b->user))
		return error_set(
		    err, -EINVAL,
		    "%s is not a CMake or meson build directory "
		    "(no CMakeCache.txt, meson-private/coredata.dat "
		    "or meson-info/ in it)",
		    dir);
	if (path_under(b->user, ctx->src_real))
		b->rel = xstrdup(b->user + strlen(ctx->src_real) + 1);
	else
		b->rel = xstrdup(BUILDDIR_OUTSIDE);
	return 0;
}

/* What the copies cannot reproduce, refused. */
static int builddir_refuse(const struct build_ctx *ctx,
			   const struct builddir *b, struct error *err)
{
	enum builddir_kind k = builddir_kind(ctx->src_real);

	if (k)
		return error_set(err, -ENOTSUP,
				 "the source tree %s is itself a %s build "
				 "directory (an in-source build), whose files "
				 "name the tree by absolute path; configure a "
				 "build directory of its own (cmake -B build) "
				 "and build the running binary there",
				 ctx->src_real, builddir_name(k));
	if (!b->rel || strcmp(b->rel, BUILDDIR_OUTSIDE))
		return 0;
	if (builddir_kind(b->user) == BUILDDIR_MESON)
		return error_set(
		    err, -ENOTSUP,
		    "the meson build directory %s is outside the "
		    "source tree %s: meson names the sources "
		    "relative to it, a relation the scratch copies "
		    "cannot keep; set the build directory up inside "
		    "the tree (meson setup build)",
		    b->user, ctx->src_real);
	if (builddir_has(ctx->src_real, BUILDDIR_OUTSIDE))
		return error_set(
		    err, -EEXIST,
		    "the source tree %s has a %s of its own, where "
		    "suture would put the copies' build directory",
		    ctx->src_real, BUILDDIR_OUTSIDE);
	return 0;
}

int builddir_find(struct build_ctx *ctx, struct error *err)
{
	struct builddir *b = xcalloc(1, sizeof(*b));
	const char *given = ctx->opts->build_dir;
	int ret;

	ctx->bdir = b;
	if ((ret = builddir_locate(ctx, b, err)) ||
	    (ret = builddir_refuse(ctx, b, err)))
		return ret;
	/* --binary is relative to --build-dir if given, else to --src. */
	ctx->binary = given ? xasprintf("%s/%s", b->rel, ctx->opts->binary)
			    : xstrdup(ctx->opts->binary);
	if (!ctx->target_path)
		ctx->target_path =
		    xasprintf("%s/%s", given ? b->user : ctx->src_real,
			      ctx->opts->binary);
	if (!b->user) {
		ctx->bdir = NULL;
		builddir_free(b);
		return 0;
	}
	b->kind = builddir_kind(b->user);
	if ((ret = b->kind == BUILDDIR_CMAKE ? bdcmake_read(b, err)
					     : bdmeson_read(b, err)) ||
	    (ret = builddir_check_compiler(ctx, b, err)))
		return ret;
	build_note(ctx,
		   "%s build directory %s: each copy gets a fresh one at %s",
		   builddir_name(b->kind), b->user, b->rel);
	return 0;
}
