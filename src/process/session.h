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

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>

#include "arch/arch.h"
#include "process/hurry.h"
#include "util/error.h"

#define SESSION_MAX_SIGS 8

struct sidejob;

struct session_thread {
	pid_t tid;
	arch_regs regs;	  /* as found when stopped; put back on close */
	bool dirty;	  /* the kernel's copy of the registers was changed */
	uint64_t sigmask; /* blocked signals as found, if mask_dirty */
	bool mask_dirty;  /* rsyscall blocked every signal meanwhile */
	bool in_syscall;  /* in a system-call stop (rsyscall); release moves
			     it to an interrupt stop first */
	bool sig_stop;	  /* now in a signal-delivery-stop (not an interrupt
			     stop), so PTRACE_DETACH can deliver a signal */
	int sigs[SESSION_MAX_SIGS]; /* signals held back, to re-deliver */
	size_t nsigs;
	int pending; /* a wait status reaped while waiting for another
			thread, if has_pending */
	bool has_pending;
	bool gone;	 /* exited: nothing to restore or detach */
	bool group_stop; /* its last stop was a group stop: the process is
			    stopped by SIGSTOP or another stop signal */
	bool held;    /* held by the caller before the session (session_lock's
			 held): taken as it is, and left so if opening fails */
	bool stuck;   /* interrupted, but in an uninterruptible wait: released
			 last, once it stops (session.c) */
	bool running; /* let go by rbatch_run, restoring itself: close
			 leaves it as it is */
};

struct session;

/*
 * A check session_open runs on each thread as soon as it has stopped (its
 * registers read), while the others may still be on their way: 0 if the
 * thread may stay as it is, else an error, which ends the session.
 */
typedef int session_check_fn(void *arg, struct session *s,
			     struct session_thread *t, struct error *err);

/*
 * A quicker check that clears most threads: true if thread @t may stay as
 * it is, false if it needs the full check.  It only reads (memory, not
 * ptrace), so session_open may run it on a second thread of suture while
 * the tracer waits for the other threads (sidecheck.h); @lane is the
 * suture thread running it (0 the tracer, 1 the side thread), so that
 * each has its own scratch memory.
 */
typedef bool session_quick_fn(void *arg, const struct session_thread *t,
			      int lane);

/* The checks session_open_checked runs on each thread as it stops: @quick
 * (or NULL), then @check on every thread @quick did not clear. */
struct session_checks {
	session_check_fn *check;
	session_quick_fn *quick;
	void *arg;
};

/*
 * Code the lock's thread may be found in on its way back to its own code,
 * which it runs by itself (the restore of a quiet batch, rbatch.h): a
 * session that stops it there puts it where that code leads, registers and
 * signal mask, as if it had run it (the thread, seized, stops for each
 * signal it takes; it could be found there again and again).
 */
struct session_detour {
	uint64_t lo, hi; /* [lo, hi): 0, 0 for none */
	arch_regs regs;
	uint64_t sigmask;
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

struct session {
	pid_t pid;
	pid_t lock_tid;		      /* the thread of a session_lock, or 0 */
	struct session_detour detour; /* the lock's */
	session_check_fn *check;      /* session_open's */
	session_quick_fn *quick;      /* session_open_checked's */
	void *check_arg;
	struct session_thread *t;
	size_t n, cap;
	size_t *idx; /* t by TID (session.c) */
	size_t idxcap;
	uint64_t stop_ns;  /* CLOCK_MONOTONIC: first thread interrupted */
	uint64_t pause_ns; /* set by session_close: how long it was held */
	struct session_thread *inj; /* runs injected system calls, or NULL */
	struct hurry hurry;	    /* suture's scheduling meanwhile */
	struct sidejob *side;	    /* the lock's */
	pid_t spin_tid; /* whose stop to wait for spinning (session.c) */
	bool open;
	const pid_t *held; /* session_lock's, while opening */
	size_t nheld;
	bool stopped; /* a thread was found in a group stop: the process is
			 stopped (kept after session_close) */
	bool looking; /* while threads stop: SIGALRM ticks to look at the
			 one waited for (session.c), and what was there */
	struct sigaction old_alarm;
	struct itimerval old_timer;
};

/* session_now_ns - CLOCK_MONOTONIC in nanoseconds. */
uint64_t session_now_ns(void);

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

/*
 * session_wait - the next wait status of held thread @t into *st.  Returns
 * -ESRCH if @t exited.  Waits for any tracee: events of other held threads
 * are kept for their own wait, and their exits are reaped.  Waiting for
 * one thread alone could wait forever when the process is killed: the
 * kernel reports a thread group leader's exit only after every other
 * thread's exit was reaped, by us, their tracer.
 */
int session_wait(struct session *s, struct session_thread *t, int *st);

/* session_wait_until - the same, giving up at @deadline (CLOCK_MONOTONIC
 * ns; 0 waits for ever): -ETIMEDOUT then. */
int session_wait_until(struct session *s, struct session_thread *t, int *st,
		       uint64_t deadline);

/* session_interrupt - stop held thread @t, which runs (a called function
 * that did not return): 0 once stopped, -ESRCH if it exited. */
int session_interrupt(struct session *s, struct session_thread *t);

/* session_group_stop - whether wait status @st of a seized thread is a
 * group stop: its process is stopped by SIGSTOP or another stop signal. */
bool session_group_stop(int st);

/* session_stopped_error - -EBUSY in @err: @what (e.g. "the hooks of patch
 * x would run") in @s's process, which is stopped; a stopped process runs
 * no code because of suture, so the user is told to continue it. */
int session_stopped_error(const struct session *s, const char *what,
			  struct error *err);

/* session_find - the thread @tid of @s, or NULL. */
struct session_thread *session_find(struct session *s, pid_t tid);

/* session_hold_sig - remember signal @sig that @t was stopped for; it is
 * suppressed now and delivered again by session_close. */
void session_hold_sig(struct session_thread *t, int sig);

#endif
