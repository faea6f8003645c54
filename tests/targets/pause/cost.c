/*
 * cost.c - what one call of the patched function costs (pause.h).
 *
 * The three loops run interleaved, several rounds each, and the best
 * round of each counts: a round that a preemption or another process
 * slowed down says nothing about the call.  Each iteration depends on
 * the one before (x = f(x)), so the loops cannot be vectorised or
 * overlapped beyond what the CPU does with any call chain.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pause.h"

#define COST_ROUNDS 15

static uint64_t cost_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ns per iteration of a loop running @body @n times. */
#define COST_LOOP(n, body)                                                     \
	({                                                                     \
		uint64_t t0 = cost_now_ns();                                   \
		unsigned long x = 1;                                           \
		for (long i = 0; i < (n); i++)                                 \
			body;                                                  \
		__asm__ volatile("" ::"r"(x));                                 \
		(double)(cost_now_ns() - t0) / (n);                            \
	})

int pause_cost(const char *arg, char *reply, size_t len)
{
	long n = atol(arg);
	double best[3] = {1e9, 1e9, 1e9};

	if (n <= 0)
		return -1;
	for (int r = 0; r < COST_ROUNDS; r++) {
		/* direct calls, as in real code: not through a pointer */
		double s = COST_LOOP(n, x = pause_step(x));
		double f = COST_LOOP(n, x = pause_ref(x));
		double e = COST_LOOP(n, __asm__ volatile("" : "+r"(x)));

		best[0] = s < best[0] ? s : best[0];
		best[1] = f < best[1] ? f : best[1];
		best[2] = e < best[2] ? e : best[2];
	}
	snprintf(reply, len, "%.3f %.3f %.3f", best[0], best[1], best[2]);
	return 0;
}
