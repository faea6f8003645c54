/*
 * packed.c - built with -Os -falign-functions=1: n3 is followed at once by
 * n3_next, with no byte between them.  packed.diff changes n3.
 */
#include "tiny.h"

__attribute__((noinline)) int n3(int x)
{
	return x;
}

__attribute__((noinline)) int n3_next(int x)
{
	return x * 3 + 7;
}
