/*
 * tiny.c - four functions of 1 to 4 bytes, each followed by the padding
 * the compiler aligns the next function with (ROOM asks for it at -Os
 * too, which aligns nothing by itself).  room.diff changes all four.
 */
#include "tiny.h"

#define ROOM __attribute__((noinline, aligned(16)))

volatile int tiny_count;

static ROOM void add1(void)
{
	tiny_count += 1;
}

static ROOM void add2(void)
{
	tiny_count += 2;
}

ROOM void t1(void)
{
}

ROOM void t2(void)
{
	add1();
}

ROOM int t3(int x)
{
	return x;
}

ROOM int t4(int x)
{
	return x + 1;
}

/* keeps add2 in the program for the patched t2 */
ROOM void t2_alt(void)
{
	add2();
}
