/*
 * workers.c - NWORKERS threads call the chain (chain.h) without pause and
 * check every result: one of the versions of chain.h.  Anything else is a
 * mixed call chain.  Each worker also counts its calls, so calls lost or
 * doubled by the patching show as a difference with f4's own count.
 *
 *   stats -> calls=<made by workers> mixed=<bad results>
 *            lost=<1 if f4's count disagrees> last=<each worker's last
 *            version digit, e.g. 1122>
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "server.h"

#define NWORKERS 4

static unsigned long calls, mixed;
static int last_ver[NWORKERS];

/* The version of a result, or 0 for a mixed one. */
static int version_of(long v)
{
	switch (v) {
	case 1111:
		return 1;
	case 2222:
		return 2;
	case 1333:
		return 3;
	default:
		return 0;
	}
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	for (long seed = 0;; seed++) {
		long v;
		int ver;

		v = f1(seed);
		__atomic_fetch_add(&calls, 1, __ATOMIC_SEQ_CST);
		if (!(ver = version_of(v)))
			__atomic_fetch_add(&mixed, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&last_ver[id], ver, __ATOMIC_RELAXED);
	}
	return NULL;
}

int service_init(void)
{
	return server_start_workers(NWORKERS, worker);
}

/*
 * Whether a call was lost or doubled: f4's count must lie between the
 * workers' count before it was read and after (plus the calls in flight,
 * at most one per worker).  Reading calls on both sides makes the check
 * free of races with the busy workers.
 */
static unsigned long lost(void)
{
	unsigned long c1 = __atomic_load_n(&calls, __ATOMIC_SEQ_CST);
	unsigned long f = __atomic_load_n(&f4_calls, __ATOMIC_SEQ_CST);
	unsigned long c2 = __atomic_load_n(&calls, __ATOMIC_SEQ_CST);

	return f >= c1 && f <= c2 + NWORKERS ? 0 : 1;
}

int service_handle(const char *req, char *reply, size_t len)
{
	char last[NWORKERS + 1];

	if (strcmp(req, "stats") != 0)
		return -1;
	server_digits(last_ver, NWORKERS, last);
	snprintf(reply, len, "calls=%lu mixed=%lu lost=%lu last=%s",
		 __atomic_load_n(&calls, __ATOMIC_RELAXED),
		 __atomic_load_n(&mixed, __ATOMIC_RELAXED), lost(), last);
	return 0;
}
