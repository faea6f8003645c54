/*
 * version.c - the only code version.diff changes.  A worker calls it
 * without pause and counts how often the version it sees changes.
 */
#include "observe.h"

static volatile long obs_calls;

long obs_version(long x)
{
	long ver = 1;

	obs_calls++;
	return x * 1000 + ver;
}
