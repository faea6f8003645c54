/*
 * last.c - linked last, built with -Os -falign-functions=1: tlast is the last
 * code of .text.  last.diff changes it.
 */
#include "tiny.h"

__attribute__((noinline)) int tlast(int x)
{
	return x;
}
