/*
 * session.h - every thread of a target held still with ptrace.
 *
 * Opening a session stops the whole process (each thread seized and
 * interrupted, threads created meanwhile included) and fetches every
 * thread's registers; closing it puts back any register the session changed
 * and lets every thread go, re-delivering signals that arrived while they
 * were held.  Between the two the target executes nothing except the system
 * calls rsyscall() injects, so its memory can be inspected and edited as a
 * whole.  A process stopped by a stop signal (SIGSTOP, SIGTSTP...) stays
 * stopped: no thread of it runs an instruction of its own because of a
 * session, and s->stopped says it was found so.  The time between the first
 * interrupt and the last detach is the pause the program sees.
 */
#ifndef SUTURE_PROCESS_SESSION_H
#define SUTURE_PROCESS_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "process/held.h"
#include "util/error.h"

/* The checks session_open_checked runs on each thread as it stops: @quick
 * (or NULL), then @check on every thread @quick did not clear. */
struct session_checks {
	session_check_fn *check;
	session_quick_fn *quick;
	void *arg;
};

/*
 * A lock on a process against other sutures: one of its threads seized
 * (traced) but left running.  No one else can trace that thread, so no
 * other suture can stop the process, and the patch state read after
 * taking the lock stays true until it is released.  Sessions opened with
 * the lock stop that thread like any other and leave it seized when they
 * close.  If suture dies, the kernel lets the thread go.
 */
struct session_lock {
	pid_t pid;
	pid_t tid; /* 0: not held */
	/* Threads the caller holds already, seized and in an interrupt stop
	 * (quiesce.c holds threads at the end of a frame): a session takes
	 * them without stopping them again, and leaves them held if it
	 * fails to open; once open, it releases them as any other. */
	const pid_t *held;
	size_t nheld;
	uint64_t held_ns; /* CLOCK_MONOTONIC: the first was held; the pause
			     a session reports counts from then */
	struct session_detour detour; /* for its thread */
	/* A second thread of suture for the work in the stop (sidejob.h),
	 * or NULL: session_open_checked primes it once every thread is
	 * stopped, session_close rests it before any is let go. */
	struct sidejob *side;
};

/*
 * session_open - stop every thread of @pid and read its registers.  @s is
 * overwritten.  On failure nothing stays stopped.  A process suture may not
 * trace gets proc_deny()'s message.  @l: the lock held on @pid, or NULL.
 * @check(@arg, ...) runs on each thread as it stops (NULL: none); its
 * error is session_open's.  -EBUSY if a thread has not stopped after
 * 20 ms and is in an uninterruptible wait (state D), which no tracer can
 * interrupt: the other threads are let go at once, that one once it has
 * stopped (session_open returns only then).  While threads stop it sets
 * SIGALRM's action and ITIMER_REAL, and puts them back.
 */
int session_open(struct session *s, pid_t pid, const struct session_lock *l,
		 session_check_fn *check, void *arg, struct error *err);

/*
 * session_open_checked - session_open with the checks @c: @c->quick, run
 * on a side thread for a process of many threads (sidecheck.h), then
 * @c->check on the threads it did not clear, once every thread is
 * stopped.  The first error, in the order the threads stopped, is
 * session_open_checked's.
 */
int session_open_checked(struct session *s, pid_t pid,
			 const struct session_lock *l,
			 const struct session_checks *c, struct error *err);

/*
 * session_open_thread - stop only thread @tid of @pid, the others running
 * on: enough to make system calls in the process (rsyscall.h) for work no
 * running thread can notice, such as mapping memory nothing refers to yet.
 * @l as for session_open.  -EAGAIN if the thread exited.
 */
int session_open_thread(struct session *s, pid_t pid, pid_t tid,
			const struct session_lock *l, struct error *err);

/*
 * session_lock - take a lock on @pid by seizing its thread @tid (best a
 * quiet one: session_open_thread stops it alone, to make system calls,
 * and a thread asleep in a call does not notice).  The refusal
 * of session_open if another suture or tracer holds that thread; -EAGAIN
 * if the thread exited.
 * session_unlock - release it, with no session open.  A thread it held
 * stops for a moment to be detached.
 */
int session_lock(struct session_lock *l, pid_t pid, pid_t tid,
		 struct error *err);
void session_unlock(struct session_lock *l);

/*
 * session_unlock_on_close - end lock @l with open session @s, which holds
 * its thread: session_close then detaches that thread as any other, where
 * session_unlock would stop it once more only to detach it (a pause the
 * program sees, as long as the bare stop of a thread).  The caller must
 * need the lock no longer.
 */
void session_unlock_on_close(struct session *s, struct session_lock *l);

/*
 * session_close - restore changed registers and detach every thread (the
 * lock's thread is resumed, still seized, or left stopped with
 * PTRACE_LISTEN if the process is stopped), re-delivering held signals;
 * records pause_ns.  Safe to call on a closed
 * session.  Failures (a thread that vanished) are recorded in @err but every
 * other thread is still released.
 */
int session_close(struct session *s, struct error *err);

/* session_stopped_error - -EBUSY in @err: @what (e.g. "the hooks of patch
 * x would run") in @s's process, which is stopped; a stopped process runs
 * no code because of suture, so the user is told to continue it. */
int session_stopped_error(const struct session *s, const char *what,
			  struct error *err);

#endif
