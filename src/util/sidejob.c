/*
 * sidejob.c - work handed to a second thread of suture (sidejob.h).
 *
 * One word says where the work is: IDLE, POSTED, TAKEN (the thread runs
 * it), DONE, END.  The thread and the caller race for POSTED work with a
 * compare-and-swap, so exactly one of them runs it; the thread sleeps on
 * the word as a futex, and the caller spins for DONE only once the
 * thread has taken the work, which is then running on another CPU.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/sidejob.h"
#include "util/xalloc.h"

enum { IDLE, POSTED, TAKEN, DONE, END };

struct sidejob {
	atomic_int state;
	sidejob_fn *fn; /* the work posted; published by state */
	void *arg;
	pthread_t thread;
};

static void futex_wait(atomic_int *w, int v)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_wake(atomic_int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Take posted work and run it; sleep while there is none; until END. */
static void *side_main(void *arg)
{
	struct sidejob *j = arg;
	const struct sched_param fifo = {.sched_priority = 1};
	int s;

	/* A real-time task where suture may be one, as its tracer is in a
	 * stop (session.c): work taken is not left waiting for another
	 * task's time slice while the caller spins for it. */
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo);

	while ((s = atomic_load(&j->state)) != END) {
		if (s == POSTED &&
		    atomic_compare_exchange_strong(&j->state, &s, TAKEN)) {
			j->fn(j->arg);
			atomic_store(&j->state, DONE);
			continue;
		}
		if (s != POSTED)
			futex_wait(&j->state, s);
	}
	return NULL;
}

/* Whether suture may run on more than one CPU. */
static bool several_cpus(void)
{
	cpu_set_t cpus;

	return !sched_getaffinity(0, sizeof(cpus), &cpus) &&
	       CPU_COUNT(&cpus) > 1;
}

struct sidejob *sidejob_start(void)
{
	struct sidejob *j;
	sigset_t all, old;
	int r;

	if (!several_cpus())
		return NULL;
	j = xcalloc(1, sizeof(*j));
	atomic_init(&j->state, IDLE);
	/* the thread inherits the mask it is made with */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&j->thread, NULL, side_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!r)
		return j;
	free(j);
	return NULL;
}

void sidejob_post(struct sidejob *j, sidejob_fn *fn, void *arg)
{
	if (!j) {
		fn(arg);
		return;
	}
	j->fn = fn;
	j->arg = arg;
	atomic_store(&j->state, POSTED);
	futex_wake(&j->state);
}

bool sidejob_wait(struct sidejob *j)
{
	int s = POSTED;

	if (!j)
		return true;
	/* not begun: the caller's, now */
	if (atomic_compare_exchange_strong(&j->state, &s, IDLE)) {
		j->fn(j->arg);
		return false;
	}
	while (atomic_load(&j->state) == TAKEN)
		;
	atomic_store(&j->state, IDLE);
	return true;
}

void sidejob_end(struct sidejob *j)
{
	if (!j)
		return;
	sidejob_wait(j);
	atomic_store(&j->state, END);
	futex_wake(&j->state);
	pthread_join(j->thread, NULL);
	free(j);
}
