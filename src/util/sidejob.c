/*
 * sidejob.c - work handed to a second thread of suture (sidejob.h).
 *
 * One word says where the work is: IDLE, POSTED, TAKEN (the thread runs
 * it), DONE, END.  The thread and the caller race for POSTED work with a
 * compare-and-swap, so exactly one of them runs it; the caller spins for
 * DONE only once the thread has taken the work, which is then running on
 * another CPU.
 *
 * The thread sleeps on a second word as a futex, a count of the changes
 * (post, prime) it must look at: read before it looks, so that a change
 * made meanwhile makes its wait return at once.  A sleeping CPU of this
 * VM takes 14 to 40 µs to wake (1 and 10 ms idle; 0.2 µs for one just
 * busy, 0.1 µs for a thread spinning): as much as the work handed over.
 * So after each post the thread spins for SPIN_AFTER_NS for the next one,
 * or until sidejob_rest (the stop is over: the program's threads need
 * the CPU again), and from sidejob_prime, once the program is stopped,
 * for the first: its wake-up is then paid while the tracer checks the
 * threads, not when the scan hands work over.  Spinning from before the
 * stop was tried and left out: woken while the program ran, the
 * real-time thread spun on the CPU of its busy thread (DESIGN.md, "The
 * switch stop's scan, round six").
 *
 * Woken by a futex, the thread still came late to the stop of the one
 * running thread of a process (sidejob_watch): the futex wake cost the
 * tracer 10 µs, and the thread ran 20 µs later, on a CPU the machine had
 * halted when the program's thread stopped.  So for that stop it sleeps in
 * waitid(WNOWAIT) on the thread instead, and the stop itself wakes it, on
 * the CPU the thread is leaving, a few µs after.  The wait has no
 * timeout: a stop reaped before the thread looks again (the tracer's
 * waitpid) would leave it asleep, so the tracer reaps only after
 * sidejob_unwatch, which ends the wait with a signal if the stop did not.
 *
 * The thread is made once per process and never ended: asleep, it costs
 * nothing, and it dies with the process.  Ending it after each command's
 * stop cost a join (30 µs) and a new one a clone (40 µs), for each of the
 * processes a command patches.  Between a command's stops it is parked
 * (sidejob_park): an ordinary task on suture's CPU.  Killed with the
 * process, a real-time thread is woken where it last ran, a CPU of the
 * program's, and there it took the program's busy thread off its CPU for
 * its exit, the whole of suture's memory torn down with it (330 µs in a
 * scheduler trace).  Parked, killed, it ran its exit after suture's on
 * the one CPU, the memory's teardown with it (0.15-0.25 ms more of each
 * command); so suture's exit ends it first (end_shared: a join, 30 µs).
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/sidejob.h"
#include "util/xalloc.h"

/* After a piece of work, the next one of a scan comes within microseconds
 * (refmem.c: a read split between the threads at each flush). */
#define SPIN_AFTER_NS 50000u
/* From the stop to the scan's first post: about 40 µs for one thread
 * (its check, the map asked again), more under load. */
#define SPIN_PRIMED_NS 200000u
/* How long sidejob_unwatch waits for the thread to come out of its wait
 * by itself (the stop wakes it a few µs after the tracer sees it) before
 * it ends the wait with SIG_UNWATCH, and between two signals. */
#define UNWATCH_WAIT_NS 50000u
/* Ends the watching thread's waitid (EINTR): nothing in suture sends or
 * takes it otherwise.  Its handler does nothing, so that one sent to
 * suture from elsewhere no longer ends it (the default action). */
#define SIG_UNWATCH SIGRTMIN

enum { IDLE, POSTED, TAKEN, DONE, END };

struct sidejob {
	atomic_int state;
	atomic_uint seq;	    /* changes to look at: the futex */
	atomic_uint_fast64_t until; /* spin, not sleep, until then (ns) */
	atomic_bool up;		    /* the thread has started */
	atomic_int watch;	    /* TID whose stop to sleep for, or 0 */
	atomic_bool watching;	    /* in (or about to be in) that wait */
	atomic_uint watched;	    /* waits begun */
	pid_t tid;		    /* the thread's TID, for SIG_UNWATCH */
	sidejob_fn *fn;		    /* the work posted; published by state */
	void *arg;
	pthread_t thread;
	bool fifo;	/* made real-time: so again when unparked */
	cpu_set_t cpus; /* where it may run, unparked */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Tell the thread there is something to look at. */
static void poke(struct sidejob *j)
{
	atomic_fetch_add(&j->seq, 1);
	syscall(SYS_futex, &j->seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Take work posted and run it: whether there was some. */
static bool take(struct sidejob *j)
{
	int s = POSTED;

	if (!atomic_compare_exchange_strong(&j->state, &s, TAKEN))
		return false;
	j->fn(j->arg);
	atomic_store(&j->until, now_ns() + SPIN_AFTER_NS);
	atomic_store(&j->state, DONE);
	return true;
}

/* Sleep until the thread sidejob_watch named stops (or exits), without
 * reaping its stop; then spin for the first post as if primed.  Ended by
 * SIG_UNWATCH instead (EINTR), sleep again on the futex. */
static void watch_stop(struct sidejob *j)
{
	pid_t tid = atomic_exchange(&j->watch, 0);
	siginfo_t si;
	int r;

	if (!tid) /* unwatched meanwhile */
		return;
	atomic_store(&j->watching, true);
	atomic_fetch_add(&j->watched, 1);
	r = waitid(P_PID, (id_t)tid, &si,
		   WSTOPPED | WEXITED | WNOWAIT | __WALL);
	if (!r)
		atomic_store(&j->until, now_ns() + SPIN_PRIMED_NS);
	atomic_store(&j->watching, false);
}

/* Run posted work; spin a while after each post, sleep otherwise; until
 * END. */
static void *side_main(void *arg)
{
	struct sidejob *j = arg;
	sigset_t unwatch;
	unsigned seq;

	sigemptyset(&unwatch);
	sigaddset(&unwatch, SIG_UNWATCH);
	pthread_sigmask(SIG_UNBLOCK, &unwatch, NULL);
	j->tid = gettid();
	atomic_store(&j->up, true);
	for (;;) {
		seq = atomic_load(&j->seq);
		if (atomic_load(&j->state) == END)
			return NULL;
		if (take(j) || now_ns() < atomic_load(&j->until))
			continue;
		if (atomic_load(&j->watch))
			watch_stop(j);
		else
			syscall(SYS_futex, &j->seq, FUTEX_WAIT_PRIVATE, seq,
				NULL, NULL, 0);
	}
}

bool sidejob_several_cpus(void)
{
	cpu_set_t cpus;

	return !sched_getaffinity(0, sizeof(cpus), &cpus) &&
	       CPU_COUNT(&cpus) > 1;
}

/* The attributes of a thread that starts real-time, where suture may
 * make one: NULL (inherit) where it may not. */
static pthread_attr_t *fifo_attr(pthread_attr_t *a)
{
	const struct sched_param fifo = {.sched_priority = 1};

	if (pthread_attr_init(a))
		return NULL;
	if (!pthread_attr_setinheritsched(a, PTHREAD_EXPLICIT_SCHED) &&
	    !pthread_attr_setschedpolicy(a, SCHED_FIFO) &&
	    !pthread_attr_setschedparam(a, &fifo))
		return a;
	pthread_attr_destroy(a);
	return NULL;
}

bool sidejob_spawn(pthread_t *t, void *(*fn)(void *), void *arg, bool fifo)
{
	pthread_attr_t attr, *a = fifo ? fifo_attr(&attr) : NULL;
	sigset_t all, old;
	int r;

	/* the thread inherits the mask it is made with */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(t, a, fn, arg);
	if (r == EPERM && a) /* not allowed a real-time thread */
		r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (a)
		pthread_attr_destroy(a);
	return r == 0;
}

/* The thread sidejob_get made, and the process it was made in: a forked
 * child has none of its parent's threads. */
static struct sidejob *shared;
static pid_t shared_pid;

/* Whether thread @t is real-time (it may not be: sidejob_spawn). */
static bool fifo_now(pthread_t t)
{
	struct sched_param p;
	int policy;

	return !pthread_getschedparam(t, &policy, &p) && policy == SCHED_FIFO;
}

/* SIG_UNWATCH's handler: it only makes the wait fail with EINTR. */
static void unwatch_tick(int sig)
{
	(void)sig;
}

/* A new thread, asleep. */
static struct sidejob *start(void)
{
	struct sidejob *j = xcalloc(1, sizeof(*j));
	struct sigaction tick = {.sa_handler = unwatch_tick};

	sigemptyset(&tick.sa_mask);
	sigaction(SIG_UNWATCH, &tick, NULL);

	atomic_init(&j->state, IDLE);
	/* Real-time from its first instruction, as the tracer is in a stop
	 * (session.c): work taken is not left waiting for another task's
	 * time slice while the caller spins for it, and the kernel wakes it
	 * on a CPU other than the tracer's.  Made an ordinary task, it did
	 * not run before the stop, queued behind the busy thread of the
	 * program. */
	if (!sidejob_spawn(&j->thread, side_main, j, true)) {
		free(j);
		return NULL;
	}
	/* Up and asleep before the stop, not starting in it. */
	while (!atomic_load(&j->up))
		sched_yield();
	j->fifo = fifo_now(j->thread);
	sched_getaffinity(0, sizeof(j->cpus), &j->cpus);
	return j;
}

/* Keep thread @j to @cpus, or give it back its own CPUs (NULL). */
static void keep_to(struct sidejob *j, const cpu_set_t *cpus)
{
	pthread_setaffinity_np(j->thread, sizeof(j->cpus),
			       cpus ? cpus : &j->cpus);
}

/* *@one = the caller's CPU alone: whether it is known. */
static bool this_cpu(cpu_set_t *one)
{
	int cpu = sched_getcpu();

	CPU_ZERO(one);
	if (cpu < 0)
		return false;
	CPU_SET(cpu, one);
	return true;
}

/* At exit: end the process's thread, asleep and parked, here. */
static void end_shared(void)
{
	if (!shared || shared_pid != getpid())
		return;
	sidejob_unwatch(shared);
	atomic_store(&shared->state, END);
	poke(shared);
	pthread_join(shared->thread, NULL);
	shared = NULL;
}

struct sidejob *sidejob_get(void)
{
	const struct sched_param fifo = {.sched_priority = 1};

	if (shared_pid != getpid()) {
		shared = sidejob_several_cpus() ? start() : NULL;
		if (shared && !shared_pid)
			atexit(end_shared);
		shared_pid = getpid();
	} else if (shared) { /* unpark */
		keep_to(shared, NULL);
		if (shared->fifo)
			pthread_setschedparam(shared->thread, SCHED_FIFO,
					      &fifo);
	}
	return shared;
}

void sidejob_park(struct sidejob *j)
{
	const struct sched_param other = {0};
	cpu_set_t one;

	if (!j || !this_cpu(&one))
		return;
	pthread_setschedparam(j->thread, SCHED_OTHER, &other);
	keep_to(j, &one);
}

void sidejob_prime(struct sidejob *j)
{
	if (!j)
		return;
	atomic_store(&j->until, now_ns() + SPIN_PRIMED_NS);
	poke(j);
}

void sidejob_watch(struct sidejob *j, pid_t tid)
{
	cpu_set_t one, own;
	unsigned begun;

	/* Both real-time, or the caller's yield would not let it run. */
	if (!j || !j->fifo || sched_getscheduler(0) != SCHED_FIFO ||
	    !this_cpu(&one) || sched_getaffinity(0, sizeof(own), &own))
		return;
	begun = atomic_load(&j->watched);
	/*
	 * Woken to go to sleep in its wait, the real-time thread would take
	 * the CPU of the program's running thread (the lowest priority):
	 * kept to the caller's, it runs only once the caller yields, and
	 * the caller runs again only once it sleeps.  The caller is kept
	 * there too meanwhile: waiting its turn, a real-time task is moved
	 * to the CPU of lowest priority, the program's (traced: the caller
	 * then spun there for a stop the thread could not reach).  Then the
	 * thread may go anywhere, so that the stop wakes it on the CPU it
	 * frees.
	 */
	sched_setaffinity(0, sizeof(one), &one);
	keep_to(j, &one);
	atomic_store(&j->until, 0); /* no spinning first */
	atomic_store(&j->watch, tid);
	poke(j);
	while (atomic_load(&j->watched) == begun)
		sched_yield();
	keep_to(j, NULL);
	sched_setaffinity(0, sizeof(own), &own);
}

void sidejob_unwatch(struct sidejob *j)
{
	uint64_t until = now_ns() + UNWATCH_WAIT_NS;

	if (!j)
		return;
	atomic_store(&j->watch, 0); /* not to begin the wait now */
	while (atomic_load(&j->watching)) {
		if (now_ns() < until) {
			sched_yield();
			continue;
		}
		/* again until it is out: one sent just before its waitid
		 * began was taken by the handler, not by the wait */
		syscall(SYS_tgkill, getpid(), j->tid, SIG_UNWATCH);
		until = now_ns() + UNWATCH_WAIT_NS;
	}
}

void sidejob_rest(struct sidejob *j)
{
	if (j)
		atomic_store(&j->until, 0);
}

void sidejob_post(struct sidejob *j, sidejob_fn *fn, void *arg)
{
	if (!j) {
		fn(arg);
		return;
	}
	j->fn = fn;
	j->arg = arg;
	/* set here, not by the thread once awake: it may wake after the
	 * caller's sidejob_rest, when it must not spin */
	atomic_store(&j->until, now_ns() + SPIN_AFTER_NS);
	atomic_store(&j->state, POSTED);
	poke(j);
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
	/* yielding: were both threads on one CPU (the same real-time
	 * priority), spinning would keep the other from finishing */
	while (atomic_load(&j->state) == TAKEN)
		sched_yield();
	atomic_store(&j->state, IDLE);
	return true;
}
