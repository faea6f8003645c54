/*
 * sidejob.h - one piece of work at a time handed to a second thread of
 * suture, on another CPU, while the caller does other work: for the scan
 * in a stop, whose parts are partly independent (refmem.c).
 *
 * The thread is made before the first stop (a clone costs tens of µs) and
 * kept for the process's life, asleep on a futex until a stop primes it
 * or work is posted, or asleep for the stop of one thread of the program,
 * which then wakes it (sidejob_watch); then it spins a while for more (a
 * sleeping CPU of a VM is slow to wake: sidejob.c).  The caller may always do
 * the work itself: sidejob_wait takes back work the thread has not begun (a CPU
 * slow to wake, a busy one), so a hand-off never costs more than the work
 * done on the caller's thread, plus the wake-up's system call.  With one
 * CPU there is no thread (sidejob_get gives NULL) and the caller does the
 * work itself, as before.
 */
#ifndef SUTURE_UTIL_SIDEJOB_H
#define SUTURE_UTIL_SIDEJOB_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct sidejob;

typedef void sidejob_fn(void *arg);

/*
 * sidejob_get - the process's one thread for sidejob_post, made on the
 * first call (a forked child makes its own) with every signal blocked
 * (the tracer's waits must see its SIGALRM, session.c), and kept, asleep
 * between stops, until the process exits (which ends it first, in an
 * atexit handler: sidejob.c); NULL if suture may run on one
 * CPU only or the thread cannot be made.  One caller at a time, which
 * parks the thread once it is done with it (sidejob_park).
 */
struct sidejob *sidejob_get(void);

/*
 * sidejob_park - until the next sidejob_get, the thread (asleep) is an
 * ordinary task kept to the caller's CPU: should suture exit meanwhile,
 * it dies there, not on a CPU of the program's (sidejob.c).
 */
void sidejob_park(struct sidejob *j);

/*
 * sidejob_prime - the program's threads are stopped: the thread wakes and
 * spins up to a while (sidejob.c) for the first post, so that the post
 * finds it running on a CPU the program has just left.  Woken while the
 * program runs, the real-time thread would take the CPU of one of its
 * threads.
 */
void sidejob_prime(struct sidejob *j);

/*
 * sidejob_watch - until thread @tid (a tracee of the caller, running)
 * next stops or exits, the thread sleeps waiting for that stop instead of
 * on its futex: the stop wakes it on the CPU @tid leaves, and it spins
 * for the first post as after sidejob_prime.  Call it just before the
 * interrupt.  The caller must not reap that stop (waitpid without
 * WNOWAIT) before sidejob_unwatch: a reaped stop would leave the thread
 * asleep.  Only where both the caller and the thread are real-time
 * (sidejob.c: the hand-over is a yield); else nothing is done.
 */
void sidejob_watch(struct sidejob *j, pid_t tid);

/*
 * sidejob_unwatch - the thread is out of sidejob_watch's wait when this
 * returns: woken by the stop (usually within microseconds of it), or, if
 * not within a while, by a signal (sidejob.c).  Nothing to do if it was
 * not watching.
 */
void sidejob_unwatch(struct sidejob *j);

/* sidejob_rest - no more work soon: the thread sleeps once it has done
 * what it was given, rather than spin for more (sidejob.c). */
void sidejob_rest(struct sidejob *j);

/*
 * sidejob_post - run @fn(@arg) on the thread (or, if @j is NULL, at
 * once on the caller's).  Nothing may be posted before sidejob_wait of
 * the work posted last.  Whatever @fn touches is the thread's until then.
 */
void sidejob_post(struct sidejob *j, sidejob_fn *fn, void *arg);

/*
 * sidejob_wait - the work posted last is done, by the thread or, if it
 * had not begun it, now by the caller: what it wrote is visible after.
 * Returns whether the thread did it.  Nothing to wait for: true at once.
 */
bool sidejob_wait(struct sidejob *j);

/* sidejob_several_cpus - whether suture may run on more than one CPU: a
 * second thread of it may run alongside. */
bool sidejob_several_cpus(void);

/* sidejob_spawn - pthread_create of @fn(@arg) into *@t with every signal
 * blocked in the new thread (SIGALRM is for the tracer's waits,
 * session.c), real-time (SCHED_FIFO 1) if @fifo and suture may make one,
 * else with the caller's scheduling: whether it was made. */
bool sidejob_spawn(pthread_t *t, void *(*fn)(void *), void *arg, bool fifo);

#endif
