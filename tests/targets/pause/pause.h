/*
 * pause.h - the benchmark target: what suture costs a running program.
 *
 * PAUSE_THREADS=N (environment, default 0) threads call pause_step()
 * (step.c, the function step.diff patches).  PAUSE_BUSY of them (default:
 * one per CPU) run a tight loop, each iteration a call and a read of
 * CLOCK_MONOTONIC; the others are tickers, asleep but for one call every
 * 100 ms (more busy threads than CPUs would measure the scheduler, and
 * would nearly always have one thread inside pause_step, where no patch
 * may stop it).  Two gaps are kept:
 *
 *   process gap  the longest time in which no busy thread finished an
 *                iteration: the pause of the whole process;
 *   thread gap   the longest time between two iterations of one busy
 *                thread, or the latest wake-up of a ticker: how long one
 *                thread was held, waiting for a CPU included.
 *
 * PAUSE_ALONE=FILE instead: the main thread runs the loop and the process
 * has no other thread (no server: a single-threaded busy program); its
 * gaps are in FILE, which bench/gaps.c reads and resets.
 *
 * Requests (besides the skeleton's):
 *   gaps     -> "PROCESS_NS THREAD_NS" since the last `gaps`, and resets
 *   cost N   -> "STEP REF EMPTY": ns per iteration of a loop of N calls
 *               of pause_step, of pause_ref (its unpatched twin, same
 *               code) and of an empty loop, best of interleaved rounds
 */
#ifndef PAUSE_H
#define PAUSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The patched function and its twin, which no patch touches. */
unsigned long pause_step(unsigned long x);
unsigned long pause_ref(unsigned long x);

/* The loop threads' gaps (ns), and `gaps`'s reset count. */
struct pause_gaps {
	uint64_t last_ns; /* when some loop thread last iterated */
	uint64_t proc_gap_ns, thread_gap_ns;
	unsigned epoch; /* bumped by `gaps`: threads forget their max */
};

/*
 * pause_gaps - answer `gaps` from @g into @reply.  Reset first: the window
 * starts with the threads' next iteration, and __atomic_exchange keeps a
 * gap from being lost in between.
 */
static inline void pause_gaps(struct pause_gaps *g, char *reply, size_t len)
{
	__atomic_fetch_add(&g->epoch, 1, __ATOMIC_RELAXED);
	snprintf(reply, len, "%lu %lu",
		 (unsigned long)__atomic_exchange_n(&g->proc_gap_ns, 0,
						    __ATOMIC_RELAXED),
		 (unsigned long)__atomic_exchange_n(&g->thread_gap_ns, 0,
						    __ATOMIC_RELAXED));
}

/* Answer `cost N` (cost.c) into @reply. */
int pause_cost(const char *arg, char *reply, size_t len);

#endif
