/* loop.c - the loop threads and their gaps (pause.h). */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pause.h"
#include "server.h"

#define PAUSE_TICK_NS 100000000u /* a ticker's period: 100 ms */

static struct pause_gaps own, *g = &own; /* or the PAUSE_ALONE file's */
static unsigned long ticker_count;

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

/*
 * Note the end of an iteration at @t: the longest interval in which no
 * loop thread ended one is the process gap.  last_ns only moves forward,
 * so a thread preempted between reading the clock and getting here cannot
 * put an old time back and fake a gap.
 */
static void iterated(uint64_t t)
{
	uint64_t last = __atomic_load_n(&g->last_ns, __ATOMIC_RELAXED);

	while (t > last &&
	       !__atomic_compare_exchange_n(&g->last_ns, &last, t, 0,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	if (t > last)
		raise_to(&g->proc_gap_ns, t - last);
}

/* A busy thread: the tight loop. */
static void *loop_thread(void *arg)
{
	unsigned long x = (unsigned long)arg;
	uint64_t prev = now_ns(), mine = 0;
	unsigned seen = 0;

	for (;;) {
		uint64_t t;
		unsigned e = __atomic_load_n(&g->epoch, __ATOMIC_RELAXED);

		x = pause_step(x);
		t = now_ns();
		if (e != seen) { /* `gaps` asked: start a new window */
			seen = e;
			mine = 0;
			prev = t;
		}
		iterated(t);
		if (t - prev > mine)
			raise_to(&g->thread_gap_ns, mine = t - prev);
		prev = t;
	}
	return (void *)x;
}

/*
 * A ticker: wakes every PAUSE_TICK_NS at a time of its own, calls
 * pause_step and notes how late it woke.  A stopped process wakes its
 * tickers late by the rest of the stop.
 */
static void *tick_thread(void *arg)
{
	unsigned long x = (unsigned long)arg;
	uint64_t next = now_ns() + x * (PAUSE_TICK_NS / ticker_count);
	struct timespec ts;

	for (;; next += PAUSE_TICK_NS) {
		ts.tv_sec = (time_t)(next / 1000000000u);
		ts.tv_nsec = (long)(next % 1000000000u);
		while (
		    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
			;
		x = pause_step(x);
		raise_to(&g->thread_gap_ns, now_ns() - next);
	}
	return (void *)x;
}

/* The bytes PAUSE_KERNEL maps at a time: some milliseconds of the kernel's
 * work, running, before the thread can take a stop. */
#define PAUSE_KERNEL_BYTES (64u << 20)

/*
 * A thread that runs mostly in the kernel: each turn maps memory the
 * kernel fills in before it returns (MAP_POPULATE: running, not asleep,
 * and no signal cuts it short), then calls pause_step.
 */
static void *kernel_thread(void *arg)
{
	unsigned long x = (unsigned long)arg;

	for (;;) {
		void *m =
		    mmap(NULL, PAUSE_KERNEL_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (m != MAP_FAILED)
			munmap(m, PAUSE_KERNEL_BYTES);
		x = pause_step(x);
	}
	return (void *)x;
}

/*
 * PAUSE_ALONE=FILE: the process is its main thread in the loop and nothing
 * else, its gaps in FILE (mapped shared) for bench/gaps.c to take.  With
 * PAUSE_KERNEL=1 the loop, here or of the busy threads, is kernel_thread's.
 */
static void run_alone(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);

	if (fd < 0 || ftruncate(fd, sizeof(*g)) ||
	    (g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      0)) == MAP_FAILED)
		_exit(1);
	close(fd);
	__atomic_store_n(&g->last_ns, now_ns(), __ATOMIC_RELAXED);
	(getenv("PAUSE_KERNEL") ? kernel_thread : loop_thread)(NULL);
}

/* PAUSE_THREADS threads, PAUSE_BUSY of them (default: one per CPU) busy. */
int service_init(void)
{
	const char *v = getenv("PAUSE_THREADS"), *b = getenv("PAUSE_BUSY");
	long n = v ? atol(v) : 0;
	long busy = b ? atol(b) : sysconf(_SC_NPROCESSORS_ONLN);
	void *(*busy_fn)(void *) =
	    getenv("PAUSE_KERNEL") ? kernel_thread : loop_thread;

	if (getenv("PAUSE_ALONE"))
		run_alone(getenv("PAUSE_ALONE"));
	busy = busy < n ? busy : n;
	ticker_count = (unsigned long)(n - busy);
	__atomic_store_n(&g->last_ns, now_ns(), __ATOMIC_RELAXED);
	if (busy > 0 && server_start_workers((int)busy, busy_fn))
		return -1;
	return ticker_count
		   ? server_start_workers((int)ticker_count, tick_thread)
		   : 0;
}

int service_handle(const char *req, char *reply, size_t len)
{
	if (!strcmp(req, "gaps")) {
		pause_gaps(g, reply, len);
		return 0;
	}
	if (!strncmp(req, "cost ", 5))
		return pause_cost(req + 5, reply, len);
	return -1;
}
