/*
 * cachedeps.h - what a compile read outside the source tree, as the
 * compiler wrapper learns it for the build cache (docs/DESIGN.md, "The
 * build cache").
 *
 * A cached object or built original is only the one a fresh build would
 * make if every input is the same.  The tree's own files are hashed; what
 * lies outside it is listed here and identified by cache_dep_id():
 *
 *   'h' PATH  a header the preprocessor read (from the line markers of the
 *             preprocessed text, so also those found through -isystem,
 *             -include or #include_next), and the same name in each
 *             include directory searched before (mostly absent: a file
 *             appearing there would be read instead);
 *   't' PATH  a program the compiler driver runs (cc1, cc1plus, as,
 *             collect2, ld, a clang binary) or loads (-fplugin, -plugin,
 *             -specs), from its -### or -v output;
 *   'l' PATH  a file the link read (crt files, libraries, linker scripts),
 *             from the linker's --trace;
 *   '?' TEXT  an input that cannot be known (a source on standard input,
 *             a preprocessor that failed): the original is then not kept.
 *
 * The wrapper appends the list of each compile to the file next to its
 * log, LOG.deps, one "KIND PATH" line each; treecache.c reads it back.
 */
#ifndef SUTURE_BUILD_CACHEDEPS_H
#define SUTURE_BUILD_CACHEDEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "build/cache.h"

struct cachedeps {
	char **items; /* kind character followed by the path */
	size_t n, cap;
};

void cachedeps_add(struct cachedeps *d, char kind, const char *path);

/* cachedeps_sort - sort and remove duplicates. */
void cachedeps_sort(struct cachedeps *d);
void cachedeps_free(struct cachedeps *d);

/*
 * cachedeps_driver - the programs in a driver's -### or -v output @text:
 * each command's program, found the way the driver finds it (the
 * COMPILER_PATH it prints, then PATH) if it is a bare name, and the plugin
 * and spec files the commands name; also the linker collect2 runs (@ld,
 * "ld" or "ld.gold" for -fuse-ld=gold, NULL for a compile).
 */
void cachedeps_driver(struct cachedeps *d, const char *text, const char *ld);

/*
 * cachedeps_markers - the files named in the line markers of preprocessed
 * text @text (relative ones against @cwd) that are neither under the tree
 * @root nor under suture's @include directory (their real paths); and,
 * from the preprocessor's -v output @search (or NULL), the same names
 * under each include directory searched before the one that had them,
 * where a new file would shadow them.
 */
void cachedeps_markers(struct cachedeps *d, const char *text,
		       const char *search, const char *cwd, const char *root,
		       const char *include);

/* cachedeps_key - add each item of @d with its cache_dep_id() to @k. */
void cachedeps_key(struct cache_key *k, const struct cachedeps *d);

/* cachedeps_tools - the programs that @real runs for @args (its -###). */
void cachedeps_tools(struct cachedeps *d, const char *real, char **args);

/*
 * cachedeps_compile - for a compile the object cache does not take: list
 * its tools and headers (running the driver with -### and the
 * preprocessor) and append them to @log_path's deps file.  Failures only
 * make the list say '?'.
 */
void cachedeps_compile(const char *real, char **args, const char *log_path);

/* cachedeps_append - append @d to @log_path's deps file (LOG.deps). */
void cachedeps_append(const char *log_path, const struct cachedeps *d);

/* cachedeps_path - the deps file of the wrapper log @log_path.  New. */
char *cachedeps_path(const char *log_path);

/*
 * objcache_capture - run @real with @argv and collect what it writes to
 * descriptor @fd (1: stdout, and stderr into a new string *@errtext unless
 * that is NULL; 2: stderr) into a new buffer; the exit status (128 +
 * signal), or -1 if it could not run.
 */
int objcache_capture(const char *real, char **argv, int fd, char **buf,
		     size_t *len, char **errtext);

/* objcache_cpp_args - the preprocessor's call for compile @args: without
 * -c, the output and dependency options, with -E.  Points into @args;
 * free only the array. */
char **objcache_cpp_args(char **args);

#endif
