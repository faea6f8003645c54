/*
 * tick.c - the function t-stopped patches (tick.diff, tick3.diff): its
 * version, after a short sleep inside it if @inside.
 */
#include <time.h>

long tick(int inside)
{
	long ver = 1;
	struct timespec t = {0, 2000000};

	if (inside)
		nanosleep(&t, NULL);
	return ver;
}
