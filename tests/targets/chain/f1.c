/* f1.c - link 1 of the chain (chain.h). */
#include "chain.h"

#define VER 1

long f1(long seed)
{
	long below = f2(seed + 1);

	/* seed keeps the compiler from folding the chain into a constant */
	return below * 10 + VER + (seed & 0);
}
