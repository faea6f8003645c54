/*
 * app.c - the program side of the shlib target:
 *   foo N     -> foo_compute(N) from libfoo.so
 *   calls     -> foo_calls(), the library's counter
 *   version   -> foo_version()
 *   twice N   -> twice(N), a function of the program itself (app.diff)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "foo.h"
#include "server.h"

/* Double @n.  Bug (app.diff): adds one. */
long twice(long n)
{
	long r = n * 2;

	if (n > 0)
		r = r + 1;
	return r;
}

int service_handle(const char *req, char *reply, size_t len)
{
	if (!strncmp(req, "foo ", 4))
		snprintf(reply, len, "%ld", foo_compute(atol(req + 4)));
	else if (!strncmp(req, "twice ", 6))
		snprintf(reply, len, "%ld", twice(atol(req + 6)));
	else if (!strcmp(req, "calls"))
		snprintf(reply, len, "%lu", foo_calls());
	else if (!strcmp(req, "version"))
		snprintf(reply, len, "%s", foo_version());
	else
		return -1;
	return 0;
}
