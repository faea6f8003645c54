/*
 * call.c - the one place step() is called from: the workers' loop and
 * step()'s own recursion return to the same address, with the recursion's
 * returns on deeper stacks.
 */
#include "finish.h"

long call_step(long x, int depth, int id)
{
	long r = step(x, depth, id);

	/* not a tail call: the return address stays in call_step() */
	__asm__ volatile("" ::: "memory");
	return r;
}
