/*
 * bdcmake.c - the configure command of a CMake build directory, from its
 * CMakeCache.txt.
 *
 * Every cache entry a configure can be given goes back as -DKEY:TYPE=VALUE:
 * those the user set (CMAKE_BUILD_TYPE, the project's options) and those
 * CMake found (CMAKE_AR, ...), which are the same on this machine.  Left
 * out are the INTERNAL entries (CMake's bookkeeping, among them the build
 * directory's own path) and the STATIC ones (set by project() from the
 * paths of the tree), which a fresh configure recreates for the copy.  The
 * generator (CMAKE_GENERATOR, internal) is kept with -G, so that the same
 * tool builds.  A compiler launcher (CMAKE_C_COMPILER_LAUNCHER=ccache) is
 * left out.  CMAKE_C_COMPILER is given by its name only: found on PATH,
 * it is the wrapper (builddir_find checks that the wrapper then runs the
 * same compiler).  Environment variables such as CFLAGS need no care:
 * CMake's first configure turned them into cache entries.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "build/builddir.h"
#include "util/file.h"
#include "util/xalloc.h"

/* Split cache line @line ("KEY:TYPE=VALUE", KEY possibly quoted) in place;
 * false for comments, blank and malformed lines. */
static bool bdcmake_split(char *line, char **key, char **type, char **value)
{
	char *colon, *eq;

	if (!*line || *line == '#' || *line == '/')
		return false;
	*key = line;
	if (*line == '"') {
		char *end = strchr(line + 1, '"');

		if (!end || end[1] != ':')
			return false;
		colon = end + 1;
	} else if (!(colon = strchr(line, ':'))) {
		return false;
	}
	if (!(eq = strchr(colon, '=')))
		return false;
	*colon = '\0';
	*eq = '\0';
	*type = colon + 1;
	*value = eq + 1;
	return true;
}

/* Whether @key is CMAKE_<LANG>_COMPILER_LAUNCHER. */
static bool bdcmake_is_launcher(const char *key)
{
	static const char suffix[] = "_COMPILER_LAUNCHER";
	size_t n = strlen(key), sl = sizeof(suffix) - 1;

	return n > sl && !strcmp(key + n - sl, suffix);
}

/* One cache entry into @b; the generator into *@gen. */
static void bdcmake_entry(struct builddir *b, const char *key, const char *type,
			  const char *value, char **gen)
{
	if (!strcmp(type, "INTERNAL")) {
		if (!strcmp(key, "CMAKE_GENERATOR")) {
			free(*gen);
			*gen = xstrdup(value);
		}
		return;
	}
	/* A compiler launcher (ccache) could serve objects compiled
	 * without the wrapper's options; the copies do without. */
	if (!strcmp(type, "STATIC") || bdcmake_is_launcher(key))
		return;
	if (!strcmp(key, "CMAKE_C_COMPILER")) {
		const char *base = strrchr(value, '/');

		free(b->compiler);
		b->compiler = xstrdup(base ? base + 1 : value);
		free(b->compiler_path);
		b->compiler_path = xstrdup(value);
		value = b->compiler;
	}
	builddir_push(b, xasprintf("-D%s:%s=%s", key, type, value));
}

/* The configure's generator (@gen, taken) and directories, run in the
 * copy's root; the default build command. */
static void bdcmake_finish(struct builddir *b, char *gen)
{
	builddir_push(b, xstrdup("-G"));
	builddir_push(b, gen);
	builddir_push(b, xstrdup("-S"));
	builddir_push(b, xstrdup("."));
	builddir_push(b, xstrdup("-B"));
	builddir_push(b, xstrdup(b->rel));
	b->build = xcalloc(4, sizeof(*b->build));
	b->build[0] = xstrdup("cmake");
	b->build[1] = xstrdup("--build");
	b->build[2] = xstrdup(b->rel);
}

int bdcmake_read(struct builddir *b, struct error *err)
{
	char *path = xasprintf("%s/CMakeCache.txt", b->user);
	char *gen = NULL, *save = NULL;
	unsigned char *buf;
	size_t len;
	int ret = file_read(path, &buf, &len, err);

	if (ret)
		goto out_free;
	builddir_push(b, xstrdup("cmake"));
	for (char *line = strtok_r((char *)buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *key, *type, *value;

		if (bdcmake_split(line, &key, &type, &value))
			bdcmake_entry(b, key, type, value, &gen);
	}
	free(buf);
	if (!gen || !b->compiler) {
		ret = error_set(err, -EINVAL,
				"%s names no %s: it is not the cache of a "
				"configured C build; configure it again",
				path, gen ? "CMAKE_C_COMPILER" : "generator");
		goto out_free;
	}
	bdcmake_finish(b, gen);
	gen = NULL;
out_free:
	free(gen);
	free(path);
	return ret;
}
