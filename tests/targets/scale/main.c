/*
 * main.c - the scale target: SCALE_N generated functions (gen.pl), each
 * returning (hash << 1) | version.  The patch the test generates changes
 * the version bit of every one of them.
 *
 *   sum X -> n=<functions> v0=<how many give version 0> v1=<version 1>
 *            hash=<a checksum of every function's hash of X + i>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"
#include "server.h"

int service_handle(const char *req, char *reply, size_t len)
{
	unsigned long x, hash = 0, v[2] = { 0, 0 };

	if (strncmp(req, "sum ", 4) != 0)
		return -1;
	x = strtoul(req + 4, NULL, 10);
	for (unsigned long i = 0; i < SCALE_N; i++) {
		unsigned long r = scale_table[i](x + i);

		v[r & 1]++;
		hash = (hash ^ (r >> 1)) * 0x100000001b3UL;
	}
	snprintf(reply, len, "n=%d v0=%lu v1=%lu hash=%lx", SCALE_N, v[0], v[1],
		 hash);
	return 0;
}
