/*
 * statics.c - call counters, each a function-local static called n.  GCC
 * names them n.N, numbered from the last function up, so statics.diff
 * (a counter for tick_a, the last one) renames those of tick_b and tick_c.
 */
#include "corner.h"

long tick_b(void)
{
	static long n;

	return ++n;
}

long tick_c(void)
{
	static long n;

	return ++n + 1000;
}

long tick_a(void)
{
	return -1;
}
