/* f4.c - the last link of the chain (chain.h); counts its calls. */
#include "chain.h"

#define VER 1

unsigned long f4_calls;

long f4(long seed)
{
	__atomic_fetch_add(&f4_calls, 1, __ATOMIC_RELAXED);
	return VER + (seed & 0);
}
