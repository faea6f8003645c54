/*
 * sidecheck.h - the quick check of stopped threads on a second thread of
 * suture, while the tracer waits for the next ones (session.c).
 *
 * A stop of many threads is the tracer's system calls, one thread after
 * another (DESIGN.md, "Stopping many threads"); each thread's quick check
 * reads its stack (a page walk of the target's memory, 2 to 3 µs) and
 * needs no ptrace.  The tracer posts each thread once its registers are
 * read, a side thread checks it meanwhile on another CPU, which is idle
 * then (the threads it would run are stopped), and the tracer collects
 * the results once every thread is stopped.  The side thread only clears
 * threads: one it cannot clear gets the full check on the tracer, as
 * before, so a result it gets wrong can cost a retry, never a missed
 * frame.
 */
#ifndef SUTURE_PROCESS_SIDECHECK_H
#define SUTURE_PROCESS_SIDECHECK_H

#include <stdbool.h>
#include <stddef.h>

struct sidecheck;

/* The quick check of thread @i (an index into the caller's threads) in
 * @lane (1 on the side thread, 0 on the caller's): whether it clears it.
 * Called on both threads at once for different @i. */
typedef bool sidecheck_fn(void *arg, size_t i, int lane);

/*
 * sidecheck_start - a side thread for the threads [@first, @n) of the
 * caller's, running @check(@arg, i, 1) on the ones posted.  NULL if a side
 * thread would not pay (fewer than SIDECHECK_MIN threads, one CPU) or
 * cannot be made: the caller then checks every thread itself.  The side
 * thread blocks every signal (the tracer's waits must see its SIGALRM)
 * and inherits suture's real-time scheduling (hurry.h).
 */
struct sidecheck *sidecheck_start(size_t n, size_t first, sidecheck_fn *check,
				  void *arg);

/*
 * sidecheck_post - thread @i is stopped and its registers read
 * (and final: nothing changes them before sidecheck_end): it may be
 * checked.  Threads may be posted in any order, each at most once.
 */
void sidecheck_post(struct sidecheck *c, size_t i);

/*
 * sidecheck_end - check the posted threads the side thread has not taken
 * yet with @check(@arg, i, 0), on the caller's thread, alongside it;
 * wait for its last, end it and free @c.  Then *@order holds the posted indices
 * in the order posted, and @cleared[i] (for each index i, @n of them)
 * whether @check cleared thread i: both malloc'd, the caller's.
 */
void sidecheck_end(struct sidecheck *c, size_t **order, size_t *norder,
		   bool **cleared);

#endif
