/*
 * main.c - a worker calls the tiny functions without pause and keeps what
 * they did last; a result that is neither the old nor the new one counts
 * as bad.
 *
 *   state -> "t1=A t2=B t3=C t4=D n3=E last=F bad=G": what t1() and t2()
 *            added to tiny_count (old 0 and 1, patched 1 and 2), t3(41)
 *            (41, 42), t4(41) (42, 43), n3(41) and tlast(41) (41)
 */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "tiny.h"

static volatile int seen[6], bad;

static void note(int k, int v, int old, int new)
{
	seen[k] = v;
	if (v != old && v != new)
		bad++;
}

static void *worker(void *arg)
{
	for (;;) {
		int c = tiny_count;

		t1();
		note(0, tiny_count - c, 0, 1);
		c = tiny_count;
		t2();
		note(1, tiny_count - c, 1, 2);
		note(2, t3(41), 41, 42);
		note(3, t4(41), 42, 43);
		note(4, n3(41), 41, 42);
		note(5, tlast(41), 41, 42);
	}
	return arg;
}

int service_init(void)
{
	return server_start_workers(1, worker);
}

int service_handle(const char *req, char *reply, size_t len)
{
	if (strcmp(req, "state"))
		return -1;
	snprintf(reply, len, "t1=%d t2=%d t3=%d t4=%d n3=%d last=%d bad=%d",
		 seen[0], seen[1], seen[2], seen[3], seen[4], seen[5], bad);
	return 0;
}
