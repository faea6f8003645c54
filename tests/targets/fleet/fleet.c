/*
 * fleet.c - libfleet.so, the library t-fleet patches in every program
 * that maps it.  fleet_parse() has a bug: it reads decimal only.  The fix
 * (fix.diff) calls strtoul, which the library did not import before, so
 * `suture drift` must name a call through the patch's own stub.
 */
#include <stdlib.h>

#include "fleet.h"

long fleet_parse(const char *s)
{
	return atol(s);
}

const char *fleet_version(void)
{
	return "fleet 1";
}
