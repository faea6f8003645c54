/*
 * loop.c - a heartbeat thread that never leaves its loop, as a daemon's
 * worker: beat() never returns.  beat.diff changes the loop.
 */
#include <unistd.h>

#include "corner.h"
#include "server.h"

static long beats;

static void *beat(void *arg)
{
	(void)arg;
	for (;;) {
		__atomic_fetch_add(&beats, 1, __ATOMIC_RELAXED);
		usleep(10000);
	}
}

long loop_beats(void)
{
	return __atomic_load_n(&beats, __ATOMIC_RELAXED);
}

int service_init(void)
{
	return server_start_workers(1, beat);
}
