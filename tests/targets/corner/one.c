/* one.c - libone.so, a shared library with exactly one function. */
#include "corner.h"

long one_value(long x)
{
	return x + 1;
}
