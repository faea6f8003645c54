/*
 * busy.c - NWORKERS threads call work() and tally() in a loop and check
 * what they return.  work() sleeps inside (through hold()), so once it is
 * patched the workers are mostly stopped below patch code, with stale
 * return addresses into tally() in their live frames: a conservative
 * stack scan sees those, an unwinder that knows the patch's call frames
 * does not.
 *
 *   stats   -> w1=<work() results of version 1> w2=<of version 2>
 *              t1=<tally() results of version 1> t2=<of version 2>
 *              errors=<results of no version> notes=<note() calls>
 *              lastw=<work() version each worker saw last, e.g. 22222222>
 *              lastt=<the same for tally()>
 *   hold 0|1 -> holding=0|1: sleep outside work() (so that work() is
 *              free to be patched) or inside it
 *   fd NAME  -> fd=100: descriptor 100 is now a new memfd NAME, in place
 *              of whatever it was (t-revstop: one of suture's names
 *              replaced by the program's own while a revert waits)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "busy.h"
#include "server.h"

static unsigned long wcount[3], tcount[3]; /* [0] errors */
static unsigned long notes;
int holding;
static int last_w[NWORKERS], last_t[NWORKERS];

void note(long v)
{
	__atomic_fetch_add(&notes, (unsigned long)(v > 0), __ATOMIC_RELAXED);
}

/* The version @x is of, or 0. */
static int version(long x)
{
	return x == 1 || x == 2 ? (int)x : 0;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	struct timespec pause = {0, 1000 * 1000};

	for (long seed = id * 1000000L;; seed++) {
		int w = version(work(seed) - seed * 16);
		int t = version(tally(w) - w * 10);

		__atomic_fetch_add(&wcount[w], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&tcount[t], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&last_w[id], w, __ATOMIC_RELAXED);
		__atomic_store_n(&last_t[id], t, __ATOMIC_RELAXED);
		if (!__atomic_load_n(&holding, __ATOMIC_RELAXED))
			nanosleep(&pause, NULL);
	}
	return NULL;
}

int service_init(void)
{
	return server_start_workers(NWORKERS, worker) ?: alt_start();
}

int service_handle(const char *req, char *reply, size_t len)
{
	char lw[NWORKERS + 1], lt[NWORKERS + 1];

	if (!strcmp(req, "hold 0") || !strcmp(req, "hold 1")) {
		__atomic_store_n(&holding, req[5] - '0', __ATOMIC_RELAXED);
		snprintf(reply, len, "holding=%c", req[5]);
		return 0;
	}
	if (!strcmp(req, "alt 0") || !strcmp(req, "alt 1")) {
		__atomic_store_n(&alt_go, req[4] - '0', __ATOMIC_RELAXED);
		snprintf(reply, len, "alt=%c", req[4]);
		return 0;
	}
	if (!strncmp(req, "fd ", 3)) {
		int fd = memfd_create(req + 3, 0);

		if (fd < 0 || dup2(fd, 100) < 0)
			return -1;
		close(fd);
		snprintf(reply, len, "fd=100");
		return 0;
	}
	if (strcmp(req, "stats") != 0)
		return -1;
	server_digits(last_w, NWORKERS, lw);
	server_digits(last_t, NWORKERS, lt);
	snprintf(reply, len,
		 "w1=%lu w2=%lu t1=%lu t2=%lu errors=%lu notes=%lu "
		 "lastw=%s lastt=%s alt=%d",
		 __atomic_load_n(&wcount[1], __ATOMIC_RELAXED),
		 __atomic_load_n(&wcount[2], __ATOMIC_RELAXED),
		 __atomic_load_n(&tcount[1], __ATOMIC_RELAXED),
		 __atomic_load_n(&tcount[2], __ATOMIC_RELAXED),
		 __atomic_load_n(&wcount[0], __ATOMIC_RELAXED) +
		     __atomic_load_n(&tcount[0], __ATOMIC_RELAXED),
		 __atomic_load_n(&notes, __ATOMIC_RELAXED), lw, lt,
		 __atomic_load_n(&alt_parked, __ATOMIC_RELAXED));
	return 0;
}
