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
 * Requests (besides the skeleton's):
 *   gaps     -> "PROCESS_NS THREAD_NS" since the last `gaps`, and resets
 *   cost N   -> "STEP REF EMPTY": ns per iteration of a loop of N calls
 *               of pause_step, of pause_ref (its unpatched twin, same
 *               code) and of an empty loop, best of interleaved rounds
 */
#ifndef PAUSE_H
#define PAUSE_H

#include <stddef.h>

/* The patched function and its twin, which no patch touches. */
unsigned long pause_step(unsigned long x);
unsigned long pause_ref(unsigned long x);

/* Answer `gaps` (loop.c) and `cost N` (cost.c) into @reply. */
void pause_gaps(char *reply, size_t len);
int pause_cost(const char *arg, char *reply, size_t len);

#endif
