/*
 * builddir.h - the user's CMake or meson build directory, as configuration.
 *
 * A CMake or meson build directory names the source tree and the compiler
 * by absolute path (CMakeCache.txt, meson's coredata), so a copy of it
 * would build the user's tree, or bypass the compiler wrapper, or refuse
 * to run.  It is therefore not copied (tree.c leaves every build directory
 * it meets out of the copies): each copy gets a fresh one, at the same
 * place relative to the copy's root, configured with the options the
 * user's configure used and with the C compiler named by its bare name so
 * that the wrapper, first on PATH, sees every compile.
 *
 * Which build directory: --build-dir if given (then --binary is relative
 * to it), else the innermost one holding --binary inside --src.  One
 * outside --src goes into each copy as BUILDDIR_OUTSIDE (CMake only: meson
 * names sources relative to its build directory, and that relation could
 * not be kept), and the compiler wrapper maps its path back to the user's
 * (builddir_prefix_map), since CMake compiles there with absolute paths.
 */
#ifndef SUTURE_BUILD_BUILDDIR_H
#define SUTURE_BUILD_BUILDDIR_H

#include <stddef.h>

#include "util/error.h"

struct build_ctx;
struct build_tree;

enum builddir_kind { BUILDDIR_NONE, BUILDDIR_CMAKE, BUILDDIR_MESON };

/* The copies' build directory for a user's one outside --src. */
#define BUILDDIR_OUTSIDE ".suture-build"

struct builddir {
	enum builddir_kind kind;
	char *user;	     /* real path of the user's build directory */
	char *rel;	     /* the copies' one, relative to a copy's root */
	char *compiler;	     /* the C compiler's name, as the wrapper has it */
	char *compiler_path; /* the user's, as configured: a path, or a
				name looked up on PATH */
	char **args;	     /* the configure command, NULL-terminated, with the
				user's paths (builddir_args maps them) */
	size_t nargs;
	char **build; /* the default build command, NULL-terminated */
};

/* builddir_kind - what @dir is: a CMake build directory (it holds
 * CMakeCache.txt), a meson one (meson-private/coredata.dat or
 * meson-info/), or neither. */
enum builddir_kind builddir_kind(const char *dir);

/*
 * builddir_find - find the build directory of opts->build_dir or of the
 * binary, read its configuration into a new ctx->bdir (NULL if there is
 * none) and set ctx->binary (--binary's path in a copy) and
 * ctx->target_path unless --target was given.  Refuses what the copies
 * cannot reproduce: an in-source build, a meson build directory outside
 * the tree, a compiler the wrapper would not find under its name.
 */
int builddir_find(struct build_ctx *ctx, struct error *err);

/* builddir_prepare - write the user's configure command (with the user's
 * paths, which the copies' configure maps to their own: a key that held
 * the random scratch path would never hit) into REL/suture-configure.txt of
 * each copy, where the build cache's key of the tree sees it and --keep
 * shows it. */
int builddir_prepare(struct build_ctx *ctx, struct error *err);

/*
 * builddir_configure - configure copy @t's build directory with the
 * build's environment @env (the wrapper first on PATH, from run.c), as the
 * builds run (inside --root if given), logged in SCRATCH/LABEL-configure.log;
 * a failure comes with the log's tail in ctx->detail.  Nothing to do
 * without a build directory.
 */
int builddir_configure(struct build_ctx *ctx, const struct build_tree *t,
		       const char *bindir, char *const *env, struct error *err);

/* builddir_prefix_map - "COPY_BUILD_DIR=USER_BUILD_DIR" for the wrapper's
 * second -ffile-prefix-map, for a build directory outside --src; else
 * NULL.  A new string. */
char *builddir_prefix_map(const struct build_ctx *ctx,
			  const struct build_tree *t);

/* builddir_free - release @b and everything it holds (NULL is fine). */
void builddir_free(struct builddir *b);

/* The readers of a build directory's configuration (bdcmake.c,
 * bdmeson.c): fill b->args, b->compiler and b->build. */
int bdcmake_read(struct builddir *b, struct error *err);
int bdmeson_read(struct builddir *b, struct error *err);

/* builddir_push - append a new string to b->args. */
void builddir_push(struct builddir *b, char *arg);

#endif
