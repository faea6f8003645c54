/*
 * packages.c - which Debian packages the build environment came from.
 *
 * A rebuild reproduces the running binary only with the same compiler,
 * the same C library headers and the same libraries; the versions of the
 * packages that installed them are what someone needs to set up that
 * environment again (or to see that it changed).  For the compiler, the
 * libc headers and every library the module links against (DT_NEEDED),
 * dpkg-query says which package owns the file and its version, inside the
 * --root file system when the build ran there.  A file no package owns
 * (a library built in the tree, a compiler in /usr/local) is recorded
 * with an empty package.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "build/pipeline.h"
#include "util/file.h"
#include "util/xalloc.h"

/* A header every libc6-dev ships: stands for "the libc headers". */
static const char libc_header[] = "/usr/include/stdio.h";

/* Where the dynamic linker finds libraries: these, the first two followed
 * by the architecture's triplet directory. */
static const char *const lib_dirs[] = {"/lib/", "/usr/lib/", "/lib",
				       "/usr/lib"};

/* The package owning @path, as "name" (a new string, "" if none). */
static char *packages_owner(const struct build_ctx *ctx, const char *path)
{
	char *owner[] = {"dpkg-query", "-S", (char *)path, NULL};
	char *line = build_capture(ctx, owner);
	char *pkg = line ? xasprintf("%.*s", (int)strcspn(line, ":,"), line)
			 : xstrdup("");

	free(line);
	return pkg;
}

/*
 * {"for", "file", "package", "version"} for the file at @path.  The file
 * the path resolves to is asked about first (gcc is a symlink owned by
 * package gcc, the compiler is gcc-12's), then the path itself (dpkg
 * knows libraries by their /lib name, which /usr merging made a symlink).
 */
static json_t *packages_one(const struct build_ctx *ctx, const char *what,
			    const char *path)
{
	char *rl[] = {"readlink", "-f", (char *)path, NULL};
	char *real = build_capture(ctx, rl);
	char *pkg = packages_owner(ctx, real ? real : path);
	char *query[] = {"dpkg-query", "-W", "-f=${Version}", NULL, NULL};
	char *version = NULL;
	json_t *j;

	if (!*pkg && real) {
		free(pkg);
		pkg = packages_owner(ctx, path);
	}
	query[3] = pkg;
	if (*pkg)
		version = build_capture(ctx, query);
	j = json_pack("{s:s, s:s, s:s, s:s}", "for", what, "file",
		      real ? real : path, "package", pkg, "version",
		      version ? version : "");
	free(real);
	free(pkg);
	free(version);
	return j;
}

/* Where library @name is, as seen in the build's file system. */
static char *packages_find_lib(const struct build_ctx *ctx, const char *name)
{
	const char *root = ctx->opts->root ? ctx->opts->root : "";

	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(*lib_dirs); i++) {
		char *dir = xasprintf("%s%s", lib_dirs[i],
				      i < 2 ? arch_gnu_triplet : "");
		char *path = xasprintf("%s/%s", dir, name);
		char *full = xasprintf("%s%s", root, path);
		bool found = access(full, F_OK) == 0;

		free(dir);
		free(full);
		if (found)
			return path;
		free(path);
	}
	return NULL;
}

json_t *packages_json(const struct build_ctx *ctx, const char *compiler)
{
	json_t *arr = json_array();

	json_array_append_new(arr, packages_one(ctx, "compiler", compiler));
	json_array_append_new(arr,
			      packages_one(ctx, "libc headers", libc_header));
	for (size_t i = 0; i < ctx->target->nneeded; i++) {
		const char *name = ctx->target->needed[i];
		char *path = packages_find_lib(ctx, name);

		json_array_append_new(
		    arr,
		    path ? packages_one(ctx, name, path)
			 : json_pack("{s:s, s:s, s:s, s:s}", "for", name,
				     "file", "", "package", "", "version", ""));
		free(path);
	}
	return arr;
}
