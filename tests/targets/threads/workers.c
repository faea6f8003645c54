/*
 * workers.c - NWORKERS threads call fill() (fill.c) in a loop and check
 * each record it returns against the formulas in workers.h.  A record
 * that matches no version (a torn mix of old and new code, or garbage)
 * counts as an error.
 *
 *   stats   -> v1=<records of version 1> v2=<of version 2> errors=<bad>
 *              last=<the version each worker saw last, e.g. 1122>
 *
 * Once every worker's last version is 2, no worker can still count a
 * version-1 record, so `v1` must stop moving; that is how the tests tell
 * that every thread runs the new code without timing anything.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"
#include "workers.h"

static unsigned long count[3];	/* [0] errors, [1] v1, [2] v2 */
static int last_ver[NWORKERS];

/* The version @r is consistent with, or 0. */
static long rec_version(const struct rec *r, long seed)
{
	long v = r->ver;

	if (v != 1 && v != 2)
		return 0;
	if (r->seed != seed || r->a != seed * v + 7 * v ||
	    r->b != (seed ^ (0x5a5a * v)) || r->check != r->a + r->b + v)
		return 0;
	return v;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	struct timespec pause = { 0, 100 * 1000 };
	struct rec r;

	for (long seed = id * 1000000L;; seed++) {
		long v;

		memset(&r, 0xee, sizeof(r));
		fill(&r, seed);
		v = rec_version(&r, seed);
		__atomic_fetch_add(&count[v], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&last_ver[id], (int)v, __ATOMIC_RELAXED);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int service_init(void)
{
	return server_start_workers(NWORKERS, worker);
}

int service_handle(const char *req, char *reply, size_t len)
{
	char last[NWORKERS + 1];

	if (strcmp(req, "stats") != 0)
		return -1;
	server_digits(last_ver, NWORKERS, last);
	snprintf(reply, len, "v1=%lu v2=%lu errors=%lu last=%s",
		 __atomic_load_n(&count[1], __ATOMIC_RELAXED),
		 __atomic_load_n(&count[2], __ATOMIC_RELAXED),
		 __atomic_load_n(&count[0], __ATOMIC_RELAXED), last);
	return 0;
}
