/*
 * probe.c - the function far.diff changes.  The original refers to
 * nothing outside its own module; the patched one reads and writes data
 * of libc and libfar.so, takes far functions' addresses and calls libc
 * functions that are IFUNCs the process never imported, and checks each
 * against what the libraries themselves see.
 */
#include <stdio.h>

#include "probe.h"

const char *probe(const char *arg, char *buf, size_t len)
{
	snprintf(buf, len, "old %s", arg);
	return buf;
}
