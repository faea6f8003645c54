/*
 * beta.c - the other program of the fleet target, with code of its own:
 *   sum S T   -> fleet_parse(S) + fleet_parse(T), from libfleet.so
 *   version   -> fleet_version()
 *   who       -> beta
 */
#include <stdio.h>
#include <string.h>

#include "fleet.h"
#include "server.h"

int service_handle(const char *req, char *reply, size_t len)
{
	const char *sp;

	if (!strncmp(req, "sum ", 4) && (sp = strchr(req + 4, ' ')))
		snprintf(reply, len, "%ld",
			 fleet_parse(req + 4) + fleet_parse(sp + 1));
	else if (!strcmp(req, "version"))
		snprintf(reply, len, "%s", fleet_version());
	else if (!strcmp(req, "who"))
		snprintf(reply, len, "beta");
	else
		return -1;
	return 0;
}
