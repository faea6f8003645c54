/*
 * tally.c - the second function the tests patch (tally.diff), applied and
 * reverted while work() stays patched.  Its frame is deeper than the one
 * work() makes, so the return address of its call to note() stays on the
 * stack, below work(), as a stale word inside hold()'s frame.
 */
#include "busy.h"

long tally(long v)
{
	volatile long scratch[8];
	long ver = 1;

	scratch[0] = v;
	note(v);
	return scratch[0] * 10 + ver;
}
