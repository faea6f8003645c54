/*
 * hold.c - what work() calls: a short sleep in a frame that is mostly left
 * as earlier calls left it (stale return addresses included).
 */
#include <signal.h>
#include <time.h>

#include "busy.h"

void hold(void)
{
	volatile long pad[32] __attribute__((unused));
	struct timespec t = {0, 1000 * 1000};

	pad[0] = 0;
	if (alt_self && __atomic_load_n(&alt_go, __ATOMIC_RELAXED))
		raise(SIGUSR2); /* park below work() (alt.c) */
	if (__atomic_load_n(&holding, __ATOMIC_RELAXED))
		nanosleep(&t, NULL);
}
