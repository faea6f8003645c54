/*
 * alpha.c - one of the two programs of the fleet target:
 *   parse S   -> fleet_parse(S), from libfleet.so
 *   version   -> fleet_version()
 *   who       -> alpha
 */
#include <stdio.h>
#include <string.h>

#include "fleet.h"
#include "server.h"

int service_handle(const char *req, char *reply, size_t len)
{
	if (!strncmp(req, "parse ", 6))
		snprintf(reply, len, "%ld", fleet_parse(req + 6));
	else if (!strcmp(req, "version"))
		snprintf(reply, len, "%s", fleet_version());
	else if (!strcmp(req, "who"))
		snprintf(reply, len, "alpha");
	else
		return -1;
	return 0;
}
