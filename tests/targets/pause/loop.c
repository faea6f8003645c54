/* loop.c - the loop threads and their gaps (pause.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pause.h"
#include "server.h"

static uint64_t last_ns;     /* when some loop thread last iterated */
static uint64_t proc_gap_ns; /* longest interval without any iteration */
static uint64_t thread_gap_ns;
static unsigned epoch; /* bumped by `gaps`: threads forget their max */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* *max = the larger of *max and @v (atomic; rarely contended). */
static void raise_to(uint64_t *max, uint64_t v)
{
	uint64_t cur = __atomic_load_n(max, __ATOMIC_RELAXED);

	while (v > cur &&
	       !__atomic_compare_exchange_n(max, &cur, v, 0, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

static void *loop_thread(void *arg)
{
	unsigned long x = (unsigned long)arg;
	uint64_t prev = now_ns(), mine = 0;
	unsigned seen = 0;

	for (;;) {
		uint64_t t, last;
		unsigned e = __atomic_load_n(&epoch, __ATOMIC_RELAXED);

		x = pause_step(x);
		t = now_ns();
		if (e != seen) { /* `gaps` asked: start a new window */
			seen = e;
			mine = 0;
			prev = t;
		}
		last = __atomic_exchange_n(&last_ns, t, __ATOMIC_RELAXED);
		if (t > last + __atomic_load_n(&proc_gap_ns, __ATOMIC_RELAXED))
			raise_to(&proc_gap_ns, t - last);
		if (t - prev > mine)
			raise_to(&thread_gap_ns, mine = t - prev);
		prev = t;
	}
	return (void *)x;
}

void pause_gaps(char *reply, size_t len)
{
	/* Reset first: the window starts with the threads' next iteration,
	 * and __atomic_exchange keeps a gap from being lost in between. */
	__atomic_fetch_add(&epoch, 1, __ATOMIC_RELAXED);
	snprintf(reply, len, "%lu %lu",
		 (unsigned long)__atomic_exchange_n(&proc_gap_ns, 0,
						    __ATOMIC_RELAXED),
		 (unsigned long)__atomic_exchange_n(&thread_gap_ns, 0,
						    __ATOMIC_RELAXED));
}

int service_init(void)
{
	const char *v = getenv("PAUSE_THREADS");
	int n = v ? atoi(v) : 0;

	__atomic_store_n(&last_ns, now_ns(), __ATOMIC_RELAXED);
	return n > 0 ? server_start_workers(n, loop_thread) : 0;
}

int service_handle(const char *req, char *reply, size_t len)
{
	if (!strcmp(req, "gaps")) {
		pause_gaps(reply, len);
		return 0;
	}
	if (!strncmp(req, "cost ", 5))
		return pause_cost(req + 5, reply, len);
	return -1;
}
