/*
 * perfheal.h - profiler map files for processes that inherited patches.
 *
 * A process forked from a patched one (a server's new worker, a reload)
 * runs the patches it inherited, but perf finds no /tmp/perf-PID.map for
 * it: apply wrote the parent's only.  There is no hook in the fork; so
 * the suture commands that look at processes write the missing files:
 * `status` and `drift` for the process they read, `status --all`, `apply`
 * and `revert` for every patched process they may read (apply.c and
 * revert.c after their work).  A child is named by perf from the first
 * such command after its fork on.
 */
#ifndef SUTURE_CLI_PERFHEAL_H
#define SUTURE_CLI_PERFHEAL_H

#include <sys/types.h>

struct state;

/* perfheal_one - write what @pid's map file lacks of its state @st; a
 * failure is a note on stderr, as for apply's own map lines. */
void perfheal_one(pid_t pid, const struct state *st);

/* perfheal_all - the same for every patched process whose state the
 * caller may read. */
void perfheal_all(void);

#endif
