/*
 * fanout.h - one command, many processes: `suture apply PID,PID,... FILE`
 * and `suture revert PID,PID,...`.
 *
 * Each process is a transaction of its own (stopped, patched and released
 * alone); a failure on one does not stop the others.  The work is spread
 * over worker processes forked for the purpose, each handling its share
 * of the PIDs one after another: ptrace makes the forked worker, not the
 * parent, the tracer of the processes it stops, and workers share
 * nothing but the patch already read.
 */
#ifndef SUTURE_CLI_FANOUT_H
#define SUTURE_CLI_FANOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * fanout_parse_pids - "P1,P2,..." into a new array *pids of *n PIDs (the
 * caller frees it).  Returns -1 after printing why if an item is not a
 * PID or one repeats.
 */
int fanout_parse_pids(const char *s, pid_t **pids, size_t *n);

/*
 * fanout_option - the options apply and revert share: -t/--timeout SEC
 * and -H/--hook-timeout SEC into @o, -j/--jobs N into *jobs.  Returns -1
 * (after printing why, for a bad value) if @c is none of them or its
 * argument @arg is bad.
 */
struct apply_opts;
int fanout_option(int c, const char *arg, struct apply_opts *o, unsigned *jobs);

/*
 * fanout_jobs - how many workers to use for @n processes: @want if not 0,
 * else one per online CPU; never more than @n.
 */
unsigned fanout_jobs(size_t n, unsigned want);

/*
 * fanout_run - call @fn(pid, @arg) for every PID of @pids, in @jobs
 * worker processes (in this process when @jobs is 1).  @fn returns 0 or
 * 1 (failed, after printing why).  Standard output becomes line-buffered
 * so that the workers' lines do not mix.  Returns the number of PIDs that
 * failed (a worker that dies counts as failing all of its share).
 */
size_t fanout_run(const pid_t *pids, size_t n, unsigned jobs,
		  int (*fn)(pid_t pid, void *arg), void *arg);

/*
 * fanout_summary - for more than one process, print "@verb N of M
 * processes in X ms (Y ms per process, J workers)", the wall time since
 * @start_ns (CLOCK_MONOTONIC).
 */
void fanout_summary(const char *verb, size_t n, size_t failed, unsigned jobs,
		    uint64_t start_ns);

#endif
