/*
 * lines.h - a header with an assert() in a static inline function, whose
 * __LINE__ moves when hshift.diff inserts a line above it.
 */
#ifndef LINES_H
#define LINES_H

#include <assert.h>

#include "server.h"

static inline int half(int n)
{
	assert(n >= 0);
	return n / 2;
}

#endif
