/*
 * foo.c - libfoo.so, the shared library the shlib tests patch.
 * foo_compute() has a bug (it squares), fixed by foo.diff; its call counter
 * is a library static that must keep counting across apply and revert.
 */
#include "foo.h"

static unsigned long calls;

long foo_compute(long n)
{
	long r = n;

	calls++;
	for (int i = 1; i < 2; i++)
		r *= n;
	return r;
}

unsigned long foo_calls(void)
{
	return calls;
}

const char *foo_version(void)
{
	return "foo 1.0";
}
