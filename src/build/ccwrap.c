/*
 * ccwrap.c - the compiler wrapper that `suture build` puts first on PATH.
 *
 * `suture build` runs the user's build with a directory of symlinks named
 * cc, gcc, clang, ... that point at the suture binary.  Each compiler call
 * therefore lands here: we append the call to a log (so that the build
 * stage learns which objects make up the binary and how each was compiled),
 * then exec the real compiler of the same name with three extra options:
 *
 *   -ffunction-sections -fdata-sections  one section per function and per
 *       variable, so that functions can be compared and copied one by one;
 *   -ffile-prefix-map=SCRATCH=SRC  __FILE__ and debug paths name the
 *       user's source tree, as in the build that produced the running binary.
 *
 * A call that compiles and links in one go (cc -o prog a.c) is first split
 * into separate compiles (ccsplit.c), so that objects exist to compare.
 *
 * The environment carries the settings: SUTURE_CCWRAP_LOG (the log),
 * SUTURE_CCWRAP_DIR (the symlink directory, skipped when searching PATH),
 * SUTURE_CCWRAP_PREFIX_MAP, SUTURE_CCWRAP_BUILD_MAP (a second map, for
 * a CMake build directory outside the tree: builddir.h),
 * SUTURE_CCWRAP_INCLUDE (where suture.h is,
 * added with -idirafter so that it never hides a header of the build) and
 * SUTURE_CCWRAP_CACHE (the build cache, if any: compiles go through
 * objcache.c).  This is a program entry point, not library code: it reports
 * failures on stderr and returns an exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build/cachedeps.h"
#include "build/cclog.h"
#include "build/ccwrap.h"
#include "cli/commands.h"
#include "util/xalloc.h"

/* Options that make a call compile or preprocess rather than only link. */
static const char *const compile_options[] = {"-c", "-S", "-E", "-x"};

/*
 * Whether this call compiles (as opposed to linking objects or asking for
 * the version).  The extra options go only to such calls: clang warns about
 * options unused by a link, and -Werror would turn that into a failure.
 */
static bool ccwrap_compiles(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		for (size_t k = 0;
		     k < sizeof(compile_options) / sizeof(*compile_options);
		     k++)
			if (!strcmp(argv[i], compile_options[k]))
				return true;
		if (cclog_is_source(argv[i]))
			return true;
	}
	return false;
}

/* A single write() on an O_APPEND descriptor keeps lines whole when make
 * runs compilers in parallel. */
int ccwrap_log(const char *log_path, const char *compiler, int argc,
	       char **argv, const char *cache)
{
	char cwd[PATH_MAX];
	json_t *rec, *args;
	char *line;
	int fd, ret = 0;

	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	args = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	rec = json_pack("{s:s, s:s, s:o}", "cwd", cwd, "compiler", compiler,
			"argv", args);
	if (rec && cache)
		json_object_set_new(rec, "cache", json_string(cache));
	line = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	json_decref(rec);
	if (!line)
		return -ENOMEM;
	line = xrealloc(line, strlen(line) + 2);
	strcat(line, "\n");
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(line);
	return ret;
}

/* Whether @a and @b name the same file or directory. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Whether @path is a compiler cache (ccache) symlink.  Such a cache looks
 * for the compiler on PATH itself, finds this wrapper again and loops; it
 * also could serve objects built without the wrapper's options.
 */
static bool ccwrap_is_cache(const char *path)
{
	char real[PATH_MAX];
	const char *base;

	if (!realpath(path, real))
		return false;
	base = strrchr(real, '/');
	return base && !strcmp(base + 1, "ccache");
}

/*
 * Find the real compiler called @name on PATH: the first executable that is
 * neither in the wrapper directory @skip_dir, nor the suture binary itself
 * (which would loop), nor ccache.  Returns a new string or NULL.
 */
static char *ccwrap_find_real(const char *name, const char *skip_dir)
{
	char *path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	char *save = NULL, *found = NULL;

	for (char *dir = strtok_r(path, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *cand;

		if (!*dir || (skip_dir && same_file(dir, skip_dir)))
			continue;
		cand = xasprintf("%s/%s", dir, name);
		if (access(cand, X_OK) == 0 &&
		    !same_file(cand, "/proc/self/exe") &&
		    !ccwrap_is_cache(cand))
			found = cand;
		else
			free(cand);
	}
	free(path);
	return found;
}

char **ccwrap_args(const char *real, int argc, char **argv)
{
	const char *prefix_map = getenv("SUTURE_CCWRAP_PREFIX_MAP");
	const char *build_map = getenv("SUTURE_CCWRAP_BUILD_MAP");
	const char *include = getenv("SUTURE_CCWRAP_INCLUDE");
	char **args = xcalloc(argc + 6, sizeof(*args));
	int n = 0;

	args[n++] = (char *)real;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	if (ccwrap_compiles(argc, argv)) {
		args[n++] = "-ffunction-sections";
		args[n++] = "-fdata-sections";
		if (prefix_map && *prefix_map)
			args[n++] =
			    xasprintf("-ffile-prefix-map=%s", prefix_map);
		/* After the tree's map, which gcc then tries second: the
		 * build directory may lie inside the copy's root. */
		if (build_map && *build_map)
			args[n++] =
			    xasprintf("-ffile-prefix-map=%s", build_map);
		if (include && *include)
			args[n++] = xasprintf("-idirafter%s", include);
	}
	args[n] = NULL;
	return args;
}

int ccwrap_note(const char *log_path, const char *compiler, int argc,
		char **argv, const char *cache)
{
	int ret = ccwrap_log(log_path, compiler, argc, argv, cache);

	if (!ret)
		return 0;
	fprintf(stderr, "suture (compiler wrapper): cannot append to %s: %s\n",
		log_path, strerror(-ret));
	return CCWRAP_FAILED;
}

int ccwrap_main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	const char *log_path = getenv("SUTURE_CCWRAP_LOG");
	const char *cache = getenv("SUTURE_CCWRAP_CACHE");
	char *real, **args;
	int ret;

	name = name ? name + 1 : argv[0];
	real = ccwrap_find_real(name, getenv("SUTURE_CCWRAP_DIR"));
	if (!real) {
		fprintf(stderr,
			"suture (compiler wrapper): no real '%s' found on "
			"PATH outside %s; install it or set CC to a compiler "
			"that exists\n",
			name, getenv("SUTURE_CCWRAP_DIR") ?: "(unset)");
		return CCWRAP_FAILED;
	}
	/* cc -o prog a.c b.c: compile each source on its own first, so
	 * that the objects exist, then link them. */
	if (ccsplit_wanted(argc, argv) &&
	    (ret = ccsplit_compile(real, &argc, &argv, log_path)))
		return ret;
	if (cache && *cache &&
	    (ret = objcache_compile(cache, real, argc, argv, log_path)) >= 0)
		return ret;
	if ((ret = ccwrap_note(log_path, real, argc, argv, NULL)))
		return ret;
	args = ccwrap_args(real, argc, argv);
	if (ccwrap_compiles(argc, argv))
		cachedeps_compile(real, args, log_path);
	execv(real, args);
	fprintf(stderr, "suture (compiler wrapper): cannot run %s: %s\n", real,
		strerror(errno));
	return CCWRAP_FAILED;
}
