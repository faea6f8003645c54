/*
 * cold.c - gcc -O2 moves the path that calls a cold function into a part
 * of its own, cold_fn.cold, which jumps back into cold_fn.  cold.diff
 * changes only what the cold path returns.
 */
#include <stdio.h>

#include "corner.h"

__attribute__((cold, noinline)) static void cold_note(long x)
{
	fprintf(stderr, "cold_fn: negative %ld\n", x);
}

long cold_fn(long x)
{
	if (x < 0) {
		cold_note(x);
		return -x * 3;
	}
	return x * 2;
}
