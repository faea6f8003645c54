/*
 * sidecheck.c - the quick check of stopped threads on a second thread of
 * suture (sidecheck.h).
 *
 * The tracer appends indices to a queue and publishes its length; the
 * side thread claims the next one unchecked, checks it, and sleeps when
 * it has caught up.  Waking it costs the tracer a system call and a
 * wake-up sent to the other CPU, as much as a thread's check, so the
 * tracer wakes it only once SIDECHECK_BATCH threads wait, and at the end.
 * A wake-up missed (the side thread going to sleep just as the tracer
 * looked) costs only time: the next batch, or the end, wakes it.  At the
 * end the tracer claims and checks threads too, so that the last ones
 * wait for neither alone.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "process/sidecheck.h"
#include "util/sidejob.h"
#include "util/xalloc.h"

/* Below this many threads to check, the side thread's start (a clone and
 * its stack, tens of µs) and its wake-ups cost as much as it saves: with
 * the pause target at load 20, stop and check took 0.1 ms longer with it
 * at 100 threads (median of 20), as long at 150, 0.6 ms less at 300. */
#define SIDECHECK_MIN 128
/* Threads posted before a sleeping side thread is woken. */
#define SIDECHECK_BATCH 16

struct sidecheck {
	sidecheck_fn *check;
	void *arg;
	size_t *order;	       /* posted indices, the first `posted` set */
	bool *cleared;	       /* by index; written by whoever checks */
	atomic_size_t posted;  /* published with the order entries */
	atomic_size_t claimed; /* order entries claimed for a check */
	atomic_bool sleeping;  /* the side thread waits on `wake` */
	bool ended;	       /* no more posts (under `lock`) */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
};

/* Claim the next posted thread not claimed yet: false if there is none. */
static bool claim(struct sidecheck *c, size_t *k)
{
	size_t n = atomic_load(&c->claimed);

	while (n < atomic_load(&c->posted))
		if (atomic_compare_exchange_weak(&c->claimed, &n, n + 1)) {
			*k = n;
			return true;
		}
	return false;
}

/* Check every thread posted and not claimed yet, in lane @lane. */
static void check_claimed(struct sidecheck *c, int lane)
{
	size_t k;

	while (claim(c, &k))
		c->cleared[c->order[k]] = c->check(c->arg, c->order[k], lane);
}

/* Sleep until woken with work or the end; false once ended (the tracer
 * checks what is left). */
static bool side_wait(struct sidecheck *c)
{
	bool ended;

	pthread_mutex_lock(&c->lock);
	if (atomic_load(&c->posted) == atomic_load(&c->claimed) && !c->ended) {
		atomic_store(&c->sleeping, true);
		while (atomic_load(&c->sleeping) && !c->ended)
			pthread_cond_wait(&c->wake, &c->lock);
	}
	ended = c->ended;
	pthread_mutex_unlock(&c->lock);
	return !ended;
}

static void *side_main(void *arg)
{
	struct sidecheck *c = arg;

	do
		check_claimed(c, 1);
	while (side_wait(c));
	check_claimed(c, 1);
	return NULL;
}

static void side_wake(struct sidecheck *c, bool end)
{
	pthread_mutex_lock(&c->lock);
	c->ended |= end;
	atomic_store(&c->sleeping, false);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

struct sidecheck *sidecheck_start(size_t n, size_t first, sidecheck_fn *check,
				  void *arg)
{
	struct sidecheck *c;

	if (n - first < SIDECHECK_MIN || !sidejob_several_cpus())
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->check = check;
	c->arg = arg;
	c->order = xcalloc(n, sizeof(*c->order));
	c->cleared = xcalloc(n, sizeof(*c->cleared));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (sidejob_spawn(&c->thread, side_main, c, false))
		return c;
	free(c->order);
	free(c->cleared);
	free(c);
	return NULL;
}

void sidecheck_post(struct sidecheck *c, size_t i)
{
	size_t n = atomic_load(&c->posted);

	c->order[n] = i;
	atomic_store(&c->posted, n + 1); /* publishes order[n] and t[i] */
	if (atomic_load(&c->sleeping) &&
	    n + 1 - atomic_load(&c->claimed) >= SIDECHECK_BATCH)
		side_wake(c, false);
}

void sidecheck_end(struct sidecheck *c, size_t **order, size_t *norder,
		   bool **cleared)
{
	side_wake(c, true);
	check_claimed(c, 0);
	pthread_join(c->thread, NULL); /* its last check done */
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	*order = c->order;
	*norder = atomic_load(&c->posted);
	*cleared = c->cleared;
	free(c);
}
