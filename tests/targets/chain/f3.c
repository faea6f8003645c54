/* f3.c - link 3 of the chain (chain.h). */
#include "chain.h"

#define VER 1

long f3(long seed)
{
	long below = f4(seed + 3);

	/* seed keeps the compiler from folding the chain into a constant */
	return below * 10 + VER + (seed & 0);
}
