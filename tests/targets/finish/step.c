/*
 * step.c - the function the tests patch (step.diff): nearly all its time
 * is spent waiting inside it (pause_in), and its caller calls it again at
 * once, so a thread is outside it only for a few instructions per call.
 */
#include "finish.h"

long step(long x, int depth, int id)
{
	long ver = 1;
	long r = x * 16 + ver;

	if (depth > 0)
		return call_step(x, depth - 1, id) == r ? r : -1;
	pause_in(id);
	return r;
}
