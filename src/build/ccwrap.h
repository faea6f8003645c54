/*
 * ccwrap.h - pieces of the compiler wrapper (ccwrap.c) shared with
 * ccsplit.c, which splits compile-and-link calls.
 */
#ifndef SUTURE_BUILD_CCWRAP_H
#define SUTURE_BUILD_CCWRAP_H

#include <stdbool.h>

/* Exit status when the wrapper itself fails, as a shell's "not found". */
#define CCWRAP_FAILED 127

/*
 * ccwrap_log - append {"cwd", "compiler", "argv"} as one line to
 * @log_path, and "cache" (hit, miss, damaged) if @cache is not NULL.
 * Returns 0 or a negative errno.
 */
int ccwrap_log(const char *log_path, const char *compiler, int argc,
	       char **argv, const char *cache);

/* ccwrap_note - ccwrap_log, saying on stderr why it failed: returns 0 or
 * CCWRAP_FAILED. */
int ccwrap_note(const char *log_path, const char *compiler, int argc,
		char **argv, const char *cache);

/*
 * objcache_compile - compile through the object cache in @dir
 * (objcache.c), logging the call with its outcome.  Returns the exit status
 * to end with, or -1 if the call cannot be cached: the caller then logs
 * and runs it as usual.
 */
int objcache_compile(const char *dir, const char *real, int argc, char **argv,
		     const char *log_path);

/*
 * ccwrap_args - the argument vector for the real compiler @real: @argv
 * with argv[0] replaced and, when the call compiles, the wrapper's extra
 * options appended (from the environment, ccwrap.c).  NULL-terminated; the
 * caller never frees it (it is passed to exec).
 */
char **ccwrap_args(const char *real, int argc, char **argv);

/* ccsplit_wanted - whether the call compiles and links source files in
 * one go (cc -o prog a.c b.c). */
bool ccsplit_wanted(int argc, char **argv);

/*
 * ccsplit_compile - compile each source of such a call by itself into an
 * object next to it in the build tree (logged like any compile), and
 * rewrite *argc and *argv into the link of those objects.  Returns 0, or the
 * exit status to end with when a compile failed.
 */
int ccsplit_compile(const char *real, int *argc, char ***argv,
		    const char *log_path);

#endif
