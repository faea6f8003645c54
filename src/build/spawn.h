/*
 * spawn.h - running a helper program (patch, make, the compiler) with its
 * output captured in a log file.
 */
#ifndef SUTURE_BUILD_SPAWN_H
#define SUTURE_BUILD_SPAWN_H

#include <sys/types.h>

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

/* spawn_start - the same, without waiting: *pid is the child. */
int spawn_start(char *const *argv, const char *cwd, char *const *env,
		const char *log_path, pid_t *pid, struct error *err);

/* spawn_start_group - spawn_start() with the child leading a process
 * group of its own, so that it and everything it starts can be killed
 * together (hang.h). */
int spawn_start_group(char *const *argv, const char *cwd, char *const *env,
		      const char *log_path, pid_t *pid, struct error *err);

/* spawn_wait - wait for child @pid started by spawn_start() (@name and
 * @log_path for messages); the result is spawn_run()'s. */
int spawn_wait(pid_t pid, const char *name, const char *log_path,
	       struct error *err);

/*
 * spawn_log_tail - the last @lines lines of @log_path, at most @max bytes,
 * as a new string ("" if unreadable).
 */
char *spawn_log_tail(const char *log_path, int lines, size_t max);

#endif
