/*
 * spawn.h - running a helper program (patch, make, the compiler) with its
 * output captured in a log file.
 */
#ifndef SUTURE_BUILD_SPAWN_H
#define SUTURE_BUILD_SPAWN_H

#include "util/error.h"

/*
 * spawn_run - run @argv (searched on PATH) in directory @cwd with @env
 * ("NAME=value" strings, NULL-terminated, may be NULL) added to the
 * environment, stdin from /dev/null, stdout and stderr appended to
 * @log_path.  Returns the exit status (0..255, 128+signal) or a negative
 * errno when the program could not be started.
 */
int spawn_run(char *const *argv, const char *cwd, char *const *env,
	      const char *log_path, struct error *err);

/*
 * spawn_log_tail - the last @lines lines of @log_path, at most @max bytes,
 * as a new string ("" if unreadable).
 */
char *spawn_log_tail(const char *log_path, int lines, size_t max);

#endif
