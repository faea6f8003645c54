/*
 * app.c - the far target's service:
 *   probe ARG  -> probe(ARG): "old ARG", or the patched checks
 *   counter    -> far_get_counter(), libfar.so's counter
 *   version    -> far_version()
 * probe() is built into the program (app) or into libprobe.so (appso).
 */
#include <stdio.h>
#include <string.h>

#include "far.h"
#include "probe.h"
#include "server.h"

int service_handle(const char *req, char *reply, size_t len)
{
	char buf[SERVER_LINE_MAX];

	if (!strncmp(req, "probe ", 6))
		snprintf(reply, len, "%s", probe(req + 6, buf, sizeof(buf)));
	else if (!strcmp(req, "counter"))
		snprintf(reply, len, "%d", far_get_counter());
	else if (!strcmp(req, "version"))
		snprintf(reply, len, "%s", far_version());
	else
		return -1;
	return 0;
}
