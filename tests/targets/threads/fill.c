/*
 * fill.c - the function the tests patch (version.diff).  It lives in its
 * own file so that the compiler cannot inline it into the worker loop,
 * which never returns and so could never be replaced.
 */
#include "workers.h"

/* The function the tests patch: fill @r for @seed, version 1. */
void fill(struct rec *r, long seed)
{
	long ver = 1;

	r->seed = seed;
	r->ver = ver;
	r->a = seed * ver + 7 * ver;
	r->b = seed ^ (0x5a5a * ver);
	r->check = r->a + r->b + r->ver;
}
