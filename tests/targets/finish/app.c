/*
 * app.c - FINISH_THREADS workers (default 1) call call_step() in a loop,
 * FINISH_DEPTH deep (default 0), and check every result.  Handlers for the
 * signals a debugger could leave behind are installed without SA_RESTART:
 * a signal would be counted, and would make the waits fail with EINTR.
 * (A signal ignored by default that reached a thread without a handler
 * would be dropped by the kernel: the program could not tell.)
 *
 *   stats -> v1=<results of version 1> v2=<of version 2> v3=<of version 3>
 *            bad=<of none>
 *            eintr=<waits that failed with EINTR> errors=<other failures>
 *            sigs=<signals handled> last=<each worker's last version>
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finish.h"
#include "server.h"

static const int watched[] = {SIGTRAP, SIGUSR1, SIGUSR2, SIGALRM,
			      SIGCONT, SIGIO,	SIGPROF, SIGURG,
			      SIGWINCH, SIGCHLD};
/* the last three are ignored by default, and handled only with
 * FINISH_CATCH_ALL=1: suture stops a thread at a breakpoint with one of
 * them, none of which it may then use */
#define IGNORED_BY_DEFAULT 3
static unsigned long counts[4], sigs;
static int nthreads = 1, depth, last[FINISH_MAX_THREADS];

static void handler(int sig)
{
	__atomic_fetch_add(&sigs, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	for (long x = id * 1000000L;; x++) {
		long d = call_step(x, depth, id) - x * 16;
		int v = d >= 1 && d <= 3 ? (int)d : 0;

		__atomic_fetch_add(&counts[v], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&last[id], v, __ATOMIC_RELAXED);
	}
	return NULL;
}

int service_init(void)
{
	struct sigaction sa = {.sa_handler = handler}; /* no SA_RESTART */
	const char *n = getenv("FINISH_THREADS"), *d = getenv("FINISH_DEPTH");
	const char *all = getenv("FINISH_CATCH_ALL");
	size_t nw = sizeof(watched) / sizeof(*watched);

	if (!all || *all != '1')
		nw -= IGNORED_BY_DEFAULT;
	for (size_t i = 0; i < nw; i++)
		if (sigaction(watched[i], &sa, NULL))
			return -1;
	if (n)
		nthreads = atoi(n);
	if (d)
		depth = atoi(d);
	if (nthreads < 1 || nthreads > FINISH_MAX_THREADS || wait_init(nthreads))
		return -1;
	return server_start_workers(nthreads, worker);
}

int service_handle(const char *req, char *reply, size_t len)
{
	char digits[FINISH_MAX_THREADS + 1];
	unsigned long eintr, other;

	if (strcmp(req, "stats") != 0)
		return -1;
	wait_counts(&eintr, &other);
	server_digits(last, nthreads, digits);
	snprintf(reply, len,
		 "v1=%lu v2=%lu v3=%lu bad=%lu eintr=%lu errors=%lu sigs=%lu "
		 "last=%s",
		 __atomic_load_n(&counts[1], __ATOMIC_RELAXED),
		 __atomic_load_n(&counts[2], __ATOMIC_RELAXED),
		 __atomic_load_n(&counts[3], __ATOMIC_RELAXED),
		 __atomic_load_n(&counts[0], __ATOMIC_RELAXED), eintr, other,
		 __atomic_load_n(&sigs, __ATOMIC_RELAXED), digits);
	return 0;
}
