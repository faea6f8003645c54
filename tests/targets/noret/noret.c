/*
 * noret.c - one worker thread calls settle(), which records its argument
 * and then calls park(), which never returns: the call is settle's last
 * instruction, so the return address in the worker's frame for settle is
 * the first byte after settle.  That frame is in settle all the same.
 *
 *   settled   -> the value settle() recorded
 *   next N    -> next_one(N)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

static volatile int settled;

/* Waits for good (pause() returns only after a signal handler ran). */
__attribute__((noreturn, noinline)) static void park(void)
{
	for (;;)
		pause();
}

__attribute__((noinline)) void settle(int n)
{
	settled = n;
	park();
}

static volatile int step = 1; /* (a load makes next_one long enough) */

__attribute__((noinline)) int next_one(int x)
{
	return x + step;
}

static void *worker(void *arg)
{
	settle(7 + (int)(long)arg);
	return NULL;
}

int service_init(void)
{
	return server_start_workers(1, worker);
}

int service_handle(const char *req, char *reply, size_t len)
{
	int x;

	if (!strcmp(req, "settled"))
		snprintf(reply, len, "%d", settled);
	else if (sscanf(req, "next %d", &x) == 1)
		snprintf(reply, len, "%d", next_one(x));
	else
		return -1;
	return 0;
}
