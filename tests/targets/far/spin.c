/*
 * spin.c - a thread that calls spin_step() for ever (request "spin"
 * starts it).  spin-far.diff makes spin_step() read libfar.so's data
 * first, through thunks when the program was built by gcc; spin-b.diff,
 * built on it, counts in spin_b instead of spin_a, and its post-apply
 * hook notes spin_a in spin_mark while every thread is still stopped.
 * Once a patch of spin_step() is live, no thread may run the earlier
 * version, so spin_a must stay at spin_mark: a thread stopped inside the
 * earlier version's thunk would count once more.
 */
#include "spin.h"

volatile unsigned long spin_a, spin_b, spin_mark;
volatile int spin_seen;

__attribute__((noinline)) void spin_step(void)
{
	spin_a++;
}

/* Most of the time outside spin_step(), for a patch of it to find the
 * thread out of it soon. */
void *spin(void *arg)
{
	for (;;) {
		for (volatile int i = 0; i < 3; i++)
			;
		spin_step();
	}
	return arg;
}
