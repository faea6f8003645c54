/* tiny.c - a function shorter than a trampoline at -O2 (xor, ret). */
#include "corner.h"

int tiny(void)
{
	return 0;
}
