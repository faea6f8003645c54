/*
 * app.c - the far target's service:
 *   probe ARG  -> probe(ARG): "old ARG", or the patched checks
 *   counter    -> far_get_counter(), libfar.so's counter
 *   version    -> far_version()
 *   spin       -> "A B M": spin_a, spin_b and spin_mark; the first one
 *                 starts the spinning thread (spin.c)
 * probe() is built into the program (app) or into libprobe.so (appso).
 */
#include <stdio.h>
#include <string.h>

#include "far.h"
#include "probe.h"
#include "server.h"
#include "spin.h"

static int spinning;

/* "spin": the counts, the first time after starting the thread. */
static void spin_reply(char *reply, size_t len)
{
	if (!spinning && !server_start_workers(1, spin))
		spinning = 1;
	snprintf(reply, len, "%lu %lu %lu", spin_a, spin_b, spin_mark);
}

int service_handle(const char *req, char *reply, size_t len)
{
	char buf[SERVER_LINE_MAX];

	if (!strncmp(req, "probe ", 6))
		snprintf(reply, len, "%s", probe(req + 6, buf, sizeof(buf)));
	else if (!strcmp(req, "counter"))
		snprintf(reply, len, "%d", far_get_counter());
	else if (!strcmp(req, "version"))
		snprintf(reply, len, "%s", far_version());
	else if (!strcmp(req, "spin"))
		spin_reply(reply, len);
	else
		return -1;
	return 0;
}
