/*
 * main.c - the coro service (server.h).  Requests:
 *   start       -> ok: a coroutine is made (coro.c)
 *   enter       -> ok: a coroutine that yields inside first_call
 *   resume      -> its note after running to its next yield, "done: NOTE"
 *                  when it finished
 *   cb set      -> ok: a heap object keeps make_cb()'s pointer
 *   cb call     -> what the kept callback returns
 *   str set     -> ok: a heap object keeps greeting()'s pointer
 *   str get     -> the kept string
 *   drop        -> ok: both heap objects wiped and freed
 *   heap N      -> ok: N MiB more heap, written (bench/retain.sh: what
 *                  the scan for references costs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "server.h"

struct keep {
	cb_fn *cb;
	const char *str;
};

static struct keep *kept;

static struct keep *keep(void)
{
	if (!kept)
		kept = calloc(1, sizeof(*kept));
	return kept;
}

/* @mib MiB of heap, every page written with numbers that are no
 * pointers, kept for the life of the process. */
static int grow(long mib, char *reply, size_t len)
{
	size_t n = (size_t)mib << 17; /* 8-byte words */
	unsigned long *p = malloc(n * sizeof(*p));

	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		p[i] = i * 2654435761u;
	snprintf(reply, len, "ok");
	return 0;
}

static int resume(char *reply, size_t len)
{
	char note[64];
	int r = co_resume(note, sizeof(note));

	if (r < 0)
		return -1;
	snprintf(reply, len, "%s%s", r ? "done: " : "", note);
	return 0;
}

int service_handle(const char *req, char *reply, size_t len)
{
	if (!strcmp(req, "start"))
		snprintf(reply, len, "%s", co_start(0) ? "busy" : "ok");
	else if (!strcmp(req, "enter"))
		snprintf(reply, len, "%s", co_start(1) ? "busy" : "ok");
	else if (!strcmp(req, "resume"))
		return resume(reply, len);
	else if (!strcmp(req, "cb set"))
		keep()->cb = make_cb(), snprintf(reply, len, "ok");
	else if (!strcmp(req, "cb call"))
		snprintf(reply, len, "%s", kept && kept->cb ? kept->cb() : "-");
	else if (!strcmp(req, "str set"))
		keep()->str = greeting(), snprintf(reply, len, "ok");
	else if (!strcmp(req, "str get"))
		snprintf(reply, len, "%s", kept && kept->str ? kept->str : "-");
	else if (!strncmp(req, "heap ", 5))
		return grow(atol(req + 5), reply, len);
	else if (!strcmp(req, "drop")) {
		if (kept)
			explicit_bzero(kept, sizeof(*kept));
		free(kept);
		kept = NULL;
		snprintf(reply, len, "ok");
	} else
		return -1;
	return 0;
}
