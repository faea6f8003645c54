/*
 * corner.c - the requests of the corner target:
 *   lit 1|2|3   -> lit_first() ... lit_third(), "-" for NULL
 *   tiny        -> tiny()
 *   cold X      -> cold_fn(X)
 *   tick a|b|c  -> tick_a() ... tick_c()
 *   beats       -> loop_beats()
 *   one X       -> one_value(X), from libone.so
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corner.h"
#include "server.h"

static const char *lit(int n)
{
	const char *s = n == 1 ? lit_first() : n == 2 ? lit_second()
				     : lit_third();

	return s ? s : "-";
}

int service_handle(const char *req, char *reply, size_t len)
{
	if (!strncmp(req, "lit ", 4))
		snprintf(reply, len, "%s", lit(atoi(req + 4)));
	else if (!strcmp(req, "tiny"))
		snprintf(reply, len, "%d", tiny());
	else if (!strncmp(req, "cold ", 5))
		snprintf(reply, len, "%ld", cold_fn(atol(req + 5)));
	else if (!strcmp(req, "tick a"))
		snprintf(reply, len, "%ld", tick_a());
	else if (!strcmp(req, "tick b"))
		snprintf(reply, len, "%ld", tick_b());
	else if (!strcmp(req, "tick c"))
		snprintf(reply, len, "%ld", tick_c());
	else if (!strcmp(req, "beats"))
		snprintf(reply, len, "%ld", loop_beats());
	else if (!strncmp(req, "one ", 4))
		snprintf(reply, len, "%ld", one_value(atol(req + 4)));
	else
		return -1;
	return 0;
}
