/*
 * answer.c - the only code answer.diff changes: the version it returns
 * tells which code a thread or a child process runs.
 */
#include "odd.h"

static volatile long answer_calls;

long answer(long x)
{
	long ver = 1;

	answer_calls++;
	return x * 10 + ver;
}
