/*
 * perfheal.h - profiler map files for processes that inherited patches.
 *
 * A process forked from a patched one (a server's new worker, a reload)
 * runs the patches it inherited, but perf finds no /tmp/perf-PID.map for
 * it: apply wrote the parent's only.  There is no hook in the fork; so
 * the suture commands that look at processes write the missing files:
 * `status` and `drift` for the process they read, `status --all` for
 * every patched process it may read, `apply` and `revert` for the
 * descendants of the processes they worked on (after their work).  A
 * child is named by perf from the first such command after its fork on.
 */
#ifndef SUTURE_CLI_PERFHEAL_H
#define SUTURE_CLI_PERFHEAL_H

#include <stddef.h>
#include <sys/types.h>

struct state;

/* perfheal_one - write what @pid's map file lacks of its state @st; a
 * failure is a note on stderr, as for apply's own map lines. */
void perfheal_one(pid_t pid, const struct state *st);

/* perfheal_children - the same for every descendant of the @n processes
 * @pids (through /proc/PID/task/TID/children) that runs patches the
 * caller may read. */
void perfheal_children(const pid_t *pids, size_t n);

#endif
