/*
 * finish.h - letting a frame finish: holding a thread at the moment it
 * returns out of the code no thread may be in.
 *
 * A thread that sleeps inside a function being replaced, and leaves it
 * only for a few instructions each time round its loop, is almost never
 * found outside by a stop taken at a random moment.  Instead its stack is
 * unwound to the outermost frame inside the forbidden code; the address
 * that frame returns to, and the stack pointer right after that return,
 * say where the thread leaves it for good.  A hardware breakpoint on that
 * address, for that thread only, stops it there: it is then held, outside,
 * while the whole process is stopped and checked again (quiesce.c).
 *
 * The breakpoint is a perf event (perf_event_open, PERF_TYPE_BREAKPOINT)
 * owned by a file descriptor of suture's, not a debug register set with
 * PTRACE_POKEUSER: the kernel keeps debug registers after the tracer is
 * gone, and the next pass over the address would kill the program with
 * SIGTRAP; a perf event goes with suture's descriptor when suture dies,
 * however it dies.  A hit signals the descriptor's owner, set to the
 * thread, with a signal ignored by default that the thread neither
 * handles nor blocks (SIGURG, SIGWINCH or SIGCHLD), not with SIGTRAP: the
 * thread, traced, stops for it and suture suppresses it, so the program
 * sees no signal; and one sent just as suture dies reaches a thread no
 * longer traced, for which the kernel drops it.  The thread's system
 * calls restart as after any stop (session.h).
 */
#ifndef SUTURE_PROCESS_FINISH_H
#define SUTURE_PROCESS_FINISH_H

#include <stdint.h>
#include <sys/types.h>

#include "process/safety.h"
#include "process/session.h"
#include "util/error.h"

/* Where a thread leaves the forbidden code for good. */
struct finish_exit {
	pid_t tid;	 /* 0: none known */
	uint64_t ra;	 /* the address the outermost such frame returns to */
	uint64_t cfa;	 /* the stack pointer right after that return */
	char what[96];	 /* the code it is in ("function f") */
	char where[128]; /* ra as "caller+0x1b" */
};

/*
 * finish_find - unwind thread @t of session @s (just found in a range of
 * @sf) and fill @x with where it leaves the ranges.  0, or -ENOENT if that
 * cannot be known (no unwinder, no frame outside above the ranges).
 */
int finish_find(struct safety *sf, struct session *s, struct session_thread *t,
		struct finish_exit *x);

/*
 * finish_wait - let the process run until thread @x->tid of @pid reaches
 * @x->ra with its stack pointer at @x->cfa or above (a deeper recursive
 * return does not count), and hold it there: 0, and the thread is seized
 * and in an interrupt stop (the caller hands it to session_open as held,
 * or to finish_release).  @lock_tid: the thread of the caller's
 * session_lock (seized already; its signals are passed on meanwhile), or
 * 0.  Otherwise the thread runs on as before and: -ETIMEDOUT at @deadline
 * (CLOCK_MONOTONIC ns); -ESRCH if it exited; -EAGAIN if the process was
 * stopped by a stop signal meanwhile; -ENOTSUP if no breakpoint can be
 * set (@err says why).
 */
int finish_wait(pid_t pid, pid_t lock_tid, const struct finish_exit *x,
		uint64_t deadline, struct error *err);

/* finish_release - let held thread @tid go (detached, or resumed still
 * seized if it is @lock_tid). */
void finish_release(pid_t tid, pid_t lock_tid);

#endif
