/*
 * work.c - the first function the tests patch (work.diff).  It calls
 * hold(), which sleeps, so a worker is mostly stopped with work()'s frame
 * on its stack: once work() is patched, the workers are mostly below
 * patch code.
 */
#include "busy.h"

long work(long seed)
{
	long ver = 1;
	long v = seed * 16;

	hold();
	return v + ver;
}
