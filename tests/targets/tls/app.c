/*
 * app.c - NWORKERS threads call tick() (tick.h) in a loop and check every
 * answer against their own count of calls: a version-1 answer is the
 * count, a version-2 one encodes the count and the thread's tick_extra,
 * which tick_peek() (old code) must then read back.  An answer that fits
 * neither, or a tick_extra of another thread, counts as an error.
 *
 *   stats  -> v1=<old answers> v2=<new answers> errors=<bad>
 *             last=<the version each worker saw last, e.g. 1122>
 *   fresh  -> a thread started now makes 100 calls, checked the same
 *             way: "v1=<n> v2=<n> errors=<n>"
 *
 * Built three ways (Makefile): tick.c linked into the program (prog), in
 * libtick.so linked at start (app), or in libtick.so that service_init()
 * dlopen()s (dlapp, with -DTICK_DLOPEN).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"
#include "tick.h"

#define NWORKERS 4

long tick_peek(void);

struct tally {
	long n;		    /* calls made */
	long newcalls;	    /* of which new code answered */
	unsigned long v[3]; /* [0] errors, [1] old, [2] new answers */
};

static unsigned long count[3]; /* all workers' tallies */
static int last_ver[NWORKERS];
static long (*tick_fn)(void) = NULL;
static long (*peek_fn)(void) = NULL;

/* Check answer @v of this thread's next call; its version, or 0. */
static int check(struct tally *t, long v)
{
	int ver = 0;

	t->n++;
	if (v == t->n)
		ver = 1;
	else if (v < 0 && v == -(t->n * 1000 + 7 + 2 * (t->newcalls + 1)))
		ver = 2;
	t->newcalls += ver == 2;
	if (peek_fn() != 7 + 2 * t->newcalls)
		ver = 0;
	t->v[ver]++;
	return ver;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	struct tally t = {0};
	struct timespec pause = {0, 200000};

	for (;;) {
		int ver = check(&t, tick_fn());

		__atomic_fetch_add(&count[ver], 1, __ATOMIC_RELAXED);
		if (ver)
			__atomic_store_n(&last_ver[id], ver, __ATOMIC_RELAXED);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static void *fresh(void *arg)
{
	struct tally *t = arg;

	for (int i = 0; i < 100; i++)
		check(t, tick_fn());
	return NULL;
}

#ifdef TICK_DLOPEN
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <unistd.h>

/* A thread that exists before the dlopen() and never calls into the
 * library: its view of the library's TLS (its DTV) stays out of date. */
static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* libtick.so from the program's directory, loaded after a thread started. */
static int load(void)
{
	char exe[PATH_MAX], lib[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pthread_t t;
	void *h;

	if (n < 0 || pthread_create(&t, NULL, idle, NULL))
		return -1;
	exe[n] = '\0';
	snprintf(lib, sizeof(lib), "%s/libtick.so", dirname(exe));
	if (!(h = dlopen(lib, RTLD_NOW))) {
		fprintf(stderr, "%s\n", dlerror());
		return -1;
	}
	tick_fn = (long (*)(void))dlsym(h, "tick");
	peek_fn = (long (*)(void))dlsym(h, "tick_peek");
	return tick_fn && peek_fn ? 0 : -1;
}
#else
static int load(void)
{
	tick_fn = tick;
	peek_fn = tick_peek;
	return 0;
}
#endif

int service_init(void)
{
	if (load())
		return -1;
	return server_start_workers(NWORKERS, worker);
}

int service_handle(const char *req, char *reply, size_t len)
{
	char last[NWORKERS + 1];

	if (!strcmp(req, "stats")) {
		server_digits(last_ver, NWORKERS, last);
		snprintf(reply, len, "v1=%lu v2=%lu errors=%lu last=%s",
			 __atomic_load_n(&count[1], __ATOMIC_RELAXED),
			 __atomic_load_n(&count[2], __ATOMIC_RELAXED),
			 __atomic_load_n(&count[0], __ATOMIC_RELAXED), last);
	} else if (!strcmp(req, "fresh")) {
		struct tally t = {0};
		pthread_t th;

		if (pthread_create(&th, NULL, fresh, &t) ||
		    pthread_join(th, NULL))
			return -1;
		snprintf(reply, len, "v1=%lu v2=%lu errors=%lu", t.v[1], t.v[2],
			 t.v[0]);
	} else
		return -1;
	return 0;
}
