/* f2.c - link 2 of the chain (chain.h). */
#include "chain.h"

#define VER 1

long f2(long seed)
{
	long below = f3(seed + 2);

	/* seed keeps the compiler from folding the chain into a constant */
	return below * 10 + VER + (seed & 0);
}
