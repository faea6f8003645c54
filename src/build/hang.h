/*
 * hang.h - a build command that does not end: `suture build
 * --build-timeout SEC` (runwatch.c keeps the clock).
 */
#ifndef SUTURE_BUILD_HANG_H
#define SUTURE_BUILD_HANG_H

#include <signal.h>
#include <sys/types.h>

#include "util/error.h"

/* The default --build-timeout, in seconds: longer than any build suture's
 * benchmarks make, short enough that a hung build in a script ends. */
#define HANG_DEFAULT_TIMEOUT_S 7200

/*
 * hang_kill - stop the build @pid, leader of process group @pid, that ran
 * @secs seconds against a limit of @limit: find which of its processes
 * hung (the longest-running one that started nothing), kill the whole
 * group (SIGTERM, then SIGKILL two seconds later), reap @pid, and return
 * -ETIMEDOUT with @err naming @cmd, that process and how long each ran.
 */
int hang_kill(pid_t pid, const char *cmd, double secs, unsigned limit,
	      struct error *err);

/*
 * hang_guard - while a build runs in a process group of its own, a
 * Ctrl-C (or SIGTERM, SIGHUP) to suture must stop it too: the terminal
 * signals only suture's group.  hang_guard(pid) installs the handlers,
 * hang_guard(0) removes them; hang_interrupted() is the signal caught
 * meanwhile, or 0.  After killing the group, the caller re-raises it.
 */
void hang_guard(pid_t pid);
int hang_interrupted(void);

/* hang_abandon - kill build group @pid at once, reap it, remove the guard
 * and raise @sig (the one hang_interrupted() returned) again. */
void hang_abandon(pid_t pid, int sig);

#endif
