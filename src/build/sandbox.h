/*
 * sandbox.h - running build commands inside a root file system
 * (suture build --root) with bubblewrap; see sandbox.c.
 */
#ifndef SUTURE_BUILD_SANDBOX_H
#define SUTURE_BUILD_SANDBOX_H

#include "util/error.h"

/* sandbox_check - refuse @root unless it looks like a root file system. */
int sandbox_check(const char *root, struct error *err);

/*
 * sandbox_argv - the command that runs @argv inside @root, in directory
 * @cwd, with @scratch visible at its own path.  NULL-terminated, into
 * *out; free with strv_free.
 */
int sandbox_argv(const char *root, const char *scratch, const char *cwd,
		 char *const *argv, char ***out, struct error *err);

/*
 * sandbox_wrapper - write at @path the script a compiler name stands for
 * inside the root: it runs the host's suture (as the compiler wrapper)
 * with the host's dynamic linker and libraries.
 */
int sandbox_wrapper(const char *path, struct error *err);

#endif
